#!/usr/bin/env bash
# Record and replay of a connected lamp (docs/debugging.md#record-and-replay):
# a new lamp given WiFi credentials at its console joins, resolves the
# reference cloud, makes a full TLS handshake with the broker (mutual
# authentication) and connects over MQTT, in realtime, recorded; the cloud
# is stopped, and the replay, with no peer at all, prints the same console
# and ends with the same flash hash.
# Output: TAP.  Usage: replay_cloud.sh LAMPSIM LAMPCLOUD FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampcloud=$2 fw=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tools/lampcloud_start.sh"
. "$here/tap.sh"
lampcloud_session
bail() { echo "Bail out! $*"; exit 1; }

mqtt=$(free_port) https=$(free_port)
lampcloud_start "$lampcloud" "$work/cloud.log" --fleet "$fw/dev-fleet" --state-dir "$work/cloud" \
    --mqtt-port "$mqtt" --https-port "$https" ||
    { sed 's/^/# /' "$work/cloud.log"; bail "lampcloud serve did not start"; }

"$lampsim" run --state-dir "$work/lamp" --fleet "$fw/dev-fleet" --ap site:site-pass \
    --cloud "localhost:$mqtt" --console-input "wifi site site-pass" --console-input net \
    --exit-on '^mqtt: ' --timeout 120 --no-stdin --record "$work/cloud.rec" \
    >"$work/rec.out" 2>"$work/rec.err" </dev/null
check $? "a lamp's first connection to the cloud is recorded"
grep -q 'tls: full handshake' "$work/rec.out" && grep -q 'mqtt: connected as' "$work/rec.out" &&
    ok "the recorded run made a TLS handshake and connected over MQTT" ||
    not_ok "the recorded run made a TLS handshake and connected over MQTT" "$work/rec.out"

kill "$lampcloud_pid" && wait "$lampcloud_pid" 2>/dev/null
lampcloud_pid=
nc -z 127.0.0.1 "$mqtt" 2>/dev/null && bail "the cloud still answers on $mqtt"

"$lampsim" run --replay "$work/cloud.rec" --state-dir "$work/replayed" --no-stdin \
    >"$work/rep.out" 2>"$work/rep.err" </dev/null
rc=$?
[ $rc -eq 0 ] && cmp -s "$work/rec.out" "$work/rep.out" &&
    ok "with no cloud running the replay prints the same console" ||
    not_ok "with no cloud running the replay prints the same console (exit $rc)" "$work/rep.err"
grep -q 'replay matched the recording: .*flash+OTP SHA-256 [0-9a-f]*' "$work/rep.err" &&
    ok "the replayed lamp's flash ends with the recorded hash" ||
    not_ok "the replayed lamp's flash ends with the recorded hash" "$work/rep.err"

tap_end

#!/usr/bin/env bash
# Record and replay of a connected lamp (docs/debugging.md#record-and-replay):
# a new lamp given WiFi credentials at its console joins, resolves the
# reference cloud, makes a full TLS handshake with the broker (mutual
# authentication) and connects over MQTT, in realtime, recorded (a lamp
# with the CRYPTO engine and one without); the cloud is stopped, and the
# replay, with no peer at all, prints the same console and ends with the
# same flash hash.
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

# Both variants: the handshake's crypto on the CRYPTO engine (host OpenSSL,
# its nonces host entropy) and all in emulated Thumb code (basic).
for variant in crypto basic; do
    "$lampsim" run --state-dir "$work/$variant" --variant "$variant" --fleet "$fw/dev-fleet" \
        --ap site:site-pass --cloud "localhost:$mqtt" --console-input "wifi site site-pass" \
        --console-input net --exit-on '^mqtt: ' --timeout 120 --no-stdin \
        --record "$work/$variant.rec" >"$work/$variant.out" 2>"$work/$variant.err" </dev/null
    check $? "$variant lamp: its first connection to the cloud is recorded"
    grep -q 'tls: full handshake' "$work/$variant.out" &&
        grep -q 'mqtt: connected as' "$work/$variant.out" &&
        ok "$variant lamp: the recorded run made a TLS handshake and connected over MQTT" ||
        not_ok "$variant lamp: the recorded run made a TLS handshake and connected" \
            "$work/$variant.out"
done

kill "$lampcloud_pid" && wait "$lampcloud_pid" 2>/dev/null
lampcloud_pid=
nc -z 127.0.0.1 "$mqtt" 2>/dev/null && bail "the cloud still answers on $mqtt"

for variant in crypto basic; do
    "$lampsim" run --replay "$work/$variant.rec" --state-dir "$work/$variant-replayed" \
        --no-stdin >"$work/$variant-rep.out" 2>"$work/$variant-rep.err" </dev/null
    rc=$?
    [ $rc -eq 0 ] && cmp -s "$work/$variant.out" "$work/$variant-rep.out" &&
        ok "$variant lamp: with no cloud running the replay prints the same console" ||
        not_ok "$variant lamp: with no cloud running the replay prints the same console (exit $rc)" \
            "$work/$variant-rep.err"
    grep -q 'replay matched the recording: .*flash+OTP SHA-256 [0-9a-f]*' \
        "$work/$variant-rep.err" &&
        ok "$variant lamp: the replayed flash ends with the recorded hash" ||
        not_ok "$variant lamp: the replayed flash ends with the recorded hash" \
            "$work/$variant-rep.err"
done

tap_end

#!/usr/bin/env bash
# Record and replay of a lamp commissioned over BLE
# (docs/debugging.md#record-and-replay): a new lamp on lampsim's virtual
# medium, lampinstall as the installer's app (the BLE central, through
# the medium's socket: no kernel Bluetooth), the reference cloud's
# commissioning service.  The lamp takes its blob, joins WiFi and connects
# with mutual TLS, recorded; with the cloud and the central gone the
# replay prints the same console and ends with the same flash (the new
# key counter and WiFi credentials in nvstore).
# Output: TAP.  Usage: replay_ble.sh LAMPSIM LAMPCLOUD LAMPINSTALL FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampcloud=$2 lampinstall=$3 fw=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tools/lampcloud_start.sh"
. "$here/tap.sh"
lampcloud_session
bail() { echo "Bail out! $*"; exit 1; }

sock=$work/ble.sock
lampcloud_commissioning "$lampcloud" "$fw/dev-fleet" 2>"$work/start.err" ||
    { sed 's/^/# /' "$work/start.err"; bail "$(tail -1 "$work/start.err")"; }

# The installer's app, once the lamp's radio is on the medium.
( for _ in $(seq 300); do [ -S "$sock" ] && break; sleep 0.1; done
  sleep 1
  printf 'alice-secret-1\n' | "$lampinstall" --cloud "https://localhost:$cport" \
      --ca "$fleet/cloud-ca.crt" --user alice --ssid site --passphrase site-passphrase \
      --ble-socket "$sock" >"$work/install.out" 2>&1 ) &
installer=$!

"$lampsim" run --state-dir "$work/lamp" --fleet "$fleet" --ap site:site-passphrase \
    --cloud "localhost:$mqtt" --ble-socket "$sock" --exit-on 'mqtt: connected as' \
    --timeout 120 --no-stdin --record "$work/ble.rec" \
    >"$work/rec.out" 2>"$work/rec.err" </dev/null
check $? "a lamp commissioned over BLE, joining and connecting, is recorded"
wait "$installer"
grep -q 'accepted n=1' "$work/install.out" &&
    ok "the lamp accepted its commissioning blob over the medium" ||
    not_ok "the lamp accepted its commissioning blob over the medium" "$work/install.out"

kill "$lampcloud_pid" && wait "$lampcloud_pid" 2>/dev/null
lampcloud_pid=
rm -f "$sock"

"$lampsim" run --replay "$work/ble.rec" --state-dir "$work/replayed" --no-stdin \
    >"$work/rep.out" 2>"$work/rep.err" </dev/null
rc=$?
[ $rc -eq 0 ] && cmp -s "$work/rec.out" "$work/rep.out" &&
    ok "with no central and no cloud the replay prints the same console" ||
    not_ok "with no central and no cloud the replay prints the same console (exit $rc)" \
        "$work/rep.err"
grep -q 'replay matched the recording: .*flash+OTP SHA-256' "$work/rep.err" &&
    ok "the replayed lamp's flash (key counter, credentials) ends as recorded" ||
    not_ok "the replayed lamp's flash ends as recorded" "$work/rep.err"

tap_end

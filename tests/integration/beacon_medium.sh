#!/usr/bin/env bash
# Beacons on the virtual medium's socket (docs/ble.md#the-central-socket):
# a lamp running the beacon exerciser (tests/firmware/beacon_exerciser.c,
# external boot) advertises its commissioning set and three broadcast
# sets; a central scans them through the socket, sees each decoded, sees
# a data change and a stop, and lampinstall, which knows only `adv`
# lines, still finds exactly one lamp to commission.  TAP.
# Usage: beacon_medium.sh LAMPSIM LAMPINSTALL EXERCISER_BIN
set -uo pipefail
lampsim=$1 lampinstall=$2 exerciser=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
lamp_pid=
cleanup() {
    [ -n "$lamp_pid" ] && kill "$lamp_pid" 2>/dev/null && wait "$lamp_pid" 2>/dev/null
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
. "$here/tap.sh"
bail() { echo "Bail out! $*"; exit 1; }
sock=$work/ble.sock
uuid=e2c56db5-dffb-48d2-b060-d0f5a71096e0

# One command line to the medium; its lines, the final one last.
central() {
    python3 - "$sock" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while True:
    lines = buf.decode().split("\n")
    if any(l.startswith(("ok", "err")) for l in lines[:-1]):
        break
    chunk = s.recv(4096)
    if not chunk:
        break
    buf += chunk
print(buf.decode(), end="")
EOF
}
console_count() { grep -c "^beacon: " "$work/lamp.txt" 2>/dev/null; }
wait_answers() { # N: until the exerciser gave N answers
    for _ in $(seq 300); do
        [ "$(console_count)" -ge "$1" ] && return 0
        kill -0 "$lamp_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

echo 1..8
"$lampsim" run --state-dir "$work/lamp" --external-boot "$exerciser" --ble-socket "$sock" \
    --no-stdin --timeout 120 \
    --console-input "adv LMP-BCN" \
    --console-input "params 1 100 -4" --console-input "ibeacon 1 $uuid 1 2 -59" \
    --console-input "start 1" \
    --console-input "params 2 1000 127" \
    --console-input "eddystone 2 edd1ebeac04e5defa017 0bdb87539b67 -18" --console-input "start 2" \
    --console-input "params 3 500 0" --console-input "raw 3 020106" --console-input "start 3" \
    > "$work/lamp.txt" 2> "$work/lamp.err" &
lamp_pid=$!
wait_answers 10 || bail "the exerciser did not answer its 10 commands: $(tail -3 "$work/lamp.txt" "$work/lamp.err")"
if [ "$(grep -c '^beacon: ok' "$work/lamp.txt")" = 10 ]; then
    ok "the exerciser set up set 0 and three broadcast sets"
else
    not_ok_saying "the exerciser set up set 0 and three broadcast sets" "$(grep '^beacon: ' "$work/lamp.txt")"
fi

central scan > "$work/scan1.txt"
addr=$(sed -n 's/^adv \([^ ]*\) LMP-BCN a7c30001-5c1e-4d6b-9a0f-6c616d700000$/\1/p' "$work/scan1.txt")
if [ -n "$addr" ]; then
    ok "scan: the connectable set, named, with the commissioning service ($addr)"
else
    not_ok_saying "scan: the connectable set with the commissioning service" "$(cat "$work/scan1.txt")"
fi
want_lines() { # NAME FILE LINE...: every LINE is in FILE
    local name=$1 file=$2 l; shift 2
    for l in "$@"; do
        grep -qxF -- "$l" "$file" || { not_ok_saying "$name" "no line: $l" "$(cat "$file")"; return; }
    done
    ok "$name"
}
want_lines "scan: the iBeacon, the Eddystone-UID and the other broadcast, decoded" "$work/scan1.txt" \
    "ibeacon $addr $uuid 1 2 -59" \
    "eddystone-uid $addr edd1ebeac04e5defa017 0bdb87539b67 -18" \
    "broadcast $addr 020106" "ok 4"

# lampinstall knows `adv` lines only: the others must not count as lamps.
# --replay-blob needs no cloud; the exerciser has no commissioning
# service behind its advertising, so the attempt itself fails.
echo 00 > "$work/blob.hex"
"$lampinstall" --ble-socket "$sock" --replay-blob "$work/blob.hex" > "$work/install.txt" 2>&1
if grep -q "lampinstall: 1 lamps advertise the commissioning service" "$work/install.txt" &&
        grep -q "^$addr: lamp info: " "$work/install.txt"; then
    ok "lampinstall skips the beacon lines: one lamp, the adv line's ($addr)"
else
    not_ok_saying "lampinstall skips the beacon lines: one lamp" "$(cat "$work/install.txt")"
fi

# A new identity on a set that is on, then a stop: the next scan shows it.
kill "$lamp_pid" 2>/dev/null; wait "$lamp_pid" 2>/dev/null
"$lampsim" run --state-dir "$work/lamp" --external-boot "$exerciser" --ble-socket "$sock" \
    --no-stdin --timeout 120 \
    --console-input "params 1 100 -4" --console-input "ibeacon 1 $uuid 1 2 -59" \
    --console-input "start 1" --console-input "params 2 1000 127" \
    --console-input "eddystone 2 edd1ebeac04e5defa017 0bdb87539b67 -18" --console-input "start 2" \
    --console-input "ibeacon 1 $uuid 9 10 -60" --console-input "stop 2" \
    > "$work/lamp.txt" 2> "$work/lamp.err" &
lamp_pid=$!
wait_answers 8 || bail "the exerciser did not answer its 8 commands: $(tail -3 "$work/lamp.txt" "$work/lamp.err")"
central scan > "$work/scan2.txt"
want_lines "scan after a change: the new iBeacon identity" "$work/scan2.txt" \
    "ibeacon $addr $uuid 9 10 -60" "ok 1"
if ! grep -q "^eddystone-uid \|^adv " "$work/scan2.txt"; then
    ok "scan after a stop: no Eddystone-UID, and no adv line (set 0 never started)"
else
    not_ok_saying "scan after a stop: set 2 and set 0 are off the air" "$(cat "$work/scan2.txt")"
fi

# The model says it does not time advertising, once per set started.
if [ "$(grep -c 'unimplemented: ble: set [12] broadcasts every .* not timed' "$work/lamp.err")" = 2 ]; then
    ok "each start says advertising events are not timed"
else
    not_ok_saying "each start says advertising events are not timed" "$(cat "$work/lamp.err")"
fi
if grep -q "err 4\|err 5\|err 8" "$work/lamp.txt"; then
    not_ok_saying "no command refused" "$(grep '^beacon: ' "$work/lamp.txt")"
else
    ok "no command refused"
fi
[ $failed -eq 0 ]

#!/usr/bin/env bash
# Inside the test guest (run_in_guest.sh): a lamp's beacons through real
# BlueZ.  lampsim shows a lamp running the beacon exerciser
# (tests/firmware/beacon_exerciser.c) through hci0; its two broadcast
# sets, an iBeacon and an Eddystone-UID, become two advertisements of
# Type "broadcast"; a discovery on hci1 reads both frames back from
# Device1's ManufacturerData and ServiceData; new data on a set reaches
# it, a set the lamp stops is withdrawn from the adapter, and sets past
# the adapter's advertisement slots are named with the limit.  TAP.
# Usage: beacon_guest.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: beacon_guest.sh BUILD_DIR}
work=$(mktemp -d)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
    n=$((n + 1)) failed=$((failed + 1))
    echo "not ok $n - $1"; shift
    for f in "$@"; do [ -f "$f" ] && tail -15 "$f" | sed 's/^/#   /'; done
}
wait_for() { # FILE REGEX SECONDS: until FILE has a line matching REGEX
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
uuid=e2c56db5-dffb-48d2-b060-d0f5a71096e0

echo 1..10
# shellcheck source-path=SCRIPTDIR source=guest_bt_setup.sh
if ! . "$here/guest_bt_setup.sh"; then
    echo "Bail out! guest_bt_setup.sh could not bring up hci0, hci1 and bluetoothd"
    exit 1
fi
ok "two controllers (hci0 $BT_ADDR_HCI0, hci1 $BT_ADDR_HCI1) and bluetoothd"

# The lamp's console is its standard input, a FIFO kept open: a set is
# stopped later in the test (lampsim run reads standard input only
# without --console-input).
mkfifo "$work/console"
"$build/sim/lampsim" run --state-dir "$work/lamp" --bluez hci0 --timeout 600 \
    --external-boot "$build/tests/firmware/beacon_exerciser.bin" \
    < "$work/console" > "$work/lamp.txt" 2>&1 &
pids+=($!)
exec 9>"$work/console"
# typed as it comes (no prompt to wait for): after the exerciser is up
wait_for "$work/lamp.txt" "^beacon exerciser: 4 advertising sets" 300 ||
    { echo "Bail out! the exerciser did not boot: $(tail -3 "$work/lamp.txt")"; exit 1; }
printf '%s\n' "params 1 100 -4" "ibeacon 1 $uuid 1 2 -59" "start 1" "params 2 200 127" \
    "eddystone 2 edd1ebeac04e5defa017 0bdb87539b67 -18" "start 2" >&9
if wait_for "$work/lamp.txt" "broadcast set 1 on the air through /org/bluez/hci0" 300 &&
        wait_for "$work/lamp.txt" "broadcast set 2 on the air through /org/bluez/hci0" 60; then
    ok "BlueZ took both broadcast sets as advertisements on hci0"
else
    not_ok "BlueZ took both broadcast sets as advertisements on hci0" "$work/lamp.txt"
fi
active() { # the adapter's advertisements in use
    bt_dbus /org/bluez/hci0 org.freedesktop.DBus.Properties.Get \
        string:org.bluez.LEAdvertisingManager1 string:ActiveInstances |
        sed -n 's/^ *variant *byte \([0-9]*\)$/\1/p'
}
if [ "$(active)" = 2 ]; then
    ok "hci0 runs 2 advertisements, one per broadcast set"
else
    not_ok "hci0 runs 2 advertisements, one per broadcast set (got '$(active)')" "$work/lamp.txt"
fi

# hci1 scans.  A broadcaster sends no discoverable Flags, and bluetoothd
# shows such a device only to a discovery with a filter (a transport will
# do).  bluetoothctl 5.66's `scan le` does not send its filter; `menu
# scan` then `transport le` does, at the next `scan on`.
mkfifo /tmp/scanner.in
bluetoothctl < /tmp/scanner.in > "$BT_LOG_DIR/bluetoothctl-scanner.log" 2>&1 &
pids+=($!)
exec 8>/tmp/scanner.in
bt_wait 30 "bluetoothctl (scanner) to connect to bluetoothd" \
    grep -q 'Agent registered' "$BT_LOG_DIR/bluetoothctl-scanner.log"
# (a command read before bluetoothctl knows the controllers is lost: the
# scan starts once `show` names hci1)
printf '%s\n' "select $BT_ADDR_HCI1" show >&8
bt_wait 10 "bluetoothctl (scanner) to select hci1" \
    grep -q "Controller $BT_ADDR_HCI1 (" "$BT_LOG_DIR/bluetoothctl-scanner.log"
printf '%s\n' 'menu scan' 'transport le' back 'scan on' >&8
# Every device hci1 has found, as one line of dbus-send's text.
seen() {
    bt_dbus / org.freedesktop.DBus.ObjectManager.GetManagedObjects 2>/dev/null | tr -s ' \n' '  '
}
ibeacon_seen() {
    seen | grep -q 'uint16 76 variant array of bytes \[ 02 15 e2 c5 6d b5 df fb 48 d2 b0 60 d0 f5 a7 10 96 e0 00 01 00 02 c5 \]'
}
eddystone_seen() {
    seen | grep -q 'string "0000feaa-0000-1000-8000-00805f9b34fb" variant array of bytes \[ 00 ee ed d1 eb ea c0 4e 5d ef a0 17 0b db 87 53 9b 67 00 00 \]'
}
if bt_wait 60 "hci1 to find the iBeacon" ibeacon_seen; then
    ok "hci1 reads the iBeacon from ManufacturerData (Apple, 0x004C): UUID, major 1, minor 2, -59 dBm"
else
    seen > "$work/seen.txt"
    not_ok "hci1 reads the iBeacon from a device's ManufacturerData" "$work/seen.txt" "$work/lamp.txt"
fi
if bt_wait 60 "hci1 to find the Eddystone-UID" eddystone_seen; then
    ok "hci1 reads the Eddystone-UID from ServiceData (0xFEAA): namespace, instance, -18 dBm"
else
    seen > "$work/seen.txt"
    not_ok "hci1 reads the Eddystone-UID from a device's ServiceData" "$work/seen.txt" "$work/lamp.txt"
fi

# A new identity on set 1 while it is on: BlueZ hears it through
# PropertiesChanged and refreshes the advertisement in place.
echo "ibeacon 1 $uuid 9 10 -60" >&9
new_ibeacon_seen() {
    seen | grep -q 'uint16 76 variant array of bytes \[ 02 15 e2 c5 6d b5 df fb 48 d2 b0 60 d0 f5 a7 10 96 e0 00 09 00 0a c4 \]'
}
if bt_wait 60 "hci1 to find the new iBeacon identity" new_ibeacon_seen && [ "$(active)" = 2 ]; then
    ok "new data on a set that is on reaches hci1 (major 9, minor 10, -60 dBm), still 2 advertisements"
else
    seen > "$work/seen.txt"
    not_ok "new data on a set that is on reaches hci1" "$work/seen.txt" "$work/lamp.txt"
fi

# The lamp stops set 2: its advertisement goes.
echo "stop 2" >&9
two_gone() { [ "$(active)" = 1 ]; }
if wait_for "$work/lamp.txt" "broadcast set 2 withdrawn from /org/bluez/hci0" 60 &&
        bt_wait 30 "hci0 to run one advertisement" two_gone; then
    ok "a stopped set is withdrawn: hci0 runs 1 advertisement"
else
    not_ok "a stopped set is withdrawn from hci0 (active: '$(active)')" "$work/lamp.txt"
fi
if grep -q "refused by BlueZ\|left off the air" "$work/lamp.txt"; then
    not_ok "BlueZ refused nothing" "$work/lamp.txt"
else
    ok "BlueZ refused nothing"
fi

# The slots are shared: a second lamp with three beacons takes 3 more
# (4 of 5 in use), the first lamp's set 2 again the fifth, and its set 3
# finds none: it is named with the limit, and tried again when its data
# changes after a slot came free.
"$build/sim/lampsim" run --state-dir "$work/lamp2" --bluez hci0 --timeout 600 --no-stdin \
    --external-boot "$build/tests/firmware/beacon_exerciser.bin" \
    --console-input "params 1 100 0" --console-input "raw 1 05ff4c00aa01" --console-input "start 1" \
    --console-input "params 2 100 0" --console-input "raw 2 05ff4c00aa02" --console-input "start 2" \
    --console-input "params 3 100 0" --console-input "raw 3 05ff4c00aa03" --console-input "start 3" \
    > "$work/lamp2.txt" 2>&1 &
pids+=($!)
four_active() { [ "$(active)" = 4 ]; }
if bt_wait 120 "the second lamp's three sets on hci0" four_active; then
    printf '%s\n' "start 2" "params 3 100 0" "eddystone 3 edd1ebeac04e5defa017 0bdb87539b67 -18" \
        "start 3" >&9
fi
if wait_for "$work/lamp.txt" "broadcast set 3 left off the air: all 5 advertisement slots of the adapter are taken" 120 &&
        [ "$(active)" = 5 ]; then
    ok "a sixth advertisement is left off the air, named with the 5 shared slots"
else
    not_ok "a sixth advertisement is left off the air, named with the shared slots (active: '$(active)')" \
        "$work/lamp.txt" "$work/lamp2.txt"
fi
echo "stop 1" >&9
wait_for "$work/lamp.txt" "broadcast set 1 withdrawn" 60
echo "eddystone 3 edd1ebeac04e5defa017 0bdb87539b67 -17" >&9
if wait_for "$work/lamp.txt" "broadcast set 3 on the air through" 60 && [ "$(active)" = 5 ]; then
    ok "once a slot is free, new data on the set left off puts it on the air"
else
    not_ok "once a slot is free, new data on the set left off puts it on the air (active: '$(active)')" \
        "$work/lamp.txt"
fi
echo quit >&8
[ $failed -eq 0 ]

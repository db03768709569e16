#!/usr/bin/env bash
# Inside the test guest (run_in_guest.sh): real BlueZ on two virtual
# controllers does what lampsim's BlueZ tests will need, the lamp side on
# hci0 and the installer's side on hci1, all through bluetoothd's D-Bus
# API: an advertisement registered with LEAdvertisingManager1 is seen by a
# discovery on the other controller, which then connects over LE and
# resolves the GATT services.  bluetoothctl plays both applications.  TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
uuid=0000feed-0000-1000-8000-00805f9b34fb
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)) failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # NAME COMMAND...: ok when the command succeeds
    local name=$1; shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}

echo 1..5
# shellcheck source-path=SCRIPTDIR source=guest_bt_setup.sh
if ! . "$here/guest_bt_setup.sh"; then
    echo "Bail out! guest_bt_setup.sh could not bring up hci0, hci1 and bluetoothd"
    exit 1
fi
ok "btvirt's hci0 ($BT_ADDR_HCI0) and hci1 ($BT_ADDR_HCI1) powered on through bluetoothd"

interfaces() { # HCI: the D-Bus interfaces of the adapter's object
    bt_dbus "/org/bluez/$1" org.freedesktop.DBus.Introspectable.Introspect |
        grep -o 'interface name="[^"]*"'
}
has_managers() {
    interfaces hci0 >"$BT_LOG_DIR/hci0.interfaces" &&
        grep -q '"org.bluez.GattManager1"' "$BT_LOG_DIR/hci0.interfaces" &&
        grep -q '"org.bluez.LEAdvertisingManager1"' "$BT_LOG_DIR/hci0.interfaces"
}
check "hci0 offers GattManager1 and LEAdvertisingManager1 (bluetoothd without --experimental)" \
    has_managers

# One bluetoothctl per side, each fed through a FIFO that stays open, so
# its advertisement and discovery live as long as the test (bluetoothd
# drops them when their D-Bus client goes).
ctl() { # NAME ADDRESS FD: a bluetoothctl reading fd FD, using controller ADDRESS
    local log=$BT_LOG_DIR/bluetoothctl-$1.log
    mkfifo "/tmp/$1.in"
    bluetoothctl <"/tmp/$1.in" >"$log" 2>&1 &
    eval "exec $3>/tmp/$1.in"
    # A command read before bluetoothctl knows the controllers is lost;
    # show names the selected controller as "Controller ADDRESS (public)".
    bt_wait 30 "bluetoothctl ($1) to connect to bluetoothd" grep -q 'Agent registered' "$log" &&
        printf '%s\n' "select $2" show >&"$3" &&
        bt_wait 10 "bluetoothctl ($1) to select $2" grep -q "Controller $2 (" "$log"
}
if ! ctl lamp "$BT_ADDR_HCI0" 7 || ! ctl installer "$BT_ADDR_HCI1" 8; then
    echo "Bail out! bluetoothctl did not start"
    exit 1
fi

printf '%s\n' 'menu advertise' "uuids $uuid" 'name lampsim-smoke' back 'advertise on' >&7
active_instances() {
    [ "$(bt_dbus /org/bluez/hci0 org.freedesktop.DBus.Properties.Get \
        string:org.bluez.LEAdvertisingManager1 string:ActiveInstances |
        sed -n 's/^ *variant *byte \([0-9]*\)$/\1/p')" = 1 ]
}
check "hci0 advertises through LEAdvertisingManager1 (bluetoothctl advertise on)" \
    bt_wait 30 "hci0 to report one active advertisement" active_instances

lamp=/org/bluez/hci1/dev_${BT_ADDR_HCI0//:/_}
device_has() { # PROPERTY REGEX: the lamp as hci1 knows it has PROPERTY matching
    bt_dbus "$lamp" org.freedesktop.DBus.Properties.Get \
        string:org.bluez.Device1 "string:$1" 2>/dev/null | grep -q -- "$2"
}
echo 'scan le' >&8
check "hci1's discovery finds hci0 with the advertised UUID ($lamp)" \
    bt_wait 60 "hci1 to find $BT_ADDR_HCI0 advertising $uuid" device_has UUIDs "$uuid"

printf '%s\n' 'scan off' "connect $BT_ADDR_HCI0" >&8
check "hci1 connects to hci0 over LE and resolves its GATT services" \
    bt_wait 60 "hci1 to connect to $BT_ADDR_HCI0 and resolve its services" \
    device_has ServicesResolved 'boolean true'

echo quit >&7
echo quit >&8
if [ $failed -ne 0 ]; then
    echo "# $failed of $n failed; bluetoothctl's and the daemons' logs: $BT_LOG_DIR" >&2
fi
[ $failed -eq 0 ]

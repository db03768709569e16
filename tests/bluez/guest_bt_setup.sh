#!/usr/bin/env bash
# Inside the test guest (run_in_guest.sh), as root: brings up real BlueZ on
# two virtual LE controllers that share one virtual radio, hci0 and hci1,
# both powered on and managed by one bluetoothd on the system bus.
# Run it, or source it to keep BT_ADDR_HCI0 and BT_ADDR_HCI1 (the
# controllers' addresses) and BT_LOG_DIR; either way its status is 0 only
# when everything came up, and a failure says which step and shows the
# daemons' logs.  The daemons outlive it, and are not the caller's
# children (a caller's bare `wait` would never return); the guest's
# power-off ends them.
#   btvirt -L -l2      (bluez-test-tools: two LE-only controllers on
#                       /dev/vhci, from module hci_vhci, one radio)
#   dbus-daemon --system
#   bluetoothd -n -d   (no --experimental: in BlueZ 5.66 GattManager1 and
#                       LEAdvertisingManager1 are stable interfaces;
#                       BT_BLUETOOTHD_ARGS adds flags, e.g. -E)
# Logs: BT_LOG_DIR, default $LAMPSIM_GUEST_RESULTS/bt (kept on the host
# when the run fails), else /tmp/bt.

bt_log() { echo "guest_bt_setup: $*" >&2; }

bt_fail() { # WHAT: say loudly what did not come up, with the logs
    local f
    bt_log "FAILED: $*"
    for f in "$BT_LOG_DIR"/*.log; do
        [ -f "$f" ] || continue
        bt_log "--- last lines of $f"
        tail -n 20 "$f" | sed 's/^/    /' >&2
    done
    return 1
}

bt_has_both() { bt_has_adapter hci0 && bt_has_adapter hci1; }

bt_wait() { # SECONDS WHAT COMMAND...: until COMMAND succeeds, or fail
    # The guest is emulated (TCG) on a host that may be busy with other
    # work: the waits are stretched 4 times, which costs only on failure.
    local seconds=$(($1 * 4)) what=$2 i
    shift 2
    for ((i = 0; i < seconds * 5; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    bt_fail "$what (waited $seconds s)"
}

bt_dbus() { # dbus-send to bluetoothd on the system bus, reply printed
    dbus-send --system --print-reply --dest=org.bluez "$@"
}

bt_adapter_prop() { # HCI NAME: the adapter's property NAME, bare
    bt_dbus "/org/bluez/$1" org.freedesktop.DBus.Properties.Get \
        string:org.bluez.Adapter1 "string:$2" |
        sed -n 's/^ *variant *[a-z]* "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p'
}

bt_has_adapter() { # HCI: bluetoothd exports /org/bluez/HCI
    bt_dbus / org.freedesktop.DBus.ObjectManager.GetManagedObjects |
        grep -q "object path \"/org/bluez/$1\""
}

bt_powered() { # HCI: the adapter says it is powered on
    [ "$(bt_adapter_prop "$1" Powered)" = true ]
}

bt_power_on() { # HCI: powered, or ask bluetoothd once more and say no yet
    # Right after it finds a controller bluetoothd is still setting it up
    # (and may power it itself, AutoEnable): a Set then answers Busy.
    bt_powered "$1" && return
    bt_dbus "/org/bluez/$1" org.freedesktop.DBus.Properties.Set \
        string:org.bluez.Adapter1 string:Powered variant:boolean:true >/dev/null 2>&1
    return 1
}

bt_start_controllers() { # btvirt: two virtual controllers on one virtual radio
    (btvirt -L -l2 >>"$BT_LOG_DIR/btvirt.log" 2>&1 & echo $! >"$BT_LOG_DIR/btvirt.pid")
    bt_wait 30 "btvirt to create hci0 and hci1" \
        test -e /sys/class/bluetooth/hci0 -a -e /sys/class/bluetooth/hci1
}

bt_stop_controllers() { # closing btvirt's /dev/vhci removes its controllers
    kill "$(cat "$BT_LOG_DIR/btvirt.pid")" 2>/dev/null
    bt_wait 10 "btvirt's controllers to go" test ! -e /sys/class/bluetooth/hci0 -a \
        ! -e /sys/class/bluetooth/hci1
}

bt_setup() {
    local hci
    BT_LOG_DIR=${BT_LOG_DIR:-${LAMPSIM_GUEST_RESULTS:+$LAMPSIM_GUEST_RESULTS/bt}}
    BT_LOG_DIR=${BT_LOG_DIR:-/tmp/bt}
    mkdir -p "$BT_LOG_DIR" || { bt_log "FAILED: cannot make $BT_LOG_DIR"; return 1; }

    modprobe hci_vhci || bt_fail "modprobe hci_vhci (the guest kernel's virtual HCI driver)" || return
    bt_wait 10 "/dev/vhci to appear" test -c /dev/vhci || return
    bt_start_controllers || return

    mkdir -p /run/dbus
    dbus-uuidgen --ensure || bt_fail "dbus-uuidgen --ensure (the machine id)" || return
    dbus-daemon --system --fork --nopidfile >"$BT_LOG_DIR/dbus.log" 2>&1 ||
        bt_fail "dbus-daemon --system" || return
    bt_wait 10 "the system bus socket" test -S /run/dbus/system_bus_socket || return

    # bluetoothd sometimes registers only one of the two controllers that
    # btvirt just made.  Seen in CI: hci0 never indexed, because the
    # kernel's HCI Reset to it timed out ("hci0: Opcode 0x0c03 failed:
    # -110": btvirt answers late when the guest is starved) and a
    # controller whose setup failed is never offered to bluetoothd again.
    # So a retry makes the controllers anew as well as restarting
    # bluetoothd.
    local attempt
    for attempt in 1 2 3; do
        if [ "$attempt" != 1 ]; then
            bt_stop_controllers && bt_start_controllers || return
        fi
        # shellcheck disable=SC2086 # BT_BLUETOOTHD_ARGS is a list of flags
        (/usr/libexec/bluetooth/bluetoothd -n -d ${BT_BLUETOOTHD_ARGS:-} \
            >"$BT_LOG_DIR/bluetoothd.log" 2>&1 & echo $! >"$BT_LOG_DIR/bluetoothd.pid")
        if bt_wait 15 "bluetoothd to export /org/bluez/hci0 and hci1 (attempt $attempt)" \
                bt_has_both; then
            break
        fi
        [ "$attempt" = 3 ] && return 1
        kill "$(cat "$BT_LOG_DIR/bluetoothd.pid")" 2>/dev/null
        sleep 2
    done
    for hci in hci0 hci1; do
        bt_wait 20 "powering $hci on through bluetoothd" bt_power_on "$hci" || return
    done
    BT_ADDR_HCI0=$(bt_adapter_prop hci0 Address)
    BT_ADDR_HCI1=$(bt_adapter_prop hci1 Address)
    if [ -z "$BT_ADDR_HCI0" ] || [ -z "$BT_ADDR_HCI1" ]; then
        bt_fail "reading the adapters' addresses (hci0 '$BT_ADDR_HCI0', hci1 '$BT_ADDR_HCI1')"
        return
    fi
    export BT_LOG_DIR BT_ADDR_HCI0 BT_ADDR_HCI1
    bt_log "hci0 $BT_ADDR_HCI0, hci1 $BT_ADDR_HCI1, powered; bluetoothd $(/usr/libexec/bluetooth/bluetoothd -v); logs in $BT_LOG_DIR"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    bt_setup
    exit
fi
bt_setup

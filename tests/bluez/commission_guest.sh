#!/usr/bin/env bash
# Inside the test guest (run_in_guest.sh): BLE commissioning through real
# BlueZ.  lampsim shows a lamp through hci0 with its BlueZ transport (a
# GATT application and an advertisement registered with bluetoothd);
# lampinstall plays the phone on hci1 (discovery, Device1.Connect,
# GattCharacteristic1 reads, notifications and writes), gets the blob from
# the reference cloud running in the guest too, and the lamp accepts it,
# joins WiFi and connects to the cloud's broker.  TAP.
# Usage: commission_guest.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: commission_guest.sh BUILD_DIR}
work=$(mktemp -d)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
    n=$((n + 1)) failed=$((failed + 1))
    echo "not ok $n - $1"; shift
    for f in "$@"; do [ -f "$f" ] && tail -15 "$f" | sed 's/^/#   /'; done
}
# Waits by the clock, not by a count of polls: under TCG each grep takes a
# good part of a second.  Gives up at once when PID (if given) has exited,
# so a lamp that failed to start does not cost the whole timeout.
wait_for() { # FILE REGEX SECONDS [PID]
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
            grep -q -- "$2" "$1" 2>/dev/null
            return
        fi
        sleep 0.2
    done
    return 1
}
pids=()
cleanup() { for p in "${pids[@]}" ${lampcloud_pid:-}; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

echo 1..5
# shellcheck source-path=SCRIPTDIR source=guest_bt_setup.sh
if ! . "$here/guest_bt_setup.sh"; then
    echo "Bail out! guest_bt_setup.sh could not bring up hci0, hci1 and bluetoothd"
    exit 1
fi
ok "two controllers (hci0 $BT_ADDR_HCI0, hci1 $BT_ADDR_HCI1) and bluetoothd"

# The reference cloud, in the guest: the guest has no network, so fixed
# loopback ports are free; loopback and the name localhost it must have.
ip link set lo up || { echo "Bail out! no loopback interface"; exit 1; }
grep -qw localhost /etc/hosts 2>/dev/null || echo "127.0.0.1 localhost" >> /etc/hosts
cp -r "$build/firmware/dev-fleet" "$work/fleet"
mqtt=18883 https=18443 cport=18885
# shellcheck source=../../tools/lampcloud_start.sh
. "$here/../../tools/lampcloud_start.sh"
# emulated twice (TCG, and the sanitizers in the test build): slow to start
LAMPCLOUD_START_WAIT=120
if ! lampcloud_start "$build/tools/lampcloud/lampcloud" "$work/cloud.log" --fleet "$work/fleet" \
        --state-dir "$work/cloud" --mqtt-port $mqtt --https-port $https --commission-port $cport; then
    echo "Bail out! lampcloud serve did not start: $(tail -3 "$work/cloud.log")"
    exit 1
fi
printf 'installer-pw\n' | "$build/tools/lampcloud/lampcloud" installer add alice \
    --fleet "$work/fleet" >/dev/null || { echo "Bail out! lampcloud installer add"; exit 1; }

"$build/sim/lampsim" run --state-dir "$work/lamp" --fleet "$work/fleet" --bluez hci0 \
    --ap site:site-passphrase --cloud "localhost:$mqtt" --no-stdin --timeout 900 \
    > "$work/lamp.txt" 2>&1 &
lamp_pid=$!
pids+=($lamp_pid)
if wait_for "$work/lamp.txt" "lampsim: bluez: .*advertising through" 300 $lamp_pid; then
    ok "lampsim's BlueZ transport registered the lamp's GATT application and advertisement on hci0"
else
    not_ok "the lamp is shown through hci0" "$work/lamp.txt"
fi

# btvirt's controllers now and then carry no advertising report from hci0
# to hci1's first discovery (bluetoothd on both sides says the
# advertisement is registered and the scan ran; one fresh-clone CI run of
# three on 2026-12-06): a scan that finds no lamp is tried again, twice at
# most, and said.
for try in 1 2 3; do
    printf 'installer-pw\n' | "$build/tools/lampinstall/lampinstall" --bluez hci1 --scan-ms 15000 \
        --cloud "https://localhost:$cport" --ca "$work/fleet/cloud-ca.crt" --user alice \
        --ssid site --passphrase site-passphrase --timeout-ms 120000 > "$work/install.txt" 2>&1
    grep -q ' 0 lamps advertise' "$work/install.txt" || break
    echo "# scan $try on hci1 found no lamp advertising; scanning again"
done
installed=no
if grep -q ': accepted n=1$' "$work/install.txt"; then
    ok "lampinstall on hci1 found the lamp, fetched its blob and the lamp accepted it (n=1)"
    installed=yes
else
    not_ok "lampinstall on hci1 commissioned the lamp" "$work/install.txt" "$work/lamp.txt"
fi
# Without a blob the lamp has nothing to accept nor a network to join: the
# checks below would only wait out their time.
if [ $installed = no ]; then
    not_ok "the lamp's console says it accepted the blob (no blob was written)"
    not_ok "the lamp connected to the cloud (it was not commissioned)"
elif wait_for "$work/lamp.txt" "commission: accepted n=1" 30 $lamp_pid; then
    ok "the lamp's console: commission: accepted n=1"
else
    not_ok "the lamp's console says it accepted the blob" "$work/lamp.txt"
fi
if [ $installed = no ]; then
    :
elif wait_for "$work/lamp.txt" "mqtt: connected as" 300 $lamp_pid; then
    ok "the lamp joined WiFi and connected to the cloud with mutual TLS"
else
    not_ok "the lamp connected to the cloud" "$work/lamp.txt" "$work/cloud.log"
fi
[ $failed -eq 0 ]

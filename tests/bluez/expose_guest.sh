#!/usr/bin/env bash
# Inside the test guest (run_in_guest.sh): a fleet shown through one BlueZ
# adapter.  Asked to show more lamps than the adapter has advertisement
# slots, lampsim advertises as many as fit and names the others with the
# adapter's limit; with a window and a rotation period, the lamps shown
# take turns.  TAP.
# Usage: expose_guest.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: expose_guest.sh BUILD_DIR}
work=$(mktemp -d)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
    n=$((n + 1)) failed=$((failed + 1))
    echo "not ok $n - $1"; shift
    for f in "$@"; do [ -f "$f" ] && grep -v "^  LMP" "$f" | tail -15 | sed 's/^/#   /'; done
}
fleet() { # LOG ARGS...: a fleet of 6 lamps shown through hci0
    local log=$1; shift
    "$build/sim/lampsim" fleet --count 6 --state-dir "$work/lamps" --bluez hci0 --timeout 900 \
        "$@" > /dev/null 2> "$log"
}

echo 1..5
# shellcheck source-path=SCRIPTDIR source=guest_bt_setup.sh
if ! . "$here/guest_bt_setup.sh"; then
    echo "Bail out! guest_bt_setup.sh could not bring up hci0, hci1 and bluetoothd"
    exit 1
fi
ok "two controllers and bluetoothd"

fleet "$work/all.log" --bluez-lamps 6 --idle 8
slots=$(sed -n 's/.*BlueZ adapter hci0 ([^)]*): \([0-9]*\) advertisement slots.*/\1/p' "$work/all.log")
shown=$(grep -c "advertising through" "$work/all.log")
refused=$(grep -c "not advertised: the adapter runs at most $slots advertisements" "$work/all.log")
if [ -n "$slots" ] && [ "$slots" -gt 0 ] && [ "$slots" -lt 6 ]; then
    ok "hci0 reports $slots advertisement slots"
else
    not_ok "hci0 reports fewer advertisement slots than 6 lamps (got '$slots')" "$work/all.log"
fi
if [ "$shown" = "$slots" ] && [ "$refused" = $((6 - slots)) ]; then
    ok "6 lamps asked for: $shown advertise, $refused named with the adapter's limit"
else
    not_ok "6 lamps asked for: slots advertise, the rest named (got $shown and $refused)" "$work/all.log"
fi

fleet "$work/rotate.log" --bluez-lamps 2 --bluez-rotate 2 --idle 40
turns=$(grep -c "advertising through" "$work/rotate.log")
distinct=$(sed -n 's/^lampsim: bluez: \(.*\): advertising through.*/\1/p' "$work/rotate.log" | sort -u | wc -l)
# window 2: a third lamp advertised proves a turn; a busy host gets fewer in
if [ "$turns" -ge 3 ] && [ "$distinct" -ge 3 ]; then
    ok "a window of 2 rotating every 2 s advertised $distinct different lamps in $turns turns"
else
    not_ok "the window of 2 rotates through the fleet (got $turns turns, $distinct lamps)" "$work/rotate.log"
fi
if ! grep -q "not advertised" "$work/rotate.log"; then
    ok "within the slots, no lamp is refused an advertisement"
else
    not_ok "within the slots, no lamp is refused an advertisement" "$work/rotate.log"
fi
[ $failed -eq 0 ]

#!/usr/bin/env bash
# The partner-app VM on a core shared by several lamps (docs/emulator.md#cores):
# the VM runs unprivileged in thread mode on PSP, SysTick preempting it,
# and the core switches to the other lamps and back while it does.  The
# same deterministic lamps run all on one thread (one core) and one a
# thread: every lamp's app finishes with the right answer, no lamp resets,
# and each lamp's console log is byte-identical both ways.
# Output: TAP.  Usage: fleet_shared_vm.sh LAMPSIM
set -uo pipefail
lampsim=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1..3"
get() { sed -n "s/^$1: //p" "$2"; }
lamps=3
# About 45 ms of the lamp's time in the VM: several SysTick ticks, and many
# slices, so many core switches, while it is unprivileged.
app="app eval local s = 0 for i = 1, 20000 do s = s + i % 7 end log('sum ' .. s)"

"$lampsim" fleet --count $lamps --state-dir "$work/prov" --seed 11 --provision-only \
    > "$work/prov.txt" 2>&1 </dev/null || { sed 's/^/# /' "$work/prov.txt"; echo "Bail out! provisioning"; exit 1; }
for t in 1 $lamps; do
    cp -r "$work/prov" "$work/t$t"
    "$lampsim" fleet --count $lamps --threads $t --state-dir "$work/t$t" --seed 11 \
        --console-input "$app" --console-input status --console-log --idle 1 \
        > "$work/t$t.txt" 2> "$work/t$t.err" </dev/null ||
        not_ok "fleet of $lamps lamps on $t threads ran" "$work/t$t.err"
done

r=$work/t1.txt
if [ "$(get threads "$r")" = 1 ] && [ "$(get extra_resets "$r")" = 0 ]; then
    ok "$lamps lamps on one core ran the VM without a reset"
else
    not_ok "$lamps lamps on $(get threads "$r") thread(s): extra resets $(get extra_resets "$r")" \
        "$work/t1.err"
fi
bad=
for d in "$work"/t1/lamp-*; do
    grep -q '] app: sum 59998$' "$d/console.log" && grep -q '] app: finished' "$d/console.log" &&
        ! grep -q 'reset cause: lockup' "$d/console.log" || bad+=" $(basename "$d")"
done
if [ -z "$bad" ]; then
    ok "every lamp's app finished with its answer on the shared core"
else
    not_ok "apps that did not finish on the shared core:$bad" "$work/t1/lamp-0000/console.log"
fi
differ=
for d in "$work"/t1/lamp-*; do
    cmp -s "$d/console.log" "$work/t$lamps/$(basename "$d")/console.log" || differ+=" $(basename "$d")"
done
if [ -z "$differ" ]; then
    ok "each lamp's console log is byte-identical on a shared core and on a core of its own"
else
    not_ok "console logs differ between 1 and $lamps threads:$differ"
    diff "$work/t1/lamp-0000/console.log" "$work/t$lamps/lamp-0000/console.log" | head -10 | sed 's/^/#   /'
fi
[ "$failed" -eq 0 ]

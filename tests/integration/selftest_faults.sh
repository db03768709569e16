#!/usr/bin/env bash
# Boots the real firmware through lampsim and runs every selftest case;
# each must be trapped, reset the lamp, and come back as a crash record
# with the fault status a real Cortex-M4 shows (docs/firmware.md).  Each
# fault run types `status` after the reboot and exits on its answer: lampsim
# exiting is a power cut, and the record reaches nvstore just after the
# crash line (flash writes now sleep until DONE).
# Output: TAP.  Usage: selftest_faults.sh LAMPSIM
set -uo pipefail
lampsim=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# case | crash type | CFSR | fault address | stacked PC (regex; keystore's
# load is in the VM's code, further into slot A: docs/firmware.md#mpu)
cases=(
  "keystore|MemManage|0x00000082|0x00010000|^0x000[2-9a-f][0-9a-f]{4}$"
  "exec-ram|MemManage|0x00000001|0x00000000|^0x200[0-3][0-9a-f]{4}$"
  "write-flash|MemManage|0x00000082|0x00030000|^0x0002[0-9a-f]{4}$"
  "flash-bootloader|FlashProtect|0x00000000|0x00000000|^0x0002[0-9a-f]{4}$"
  "unmapped|MemManage|0x00000001|0x00000000|^0x0f000000$"
  "div0|UsageFault|0x02000000|0x00000000|^0x0002[0-9a-f]{4}$"
)

n=0
echo "1..$(( ${#cases[@]} * 2 + 1 ))"

# A lamp boots to its prompt and answers `status`.
n=$((n + 1))
out=$("$lampsim" run --state-dir "$work/boot" --seed 1 --console-input status \
      --exit-on '^uptime' --timeout 60 --log guest,unimp 2>"$work/boot.err")
if [ $? -eq 0 ] && grep -q '^serial' <<<"$out"; then
    echo "ok $n - lamp boots and answers status"
else
    echo "not ok $n - lamp boots and answers status"
    sed 's/^/# /' <<<"$out" | tail -20; sed 's/^/# /' "$work/boot.err" | tail -5
fi

field() { sed -n "s/.*[[:space:]]$1=\\([^[:space:]]*\\).*/\\1/p" <<<"$2"; }

for c in "${cases[@]}"; do
    IFS='|' read -r name type cfsr addr pc <<<"$c"
    dir="$work/$name"
    out=$("$lampsim" run --state-dir "$dir" --seed 7 \
          --console-input "selftest $name" --console-input status \
          --exit-on '^crash records stored' --timeout 60 \
          --log guest,unimp 2>"$dir.err")
    rc=$?
    line=$(grep -m1 '^crash: ' <<<"$out")
    n=$((n + 1))
    problems=""
    [ $rc -eq 0 ] || problems+=" exit=$rc"
    [ "$(field type "$line")" = "$type" ] || problems+=" type=$(field type "$line")(want $type)"
    [ "$(field cfsr "$line")" = "$cfsr" ] || problems+=" cfsr=$(field cfsr "$line")(want $cfsr)"
    [ "$(field addr "$line")" = "$addr" ] || problems+=" addr=$(field addr "$line")(want $addr)"
    grep -Eq "$pc" <<<"$(field pc "$line")" || problems+=" pc=$(field pc "$line")(want $pc)"
    [ "$(field reason "$line")" = "$name" ] || problems+=" reason=$(field reason "$line")(want $name)"
    if [ -z "$problems" ]; then
        echo "ok $n - selftest $name trapped: $line"
    else
        echo "not ok $n - selftest $name:$problems"
        echo "# line: $line"
        sed 's/^/# /' <<<"$out" | tail -15; sed 's/^/# /' "$dir.err" | tail -5
    fi

    # The record survived the reset in flash: the next boot reports it.
    n=$((n + 1))
    out=$("$lampsim" run --state-dir "$dir" --seed 8 --console-input status \
          --exit-on '^crash records' --timeout 60 --log guest,unimp 2>>"$dir.err")
    stored=$(sed -n 's/^crash records stored: *\([0-9]*\).*/\1/p' <<<"$out" | head -1)
    if [ -n "$stored" ] && [ "$stored" -ge 1 ]; then
        echo "ok $n - selftest $name crash record persisted in nvstore ($stored)"
    else
        echo "not ok $n - selftest $name crash record not persisted"
        sed 's/^/# /' <<<"$out" | tail -15
    fi
done

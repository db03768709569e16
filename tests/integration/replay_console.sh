#!/usr/bin/env bash
# Record and replay of a deterministic lamp driven through its console
# (docs/debugging.md#record-and-replay): the replay, with no input but the
# recording, prints the same console (a selftest fault and its crash
# record included) and ends with the same flash; a recording altered on
# purpose (a console input, a checkpoint) is reported as divergent with
# its instruction count; a cut one replays up to where it stops; a
# corrupted one is refused.
# Output: TAP.  Usage: replay_console.sh LAMPSIM
set -uo pipefail
lampsim=$1
here=$(dirname "$0")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$here/tap.sh"
alter() { python3 "$here/replay_alter.py" "$@"; }

# replay NAME RECORDING: replays into a fresh state directory
replay() {
    "$lampsim" run --replay "$2" --state-dir "$work/$1" --no-stdin \
        >"$work/$1.out" 2>"$work/$1.err" </dev/null
}

# replay_ends NAME RECORDING STATUS REGEX TEST: replays; ok when it exits
# with STATUS and its stderr matches the extended REGEX
replay_ends() {
    replay "$1" "$2"
    local rc=$?
    if [ $rc -eq "$3" ] && grep -Eq "$4" "$work/$1.err"; then
        ok "$5"
    else
        not_ok "$5 (exit $rc)" "$work/$1.err"
    fi
}

# A lamp's first boot, a selftest fault, the reboot and its crash record.
# (Three CRC-32s of all flash make it long enough for checkpoints.)
"$lampsim" run --state-dir "$work/lamp" --seed 7 --no-stdin --timeout 120 \
    --console-input "selftest div0" --console-input "crc 0 2097152" \
    --console-input "crc 0 2097152" --console-input "crc 0 2097152" --console-input status \
    --exit-on '^crash records stored' --record "$work/first.rec" \
    >"$work/first.out" 2>"$work/first.err" </dev/null
check $? "a deterministic run is recorded"
grep -q '^crash: ' "$work/first.out" && ok "the recorded run faulted and rebooted" ||
    not_ok "the recorded run faulted and rebooted" "$work/first.out"

replay r1 "$work/first.rec"
rc=$?
if [ $rc -eq 0 ] && cmp -s "$work/first.out" "$work/r1.out"; then
    ok "the replay prints the same console, fault and crash record included"
else
    not_ok "the replay prints the same console, fault and crash record included (exit $rc)" \
        "$work/r1.err"
fi
grep -Eq 'replay matched the recording: [0-9]+ instructions.*flash\+OTP SHA-256 [0-9a-f]+' \
    "$work/r1.err" && ok "the replay reports the same flash hash at the end" ||
    not_ok "the replay reports the same flash hash at the end" "$work/r1.err"

# The same lamp again, no longer new: its flash is the recording's start.
"$lampsim" run --state-dir "$work/lamp" --seed 7 --no-stdin --timeout 120 \
    --console-input "nv" --console-input status \
    --exit-on '^crash records stored' --record "$work/second.rec" \
    >"$work/second.out" 2>"$work/second.err" </dev/null
replay r2 "$work/second.rec"
rc=$?
[ $rc -eq 0 ] && cmp -s "$work/second.out" "$work/r2.out" &&
    ok "a lamp's second run replays from its own starting flash" ||
    not_ok "a lamp's second run replays from its own starting flash (exit $rc)" "$work/r2.err"

alter "$work/first.rec" "$work/altered.rec" console
replay_ends r3 "$work/altered.rec" 3 'replay: at instruction [0-9]+: ' \
    "an altered console input is reported as divergent at its instruction count"

alter "$work/first.rec" "$work/check.rec" checkpoint
replay_ends r7 "$work/check.rec" 3 'replay: at instruction [0-9]+: PC 0x[0-9a-f]+, recorded 0x' \
    "a checkpoint whose PC differs is reported with the instruction count and both PCs"

alter "$work/first.rec" "$work/cut.rec" truncate
replay_ends r4 "$work/cut.rec" 1 'without its end record' \
    "a recording cut short replays up to its last whole record"

alter "$work/first.rec" "$work/corrupt.rec" corrupt
replay_ends r5 "$work/corrupt.rec" 2 'CRC mismatch' "a corrupted record is refused"

replay_ends r1 "$work/first.rec" 2 'already holds a lamp' "a replay does not overwrite a lamp"

"$lampsim" run --replay "$work/first.rec" --state-dir "$work/r6" --seed 7 \
    >"$work/r6.out" 2>&1 </dev/null
rc=$?
[ $rc -eq 2 ] && grep -q 'takes the lamp and every input from the recording' "$work/r6.out" &&
    ok "an option the recording decides is refused with --replay" ||
    not_ok "an option the recording decides is refused with --replay (exit $rc)" "$work/r6.out"

tap_end

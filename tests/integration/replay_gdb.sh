#!/usr/bin/env bash
# Replay under GDB (docs/debugging.md, the worked example): a deterministic
# run with a selftest fault is recorded, then replayed with --gdb
# --gdb-wait and Debian's gdb-multiarch attached: a breakpoint, steps and
# a finish on the way, the fault halts in GDB with a backtrace through the
# exception frame into the faulting function, and the replay still
# matches the recording to its end (same console, same flash hash):
# debugging a replay changes nothing about the run.
# Output: TAP.  Usage: replay_gdb.sh LAMPSIM FIRMWARE_BUILD_DIR
set -uo pipefail
lampsim=$1 fw=$2
here=$(cd "$(dirname "$0")" && pwd)
gdb=${GDB:-gdb-multiarch}
. "$here/tap.sh"
if ! command -v "$gdb" >/dev/null; then
    echo "1..0 # SKIP $gdb not installed (tools/setup.sh installs gdb-multiarch)"
    exit 0
fi
work=$(mktemp -d)
replay_pid=
cleanup() {
    [ -n "$replay_pid" ] && kill "$replay_pid" 2>/dev/null && wait "$replay_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# gdb_port ERR_FILE: port= the GDB server's, from lampsim's stderr, once
# it says (empty when lampsim $replay_pid ends or 30 s pass first)
gdb_port() {
    port=
    for _ in $(seq 300); do
        port=$(sed -n 's/.*GDB server on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1" | head -1)
        [ -n "$port" ] && return
        kill -0 "$replay_pid" 2>/dev/null || return
        sleep 0.1
    done
}
[ -n "${KEEP_WORK:-}" ] && trap - EXIT

"$lampsim" run --state-dir "$work/lamp" --seed 7 --no-stdin --timeout 120 \
    --console-input "selftest div0" --console-input "crc 0 2097152" --console-input status \
    --exit-on '^crash records stored' --record "$work/run.rec" \
    >"$work/first.out" 2>"$work/first.err" </dev/null
check $? "a run with a selftest fault is recorded"

"$lampsim" run --replay "$work/run.rec" --state-dir "$work/replayed" --no-stdin \
    --gdb 127.0.0.1:0 --gdb-wait >"$work/replay.out" 2>"$work/replay.err" </dev/null &
replay_pid=$!
gdb_port "$work/replay.err"
[ -n "$port" ] || { sed 's/^/# /' "$work/replay.err"; echo "Bail out! the replay served no GDB"; exit 1; }
ok "the replay serves GDB, halted at reset (port $port)"

cat >"$work/session.gdb" <<EOF
set confirm off
set pagination off
file $fw/app.elf
target remote 127.0.0.1:$port
break selftest_run
continue
echo @@at-selftest\n
bt 1
next
next
step
echo @@stepped\n
bt 1
continue
echo @@fault\n
bt
delete
continue
EOF
timeout 300 "$gdb" -nx -batch -x "$work/session.gdb" >"$work/gdb.log" 2>&1
wait "$replay_pid"
rc=$?
replay_pid=

section() { sed -n "/^@@$1/,/^@@/p" "$work/gdb.log"; }
section at-selftest | grep -q 'selftest_run (name=.*"div0"'
check $? "the breakpoint on selftest_run is hit in the replay"
section stepped | grep -Eq '^#0 .*(selftest|divide_by_zero)'
check $? "next and step move through the replayed code"
if section fault | grep -q '<signal handler called>' &&
    section fault | grep -q 'divide_by_zero () at .*selftest\.c'; then
    ok "the fault halts in GDB; bt unwinds through the exception frame into divide_by_zero"
else
    not_ok "the fault halts in GDB; bt unwinds through the exception frame into divide_by_zero" \
        "$work/gdb.log"
fi
if [ $rc -eq 0 ] && grep -q 'replay matched the recording' "$work/replay.err"; then
    ok "debugged, the replay still matches the recording to its end (flash hash included)"
else
    not_ok "debugged, the replay still matches the recording to its end (exit $rc)" "$work/replay.err"
fi
cmp -s "$work/first.out" "$work/replay.out"
check $? "and prints the same console as the recorded run"

# Recording while debugging: GDB halts the lamp at the fault in its
# handler's entry; the console's next line waits for the run to go on
# (it once went into the halted lamp and was lost in the reset); a
# register GDB writes is said to be missing from the recording.
"$lampsim" run --state-dir "$work/lamp2" --seed 7 --no-stdin --timeout 120 \
    --console-input "selftest div0" --console-input status \
    --exit-on '^crash records stored' --record "$work/debugged.rec" \
    --gdb 127.0.0.1:0 --gdb-wait >"$work/debugged.out" 2>"$work/debugged.err" </dev/null &
replay_pid=$!
gdb_port "$work/debugged.err"
printf '%s\n' "set confirm off" "file $fw/app.elf" "target remote 127.0.0.1:$port" \
    "break selftest_run" continue 'set var $r3 = 0x5a5a5a5a' continue continue >"$work/debugged.gdb"
timeout 300 "$gdb" -nx -batch -x "$work/debugged.gdb" >"$work/debugged.log" 2>&1
wait "$replay_pid"
rc=$?
replay_pid=
[ $rc -eq 0 ] && grep -q '^crash records stored' "$work/debugged.out"
check $? "a run debugged through its fault goes on to its next console line"
grep -q 'a register written at instruction [0-9]* is not in the recording' "$work/debugged.err"
check $? "the register GDB wrote is reported as not recorded"
"$lampsim" run --replay "$work/debugged.rec" --state-dir "$work/debugged-replay" --no-stdin \
    >"$work/debugged-replay.out" 2>"$work/debugged-replay.err" </dev/null &&
    cmp -s "$work/debugged.out" "$work/debugged-replay.out"
check $? "and the debugged run (its write, to a scratch register the function sets before use, changed nothing) replays as recorded"
tap_end

#!/usr/bin/env bash
# lampsim's command line: bad input gets a clear message and exit 2, a
# timeout exits 1, state persists across runs.  Output: TAP.
# Usage: lampsim_cli.sh LAMPSIM
set -uo pipefail
lampsim=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
total=23
echo "1..$total"

# expect NAME WANT_RC PATTERN_IN_STDERR_OR_STDOUT -- ARGS...
expect() {
    local name=$1 want=$2 pattern=$3; shift 4
    local out rc
    out=$("$lampsim" "$@" 2>&1 </dev/null); rc=$?
    n=$((n + 1))
    if [ $rc -eq "$want" ] && grep -Eq -- "$pattern" <<<"$out"; then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name (exit $rc, want $want; pattern '$pattern')"
        sed 's/^/# /' <<<"$out" | tail -8
    fi
}

expect "no command prints usage" 2 "Usage: lampsim" --
expect "--help tells the truth" 0 "run +boot one lamp" -- --help
expect "run --help lists --exit-on" 0 "--exit-on=REGEX" -- run --help
expect "unknown option" 2 "Unknown option" -- run --state-dir "$work/a" --frobnicate
expect "missing --state-dir" 2 "--state-dir DIR is required" -- run
expect "bad --seed" 2 "--seed: not a decimal" -- run --state-dir "$work/a" --seed x1
expect "bad regex" 2 "lampsim run:" -- run --state-dir "$work/a" --exit-on '('
expect "--update and --install-app at once" 2 "give --update or --install-app, not both" -- \
    run --state-dir "$work/a" --update "$work/x.img" --install-app "$work/x.lpk"
expect "--install-app of a missing package" 2 "--install-app: app install: .*x.lpk" -- \
    run --state-dir "$work/a" --install-app "$work/x.lpk"
expect "--checkpoint-interval out of range" 2 "--checkpoint-interval must be 0.001 to 3600 seconds" -- \
    run --state-dir "$work/a" --checkpoint-interval 0
expect "bad --daylight" 2 "--daylight: daylight -1 lx: out of 0..200000" -- \
    run --state-dir "$work/a" --daylight -1
expect "bad --ambient-temp" 2 "--ambient-temp: ambient temperature 90 degC: out of" -- \
    fleet --state-dir "$work/f" --ambient-temp 90
expect "the room reaches the lamp" 0 "light: room: daylight 300 lx, occupied, 31.5 degC" -- \
    run --state-dir "$work/room" --seed 1 --daylight 300 --occupied --ambient-temp 31.5 \
    --console-input status --exit-on '^uptime' --timeout 60
touch "$work/file"
expect "unusable state dir" 2 "state directory .*: (cannot create|not a directory)" -- \
    run --state-dir "$work/file/sub" --timeout 5
expect "missing firmware" 2 "provisioning lamp .* into .*/b: .*nofw/app.img" -- \
    run --state-dir "$work/b" --firmware-dir "$work/nofw" --timeout 5
mkdir -p "$work/badfw"
fwdir=$(dirname "$lampsim")/../firmware
cp "$fwdir/bootloader.bin" "$work/badfw/"
# one byte of the signed image flipped: provisioning verifies it first
python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[300]^=1; open(sys.argv[2],"wb").write(d)' \
    "$fwdir/app.img" "$work/badfw/app.img"
expect "corrupt firmware" 2 "signature does not verify" -- \
    run --state-dir "$work/c" --firmware-dir "$work/badfw" --timeout 5
expect "timeout exits 1" 1 "--timeout reached" -- \
    run --state-dir "$work/d" --seed 3 --exit-on 'no such line ever' --timeout 3

# The serial chosen at the first boot comes back from OTP in the state dir.
first=$("$lampsim" run --state-dir "$work/p" --console-input status --exit-on '^uptime' --timeout 60 2>&1 </dev/null)
serial=$(sed -n 's/^serial:* *\([A-Za-z0-9-]*\).*/\1/p' <<<"$first" | head -1)
second=$("$lampsim" run --state-dir "$work/p" --console-input status --exit-on '^uptime' --timeout 60 2>&1 </dev/null)
n=$((n + 1))
if [ -n "$serial" ] && grep -q "^serial:* *$serial" <<<"$second" && ! grep -q "new lamp" <<<"$second"; then
    echo "ok $n - state persists across runs (serial $serial)"
else
    echo "not ok $n - state does not persist (serial '$serial')"
    sed 's/^/# /' <<<"$second" | tail -10
fi

# A damaged state file is refused with its name, not booted.
printf 'garbage' | dd of="$work/p/lamp.img" bs=1 seek=4096 conv=notrunc status=none
expect "damaged state file" 2 "lamp state .*/p/lamp.img: contents do not match their checksum" -- \
    run --state-dir "$work/p" --timeout 5

# Same seed, same console output (deterministic mode).
a=$("$lampsim" run --state-dir "$work/s1" --seed 42 --console-input status --exit-on '^uptime' --timeout 60 2>/dev/null </dev/null)
b=$("$lampsim" run --state-dir "$work/s2" --seed 42 --console-input status --exit-on '^uptime' --timeout 60 2>/dev/null </dev/null)
n=$((n + 1))
if [ -n "$a" ] && [ "$a" = "$b" ]; then
    echo "ok $n - same seed gives the same console output"
else
    echo "not ok $n - same seed, different output"
    diff <(echo "$a") <(echo "$b") | sed 's/^/# /' | head -10
fi

# One fleet lock covers a running fleet's lamps: a lamp of it, or the same
# fleet directory, is refused to another process; a lamp held by `run`
# keeps a fleet off.
"$lampsim" fleet --count 2 --state-dir "$work/fl" --seed 9 --idle 30 >/dev/null 2>"$work/fl.err" </dev/null &
fleet_pid=$!
for _ in $(seq 120); do grep -q idling "$work/fl.err" && break; sleep 0.5; done
expect "a running fleet's lamp is refused" 2 "lamp-0001: in use by another lampsim process \(the fleet in .*/fl\)" -- \
    run --state-dir "$work/fl/lamp-0001" --timeout 5
expect "a second fleet on its directory is refused" 2 "in use by another lampsim fleet" -- \
    fleet --count 2 --state-dir "$work/fl" --idle 1
kill "$fleet_pid"; wait "$fleet_pid" 2>/dev/null
"$lampsim" run --state-dir "$work/fl/lamp-0000" --timeout 20 --no-stdin >/dev/null 2>&1 </dev/null &
run_pid=$!
sleep 2
expect "a fleet whose lamp is in use is refused" 2 "lamp-0000: in use by another lampsim process" -- \
    fleet --count 2 --state-dir "$work/fl" --idle 1
kill "$run_pid"; wait "$run_pid" 2>/dev/null

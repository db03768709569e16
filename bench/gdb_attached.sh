#!/usr/bin/env bash
# Benchmark of issue 14's target for the GDB server: a lamp with a
# debugger attached and no breakpoint runs at full speed (within 5 % of
# the same lamp without --gdb).  A development lamp runs REPS console
# `crc 0 0x200000` commands (CRC-32 of all flash: the firmware's CPU
# benchmark) in deterministic time, three times each way, alternating:
#   plain  lampsim run, no server;
#   gdb    lampsim run --gdb --gdb-wait, gdb-multiarch attached in batch
#          mode and continuing until the lamp exits.
# The figure is lampsim's CPU time (user + system, /usr/bin/time; a lamp
# halted waiting for GDB costs none), the best of three each way; prints both and their
# ratio (target: gdb/plain <= 1.05).  The machine is shared and noisy:
# read the ratio, run it twice when it lands near the target.
# Usage: bench/gdb_attached.sh [REPS]   BUILD picks the build (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-60}
case "$reps" in *[!0-9]*|'') echo "usage: bench/gdb_attached.sh [REPS]" >&2; exit 2 ;; esac
build=${BUILD:-build}
lampsim=$build/sim/lampsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

inputs=()
for _ in $(seq "$reps"); do inputs+=(--console-input "crc 0 0x200000"); done
inputs+=(--console-input status)
common=(--state-dir "$work/lamp" --no-stdin --seed 1 "${inputs[@]}" --exit-on '^uptime'
        --timeout 600)
# provisioned once, outside the figures
"$lampsim" run --state-dir "$work/lamp" --no-stdin --seed 1 --console-input status \
    --exit-on '^uptime' --timeout 120 >/dev/null 2>&1

# run NAME ARGS...: lampsim run's CPU seconds (user + system) on stdout;
# with --gdb, a batch gdb-multiarch attaches and continues until the end
run() {
    local name=$1
    shift
    /usr/bin/time -f '%U %S' -o "$work/$name.time" "$lampsim" run "${common[@]}" "$@" \
        >"$work/$name.out" 2>"$work/$name.err" &
    local pid=$! port=
    if [ "$name" = gdb ]; then
        until [ -n "$port" ]; do
            sleep 0.05
            port=$(sed -n 's/.*GDB server on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/$name.err")
        done
        gdb-multiarch -nx -batch -ex "target remote 127.0.0.1:$port" -ex continue \
            >"$work/gdb.log" 2>&1 &
    fi
    wait "$pid"
    grep -c '^crc32: ' "$work/$name.out" >"$work/$name.count" || true
    [ "$(cat "$work/$name.count")" -eq "$reps" ] ||
        { echo "gdb_attached: $name run did $(cat "$work/$name.count") of $reps crc" >&2; exit 1; }
    awk '{ print $1 + $2 }' "$work/$name.time"
}

best_plain=999999 best_gdb=999999
for round in 1 2 3; do
    p=$(run plain)
    g=$(run gdb --gdb 127.0.0.1:0 --gdb-wait)
    echo "round $round: plain ${p}s  gdb ${g}s"
    best_plain=$(awk -v a="$best_plain" -v b="$p" 'BEGIN { print (b < a ? b : a) }')
    best_gdb=$(awk -v a="$best_gdb" -v b="$g" 'BEGIN { print (b < a ? b : a) }')
done
echo "plain (no server):        ${best_plain}s CPU"
echo "gdb attached, continuing: ${best_gdb}s CPU"
awk -v p="$best_plain" -v g="$best_gdb" \
    'BEGIN { printf "ratio gdb/plain: %.3f (target <= 1.05)\n", g / p }'

#!/usr/bin/env bash
# Host crashes, many times (docs/robustness.md#host-crashes), not in CI:
#  1. what checkpoints cost a lamp mid-update: the same deterministic
#     update install (console transfer, staging, install, confirm) with
#     the default --checkpoint-interval 1 (the baseline) and with 0.005 s
#     (lampsim then writes lamp.img most of the time, as kill9.py's
#     shortest interval does): host wall time and CPU of each, the ratio;
#  2. tests/crash/kill9.py for ITERATIONS iterations (default 400) from
#     SEED (default 1): lampsim run and fleet killed with SIGKILL at seeded
#     moments of an update, a commissioning record, a crash record, an app
#     install and a fleet's records, every state directory checked.
# Usage: bench/host_crash.sh [ITERATIONS [SEED]]   (BUILD: the build
# directory, default build-bench, set up as a release build if absent)
set -euo pipefail
cd "$(dirname "$0")/.."
iterations=${1:-400} seed=${2:-1}
build=${BUILD:-build-bench}
case "$iterations$seed" in *[!0-9]*|'') echo "usage: bench/host_crash.sh [ITERATIONS [SEED]]" >&2; exit 2 ;; esac

[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release >/dev/null
meson compile -C "$build" >/dev/null
lampsim=$build/sim/lampsim lampfactory=$build/tools/lampfactory/lampfactory fw=$build/firmware
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== 1. an update install with checkpoints every 1 s (baseline) and every 0.005 s"
"$lampfactory" sign --fleet "$fw/dev-fleet" --version 1.0.1 --epoch 2 "$fw/app.bin" \
    "$work/update.img" >/dev/null
"$lampsim" run --state-dir "$work/base" --seed 1 --no-stdin --fleet "$fw/dev-fleet" \
    --exit-on 'OTP epoch advanced to 1' --timeout 120 >/dev/null 2>&1
declare -A wall cpu
for interval in 1 0.005; do
    rm -rf "$work/up"; mkdir "$work/up"; cp "$work/base/lamp.img" "$work/up/"
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$lampsim" run --state-dir "$work/up" \
        --seed 1 --no-stdin --update "$work/update.img" --checkpoint-interval "$interval" \
        --exit-on 'OTP epoch advanced to 2' --timeout 600 >"$work/up.out" 2>&1 ||
        { tail -5 "$work/up.out"; echo "host_crash: the update did not finish" >&2; exit 1; }
    read -r w u s < <(tail -1 "$work/time")
    wall[$interval]=$w cpu[$interval]=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    echo "checkpoint_interval_s: $interval  wall_s: $w  cpu_s: ${cpu[$interval]}"
done
awk -v a="${wall[1]}" -v b="${wall[0.005]}" -v c="${cpu[1]}" -v d="${cpu[0.005]}" \
    'BEGIN { printf "ratio_0.005_to_1: wall %.2f, cpu %.2f\n", b / a, d / c }'

echo "== 2. kill9.py: $iterations iterations, seed $seed"
log=$build/host_crash_kill9.log
start=$(date +%s)
rc=0
python3 tests/crash/kill9.py --lampsim "$lampsim" --lampfactory "$lampfactory" \
    --firmware-dir "$fw" --iterations "$iterations" --seed "$seed" >"$log" 2>&1 || rc=$?
sed -n '/^summary:/,$p' "$log"
echo "kill9_wall_s: $(( $(date +%s) - start ))  (every iteration: $log)"
exit "$rc"

#!/usr/bin/env bash
# Benchmark of the whole-lamp fuzzer (tests/fuzz/lamp/, docs/fuzzing.md#the-
# lamp-fuzzed-whole): how many inputs a second its fork() snapshot runs,
# against the baseline of a lamp booted afresh for each input (the process
# start, provisioned lamp copied, boot, WiFi, TLS handshake, MQTT, the
# oracle's baseline: what every input would cost without the snapshot),
# measured in the same run.  Also prints the guest edges the run reached.
# Machines here are shared and noisy: read the ratio, not one absolute time.
#
# Usage: bench/lamp_fuzz.sh [FUZZ_SECONDS] [BOOTS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
boots=${2:-3}
build=${BUILD:-build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dbuildtype=debugoptimized >/dev/null
fi
meson compile -C "$build" >/dev/null
exe=$build/tests/fuzz/lamp/fuzz_lamp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LSAN_OPTIONS=suppressions=$PWD/tests/suppressions/lsan.supp

echo "== baseline: a fresh lamp per input ($boots boots)"
mkdir -p "$work/empty"
total_ms=0
for i in $(seq "$boots"); do
    t0=$(date +%s%N)
    "$exe" -runs=0 "$work/empty" >"$work/boot.log" 2>&1
    t1=$(date +%s%N)
    total_ms=$((total_ms + (t1 - t0) / 1000000))
done
boot_s=$(awk -v ms="$total_ms" -v n="$boots" 'BEGIN { printf "%.2f", ms / n / 1000 }')
echo "boot_to_online_seconds: $boot_s"
grep -m1 'lamp-fuzz: lamp' "$work/boot.log"

echo "== the fork snapshot: $secs s of fuzzing from tests/fuzz/corpus/lamp"
mkdir -p "$work/corpus" "$work/artifacts"
"$exe" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" tests/fuzz/corpus/lamp >"$work/fuzz.log" 2>&1 ||
    { tail -n 30 "$work/fuzz.log"; echo "lamp_fuzz.sh: the run stopped on a finding" >&2; exit 1; }
eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/fuzz.log")
echo "execs_per_second: $eps"
grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)|lamp-fuzz: done' "$work/fuzz.log"
awk -v e="$eps" -v b="$boot_s" 'BEGIN { printf "ratio_snapshot_vs_boot_per_input: %.0f\n", e * b }'

#!/usr/bin/env bash
# Benchmark of the foundation issue: boots N lamps (default 200) in one
# process to the console prompt and reports per-lamp RSS, host CPU per
# boot, CPU of the idle fleet, and the speed of a CPU-bound guest workload
# (table-driven CRC-32 over 1 MiB of flash) against the same C compiled
# natively, measured in the same run.  Machines here are shared and noisy:
# read the ratios, not one absolute time.
#
# Usage: bench/boot_fleet.sh [N] [IDLE_SECONDS]
# Targets: < 6 MB per idle lamp; 200 idle lamps < 2 % of a core; emulated
# workload at least 1/30 of native speed.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
idle=${2:-10}
build=${BUILD:-build-bench}

[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release >/dev/null
meson compile -C "$build" >/dev/null
lampsim=$build/sim/lampsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== fleet of $n lamps, idle ${idle}s"
"$lampsim" fleet --count 1 --state-dir "$work/one" --idle 1 > "$work/one.txt"
"$lampsim" fleet --count "$n" --state-dir "$work/fleet" --idle "$idle" > "$work/fleet.txt"
cat "$work/fleet.txt"
get() { sed -n "s/^$1: //p" "$2"; }
rss=$(get rss_kib_per_lamp "$work/fleet.txt")
idle_pct=$(get idle_cpu_percent_of_core "$work/fleet.txt")
boot1=$(get boot_cpu_ms_per_lamp "$work/one.txt")
bootn=$(get boot_cpu_ms_per_lamp "$work/fleet.txt")
extra=$(get extra_resets "$work/fleet.txt")
if [ "$extra" != 0 ]; then
    echo "WARNING: $extra resets after boot (watchdog or fault): the idle figure includes reboots"
fi
awk -v r="$rss" -v i="$idle_pct" -v b1="$boot1" -v bn="$bootn" -v n="$n" 'BEGIN {
    printf "rss per lamp: %.2f MB (target < 6 MB: %s)\n", r / 1024, r / 1024 < 6 ? "met" : "MISSED";
    printf "idle fleet: %.3f %% of a core for %d lamps (target < 2 %% for 200: %s)\n", i, n, i < 2 ? "met" : "MISSED";
    printf "boot CPU per lamp: %.1f ms in a fleet of %d vs %.1f ms alone (ratio %.2f)\n", bn, n, b1, (b1 > 0 ? bn / b1 : 0);
}'

echo "== CRC-32 over 1 MiB of flash: emulated vs native"
reps=${CRC_REPS:-8}
native_bin=$work/crc32_native
cc -O2 -o "$native_bin" bench/crc32_native.c firmware/lib/crc32.c -Ifirmware/include -Ifirmware/lib
native_s=$("$native_bin" "$reps")
# The same workload inside the lamp: the console's `crc` command, timed by
# the difference between a run that does it and one that only boots.
args=(run --state-dir "$work/crc" --seed 1 --log none --timeout 600)
"$lampsim" "${args[@]}" --console-input status --exit-on '^uptime' >/dev/null
t0=$(date +%s.%N)
"$lampsim" "${args[@]}" --console-input status --exit-on '^uptime' >/dev/null
t1=$(date +%s.%N)
cmds=(); for _ in $(seq "$reps"); do cmds+=(--console-input "crc 0x0 0x100000"); done
"$lampsim" "${args[@]}" "${cmds[@]}" --console-input status --exit-on '^uptime' > "$work/crc.out"
t2=$(date +%s.%N)
grep -q '^crc32: 0x' "$work/crc.out" || { echo "the lamp did not run the crc command" >&2; exit 1; }
awk -v a="$t0" -v b="$t1" -v c="$t2" -v nat="$native_s" -v reps="$reps" 'BEGIN {
    emu = (c - b) - (b - a);
    printf "native: %.4f s for %d MiB; emulated: %.3f s (run with crc %.3f s, boot only %.3f s)\n", nat, reps, emu, c - b, b - a;
    printf "emulated speed = 1/%.1f of native (target at least 1/30: %s)\n", emu / nat, emu / nat <= 30 ? "met" : "MISSED";
}'

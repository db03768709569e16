#!/usr/bin/env bash
# Benchmark of provisioning many new lamps (the "10,000 lamps" issue):
# the old way, one lampfactory process per lamp (what lampsim ran for each
# new lamp), against lampsim fleet provisioning in-process on 1 and 2
# threads, and the registry's cost per row committed alone or batched,
# all in the same run.  Machines here are shared and noisy: read the
# ratios, not one absolute time.
#
# Usage: bench/provision_fleet.sh [N]   (default 1000 lamps)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
build=${BUILD:-build-bench}

[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release >/dev/null
meson compile -C "$build" >/dev/null
lampsim=$build/sim/lampsim
lampfactory=$build/tools/lampfactory/lampfactory
fw=$build/firmware
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Each way gets its own copy of the development fleet, so the build's
# registry does not grow and every run starts from the same one.
fleet_copy() { rm -rf "$work/fleet-$1"; cp -a "$fw/dev-fleet" "$work/fleet-$1"; echo "$work/fleet-$1"; }

echo "== $n new lamps: one lampfactory process each"
fleet=$(fleet_copy spawn)
TIMEFORMAT='%R %U %S'
{ time for i in $(seq "$n"); do
      "$lampfactory" provision --fleet "$fleet" --state-dir "$work/spawn/lamp-$i" \
          --serial "$(printf 'SPN-%05d' "$i")" --profile development --image "$fw/app.img" \
          --bootloader "$fw/bootloader.bin" --replace >/dev/null
  done; } 2> "$work/spawn.time"
read -r spawn_wall spawn_user spawn_sys < "$work/spawn.time"
spawn_cpu=$(awk -v u="$spawn_user" -v s="$spawn_sys" 'BEGIN { print u + s }')
rm -rf "$work/spawn"

get() { sed -n "s/^$1: //p" "$2"; }
for t in 1 2; do
    echo "== $n new lamps: lampsim fleet --provision-only --provision-threads $t"
    fleet=$(fleet_copy "t$t")
    "$lampsim" fleet --count "$n" --state-dir "$work/t$t" --fleet "$fleet" --seed 1 \
        --provision-only --provision-threads "$t" > "$work/t$t.txt" 2>/dev/null
    grep '^provision' "$work/t$t.txt"
    rm -rf "$work/t$t"
done
awk -v n="$n" -v sw="$spawn_wall" -v sc="$spawn_cpu" \
    -v w1="$(get provision_wall_s "$work/t1.txt")" -v c1="$(get provision_cpu_s "$work/t1.txt")" \
    -v w2="$(get provision_wall_s "$work/t2.txt")" -v c2="$(get provision_cpu_s "$work/t2.txt")" 'BEGIN {
    printf "spawned:       %7.2f s wall %7.2f s CPU (%.1f ms wall a lamp)\n", sw, sc, sw * 1000 / n;
    printf "in-process x1: %7.2f s wall %7.2f s CPU (%.1f ms wall a lamp)\n", w1, c1, w1 * 1000 / n;
    printf "in-process x2: %7.2f s wall %7.2f s CPU (%.1f ms wall a lamp)\n", w2, c2, w2 * 1000 / n;
    printf "in-process is %.1fx faster on 1 thread, %.1fx on 2 (wall); %.1fx less CPU\n",
           sw / w1, sw / w2, sc / c1;
}'

echo "== registry rows"
cc -O2 -o "$work/registry_rows" bench/registry_rows.c -Itools/lampfactory -Ifirmware/include \
    -Iemu "$build/tools/lampfactory/libfactory.a" "$build/emu/liblampstate.a" \
    $(pkg-config --cflags --libs glib-2.0 openssl sqlite3) -ldl
"$work/registry_rows" "$(fleet_copy rows)" "$n"

#!/usr/bin/env bash
# Benchmark of issue 14's target for the GDB server: a lamp with the
# server attached and no breakpoint runs at full speed (within 5 % of the
# same lamp with no server).  One lamp, provisioned once and copied for
# each run so every run boots the same flash, runs a fixed deterministic
# workload (--seed: the boot, then CRCS `crc` commands over slot A, each
# typed at its prompt) ROUNDS times each way, alternating: plain, and
# with --gdb --gdb-wait and Debian's gdb-multiarch attached, continuing
# until the lamp exits.  Prints lampsim's host CPU (user + sys) for each
# run, the median of each way, their ratio, and checks that both ran the
# same run (the same console output).
# Usage: bench/gdb_attached.sh [ROUNDS] [CRCS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
crcs=${2:-300}
build=${BUILD:-build-bench}
gdb=${GDB:-gdb-multiarch}
case "$rounds$crcs" in *[!0-9]*) echo "usage: bench/gdb_attached.sh [ROUNDS] [CRCS]" >&2; exit 2 ;; esac
command -v "$gdb" >/dev/null || { echo "gdb_attached: $gdb is not installed (tools/setup.sh)" >&2; exit 1; }

[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release >/dev/null
meson compile -C "$build" >/dev/null
lampsim=$build/sim/lampsim
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

workload=(--seed 1 --no-stdin --exit-on '^uptime' --timeout 600)
for _ in $(seq "$crcs"); do workload+=(--console-input "crc 0x20100 0xC0000"); done
workload+=(--console-input status)

echo "== provisioning the lamp once"
"$lampsim" run --state-dir "$work/lamp" --seed 1 --no-stdin --console-input status \
    --exit-on '^uptime' --timeout 120 >"$work/provision.out" 2>&1 ||
    { tail -5 "$work/provision.out"; echo "gdb_attached: provisioning failed" >&2; exit 1; }

cpu_of() { # TIME_FILE: user + sys seconds from /usr/bin/time -f '%U %S'
    awk 'END { print $1 + $2 }' "$1"
}

plain() { # N
    rm -rf "$work/run"; cp -a "$work/lamp" "$work/run"
    /usr/bin/time -o "$work/plain$1.time" -f '%U %S' \
        "$lampsim" run --state-dir "$work/run" "${workload[@]}" >"$work/plain$1.out" 2>"$work/plain$1.err" ||
        { tail -5 "$work/plain$1.err"; echo "gdb_attached: the plain run failed" >&2; exit 1; }
}

attached() { # N
    local port= pid
    rm -rf "$work/run"; cp -a "$work/lamp" "$work/run"
    /usr/bin/time -o "$work/gdb$1.time" -f '%U %S' \
        "$lampsim" run --state-dir "$work/run" --gdb 127.0.0.1:0 --gdb-wait "${workload[@]}" \
        >"$work/gdb$1.out" 2>"$work/gdb$1.err" &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 300); do
        port=$(sed -n 's/.*GDB server on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/gdb$1.err" | head -1)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { tail -5 "$work/gdb$1.err"; echo "gdb_attached: no GDB server" >&2; exit 1; }
    "$gdb" -nx -batch -ex "target remote 127.0.0.1:$port" -ex continue >"$work/gdb$1.log" 2>&1 || true
    wait "$pid" || { tail -5 "$work/gdb$1.err"; echo "gdb_attached: the attached run failed" >&2; exit 1; }
}

for i in $(seq "$rounds"); do
    plain "$i"
    attached "$i"
    printf 'round %d: plain %.2f s, GDB attached %.2f s of CPU\n' "$i" \
        "$(cpu_of "$work/plain$i.time")" "$(cpu_of "$work/gdb$i.time")"
done

# The same run both ways: the console output from the first crc on (the
# attached lamp's says nothing else; lampsim's own lines are on stderr).
same=yes
for i in $(seq "$rounds"); do
    cmp -s <(sed -n '/crc32/,$p' "$work/plain1.out") <(sed -n '/crc32/,$p' "$work/gdb$i.out") || same=no
done
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
p=$(for i in $(seq "$rounds"); do cpu_of "$work/plain$i.time"; done | median)
g=$(for i in $(seq "$rounds"); do cpu_of "$work/gdb$i.time"; done | median)
echo "== results ($rounds rounds, $crcs CRCs of 768 KiB each, deterministic)"
echo "plain:         $p s of CPU (median)"
echo "GDB attached:  $g s of CPU (median)"
echo "same console output both ways: $same"
awk -v p="$p" -v g="$g" 'BEGIN { r = g / p;
    printf "ratio attached/plain: %.3f (target: at most 1.05): %s\n", r, r <= 1.05 ? "met" : "MISSED" }'

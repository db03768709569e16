#!/usr/bin/env bash
# Benchmark of the density issue (10): N lamps (default 10000) in one
# lampsim process, on one worker thread per core, boot, join WiFi, connect
# with mutual TLS 1.2 to the reference cloud's mosquitto (lampcloud serve,
# on loopback), idle connected, then have every connection reset at once
# (the reconnect storm: each lamp comes back with a resumed TLS session,
# spread by its backoff jitter).  In the same run, the baselines: a small
# fleet (BASE_N lamps, default 100) doing the same, so the per-lamp figures
# at N read as a ratio to the same figures at a size where nothing
# crowds (how the cost scales), and the native OpenSSL client
# (bench/tls_native.c) making resumed handshakes against the same broker.
# The machine is shared and noisy: read the ratios, not one absolute time.
#
# Usage: bench/fleet_scale.sh [N] [IDLE_SECONDS] [BASE_N]
# Targets (issue 10): N = 10000 connected on this 2-core, 24 GB machine;
# under 2 MB of RSS per connected lamp; idle under 2 % of a core per 1000
# connected lamps; the storm of N resumed in under 60 s.
# Never run by CI (minutes of both cores, GBs of memory).  BUILD picks the
# build directory (default build-bench, configured release if new).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
idle=${2:-30}
base=${3:-100}

case "$n$idle$base" in *[!0-9.]*) echo "usage: bench/fleet_scale.sh [N] [IDLE_SECONDS] [BASE_N]" >&2; exit 2 ;; esac
. bench/cloud_bench.sh
echo "== host: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)," \
     "vm.max_map_count $(cat /proc/sys/vm/max_map_count), open files $(ulimit -Hn) (hard)"
cloud_bench_start fleet_scale

run_fleet() { # NAME COUNT: the fleet's report in $work/NAME.txt, progress on the terminal
    local t0 t1
    echo "== $2 lamps (progress: lampsim's own)"
    t0=$(date +%s.%N)
    "$build/sim/lampsim" fleet --count "$2" --state-dir "$work/$1" \
        --ap bench:benchpass1 --cloud "localhost:$mqtt" --idle "$idle" --drop \
        --timeout 7200 > "$work/$1.txt" 2> >(grep --line-buffered -E \
            'provisioning|provisioned$|lamps at the console prompt$|connections up$|idling|resetting|only|timeout|error|fail' |
            awk -v every="$(( $2 / 10 > 0 ? $2 / 10 : 1 ))" '
                /provisioned|prompt|connections up/ { split($3, a, "/"); if (a[1] - last < every && a[1] != a[2]) next; last = a[1] }
                /idling|resetting/ { last = 0 }
                { print "  " $0; fflush() }' >&2) ||
        { echo "fleet_scale: lampsim fleet of $2 failed" >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "total_wall_s: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" >> "$work/$1.txt"
}
run_fleet base "$base"
run_fleet big "$n"

echo "== native OpenSSL client, same broker, same suite"
cc -O2 -o "$work/tls_native" bench/tls_native.c -lssl -lcrypto
"$work/tls_native" localhost "$mqtt" "$fleet/cloud-ca.crt" "$work/cloud/cloud-cli.crt" \
    "$work/cloud/cloud-cli.key" "$(( n < 1000 ? n : 1000 ))" > "$work/native.txt"
sed 's/^/  /' "$work/native.txt"

figures=()
while read -r var key file; do
    v=$(get "$key" "$work/$file.txt")
    figures+=(-v "$var=${v:-0}")
done <<'EOF'
threads threads big
pwall provision_wall_s big
bwall boot_wall_s big
bcpu boot_cpu_ms_per_lamp big
bcpu0 boot_cpu_ms_per_lamp base
cwall connect_wall_s big
ccpu connect_cpu_ms_per_lamp big
ccpu0 connect_cpu_ms_per_lamp base
full full_handshakes big
rss rss_kib_per_lamp big
rss0 rss_kib_per_lamp base
idlep idle_cpu_percent_of_core big
idlep0 idle_cpu_percent_of_core base
swall reconnect_wall_s big
scpu reconnect_cpu_ms_per_lamp big
scpu0 reconnect_cpu_ms_per_lamp base
res resumed_handshakes big
sfull full_handshakes_on_reconnect big
rhs reconnect_tls_resumed_handshakes_per_cpu_s big
nr native_resumed_handshakes_per_cpu_s native
lag host_lag_ms_per_lamp big
resets extra_resets big
total total_wall_s big
EOF
awk "${figures[@]}" -v n="$n" -v b="$base" 'function ratio(x, y) { return y > 0 ? x / y : 0 }
BEGIN {
    print "== results (ratios: this fleet against the " b "-lamp fleet of the same run)";
    printf "threads used: %d\n", threads;
    printf "lamps connected: %d of %d (target %d: %s)\n", full, n, n, full == n ? "met" : "MISSED";
    printf "provisioning: %.1f s wall\n", pwall;
    printf "boot: %.1f s wall, %.2f ms of CPU a lamp (x%.2f)\n", bwall, bcpu, ratio(bcpu, bcpu0);
    printf "ramp (all %d connected after boot): %.1f s wall, %.2f ms of CPU a lamp (x%.2f)\n",
        n, cwall, ccpu, ratio(ccpu, ccpu0);
    printf "RSS per connected lamp: %.2f MB (x%.2f; target < 2 MB: %s)\n",
        rss / 1024, ratio(rss, rss0), rss / 1024 < 2 ? "met" : "MISSED";
    printf "idle: %.2f %% of a core per 1000 connected lamps (x%.2f; target < 2 %%: %s)\n",
        idlep * 1000 / n, ratio(idlep / n, idlep0 / b), idlep * 1000 / n < 2 ? "met" : "MISSED";
    printf "storm: %d connections reset, %d resumed, %d full, in %.1f s wall (target < 60 s: %s), %.2f ms of CPU a lamp (x%.2f)\n",
        n, res, sfull, swall, swall < 60 && res + sfull == n ? "met" : "MISSED", scpu, ratio(scpu, scpu0);
    printf "storm resumed handshakes: %.0f per lamp CPU-second; native %.0f: native is %.1fx faster\n",
        rhs, nr, ratio(nr, rhs);
    printf "lamps late for want of CPU: %.1f s a lamp on average (taken off their clocks; docs/emulator.md#time)\n",
        lag / 1000;
    printf "resets after boot (watchdog or fault): %d\n", resets;
    printf "whole run of %d lamps: %.0f s wall\n", n, total;
}'

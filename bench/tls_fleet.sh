#!/usr/bin/env bash
# Benchmark of the lamp-to-cloud issue: N lamps (default 200) with the
# CRYPTO engine boot in one lampsim process, join WiFi and connect with
# mutual TLS 1.2 to the reference cloud's mosquitto (lampcloud serve, on
# loopback), idle connected, reconnect with a full handshake and then a
# resumed one (`net reconnect [full]`, warm translation caches), and have
# every connection reset (resumed reconnection after a fault).  The same
# is done by a few lamps without the engine (default min(N, 3): each of
# their full handshakes is about 90 million emulated instructions, seconds
# of CPU).  In the
# same run a native OpenSSL client (bench/tls_native.c) makes the same
# handshakes against the same broker: the ratios are what to read, not one
# absolute time (the machine is shared and noisy).
#
# The compared figure is each lamp's own CPU (its machine's slices, thread
# clock) from its "cloud: connecting" line to its "tls:" line: TCP connect
# and TLS handshake, like the native client's.  The fleet's CPU for a whole
# reconnection (DNS, MQTT CONNECT, SUBSCRIBE, the retained state, other
# lamps idling) is printed too (*_cpu_ms_per_lamp).
#
# Last, where a lamp's handshake CPU goes: bench/emu_costs measures what
# lampsim's emulator charges for one guest instruction, one emulator entry
# and one device register access; each count of the handshake times its
# cost, and the rest, which is the models' own work (the CRYPTO engine's
# host crypto, the WiFi module's sockets) and the scheduler's.
#
# Usage: bench/tls_fleet.sh [N] [N_BASIC] [IDLE_SECONDS]
# Targets (issue 10): with the engine, full and resumed handshakes within
# 3x of the native client per CPU-second (stretch: 2x).  Without the
# engine the figure is reported.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
nb=${2:-$(( n < 3 ? n : 3 ))}
idle=${3:-10}
. bench/cloud_bench.sh
cloud_bench_start tls_fleet

run_fleet() { # NAME COUNT VARIANT
    echo "== $2 lamps, variant $3"
    "$build/sim/lampsim" fleet --count "$2" --variant "$3" --state-dir "$work/$1" \
        --ap bench:benchpass1 --cloud "localhost:$mqtt" --idle "$idle" --reconnect --drop \
        --timeout 3600 > "$work/$1.txt" 2> "$work/$1.err" ||
        { tail -5 "$work/$1.err"; echo "lampsim fleet failed" >&2; exit 1; }
    grep -E "^(lamps|connect_|warm_|reconnect_|resumed_|full_|rss_kib_per_lamp|idle_cpu|extra_resets|boot_cpu)" \
        "$work/$1.txt" | sed 's/^/  /'
}
run_fleet engine "$n" crypto
run_fleet basic "$nb" basic

echo "== what the emulator charges (bench/emu_costs)"
"$build/bench/emu_costs" "$build/bench" > "$work/costs.txt"
sed 's/^/  /' "$work/costs.txt"

echo "== native OpenSSL client, same broker, same suite"
cc -O2 -o "$work/tls_native" bench/tls_native.c -lssl -lcrypto
"$work/tls_native" localhost "$mqtt" "$fleet/cloud-ca.crt" "$work/cloud/cloud-cli.crt" \
    "$work/cloud/cloud-cli.key" "$n" > "$work/native.txt"
sed 's/^/  /' "$work/native.txt"

# The figures the summary needs: awk variable, key, the file it is in.
figures=()
while read -r var key file; do
    figures+=(-v "$var=$(get "$key" "$work/$file.txt")")
done <<'EOF'
ef warm_full_tls_full_handshakes_per_cpu_s engine
er warm_resumed_tls_resumed_handshakes_per_cpu_s engine
bf warm_full_tls_full_handshakes_per_cpu_s basic
efr warm_full_handshakes_per_cpu_s engine
err warm_resumed_handshakes_per_cpu_s engine
nf native_full_handshakes_per_cpu_s native
nr native_resumed_handshakes_per_cpu_s native
rss rss_kib_per_lamp engine
idle idle_cpu_percent_of_core engine
fk warm_full_tls_full_handshake_guest_kinsn engine
fe warm_full_tls_full_handshake_cpu_entries engine
fm warm_full_tls_full_handshake_mmio_accesses engine
rk warm_resumed_tls_resumed_handshake_guest_kinsn engine
re warm_resumed_tls_resumed_handshake_cpu_entries engine
rm warm_resumed_tls_resumed_handshake_mmio_accesses engine
ins emu_insn_ns costs
ens emu_entry_ns costs
mns emu_mmio_ns costs
EOF
awk "${figures[@]}" -v n="$n" 'function where(what, ms, k, e, m, nat,   gi, ge, gm) {
    gi = k * 1000 * ins / 1e6; ge = e * ens / 1e6; gm = m * mns / 1e6;
    printf "%s: %.3f ms of lamp CPU (native %.3f ms)\n", what, ms, nat;
    printf "  guest instructions  %8.0f x %6.2f ns = %.3f ms\n", k * 1000, ins, gi;
    printf "  emulator entries    %8.0f x %6.0f ns = %.3f ms\n", e, ens, ge;
    printf "  register accesses   %8.0f x %6.0f ns = %.3f ms\n", m, mns, gm;
    printf "  the rest (the models\x27 host work: crypto, sockets; scheduling) = %.3f ms\n",
        ms - gi - ge - gm;
}
BEGIN {
    print "== results: handshakes per CPU-second (lamp: its own CPU, connect to handshake done)";
    printf "full handshakes, engine: %.1f/s; native %.1f/s: native is %.1fx faster (target <= 3x: %s; stretch 2x: %s)\n",
        ef, nf, nf / ef, nf / ef <= 3 ? "met" : "MISSED", nf / ef <= 2 ? "met" : "not met";
    printf "full handshakes, no engine: %.2f/s: native is %.0fx faster; the engine gives %.1fx\n",
        bf, nf / bf, ef / bf;
    printf "resumed handshakes, engine: %.1f/s; native %.1f/s: native is %.1fx faster (target <= 3x: %s; stretch 2x: %s)\n",
        er, nr, nr / er, nr / er <= 3 ? "met" : "MISSED", nr / er <= 2 ? "met" : "not met";
    printf "whole reconnections per CPU-second of the fleet process: full %.1f, resumed %.1f\n", efr, err;
    printf "memory per connected lamp: %.2f MB\n", rss / 1024;
    printf "idle CPU of %d connected lamps: %.2f %% of a core\n", n, idle;
    print "== where the CPU of a handshake goes (engine, warm; costs from bench/emu_costs)";
    where("full handshake", 1000 / ef, fk, fe, fm, 1000 / nf);
    where("resumed handshake", 1000 / er, rk, re, rm, 1000 / nr);
}'

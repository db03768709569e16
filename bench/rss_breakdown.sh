#!/usr/bin/env bash
# Where a running lampsim's resident memory goes, from /proc/PID/smaps:
# RSS by kind of mapping, and per lamp when the number of lamps is given.
#   guest memory  the lamps' flash/OTP/SRAM mappings of the shared template
#                 (memfd lampsim-lamp-memory): a page a lamp wrote is its
#                 own (Private_Dirty), one it only read is the template's
#                 (shared, counted once)
#   heap          malloc: the models' state, NET buffers, TLS contexts of
#                 the host side, GLib
#   anonymous     other private mappings: Unicorn's TCG translation buffer
#                 (one per core), its TLBs and CPU state, thread stacks
#   libraries     code and data of lampsim and the shared libraries
# Usage: bench/rss_breakdown.sh PID [LAMPS]
set -euo pipefail
pid=${1:?usage: bench/rss_breakdown.sh PID [LAMPS]}
lamps=${2:-0}
[ -r "/proc/$pid/smaps" ] || { echo "rss_breakdown: no /proc/$pid/smaps (is $pid running?)" >&2; exit 2; }
awk -v lamps="$lamps" '
/^[0-9a-f]+-[0-9a-f]+ / {
    name = NF >= 6 ? $6 : "";
    for (i = 7; i <= NF; i++) name = name " " $i;
    if (name ~ /lampsim-lamp-memory/) kind = "guest memory";
    else if (name == "[heap]") kind = "heap";
    else if (name ~ /^\[stack/ || name == "") kind = "anonymous";
    else if (name ~ /^\[/) kind = "kernel (vdso, vvar)";
    else kind = "libraries and files";
    next
}
/^Rss:/ { rss[kind] += $2; total += $2 }
/^Private_Dirty:/ { dirty[kind] += $2 }
/^Shared_Clean:|^Shared_Dirty:/ { shared[kind] += $2 }
END {
    printf "%-22s %10s %10s %10s", "kind", "rss_kib", "private", "shared";
    if (lamps > 0) printf " %12s", "kib_per_lamp";
    printf "\n";
    n = split("guest memory|heap|anonymous|libraries and files|kernel (vdso, vvar)", order, "|");
    for (i = 1; i <= n; i++) {
        k = order[i];
        printf "%-22s %10d %10d %10d", k, rss[k], dirty[k], shared[k];
        if (lamps > 0) printf " %12.1f", rss[k] / lamps;
        printf "\n";
    }
    printf "%-22s %10d", "total", total;
    if (lamps > 0) printf " %32.1f", total / lamps;
    printf "\n";
}' "/proc/$pid/smaps"

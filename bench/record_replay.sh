#!/usr/bin/env bash
# Benchmark of record/replay (issue 14: recording costs under 20 % CPU; a
# recording of an idle connected lamp stays small).  In the same run:
#  1. a CPU-bound deterministic lamp (boot, `selftest div0`, reboot, 20
#     CRC-32s of all flash at the console), without and with --record:
#     host CPU of each and their ratio;
#  2. a lamp connected to the reference cloud that idles IDLE seconds
#     (default 150: two MQTT keepalives of 60 s), without and with
#     --record: host CPU, the ratio, and whether recording changed how it
#     behaves (drops, reconnects, watchdog resets, from its `net` answer);
#  3. the recording's growth while connected and idle, extrapolated to an
#     hour (measured over IDLE seconds: said so in the output), and its
#     replay with the cloud stopped.
# Usage: bench/record_replay.sh [IDLE_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
idle=${1:-150}
build=${BUILD:-build-bench}
case "$idle" in *[!0-9]*|'') echo "usage: bench/record_replay.sh [IDLE_SECONDS]" >&2; exit 2 ;; esac

[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release >/dev/null
meson compile -C "$build" >/dev/null
. tools/lampcloud_start.sh
lampcloud_session
lampsim=$build/sim/lampsim fw=$build/firmware
# user + system seconds from /usr/bin/time (its last line: a failed
# command's status comes first)
cpu() { tail -1 "$1" | awk '{ printf "%.3f", $1 + $2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }'; }
size() { stat -c %s "$1"; }

# timed NAME ARGS...: lampsim run, its CPU in $work/NAME.cpu
timed() {
    local name=$1; shift
    /usr/bin/time -f '%U %S' -o "$work/$name.cpu" "$lampsim" run --no-stdin "$@" \
        >"$work/$name.out" 2>"$work/$name.err" </dev/null ||
        { tail -5 "$work/$name.err"; echo "record_replay: run $name failed" >&2; exit 1; }
}

echo "== 1. CPU-bound deterministic lamp (a selftest fault, reboot, 20 x \`crc\` of 2 MiB), 3 rounds"
# One provisioned lamp, copied for each run: provisioning is not measured.
timed det-base --state-dir "$work/det-base" --seed 7 --console-input status --exit-on '^uptime' \
    --timeout 300
crc=(); for _ in $(seq 20); do crc+=(--console-input "crc 0 2097152"); done
for round in 1 2 3; do
    for mode in plain recorded; do
        rec=(); [ $mode = recorded ] && rec=(--record "$work/det.rec")
        rm -rf "$work/det-$mode"; cp -a "$work/det-base" "$work/det-$mode"
        timed "det-$mode-$round" --state-dir "$work/det-$mode" --seed 7 \
            --console-input "selftest div0" "${crc[@]}" --console-input status \
            --exit-on '^uptime' --timeout 300 "${rec[@]}"
    done
done
sum() { for f in "$@"; do tail -1 "$f"; done | awk '{ s += $1 + $2 } END { printf "%.3f", s }'; }
plain=$(sum "$work"/det-plain-?.cpu) recorded=$(sum "$work"/det-recorded-?.cpu)
echo "  cpu_s plain $plain  recorded $recorded  ratio $(ratio "$plain" "$recorded")"
echo "  recording $(size "$work/det.rec") bytes (the start record holds the flash, ~230 KiB)"

mqtt=$(free_port) https=$(free_port)
lampcloud_start "$build/tools/lampcloud/lampcloud" "$work/cloud.log" --fleet "$fw/dev-fleet" \
    --state-dir "$work/cloud" --mqtt-port "$mqtt" --https-port "$https" ||
    { cat "$work/cloud.log"; echo "record_replay: lampcloud did not start" >&2; exit 1; }

# connected NAME SECONDS ARGS...: a new lamp joins, connects, idles, then
# answers `net`; --timeout ends it (exit 1 is expected there).
connected() {
    local name=$1 secs=$2; shift 2
    /usr/bin/time -f '%U %S' -o "$work/$name.cpu" "$lampsim" run --no-stdin \
        --state-dir "$work/$name" --fleet "$fw/dev-fleet" --ap site:site-pass \
        --cloud "localhost:$mqtt" --console-input "wifi site site-pass" --timeout "$secs" \
        --log info "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null || true
    grep -q 'mqtt: connected as' "$work/$name.out" ||
        { tail -5 "$work/$name.err"; echo "record_replay: $name never connected" >&2; exit 1; }
}
behaviour() { # what recording must not change, from the console and the log
    printf 'connects %s drops %s watchdog_resets %s' \
        "$(grep -c 'mqtt: connected as' "$1.out")" \
        "$(grep -c 'retry in' "$1.out")" \
        "$(grep -c 'reset (cause 0x4)' "$1.err")"
}

echo "== 2. connected lamp idling ${idle} s (realtime, reference cloud on loopback)"
connected conn-plain "$idle"
connected conn-recorded "$idle" --record "$work/conn.rec"
# the same lamp recorded only up to its connection: the idle part is the rest
connected conn-start 15 --record "$work/start.rec" --exit-on 'mqtt: connected as'
echo "  cpu_s plain $(cpu "$work/conn-plain.cpu")  recorded $(cpu "$work/conn-recorded.cpu")" \
     " ratio $(ratio "$(cpu "$work/conn-plain.cpu")" "$(cpu "$work/conn-recorded.cpu")")," \
     "the difference $(awk -v a="$(cpu "$work/conn-plain.cpu")" -v b="$(cpu "$work/conn-recorded.cpu")" \
        -v s="$idle" 'BEGIN { printf "%.3f s, %.3f %% of a core over the run", b - a, (b - a) * 100 / s }')" \
     "(these CPU seconds are mostly boot, TLS and, recorded, the start record's fixed cost)"
echo "  plain:    $(behaviour "$work/conn-plain")"
echo "  recorded: $(behaviour "$work/conn-recorded")"

echo "== 3. recording size while connected and idle"
idle_bytes=$(( $(size "$work/conn.rec") - $(size "$work/start.rec") ))
echo "  whole recording $(size "$work/conn.rec") bytes, up to the connection $(size "$work/start.rec")"
echo "  idle: $idle_bytes bytes in about ${idle} s, extrapolated:" \
     "$(awk -v b="$idle_bytes" -v s="$idle" 'BEGIN { printf "%.0f", b * 3600 / s }') bytes/hour" \
     "(measured over ${idle} s, not an hour)"
kill "$lampcloud_pid" && wait "$lampcloud_pid" 2>/dev/null || true
lampcloud_pid=
/usr/bin/time -f '%U %S' -o "$work/replay.cpu" "$lampsim" run --replay "$work/conn.rec" \
    --state-dir "$work/replayed" --no-stdin >"$work/replay.out" 2>"$work/replay.err" </dev/null &&
    echo "  replay with the cloud stopped: $(tail -1 "$work/replay.err" | sed 's/^lampsim: replay: //')," \
         "cpu_s $(cpu "$work/replay.cpu")" ||
    { echo "  replay FAILED: $(tail -1 "$work/replay.err")"; exit 1; }

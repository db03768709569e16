#!/usr/bin/env bash
# Benchmark of issue 15's cloud outages (docs/robustness.md#cloud-outages):
# N lamps (default 2000) under one lampsim serve against the reference
# cloud, run as two processes (tools/cloud_outage.sh: `lampcloud serve
# --no-image-server` and `lampcloud images`), go through
#   1. the broker killed (SIGKILL to mosquitto) and lampcloud serve started
#      again after BROKER_DOWN_S (default 5);
#   2. the broker unreachable for UNREACHABLE_S (default 300): every
#      lamp's connection dropped and its new connections refused by the
#      lamps' WiFi modules (lampsim's net_fault refuse, a storm of
#      docs/profiles.md), the broker itself up;
#   3. the image server killed in the middle of an OTA download by N_OTA
#      lamps (default 500), each held after half the image (--hold-after),
#      and started again after IMAGES_DOWN_S (default 10).
# UNREACHABLE_S 0 or N_OTA 0 leaves that outage out.
# Before 1 and during 1 and 2, some lamps (K, default N/20, at most 100,
# each time others) make crash records (`selftest write-flash`: a fault and
# a reset) and the app VM's fault reports (a probe that faults; no reset).
# Measured: every lamp back online and how long it took; the broker's
# accepted lamp connections per second (its log) and their peak, against
# the fleet size, the peak at first boot (the baseline of the same run)
# and what the documented backoff predicts for that outage
# (outage_predict_peak: the jitter alone, the broker's cost left out);
# every fault report at the cloud's follower (at least once, none lost);
# every interrupted download resumed with Range (requests and bytes at the
# image server) and the lamps on the new image.
#
# Usage: bench/cloud_outages.sh [N] [UNREACHABLE_S] [N_OTA] [BROKER_DOWN_S] [IMAGES_DOWN_S]
# Never run by CI (minutes of both cores; tests/integration/cloud_outages.sh
# is the small version).  BUILD picks the build directory (default
# build-bench, configured release if new).  KEEP_WORK=1 keeps the logs.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
unreachable=${2:-300}
n_ota=${3:-500}
broker_down=${4:-5}
images_down=${5:-10}
case "$n$unreachable$n_ota$broker_down$images_down" in
    *[!0-9]*) echo "usage: bench/cloud_outages.sh [N] [UNREACHABLE_S] [N_OTA] [BROKER_DOWN_S] [IMAGES_DOWN_S]" >&2; exit 2 ;;
esac
[ "$n_ota" -le "$n" ] || { echo "cloud_outages: N_OTA ($n_ota) is more than N ($n)" >&2; exit 2; }
k=$(( n / 20 < 1 ? 1 : n / 20 > 100 ? 100 : n / 20 ))

build=${BUILD:-build-bench}
[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release >/dev/null
meson compile -C "$build" >/dev/null
lampsim=$build/sim/lampsim lampcloud=$build/tools/lampcloud/lampcloud
fw=$build/firmware
. tools/lampcloud_start.sh
. tools/cloud_outage.sh
work=$(mktemp -d)
serve_pid= cloud_pid= images_pid=
trap 'outage_fleet_stop; outage_cloud_stop; if [ -n "${KEEP_WORK:-}" ]; then echo "# kept $work" >&2; else rm -rf "$work"; fi' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
say() { echo "  $*"; }
# result KEY VALUE: a figure for the summary ($work/results), echoed
result() { echo "$1: $2" >> "$work/results"; }
# say_reconnect_peak WHO RATEFILE OUTAGE_S SEED RESULT: the fleet's
# reconnection wave after a broker outage (RATEFILE: connections a second),
# its peak against the fleet, the first boot's peak ($peak0) and what the
# jitter alone predicts (outage_predict_peak); the peak goes to the summary.
say_reconnect_peak() {
    local peak secs total pred last
    read -r peak secs total < <(outage_peak < "$2")
    read -r pred last < <(outage_predict_peak "$n" "$3" "$4")
    say "$1 accepted $total lamp connections over $secs s, peak $peak a second" \
        "($(awk -v p="$peak" -v n="$n" 'BEGIN { printf "%.1f", 100 * p / n }') % of the fleet;" \
        "x$(awk -v a="$peak" -v b="$peak0" 'BEGIN { printf "%.2f", b ? a / b : 0 }') the first boot's peak);" \
        "the jitter alone predicts $pred a second, all back within $last s"
    result "$5" "$peak"
}

echo "== host: $(nproc) CPUs; N=$n lamps, K=$k lamps faulting a time, unreachable ${unreachable}s, OTA to $n_ota"
"$build/tools/lampfactory/lampfactory" sign --fleet "$fw/dev-fleet" --version 1.0.1 --epoch 1 \
    "$fw/app.bin" "$work/app-101.img" > "$work/sign.log" 2>&1 || { cat "$work/sign.log"; exit 1; }
size=$(stat -c %s "$work/app-101.img")
outage_images_args=(--hold-after "$(( size / 2 ))")
outage_cloud_start "$lampcloud" "$fw/dev-fleet" || exit 1
echo "== reference cloud: broker on 127.0.0.1:$mqtt, image server on :$https (its own process)"

# ---- first boot: the baseline --------------------------------------------
t0=$(now)
outage_fleet_start "$lampsim" "$n" || exit 1
t1=$(now)
took=$(outage_wait_online "$n" 3600) || { echo "only $(online) of $n online at first boot" >&2; exit 1; }
t2=$(now)
outage_cloud_log 1 | outage_connects_per_s > "$work/rate.boot"
read -r peak0 secs0 total0 < <(outage_peak < "$work/rate.boot")
say "first boot: provisioned and booted in $(secs "$t0" "$t1") s, all $n online $took s later;" \
    "the broker accepted $total0 lamp connections over $secs0 s, peak $peak0 a second"
result boot_peak_per_s "$peak0"
outage_serials > "$work/serials"
[ "$(wc -l < "$work/serials")" = "$n" ] || { echo "the API lists $(wc -l < "$work/serials") lamps, not $n" >&2; exit 1; }
# K lamps each: crash before the kill, VM fault during it, crash and VM fault while unreachable
sed -n "1,${k}p" "$work/serials" > "$work/crash1"
sed -n "$((k + 1)),$((2 * k))p" "$work/serials" > "$work/vm1"
sed -n "$((2 * k + 1)),$((3 * k))p" "$work/serials" > "$work/crash2"
sed -n "$((3 * k + 1)),$((4 * k))p" "$work/serials" > "$work/vm2"
tail -n "$n_ota" "$work/serials" > "$work/ota"

# check_faults NAME SERIALS_FILE HEARD_FILE PATTERN: every lamp listed has a
# report matching PATTERN at the cloud; the figures go to the results.
check_faults() {
    local want got dup missing
    want=$(wc -l < "$2")
    grep -E "$4" "$3" > "$work/$1.heard" || true
    got=$(awk 'NR == FNR { w[$1] = 1; next } ($1 in w) { print $1 }' "$2" "$work/$1.heard" | sort -u | wc -l)
    dup=$(awk 'NR == FNR { w[$1] = 1; next } ($1 in w) { c[$1]++ } END { for (s in c) d += c[s] - 1; print d + 0 }' "$2" "$work/$1.heard")
    missing=$(outage_missing "$2" "$work/$1.heard" | wc -l)
    say "$1: $got of $want lamps' reports heard by the cloud ($dup duplicates: at least once), $missing lost"
    result "${1}_lost" "$missing"
}

# ---- 1. the broker killed and restarted ------------------------------------
echo "== 1. the broker killed (SIGKILL to mosquitto), lampcloud serve started again after ${broker_down}s"
lag0=$(metric lampsim_host_lag_seconds_total)
typed=$(outage_console "$work/crash1" "selftest write-flash")
say "crash records: selftest typed on $typed of $k lamps just before the kill"
outage_kill_broker
tk=$killed_at
# typed in the background: the API is slow while every lamp reconnects,
# and the outage lasts BROKER_DOWN_S whatever the typing takes
: > "$work/vm1.typed"
outage_console "$work/vm1" "app probe probe.read(0x10000)" "$work/vm1.typed" > /dev/null &
typer=$!
sleep "$(awk -v t="$tk" -v d="$broker_down" -v now="$(now)" 'BEGIN { w = t + d - now; print (w > 0 ? w : 0) }')"
outage_broker_up || exit 1
tu=$(now)
took=$(outage_wait_online "$n" 1800) || took="timeout ($(online) of $n online)"
wait "$typer"
say "VM fault reports: a faulting probe typed on $(wc -l < "$work/vm1.typed") of $k lamps from the kill on," \
    "$(awk -v t="$tu" '$1 < t' "$work/vm1.typed" | wc -l) of them before the broker was back"
cut -d' ' -f2 "$work/vm1.typed" > "$work/vm1"
say "the broker took connections again $(secs "$tk" "$tu") s after the kill; all $n online $took s after that"
result broker_kill_back_s "$took"
say "lamps late for want of host CPU since the kill: $(awk -v a="$lag0" -v b="$(metric lampsim_host_lag_seconds_total)" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n }') s a lamp (docs/metrics.md)"
outage_cloud_log 2 | outage_connects_per_s > "$work/rate.kill"
say_reconnect_peak "the restarted broker" "$work/rate.kill" "$(secs "$tk" "$tu")" 1 broker_kill_peak_per_s
sleep 10 # the last lamps' reports
outage_cloud_log 1 | outage_faults_heard > "$work/heard1"
check_faults crash_before_kill "$work/crash1" "$work/heard1" '"reason":"write-flash"'
check_faults vm_during_kill "$work/vm1" "$work/heard1" '"vm":true'

# ---- 2. the broker unreachable ---------------------------------------------
if [ "$unreachable" -gt 0 ]; then
echo "== 2. the broker unreachable for ${unreachable}s: every connection dropped, new ones refused (net_fault)"
skip=$(wc -l < "$work/cloud.$cloud_runs.log")
run2=$cloud_runs
api fleet/actions/net_fault '{"fault": "refuse", "on": true}' > /dev/null
td=$(now)
api fleet/actions/net_fault '{"fault": "drop"}' > "$work/drop.json"
say "dropped: $(jq -r .applied "$work/drop.json") lamps; $(online) still online a moment later"
typed=$(outage_console "$work/crash2" "selftest write-flash")
typed2=$(outage_console "$work/vm2" "app probe probe.read(0x10000)")
say "while unreachable: selftest typed on $typed, a faulting probe on $typed2 (of $k lamps each)"
sleep "$(awk -v t="$td" -v d="$unreachable" -v now="$(now)" 'BEGIN { w = t + d - now; print (w > 0 ? w : 0) }')"
say "online at the end of the outage: $(online)"
skip2=$(wc -l < "$work/cloud.$cloud_runs.log")
api fleet/actions/net_fault '{"fault": "refuse", "on": false}' > /dev/null
tu=$(now)
took=$(outage_wait_online "$n" 1800) || took="timeout ($(online) of $n online)"
say "reachable again after $(secs "$td" "$tu") s; all $n online $took s later"
result unreachable_back_s "$took"
outage_cloud_log "$run2" "$skip2" | outage_connects_per_s > "$work/rate.unreach"
say_reconnect_peak "the broker" "$work/rate.unreach" "$(secs "$td" "$tu")" 2 unreachable_peak_per_s
sleep 10
outage_cloud_log "$run2" "$skip" | outage_faults_heard > "$work/heard2"
check_faults crash_while_unreachable "$work/crash2" "$work/heard2" '"reason":"write-flash"'
check_faults vm_while_unreachable "$work/vm2" "$work/heard2" '"vm":true'

fi

# ---- 3. the image server killed mid-download -------------------------------
if [ "$n_ota" -gt 0 ]; then
echo "== 3. OTA 1.0.1 ($size bytes) to $n_ota lamps, each held after $(( size / 2 )) bytes;" \
     "the image server killed, started again after ${images_down}s"
skip=$(wc -l < "$work/cloud.$cloud_runs.log")
run3=$cloud_runs
t0=$(now)
"$lampcloud" notify-ota --state-dir "$work/cloud" --serials "$work/ota" "$work/app-101.img" \
    > "$work/notify.log" 2>&1 || { cat "$work/notify.log"; exit 1; }
held() { grep -c "holding the rest" "$work/images.1.log" || true; }
# every download held, or (the lamp's 30 s patience) 20 s after the first was
first=
while [ "$(held)" -lt "$n_ota" ]; do
    [ -z "$first" ] && [ "$(held)" -gt 0 ] && first=$(now)
    [ -n "$first" ] && [ "$(secs "$first" "$(now)" | cut -d. -f1)" -ge 20 ] && break
    [ "$(secs "$t0" "$(now)" | cut -d. -f1)" -ge 600 ] && break
    sleep 0.5
done
h=$(held)
outage_kill_images
tk=$killed_at
say "$h of $n_ota downloads under way (half sent, held) $(secs "$t0" "$tk") s after the offer; image server killed"
result ota_held_at_kill "$h"
sleep "$images_down"
outage_images_up || exit 1
tu=$(now)
version_count() {
    curl -s -H "Authorization: Bearer $token" "${url}api/lamps?limit=100000" |
        jq -r '.lamps[] | select(.network == "online") | "\(.serial) \(.firmware)"' |
        awk 'NR == FNR { w[$1] = 1; next } ($1 in w) && $2 == "1.0.1"' "$work/ota" - | wc -l
}
until=$(( $(date +%s) + 1800 ))
while [ "$(version_count)" -lt "$n_ota" ] && [ "$(date +%s)" -lt "$until" ]; do sleep 2; done
done101=$(version_count)
say "image server back $(secs "$tk" "$tu") s after the kill; $done101 of $n_ota lamps online on 1.0.1" \
    "$(secs "$tu" "$(now)") s later; $(online) of $n online"
result ota_lamps_on_new_image "$done101"
outage_resumes_per_s 2 > "$work/rate.resume"
read -r peak3 secs3 total3 < <(outage_peak < "$work/rate.resume")
read -r pred3 last3 < <(outage_predict_peak "$n_ota" "$(secs "$tk" "$tu")" 3 30)
say "Range requests reached the restarted image server over $secs3 s ($total3), peak $peak3 a second" \
    "($(awk -v p="$peak3" -v n="$n_ota" 'BEGIN { printf "%.1f", 100 * p / n }') % of the lamps cut);" \
    "the download's jittered backoff alone predicts $pred3 a second, all back within $last3 s"
result ota_resume_peak_per_s "$peak3"
outage_image_gets 2 > "$work/gets"
# per lamp offered: the first request after the restart, then the bytes
awk -v size="$size" 'NR == FNR { w[$1] = 1; next } !($1 in w) { next }
    { if (!($1 in first)) { first[$1] = $2 " " $3; lamps++ }
      if ($2 == 206) ranged++; else whole++; sent += $4 - $3 + 1 }
    END {
        for (s in first) { split(first[s], f, " ");
            if (f[1] == 206) { resumed++; lacked += size - f[2] } else restarted++ }
        printf "lamps %d resumed %d restarted %d range_requests %d whole_requests %d sent %d lacked %d\n",
            lamps, resumed, restarted, ranged, whole, sent, lacked
    }' "$work/ota" "$work/gets" > "$work/ota.txt"
read -r _ lamps3 _ resumed _ restarted _ ranged _ whole _ sent _ lacked < "$work/ota.txt"
staged=$(outage_cloud_log "$run3" "$skip" | grep -F '"state":"staged"' | sed 's/^[0-9:]* \([^:]*\):.*/\1/' | sort -u |
         awk 'NR == FNR { w[$1] = 1; next } ($1 in w)' "$work/ota" - | wc -l)
say "restarted image server: $lamps3 lamps came back; $resumed resumed with Range, $restarted from byte 0;" \
    "$ranged Range requests, $whole without; $sent bytes sent for the $lacked the resumed lamps lacked" \
    "(x$(awk -v a="$sent" -v b="$lacked" 'BEGIN { printf "%.3f", b ? a / b : 0 }'); re-sent $(( sent - lacked )) bytes)"
say "staged (image verified) reported to the cloud by $staged of $n_ota lamps"
result ota_restarted_from_zero "$restarted"
result ota_resent_bytes "$(( sent - lacked ))"

fi

result online_at_end "$(online) of $n"
echo "== results"
sed 's/^/  /' "$work/results"
grep -q ': timeout' "$work/results" && echo "  SOME LAMPS DID NOT COME BACK"
awk -F': ' '$1 ~ /_lost$/ && $2 != 0 { bad = 1 } END { exit bad }' "$work/results" || echo "  SOME FAULT REPORTS WERE LOST"
exit 0

#!/usr/bin/env bash
# Cloud outages under a small fleet (docs/robustness.md#cloud-outages; the
# full sizes are bench/cloud_outages.sh): 20 lamps under lampsim serve
# against the reference cloud, run as two processes (tools/cloud_outage.sh).
# - the broker (mosquitto) killed with SIGKILL and lampcloud serve started
#   again: every lamp back online; the broker's peak of accepted
#   connections a second is printed (not asserted: timing);
# - crash records (`selftest write-flash` typed just before the kill) and
#   the app VM's fault reports (a probe that faults, typed while the broker
#   is down) all reach the cloud's follower, none lost;
# - the image server killed in the middle of an OTA download (held after
#   100,000 bytes by --hold-after) and started again: the lamp resumes
#   with Range from where it was, nothing is sent twice, and it runs the
#   new image;
# - an image server that cuts every response after 30,000 bytes, Range or
#   not: a download interrupted 11 times, each time with progress, still
#   completes (only attempts in a row without a byte count against the
#   lamp's 8);
# - the cloud's follower takes a fleet's retained state at once: 1,500
#   retained offers, lampcloud serve restarted, every one heard again
#   (mosquitto's default queue of 1,000 a client dropped the rest, and
#   with them fault reports after a broker restart at 2,000 lamps).
# Output: TAP.  Usage: cloud_outages.sh LAMPSIM LAMPCLOUD LAMPFACTORY FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampcloud=$2 lampfactory=$3 fw=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tools/lampcloud_start.sh"
. "$here/../../tools/cloud_outage.sh"
. "$here/tap.sh"
TAP_TAIL=12
lamps=20 held=100000
work=$(mktemp -d)
trap 'outage_fleet_stop; outage_cloud_stop; [ -n "${KEEP_WORK:-}" ] && echo "# kept $work" || rm -rf "$work"' EXIT
bail() { echo "Bail out! $1"; exit 1; }
echo "1..11"

outage_images_args=(--hold-after "$held")
outage_cloud_start "$lampcloud" "$fw/dev-fleet" || bail "the cloud did not start"
"$lampfactory" sign --fleet "$fw/dev-fleet" --version 1.0.1 --epoch 1 "$fw/app.bin" \
    "$work/app-101.img" >"$work/sign.log" 2>&1 || { sed 's/^/# /' "$work/sign.log"; bail "signing"; }
"$lampfactory" sign --fleet "$fw/dev-fleet" --version 1.0.2 --epoch 1 "$fw/app.bin" \
    "$work/app-102.img" >"$work/sign.log" 2>&1 || { sed 's/^/# /' "$work/sign.log"; bail "signing"; }
outage_fleet_start "$lampsim" "$lamps" --threads 2 || bail "lampsim serve did not start"

# 1. The fleet connects.
if took=$(outage_wait_online "$lamps" 300); then
    ok "$lamps lamps online ($took s)"
else
    not_ok "$lamps lamps online: $(online) after 300 s" "$work/serve.err"; exit 1
fi
outage_serials > "$work/serials"
sed -n 1,2p "$work/serials" > "$work/crash"
sed -n 3,4p "$work/serials" > "$work/vm"
sed -n 5p "$work/serials" > "$work/ota"
sed -n 6p "$work/serials" > "$work/flaky"

# 2. Crash records just before the kill; the broker killed; VM faults
# while it is down; lampcloud serve started again 3 s after.
typed=$(outage_console "$work/crash" "selftest write-flash")
outage_kill_broker || bail "killing the broker"
sleep 1
vm=$(outage_console "$work/vm" "app probe probe.read(0x10000)")
sleep 2
outage_broker_up || bail "lampcloud serve did not start again"
if took=$(outage_wait_online "$lamps" 120); then
    ok "every lamp back online after the broker's kill and restart ($took s after the restart)"
else
    not_ok "back online after the broker's restart: $(online) of $lamps" "$work/serve.err" "$work/cloud.2.log"
fi
outage_cloud_log 2 | outage_connects_per_s > "$work/rate"
read -r peak secs total < <(outage_peak < "$work/rate")
echo "# broker after its restart: $total lamp connections over $secs s, peak $peak a second"
[ "$total" -ge "$lamps" ]; check $? "the restarted broker accepted every lamp ($total connections for $lamps lamps)"

# 3. Every fault report at the cloud, at least once.
for _ in $(seq 60); do
    outage_cloud_log 1 | outage_faults_heard > "$work/heard"
    [ -z "$(outage_missing "$work/crash" "$work/heard")$(outage_missing "$work/vm" "$work/heard")" ] && break
    sleep 1
done
missing=$(outage_missing "$work/crash" "$work/heard")
if [ "$typed" = 2 ] && [ -z "$missing" ] && grep -q '"reason":"write-flash"' "$work/heard"; then
    ok "both crash records (selftest before the kill) reached the cloud"
else
    not_ok_saying "crash records: typed on $typed lamps, missing at the cloud: ${missing:-none}" "$(cat "$work/heard")"
fi
missing=$(outage_missing "$work/vm" "$work/heard")
if [ "$vm" = 2 ] && [ -z "$missing" ] && [ "$(grep -c '"vm":true' "$work/heard")" -ge 2 ]; then
    ok "both app VM fault reports (made while the broker was down) reached the cloud"
else
    not_ok_saying "VM fault reports: typed on $vm lamps, missing at the cloud: ${missing:-none}" "$(cat "$work/heard")"
fi

# 4. An OTA download held after $held bytes, the image server killed and
# started again (without the hold).
ota=$(cat "$work/ota")
"$lampcloud" notify-ota --state-dir "$work/cloud" --serials "$work/ota" "$work/app-101.img" \
    > "$work/notify.log" 2>&1 || { sed 's/^/# /' "$work/notify.log"; bail "notify-ota"; }
for _ in $(seq 120); do grep -q "$ota GET .*holding" "$work/images.1.log" && break; sleep 0.5; done
grep -q "$ota GET .*holding" "$work/images.1.log"
check $? "the download is under way: $held bytes sent, the rest held"
outage_kill_images
sleep 3
outage_images_up || bail "lampcloud images did not start again"
version() { curl -s -H "Authorization: Bearer $token" "${url}api/lamps/$1" | jq -r '.firmware.version'; }
for _ in $(seq 180); do [ "$(version "$ota")" = 1.0.1 ] && [ "$(online)" = "$lamps" ] && break; sleep 1; done
outage_image_gets 2 > "$work/gets"
size=$(stat -c %s "$work/app-101.img")
sed 's/^/# /' "$work/gets"
if awk -v s="$ota" -v h="$held" -v size="$size" '$1 == s { n++; if (n == 1 && $2 == 206 && $3 == h) first = 1; sent += $4 - $3 + 1; if ($2 != 206) full++ }
        END { exit !(first && !full && sent == size - h) }' "$work/gets"; then
    ok "the lamp resumed with Range at byte $held: only the $((size - held)) bytes it lacked were sent again"
else
    not_ok "resumed with Range at byte $held" "$work/gets" "$work/images.2.log"
fi
if [ "$(version "$ota")" = 1.0.1 ] && grep -q "$ota: ota/status {\"state\":\"staged\"" "$work"/cloud.*.log; then
    ok "the resumed image verified and staged, the lamp runs 1.0.1"
else
    not_ok "the lamp runs $(version "$ota") after the resumed download" "$work/cloud.2.log"
fi

# 5. A flaky image server: every response cut after 30,000 bytes.
flaky=$(cat "$work/flaky")
outage_kill_images
outage_images_up --cut-every 30000 || bail "lampcloud images --cut-every did not start"
"$lampcloud" notify-ota --state-dir "$work/cloud" --serials "$work/flaky" "$work/app-102.img" \
    > "$work/notify.log" 2>&1 || { sed 's/^/# /' "$work/notify.log"; bail "notify-ota"; }
for _ in $(seq 240); do
    [ "$(version "$flaky")" = 1.0.2 ] && break
    grep -q "$flaky: ota/status {\"state\":\"failed\"" "$work/cloud.2.log" && break
    sleep 1
done
cuts=$(grep -c "https: $flaky GET .*cut short" "$work/images.3.log")
if [ "$cuts" -gt 8 ]; then
    ok "the flaky server cut the download $cuts times (more than the lamp's 8 attempts)"
else
    not_ok "the flaky server cut the download $cuts times, expected more than 8" "$work/images.3.log"
fi
if [ "$(version "$flaky")" = 1.0.2 ]; then
    ok "each resume brought bytes, so the lamp kept going: it runs 1.0.2"
else
    not_ok "the lamp runs $(version "$flaky") after a download cut $cuts times" "$work/cloud.2.log" "$work/images.3.log"
fi
# 6. A retained flood at the follower's subscribe: 1,500 offers to
# serials no lamp has, lampcloud serve stopped and started again.
seq -f "FLOOD-%04g" 1500 > "$work/flood"
"$lampcloud" notify-ota --state-dir "$work/cloud" --serials "$work/flood" "$work/app-102.img" \
    > "$work/notify.log" 2>&1 || { sed 's/^/# /' "$work/notify.log"; bail "notify-ota to 1,500"; }
kill "$cloud_pid" && wait "$cloud_pid"
outage_broker_up || bail "lampcloud serve did not start again"
for _ in $(seq 60); do
    heard=$(grep -c '^[0-9:]* FLOOD-[0-9]*: ota .*(retained)$' "$work/cloud.$cloud_runs.log")
    [ "$heard" -ge 1500 ] && break
    sleep 1
done
if [ "$heard" -ge 1500 ] && ! grep -q "being dropped" "$work/cloud.$cloud_runs.log"; then
    ok "the follower heard all 1,500 retained offers at its subscribe, none dropped"
else
    not_ok "the follower heard $heard of 1,500 retained offers" "$work/cloud.$cloud_runs.log"
fi
[ "$failed" -eq 0 ]

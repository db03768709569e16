#!/usr/bin/env bash
# What a load profile does to the lamps themselves (docs/profiles.md), run
# by lampsim serve against the reference cloud:
# - a commissioning wave: lamps with an access point in range but no
#   credentials (--ap-in-range) stay off the network until the wave gives
#   them the credentials, then all reach online;
# - telemetry_interval_s: every lamp there and the one the ramp adds is
#   set to 5 s: the fleet's MQTT messages out in /metrics come at that
#   rate, and each lamp reports "telemetry_s":5 to the cloud;
# - an OTA campaign: a signed 1.0.1 sent to 2 lamps at 45 s: their twins
#   say 1.0.1, the others 1.0.0, and the updated lamps kept their period
#   across the update's reboots.
# Output: TAP.  Usage: serve_campaigns.sh LAMPSIM LAMPCLOUD LAMPFACTORY FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampcloud=$2 lampfactory=$3 fw=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/serve_profile_session.sh"
echo "1..7"
bail() { echo "Bail out! $*"; exit 1; }
state() { metric "lampsim_lamps_by_network_state{state=\"$1\"}"; }
# firmware VERSION: how many lamps GET /api/lamps lists with it and online
firmware() {
    curl -s -H "Authorization: Bearer $token" "${url}api/lamps" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for l in d["lamps"] if l["firmware"] == sys.argv[1] and l["network"] == "online"))' "$1"
}
# reported PATTERN: how many lamps the cloud heard report a state matching PATTERN
reported() { grep -E ": shadow/reported \{.*$1" "$work/cloud.log" | sed 's/: shadow.*//' | sort -u | wc -l; }

mqtt=$(free_port) https=$(free_port)
lampcloud_start "$lampcloud" "$work/cloud.log" --fleet "$fw/dev-fleet" --state-dir "$work/cloud" \
    --mqtt-port "$mqtt" --https-port "$https" ||
    { sed 's/^/# /' "$work/cloud.log"; bail "lampcloud serve did not start"; }
"$lampfactory" sign --fleet "$fw/dev-fleet" --version 1.0.1 --epoch 1 "$fw/app.bin" \
    "$work/app-101.img" >"$work/sign.log" 2>&1 || { sed 's/^/# /' "$work/sign.log"; bail "signing"; }

# 3 lamps and 1 ramped in at once, all set to 5 s; the wave at 8 s (2 a
# second); the campaign at 45 s.
cat > "$work/profile.json" <<JSON
{
  "seed": 5,
  "telemetry_interval_s": 5,
  "ramp": {"start_s": 0, "per_s": 1, "target": 4},
  "events": [
    {"at_s": 8, "type": "commission", "ssid": "site", "passphrase": "site-passphrase", "per_s": 2},
    {"at_s": 45, "type": "ota", "image": "$work/app-101.img", "lamps": 2}
  ]
}
JSON
"$lampsim" serve --state-dir "$work/net" --count 3 --threads 2 --ap-in-range site:site-passphrase \
    --cloud "localhost:$mqtt" --progress 5 --no-web --load-profile "$work/profile.json" \
    > "$work/serve.txt" 2> "$work/serve.err" </dev/null &
serve_pid=$!
for _ in $(seq 300); do [ -s "$work/net/serve.url" ] && break; sleep 0.2; done
url=$(cat "$work/net/serve.url" 2>/dev/null) || { sed 's/^/# /' "$work/serve.err"; bail "serve did not start"; }
url=${url%/}/ # the checks below append the route to the base with its slash
token=$(cat "$work/net/serve.token")

# 1. Before the wave: an access point in range, no credentials.
for _ in $(seq 20); do [ "$(state no-creds)" = 4 ] && break; sleep 0.25; done
before=$(state no-creds) elapsed=$(metric lampsim_profile_elapsed_seconds)
if [ "$before" = 4 ] && [ "$(state online)" = 0 ] && [ "$elapsed" -lt 8 ]; then
    ok "--ap-in-range: the 4 lamps have an access point in range and no credentials before the wave"
else
    not_ok "before the wave (t=$elapsed s): $before without credentials, $(state online) online" "$work/serve.err"
fi

# 2. The wave: every lamp commissioned and online.
for _ in $(seq 120); do [ "$(state online)" = 4 ] && break; sleep 0.5; done
done_=$(metric 'lampsim_profile_actions_total{kind="commission"}')
if [ "$(state online)" = 4 ] && [ "$done_" = 4 ]; then
    ok "the commissioning wave gave 4 lamps the credentials and all 4 reached online"
else
    not_ok "the wave: $done_ commissioned, $(state online) online" "$work/serve.err"
fi

# 3. The period on every lamp, the ramp's too, as the lamps report it.
for _ in $(seq 40); do [ "$(reported '"telemetry_s":5,')" = 4 ] && break; sleep 0.5; done
set_=$(metric 'lampsim_profile_actions_total{kind="telemetry"}') heard=$(reported '"telemetry_s":5,')
if [ "$set_" = 4 ] && [ "$heard" = 4 ]; then
    ok "telemetry_interval_s 5 typed on 4 lamps (3 at the start, 1 ramped) and all 4 report telemetry_s 5"
else
    not_ok "telemetry period: set on $set_ lamps, $heard report 5 s" "$work/serve.err" "$work/cloud.log"
fi

# 4. The rate: 4 lamps every 5 s are 16 messages in 20 s (every 60 s: 4 at most).
sleep 3 # past the connects' own messages
out0=$(metric 'lampsim_mqtt_messages_total{direction="out"}')
sleep 20
out=$(( $(metric 'lampsim_mqtt_messages_total{direction="out"}') - out0 ))
if [ "$out" -ge 10 ] && [ "$out" -le 24 ] && [ "$(metric lampsim_profile_elapsed_seconds)" -lt 45 ]; then
    ok "in 20 s the 4 lamps published $out MQTT messages (every 5 s: 16)"
else
    not_ok "MQTT messages out in 20 s: $out (want 10 to 24, before the campaign)" "$work/serve.err"
fi

# 5. The campaign: 2 lamps on 1.0.1, back online, the others on 1.0.0.
for _ in $(seq 240); do [ "$(firmware 1.0.1)" = 2 ] && [ "$(firmware 1.0.0)" = 2 ] && break; sleep 1; done
sent=$(metric 'lampsim_profile_actions_total{kind="update"}')
if [ "$sent" = 2 ] && [ "$(firmware 1.0.1)" = 2 ] && [ "$(firmware 1.0.0)" = 2 ]; then
    ok "the OTA campaign sent 1.0.1 to 2 lamps: their twins say 1.0.1 (online), the other 2 1.0.0"
else
    not_ok "the campaign: $sent sent, $(firmware 1.0.1) online on 1.0.1, $(firmware 1.0.0) on 1.0.0" \
        "$work/serve.err"
fi

# 6. The updated lamps kept their period through the install's reboots.
for _ in $(seq 20); do [ "$(reported '"telemetry_s":5,"fw":"1\.0\.1"')" = 2 ] && break; sleep 0.5; done
if [ "$(reported '"telemetry_s":5,"fw":"1\.0\.1"')" = 2 ]; then
    ok "both updated lamps report 1.0.1 with telemetry_s still 5 (kept in nvstore)"
else
    not_ok "after the update: $(reported '"fw":"1\.0\.1"') report 1.0.1, $(reported '"telemetry_s":5,"fw":"1\.0\.1"') with 5 s" \
        "$work/cloud.log"
fi

# 7. The summary counts it all.
for _ in $(seq 20); do [ "$(metric lampsim_profile_finished)" = 1 ] && break; sleep 0.5; done
kill -TERM "$serve_pid"; wait "$serve_pid"; rc=$?; serve_pid=
get() { sed -n "s/^$1: //p" "$work/serve.txt"; }
if [ $rc = 0 ] && [ "$(get profile_commission)" = 4 ] && [ "$(get profile_update)" = 2 ] &&
   [ "$(get profile_telemetry)" = 4 ] && [ "$(get profile_lamp_added)" = 1 ] &&
   [ "$(get profile_finished)" = yes ]; then
    ok "the summary counts 4 commissioned, 2 updates, 4 periods set, 1 lamp added, finished"
else
    not_ok "summary (exit $rc)" "$work/serve.txt" "$work/serve.err"
fi

#!/usr/bin/env bash
# A load profile run by lampsim serve (docs/profiles.md) against the
# reference cloud, the lamps given an access point (--ap):
# - a bad profile refuses the start (exit 2, FILE:PATH: reason);
# - the ramp adds lamps up to its target;
# - churn power-cycles lamps;
# - a storm drops every connection and keeps the broker unreachable for a
#   while: no lamp is online then, and afterwards every lamp is back
#   online with new handshakes;
# - POST /api/fleet/actions/net_fault drops a chosen number of lamps' connections.
# Everything is read from /metrics and the API while it runs.
# Output: TAP.  Usage: serve_profile.sh LAMPSIM LAMPCLOUD FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampcloud=$2 fw=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/serve_profile_session.sh"
echo "1..8"
handshakes() { echo $(( $(metric 'lampsim_tls_handshakes_total{result="full"}') +
                         $(metric 'lampsim_tls_handshakes_total{result="resumed"}') )); }
online() { metric 'lampsim_lamps_by_network_state{state="online"}'; }

# 1. A bad profile refuses the start.
echo '{"ramp": {"per_s": 1, "target": 5}, "events": [{"at_s": 5, "type": "storm", "drop": "yes"}]}' \
    > "$work/bad.json"
"$lampsim" serve --state-dir "$work/bad" --count 1 --load-profile "$work/bad.json" \
    > /dev/null 2> "$work/bad.err" </dev/null
rc=$?
if [ $rc = 2 ] && grep -q "bad.json:\$.events\[0\].drop: must be true or false" "$work/bad.err" &&
   [ ! -e "$work/bad/serve.url" ]; then
    ok "a bad profile refuses the start with the file and the field's path (exit 2)"
else
    not_ok "a bad profile refused (exit $rc)" "$work/bad.err"
fi

mqtt=$(free_port) https=$(free_port)
if ! lampcloud_start "$lampcloud" "$work/cloud.log" --fleet "$fw/dev-fleet" --state-dir "$work/cloud" \
        --mqtt-port "$mqtt" --https-port "$https"; then
    sed 's/^/# /' "$work/cloud.log"
    echo "Bail out! lampcloud serve did not start"
    exit 1
fi
# 3 lamps ramped to 5 (one a second), 5 power cycles from 20 s to 30 s,
# the storm at 45 s with the broker unreachable for 6 s.
cat > "$work/profile.json" <<'JSON'
{
  "seed": 11,
  "ramp": {"start_s": 1, "per_s": 1, "target": 5},
  "churn": {"per_minute": 30, "start_s": 20, "end_s": 30},
  "events": [{"at_s": 45, "type": "storm", "drop": true, "unreachable_s": 6}]
}
JSON
"$lampsim" serve --state-dir "$work/net" --count 3 --threads 2 --ap site:site-passphrase \
    --cloud "localhost:$mqtt" --progress 5 --load-profile "$work/profile.json" \
    > "$work/serve.txt" 2> "$work/serve.err" </dev/null &
serve_pid=$!
for _ in $(seq 300); do [ -s "$work/net/serve.url" ] && break; sleep 0.2; done
url=$(cat "$work/net/serve.url" 2>/dev/null) || { sed 's/^/# /' "$work/serve.err"; echo "Bail out! serve did not start"; exit 1; }
url=${url%/}/ # the checks below append the route to the base with its slash
token=$(cat "$work/net/serve.token")

# 2. The ramp.
for _ in $(seq 60); do [ "$(metric lampsim_lamps)" = 5 ] && break; sleep 1; done
added=$(metric 'lampsim_profile_actions_total{kind="lamp_added"}')
if [ "$(metric lampsim_lamps)" = 5 ] && [ "$added" = 2 ]; then
    ok "the ramp added 2 lamps to the 3 there (5, its target)"
else
    not_ok "the ramp: $(metric lampsim_lamps) lamps, $added added" "$work/serve.err"
fi

# 3. Churn, once every lamp has come online.
# (the twin counts a reset at its next refresh, up to --twin-period later)
for _ in $(seq 80); do
    [ "$(metric 'lampsim_profile_actions_total{kind="power_cycle"}')" = 5 ] &&
        [ "$(metric lampsim_resets_total)" -ge 10 ] && break
    sleep 0.5
done
cycles=$(metric 'lampsim_profile_actions_total{kind="power_cycle"}')
resets=$(metric lampsim_resets_total)
if [ "$cycles" = 5 ] && [ "$resets" -ge 10 ]; then
    ok "churn power-cycled 5 lamps (lamp resets: $resets, 5 power-ons and 5 cycles at least)"
else
    not_ok "churn: $cycles power cycles, $resets resets" "$work/serve.err"
fi

# 4. Every lamp online before the storm; what the storm finds.
for _ in $(seq 120); do
    [ "$(online)" = 5 ] && [ "$(metric lampsim_profile_elapsed_seconds)" -ge 40 ] && break; sleep 0.5
done
before_hs=$(handshakes) before_drops=$(metric lampsim_connection_drops_total)
before_online=$(online)
if [ "$before_online" = 5 ] && [ "$(metric lampsim_profile_storms_total)" = 0 ]; then
    ok "all 5 lamps were online before the storm ($before_hs handshakes so far)"
else
    not_ok "before the storm: $before_online online, storms $(metric lampsim_profile_storms_total)" \
        "$work/serve.err"
fi

# 5. The storm: connections dropped, nobody online while the broker refuses.
for _ in $(seq 60); do [ "$(metric lampsim_profile_storms_total)" = 1 ] && break; sleep 0.25; done
seen_offline=no
for _ in $(seq 16); do
    sleep 0.25
    [ "$(online)" = 0 ] && seen_offline=yes
done
drops=$(( $(metric lampsim_connection_drops_total) - before_drops ))
refused=$(metric 'lampsim_faults_injected_total{type="net_refuse"}')
if [ "$drops" -ge 5 ] && [ "$seen_offline" = yes ] &&
   [ "$(metric 'lampsim_profile_actions_total{kind="net_drop"}')" = 5 ] && [ "$refused" -ge 5 ]; then
    ok "the storm dropped every connection ($drops drops) and no lamp was online while the broker was unreachable"
else
    not_ok "the storm: $drops drops, offline seen: $seen_offline, refusals injected: $refused" "$work/serve.err"
fi

# 6. After it: back online, with new handshakes.
for _ in $(seq 120); do
    [ "$(online)" = 5 ] && [ "$(handshakes)" -ge $((before_hs + 5)) ] && break; sleep 0.5
done
after_hs=$(handshakes)
if [ "$(online)" = 5 ] && [ "$after_hs" -ge $((before_hs + 5)) ] &&
   [ "$(metric 'lampsim_profile_actions_total{kind="net_refuse_off"}')" = 5 ] &&
   [ "$(metric lampsim_profile_finished)" = 1 ]; then
    ok "after the storm every lamp came back online ($((after_hs - before_hs)) new handshakes) and the profile finished"
else
    not_ok "after the storm: $(online) online, handshakes $before_hs -> $after_hs, finished $(metric lampsim_profile_finished)" \
        "$work/serve.err"
fi

# 7. A storm by hand: two lamps' connections dropped through the API.
before_drops=$(metric lampsim_connection_drops_total)
reply=$(curl -s -X POST -H "Authorization: Bearer $token" \
    -d '{"fault": "drop", "lamps": {"network": "online", "count": 2}}' \
    "${url}api/fleet/actions/net_fault")
bad=$(curl -s -o "$work/bad_reply" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
    -d '{"fault": "drop", "lamps": {"count": 0}}' "${url}api/fleet/actions/net_fault")
for _ in $(seq 20); do
    [ $(( $(metric lampsim_connection_drops_total) - before_drops )) -ge 2 ] && break; sleep 0.5
done
drops=$(( $(metric lampsim_connection_drops_total) - before_drops ))
if echo "$reply" | grep -q '"chosen":2,"applied":2,"failed":0' && [ "$drops" = 2 ] &&
   [ "$bad" = 400 ] && grep -q '"field":"lamps.count"' "$work/bad_reply"; then
    ok "POST /api/fleet/actions/net_fault dropped 2 chosen lamps' connections; a bad filter is a 400 naming lamps.count"
else
    not_ok "fleet action: reply $reply, $drops drops, bad filter: $bad $(cat "$work/bad_reply")" "$work/serve.err"
fi

# 8. The summary counts what the profile did.
kill -TERM "$serve_pid"; wait "$serve_pid"; rc=$?; serve_pid=
get() { sed -n "s/^$1: //p" "$work/serve.txt"; }
if [ $rc = 0 ] && [ "$(get profile_lamp_added)" = 2 ] && [ "$(get profile_power_cycle)" = 5 ] &&
   [ "$(get profile_storms)" = 1 ] && [ "$(get profile_finished)" = yes ]; then
    ok "the summary counts the profile's lamps added, power cycles and storm"
else
    not_ok "summary (exit $rc)" "$work/serve.txt" "$work/serve.err"
fi

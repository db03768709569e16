#!/usr/bin/env bash
# lampsim serve's control API end to end (docs/api.md), with curl as the
# client: 3 lamps on 2 threads that join an access point and connect to
# the reference cloud (lampcloud serve on loopback), then
# - every route with good input, and with bad input: unknown route 404,
#   wrong method 405, missing or wrong token 401, bad JSON, unknown members
#   and query parameters, out-of-range values: a 4xx whose JSON "field"
#   names what is wrong;
# - every action of sim/lamp_action.h applied, its effect seen in the twin
#   (GET /api/lamps/SERIAL): power off, on, cut (now and at a flash
#   operation), reboot, a console line, the environment, a sensor fault,
#   network faults, commissioning (a wrong network, then the right one and
#   the lamp online again), an update to a newer signed image;
# - lamps added and removed, the list's filters;
# - the event stream (curl -N), one lamp's and the fleet's: twin changes,
#   console lines, lamps added and removed;
# - after all that the service still answers, exits 0 on SIGTERM with its
#   summary, and the lamps' state was saved (a second run sees the update).
# Output: TAP.  Usage: serve_api.sh LAMPSIM LAMPCLOUD LAMPFACTORY FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampcloud=$2 lampfactory=$3 fw=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/serve_session.sh"
check() { # NAME COMMAND...: ok when the command succeeds
    local name=$1; shift
    if "$@"; then ok "$name"; else not_ok "$name" "$work/resp"; fi
}

# ---- the client (api, js, is, twin_until: serve_session.sh) ----
# act SERIAL NAME BODY: applies an action; true when it was done
act() { api POST "/api/lamps/$1/actions/$2" "$3"; [ "$status" = 200 ] && is 'd["done"]'; }
# refused NAME METHOD PATH BODY STATUS FIELD: a 4xx naming the field
refused() {
    local name=$1 method=$2 path=$3 body=$4 want=$5 field=$6
    if [ -n "$body" ]; then api "$method" "$path" "$body"; else api "$method" "$path"; fi
    if [ "$status" = "$want" ] && is "d['field'] == '$field' and d['error']"; then
        ok "$name: $want naming $field"
    else
        not_ok "$name: got $status, want $want naming $field" "$work/resp"
    fi
}

# ---- the cloud and the fleet ----
cloud_start
"$lampfactory" sign --fleet "$fw/dev-fleet" --version 1.0.1 --epoch 1 "$fw/app.bin" \
    "$work/app-101.img" >"$work/sign.log" 2>&1 || { sed 's/^/# /' "$work/sign.log"; bail "signing"; }
serve_start serve --count 3 --threads 2 --ap site:site-passphrase --cloud "localhost:$mqtt" \
    --twin-period 200 --no-web --progress 0
case $url in
http://127.0.0.1:*[0-9]) ok "serve.url holds the base URL without a trailing slash ($url)" ;;
*) not_ok "serve.url: '$url'" ;;
esac

# ---- the fleet and its list ----
api GET /api/fleet
check "GET /api/fleet: 3 lamps on 2 threads" is 'd["lamps"] == 3 and d["threads"] == 2'
end=$((SECONDS + 120))
while [ $SECONDS -le $end ]; do
    api GET /api/fleet
    is 'd["network"]["online"] == 3' && break
    sleep 0.5
done
check "the 3 lamps joined the access point and came online" is 'd["network"]["online"] == 3'
api GET /api/lamps
mapfile -t serials < <(js '"\n".join(l["serial"] for l in d["lamps"])')
[ ${#serials[@]} = 3 ] || bail "GET /api/lamps: $(cat "$work/resp")"
s0=${serials[0]} s1=${serials[1]} s2=${serials[2]}
check "GET /api/lamps lists the 3 by index, summaries" is \
    '[l["index"] for l in d["lamps"]] == [0, 1, 2] and d["total"] == 3 and "network" in d["lamps"][0]'
api GET '/api/lamps?full=true'
check "?full=true gives whole twin records" is \
    'd["listed"] == 3 and all("handshakes" in l["network"] for l in d["lamps"])'
api GET '/api/lamps?worker=1'
check "?worker=1: lamp 1 only (lamp i on thread i mod 2)" is \
    '[l["serial"] for l in d["lamps"]] == ["'"$s1"'"] and d["matched"] == 1'
api GET '/api/lamps?offset=1&limit=1'
check "?offset=1&limit=1: the second lamp, 3 matched" is \
    '[l["index"] for l in d["lamps"]] == [1] and d["matched"] == 3 and d["listed"] == 1'
api GET '/api/lamps?state=online&power=sleeping&boot_stage=running'
check "?state=online&power=sleeping&boot_stage=running: all 3" is 'd["matched"] == 3'
api GET '/api/lamps?state=failed'
check "?state=failed: none" is 'd["matched"] == 0 and d["lamps"] == []'
api GET "/api/lamps/$s0"
check "GET /api/lamps/SERIAL: the twin, online with a full handshake" is \
    'd["serial"] == "'"$s0"'" and d["network"]["state"] == "online" and d["network"]["handshakes"]["full"] >= 1 and d["commissioning"]["state"] == "commissioned"'

# ---- the event streams, before the actions ----
curl -sN -H "Authorization: Bearer $token" "$url/api/events?serial=$s0" >"$work/sse-lamp.txt" &
pids+=($!)
curl -sN -H "Authorization: Bearer $token" "$url/api/events" >"$work/sse-fleet.txt" &
pids+=($!)
curl -sN -H "Authorization: Bearer $token" "$url/api/events?kinds=added,removed" >"$work/sse-kinds.txt" &
pids+=($!)
sleep 1

# ---- bad input on every route ----
token_saved=$token token=wrong
refused "a wrong token" GET /api/fleet "" 401 Authorization
refused "a wrong token on an action" POST "/api/lamps/$s0/actions/reboot" '{}' 401 Authorization
token=$token_saved
code=$(curl -s -o "$work/resp" -w '%{http_code}' "$url/api/lamps")
if [ "$code" = 401 ] && is 'd["field"] == "Authorization"'; then ok "no Authorization header: 401"
else not_ok "no Authorization header: $code" "$work/resp"; fi
refused "an unknown route" GET /api/nothing "" 404 path
refused "/api alone" GET /api "" 404 path
refused "a path past the lamp's" GET "/api/lamps/$s0/twin" "" 404 path
refused "nothing at / without a web view" GET /index.html "" 404 path
refused "PUT /api/lamps" PUT /api/lamps "" 405 method
refused "DELETE /api/lamps" DELETE /api/lamps "" 405 method
refused "POST /api/lamps/SERIAL" POST "/api/lamps/$s0" '{}' 405 method
refused "GET an action" GET "/api/lamps/$s0/actions/reboot" "" 405 method
refused "POST /api/events" POST /api/events '{}' 405 method
refused "DELETE /api/fleet" DELETE /api/fleet "" 405 method
refused "POST /metrics" POST /metrics '{}' 405 method
refused "an unknown list parameter" GET '/api/lamps?colour=red' "" 400 colour
refused "an unknown network state" GET '/api/lamps?state=dancing' "" 400 state
refused "an unknown power state" GET '/api/lamps?power=half' "" 400 power
refused "an unknown boot stage" GET '/api/lamps?boot_stage=warp' "" 400 boot_stage
refused "a worker past the threads" GET '/api/lamps?worker=2' "" 400 worker
refused "a limit that is no number" GET '/api/lamps?limit=many' "" 400 limit
refused "a negative offset" GET '/api/lamps?offset=-1' "" 400 offset
refused "full neither true nor false" GET '/api/lamps?full=yes' "" 400 full
refused "a parameter GET /api/fleet does not take" GET '/api/fleet?x=1' "" 400 x
refused "a parameter a lamp's twin does not take" GET "/api/lamps/$s0?full=true" "" 400 full
refused "a parameter an action does not take" POST "/api/lamps/$s0/actions/reboot?now=1" '{}' 400 now
refused "an unknown lamp" GET /api/lamps/LMP-00000000 "" 404 serial
refused "removing an unknown lamp" DELETE /api/lamps/LMP-00000000 "" 404 serial
refused "an action on an unknown lamp" POST /api/lamps/LMP-00000000/actions/reboot '{}' 404 serial
refused "events of an unknown lamp" GET '/api/events?serial=LMP-00000000' "" 404 serial
refused "an unknown event kind" GET '/api/events?kinds=twin,gossip' "" 400 kinds
refused "an unknown events parameter" GET '/api/events?since=0' "" 400 since
refused "adding: not JSON" POST /api/lamps '{"count":' 400 body
refused "adding: an array" POST /api/lamps '[2]' 400 body
refused "adding: an unknown member" POST /api/lamps '{"count":1,"colour":"red"}' 400 colour
refused "adding: no count" POST /api/lamps '{}' 400 count
refused "adding: count 0" POST /api/lamps '{"count":0}' 400 count
refused "adding: count 1001" POST /api/lamps '{"count":1001}' 400 count
refused "adding: count 1.5" POST /api/lamps '{"count":1.5}' 400 count
refused "adding: count as a string" POST /api/lamps '{"count":"2"}' 400 count
refused "adding: a query parameter" POST '/api/lamps?count=2' '{"count":1}' 400 count
refused "adding: a body over 64 KiB" POST /api/lamps "{\"count\":1,\"x\":\"$(head -c 70000 /dev/zero | tr '\0' a)\"}" 413 body
a="/api/lamps/$s0/actions"
# one table: NAME ACTION BODY STATUS FIELD
while IFS='|' read -r name action body want field; do
    refused "$name" POST "$a/$action" "$body" "$want" "$field"
done <<EOF
an unknown action|fly|{}|404|action
an action's body not JSON|reboot|{oops|400|body
an action's body an array|reboot|[]|400|body
power_on with a member|power_on|{"force":true}|400|force
power_off with a member|power_off|{"now":true}|400|now
power_cut after 0 flash operations|power_cut|{"after_flash_ops":0}|400|after_flash_ops
power_cut torn without a flash operation|power_cut|{"torn":true}|400|torn
power_cut torn not a bool|power_cut|{"after_flash_ops":3,"torn":1}|400|torn
reboot with a member|reboot|{"hard":true}|400|hard
console without a line|console|{}|400|line
console with a number|console|{"line":5}|400|line
console with a control character|console|{"line":"status\u0007"}|400|line
console with a line over 200 characters|console|{"line":"$(printf '%0201d' 0)"}|400|line
environment without a member|environment|{}|400|body
environment with an unknown member|environment|{"humidity":40}|400|humidity
environment with negative daylight|environment|{"daylight_lux":-1}|400|daylight_lux
environment at 1000 degC|environment|{"ambient_temp_c":1000}|400|ambient_temp_c
environment occupied not a bool|environment|{"occupied":"yes"}|400|occupied
sensor_fault of an unknown sensor|sensor_fault|{"sensor":"eye","fault":"none"}|400|sensor
sensor_fault of an unknown kind|sensor_fault|{"sensor":"lux","fault":"melted"}|400|fault
sensor_fault without a fault|sensor_fault|{"sensor":"lux"}|400|fault
net_fault of an unknown kind|net_fault|{"fault":"flood"}|400|fault
net_fault latency without ms|net_fault|{"fault":"latency"}|400|ms
net_fault latency over 600000 ms|net_fault|{"fault":"latency","ms":600001}|400|ms
net_fault latency of -5 ms|net_fault|{"fault":"latency","ms":-5}|400|ms
net_fault drop with ms|net_fault|{"fault":"drop","ms":5}|400|ms
net_fault drop with on|net_fault|{"fault":"drop","on":true}|400|on
update without an image|update|{}|400|image
update with a relative path|update|{"image":"app.img"}|400|image
update with an image that is not there|update|{"image":"/nonexistent/app.img"}|409|image
commission with an empty SSID|commission|{"ssid":"","passphrase":"12345678"}|400|ssid
commission with a space in the SSID|commission|{"ssid":"a b","passphrase":"12345678"}|400|ssid
commission with a short passphrase|commission|{"ssid":"site","passphrase":"short"}|400|passphrase
commission without a passphrase|commission|{"ssid":"site"}|400|passphrase
EOF
api GET /api/fleet
check "after the bad requests the fleet is as it was: 3 lamps, 3 online" is \
    'd["lamps"] == 3 and d["network"]["online"] == 3'

# ---- every action, seen in the twin ----
# the update first (a transfer, then the install): it runs while the others do
if act "$s1" update "{\"image\":\"$work/app-101.img\"}"; then ok "update: a signed 1.0.1 is being sent to lamp 1"
else not_ok "update accepted" "$work/resp"; fi
refused "a second update while one is sent" POST "/api/lamps/$s1/actions/update" \
    "{\"image\":\"$work/app-101.img\"}" 409 image

check "console: a line typed" act "$s0" console '{"line":"status"}'
api GET "/api/lamps/$s0"
resets=$(js 'd["faults"]["resets"]')
check "console: the partner-app VM loads from the keystore (app probe)" act "$s0" console \
    '{"line":"app probe log(probe.read(0x10000))"}'
check "... its fault counted in the twin as the VM's, marked in the last crash, and no reset" \
    twin_until "$s0" "d['faults']['vm_fault_records'] == 1 and d['faults']['last_crash']['vm'] and d['faults']['resets'] == $resets" 10
check "environment: daylight, occupancy, air temperature" act "$s0" environment \
    '{"daylight_lux":500,"occupied":true,"ambient_temp_c":30,"motion":true}'
check "... seen in the twin: environment and the sensors' readings" twin_until "$s0" \
    'd["light"]["environment"] == {"daylight_lux": 500, "occupied": True, "ambient_temp_c": 30} and d["light"]["sensors"]["occupied"] and d["light"]["sensors"]["lux"] > 500' 10
check "sensor_fault: the lux sensor absent" act "$s0" sensor_fault '{"sensor":"lux","fault":"absent"}'
check "... seen in the twin: lux_fault absent, no reading, counted" twin_until "$s0" \
    'd["light"]["sensors"]["lux_fault"] == "absent" and d["light"]["sensors"]["lux"] is None and d["faults"]["injected"]["sensor"] == 1' 10
check "sensor_fault: none again" act "$s0" sensor_fault '{"sensor":"lux","fault":"none"}'
check "... the lux sensor reads again" twin_until "$s0" \
    'd["light"]["sensors"]["lux_fault"] == "none" and d["light"]["sensors"]["lux"] is not None' 10

check "net_fault latency 20 ms" act "$s0" net_fault '{"fault":"latency","ms":20}'
check "... counted in the twin" twin_until "$s0" 'd["faults"]["injected"]["net_latency"] == 1' 10
act "$s0" net_fault '{"fault":"latency","ms":0}' >/dev/null
api GET "/api/lamps/$s0"
drops=$(js 'd["network"]["drops"]') resumed=$(js 'd["network"]["handshakes"]["resumed"]')
check "net_fault drop" act "$s0" net_fault '{"fault":"drop"}'
check "... the connection dropped and came back with a resumed handshake" twin_until "$s0" \
    "d['network']['drops'] == $drops + 1 and d['network']['handshakes']['resumed'] > $resumed and d['network']['state'] == 'online' and d['faults']['injected']['net_drop'] == 1" 60
check "net_fault refuse on" act "$s0" net_fault '{"fault":"refuse","on":true}'
check "net_fault link_loss" act "$s0" net_fault '{"fault":"link_loss"}'
check "... the lamp is offline while connections are refused" twin_until "$s0" \
    'd["network"]["state"] in ("joining", "dialing", "backoff") and d["faults"]["injected"]["link_loss"] == 1' 30
sleep 3
check "... and stays so" twin_until "$s0" 'd["network"]["state"] != "online"' 1
check "net_fault refuse off" act "$s0" net_fault '{"fault":"refuse","on":false}'
check "... online again" twin_until "$s0" 'd["network"]["state"] == "online"' 60
check "net_fault stall on" act "$s0" net_fault '{"fault":"stall","on":true}'
check "net_fault stall off" act "$s0" net_fault '{"fault":"stall","on":false}'
check "... each fault counted once, not its end" twin_until "$s0" \
    'd["faults"]["injected"]["net_stall"] == 1 and d["faults"]["injected"]["net_refuse"] == 1' 10

api GET "/api/lamps/$s0"
resets=$(js 'd["faults"]["resets"]')
check "power_off" act "$s0" power_off '{}'
check "... the twin: off, nothing running, not online" twin_until "$s0" \
    'd["power"] == "off" and d["firmware"]["boot_stage"] == "reset" and d["network"]["state"] == "off" and not d["network"]["mqtt"]["connected"]' 10
api GET '/api/lamps?power=off'
check "... ?power=off lists it alone" is '[l["serial"] for l in d["lamps"]] == ["'"$s0"'"]'
check "power_on (no body)" act "$s0" power_on ''
check "... booted again (one more reset) and online" twin_until "$s0" \
    "d['power'] != 'off' and d['faults']['resets'] == $resets + 1 and d['network']['state'] == 'online'" 60
check "reboot" act "$s0" reboot '{}'
check "... a cold boot: one more reset, online again" twin_until "$s0" \
    "d['faults']['resets'] == $resets + 2 and d['network']['state'] == 'online'" 60
check "power_cut now" act "$s0" power_cut '{}'
check "... the twin: off, the cut counted" twin_until "$s0" \
    'd["power"] == "off" and d["faults"]["injected"]["power_cut"] == 1' 10
act "$s0" power_on '{}' >/dev/null
check "... and back after power_on" twin_until "$s0" 'd["network"]["state"] == "online"' 60
check "power_cut at the next flash operation" act "$s2" power_cut '{"after_flash_ops":1}'
check "... armed, the lamp runs on" twin_until "$s2" \
    'd["power"] != "off" and d["faults"]["injected"]["power_cut"] == 1' 10
# commissioning writes the credentials to nvstore: the flash operation
check "commission (lamp 2, whose cut is armed)" act "$s2" commission \
    '{"ssid":"site","passphrase":"site-passphrase"}'
check "... the power was cut at the credentials' flash write" twin_until "$s2" 'd["power"] == "off"' 20
act "$s2" power_on '{}' >/dev/null
check "... and lamp 2 came back online after power_on" twin_until "$s2" 'd["network"]["state"] == "online"' 60

api GET "/api/lamps/$s0"
onlines=$(js 'd["network"]["onlines"]')
check "commission: credentials of a network out of range" act "$s0" commission \
    '{"ssid":"elsewhere","passphrase":"elsewhere-pass"}'
check "... the lamp lost its link and is not online" twin_until "$s0" \
    'not d["network"]["wifi_link"] and d["network"]["state"] != "online"' 30
check "commission: the site's credentials" act "$s0" commission \
    '{"ssid":"site","passphrase":"site-passphrase"}'
check "... joined and online again" twin_until "$s0" \
    "d['network']['wifi_link'] and d['network']['state'] == 'online' and d['network']['onlines'] > $onlines and d['commissioning']['state'] == 'commissioned'" 60

check "update: lamp 1 installed 1.0.1, confirmed it and came back online" twin_until "$s1" \
    'd["firmware"]["version"] == "1.0.1" and d["firmware"]["confirmed"] and d["firmware"]["boot_stage"] == "running" and d["network"]["state"] == "online"' 180

# ---- lamps added and removed ----
api POST /api/lamps '{"count":2}'
if [ "$status" = 201 ] && is 'len(d["added"]) == 2 and d["lamps"] == 5'; then
    ok "POST /api/lamps {count: 2}: 201, two new serials, 5 lamps"
else
    not_ok "adding 2 lamps: $status" "$work/resp"
fi
mapfile -t added < <(js '"\n".join(d["added"])')
check "... they boot and come online too" twin_until "${added[1]:-none}" 'd["network"]["state"] == "online" and d["index"] == 4' 120
api DELETE "/api/lamps/${added[1]:-none}"
if [ "$status" = 200 ] && is "d['removed'] == '${added[1]:-}' and d['lamps'] == 4"; then
    ok "DELETE /api/lamps/SERIAL: removed, 4 lamps"
else
    not_ok "removing ${added[1]:-}: $status" "$work/resp"
fi
refused "... its twin is gone" GET "/api/lamps/${added[1]:-none}" "" 404 serial
api GET /api/lamps
check "... the list holds 4, the added one still there" is \
    'd["total"] == 4 and "'"${added[0]:-none}"'" in [l["serial"] for l in d["lamps"]]'

# ---- the event streams ----
sleep 1
# ev FILE KIND EXPR: whether some event of KIND in FILE has data (d) making EXPR true
ev() {
    python3 - "$@" <<'PY'
import json, sys
kind, data, found = None, [], False
for line in open(sys.argv[1]).read().split("\n"):
    if line.startswith("event: "):
        kind = line[7:]
    elif line.startswith("data: "):
        data.append(line[6:])
    elif line == "" and kind is not None:
        if kind == sys.argv[2]:
            d = json.loads("\n".join(data))
            found = found or bool(eval(sys.argv[3]))
        kind, data = None, []
sys.exit(0 if found else 1)
PY
}
check "events of one lamp: its twin at once, then its changes (off)" ev "$work/sse-lamp.txt" twin \
    'd["serial"] == "'"$s0"'" and d["power"] == "off"'
check "events of one lamp: its console's answer to status" ev "$work/sse-lamp.txt" console \
    'd["serial"] == "'"$s0"'" and "uptime:" in d["line"]'
check "events of one lamp: none of another" \
    bash -c "! grep -q '\"serial\":\"$s1\"' '$work/sse-lamp.txt'"
check "events of the fleet: lamp 1's twin with 1.0.1" ev "$work/sse-fleet.txt" twin \
    'd["serial"] == "'"$s1"'" and d["firmware"]["version"] == "1.0.1"'
if ev "$work/sse-fleet.txt" console 'd["serial"] == "'"$s0"'"' &&
   ev "$work/sse-fleet.txt" console 'd["serial"] == "'"$s1"'"'; then
    ok "events of the fleet: console lines of lamp 0 and lamp 1"
else
    not_ok "events of the fleet: console lines of lamp 0 and lamp 1" "$work/sse-fleet.txt"
fi
if ev "$work/sse-fleet.txt" added 'd["serial"] == "'"${added[0]:-}"'"' &&
   ev "$work/sse-fleet.txt" removed 'd["serial"] == "'"${added[1]:-}"'"'; then
    ok "events of the fleet: a lamp added and one removed"
else
    not_ok "events of the fleet: a lamp added and one removed" "$work/sse-fleet.txt"
fi
if grep -q '^event: added' "$work/sse-kinds.txt" && ! grep -qE '^event: (twin|console)' "$work/sse-kinds.txt"
then ok "?kinds=added,removed: only those"
else not_ok "?kinds=added,removed: only those" "$work/sse-kinds.txt"; fi

# ---- nothing crashed; the end ----
api GET /metrics
check "GET /metrics without a token (open by default)" test "$status" = 200
api GET /api/fleet
check "the service still answers: 4 lamps" is 'd["lamps"] == 4'
serve_stop
for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
pids=()
get() { sed -n "s/^$1: //p" "$work/serve.out"; }
if [ $rc = 0 ] && [ "$(get lamps)" = 4 ] && [ "$(get api_client_errors)" -gt 50 ] &&
   [ "$(get events_sent)" -gt 0 ]; then
    ok "SIGTERM: exit 0 with the summary (4 lamps, $(get api_requests) requests, $(get api_client_errors) refused)"
else
    not_ok "SIGTERM: exit $rc" "$work/serve.out" "$work/serve.err"
fi
if grep -qE 'CRITICAL|WARNING|runtime error|AddressSanitizer' "$work/serve.err"; then
    not_ok "no GLib criticals, warnings or sanitizer reports" "$work/serve.err"
else
    ok "no GLib criticals, warnings or sanitizer reports"
fi
check "serve.url and serve.token are removed" \
    bash -c "[ ! -e '$work/lamps/serve.url' ] && [ ! -e '$work/lamps/serve.token' ]"

# The state was saved: a second run (no network) finds lamp 1 at 1.0.1.
serve_start serve2 --count 4 --threads 2 --no-web --progress 0 --stop-after 60
if twin_until "$s1" 'd["firmware"]["version"] == "1.0.1" and d["firmware"]["boot_stage"] == "running"' 30 &&
   twin_until "$s0" 'd["commissioning"]["state"] == "commissioned"' 10; then
    ok "a second run: lamp 1 boots the 1.0.1 it saved, lamp 0 has its credentials"
else
    not_ok "a second run: the saved state" "$work/resp" "$work/serve2.err"
fi
serve_stop
check "... and stops with status 0" test $rc = 0

tap_end

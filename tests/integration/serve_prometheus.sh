#!/usr/bin/env bash
# lampsim serve scraped by a real Prometheus (docs/metrics.md): 3 lamps on
# 2 threads connect to the reference cloud (lampcloud serve on loopback);
# Prometheus (/usr/bin/prometheus, on a loopback port, its storage in the
# test's folder) scrapes /metrics every second, and its HTTP API
# (/api/v1/query) must give up == 1, the lamps by state, the handshakes,
# the connect-to-online histogram, MQTT messages, workers, the process,
# and a fault injected through lampsim's API with the reconnect it caused.
# The page passes `promtool check metrics` and holds every family the
# fleet service promises.
# Output: TAP.  Usage: serve_prometheus.sh LAMPSIM LAMPCLOUD FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampcloud=$2 fw=$3
here=$(cd "$(dirname "$0")" && pwd)
prometheus=${PROMETHEUS:-/usr/bin/prometheus} promtool=${PROMTOOL:-/usr/bin/promtool}
if [ ! -x "$prometheus" ] || [ ! -x "$promtool" ]; then
    echo "1..0 # SKIP prometheus and promtool are not installed (apt-get install prometheus)"
    exit 0
fi
. "$here/serve_session.sh"

cloud_start
lampsim_port=$(free_port)
serve_start serve --count 3 --threads 2 --ap site:site-passphrase --cloud "localhost:$mqtt" \
    --port "$lampsim_port" --twin-period 200 --no-web --progress 0

prom_port=$(free_port)
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: lampsim
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ['127.0.0.1:$lampsim_port']
EOF
"$prometheus" --config.file "$work/prometheus.yml" --storage.tsdb.path "$work/tsdb" \
    --web.listen-address "127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
prom=http://127.0.0.1:$prom_port
for _ in $(seq 300); do
    curl -sf "$prom/-/ready" >/dev/null && break
    kill -0 "${pids[0]}" 2>/dev/null || break
    sleep 0.1
done
curl -sf "$prom/-/ready" >/dev/null || { tail -20 "$work/prometheus.log" | sed 's/^/# /'; bail "prometheus did not start"; }

# query PROMQL: the value of its single sample ("none" when there is none)
query() {
    curl -s "$prom/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else "none" if not r else "many")' 2>/dev/null || echo error
}
# expect NAME PROMQL PYCOND [SECONDS]: polls until the value (v, a float)
# makes PYCOND true
expect() {
    local name=$1 q=$2 cond=$3 end=$((SECONDS + ${4:-30})) v
    while :; do
        v=$(query "$q")
        if [ "$v" != none ] && [ "$v" != many ] && [ "$v" != error ] &&
           python3 -c "import sys; v = float(sys.argv[1]); sys.exit(0 if ($cond) else 1)" "$v"; then
            ok "$name ($q = $v)"
            return 0
        fi
        [ $SECONDS -ge $end ] && break
        sleep 0.5
    done
    not_ok "$name: $q = $v, want $cond"
    return 1
}

expect "Prometheus scrapes lampsim serve" 'up{job="lampsim"}' 'v == 1'
expect "3 lamps" 'lampsim_lamps' 'v == 3'
expect "the lamps by network state: 3 online" 'lampsim_lamps_by_network_state{state="online"}' 'v == 3' 120
expect "... and by power: none off" 'lampsim_lamps_by_power{power="off"}' 'v == 0'
expect "3 running" 'lampsim_lamps_running' 'v == 3'
expect "full handshakes: 3" 'lampsim_tls_handshakes_total{result="full"}' 'v == 3'
expect "failed handshakes: 0" 'lampsim_tls_handshakes_total{result="failed"}' 'v == 0'
expect "connection failures by reason: 15 reasons, none counted" 'count(lampsim_link_failures_total)' 'v == 15'
expect "... all 0" 'sum(lampsim_link_failures_total)' 'v == 0'
expect "connects: at least 3" 'lampsim_connects_total' 'v >= 3'
expect "connect-to-online latency: 3 observations" 'lampsim_connect_to_online_seconds_count' 'v == 3'
expect "... all in the +Inf bucket" 'lampsim_connect_to_online_seconds_bucket{le="+Inf"}' 'v == 3'
expect "... their latencies summed" 'lampsim_connect_to_online_seconds_sum' 'v > 0'
expect "MQTT messages out" 'lampsim_mqtt_messages_total{direction="out"}' 'v >= 3'
expect "two worker threads" 'count(lampsim_worker_cpu_seconds_total)' 'v == 2'
expect "... holding the 3 lamps" 'sum(lampsim_worker_lamps)' 'v == 3'
expect "host lag per worker" 'count(lampsim_worker_host_lag_seconds_total)' 'v == 2'
expect "process CPU" 'process_cpu_seconds_total{job="lampsim"}' 'v > 0'
expect "process RSS over 10 MB" 'process_resident_memory_bytes{job="lampsim"}' 'v > 10e6'
expect "no watchdog resets" 'lampsim_watchdog_resets_total' 'v == 0'

# A fault through lampsim's API: the drop counted, the lamp reconnects.
serial=$(curl -s -H "Authorization: Bearer $token" "$url/api/lamps" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["lamps"][0]["serial"])')
code=$(curl -s -o "$work/resp" -w '%{http_code}' -H "Authorization: Bearer $token" \
    -X POST -d '{"fault":"drop"}' "$url/api/lamps/$serial/actions/net_fault")
[ "$code" = 200 ] || not_ok "net_fault drop on $serial: $code" "$work/resp"
expect "a drop injected through the API, by type" 'lampsim_faults_injected_total{type="net_drop"}' 'v == 1'
expect "... the connection lost" 'lampsim_connection_drops_total' 'v == 1' 60
expect "... and a reconnect, resumed" 'lampsim_reconnects_total' 'v == 1' 60
expect "... with a resumed handshake" 'lampsim_tls_handshakes_total{result="resumed"}' 'v == 1'
expect "the API's requests counted" 'lampsim_api_requests_total' 'v >= 2'

# The page itself.
curl -s -o "$work/metrics.txt" "$url/metrics"
if "$promtool" check metrics <"$work/metrics.txt" >"$work/promtool.log" 2>&1; then
    ok "promtool check metrics passes on the page"
else
    not_ok "promtool check metrics" "$work/promtool.log"
fi
missing=
for f in lampsim_lamps_by_network_state lampsim_lamps_by_power lampsim_connects_total \
         lampsim_tls_handshakes_total lampsim_connect_to_online_seconds lampsim_mqtt_messages_total \
         lampsim_reconnects_total lampsim_link_failures_total lampsim_faults_injected_total lampsim_crash_records \
         lampsim_watchdog_resets_total lampsim_host_lag_seconds_total process_cpu_seconds_total \
         process_resident_memory_bytes lampsim_worker_cpu_seconds_total lampsim_worker_lamps \
         lampsim_worker_host_lag_seconds_total; do
    grep -q "^# TYPE $f " "$work/metrics.txt" || missing+=" $f"
done
if [ -z "$missing" ]; then ok "every promised metric family is on the page"
else not_ok "families missing from the page:$missing"; fi
# buckets cumulative and ending at the count: 3 first connections and
# the reconnect
if python3 - "$work/metrics.txt" <<'PY'
import re, sys
page = open(sys.argv[1]).read()
b = [float(v) for v in re.findall(r'^lampsim_connect_to_online_seconds_bucket\{le="[^"]+"\} (\S+)$', page, re.M)]
c = float(re.search(r'^lampsim_connect_to_online_seconds_count (\S+)$', page, re.M).group(1))
sys.exit(0 if b and b == sorted(b) and b[-1] == c == 4 else 1)
PY
then
    ok "the histogram's buckets are cumulative up to its count, 4 connections"
else
    not_ok "the histogram on the page" "$work/metrics.txt"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/metrics")
[ "$code" = 200 ] && ok "/metrics needs no token by default" || not_ok "/metrics without a token: $code"

serve_stop
if [ $rc = 0 ] && grep -q '^lamps_online: 3$' "$work/serve.out" && ! grep -q CRITICAL "$work/serve.err"; then
    ok "lampsim serve stops on SIGTERM with status 0, 3 lamps online"
else
    not_ok "lampsim serve on SIGTERM: exit $rc" "$work/serve.out" "$work/serve.err"
fi
expect "Prometheus sees the target go down" 'up{job="lampsim"}' 'v == 0' 15

tap_end

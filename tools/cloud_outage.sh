# tools/cloud_outage.sh: sourced (after tools/lampcloud_start.sh, with
# $work set) by the scripts that take the reference cloud down under a
# lampsim serve fleet: bench/cloud_outages.sh and
# tests/integration/cloud_outages.sh (docs/robustness.md#cloud-outages).
# The cloud runs as two processes so that each can die alone:
# `lampcloud serve --no-image-server` (mosquitto, its plugin, the
# follower, commissioning) and `lampcloud images` (the image server).
# Each start of either appends to its own log, numbered: cloud.1.log,
# cloud.2.log ... and images.1.log ...; the counts below read them all.

# outage_cloud_start LAMPCLOUD FLEET: the cloud on free loopback ports
# (sets mqtt, https, cloud_pid, images_pid), the image server started
# with the arguments in the array outage_images_args (may be empty).
# Returns 1 with the log.
outage_cloud_start() {
    outage_lampcloud=$1 outage_fleet=$2
    mqtt=$(free_port) https=$(free_port)
    cloud_runs=0 images_runs=0
    outage_broker_up || return 1
    outage_images_up "${outage_images_args[@]}"
}

# outage_broker_up: lampcloud serve (again) with the same state and ports.
outage_broker_up() {
    cloud_runs=$((cloud_runs + 1))
    lampcloud_start "$outage_lampcloud" "$work/cloud.$cloud_runs.log" --fleet "$outage_fleet" \
        --state-dir "$work/cloud" --mqtt-port "$mqtt" --https-port "$https" --no-image-server ||
        { sed 's/^/# /' "$work/cloud.$cloud_runs.log" >&2; echo "lampcloud serve did not start" >&2; return 1; }
    cloud_pid=$lampcloud_pid
}

# outage_images_up [ARGS...]: lampcloud images (again) on the cloud's
# https port, with ARGS (--hold-after N).
outage_images_up() {
    local log
    images_runs=$((images_runs + 1))
    log=$work/images.$images_runs.log
    "$outage_lampcloud" images --state-dir "$work/cloud" "$@" > "$log" 2>&1 &
    images_pid=$!
    for _ in $(seq 100); do
        grep -q "ready" "$log" && return 0
        kill -0 "$images_pid" 2>/dev/null || break
        sleep 0.1
    done
    sed 's/^/# /' "$log" >&2
    echo "lampcloud images did not start" >&2
    return 1
}

# outage_kill_broker: SIGKILL to mosquitto (a crash: no clean close, no
# last save of its state), then waits for lampcloud serve, which stops
# when its broker dies.  Sets killed_at, the epoch time of the kill.
outage_kill_broker() {
    local broker
    broker=$(pgrep -P "$cloud_pid" -x mosquitto) || { echo "no mosquitto under $cloud_pid" >&2; return 1; }
    killed_at=$(date +%s.%N)
    kill -KILL "$broker"
    wait "$cloud_pid" 2>/dev/null || true
    cloud_pid= lampcloud_pid=
}

# outage_kill_images: SIGKILL to the image server, every download on it
# cut; sets killed_at.
outage_kill_images() {
    killed_at=$(date +%s.%N)
    kill -KILL "$images_pid"
    wait "$images_pid" 2>/dev/null || true
    images_pid=
}

# outage_cloud_stop: both processes, at the end.
outage_cloud_stop() {
    [ -n "${images_pid:-}" ] && kill "$images_pid" 2>/dev/null && wait "$images_pid" 2>/dev/null
    [ -n "${cloud_pid:-}" ] && kill "$cloud_pid" 2>/dev/null && wait "$cloud_pid" 2>/dev/null
    images_pid= cloud_pid= lampcloud_pid=
}

# outage_cloud_log FROM_RUN [SKIP]: the logs of lampcloud serve's runs
# FROM_RUN.. in order, the first SKIP lines of the first left out.
outage_cloud_log() {
    local i
    tail -n +"$(( ${2:-0} + 1 ))" "$work/cloud.$1.log"
    for i in $(seq "$(( $1 + 1 ))" "$cloud_runs"); do cat "$work/cloud.$i.log"; done
}

# outage_connects_per_s < LOG: lamps' MQTT connections the broker accepted
# ("New client connected ... as SERIAL", not the cloud's own clients), per
# second of the log: "HH:MM:SS count" lines.
outage_connects_per_s() {
    awk '/broker: New client connected from .* as / && !/ as cloud:/ { n[$1]++ }
         END { for (t in n) print t, n[t] }' | sort
}

# outage_peak < PER_S_LINES: "peak_per_s seconds_with_connections total"
outage_peak() {
    awk '{ if ($2 > p) p = $2; s++; t += $2 } END { print p + 0, s + 0, t + 0 }'
}

# outage_faults_heard < LOG: "SERIAL PAYLOAD" for every fault report the
# cloud's follower heard (duplicates kept).
outage_faults_heard() {
    sed -n 's/^[0-9:]* \([^ :]*\): fault \(.*\)$/\1 \2/p'
}

# outage_predict_peak N DOWN_S SEED [MAX_S]: what the documented backoff
# (a random wait between half and all of the ceiling, the ceiling from 1 s
# doubling to MAX_S, default 60 as the broker's; docs/cloud.md#connection-life,
# 30 for downloads) predicts when N lamps lose the server at 0 and it takes
# connections again at DOWN_S, each lamp connecting at its first try after
# that at no cost: "peak_per_s last_back_s" (the peak over whole seconds
# after DOWN_S).
outage_predict_peak() {
    awk -v n="$1" -v down="$2" -v seed="$3" -v max="${4:-60}" 'BEGIN {
        srand(seed);
        for (i = 0; i < n; i++) {
            t = 0; c = 1;
            while (t < down) { t += c / 2 + rand() * c / 2; c = c * 2 > max ? max : c * 2 }
            per[int(t - down)]++;
            if (t - down > last) last = t - down;
        }
        for (s in per) if (per[s] > peak) peak = per[s];
        printf "%d %.1f\n", peak, last;
    }'
}

# ---- the fleet: lampsim serve and its API ----------------------------------

# outage_fleet_start LAMPSIM COUNT [EXTRA_ARGS...]: lampsim serve of COUNT
# lamps with an access point, against the cloud's broker (sets serve_pid,
# url with its trailing slash, token).  Its summary goes to
# $work/serve.txt, its progress to $work/serve.err.
outage_fleet_start() {
    local lampsim=$1 count=$2
    shift 2
    "$lampsim" serve --state-dir "$work/lamps" --count "$count" --ap site:site-passphrase \
        --cloud "localhost:$mqtt" --progress 10 --no-web "$@" \
        > "$work/serve.txt" 2> "$work/serve.err" </dev/null &
    serve_pid=$!
    while ! [ -s "$work/lamps/serve.url" ]; do
        kill -0 "$serve_pid" 2>/dev/null || { tail -5 "$work/serve.err" >&2; echo "lampsim serve exited" >&2; return 1; }
        sleep 0.5
    done
    url=$(cat "$work/lamps/serve.url")/
    token=$(cat "$work/lamps/serve.token")
}

outage_fleet_stop() {
    [ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
    serve_pid=
}

# metric 'NAME{LABELS}': its value now (integer part), 0 when absent
metric() {
    curl -s "${url}metrics" | awk -v k="$1" '$1 == k { sub(/\..*/, "", $2); print $2; f = 1 } END { if (!f) print 0 }'
}
online() { metric 'lampsim_lamps_by_network_state{state="online"}'; }

# api PATH JSON: a POST to the control API; the answer on stdout.
api() { curl -s -H "Authorization: Bearer $token" -d "$2" "${url}api/$1"; }

# outage_serials: every lamp's serial, one a line, in the API's order.
outage_serials() {
    curl -s -H "Authorization: Bearer $token" "${url}api/lamps?limit=100000" | jq -r '.lamps[].serial'
}

# outage_wait_online N TIMEOUT_S: waits until N lamps are online; prints
# the seconds it took (to 0.1 s, from the call).  Returns 1 at the timeout.
outage_wait_online() {
    local n=$1 until t0
    t0=$(date +%s.%N)
    until=$(( $(date +%s) + $2 ))
    while [ "$(online)" -lt "$n" ]; do
        [ "$(date +%s)" -ge "$until" ] && { echo "timeout"; return 1; }
        sleep 0.5
    done
    awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }'
}

# outage_console SERIALS_FILE LINE [LOG]: types LINE at the console of
# each lamp listed; prints how many took it, and appends "EPOCH SERIAL" to
# LOG for each (when it took it: a run in the background can be timed).
outage_console() {
    local n=0 s
    while read -r s; do
        if api "lamps/$s/actions/console" "$(jq -cn --arg l "$2" '{line: $l}')" | grep -q '"done":true'; then
            n=$((n + 1))
            [ -n "${3:-}" ] && echo "$(date +%s.%N) $s" >> "$3"
        fi
    done < "$1"
    echo "$n"
}

# outage_missing SERIALS_FILE HEARD_FILE: the serials of the first that
# are not in the second (each "SERIAL ..." line); one a line.
outage_missing() {
    awk 'NR == FNR { heard[$1] = 1; next } !($1 in heard)' "$2" "$1"
}

# outage_image_gets FROM_LOG_NUMBER: the image server's finished GETs in
# images logs FROM..: "SERIAL STATUS FIRST LAST SIZE" (bytes FIRST..LAST
# sent of SIZE; a response the client went away from is not counted).
outage_image_gets() {
    local i
    for i in $(seq "$1" "$images_runs"); do cat "$work/images.$i.log"; done |
        sed -n 's/^[0-9:]* https: \([^ ]*\) GET [^ ]*: \([0-9]*\), bytes \([0-9]*\)-\([0-9]*\) of \([0-9]*\)$/\1 \2 \3 \4 \5/p'
}

# outage_resumes_per_s FROM_LOG_NUMBER: Range requests as they reached the
# image server (its "resuming at byte" lines), per second of images logs
# FROM..: "HH:MM:SS count" lines.
outage_resumes_per_s() {
    local i
    for i in $(seq "$1" "$images_runs"); do cat "$work/images.$i.log"; done |
        awk '/ GET .*: resuming at byte / { n[$1]++ } END { for (t in n) print t, n[t] }' | sort
}

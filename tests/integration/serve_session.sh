# tests/integration/serve_session.sh: sourced by the tests of lampsim serve
# (serve_api.sh, serve_prometheus.sh, serve_gdb.sh): a work folder, TAP
# lines, a serve started in the background with its URL and token read,
# and a curl client of its API.
# The sourcing script sets lampsim; it lists the processes it starts
# itself in pids, which are stopped at exit, serve's last.

. "$(dirname "${BASH_SOURCE[0]}")/../../tools/lampcloud_start.sh"
work=$(mktemp -d)
lampcloud_pid= serve_pid= pids=()
serve_session_end() {
    for p in "${pids[@]}" $serve_pid $lampcloud_pid; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    if [ -n "${KEEP_WORK:-}" ]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}
trap serve_session_end EXIT
. "$here/tap.sh"
bail() { echo "Bail out! $*"; exit 1; }

# serve_start NAME ARGS...: `lampsim serve ARGS...` (--state-dir
# $serve_dir, default $work/lamps) in the background, output in
# $work/NAME.out and .err; waits until it has written serve.url and
# serve.token (the fleet is booted then), and sets serve_pid, url and
# token.  Bails out when it does not.
serve_start() {
    local name=$1 dir=${serve_dir:-$work/lamps}; shift
    rm -f "$dir/serve.url" "$dir/serve.token"
    "$lampsim" serve --state-dir "$dir" "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null &
    serve_pid=$!
    for _ in $(seq 1200); do
        [ -s "$dir/serve.url" ] && [ -s "$dir/serve.token" ] && break
        kill -0 "$serve_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -s "$dir/serve.token" ] || { sed 's/^/# /' "$work/$name.err"; bail "lampsim serve did not start"; }
    url=$(cat "$dir/serve.url") token=$(cat "$dir/serve.token")
}

# serve_stop: SIGTERM to serve; its exit status in rc
serve_stop() {
    kill -TERM "$serve_pid"
    wait "$serve_pid"
    rc=$?
    serve_pid=
}

# cloud_start: the reference cloud of the build's development fleet on
# free loopback ports ($mqtt, $https), or a bail-out
cloud_start() {
    mqtt=$(free_port) https=$(free_port)
    lampcloud_start "$lampcloud" "$work/cloud.log" --fleet "$fw/dev-fleet" --state-dir "$work/cloud" \
        --mqtt-port "$mqtt" --https-port "$https" ||
        { sed 's/^/# /' "$work/cloud.log"; bail "lampcloud serve did not start"; }
}

# ---- the client ----
# api METHOD PATH [BODY]: the response body in $work/resp, the status in $status
api() {
    local args=(-s -o "$work/resp" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $token")
    [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
    status=$(curl "${args[@]}" "$url$2") || status=000
}
# js EXPR: a Python expression of the last response's JSON (d), printed
js() {
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
        "$work/resp" "$1" 2>/dev/null
}
# is EXPR: whether a Python expression of the last response's JSON is true
is() { [ "$(js "bool($1)")" = True ]; }
# twin_until SERIAL EXPR SECONDS: polls the lamp's twin until EXPR holds
twin_until() {
    local end=$((SECONDS + $3))
    while [ $SECONDS -le $end ]; do
        api GET "/api/lamps/$1"
        [ "$status" = 200 ] && is "$2" && return 0
        sleep 0.3
    done
    return 1
}

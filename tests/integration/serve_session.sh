# tests/integration/serve_session.sh: sourced by the tests of lampsim serve
# (serve_api.sh, serve_prometheus.sh): a work folder, TAP lines, and a
# serve started in the background with its URL and token read.
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
# $work/lamps) in the background, output in $work/NAME.out and .err; waits
# until it has written serve.url and serve.token (the fleet is booted
# then), and sets serve_pid, url and token.  Bails out when it does not.
serve_start() {
    local name=$1; shift
    rm -f "$work/lamps/serve.url" "$work/lamps/serve.token"
    "$lampsim" serve --state-dir "$work/lamps" "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null &
    serve_pid=$!
    for _ in $(seq 1200); do
        [ -s "$work/lamps/serve.url" ] && [ -s "$work/lamps/serve.token" ] && break
        kill -0 "$serve_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -s "$work/lamps/serve.token" ] || { sed 's/^/# /' "$work/$name.err"; bail "lampsim serve did not start"; }
    url=$(cat "$work/lamps/serve.url") token=$(cat "$work/lamps/serve.token")
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

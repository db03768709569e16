#!/usr/bin/env bash
# The live fleet view (docs/web.md) in Debian's headless Chromium: a
# `lampsim serve` of a few lamps on loopback serving web/, a browser
# driven over the DevTools protocol by serve_web_page.py (the checks, in
# TAP), a screenshot left in LOG_DIR/serve_web.png.  Both processes are
# started here and stopped at exit.
# Usage: serve_web.sh LAMPSIM WEB_DIR LOG_DIR
set -uo pipefail
lampsim=$1 web=$2 logdir=$3
here=$(cd "$(dirname "$0")" && pwd)
lamps=6
work=$(mktemp -d)
serve_pid= chromium_pid=

cleanup() {
    [ -n "$chromium_pid" ] && kill "$chromium_pid" 2>/dev/null && wait "$chromium_pid" 2>/dev/null
    [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
    if [ -n "${KEEP_WORK:-}" ]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

bail() { # WHY LOG
    [ -f "${2:-}" ] && tail -20 "$2" | sed 's/^/# /'
    echo "Bail out! $1"
    exit 1
}

# wait_file FILE PID LOG WHAT: until FILE has something in it (30 s at
# most); bails out, with LOG's end, when process PID exits first.
wait_file() {
    for _ in $(seq 300); do
        [ -s "$1" ] && return 0
        kill -0 "$2" 2> /dev/null || bail "$4 exited" "$3"
        sleep 0.1
    done
    bail "$4 wrote no $(basename "$1") in 30 s" "$3"
}

command -v chromium > /dev/null || bail "chromium is not installed (tools/setup.sh installs it)"
/usr/bin/python3 -c 'import websocket' 2> /dev/null ||
    bail "python3-websocket is not installed (tools/setup.sh installs it)"
mkdir -p "$logdir"

# The server: its own state directory, a free port, stopped by us (the
# --stop-after is a backstop should this script be killed).
"$lampsim" serve --state-dir "$work/state" --count "$lamps" --web "$web" --progress 0 \
    --stop-after 600 > "$work/serve.out" 2> "$work/serve.err" < /dev/null &
serve_pid=$!
wait_file "$work/state/serve.url" "$serve_pid" "$work/serve.err" "lampsim serve"
url=$(cat "$work/state/serve.url") token=$(cat "$work/state/serve.token")
url=${url%/}/ # the page and its checks take the base with its slash

# The browser: headless, its own profile, DevTools on a free port it
# writes to the profile's DevToolsActivePort.  Chromium refuses to run
# as root inside its sandbox.
sandbox=()
[ "$(id -u)" = 0 ] && sandbox=(--no-sandbox)
chromium --headless=new "${sandbox[@]}" --disable-gpu --user-data-dir="$work/profile" \
    --remote-debugging-port=0 --window-size=1280,900 --no-first-run --no-default-browser-check \
    --disable-extensions --disable-background-networking about:blank \
    > "$logdir/serve_web-chromium.log" 2>&1 < /dev/null &
chromium_pid=$!
wait_file "$work/profile/DevToolsActivePort" "$chromium_pid" "$logdir/serve_web-chromium.log" chromium
devtools=$(head -n 1 "$work/profile/DevToolsActivePort")

/usr/bin/python3 "$here/serve_web_page.py" "$devtools" "$url" "$token" "$logdir/serve_web.png"
rc=$?
[ $rc -ne 0 ] && sed 's/^/# serve: /' "$work/serve.err" | tail -20
exit $rc

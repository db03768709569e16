# tools/lampcloud_start.sh: sourced by the scripts that run the reference
# cloud on loopback (tools/demo.sh, bench/tls_fleet.sh,
# tests/integration/cloud_ref.sh) and by those that need a free port.

# A TCP port on 127.0.0.1 nobody listens on now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# lampcloud_start LAMPCLOUD LOG SERVE_ARGS...: starts `LAMPCLOUD serve
# SERVE_ARGS...` in the background with its output in LOG, sets
# lampcloud_pid, and waits (up to LAMPCLOUD_START_WAIT seconds, default 10)
# for it to say it is ready.
# Returns 1 if it exited or never got ready (LOG says why).
lampcloud_start() {
    local bin=$1 log=$2
    shift 2
    "$bin" serve "$@" > "$log" 2>&1 &
    lampcloud_pid=$!
    for _ in $(seq $((10 * ${LAMPCLOUD_START_WAIT:-10}))); do
        grep -q "ready" "$log" 2>/dev/null && return 0
        kill -0 "$lampcloud_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# lampcloud_session: makes $work, a new temporary folder, and arranges that
# at exit the lampcloud lampcloud_start started is stopped and $work
# removed (kept, and named, when KEEP_WORK is set).  For scripts with
# nothing else to clean up.
lampcloud_session() {
    work=$(mktemp -d)
    lampcloud_pid=
    trap lampcloud_session_end EXIT
}
lampcloud_session_end() {
    [ -n "$lampcloud_pid" ] && kill "$lampcloud_pid" 2>/dev/null && wait "$lampcloud_pid" 2>/dev/null
    if [ -n "${KEEP_WORK:-}" ]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}

# lampcloud_commissioning LAMPCLOUD FLEET: for the scripts that commission
# lamps over BLE: a private copy of FLEET in $work/fleet (they add an
# installer, advance keys and revoke lamps in its registry: fleet is set),
# the cloud started with its commissioning service on free ports (mqtt,
# https and cport set; output in $work/cloud.log), and the installer
# alice, password alice-secret-1, added.
# Returns 1 with the reason on stderr (and the cloud's log when it is that).
lampcloud_commissioning() {
    local bin=$1
    fleet=$work/fleet
    cp -r "$2" "$fleet" || { echo "copying the fleet $2" >&2; return 1; }
    mqtt=$(free_port) https=$(free_port) cport=$(free_port)
    lampcloud_start "$bin" "$work/cloud.log" --fleet "$fleet" --state-dir "$work/cloud" \
        --mqtt-port "$mqtt" --https-port "$https" --commission-port "$cport" ||
        { sed 's/^/# /' "$work/cloud.log" >&2; echo "lampcloud serve did not start" >&2; return 1; }
    printf 'alice-secret-1\n' | "$bin" installer add alice --fleet "$fleet" >/dev/null ||
        { echo "adding the installer" >&2; return 1; }
}

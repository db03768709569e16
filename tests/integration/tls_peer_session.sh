# tests/integration/tls_peer_session.sh: sourced by the tests that put
# tls_peer.py between a lamp and the reference cloud (tls_faults.sh,
# tls_peers.sh).  tls_peer_session LAMPCLOUD FLEET_DIR starts lampcloud
# serve and the peer in front of its broker (mode "pass"), exports what
# the scenario needs (FLEET, PEER_PORT, PEER_MODE_FILE, PEER_LOG,
# CLOUD_LOG, CLOUD_STATE, LAMPCLOUD) and stops both at exit;
# tls_peer_session_report RC shows their logs when RC is not 0 and exits RC.
. "$(dirname "${BASH_SOURCE[0]}")/../../tools/lampcloud_start.sh"

tls_peer_session() {
    local cloud=$1 fleet=$2 mqtt https
    work=$(mktemp -d) lampcloud_pid= peer_pid=
    trap tls_peer_session_end EXIT
    mqtt=$(free_port) https=$(free_port) peer_port=$(free_port)
    lampcloud_start "$cloud" "$work/cloud.log" --fleet "$fleet" --state-dir "$work/cloud" \
        --mqtt-port "$mqtt" --https-port "$https" ||
        { sed 's/^/# /' "$work/cloud.log"; echo "Bail out! lampcloud serve did not start"; exit 1; }
    echo pass > "$work/peer.mode"
    : > "$work/peer.log"
    python3 "$(dirname "${BASH_SOURCE[0]}")/tls_peer.py" "$peer_port" "$mqtt" "$work/peer.mode" \
        "$work/peer.log" 2>"$work/peer.err" &
    peer_pid=$!
    for _ in $(seq 50); do
        grep -q '^listening' "$work/peer.log" && break
        sleep 0.1
    done
    export FLEET="$fleet" PEER_PORT=$peer_port PEER_MODE_FILE="$work/peer.mode"
    export PEER_LOG="$work/peer.log" CLOUD_LOG="$work/cloud.log" CLOUD_STATE="$work/cloud"
    export LAMPCLOUD="$cloud"
}

tls_peer_session_end() {
    [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null && wait "$peer_pid" 2>/dev/null
    [ -n "$lampcloud_pid" ] && kill "$lampcloud_pid" 2>/dev/null && wait "$lampcloud_pid" 2>/dev/null
    rm -rf "$work"
}

tls_peer_session_report() {
    if [ "$1" -ne 0 ]; then
        echo "# the peer saw:"; sed 's/^/#   /' "$work/peer.log" | tail -40
        sed 's/^/#   /' "$work/peer.err" | tail -10
        echo "# lampcloud output:"; tail -30 "$work/cloud.log" | sed 's/^/#   /'
    fi
    exit "$1"
}

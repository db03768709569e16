#!/usr/bin/env bash
# TLS failures, exactly (docs/cloud.md#why-a-connection-failed): a lamp
# reaches the reference cloud through tls_peer.py, which flips a byte in
# one record from the broker (the lamp must send bad_record_mac, forget
# the session and come back with a full handshake, and the cloud must see
# the count in its telemetry), answers a ClientHello with a fatal alert
# (the lamp names it, and forgets the session), and malforms a record
# header (decode_error sent).  The lamp side is tls_faults.lua (TAP).
# Usage: tls_faults.sh LAMPSIM LAMPCLOUD FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampcloud=$2 fw=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tls_peer_session.sh"
tls_peer_session "$lampcloud" "$fw/dev-fleet"
"$lampsim" scenario "$here/tls_faults.lua"
tls_peer_session_report $?

#!/usr/bin/env bash
# Slow and broken peers (docs/robustness.md#slow-and-broken-peers): a
# lamp dials tls_peer.py in MODE (silent: accepts and never answers;
# trickle: the broker's answer one byte a second; hangup: closes after
# the server's first record; mute: drops the broker's CONNACK;
# slowconnect: the lamp's NET module takes 11 s to connect), then the peer
# passes to the reference
# cloud again.  The lamp side is tls_peers.lua (TAP).
# Usage: tls_peers.sh LAMPSIM LAMPCLOUD FIRMWARE_DIR MODE
set -uo pipefail
lampsim=$1 lampcloud=$2 fw=$3
export PEER_TEST_MODE=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tls_peer_session.sh"
tls_peer_session "$lampcloud" "$fw/dev-fleet"
"$lampsim" scenario "$here/tls_peers.lua"
tls_peer_session_report $?

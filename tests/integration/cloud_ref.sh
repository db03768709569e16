#!/usr/bin/env bash
# The reference cloud end to end: lampcloud serve (Debian's mosquitto with
# the registry plugin, the HTTPS image server cutting every first download
# short, the follower) and lamps on loopback: desired state reaches a lamp,
# an update image is downloaded, resumed with Range, verified and
# installed, a tampered one refused, revoked and unknown lamps refused.  The lamp side
# is cloud_ref.lua (lampsim scenario; TAP).
# Usage: cloud_ref.sh LAMPSIM LAMPCLOUD LAMPFACTORY FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampcloud=$2 lampfactory=$3 fw=$4
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
. "$here/../../tools/lampcloud_start.sh"
lampcloud_pid=
cleanup() {
    [ -n "$lampcloud_pid" ] && kill "$lampcloud_pid" 2>/dev/null && wait "$lampcloud_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
bail() { echo "Bail out! $*"; exit 1; }

fleet="$fw/dev-fleet"
mqtt=$(free_port) https=$(free_port)
lampcloud_start "$lampcloud" "$work/cloud.log" --fleet "$fleet" --state-dir "$work/cloud" \
    --mqtt-port "$mqtt" --https-port "$https" --cut-after 60000 ||
    { sed 's/^/# /' "$work/cloud.log"; bail "lampcloud serve did not start"; }

# The update: 1.0.1 signed by the fleet, and a copy with one payload byte
# flipped (its header and signature are intact: only the signature check
# after the download can tell).
"$lampfactory" sign --fleet "$fleet" --version 1.0.1 --epoch 1 "$fw/app.bin" \
    "$work/app-101.img" >/dev/null || bail "signing the update"
cp "$work/app-101.img" "$work/app-101-tampered.img"
# (the byte is inverted, not overwritten: a payload encrypted under a fresh
# key holds any given value at that offset once in 256 signings)
byte=$(od -An -tu1 -j70000 -N1 "$work/app-101.img" | tr -d ' ')
printf "\\$(printf '%03o' $((255 - byte)))" |
    dd of="$work/app-101-tampered.img" bs=1 seek=70000 conv=notrunc status=none
cmp -s "$work/app-101.img" "$work/app-101-tampered.img" && bail "the tampered copy is not tampered"

export WORK="$work" FLEET="$fleet" MQTT_PORT=$mqtt HTTPS_PORT=$https CLOUD_STATE="$work/cloud"
export CLOUD_LOG="$work/cloud.log" LAMPCLOUD="$lampcloud" LAMPFACTORY="$lampfactory"
export IMG_GOOD="$work/app-101.img" IMG_TAMPERED="$work/app-101-tampered.img"
"$lampsim" scenario "$here/cloud_ref.lua"
rc=$?
[ $rc -ne 0 ] && { echo "# lampcloud output:"; tail -40 "$work/cloud.log" | sed 's/^/#   /'; }
exit $rc

#!/usr/bin/env bash
# Partner apps delivered by the reference cloud (docs/cloud.md#apps):
# lampcloud serve (mosquitto with the registry plugin, the HTTPS image
# server cutting every download without Range short) and a lamp on
# loopback.  `lampcloud app deploy` and `app remove` offer the app (an
# imposter's notification is published by hand with mosquitto_pub, as the
# cloud's client), the package is served from the image directory; the
# lamp side is lamp_apps.lua (lampsim scenario; TAP).
# Usage: lamp_apps.sh LAMPSIM LAMPCLOUD LAMPFACTORY FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampcloud=$2 lampfactory=$3 fw=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tools/lampcloud_start.sh"
lampcloud_session
bail() { echo "Bail out! $*"; exit 1; }
command -v mosquitto_pub >/dev/null || { echo "1..0 # SKIP mosquitto_pub (mosquitto-clients) is not installed"; exit 0; }

fleet="$fw/dev-fleet"
mqtt=$(free_port) https=$(free_port)
lampcloud_start "$lampcloud" "$work/cloud.log" --fleet "$fleet" --state-dir "$work/cloud" \
    --mqtt-port "$mqtt" --https-port "$https" --cut-after 4000 ||
    { sed 's/^/# /' "$work/cloud.log"; bail "lampcloud serve did not start"; }
images=$(sed -n 's/^images=//p' "$work/cloud/lampcloud.ini")
[ -d "$images" ] || bail "no image directory in $work/cloud/lampcloud.ini"

# An update image, offered together with an app: one download at a time.
"$lampfactory" sign --fleet "$fleet" --version 1.0.1 --epoch 1 "$fw/app.bin" \
    "$work/app-101.img" >/dev/null || bail "signing the update"

export IMG_GOOD="$work/app-101.img" LAMPCLOUD="$lampcloud"
export FLEET="$fleet" MQTT_PORT=$mqtt HTTPS_PORT=$https CLOUD_STATE="$work/cloud"
export CLOUD_LOG="$work/cloud.log" IMAGES="$images" LAMPSIM_LAMPFACTORY="$lampfactory"
"$lampsim" scenario "$here/lamp_apps.lua"
rc=$?
[ $rc -ne 0 ] && { echo "# lampcloud output:"; tail -40 "$work/cloud.log" | sed 's/^/#   /'; }
exit $rc

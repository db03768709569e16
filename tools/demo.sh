#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds lampsim, the lamp firmware and
# the reference cloud, then runs the main job: the reference cloud
# (lampcloud serve: mosquitto with mutual TLS, the HTTPS image server, the
# follower) on loopback, and a small fleet that boots, is given its WiFi
# credentials and connects to it.  The README's main command.
#   LAMPSIM_LAMPS   fleet size (default 3)
#   LAMPSIM_IDLE    seconds the connected fleet runs before the report (10)
#   LAMPSIM_STATE   where the fleet and the cloud keep their state (./demo)
# On a terminal it then opens the console of one more lamp, connected to
# the same cloud (type `help`, `net`; Ctrl-C ends the demo).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh
[ -f build/build.ninja ] || meson setup build
meson compile -C build

state=${LAMPSIM_STATE:-demo}
lamps=${LAMPSIM_LAMPS:-3}
idle=${LAMPSIM_IDLE:-10}
mkdir -p "$state"
. tools/lampcloud_start.sh
mqtt=$(free_port) https=$(free_port)
trap '[ -n "${lampcloud_pid:-}" ] && kill $lampcloud_pid 2>/dev/null; wait 2>/dev/null || true' EXIT
lampcloud_start build/tools/lampcloud/lampcloud "$state/cloud.log" --fleet build/firmware/dev-fleet \
    --state-dir "$state/cloud" --mqtt-port "$mqtt" --https-port "$https" ||
    { cat "$state/cloud.log"; echo "demo: lampcloud did not start" >&2; exit 1; }
sed 's/^/cloud | /' "$state/cloud.log"

echo "demo: $lamps lamps boot, join WiFi 'demo' and connect to the cloud on port $mqtt"
# A fresh fleet each run: its lamps are new, so they are provisioned for
# this run's broker port.
rm -rf "$state/fleet"
build/sim/lampsim fleet --count "$lamps" --state-dir "$state/fleet" --ap demo:demo-passphrase \
    --cloud "localhost:$mqtt" --idle "$idle" --timeout 300
echo "demo: what the cloud saw (also in $state/cloud.log):"
sed -n '/follower: following/,$p' "$state/cloud.log" | sed 's/^/cloud | /'

if [ -t 0 ]; then
    echo "demo: one more lamp with its console here: type 'wifi demo demo-passphrase', then 'net'; Ctrl-C ends"
    rm -rf "$state/lamp"
    build/sim/lampsim run --state-dir "$state/lamp" --ap demo:demo-passphrase \
        --cloud "localhost:$mqtt" || true
fi

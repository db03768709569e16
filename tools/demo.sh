#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds lampsim, the lamp firmware and
# the reference cloud, then runs the main job, the whole story on one
# machine: the reference cloud starts (lampcloud serve: mosquitto with
# mutual TLS and the fleet registry, the HTTPS image and commissioning
# services, the follower); a fleet of new lamps is provisioned and boots
# knowing no network; an installer (lampinstall, the app stand-in) logs in
# and commissions every lamp over the virtual BLE medium; each lamp joins
# WiFi, connects with mutual TLS and reports its state.  Each lamp's
# progress is shown as it happens, and a summary at the end.  The README's
# main command.
#   bash tools/demo.sh [--lamps N]   (default 10; or LAMPSIM_LAMPS)
#   LAMPSIM_IDLE    seconds the connected fleet runs before the report (10)
#   LAMPSIM_STATE   where the fleet and the cloud keep their state (./demo)
# On a terminal it then boots one more lamp with its console here, which
# lampinstall commissions as you watch (type `help`, `commission`, `net`;
# Ctrl-C ends the demo).
set -euo pipefail
cd "$(dirname "$0")/.."

lamps=${LAMPSIM_LAMPS:-10}
while [ $# -gt 0 ]; do
    case $1 in
        --lamps) lamps=${2:?--lamps needs a number}; shift 2 ;;
        --lamps=*) lamps=${1#--lamps=}; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "demo.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
case $lamps in ''|*[!0-9]*|0) echo "demo.sh: --lamps must be a positive number" >&2; exit 2 ;; esac

bash tools/setup.sh
[ -f build/build.ninja ] || meson setup build
meson compile -C build

state=${LAMPSIM_STATE:-demo}
idle=${LAMPSIM_IDLE:-10}
mkdir -p "$state"
state=$(cd "$state" && pwd)
. tools/lampcloud_start.sh
pids=()
trap 'for p in "${pids[@]}" ${lampcloud_pid:-}; do kill $p 2>/dev/null; done; wait 2>/dev/null || true' EXIT

# A fresh copy of the development fleet each run: the demo adds an
# installer and advances lamps' keys in its registry.
rm -rf "$state/fleet-trust" "$state/fleet" "$state/cloud" "$state/lamp"
cp -r build/firmware/dev-fleet "$state/fleet-trust"
trust=$state/fleet-trust
mqtt=$(free_port) https=$(free_port) cport=$(free_port)
lampcloud_start build/tools/lampcloud/lampcloud "$state/cloud.log" --fleet "$trust" \
    --state-dir "$state/cloud" --mqtt-port "$mqtt" --https-port "$https" --commission-port "$cport" ||
    { cat "$state/cloud.log"; echo "demo: lampcloud did not start" >&2; exit 1; }
sed 's/^/cloud | /' "$state/cloud.log"
password=demo-installer-$RANDOM$RANDOM
printf '%s\n' "$password" | build/tools/lampcloud/lampcloud installer add installer --fleet "$trust" >/dev/null
echo "demo: installer account 'installer' created in the registry"

echo "demo: $lamps new lamps boot; nobody has told them a network yet"
sock=$state/ble.sock
build/sim/lampsim fleet --count "$lamps" --fleet "$trust" --state-dir "$state/fleet" \
    --ap demo:demo-passphrase --cloud "localhost:$mqtt" --commission ble --ble-socket "$sock" \
    --idle "$idle" --timeout 600 --lamp-lines > "$state/fleet-report.txt" 2> >(tee "$state/fleet.log" >&2) &
fleet_pid=$!
pids+=("$fleet_pid")
for _ in $(seq 3000); do
    grep -q "waiting for a central" "$state/fleet.log" 2>/dev/null && break
    kill -0 "$fleet_pid" 2>/dev/null || break
    sleep 0.2
done
grep -q "waiting for a central" "$state/fleet.log" ||
    { echo "demo: the fleet did not boot (see $state/fleet.log)" >&2; exit 1; }

echo "demo: the installer logs in and commissions every lamp over BLE (WiFi 'demo')"
printf '%s\n' "$password" | build/tools/lampinstall/lampinstall --cloud "https://localhost:$cport" \
    --ca "$trust/cloud-ca.crt" --user installer --ble-socket "$sock" \
    --ssid demo --passphrase demo-passphrase | sed 's/^/installer | /' || true
wait "$fleet_pid" || { echo "demo: not every lamp reached the cloud (see $state/fleet.log)" >&2; exit 1; }
pids=()

get() { sed -n "s/^$1: //p" "$state/fleet-report.txt"; }
echo "demo: summary"
echo "  lamps:                          $(get lamps)"
echo "  commissioned over BLE:          $(get commissioned_over_ble)"
echo "  blobs refused by lamps:         $(get commission_blobs_rejected)"
echo "  connected (full TLS handshakes): $(get full_handshakes)"
echo "  cloud saw key counters advance: $(grep -c 'commissioned .* (key advanced)' "$state/cloud.log")"
echo "  boot CPU per lamp:              $(get boot_cpu_ms_per_lamp) ms"
echo "  idle CPU of the connected fleet: $(get idle_cpu_percent_of_core) % of a core"
echo "  light, lamp by lamp (what each light engine does):"
sed -n 's/^lamp_light: /    /p' "$state/fleet-report.txt"
echo "  fleet power:                    $(get light_power_w_total) W, $(get light_lamps_on) of $(get lamps) lamps lit"
echo "  cloud log: $state/cloud.log; fleet log: $state/fleet.log"

if [ -t 0 ]; then
    echo "demo: one more lamp with its console here; lampinstall commissions it in a few seconds."
    echo "demo: try 'commission' and 'net'; Ctrl-C ends"
    sock1=$state/ble-lamp.sock
    ( for _ in $(seq 300); do [ -S "$sock1" ] && break; sleep 0.1; done
      sleep 3
      printf '%s\n' "$password" | build/tools/lampinstall/lampinstall --cloud "https://localhost:$cport" \
          --ca "$trust/cloud-ca.crt" --user installer --ble-socket "$sock1" \
          --ssid demo --passphrase demo-passphrase > "$state/lamp-install.log" 2>&1 ) &
    pids+=($!)
    build/sim/lampsim run --state-dir "$state/lamp" --fleet "$trust" --ap demo:demo-passphrase \
        --cloud "localhost:$mqtt" --ble-socket "$sock1" || true
fi

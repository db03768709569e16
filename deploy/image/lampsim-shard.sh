#!/bin/bash
# The entrypoint of the lampsim image (deploy/image/build.sh): one shard
# of a fleet run as a service, `lampsim serve` configured by the
# environment that deploy/k8s/ gives each pod
# (docs/scale.md#the-pods-environment): its API and /metrics on the pod's
# address, port 9477, for Prometheus; the API token in the state
# directory (serve.token).  It runs until SIGTERM (the pod deleted) or
# LAMPSIM_STOP_AFTER, then prints its summary.
# lampsim itself picks the shard from JOB_COMPLETION_INDEX and
# LAMPSIM_SHARDS and checks them (sim/shard.h).
#
#   LAMPSIM_FLEET_SIZE    lamps in the whole fleet, all shards (required)
#   LAMPSIM_STATE_DIR     this shard's lamp state (default /var/lib/lampsim/lamps)
#   LAMPSIM_AP            SSID:PASSPHRASE the lamps join, then connect to their cloud
#   LAMPSIM_STOP_AFTER    stop by itself after this many seconds (default: run
#                         until stopped; `lampsim fleet`'s LAMPSIM_IDLE is gone)
#   LAMPSIM_ADDRESS       the address serve listens on (default 0.0.0.0: the
#                         pod's IP, where Prometheus scrapes it)
#   LAMPSIM_PORT          its port (default 9477: job.yaml's port `metrics`)
#   LAMPSIM_THREADS       worker threads (default: one per CPU the pod may use)
#   LAMPSIM_FLEET_DIR     a lamp missing from the state is provisioned from
#                         this fleet (default /etc/lampsim/fleet); copied
#                         to LAMPSIM_FLEET_COPY first when read-only (a
#                         Secret), since provisioning writes its registry
#   LAMPSIM_FIRMWARE_DIR  bootloader.bin and app.img signed by that fleet
#                         (default /usr/share/lampsim/firmware, signed by
#                         the development fleet of the build)
#   LAMPSIM_CLOUD         HOST:PORT provisioned into such new lamps
#   LAMPSIM               the lampsim program (default: lampsim on PATH)
# Arguments are passed on to lampsim serve (e.g. --progress 60).
set -euo pipefail

if [ -z "${LAMPSIM_FLEET_SIZE:-}" ]; then
    echo "lampsim-shard: LAMPSIM_FLEET_SIZE is not set: give the number of lamps in the" \
        "whole fleet (the ConfigMap of deploy/k8s)" >&2
    exit 2
fi
if [ -n "${LAMPSIM_IDLE:-}" ]; then
    # Not ignored in silence: a ConfigMap written for `lampsim fleet`
    # would otherwise run a shard forever that was meant to stop.
    echo "lampsim-shard: LAMPSIM_IDLE is no longer read: the shard runs lampsim serve until" \
        "stopped; set LAMPSIM_STOP_AFTER=SECONDS to stop it after a while, or unset LAMPSIM_IDLE" >&2
    exit 2
fi
state=${LAMPSIM_STATE_DIR:-/var/lib/lampsim/lamps}
fleet=${LAMPSIM_FLEET_DIR:-/etc/lampsim/fleet}
if [ -d "$fleet" ] && [ ! -w "$fleet" ]; then
    copy=${LAMPSIM_FLEET_COPY:-/var/lib/lampsim/fleet}
    rm -rf "$copy"
    mkdir -p "$copy"
    files=("$fleet"/*) # a Secret's files (its ..data links left out)
    if [ -e "${files[0]}" ]; then
        cp -L "${files[@]}" "$copy"/
        chmod 600 "$copy"/*.key 2>/dev/null || true
    fi
    fleet=$copy
fi
# --no-web: the image holds no web view; the API and /metrics are served.
# --signal-status 143 (128 + SIGTERM): a shard stopped by a signal (its pod
# deleted, a node drained) must not end its pod with 0, which would count
# its index of the Indexed Job as complete and never run it again; only
# LAMPSIM_STOP_AFTER ends a shard for good.
args=(serve --count "$LAMPSIM_FLEET_SIZE" --state-dir "$state" --fleet "$fleet"
      --firmware-dir "${LAMPSIM_FIRMWARE_DIR:-/usr/share/lampsim/firmware}"
      --address "${LAMPSIM_ADDRESS:-0.0.0.0}" --port "${LAMPSIM_PORT:-9477}" --no-web
      --signal-status 143)
[ -n "${LAMPSIM_STOP_AFTER:-}" ] && args+=(--stop-after "$LAMPSIM_STOP_AFTER")
[ -n "${LAMPSIM_AP:-}" ] && args+=(--ap "$LAMPSIM_AP")
[ -n "${LAMPSIM_CLOUD:-}" ] && args+=(--cloud "$LAMPSIM_CLOUD")
[ -n "${LAMPSIM_THREADS:-}" ] && args+=(--threads "$LAMPSIM_THREADS")
echo "lampsim-shard: shard ${JOB_COMPLETION_INDEX:-(none)} of ${LAMPSIM_SHARDS:-(unset)}:" \
    "${LAMPSIM:-lampsim} ${args[*]} $*" >&2
exec "${LAMPSIM:-lampsim}" "${args[@]}" "$@"

#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds lampsim and the lamp firmware,
# and boots one virtual lamp with its console on this terminal.  The
# README's main command.  State persists in ${LAMPSIM_STATE:-./demo-lamp}.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh
[ -f build/build.ninja ] || meson setup build
meson compile -C build

state=${LAMPSIM_STATE:-demo-lamp}
if [ -t 0 ]; then
    echo "lampsim: booting lamp in $state; type 'help' at the lamp> prompt, Ctrl-C to stop" >&2
    exec build/sim/lampsim run --state-dir "$state"
fi
# Not on a terminal: show the boot and one status report, then stop.
exec build/sim/lampsim run --state-dir "$state" --console-input status \
    --exit-on 'uptime' --timeout 60

#!/bin/sh
# firmware/dev_fleet.sh LAMPFACTORY DIR STAMP: the build's development fleet,
# created once and kept across rebuilds (lamps provisioned from it stay
# valid; a fleet from before app packages, without an app-signing key, is
# made again). Its keys are for development and tests only.
set -e
if [ ! -f "$2/registry.sqlite" ] || [ ! -f "$2/firmware-signing.key" ] ||
   [ ! -f "$2/app-signing.key" ]; then
    rm -rf "$2"
    "$1" fleet-init --fleet "$2" --name "lampsim development fleet"
fi
touch "$3"

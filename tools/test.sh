#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds lampsim and the firmware with
# the sanitizers on the host code, and runs every test suite (unit,
# integration, scenarios).  The README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh

build=build-test
opts=(-Db_sanitize=address,undefined -Dbuildtype=debugoptimized)
if [ -f "$build/build.ninja" ]; then
    meson setup --reconfigure "$build" "${opts[@]}" >/dev/null
else
    meson setup "$build" "${opts[@]}"
fi
meson compile -C "$build"
# UBSan findings fail the test that hit them instead of only printing.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# The power-cut sweep boots the emulated firmware hundreds of times: it runs
# once, below, in the build without sanitizers (it exercises the firmware
# far more than host code that the other suites do not already cover).
meson test -C "$build" --print-errorlogs --num-processes 2 --no-suite power-cut

# The unit suites once more under valgrind, in a build without sanitizers.
vbuild=build-valgrind
[ -f "$vbuild/build.ninja" ] || meson setup "$vbuild" -Dbuildtype=debugoptimized >/dev/null
meson compile -C "$vbuild" >/dev/null
meson test -C "$vbuild" --suite power-cut --print-errorlogs --num-processes 2
meson test -C "$vbuild" --setup valgrind --suite unit --print-errorlogs

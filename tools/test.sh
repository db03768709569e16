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
# Suite firmware-heavy (the power-cut sweep, which boots the emulated
# firmware hundreds of times, and the TLS suite on the variant without the
# CRYPTO engine, minutes of emulated bignum code) runs once, below, in the
# build without sanitizers: it exercises the firmware far more than host
# code that the other suites do not already cover, and under the sanitizers
# the emulated lamp runs so slowly that its own watchdog fires.
meson test -C "$build" --print-errorlogs --num-processes 2 --no-suite firmware-heavy

# The fuzz targets (tests/fuzz/, docs/fuzzing.md): a clang build of only
# what they link, each run over its committed corpus and then fuzzed for 20 s.
fbuild=build-fuzz
fopts=(-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized)
if [ -f "$fbuild/build.ninja" ]; then
    meson setup --reconfigure "$fbuild" "${fopts[@]}" >/dev/null
else
    CC=clang meson setup "$fbuild" "${fopts[@]}" >/dev/null
fi
meson compile -C "$fbuild" >/dev/null
meson test -C "$fbuild" --suite fuzz --print-errorlogs --num-processes 2

# The unit suites once more under valgrind, in a build without sanitizers.
vbuild=build-valgrind
[ -f "$vbuild/build.ninja" ] || meson setup "$vbuild" -Dbuildtype=debugoptimized >/dev/null
meson compile -C "$vbuild" >/dev/null
meson test -C "$vbuild" --suite firmware-heavy --print-errorlogs --num-processes 2
meson test -C "$vbuild" --setup valgrind --suite unit --print-errorlogs

#!/usr/bin/env bash
# Installs every Debian package lampsim needs on a fresh Debian 12 (bookworm)
# machine, as root. Safe to run any number of times: apt-get skips what is
# already there, and the package list is refreshed only when it is stale.
set -euo pipefail

packages=(
    # host build
    build-essential meson ninja-build pkg-config
    # emulator and host programs
    libunicorn-dev libglib2.0-dev
    # firmware toolchain and C library
    gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi
    # tests
    libcunit1-dev valgrind
)

if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: must run as root to install packages (try: sudo $0)" >&2
    exit 2
fi

export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup.sh: all ${#packages[@]} packages already installed"
    exit 0
fi

echo "setup.sh: installing ${missing[*]}"
# Refresh the lists only if they are older than a day or absent.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
    apt-get update -q
fi
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup.sh: done"

#!/usr/bin/env bash
# Installs every Debian package lampsim needs on a fresh Debian 12 (bookworm)
# machine, as root. Safe to run any number of times: apt-get skips what is
# already there, and the package list is refreshed only when it is stale.
set -euo pipefail

packages=(
    # host build
    build-essential meson ninja-build pkg-config
    # emulator and host programs (libunicorn-dev: 2.1 from trixie, pinned
    # by pin_unicorn_trixie.sh; checked below)
    libunicorn-dev libglib2.0-dev
    # firmware toolchain and C library
    gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi
    # firmware third-party source (apt-get source needs dpkg-dev)
    dpkg-dev
    # factory and signing tools, fleet registry, scenarios
    libssl-dev openssl libp11-kit-dev libsqlite3-dev liblua5.4-dev
    # reference cloud: the broker, its plugin headers, the client library
    mosquitto mosquitto-dev libmosquitto-dev libcjson-dev
    # reference cloud: its HTTPS services (libsoup 3 on GIO, TLS from glib-networking)
    libsoup-3.0-dev glib-networking
    # installer-app stand-in: HTTPS client
    libcurl4-openssl-dev
    # tests
    libcunit1-dev valgrind softhsm2 xxd mosquitto-clients curl
    # cloud outages (tests/integration/cloud_outages.sh, bench/cloud_outages.sh):
    # the control API's JSON read by tools/cloud_outage.sh
    jq
    # the GDB server's test (gdb_remote): Debian's GDB for every architecture
    gdb-multiarch
    # BlueZ tests (tests/bluez): a Debian 12 guest booted with qemu, its
    # root filesystem made by debootstrap and mkfs.ext4 -d
    qemu-system-x86 debootstrap e2fsprogs
    # deploy/ (tests shards_podman, k8s_manifests): the shard image built
    # with debootstrap and run by podman with runc (crun refuses a host
    # whose cgroups are the hybrid v1/v2 layout); the manifests checked
    # against the API's schema as the Kubernetes Python client models it
    podman runc python3-kubernetes python3-yaml
    # lampsim serve's web view (test serve_web): Debian's headless
    # Chromium driven over the DevTools protocol, a font for its screenshot
    chromium fonts-dejavu-core python3-websocket
    # lampsim serve's /metrics (test serve_prometheus): a real Prometheus
    # scraping it, and promtool checking the page (both in this package)
    prometheus
    # fuzzing (tests/fuzz/, tools/fuzz.sh, docs/fuzzing.md): clang's
    # libFuzzer and sanitizers, llvm-cov and llvm-profdata for coverage
    clang llvm
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

# Debian 12's own libunicorn-dev (2.0.1) counts as missing: lampsim needs 2.1.
unicorn_ver=$(dpkg-query -W -f='${Version}' libunicorn-dev 2>/dev/null || true)
if [ -n "$unicorn_ver" ] && dpkg --compare-versions "$unicorn_ver" lt 2.1; then
    missing+=(libunicorn-dev)
fi

here="$(cd "$(dirname "$0")/.." && pwd)"
need_update=no
# Refresh the lists only if they are older than a day or absent.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
    need_update=yes
fi

# deb-src for the mirrors already configured: third-party source comes from
# Debian's source packages (apt-get source), never from anywhere else.
if "$here/tools/enable_deb_src.sh"; then
    :
else
    case $? in
        10) need_update=yes ;;
        *) echo "setup.sh: could not enable deb-src entries" >&2; exit 1 ;;
    esac
fi

# Unicorn 2.1 from Debian 13, and nothing else from there.
if "$here/tools/pin_unicorn_trixie.sh"; then
    :
else
    case $? in
        10) need_update=yes ;;
        *) echo "setup.sh: could not pin Unicorn to trixie" >&2; exit 1 ;;
    esac
fi

if [ ${#missing[@]} -gt 0 ] || [ $need_update = yes ]; then
    [ $need_update = yes ] && apt-get update -q
fi
if [ ${#missing[@]} -eq 0 ]; then
    echo "setup.sh: all ${#packages[@]} packages already installed"
else
    echo "setup.sh: installing ${missing[*]}"
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

unicorn_ver=$(dpkg-query -W -f='${Version}' libunicorn-dev)
if dpkg --compare-versions "$unicorn_ver" lt 2.1; then
    echo "setup.sh: libunicorn-dev is $unicorn_ver after install, lampsim needs 2.1" \
         "(see apt-cache policy libunicorn-dev and tools/pin_unicorn_trixie.sh)" >&2
    exit 1
fi

"$here/tools/fetch_third_party.sh"
echo "setup.sh: done"

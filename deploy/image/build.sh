#!/usr/bin/env bash
# deploy/image/build.sh: the container image a shard of a fleet runs in
# (deploy/k8s/, docs/scale.md), from Debian 12's packages only: no
# registry image is used.  A minbase debootstrap with the packages that
# own the libraries the built lampsim loads, Unicorn 2.1 as the host has
# it, then lampsim, the firmware and the entrypoint (lampsim-shard.sh) on
# top, imported with `podman import` as one layer.
#
# Usage: build.sh [--tag NAME] CACHE_DIR BUILD_DIR
#   CACHE_DIR  kept between builds: rootfs/ (the packages' tree, rebuilt
#              only when its stamp changes), debs/ (downloaded packages),
#              build.log
#   BUILD_DIR  a meson build of this repository (sim/lampsim,
#              firmware/bootloader.bin, firmware/app.img)
#   --tag      the image's name (default localhost/lampsim:latest)
# Environment: PODMAN, the podman command and its global options (default
# "podman"; the tests give it a storage of their own with --root and
# --runroot); LAMPSIM_IMAGE_MIRROR (default deb.debian.org).
# Needs root (debootstrap chroots), debootstrap, podman, Debian's archive.
set -euo pipefail

tag=localhost/lampsim:latest
if [ "${1:-}" = --tag ]; then
    tag=$2
    shift 2
fi
if [ $# -ne 2 ]; then
    echo "usage: $0 [--tag NAME] CACHE_DIR BUILD_DIR" >&2
    exit 2
fi
mkdir -p "$1"
cache=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
read -r -a podman <<<"${PODMAN:-podman}"
suite=bookworm
mirror=${LAMPSIM_IMAGE_MIRROR:-http://deb.debian.org/debian}
log=$cache/build.log

fail() { echo "image: $*" >&2; exit 1; }
for f in sim/lampsim firmware/bootloader.bin firmware/app.img; do
    [ -s "$build/$f" ] || fail "$build/$f is missing; build first (meson compile -C $build)"
done
[ "$(id -u)" -eq 0 ] || fail "must run as root (debootstrap chroots)"
for tool in debootstrap "${podman[0]}" ldd dpkg-query; do
    command -v "$tool" >/dev/null ||
        fail "$tool not found; install it (apt-get install debootstrap podman)"
done

# The runtime packages: those owning the libraries the built lampsim
# loads (a sanitizer build brings libasan8 and libubsan1), found the way
# dpkg knows them; apt adds what they need in turn.  Unicorn is taken
# apart: Debian 12's libunicorn2 is 2.0, and lampsim needs the 2.1 the
# host took from Debian 13 (tools/pin_unicorn_trixie.sh).
packages=()
while read -r lib; do
    owner=$(dpkg-query -S "$lib" 2>/dev/null || dpkg-query -S "$(realpath "$lib")" 2>/dev/null) ||
        fail "no Debian package owns $lib, which $build/sim/lampsim loads"
    owner=${owner%%:*}
    [ "$owner" = libunicorn2t64 ] || packages+=("$owner")
done < <(ldd "$build/sim/lampsim" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
# debootstrap resolves an included package's real dependencies but not a
# virtual one: libsoup 3 brings glib-networking, whose settings backend,
# dconf-service, wants "default-dbus-session-bus | dbus-session-bus".
# dbus-x11 provides the second without systemd (dbus-user-session would
# bring it); nothing in the pod starts a session bus.
if printf '%s\n' "${packages[@]}" | grep -qx 'libsoup-3.0-0'; then
    packages+=(dbus-x11)
fi
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
unicorn_ver=$(dpkg-query -W -f='${Version}' libunicorn2t64 2>/dev/null) ||
    fail "the host has no libunicorn2t64 (Unicorn 2.1); run bash tools/setup.sh first"
unicorn_deb=libunicorn2t64_${unicorn_ver//:/%3a}_amd64.deb

# The tree's identity: bump format when the steps below change what it holds.
stamp_text="format 1
suite $suite
mirror $mirror
packages ${packages[*]}
unicorn $unicorn_ver"

step() { # DESCRIPTION COMMAND...: run, log, stop with the log's tail on failure
    local what=$1
    shift
    echo "image: $what"
    if ! "$@" >>"$log" 2>&1; then
        echo "image: failed: $what; last lines of $log:" >&2
        tail -n 25 "$log" | sed 's/^/    /' >&2
        exit 1
    fi
}

exec 9>"$cache/lock"
flock 9
: >"$log"
if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$stamp_text" ] && [ -d "$cache/rootfs" ]; then
    echo "image: the packages' tree in $cache/rootfs is up to date"
else
    tree=$cache/rootfs.new
    rm -rf "$tree" "$cache/rootfs" "$cache/stamp"
    mkdir -p "$cache/debs"
    if [ ! -s "$cache/debs/$unicorn_deb" ]; then
        (cd "$cache/debs" && step "downloading libunicorn2t64 $unicorn_ver (the host's)" \
            apt-get download "libunicorn2t64=$unicorn_ver")
    fi
    step "debootstrap $suite (minbase) with ${packages[*]}" \
        debootstrap --variant=minbase --cache-dir="$cache/debs" \
        --include="$(IFS=,; echo "${packages[*]}")" "$suite" "$tree" "$mirror"
    cp "$cache/debs/$unicorn_deb" "$tree/tmp/"
    step "installing libunicorn2t64 $unicorn_ver" chroot "$tree" dpkg -i "/tmp/$unicorn_deb"
    rm -rf "${tree:?}/tmp/$unicorn_deb" "$tree"/var/cache/apt/archives/*.deb \
        "$tree"/var/lib/apt/lists/* "$tree"/usr/share/doc "$tree"/usr/share/man \
        "$tree"/usr/share/locale "$tree"/usr/share/info
    mv "$tree" "$cache/rootfs"
    printf '%s\n' "$stamp_text" >"$cache/stamp"
fi

# What changes with every build goes on top, in a tree of its own.
layer=$cache/layer
rm -rf "$layer"
install -D -m 755 "$build/sim/lampsim" "$layer/usr/local/bin/lampsim"
install -D -m 755 "$here/lampsim-shard.sh" "$layer/usr/local/bin/lampsim-shard"
install -D -m 644 "$build/firmware/bootloader.bin" "$layer/usr/share/lampsim/firmware/bootloader.bin"
install -D -m 644 "$build/firmware/app.img" "$layer/usr/share/lampsim/firmware/app.img"
# /var/lib/lampsim as /tmp: the pods run as an unprivileged user (deploy/k8s)
install -d -m 755 "$layer/etc/lampsim"
install -d -m 1777 "$layer/var/lib/lampsim"
# The dynamic loader of the tree itself lists what lampsim needs (ldd runs
# no code of lampsim's: a sanitizer build would want /proc for its leak
# check, which the bare tree lacks).
step "checking that lampsim finds its libraries" bash -c \
    "cp '$layer/usr/local/bin/lampsim' '$cache/rootfs/tmp/lampsim' &&
     out=\$(chroot '$cache/rootfs' ldd /tmp/lampsim); s=\$?; rm -f '$cache/rootfs/tmp/lampsim';
     if [ \$s -ne 0 ] || grep 'not found' <<<\"\$out\"; then exit 1; fi"

# One tree for the tar (podman refuses a path twice): the packages' tree
# hard-linked, the layer copied in (--remove-destination: a file of the
# cached tree is replaced, never written through its link).
merged=$cache/merged
rm -rf "$merged"
cp -al "$cache/rootfs" "$merged"
cp -a --remove-destination "$layer/." "$merged/"
step "podman import as $tag" bash -c '
    tar -C "$1" --numeric-owner -cf - . | "${@:3}" import \
        --change "ENTRYPOINT [\"/usr/local/bin/lampsim-shard\"]" \
        --change "WORKDIR /var/lib/lampsim" \
        --change "LABEL org.opencontainers.image.title=lampsim" \
        --change "LABEL org.opencontainers.image.description=A shard of a lampsim fleet (docs/scale.md)" \
        - "$2"' _ "$merged" "$tag" "${podman[@]}"
rm -rf "$merged"
size=$("${podman[@]}" image inspect --format '{{.Size}}' "$tag")
echo "image: $tag built ($((size / 1024 / 1024)) MiB; packages: ${packages[*]} libunicorn2t64)"

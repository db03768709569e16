#!/usr/bin/env bash
# Builds the Debian 12 guest that the BlueZ tests boot with qemu: a minbase
# debootstrap with the kernel, D-Bus, BlueZ (bluetoothd, btvirt) and the
# runtime libraries of the host-built lampsim programs, so the guest runs
# them straight from the 9p shares (run_in_guest.sh).
# Usage: guest_image.sh CACHE_DIR
# Leaves in CACHE_DIR: vmlinuz, initrd.img, rootfs.img (raw ext4, the root
# filesystem; qemu opens it with snapshot=on, so it is never written), stamp
# (what it was built from), build.log, and debs/ (downloaded packages, kept
# so a rebuild after a package change downloads only what changed).
# Reuses what is there while the stamp matches; rebuilds otherwise.  Needs
# root (debootstrap chroots), debootstrap, e2fsprogs (mkfs.ext4 -d, so no
# loop mount is needed, which containers often refuse), and Debian's
# archive.  Environment: LAMPSIM_GUEST_MIRROR (default deb.debian.org).
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 CACHE_DIR" >&2
    exit 2
fi
mkdir -p "$1"
cache=$(cd "$1" && pwd)
suite=bookworm
mirror=${LAMPSIM_GUEST_MIRROR:-http://deb.debian.org/debian}

packages=(
    # boot: the kernel (its initrd mounts the ext4 root from virtio-blk)
    linux-image-amd64 kmod
    # BlueZ: bluetoothd and bluetoothctl, btvirt and btmgmt, and the bus
    bluez bluez-test-tools dbus
    # the loopback interface, which lampcloud and its broker listen on
    iproute2
    # runtime of the host-built programs: the packages that own the NEEDED
    # libraries of sim/lampsim, tools/lampinstall/lampinstall,
    # tools/lampcloud/lampcloud and tools/lampfactory/lampfactory
    # (objdump -p PROGRAM | grep NEEDED; dpkg -S LIBRARY); apt brings what
    # those libraries need in turn
    # (Unicorn is not here: see unicorn_deb below)
    libglib2.0-0 libssl3 liblua5.4-0 libsqlite3-0 libcurl4
    libcjson1 libmosquitto1 libsoup-3.0-0
    # libsoup 3's glib-networking brings dconf-service, which wants a
    # "default-dbus-session-bus | dbus-session-bus" that debootstrap does
    # not resolve (a virtual package): dbus-x11 provides it without systemd
    dbus-x11
    # tools/test.sh builds with -Db_sanitize=address,undefined
    libasan8 libubsan1
    # lampcloud serve runs /usr/sbin/mosquitto
    mosquitto
)

# lampsim needs Unicorn 2.1, which Debian 12 does not have: the host takes
# libunicorn2t64 from Debian 13 through tools/pin_unicorn_trixie.sh.  The
# guest gets the very version the host built against (it depends only on
# libc6), downloaded by the host's apt into debs/ and installed with dpkg
# after debootstrap; Debian 12's libunicorn2 (2.0.1) would load under the
# same soname and refuse lampsim's uc_ctl calls (UC_ERR_ARG).
unicorn_ver=$(dpkg-query -W -f='${Version}' libunicorn2t64 2>/dev/null || true)
if [ -z "$unicorn_ver" ]; then
    echo "guest_image: the host has no libunicorn2t64 (Unicorn 2.1); run bash tools/setup.sh first" >&2
    exit 1
fi
unicorn_deb=libunicorn2t64_${unicorn_ver//:/%3a}_amd64.deb

# PID 1 of the guest.  It only mounts the basics and the results share named
# on the kernel command line, then hands over to the guest_init.sh that
# run_in_guest.sh put there: the rest can change without a rebuild.
# Whatever happens it powers off, so qemu never waits for its timeout on a
# guest that has nothing left to do.
read -r -d '' init_script <<'EOF' || true
#!/bin/bash
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
off() {
    echo "lampsim-guest-init: $*" >/dev/console
    sync
    echo o >/proc/sysrq-trigger
    sleep 60
}
mnt() { # TYPE DIR [OPTIONS]: mount unless the initrd already did
    mkdir -p "$2"
    mountpoint -q "$2" || mount -t "$1" ${3:+-o "$3"} "$1" "$2" ||
        off "cannot mount $1 on $2"
}
mnt proc /proc
mnt sysfs /sys
mnt devtmpfs /dev
mnt tmpfs /run mode=0755
mnt tmpfs /tmp mode=1777
results=
for word in $(cat /proc/cmdline); do
    case $word in lampsim.results=*) results=${word#*=} ;; esac
done
[ -n "$results" ] || off "no lampsim.results=PATH on the kernel command line"
modprobe -a 9pnet_virtio 9p || off "cannot load the 9p modules"
mkdir -p /lampsim-results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=mmap \
    results /lampsim-results || off "cannot mount the 9p share 'results'"
[ -f /lampsim-results/guest_init.sh ] ||
    off "the results share has no guest_init.sh"
exec bash /lampsim-results/guest_init.sh "$results"
EOF

# The image's identity: a change in any of these means a rebuild.  Bump
# format when the build steps below change what the image holds.
stamp_text="format 1
suite $suite
mirror $mirror
packages ${packages[*]}
unicorn $unicorn_ver
init $(printf '%s' "$init_script" | sha256sum | cut -d' ' -f1)"

complete() {
    [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$stamp_text" ] &&
        [ -s "$cache/vmlinuz" ] && [ -s "$cache/initrd.img" ] &&
        [ -s "$cache/rootfs.img" ]
}

# Two tests may start at once: one builds, the other waits for it.
exec 9>"$cache/lock"
if ! flock -n 9; then
    echo "guest_image: waiting for another build of $cache"
    flock 9
fi
if complete; then
    echo "guest_image: $cache is up to date"
    exit 0
fi

log=$cache/build.log
: >"$log"
step() { # DESCRIPTION COMMAND...: run, log, and stop with context on failure
    local what=$1; shift
    echo "guest_image: $what"
    if ! "$@" >>"$log" 2>&1; then
        echo "guest_image: failed: $what" >&2
        echo "guest_image: last lines of $log:" >&2
        tail -n 25 "$log" | sed 's/^/    /' >&2
        exit 1
    fi
}

if [ "$(id -u)" -ne 0 ]; then
    echo "guest_image: must run as root to build $cache (debootstrap chroots); run tools/setup.sh's way: sudo $0 $cache" >&2
    exit 1
fi
for tool in debootstrap mkfs.ext4 flock; do
    command -v "$tool" >/dev/null ||
        { echo "guest_image: $tool not found; install it (bash tools/setup.sh)" >&2; exit 1; }
done

start=$(date +%s)
tree=$cache/tree
rm -f "$cache/stamp"
# A tree left by an interrupted build may still have /proc mounted in it.
if [ -d "$tree" ]; then
    for m in proc sys dev/pts dev; do
        mountpoint -q "$tree/$m" && umount -l "$tree/$m"
    done
    rm -rf "$tree"
fi
mkdir -p "$cache/debs"
if [ ! -s "$cache/debs/$unicorn_deb" ]; then
    (cd "$cache/debs" && step "downloading libunicorn2t64 $unicorn_ver (the host's, from Debian 13)" \
        apt-get download "libunicorn2t64=$unicorn_ver")
fi

# Progress (I: lines, one per package fetched, and errors) goes to the
# terminal; everything, with the per-package validate, extract, unpack and
# configure lines, to build.log.
echo "guest_image: debootstrap $suite from $mirror into $tree (log: $log)"
set +e
debootstrap --variant=minbase --cache-dir="$cache/debs" \
    --include="$(IFS=,; echo "${packages[*]}")" \
    "$suite" "$tree" "$mirror" 2>&1 | tee -a "$log" |
    grep --line-buffered -vE '^I: (Validating|Extracting|Unpacking|Configuring) [^ ]+( [^ ]+)?$'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ] || [ ! -x "$tree/usr/bin/btvirt" ]; then
    echo "guest_image: failed: debootstrap (exit status $status, btvirt $( [ -x "$tree/usr/bin/btvirt" ] && echo present || echo absent)); last lines of $log:" >&2
    tail -n 25 "$log" | sed 's/^/    /' >&2
    exit 1
fi
cp "$cache/debs/$unicorn_deb" "$tree/tmp/"
step "installing libunicorn2t64 $unicorn_ver" chroot "$tree" dpkg -i "/tmp/$unicorn_deb"
rm -f "$tree/tmp/$unicorn_deb"
echo "guest_image: packages installed in $(( $(date +%s) - start )) s"

# The kernel's default initrd (MODULES=most) holds every storage driver:
# tens of MiB that TCG must decompress at each boot.  The guest needs only
# virtio-blk and ext4 to reach its root.
cat >"$tree/etc/initramfs-tools/conf.d/lampsim" <<'EOF'
MODULES=list
EOF
printf '%s\n' virtio_pci virtio_blk ext4 >>"$tree/etc/initramfs-tools/modules"
mount -t proc proc "$tree/proc"
trap 'umount "$tree/proc" 2>/dev/null || true' EXIT
step "making a small initrd (virtio_blk, ext4)" chroot "$tree" update-initramfs -u -k all
umount "$tree/proc"
trap - EXIT

printf '%s\n' "$init_script" >"$tree/sbin/lampsim-guest-init"
chmod 755 "$tree/sbin/lampsim-guest-init"
echo lampsim-guest >"$tree/etc/hostname"

# Verify what the tests rely on, so a missing piece is told here and not as
# a puzzling failure inside the guest.
step "checking bluez-test-tools ships btvirt" \
    grep -qx /usr/bin/btvirt "$tree/var/lib/dpkg/info/bluez-test-tools.list"
kernels=("$tree"/boot/vmlinuz-*)
initrds=("$tree"/boot/initrd.img-*)
if [ ${#kernels[@]} -ne 1 ] || [ ! -f "${kernels[0]}" ] || [ ! -f "${initrds[0]}" ]; then
    echo "guest_image: failed: expected one kernel and initrd in $tree/boot, found: ${kernels[*]} ${initrds[*]}" >&2
    exit 1
fi
kver=${kernels[0]#"$tree"/boot/vmlinuz-}
step "checking the guest kernel $kver has hci_vhci and 9p" \
    test -n "$(find "$tree/lib/modules/$kver" -name 'hci_vhci.ko*' -o -name '9pnet_virtio.ko*')"
cp "${kernels[0]}" "$cache/vmlinuz.tmp"
cp "${initrds[0]}" "$cache/initrd.img.tmp"

# Nothing in the tree that the guest does not need at run time.
rm -rf "${tree:?}"/var/cache/apt/archives/*.deb "${tree:?}"/var/lib/apt/lists/* \
    "${tree:?}"/usr/share/doc "${tree:?}"/usr/share/man "${tree:?}"/usr/share/locale \
    "${tree:?}"/boot/*

# Free room on top of the tree for what tests write outside the shares.
used_mib=$(du -sm "$tree" | cut -f1)
size_mib=$((used_mib + used_mib / 4 + 256))
step "making rootfs.img (ext4, $size_mib MiB, from $used_mib MiB of files)" \
    mkfs.ext4 -q -F -L lampsim-guest -d "$tree" "$cache/rootfs.img.tmp" "${size_mib}M"
mv "$cache/vmlinuz.tmp" "$cache/vmlinuz"
mv "$cache/initrd.img.tmp" "$cache/initrd.img"
mv "$cache/rootfs.img.tmp" "$cache/rootfs.img"
rm -rf "$tree"
printf '%s\n' "$stamp_text" >"$cache/stamp"
echo "guest_image: built $cache in $(( $(date +%s) - start )) s (kernel $kver)"

#!/usr/bin/env bash
# Runs a script as root inside a small Debian 12 guest under qemu (TCG, no
# KVM needed), where real BlueZ runs: guest_bt_setup.sh brings up two
# virtual controllers (btvirt) and bluetoothd.  The host's folders are
# shared over virtio-9p at their own paths, so host-built programs and
# build folders are used unchanged.
#
# Usage: run_in_guest.sh [--timeout SECONDS] SCRIPT [ARGS...]
#   SCRIPT runs with ARGS in the guest, in the current folder if it is
#   shared (else /); it must lie in a shared folder.  Its stdout and stderr
#   come out on ours as it runs (so TAP passes through), and we exit with
#   its exit status.
# Shared read-write at the same paths: this repository, each folder in
#   LAMPSIM_GUEST_SHARES (colon-separated; the build folder when it lies
#   outside the repository), and a fresh results folder that the script
#   finds in $LAMPSIM_GUEST_RESULTS (for logs worth keeping).  The guest's
#   own /tmp is a tmpfs: use it for sockets and scratch (a Unix socket
#   cannot live on 9p).
# Environment:
#   LAMPSIM_GUEST_CACHE    the image (default REPO/.cache/bluez-guest,
#                          ignored by git; the first run builds it there)
#   LAMPSIM_GUEST_TIMEOUT  seconds before the guest is killed (600)
#   LAMPSIM_GUEST_MEMORY   MiB of guest memory (2048); LAMPSIM_GUEST_CPUS (2)
#   LAMPSIM_GUEST_ENV      names of more variables to pass to SCRIPT
#                          (ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS always)
#   LAMPSIM_GUEST_KEEP     set: keep the results folder even on success
# The guest's console (kernel, init, and the script's output again) is
# written to console.log in the results folder, which is kept, and named on
# stderr, when the run fails.
# Exit status: the script's; 2 usage; 3 no image (guest_image.sh failed) or
# no qemu; 124 the guest did not finish within the timeout; 125 the guest
# stopped without reporting a status (failed to boot, mount, or crashed).
# Times on this project's machine (2 cores, TCG): the image from scratch
# (download 118 MiB, debootstrap, initrd, mkfs) 112 s in a fresh clone on
# an otherwise idle machine, 229 s with builds running beside it, once per
# clone; again after a stamp change, packages already downloaded, 117 s.
# The guest reaches the script in about 15 s and powers off in 1;
# smoke_guest.sh's whole run with the image in place takes 30-48 s.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

timeout=${LAMPSIM_GUEST_TIMEOUT:-600}
if [ "${1:-}" = --timeout ]; then
    timeout=${2:?--timeout needs SECONDS}
    shift 2
fi
if [ $# -lt 1 ]; then
    sed -n '8,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
script=$(realpath -e "$1") || { echo "run_in_guest: no script $1" >&2; exit 2; }
shift

cache=${LAMPSIM_GUEST_CACHE:-$repo/.cache/bluez-guest}
if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "run_in_guest: qemu-system-x86_64 not found; install qemu-system-x86 (bash tools/setup.sh)" >&2
    exit 3
fi
# Our stdout is the script's (TAP): the image build talks on stderr.
if ! bash "$here/guest_image.sh" "$cache" >&2; then
    echo "run_in_guest: no guest image in $cache (guest_image.sh failed, above)" >&2
    exit 3
fi

# The folders to share, without one that lies inside another.
folders=("$repo")
IFS=: read -r -a extra <<<"${LAMPSIM_GUEST_SHARES:-}"
for f in "${extra[@]}"; do
    [ -n "$f" ] || continue
    f=$(realpath -e "$f") || { echo "run_in_guest: LAMPSIM_GUEST_SHARES names $f, which does not exist" >&2; exit 2; }
    folders+=("$f")
done
inside() { # PATH DIR: is PATH DIR or below it
    [ "$1" = "$2" ] || [ "${1#"$2"/}" != "$1" ]
}
shares=()
for f in "${folders[@]}"; do
    covered=no
    for g in "${folders[@]}"; do
        if [ "$f" != "$g" ] && inside "$f" "$g"; then covered=yes; fi
    done
    # the same folder twice: keep the first
    for s in "${shares[@]}"; do [ "$s" = "$f" ] && covered=yes; done
    [ $covered = yes ] || shares+=("$f")
done
in_shares() {
    local s
    for s in "${shares[@]}"; do inside "$1" "$s" && return 0; done
    return 1
}
in_shares "$script" ||
    { echo "run_in_guest: $script is not in a shared folder (${shares[*]}); add its folder to LAMPSIM_GUEST_SHARES" >&2; exit 2; }
cwd=$(pwd -P)
in_shares "$cwd" || cwd=/

results=$(mktemp -d "${TMPDIR:-/tmp}/lampsim-guest.XXXXXX")
log=$results/console.log
cp "$here/guest_init.sh" "$results/"
env_names=(ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS)
read -r -a more_names <<<"${LAMPSIM_GUEST_ENV:-}"
env_names+=("${more_names[@]}")
{
    printf 'shares=('
    for i in "${!shares[@]}"; do printf ' %q' "share$i=${shares[$i]}"; done
    printf ' )\ncwd=%q\nargv=(' "$cwd"
    printf ' %q' "$script" "$@"
    printf ' )\nenv=( LAMPSIM_GUEST=1'
    for n in "${env_names[@]}"; do
        [ -n "${!n+set}" ] && printf ' %q' "$n=${!n}"
    done
    printf ' )\n'
} >"$results/job"

# shellcheck disable=SC2054 # the commas are qemu's, inside one argument
qemu=(qemu-system-x86_64 -accel tcg -nodefaults -no-user-config -display none
    -no-reboot -m "${LAMPSIM_GUEST_MEMORY:-2048}" -smp "${LAMPSIM_GUEST_CPUS:-2}"
    -kernel "$cache/vmlinuz" -initrd "$cache/initrd.img"
    -append "console=ttyS0 root=/dev/vda rw init=/sbin/lampsim-guest-init panic=1 lampsim.results=$results"
    -drive "file=$cache/rootfs.img,if=virtio,format=raw,snapshot=on"
    # ttyS0 the console; ttyS1 the script's stdout, on ours as it comes
    # (stdio: the same open file, where reopening /dev/stdout would write
    # over a file our caller appends to)
    -serial "file:$log" -chardev stdio,id=out -serial chardev:out
    -fsdev "local,id=results,path=$results,security_model=none"
    -device virtio-9p-pci,fsdev=results,mount_tag=results)
for i in "${!shares[@]}"; do
    qemu+=(-fsdev "local,id=share$i,path=${shares[$i]},security_model=none,multidevs=remap"
        -device "virtio-9p-pci,fsdev=share$i,mount_tag=share$i")
done

echo "run_in_guest: booting the guest for $(basename "$script") (timeout ${timeout} s, console: $log)" >&2
start=$(date +%s)
# --foreground: qemu stays in our process group, so a signal to the group
# (meson test on its own timeout, Ctrl-C) reaches it too.
timeout --foreground --kill-after=10 "$timeout" "${qemu[@]}" </dev/null &
qemu_pid=$!
# The script's stderr reaches the results folder through 9p as it runs.
tail -n +1 -F --pid=$qemu_pid "$results/stderr" >&2 2>/dev/null &
tail_pid=$!
qemu_status=0
wait $qemu_pid || qemu_status=$?
wait $tail_pid || true
took=$(( $(date +%s) - start ))

keep() { echo "run_in_guest: kept $results (console.log: the guest's console)" >&2; }
if [ -f "$results/status" ]; then
    status=$(cat "$results/status")
    echo "run_in_guest: $(basename "$script") exited $status in the guest ($took s)" >&2
    if [ "$status" -ne 0 ] || [ -n "${LAMPSIM_GUEST_KEEP:-}" ]; then keep; else rm -rf "$results"; fi
    exit "$status"
fi
if [ "$qemu_status" -eq 124 ]; then
    echo "run_in_guest: the guest did not finish within $timeout s; it was killed" >&2
    status=124
else
    why=$(cat "$results/failure" 2>/dev/null || echo "qemu exited $qemu_status")
    echo "run_in_guest: the guest stopped after $took s without reporting an exit status ($why)" >&2
    status=125
fi
echo "run_in_guest: last lines of the guest's console:" >&2
tail -n 30 "$log" | sed 's/^/    /' >&2
keep
exit $status

#!/bin/bash
# shellcheck disable=SC2154 # shares, cwd, argv and env come from the job
# Runs as PID 1 inside the test guest, started by the image's
# /sbin/lampsim-guest-init from the 9p share 'results' (mounted at
# /lampsim-results), where run_in_guest.sh copied it with a job file.
# Mounts the host's shares at their host paths, runs the job's command as
# root, copies its stdout to the host's stdout (serial port ttyS1), both
# stdout and stderr to the console (ttyS0) and to the share's 'stdout' and
# 'stderr', writes its exit status to the share's 'status', and powers off.
# Usage (by the image's init only): guest_init.sh HOST_PATH_OF_RESULTS
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
share=/lampsim-results
results=$1

say() { echo "lampsim-guest: $*" >/dev/console; }
off() {
    sync
    echo o >/proc/sysrq-trigger
    sleep 60
}
fail() { # the job never ran: say why on the console and in the share
    say "$*"
    printf '%s\n' "$*" >"$share/failure"
    off
}

# job: shares=(TAG=PATH...), cwd=DIR, argv=(COMMAND ARGS...), and
# env=(NAME=VALUE...) for the command.
# shellcheck source=/dev/null
. "$share/job" || fail "cannot read $share/job"

nine_p=trans=virtio,version=9p2000.L,msize=262144,cache=mmap
for s in "${shares[@]}"; do
    tag=${s%%=*} path=${s#*=}
    if ! mkdir -p "$path" || ! mount -t 9p -o "$nine_p" "$tag" "$path"; then
        fail "cannot mount the 9p share '$tag' on $path"
    fi
done
# The results at their host path too, last, so no other share hides them.
if ! mkdir -p "$results" || ! mount --bind "$share" "$results"; then
    fail "cannot bind the results share on $results"
fi

# Loopback, and names for it: debootstrap writes no /etc/hosts, and
# lampcloud and its broker meet at "localhost".
ip link set lo up || fail "cannot bring the loopback interface up"
hostname lampsim-guest
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tlampsim-guest\n' \
    >/etc/hosts || fail "cannot write /etc/hosts"

# stdout goes to the host on its own serial port; raw, so the tty layer
# adds no carriage returns.  stderr the host reads from the share.
stty -F /dev/ttyS1 raw -echo || fail "cannot set /dev/ttyS1 raw"
mkfifo /run/job.out /run/job.err || fail "cannot make the output fifos in /run"
tee "$share/stdout" /dev/ttyS1 </run/job.out >/dev/console &
tee_out=$!
tee "$share/stderr" </run/job.err >/dev/console &
tee_err=$!

say "running ${argv[*]} (in $cwd)"
status=0
(
    cd "$cwd" || exit 125
    export LAMPSIM_GUEST_RESULTS=$results "${env[@]}"
    if [ -x "${argv[0]}" ]; then exec "${argv[@]}"; else exec bash "${argv[@]}"; fi
) >/run/job.out 2>/run/job.err </dev/null || status=$?

# A daemon the command left running may hold the fifos open: give the
# copies a moment to drain, then stop them.
for t in $tee_out $tee_err; do
    for _ in $(seq 50); do kill -0 "$t" 2>/dev/null || break; sleep 0.1; done
    kill "$t" 2>/dev/null
done
if ! echo "$status" >"$share/status.tmp" || ! mv "$share/status.tmp" "$share/status"; then
    say "cannot write the exit status to $share"
fi
say "exit status $status"
off

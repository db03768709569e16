#!/usr/bin/env bash
# One fleet in three shards against one reference cloud, the way the
# Indexed Job of deploy/k8s runs it (docs/scale.md): each shard is the
# image's entrypoint (deploy/image/lampsim-shard.sh) given what a pod gets,
# JOB_COMPLETION_INDEX from the Job and the ConfigMap's LAMPSIM_*: a
# `lampsim serve` each, on a port of its own on loopback (a pod's is 9477
# on its IP).  They share the fleet (its registry), each has its own
# state, and together they must provision, boot and connect every lamp of
# the fleet exactly once.  The test reads each shard as Prometheus and an
# operator would: /metrics until its lamps are online, its lamps' serials
# from /api/lamps with the token in its state directory, then SIGTERM (a
# pod deleted) and the summary serve prints.
#   MODE process: three processes on this machine;
#   MODE podman:  three containers of the image deploy/image/build.sh
#                 makes (cached in LAMPSIM_DEPLOY_CACHE, default
#                 SOURCE/.cache-deploy/image), in a podman storage of the
#                 test's own; skipped when podman is not installed.
# Output: TAP.
# Usage: shards.sh MODE LAMPSIM LAMPCLOUD LAMPFACTORY BUILD_DIR
set -uo pipefail
mode=$1 lampsim=$2 lampcloud=$3 lampfactory=$4 build=$5
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$src/tools/lampcloud_start.sh"
lamps=${SHARD_LAMPS:-30} shards=3
. "$here/tap.sh"
bail() { echo "Bail out! $*"; exit 1; }

case $mode in
process) plan=5 ;;
podman)
    plan=6
    if ! command -v podman >/dev/null; then
        echo "1..0 # SKIP podman is not installed (bash tools/setup.sh installs it)"
        exit 0
    fi ;;
*) echo "usage: $0 process|podman LAMPSIM LAMPCLOUD LAMPFACTORY BUILD_DIR" >&2; exit 2 ;;
esac

work=$(mktemp -d)
lampcloud_pid=
podman=()
cleanup() {
    [ -n "$lampcloud_pid" ] && kill "$lampcloud_pid" 2>/dev/null && wait "$lampcloud_pid" 2>/dev/null
    if [ ${#podman[@]} -gt 0 ]; then
        "${podman[@]}" rm -f -a >/dev/null 2>&1
        "${podman[@]}" rmi -f -a >/dev/null 2>&1
    fi
    if [ -n "${KEEP_WORK:-}" ]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
echo "1..$plan"

# A fleet of the test's own (a user's fleet, not the build's): its device
# CA gives the shards' serials, its registry is the cloud's, and the
# firmware new lamps get is signed with it.
mkdir -p "$work/fw"
"$lampfactory" fleet-init --fleet "$work/fleet" --name shards >"$work/fleet.log" 2>&1 &&
    "$lampfactory" sign --fleet "$work/fleet" --version 1.0.0 --epoch 1 \
        "$build/firmware/app.bin" "$work/fw/app.img" >>"$work/fleet.log" 2>&1 &&
    cp "$build/firmware/bootloader.bin" "$work/fw/" ||
    { sed 's/^/# /' "$work/fleet.log"; bail "lampfactory could not make the test's fleet"; }
mqtt=$(free_port) https=$(free_port)
lampcloud_start "$lampcloud" "$work/cloud.log" --fleet "$work/fleet" --state-dir "$work/cloud" \
    --mqtt-port "$mqtt" --https-port "$https" ||
    { sed 's/^/# /' "$work/cloud.log"; bail "lampcloud serve did not start"; }

# What every pod of the Job gets (deploy/k8s/configmap.yaml), but for the
# cloud's address and serve on loopback; and the index, which the Job sets.
job_env=(LAMPSIM_SHARDS=$shards LAMPSIM_FLEET_SIZE=$lamps LAMPSIM_AP=site:site-passphrase
         LAMPSIM_CLOUD=localhost:$mqtt LAMPSIM_THREADS=1 LAMPSIM_ADDRESS=127.0.0.1)
shard_args=(--progress 0)

if [ "$mode" = podman ]; then
    cache=${LAMPSIM_DEPLOY_CACHE:-$src/.cache-deploy/image}
    # A storage of the test's own; runc, since crun refuses a host whose
    # cgroups are the hybrid v1/v2 layout (docs/scale.md#podman-here).
    podman=(podman --root "$work/podman/root" --runroot "$work/podman/run")
    command -v runc >/dev/null && podman+=(--runtime runc)
    image=localhost/lampsim:test
    if PODMAN="${podman[*]}" bash "$src/deploy/image/build.sh" --tag "$image" "$cache" "$build" \
            >"$work/image.log" 2>&1; then
        ok "the image was built from Debian's packages and imported ($(tail -1 "$work/image.log" | sed 's/^image: //'))"
    else
        not_ok "deploy/image/build.sh built the image" "$work/image.log"
        bail "no image"
    fi
    # The container's limits may not exceed podman's own: without
    # CAP_SYS_RESOURCE its defaults (nofile 1048576, nproc 4194304) fail.
    run_args=(run --rm --network host --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)"
              --ulimit nproc=4096:4096 -v "$work/fleet:/etc/lampsim/fleet"
              -v "$work/fw:/etc/lampsim/firmware:ro" -e LAMPSIM_FIRMWARE_DIR=/etc/lampsim/firmware)
    [ -n "${UBSAN_OPTIONS:-}" ] && run_args+=(-e "UBSAN_OPTIONS=$UBSAN_OPTIONS")
    # a sanitizer build's leak check needs the suppressions meson gives
    # (tests/suppressions/lsan.supp: leaks inside system libraries)
    if [[ "${LSAN_OPTIONS:-}" == *suppressions=* ]]; then
        supp=${LSAN_OPTIONS#*suppressions=} supp=${supp%%:*}
        run_args+=(-v "$supp:/etc/lampsim/lsan.supp:ro"
                   -e "LSAN_OPTIONS=${LSAN_OPTIONS/"$supp"//etc/lampsim/lsan.supp}")
    fi
    for e in "${job_env[@]}"; do run_args+=(-e "$e"); done
    shard() { # INDEX [ENV...]: one shard's container (exec: run it in a subshell)
        local k=$1; shift
        local extra=()
        for e in "$@"; do extra+=(-e "$e"); done
        mkdir -p "$work/shard-$k"
        exec "${podman[@]}" "${run_args[@]}" --name "lampsim-shard-$k" -e "JOB_COMPLETION_INDEX=$k" \
            "${extra[@]}" -v "$work/shard-$k:/var/lib/lampsim/lamps" "$image" "${shard_args[@]}"
    }
    # as the kubelet does when a pod is deleted (the podman client would
    # pass on a signal too, but not before the container exists)
    stop_shard() { "${podman[@]}" kill --signal TERM "lampsim-shard-$1" >/dev/null; }
    how="podman containers (runtime $(
        "${podman[@]}" info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null))"
else
    shard() { # INDEX [ENV...]: one shard's process, with the pod's environment (exec: run
              # it in a subshell; its pid is then lampsim's, as the entrypoint execs it)
        local k=$1; shift
        exec env "${job_env[@]}" "JOB_COMPLETION_INDEX=$k" LAMPSIM_STATE_DIR="$work/shard-$k" \
            LAMPSIM_FLEET_DIR="$work/fleet" LAMPSIM_FIRMWARE_DIR="$work/fw" LAMPSIM="$lampsim" \
            "$@" bash "$src/deploy/image/lampsim-shard.sh" "${shard_args[@]}"
    }
    stop_shard() { kill -TERM "${pids[$1]}"; }
    how="processes"
fi

# A pod whose index is past the shard count is refused before it makes
# anything (completions and LAMPSIM_SHARDS disagree).
(shard 3 >"$work/bad.txt" 2>"$work/bad.err")
rc=$?
if [ $rc -eq 2 ] && grep -q "JOB_COMPLETION_INDEX=3: must be a number from 0 to 2" "$work/bad.err" &&
   [ -z "$(ls -A "$work/shard-3" 2>/dev/null)" ]; then
    ok "a shard index past LAMPSIM_SHARDS is refused, naming it, with nothing made"
else
    not_ok "JOB_COMPLETION_INDEX=3 of 3 refused (exit $rc)" "$work/bad.err"
fi

start=$(date +%s)
pids=() ports=()
for k in $(seq 0 $((shards - 1))); do
    # free now is not free once a shard binds it: the kernel gave shard 2
    # shard 1's port before shard 1 had bound it
    ports[k]=$(free_port)
    while [[ " ${ports[*]:0:k} " == *" ${ports[k]} "* ]]; do ports[k]=$(free_port); done
    shard "$k" "LAMPSIM_PORT=${ports[k]}" >"$work/shard-$k.txt" 2>"$work/shard-$k.err" </dev/null &
    pids[k]=$!
done
# metric NAME{LABELS} FILE: its value on a /metrics page
metric() { awk -v m="$1" '$1 == m { print $2 }' "$2"; }
# Each shard's /metrics (open, as Prometheus scrapes it) until its lamps
# are all online; then its serials from /api/lamps, with its token.
end=$((SECONDS + 300))
for k in $(seq 0 $((shards - 1))); do
    want=$(( (lamps - k + shards - 1) / shards ))
    url=http://127.0.0.1:${ports[k]}
    while [ $SECONDS -le $end ] && kill -0 "${pids[k]}" 2>/dev/null; do
        curl -sf "$url/metrics" >"$work/metrics-$k.txt" 2>/dev/null &&
            [ "$(metric 'lampsim_lamps_by_network_state{state="online"}' "$work/metrics-$k.txt")" = "$want" ] &&
            break
        sleep 0.5
    done
    token=$(cat "$work/shard-$k/serve.token" 2>/dev/null)
    curl -sf -H "Authorization: Bearer $token" "$url/api/lamps?limit=100000" >"$work/lamps-$k.json" ||
        echo "# shard $k: GET /api/lamps failed" >&2
done
for k in $(seq 0 $((shards - 1))); do stop_shard "$k"; done
exits=
# 143 (128 + SIGTERM): a shard stopped by a signal fails its pod, so that
# the Job runs its index again (deploy/image/lampsim-shard.sh)
for k in $(seq 0 $((shards - 1))); do
    rc=0
    wait "${pids[k]}" || rc=$?
    [ "$rc" -eq 143 ] || exits+=" $k(exit $rc)"
done
get() { sed -n "s/^$1: //p" "$2"; }
bad=
for k in $(seq 0 $((shards - 1))); do
    r=$work/shard-$k.txt m=$work/metrics-$k.txt
    want=$(( (lamps - k + shards - 1) / shards ))
    [ "$(metric 'lampsim_lamps_by_network_state{state="online"}' "$m")" = "$want" ] &&
        [ "$(metric 'lampsim_tls_handshakes_total{result="full"}' "$m")" = "$want" ] &&
        [ "$(get shard "$r")" = "$k/$shards" ] && [ "$(get lamps "$r")" = "$want" ] &&
        [ "$(get provisioned_lamps "$r")" = "$want" ] && [ "$(get lamps_online "$r")" = "$want" ] &&
        [ "$(get tls_full_handshakes "$r")" = "$want" ] || bad+=" $k"
done
if [ -z "$exits$bad" ]; then
    ok "$shards shards as $how served their lamps of $lamps, provisioned, booted and online on /metrics, in $(( $(date +%s) - start )) s; SIGTERM's summaries agree"
else
    not_ok "shards as $how: failed:${exits:- none}, wrong /metrics or summary:${bad:- none}" \
        "$work"/shard-*.err "$work"/shard-*.txt "$work"/metrics-*.txt
fi

# Each shard's state holds lamp i only if i mod 3 is its index, and
# together they hold lamp-0000 .. the last.
stray= all=()
for k in $(seq 0 $((shards - 1))); do
    for d in "$work/shard-$k"/lamp-*; do
        [ -f "$d/lamp.img" ] || continue
        i=$((10#${d##*/lamp-}))
        [ $((i % shards)) -eq "$k" ] || stray+=" shard-$k/${d##*/}"
        all+=("$i")
    done
done
expected=$(seq 0 $((lamps - 1)))
if [ -z "$stray" ] && [ "$(printf '%s\n' "${all[@]}" | sort -n)" = "$expected" ]; then
    ok "shard k holds exactly the lamps i with i mod $shards = k; together lamp 0 to $((lamps - 1)), none twice"
else
    not_ok "lamps in the wrong shard:${stray:- none}; lamps held: ${all[*]}"
fi

# Serials: every shard's own (its /api/lamps), none in two shards, and
# the registry holds exactly those.
for k in $(seq 0 $((shards - 1))); do
    python3 -c 'import json, sys; print("\n".join(l["serial"] for l in json.load(open(sys.argv[1]))["lamps"]))' \
        "$work/lamps-$k.json" 2>/dev/null
done | sort >"$work/serials.shards"
"$lampfactory" list --fleet "$work/fleet" | awk '/^LMP-/ { print $1 }' | sort >"$work/serials.registry"
dups=$(uniq -d "$work/serials.shards" | tr '\n' ' ')
if [ "$(wc -l <"$work/serials.registry")" -eq "$lamps" ] && [ -z "$dups" ] &&
   cmp -s "$work/serials.shards" "$work/serials.registry"; then
    ok "the registry holds $lamps serials, each run by exactly one shard"
else
    not_ok "serials: $(wc -l <"$work/serials.registry") in the registry, in two shards: ${dups:-none}"
    diff "$work/serials.registry" "$work/serials.shards" | head -10 | sed 's/^/#   /'
fi

# The cloud's broker saw each of them connect exactly once.
for _ in $(seq 50); do
    [ "$(grep -c 'broker: New client connected .* as LMP-' "$work/cloud.log")" -ge "$lamps" ] && break
    sleep 0.1
done
sed -n 's/.*broker: New client connected .* as \(LMP-[0-9A-F]*\) .*/\1/p' "$work/cloud.log" |
    sort >"$work/serials.connected"
twice=$(uniq -d "$work/serials.connected" | tr '\n' ' ')
missing=$(comm -23 "$work/serials.registry" <(sort -u "$work/serials.connected") | tr '\n' ' ')
other=$(comm -13 "$work/serials.registry" <(sort -u "$work/serials.connected") | tr '\n' ' ')
if [ -s "$work/serials.connected" ] && [ -z "$twice$missing$other" ]; then
    ok "the cloud saw each of the $lamps lamps connect exactly once"
else
    not_ok "connections: twice: ${twice:-none}; missing: ${missing:-none}; not in the registry: ${other:-none}" \
        "$work/cloud.log"
fi

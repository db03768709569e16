#!/usr/bin/env bash
# The host limits a fleet of thousands of lamps meets (docs/tools.md#host-
# limits): lampsim raises its soft RLIMIT_NOFILE to the hard limit, refuses
# a fleet the hard limit or vm.max_map_count cannot hold with the limit,
# the number needed and the fix named (before provisioning anything), and
# lampcloud starts mosquitto with the raised limit and no connection cap.
# vm.max_map_count comes from $LAMPSIM_MAX_MAP_COUNT when set (the test
# hook: lowering the real one needs root and moves the whole machine).
# Output: TAP.  Usage: fleet_limits.sh LAMPSIM LAMPCLOUD FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampcloud=$2 fw=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tools/lampcloud_start.sh"
lampcloud_session
n=0
echo "1..6"

# check NAME WANT_RC OUTPUT RC PATTERN...: every PATTERN in OUTPUT.
check() {
    local name=$1 want=$2 out=$3 rc=$4; shift 4
    local p missing=
    n=$((n + 1))
    for p in "$@"; do grep -Fq -- "$p" <<<"$out" || missing+=" '$p'"; done
    if [ "$rc" -eq "$want" ] && [ -z "$missing" ]; then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name (exit $rc, want $want; missing:$missing)"
        sed 's/^/# /' <<<"$out" | tail -8
    fi
}

# 100 lamps connected need 64 + 100 descriptors; a hard limit of 64 cannot.
out=$(ulimit -n 64; "$lampsim" fleet --count 100 --state-dir "$work/nofile" \
      --ap site:passphrase1 --idle 0 2>&1 </dev/null); rc=$?
check "a hard RLIMIT_NOFILE too low is refused with the limit and the fix" 2 "$out" $rc \
    "100 lamps connected to a cloud need about 164 file descriptors" \
    "hard limit RLIMIT_NOFILE (ulimit -Hn) is 64" "ulimit -Hn 164" \
    "/etc/security/limits.conf" "LimitNOFILE=164" "--count"
n=$((n + 1))
if [ ! -e "$work/nofile/lamp-0000" ]; then
    echo "ok $n - nothing is provisioned before the check"
else
    echo "not ok $n - lamps were provisioned before the limit was checked"
fi

# A low soft limit under a high hard one is raised, not refused.
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 200 ]; then
    n=$((n + 1)); echo "ok $n # SKIP the hard limit ($(ulimit -Hn)) is below 200"
else
    out=$(ulimit -Sn 64; "$lampsim" fleet --count 100 --state-dir "$work/soft" \
          --ap site:passphrase1 --provision-only 2>&1 </dev/null); rc=$?
    check "a low soft limit is raised to the hard one" 0 "$out" $rc "provisioned_lamps: 100"
fi

out=$(LAMPSIM_MAX_MAP_COUNT=500 "$lampsim" fleet --count 100 --state-dir "$work/maps" \
      --idle 0 2>&1 </dev/null); rc=$?
check "vm.max_map_count too low is refused with the sysctl to run" 2 "$out" $rc \
    "100 lamps (3 mappings each) need about 812 memory mappings" \
    "vm.max_map_count is 500" "sysctl -w vm.max_map_count=812" "/etc/sysctl.d/"

out=$(LAMPSIM_MAX_MAP_COUNT=100000 "$lampsim" fleet --count 2 --state-dir "$work/maps-ok" \
      --provision-only 2>&1 </dev/null); rc=$?
check "a vm.max_map_count that holds the fleet passes" 0 "$out" $rc "provisioned_lamps: 2"

# mosquitto never raises its own soft limit: lampcloud raises the one it
# inherits.
(
    ulimit -Sn 256
    lampcloud_start "$lampcloud" "$work/cloud.log" --fleet "$fw/dev-fleet" \
        --state-dir "$work/cloud" --mqtt-port "$(free_port)" --https-port "$(free_port)"
    echo "$lampcloud_pid" > "$work/cloud.pid"
)
lampcloud_pid=$(cat "$work/cloud.pid" 2>/dev/null)
mosq=$(pgrep -P "${lampcloud_pid:-0}" -x mosquitto)
soft=$(awk '/Max open files/ { print $4 }' "/proc/${mosq:-0}/limits" 2>/dev/null)
n=$((n + 1))
if [ -n "$soft" ] && [ "$soft" = "$(ulimit -Hn)" ] && [ "$soft" != 256 ] &&
   grep -q '^max_connections -1$' "$work/cloud/mosquitto.conf" &&
   grep -q "broker takes up to about" "$work/cloud.log"; then
    echo "ok $n - lampcloud runs mosquitto with the hard limit ($soft) and no connection cap"
else
    echo "not ok $n - mosquitto's soft limit is '${soft}', hard $(ulimit -Hn)"
    sed 's/^/# /' "$work/cloud.log" | tail -8
fi

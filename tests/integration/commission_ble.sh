#!/usr/bin/env bash
# BLE commissioning end to end, on lampsim's virtual medium: the reference
# cloud (lampcloud serve: mosquitto, registry, commissioning service), a
# fleet of lamps that boot knowing no network, and lampinstall as the
# installer's app.  The lamps are commissioned, join WiFi, connect with
# mutual TLS, and report their key counter, which the cloud follows.  Then
# the refusals: a replayed blob, a blob for another lamp, a tampered blob,
# a wrong installer password, a revoked lamp.  TAP.
# Usage: commission_ble.sh LAMPSIM LAMPCLOUD LAMPFACTORY LAMPINSTALL FIRMWARE_DIR
#   COMMISSION_LAMPS  size of the fleet (default 3; the load test uses 1000)
#   FLEET_LOG         the fleet's --log classes (e.g. guest,unimp,info to see watchdogs)
#   KEEP_WORK         set: keep the work directory (its path is printed first)
set -uo pipefail
lampsim=$1 lampcloud=$2 lampfactory=$3 lampinstall=$4 fw=$5
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
echo "# work directory: $work"
. "$here/../../tools/lampcloud_start.sh"
lampcloud_pid= lamp_pid=
cleanup() {
    [ -n "$lamp_pid" ] && kill "$lamp_pid" 2>/dev/null && wait "$lamp_pid" 2>/dev/null
    [ -n "$lampcloud_pid" ] && kill "$lampcloud_pid" 2>/dev/null && wait "$lampcloud_pid" 2>/dev/null
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
. "$here/tap.sh"
keys() { # the registry's commissioning keys, one per line
    python3 -c 'import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute("SELECT commission_key_hex FROM lamps")]' "$fleet/registry.sqlite"
}
check() { # NAME COMMAND...: ok when the command succeeds
    local name=$1; shift
    if "$@" >"$work/check.out" 2>&1; then ok "$name"; else not_ok_saying "$name" "$(tail -5 "$work/check.out")"; fi
}
expect_line() { # NAME REGEX COMMAND...: ok when the command prints a line matching REGEX
    local name=$1 re=$2; shift 2
    "$@" >"$work/expect.out" 2>&1
    if grep -q -- "$re" "$work/expect.out"; then ok "$name"; else not_ok_saying "$name" "$(tail -5 "$work/expect.out")"; fi
}
bail() { echo "Bail out! $*"; exit 1; }

# The cloud on a private copy of the development fleet, installer alice
# added: this test advances keys and revokes a lamp in its registry.
sock=$work/ble.sock
lampcloud_commissioning "$lampcloud" "$fw/dev-fleet" 2>"$work/start.err" ||
    { sed 's/^/# /' "$work/start.err"; bail "$(tail -1 "$work/start.err")"; }
install() { # lampinstall with the site's settings; extra options after
    "$lampinstall" --cloud "https://localhost:$cport" --ca "$fleet/cloud-ca.crt" --user alice \
        --ssid site --passphrase site-passphrase --ble-socket "$sock" "$@"
}

# 1. New lamps, commissioned over the medium while the fleet waits.
count=${COMMISSION_LAMPS:-3}

"$lampsim" fleet --count "$count" --fleet "$fleet" --state-dir "$work/lamps" --ap site:site-passphrase \
    --cloud "localhost:$mqtt" --commission ble --ble-socket "$sock" --idle 2 --timeout 1800 ${FLEET_LOG:+--log $FLEET_LOG} \
    > "$work/fleet.txt" 2> "$work/fleet.err" &
lamp_pid=$!
for _ in $(seq 18000); do
    grep -q "waiting for a central" "$work/fleet.err" 2>/dev/null && break
    kill -0 "$lamp_pid" 2>/dev/null || break
    sleep 0.1
done
grep -q "waiting for a central" "$work/fleet.err" || bail "the fleet did not boot: $(tail -3 "$work/fleet.err")"
keys > "$work/k0.txt" # every K(0), before any use
mkdir -p "$work/blobs"
t0=$(date +%s.%N)
printf 'alice-secret-1\n' | install --save-blobs "$work/blobs" --jobs 64 > "$work/install.txt" 2> "$work/install.err"
rc=$? t1=$(date +%s.%N)
echo "# lampinstall: $count lamps in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
if [ $rc -eq 0 ] && [ "$(grep -c ': accepted n=1$' "$work/install.txt")" = "$count" ]; then
    ok "lampinstall: $count lamps accepted their blobs (n=1)"
else
    not_ok_saying "lampinstall: $count lamps accepted their blobs" "$(tail -5 "$work/install.txt")" "$(tail -3 "$work/install.err")"
fi
wait "$lamp_pid"
rc=$? lamp_pid=
if [ $rc -eq 0 ] && grep -q "^commissioned_over_ble: $count$" "$work/fleet.txt"; then
    ok "the commissioned lamps joined WiFi and connected to the cloud"
else
    not_ok_saying "the commissioned lamps connected" "$(tail -5 "$work/fleet.err")"
fi
serials=$(sed -n 's/^\([^:]*\): accepted n=1$/\1/p' "$work/install.txt" | sort)
a=$(echo "$serials" | sed -n 1p) b=$(echo "$serials" | sed -n 2p)
# The cloud's follower commits each key advance to the registry on its own
# (an fsync each): on a loaded disk 1000 of them take a while.  Wait while
# it makes progress, and give up after 30 s without any.
advanced() { grep -c 'commissioned .* n=1 (key advanced)' "$work/cloud.log"; }
last=-1 still=0
while [ "$(advanced)" -lt "$count" ] && [ $still -lt 150 ]; do
    now=$(advanced)
    if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0 last=$now; fi
    sleep 0.2
done
if [ "$(advanced)" -ge "$count" ]; then
    ok "the cloud advanced its copy of each lamp's key when the lamp reported n=1"
else
    not_ok_saying "the cloud advanced the keys of $(advanced) lamps of $count (none more in 30 s)" \
        "$(grep -c 'commissioned {"n":1}' "$work/cloud.log") reports of n=1 reached the cloud; other outcomes:" \
        "$(grep 'commissioned LMP' "$work/cloud.log" | grep -v '(key advanced)' | sort | uniq -c | head -5)"
fi
check "no commissioning key appears in anything the installer handled" \
    bash -c "! grep -qiFf '$work/k0.txt' '$work/install.txt' '$work/install.err' $work/blobs/*.hex"

# 2. Lamp a alone, its medium served: refusals leave it as it was.
lamp_dir=$(grep -l "$a" "$work"/lamps/lamp-*/lamp.img 2>/dev/null | head -1 | xargs -r dirname)
[ -n "$lamp_dir" ] || bail "no state directory holds lamp $a"
"$lampsim" run --state-dir "$lamp_dir" --fleet "$fleet" --ble-socket "$sock" --no-stdin \
    --ap site:site-passphrase --timeout 300 > "$work/lamp_a.txt" 2>&1 &
lamp_pid=$!
for _ in $(seq 300); do [ -S "$sock" ] && grep -q "mqtt: connected" "$work/lamp_a.txt" && break; sleep 0.1; done
grep -q "mqtt: connected" "$work/lamp_a.txt" || bail "lamp $a did not come back: $(tail -3 "$work/lamp_a.txt")"
replay() { # BLOB_FILE: written to lamp a; the lamp's answer
    "$lampinstall" --ble-socket "$sock" --serial "$a" --replay-blob "$1" 2>/dev/null
}
with_password() { # PASSWORD COMMAND...
    local p=$1; shift
    printf '%s\n' "$p" | "$@"
}
expect_line "a replayed blob is refused: replayed" "^$a: rejected replayed" replay "$work/blobs/$a.hex"
expect_line "a blob made for another lamp is refused: other-lamp" "^$a: rejected other-lamp" \
    replay "$work/blobs/$b.hex"
expect_line "a tampered blob is refused: forged" "^$a: rejected forged" \
    with_password alice-secret-1 install --serial "$a" --again --tamper
expect_line "a wrong installer password is refused by the cloud (401), nothing written" "HTTP 401" \
    with_password wrong-password install --serial "$a" --again
expect_line "a fresh blob from the cloud is accepted after the refusals: n=2" "^$a: accepted n=2" \
    with_password alice-secret-1 install --serial "$a" --again
"$lampfactory" revoke --fleet "$fleet" --serial "$a" >/dev/null 2>&1 || bail "revoking $a"
expect_line "a revoked lamp gets no blob (403)" "HTTP 403" \
    with_password alice-secret-1 install --serial "$a" --again
refusals_on_console() {
    for r in replayed other-lamp forged; do
        grep -q "commission: rejected $r" "$work/lamp_a.txt" || { echo "no 'rejected $r'"; return 1; }
    done
}
check "the lamp's console names each refusal" refusals_on_console
kill "$lamp_pid" 2>/dev/null; wait "$lamp_pid" 2>/dev/null; lamp_pid=
echo "1..$n"
[ $failed -eq 0 ] || { echo "# lampcloud output:"; tail -30 "$work/cloud.log" | sed 's/^/#   /'; exit 1; }

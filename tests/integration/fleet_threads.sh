#!/usr/bin/env bash
# A fleet on worker threads (docs/emulator.md#threads):
# - 6 lamps on 2 threads boot, join WiFi, connect with mutual TLS to the
#   reference cloud's mosquitto, reconnect with a full and then a resumed
#   handshake, and come back resumed after every connection was reset;
# - deterministic runs (--seed) stay byte-identical whatever the thread
#   count: the same provisioned lamps run on 1, 2 and 3 threads type the
#   same console input at their prompts, and every lamp's console log is
#   the same file each time.
# Output: TAP.  Usage: fleet_threads.sh LAMPSIM LAMPCLOUD FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampcloud=$2 fw=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tools/lampcloud_start.sh"
lampcloud_session
. "$here/tap.sh"
echo "1..4"
get() { sed -n "s/^$1: //p" "$2"; }

# 1. Connected, reconnected, stormed on two threads.
mqtt=$(free_port) https=$(free_port)
if ! lampcloud_start "$lampcloud" "$work/cloud.log" --fleet "$fw/dev-fleet" --state-dir "$work/cloud" \
        --mqtt-port "$mqtt" --https-port "$https"; then
    sed 's/^/# /' "$work/cloud.log"
    echo "Bail out! lampcloud serve did not start"
    exit 1
fi
"$lampsim" fleet --count 6 --threads 2 --state-dir "$work/net" --ap site:site-passphrase \
    --cloud "localhost:$mqtt" --idle 1 --reconnect --drop --timeout 600 \
    > "$work/net.txt" 2> "$work/net.err" </dev/null
rc=$?
r=$work/net.txt
if [ $rc -eq 0 ] && [ "$(get threads "$r")" = 2 ] && [ "$(get full_handshakes "$r")" = 6 ]; then
    ok "6 lamps on 2 worker threads booted and connected with full handshakes"
else
    not_ok "6 lamps on 2 worker threads connected (exit $rc)" "$r" "$work/net.err"
fi
if [ "$(get warm_full_handshakes "$r")" = 6 ] && [ "$(get warm_resumed_handshakes "$r")" = 6 ] &&
   [ "$(get resumed_handshakes "$r")" = 6 ] && [ "$(get full_handshakes_on_reconnect "$r")" = 0 ] &&
   [ "$(get extra_resets "$r")" = 0 ]; then
    ok "they reconnected (full, then resumed) and came back resumed after every connection was reset"
else
    not_ok "reconnections on 2 threads: warm full $(get warm_full_handshakes "$r"), warm resumed" \
        "$(get warm_resumed_handshakes "$r"), storm resumed $(get resumed_handshakes "$r")," \
        "storm full $(get full_handshakes_on_reconnect "$r"), extra resets $(get extra_resets "$r")" \
        "$work/net.err"
fi

# 2. Deterministic: the same lamps on 1, 2 and 3 threads.
"$lampsim" fleet --count 6 --state-dir "$work/det" --seed 5 --provision-only \
    > "$work/prov.txt" 2>&1 </dev/null || { sed 's/^/# /' "$work/prov.txt"; echo "Bail out! provisioning"; exit 1; }
for t in 1 2 3; do
    cp -r "$work/det" "$work/det$t"
    "$lampsim" fleet --count 6 --threads "$t" --state-dir "$work/det$t" --seed 5 \
        --console-input status --console-input net --console-input status --console-log --idle 1 \
        > "$work/det$t.txt" 2> "$work/det$t.err" </dev/null ||
        { not_ok "deterministic fleet on $t threads ran" "$work/det$t.err"; }
done
differ= missing=
for d in "$work"/det1/lamp-*; do
    lamp=$(basename "$d")
    [ "$(grep -c '] uptime: ' "$d/console.log" 2>/dev/null)" = 2 ] || missing+=" $lamp"
    for t in 2 3; do
        cmp -s "$d/console.log" "$work/det$t/$lamp/console.log" || differ+=" $lamp($t threads)"
    done
done
if [ -z "$missing" ]; then
    ok "every lamp of the deterministic fleet typed its input and logged its console"
else
    not_ok "console logs without both status answers:$missing" "$work/det1.err"
fi
if [ -z "$differ" ] && [ -z "$missing" ]; then
    ok "each lamp's console log is byte-identical on 1, 2 and 3 threads"
else
    not_ok "console logs differ:$differ"
    [ -n "$differ" ] && diff "$work/det1/lamp-0000/console.log" "$work/det2/lamp-0000/console.log" |
        head -10 | sed 's/^/#   /'
fi

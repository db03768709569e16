#!/usr/bin/env bash
# A GDB server for one lamp of a running fleet, on request through
# lampsim serve's API (docs/api.md#gdb): Debian's gdb-multiarch attaches
# to it in batch mode and halts that lamp while the fleet's other lamp
# runs on; detached, the lamp runs again; the server is stopped through
# the API.  Bad requests are refused naming the field, a second server
# for the same lamp is refused, and a production lamp's blown DEBUG_LOCK
# fuse refuses it (403) with no server left behind.
# Output: TAP.  Usage: serve_gdb.sh LAMPSIM
set -uo pipefail
lampsim=$1
here=$(cd "$(dirname "$0")" && pwd)
gdb=${GDB:-gdb-multiarch}
if ! command -v "$gdb" >/dev/null; then
    echo "1..0 # SKIP $gdb not installed (tools/setup.sh installs it)"
    exit 0
fi
. "$here/serve_session.sh"

# uptime SERIAL: the lamp's virtual time, from its twin (it stands still
# while the lamp is halted)
uptime() { api GET "/api/lamps/$1" && js 'd["host"]["uptime_s"]'; }

serve_start dev --count 2 --progress 0 --stop-after 600
api GET /api/lamps
s0=$(js 'd["lamps"][0]["serial"]') s1=$(js 'd["lamps"][1]["serial"]')
[ -n "$s0" ] && [ -n "$s1" ] || bail "no lamp serials in GET /api/lamps: $(cat "$work/resp")"

api POST "/api/lamps/$s0/gdb" '{"listen": "127.0.0.1:0"}'
address=$(js 'd["gdb"]')
if [ "$status" = 200 ] && [[ "$address" =~ ^127\.0\.0\.1:[0-9]+$ ]]; then
    ok "POST /api/lamps/$s0/gdb starts a server ($address)"
else
    not_ok "POST /api/lamps/$s0/gdb starts a server (status $status)" "$work/resp"
fi
api GET "/api/lamps/$s0/gdb"
[ "$status" = 200 ] && [ "$(js 'd["gdb"]')" = "$address" ]
check $? "GET /api/lamps/$s0/gdb says where it listens"
api POST "/api/lamps/$s0/gdb" '{}'
[ "$status" = 409 ] && is "'$address' in d['error']"
check $? "a second server for the same lamp: 409 naming the first"
api POST "/api/lamps/$s1/gdb" '{"listen": "127.0.0.1:99999"}'
[ "$status" = 400 ] && is "d['field'] == 'listen'"
check $? "a port out of range: 400 naming listen"
api POST "/api/lamps/$s1/gdb" '{"port": 3333}'
[ "$status" = 400 ] && is "d['field'] == 'port'"
check $? "an unknown member: 400 naming it"
api PUT "/api/lamps/$s1/gdb"
[ "$status" = 405 ]
check $? "PUT: 405"

# GDB halts the lamp when it attaches; while it holds it, the twin says
# halted (once refreshed: waited for) and the lamp's clock stands while
# the other's moves.
cat >"$work/attach.gdb" <<EOF
set confirm off
set pagination off
target remote $address
info registers pc xpsr msp
monitor status
shell for i in \$(seq 100); do curl -s -H "Authorization: Bearer $token" "$url/api/lamps/$s0" >"$work/halted0.json"; grep -q '"power":"halted"' "$work/halted0.json" && break; sleep 0.1; done
shell curl -s -H "Authorization: Bearer $token" "$url/api/lamps/$s1" >"$work/other0.json"
shell sleep 2
shell curl -s -H "Authorization: Bearer $token" "$url/api/lamps/$s0" >"$work/halted1.json"
shell curl -s -H "Authorization: Bearer $token" "$url/api/lamps/$s1" >"$work/other1.json"
detach
EOF
timeout 120 "$gdb" -nx -batch -x "$work/attach.gdb" >"$work/gdb.log" 2>&1
grep -Eq '^pc +0x[0-9a-f]+' "$work/gdb.log" && grep -q 'msp' "$work/gdb.log"
check $? "gdb-multiarch attaches and reads the lamp's registers"
grep -q 'halted' "$work/gdb.log"
check $? "monitor status answers"
uptime_in() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["host"]["uptime_s"])' "$1"; }
power() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["power"])' "$1"; }
if [ "$(power "$work/halted1.json")" = halted ] &&
    [ "$(uptime_in "$work/halted0.json")" = "$(uptime_in "$work/halted1.json")" ]; then
    ok "the debugged lamp is halted and its clock stands (twin: $(power "$work/halted1.json"))"
else
    not_ok "the debugged lamp is halted and its clock stands" "$work/halted0.json" "$work/halted1.json" "$work/gdb.log"
fi
python3 -c 'import sys; sys.exit(not float(sys.argv[2]) > float(sys.argv[1]) + 1)' \
    "$(uptime_in "$work/other0.json")" "$(uptime_in "$work/other1.json")"
check $? "the fleet's other lamp runs on meanwhile"
before=$(uptime "$s0")
twin_until "$s0" "d['power'] != 'halted' and d['host']['uptime_s'] > $before + 1" 30
check $? "detached, the lamp runs again"

api DELETE "/api/lamps/$s0/gdb"
[ "$status" = 200 ] && is "d['stopped']"
check $? "DELETE /api/lamps/$s0/gdb stops the server"
api DELETE "/api/lamps/$s0/gdb"
[ "$status" = 404 ]
check $? "a second DELETE: 404"
# (GDB itself would retry a refused connection for 15 s: bash's /dev/tcp does not)
! (exec 3<>"/dev/tcp/${address%:*}/${address##*:}") 2>/dev/null
check $? "nothing listens there any more"
serve_stop

# A production lamp: the fuse refuses, and no server is left.
serve_dir=$work/production serve_start production --count 1 --profile production --progress 0 \
    --stop-after 600
api GET /api/lamps
sp=$(js 'd["lamps"][0]["serial"]')
api POST "/api/lamps/$sp/gdb"
[ "$status" = 403 ] && is "'DEBUG_LOCK' in d['error']"
check $? "a production lamp: 403, the DEBUG_LOCK fuse named ($(js 'd.get("error")'))"
api GET "/api/lamps/$sp/gdb"
[ "$status" = 404 ]
check $? "and no server is left behind"
serve_stop
tap_end

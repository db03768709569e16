#!/usr/bin/env bash
# Regenerates the committed seed corpora of the host targets
# (tests/fuzz/host/, docs/fuzzing.md#corpus) from the project's own tools
# and files: curl's requests captured as bytes, the example load
# profiles, the commissioning target's own seed writer (its proofs need
# the target's fixed key).  Inputs that once found a bug (named "crash-*"
# or "regress-*") are kept, and those a campaign's corpus added with
# libFuzzer's -merge=1 (named by their SHA-1).  Needs the fuzz build (tools/fuzz.sh list
# makes it) for the commissioning seeds.
#   tests/fuzz/seeds_host.sh [BUILD_FUZZ_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
fbuild=${1:-build-fuzz}
corpus=tests/fuzz/corpus

fresh() {   # NAME: an empty corpus but for its regression inputs and what
            # campaigns added (libFuzzer's -merge=1 names them by SHA-1)
    mkdir -p "$corpus/$1"
    find "$corpus/$1" -regextype posix-extended -type f ! -name 'crash-*' ! -name 'regress-*' \
        ! -regex '.*/[0-9a-f]{40}' -delete
}

# curl's request to a one-shot listener on loopback, its bytes as sent.
capture() {   # OUT CURL_ARG...
    local out=$1; shift
    local portfile port
    portfile=$(mktemp)
    python3 - "$out" "$portfile" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
s.settimeout(10)
with open(sys.argv[2], "w") as f:
    f.write(str(s.getsockname()[1]))
c, _ = s.accept()
c.settimeout(2)
data = b""
try:
    while True:
        chunk = c.recv(65536)
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip() or 0)
            if len(body) >= length:
                break
except socket.timeout:
    pass
# the listener's port varies from run to run: the seeds do not
data = data.replace(b"127.0.0.1:%d" % s.getsockname()[1], b"127.0.0.1:8443")
open(sys.argv[1], "wb").write(data)
c.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
c.close()
PY
    local listener=$!
    for _ in $(seq 100); do
        port=$(cat "$portfile")
        [ -n "$port" ] && break
        sleep 0.05
    done
    rm -f "$portfile"
    curl -s -o /dev/null --max-time 5 "$@" "http://127.0.0.1:$port/${CAPTURE_PATH:-}" || true
    wait "$listener"
}

# ---- https_request: what libsoup hands lampcloud, as curl sends it ----
fresh https_request
r=$corpus/https_request
CAPTURE_PATH=api/login capture "$r/curl-login" -H 'Content-Type: application/json' \
    --data '{"user":"alice","password":"correct horse"}'
CAPTURE_PATH=api/commission capture "$r/curl-commission" -H 'Authorization: Bearer 00ff' \
    -H 'Content-Type: application/json' --data '{"serial":"LMP-7","n":0}'
CAPTURE_PATH=api/commission capture "$r/curl-chunked" -H 'Transfer-Encoding: chunked' \
    --data '{"serial":"LMP-7"}'
CAPTURE_PATH=lamp.img capture "$r/curl-range" -r 4096-
CAPTURE_PATH=lamp.img capture "$r/curl-head" -I -H 'Connection: keep-alive'
printf 'POST /api/login\nContent-Length: 12, 12\nContent-Length: 13\n' > "$r/content-length-list"
# headers over HTTPS_HEADER_MAX (431): also lifts libFuzzer's input size past 8 KiB
CAPTURE_PATH=api/login capture "$r/curl-big-header" -H "Cookie: $(printf 'a%.0s' $(seq 8200))" \
    --data '{}'

# ---- image_request: an image's size, its name, a Range header ----
fresh image_request
i=$corpus/image_request
seed_image() {   # FILE SIZE NAME RANGE
    python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<Q", int(sys.argv[1])) + sys.argv[2].encode() + b"\n" + sys.argv[3].encode())' \
        "$2" "$3" "$4" > "$1"
}
# the lamp's OTA client resumes with "bytes=A-" (firmware/app/https_download.c)
seed_image "$i/resume" 300000 lamp-1.2.0.img 'bytes=4096-'
seed_image "$i/closed" 300000 lamp.img 'bytes=0-99'
seed_image "$i/suffix" 300000 lamp.img 'bytes=-512'
seed_image "$i/several" 300000 lamp.img 'bytes=0-1,5-9'
seed_image "$i/other-unit" 300000 lamp.img 'items=0-1'
seed_image "$i/past-end" 100 lamp.img 'bytes=100-'
seed_image "$i/reversed" 100 lamp.img 'bytes=9-5'
seed_image "$i/dotdot" 100 ../keys 'bytes = 0-'

# ---- commission_api: the target writes requests with valid proofs ----
fresh commission_api
exe=$(find "$fbuild/tests/fuzz" -type f -name fuzz_commission_api -perm -u+x | head -n 1)
if [ -z "$exe" ]; then
    echo "seeds_host.sh: no $fbuild/tests/fuzz/.../fuzz_commission_api: build it first (tools/fuzz.sh list)" >&2
    exit 1
fi
LAMPSIM_FUZZ_WRITE_SEEDS=$corpus/commission_api "$exe"

# ---- load_profile: the example profiles and the docs' smallest ones ----
fresh load_profile
l=$corpus/load_profile
cp examples/profiles/*.json "$l/"
printf '{"ramp": {"per_s": 2, "target": 10}}' > "$l/ramp"
printf '{"seed": 7, "repeat": {"every_s": 600, "times": 3}, "churn": {"per_minute": 6, "start_s": 60, "end_s": 300, "off_s": 5}, "telemetry_interval_s": 30}' > "$l/churn"

# ---- gdb_commands: a GDB session's packets, one a line (GDB manual E.2,
# docs/debugging.md): attach, registers, memory, breakpoints, run, detach
fresh gdb_commands
g=$corpus/gdb_commands
printf '%s\n' 'qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;exec-events+;vContSupported+;QThreadEvents+;no-resumed+' \
    'QStartNoAckMode' 'vMustReplyEmpty' 'Hg0' 'qXfer:features:read:target.xml:0,ffb' \
    'qXfer:memory-map:read::0,ffb' 'qTStatus' '?' 'qfThreadInfo' 'qsThreadInfo' 'qAttached' 'Hc-1' \
    'qC' 'g' 'p19' 'm20000000,40' 'm0,4' 'Z0,20100,2' 'vCont?' 'vCont;c:p1.-1' 'z0,20100,2' \
    'P0=78563412' 'M20000010,3:a1b2c3' 'vCont;s:1' 'Z2,20000004,4' 's' 'c' 'D' > "$g/session"
printf '%s\n' 'qRcmd,6d6f6e69746f72' 'qRcmd,7265736574' 'qRcmd,68656c70' 'X20000000,0:' \
    'vFlashErase:00010000,1000' 'vFlashWrite:00010000:abcd' 'vFlashDone' 'k' > "$g/monitor-flash"
printf 'c\n\003\n?\nT1\nqXfer:features:read:arm-m-profile.xml:100,20\n' > "$g/interrupt"
# "monitor LINE": the target hex-encodes it into qRcmd as GDB does
printf '%s\n' 'monitor help' 'monitor status' 'monitor fuses' 'monitor mpu' 'monitor fault' \
    'monitor halt' 'monitor reset halt' 'monitor reset' 'monitor reset now' > "$g/monitor"

# ---- registry_acl: CONNECTs and the topics a lamp and the cloud use
# (firmware/include/app_topics.h, docs/protocol.md)
fresh registry_acl
a=$corpus/registry_acl
printf '%s\n' LMP-7 LMP-7 Wlamp/LMP-7/shadow/reported Rlamp/LMP-7/shadow/desired Rlamp/LMP-7/shadow/delta Wlamp/LMP-7/fault Rlamp/LMP-7/ota Wlamp/LMP-7/ota/status \
    Wlamp/LMP-7/telemetry Rlamp/LMP-7/appctl/+ Wlamp/LMP-7/appctl/blink/status \
    Wlamp/LMP-7/appctl/blink Wlamp/LMP-7/app/blink/out Rlamp/LMP-8/shadow/desired Rlamp/# > "$a/lamp"
printf '%s\n' cloud:ota cloud:ota Wlamp/LMP-7/appctl/blink Rlamp/+/appctl/# > "$a/cloud"
printf '%s\n' LMP-8 LMP-8 Wlamp/LMP-8/shadow/reported > "$a/revoked"
printf '%s\n' LMP-7 LMP-9 Wlamp/LMP-9/shadow/reported > "$a/id-not-cn"
printf '%s\n' lmp-7 - Rlamp/lmp-7/x > "$a/no-id"

# ---- ble_central: a central's session as lampinstall runs one
# (docs/ble.md#the-central-socket, docs/commissioning.md); "@lamp@" is the
# lamp's address, which the target puts in
fresh ble_central
b=$corpus/ble_central
svc=a7c30001-5c1e-4d6b-9a0f-6c616d700000 info=a7c30002-5c1e-4d6b-9a0f-6c616d700000
creds=a7c30003-5c1e-4d6b-9a0f-6c616d700000 status=a7c30004-5c1e-4d6b-9a0f-6c616d700000
printf '%s\n' scan 'services @lamp@' 'connect @lamp@ 185' "read @lamp@ $info" "subscribe @lamp@ $status" \
    "write @lamp@ $creds 4c434231$(printf '%0100d' 0)" "read @lamp@ $status" "unsubscribe @lamp@ $status" \
    'disconnect @lamp@' > "$b/commission"
printf '%s\n' 'connect @lamp@ 22' 'connect @lamp@' 'connect @lamp@' "write @lamp@ $info 00" \
    "write @lamp@ $creds zz" "read @lamp@ $svc" 'frob @lamp@ x' 'read' 'connect 00:00:00:00:00:00' > "$b/refusals"
printf 'scan\r\nservices @lamp@\rconnect @lamp@ 517\n\n   \ndisconnect @lamp@' > "$b/line-ends"

# ---- serve_request: docs/api.md's curl requests, as curl sends them
fresh serve_request
s=$corpus/serve_request
auth=(-H 'Authorization: Bearer 0123456789abcdef')
CAPTURE_PATH=api/lamps capture "$s/add" "${auth[@]}" -d '{"count": 10}'
CAPTURE_PATH=api/lamps/LMP-D460D71F/actions/net capture "$s/net" "${auth[@]}" -d '{"fault":"latency","ms":200}'
CAPTURE_PATH=api/lamps/LMP-D460D71F/gdb capture "$s/gdb" "${auth[@]}" -d '{"listen":"127.0.0.1:3333"}'
CAPTURE_PATH=api/fleet/actions/net_fault capture "$s/fleet-refuse" "${auth[@]}" -d '{"fault": "refuse", "on": true}'
CAPTURE_PATH=api/fleet/actions/reboot capture "$s/fleet-reboot" "${auth[@]}" -d '{"lamps": {"network": "online", "fraction": 0.5}}'
CAPTURE_PATH=api/lamps/LMP-D460D71F/actions/environment capture "$s/environment" "${auth[@]}" \
    -d '{"daylight_lux": 350, "occupied": true, "ambient_temp_c": 21.5}'
CAPTURE_PATH=api/lamps/LMP-D460D71F/actions/commission capture "$s/commission" "${auth[@]}" \
    -d '{"ssid": "site", "passphrase": "site-passphrase"}'
CAPTURE_PATH=api/lamps/LMP-D460D71F capture "$s/delete" "${auth[@]}" -X DELETE
CAPTURE_PATH=api/fleet capture "$s/fleet" "${auth[@]}" -X PUT

du -sh "$corpus"/{https_request,image_request,commission_api,load_profile,gdb_commands,registry_acl,ble_central,serve_request}

#!/usr/bin/env bash
# Writes the seeds of the whole-lamp target into tests/fuzz/corpus/lamp/
# (format: tests/fuzz/lamp/lamp_harness.c): a normal use of every console
# command that is not there to reset or fault the lamp, a console update
# transfer started, and a BLE central's connect, reads, subscription and
# writes to each characteristic.  Run it again after changing the format.
set -euo pipefail
out=${1:-$(dirname "$0")/../corpus/lamp}
mkdir -p "$out"
# OP_LINE 0, OP_BYTES 1, OP_CONNECT 2, OP_WRITE 3, OP_READ 4,
# OP_SUBSCRIBE 5, OP_DISCONNECT 6, OP_WAIT 7
line() {   # TEXT: a console line op
    printf '\000'; printf "\\$(printf %03o "${#1}")"; printf '%s' "$1"
}
seed() {   # NAME, then the ops on stdin
    cat > "$out/$1"
}
for cmd in help status commission net light beacon telemetry 'light 40 3000 500' \
           'light set on=1 level=70 cct=5000 fade_ms=100 hold_s=5 occupancy=1' \
           'telemetry 120' 'crc 0 256' 'app status' 'app list' "app eval log('hi')" \
           "app load x apis=log,timers mem=8192 -- log('x')" 'wifi lab secret123' \
           'net reconnect' 'app install 64'; do
    line "$cmd" | seed "console-$(printf '%s' "$cmd" | tr -c 'a-z0-9' '_' | cut -c1-24)"
done
# The console update transfer, then a frame's worth of bytes that are not one.
{ line update; printf '\001\020'; printf 'LAMPUPD0%.0s' 1; printf '\000\001\002\003\004\005\006\007'; } | seed console-update
# BLE: connect (MTU 247), read each of the first characteristics, subscribe
# to one, write a short and a long value to each, disconnect.
{ printf '\002\112'; for i in 0 1 2; do printf "\\004\\00$i"; done; printf '\005\005'
  for i in 0 1 2; do printf "\\003\\00$i\\004abcd"; done
  printf '\003\001\200'; head -c 128 /dev/zero | tr '\0' 'A'; printf '\006'; } | seed ble-session
{ printf '\002\000\003\001\001\001\007\377\006\002\000\003\001\001\002'; } | seed ble-reconnect
# The broker's side, once the lamp is online (OP_MQTT 8, OP_PUBLISH 9,
# OP_TLS 10).  The lamp subscribes, in order: shadow/delta, ota,
# appctl/+ (docs/cloud.md#mqtt-311-topics).
publish() {   # NAME TOPIC_INDEX QOS_AND_ID PAYLOAD
    { printf '\011'; printf "\\$(printf %03o "$2")\\$(printf %03o "$3")"
      printf "\\$(printf %03o "${#4}")"; printf '%s' "$4"; } | seed "$1"
}
publish mqtt-delta-level 0 3 '{"level":40,"cct":3000,"fade_ms":200}'
publish mqtt-delta-all 0 5 '{"on":false,"occupancy":{"enabled":true,"vacancy_s":5,"standby_level":10,"standby_s":9},"daylight":{"enabled":true,"target_lux":300},"hold_s":60,"telemetry_s":5}'
publish mqtt-ota 1 7 '{"url":"https://localhost:8443/app-9.9.9.img","version":"9.9.9","size":4096}'
publish mqtt-appctl-install 2 9 '{"url":"https://localhost:8443/fuzz-1.0.0.lpk","version":"1.0.0","size":512}'
publish mqtt-appctl-remove 2 11 '{"remove":true}'
# Packets a broker sends out of turn: PUBACKs for ids the lamp never used,
# a second CONNACK, a SUBACK, PINGRESP, a length that never ends.
{ printf '\010\014\100\002\000\001\100\002\377\377\040\002\000\000'; } | seed mqtt-out-of-turn
{ printf '\010\006\220\003\000\002\001\320\000'; printf '\010\005\060\377\377\377\177'; } | seed mqtt-bad-length
# TLS records after the handshake: an alert, a record too long, garbage
# application data, a ChangeCipherSpec.
{ printf '\012\007\025\003\003\000\002\002\050'; } | seed tls-alert
{ printf '\012\025\027\003\003\000\020'; printf '0123456789abcdef'; printf '\012\006\026\003\003\377\377\001'; } | seed tls-records
# The image server (OP_HTTPS 11): an offer on ota, time for the lamp to
# dial and ask, then an answer: a partial one, and a 200 cut short.
https_seed() {   # NAME RESPONSE
    { printf '\011\001\003'
      offer='{"url":"https://localhost:8443/app-9.9.9.img","version":"9.9.9","size":4096}'
      printf "\\$(printf %03o "${#offer}")"; printf '%s' "$offer"
      printf '\007\377\007\377'
      printf '\013'; printf "\\$(printf %03o "${#2}")"; printf '%s' "$2"; } | seed "$1"
}
https_seed https-partial $'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-63/4096\r\nContent-Length: 64\r\n\r\nLAMPIMG0'
https_seed https-cut $'HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\nLAMP'
# The console update stream with real frames (docs/firmware.md#console-
# update-transfer): the first 200 bytes of the build's signed image (its
# header: the staging and verification paths), then the end frame: an
# image cut short.  APP_IMG picks the image (default: build-fuzz's).
app_img=${APP_IMG:-$(dirname "$0")/../../../build-fuzz/firmware/app.img}
if [ -f "$app_img" ]; then
    frames() {   # the frames of the image's first 200 bytes and the end, as BYTES ops
        python3 - "$app_img" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()[:200]
def frame(seq, body):
    head = struct.pack('<HH', seq, len(body))
    f = b'\xa5' + head + body + struct.pack('<I', zlib.crc32(head + body))
    return bytes([1, len(f)]) + f   # OP_BYTES, length
sys.stdout.buffer.write(frame(0, data) + frame(1, b''))
PY
    }
    { line update; frames; } | seed console-update-frames
    { line 'app install 300'; frames; } | seed console-app-install-frames
else
    echo "make_seeds.sh: no $app_img: the update-frame seeds are not written" >&2
fi
# BLE commissioning past the blob's verification (OP_COMMISSION 12): a
# blob for the access point the lamp knows, and one with a proxy record.
{ printf '\014\000\010fuzz-lab\015fuzz-lab-pass'; } | seed ble-commission
{ printf '\014\001\004lab2\010password\016proxy.lan:3128'; } | seed ble-commission-proxy

#!/usr/bin/env bash
# tests/fuzz/seeds_firmware.sh [BUILD] [FUZZBUILD]: makes the committed seed
# corpora of the firmware fuzz targets (tests/fuzz/corpus/NAME/, see
# docs/fuzzing.md) and the fuzzing fleet's keystore they are made with
# (tests/fuzz/firmware/fleet/keystore.bin), all with the project's own
# tools: lampfactory (fleet, lamp, signed images and app packages), the
# reference cloud's blob code (seed_commission) and the firmware's MQTT
# encoder (seed_mqtt), from BUILD (default build: lampfactory, app.bin)
# and FUZZBUILD (default build-fuzz: the two seed makers).  Keys, IVs and
# salts are new each run, so the files change; what they hold does not.
# A regression input (an input that once found a bug) is kept: only the
# seeds' own names are rewritten.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build} fbuild=${2:-build-fuzz}
factory=$build/tools/lampfactory/lampfactory
app_bin=$build/firmware/app.bin
seeders=$fbuild/tests/fuzz/firmware
for f in "$factory" "$app_bin" "$seeders/seed_commission" "$seeders/seed_mqtt"; do
    [ -e "$f" ] || { echo "seeds_firmware.sh: $f missing (meson compile -C $build, -C $fbuild)" >&2; exit 1; }
done
corpus=tests/fuzz/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "${KEEP_SEEDS_WORK:-}" ] && trap - EXIT
# Quiet on success, the tool's own words on failure.
run() { "$@" >"$work/log" 2>&1 || { cat "$work/log" >&2; echo "seeds_firmware.sh: failed: $*" >&2; exit 1; }; }
u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }   # FILE OFFSET: a little-endian u32
for t in mqtt keystore image_header update_rx app_pkg commission shadow_delta vm_gate; do mkdir -p "$corpus/$t"; done

# The fleet and one lamp, with a small image: the first KiB of the real
# application (a signed image's layout does not depend on what the
# payload does).
run "$factory" fleet-init --fleet "$work/fleet" --name "lampsim fuzzing fleet"
head -c 1024 "$app_bin" >"$work/payload.bin"
sign() {   # VERSION EPOCH OUT
    run "$factory" sign --fleet "$work/fleet" --version "$1" --epoch "$2" "$work/payload.bin" "$3"
}
sign 1.2.3 2 "$work/img-1.2.3-e2.img"
sign 1.0.0 0 "$work/img-1.0.0-e0.img"
run "$factory" provision --fleet "$work/fleet" --state-dir "$work/lamp" --serial FUZZ-0001 \
    --image "$work/img-1.2.3-e2.img" --bootloader "$build/firmware/bootloader.bin" --profile development
# The lamp's flash, out of its state file (docs/formats.md#state-directory:
# a 56-byte header, a bitmap of 513 pages of 4 KiB, the pages present).
flash=$work/flash.bin
python3 - "$work/lamp/lamp.img" "$flash" <<'PY'
import sys
img = open(sys.argv[1], 'rb').read()
assert img[:8] == b'LMPSTAT1', 'not a lamp state file'
bitmap, pos, flash = img[56:56 + 65], 56 + 65, bytearray(b'\xff' * (2 << 20))
for page in range(512):
    if bitmap[page // 8] >> (page % 8) & 1:
        flash[page * 4096:(page + 1) * 4096] = img[pos:pos + 4096]
        pos += 4096
open(sys.argv[2], 'wb').write(flash)
PY
keystore_addr=$((0x00010000)) keystore_size=$((0x2000)) slot_a=$((0x00020000))
mkdir -p tests/fuzz/firmware/fleet
dd if="$flash" of=tests/fuzz/firmware/fleet/keystore.bin bs=1 skip=$keystore_addr count=$keystore_size status=none
ks=tests/fuzz/firmware/fleet/keystore.bin

# keystore: mode byte (bit 0: the target seals the entries), then the
# partition cut after its entries, then a sealed copy with the first
# entry's length raised past the end.
entries=$(u32 "$ks" 8)
{ printf '\x00'; head -c $((48 + entries)) "$ks"; } >"$corpus/keystore/lampfactory-keystore"
{ printf '\x01'; head -c 50 "$ks"; printf '\xff\x7f'; tail -c +53 "$ks" | head -c $((entries - 4)); } \
    >"$corpus/keystore/sealed-entry-too-long"

# image_header: mode byte (bit 0: installed form; bits 1-7: the lamp's
# epoch), then the image.  Staged as lampfactory signs it; installed as
# provisioning left it in slot A.
{ printf '\x00'; cat "$work/img-1.2.3-e2.img"; } >"$corpus/image_header/staged-1.2.3-epoch2"
{ printf '\x06'; cat "$work/img-1.0.0-e0.img"; } >"$corpus/image_header/staged-epoch0-rollback-at-3"
payload_size=$(u32 "$flash" $((slot_a + 16)))
{ printf '\x01'; dd if="$flash" bs=1 skip=$slot_a count=$((256 + payload_size + 512)) status=none; } \
    >"$corpus/image_header/installed-slot-a"

# update_rx: mode byte (bit 0: the target frames the rest; bits 1-7 the
# frame size), then the image; and raw console bytes: the same image in
# the transfer's frames (docs/firmware.md#console-update-transfer).
# lampsim's sender (sim/update_sender.c) types its frames into a running
# lamp and has no way to write them to a file, so these are framed from
# the same specification, 512 bytes a frame.
{ printf '\xff'; cat "$work/img-1.2.3-e2.img"; } >"$corpus/update_rx/framed-1024"
{ printf '\x3f'; cat "$work/img-1.0.0-e0.img"; } >"$corpus/update_rx/framed-256"
python3 - "$work/img-1.2.3-e2.img" "$corpus/update_rx/raw-frames" <<'PY'
import struct, sys, zlib
img = open(sys.argv[1], 'rb').read()
out = bytearray(b'\x00')
seq = 0
for off in list(range(0, len(img), 512)) + [len(img)]:
    d = img[off:off + 512]
    head = struct.pack('<HH', seq, len(d))
    out += b'\xa5' + head + d + struct.pack('<I', zlib.crc32(head + d))
    seq += 1
open(sys.argv[2], 'wb').write(out)
PY

# app_pkg: mode byte (the installed app's version, 128 = 1.0.0), then a
# package lampfactory signed from the project's example apps.
for app in people_counter beacon_rotator; do
    run "$factory" sign-app --fleet "$work/fleet" "apps/$app/manifest" "apps/$app/app.lua" -o "$work/$app.lpkg"
    { printf '\x80'; cat "$work/$app.lpkg"; } >"$corpus/app_pkg/lampfactory-$app"
done

# commission: blobs from the reference cloud's code for the lamp above.
seed() { "$seeders/seed_commission" "$ks" "$@"; }
seed 0 lab-wifi 'correct horse battery' >"$corpus/commission/blob-n0"
seed 0 lab-wifi 'correct horse battery' 'proxy.lab:3128' >"$corpus/commission/blob-n0-proxy"
seed 1 lab-wifi 'correct horse battery' >"$corpus/commission/blob-n1-future"
seed tlvs lab-wifi 'correct horse battery' 'proxy.lab:3128' >"$corpus/commission/tlvs-proxy"

# mqtt: a broker's packets, framed by the firmware's encoder.
"$seeders/seed_mqtt" "$corpus/mqtt"

# shadow_delta: the desired documents the project's tests give
# `lampcloud desired` (tests/integration, docs/cloud.md#light), which the
# cloud sends a lamp that reports none of it as its delta: the light, the
# vacancy and daylight controls, beacons, telemetry period.
printf '%s' '{"on":true,"level":40,"cct":3000,"fade_ms":0}' >"$corpus/shadow_delta/light"
printf '%s' '{"occupancy":{"enabled":true,"vacancy_s":600,"standby_level":10,"standby_s":900},"daylight":{"enabled":true,"target_lux":500},"hold_s":3600}' \
    >"$corpus/shadow_delta/occupancy-daylight"
printf '%s' '{"beacon":{"ibeacon":{"uuid":"e2c56db5-dffb-48d2-b060-d0f5a71096e0","major":7,"minor":42},"eddystone":{"namespace":"00112233445566778899","instance":"a1b2c3d4e5f6"},"interval_ms":500,"tx_power":-4}}' \
    >"$corpus/shadow_delta/beacon"
printf '%s' '{"beacon":{"ibeacon":false,"eddystone":false},"telemetry_s":30}' >"$corpus/shadow_delta/beacon-off-telemetry"

# vm_gate: the platform calls the VM's Lua glue makes (firmware/vm/, the
# contract firmware/include/vm_gate.h), written from that contract: an
# app's record (APIs, console run, arenas, storage, loading), then calls
# of op (bits 5-7: r1-r3 are offsets into the VM's region), r1, r2, r3.
python3 - "$corpus/vm_gate" <<'PY'
import struct, sys
OFF1, OFF2, OFF3 = 0x20, 0x40, 0x80
ARENA0, STACK = 0x4000, 0x1000
def call(op, r1=0, r2=0, r3=0, rel=0):
    return struct.pack('<BIII', op | rel, r1 & 0xffffffff, r2 & 0xffffffff, r3 & 0xffffffff)
def app(apis, console=False, first=0, arenas=1, kv=None, loading=False):
    return bytes([apis | (0x80 if console else 0), first + 4 * (arenas - 1),
                  1 | kv << 1 if kv is not None else 0, 1 if loading else 0])
seeds = {
    # people_counter's manifest: sensors, timers, storage, messages, log
    'app-people-counter': app(0x3e, kv=0) +
        call(5, STACK, 256, rel=OFF1) + call(1, STACK, 12, rel=OFF1) +
        call(4, STACK, rel=OFF1) + call(9, 2) + call(7, 60000, 1) + call(17, STACK + 64, rel=OFF1) +
        call(12, ARENA0 + 16, 5 | 2 << 16, ARENA0 + 32, rel=OFF1 | OFF3) +
        call(11, ARENA0 + 16, 5, ARENA0 + 512, rel=OFF1 | OFF3) +
        call(15, STACK, 6, rel=OFF1) + call(14, STACK, 6 | 20 << 16, STACK + 32, rel=OFF1 | OFF3) +
        call(6, STACK, 30, rel=OFF1),
    # a console run (eval): log, light and sensors
    'console-eval': app(0x23, console=True) +
        call(1, STACK, 5, rel=OFF1) + call(3, 50000, 500) + call(10, 3000, 0) + call(2) +
        call(4, STACK + 8, rel=OFF1),
    # an app without the storage API asking for it, and a pointer into another app's arena
    'refusals': app(0x21, first=1) + call(12, ARENA0, 4, ARENA0, rel=OFF1 | OFF3) +
        call(1, ARENA0, 8, rel=OFF1) + call(1, STACK, 121, rel=OFF1) + call(31),
}
for name, data in seeds.items():
    open(sys.argv[1] + '/' + name, 'wb').write(data)
PY

du -b -s "$corpus"/{mqtt,keystore,image_header,update_rx,app_pkg,commission,shadow_delta,vm_gate} tests/fuzz/firmware/fleet/keystore.bin

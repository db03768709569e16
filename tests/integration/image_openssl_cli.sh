#!/usr/bin/env bash
# An update image built with the openssl command line alone, following
# docs/formats.md#update-image and nothing else, is accepted by lampfactory
# inspect and by a lamp: the documented format is the real one.
# Output: TAP.  Usage: image_openssl_cli.sh LAMPSIM LAMPFACTORY FIRMWARE_DIR
set -uo pipefail
lampsim=$1 lampfactory=$2 fw=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1..3"

fleet="$work/fleet"
"$lampfactory" fleet-init --fleet "$fleet" --name cli-test >/dev/null 2>&1 || { echo "Bail out! fleet-init failed"; exit 1; }

le32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }
le16() { printf "$(printf '\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)))"; }

bin="$fw/app.bin"
size=$(stat -c %s "$bin")
openssl rand 16 > "$work/cek"
iv=$(openssl rand -hex 16)
fleetkey=$(tr -d '\n' < "$fleet/firmware-encryption.key")
# content key wrapped with the fleet key (RFC 3394, default IV)
openssl enc -id-aes128-wrap -K "$fleetkey" -iv A6A6A6A6A6A6A6A6 -in "$work/cek" -out "$work/wrapped"
# payload: AES-128-CTR under the content key
openssl enc -aes-128-ctr -K "$(xxd -p "$work/cek" | tr -d '\n')" -iv "$iv" -in "$bin" -out "$work/payload"
{
    le32 0x474D494C; le16 2; le16 256             # magic, header version, size
    le32 $(( (1 << 16) | (7 << 8) | 0 ))           # version 1.7.0
    le32 2; le32 "$size"; le32 0x00020100          # epoch, payload size, load address
    le32 0; le32 0                                 # flags, reserved
    openssl dgst -sha256 -binary "$bin"            # plaintext SHA-256
    cat "$work/wrapped"                            # 24 bytes
    xxd -r -p <<<"$iv"                             # 16 bytes
    head -c 152 /dev/zero                          # reserved
} > "$work/header"
cat "$work/header" "$work/payload" > "$work/tbs"
openssl pkeyutl -sign -inkey "$fleet/firmware-signing.key" -rawin -in "$work/tbs" \
    -digest sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32 \
    -pkeyopt rsa_mgf1_md:sha256 -out "$work/sig" 2>"$work/pkeyutl.err" ||
openssl dgst -sha256 -sign "$fleet/firmware-signing.key" -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256 -out "$work/sig" "$work/tbs"
cat "$work/tbs" "$work/sig" > "$work/cli.img"

if [ "$(stat -c %s "$work/header")" -eq 256 ] && out=$("$lampfactory" inspect --fleet "$fleet" "$work/cli.img" 2>&1) &&
   grep -q 'signature: *valid' <<<"$out" && grep -q 'decrypts, SHA-256 matches' <<<"$out"; then
    echo "ok 1 - lampfactory inspect accepts the openssl-made image"
else
    echo "not ok 1 - lampfactory inspect refuses the openssl-made image"
    sed 's/^/# /' <<<"${out:-}"
fi

# A lamp of that fleet (factory image 1.0.0 epoch 1 signed by lampfactory)
# takes it over its console and runs it.
mkdir -p "$work/fw"
cp "$fw/bootloader.bin" "$work/fw/"
"$lampfactory" sign --fleet "$fleet" --version 1.0.0 --epoch 1 "$bin" "$work/fw/app.img" >/dev/null
out=$("$lampsim" run --state-dir "$work/lamp" --fleet "$fleet" --firmware-dir "$work/fw" --seed 5 \
      --update "$work/cli.img" \
      --exit-on 'OTP epoch advanced to 2|update: refused' --timeout 120 2>&1 </dev/null)
if grep -q '^boot: verified image 1.7.0 epoch 2' <<<"$out" && grep -q 'OTP epoch advanced to 2' <<<"$out"; then
    echo "ok 2 - the lamp verifies, installs and confirms the openssl-made image"
else
    echo "not ok 2 - the lamp did not take the openssl-made image"
    grep -v 'update: ack' <<<"$out" | tail -15 | sed 's/^/# /'
fi

# And one flipped payload bit is refused by the same lamp.
python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[1000]^=1; open(sys.argv[2],"wb").write(d)' \
    "$work/cli.img" "$work/bad.img"
out=$("$lampsim" run --state-dir "$work/lamp" --seed 6 --update "$work/bad.img" \
      --exit-on 'update: the running firmware stays|update: staged' --timeout 120 2>&1 </dev/null)
if grep -q 'update: refused: signature invalid' <<<"$out"; then
    echo "ok 3 - a tampered copy is refused"
else
    echo "not ok 3 - tampered copy not refused"
    grep -v 'update: ack' <<<"$out" | tail -10 | sed 's/^/# /'
fi

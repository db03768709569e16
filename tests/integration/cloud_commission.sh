#!/usr/bin/env bash
# The reference cloud's commissioning service (docs/commissioning.md, cloud
# side) end to end, without lamps: a fleet of its own with two provisioned
# lamps, an installer account, lampcloud serve, then curl against
# https://localhost:PORT/api/ as an installer's app would, with lamp info
# proofs computed here (python3 hmac/hashlib) from the registry's key.
# Checks: logins (200, 401 alike for a wrong password and an unknown name),
# tokens, unknown (403) and revoked (403) lamps, proofs under K(0) (200, a
# blob with the right header that opens under K(0)), a wrong proof (409), a
# lamp two keys ahead (200, the registry follows it), out of step (409), bad
# input (400), several requests on one kept-alive connection, the follower
# moving the key on lamp/SERIAL/commissioned, and a removed installer's
# token refused.  TAP.
# Usage: cloud_commission.sh LAMPCLOUD LAMPFACTORY FIRMWARE_DIR
set -uo pipefail
lampcloud=$1 lampfactory=$2 fw=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
. "$here/../../tools/lampcloud_start.sh"
lampcloud_pid=
cleanup() {
    [ -n "$lampcloud_pid" ] && kill "$lampcloud_pid" 2>/dev/null && wait "$lampcloud_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
bail() { echo "Bail out! $*"; exit 1; }
. "$here/tap.sh"
# check_that NAME COMMAND...: ok when COMMAND succeeds
check_that() { local d=$1; shift; "$@"; check $? "$d"; }

fleet="$work/fleet" reg="$work/fleet/registry.sqlite"
"$lampfactory" fleet-init --fleet "$fleet" >/dev/null 2>&1 || bail "lampfactory fleet-init"
"$lampfactory" sign --fleet "$fleet" --version 1.0.0 --epoch 0 "$fw/app.bin" "$work/app.img" \
    >/dev/null || bail "signing app.bin for the test fleet"
for s in CM-1 CM-2; do
    "$lampfactory" provision --fleet "$fleet" --state-dir "$work/$s" --serial "$s" \
        --image "$work/app.img" --bootloader "$fw/bootloader.bin" >/dev/null ||
        bail "provisioning $s"
done
sql() { python3 -c 'import sqlite3,sys; [print(*r, sep="|") for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]' "$reg" "$1"; }

# The lamp's side, from the key: K(n) (HKDF chain), a lamp info proof, and
# a check of the blob the cloud made (header, and GCM when python3 has the
# cryptography package).
cat > "$work/lamp.py" <<'EOF'
import hashlib, hmac, json, struct, sys
def nxt(k, n):
    prk = hmac.new(b"\0" * 32, k, hashlib.sha256).digest()
    return hmac.new(prk, struct.pack(">I", n) + b"\1", hashlib.sha256).digest()[:16]
def key(k0hex, n):
    k = bytes.fromhex(k0hex)
    for i in range(n):
        k = nxt(k, i)
    return k
cmd, k0, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
k = key(k0, n)
if cmd == "key":
    print(k.hex())
elif cmd == "proof":  # proof K0HEX N SERIAL FLAGS NONCEHEX
    serial, flags, nonce = sys.argv[4].encode(), int(sys.argv[5]), bytes.fromhex(sys.argv[6])
    head = bytes([1, flags, 0, 0]) + serial.ljust(16, b"\0") + struct.pack("<I", n) + nonce
    print(hmac.new(k, b"LINF" + head, hashlib.sha256).hexdigest()[:32])
elif cmd == "blob":  # blob K0HEX N SERIAL NONCEHEX < response; prints what is wrong
    serial, nonce = sys.argv[4].encode(), bytes.fromhex(sys.argv[5])
    r = json.load(sys.stdin)
    b = bytes.fromhex(r["blob"])
    L = struct.unpack("<H", b[52:54])[0]
    want = [(b[:4], b"LCB1"), (b[4:20], serial.ljust(16, b"\0")),
            (struct.unpack("<I", b[20:24])[0], n), (b[24:40], nonce), (r["n"], n),
            (len(b), 54 + L + 16), (1 <= L <= 200, True)]
    bad = [f"{got!r} != {exp!r}" for got, exp in want if got != exp]
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError:
        print("; ".join(bad) if bad else "ok (GCM not checked: no python3 cryptography)")
        sys.exit(1 if bad else 0)
    try:
        pt = AESGCM(k).decrypt(b[40:52], b[54:], b[:54])
        if pt[:2] != b"\1\3" or pt[2:5] != b"lab" or pt[5:7] != b"\2\13":
            bad.append(f"plaintext {pt!r}")
    except Exception as e:
        bad.append(f"GCM under K({n}) failed: {e!r}")
    print("; ".join(bad) if bad else "ok")
    sys.exit(1 if bad else 0)
EOF
lamp() { python3 "$work/lamp.py" "$@"; }

printf 'pass word 1\n' | "$lampcloud" installer add alice --fleet "$fleet" >/dev/null
check $? "lampcloud installer add reads the password from stdin"
printf 'other\n' | "$lampcloud" installer add alice --fleet "$fleet" >/dev/null 2>&1
check $(( $? == 2 ? 0 : 1 )) "an existing installer is refused without --replace (exit 2)"
printf '\n' | "$lampcloud" installer add bob --fleet "$fleet" >/dev/null 2>&1
check $(( $? == 2 ? 0 : 1 )) "an empty password is refused"
row=$(sql "SELECT length(salt_hex), length(hash_hex), iterations FROM installers WHERE name='alice'")
check_that "installers row: 16-byte salt, 32-byte hash, 100000 iterations ($row)" [ "$row" = "32|64|100000" ]

mqtt=$(free_port) https=$(free_port) cport=$(free_port)
lampcloud_start "$lampcloud" "$work/cloud.log" --fleet "$fleet" --state-dir "$work/cloud" \
    --mqtt-port "$mqtt" --https-port "$https" --commission-port "$cport" ||
    { sed 's/^/# /' "$work/cloud.log"; bail "lampcloud serve did not start"; }
check_that "serve prints the commissioning URL" grep -q "lampcloud: commissioning https://localhost:$cport/api/" "$work/cloud.log"
check_that "and saves commission_port in lampcloud.ini" grep -qx "commission_port=$cport" "$work/cloud/lampcloud.ini"

api="https://localhost:$cport/api"
# post PATH BODY [TOKEN]: prints the body, then the status on its own line
post() {
    curl -s --cacert "$fleet/cloud-ca.crt" -w '\n%{http_code}' ${3:+-H "Authorization: Bearer $3"} \
        -H 'Content-Type: application/json' -d "$2" "$api/$1"
}
status() { tail -n1 <<< "$1"; }
body() { sed '$d' <<< "$1"; }

r=$(post login '{"user":"alice","password":"pass word 1"}')
token=$(body "$r" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["expires_in"] == 3600; print(d["token"])' 2>/dev/null)
check_that "login: 200, a 64-hex token for 3600 s ($(status "$r"))" \
    bash -c '[ "$0" = 200 ] && [[ $1 =~ ^[0-9a-f]{64}$ ]]' "$(status "$r")" "$token"
r1=$(post login '{"user":"alice","password":"pass word 2"}')
r2=$(post login '{"user":"mallory","password":"pass word 1"}')
check_that "a wrong password and an unknown name: the same 401" \
    bash -c '[ "$(tail -n1 <<< "$0")" = 401 ] && [ "$0" = "$1" ]' "$r1" "$r2"

k0=$(sql "SELECT commission_key_hex FROM lamps WHERE serial='CM-1'")
nonce=000102030405060708090a0b0c0d0e0f
order() { # order SERIAL N FLAGS PROOF [PASSPHRASE]
    printf '{"serial":"%s","n":%s,"flags":%s,"nonce":"%s","proof":"%s","ssid":"lab","passphrase":"%s"}' \
        "$1" "$2" "$3" "$nonce" "$4" "${5:-password123}"
}
p0=$(lamp proof "$k0" 0 CM-1 0 "$nonce")
check_that "commission without a token: 401" [ "$(status "$(post commission "$(order CM-1 0 0 "$p0")")")" = 401 ]
check_that "with a made-up token: 401" \
    [ "$(status "$(post commission "$(order CM-1 0 0 "$p0")" "$(printf '%064d' 0)")")" = 401 ]
check_that "an unknown serial: 403" [ "$(status "$(post commission "$(order CM-9 0 0 "$p0")" "$token")")" = 403 ]
"$lampfactory" revoke --fleet "$fleet" --serial CM-2 >/dev/null || bail "lampfactory revoke"
k0b=$(sql "SELECT commission_key_hex FROM lamps WHERE serial='CM-2'")
r=$(post commission "$(order CM-2 0 0 "$(lamp proof "$k0b" 0 CM-2 0 "$nonce")")" "$token")
check_that "a revoked lamp: 403 ($(body "$r"))" [ "$(status "$r")" = 403 ]

r=$(post commission "$(order CM-1 0 0 "$p0")" "$token")
check_that "a proof under the registry's K(0): 200" [ "$(status "$r")" = 200 ]
why=$(body "$r" | lamp blob "$k0" 0 CM-1 "$nonce")
check $? "the blob: LCB1, serial16, n=0, the nonce, L, opens under K(0) ($why)"
check_that "the registry stays at n=0 (the lamp has not used the blob yet)" [ "$(sql "SELECT commission_n FROM lamps WHERE serial='CM-1'")" = 0 ]
r=$(post commission "$(order CM-1 0 1 "$p0")" "$token")
check_that "the same proof with other flags (the commissioned bit): 409" [ "$(status "$r")" = 409 ]
r=$(post commission "$(order CM-1 0 0 "$(lamp proof "$k0" 1 CM-1 0 "$nonce")")" "$token")
check_that "a proof under K(1) claiming n=0: 409" [ "$(status "$r")" = 409 ]
r=$(post commission "$(order CM-1 0 0 "$p0" passwor)" "$token")
check_that "a 7-byte passphrase: 400 ($(body "$r"))" [ "$(status "$r")" = 400 ]
r=$(post commission '{"serial":"CM-1"' "$token")
check_that "a body that is not JSON: 400" [ "$(status "$r")" = 400 ]

# The lamp used two blobs whose reports never arrived: it is at n=2.
r=$(post commission "$(order CM-1 2 1 "$(lamp proof "$k0" 2 CM-1 1 "$nonce")")" "$token")
check_that "a lamp two keys ahead, proof under K(2): 200" [ "$(status "$r")" = 200 ]
why=$(body "$r" | lamp blob "$k0" 2 CM-1 "$nonce")
check $? "its blob is made for n=2 under K(2) ($why)"
check_that "the registry moved to n=2 and K(2)" \
    [ "$(sql "SELECT commission_n, commission_key_hex FROM lamps WHERE serial='CM-1'")" = "2|$(lamp key "$k0" 2)" ]
r=$(post commission "$(order CM-1 6 0 "$(lamp proof "$k0" 6 CM-1 0 "$nonce")")" "$token")
check_that "a lamp four keys ahead of the registry: 409 ($(body "$r"))" [ "$(status "$r")" = 409 ]

# An installer's app keeps one connection for many lamps.
p2=$(lamp proof "$k0" 2 CM-1 0 "$nonce")
curl -sv --cacert "$fleet/cloud-ca.crt" -H "Authorization: Bearer $token" -d "$(order CM-1 2 0 "$p2")" \
    "$api/commission" --next --cacert "$fleet/cloud-ca.crt" -H "Authorization: Bearer $token" \
    -d "$(order CM-1 2 0 "$p2")" "$api/commission" > "$work/keepalive.out" 2>&1
check_that "two requests on one kept-alive connection, both 200" \
    bash -c 'grep -q "Re-using existing connection" "$0" && [ "$(grep -c "< HTTP/1.1 200" "$0")" = 2 ]' "$work/keepalive.out"

# The lamp reports its counter after connecting: the follower moves the key.
mosquitto_pub -h localhost -p "$mqtt" --cafile "$fleet/cloud-ca.crt" -i cloud:cli \
    --cert "$work/cloud/cloud-cli.crt" --key "$work/cloud/cloud-cli.key" -q 1 \
    -t lamp/CM-1/commissioned -m '{"n":3}' || bail "mosquitto_pub"
for _ in $(seq 50); do grep -q "commissioned CM-1 n=3 (key advanced)" "$work/cloud.log" && break; sleep 0.1; done
check_that "{\"n\":3} on lamp/CM-1/commissioned: the registry moves to n=3 and K(3)" \
    [ "$(sql "SELECT commission_n, commission_key_hex FROM lamps WHERE serial='CM-1'")" = "3|$(lamp key "$k0" 3)" ]

"$lampcloud" installer remove alice --fleet "$fleet" >/dev/null
r=$(post commission "$(order CM-1 3 0 "$(lamp proof "$k0" 3 CM-1 0 "$nonce")")" "$token")
check_that "a removed installer's token: 401" [ "$(status "$r")" = 401 ]

# SIGTERM: every connection closed, every thread joined (under ASan, no leak).
kill "$lampcloud_pid"
wait "$lampcloud_pid"
rc=$?
lampcloud_pid=
check_that "lampcloud serve stops cleanly on SIGTERM (status $rc)" \
    bash -c '[ "$0" = 0 ] && ! grep -q "Sanitizer" "$1"' "$rc" "$work/cloud.log"

echo "1..$n"
[ $failed -ne 0 ] && { echo "# lampcloud output:"; tail -40 "$work/cloud.log" | sed 's/^/#   /'; }
exit $(( failed ? 1 : 0 ))

#!/usr/bin/env bash
# Lamps against real TLS peers on loopback: Debian's mosquitto configured
# for mutual TLS 1.2 (the lamp connects, publishes its state, resumes its
# session after a dropped connection, reports a crash record), and openssl
# s_server as hostile servers the lamp must refuse, each refusal named
# (the alert the server sent, an intermediate that is no CA).  The lamp side is
# cloud_tls.lua (lampsim scenario).  Output: TAP (from lampsim scenario).
# Usage: cloud_tls.sh LAMPSIM FIRMWARE_DIR
set -uo pipefail
lampsim=$1 fw=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

fleet="$fw/dev-fleet"
. "$here/../../tools/lampcloud_start.sh" # free_port
bail() { echo "Bail out! $*"; exit 1; }

# A server certificate: issue NAME CN SAN CA_CERT CA_KEY [KEYTYPE]
issue() {
    local name=$1 cn=$2 san=$3 cacert=$4 cakey=$5 type=${6:-ec}
    if [ "$type" = rsa ]; then
        openssl genrsa -out "$work/$name.key" 2048 2>/dev/null
    else
        openssl ecparam -name prime256v1 -genkey -noout -out "$work/$name.key"
    fi
    openssl req -new -key "$work/$name.key" -subj "/CN=$cn" -out "$work/$name.csr" &&
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" > "$work/$name.ext" &&
    openssl x509 -req -in "$work/$name.csr" -CA "$cacert" -CAkey "$cakey" -CAcreateserial \
        -days 30 -extfile "$work/$name.ext" -out "$work/$name.crt" 2>/dev/null
}
cloud_ca="$fleet/cloud-ca.crt" cloud_key="$fleet/cloud-ca.key"
issue good localhost "DNS:localhost,IP:127.0.0.1" "$cloud_ca" "$cloud_key" || bail "issuing the server certificate"
issue wrongname other.example "DNS:other.example" "$cloud_ca" "$cloud_key" || bail "issuing"
issue rsa localhost "DNS:localhost" "$cloud_ca" "$cloud_key" rsa || bail "issuing"
openssl ecparam -name prime256v1 -genkey -noout -out "$work/other-ca.key"
openssl req -x509 -new -key "$work/other-ca.key" -subj "/CN=Some Other CA" -days 30 \
    -out "$work/other-ca.crt" 2>/dev/null || bail "other CA"
issue foreign localhost "DNS:localhost" "$work/other-ca.crt" "$work/other-ca.key" || bail "issuing"
# Chains through an intermediate signed by the cloud CA: one that is a CA,
# one whose basicConstraints say CA:FALSE (the lamp must name that).
intermediate() { # NAME CA:TRUE|CA:FALSE
    openssl ecparam -name prime256v1 -genkey -noout -out "$work/$1.key" &&
    openssl req -new -key "$work/$1.key" -subj "/CN=Cloud Intermediate $2" -out "$work/$1.csr" &&
    printf 'basicConstraints=critical,%s\nkeyUsage=critical,keyCertSign,digitalSignature\n' "$2" \
        > "$work/$1.ext" &&
    openssl x509 -req -in "$work/$1.csr" -CA "$cloud_ca" -CAkey "$cloud_key" -CAcreateserial \
        -days 30 -extfile "$work/$1.ext" -out "$work/$1.crt" 2>/dev/null
}
intermediate inter-ca CA:TRUE || bail "intermediate CA"
intermediate inter-notca CA:FALSE || bail "intermediate that is no CA"
issue via-ca localhost "DNS:localhost" "$work/inter-ca.crt" "$work/inter-ca.key" || bail "issuing"
issue via-notca localhost "DNS:localhost" "$work/inter-notca.crt" "$work/inter-notca.key" || bail "issuing"
# Expired: signed by the cloud CA, validity entirely in the past.
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = p
copy_extensions = copy
[p]
commonName = supplied
CNF
: > "$work/index.txt"; echo 1000 > "$work/serial"
openssl ecparam -name prime256v1 -genkey -noout -out "$work/expired.key"
openssl req -new -key "$work/expired.key" -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost" -out "$work/expired.csr"
openssl ca -batch -config "$work/ca.cnf" -cert "$cloud_ca" -keyfile "$cloud_key" \
    -startdate 20200101000000Z -enddate 20200201000000Z -in "$work/expired.csr" \
    -out "$work/expired.crt" >/dev/null 2>&1 || bail "expired certificate"

# The broker: mutual TLS 1.2, the one suite, lamps verified against the device CA.
mqtt=$(free_port)
cat > "$work/mosquitto.conf" <<CONF
listener $mqtt 127.0.0.1
cafile $fleet/device-ca.crt
certfile $work/good.crt
keyfile $work/good.key
require_certificate true
use_identity_as_username true
tls_version tlsv1.2
ciphers ECDHE-ECDSA-AES128-GCM-SHA256
allow_anonymous false
persistence false
log_dest stderr
log_type error
log_type notice
CONF
[ "$(id -u)" = 0 ] && echo "user root" >> "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" 2>"$work/mosquitto.log" &
pids+=($!)

# A broker that trusts another device CA: refuses every lamp of this fleet.
mqtt_untrusting=$(free_port)
sed -e "s|^listener .*|listener $mqtt_untrusting 127.0.0.1|" \
    -e "s|^cafile .*|cafile $work/other-ca.crt|" "$work/mosquitto.conf" > "$work/untrusting.conf"
mosquitto -c "$work/untrusting.conf" 2>"$work/untrusting.log" &
pids+=($!)

# Hostile servers: each one thing wrong.
server() { # PORT args...
    local port=$1; shift
    openssl s_server -quiet -accept "127.0.0.1:$port" "$@" </dev/null >/dev/null 2>&1 &
    pids+=($!)
}
p_foreign=$(free_port);  server "$p_foreign" -cert "$work/foreign.crt" -key "$work/foreign.key" -tls1_2
p_name=$(free_port);     server "$p_name" -cert "$work/wrongname.crt" -key "$work/wrongname.key" -tls1_2
p_expired=$(free_port);  server "$p_expired" -cert "$work/expired.crt" -key "$work/expired.key" -tls1_2
p_tls11=$(free_port);    server "$p_tls11" -cert "$work/good.crt" -key "$work/good.key" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
p_rsa=$(free_port);      server "$p_rsa" -cert "$work/rsa.crt" -key "$work/rsa.key" -tls1_2 -cipher 'ECDHE-RSA-AES128-GCM-SHA256'
p_cbc=$(free_port);      server "$p_cbc" -cert "$work/good.crt" -key "$work/good.key" -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA'
p_via_ca=$(free_port);   server "$p_via_ca" -cert "$work/via-ca.crt" -key "$work/via-ca.key" -cert_chain "$work/inter-ca.crt" -tls1_2
p_via_notca=$(free_port); server "$p_via_notca" -cert "$work/via-notca.crt" -key "$work/via-notca.key" -cert_chain "$work/inter-notca.crt" -tls1_2

# Wait until every listener is up.
for p in $mqtt $mqtt_untrusting $p_foreign $p_name $p_expired $p_tls11 $p_rsa $p_cbc $p_via_ca $p_via_notca; do
    for _ in $(seq 50); do
        (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break
        sleep 0.1
    done
done

# What the broker receives, seen by a subscriber with a lamp-less identity:
# the broker's own trust (device CA) admits a certificate from that CA.
openssl ecparam -name prime256v1 -genkey -noout -out "$work/watcher.key"
openssl req -new -key "$work/watcher.key" -subj /CN=test-watcher -out "$work/watcher.csr"
openssl x509 -req -in "$work/watcher.csr" -CA "$fleet/device-ca.crt" -CAkey "$fleet/device-ca.key" \
    -CAcreateserial -days 1 -out "$work/watcher.crt" 2>/dev/null
mosquitto_sub -h localhost -p "$mqtt" --cafile "$cloud_ca" --cert "$work/watcher.crt" \
    --key "$work/watcher.key" --tls-version tlsv1.2 -t 'lamp/#' -v > "$work/seen.txt" 2>"$work/sub.err" &
pids+=($!)

export FLEET="$fleet" MQTT_PORT=$mqtt MQTT_UNTRUSTING_PORT=$mqtt_untrusting SEEN="$work/seen.txt"
export P_FOREIGN=$p_foreign P_NAME=$p_name P_EXPIRED=$p_expired P_TLS11=$p_tls11 P_RSA=$p_rsa P_CBC=$p_cbc
export P_VIA_CA=$p_via_ca P_VIA_NOTCA=$p_via_notca
"$lampsim" scenario "$here/cloud_tls.lua"
rc=$?
if [ $rc -ne 0 ]; then
    echo "# mosquitto log:"; sed 's/^/#   /' "$work/mosquitto.log" | tail -20
    echo "# subscriber saw:"; sed 's/^/#   /' "$work/seen.txt" | tail -10
fi
exit $rc

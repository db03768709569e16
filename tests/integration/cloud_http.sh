#!/usr/bin/env bash
# The reference cloud's HTTPS services (libsoup, tools/lampcloud/
# https_service.c) at the byte level, as tests/unit/cloud tested the
# hand-written HTTP/1.1 framing they replaced: requests pipelined on one
# kept-alive connection and read apart whatever the TLS records cut them
# into, 100 Continue, HTTP/1.0, the requests the commissioning service
# refuses before their body (413, 501, 411, 400, 505, 431) answered at once
# and the connection closed; then the image server's client certificates
# (the device CA's accepted; none, another CA's, an expired one refused at
# the handshake) and its byte ranges on one kept-alive connection.  The
# client is python3's ssl module writing raw bytes.  TAP.
# Usage: cloud_http.sh LAMPCLOUD FIRMWARE_DIR
set -uo pipefail
lampcloud=$1 fw=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tools/lampcloud_start.sh"
lampcloud_session
bail() { echo "Bail out! $*"; exit 1; }
. "$here/tap.sh"

# raw PORT STEP REQUEST [CERT KEY]: REQUEST (with \r and \n escapes) over TLS, STEP
# bytes a TLS record; prints what the server sent until it closed, then
# "[closed]", or "[timeout]" when it did not close within 5 s, or the
# handshake's failure.
cat > "$work/raw.py" <<'PY'
import socket, ssl, sys
port, ca, step, data = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
data = data.replace("\\r", "\r").replace("\\n", "\n").encode("latin-1")
ctx = ssl.create_default_context(cafile=ca)
if len(sys.argv) > 6:
    ctx.load_cert_chain(sys.argv[5], sys.argv[6])
out = b""
try:
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
    s.settimeout(5)
    for i in range(0, len(data), step):
        s.sendall(data[i:i + step])
    while True:
        b = s.recv(65536)
        if not b:
            out += b"[closed]"
            break
        out += b
except socket.timeout:
    out += b"[timeout]"
except (ssl.SSLError, OSError) as e:
    out += f"[refused: {e}]".encode()
sys.stdout.write(out.decode("latin-1"))
PY
raw() { local port=$1 step=$2 req=$3; shift 3; python3 "$work/raw.py" "$port" "$ca" "$step" "$req" "$@"; }
statuses() { grep -a -o -E 'HTTP/1\.[01] [0-9]{3}' | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//'; }

cp -r "$fw/dev-fleet" "$work/fleet" || bail "copying the dev fleet"
ca="$work/fleet/cloud-ca.crt"
mqtt=$(free_port) https=$(free_port) cport=$(free_port)
lampcloud_start "$lampcloud" "$work/cloud.log" --fleet "$work/fleet" --state-dir "$work/cloud" \
    --mqtt-port "$mqtt" --https-port "$https" --commission-port "$cport" ||
    { sed 's/^/# /' "$work/cloud.log"; bail "lampcloud serve did not start"; }

# ---- the commissioning service's framing ----
pipelined='POST /api/login HTTP/1.1\r\nHost: x\r\ncontent-length: 5\r\n\r\n{"a"}'
pipelined+='POST /api/commission HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\n'
pipelined+='Content-Length: 2\r\nExpect: 100-continue\r\n\r\n{}'
pipelined+='GET /x HTTP/1.0\r\n\r\n'
for step in 1 7 4096; do
    out=$(raw "$cport" "$step" "$pipelined")
    s=$(statuses <<< "$out")
    # (libsoup sends the 100 Continue even when the body came with the
    # headers, which RFC 9110 10.1.1 allows)
    [ "$s" = "400 100 401 404" ] && [ "$(grep -ac '^Connection: keep-alive' <<< "$out")" = 2 ] &&
        grep -aq '^HTTP/1.0 404' <<< "$out" && grep -aq '^Connection: close' <<< "$out" &&
        [[ $out == *'[closed]' ]]
    check $? "three pipelined requests in TLS records of $step bytes: answered apart and in order, kept alive, closed after the HTTP/1.0 one ($s)"
done
out=$(raw "$cport" 4096 'GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /y HTTP/1.1\r\nHost: x\r\n\r\n')
[ "$(statuses <<< "$out")" = 404 ] && [[ $out == *'[closed]' ]]
check $? "Connection: close ends the connection after its answer ($(statuses <<< "$out"))"

# What cannot be taken is answered before its body, which never comes
# here, and the connection closed.  Changed from the hand-written parser:
# a header line without a colon is dropped by libsoup (RFC 9112 leaves a
# server free to), so that POST is one without Content-Length: 411; a
# request line without a version is 400 as before; a header block that
# never ends is cut by libsoup at its own limit (64 KiB) without an answer.
while IFS='|' read -r want req; do
    out=$(raw "$cport" 4096 "$req")
    [ "$(statuses <<< "$out")" = "$want" ] && [[ $out == *'[closed]' ]] &&
        grep -aq '^Content-Type: application/json' <<< "$out" && grep -aq '{"error":' <<< "$out"
    check $? "$want, a JSON error and the connection closed: ${req:0:60} ($(statuses <<< "$out"; grep -ao '\[[a-z]*\]$' <<< "$out"))"
done <<'CASES'
413|POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 4097\r\n\r\n
501|POST /api/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n
411|POST /api/login HTTP/1.1\r\nHost: x\r\n\r\n
400|POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n
400|POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n
400|POST /api/login\r\nHost: x\r\n\r\n
505|POST /api/login HTTP/2.0\r\nHost: x\r\n\r\n
411|POST /api/login HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n
400|POST /api/login HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}
CASES
big=$(head -c 9000 /dev/zero | tr '\0' a)
out=$(raw "$cport" 4096 "POST /api/login HTTP/1.1\r\nHost: x\r\nX-Big: $big\r\nContent-Length: 2\r\n\r\n")
[ "$(statuses <<< "$out")" = 431 ] && [[ $out == *'[closed]' ]]
check $? "headers over 8 KiB: 431 and closed ($(statuses <<< "$out"))"

# ---- the image server: client certificates and ranges ----
cert=(--cert "$work/cloud/cloud-cli.crt" --key "$work/cloud/cloud-cli.key")
mkdir -p "$work/cloud/images"
# (text: the responses on one connection are read as text)
head -c 75000 /dev/urandom | base64 -w0 > "$work/cloud/images/t.img"
issue() { # issue NAME CA_CRT CA_KEY [OPENSSL X509 ARGS...]: a client certificate CN=cloud:NAME
    local name=$1 cacrt=$2 cakey=$3
    shift 3
    openssl ecparam -name prime256v1 -genkey -noout -out "$work/$name.key" &&
    openssl req -new -key "$work/$name.key" -subj "/CN=cloud:$name" -out "$work/$name.csr" &&
    printf 'extendedKeyUsage=clientAuth\n' > "$work/$name.ext" &&
    openssl x509 -req -in "$work/$name.csr" -CA "$cacrt" -CAkey "$cakey" -CAcreateserial \
        -extfile "$work/$name.ext" -out "$work/$name.crt" "$@" 2>/dev/null
}
openssl ecparam -name prime256v1 -genkey -noout -out "$work/other-ca.key"
openssl req -x509 -new -key "$work/other-ca.key" -subj "/CN=Other CA" -days 30 \
    -out "$work/other-ca.crt" 2>/dev/null || bail "another CA"
issue foreign "$work/other-ca.crt" "$work/other-ca.key" -days 30 || bail "issuing foreign"
issue servonly "$work/fleet/device-ca.crt" "$work/fleet/device-ca.key" -days 30 || bail "issuing"
printf 'extendedKeyUsage=serverAuth\n' > "$work/servonly.ext"
openssl x509 -req -in "$work/servonly.csr" -CA "$work/fleet/device-ca.crt" \
    -CAkey "$work/fleet/device-ca.key" -CAcreateserial -extfile "$work/servonly.ext" \
    -out "$work/servonly.crt" -days 30 2>/dev/null || bail "issuing servonly"
# expired: from the device CA, its validity entirely in the past
printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s/index.txt\nnew_certs_dir = %s\nserial = %s/serial\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\n[p]\ncommonName = supplied\n' \
    "$work" "$work" "$work" > "$work/ca.cnf"
: > "$work/index.txt"; echo 1000 > "$work/serial"
openssl ecparam -name prime256v1 -genkey -noout -out "$work/expired.key"
openssl req -new -key "$work/expired.key" -subj /CN=cloud:expired -out "$work/expired.csr"
openssl ca -batch -config "$work/ca.cnf" -cert "$work/fleet/device-ca.crt" \
    -keyfile "$work/fleet/device-ca.key" -startdate 20200101000000Z -enddate 20200201000000Z \
    -in "$work/expired.csr" -out "$work/expired.crt" >/dev/null 2>&1 || bail "expired certificate"

get='GET /t.img HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
out=$(raw "$https" 4096 "$get" "${cert[@]:1:1}" "${cert[@]:3:1}")
[ "$(statuses <<< "$out")" = 200 ]
check $? "a client certificate from the device CA: 200 ($(statuses <<< "$out"))"
for who in none foreign servonly expired; do
    if [ $who = none ]; then out=$(raw "$https" 4096 "$get")
    else out=$(raw "$https" 4096 "$get" "$work/$who.crt" "$work/$who.key"); fi
    ! grep -aq '^HTTP/' <<< "$out"
    check $? "client certificate $who: no answer, the handshake fails ($(tail -c 80 <<< "$out"))"
done
sleep 0.3
for why in "unable to get local issuer certificate" "unsuitable certificate purpose" \
           "certificate has expired"; do
    grep -q "https: 127.0.0.1: TLS handshake refused: client certificate: $why" "$work/cloud.log"
    check $? "the log says why: $why"
done

# Ranges on one kept-alive connection.
size=100000
rq() { echo -n 'GET /t.img HTTP/1.1\r\nHost: x\r\nRange: '"$1"'\r\n\r\n'; }
out=$(raw "$https" 4096 "$(rq bytes=1000-1999)$(rq bytes=99990-)$(rq bytes=-10)$(rq bytes=5-200000)$(rq bytes=$size-)GET /t.img HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" \
      "$work/cloud/cloud-cli.crt" "$work/cloud/cloud-cli.key")
s=$(statuses <<< "$out")
[ "$s" = "206 206 206 206 416 200" ]
check $? "six requests on one connection: 206 206 206 206 416 200 ($s)"
for cr in "bytes 1000-1999/$size" "bytes 99990-99999/$size" "bytes 5-99999/$size" "bytes \*/$size"; do
    grep -aq "^Content-Range: $cr" <<< "$out"
    check $? "Content-Range: $cr"
done
want=$(dd if="$work/cloud/images/t.img" bs=1 skip=1000 count=1000 status=none)
got=$(python3 - "$work" "$https" "$ca" <<'PY'
import socket, ssl, sys
w, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(w + "/cloud/cloud-cli.crt", w + "/cloud/cloud-cli.key")
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
s.sendall(b"GET /t.img HTTP/1.1\r\nHost: x\r\nRange: bytes=1000-1999\r\nConnection: close\r\n\r\n")
out = b""
while (b := s.recv(65536)):
    out += b
print(out.split(b"\r\n\r\n", 1)[1].decode())
PY
)
[ "$got" = "$want" ]
check $? "bytes=1000-1999 are the file's bytes 1000 to 1999"

kill "$lampcloud_pid"
wait "$lampcloud_pid"
rc=$?
lampcloud_pid=
[ "$rc" = 0 ] && ! grep -q "Sanitizer" "$work/cloud.log"
check $? "lampcloud serve stops cleanly on SIGTERM (status $rc)"

echo "1..$n"
[ $failed -ne 0 ] && { echo "# lampcloud output:"; tail -40 "$work/cloud.log" | sed 's/^/#   /'; }
exit $(( failed ? 1 : 0 ))

#!/usr/bin/env bash
# Partner-app delivery, the reference cloud's half (docs/cloud.md#partner-apps),
# without running lamps: a copy of the build's development fleet with three
# provisioned lamps (one revoked), packages signed here with lampfactory
# sign-app, lampcloud serve on loopback ports, and lamp identities (client
# certificates CN=SERIAL from the fleet's device CA) for mosquitto_sub/pub
# and curl.  Checks: `app deploy` to one lamp and to --all publishes the
# retained offer (url, version, size) on each lamp's lamp/SERIAL/appctl/NAME;
# the package downloads over HTTPS with a lamp's certificate (whole, and a
# Range answered 206 with the right bytes) and not without one; a file that
# is not a package, another fleet's package, a missing file, an unknown
# serial and a cloud that is not running give clear errors; `app remove`
# publishes {"remove":true}; statuses published by lamps are shown by
# `app status`; the broker keeps a lamp off another lamp's appctl and app
# topics and off writing its own offers.  TAP.
# Usage: cloud_apps.sh LAMPCLOUD LAMPFACTORY FIRMWARE_DIR
set -uo pipefail
lampcloud=$1 lampfactory=$2 fw=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tools/lampcloud_start.sh"
lampcloud_session
bail() { echo "Bail out! $*"; exit 1; }
. "$here/tap.sh"
# check_that NAME COMMAND...: ok when COMMAND succeeds
check_that() { local d=$1; shift; "$@"; check $? "$d"; }

fleet="$work/fleet" state="$work/cloud"
cp -r "$fw/dev-fleet" "$fleet" || bail "copying the development fleet"
# its keys, not the lamps other tests provisioned into it: --all is ours
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM lamps"); c.commit()' \
    "$fleet/registry.sqlite" || bail "emptying the copy's registry"
for s in APP-1 APP-2 APP-3; do
    "$lampfactory" provision --fleet "$fleet" --state-dir "$work/$s" --serial "$s" \
        --image "$fw/app.img" --bootloader "$fw/bootloader.bin" >/dev/null || bail "provisioning $s"
done
"$lampfactory" revoke --fleet "$fleet" --serial APP-3 >/dev/null || bail "lampfactory revoke"

# A lamp's identity as the broker and the image server know it.
for s in APP-1 APP-2; do
    openssl ecparam -name prime256v1 -genkey -noout -out "$work/$s.key" &&
    openssl req -new -key "$work/$s.key" -subj "/CN=$s" -out "$work/$s.csr" &&
    printf 'extendedKeyUsage = clientAuth\n' > "$work/$s.ext" &&
    openssl x509 -req -in "$work/$s.csr" -CA "$fleet/device-ca.crt" -CAkey "$fleet/device-ca.key" \
        -CAcreateserial -days 30 -extfile "$work/$s.ext" -out "$work/$s.crt" 2>/dev/null ||
        bail "issuing $s's certificate"
done

# app NAME VERSION FLEET OUT: a package signed by FLEET's app-signing key
app() {
    cat > "$work/$1.conf" <<EOF
name = $1
version = $2
apis = light, messages, log
memory = 12288
instructions_per_callback = 100000
instructions_per_second = 1000000
messages_per_minute = 10
storage = 0
timers = 0
EOF
    printf -- '-- %s %s\nlamp.log("hello from %s")\n' "$1" "$2" "$1" > "$work/$1.lua"
    "$lampfactory" sign-app --fleet "$3" "$work/$1.conf" "$work/$1.lua" -o "$4" >/dev/null
}
app hello 1.0.0 "$fleet" "$work/hello-1.lpk" || bail "lampfactory sign-app"
app hello 1.1.0 "$fleet" "$work/hello-2.lpk" || bail "lampfactory sign-app"
"$lampfactory" fleet-init --fleet "$work/other" >/dev/null 2>&1 || bail "lampfactory fleet-init"
app hello 1.0.0 "$work/other" "$work/other.lpk" || bail "lampfactory sign-app (other fleet)"

out=$("$lampcloud" app deploy APP-1 "$work/hello-1.lpk" --state-dir "$state" 2>&1)
rc=$?
check_that "deploy without a running cloud: exit 1, says so ($out)" \
    bash -c '[ "$0" = 1 ] && grep -q "lampcloud.ini.*is .lampcloud serve --state-dir .* running" <<< "$1"' "$rc" "$out"

mqtt=$(free_port) https=$(free_port) cport=$(free_port)
lampcloud_start "$lampcloud" "$work/cloud.log" --fleet "$fleet" --state-dir "$state" \
    --mqtt-port "$mqtt" --https-port "$https" --commission-port "$cport" ||
    { sed 's/^/# /' "$work/cloud.log"; bail "lampcloud serve did not start"; }

# as WHO (a serial, or cloud): mosquitto_sub/pub with that identity
tls() {
    if [ "$1" = cloud ]; then echo -i cloud:cli --cert "$state/cloud-cli.crt" --key "$state/cloud-cli.key"
    else echo -i "$1" --cert "$work/$1.crt" --key "$work/$1.key"; fi
}
# retained WHO TOPIC: the retained message on TOPIC as WHO sees it ("r TOPIC PAYLOAD"), or nothing
retained() {
    # shellcheck disable=SC2046
    mosquitto_sub -h localhost -p "$mqtt" --cafile "$fleet/cloud-ca.crt" $(tls "$1") -q 1 \
        -t "$2" -F '%r %t %p' --retained-only -C 1 -W 3 2>/dev/null
}
pub() { # pub WHO TOPIC PAYLOAD: retained, QoS 1
    # shellcheck disable=SC2046
    mosquitto_pub -h localhost -p "$mqtt" --cafile "$fleet/cloud-ca.crt" $(tls "$1") -q 1 -r \
        -t "$2" -m "$3"
}
size1=$(stat -c %s "$work/hello-1.lpk") size2=$(stat -c %s "$work/hello-2.lpk")
url1="https://localhost:$https/hello-1.0.0.lpk"

# ---- deploy to one lamp
out=$("$lampcloud" app deploy APP-1 "$work/hello-1.lpk" --state-dir "$state" 2>&1)
check_that "deploy APP-1: exit 0" [ $? = 0 ]
check_that "it names the package, its version and APIs" \
    grep -q "^package hello 1.0.0: $size1 bytes (.* of source), APIs light, messages, log;" <<< "$out"
check_that "and where it is served ($url1)" grep -qx "served at $url1" <<< "$out"
check_that "and the summary" grep -q "^offered hello: 1 lamp " <<< "$out"
want1="{\"url\":\"$url1\",\"version\":\"1.0.0\",\"size\":$size1}"
got=$(retained APP-1 lamp/APP-1/appctl/hello)
check_that "APP-1 finds the retained offer on lamp/APP-1/appctl/hello ($got)" \
    [ "$got" = "1 lamp/APP-1/appctl/hello $want1" ]
check_that "the file is in the images directory" cmp -s "$work/hello-1.lpk" "$state/images/hello-1.0.0.lpk"

# ---- the download, as a lamp makes it
lampcurl() { curl -s --cacert "$fleet/cloud-ca.crt" --cert "$work/APP-1.crt" --key "$work/APP-1.key" "$@"; }
code=$(lampcurl -o "$work/got.lpk" -w '%{http_code}' "$url1")
check_that "GET with APP-1's certificate: 200 and the package's bytes ($code)" \
    bash -c '[ "$0" = 200 ] && cmp -s "$1" "$2"' "$code" "$work/got.lpk" "$work/hello-1.lpk"
code=$(lampcurl -o "$work/part" -D "$work/headers" -w '%{http_code}' -H 'Range: bytes=100-355' "$url1")
check_that "Range: bytes=100-355 gives 206, Content-Range and bytes 100..355 ($code)" \
    bash -c '[ "$0" = 206 ] && grep -qi "^content-range: bytes 100-355/$1" "$2" &&
             cmp -s "$3" <(tail -c +101 "$4" | head -c 256)' "$code" "$size1" "$work/headers" \
    "$work/part" "$work/hello-1.lpk"
code=$(lampcurl -o /dev/null -w '%{http_code}' -H "Range: bytes=$((size1 - 10))-" "$url1")
check_that "a resume from 10 bytes before the end: 206 ($code)" [ "$code" = 206 ]
curl -s --cacert "$fleet/cloud-ca.crt" -o "$work/nocert" "$url1"
rc=$?
check_that "without a client certificate: no package (curl status $rc)" \
    bash -c '[ "$0" != 0 ] && ! cmp -s "$1" "$2"' "$rc" "$work/nocert" "$work/hello-1.lpk"

# ---- deploy to every lamp
out=$("$lampcloud" app deploy --all "$work/hello-2.lpk" --state-dir "$state" 2>&1)
check_that "deploy --all: exit 0" [ $? = 0 ]
check_that "summary: the 2 active lamps, the revoked one left out" \
    grep -q "^offered hello: 2 lamps (.*); 1 revoked lamp left out" <<< "$out"
want2="{\"url\":\"https://localhost:$https/hello-1.1.0.lpk\",\"version\":\"1.1.0\",\"size\":$size2}"
for s in APP-1 APP-2; do
    got=$(retained "$s" "lamp/$s/appctl/hello")
    check_that "$s finds the 1.1.0 offer retained ($got)" [ "$got" = "1 lamp/$s/appctl/hello $want2" ]
done
check_that "none for the revoked APP-3" [ -z "$(retained cloud lamp/APP-3/appctl/hello)" ]
check_that "both versions stay served" \
    bash -c '[ -f "$0/hello-1.0.0.lpk" ] && [ -f "$0/hello-1.1.0.lpk" ]' "$state/images"

# ---- bad input
printf 'not a package at all, but long enough to have a header ......%0300d\n' 0 > "$work/junk.lpk"
out=$("$lampcloud" app deploy APP-1 "$work/junk.lpk" --state-dir "$state" 2>&1)
rc=$?
check_that "a file that is not a package: exit 1, the reason ($out)" \
    bash -c '[ "$0" = 1 ] && grep -q "junk.lpk: not an app package (bad magic)" <<< "$1"' "$rc" "$out"
head -c 200 "$work/hello-1.lpk" > "$work/short.lpk"
out=$("$lampcloud" app deploy APP-1 "$work/short.lpk" --state-dir "$state" 2>&1)
check_that "a truncated package: the reason ($out)" grep -q "short.lpk: app package truncated" <<< "$out"
out=$("$lampcloud" app deploy APP-1 "$work/other.lpk" --state-dir "$state" 2>&1)
rc=$?
check_that "another fleet's package: exit 1, the reason ($out)" \
    bash -c '[ "$0" = 1 ] && grep -q "other.lpk: app package is for another fleet" <<< "$1"' "$rc" "$out"
out=$("$lampcloud" app deploy APP-1 "$work/nothing.lpk" --state-dir "$state" 2>&1)
rc=$?
check_that "a missing file: exit 1, says so ($out)" \
    bash -c '[ "$0" = 1 ] && grep -q "nothing.lpk: no such file" <<< "$1"' "$rc" "$out"
out=$("$lampcloud" app deploy NOPE-9 "$work/hello-1.lpk" --state-dir "$state" 2>&1)
rc=$?
check_that "an unknown serial: exit 1, says so ($out)" \
    bash -c '[ "$0" = 1 ] && grep -q "no lamp NOPE-9 in the registry" <<< "$1"' "$rc" "$out"
out=$("$lampcloud" app deploy APP-3 "$work/hello-1.lpk" --state-dir "$state" 2>&1)
check_that "a revoked serial: refused ($out)" grep -q "lamp APP-3 is revoked" <<< "$out"
"$lampcloud" app deploy APP-1 --state-dir "$state" >/dev/null 2>&1
check_that "no package named: usage error (exit 2)" [ $? = 2 ]
"$lampcloud" app remove APP-1 'Bad Name' --state-dir "$state" >/dev/null 2>&1
check_that "remove with a name that no app can have: refused" [ $? != 0 ]
check_that "after all of that APP-1's offer is still 1.1.0" \
    [ "$(retained APP-1 lamp/APP-1/appctl/hello)" = "1 lamp/APP-1/appctl/hello $want2" ]

# ---- remove
out=$("$lampcloud" app remove APP-1 hello --state-dir "$state" 2>&1)
check_that "remove APP-1 hello: exit 0 ($(tail -n1 <<< "$out"))" [ $? = 0 ]
got=$(retained APP-1 lamp/APP-1/appctl/hello)
check_that "APP-1 finds {\"remove\":true} retained ($got)" \
    [ "$got" = '1 lamp/APP-1/appctl/hello {"remove":true}' ]
check_that "APP-2 keeps its install offer" \
    [ "$(retained APP-2 lamp/APP-2/appctl/hello)" = "1 lamp/APP-2/appctl/hello $want2" ]

# ---- statuses from the lamps
pub APP-2 lamp/APP-2/appctl/hello/status '{"state":"running","version":"1.1.0"}' ||
    bail "APP-2 publishing its status"
pub APP-1 lamp/APP-1/appctl/hello/status '{"state":"refused","version":"1.1.0","why":"app package signature invalid"}' ||
    bail "APP-1 publishing its status"
out=$("$lampcloud" app status --state-dir "$state" 2>&1)
check_that "app status: exit 0" [ $? = 0 ]
row() { awk -v s="$1" -v a="$2" '$1 == s && $2 == a' <<< "$out" | tr -s ' '; }
check_that "APP-2 hello: offered 1.1.0, running 1.1.0 ($(row APP-2 hello))" \
    [ "$(row APP-2 hello)" = "APP-2 hello 1.1.0 running 1.1.0 -" ]
check_that "APP-1 hello: offered remove, refused 1.1.0 and why ($(row APP-1 hello))" \
    [ "$(row APP-1 hello)" = "APP-1 hello remove refused 1.1.0 app package signature invalid" ]
check_that "a header line" grep -q "^SERIAL  *APP  *OFFERED  *STATE  *VERSION  *WHY" <<< "$out"
out=$("$lampcloud" app status APP-2 --state-dir "$state" 2>&1)
check_that "app status APP-2: only APP-2's row" \
    bash -c '[ "$(grep -c "^APP-" <<< "$0")" = 1 ] && grep -q "^APP-2 " <<< "$0"' "$out"
out=$("$lampcloud" app status NOPE-9 --state-dir "$state" 2>&1)
rc=$?
check_that "app status of an unknown serial: exit 1 ($out)" \
    bash -c '[ "$0" = 1 ] && grep -q "no lamp NOPE-9 in the registry" <<< "$1"' "$rc" "$out"
out=$("$lampcloud" app status APP-3 --state-dir "$state" 2>&1)
check_that "app status of the revoked APP-3: exit 0, nothing heard ($out)" \
    bash -c '[ "$0" = 0 ] && [ "$1" = "no app offers or statuses for lamp APP-3" ]' $? "$out"
check_that "the follower printed the lamp's status" \
    grep -q "APP-2: appctl/hello/status {\"state\":\"running\",\"version\":\"1.1.0\"}" \
    "$work/cloud.log"

# ---- the broker's ACL: a lamp keeps to its own topics
pub APP-2 lamp/APP-1/appctl/hello '{"url":"https://evil.example/x.lpk","version":"9.9.9","size":1}'
pub APP-2 lamp/APP-1/appctl/hello/status '{"state":"installed","version":"9.9.9"}'
pub APP-2 lamp/APP-1/app/hello/cmd '{"x":1}'
pub APP-2 lamp/APP-2/appctl/hello '{"url":"https://evil.example/x.lpk","version":"9.9.9","size":1}'
sleep 0.5
check_that "APP-2 cannot write APP-1's offer" \
    [ "$(retained cloud lamp/APP-1/appctl/hello)" = '1 lamp/APP-1/appctl/hello {"remove":true}' ]
check_that "nor APP-1's status" \
    [ "$(retained cloud lamp/APP-1/appctl/hello/status)" = '1 lamp/APP-1/appctl/hello/status {"state":"refused","version":"1.1.0","why":"app package signature invalid"}' ]
check_that "nor APP-1's app topics" [ -z "$(retained cloud lamp/APP-1/app/hello/cmd)" ]
check_that "nor its own offer (only the cloud offers apps)" \
    [ "$(retained cloud lamp/APP-2/appctl/hello)" = "1 lamp/APP-2/appctl/hello $want2" ]
for t in lamp/APP-1/appctl/hello lamp/APP-1/appctl/hello/status lamp/APP-1/app/hello/cmd \
         lamp/APP-2/appctl/hello; do
    check_that "the broker logged the denial of $t" grep -q "lamp APP-2 denied topic $t\$" "$work/cloud.log"
done
check_that "APP-2 does not see APP-1's offer through a wildcard" \
    [ -z "$(retained APP-2 'lamp/+/appctl/#')" ]
pub APP-2 lamp/APP-2/app/hello/out '{"y":2}'
check_that "but writes its own app topic" \
    [ "$(retained cloud lamp/APP-2/app/hello/out)" = '1 lamp/APP-2/app/hello/out {"y":2}' ]

# ---- the same version signed again
sed -i 's/^version = .*/version = 1.0.0/' "$work/hello.conf"
printf -- '-- hello 1.0.0, rebuilt\nlamp.log("hello again")\n' > "$work/hello.lua"
"$lampfactory" sign-app --fleet "$fleet" "$work/hello.conf" "$work/hello.lua" \
    -o "$work/hello-1b.lpk" >/dev/null || bail "lampfactory sign-app (1.0.0 again)"
out=$("$lampcloud" app deploy APP-2 "$work/hello-1b.lpk" --state-dir "$state" 2>&1)
check_that "1.0.0 signed again and deployed: exit 0, a warning that the served file changed" \
    bash -c '[ "$0" = 0 ] && grep -q "warning: hello-1.0.0.lpk held another package of hello 1.0.0" <<< "$1"' \
    $? "$out"
check_that "the new bytes are served" cmp -s "$work/hello-1b.lpk" "$state/images/hello-1.0.0.lpk"
out=$("$lampcloud" app deploy APP-2 "$work/hello-1b.lpk" --state-dir "$state" 2>&1)
check_that "deployed once more with the same bytes: no warning" bash -c '! grep -q warning <<< "$0"' "$out"

kill "$lampcloud_pid" && wait "$lampcloud_pid"
rc=$?
lampcloud_pid=
check_that "lampcloud serve stops cleanly on SIGTERM (status $rc)" \
    bash -c '[ "$0" = 0 ] && ! grep -q "Sanitizer" "$1"' "$rc" "$work/cloud.log"
out=$("$lampcloud" app remove --all hello --state-dir "$state" 2>&1)
rc=$?
check_that "remove with the cloud stopped: exit 1, the broker unreachable ($out)" \
    bash -c '[ "$0" = 1 ] && grep -q "connecting to the broker localhost:[0-9]* as cloud:cli" <<< "$1"' \
    "$rc" "$out"

echo "1..$n"
[ $failed -ne 0 ] && { echo "# lampcloud output:"; tail -40 "$work/cloud.log" | sed 's/^/#   /'; }
exit $(( failed ? 1 : 0 ))

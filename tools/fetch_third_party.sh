#!/usr/bin/env bash
# Unpacks the third-party source the firmware is built with from Debian's
# source packages into third_party/ (ignored by git, never committed):
#   third_party/mbedtls  mbedTLS 2.28 (package mbedtls)
#   third_party/cjson    cJSON 1.7.15 (package cjson)
#   third_party/lua5.4   Lua 5.4 (package lua5.4), the partner-app VM
# Idempotent: a package already unpacked at the wanted version is kept.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/third_party"
mkdir -p "$dest"

fetch() { # name package expected-upstream-version-prefix
    local name=$1 pkg=$2 want=$3 dir
    if [ -f "$dest/$name/.lampsim-version" ] &&
       grep -q "^$want" "$dest/$name/.lampsim-version"; then
        echo "fetch_third_party: $name $(cat "$dest/$name/.lampsim-version") already unpacked"
        return
    fi
    rm -rf "$dest/$name" "$dest/.work-$name"
    mkdir -p "$dest/.work-$name"
    (cd "$dest/.work-$name" && apt-get source -q --download-only "$pkg" >/dev/null &&
        dpkg-source -x ./*.dsc src >/dev/null) || {
        echo "fetch_third_party: apt-get source $pkg failed (is deb-src enabled? run tools/setup.sh)" >&2
        exit 1
    }
    dir="$dest/.work-$name/src"
    local ver
    ver=$(sed -n 's/^Version: //p' "$dest/.work-$name"/*.dsc | head -n 1)
    case "$ver" in
        "$want"*) ;;
        *) echo "fetch_third_party: $pkg is version $ver, lampsim needs $want" >&2; exit 1 ;;
    esac
    mv "$dir" "$dest/$name"
    echo "$ver" > "$dest/$name/.lampsim-version"
    rm -rf "$dest/.work-$name"
    echo "fetch_third_party: $name $ver unpacked into third_party/$name"
}

fetch mbedtls mbedtls 2.28
fetch cjson cjson 1.7.15
fetch lua5.4 lua5.4 5.4

#!/usr/bin/env bash
# Makes Unicorn 2.1 installable from Debian 13 (trixie) on Debian 12, and
# nothing else from there: Debian 12's Unicorn 2.0.1 sends every guest store
# through QEMU's slow "not dirty" path (~70 ns a store; docs/emulator.md),
# and trixie's libunicorn2t64 2.1.1 needs only libc6 >= 2.34.
#   - a trixie source (binary packages only: apt-get source must keep taking
#     mbedTLS 2.28 and cJSON from Debian 12);
#   - a pin of -1 for every trixie package, so apt never picks one by itself;
#   - a pin of 990 for libunicorn2t64 and libunicorn-dev alone.
# Exit 0: nothing to change; 10: files written (the caller must run apt-get
# update); anything else: failure.
set -euo pipefail

src=/etc/apt/sources.list.d/lampsim-trixie.sources
pref=/etc/apt/preferences.d/lampsim-trixie-unicorn
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

if [ ! -r "$keyring" ]; then
    echo "pin_unicorn_trixie: $keyring missing; install debian-archive-keyring" >&2
    exit 1
fi

want_src="# lampsim (tools/pin_unicorn_trixie.sh): Unicorn 2.1 only; see $pref
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: $keyring"

want_pref="# lampsim (tools/pin_unicorn_trixie.sh): nothing from trixie unless named here.
Package: *
Pin: release n=trixie
Pin-Priority: -1

Package: libunicorn2t64 libunicorn-dev
Pin: release n=trixie
Pin-Priority: 990"

changed=no
write_if_differs() { # path content
    if [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; then
        printf '%s\n' "$2" > "$1.tmp" && mv "$1.tmp" "$1"
        echo "pin_unicorn_trixie: wrote $1"
        changed=yes
    fi
}
write_if_differs "$pref" "$want_pref"
write_if_differs "$src" "$want_src"
[ $changed = yes ] && exit 10
exit 0

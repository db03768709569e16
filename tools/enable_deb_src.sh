#!/usr/bin/env bash
# Adds deb-src entries for the Debian mirrors this machine already uses, so
# that `apt-get source` works. Exit 0: nothing to change; 10: entries added
# (the caller must run apt-get update); anything else: failure.
set -euo pipefail

changed=no
shopt -s nullglob
for f in /etc/apt/sources.list.d/*.sources; do
    # lampsim's own trixie source is binary-only on purpose (pin_unicorn_trixie.sh)
    case "$(basename "$f")" in lampsim-*) continue ;; esac
    # deb822 files: a stanza "Types: deb" gains deb-src.
    if grep -Eq '^Types:[[:space:]]*deb[[:space:]]*$' "$f"; then
        sed -i -E 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb deb-src/' "$f"
        echo "enable_deb_src: added deb-src to $f"
        changed=yes
    fi
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # one-line format: each "deb URI suite comps" gets its deb-src twin.
    while read -r line; do
        src="deb-src${line#deb}"
        if ! grep -qxF "$src" "$f"; then
            echo "$src" >> "$f"
            echo "enable_deb_src: added '$src' to $f"
            changed=yes
        fi
    done < <(grep -E '^deb[[:space:]]' "$f" || true)
done
[ $changed = yes ] && exit 10
exit 0

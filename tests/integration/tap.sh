# tests/integration/tap.sh: sourced by the shell integration tests for
# their TAP lines (docs/testing.md).  n counts the tests, failed the ones
# that failed; a script ends with `[ "$failed" -eq 0 ]` or tap_end.
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }

# not_ok NAME FILE...: the files' last TAP_TAIL (8) lines as diagnostics
not_ok() {
    n=$((n + 1)) failed=$((failed + 1))
    echo "not ok $n - $1"; shift
    for f in "$@"; do [ -f "$f" ] && tail -"${TAP_TAIL:-8}" "$f" | sed 's/^/#   /'; done
    return 0
}

# not_ok_saying NAME LINE...: the lines themselves as diagnostics
not_ok_saying() {
    n=$((n + 1)) failed=$((failed + 1))
    echo "not ok $n - $1"; shift
    for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
    return 0
}

# check STATUS NAME: ok when STATUS (a command's exit status) is 0
check() {
    if [ "$1" -eq 0 ]; then ok "$2"; else not_ok_saying "$2"; fi
}

# The plan after the tests, for scripts that cannot know it before.
tap_end() { echo "1..$n"; [ "$failed" -eq 0 ]; }

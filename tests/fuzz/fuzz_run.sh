#!/usr/bin/env bash
# One fuzz target under `meson test --suite fuzz` (tests/fuzz/meson.build):
# every committed input once (the seeds, and each input that once crashed
# it), then SECONDS of fuzzing that starts from them.  A finding is kept in
# FINDINGS/NAME/ with the command that reproduces it (docs/fuzzing.md).
# LAMPSIM_FUZZ_SECONDS overrides SECONDS.
set -euo pipefail
if [ $# -ne 4 ]; then
    echo "usage: $0 TARGET CORPUS SECONDS FINDINGS" >&2
    exit 2
fi
exe=$1 corpus=$2 secs=${LAMPSIM_FUZZ_SECONDS:-$3} findings=$4
name=$(basename "$corpus")
if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then
    echo "$name: no committed corpus in $corpus (every target needs seeds)" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"

found() {
    mkdir -p "$findings/$name"
    local f
    for f in "$work"/artifacts/*; do
        [ -e "$f" ] || continue
        cp "$f" "$findings/$name/"
        echo "finding: $findings/$name/$(basename "$f")"
        echo "reproduce: $exe $findings/$name/$(basename "$f")"
        echo "base64: $(base64 -w0 < "$f")"
    done
    echo "fix it, then add the input to tests/fuzz/corpus/$name/ and a unit test (docs/fuzzing.md)"
}

n=$(find "$corpus" -type f | wc -l)
echo "== $name: the committed corpus, $n inputs"
# Each input on its own: a crash names the file that caused it.
if ! find "$corpus" -type f -print0 | xargs -0 "$exe" -artifact_prefix="$work/artifacts/" 2>"$work/replay.log"; then
    tail -n 60 "$work/replay.log"
    found
    exit 1
fi
echo "== $name: $secs s of fuzzing from it"
if ! "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" "$corpus" 2>"$work/fuzz.log"; then
    tail -n 80 "$work/fuzz.log"
    found
    exit 1
fi
grep -E '^stat::(number_of_executed_units|peak_rss_mb|new_units_added)|DONE' "$work/fuzz.log" || true
echo "== $name: no crash, hang, leak or undefined behaviour"

#!/usr/bin/env bash
# The oracle's own test (tests/fuzz/lamp/meson.build): TARGET run on INPUT
# with no excuses must report a finding whose reason matches WANT; any
# other ending (a boot that failed, no finding) fails the test.
set -uo pipefail
if [ $# -ne 4 ]; then
    echo "usage: $0 TARGET INPUT WANT ARTIFACT_DIR" >&2
    exit 2
fi
exe=$1 input=$2 want=$3 artifacts=$4
mkdir -p "$artifacts"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
LAMPSIM_FUZZ_JUDGE_ALL=1 "$exe" -error_exitcode=1 -artifact_prefix="$artifacts/" "$input" >"$log" 2>&1
rc=$?
finding=$(grep -m1 'lamp-fuzz: FINDING: ' "$log")
if [ "$rc" -ne 0 ] && grep -qE "$want" <<<"$finding"; then
    echo "found as it must be: ${finding#lamp-fuzz: }"
    exit 0
fi
tail -n 40 "$log"
echo "$(basename "$input"): expected a finding matching '$want'; exit $rc, ${finding:-no finding}" >&2
exit 1

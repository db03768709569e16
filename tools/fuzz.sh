#!/usr/bin/env bash
# Long fuzzing campaigns and coverage for the libFuzzer targets of
# tests/fuzz/ (docs/fuzzing.md).  `meson test --suite fuzz` gives each
# target 20 s in CI; this runs one for hours and measures what the corpora
# reach.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    cat <<'USAGE'
usage: tools/fuzz.sh list
       tools/fuzz.sh run TARGET HOURS [-- LIBFUZZER_OPTION...]
       tools/fuzz.sh coverage [TARGET...]
       tools/fuzz.sh guest-coverage

  list       the targets (tests/fuzz/*/meson.build)
  run        fuzzes TARGET for HOURS (a decimal, e.g. 0.5) in the clang build
             build-fuzz, starting from tests/fuzz/corpus/TARGET; what it
             learns stays in fuzz-work/TARGET/corpus (git-ignored, reused by
             the next run), findings in fuzz-work/TARGET/findings.  Progress
             is libFuzzer's status line; the end prints executions, new
             inputs and findings.  Add a new input to the committed corpus
             with libFuzzer's -merge=1 (docs/fuzzing.md#corpus).
  coverage   runs each TARGET (all if none) over its committed corpus in a
             coverage build (build-fuzzcov) and prints llvm-cov's line and
             branch coverage of the code it fuzzes
  guest-coverage  the whole-lamp target (lamp) over its committed corpus and
             fuzz-work/lamp/corpus: which of the firmware's functions the
             inputs entered, by source folder (tools/guest_coverage.py;
             llvm-cov sees only the emulator's host code)
USAGE
}

fbuild=build-fuzz
cbuild=build-fuzzcov

setup_build() {   # DIR EXTRA_OPTION...
    local dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then
        CC=clang meson setup "$dir" -Dfuzz=true -Db_lundef=false -Dbuildtype=debugoptimized "$@" >/dev/null
    fi
    local log
    log=$(mktemp)
    # LLVM_PROFILE_FILE: programs the build runs do not leave profiles behind.
    if ! LLVM_PROFILE_FILE=/dev/null meson compile -C "$dir" >"$log" 2>&1; then
        grep -E -m 20 'error|FAILED|undefined' "$log" >&2
        echo "fuzz.sh: building $dir failed (meson compile -C $dir)" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
}

targets() {
    setup_build "$fbuild" -Db_sanitize=address,undefined
    grep -v '^$' "$fbuild/tests/fuzz/fuzz-targets.txt"
}

target_exe() {   # BUILD NAME
    local exe
    exe=$(find "$1/tests/fuzz" -type f -name "fuzz_$2" -perm -u+x | head -n 1)
    if [ -z "$exe" ]; then
        echo "fuzz.sh: no target '$2' (tools/fuzz.sh list names them)" >&2
        exit 2
    fi
    echo "$exe"
}

cmd=${1:-}
case "$cmd" in
list)
    targets
    ;;
run)
    [ $# -ge 3 ] || { usage >&2; exit 2; }
    name=$2 hours=$3; shift 3
    [ "${1:-}" = "--" ] && shift
    secs=$(awk -v h="$hours" 'BEGIN { if (h !~ /^[0-9]*\.?[0-9]+$/ || h <= 0) exit 1; printf "%d", h * 3600 }') ||
        { echo "fuzz.sh: HOURS must be a positive number, not '$hours'" >&2; exit 2; }
    targets >/dev/null
    exe=$(target_exe "$fbuild" "$name")
    work=fuzz-work/$name
    mkdir -p "$work/corpus" "$work/findings"
    before=$(find "$work/findings" -type f | wc -l)
    echo "fuzz.sh: $name for $secs s; corpus $work/corpus (+ tests/fuzz/corpus/$name), findings $work/findings"
    set +e
    "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/findings/" "$@" "$work/corpus" "tests/fuzz/corpus/$name" 2>&1 |
        tee "$work/last-run.log" | grep --line-buffered -E '^#[0-9]+.*(pulse|NEW|REDUCE|DONE)|ERROR|SUMMARY|^lamp-fuzz:' |
        awk '/pulse|DONE|ERROR|SUMMARY|^lamp-fuzz:/ || NR % 50 == 0'
    rc=${PIPESTATUS[0]}
    set -e
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$work/last-run.log" || true
    after=$(find "$work/findings" -type f | wc -l)
    echo "fuzz.sh: $name: corpus $(find "$work/corpus" -type f | wc -l) inputs; $((after - before)) new finding(s) in $work/findings"
    if [ "$rc" -ne 0 ]; then
        echo "fuzz.sh: $name stopped on a finding (exit $rc): reproduce with $exe FILE" >&2
        exit 1
    fi
    ;;
coverage)
    shift
    names=("$@")
    [ ${#names[@]} -gt 0 ] || mapfile -t names < <(targets)
    # With ASan, whose runtime also defines the coverage callbacks every
    # object of a fuzz build calls (-fsanitize=fuzzer-no-link).
    setup_build "$cbuild" -Db_sanitize=address -Dc_args="-fprofile-instr-generate -fcoverage-mapping" \
        -Dc_link_args="-fprofile-instr-generate"
    for name in "${names[@]}"; do
        exe=$(target_exe "$cbuild" "$name")
        prof=$(mktemp -d)
        LLVM_PROFILE_FILE="$prof/%p.profraw" "$exe" -runs=0 "tests/fuzz/corpus/$name" \
            $( [ -d "fuzz-work/$name/corpus" ] && echo "fuzz-work/$name/corpus" ) >/dev/null 2>&1
        llvm-profdata merge -sparse "$prof"/*.profraw -o "$prof/merged.profdata"
        echo "== $name ($(find "tests/fuzz/corpus/$name" -type f | wc -l) committed inputs$( [ -d "fuzz-work/$name/corpus" ] && echo ", + fuzz-work/$name/corpus"))"
        # The code under test: not the target itself, not third-party or system code.
        llvm-cov report "$exe" -instr-profile="$prof/merged.profdata" \
            -ignore-filename-regex='tests/fuzz/|third_party/|^/usr/' | sed 's#^.*\.\./##'
        rm -rf "$prof"
    done
    ;;
guest-coverage)
    targets >/dev/null
    exe=$(target_exe "$fbuild" lamp)
    blocks=$(mktemp)
    corpora=(tests/fuzz/corpus/lamp)
    [ -d fuzz-work/lamp/corpus ] && corpora+=(fuzz-work/lamp/corpus)
    echo "== lamp: guest code the inputs of ${corpora[*]} entered"
    LAMPSIM_FUZZ_GUEST_BLOCKS=$blocks "$exe" -runs=0 "${corpora[@]}" 2>&1 | grep '^lamp-fuzz:'
    tools/guest_coverage.py "$fbuild/firmware/app.elf" "$blocks"
    rm -f "$blocks"
    ;;
-h|--help|help)
    usage
    ;;
*)
    usage >&2
    exit 2
    ;;
esac

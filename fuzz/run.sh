#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer), on a stable toolchain.
#
#   fuzz/run.sh smoke [SECONDS]           every target for SECONDS (default 20): for CI
#   fuzz/run.sh long SECONDS [TARGET...]  every target (or those named) for SECONDS each
#   fuzz/run.sh replay                    every target once over its corpus and regressions
#   fuzz/run.sh build                     build every target
#   fuzz/run.sh list                      the targets
#
# Every run first replays fuzz/regressions/<target>/ (inputs that once
# failed), then fuzzes from fuzz/corpus/<target>/ (kept between runs, not
# committed) and the seeds that fuzz/seeds.py writes from the repository's
# examples. A failure leaves the input in fuzz/artifacts/<target>/ and makes
# the script exit non-zero. A summary (executions, time, corpus, crashes) is
# printed at the end and written to fuzz/logs/summary.txt.
#
# cargo-fuzz passes nightly-only flags to rustc (-Zsanitizer=address and
# the coverage options). RUSTC_BOOTSTRAP=1 lets the stable compiler accept
# them; nothing else about the toolchain changes. Needs a C++ compiler (for
# libFuzzer itself) and python3 (for the seeds). cargo-fuzz is installed
# with `cargo install cargo-fuzz --locked` when missing.
#
# Environment: FUZZ_PROFILE (`release`, the default: optimized with debug
# assertions, as cargo-fuzz builds; `dev`: unoptimized, built much faster,
# for short runs such as CI's), FUZZ_MAX_SEEDS (each target starts
# from at most this many of its seeds, the smallest; an unoptimized build
# reads the whole seed set of spec_loader in minutes), FUZZ_TARGET_DIR (build directory, default fuzz/target),
# FUZZ_MAX_LEN (largest input, default 16384), FUZZ_RSS_LIMIT_MB (default
# 2048), FUZZ_MALLOC_LIMIT_MB (largest single allocation, default 256),
# FUZZ_JOBS (targets fuzzed at the same time, one process each; default 1),
# FUZZ_SANITIZER (`address`, the default: AddressSanitizer; `none`: no
# sanitizer, a third less to build, for short runs such as CI's; then
# -malloc_limit_mb is not enforced, libFuzzer needing a sanitizer's malloc
# hooks for it, while -rss_limit_mb still is).
set -euo pipefail
cd "$(dirname "$0")"

export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR=never
TARGET_DIR=${FUZZ_TARGET_DIR:-target}
case ${FUZZ_PROFILE:-release} in
    release) BUILD_ARGS=(--target-dir "$TARGET_DIR" --codegen-units 16) ;;
    dev) BUILD_ARGS=(--target-dir "$TARGET_DIR" --dev) ;;
    *) echo "FUZZ_PROFILE must be release or dev" >&2; exit 2 ;;
esac
case ${FUZZ_SANITIZER:-address} in
    address) ;;
    none) BUILD_ARGS+=(--sanitizer none) ;;
    *) echo "FUZZ_SANITIZER must be address or none" >&2; exit 2 ;;
esac
MAX_LEN=${FUZZ_MAX_LEN:-16384}
RSS_LIMIT_MB=${FUZZ_RSS_LIMIT_MB:-2048}
MALLOC_LIMIT_MB=${FUZZ_MALLOC_LIMIT_MB:-256}
TARGETS=(decode_response spec_loader signature emulator_http emulator_api callback)

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

ensure_cargo_fuzz() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "== installing cargo-fuzz"
        cargo install cargo-fuzz --locked
    fi
}

build() {
    ensure_cargo_fuzz
    echo "== building the fuzz targets"
    cargo fuzz build "${BUILD_ARGS[@]}" "$@"
}

seeds() {
    rm -rf seeds
    # shellcheck disable=SC2086
    python3 seeds.py seeds ${FUZZ_MAX_SEEDS:-} >/dev/null
}

# libFuzzer options shared by every run.
options() {
    echo "-max_len=$MAX_LEN -rss_limit_mb=$RSS_LIMIT_MB -malloc_limit_mb=$MALLOC_LIMIT_MB -timeout=30 -print_final_stats=1"
}

run_target() {
    local target=$1 seconds=$2
    mkdir -p "corpus/$target" "regressions/$target" "artifacts/$target" logs
    local log="logs/$target.log"
    if [ -n "$(ls -A "regressions/$target")" ]; then
        echo "== $target: replaying regressions/$target"
        # shellcheck disable=SC2046
        cargo fuzz run "${BUILD_ARGS[@]}" "$target" \
            $(ls -d "regressions/$target"/*) -- $(options) -runs=1 >"logs/$target.replay.log" 2>&1 || {
            tail -n 40 "logs/$target.replay.log"
            return 1
        }
    fi
    echo "== $target: fuzzing for ${seconds}s"
    local started=$SECONDS status=0
    # shellcheck disable=SC2046
    cargo fuzz run "${BUILD_ARGS[@]}" "$target" \
        "corpus/$target" "seeds/$target" -- $(options) -max_total_time="$seconds" >"$log" 2>&1 || status=$?
    local took=$((SECONDS - started))
    local runs corpus crashes
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -n 1)
    corpus=$(find "corpus/$target" -type f | wc -l)
    crashes=$(find "artifacts/$target" -type f | wc -l)
    printf '%-16s %12s %8ss %8s %8s\n' "$target" "${runs:-?}" "$took" "$corpus" "$crashes" >>logs/summary.txt
    if [ "$status" -ne 0 ]; then
        echo "!! $target failed (exit $status); the input is in fuzz/artifacts/$target/"
        grep -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | head -n 5 || true
        tail -n 30 "$log"
        return 1
    fi
}

run_all() {
    local seconds=$1
    shift
    local targets=("$@")
    [ ${#targets[@]} -eq 0 ] && targets=("${TARGETS[@]}")
    build
    seeds
    mkdir -p logs
    printf '%-16s %12s %9s %8s %8s\n' target executions time corpus crashes >logs/summary.txt
    local failed=0 jobs=${FUZZ_JOBS:-1} running=0
    if [ "$jobs" -le 1 ]; then
        for t in "${targets[@]}"; do
            run_target "$t" "$seconds" || failed=1
        done
    else
        # Up to $jobs targets at a time, each printing to its own file,
        # shown in target order at the end.
        for t in "${targets[@]}"; do
            if [ "$running" -ge "$jobs" ]; then
                wait -n || failed=1
                running=$((running - 1))
            fi
            run_target "$t" "$seconds" >"logs/$t.console" 2>&1 &
            running=$((running + 1))
        done
        while [ "$running" -gt 0 ]; do
            wait -n || failed=1
            running=$((running - 1))
        done
        for t in "${targets[@]}"; do
            cat "logs/$t.console"
        done
    fi
    echo
    cat logs/summary.txt
    return $failed
}

replay() {
    build
    seeds
    local failed=0
    for t in "${TARGETS[@]}"; do
        mkdir -p "corpus/$t" "regressions/$t" logs
        echo "== $t: replaying the corpus, the seeds and the regressions"
        # shellcheck disable=SC2046
        cargo fuzz run "${BUILD_ARGS[@]}" "$t" \
            "corpus/$t" "seeds/$t" "regressions/$t" -- $(options) -runs=0 >"logs/$t.replay.log" 2>&1 || {
            failed=1
            tail -n 30 "logs/$t.replay.log"
        }
    done
    return $failed
}

case "${1:-}" in
    smoke) run_all "${2:-20}" ;;
    long)
        [ $# -ge 2 ] || usage
        seconds=$2
        shift 2
        run_all "$seconds" "$@"
        ;;
    replay) replay ;;
    build) build ;;
    list) printf '%s\n' "${TARGETS[@]}" ;;
    *) usage ;;
esac

#!/usr/bin/env bash
# Compile cost of ess-api with every action and the generator (the `codegen`
# feature, as in the workspace), dependencies already built:
#   1. clean build of ess-api alone (its build script generates the code),
#   2. rebuild after a one-file spec edit,
# each with wall time and the peak resident memory of the build (GNU time).
set -euo pipefail
cd "$(dirname "$0")/.."

measure() {
    local label=$1; shift
    local out
    out=$( { /usr/bin/time -v "$@" >/dev/null; } 2>&1 )
    local wall rss
    wall=$(grep -E "Elapsed \(wall clock\)" <<<"$out" | awk '{print $NF}')
    rss=$(grep -E "Maximum resident set size" <<<"$out" | awk '{print $NF}')
    printf '%-44s %10s %10s GiB\n' "$label" "$wall" "$(awk -v k="$rss" 'BEGIN { printf "%.2f", k / 1048576 }')"
}

command -v /usr/bin/time >/dev/null || { echo "GNU time is needed (apt-get install time)" >&2; exit 1; }

echo "actions: $(ls spec/actions | wc -l), types: $(ls spec/types | wc -l), generated lines: $(cargo run -q -p ess-codegen -- generate spec | wc -l)"
cargo build -q -p ess-api --features codegen   # dependencies and ess-codegen built
printf '%-44s %10s %14s\n' "what" "wall" "peak memory"
cargo clean -q -p ess-api
measure "ess-api clean build (all actions)" cargo build -q -p ess-api --features codegen

file=spec/actions/StartFlow.toml
cp "$file" "$file.orig"
trap 'mv "$file.orig" "$file"' EXIT
# A real edit: a new sentence in one member's doc changes one generated file.
sed -i 's/^(default) when the contract starts, `1` when signing is complete."""$/(default) when the contract starts, `1` when signing is complete. Edited."""/' "$file"
grep -q "complete. Edited." "$file" || { echo "the edit did not apply" >&2; exit 1; }
measure "ess-api rebuild after a one-file spec edit" cargo build -q -p ess-api --features codegen

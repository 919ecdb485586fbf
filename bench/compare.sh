#!/usr/bin/env bash
# One run of the client benchmarks next to the official Python and Node.js
# SDKs, printed as one table with ratios (see BENCHMARKS.md).
#
#   bash bench/compare.sh                  # everything below, about 7 minutes
#   bash bench/compare.sh --compile-cost   # also bench/compile-cost.sh (a clean ess-api build)
#
# Environment: BENCH_SECONDS (measurement time per benchmark, default 3),
# BENCH_CLIENT_CPU / BENCH_SERVER_CPU (default 0 / 1), CARGO_TARGET_DIR.
#
# What it does: builds the Rust benchmarks, the emulator and the canned
# server in release mode; installs the Python SDK into bench/.venv and the
# Node SDK into bench/node/node_modules (package registries only); starts
# the canned server and the emulator on 127.0.0.1, pinned to the server
# CPU; runs every client, pinned to the client CPU, against them; prints
# the table. Nothing but 127.0.0.1 is contacted once the installs are done.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

compile_cost=0
for arg in "$@"; do
    case $arg in
        --compile-cost) compile_cost=1 ;;
        -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

secs=${BENCH_SECONDS:-3}
client_cpu=${BENCH_CLIENT_CPU:-0}
server_cpu=${BENCH_SERVER_CPU:-1}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
target=$CARGO_TARGET_DIR
out=$target/bench-compare
rm -rf "$out"
mkdir -p "$out"

# Pinning: client and servers on separate CPUs when there are two.
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
    pin() { local cpu=$1; shift; taskset -c "$cpu" "$@"; }
    server_pin=(taskset -c "$server_cpu")
    pinning="client on CPU $client_cpu, servers on CPU $server_cpu"
else
    pin() { shift; "$@"; }
    server_pin=()
    pinning="not pinned (taskset missing or a single CPU)"
fi
# Measurements talk to 127.0.0.1 only: no proxy from the environment.
local_only=(env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY
    NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost)

echo "== machine"
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
echo "cpus: $(nproc) ($cpu_model), memory: $mem, $pinning"
echo "rustc: $(rustc --version)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== building (release)"
cargo build --release -q -p ess-emulator -p ess-bench --bins
bench_exe() { # package bench -> path of the compiled benchmark
    cargo bench --no-run -q -p "$1" --bench "$2" --message-format=json |
        python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "bench" in m["target"]["kind"]:
        print(m["executable"])'
}
client_bench=$(bench_exe ess-api client)
roundtrip_bench=$(bench_exe ess-bench roundtrip)
paired_bench=$(bench_exe ess-bench paired)
codegen_bench=$(bench_exe ess-codegen codegen)

echo "== installing the official SDKs"
have_python=0
if [ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv >/dev/null; then
    if bench/.venv/bin/pip install -q --disable-pip-version-check -r bench/python/requirements.txt; then
        have_python=1
    fi
fi
have_node=0
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    if (cd bench/node && npm install --silent --no-audit --no-fund --no-package-lock >/dev/null); then
        have_node=1
    fi
fi
[ $have_python = 1 ] && echo "python: $(bench/.venv/bin/python --version 2>&1)" || echo "python: skipped (no venv)"
[ $have_node = 1 ] && echo "node: $(node --version)" || echo "node: skipped (no node/npm)"

echo "== starting the servers"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
# Started as plain commands (not through a shell function), so that $! is
# the server's own process id and the cleanup stops the server itself.
"${server_pin[@]}" "$target/release/ess-bench-canned" --max-seconds 3600 >"$out/canned.out" 2>&1 &
pids+=($!)
"${server_pin[@]}" "$target/release/ess-emulator" --port 0 --no-rate-limit --max-qr-codes 5000000 --log error >"$out/emulator.out" 2>&1 &
pids+=($!)
wait_for() { # file prefix -> the URL printed after prefix
    local i
    for i in $(seq 100); do
        if grep -q "^$2" "$1"; then sed -n "s|^$2||p" "$1" | head -1; return 0; fi
        sleep 0.1
    done
    echo "no '$2' in $1:" >&2; cat "$1" >&2; return 1
}
canned=$(wait_for "$out/canned.out" "listening on ")
emulator=$(wait_for "$out/emulator.out" "ESS emulator listening on ")
echo "canned server $canned, emulator $emulator"

criterion() { # benchmark executable, log name
    local exe=$1 log=$2; shift 2
    pin "$client_cpu" "${local_only[@]}" CRITERION_HOME="$out/criterion" \
        ESS_BENCH_CANNED="$canned" ESS_BENCH_EMULATOR="$emulator" "$exe" --bench --noplot --warm-up-time 1 --measurement-time "$secs" "$@" \
        >"$out/$log.log" 2>&1 || { cat "$out/$log.log" >&2; return 1; }
    grep -E '^[a-z_0-9]+/|time:|thrpt:' "$out/$log.log" | sed 's/^/  /'
}
echo "== Rust: prepare and decode"
criterion "$client_bench" client
echo "== Rust: round trips"
criterion "$roundtrip_bench" roundtrip
echo "== Rust: interleaved with the floor client"
pin "$client_cpu" "${local_only[@]}" ESS_BENCH_CANNED="$canned" "$paired_bench" --bench >"$out/paired.json"
cat "$out/paired.json"
echo "== Rust: codegen of the whole spec"
criterion "$codegen_bench" codegen

if [ $have_python = 1 ]; then
    echo "== Python SDK"
    pin "$client_cpu" "${local_only[@]}" bench/.venv/bin/python bench/python/bench_sdk.py \
        --canned "$canned" --emulator "$emulator" --seconds "$secs" >"$out/python.json"
    cat "$out/python.json"
fi
if [ $have_node = 1 ]; then
    echo "== Node SDK"
    (cd bench/node && pin "$client_cpu" "${local_only[@]}" node bench_sdk.js --canned "$canned" --seconds "$secs") >"$out/node.json"
    cat "$out/node.json"
fi
cleanup
pids=()

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 bench/report.py --criterion "$out/criterion" --python "$out/python.json" --node "$out/node.json" \
    --paired "$out/paired.json" |
    tee "$out/table.md"

if [ $compile_cost = 1 ]; then
    echo
    echo "== compile cost"
    bash bench/compile-cost.sh
fi

#!/usr/bin/env bash
# Interoperability suite: the official Python SDK (tencentcloud-sdk-python,
# pinned below) against the emulator binary on a free loopback port.
#
#   bash ess-emulator/interop/run.sh
#   bash ess-emulator/interop/run.sh --prepare   # only the venv and the SDK
#
# The virtualenv lives in target/ess-interop/venv and is reused. Exits
# non-zero on any failure; the last line is "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."

SDK_VERSION=3.1.194
VENV=${ESS_INTEROP_VENV:-target/ess-interop/venv}
export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

PREPARE=0
case "${1:-}" in
    --prepare) PREPARE=1 ;;
    "") ;;
    *) echo "usage: $0 [--prepare]" >&2; exit 2 ;;
esac

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('tencentcloud-sdk-python-ess') == '$SDK_VERSION' and m.version('tencentcloud-sdk-python-common') == '$SDK_VERSION' else 1)" 2>/dev/null; then
    "$VENV/bin/pip" install -q --disable-pip-version-check \
        "tencentcloud-sdk-python-common==$SDK_VERSION" \
        "tencentcloud-sdk-python-ess==$SDK_VERSION"
fi

[ "$PREPARE" = 1 ] && exit 0

# ESS_EMULATOR_BIN: an emulator binary built already (.ci/run passes the
# one its test build made); otherwise the script builds one.
BIN=${ESS_EMULATOR_BIN:-}
if [ -z "$BIN" ]; then
    cargo build -q -p ess-emulator --bin ess-emulator
    BIN=target/debug/ess-emulator
fi
LOG=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$LOG"
}
trap cleanup EXIT

# Starts the emulator with "$@" and sets ENDPOINT to its host:port.
start_emulator() {
    local out
    out=$(mktemp -p "$LOG")
    "$BIN" --port 0 --log warn "$@" >"$out" 2>"$out.err" &
    PIDS+=($!)
    ENDPOINT=
    for _ in $(seq 1 100); do
        ENDPOINT=$(sed -n 's|^ESS emulator listening on http://||p' "$out")
        [ -n "$ENDPOINT" ] && return 0
        if ! kill -0 "${PIDS[-1]}" 2>/dev/null; then
            cat "$out.err" >&2
            break
        fi
        sleep 0.1
    done
    echo "the emulator did not start" >&2
    echo "0 passed, 1 failed"
    exit 1
}

start_emulator --strict
STRICT=$ENDPOINT
start_emulator
CANNED=$ENDPOINT

ESS_INTEROP_ENDPOINT=$STRICT ESS_INTEROP_CANNED_ENDPOINT=$CANNED \
    "$VENV/bin/python" ess-emulator/interop/test_python_sdk.py

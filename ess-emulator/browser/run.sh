#!/usr/bin/env bash
# The emulator's page in a real browser: headless Chromium (Debian's
# chromium and chromium-driver, installed when missing) against the
# emulator binary on a free loopback port. The test (tests/emulator/browser.rs)
# creates a QR code through the API, checks with `chromium --dump-dom`
# that /_emulator/ shows its image, then drives the page through
# chromedriver: the image loads, the scan button starts a contract, the
# sign button signs it. The test is built with the workspace's features
# (`--workspace`), so after `cargo test --workspace` nothing is rebuilt.
#
#   bash ess-emulator/browser/run.sh
#   bash ess-emulator/browser/run.sh --prepare   # only install the browser
set -euo pipefail
cd "$(dirname "$0")/../.."

export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
case "${1:-}" in
    --prepare) exit 0 ;;
    "") ;;
    *) echo "usage: $0 [--prepare]" >&2; exit 2 ;;
esac

# ESS_EMULATOR_BIN: an emulator binary built already (.ci/run passes the
# one its test build made); otherwise the script builds one.
BIN=${ESS_EMULATOR_BIN:-}
if [ -z "$BIN" ]; then
    cargo build -q -p ess-emulator --bin ess-emulator
    BIN=target/debug/ess-emulator
fi
LOG=$(mktemp -d)
PID=
cleanup() {
    if [ -n "$PID" ]; then
        kill "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    rm -rf "$LOG"
}
trap cleanup EXIT

"$BIN" --port 0 --log warn >"$LOG/out" 2>"$LOG/err" &
PID=$!
ENDPOINT=
for _ in $(seq 1 100); do
    ENDPOINT=$(sed -n 's|^ESS emulator listening on \(http://.*\)$|\1|p' "$LOG/out")
    [ -n "$ENDPOINT" ] && break
    if ! kill -0 "$PID" 2>/dev/null; then
        cat "$LOG/err" >&2
        break
    fi
    sleep 0.1
done
if [ -z "$ENDPOINT" ]; then
    echo "the emulator did not start" >&2
    exit 1
fi

ESS_EMULATOR_URL=$ENDPOINT \
ESS_EMULATOR_CHROMEDRIVER=$(command -v chromedriver) \
ESS_EMULATOR_CHROMIUM=$(command -v chromium) \
    cargo test -q --workspace --test emulator -- browser::

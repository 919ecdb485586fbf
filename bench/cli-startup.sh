#!/usr/bin/env bash
# Start-up time of `ess` next to tccli, the command line it replaces.
#
# Builds `ess` in release mode, installs tccli (pinned below) into
# $CARGO_TARGET_DIR/tccli-venv when missing, and times with hyperfine:
# `--version`, a request skeleton, a dry run (ess only: tccli has none) and
# help. Nothing is sent anywhere: every command is answered locally, with
# an empty home directory so that no profile of the caller is read.
# Needs hyperfine (`apt-get install hyperfine`) and python3 with venv.
set -euo pipefail
cd "$(dirname "$0")/.."

TCCLI_VERSION=3.1.189.1
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
RUNS="${RUNS:-50}"

command -v hyperfine >/dev/null || { echo "hyperfine is required" >&2; exit 1; }
cargo build -q --release -p ess-cli
ESS="$TARGET/release/ess"

VENV="$TARGET/tccli-venv"
if [ ! -x "$VENV/bin/tccli" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "tccli==$TCCLI_VERSION"
fi
TCCLI="$VENV/bin/tccli"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home"
cat >"$WORK/req.json" <<'EOF'
{"Operator": {"UserId": "yDRCLUUgygq2xun5UuO4zjEwg0vjoimj"}, "TemplateId": "yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR", "FlowName": "员工入职合同", "MaxFlowNum": 100}
EOF

export HOME="$WORK/home"
export TENCENTCLOUD_SECRET_ID=AKIDbenchmarkSecretId00000000000000
export TENCENTCLOUD_SECRET_KEY=benchmark-secret-key
unset TENCENTCLOUD_ESS_ENDPOINT TCCLI_PROFILE

echo "ess $("$ESS" --version | cut -d' ' -f2), tccli $("$TCCLI" --version)"
hyperfine -N --warmup 5 --runs "$RUNS" --export-markdown "$WORK/table.md" \
    -n "ess --version" "$ESS --version" \
    -n "tccli --version" "$TCCLI --version" \
    -n "ess skeleton" "$ESS CreateMultiFlowSignQRCode --generate-cli-skeleton" \
    -n "tccli skeleton" "$TCCLI ess CreateMultiFlowSignQRCode --generate-cli-skeleton" \
    -n "ess dry run" "$ESS CreateMultiFlowSignQRCode --cli-input-json file://$WORK/req.json --dry-run" \
    -n "ess --help (157 actions)" "$ESS --help" \
    -n "ess <Action> --help" "$ESS CreateMultiFlowSignQRCode --help"
cat "$WORK/table.md"

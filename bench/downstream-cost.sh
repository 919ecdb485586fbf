#!/usr/bin/env bash
# What a crate that depends on ess-api pays to build it: everything specific
# to this SDK (ess-api with its build script and generator, ess-runtime,
# ess-sign, ess-macros, ess-grammar, ess-codegen and the generator's own
# dependencies prettyplease and toml), built from clean while the
# dependencies shared with any async HTTP client (tokio, reqwest, serde,
# syn for serde's derive, ...) are already built.
#
#   bash bench/downstream-cost.sh          # QR actions only, then every action
#
# For each case it creates a downstream crate under target/downstream/
# (path dependency on ess-api, the workspace's lock file), builds it once,
# removes the SDK's own artifacts and times the rebuild (GNU time: wall
# time and the peak resident memory of the largest compiler process).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
base=${CARGO_TARGET_DIR:-$root/target}/downstream
mkdir -p "$base"
export CARGO_TARGET_DIR=$base/target

ours=(ess-api ess-runtime ess-sign ess-macros ess-grammar ess-codegen prettyplease toml toml_edit toml_datetime toml_write toml_parser serde_spanned winnow heck)

case_crate() {
    local name=$1 deps=$2
    local dir=$base/$name
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "downstream-$name"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
$deps
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }

[workspace]
TOML
    cat >"$dir/src/main.rs" <<'RS'
use ess_api::types::UserInfo;

#[tokio::main]
async fn main() -> Result<(), ess_api::Error> {
    let client = ess_api::Client::from_env().expect("credentials in the environment");
    let out = client
        .create_multi_flow_sign_qr_code()
        .operator(UserInfo::builder().user_id("yDRCLUUgygq2xun5UuO4zjEwg0vjoimj").build()?)
        .template_id("yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR")
        .flow_name("employment contract")
        .max_flow_num(100)
        .send()
        .await?;
    println!("{}", out.qr_code.qr_code_url);
    Ok(())
}
RS
    cp "$root/Cargo.lock" "$dir/Cargo.lock"
    echo "$dir"
}

measure() {
    local label=$1 dir=$2
    (cd "$dir" && cargo build -q)                        # every dependency built
    local clean=()
    for p in "${ours[@]}"; do
        if (cd "$dir" && cargo pkgid -q "$p" >/dev/null 2>&1); then clean+=(-p "$p"); fi
    done
    (cd "$dir" && cargo clean -q "${clean[@]}")
    local out wall rss
    out=$( { cd "$dir" && /usr/bin/time -v cargo build -q >/dev/null; } 2>&1 )
    wall=$(grep -E "Elapsed \(wall clock\)" <<<"$out" | awk '{print $NF}')
    rss=$(grep -E "Maximum resident set size" <<<"$out" | awk '{print $NF}')
    printf '%-40s %10s %10s GiB\n' "$label" "$wall" "$(awk -v k="$rss" 'BEGIN { printf "%.2f", k / 1048576 }')"
}

printf '%-40s %10s %14s\n' "downstream crate" "wall" "peak memory"
qr=$(case_crate qr "ess-api = { path = \"$root/ess-api\", default-features = false, features = [\"qr\"] }")
measure "QR actions only (features = [\"qr\"])" "$qr"
full=$(case_crate full "ess-api = { path = \"$root/ess-api\" }")
measure "every action (default features)" "$full"

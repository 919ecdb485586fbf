//! The public API of the published library crates, listed from rustdoc's
//! JSON output and compared with the listings committed next to this crate
//! (`public-api/<crate>.txt`), so that a change to what users can name is
//! seen in review, as `cargo public-api` snapshots do.
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 RUSTDOCFLAGS="-Z unstable-options --output-format json" \
//!     cargo doc --workspace --no-deps
//! cargo run -p ess-public-api -- check target/doc   # exit 1 and a diff when they differ
//! cargo run -p ess-public-api -- bless target/doc   # rewrite the listings
//! ```
//!
//! rustdoc's JSON output is unstable: `RUSTC_BOOTSTRAP=1` lets the stable
//! compiler write it, and the pinned `public-api` release reads the format
//! version that compiler writes (the tool says so when they differ).
//!
//! The generated surface of `ess-api` (one module per action and the shared
//! types, one client method per action) is reviewed where it is generated,
//! in the shipped code under `ess-api/src/generated`; the listing keeps the
//! hand-written items and, as the shape every action has, the seed action
//! `CreateMultiFlowSignQRCode` with the types it uses.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The crates whose public API is listed: the ones users depend on.
const CRATES: [&str; 3] = ["ess_sign", "ess_runtime", "ess_api"];

/// The seed action's module; every other action's module has its shape.
const SEED_MODULE: &str = "create_multi_flow_sign_qr_code";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, doc_dir) = match args.as_slice() {
        [mode, dir] if mode == "check" || mode == "bless" => (mode.as_str(), PathBuf::from(dir)),
        _ => {
            eprintln!(
                "usage: ess-public-api check|bless DOC_DIR (rustdoc JSON, see the crate docs)"
            );
            return ExitCode::from(2);
        }
    };
    let listings = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failed = false;
    for krate in CRATES {
        let listing = match list(&doc_dir, krate) {
            Ok(listing) => listing,
            Err(e) => {
                eprintln!("{krate}: {e}");
                return ExitCode::from(2);
            }
        };
        let name = format!("{}.txt", krate.replace('_', "-"));
        let path = listings.join(&name);
        let shown = format!("public-api/{name}");
        if mode == "bless" {
            if let Err(e) = std::fs::write(&path, &listing) {
                eprintln!("{}: {e}", path.display());
                return ExitCode::from(2);
            }
            println!(
                "{krate}: {} items written to {}",
                listing.lines().count(),
                path.display()
            );
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == listing {
            println!("{krate}: {} items, unchanged", listing.lines().count());
            continue;
        }
        failed = true;
        eprintln!("{krate}: the public API differs from {shown}:");
        eprint!("{}", diff(&committed, &listing));
    }
    if failed {
        eprintln!(
            "review the change; if it is meant, run `cargo run -p ess-public-api -- bless {}` and commit the listings",
            doc_dir.display()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The listing of `krate`: one item a line, sorted, without the impls every
/// type gets for free (blanket and auto traits, derived ones).
fn list(doc_dir: &Path, krate: &str) -> Result<String, String> {
    let json = doc_dir.join(format!("{krate}.json"));
    if !json.is_file() {
        return Err(format!(
            "no rustdoc JSON at {} (build it first, see the crate docs)",
            json.display()
        ));
    }
    let api = public_api::Builder::from_rustdoc_json(&json)
        .omit_blanket_impls(true)
        .omit_auto_trait_impls(true)
        .omit_auto_derived_impls(true)
        .build()
        .map_err(|e| format!("{}: {e}", json.display()))?;
    let lines: Vec<String> = api.items().map(ToString::to_string).collect();
    let is_api = krate == "ess_api";
    // Of `ess_api::types`, only the types the other kept items name (the
    // seed action's and the hand-written ones').
    let named: BTreeSet<&str> = lines
        .iter()
        .filter(|line| is_api && !generated_elsewhere(line) && types_owner(line).is_none())
        .flat_map(|line| type_names(line))
        .collect();
    let mut out = String::new();
    for line in &lines {
        let keep = !is_api
            || match types_owner(line) {
                _ if generated_elsewhere(line) => false,
                Some(owner) => named.contains(owner),
                None => true,
            };
        if keep {
            let _ = writeln!(out, "{line}");
        }
    }
    Ok(out)
}

/// The names of `ess_api::types` a line mentions.
fn type_names(line: &str) -> impl Iterator<Item = &str> {
    line.match_indices("ess_api::types::")
        .map(move |(at, prefix)| {
            let rest = &line[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
}

/// The type of `ess_api::types` an item belongs to, for the items of that
/// module: the first name after `ess_api::types::` in the item's path.
fn types_owner(line: &str) -> Option<&str> {
    let path_start = line.find("ess_api::")?;
    let path = &line[path_start..];
    path.strip_prefix("ess_api::types::")?;
    type_names(path).next()
}

/// An item of `ess-api`'s generated surface other than the seed action's.
fn generated_elsewhere(line: &str) -> bool {
    if let Some(at) = line.find("ess_api::operation::") {
        let module = line[at + "ess_api::operation::".len()..]
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        if module != SEED_MODULE {
            return true;
        }
    }
    false
}

/// The lines only in `old` (`-`) and only in `new` (`+`); both are sorted
/// sets of items, so this is their whole difference.
fn diff(old: &str, new: &str) -> String {
    let old: BTreeSet<&str> = old.lines().collect();
    let new: BTreeSet<&str> = new.lines().collect();
    let mut out = String::new();
    for line in old.difference(&new) {
        let _ = writeln!(out, "- {line}");
    }
    for line in new.difference(&old) {
        let _ = writeln!(out, "+ {line}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_names_what_went_and_what_came() {
        let d = diff("pub fn a()\npub fn b()\n", "pub fn b()\npub fn c()\n");
        assert_eq!(d, "- pub fn a()\n+ pub fn c()\n");
        assert_eq!(diff("x\n", "x\n"), "");
    }

    #[test]
    fn an_item_of_types_belongs_to_its_type() {
        assert_eq!(
            types_owner(
                "pub fn ess_api::types::UserInfo::builder() -> ess_api::types::UserInfoBuilder"
            ),
            Some("UserInfo")
        );
        assert_eq!(types_owner("pub struct ess_api::Client"), None);
        let names: Vec<&str> =
            type_names("fn f(ess_api::types::A, ess_api::types::B_c) -> x").collect();
        assert_eq!(names, ["A", "B_c"]);
    }

    #[test]
    fn only_the_seed_action_of_the_generated_modules_is_listed() {
        assert!(generated_elsewhere(
            "pub struct ess_api::operation::describe_flow_info::DescribeFlowInfoInput"
        ));
        assert!(!generated_elsewhere(
            "pub struct ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeInput"
        ));
        assert!(!generated_elsewhere("pub struct ess_api::Client"));
    }
}

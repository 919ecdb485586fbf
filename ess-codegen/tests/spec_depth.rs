//! The project's spec is deep: every item documented in its own words,
//! every action's documented error codes, rules read from the official
//! prose listed for review.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn spec() -> ess_codegen::Spec {
    ess_codegen::load_checked(&root().join("spec")).unwrap_or_else(|d| panic!("{d}"))
}

/// A doc that says something beyond the member's name.
fn real_doc(doc: Option<&str>, wire: &str) -> bool {
    doc.map(str::trim).is_some_and(|d| {
        d.split_whitespace().count() >= 2 && !d.eq_ignore_ascii_case(wire) && !d.contains("TODO")
    })
}

#[test]
fn every_action_type_member_value_and_code_has_a_doc_of_its_own() {
    let spec = spec();
    let mut missing = Vec::new();
    for a in &spec.actions {
        let name = a.name.get_ref();
        if !real_doc(a.doc.as_deref(), name) {
            missing.push(format!("action {name}"));
        }
        for (table, members) in [("input", &a.input), ("output", &a.output)] {
            for m in members {
                if !real_doc(m.doc.as_deref(), m.name.get_ref()) {
                    missing.push(format!("action {name} {table} {}", m.name.get_ref()));
                }
            }
        }
    }
    for t in &spec.types {
        let name = t.name.get_ref();
        if !real_doc(t.doc.as_deref(), name) {
            missing.push(format!("type {name}"));
        }
        for m in &t.members {
            if !real_doc(m.doc.as_deref(), m.name.get_ref()) {
                missing.push(format!("type {name} member {}", m.name.get_ref()));
            }
        }
        for v in &t.values {
            if v.doc.as_deref().is_none_or(|d| d.trim().is_empty()) {
                missing.push(format!("type {name} value {}", v.value.get_ref()));
            }
        }
    }
    for e in &spec.errors {
        if !real_doc(e.doc.as_deref(), e.code.get_ref()) {
            missing.push(format!("error {}", e.code.get_ref()));
        }
    }
    assert!(
        missing.is_empty(),
        "{} items without a doc of their own:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn every_action_lists_exactly_the_codes_its_documentation_gives() {
    let tsv = std::fs::read_to_string(root().join("reference/action-errors.tsv")).unwrap();
    let mut documented: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in tsv.lines().skip(1) {
        let (action, code) = line.split_once('\t').unwrap();
        documented.entry(action).or_default().push(code);
    }
    let spec = spec();
    let mut with_list = 0;
    for a in &spec.actions {
        let name = a.name.get_ref().as_str();
        let mut have: Vec<&str> = a.errors.iter().map(|c| c.get_ref().as_str()).collect();
        have.sort_unstable();
        let mut want = documented.get(name).cloned().unwrap_or_default();
        want.sort_unstable();
        assert_eq!(have, want, "{name}");
        with_list += usize::from(!have.is_empty());
    }
    assert_eq!(with_list, 156);
    assert!(spec
        .actions
        .iter()
        .any(|a| a.name.get_ref() == "CreateRequestWithEncryption" && a.errors.is_empty()));
}

#[test]
fn generated_errors_are_documented_and_per_action() {
    let generated = ess_codegen::run(&root().join("spec")).unwrap().to_file();
    assert!(!generated.contains("The service answered this code."));
    // CreateFlowByFiles: its 144 documented codes, each a variant.
    let start = generated
        .find("pub enum CreateFlowByFilesError {")
        .expect("CreateFlowByFiles has an error enum of its own");
    let body = &generated[start..start + generated[start..].find("\n    }\n").unwrap()];
    let tsv = std::fs::read_to_string(root().join("reference/action-errors.tsv")).unwrap();
    let codes: Vec<&str> = tsv
        .lines()
        .filter_map(|l| l.strip_prefix("CreateFlowByFiles\t"))
        .collect();
    assert_eq!(codes.len(), 144);
    for code in codes {
        assert!(
            body.contains(&format!("#[ess(code = \"{code}\"")),
            "CreateFlowByFilesError lacks {code}"
        );
    }
    // The one action without documented codes keeps the service-wide error.
    assert!(generated.contains("pub type CreateRequestWithEncryptionError = crate::EssError;"));
}

#[test]
fn the_review_listing_of_extracted_rules_is_current() {
    let spec = spec();
    let listing = ess_codegen::review::extracted_rules(&spec);
    let committed =
        std::fs::read_to_string(root().join("spec/extracted-rules.tsv")).unwrap_or_default();
    assert!(
        listing == committed,
        "spec/extracted-rules.tsv is out of date: run `cargo run -p ess-codegen -- review spec > spec/extracted-rules.tsv`"
    );
    assert!(listing.lines().filter(|l| !l.starts_with('#')).count() > 100);
}

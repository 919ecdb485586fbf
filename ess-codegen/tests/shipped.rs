//! The copy of the generated code that ess-api ships (and compiles without
//! the `codegen` feature) is exactly what the spec generates.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn on_disk(dir: &Path, rel: &str, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir.join(rel)).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if entry.file_type().unwrap().is_dir() {
            on_disk(dir, &rel, out);
        } else {
            out.insert(rel);
        }
    }
}

#[test]
fn the_shipped_code_is_what_the_spec_generates() {
    let generated = ess_codegen::run(&root().join("spec")).unwrap_or_else(|d| panic!("{d}"));
    let shipped = root().join("ess-api/src/generated");
    let expected = ess_codegen::shipped_files(&generated);
    let mut stale = Vec::new();
    for (rel, text) in &expected {
        if std::fs::read_to_string(shipped.join(rel)).ok().as_deref() != Some(text.as_str()) {
            stale.push(rel.clone());
        }
    }
    let mut present = BTreeSet::new();
    on_disk(&shipped, "", &mut present);
    let wanted: BTreeSet<String> = expected.iter().map(|(rel, _)| rel.clone()).collect();
    let extra: Vec<&String> = present.difference(&wanted).collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "ess-api/src/generated is stale ({} file(s) differ: {:?}; {} not generated any more: {:?}); \
         run `cargo run -p ess-codegen -- ship spec ess-api/src/generated`",
        stale.len(),
        stale.iter().take(5).collect::<Vec<_>>(),
        extra.len(),
        extra.iter().take(5).collect::<Vec<_>>(),
    );
}

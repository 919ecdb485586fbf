//! The importer: from the service's API description to spec files, merging
//! with what a maintainer wrote.

use std::path::{Path, PathBuf};

use ess_codegen::import::import;

fn api_json() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../reference/api.json")
}

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ess-import-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["service.toml", "errors.toml"] {
        std::fs::copy(spec_dir().join(f), dir.join(f)).unwrap();
    }
    dir
}

fn read_tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for sub in ["types", "actions"] {
        let mut files: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            out.push((
                format!("{sub}/{}", f.file_name().unwrap().to_string_lossy()),
                std::fs::read_to_string(&f).unwrap(),
            ));
        }
    }
    out
}

#[test]
fn a_fresh_import_covers_the_whole_service_and_passes_the_checks() {
    let dir = scratch("fresh");
    let report = import(&api_json(), &dir).unwrap();
    assert_eq!(report.added_members.len(), 0);
    let spec = ess_codegen::load_checked(&dir).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(spec.actions.len(), 157);
    // 464 objects, of which 314 are the actions' request and response shapes.
    assert_eq!(spec.types.len(), 150);
    assert_eq!(report.created.len(), 307);

    // Facts carried: int64 and uint64 stay distinct, deprecation, titles.
    let tree = read_tree(&dir);
    let text = |name: &str| &tree.iter().find(|(n, _)| n == name).unwrap().1;
    assert!(
        text("actions/CreateMultiFlowSignQRCode.toml").contains("title = \"创建一码多签签署码\"")
    );
    assert!(tree.iter().any(|(_, t)| t.contains("type = \"uint64\"")));
    assert!(text("actions/CreateMultiFlowSignQRCode.toml")
        .contains("name = \"QrEffectiveDay\"\ntype = \"int64\"\ndeprecated = "));
    // The enumeration and default stated in the fixed form are carried.
    assert!(text("actions/CreateMultiFlowSignQRCode.toml").contains(
        "name = \"FlowDisplayType\"\ntype = \"int64\"\nvalues = [0, 1, 2, 3]\ndefault = 0\n"
    ));
    // A name that would shadow the prelude gets a Rust name of its own.
    assert!(text("types/Option.toml").contains("rust_name = \"EssOption\""));
    // The description's prose is not copied.
    for (name, t) in &tree {
        assert!(
            !t.contains("<p>") && !t.contains("doc = "),
            "{name} carries prose"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reimporting_over_the_project_spec_changes_nothing() {
    let dir = scratch("again");
    for sub in ["types", "actions"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for e in std::fs::read_dir(spec_dir().join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.join(sub).join(e.file_name())).unwrap();
        }
    }
    let before = read_tree(&dir);
    let report = import(&api_json(), &dir).unwrap();
    assert!(report.created.is_empty(), "{report}");
    assert!(report.added_members.is_empty(), "{report}");
    assert!(report.disappeared.is_empty(), "{report}");
    assert_eq!(read_tree(&dir), before, "a re-import rewrote a file");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hand_edits_survive_new_members_are_added_and_vanished_ones_reported() {
    let dir = scratch("merge");
    std::fs::create_dir_all(dir.join("actions")).unwrap();
    std::fs::create_dir_all(dir.join("types")).unwrap();
    let hand = r#"# Written by hand.
name = "CancelMultiFlowSignQRCode"
title = "取消一码多签签署码"
doc = "Cancels a code."
idempotent = true
errors = ["ResourceNotFound.QrInfo"]

[[input]]
name = "QrCodeId"
type = "string"
required = true
min_chars = 32
max_chars = 32
doc = "Our own words."

[[input]]
name = "LegacyFlag"
type = "bool"
"#;
    let path = dir.join("actions/CancelMultiFlowSignQRCode.toml");
    std::fs::write(&path, hand).unwrap();
    let report = import(&api_json(), &dir).unwrap();
    let after = std::fs::read_to_string(&path).unwrap();

    assert!(
        after.starts_with(hand),
        "the hand-written part changed:\n{after}"
    );
    let added = &after[hand.len()..];
    assert!(
        added.contains("name = \"Operator\"\ntype = \"UserInfo\"\nrequired = true"),
        "{added}"
    );
    assert!(added.contains("name = \"Agent\""), "{added}");
    assert!(
        !added.contains("name = \"QrCodeId\""),
        "an existing member was added again"
    );
    assert!(report
        .added_members
        .iter()
        .any(|m| m.ends_with("CancelMultiFlowSignQRCode.toml: input Operator")));
    assert_eq!(report.disappeared.len(), 1, "{report}");
    assert!(report.disappeared[0].ends_with("input LegacyFlag"));

    // The merged file is still a valid action, and a second import is a no-op.
    let again = import(&api_json(), &dir).unwrap();
    assert!(again.added_members.is_empty());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_broken_description_is_an_error_not_a_panic() {
    let dir = scratch("broken");
    let bad = dir.join("api.json");
    std::fs::write(&bad, "{\"actions\": 3}").unwrap();
    let err = import(&bad, &dir).unwrap_err();
    assert!(err.to_string().contains("not an API description"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

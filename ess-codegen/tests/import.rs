//! The importer: from the service's API description to spec files, merging
//! with what a maintainer wrote.

use std::path::{Path, PathBuf};

use ess_codegen::import::{import, import_errors, ImportReport};

fn api_json() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../reference/api.json")
}

fn action_errors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../reference/action-errors.tsv")
}

use common::spec_dir;

mod common;

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
    let dir = project_copy("again");
    let before = read_tree(&dir);
    let mut report = import(&api_json(), &dir).unwrap();
    import_errors(&action_errors(), &dir, &mut report).unwrap();
    assert!(report.created.is_empty(), "{report}");
    assert!(report.added_members.is_empty(), "{report}");
    assert!(!report.needs_review(), "{report}");
    assert!(report.codes_added.is_empty(), "{report}");
    assert!(report.undocumented.is_empty(), "{report}");
    // Every deprecation is listed with its reason.
    assert!(report.deprecated.len() > 50, "{}", report.deprecated.len());
    assert!(
        report
            .deprecated
            .iter()
            .any(|d| d.contains("UploadFiles.toml:") && d.contains("input FileUrls: ")),
        "{report}"
    );
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

/// A copy of the project's spec in a scratch folder.
fn project_copy(name: &str) -> PathBuf {
    common::spec_copy(&format!("import-{name}"))
}

/// The description with `edit` applied, written next to the spec copy.
fn edited_description(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let mut api: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(api_json()).unwrap()).unwrap();
    edit(&mut api);
    let path = dir.join("api.json");
    std::fs::write(&path, serde_json::to_string(&api).unwrap()).unwrap();
    path
}

fn member<'a>(
    api: &'a mut serde_json::Value,
    object: &str,
    name: &str,
) -> &'a mut serde_json::Value {
    api["objects"][object]["members"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["name"] == name)
        .unwrap()
}

/// The line of `text` in `file` (1-based), to check the report points at it.
fn line_of(file: &Path, text: &str) -> usize {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .position(|l| l == text)
        .unwrap()
        + 1
}

#[test]
fn a_retyped_member_is_reported_at_its_line_and_left_alone() {
    let dir = project_copy("retyped");
    let api = edited_description(&dir, |api| {
        let m = member(api, "CreateMultiFlowSignQRCodeRequest", "MaxFlowNum");
        m["member"] = "string".into();
        m["type"] = "string".into();
    });
    let file = dir.join("actions/CreateMultiFlowSignQRCode.toml");
    let before = std::fs::read_to_string(&file).unwrap();
    let report = import(&api, &dir).unwrap();
    let line = line_of(&file, "name = \"MaxFlowNum\"");
    let expected = format!(
        "{}:{line}: input MaxFlowNum: type `int64` here, `string` in the description",
        file.display()
    );
    assert_eq!(report.changed, vec![expected], "{report}");
    assert!(report.needs_review());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_member_that_became_required_and_one_made_a_list_are_reported() {
    let dir = project_copy("required");
    let api = edited_description(&dir, |api| {
        member(api, "CreateMultiFlowSignQRCodeRequest", "FlowEffectiveDay")["required"] =
            true.into();
        member(api, "CancelMultiFlowSignQRCodeRequest", "QrCodeId")["type"] = "list".into();
    });
    let report = import(&api, &dir).unwrap();
    assert_eq!(report.changed.len(), 2, "{report}");
    assert!(
        report
            .changed
            .iter()
            .any(|c| c.contains("CreateMultiFlowSignQRCode.toml:")
                && c.ends_with(
                    "input FlowEffectiveDay: optional here, required in the description"
                )),
        "{report}"
    );
    assert!(
        report
            .changed
            .iter()
            .any(|c| c.contains("CancelMultiFlowSignQRCode.toml:")
                && c.ends_with("input QrCodeId: not a list here, a list in the description")),
        "{report}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn removed_actions_and_types_and_disabled_members_are_reported() {
    let dir = project_copy("removed");
    let api = edited_description(&dir, |api| {
        api["actions"].as_object_mut().unwrap().remove("CancelFlow");
        api["objects"]
            .as_object_mut()
            .unwrap()
            .remove("CancelFlowRequest");
        api["objects"]
            .as_object_mut()
            .unwrap()
            .remove("CancelFlowResponse");
        api["objects"].as_object_mut().unwrap().remove("Department");
        member(api, "UserInfo", "UserId")["disabled"] = true.into();
    });
    let report = import(&api, &dir).unwrap();
    let mut removed: Vec<&str> = report
        .removed
        .iter()
        .map(|r| r.rsplit(": ").next().unwrap())
        .collect();
    removed.sort();
    assert_eq!(
        removed,
        [
            "action CancelFlow is no longer in the description",
            "type Department is no longer in the description"
        ],
        "{report}"
    );
    let user_info = dir.join("types/UserInfo.toml");
    assert_eq!(
        report.newly_deprecated,
        vec![format!(
            "{}:{}: member UserId: disabled by the service; add `deprecated`",
            user_info.display(),
            line_of(&user_info, "name = \"UserId\"")
        )],
        "{report}"
    );
    // Nothing was deleted.
    assert!(dir.join("actions/CancelFlow.toml").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn error_codes_are_merged_added_ones_appended_dropped_ones_reported() {
    let dir = project_copy("codes");
    let tsv = dir.join("action-errors.tsv");
    let mut text = std::fs::read_to_string(action_errors()).unwrap();
    // CancelFlow gains a code and loses FailedOperation.
    text = text.replace("CancelFlow\tFailedOperation\n", "");
    text.push_str("CancelFlow\tOperationDenied.NoQuota\n");
    std::fs::write(&tsv, text).unwrap();
    let mut report = ImportReport::default();
    import_errors(&tsv, &dir, &mut report).unwrap();
    let file = dir.join("actions/CancelFlow.toml");
    assert_eq!(
        report.codes_added,
        vec![format!(
            "{}: CancelFlow OperationDenied.NoQuota",
            file.display()
        )]
    );
    assert_eq!(report.codes_removed.len(), 1, "{report}");
    assert!(report.codes_removed[0].starts_with(&format!(
        "{}:{}: CancelFlow lists FailedOperation",
        file.display(),
        line_of(&file, "    \"FailedOperation\",")
    )));
    // The list is extended, not rewritten, and the spec still checks.
    let spec = ess_codegen::load_checked(&dir).unwrap_or_else(|d| panic!("{d}"));
    let action = spec
        .actions
        .iter()
        .find(|a| a.name.get_ref() == "CancelFlow")
        .unwrap();
    let codes: Vec<&str> = action.errors.iter().map(|c| c.get_ref().as_str()).collect();
    assert!(codes.contains(&"FailedOperation"));
    assert_eq!(codes.last(), Some(&"OperationDenied.NoQuota"));
    // Twice is once.
    let mut again = ImportReport::default();
    import_errors(&tsv, &dir, &mut again).unwrap();
    assert!(again.codes_added.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_fresh_import_lists_everything_that_lacks_a_doc() {
    let dir = scratch("undocumented");
    let mut report = import(&api_json(), &dir).unwrap();
    import_errors(&action_errors(), &dir, &mut report).unwrap();
    // 157 actions and 150 types, each with its members: nothing has a doc yet.
    assert!(
        report.undocumented.len() > 2_000,
        "{}",
        report.undocumented.len()
    );
    assert!(report
        .undocumented
        .iter()
        .any(|u| u.ends_with("CreateMultiFlowSignQRCode.toml:1: the file itself")));
    // 156 actions get their codes; the one the documentation does not cover gets none.
    let spec = ess_codegen::load_checked(&dir).unwrap_or_else(|d| panic!("{d}"));
    let with_codes = spec.actions.iter().filter(|a| !a.errors.is_empty()).count();
    assert_eq!(with_codes, 156);
    std::fs::remove_dir_all(&dir).unwrap();
}

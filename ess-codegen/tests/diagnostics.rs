//! Broken spec fixtures: every mistake is reported, with file:line:col.

use std::path::Path;

mod common;

fn diagnostics(case: &str) -> ess_codegen::Diagnostics {
    // Relative path so the rendered positions do not depend on the checkout.
    let dir = Path::new("tests/fixtures").join(case);
    match ess_codegen::run(&dir) {
        Ok(_) => panic!("fixture `{case}` should not pass the checks"),
        Err(d) => d,
    }
}

#[test]
fn semantic_mistakes_are_all_reported() {
    let d = diagnostics("semantic");
    assert_eq!(d.len(), 19, "{d}");
    insta::assert_snapshot!("semantic", d.to_string());
}

#[test]
fn malformed_files_are_all_reported() {
    let d = diagnostics("malformed");
    assert_eq!(d.len(), 3, "{d}");
    insta::assert_snapshot!("malformed", d.to_string());
}

#[test]
fn name_collisions_are_reported() {
    let d = diagnostics("collisions");
    insta::assert_snapshot!("collisions", d.to_string());
}

#[test]
fn every_diagnostic_has_a_position() {
    for case in ["semantic", "malformed", "collisions"] {
        let d = diagnostics(case);
        for i in 0..d.len() {
            let pos = d.position(i);
            let mut parts = pos.rsplitn(3, ':');
            let col: usize = parts
                .next()
                .unwrap()
                .parse()
                .unwrap_or_else(|_| panic!("{pos}"));
            let line: usize = parts
                .next()
                .unwrap()
                .parse()
                .unwrap_or_else(|_| panic!("{pos}"));
            assert!(line >= 1 && col >= 1, "{pos}");
            assert!(parts.next().unwrap().ends_with(".toml"), "{pos}");
        }
    }
}

#[test]
fn diagnostics_are_sorted_by_file_and_position() {
    let d = diagnostics("semantic");
    let keys: Vec<(String, usize, usize)> = (0..d.len())
        .map(|i| {
            let pos = d.position(i);
            let mut parts = pos.rsplitn(3, ':');
            let col = parts.next().unwrap().parse().unwrap();
            let line = parts.next().unwrap().parse().unwrap();
            (parts.next().unwrap().to_string(), line, col)
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn a_missing_directory_is_an_error_not_a_panic() {
    let d = diagnostics("does-not-exist");
    assert!(d.to_string().contains("service.toml"), "{d}");
}

/// A copy of the project's spec with four mistakes in four files: a TOML
/// syntax error, an unknown type, a duplicate member and an unknown error
/// code. One run reports all four, each at its file:line:col; the file that
/// does not parse costs one diagnostic, not one per reference into it.
#[test]
fn a_syntax_error_does_not_hide_the_other_mistakes() {
    let dir = common::spec_copy("four-mistakes");
    let edit = |rel: &str, from: &str, to: &str| {
        let path = dir.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} lacks {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    // 1. Syntax: UserInfo.toml, used by nearly every action, does not parse.
    edit(
        "types/UserInfo.toml",
        "name = \"UserId\"",
        "name = \"UserId",
    );
    // 2. Unknown type.
    edit(
        "actions/CancelFlow.toml",
        "type = \"Agent\"",
        "type = \"Agnet\"",
    );
    // 3. Duplicate member.
    edit(
        "actions/DescribeFlowInfo.toml",
        "[[input]]\nname = \"FlowIds\"",
        "[[input]]\nname = \"FlowGroupId\"",
    );
    // 4. Unknown error code.
    edit(
        "actions/StartFlow.toml",
        "\"ResourceNotFound.Flow\",",
        "\"ResourceNotFound.Flwo\",",
    );
    let d = match ess_codegen::load_checked(&dir) {
        Ok(_) => panic!("four mistakes passed"),
        Err(d) => d,
    };
    let text = d.to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(d.len(), 4, "{text}");
    let positions: Vec<String> = (0..d.len()).map(|i| d.position(i)).collect();
    for (file, what) in [
        ("types/UserInfo.toml", "malformed spec"),
        ("actions/CancelFlow.toml", "unknown type `Agnet`"),
        ("actions/DescribeFlowInfo.toml", "`FlowGroupId`"),
        (
            "actions/StartFlow.toml",
            "`ResourceNotFound.Flwo` is not in the error catalogue",
        ),
    ] {
        assert!(
            positions.iter().any(|p| p.contains(file)),
            "no diagnostic in {file}: {positions:?}"
        );
        assert!(text.contains(what), "{what} not reported:\n{text}");
    }
    assert!(
        text.contains("did you mean `ResourceNotFound.Flow`?"),
        "{text}"
    );
    assert!(text.contains("a type named `Agent` exists"), "{text}");
}

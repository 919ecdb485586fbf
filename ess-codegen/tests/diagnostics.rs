//! Broken spec fixtures: every mistake is reported, with file:line:col.

use std::path::Path;

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

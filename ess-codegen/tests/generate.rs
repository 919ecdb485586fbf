//! Snapshots of the generated code for the real spec, and its determinism.
//!
//! The snapshot text is exactly what `ess-api` compiles.

use std::path::Path;

mod common;

fn spec_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec"))
}

/// Asserts every `(name, code)` snapshot, then fails once with the list of
/// those that differ, so one run writes every `.snap.new` to review (not
/// only the first).
fn assert_all(kind: &str, parts: &[(String, String)]) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(format!("snapshots/{kind}s"));
    settings.set_prepend_module_to_snapshot(false);
    let differ: Vec<&str> = settings.bind(|| {
        parts
            .iter()
            .filter(|(name, code)| {
                std::panic::catch_unwind(|| insta::assert_snapshot!(name.as_str(), code)).is_err()
            })
            .map(|(name, _)| name.as_str())
            .collect()
    });
    assert!(
        differ.is_empty(),
        "generated code of {} {kind}(s) changed: {}\nreview with `cargo insta review` (or rerun with INSTA_UPDATE=always and read `git diff`)",
        differ.len(),
        differ.join(", ")
    );
}

/// Every action's generated module is a reviewed snapshot: a spec change
/// shows its whole generated diff.
#[test]
fn generated_code_per_action() {
    let g = ess_codegen::run(spec_dir()).expect("the spec is valid");
    assert_eq!(g.actions.len(), 157);
    assert_all("action", &g.actions);
}

/// Every shared type's generated items are a reviewed snapshot.
#[test]
fn generated_shared_types() {
    let model = ess_codegen::load_model(spec_dir()).expect("the spec is valid");
    let generated = ess_codegen::emit::generate(&model);
    for (name, part) in &generated.types {
        let code = ess_codegen::emit::generate_type(&model, name).expect("type exists");
        assert_eq!(part, &code, "{name} differs from the types module's part");
    }
    assert_all("type", &generated.types);
}

#[test]
fn generated_service_items() {
    let g = ess_codegen::run(spec_dir()).expect("the spec is valid");
    assert_all("service", &[("service".to_owned(), g.service)]);
}

#[test]
fn generation_is_byte_identical_on_rerun() {
    let a = ess_codegen::run(spec_dir()).unwrap().to_file();
    let b = ess_codegen::run(spec_dir()).unwrap().to_file();
    assert_eq!(a, b);
}

#[test]
fn generated_code_is_already_formatted() {
    let g = ess_codegen::run(spec_dir()).unwrap();
    for (name, code) in &g.actions {
        let reparsed = syn::parse_file(code).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            &prettyplease::unparse(&reparsed),
            code,
            "{name} is not stable under formatting"
        );
    }
}

#[test]
fn every_action_module_names_its_wire_action() {
    let g = ess_codegen::run(spec_dir()).unwrap();
    for (name, code) in &g.actions {
        assert!(
            code.contains(&format!("const NAME: &'static str = \"{name}\";")),
            "{name} does not declare its wire name"
        );
    }
}

/// Copies `src` into `dst` recursively.
fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

#[test]
fn a_third_action_is_one_new_file() {
    let dir = std::env::temp_dir().join(format!("ess-codegen-third-action-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(spec_dir(), &dir);
    std::fs::write(
        dir.join("actions/DescribeThing.toml"),
        r#"name = "DescribeThing"
idempotent = true
group = "flows"
rate_limit = 20
errors = ["ResourceNotFound.Template"]

[[input]]
name = "Operator"
type = "UserInfo"
required = true

[[input]]
name = "ThingId"
type = "string"
required = true
max_chars = 32

[[output]]
name = "Thing"
type = "SignUrl"
required = true
"#,
    )
    .unwrap();
    let before = ess_codegen::run(spec_dir()).unwrap();
    let after = ess_codegen::run(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(after.actions.len(), before.actions.len() + 1);
    let (_, module) = after
        .actions
        .iter()
        .find(|(name, _)| name == "DescribeThing")
        .expect("the new action is generated");
    for expected in [
        "pub mod describe_thing",
        "pub struct DescribeThingInput",
        "pub struct DescribeThingOutput",
        "pub enum DescribeThingError",
        "pub fn describe_thing(",
        "const IDEMPOTENT: bool = true;",
        "#[ess(max_chars = 32)]",
        "ResourceNotFoundTemplate(::ess_api::ErrorMeta)",
    ] {
        assert!(
            module.contains(expected),
            "missing `{expected}` in:\n{module}"
        );
    }
    // Nothing else changed: the existing actions generate the same text.
    for (name, code) in &before.actions {
        let same = after.actions.iter().find(|(n, _)| n == name).unwrap();
        assert_eq!(&same.1, code, "{name} changed");
    }
    assert!(after.service.contains("\"DescribeThing\""));
}

/// The order of errors.toml does not matter: shuffled, the catalogue
/// generates the same code (a lookup once assumed the file was sorted).
#[test]
fn the_order_of_the_error_catalogue_does_not_matter() {
    let dir = common::spec_copy("shuffled");
    let text = std::fs::read_to_string(spec_dir().join("errors.toml")).unwrap();
    let mut blocks: Vec<&str> = text.split("\n[[error]]\n").collect();
    let head = blocks.remove(0);
    // A fixed shuffle: reversed, then every other entry moved to the end.
    blocks.reverse();
    let (mut front, mut back) = (Vec::new(), Vec::new());
    for (i, b) in blocks.into_iter().enumerate() {
        if i % 2 == 0 {
            front.push(b.trim_end());
        } else {
            back.push(b.trim_end());
        }
    }
    let shuffled: Vec<&str> = front.into_iter().chain(back).collect();
    let text = format!("{head}\n[[error]]\n{}\n", shuffled.join("\n\n[[error]]\n"));
    std::fs::write(dir.join("errors.toml"), text).unwrap();

    let original = ess_codegen::run(spec_dir()).unwrap().to_file();
    let shuffled = ess_codegen::run(&dir)
        .unwrap_or_else(|d| panic!("{d}"))
        .to_file();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        original == shuffled,
        "the generated code depends on the order of errors.toml"
    );
    for code in ["InternalError.Db", "InternalError.DataNotFound"] {
        assert!(
            original.contains(&format!("#[ess(code = \"{code}\", retry = \"transient\")]")),
            "{code} lost its retry class"
        );
    }
}

/// Every catalogue entry's doc reaches the service-wide error's variant.
#[test]
fn every_catalogue_doc_reaches_the_service_error() {
    let spec = ess_codegen::load_checked(spec_dir()).unwrap();
    let service = ess_codegen::run(spec_dir()).unwrap().service;
    for e in &spec.errors {
        let first_line = e.doc.as_deref().unwrap().trim().lines().next().unwrap();
        let expected = format!("/// `{}`: {}", e.code.get_ref(), first_line.trim());
        assert!(service.contains(&expected), "{expected}");
    }
}

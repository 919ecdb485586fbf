//! Snapshots of the generated code for the real spec, and its determinism.
//!
//! The snapshot text is exactly what `ess-api` compiles.

use std::path::Path;

fn spec_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec"))
}

#[test]
fn generated_code_per_action() {
    let g = ess_codegen::run(spec_dir()).expect("the spec is valid");
    assert!(!g.actions.is_empty());
    for (name, code) in &g.actions {
        insta::assert_snapshot!(format!("action_{name}"), code);
    }
}

#[test]
fn generated_shared_types() {
    let g = ess_codegen::run(spec_dir()).expect("the spec is valid");
    insta::assert_snapshot!("types", g.types);
}

#[test]
fn generated_service_items() {
    let g = ess_codegen::run(spec_dir()).expect("the spec is valid");
    insta::assert_snapshot!("service", g.service);
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

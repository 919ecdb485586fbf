//! Generates, from the spec, a dispatch from action names to the generated
//! request types, so the official examples can be checked for every action.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let spec = Path::new("../spec");
    println!("cargo:rerun-if-changed=../spec");
    println!("cargo:rerun-if-changed=../spec/actions");
    let spec = match ess_codegen::load_checked(spec) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            std::process::exit(1);
        }
    };
    let mut out = String::from(
        "/// Checks one official example of `action` with its generated types.\n\
         pub fn check_example(action: &str, request: &serde_json::Value, response: &serde_json::Value) -> Option<ExampleOutcome> {\n    match action {\n",
    );
    for a in &spec.actions {
        let wire = a.name.get_ref();
        let module = ess_codegen::naming::module_name(wire);
        let ty = ess_codegen::naming::type_name(wire);
        let _ = writeln!(
            out,
            "        {wire:?} => Some(check::<ess_api::operation::{module}::{ty}Input>(request, response)),"
        );
    }
    out.push_str("        _ => None,\n    }\n}\n");
    let dest =
        Path::new(&std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("examples_dispatch.rs");
    if std::fs::read_to_string(&dest).ok().as_deref() != Some(out.as_str()) {
        std::fs::write(dest, out).expect("write the dispatch");
    }
}

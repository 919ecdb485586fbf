//! Generates, from the spec, the list of actions and a dispatch from an
//! action's position in that list to its generated types, so that one fuzz
//! target covers every action.

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
    let mut names = String::from(
        "/// Every action of the spec, by wire name.\npub const ACTIONS: &[&str] = &[\n",
    );
    let mut dispatch = String::from(
        "/// Calls `visitor` with the input type of the action at `index % ACTIONS.len()`.\n\
         pub fn with_action<V: ActionVisitor>(index: usize, visitor: V) -> V::Output {\n    \
         match index % ACTIONS.len() {\n",
    );
    for (i, a) in spec.actions.iter().enumerate() {
        let wire = a.name.get_ref();
        let module = ess_codegen::naming::module_name(wire);
        let ty = ess_codegen::naming::type_name(wire);
        let _ = writeln!(names, "    {wire:?},");
        let _ = writeln!(
            dispatch,
            "        {i} => visitor.visit::<::ess_api::operation::{module}::{ty}Input>(),"
        );
    }
    names.push_str("];\n");
    dispatch.push_str("        _ => unreachable!(\"the index is reduced modulo the number of actions\"),\n    }\n}\n");
    let out = format!("{names}\n{dispatch}");
    let dest = Path::new(&std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("actions.rs");
    if std::fs::read_to_string(&dest).ok().as_deref() != Some(out.as_str()) {
        std::fs::write(dest, out).expect("write the dispatch");
    }
}

//! Generates the command line's tables from the spec: every action, shared
//! structure and enumeration, with each member's wire name, type, rules,
//! default, deprecation, example and documentation.
//!
//! The same engine as the SDK's: `ess_codegen::load_model` checks the spec
//! and resolves it, so the command line and `ess-api` cannot disagree on an
//! action or a member. The output is data (`static` tables), not clap
//! definitions: `ess` builds the one subcommand it is asked for from it.
//!
//! In the repository `ess-cli/spec` links to the workspace's `spec/`; a
//! packaged crate carries a copy, so it builds on its own.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use ess_codegen::resolved::{
    Action, Bound, DefaultValue, EnumRepr, Format, Member, MemberType, Model, Prim,
};
use heck::ToKebabCase;

/// Options of `ess` itself: a member whose kebab-case alias would be one of
/// these keeps only its wire name (`--Region`).
const RESERVED: &[&str] = &[
    "help",
    "version",
    "profile",
    "region",
    "endpoint",
    "environment",
    "language",
    "output",
    "filter",
    "dry-run",
    "timeout",
    "secret-id",
    "secret-key",
    "token",
    "cli-input-json",
    "generate-cli-skeleton",
    "qr-terminal",
];

fn main() {
    let spec = Path::new("spec");
    println!("cargo:rerun-if-changed={}", spec.display());
    let model = match ess_codegen::load_model(spec) {
        Ok(model) => model,
        Err(diags) => {
            eprintln!("{diags}");
            std::process::exit(1);
        }
    };
    let names = field_names(&model);
    let text = tables(&model, &names);
    let out_dir = std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo for build scripts");
    let path = Path::new(&out_dir).join("cli_tables.rs");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
    }
}

/// Rust field name → wire name, for every member whose field name says
/// which member it is (a name shared by members of different wire names is
/// left out).
type Names = BTreeMap<String, Option<String>>;

fn field_names(model: &Model) -> Names {
    let mut names = Names::new();
    let members = model
        .actions()
        .iter()
        .flat_map(|a| a.input.iter().chain(&a.output))
        .chain(model.structures().iter().flat_map(|s| &s.members));
    for m in members {
        let field = m.field.trim_start_matches("r#").to_owned();
        let entry = names.entry(field).or_insert_with(|| Some(m.wire.clone()));
        if entry.as_deref() != Some(m.wire.as_str()) {
            *entry = None;
        }
    }
    names
}

/// A doc as the command line shows it: the spec's docs name members by
/// their Rust field names (`` `flow_name` ``), a command line by their wire
/// names (`` `FlowName` ``). Names of one word (`` `restrictions` ``) are
/// taken for members only in a deprecation, where they name the
/// replacement; elsewhere they are as often a value (`` `link` ``).
fn doc(names: &Names, text: &str) -> String {
    rename(names, text, false)
}

fn deprecation(names: &Names, text: &str) -> String {
    rename(names, text, true)
}

fn rename(names: &Names, text: &str, one_word: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut parts = text.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        out.push('`');
        // Odd parts are inside backticks.
        let inside = i % 2 == 0;
        match names.get(part) {
            Some(Some(wire)) if inside && (one_word || part.contains('_')) => out.push_str(wire),
            _ => out.push_str(part),
        }
    }
    out
}

/// A Rust string literal holding `s`.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn opt_lit(s: Option<&str>) -> String {
    match s {
        Some(s) => format!("Some({})", lit(s)),
        None => "None".to_owned(),
    }
}

fn opt_u64(v: Option<u64>) -> String {
    match v {
        Some(v) => format!("Some({v})"),
        None => "None".to_owned(),
    }
}

fn opt_bound(b: &Option<Bound>) -> String {
    opt_lit(b.as_ref().map(|b| b.text.as_str()))
}

fn tables(model: &Model, names: &Names) -> String {
    let mut out = String::new();
    out.push_str("// Generated from the spec by ess-cli/build.rs. Do not edit.\n\n");

    let service = model.service();
    writeln!(out, "/// The API version.").unwrap();
    writeln!(out, "pub const VERSION: &str = {};", lit(&service.version)).unwrap();
    writeln!(out, "/// The service's title.").unwrap();
    writeln!(out, "pub const TITLE: &str = {};\n", lit(&service.title)).unwrap();

    out.push_str("/// Every action, sorted by wire name.\npub static ACTIONS: &[ActionDef] = &[\n");
    for a in model.actions() {
        action(model, names, a, &mut out);
    }
    out.push_str("];\n\n");

    out.push_str(
        "/// Every shared structure, in wire-name order.\npub static STRUCTS: &[StructDef] = &[\n",
    );
    for s in model.structures() {
        writeln!(
            out,
            "    StructDef {{ wire: {}, doc: {}, members: &[",
            lit(&s.name.wire),
            lit(&doc(names, &s.doc))
        )
        .unwrap();
        for m in &s.members {
            member(model, names, m, &mut out);
        }
        out.push_str("    ] },\n");
    }
    out.push_str("];\n\n");

    out.push_str(
        "/// Every shared enumeration, in wire-name order.\npub static ENUMS: &[EnumDef] = &[\n",
    );
    for e in model.enumerations() {
        let repr = match e.repr {
            EnumRepr::String => "Repr::String",
            EnumRepr::Int64 => "Repr::Int64",
            EnumRepr::Uint64 => "Repr::Uint64",
        };
        writeln!(
            out,
            "    EnumDef {{ wire: {}, doc: {}, repr: {repr}, values: &[",
            lit(&e.name.wire),
            lit(&doc(names, &e.doc))
        )
        .unwrap();
        for v in &e.values {
            writeln!(
                out,
                "        ValueDef {{ wire: {}, doc: {}, deprecated: {} }},",
                lit(&v.wire.to_string()),
                opt_lit(v.doc.as_deref().map(|d| doc(names, d)).as_deref()),
                opt_lit(
                    v.deprecated
                        .as_deref()
                        .map(|d| deprecation(names, d))
                        .as_deref()
                )
            )
            .unwrap();
        }
        out.push_str("    ] },\n");
    }
    out.push_str("];\n");
    out
}

fn action(model: &Model, names: &Names, a: &Action, out: &mut String) {
    let errors: Vec<String> = match &a.errors {
        ess_codegen::resolved::ActionErrors::ServiceWide => Vec::new(),
        ess_codegen::resolved::ActionErrors::Own(ids) => {
            ids.iter().map(|&id| lit(&model[id].code)).collect()
        }
    };
    writeln!(
        out,
        "    ActionDef {{\n        wire: {},\n        kebab: {},\n        title: {},\n        doc: {},\n        deprecated: {},\n        idempotent: {},\n        rate_limit: {},\n        errors: &[{}],\n        input: &[",
        lit(&a.wire),
        lit(&a.names.module.replace('_', "-")),
        opt_lit(a.title.as_deref()),
        lit(&doc(names, &a.doc)),
        opt_lit(a.deprecated.as_deref().map(|d| deprecation(names, d)).as_deref()),
        a.idempotent,
        match a.rate_limit {
            Some(r) => format!("Some({r})"),
            None => "None".to_owned(),
        },
        errors.join(", "),
    )
    .unwrap();
    for m in &a.input {
        member(model, names, m, out);
    }
    out.push_str("        ],\n        output: &[\n");
    for m in &a.output {
        member(model, names, m, out);
    }
    out.push_str("        ],\n    },\n");
}

fn member(model: &Model, names: &Names, m: &Member, out: &mut String) {
    let ty = match m.ty {
        MemberType::Prim(p) => match p {
            Prim::String => "Ty::String".to_owned(),
            Prim::Int64 => "Ty::Int64".to_owned(),
            Prim::Uint64 => "Ty::Uint64".to_owned(),
            Prim::Float => "Ty::Float".to_owned(),
            Prim::Bool => "Ty::Bool".to_owned(),
            Prim::Json => "Ty::Json".to_owned(),
        },
        MemberType::Structure(s) => {
            let index = model
                .structures()
                .iter()
                .position(|x| x.name.wire == model[s].name.wire)
                .expect("a resolved structure is in the model");
            format!("Ty::Struct({index})")
        }
        MemberType::Enumeration(e) => {
            let index = model
                .enumerations()
                .iter()
                .position(|x| x.name.wire == model[e].name.wire)
                .expect("a resolved enumeration is in the model");
            format!("Ty::Enum({index})")
        }
    };
    let kebab = m.wire.to_kebab_case();
    let kebab = (!RESERVED.contains(&kebab.as_str()) && kebab != m.wire).then_some(kebab);
    let default = m.default.as_ref().map(|d| match &d.value {
        DefaultValue::Variant(v) => model[*v].wire.to_string(),
        DefaultValue::String(s) => s.clone(),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Int64(i) => i.to_string(),
        DefaultValue::Uint64(u) => u.to_string(),
        DefaultValue::Float(_) => d.text.clone(),
    });
    let format = m.format.map(|f| match f {
        Format::Base64 => "base64",
        Format::Digits => "digits",
    });
    let values: Vec<String> = m.values.iter().flatten().map(|v| lit(v)).collect();
    writeln!(
        out,
        "            MemberDef {{ wire: {}, kebab: {}, ty: {ty}, list: {}, required: {}, doc: {}, example: {}, deprecated: {}, default: {}, min_chars: {}, max_chars: {}, min: {}, max: {}, min_items: {}, max_items: {}, format: {}, values: &[{}], sensitive: {} }},",
        lit(&m.wire),
        opt_lit(kebab.as_deref()),
        m.list,
        m.required,
        lit(&doc(names, &m.doc)),
        opt_lit(m.example.as_deref()),
        opt_lit(m.deprecated.as_deref().map(|d| deprecation(names, d)).as_deref()),
        opt_lit(default.as_deref()),
        opt_u64(m.min_chars),
        opt_u64(m.max_chars),
        opt_bound(&m.min),
        opt_bound(&m.max),
        opt_u64(m.min_items),
        opt_u64(m.max_items),
        opt_lit(format),
        values.join(", "),
        m.sensitive,
    )
    .unwrap();
}

//! The resolved model that checking builds and emission reads.

use std::path::{Path, PathBuf};

mod common;

use ess_codegen::resolved::{
    ActionErrors, DefaultValue, Direction, EnumRepr, Host, MemberType, Model, Number, Prim,
    RetryClass, TypeId, WireValue,
};

fn fixture() -> Model {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/resolved");
    ess_codegen::load_model(&dir).unwrap_or_else(|d| panic!("{d}"))
}

fn structure<'m>(model: &'m Model, wire: &str) -> &'m ess_codegen::resolved::Structure {
    match model.type_named(wire) {
        Some(TypeId::Structure(s)) => &model[s],
        other => panic!("{wire} is not a structure: {other:?}"),
    }
}

#[test]
fn each_structure_has_one_direction() {
    let model = fixture();
    // Reached from a request, and from a response through `Palette`.
    assert_eq!(structure(&model, "Paint").direction, Some(Direction::Both));
    // Declared received.
    let palette = structure(&model, "Palette");
    assert_eq!(palette.usage, Some(Direction::Received));
    assert_eq!(palette.direction, Some(Direction::Received));
    // Neither reached nor declared.
    assert_eq!(structure(&model, "Swatch").direction, None);
}

#[test]
fn references_names_and_rules_are_resolved() {
    let model = fixture();
    let swatch = structure(&model, "Swatch");
    let [offset, tint, ty] = &swatch.members[..] else {
        panic!("three members")
    };
    assert_eq!(offset.ty, MemberType::Prim(Prim::Int64));
    assert_eq!(
        offset.min.as_ref().map(|b| b.value),
        Some(Number::Int(i64::MIN))
    );
    assert_eq!(
        offset.default.as_ref().map(|d| d.constant.as_str()),
        Some("DEFAULT_OFFSET")
    );
    assert_eq!(ty.field, "type");
    assert_eq!(ty.setter, "set_type");

    let Some(DefaultValue::Variant(value)) = tint.default.as_ref().map(|d| &d.value) else {
        panic!("the default of an enumeration member is one of its values")
    };
    assert_eq!(tint.ty, MemberType::Enumeration(value.enumeration()));
    let color = &model[value.enumeration()];
    assert_eq!(color.repr, EnumRepr::String);
    assert_eq!(model[*value].variant, "Azure");
    assert_eq!(color.default_variant, "DarkRed");
    assert_eq!(color.values[0].wire, WireValue::String("DARK_RED".into()));
}

#[test]
fn actions_carry_their_names_hosts_and_codes() {
    let model = fixture();
    let [describe, paint] = model.actions() else {
        panic!("two actions, by name")
    };
    assert_eq!(describe.wire, "DescribeThing");
    assert_eq!(describe.errors, ActionErrors::ServiceWide);
    assert_eq!(paint.names.module, "paint_thing");
    assert_eq!(paint.names.fluent_builder, "PaintThingFluentBuilder");
    assert_eq!(paint.rate_limit, Some(5));
    let ActionErrors::Own(codes) = &paint.errors else {
        panic!("PaintThing documents codes")
    };
    // Exactly its own codes, sorted by code (not the common ones).
    let codes: Vec<(&str, RetryClass)> = codes
        .iter()
        .map(|&id| (model[id].code.as_str(), model[id].retry))
        .collect();
    assert_eq!(
        codes,
        [
            ("AuthFailure", RetryClass::Never),
            ("FailedOperation.Busy", RetryClass::Throttling),
        ]
    );
    let internal = model
        .errors()
        .get("InternalError")
        .expect("in the catalogue");
    assert_eq!(model[internal].constant, "INTERNAL_ERROR");
    assert_eq!(model[internal].variant, "InternalError");
    let host = |p: &str, t: &str| Host {
        production: p.into(),
        test: t.into(),
    };
    assert_eq!(
        model.service().action_hosts,
        [
            host("paint.example.com", "paint-test.example.com"),
            host("paint.example.com", "paint.example.com"),
        ]
    );
}

#[test]
fn the_smallest_integer_bound_is_emitted() {
    let model = fixture();
    let swatch = ess_codegen::emit::generate_type(&model, "Swatch").unwrap();
    assert!(
        swatch.contains("#[ess(min = -9223372036854775808, max = -1)]"),
        "{swatch}"
    );
    // Neither reached nor declared: both derives, shaped as sent.
    assert!(swatch.contains("#[derive(::serde::Serialize)]\n#[derive(::serde::Deserialize)]"));
}

/// `_` is an identifier, but its module name would be empty.
#[test]
fn an_action_name_without_letters_is_reported() {
    let dir: PathBuf = std::env::temp_dir().join(format!("ess-underscore-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/resolved"),
        &dir,
    );
    std::fs::write(
        dir.join("actions/_.toml"),
        "name = \"_\"\nidempotent = true\n",
    )
    .unwrap();
    let result = ess_codegen::run(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let d = result.expect_err("an action named `_` is reported");
    assert_eq!(d.len(), 1, "{d}");
    assert!(d.to_string().contains("invalid action name `_`"), "{d}");
}

//! Checks of an `EssModel` struct: rules must fit the field they are on.

use std::collections::HashMap;

use crate::diag::Diagnostics;
use crate::names;
use crate::parse::model::{Field, Model};
use crate::parse::ty::Scalar;
use crate::parse::{Number, Setting};

/// Reports every rule that does not fit its field and removes it.
pub fn check(model: &mut Model, diag: &mut Diagnostics) {
    for field in &mut model.fields {
        check_field(field, diag);
    }
    check_method_names(model, diag);
}

fn check_field(field: &mut Field, diag: &mut Diagnostics) {
    let shape = field.ty.shape;
    let scalar = field.ty.scalar;
    let rules = &mut field.rules;

    if !shape.is_optional() {
        reject(&mut rules.required, diag, |_| {
            format!(
                "`{}` only applies to `Option<_>` fields; a field of any other type is \
                 always required by the builder",
                names::REQUIRED
            )
        });
    }

    if scalar != Scalar::Str {
        let message = |key: &str| {
            format!(
                "`{key}` only applies to `String` fields (`String`, `Option<String>`, \
                 `Vec<String>` or `Option<Vec<String>>`)"
            )
        };
        reject(&mut rules.min_chars, diag, |_| message(names::MIN_CHARS));
        reject(&mut rules.max_chars, diag, |_| message(names::MAX_CHARS));
        reject(&mut rules.format, diag, |_| message(names::FORMAT));
    }

    if !shape.is_list() {
        let message = |key: &str| {
            format!("`{key}` only applies to list fields (`Vec<_>` or `Option<Vec<_>>`)")
        };
        reject(&mut rules.min_items, diag, |_| message(names::MIN_ITEMS));
        reject(&mut rules.max_items, diag, |_| message(names::MAX_ITEMS));
    }

    check_number(&mut rules.min, names::MIN, scalar, diag);
    check_number(&mut rules.max, names::MAX, scalar, diag);

    contradiction(
        &mut rules.min_chars,
        &mut rules.max_chars,
        [names::MIN_CHARS, names::MAX_CHARS],
        |min, max| min > max,
        diag,
    );
    contradiction(
        &mut rules.min_items,
        &mut rules.max_items,
        [names::MIN_ITEMS, names::MAX_ITEMS],
        |min, max| min > max,
        diag,
    );
    contradiction(
        &mut rules.min,
        &mut rules.max,
        [names::MIN, names::MAX],
        |min, max| match (min, max) {
            (Number::Int(min), Number::Int(max)) => min > max,
            _ => min.as_f64() > max.as_f64(),
        },
        diag,
    );
}

/// Removes `setting`, reporting `message` at it, when it is present.
fn reject<T>(
    setting: &mut Option<Setting<T>>,
    diag: &mut Diagnostics,
    message: impl FnOnce(&T) -> String,
) {
    if let Some(s) = setting.take() {
        diag.push(s.error(message(&s.value)));
    }
}

fn check_number(
    setting: &mut Option<Setting<Number>>,
    key: &str,
    scalar: Scalar,
    diag: &mut Diagnostics,
) {
    match scalar {
        Scalar::F32 | Scalar::F64 => {}
        Scalar::Int(kind) => reject_if(setting, diag, |value| match *value {
            Number::Float(_) => Some(format!(
                "`{key}` on an integer field needs an integer literal, like `{key} = 1`"
            )),
            Number::Int(v) if v < kind.min || v > kind.max => Some(format!(
                "`{key} = {v}` is out of range for `{}` ({} to {})",
                kind.name, kind.min, kind.max
            )),
            Number::Int(_) => None,
        }),
        Scalar::Str | Scalar::Other => reject(setting, diag, |_| {
            format!(
                "`{key}` only applies to number fields (`i8` to `i64`, `u8` to `u64`, `f32`, \
                 `f64`, alone or in an `Option` or `Vec`)"
            )
        }),
    }
}

fn reject_if<T>(
    setting: &mut Option<Setting<T>>,
    diag: &mut Diagnostics,
    problem: impl FnOnce(&T) -> Option<String>,
) {
    if let Some(message) = setting.as_ref().and_then(|s| problem(&s.value)) {
        reject(setting, diag, |_| message);
    }
}

/// Reports a lower bound above its upper bound at whichever was written last,
/// and removes that one.
fn contradiction<T: std::fmt::Display>(
    min: &mut Option<Setting<T>>,
    max: &mut Option<Setting<T>>,
    [min_key, max_key]: [&str; 2],
    above: impl FnOnce(&T, &T) -> bool,
    diag: &mut Diagnostics,
) {
    let (Some(lo), Some(hi)) = (min.as_ref(), max.as_ref()) else {
        return;
    };
    if !above(&lo.value, &hi.value) {
        return;
    }
    let message = format!(
        "contradictory bounds: `{min_key} = {}` is greater than `{max_key} = {}`, so no value \
         can satisfy both",
        lo.value, hi.value
    );
    let later = if lo.order > hi.order { min } else { max };
    reject(later, diag, |_| message);
}

/// Every builder method name must be unique: the three methods of each field
/// and the builder's own methods. On a collision no builder is emitted, so
/// the only error is this one.
fn check_method_names(model: &mut Model, diag: &mut Diagnostics) {
    let mut taken: HashMap<String, Option<String>> =
        [names::BUILD, names::BUILD_UNVALIDATED, names::ASSEMBLE]
            .into_iter()
            .map(|name| (name.to_owned(), None))
            .collect();
    for field in &model.fields {
        for method in method_names(&field.name) {
            match taken.get(&method) {
                Some(owner) => {
                    let owner = match owner {
                        Some(other) => format!("the builder method of field `{other}`"),
                        None => "a method of the builder itself".to_owned(),
                    };
                    model.emit_builder = false;
                    diag.push(syn::Error::new_spanned(
                        &field.ident,
                        format!(
                            "field `{}` gives the builder a method `{method}`, which collides \
                             with {owner}; rename the field",
                            field.name
                        ),
                    ));
                }
                None => {
                    taken.insert(method, Some(field.name.clone()));
                }
            }
        }
    }
}

/// The builder methods generated for a field called `name`.
pub fn method_names(name: &str) -> [String; 3] {
    [
        name.to_owned(),
        format!("set_{name}"),
        format!("get_{name}"),
    ]
}

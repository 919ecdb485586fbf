//! Reading derive inputs into typed models.
//!
//! Parsing only reports what is wrong with the attribute syntax (unknown or
//! duplicate keys, values of the wrong kind, unknown enumerated values);
//! whether the attributes make sense for the item is decided in `check`.

pub mod error;
pub mod model;
pub mod ty;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Attribute, Expr, Ident, Lit, LitStr, Token, UnOp};

use crate::diag::Diagnostics;
use crate::names;

/// One `key` or `key = value` entry of an `#[ess(...)]` attribute.
pub struct Entry {
    /// The key, such as `max_chars`.
    pub key: Ident,
    /// The value after `=`, if any.
    pub value: Option<Expr>,
}

impl Entry {
    /// The tokens of the whole entry, for errors that cover it.
    pub fn tokens(&self) -> TokenStream {
        let key = &self.key;
        match &self.value {
            Some(value) => quote::quote!(#key = #value),
            None => key.to_token_stream(),
        }
    }

    /// Accepts a flag (`key` with no value).
    pub fn flag(&self) -> syn::Result<()> {
        match &self.value {
            None => Ok(()),
            Some(value) => Err(syn::Error::new_spanned(
                value,
                format!(
                    "`{key}` is a flag and takes no value: write `#[ess({key})]`",
                    key = self.key
                ),
            )),
        }
    }

    fn value(&self, example: &str) -> syn::Result<&Expr> {
        self.value.as_ref().ok_or_else(|| {
            syn::Error::new_spanned(
                &self.key,
                format!(
                    "`{key}` needs a value, like `{key} = {example}`",
                    key = self.key
                ),
            )
        })
    }

    /// A non-negative integer literal.
    pub fn count(&self) -> syn::Result<usize> {
        let example = "64";
        let value = self.value(example)?;
        match literal(value) {
            (false, Some(Lit::Int(int))) => int.base10_parse::<usize>(),
            _ => Err(syn::Error::new_spanned(
                value,
                format!(
                    "`{key}` expects a non-negative integer literal, like `{key} = {example}`",
                    key = self.key
                ),
            )),
        }
    }

    /// An integer or float literal, possibly negative.
    pub fn number(&self) -> syn::Result<Number> {
        let value = self.value("0")?;
        match literal(value) {
            (negative, Some(Lit::Int(int))) => {
                let magnitude = int.base10_parse::<i128>()?;
                Ok(Number::Int(if negative { -magnitude } else { magnitude }))
            }
            (negative, Some(Lit::Float(float))) => {
                let magnitude = float.base10_parse::<f64>()?;
                if !magnitude.is_finite() {
                    return Err(syn::Error::new_spanned(float, "bound must be finite"));
                }
                Ok(Number::Float(if negative { -magnitude } else { magnitude }))
            }
            _ => Err(syn::Error::new_spanned(
                value,
                format!(
                    "`{key}` expects an integer or float literal, like `{key} = 0` or `{key} = 0.5`",
                    key = self.key
                ),
            )),
        }
    }

    /// A string literal.
    pub fn string(&self, example: &str) -> syn::Result<LitStr> {
        let value = self.value(example)?;
        match literal(value) {
            (false, Some(Lit::Str(s))) => Ok(s.clone()),
            _ => Err(syn::Error::new_spanned(
                value,
                format!(
                    "`{key}` expects a string literal, like `{key} = {example}`",
                    key = self.key
                ),
            )),
        }
    }
}

/// The literal inside `value` and whether it was negated.
fn literal(value: &Expr) -> (bool, Option<&Lit>) {
    match value {
        Expr::Lit(lit) => (false, Some(&lit.lit)),
        Expr::Group(group) => literal(&group.expr),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => match literal(&unary.expr) {
            (false, lit @ Some(Lit::Int(_) | Lit::Float(_))) => (true, lit),
            _ => (false, None),
        },
        _ => (false, None),
    }
}

/// A numeric bound as written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An integer literal.
    Int(i128),
    /// A float literal.
    Float(f64),
}

impl Number {
    /// The value as a float, for comparing bounds of float fields.
    #[allow(clippy::cast_precision_loss)]
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(v) => v as f64,
            Number::Float(v) => v,
        }
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Number::Int(v) => write!(f, "{v}"),
            Number::Float(v) => write!(f, "{v:?}"),
        }
    }
}

/// A value given by one attribute entry, with where it was written.
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// The tokens of the entry (`max_chars = 64`), for errors.
    pub tokens: TokenStream,
    /// Position of the entry among the field's entries.
    pub order: usize,
}

impl<T> Setting<T> {
    /// An error spanning the entry.
    pub fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        syn::Error::new_spanned(&self.tokens, message)
    }
}

/// Reads the value of `entry` into a [`Setting`], recording its error.
pub fn setting<T>(
    diag: &mut Diagnostics,
    entry: &Entry,
    order: usize,
    value: syn::Result<T>,
) -> Option<Setting<T>> {
    diag.take(value).map(|value| Setting {
        value,
        tokens: entry.tokens(),
        order,
    })
}

/// The entries of an item's `#[ess(...)]` attributes.
pub struct Entries {
    /// Entries with known keys, each key once, in source order.
    pub list: Vec<Entry>,
    /// Whether an entry was left out of `list` (unknown key, repeated key or
    /// bad syntax) after its error was reported.
    pub rejected: bool,
}

/// Every entry of every `#[ess(...)]` among `attrs`, in source order.
///
/// Unknown keys and repeated keys are reported and left out, so each key in
/// the result is one of `known` and appears once.
pub fn entries(attrs: &[Attribute], known: &[&str], diag: &mut Diagnostics) -> Entries {
    let mut out: Vec<Entry> = Vec::new();
    let mut rejected = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident(names::ESS)) {
        let result = attr.parse_nested_meta(|meta| {
            let Some(key) = meta.path.get_ident().cloned() else {
                return Err(meta.error(format!(
                    "expected a key of `#[ess(...)]`: {}",
                    names::one_of(known)
                )));
            };
            let value = if meta.input.peek(Token![=]) {
                Some(meta.value()?.parse::<Expr>()?)
            } else {
                None
            };
            let entry = Entry { key, value };
            let name = entry.key.to_string();
            if !known.contains(&name.as_str()) {
                rejected = true;
                let hint = names::closest(&name, known)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                diag.push(syn::Error::new_spanned(
                    &entry.key,
                    format!(
                        "unknown key `{name}` in `#[ess(...)]`{hint}; expected {}",
                        names::one_of(known)
                    ),
                ));
            } else if out.iter().any(|e| e.key == entry.key) {
                rejected = true;
                diag.push(syn::Error::new_spanned(
                    &entry.key,
                    format!("duplicate key `{name}` in `#[ess(...)]`"),
                ));
            } else {
                out.push(entry);
            }
            Ok(())
        });
        if diag.take(result).is_none() {
            rejected = true;
        }
    }
    Entries {
        list: out,
        rejected,
    }
}

/// The `#[doc]` attributes among `attrs`.
pub fn docs(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect()
}

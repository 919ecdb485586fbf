//! Derive macros for ESS request models and typed service errors.
//!
//! The generated code targets the runtime in `ess_runtime::__private`; see the
//! `ess-api` crate for the traits it implements.
//!
//! Each derive reads its input into a typed model (`parse`), checks that the
//! attributes fit the item (`check`) and generates code (`emit`). Every error
//! of one input is reported together; after an error, stand-in impls are
//! still generated so that a single mistake does not cause errors wherever the
//! type is used.

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

mod check;
mod diag;
mod emit;
mod names;
mod parse;

/// Derives validation, a builder and a redacted `Debug` for a request model.
///
/// Applies to structs with named fields and no generics. Every field can
/// carry `#[ess(...)]` with any of these comma-separated entries:
///
/// | entry | applies to | rule |
/// | --- | --- | --- |
/// | `required` | `Option<_>` | `None` is a violation |
/// | `min_chars = N`, `max_chars = N` | strings | length in characters |
/// | `min = LIT`, `max = LIT` | integers, floats | inclusive range |
/// | `min_items = N`, `max_items = N` | `Vec<_>` | element count |
/// | `format = "base64"` or `"digits"` | strings | allowed characters |
/// | `sensitive` | any | never shown by `Debug` |
///
/// "Strings" are `String`, `Option<String>`, `Vec<String>` and
/// `Option<Vec<String>>` (judged by the last path segment `String`); numbers
/// are `i8`..`i64`, `u8`..`u64` (integer bounds only, within the type's range)
/// and `f32`, `f64` (integer or float bounds). On a list, value rules apply
/// to each element at `field[i]`. Every field is also validated recursively
/// through its own `Validate` implementation.
///
/// Generates `impl Validate`, `impl Debug`, a `<Name>Builder` with setters
/// `field`, `set_field` and `get_field` for each field, `build` and
/// `build_unvalidated`, and `Name::builder()`.
#[proc_macro_derive(EssModel, attributes(ess))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let mut diag = diag::Diagnostics::default();
    let output = match parse::model::parse(&input, &mut diag) {
        Some(mut model) => {
            check::model::check(&mut model, &mut diag);
            emit::model::emit(&model)
        }
        None => emit::model::fallback(&input),
    };
    let errors = diag.into_compile_errors();
    quote::quote!(#errors #output).into()
}

/// Derives `ServiceError`, `From<ErrorMeta>`, `Display`, `Error` and
/// per-variant helpers for an enum of service error codes.
///
/// Each variant holds one `ErrorMeta` and is marked either
/// `#[ess(code = "Family.Code")]`, optionally with
/// `retry = "never" | "throttling" | "transient" | "resign"` (default
/// `"never"`), or `#[ess(unhandled)]` for the one catch-all variant.
#[proc_macro_derive(EssError, attributes(ess))]
pub fn derive_error(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let mut diag = diag::Diagnostics::default();
    let item = parse::error::parse(&input, &mut diag);
    let checked = item
        .as_ref()
        .and_then(|item| check::error::check(item, &mut diag));
    let output = match checked {
        Some(checked) if diag.is_empty() => emit::error::emit(&checked, &input),
        _ => emit::error::fallback(&input, item.as_ref()),
    };
    let errors = diag.into_compile_errors();
    quote::quote!(#errors #output).into()
}

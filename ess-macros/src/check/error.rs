//! Checks of an `EssError` enum: one code per variant, no code twice, and
//! exactly one catch-all variant.

use std::collections::HashMap;

use syn::{Attribute, Fields, Ident, Type};

use crate::diag::Diagnostics;
use crate::names;
use crate::parse::error::{ErrorEnum, Retry};

/// An enum that passed every check.
pub struct Checked {
    /// The enum's name.
    pub ident: Ident,
    /// The variants with a code of their own, in declaration order.
    pub modeled: Vec<Modeled>,
    /// The catch-all variant.
    pub unhandled: Ident,
    /// The function that classifies codes without a variant, if given.
    pub catalogue: Option<syn::Path>,
}

/// A variant with a code of its own.
pub struct Modeled {
    /// The variant's name.
    pub ident: Ident,
    /// The service code.
    pub code: String,
    /// Its retry class.
    pub retry: Retry,
    /// The variant's docs.
    pub docs: Vec<Attribute>,
}

/// Reports everything wrong with `item`; `Some` only when nothing is.
pub fn check(item: &ErrorEnum, diag: &mut Diagnostics) -> Option<Checked> {
    let mut ok = true;
    let mut fail = |diag: &mut Diagnostics, error: syn::Error| {
        ok = false;
        diag.push(error);
    };
    let mut modeled = Vec::new();
    let mut unhandled: Option<&Ident> = None;
    let mut codes: HashMap<String, &Ident> = HashMap::new();
    let mut all_identified = true;

    for variant in &item.variants {
        let ident = &variant.ident;
        match &variant.fields {
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                let ty = &fields.unnamed[0].ty;
                if !is_error_meta(ty) {
                    fail(
                        diag,
                        syn::Error::new_spanned(
                            ty,
                            format!(
                                "an `EssError` variant holds the error's `ErrorMeta`: write \
                                 `{ident}(ErrorMeta)`"
                            ),
                        ),
                    );
                }
            }
            fields => {
                let message = format!(
                    "each `EssError` variant holds exactly one unnamed field, its error meta: \
                     write `{ident}(ErrorMeta)`"
                );
                let error = match fields {
                    Fields::Unit => syn::Error::new_spanned(ident, message),
                    _ => syn::Error::new_spanned(fields, message),
                };
                fail(diag, error);
            }
        }

        match (&variant.code, &variant.unhandled) {
            (Some(_), Some(flag)) => fail(
                diag,
                flag.error(format!(
                    "a variant is either `{}` or `{}`, not both",
                    names::CODE,
                    names::UNHANDLED
                )),
            ),
            // Reading the attribute failed with an error of its own.
            (None, None) if variant.marked => all_identified = false,
            (None, None) => {
                all_identified = false;
                fail(
                    diag,
                    syn::Error::new_spanned(
                        ident,
                        format!(
                            "variant `{ident}` needs `#[ess({} = \"...\")]`, or \
                             `#[ess({})]` if it is the catch-all variant",
                            names::CODE,
                            names::UNHANDLED
                        ),
                    ),
                );
            }
            (Some(code), None) => {
                let value = code.value.value();
                if value.is_empty() {
                    fail(diag, code.error("the code must not be empty"));
                } else if let Some(first) = codes.get(&value) {
                    fail(
                        diag,
                        syn::Error::new(
                            code.value.span(),
                            format!("duplicate code `{value}`: variant `{first}` already has it"),
                        ),
                    );
                } else {
                    codes.insert(value.clone(), ident);
                    modeled.push(Modeled {
                        ident: ident.clone(),
                        code: value,
                        retry: variant.retry.as_ref().map(|r| r.value).unwrap_or_default(),
                        docs: variant.docs.clone(),
                    });
                }
            }
            (None, Some(_)) => {}
        }

        if let Some(flag) = &variant.unhandled {
            if let Some(retry) = &variant.retry {
                fail(
                    diag,
                    retry.error(format!(
                        "`{}` does not apply to the `{}` variant: its retry class is judged \
                         from the code received",
                        names::RETRY,
                        names::UNHANDLED
                    )),
                );
            }
            match unhandled {
                Some(first) => fail(
                    diag,
                    flag.error(format!(
                        "only one variant can be `{}`, and `{first}` already is",
                        names::UNHANDLED
                    )),
                ),
                None => unhandled = Some(ident),
            }
        }
    }

    // A variant of unknown kind already has an error, either suggesting
    // `unhandled` or at an attribute that may have meant it; an error for
    // the enum would only repeat it.
    if unhandled.is_none() && all_identified {
        fail(
            diag,
            syn::Error::new_spanned(
                &item.ident,
                format!(
                    "`{}` has no catch-all variant: mark one variant holding `ErrorMeta` with \
                     `#[ess({})]` to keep the codes this enum does not model",
                    item.ident,
                    names::UNHANDLED
                ),
            ),
        );
    }

    let unhandled = unhandled?.clone();
    ok.then(|| Checked {
        ident: item.ident.clone(),
        modeled,
        unhandled,
        catalogue: item.catalogue.clone(),
    })
}

/// Whether `ty` names `ErrorMeta` (by its last path segment, so any path to
/// it is accepted; a renamed import is not).
fn is_error_meta(ty: &Type) -> bool {
    match ty {
        Type::Group(group) => is_error_meta(&group.elem),
        Type::Paren(paren) => is_error_meta(&paren.elem),
        Type::Path(path) => {
            path.qself.is_none()
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "ErrorMeta" && s.arguments.is_empty())
        }
        _ => false,
    }
}

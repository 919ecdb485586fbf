//! `#[derive(EssError)]` input → [`ErrorEnum`].

use syn::{Attribute, Data, DeriveInput, Fields, Ident, LitStr};

use super::{docs, entries, setting, Entry, Setting};
use crate::diag::Diagnostics;
use crate::names;

/// An enum that derives `EssError`.
pub struct ErrorEnum {
    /// The enum's name.
    pub ident: Ident,
    /// The variants, in declaration order.
    pub variants: Vec<Variant>,
    /// `#[ess(catalogue = "path")]` on the enum.
    pub catalogue: Option<syn::Path>,
}

/// One variant and what its attributes say.
pub struct Variant {
    /// The variant's name.
    pub ident: Ident,
    /// The variant's fields, whose shape `check` verifies.
    pub fields: Fields,
    /// `#[doc]` attributes of the variant.
    pub docs: Vec<Attribute>,
    /// `code = "..."`.
    pub code: Option<Setting<LitStr>>,
    /// `retry = "..."`.
    pub retry: Option<Setting<Retry>>,
    /// `unhandled`.
    pub unhandled: Option<Setting<()>>,
    /// Whether the attributes tried to say what the variant is (a `code` or
    /// `unhandled` entry, or an entry that was rejected), even if that failed
    /// with an error of its own.
    pub marked: bool,
}

/// The values of `retry = "..."`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Retry {
    /// `"never"`.
    #[default]
    Never,
    /// `"throttling"`.
    Throttling,
    /// `"transient"`.
    Transient,
    /// `"resign"`.
    Resign,
}

/// Reads the enum and its variant attributes. `None` when the item is not a
/// non-generic enum; everything wrong is in `diag`.
pub fn parse(input: &DeriveInput, diag: &mut Diagnostics) -> Option<ErrorEnum> {
    let data = match &input.data {
        Data::Enum(data) => Some(data),
        Data::Struct(data) => {
            diag.push(syn::Error::new(
                data.struct_token.span,
                "`EssError` can only be derived for enums of service error codes, not for structs",
            ));
            None
        }
        Data::Union(data) => {
            diag.push(syn::Error::new(
                data.union_token.span,
                "`EssError` can only be derived for enums of service error codes, not for unions",
            ));
            None
        }
    };
    let generic = !input.generics.params.is_empty() || input.generics.where_clause.is_some();
    if generic {
        diag.push(syn::Error::new_spanned(
            &input.generics,
            "`EssError` does not support generic parameters",
        ));
    }
    let mut catalogue = None;
    for entry in entries(&input.attrs, names::ERROR_ENUM_KEYS, diag).list {
        // `entries` yields only `catalogue` here.
        let path = entry
            .string("\"crate::service::retry_class\"")
            .and_then(|lit| lit.parse::<syn::Path>());
        catalogue = diag.take(path);
    }
    let data = data?;
    if generic {
        return None;
    }
    let variants = data
        .variants
        .iter()
        .map(|variant| {
            let mut out = Variant {
                ident: variant.ident.clone(),
                fields: variant.fields.clone(),
                docs: docs(&variant.attrs),
                code: None,
                retry: None,
                unhandled: None,
                marked: false,
            };
            let found = entries(&variant.attrs, names::ERROR_KEYS, diag);
            out.marked = found.rejected;
            for (order, entry) in found.list.into_iter().enumerate() {
                out.marked |= entry.key == names::CODE || entry.key == names::UNHANDLED;
                let e = &entry;
                match entry.key.to_string().as_str() {
                    names::CODE => {
                        out.code = setting(diag, e, order, entry.string("\"FailedOperation\""))
                    }
                    names::RETRY => out.retry = setting(diag, e, order, retry(&entry)),
                    names::UNHANDLED => out.unhandled = setting(diag, e, order, entry.flag()),
                    // `entries` yields only keys listed in `ERROR_KEYS`, all handled above.
                    _ => {}
                }
            }
            out
        })
        .collect();
    Some(ErrorEnum {
        ident: input.ident.clone(),
        variants,
        catalogue,
    })
}

fn retry(entry: &Entry) -> syn::Result<Retry> {
    let lit = entry.string(&format!("\"{}\"", names::RETRY_THROTTLING))?;
    match lit.value().as_str() {
        names::RETRY_NEVER => Ok(Retry::Never),
        names::RETRY_THROTTLING => Ok(Retry::Throttling),
        names::RETRY_TRANSIENT => Ok(Retry::Transient),
        names::RETRY_RESIGN => Ok(Retry::Resign),
        other => Err(syn::Error::new(
            lit.span(),
            format!(
                "unknown retry class `{other}`; expected {}",
                names::one_of(names::RETRY_CLASSES)
            ),
        )),
    }
}

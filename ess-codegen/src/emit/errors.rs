//! Error enums: the service-wide one and each action's.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::docs::docs;
use super::ident;
use crate::resolved::{Action, ActionErrors, ErrorId, Model, RetryClass};

/// An error enum named `name` with one variant per code of `codes` (in that
/// order) and the catch-all `Unhandled`.
pub(super) fn error_enum(model: &Model, name: &Ident, doc: &str, codes: &[ErrorId]) -> TokenStream {
    let variants = codes.iter().map(|&id| {
        let e = &model[id];
        let code = &e.code;
        let variant = ident(&e.variant);
        let doc = docs(&format!("`{code}`: {}", e.doc));
        let code_key = ident(ess_grammar::CODE);
        let attr = match e.retry {
            RetryClass::Never => quote!(#[ess(#code_key = #code)]),
            retry => {
                let retry_key = ident(ess_grammar::RETRY);
                let retry = retry.as_str();
                quote!(#[ess(#code_key = #code, #retry_key = #retry)])
            }
        };
        quote! {
            #doc
            #attr
            #variant(::ess_api::ErrorMeta),
        }
    });
    let doc = docs(doc);
    let unhandled = ident(ess_grammar::UNHANDLED);
    quote! {
        #doc
        #[derive(Debug, ::ess_api::EssError)]
        #[ess(catalogue = "crate::service::retry_class")]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A code not modeled here (for example one the service added later), kept as sent.
            ///
            /// Do not match this variant by name: when a later version models
            /// the code, the error arrives as its own variant and such an arm
            /// silently stops matching. Match any other code with a wildcard
            /// and read it with `code()` (or test `is_unhandled()`).
            #[deprecated(note = "matching `Unhandled` by name breaks when the code gets a variant; use a wildcard arm and `code()`")]
            #[ess(#unhandled)]
            Unhandled(::ess_api::ErrorMeta),
        }
    }
}

/// The error type of action `a`: an enum of its codes with conversions
/// into the service-wide error, or, when it documents no codes of its own,
/// an alias of the service-wide error (where every code is typed).
pub(super) fn action_errors(model: &Model, a: &Action) -> TokenStream {
    let wire = &a.wire;
    let error = ident(&a.names.error);
    match &a.errors {
        ActionErrors::ServiceWide => {
            let alias_doc = docs(&format!(
                "`{wire}` documents no error codes of its own: its errors are the service-wide [`EssError`](enum@crate::EssError)."
            ));
            quote! {
                #alias_doc
                pub type #error = crate::EssError;
            }
        }
        ActionErrors::Own(codes) => {
            let error_doc = format!(
                "The errors `{wire}` documents, one variant per code.\n\nEach variant keeps the code, message and request id in an [`ErrorMeta`](::ess_api::ErrorMeta). Any other code the service answers (authentication, throttling, a code added later) arrives as `Unhandled`, classified for retries by the service-wide catalogue; convert into [`EssError`](enum@crate::EssError) (`?`) to match it by name."
            );
            let error_enum = error_enum(model, &error, &error_doc, codes);
            quote! {
                #error_enum

                impl ::core::convert::From<#error> for crate::EssError {
                    fn from(e: #error) -> Self {
                        <crate::EssError as ::ess_api::ServiceError>::from_meta(::ess_api::ServiceError::into_meta(e))
                    }
                }

                impl ::core::convert::From<crate::SdkError<#error>> for crate::Error {
                    fn from(e: crate::SdkError<#error>) -> Self {
                        crate::Error::from(e.map_service(crate::EssError::from))
                    }
                }
            }
        }
    }
}

//! Derive macros for ESS models and service errors.
use proc_macro::TokenStream;

/// Request/model derive (builder, validation, redacted Debug).
#[proc_macro_derive(EssModel, attributes(ess))]
pub fn derive_model(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}

/// Service error derive.
#[proc_macro_derive(EssError, attributes(ess))]
pub fn derive_error(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}

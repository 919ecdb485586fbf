//! Code generation from checked models.
//!
//! Emitted code names everything by absolute path (`::ess_runtime::__private`,
//! `::core`, `::std`) so it does not depend on what the user imported, and
//! calls the runtime helpers instead of inlining checks.

pub mod error;
pub mod model;

use proc_macro2::{Span, TokenStream};
use quote::quote;

/// A span that resolves like macro-written code but points at `at`, so
/// errors land on the user's tokens while lints treat the code as generated.
fn at(at: Span) -> Span {
    Span::call_site().located_at(at)
}

/// `::ess_runtime::__private`.
fn private() -> TokenStream {
    quote!(::ess_runtime::__private)
}

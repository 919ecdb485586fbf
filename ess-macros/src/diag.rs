//! Collects every error of one derive input so they are reported together.

use proc_macro2::TokenStream;

/// The errors found so far, combined into one `syn::Error`.
#[derive(Default)]
pub struct Diagnostics {
    error: Option<syn::Error>,
}

impl Diagnostics {
    /// Records an error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.error {
            Some(first) => first.combine(error),
            None => self.error = Some(error),
        }
    }

    /// Records the error of `result`, if any, and returns its value.
    pub fn take<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(error);
                None
            }
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.error.is_none()
    }

    /// One `compile_error!` per recorded error (nothing when empty).
    pub fn into_compile_errors(self) -> TokenStream {
        self.error.map(|e| e.to_compile_error()).unwrap_or_default()
    }
}

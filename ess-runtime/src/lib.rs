//! The hand-written runtime of the ESS SDK, apart from the generated
//! surface: what every action shares.
//!
//! - [`validate`]: the rule checks generated validators call, and the
//!   violations they report;
//! - [`error_meta`]: a service error's code, message and request id, and
//!   the [`ServiceError`] trait typed error enums implement;
//! - `client` (feature `client`, on by default): the asynchronous client
//!   that validates, signs (TC3-HMAC-SHA256, from the `ess-sign` crate),
//!   sends, retries and decodes any [`Action`];
//! - the derives [`EssModel`] and [`EssError`], which generated code (or a
//!   hand-written model) uses.
//!
//! Applications use the `ess-api` crate, which re-exports what they need
//! from here next to the generated types; this crate is what the derives'
//! output and the generated code compile against.
#![warn(missing_docs)]

extern crate self as ess_runtime;

pub mod action;
#[cfg(feature = "client")]
pub mod client;
#[doc(hidden)]
pub mod de;
pub mod error_meta;
pub mod validate;

pub use action::Action;
pub use error_meta::{ErrorMeta, RetryClass, ServiceError};
pub use ess_macros::{EssError, EssModel};
pub use validate::{Validate, ValidationErrors, Violation};

/// The seal of [`Action`] and [`ServiceError`]: they are implemented by
/// generated code and the derives, not by applications, so that methods can
/// be added to them without breaking anyone. Not public API.
#[doc(hidden)]
pub mod sealed {
    /// Implemented next to every `Action` and `ServiceError` implementation.
    pub trait Sealed {}
}

/// Items used by code that the derives and the generator emit. Not public API.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "client")]
    pub use crate::client::{
        __decode_response as decode_response,
        __decode_response_untraced as decode_response_untraced, ServiceInfo,
    };
    pub use crate::de;
    pub use crate::error_meta::{fallback_retry_class, ErrorMeta, RetryClass, ServiceError};
    pub use crate::sealed::Sealed;
    pub use crate::validate::{check, Format, Path, Report, Rule, Validate, ValidationErrors};
    pub use serde;
}

//! Typed, validated async client for Tencent Cloud Electronic Signature
//! (ESS, API version 2020-11-11).
#![warn(missing_docs)]

extern crate self as ess_api;

pub mod action;
pub mod client;
#[doc(hidden)]
pub mod de;
pub mod error_meta;
pub mod validate;

pub use action::Action;
pub use client::{Client, ClientBuilder, Config, Credentials, SdkError};
pub use error_meta::{ErrorMeta, RetryClass, ServiceError};
pub use ess_macros::{EssError, EssModel};
pub use validate::{Validate, ValidationErrors, Violation};

/// Items used by code that the derives and the generator emit. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::de;
    pub use crate::error_meta::{fallback_retry_class, ErrorMeta, RetryClass, ServiceError};
    pub use crate::validate::{check, Format, Path, Report, Rule, Validate, ValidationErrors};
    pub use serde;
}

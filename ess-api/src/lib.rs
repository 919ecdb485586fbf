//! Typed, validated async client for Tencent Cloud Electronic Signature
//! (ESS, API version 2020-11-11).
//!
//! - [`operation`]: one module per action, with its request (`...Input`,
//!   built and validated by `...Input::builder()`), response (`...Output`),
//!   typed error (`...Error`) and fluent builder.
//! - [`types`]: structures and enumerations shared by several actions.
//! - [`Client`]: signs (TC3-HMAC-SHA256), sends, retries and decodes.
//! - [`EssError`](enum@EssError) and [`Error`]: the service-wide error, so that `?` works
//!   across actions.
//!
//! Everything in `operation`, `types` and `EssError` is generated at build
//! time from the spec files in `spec/`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ess_api::Error> {
//! use ess_api::types::UserInfo;
//!
//! let client = ess_api::Client::from_env().expect("credentials in the environment");
//! let out = client
//!     .create_multi_flow_sign_qr_code()
//!     .operator(UserInfo::builder().user_id("yDRCLUUgygq2xun5UuO4zjEwg0vjoimj").build()?)
//!     .template_id("yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR")
//!     .flow_name("员工入职合同")
//!     .max_flow_num(100)
//!     .send()
//!     .await?;
//! println!("scan {} before {}", out.qr_code.qr_code_url, out.qr_code.expired_time);
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

extern crate self as ess_api;

pub mod action;
pub mod callback;
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

mod generated {
    include!(concat!(env!("OUT_DIR"), "/ess_generated.rs"));
}
#[cfg(feature = "server")]
#[doc(hidden)]
pub use generated::__dispatch;
pub use generated::{operation, service, types, EssError};

/// The error of any call, with the service part typed by the service-wide
/// [`EssError`](enum@EssError): each action's `SdkError` converts into it with `?`.
pub type Error = SdkError<EssError>;

/// Items used by code that the derives and the generator emit. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::de;
    pub use crate::error_meta::{fallback_retry_class, ErrorMeta, RetryClass, ServiceError};
    pub use crate::validate::{check, Format, Path, Report, Rule, Validate, ValidationErrors};
    pub use serde;
}

//! Typed, validated async client for Tencent Cloud Electronic Signature
//! (ESS, API version 2020-11-11).
//!
//! - [`operation`]: one module per action, with its request (`...Input`,
//!   built and validated by `...Input::builder()`), response (`...Output`),
//!   typed error (`...Error`) and fluent builder.
//! - [`types`]: structures and enumerations shared by several actions.
//! - [`Client`]: signs (TC3-HMAC-SHA256), sends, retries and decodes; one
//!   method per action. [`Config`] is the one place to configure it.
//! - [`client`]: credentials, errors, retries, rate limits and clocks.
//! - [`callback`]: decoding and verifying the service's callbacks.
//! - [`EssError`](enum@EssError) and [`Error`]: the service-wide error, so
//!   that `?` works across actions.
//!
//! Everything in `operation`, `types`, `service` and `EssError` is generated
//! from the spec files in `spec/` (shipped in `src/generated`, or generated
//! at build time with the `codegen` feature); the runtime they build on (validation,
//! error metadata, decoding, the client) is the `ess-runtime` crate.
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

pub mod callback;
mod client_handle;
mod error;

pub use client_handle::Client;
pub use error::Error;
pub use ess_runtime::client::{Config, Credentials, SdkError};
pub use ess_runtime::{
    Action, ErrorMeta, RetryClass, ServiceError, Validate, ValidationErrors, Violation,
};

/// Credentials, errors, retries, rate limits and clocks of the [`Client`].
///
/// The client itself, its [`Config`], [`Credentials`] and [`SdkError`] are at
/// the crate's root.
pub mod client {
    pub use ess_runtime::client::{
        provide_credentials_fn, signing, BuildError, CachingCredentialsProvider, Clock,
        ConstructionError, CredentialField, CredentialsError, CredentialsFuture,
        DefaultCredentialsChain, DispatchError, EnvCredentialsProvider, Environment, FixedClock,
        KeyProblem, Language, PreparedRequest, ProfileCredentialsProvider, ProvideCredentials,
        ProvideCredentialsFn, RateLimitError, RateLimitErrorKind, RateLimiting, ResponseError,
        ResponseErrorKind, RetryConfig, SerializationError, SkewedClock, SystemClock, TimeoutError,
        TimeoutPhase, UnknownEnvironment, UnknownLanguage, API_VERSION, DEFAULT_ENDPOINT,
        DEFAULT_MAX_RESPONSE_BYTES, ENV_CREDENTIALS_FILE, ENV_ENDPOINT, ENV_ENVIRONMENT,
        ENV_REGION, ENV_SECRET_ID, ENV_SECRET_KEY, ENV_SESSION_TOKEN, MAX_EXCERPT_BYTES,
        REQUEST_CLIENT, SERVICE,
    };
    #[cfg(feature = "redis")]
    pub use ess_runtime::client::{
        RedisFallback, RedisRateLimit, DEFAULT_REDIS_KEY_PREFIX, DEFAULT_REDIS_RECHECK_INTERVAL,
        DEFAULT_REDIS_TIMEOUT,
    };
}

/// The rules a [`Violation`] names.
pub mod validate {
    pub use ess_runtime::validate::{Format, Number, Rule};
}

// Generated from `spec/`: at build time with the `codegen` feature, otherwise
// the shipped copy (the same code; a test of ess-codegen compares them).
#[cfg(feature = "codegen")]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/ess_generated.rs"));
}
#[cfg(not(feature = "codegen"))]
mod generated {
    include!("generated/ess_generated.rs");
}
#[cfg(feature = "server")]
#[doc(hidden)]
pub use generated::__dispatch;
pub use generated::{operation, service, types, EssError};

/// The derives the generated code names (`::ess_api::EssModel`); a crate
/// that derives them itself depends on `ess-runtime`. Not public API here.
#[doc(hidden)]
pub use ess_runtime::{EssError, EssModel};

/// Items used by code that the generator emits. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use ess_runtime::__private::*;
}

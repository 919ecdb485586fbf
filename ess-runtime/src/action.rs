//! The link between a request type and everything the client needs to send it.

use crate::error_meta::ServiceError;
use crate::validate::Validate;

/// An ESS action: implemented by each generated `...Input` type.
///
/// Sealed: the generated request types are its only implementations.
pub trait Action:
    crate::sealed::Sealed + serde::Serialize + Validate + Clone + Send + Sync + 'static
{
    /// The action's name on the wire (`X-TC-Action`).
    const NAME: &'static str;
    /// Whether sending the same request twice is harmless, so that ambiguous
    /// failures (a transport error after the request may have left, a
    /// transient service error) may be retried.
    const IDEMPOTENT: bool;
    /// The service's documented rate limit for this action, in requests per
    /// second, when one is documented.
    const RATE_LIMIT: Option<u32>;
    /// The host serving this action in production, when it is not the
    /// service's main host (`UploadFiles` is served at `file.ess.tencent.cn`).
    const HOST: Option<&'static str> = None;
    /// The host serving this action in the service's integration-test
    /// environment, when it is not the environment's main host.
    const TEST_HOST: Option<&'static str> = None;
    /// The successful response (the contents of `Response`).
    type Output: serde::de::DeserializeOwned + Send + 'static;
    /// The typed error for the codes this action documents.
    type Error: ServiceError;
}

//! What every service error carries, and the trait the typed error enums share.

use std::fmt;

/// The raw parts of an error answered by the service:
/// `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`.
///
/// Read through its accessors; parts the service may add later can join
/// without breaking code that uses them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorMeta {
    code: String,
    message: String,
    request_id: Option<String>,
}

impl ErrorMeta {
    /// An error with a code and message and no request id.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            request_id: None,
        }
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// The service's error code, such as `FailedOperation.QrCodeTemplateId`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The service's message, as sent.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The id of the request that failed, when the service returned one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Builds from decoded parts (the client's decoder).
    #[cfg(feature = "client")]
    pub(crate) fn from_parts(code: String, message: String, request_id: Option<String>) -> Self {
        Self {
            code,
            message,
            request_id,
        }
    }
}

impl fmt::Display for ErrorMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (RequestId: {id})")?;
        }
        Ok(())
    }
}

/// How a service error code should be treated by a retry policy.
///
/// The classification is data: it comes from the `retry` column of the
/// error catalogue in `spec/errors.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryClass {
    /// Not worth retrying: the same request will fail the same way.
    Never,
    /// The caller was throttled; retrying later is always safe because the
    /// request was refused before it had any effect.
    Throttling,
    /// A transient fault on the service's side; the request may or may not
    /// have had an effect, so only actions that are safe to repeat retry.
    Transient,
    /// The signature's timestamp was too far from the service's clock:
    /// sign again with a fresh timestamp.
    Resign,
}

impl RetryClass {
    /// The name used in the error catalogue.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryClass::Never => ess_grammar::RETRY_NEVER,
            RetryClass::Throttling => ess_grammar::RETRY_THROTTLING,
            RetryClass::Transient => ess_grammar::RETRY_TRANSIENT,
            RetryClass::Resign => ess_grammar::RETRY_RESIGN,
        }
    }
}

/// A typed error enum for a set of service error codes.
///
/// Implemented by `#[derive(EssError)]`: one variant per modeled code plus one
/// catch-all variant that keeps codes not modeled yet. Sealed: the derive is
/// the only way to implement it.
pub trait ServiceError: crate::sealed::Sealed + std::error::Error + Send + Sync + 'static {
    /// Every code with a variant of its own, in declaration order.
    const CODES: &'static [&'static str];

    /// The variant for `meta.code`, or the catch-all variant.
    fn from_meta(meta: ErrorMeta) -> Self;

    /// The code, message and request id.
    fn meta(&self) -> &ErrorMeta;

    /// Consumes the error, returning its code, message and request id.
    fn into_meta(self) -> ErrorMeta;

    /// How a retry policy should treat this error.
    fn retry_class(&self) -> RetryClass;

    /// Whether this is the catch-all variant (a code not modeled for this action).
    fn is_unhandled(&self) -> bool;

    /// The service's error code.
    fn code(&self) -> &str {
        self.meta().code()
    }

    /// The service's message.
    fn message(&self) -> &str {
        self.meta().message()
    }

    /// The request id, when the service returned one.
    fn request_id(&self) -> Option<&str> {
        self.meta().request_id()
    }
}

/// Classification of a code that an error type does not model and its
/// catalogue (`#[ess(catalogue = "...")]`) does not know, such as a code the
/// service added after the SDK was generated: the class of its family.
pub fn fallback_retry_class(code: &str) -> RetryClass {
    let family = code.split('.').next().unwrap_or(code);
    match family {
        "RequestLimitExceeded" => RetryClass::Throttling,
        "InternalError" | "ServiceUnavailable" => RetryClass::Transient,
        _ if code == "AuthFailure.SignatureExpire" => RetryClass::Resign,
        _ => RetryClass::Never,
    }
}

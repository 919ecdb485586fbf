//! The error the emulator answers: a service error code and a message.

use ess_api::service::codes;
use std::borrow::Cow;
use std::fmt;

use ess_api::{ErrorMeta, EssError, ServiceError};

/// An error in the service's terms: a code such as
/// `OperationDenied.QrInvalid` and a message.
///
/// The emulator answers it as `{"Response": {"Error": {"Code", "Message"},
/// "RequestId"}}`; the Rust API ([`Emulator::scan`](crate::Emulator::scan),
/// ...) returns it directly.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiError {
    code: Cow<'static, str>,
    message: String,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }

    /// The service's error code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The code and message as the client reports them, without a request id.
    pub fn to_meta(&self) -> ErrorMeta {
        ErrorMeta::new(self.code.clone().into_owned(), self.message.clone())
    }

    /// The service-wide typed error for this code, to `match` on variants.
    pub fn to_ess_error(&self) -> EssError {
        EssError::from_meta(self.to_meta())
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL_ERROR, message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PARAMETER, message)
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiError({}: {})", self.code, self.message)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<ApiError> for ErrorMeta {
    fn from(e: ApiError) -> Self {
        ErrorMeta::new(e.code.into_owned(), e.message)
    }
}

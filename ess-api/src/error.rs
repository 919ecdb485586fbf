//! [`Error`]: the error of any call, with the service part typed by
//! [`EssError`].

use std::error::Error as StdError;
use std::fmt;
use std::ops::Deref;

use crate::client::{ConstructionError, CredentialsError};
use crate::{EssError, SdkError, ValidationErrors};

/// The error of any call, with the service part typed by the service-wide
/// [`EssError`](enum@EssError): each action's [`SdkError`] converts into it
/// with `?`, so calls to different actions meet in one function.
///
/// It dereferences to `SdkError<EssError>` for inspection
/// (`err.is_retryable(..)`, `err.code()`, `matches!(&*err, SdkError::Timeout(_))`);
/// [`Error::into_inner`] gives that value to match on by move.
pub struct Error(SdkError<EssError>);

impl Error {
    /// The `SdkError` inside.
    pub fn into_inner(self) -> SdkError<EssError> {
        self.0
    }
}

impl Deref for Error {
    type Target = SdkError<EssError>;

    fn deref(&self) -> &SdkError<EssError> {
        &self.0
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

impl From<SdkError<EssError>> for Error {
    fn from(e: SdkError<EssError>) -> Self {
        Error(e)
    }
}

impl From<Error> for SdkError<EssError> {
    fn from(e: Error) -> Self {
        e.0
    }
}

impl From<ValidationErrors> for Error {
    fn from(e: ValidationErrors) -> Self {
        Error(e.into())
    }
}

impl From<CredentialsError> for Error {
    fn from(e: CredentialsError) -> Self {
        Error(e.into())
    }
}

impl From<ConstructionError> for Error {
    fn from(e: ConstructionError) -> Self {
        Error(e.into())
    }
}

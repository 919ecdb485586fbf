//! An error enum with every retry class, doc comments, a deprecated variant
//! and `#[non_exhaustive]`, in a crate that denies warnings.
#![deny(warnings)]

use ess_runtime::{ErrorMeta, EssError, RetryClass, ServiceError};

/// Errors of an action.
#[derive(Debug, EssError)]
#[non_exhaustive]
pub enum CreateThingError {
    /// The template does not exist.
    #[ess(code = "FailedOperation.QrCodeTemplateId")]
    FailedOperationQrCodeTemplateId(ErrorMeta),
    /// Explicitly never retried.
    #[ess(code = "InvalidParameter", retry = "never")]
    InvalidParameter(ess_runtime::ErrorMeta),
    /// Too many requests.
    #[ess(code = "RequestLimitExceeded", retry = "throttling")]
    RequestLimitExceeded(ErrorMeta),
    /// A fault on the service's side.
    #[ess(code = "InternalError", retry = "transient")]
    InternalError(::ess_runtime::ErrorMeta),
    /// The signature timestamp is too old.
    #[ess(retry = "resign", code = "AuthFailure.SignatureExpire")]
    AuthFailureSignatureExpire(ErrorMeta),
    /// No longer returned.
    #[deprecated(note = "the service no longer returns this code")]
    #[ess(code = "FailedOperation.Old")]
    FailedOperationOld(ErrorMeta),
    /// A code this action does not model.
    #[ess(unhandled)]
    Unhandled(ErrorMeta),
}

mod inner {
    /// Errors with crate visibility, declared after the catch-all variant.
    #[derive(Debug, ess_runtime::EssError)]
    pub(crate) enum Private {
        #[ess(unhandled)]
        Other(ess_runtime::ErrorMeta),
        #[ess(code = "A")]
        A(ess_runtime::ErrorMeta),
    }
}

fn class(code: &str) -> RetryClass {
    CreateThingError::from(ErrorMeta::new(code, "m")).retry_class()
}

fn main() {
    assert_eq!(class("FailedOperation.QrCodeTemplateId"), RetryClass::Never);
    assert_eq!(class("InvalidParameter"), RetryClass::Never);
    assert_eq!(class("RequestLimitExceeded"), RetryClass::Throttling);
    assert_eq!(class("InternalError"), RetryClass::Transient);
    assert_eq!(class("AuthFailure.SignatureExpire"), RetryClass::Resign);
    assert_eq!(class("FailedOperation.Old"), RetryClass::Never);
    assert_eq!(class("InternalError.New"), RetryClass::Transient);
    assert_eq!(CreateThingError::CODES.len(), 6);
    let e = CreateThingError::from(ErrorMeta::new("RequestLimitExceeded", "slow down"));
    assert!(e.is_request_limit_exceeded());
    assert_eq!(e.variant_code(), Some("RequestLimitExceeded"));
    assert_eq!(e.to_string(), "RequestLimitExceeded: slow down");
    #[allow(deprecated)]
    let old = CreateThingError::FailedOperationOld(ErrorMeta::new("x", "y"));
    assert!(old.is_failed_operation_old());

    let p = inner::Private::from_meta(ErrorMeta::new("A", "m"));
    assert!(p.is_a());
    assert!(inner::Private::from_meta(ErrorMeta::new("B", "m")).is_unhandled());
    assert_eq!(<inner::Private as ServiceError>::CODES, ["A"]);
}

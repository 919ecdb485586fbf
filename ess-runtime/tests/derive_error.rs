//! Behaviour of `#[derive(EssError)]`: code ↔ variant mapping, retry
//! classes, the catch-all variant and `Display`.

use ess_runtime::{ErrorMeta, EssError, RetryClass, ServiceError};

#[derive(Debug, EssError)]
#[non_exhaustive]
pub enum CreateThingError {
    /// The QR code template does not exist.
    #[ess(code = "FailedOperation.QrCodeTemplateId")]
    FailedOperationQrCodeTemplateId(ErrorMeta),
    #[ess(code = "RequestLimitExceeded", retry = "throttling")]
    RequestLimitExceeded(ErrorMeta),
    #[ess(code = "InternalError.Db", retry = "transient")]
    InternalErrorDb(ErrorMeta),
    #[ess(code = "AuthFailure.SignatureExpire", retry = "resign")]
    AuthFailureSignatureExpire(ess_runtime::ErrorMeta),
    #[ess(code = "InvalidParameter.Name", retry = "never")]
    InvalidParameterName(ErrorMeta),
    /// A code this action does not model.
    #[ess(unhandled)]
    Unhandled(ErrorMeta),
}

/// An enum that models no code at all.
#[derive(Debug, EssError)]
pub enum NothingModeled {
    #[ess(unhandled)]
    Other(ErrorMeta),
}

type E = CreateThingError;

fn err(code: &str) -> E {
    E::from_meta(ErrorMeta::new(code, "message").with_request_id("req-1"))
}

#[test]
fn codes_are_listed_in_declaration_order() {
    assert_eq!(
        E::CODES,
        [
            "FailedOperation.QrCodeTemplateId",
            "RequestLimitExceeded",
            "InternalError.Db",
            "AuthFailure.SignatureExpire",
            "InvalidParameter.Name",
        ]
    );
    assert!(NothingModeled::CODES.is_empty());
}

#[test]
fn from_meta_picks_the_variant_of_each_code() {
    assert!(matches!(
        err("FailedOperation.QrCodeTemplateId"),
        E::FailedOperationQrCodeTemplateId(_)
    ));
    assert!(matches!(
        err("RequestLimitExceeded"),
        E::RequestLimitExceeded(_)
    ));
    assert!(matches!(err("InternalError.Db"), E::InternalErrorDb(_)));
    assert!(matches!(
        err("AuthFailure.SignatureExpire"),
        E::AuthFailureSignatureExpire(_)
    ));
    assert!(matches!(
        err("InvalidParameter.Name"),
        E::InvalidParameterName(_)
    ));
    // Every listed code maps back to itself.
    for code in E::CODES {
        let e = err(code);
        assert!(!e.is_unhandled(), "{code}");
        assert_eq!(e.variant_code(), Some(*code));
        assert_eq!(e.code(), *code);
    }
}

#[test]
fn unknown_codes_land_in_the_unhandled_variant_with_everything_kept() {
    let e = err("FailedOperation.SomethingNew");
    assert!(e.is_unhandled());
    assert!(matches!(&e, E::Unhandled(m) if m.code() == "FailedOperation.SomethingNew"));
    assert_eq!(e.code(), "FailedOperation.SomethingNew");
    assert_eq!(e.message(), "message");
    assert_eq!(e.request_id(), Some("req-1"));
    assert_eq!(e.variant_code(), None);
    // Codes are matched exactly: case and prefixes matter.
    assert!(err("requestlimitexceeded").is_unhandled());
    assert!(err("FailedOperation").is_unhandled());
    assert!(err("").is_unhandled());

    let other = NothingModeled::from_meta(ErrorMeta::new("Anything", "m"));
    assert!(other.is_unhandled());
    assert_eq!(other.variant_code(), None);
    assert_eq!(other.retry_class(), RetryClass::Never);
}

#[test]
fn retry_classes_follow_the_declaration() {
    assert_eq!(
        err("FailedOperation.QrCodeTemplateId").retry_class(),
        RetryClass::Never
    );
    assert_eq!(
        err("RequestLimitExceeded").retry_class(),
        RetryClass::Throttling
    );
    assert_eq!(err("InternalError.Db").retry_class(), RetryClass::Transient);
    assert_eq!(
        err("AuthFailure.SignatureExpire").retry_class(),
        RetryClass::Resign
    );
    assert_eq!(
        err("InvalidParameter.Name").retry_class(),
        RetryClass::Never
    );
}

#[test]
fn unhandled_codes_are_classified_by_family() {
    assert_eq!(
        err("RequestLimitExceeded.UinLimitExceeded").retry_class(),
        RetryClass::Throttling
    );
    assert_eq!(
        err("InternalError.Other").retry_class(),
        RetryClass::Transient
    );
    assert_eq!(
        err("ServiceUnavailable").retry_class(),
        RetryClass::Transient
    );
    assert_eq!(err("FailedOperation.New").retry_class(), RetryClass::Never);
    let e = NothingModeled::from_meta(ErrorMeta::new("AuthFailure.SignatureExpire", "m"));
    assert_eq!(e.retry_class(), RetryClass::Resign);
}

#[test]
fn is_helpers_match_only_their_variant() {
    let e = err("RequestLimitExceeded");
    assert!(e.is_request_limit_exceeded());
    assert!(!e.is_failed_operation_qr_code_template_id());
    assert!(!e.is_internal_error_db());
    assert!(!e.is_auth_failure_signature_expire());
    assert!(!e.is_invalid_parameter_name());

    assert!(err("FailedOperation.QrCodeTemplateId").is_failed_operation_qr_code_template_id());
    assert!(err("InternalError.Db").is_internal_error_db());
    assert!(err("AuthFailure.SignatureExpire").is_auth_failure_signature_expire());
    assert!(err("InvalidParameter.Name").is_invalid_parameter_name());

    let u = err("Nope");
    assert!(!u.is_request_limit_exceeded() && !u.is_invalid_parameter_name());
}

#[test]
fn variant_code_maps_each_variant_to_its_code() {
    let meta = || ErrorMeta::new("whatever", "m");
    assert_eq!(
        E::FailedOperationQrCodeTemplateId(meta()).variant_code(),
        Some("FailedOperation.QrCodeTemplateId")
    );
    assert_eq!(
        E::AuthFailureSignatureExpire(meta()).variant_code(),
        Some("AuthFailure.SignatureExpire")
    );
    assert_eq!(E::Unhandled(meta()).variant_code(), None);
    // The code actually received is in the meta.
    assert_eq!(E::InternalErrorDb(meta()).code(), "whatever");
}

#[test]
fn meta_access_and_conversions() {
    let meta = ErrorMeta::new("InternalError.Db", "db down").with_request_id("abc");
    let e: E = meta.clone().into();
    assert!(e.is_internal_error_db());
    assert_eq!(e.meta(), &meta);
    assert_eq!(e.into_meta(), meta);
    let u = err("X.Y");
    assert_eq!(
        u.into_meta(),
        ErrorMeta::new("X.Y", "message").with_request_id("req-1")
    );
}

#[test]
fn display_shows_code_message_and_request_id() {
    let e = E::from_meta(
        ErrorMeta::new("FailedOperation.QrCodeTemplateId", "template not found")
            .with_request_id("5a1f-42"),
    );
    assert_eq!(
        e.to_string(),
        "FailedOperation.QrCodeTemplateId: template not found (RequestId: 5a1f-42)"
    );
    let no_id = E::from_meta(ErrorMeta::new("Odd.Code", "strange"));
    assert_eq!(no_id.to_string(), "Odd.Code: strange");
}

#[test]
fn is_a_std_error_that_crosses_threads() {
    fn assert_service_error<T: ServiceError>() {}
    assert_service_error::<E>();
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err("InternalError.Db"));
    assert_eq!(
        boxed.to_string(),
        "InternalError.Db: message (RequestId: req-1)"
    );
    assert!(boxed.source().is_none());
}

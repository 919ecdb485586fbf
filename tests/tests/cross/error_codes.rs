//! The service-wide error covers every code the service publishes.

use ess_api::{ErrorMeta, EssError, RetryClass, ServiceError};

#[test]
fn every_published_code_has_a_typed_variant() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../reference/error-codes.tsv");
    let text = std::fs::read_to_string(path).unwrap();
    let codes: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(codes.len(), 242);
    for code in &codes {
        let e = EssError::from_meta(ErrorMeta::new(*code, "m").with_request_id("r"));
        assert!(!e.is_unhandled(), "{code} has no variant");
        assert_eq!(e.code(), *code);
        assert_eq!(e.variant_code(), Some(*code));
        assert!(EssError::CODES.contains(code));
    }
}

#[test]
fn common_codes_are_typed_and_classified() {
    for (code, class) in [
        ("AuthFailure.SignatureExpire", RetryClass::Resign),
        ("AuthFailure.SignatureFailure", RetryClass::Never),
        ("RequestLimitExceeded", RetryClass::Throttling),
        (
            "RequestLimitExceeded.UinLimitExceeded",
            RetryClass::Throttling,
        ),
        ("InternalError", RetryClass::Transient),
        ("ServiceUnavailable", RetryClass::Transient),
        ("InvalidAction", RetryClass::Never),
        ("NoSuchVersion", RetryClass::Never),
        ("MissingParameter", RetryClass::Never),
        ("UnknownParameter", RetryClass::Never),
    ] {
        let e = EssError::from_meta(ErrorMeta::new(code, "m"));
        assert!(!e.is_unhandled(), "{code}");
        assert_eq!(e.retry_class(), class, "{code}");
    }
    let later = EssError::from_meta(ErrorMeta::new("FailedOperation.AddedNextYear", "m"));
    assert!(later.is_unhandled());
    assert_eq!(later.code(), "FailedOperation.AddedNextYear");
}

/// Every catalogue entry of spec/errors.toml reaches the generated
/// `EssError` with its retry class, whatever its place in the file (the
/// catalogue once was binary-searched unsorted, and `InternalError.Db` lost
/// its class).
#[test]
fn every_catalogue_entry_keeps_its_retry_class() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/errors.toml");
    let catalogue: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let entries = catalogue["error"].as_array().unwrap();
    assert!(entries.len() >= 266, "{}", entries.len());
    for entry in entries {
        let code = entry["code"].as_str().unwrap();
        let class = match entry.get("retry").and_then(|r| r.as_str()) {
            None | Some("never") => RetryClass::Never,
            Some("throttling") => RetryClass::Throttling,
            Some("transient") => RetryClass::Transient,
            Some("resign") => RetryClass::Resign,
            Some(other) => panic!("{code}: unknown class {other}"),
        };
        let e = EssError::from_meta(ErrorMeta::new(code, "m"));
        assert!(!e.is_unhandled(), "{code} has no variant");
        assert_eq!(e.retry_class(), class, "{code}");
    }
    for code in ["InternalError.Db", "InternalError.DataNotFound"] {
        let e = EssError::from_meta(ErrorMeta::new(code, "m"));
        assert_eq!(e.retry_class(), RetryClass::Transient, "{code}");
    }
}

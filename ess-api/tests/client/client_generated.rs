//! The generated fluent API end to end: a call reaches a local server that
//! checks its signature, and every kind of answer comes back typed.

use crate::support;

use std::time::Duration;

use ess_api::operation::cancel_multi_flow_sign_qr_code::CancelMultiFlowSignQrCodeError;
use ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeError;
use ess_api::types::UserInfo;
use ess_api::{EssError, SdkError, ServiceError};
use support::*;

const LIMIT: Duration = Duration::from_secs(20);
const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/seed/");

fn seed(name: &str) -> Vec<u8> {
    std::fs::read(format!("{SEED}{name}")).unwrap()
}

fn operator() -> UserInfo {
    UserInfo::builder()
        .user_id("yDRCLUUgygq2xun5UuO4zjEwg0vjoimj")
        .build()
        .unwrap()
}

#[tokio::test]
async fn fluent_create_reaches_a_signature_checking_server_and_decodes() {
    let server = TestServer::start(|_| Reply::Raw {
        status: 200,
        body: seed("example1.response.json"),
    })
    .await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let out = bounded(
        LIMIT,
        client
            .create_multi_flow_sign_qr_code()
            .operator(operator())
            .flow_name("测试合同")
            .template_id("yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR")
            .restrictions(
                ess_api::types::ApproverRestriction::builder()
                    .name("张三")
                    .mobile("18800009527")
                    .build()
                    .unwrap(),
            )
            .restrictions(
                ess_api::types::ApproverRestriction::builder()
                    .name("李四")
                    .mobile("18900001234")
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(out.qr_code.expired_time, 1693814798);
    assert_eq!(out.request_id, "s198*****111");

    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].check,
        Ok(()),
        "the server rejected the signature"
    );
    assert_eq!(
        received[0].header("x-tc-action"),
        Some("CreateMultiFlowSignQRCode")
    );
    assert_eq!(received[0].header("x-tc-version"), Some("2020-11-11"));
    let sent: serde_json::Value = serde_json::from_slice(&received[0].body).unwrap();
    let expected: serde_json::Value =
        serde_json::from_slice(&seed("example1.request.json")).unwrap();
    assert_eq!(sent, expected);
}

#[tokio::test]
async fn the_seed_error_surfaces_as_its_variant_with_the_request_id() {
    let server = TestServer::start(|_| Reply::Raw {
        status: 200,
        body: seed("example3.response.json"),
    })
    .await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let err = bounded(
        LIMIT,
        client
            .create_multi_flow_sign_qr_code()
            .operator(operator())
            .flow_name("测试合同")
            .template_id("yDRS4UUgygqdcj8kUuO4zjEBpxmzsIAR")
            .send(),
    )
    .await
    .unwrap_err();
    let service = err.into_service_error().expect("a service error");
    match &service {
        CreateMultiFlowSignQrCodeError::FailedOperationQrCodeTemplateId(meta) => {
            assert_eq!(meta.request_id(), Some("s169*****0872"));
        }
        other => panic!("unexpected variant {other:?}"),
    }
    assert_eq!(server.received().len(), 1, "a service error is not retried");
}

#[tokio::test]
async fn an_invalid_request_never_leaves_the_process() {
    let server = TestServer::start(|_| Reply::Ok).await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let err = client
        .create_multi_flow_sign_qr_code()
        .operator(operator())
        .flow_name("合".repeat(201))
        .template_id("too-short")
        .flow_effective_day(31)
        .send()
        .await
        .unwrap_err();
    let violations = err.validation_errors().expect("a validation error");
    let paths: Vec<&str> = violations.violations().iter().map(|v| v.path()).collect();
    assert_eq!(paths, ["template_id", "flow_name", "flow_effective_day"]);
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_failed_create_is_not_repeated_but_a_cancel_is() {
    let body =
        br#"{"Response":{"Error":{"Code":"InternalError","Message":"busy"},"RequestId":"r-1"}}"#;
    let server = TestServer::start(move |_| Reply::Raw {
        status: 200,
        body: body.to_vec(),
    })
    .await;
    let client = ess_api::Client::new(server.config().with_retry(fast_retries())).unwrap();

    let err = bounded(
        LIMIT,
        client
            .create_multi_flow_sign_qr_code()
            .operator(operator())
            .flow_name("员工入职合同")
            .template_id("yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR")
            .send(),
    )
    .await
    .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(CreateMultiFlowSignQrCodeError::InternalError(_))
    ));
    assert_eq!(server.received().len(), 1, "a create must not be repeated");

    let err = bounded(
        LIMIT,
        client
            .cancel_multi_flow_sign_qr_code()
            .operator(operator())
            .qr_code_id("yDwJNUUckpkoj9mdUIJN2kC7XWFFaSuR")
            .send(),
    )
    .await
    .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(CancelMultiFlowSignQrCodeError::InternalError(_))
    ));
    let attempts = server.received().len() - 1;
    assert_eq!(
        attempts as u32,
        fast_retries().max_attempts(),
        "a cancel is retried"
    );
}

/// Errors of different actions meet in one `ess_api::Error` with `?`.
async fn create_then_cancel(client: &ess_api::Client) -> Result<String, ess_api::Error> {
    let out = client
        .create_multi_flow_sign_qr_code()
        .operator(operator())
        .flow_name("员工入职合同")
        .template_id("yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR")
        .send()
        .await?;
    client
        .cancel_multi_flow_sign_qr_code()
        .operator(operator())
        .qr_code_id(out.qr_code.qr_code_id.clone())
        .send()
        .await?;
    Ok(out.qr_code.qr_code_id)
}

#[tokio::test]
async fn question_mark_works_across_actions() {
    let created = String::from_utf8(seed("example2.response.json")).unwrap();
    let not_found =
        br#"{"Response":{"Error":{"Code":"ResourceNotFound.QrInfo","Message":"no such code"},"RequestId":"r-2"}}"#;
    let server = TestServer::start(move |slot| Reply::Raw {
        status: 200,
        body: if slot == 0 {
            created.clone().into_bytes()
        } else {
            not_found.to_vec()
        },
    })
    .await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let err = bounded(LIMIT, create_then_cancel(&client))
        .await
        .unwrap_err();
    match err.into_inner() {
        SdkError::Service(EssError::ResourceNotFoundQrInfo(meta)) => {
            assert_eq!(meta.request_id(), Some("r-2"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let cancel: serde_json::Value = serde_json::from_slice(&server.received()[1].body).unwrap();
    assert_eq!(cancel["QrCodeId"], "yDwJNUUckpkoj9mdUIJN2kC7XWFFaSuR");
    let e = EssError::from_meta(ess_api::ErrorMeta::new("RequestLimitExceeded", "slow down"));
    assert_eq!(e.retry_class(), ess_api::RetryClass::Throttling);
}

/// Creates a QR code against a server that answers `body`.
async fn create_answered_with(
    body: &str,
) -> Result<String, SdkError<CreateMultiFlowSignQrCodeError>> {
    let body = body.as_bytes().to_vec();
    let server = TestServer::start(move |_| Reply::Raw {
        status: 200,
        body: body.clone(),
    })
    .await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let out = bounded(
        LIMIT,
        client
            .create_multi_flow_sign_qr_code()
            .operator(operator())
            .flow_name("测试合同")
            .template_id("yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR")
            .send(),
    )
    .await?;
    assert_eq!(out.qr_code.qr_code_id, "yDCHHUUckpbdauq9UEjnoFDCCumAMmv1");
    Ok(out.request_id)
}

const QR_CODE: &str = concat!(
    r#""QrCode":{"QrCodeId":"yDCHHUUckpbdauq9UEjnoFDCCumAMmv1","QrCodeUrl":"https://example.test/qr.png","ExpiredTime":1693814798},"#,
    r#""SignUrls":{"EffectiveTime":"2022-08-05 15:55:01","HttpSignUrl":"https://example.test/h5","AppSignUrl":"pages/guide"}"#,
);

#[tokio::test]
async fn a_request_id_of_any_type_or_none_never_fails_a_success() {
    for (id, expected) in [
        (r#""null""#, "null"),
        ("null", ""),
        ("12345", "12345"),
        ("true", "true"),
        (r#"{"Id":"r-1"}"#, r#"{"Id":"r-1"}"#),
        (r#"["r-1"]"#, r#"["r-1"]"#),
    ] {
        let body = format!(r#"{{"Response":{{{QR_CODE},"RequestId":{id}}}}}"#);
        let request_id = create_answered_with(&body)
            .await
            .unwrap_or_else(|e| panic!("RequestId {id}: {e}"));
        assert_eq!(request_id, expected, "RequestId {id}");
    }
    // No RequestId at all.
    let body = format!(r#"{{"Response":{{{QR_CODE}}}}}"#);
    assert_eq!(create_answered_with(&body).await.unwrap(), "");
}

#[tokio::test]
async fn a_success_without_a_member_the_service_always_sends_is_a_typed_error() {
    let cases = [
        // Nothing at all.
        (r#"{"Response":{"RequestId":"r-7"}}"#, "QrCode"),
        (r#"{"Response":{}}"#, "QrCode"),
        // Every member null.
        (
            r#"{"Response":{"QrCode":null,"SignUrls":null,"RequestId":null}}"#,
            "QrCode",
        ),
        // A nested member the service always sends.
        (
            r#"{"Response":{"QrCode":{"QrCodeUrl":"https://example.test/qr.png","ExpiredTime":1},"RequestId":"r-7"}}"#,
            "QrCodeId",
        ),
        (
            r#"{"Response":{"QrCode":{"QrCodeId":null,"QrCodeUrl":"u","ExpiredTime":1},"RequestId":"r-7"}}"#,
            "QrCodeId",
        ),
    ];
    for (body, member) in cases {
        let err = create_answered_with(body).await.unwrap_err();
        let SdkError::Response(e) = &err else {
            panic!("{body}: expected a response error, got {err:?}");
        };
        assert_eq!(
            e.kind(),
            ess_api::client::ResponseErrorKind::MissingMember,
            "{body}"
        );
        assert_eq!(e.missing_member(), Some(member), "{body}");
        assert_eq!(e.body(), body.as_bytes(), "{body}: the raw body is kept");
        if body.contains("\"r-7\"") {
            assert_eq!(e.request_id(), Some("r-7"), "{body}");
        }
        assert!(!err.is_retryable(false), "{body}: not retried");
    }
}

/// The service's documented answer to `CreateMultiFlowSignQRCode` is decoded
/// in the one plain pass when nothing records the request id: that pass
/// leaves the id out, and the watching pass (the fallback) would return it.
#[test]
fn a_clean_success_is_decoded_in_one_plain_pass() {
    use ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeInput as Input;
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bench/fixtures/success.json"
    ))
    .unwrap();
    let (plain, id) =
        ess_api::__private::decode_response_untraced::<Input>(200, body.clone().into()).unwrap();
    assert_eq!(id, None, "the watching pass ran");
    let (watched, id) = ess_api::__private::decode_response::<Input>(200, body.into()).unwrap();
    assert_eq!(id.as_deref(), Some("s1695178926924585393"));
    assert!(plain == watched);
}

//! The wire protocol: authentication, headers and the generic request
//! checks, over real HTTP on 127.0.0.1.

use crate::support;

use ess_api::client::RetryConfig;
use ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeError as E;
use ess_api::{Credentials, SdkError};
use ess_emulator::{defaults, Emulator};
use support::*;

fn service_error<T: std::fmt::Debug>(r: Result<T, SdkError<E>>) -> E {
    match r {
        Err(SdkError::Service(e)) => e,
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_signed_request_succeeds_with_a_uuid_like_request_id() {
    let emu = emulator().await;
    let response = send_raw(
        &emu,
        &RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body()),
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.error_code(), None, "{}", response.error_message());
    let json = response.json();
    let request_id = json["Response"]["RequestId"].as_str().unwrap();
    let parts: Vec<usize> = request_id.split('-').map(str::len).collect();
    assert_eq!(parts, [8, 4, 4, 4, 12], "{request_id}");
    assert_eq!(
        json["Response"]["QrCode"]["QrCodeId"]
            .as_str()
            .unwrap()
            .len(),
        32
    );
    assert!(response.header("Date").unwrap().ends_with("GMT"));
    assert_eq!(response.header("Connection"), Some("keep-alive"));
    // Exactly the service's type: some SDKs read errors only for this value.
    assert_eq!(response.header("Content-Type"), Some("application/json"));
    let mut wrong = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    wrong.secret_key = "not-the-key".to_owned();
    let error = send_raw(&emu, &wrong).await;
    assert_eq!(
        error.error_code().as_deref(),
        Some("AuthFailure.SignatureFailure")
    );
    assert_eq!(error.header("Content-Type"), Some("application/json"));
    emu.shutdown().await;
}

#[tokio::test]
async fn malformed_or_missing_authorization() {
    let emu = emulator().await;
    let good = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    let valid = good.authorization_value();
    let cases = [
        String::new(),
        "Bearer abc".to_owned(),
        valid.replace("TC3-HMAC-SHA256", "HMAC-SHA1"),
        valid.replace(", Signature=", ", Sig="),
        valid.replace("/ess/tc3_request", "/ess"),
        valid.replace(
            "SignedHeaders=content-type;host",
            "SignedHeaders=Content-Type;Host",
        ),
        // Well-formed, but for another service.
        valid.replace("/ess/", "/cvm/"),
        // Well-formed, but without the host among the signed headers.
        valid.replace(
            "SignedHeaders=content-type;host",
            "SignedHeaders=content-type",
        ),
    ];
    for (i, auth) in cases.into_iter().enumerate() {
        let mut spec = good.clone();
        spec.authorization = Some(auth);
        let r = send_raw(&emu, &spec).await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.error_code().as_deref(),
            Some("AuthFailure.InvalidAuthorization"),
            "case {i}: {}",
            r.error_message()
        );
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_secret_id() {
    let emu = emulator().await;
    let client = ess_api::Client::new(
        emu.config()
            .with_credentials(other_credentials(
                "AKIDnobodyKnowsThisOne",
                defaults::SECRET_KEY,
            ))
            .with_retry(RetryConfig::disabled()),
    )
    .unwrap();
    let e = service_error(bounded(create(&client, defaults::B2C_TEMPLATE_ID).send()).await);
    assert!(
        matches!(
            service_wide(&e),
            ess_api::EssError::AuthFailureSecretIdNotFound(_)
        ),
        "{e:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn wrong_secret_key_or_tampered_body() {
    let emu = emulator().await;
    let client = ess_api::Client::new(
        emu.config()
            .with_credentials(other_credentials(defaults::SECRET_ID, "not-the-right-key"))
            .with_retry(RetryConfig::disabled()),
    )
    .unwrap();
    let e = service_error(bounded(create(&client, defaults::B2C_TEMPLATE_ID).send()).await);
    assert!(
        matches!(
            service_wide(&e),
            ess_api::EssError::AuthFailureSignatureFailure(_)
        ),
        "{e:?}"
    );

    // Signed for one body, sent with another.
    let spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    let mut tampered = spec.clone();
    tampered.authorization = Some(spec.authorization_value());
    tampered.body = create_body()
        .replace("员工入职合同", "另一个合同")
        .into_bytes();
    let r = send_raw(&emu, &tampered).await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("AuthFailure.SignatureFailure")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn timestamps_more_than_300_seconds_off_expire() {
    let emu = emulator().await;
    for skew in [-301, 400] {
        let client = ess_api::Client::new(
            emu.config()
                .with_clock_skew(skew)
                .with_retry(RetryConfig::disabled()),
        )
        .unwrap();
        let e = service_error(bounded(create(&client, defaults::B2C_TEMPLATE_ID).send()).await);
        assert!(
            matches!(
                service_wide(&e),
                ess_api::EssError::AuthFailureSignatureExpire(_)
            ),
            "{skew}: {e:?}"
        );
    }
    // 300 s is still accepted.
    let client = ess_api::Client::new(
        emu.config()
            .with_clock_skew(-299)
            .with_retry(RetryConfig::disabled()),
    )
    .unwrap();
    bounded(create(&client, defaults::B2C_TEMPLATE_ID).send())
        .await
        .unwrap();
    // A client that re-signs learns the emulator's time from its Date header.
    let resigning = ess_api::Client::new(emu.config().with_clock_skew(-3600)).unwrap();
    bounded(create(&resigning, defaults::B2C_TEMPLATE_ID).send())
        .await
        .unwrap();

    let mut spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    spec.timestamp = None;
    let r = send_raw(&emu, &spec).await;
    assert_eq!(r.error_code().as_deref(), Some("MissingParameter"));
    assert!(r.error_message().contains("X-TC-Timestamp"));
    emu.shutdown().await;
}

#[tokio::test]
async fn temporary_credentials_need_their_token() {
    let temporary = Credentials::temporary(
        "AKIDtemporaryKey0001",
        "temporary-secret",
        "session-token-1",
    )
    .unwrap();
    let emu = Emulator::builder()
        .credentials(temporary.clone())
        .start()
        .await
        .unwrap();
    let ok = ess_api::Client::new(emu.config().with_retry(RetryConfig::disabled())).unwrap();
    bounded(create(&ok, defaults::B2C_TEMPLATE_ID).send())
        .await
        .unwrap();

    let no_token = ess_api::Client::new(
        emu.config()
            .with_credentials(Credentials::new("AKIDtemporaryKey0001", "temporary-secret").unwrap())
            .with_retry(RetryConfig::disabled()),
    )
    .unwrap();
    let e = service_error(bounded(create(&no_token, defaults::B2C_TEMPLATE_ID).send()).await);
    assert!(
        matches!(
            service_wide(&e),
            ess_api::EssError::AuthFailureTokenFailure(_)
        ),
        "{e:?}"
    );

    let wrong_token = ess_api::Client::new(
        emu.config()
            .with_credentials(
                Credentials::temporary("AKIDtemporaryKey0001", "temporary-secret", "other")
                    .unwrap(),
            )
            .with_retry(RetryConfig::disabled()),
    )
    .unwrap();
    let e = service_error(bounded(create(&wrong_token, defaults::B2C_TEMPLATE_ID).send()).await);
    assert!(
        matches!(
            service_wide(&e),
            ess_api::EssError::AuthFailureTokenFailure(_)
        ),
        "{e:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn authentication_comes_before_the_action() {
    let emu = emulator().await;
    let mut spec = RequestSpec::new(&emu, "NoSuchAction", "{}");
    spec.secret_key = "wrong".into();
    let r = send_raw(&emu, &spec).await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("AuthFailure.SignatureFailure")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn actions_versions_and_methods() {
    let emu = emulator().await;
    let r = send_raw(&emu, &RequestSpec::new(&emu, "DescribeNothingAtAll", "{}")).await;
    assert_eq!(r.error_code().as_deref(), Some("InvalidAction"));

    let mut spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    spec.action = None;
    let r = send_raw(&emu, &spec).await;
    assert_eq!(r.error_code().as_deref(), Some("MissingParameter"));
    assert!(r.error_message().contains("X-TC-Action"));

    let mut spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    spec.version = Some("2019-01-01".into());
    let r = send_raw(&emu, &spec).await;
    assert_eq!(r.error_code().as_deref(), Some("NoSuchVersion"));
    spec.version = None;
    let r = send_raw(&emu, &spec).await;
    assert_eq!(r.error_code().as_deref(), Some("MissingParameter"));
    assert!(r.error_message().contains("X-TC-Version"));

    let mut spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    spec.method = "PUT".into();
    let r = send_raw(&emu, &spec).await;
    assert_eq!(r.error_code().as_deref(), Some("UnsupportedProtocol"));

    let mut spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    spec.content_type = "application/x-www-form-urlencoded".into();
    let r = send_raw(&emu, &spec).await;
    assert_eq!(r.error_code().as_deref(), Some("InvalidParameter"));
    assert!(r.error_message().contains("Content-Type"));
    emu.shutdown().await;
}

#[tokio::test]
async fn spec_actions_without_a_handler_are_unsupported_when_strict() {
    let emu = Emulator::builder().strict(true).start().await.unwrap();
    let health = exchange(
        emu.addr(),
        &plain_request("GET", "/_emulator/health", "x", ""),
    )
    .await
    .response()
    .json();
    let emulated: Vec<String> = health["Response"]["Actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    assert!(emulated.contains(&"CreateMultiFlowSignQRCode".to_owned()));
    assert!(emulated.contains(&"CancelMultiFlowSignQRCode".to_owned()));
    assert_eq!(health["Response"]["Strict"], true);
    for name in ess_api::service::ACTIONS {
        let r = send_raw(&emu, &RequestSpec::new(&emu, name, "{}")).await;
        let code = r.error_code();
        if emulated.iter().any(|e| e == name) {
            assert_ne!(code.as_deref(), Some("UnsupportedOperation"), "{name}");
            assert_ne!(code.as_deref(), Some("InvalidAction"), "{name}");
        } else {
            assert_eq!(code.as_deref(), Some("UnsupportedOperation"), "{name}");
        }
    }
    emu.shutdown().await;
}

async fn answer(emu: &Emulator, action: &str, body: &str) -> (Option<String>, String) {
    let r = send_raw(emu, &RequestSpec::new(emu, action, body)).await;
    assert_eq!(r.status, 200);
    (r.error_code(), r.error_message())
}

#[tokio::test]
async fn bodies_that_are_not_json_objects() {
    let emu = emulator().await;
    for body in ["{", "not json", "", "{\"Operator\": }"] {
        let (code, message) = answer(&emu, "CreateMultiFlowSignQRCode", body).await;
        assert_eq!(code.as_deref(), Some("InvalidParameter"), "{body:?}");
        assert!(message.contains("not valid JSON"), "{message}");
    }
    for body in ["[]", "\"text\"", "42"] {
        let (code, message) = answer(&emu, "CreateMultiFlowSignQRCode", body).await;
        assert_eq!(code.as_deref(), Some("InvalidParameter"), "{body:?}");
        assert!(message.contains("JSON object"), "{message}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn missing_required_members_are_named() {
    let emu = emulator().await;
    let op = defaults::OPERATOR_ID;
    let t = defaults::B2C_TEMPLATE_ID;
    let cases = [
        (
            format!(r#"{{"Operator": {{"UserId": "{op}"}}, "FlowName": "x"}}"#),
            "TemplateId",
        ),
        (
            format!(r#"{{"Operator": {{"UserId": "{op}"}}, "TemplateId": "{t}"}}"#),
            "FlowName",
        ),
        (
            format!(r#"{{"TemplateId": "{t}", "FlowName": "x"}}"#),
            "Operator",
        ),
        // null is the same as absent.
        (
            format!(r#"{{"Operator": {{"UserId": "{op}"}}, "TemplateId": null, "FlowName": "x"}}"#),
            "TemplateId",
        ),
        (
            format!(r#"{{"Operator": {{}}, "TemplateId": "{t}", "FlowName": "x"}}"#),
            "Operator.UserId",
        ),
        (
            format!(
                r#"{{"Operator": {{"UserId": "{op}"}}, "TemplateId": "{t}", "FlowName": "x",
                    "ApproverComponentLimitTypes": [{{"Values": ["HANDWRITE"]}}]}}"#
            ),
            "ApproverComponentLimitTypes.0.RecipientId",
        ),
    ];
    for (body, member) in cases {
        let (code, message) = answer(&emu, "CreateMultiFlowSignQRCode", &body).await;
        assert_eq!(code.as_deref(), Some("MissingParameter"), "{body}");
        assert!(message.contains(member), "{member}: {message}");
    }
    // An action that documents MissingParameter.QrCodeId answers it.
    let (code, message) = answer(
        &emu,
        "CancelMultiFlowSignQRCode",
        &format!(r#"{{"Operator": {{"UserId": "{op}"}}}}"#),
    )
    .await;
    assert_eq!(code.as_deref(), Some("MissingParameter.QrCodeId"));
    assert!(message.contains("QrCodeId"));
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_members_are_named_and_nulls_ignored() {
    let emu = emulator().await;
    let op = defaults::OPERATOR_ID;
    let t = defaults::B2C_TEMPLATE_ID;
    let cases = [
        (
            format!(
                r#"{{"Operator": {{"UserId": "{op}"}}, "TemplateId": "{t}", "FlowName": "x", "Colour": "red"}}"#
            ),
            "Colour",
        ),
        (
            format!(
                r#"{{"Operator": {{"UserId": "{op}", "Nickname": "a"}}, "TemplateId": "{t}", "FlowName": "x"}}"#
            ),
            "Operator.Nickname",
        ),
        (
            format!(
                r#"{{"Operator": {{"UserId": "{op}"}}, "TemplateId": "{t}", "FlowName": "x",
                    "Restrictions": [{{"Name": "张三", "Mobile": "13800009527"}}, {{"Name": "李四", "Mobile": "13900001234", "Age": 30}}]}}"#
            ),
            "Restrictions.1.Age",
        ),
        // Names are case-sensitive, as on the service.
        (
            format!(
                r#"{{"operator": {{"UserId": "{op}"}}, "Operator": {{"UserId": "{op}"}}, "TemplateId": "{t}", "FlowName": "x"}}"#
            ),
            "operator",
        ),
    ];
    for (body, member) in cases {
        let (code, message) = answer(&emu, "CreateMultiFlowSignQRCode", &body).await;
        assert_eq!(code.as_deref(), Some("UnknownParameter"), "{body}");
        assert!(message.contains(member), "{member}: {message}");
    }
    let with_nulls = format!(
        r#"{{"Operator": {{"UserId": "{op}", "Channel": null}}, "TemplateId": "{t}", "FlowName": "x",
            "Whatever": null, "MaxFlowNum": null, "Restrictions": null}}"#
    );
    let (code, message) = answer(&emu, "CreateMultiFlowSignQRCode", &with_nulls).await;
    assert_eq!(code, None, "{message}");
    emu.shutdown().await;
}

#[tokio::test]
async fn members_of_the_wrong_type() {
    let emu = emulator().await;
    let op = defaults::OPERATOR_ID;
    let t = defaults::B2C_TEMPLATE_ID;
    let cases = [
        (
            format!(
                r#"{{"Operator": {{"UserId": "{op}"}}, "TemplateId": "{t}", "FlowName": "x", "MaxFlowNum": "5"}}"#
            ),
            "MaxFlowNum",
        ),
        (
            format!(r#"{{"Operator": {{"UserId": "{op}"}}, "TemplateId": "{t}", "FlowName": 7}}"#),
            "FlowName",
        ),
        (
            format!(r#"{{"Operator": "{op}", "TemplateId": "{t}", "FlowName": "x"}}"#),
            "Operator",
        ),
        (
            format!(
                r#"{{"Operator": {{"UserId": "{op}"}}, "TemplateId": "{t}", "FlowName": "x", "Restrictions": {{"Name": "a"}}}}"#
            ),
            "Restrictions",
        ),
        (
            format!(
                r#"{{"Operator": {{"UserId": "{op}"}}, "TemplateId": "{t}", "FlowName": "x", "ForbidPersonalMultipleSign": "yes"}}"#
            ),
            "ForbidPersonalMultipleSign",
        ),
        (
            format!(
                r#"{{"Operator": {{"UserId": "{op}"}}, "TemplateId": "{t}", "FlowName": "x", "Restrictions": [{{"Mobile": 13800009527}}]}}"#
            ),
            "Restrictions.0.Mobile",
        ),
    ];
    for (body, member) in cases {
        let (code, message) = answer(&emu, "CreateMultiFlowSignQRCode", &body).await;
        assert_eq!(code.as_deref(), Some("InvalidParameter"), "{body}");
        assert!(message.contains(member), "{member}: {message}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let emu = emulator().await;
    let mut raw = Raw::connect(emu.addr()).await;
    for _ in 0..3 {
        let spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
        let r = bounded(raw.exchange(&spec.bytes(), usize::MAX))
            .await
            .response();
        assert_eq!(r.error_code(), None);
    }
    // Connection: close is honoured.
    let mut spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    spec.extra.push(("Connection".into(), "close".into()));
    let r = bounded(raw.exchange(&spec.bytes(), usize::MAX))
        .await
        .response();
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(raw.is_closed().await);
    assert_eq!(emu.qr_codes().len(), 4);
    emu.shutdown().await;
}

#[tokio::test]
async fn oversized_requests_and_broken_http() {
    let emu = emulator().await;
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 20000000\r\n\r\n",
        emu.addr()
    );
    let r = exchange(emu.addr(), head.as_bytes()).await.response();
    assert_eq!(r.status, 200);
    assert_eq!(r.error_code().as_deref(), Some("RequestSizeLimitExceeded"));

    let r = exchange(emu.addr(), b"NONSENSE\r\n\r\n").await.response();
    assert_eq!(r.status, 400);
    let chunked = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        emu.addr()
    );
    let r = exchange(emu.addr(), chunked.as_bytes()).await.response();
    assert_eq!(r.status, 411);
    emu.shutdown().await;
}

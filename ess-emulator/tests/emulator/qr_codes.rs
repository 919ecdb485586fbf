//! `CreateMultiFlowSignQRCode` and `CancelMultiFlowSignQRCode` through the
//! real client: template rules, request rules mapped to the service's
//! codes, answers, cancellation.

use crate::support;

use std::time::Duration;

use ess_api::operation::cancel_multi_flow_sign_qr_code::CancelMultiFlowSignQrCodeError as C;
use ess_api::operation::create_multi_flow_sign_qr_code::{
    CreateMultiFlowSignQrCodeError as E, CreateMultiFlowSignQrCodeFluentBuilder,
};
use ess_api::types::{
    Agent, ApproverComponentLimitType, ApproverRestriction, FlowDisplayType, IdCardType,
    SignatureMethod,
};
use ess_api::{SdkError, ServiceError};
use ess_emulator::{defaults, Emulator, QrCodeStatus, ScanRequest, World};
use support::*;

/// Sends without the client's own validation, so that the emulator judges.
async fn refused(builder: CreateMultiFlowSignQrCodeFluentBuilder) -> E {
    match bounded(builder.send_unvalidated()).await {
        Err(SdkError::Service(e)) => e,
        other => panic!("expected a service error, got {other:?}"),
    }
}

const WORLD: &str = r#"
[organization]
id = "yDtestOrganization00000000000001"
name = "测试公司"
contract_quota = 10
operators = ["yDtestOperator000000000000000001"]

[[templates]]
id = "yDtestNoSigners0000000000000001A"
kind = "person-only"
signers = false

[[templates]]
id = "yDtestInitiatorFills00000000001A"
kind = "b2c"
initiator_fill_components = true

[[templates]]
id = "yDtestCompanyFirstSilent0000010A"
kind = "b2c"
signing_order = "company-first"
company_signs_silently = true

[[templates]]
id = "yDtestUnorderedB2C0000000000010A"
kind = "b2c"
signing_order = "unordered"

[[templates]]
id = "yDtestCompanyFirstInPerson00010A"
kind = "b2c"
signing_order = "company-first"

[[templates]]
id = "yDtestInitiatorSigns00000000010A"
kind = "b2c"
initiator_sign_components = true
initiator_fill_components = true
"#;

#[tokio::test]
async fn every_template_rule() {
    let world = World::from_toml_str(WORLD, "rules.toml").unwrap();
    let emu = Emulator::builder().world(world).start().await.unwrap();
    let client = client(&emu);
    let create = |template: &str| {
        client
            .create_multi_flow_sign_qr_code()
            .operator(operator("yDtestOperator000000000000000001"))
            .template_id(template)
            .flow_name("合同")
    };
    let e = refused(create("yDtestNoSigners0000000000000001A")).await;
    assert!(matches!(e, E::FailedOperationQrCodeSignUsers(_)), "{e:?}");
    let e = refused(create("yDtestInitiatorFills00000000001A")).await;
    assert!(matches!(e, E::FailedOperationQrCodeTemplateId(_)), "{e:?}");
    let e = refused(create("yDtestCompanyFirstInPerson00010A")).await;
    assert!(matches!(e, E::FailedOperationQrCodeTemplateId(_)), "{e:?}");
    // Sign components are reported before fill-in components.
    let e = refused(create("yDtestInitiatorSigns00000000010A")).await;
    assert!(
        matches!(e, E::FailedOperationQrCodeCreatorSignComponents(_)),
        "{e:?}"
    );
    for ok in [
        "yDtestCompanyFirstSilent0000010A",
        "yDtestUnorderedB2C0000000000010A",
    ] {
        bounded(create(ok).send()).await.unwrap();
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn default_world_templates_operators_and_quota() {
    let emu = emulator().await;
    let client = client(&emu);
    for ok in [defaults::B2C_TEMPLATE_ID, defaults::PERSON_TEMPLATE_ID] {
        bounded(create(&client, ok).send()).await.unwrap();
    }
    let e = refused(create(&client, defaults::COMPANY_FIRST_TEMPLATE_ID)).await;
    assert!(matches!(e, E::FailedOperationQrCodeTemplateId(_)), "{e:?}");
    let e = refused(create(&client, defaults::CREATOR_SIGNS_TEMPLATE_ID)).await;
    assert!(
        matches!(e, E::FailedOperationQrCodeCreatorSignComponents(_)),
        "{e:?}"
    );
    let e = refused(create(&client, "yDunknownTemplate000000000000001")).await;
    assert!(matches!(e, E::ResourceNotFoundTemplate(_)), "{e:?}");

    let e = refused(
        create(&client, defaults::B2C_TEMPLATE_ID)
            .operator(operator("yDsomeoneElse0000000000000000001")),
    )
    .await;
    assert!(
        matches!(e, E::OperationDeniedUserNotInOrganization(_)),
        "{e:?}"
    );
    bounded(
        create(&client, defaults::B2C_TEMPLATE_ID)
            .operator(operator(defaults::SECOND_OPERATOR_ID))
            .send(),
    )
    .await
    .unwrap();

    let e = refused(
        create(&client, defaults::B2C_TEMPLATE_ID).agent(
            Agent::builder()
                .proxy_organization_id("yDotherOrganization0000000000001")
                .build()
                .unwrap(),
        ),
    )
    .await;
    assert!(matches!(e, E::ResourceNotFoundOrganization(_)), "{e:?}");
    bounded(
        create(&client, defaults::B2C_TEMPLATE_ID)
            .agent(
                Agent::builder()
                    .proxy_organization_id(defaults::ORGANIZATION_ID)
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .await
    .unwrap();

    emu.set_quota_remaining(0);
    let e = refused(create(&client, defaults::B2C_TEMPLATE_ID)).await;
    assert!(matches!(e, E::OperationDeniedNoQuota(_)), "{e:?}");
    emu.shutdown().await;
}

fn person(name: &str, mobile: &str) -> ApproverRestriction {
    ApproverRestriction::builder()
        .name(name)
        .mobile(mobile)
        .build_unvalidated()
        .unwrap()
}

#[tokio::test]
#[allow(deprecated)]
async fn request_rules_map_to_the_service_codes() {
    let emu = emulator().await;
    let client = client(&emu);
    let base = || create(&client, defaults::B2C_TEMPLATE_ID);
    let now = emu.now() as i64;

    let cases: Vec<(&str, CreateMultiFlowSignQrCodeFluentBuilder, &str, &str)> = vec![
        (
            "empty flow name",
            base().flow_name(""),
            "InvalidParameter.FlowName",
            "FlowName",
        ),
        (
            "long flow name",
            base().flow_name("合".repeat(201)),
            "InvalidParameter.FlowName",
            "FlowName",
        ),
        (
            "short template id",
            client
                .create_multi_flow_sign_qr_code()
                .operator(operator(defaults::OPERATOR_ID))
                .template_id("yDshort")
                .flow_name("x"),
            "InvalidParameter.TemplateId",
            "TemplateId",
        ),
        (
            "flow effective 0",
            base().flow_effective_day(0),
            "InvalidParameter.QrFlowEffectDay",
            "FlowEffectiveDay",
        ),
        (
            "flow effective 31",
            base().flow_effective_day(31),
            "InvalidParameter.QrFlowEffectDay",
            "FlowEffectiveDay",
        ),
        (
            "qr effective 0",
            base().qr_effective_day(0),
            "InvalidParameter.QrEffectDay",
            "QrEffectiveDay",
        ),
        (
            "qr effective 91",
            base().qr_effective_day(91),
            "InvalidParameter.QrEffectDay",
            "QrEffectiveDay",
        ),
        (
            "expired on negative",
            base().qr_code_expired_on(-1),
            "InvalidParameter.QrEffectDay",
            "QrCodeExpiredOn",
        ),
        (
            "expired on in the past",
            base().qr_code_expired_on(now - 10),
            "InvalidParameter.QrEffectDay",
            "future",
        ),
        (
            "expired on too late",
            base().qr_code_expired_on(now + 366 * 86_400),
            "InvalidParameter.QrEffectDay",
            "365",
        ),
        (
            "mobile too short",
            base().restrictions(person("张三", "1380000952")),
            "InvalidParameter.Mobile",
            "Restrictions.0.Mobile",
        ),
        (
            "mobile not digits",
            base().restrictions(person("张三", "1380000952x")),
            "InvalidParameter.Mobile",
            "Restrictions.0.Mobile",
        ),
        (
            "mobile not mainland",
            base().restrictions(person("张三", "23800009527")),
            "InvalidParameter.Mobile",
            "Restrictions.0.Mobile",
        ),
        (
            "mobile missing",
            base().restrictions(
                ApproverRestriction::builder()
                    .name("张三")
                    .build_unvalidated()
                    .unwrap(),
            ),
            "InvalidParameter.Mobile",
            "Restrictions.0.Mobile",
        ),
        (
            "second restriction",
            base()
                .restrictions(person("张三", "13800009527"))
                .restrictions(person("李四", "139")),
            "InvalidParameter.Mobile",
            "Restrictions.1.Mobile",
        ),
        (
            "deprecated restriction",
            base().approver_restrictions(person("张三", "139")),
            "InvalidParameter.Mobile",
            "ApproverRestrictions.Mobile",
        ),
        (
            "name empty",
            base().restrictions(person(" ", "13800009527")),
            "InvalidParameter.Name",
            "Restrictions.0.Name",
        ),
        (
            "name missing",
            base().restrictions(
                ApproverRestriction::builder()
                    .mobile("13800009527")
                    .build_unvalidated()
                    .unwrap(),
            ),
            "InvalidParameter.Name",
            "Restrictions.0.Name",
        ),
        (
            "id number bad",
            base().restrictions(
                ApproverRestriction::builder()
                    .name("张三")
                    .mobile("13800009527")
                    .id_card_type(IdCardType::IdCard)
                    .id_card_number("110105194912310021")
                    .build_unvalidated()
                    .unwrap(),
            ),
            "InvalidParameter.CardNumber",
            "IdCardNumber",
        ),
        (
            "id type unknown",
            base().restrictions(
                ApproverRestriction::builder()
                    .name("张三")
                    .mobile("13800009527")
                    .id_card_type(IdCardType::from("PASSPORT"))
                    .id_card_number("E12345678")
                    .build_unvalidated()
                    .unwrap(),
            ),
            "InvalidParameter.CardNumber",
            "IdCardType",
        ),
        (
            "max flows 0",
            base().max_flow_num(0),
            "InvalidParameter",
            "MaxFlowNum",
        ),
        (
            "user data not base64",
            base().user_data("not base64!"),
            "InvalidParameter",
            "UserData",
        ),
        (
            "long qr name",
            base().qr_code_name("码".repeat(201)),
            "InvalidParameter",
            "QrCodeName",
        ),
        (
            "unknown display type",
            base().flow_display_type(FlowDisplayType::from(9)),
            "InvalidParameter",
            "FlowDisplayType",
        ),
        (
            "recipient id",
            base().approver_component_limit_types(
                ApproverComponentLimitType::builder()
                    .recipient_id("short")
                    .values(SignatureMethod::Handwrite)
                    .build_unvalidated()
                    .unwrap(),
            ),
            "InvalidParameter",
            "RecipientId",
        ),
    ];
    for (what, builder, code, mentions) in cases {
        let e = refused(builder).await;
        assert_eq!(e.code(), code, "{what}: {e}");
        assert!(e.message().contains(mentions), "{what}: {}", e.message());
        assert!(
            !e.is_unhandled() || ess_api::service::COMMON_ERRORS.contains(&e.code()),
            "{what}: {code} is a documented or common code"
        );
    }
    assert!(
        emu.qr_codes().is_empty(),
        "no refused request created a code"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn client_and_emulator_agree_on_validation() {
    let emu = emulator().await;
    let client = client(&emu);
    let long = || {
        create(&client, defaults::B2C_TEMPLATE_ID)
            .flow_name("x".repeat(201))
            .flow_effective_day(40)
    };
    let local = bounded(long().send()).await.unwrap_err();
    let paths: Vec<_> = local
        .validation_errors()
        .expect("refused before sending")
        .violations()
        .iter()
        .map(|v| v.path().to_owned())
        .collect();
    assert_eq!(paths, ["flow_name", "flow_effective_day"]);
    let remote = refused(long()).await;
    assert!(
        matches!(remote, E::InvalidParameterFlowName(_)),
        "{remote:?}"
    );
    assert!(remote.message().contains("FlowName") && remote.message().contains("FlowEffectiveDay"));
    emu.shutdown().await;
}

#[tokio::test]
async fn answers_expiry_and_links() {
    let emu = emulator().await;
    let client = client(&emu);
    let now = emu.now();
    let out = bounded(create(&client, defaults::B2C_TEMPLATE_ID).send())
        .await
        .unwrap();
    let id = &out.qr_code.qr_code_id;
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(out.request_id.split('-').count(), 5);
    let seven_days = now + 7 * 86_400;
    assert!((seven_days..=seven_days + 5).contains(&(out.qr_code.expired_time as u64)));
    assert_eq!(
        out.qr_code.qr_code_url,
        format!("{}/qr/{id}.png", emu.endpoint())
    );
    assert_eq!(
        out.sign_urls.http_sign_url,
        format!("{}/sign/{id}", emu.endpoint())
    );
    assert!(out.sign_urls.app_sign_url.contains(id.as_str()));
    assert_eq!(
        out.sign_urls.effective_time.len(),
        "2025-01-01 00:00:00".len()
    );

    #[allow(deprecated)]
    let out = bounded(
        create(&client, defaults::PERSON_TEMPLATE_ID)
            .qr_effective_day(2)
            .send(),
    )
    .await
    .unwrap();
    let two_days = now + 2 * 86_400;
    assert!((two_days..=two_days + 5).contains(&(out.qr_code.expired_time as u64)));

    // QrCodeExpiredOn wins over the deprecated QrEffectiveDay.
    let at = now + 30 * 86_400;
    #[allow(deprecated)]
    let out = bounded(
        create(&client, defaults::PERSON_TEMPLATE_ID)
            .qr_effective_day(2)
            .qr_code_expired_on(at as i64)
            .max_flow_num(3)
            .qr_code_name("入职签署码")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(out.qr_code.expired_time as u64, at);
    let info = emu.qr_code(&out.qr_code.qr_code_id).unwrap();
    assert_eq!(info.max_flow_num, 3);
    assert_eq!(info.qr_code_name, "入职签署码");
    assert_eq!(info.flow_name, "员工入职合同");
    assert_eq!(info.flow_effective_day, 7);
    assert_eq!(info.status, QrCodeStatus::Active);

    // The sign page is served by the emulator.
    let page = exchange(
        emu.addr(),
        &plain_request("GET", &format!("/sign/{}", out.qr_code.qr_code_id), "x", ""),
    )
    .await
    .response();
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("入职签署码"));
    emu.shutdown().await;
}

#[tokio::test]
async fn codes_expire_with_the_emulator_clock() {
    let emu = emulator().await;
    let client = client(&emu);
    #[allow(deprecated)]
    let out = bounded(
        create(&client, defaults::PERSON_TEMPLATE_ID)
            .qr_effective_day(1)
            .send(),
    )
    .await
    .unwrap();
    let id = out.qr_code.qr_code_id;
    emu.advance_clock(Duration::from_secs(86_400 + 1));
    assert_eq!(emu.qr_code(&id).unwrap().status, QrCodeStatus::Expired);
    let e = emu
        .scan(&ScanRequest::new(&id, "张三", "13800009527"))
        .unwrap_err();
    assert_eq!(e.code(), "OperationDenied.QrInvalid");
    emu.shutdown().await;
}

#[tokio::test]
async fn cancel_invalidates_a_code() {
    let emu = emulator().await;
    let client = client(&emu);
    let out = bounded(create(&client, defaults::B2C_TEMPLATE_ID).send())
        .await
        .unwrap();
    let id = out.qr_code.qr_code_id;
    let cancel = |qr: &str| {
        client
            .cancel_multi_flow_sign_qr_code()
            .operator(operator(defaults::OPERATOR_ID))
            .qr_code_id(qr)
    };
    let done = bounded(cancel(&id).send()).await.unwrap();
    assert_eq!(done.request_id.split('-').count(), 5);
    assert_eq!(emu.qr_code(&id).unwrap().status, QrCodeStatus::Cancelled);
    // Cancelling again changes nothing and succeeds.
    bounded(cancel(&id).send()).await.unwrap();
    let cancelled_events = emu
        .events()
        .iter()
        .filter(|e| matches!(e.kind, ess_emulator::EventKind::QrCodeCancelled { .. }))
        .count();
    assert_eq!(cancelled_events, 1);

    let e = emu
        .scan(&ScanRequest::new(&id, "张三", "13800009527"))
        .unwrap_err();
    assert_eq!(e.code(), "OperationDenied.QrInvalid");
    assert!(e.message().contains("cancel"));

    match bounded(cancel("yDnoSuchCode00000000000000000001").send()).await {
        Err(SdkError::Service(C::ResourceNotFoundQrInfo(_))) => {}
        other => panic!("{other:?}"),
    }
    match bounded(
        cancel(&id)
            .operator(operator("yDsomeoneElse0000000000000000001"))
            .send(),
    )
    .await
    {
        // Cancelling documents no code of its own for a stranger.
        Err(SdkError::Service(C::OperationDenied(m))) => {
            assert!(m.message().contains("not an employee"), "{m:?}")
        }
        other => panic!("{other:?}"),
    }
    match bounded(cancel("short").send_unvalidated()).await {
        Err(SdkError::Service(e)) => assert_eq!(e.code(), "InvalidParameter"),
        other => panic!("{other:?}"),
    }
    emu.shutdown().await;
}

//! Simulated scans and signatures: the rules a code sets for the contracts
//! it starts, through the Rust API and the emulator's own endpoints.

use crate::support;

use std::time::Duration;

use ess_api::types::ApproverRestriction;
use ess_emulator::{
    defaults, Emulator, EventKind, FlowStatus, Organization, QrCodeStatus, ScanRequest, Template,
    World,
};
use support::*;

async fn code(emu: &Emulator, configure: impl FnOnce(CreateBuilder) -> CreateBuilder) -> String {
    let client = client(emu);
    let builder = configure(create(&client, defaults::B2C_TEMPLATE_ID));
    bounded(builder.send()).await.unwrap().qr_code.qr_code_id
}

type CreateBuilder =
    ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeFluentBuilder;

fn allowed(name: &str, mobile: &str) -> ApproverRestriction {
    ApproverRestriction::builder()
        .name(name)
        .mobile(mobile)
        .build()
        .unwrap()
}

#[tokio::test]
async fn max_flow_num_stops_the_code() {
    let emu = emulator().await;
    let id = code(&emu, |b| b.max_flow_num(2)).await;
    let first = emu
        .scan(&ScanRequest::new(&id, "张三", "13800009527"))
        .unwrap();
    let second = emu
        .scan(&ScanRequest::new(&id, "李四", "13900001234"))
        .unwrap();
    assert_eq!(first.flow_id.len(), 32);
    assert_ne!(first.flow_id, second.flow_id);
    assert_eq!(first.flow_name, "员工入职合同");
    let e = emu
        .scan(&ScanRequest::new(&id, "王五", "13700005678"))
        .unwrap_err();
    assert_eq!(e.code(), "OperationDenied.QrInvalid");
    let info = emu.qr_code(&id).unwrap();
    assert_eq!(info.flows_started, 2);
    assert_eq!(info.status, QrCodeStatus::Exhausted);
    assert_eq!(emu.flows().len(), 2);
    assert!(emu.events().iter().any(|e| e.kind
        == EventKind::QrCodeExhausted {
            qr_code_id: id.clone()
        }));
    emu.shutdown().await;
}

#[tokio::test]
async fn default_max_flow_num_is_five() {
    let emu = emulator().await;
    let id = code(&emu, |b| b).await;
    for i in 0..5 {
        emu.scan(&ScanRequest::new(&id, "张三", format!("1380000000{i}")))
            .unwrap();
    }
    let e = emu
        .scan(&ScanRequest::new(&id, "张三", "13800000009"))
        .unwrap_err();
    assert_eq!(e.code(), "OperationDenied.QrInvalid");
    emu.shutdown().await;
}

#[tokio::test]
async fn restrictions_admit_only_the_listed_people() {
    let emu = emulator().await;
    let with_id = ApproverRestriction::builder()
        .name("李四")
        .mobile("13900001234")
        .id_card_type(ess_api::types::IdCardType::IdCard)
        .id_card_number(ID_CARD)
        .build()
        .unwrap();
    let id = code(&emu, |b| {
        b.restrictions(allowed("张三", "13800009527"))
            .restrictions(with_id)
            .max_flow_num(10)
    })
    .await;
    let denied = |scan: ScanRequest| {
        let e = emu.scan(&scan).unwrap_err();
        assert_eq!(e.code(), "OperationDenied.Forbid", "{scan:?}");
    };
    denied(ScanRequest::new(&id, "王五", "13700005678"));
    denied(ScanRequest::new(&id, "张三", "13700005678"));
    denied(ScanRequest::new(&id, "王五", "13800009527"));
    // The second person's restriction has an identity card: it must match.
    denied(ScanRequest::new(&id, "李四", "13900001234"));
    denied(ScanRequest::new(&id, "李四", "13900001234").with_id_card("110101199003074477"));
    emu.scan(&ScanRequest::new(&id, "张三", "13800009527"))
        .unwrap();
    emu.scan(&ScanRequest::new(&id, "李四", "13900001234").with_id_card("11010519491231002x"))
        .unwrap();
    assert_eq!(emu.qr_code(&id).unwrap().restriction_count, 2);

    // The deprecated single restriction works the same way.
    #[allow(deprecated)]
    let single = code(&emu, |b| {
        b.approver_restrictions(allowed("赵六", "13600001111"))
    })
    .await;
    denied(ScanRequest::new(&single, "张三", "13800009527"));
    emu.scan(&ScanRequest::new(&single, "赵六", "13600001111"))
        .unwrap();
    emu.shutdown().await;
}

#[tokio::test]
async fn forbid_personal_multiple_sign() {
    let emu = emulator().await;
    let strict = code(&emu, |b| b.forbid_personal_multiple_sign(true)).await;
    emu.scan(&ScanRequest::new(&strict, "张三", "13800009527"))
        .unwrap();
    let e = emu
        .scan(&ScanRequest::new(&strict, "张三", "13800009527"))
        .unwrap_err();
    assert_eq!(e.code(), "OperationDenied.Forbid");
    // Same mobile, another name: still the same person to the service.
    let e = emu
        .scan(&ScanRequest::new(&strict, "张叁", "13800009527"))
        .unwrap_err();
    assert_eq!(e.code(), "OperationDenied.Forbid");
    emu.scan(&ScanRequest::new(&strict, "李四", "13900001234"))
        .unwrap();

    let lenient = code(&emu, |b| b.forbid_personal_multiple_sign(false)).await;
    emu.scan(&ScanRequest::new(&lenient, "张三", "13800009527"))
        .unwrap();
    emu.scan(&ScanRequest::new(&lenient, "张三", "13800009527"))
        .unwrap();
    emu.shutdown().await;
}

#[tokio::test]
async fn flow_names_with_scanner_info() {
    let emu = emulator().await;
    let id = code(&emu, |b| b.flow_name_append_scanner_info(true)).await;
    let flow = emu
        .scan(&ScanRequest::new(&id, " 张三 ", "13800009527"))
        .unwrap();
    assert_eq!(flow.flow_name, "员工入职合同-张三-9527");
    assert_eq!(emu.flow(&flow.flow_id).unwrap().flow_name, flow.flow_name);
    let plain = code(&emu, |b| b.flow_name_append_scanner_info(false)).await;
    let flow = emu
        .scan(&ScanRequest::new(&plain, "张三", "13800009527"))
        .unwrap();
    assert_eq!(flow.flow_name, "员工入职合同");
    emu.shutdown().await;
}

#[tokio::test]
async fn flow_effective_day_sets_the_deadline() {
    let emu = emulator().await;
    let id = code(&emu, |b| b.flow_effective_day(3).max_flow_num(3)).await;
    let now = emu.now();
    let flow = emu
        .scan(&ScanRequest::new(&id, "张三", "13800009527"))
        .unwrap();
    assert!((now + 3 * 86_400..=now + 3 * 86_400 + 5).contains(&flow.deadline));
    let late = emu
        .scan(&ScanRequest::new(&id, "李四", "13900001234"))
        .unwrap();

    let signed = emu.sign(&flow.flow_id).unwrap();
    assert_eq!(signed.status, FlowStatus::Signed);
    let e = emu.sign(&flow.flow_id).unwrap_err();
    assert_eq!(e.code(), "OperationDenied.FlowHasTerminated");

    emu.advance_clock(Duration::from_secs(3 * 86_400 + 10));
    assert_eq!(emu.flow(&late.flow_id).unwrap().status, FlowStatus::Expired);
    let e = emu.sign(&late.flow_id).unwrap_err();
    assert_eq!(e.code(), "OperationDenied.FlowHasTerminated");
    let e = emu.sign("yDnoSuchFlow00000000000000000001").unwrap_err();
    assert_eq!(e.code(), "ResourceNotFound.Flow");
    emu.shutdown().await;
}

#[tokio::test]
async fn each_scan_uses_one_contract_of_quota() {
    let world = World::new(
        Organization::new(defaults::ORGANIZATION_ID, "小公司", 2)
            .with_operator(defaults::OPERATOR_ID),
    )
    .with_template(Template::person_only(
        defaults::PERSON_TEMPLATE_ID,
        "个人合同",
    ));
    let emu = Emulator::builder().world(world).start().await.unwrap();
    let client = client(&emu);
    let make = || async {
        bounded(create(&client, defaults::PERSON_TEMPLATE_ID).send())
            .await
            .map(|o| o.qr_code.qr_code_id)
    };
    let a = make().await.unwrap();
    let b = make().await.unwrap();
    assert_eq!(emu.quota_remaining(), 2, "creating codes uses no quota");
    emu.scan(&ScanRequest::new(&a, "张三", "13800009527"))
        .unwrap();
    emu.scan(&ScanRequest::new(&b, "李四", "13900001234"))
        .unwrap();
    assert_eq!(emu.quota_remaining(), 0);
    let e = emu
        .scan(&ScanRequest::new(&a, "王五", "13700005678"))
        .unwrap_err();
    assert_eq!(e.code(), "OperationDenied.NoQuota");
    assert!(emu.events().iter().any(|e| matches!(
        &e.kind,
        EventKind::QuotaExhausted { organization_id } if organization_id == defaults::ORGANIZATION_ID
    )));
    let e = make().await.unwrap_err();
    assert_eq!(e.code(), Some("OperationDenied.NoQuota"));
    emu.shutdown().await;
}

#[tokio::test]
async fn scanner_details_are_checked() {
    let emu = emulator().await;
    let id = code(&emu, |b| b).await;
    let code_of = |scan: ScanRequest| emu.scan(&scan).unwrap_err().code().to_owned();
    assert_eq!(
        code_of(ScanRequest::new(&id, "", "13800009527")),
        "InvalidParameter.Name"
    );
    assert_eq!(
        code_of(ScanRequest::new(&id, "张三", "138")),
        "InvalidParameter.Mobile"
    );
    assert_eq!(
        code_of(ScanRequest::new(&id, "张三", "13800009527").with_id_card("123")),
        "InvalidParameter.CardNumber"
    );
    assert_eq!(
        code_of(ScanRequest::new(
            "yDnoSuchCode00000000000000000001",
            "张三",
            "13800009527"
        )),
        "ResourceNotFound.QrInfo"
    );
    assert!(emu.flows().is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn scan_and_sign_over_http_with_events() {
    let emu = emulator().await;
    let mut live = emu.subscribe();
    let id = code(&emu, |b| {
        b.flow_name_append_scanner_info(true)
            .user_data("b3JkZXItNDI=")
    })
    .await;
    let host = emu.addr().to_string();
    let body = format!(r#"{{"QrCodeId": "{id}", "Name": "张三", "Mobile": "13800009527"}}"#);
    let r = exchange(
        emu.addr(),
        &plain_request("POST", "/_emulator/scan", &host, &body),
    )
    .await
    .response();
    assert_eq!(r.status, 200);
    let json = r.json();
    let flow_id = json["Response"]["FlowId"].as_str().unwrap().to_owned();
    assert_eq!(json["Response"]["FlowName"], "员工入职合同-张三-9527");
    assert!(json["Response"]["Deadline"].as_u64().unwrap() > emu.now());
    assert!(json["Response"]["RequestId"].is_string());

    // The same rules as the Rust API, with the service's error shape.
    let bad = format!(r#"{{"QrCodeId": "{id}", "Name": "张三", "Mobile": "1"}}"#);
    let r = exchange(
        emu.addr(),
        &plain_request("POST", "/_emulator/scan", &host, &bad),
    )
    .await
    .response();
    assert_eq!(r.error_code().as_deref(), Some("InvalidParameter.Mobile"));
    let unknown =
        format!(r#"{{"QrCodeId": "{id}", "Name": "a", "Mobile": "13800009527", "Age": 3}}"#);
    let r = exchange(
        emu.addr(),
        &plain_request("POST", "/_emulator/scan", &host, &unknown),
    )
    .await
    .response();
    assert_eq!(r.error_code().as_deref(), Some("InvalidParameter"));
    assert!(r.error_message().contains("Age"));

    let sign = format!(r#"{{"FlowId": "{flow_id}"}}"#);
    let r = exchange(
        emu.addr(),
        &plain_request("POST", "/_emulator/sign", &host, &sign),
    )
    .await
    .response();
    assert_eq!(r.json()["Response"]["Flow"]["Status"], "Signed");

    let r = exchange(
        emu.addr(),
        &plain_request("GET", "/_emulator/events?since=1", &host, ""),
    )
    .await
    .response();
    let events = r.json()["Response"]["Events"].as_array().unwrap().clone();
    let types: Vec<_> = events
        .iter()
        .map(|e| e["Type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types, ["FlowStarted", "FlowSigned"]);
    assert_eq!(events[0]["UserData"], "b3JkZXItNDI=");
    assert_eq!(events[1]["FlowId"], flow_id.as_str());

    let mut seen = Vec::new();
    while let Ok(event) = live.try_recv() {
        seen.push(event.seq);
    }
    assert_eq!(seen, [1, 2, 3]);

    let r = exchange(
        emu.addr(),
        &plain_request("GET", "/_emulator/state", &host, ""),
    )
    .await
    .response();
    let state = r.json();
    assert_eq!(
        state["Response"]["QuotaRemaining"],
        defaults::CONTRACT_QUOTA - 1
    );
    assert_eq!(state["Response"]["QrCodes"][0]["QrCodeId"], id.as_str());
    assert_eq!(state["Response"]["Flows"][0]["Status"], "Signed");

    let r = exchange(
        emu.addr(),
        &plain_request("GET", "/_emulator/scan", &host, ""),
    )
    .await
    .response();
    assert_eq!(r.status, 405);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_clock_endpoint_moves_time() {
    let emu = emulator().await;
    let id = code(&emu, |b| b.qr_code_expired_on(emu.now() as i64 + 3600)).await;
    let host = emu.addr().to_string();
    let r = exchange(
        emu.addr(),
        &plain_request(
            "POST",
            "/_emulator/clock",
            &host,
            r#"{"AdvanceSeconds": 3600}"#,
        ),
    )
    .await
    .response();
    assert!(r.json()["Response"]["Now"].as_u64().unwrap() >= emu.now() - 1);
    let body = format!(r#"{{"QrCodeId": "{id}", "Name": "张三", "Mobile": "13800009527"}}"#);
    let r = exchange(
        emu.addr(),
        &plain_request("POST", "/_emulator/scan", &host, &body),
    )
    .await
    .response();
    assert_eq!(r.error_code().as_deref(), Some("OperationDenied.QrInvalid"));
    emu.shutdown().await;
}

//! Responses decode where the service's JSON types wobble: integers as
//! strings and the reverse, nulls, absent members, unknown members.

use ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeOutput;
use ess_api::types::{FlowCallbackStatus, FlowStatusChangeData};
use serde_json::json;

fn decode(v: serde_json::Value) -> Result<CreateMultiFlowSignQrCodeOutput, serde_json::Error> {
    serde_json::from_value(v)
}

#[test]
fn integers_as_strings_and_strings_as_numbers() {
    let out = decode(json!({
        "QrCode": {"QrCodeId": 12345, "QrCodeUrl": "u", "ExpiredTime": "1693814798"},
        "SignUrls": {"AppSignUrl": "a", "EffectiveTime": "", "HttpSignUrl": "h"},
        "RequestId": "r"
    }))
    .unwrap();
    assert_eq!(out.qr_code.expired_time, 1693814798);
    assert_eq!(out.qr_code.qr_code_id, "12345");
}

#[test]
fn nulls_absent_and_unknown_members_are_tolerated() {
    let out = decode(json!({
        "QrCode": null,
        "SignUrls": {"AppSignUrl": null, "Brand": "new member"},
        "RequestId": "r",
        "AddedLater": {"x": 1}
    }))
    .unwrap();
    assert_eq!(out.qr_code.qr_code_id, "");
    assert_eq!(out.sign_urls.app_sign_url, "");
    assert_eq!(out.request_id, "r");
}

#[test]
fn ambiguous_values_are_rejected_with_the_member_named() {
    let err = decode(json!({"QrCode": {"ExpiredTime": "soon"}, "RequestId": "r"})).unwrap_err();
    assert!(err.to_string().contains("soon"), "{err}");
    let err = decode(json!({"QrCode": {"ExpiredTime": 1.5}, "RequestId": "r"})).unwrap_err();
    assert!(err.to_string().contains("1.5"), "{err}");
}

#[test]
fn enumerations_keep_unknown_values() {
    let data: FlowStatusChangeData = serde_json::from_value(json!({
        "FlowId": "f", "FlowCallbackStatus": "4", "Extra": true
    }))
    .unwrap();
    assert_eq!(data.flow_callback_status, Some(FlowCallbackStatus::Signed));
    assert_eq!(data.extra.get("Extra"), Some(&json!(true)));
    let data: FlowStatusChangeData =
        serde_json::from_value(json!({"FlowId": "f", "FlowCallbackStatus": 99})).unwrap();
    assert_eq!(
        data.flow_callback_status,
        Some(FlowCallbackStatus::Unknown(99))
    );
}

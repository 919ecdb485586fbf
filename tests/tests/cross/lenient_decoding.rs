//! Responses decode where the service's JSON types wobble: integers as
//! strings and the reverse, nulls and absent optional members, unknown
//! members. A member the service documents as always present may not be
//! absent or null: no value is made up for it.

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

/// The members of a complete answer, to vary one at a time.
fn complete() -> serde_json::Value {
    json!({
        "QrCode": {"QrCodeId": "q", "QrCodeUrl": "u", "ExpiredTime": 1},
        "SignUrls": {"AppSignUrl": "a", "EffectiveTime": "", "HttpSignUrl": "h"},
        "RequestId": "r"
    })
}

#[test]
fn nulls_absent_and_unknown_members_are_tolerated_where_optional() {
    let mut body = complete();
    // Members the service adds later are skipped or kept; an optional
    // member may be null or absent.
    body["AddedLater"] = json!({"x": 1});
    body["SignUrls"]["Brand"] = json!("new member");
    let out = decode(body).unwrap();
    assert_eq!(out.request_id, "r");
    let mut body = complete();
    body["RequestId"] = json!(null);
    assert_eq!(decode(body).unwrap().request_id, "");
}

#[test]
fn a_member_the_service_always_sends_may_not_be_absent_or_null() {
    for (path, member) in [
        (&["QrCode"][..], "QrCode"),
        (&["SignUrls"][..], "SignUrls"),
        (&["QrCode", "QrCodeId"][..], "QrCodeId"),
        (&["SignUrls", "AppSignUrl"][..], "AppSignUrl"),
    ] {
        for null in [false, true] {
            let mut body = complete();
            let (last, parents) = path.split_last().unwrap();
            let mut at = &mut body;
            for p in parents {
                at = &mut at[*p];
            }
            let map = at.as_object_mut().unwrap();
            if null {
                map.insert((*last).to_owned(), json!(null));
            } else {
                map.remove(*last);
            }
            let err = decode(body).unwrap_err();
            assert!(
                err.to_string()
                    .contains(&format!("missing field `{member}`")),
                "{path:?} (null: {null}): {err}"
            );
        }
    }
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

#[test]
fn a_member_listed_twice_is_refused_and_named() {
    let err = serde_json::from_slice::<CreateMultiFlowSignQrCodeOutput>(
        br#"{"RequestId": "a", "AddedLater": null, "RequestId": "b"}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("duplicate field `RequestId`"),
        "{err}"
    );
    // Nested structures too, and unknown members may repeat.
    let err = serde_json::from_slice::<CreateMultiFlowSignQrCodeOutput>(
        br#"{"QrCode": {"QrCodeId": "x", "QrCodeId": "y"}, "RequestId": "r"}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("duplicate field `QrCodeId`"),
        "{err}"
    );
    let mut body = complete();
    body["New"] = json!(1);
    let text = body.to_string().replacen('{', r#"{"New": 2, "#, 1);
    let out = serde_json::from_str::<CreateMultiFlowSignQrCodeOutput>(&text).unwrap();
    assert_eq!(out.request_id, "r");
}

#[test]
fn member_names_are_compared_after_unescaping() {
    // `\u0049` is `I`: the name is RequestId, whatever its spelling in JSON.
    let out = serde_json::from_slice::<CreateMultiFlowSignQrCodeOutput>(
        br#"{"Request\u0049d": "r", "QrCode": {"QrCode\u0049d": "q", "QrCodeUrl": "u", "ExpiredTime": 1},
             "SignUrls": {"AppSignUrl": "a", "EffectiveTime": "", "HttpSignUrl": "h"}}"#,
    )
    .unwrap();
    assert_eq!(out.request_id, "r");
    assert_eq!(out.qr_code.qr_code_id, "q");
}

#[test]
fn a_structure_must_be_an_object() {
    for body in [
        r#"["r"]"#,
        r#""RequestId""#,
        "17",
        r#"{"QrCode": ["q"], "RequestId": "r"}"#,
        r#"{"QrCode": "q", "RequestId": "r"}"#,
    ] {
        let err = serde_json::from_str::<CreateMultiFlowSignQrCodeOutput>(body).unwrap_err();
        assert!(err.to_string().contains("an object"), "{body}: {err}");
    }
}

#[test]
fn kept_members_are_exactly_the_unlisted_ones() {
    let data: FlowStatusChangeData = serde_json::from_str(
        r#"{"FlowId": "f", "Later": [1, {"a": null}], "Other\u00e9": "x", "FlowName": "n"}"#,
    )
    .unwrap();
    assert_eq!(data.flow_id, "f");
    assert_eq!(data.flow_name.as_deref(), Some("n"));
    let mut kept: Vec<_> = data.extra.keys().cloned().collect();
    kept.sort();
    assert_eq!(kept, ["Later", "Otheré"]);
    assert_eq!(data.extra["Later"], json!([1, {"a": null}]));
}

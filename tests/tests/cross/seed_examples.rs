//! The reference page's four examples of CreateMultiFlowSignQRCode.
//!
//! Each request is built through the builder (which validates it) and must
//! serialize to the fixture's JSON; each response must decode into the typed
//! output or the typed error.

use ess_api::operation::create_multi_flow_sign_qr_code::{
    CreateMultiFlowSignQrCodeError, CreateMultiFlowSignQrCodeInput, CreateMultiFlowSignQrCodeOutput,
};
use ess_api::types::{ApproverComponentLimitType, ApproverRestriction, SignatureMethod, UserInfo};
use ess_api::{ErrorMeta, ServiceError, Validate};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/seed/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn operator() -> UserInfo {
    UserInfo::builder()
        .user_id("yDRCLUUgygq2xun5UuO4zjEwg0vjoimj")
        .build()
        .unwrap()
}

fn assert_serializes_to(input: &CreateMultiFlowSignQrCodeInput, name: &str) {
    let actual = serde_json::to_value(input).unwrap();
    assert_eq!(actual, fixture(name), "request differs from {name}");
    // And the fixture itself decodes back into an equal, valid request.
    let decoded: CreateMultiFlowSignQrCodeInput = serde_json::from_value(fixture(name)).unwrap();
    assert_eq!(&decoded, input);
    decoded.validate().unwrap();
}

fn decode_output(name: &str) -> CreateMultiFlowSignQrCodeOutput {
    let body = fixture(name);
    serde_json::from_value(body["Response"].clone()).unwrap()
}

fn restriction(name: &str, mobile: &str) -> ApproverRestriction {
    ApproverRestriction::builder()
        .name(name)
        .mobile(mobile)
        .build()
        .unwrap()
}

#[test]
fn example1_restricted_signers() {
    let input = CreateMultiFlowSignQrCodeInput::builder()
        .operator(operator())
        .flow_name("测试合同")
        .template_id("yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR")
        .restrictions(restriction("张三", "18800009527"))
        .restrictions(restriction("李四", "18900001234"))
        .build()
        .unwrap();
    assert_serializes_to(&input, "example1.request.json");

    let out = decode_output("example1.response.json");
    assert_eq!(out.qr_code.qr_code_id, "yDRS****jEuBzwyiofZ");
    assert_eq!(out.qr_code.expired_time, 1693814798);
    assert_eq!(out.qr_code.weixin_qr_code_url, None);
    assert_eq!(out.sign_urls.effective_time, "2022-08-05 15:55:01");
    assert_eq!(out.request_id, "s198*****111");
}

#[test]
#[allow(deprecated)]
fn example2_signature_methods() {
    let input = CreateMultiFlowSignQrCodeInput::builder()
        .operator(operator())
        .flow_effective_day(7)
        .qr_effective_day(7)
        .max_flow_num(5)
        .template_id("yDRscUUgyg1zr7wnUyJ8QMwwnHc4OOcQ")
        .flow_name("示例合同-通过二维码发起")
        .approver_component_limit_types(
            ApproverComponentLimitType::builder()
                .recipient_id("yDRscUUgyg3zr9vfUyJ8QKwCN7z9YcOh")
                .values(SignatureMethod::Handwrite)
                .values(SignatureMethod::SystemEsign)
                .build()
                .unwrap(),
        )
        .approver_component_limit_types(
            ApproverComponentLimitType::builder()
                .recipient_id("yDwJNUUckpkojrmqUxTFHk0yndh70CpW")
                .values(SignatureMethod::OcrEsign)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    assert_serializes_to(&input, "example2.request.json");

    let out = decode_output("example2.response.json");
    assert_eq!(out.qr_code.qr_code_id, "yDwJNUUckpkoj9mdUIJN2kC7XWFFaSuR");
    assert_eq!(out.sign_urls.effective_time, "");
    assert_eq!(out.request_id, "s1695178926924585393");

    // The service's current answer adds WeixinQrCodeUrl: it decodes too.
    let current = decode_output("example2.current.response.json");
    assert_eq!(
        current.qr_code.weixin_qr_code_url.as_deref(),
        Some("https://embed.beta.qian.tencent.cn/code=yDtwRUUckp7fyqz6UuQZAp18BNrB74xu")
    );
    assert_eq!(current.qr_code.qr_code_id, out.qr_code.qr_code_id);
}

#[test]
#[allow(deprecated)]
fn example3_template_not_supported_is_a_typed_error() {
    let input = CreateMultiFlowSignQrCodeInput::builder()
        .flow_name("测试合同")
        .max_flow_num(100)
        .qr_effective_day(7)
        .flow_effective_day(7)
        .operator(operator())
        .template_id("yDRS4UUgygqdcj8kUuO4zjEBpxmzsIAR")
        .build()
        .unwrap();
    assert_serializes_to(&input, "example3.request.json");

    let body = fixture("example3.response.json");
    let e = &body["Response"]["Error"];
    let meta = ErrorMeta::new(e["Code"].as_str().unwrap(), e["Message"].as_str().unwrap())
        .with_request_id(body["Response"]["RequestId"].as_str().unwrap());
    let err = CreateMultiFlowSignQrCodeError::from_meta(meta);
    assert!(err.is_failed_operation_qr_code_template_id(), "{err:?}");
    assert!(matches!(
        err,
        CreateMultiFlowSignQrCodeError::FailedOperationQrCodeTemplateId(_)
    ));
    assert_eq!(err.request_id(), Some("s169*****0872"));
    assert_eq!(err.code(), "FailedOperation.QrCodeTemplateId");
    assert!(err.to_string().contains("FailedOperation.QrCodeTemplateId"));
}

#[test]
#[allow(deprecated)]
fn example4_count_and_time_limits() {
    let input = CreateMultiFlowSignQrCodeInput::builder()
        .flow_name("测试合同")
        .max_flow_num(100)
        .qr_effective_day(7)
        .flow_effective_day(7)
        .operator(operator())
        .template_id("yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR")
        .build()
        .unwrap();
    assert_serializes_to(&input, "example4.request.json");
    let out = decode_output("example4.response.json");
    assert_eq!(
        out.qr_code.qr_code_url,
        "https://res.ess.tencent.cn/mp-gate/release/CHANNEL_CONTRACT_COVER/xxx"
    );
}

//! The documented rules of the QR-code actions, at and beyond each bound,
//! checked on the generated types.

use ess_api::operation::cancel_multi_flow_sign_qr_code::CancelMultiFlowSignQrCodeInput;
use ess_api::operation::create_multi_flow_sign_qr_code::{
    CreateMultiFlowSignQrCodeInput, CreateMultiFlowSignQrCodeInputBuilder,
};
use ess_api::types::{ApproverComponentLimitType, ApproverRestriction, UserInfo};
use ess_api::validate::{Format, Number, Rule};
use ess_api::{Validate, ValidationErrors};

const TEMPLATE: &str = "yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR";

fn base() -> CreateMultiFlowSignQrCodeInputBuilder {
    CreateMultiFlowSignQrCodeInput::builder()
        .operator(
            UserInfo::builder()
                .user_id("yDRCLUUgygq2xun5UuO4zjEwg0vjoimj")
                .build()
                .unwrap(),
        )
        .template_id(TEMPLATE)
        .flow_name("员工入职合同")
}

fn only_violation(r: Result<CreateMultiFlowSignQrCodeInput, ValidationErrors>) -> (String, Rule) {
    let e = r.expect_err("the request should be rejected");
    assert_eq!(e.violations().len(), 1, "{e}");
    let v = &e.violations()[0];
    (v.path().to_owned(), v.rule().clone())
}

#[test]
fn a_minimal_request_is_valid() {
    base().build().unwrap();
}

#[test]
fn template_id_must_have_exactly_32_characters() {
    base().template_id("a".repeat(32)).build().unwrap();
    assert_eq!(
        only_violation(base().template_id("a".repeat(31)).build()),
        (
            "template_id".into(),
            Rule::MinChars {
                min: 32,
                actual: 31
            }
        )
    );
    assert_eq!(
        only_violation(base().template_id("a".repeat(33)).build()),
        (
            "template_id".into(),
            Rule::MaxChars {
                max: 32,
                actual: 33
            }
        )
    );
}

#[test]
fn flow_name_is_counted_in_characters() {
    // 200 CJK characters are 600 bytes: accepted.
    base().flow_name("合".repeat(200)).build().unwrap();
    assert_eq!(
        only_violation(base().flow_name("合".repeat(201)).build()),
        (
            "flow_name".into(),
            Rule::MaxChars {
                max: 200,
                actual: 201
            }
        )
    );
    assert_eq!(
        only_violation(base().flow_name("").build()),
        ("flow_name".into(), Rule::MinChars { min: 1, actual: 0 })
    );
    // The service's own example uses '-', so it is allowed.
    base().flow_name("示例合同-通过二维码发起").build().unwrap();
}

#[test]
fn flow_effective_day_is_between_1_and_30() {
    base().flow_effective_day(1).build().unwrap();
    base().flow_effective_day(30).build().unwrap();
    assert_eq!(
        only_violation(base().flow_effective_day(31).build()),
        (
            "flow_effective_day".into(),
            Rule::Max {
                max: Number::Int(30),
                actual: Number::Int(31)
            }
        )
    );
    assert_eq!(
        only_violation(base().flow_effective_day(0).build()),
        (
            "flow_effective_day".into(),
            Rule::Min {
                min: Number::Int(1),
                actual: Number::Int(0)
            }
        )
    );
}

#[test]
#[allow(deprecated)]
fn qr_effective_day_is_at_most_90() {
    base().qr_effective_day(90).build().unwrap();
    assert_eq!(
        only_violation(base().qr_effective_day(91).build()).0,
        "qr_effective_day"
    );
}

#[test]
fn max_flow_num_is_at_least_one() {
    base().max_flow_num(1).build().unwrap();
    assert_eq!(
        only_violation(base().max_flow_num(0).build()).0,
        "max_flow_num"
    );
}

#[test]
fn user_data_is_base64_of_at_most_20480_characters() {
    base().user_data("VXNlckRhdGE=").build().unwrap();
    base().user_data("A".repeat(20480)).build().unwrap();
    assert_eq!(
        only_violation(base().user_data("A".repeat(20484)).build()),
        (
            "user_data".into(),
            Rule::MaxChars {
                max: 20480,
                actual: 20484
            }
        )
    );
    assert_eq!(
        only_violation(base().user_data("not base64!").build()),
        (
            "user_data".into(),
            Rule::Format {
                format: Format::Base64,
                position: 3
            }
        )
    );
}

#[test]
fn restriction_mobile_is_eleven_digits_at_its_path() {
    let good = ApproverRestriction::builder()
        .name("张三")
        .mobile("18800009527")
        .build()
        .unwrap();
    let bad = ApproverRestriction::builder()
        .name("李四")
        .mobile("1880000952")
        .build();
    // The nested builder already rejects it...
    assert_eq!(bad.unwrap_err().violations()[0].path(), "mobile");
    // ...and a value assembled without validation is caught at the outer level.
    let bad = ApproverRestriction::builder()
        .name("李四")
        .mobile("1880000952x")
        .build_unvalidated()
        .unwrap();
    let (path, rule) = only_violation(base().restrictions(good).restrictions(bad).build());
    assert_eq!(path, "restrictions[1].mobile");
    assert_eq!(
        rule,
        Rule::Format {
            format: Format::Digits,
            position: 10
        }
    );
}

#[test]
fn component_limit_needs_a_recipient_and_a_method() {
    let limit = ApproverComponentLimitType::builder()
        .recipient_id("yDRscUUgyg3zr9vfUyJ8QKwCN7z9YcOh")
        .set_values(Some(vec![]))
        .build();
    let e = limit.unwrap_err();
    assert_eq!(e.violations()[0].path(), "values");
    assert_eq!(
        *e.violations()[0].rule(),
        Rule::MinItems { min: 1, actual: 0 }
    );

    let missing = ApproverComponentLimitType::builder().build().unwrap_err();
    let paths: Vec<&str> = missing.violations().iter().map(|v| v.path()).collect();
    assert_eq!(paths, ["recipient_id", "values"]);
    assert!(missing
        .violations()
        .iter()
        .all(|v| *v.rule() == Rule::Required));
}

#[test]
fn every_violation_is_reported_at_once_in_field_order() {
    let e = CreateMultiFlowSignQrCodeInput::builder()
        .flow_name("合".repeat(201))
        .flow_effective_day(31)
        .user_data("%%%")
        .build()
        .unwrap_err();
    let paths: Vec<&str> = e.violations().iter().map(|v| v.path()).collect();
    assert_eq!(
        paths,
        [
            "operator",
            "template_id",
            "flow_name",
            "flow_effective_day",
            "user_data"
        ]
    );
    let text = e.to_string();
    assert!(
        text.contains("flow_name: must be at most 200 characters long, found 201"),
        "{text}"
    );
}

#[test]
fn validation_can_be_bypassed_explicitly() {
    let input = base().flow_effective_day(99).build_unvalidated().unwrap();
    assert_eq!(input.flow_effective_day, Some(99));
    assert!(input.validate().is_err());
}

#[test]
fn cancel_checks_the_qr_code_id() {
    let ok = CancelMultiFlowSignQrCodeInput::builder()
        .operator(UserInfo::builder().user_id("u").build().unwrap())
        .qr_code_id("yDwJNUUckpkoj9mdUIJN2kC7XWFFaSuR")
        .build();
    assert!(ok.is_ok());
    let e = CancelMultiFlowSignQrCodeInput::builder()
        .qr_code_id("short")
        .build()
        .unwrap_err();
    let paths: Vec<&str> = e.violations().iter().map(|v| v.path()).collect();
    assert_eq!(paths, ["operator", "qr_code_id"]);
}

#[test]
fn sensitive_members_never_reach_debug_output() {
    let r = ApproverRestriction::builder()
        .name("张三")
        .mobile("18800009527")
        .id_card_number("110101199003077777")
        .build()
        .unwrap();
    let input = base().restrictions(r.clone()).build().unwrap();
    for text in [
        format!("{r:?}"),
        format!("{input:?}"),
        format!("{:?}", base().restrictions(r)),
    ] {
        assert!(!text.contains("张三"), "{text}");
        assert!(!text.contains("18800009527"), "{text}");
        assert!(!text.contains("110101199003077777"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
}

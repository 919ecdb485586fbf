//! Validation never panics, whatever the strings, and counts characters
//! (Unicode scalar values), not bytes: combining marks, emoji sequences,
//! lone control characters, CJK (including four-byte characters) and any
//! scalar value at all, at exactly each limit and one past it. The
//! emulator's generic checks agree with the builder on every such request.

use ess_api::operation::cancel_multi_flow_sign_qr_code::CancelMultiFlowSignQrCodeInput;
use ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeInput;
use ess_api::types::{Agent, ApproverRestriction, IdCardType, UserInfo};
use ess_api::validate::Rule;
use ess_api::{Action, ValidationErrors};
use ess_emulator::fuzzing;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn config() -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(64),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Strings of the kinds that break byte-based or grapheme-based counting.
fn nasty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        // Combining marks on a base letter, or alone.
        (
            proptest::char::range('a', 'z'),
            proptest::collection::vec(proptest::char::range('\u{0300}', '\u{036f}'), 0..4)
        )
            .prop_map(|(b, marks)| std::iter::once(b).chain(marks).collect::<String>()),
        proptest::char::range('\u{0300}', '\u{036f}').prop_map(String::from),
        // Emoji: alone, with skin tones, joined families, flags, keycaps.
        proptest::char::range('\u{1f300}', '\u{1faff}').prop_map(String::from),
        Just("👩\u{1f3fd}\u{200d}💻".to_owned()),
        Just("👨\u{200d}👩\u{200d}👧\u{200d}👦".to_owned()),
        Just("🇨🇳".to_owned()),
        Just("1\u{fe0f}\u{20e3}".to_owned()),
        // Lone control characters, C0 and C1, and NUL.
        proptest::char::range('\u{0}', '\u{1f}').prop_map(String::from),
        proptest::char::range('\u{7f}', '\u{9f}').prop_map(String::from),
        // CJK, three and four bytes.
        proptest::char::range('\u{4e00}', '\u{9fff}').prop_map(String::from),
        proptest::char::range('\u{20000}', '\u{2a6df}').prop_map(String::from),
        // Direction marks, the BOM, a lone zero-width joiner, fullwidth digits.
        Just("\u{200f}\u{202e}\u{feff}\u{200d}".to_owned()),
        proptest::char::range('\u{ff10}', '\u{ff19}').prop_map(String::from),
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..80).prop_map(|v| v.concat())
}

/// Every violation whose rule carries a character count agrees with the
/// value at its path.
fn counts_are_characters(errors: &ValidationErrors, value_at: impl Fn(&str) -> Option<String>) {
    for v in errors.violations() {
        let actual = match v.rule() {
            Rule::MinChars { actual, .. } | Rule::MaxChars { actual, .. } => *actual,
            _ => continue,
        };
        if let Some(value) = value_at(v.path()) {
            assert_eq!(actual, value.chars().count(), "{}", v.path());
        }
        let _ = (v.to_string(), format!("{v:?}"));
    }
    let _ = (errors.to_string(), format!("{errors:?}"));
}

#[test]
#[allow(deprecated)]
fn any_string_in_any_member_validates_without_panicking() {
    let strings = proptest::collection::vec(nasty(), 16);
    TestRunner::new(config())
        .run(&strings, |s| {
            let person = ApproverRestriction::builder()
                .name(s[0].clone())
                .mobile(s[1].clone())
                .id_card_type(IdCardType::from(s[2].as_str()))
                .id_card_number(s[3].clone())
                .build_unvalidated()
                .unwrap();
            let builder = CreateMultiFlowSignQrCodeInput::builder()
                .operator(
                    UserInfo::builder()
                        .user_id(s[4].clone())
                        .channel(s[5].clone())
                        .open_id(s[6].clone())
                        .client_ip(s[7].clone())
                        .proxy_ip(s[8].clone())
                        .build_unvalidated()
                        .unwrap(),
                )
                .template_id(s[9].clone())
                .flow_name(s[10].clone())
                .user_data(s[11].clone())
                .qr_code_name(s[12].clone())
                .callback_url(s[13].clone())
                .agent(
                    Agent::builder()
                        .app_id(s[14].clone())
                        .proxy_organization_id(s[15].clone())
                        .build_unvalidated()
                        .unwrap(),
                )
                .restrictions(person.clone())
                .approver_restrictions(person);
            let _ = format!("{builder:?}");
            let value_at = |path: &str| {
                Some(match path {
                    "template_id" => s[9].clone(),
                    "flow_name" => s[10].clone(),
                    "user_data" => s[11].clone(),
                    "qr_code_name" => s[12].clone(),
                    "restrictions[0].mobile" | "approver_restrictions.mobile" => s[1].clone(),
                    _ => return None,
                })
            };
            let built = builder.clone().build();
            match &built {
                Ok(input) => {
                    let _ = format!("{input:?}");
                }
                Err(errors) => counts_are_characters(errors, value_at),
            }
            // The emulator's generic checks agree with the builder.
            let json = serde_json::to_value(builder.build_unvalidated().unwrap()).unwrap();
            let emulator =
                fuzzing::check_request(CreateMultiFlowSignQrCodeInput::NAME, json.clone())
                    .expect("an emulated action");
            prop_assert_eq!(
                built.is_ok(),
                emulator.is_ok(),
                "{:?} / {:?}",
                built.err(),
                emulator.err()
            );

            let cancel = CancelMultiFlowSignQrCodeInput::builder()
                .operator(UserInfo::builder().user_id(s[4].clone()).build().unwrap())
                .qr_code_id(s[9].clone())
                .build();
            if let Err(errors) = &cancel {
                counts_are_characters(errors, |p| (p == "qr_code_id").then(|| s[9].clone()));
            }
            Ok(())
        })
        .unwrap();
}

/// `s` repeated to `n` characters (`s` is one character).
fn times(s: &str, n: usize) -> String {
    s.repeat(n)
}

fn create_with(
    edit: impl FnOnce(
    ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeInputBuilder,
) -> ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeInputBuilder,
) -> Result<CreateMultiFlowSignQrCodeInput, ValidationErrors> {
    edit(
        CreateMultiFlowSignQrCodeInput::builder()
            .operator(
                UserInfo::builder()
                    .user_id("yDemuOperator0000000000000000001")
                    .build()
                    .unwrap(),
            )
            .template_id("yDemuB2CTemplate0000000000000001")
            .flow_name("员工入职合同"),
    )
    .build()
}

/// The only violation, as (path, rule).
fn only(r: Result<CreateMultiFlowSignQrCodeInput, ValidationErrors>) -> (String, Rule) {
    let e = r.expect_err("refused");
    assert_eq!(e.violations().len(), 1, "{e}");
    (
        e.violations()[0].path().to_owned(),
        e.violations()[0].rule().clone(),
    )
}

/// One "character" of each kind, each a single scalar value, and how many
/// bytes it takes.
const CHARACTERS: [(&str, usize); 7] = [
    ("a", 1),
    ("合", 3),
    ("𠀀", 4),
    ("😀", 4),
    ("\u{301}", 2),
    ("\u{7}", 1),
    ("\u{200d}", 3),
];

#[test]
fn limits_are_exact_in_characters_of_every_kind() {
    for (c, bytes) in CHARACTERS {
        assert_eq!(c.chars().count(), 1);
        assert_eq!(c.len(), bytes);
        // flow_name: 1 to 200.
        create_with(|b| b.flow_name(times(c, 200))).unwrap_or_else(|e| panic!("{c:?}: {e}"));
        assert_eq!(
            only(create_with(|b| b.flow_name(times(c, 201)))),
            (
                "flow_name".into(),
                Rule::MaxChars {
                    max: 200,
                    actual: 201
                }
            )
        );
        // qr_code_name: at most 200.
        create_with(|b| b.qr_code_name(times(c, 200))).unwrap();
        assert_eq!(
            only(create_with(|b| b.qr_code_name(times(c, 201)))),
            (
                "qr_code_name".into(),
                Rule::MaxChars {
                    max: 200,
                    actual: 201
                }
            )
        );
        // template_id: exactly 32.
        create_with(|b| b.template_id(times(c, 32))).unwrap();
        assert_eq!(
            only(create_with(|b| b.template_id(times(c, 33)))),
            (
                "template_id".into(),
                Rule::MaxChars {
                    max: 32,
                    actual: 33
                }
            )
        );
        assert_eq!(
            only(create_with(|b| b.template_id(times(c, 31)))),
            (
                "template_id".into(),
                Rule::MinChars {
                    min: 32,
                    actual: 31
                }
            )
        );
        // A mobile of 11 such characters has the right length; unless they
        // are ASCII digits, only the format is wrong.
        let mobile = format!("1380000000{c}");
        let person = ApproverRestriction::builder()
            .name(c)
            .mobile(mobile.clone())
            .build_unvalidated()
            .unwrap();
        let (path, rule) = only(create_with(|b| b.restrictions(person)));
        assert_eq!(path, "restrictions[0].mobile");
        assert_eq!(
            rule,
            Rule::Format {
                format: ess_api::validate::Format::Digits,
                position: 10
            },
            "{c:?}"
        );
    }
    // Combined characters count each scalar value: "é" written as e and a
    // combining acute accent is two.
    let decomposed = "e\u{301}";
    create_with(|b| b.flow_name(times(decomposed, 100))).unwrap();
    assert_eq!(
        only(create_with(
            |b| b.flow_name(format!("{}a", times(decomposed, 100)))
        ))
        .1,
        Rule::MaxChars {
            max: 200,
            actual: 201
        }
    );
    // User data: at most 20480 characters of base64.
    create_with(|b| b.user_data(times("A", 20_480))).unwrap();
    assert_eq!(
        only(create_with(|b| b.user_data(times("A", 20_484)))),
        (
            "user_data".into(),
            Rule::MaxChars {
                max: 20_480,
                actual: 20_484
            }
        )
    );
}

//! Properties of `CreateMultiFlowSignQRCode` requests, over generated inputs:
//!
//! * any request the builder accepts serializes, decodes back equal, and
//!   passes the emulator's generic, spec-driven checks;
//! * any request that also fits the emulated world is created by an
//!   in-process emulator through the real client, exactly as asked;
//! * any single-member change that breaks a rule is reported once, at that
//!   member's path (nested ones included), by the builder and by the
//!   emulator alike.
//!
//! Case counts are kept small (64) so that the suite stays fast;
//! `PROPTEST_CASES` raises them.

use ess_api::client::{FixedClock, RetryConfig};
use ess_api::operation::create_multi_flow_sign_qr_code::{
    CreateMultiFlowSignQrCodeInput, CreateMultiFlowSignQrCodeInputBuilder,
};
use ess_api::types::{
    Agent, ApproverComponentLimitType, ApproverRestriction, FlowDisplayType, IdCardType,
    SignatureMethod, UserInfo,
};
use ess_api::Action;
use ess_emulator::{defaults, fuzzing, Emulator};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// The emulator's clock in these tests: 2024-06-01T00:00:00Z.
const NOW: u64 = 1_717_200_000;
const DAY: i64 = 86_400;

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

/// One character from the places where counting goes wrong: ASCII, CJK,
/// combining marks, emoji (with joiners and selectors), controls, and any
/// scalar value at all.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::char::range('a', 'z'),
        3 => proptest::char::range('\u{4e00}', '\u{9fff}'),
        1 => proptest::char::range('\u{0300}', '\u{036f}'),
        1 => proptest::char::range('\u{1f300}', '\u{1f6ff}'),
        1 => Just('\u{200d}'),
        1 => Just('\u{fe0f}'),
        1 => proptest::char::range('\u{0}', '\u{1f}'),
        2 => any::<char>(),
    ]
}

fn text(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any_char(), min..=max).prop_map(|v| v.into_iter().collect())
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::char::range('0', '9'), n)
        .prop_map(|v| v.into_iter().collect())
}

/// Standard base64, with padding.
fn encode64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64 of up to `max` bytes (so at most `4 * ceil(max / 3)` characters).
fn base64(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u8>(), 0..=max).prop_map(|bytes| encode64(&bytes))
}

/// Base64 of exactly `n` bytes.
fn base64_exact(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u8>(), n).prop_map(|bytes| encode64(&bytes))
}

/// A valid 18-character resident identity card number.
fn id_card_number() -> impl Strategy<Value = String> {
    digits(17).prop_map(|body| {
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = body
            .bytes()
            .zip(WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        let check = b"10X98765432"[(sum % 11) as usize] as char;
        format!("{body}{check}")
    })
}

/// A person as the builder accepts them: any name, 11 digits, any card.
#[derive(Clone, Debug)]
struct Person {
    name: Option<String>,
    mobile: Option<String>,
    card_type: Option<String>,
    card_number: Option<String>,
}

impl Person {
    fn build(&self) -> ApproverRestriction {
        ApproverRestriction::builder()
            .set_name(self.name.clone())
            .set_mobile(self.mobile.clone())
            .set_id_card_type(self.card_type.as_deref().map(IdCardType::from))
            .set_id_card_number(self.card_number.clone())
            // The request's own check covers its members.
            .build_unvalidated()
            .expect("every member of a person is optional")
    }
}

fn any_person() -> impl Strategy<Value = Person> {
    (
        proptest::option::of(text(0, 60)),
        proptest::option::of(digits(11)),
        proptest::option::of(prop_oneof![Just("ID_CARD".to_owned()), text(0, 12)]),
        proptest::option::of(text(0, 24)),
    )
        .prop_map(|(name, mobile, card_type, card_number)| Person {
            name,
            mobile,
            card_type,
            card_number,
        })
}

/// A person the emulator lets through: a name, a mainland mobile and,
/// when a card is given, a valid one.
fn world_person() -> impl Strategy<Value = Person> {
    (
        text(1, 50).prop_filter("a name that is not blank", |n| !n.trim().is_empty()),
        digits(10),
        proptest::option::of((any::<bool>(), id_card_number())),
    )
        .prop_map(|(name, mobile, card)| Person {
            name: Some(name),
            mobile: Some(format!("1{mobile}")),
            card_type: card
                .as_ref()
                .and_then(|(typed, _)| typed.then(|| "ID_CARD".to_owned())),
            card_number: card.map(|(_, n)| n),
        })
}

/// The members of a request, before the builder sees them.
#[derive(Clone, Debug)]
struct Fields {
    user_id: String,
    template_id: String,
    flow_name: String,
    max_flow_num: Option<i64>,
    qr_effective_day: Option<i64>,
    flow_effective_day: Option<i64>,
    flow_display_type: Option<i64>,
    restrictions: Option<Vec<Person>>,
    user_data: Option<String>,
    callback_url: Option<String>,
    agent: Option<String>,
    approver_restriction: Option<Person>,
    limit_types: Option<Vec<(String, Vec<String>)>>,
    forbid_personal_multiple_sign: Option<bool>,
    flow_name_append_scanner_info: Option<bool>,
    qr_code_name: Option<String>,
    qr_code_expired_on: Option<i64>,
}

impl Fields {
    #[allow(deprecated)]
    fn builder(&self) -> CreateMultiFlowSignQrCodeInputBuilder {
        let limit_types = self.limit_types.as_ref().map(|list| {
            list.iter()
                .map(|(recipient, values)| {
                    ApproverComponentLimitType::builder()
                        .recipient_id(recipient.clone())
                        .set_values(Some(
                            values
                                .iter()
                                .map(|v| SignatureMethod::from(v.as_str()))
                                .collect(),
                        ))
                        .build_unvalidated()
                        .expect("both required members are set")
                })
                .collect()
        });
        CreateMultiFlowSignQrCodeInput::builder()
            .operator(
                UserInfo::builder()
                    .user_id(self.user_id.clone())
                    .build()
                    .expect("any operator id is valid"),
            )
            .template_id(self.template_id.clone())
            .flow_name(self.flow_name.clone())
            .set_max_flow_num(self.max_flow_num)
            .set_qr_effective_day(self.qr_effective_day)
            .set_flow_effective_day(self.flow_effective_day)
            .set_flow_display_type(self.flow_display_type.map(FlowDisplayType::from))
            .set_restrictions(
                self.restrictions
                    .as_ref()
                    .map(|people| people.iter().map(Person::build).collect()),
            )
            .set_user_data(self.user_data.clone())
            .set_callback_url(self.callback_url.clone())
            .set_agent(self.agent.as_ref().map(|id| {
                Agent::builder()
                    .proxy_organization_id(id.clone())
                    .build()
                    .expect("any agent is valid")
            }))
            .set_approver_restrictions(self.approver_restriction.as_ref().map(Person::build))
            .set_approver_component_limit_types(limit_types)
            .set_forbid_personal_multiple_sign(self.forbid_personal_multiple_sign)
            .set_flow_name_append_scanner_info(self.flow_name_append_scanner_info)
            .set_qr_code_name(self.qr_code_name.clone())
            .set_qr_code_expired_on(self.qr_code_expired_on)
    }
}

prop_compose! {
    /// Any request the documented rules allow.
    fn any_fields()(
        user_id in text(0, 40),
        template_id in text(32, 32),
        flow_name in text(1, 200),
        (max_flow_num, qr_effective_day, flow_effective_day, flow_display_type) in (
            proptest::option::of(1..=i64::MAX),
            proptest::option::of(1..=90i64),
            proptest::option::of(1..=30i64),
            proptest::option::of(any::<i64>()),
        ),
        restrictions in proptest::option::of(proptest::collection::vec(any_person(), 0..4)),
        user_data in proptest::option::of(base64(300)),
        callback_url in proptest::option::of(text(0, 40)),
        agent in proptest::option::of(text(0, 40)),
        approver_restriction in proptest::option::of(any_person()),
        limit_types in proptest::option::of(proptest::collection::vec(
            (text(32, 32), proptest::collection::vec(
                prop_oneof![
                    Just("HANDWRITE".to_owned()),
                    Just("ESIGN".to_owned()),
                    Just("OCR_ESIGN".to_owned()),
                    Just("SYSTEM_ESIGN".to_owned()),
                    text(0, 10),
                ],
                1..4,
            )),
            0..3,
        )),
        (forbid_personal_multiple_sign, flow_name_append_scanner_info) in (
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
        ),
        qr_code_name in proptest::option::of(text(0, 200)),
        qr_code_expired_on in proptest::option::of(0..=i64::MAX),
    ) -> Fields {
        Fields {
            user_id, template_id, flow_name, max_flow_num, qr_effective_day,
            flow_effective_day, flow_display_type, restrictions, user_data, callback_url,
            agent, approver_restriction, limit_types, forbid_personal_multiple_sign,
            flow_name_append_scanner_info, qr_code_name, qr_code_expired_on,
        }
    }
}

prop_compose! {
    /// A valid request that the emulated world also lets through: its
    /// operator and one of its accepted templates, known display types,
    /// people the emulator accepts, an expiry in the allowed window.
    fn world_fields()(
        base in any_fields(),
        template in prop_oneof![
            Just(defaults::B2C_TEMPLATE_ID.to_owned()),
            Just(defaults::PERSON_TEMPLATE_ID.to_owned()),
        ],
        operator in prop_oneof![
            Just(defaults::OPERATOR_ID.to_owned()),
            Just(defaults::SECOND_OPERATOR_ID.to_owned()),
        ],
        display in proptest::option::of(0..=3i64),
        restrictions in proptest::option::of(proptest::collection::vec(world_person(), 0..4)),
        approver_restriction in proptest::option::of(world_person()),
        expires_in in proptest::option::of(1..=365 * DAY),
        agent in proptest::option::of(prop_oneof![
            Just(String::new()),
            Just(defaults::ORGANIZATION_ID.to_owned()),
        ]),
    ) -> Fields {
        Fields {
            user_id: operator,
            template_id: template,
            flow_display_type: display,
            restrictions,
            approver_restriction,
            qr_code_expired_on: expires_in.map(|s| NOW as i64 + s),
            agent,
            ..base
        }
    }
}

#[test]
fn every_valid_request_round_trips_and_passes_the_emulators_generic_checks() {
    let mut runner = TestRunner::new(config());
    runner
        .run(&any_fields(), |fields| {
            let input = fields
                .builder()
                .build()
                .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
            let json = serde_json::to_value(&input).expect("serializes");
            let back: CreateMultiFlowSignQrCodeInput =
                serde_json::from_value(json.clone()).expect("decodes");
            prop_assert_eq!(&back, &input);
            let bytes = serde_json::to_vec(&input).expect("serializes");
            let again: CreateMultiFlowSignQrCodeInput =
                serde_json::from_slice(&bytes).expect("decodes");
            prop_assert_eq!(&again, &input);
            match fuzzing::check_request(CreateMultiFlowSignQrCodeInput::NAME, json.clone()) {
                Some(Ok(())) => {}
                other => {
                    return Err(TestCaseError::fail(format!(
                        "the emulator refuses {json}: {other:?}"
                    )))
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
#[allow(deprecated)]
fn every_request_that_fits_the_world_is_created_as_asked() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emulator = runtime.block_on(async {
        Emulator::builder()
            .clock(FixedClock::new(NOW))
            .start()
            .await
            .unwrap()
    });
    let client = ess_api::Client::new(
        emulator
            .config()
            .with_clock(FixedClock::new(NOW))
            .with_retry(RetryConfig::disabled()),
    )
    .unwrap();
    let mut runner = TestRunner::new(config());
    runner
        .run(&world_fields(), |fields| {
            emulator.set_quota_remaining(100);
            let input = fields
                .builder()
                .build()
                .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
            let out = runtime
                .block_on(client.send(input.clone()))
                .map_err(|e| TestCaseError::fail(format!("{e}\n{input:?}")))?;
            let code = emulator
                .qr_code(&out.qr_code.qr_code_id)
                .ok_or_else(|| TestCaseError::fail("the code is not in the emulator"))?;
            prop_assert_eq!(&code.flow_name, &input.flow_name);
            prop_assert_eq!(&code.template_id, &input.template_id);
            prop_assert_eq!(
                code.max_flow_num,
                input
                    .max_flow_num
                    .unwrap_or(CreateMultiFlowSignQrCodeInput::DEFAULT_MAX_FLOW_NUM)
                    as u64
            );
            prop_assert_eq!(
                code.flow_effective_day,
                input
                    .flow_effective_day
                    .unwrap_or(CreateMultiFlowSignQrCodeInput::DEFAULT_FLOW_EFFECTIVE_DAY)
                    as u64
            );
            prop_assert_eq!(&code.user_data, &input.user_data);
            prop_assert_eq!(
                code.restriction_count,
                input.restrictions.as_ref().map_or(0, Vec::len)
                    + usize::from(input.approver_restrictions.is_some())
            );
            if let Some(at) = input.qr_code_expired_on {
                prop_assert_eq!(out.qr_code.expired_time, at);
                prop_assert_eq!(code.expired_time, at as u64);
            }
            Ok(())
        })
        .unwrap();
    runtime.block_on(emulator.shutdown());
}

/// One change to one member of a valid request that breaks one rule.
#[derive(Clone, Debug)]
enum Mutation {
    TemplateId(String),
    FlowName(String),
    MaxFlowNum(i64),
    QrEffectiveDay(i64),
    FlowEffectiveDay(i64),
    /// Valid base64 with one character outside the alphabet put in at a
    /// character position.
    UserDataFormat(String, char, usize),
    UserDataLength(String),
    QrCodeName(String),
    QrCodeExpiredOn(i64),
    /// `restrictions[i].mobile`; `i` is reduced to an existing position or
    /// the next one (a valid person is added).
    RestrictionMobile(usize, String),
    ApproverMobile(String),
    LimitRecipient(usize, String),
    LimitWithoutValues(usize),
    Missing(&'static str),
}

/// A mobile of 11 characters that are not all ASCII digits, or of digits
/// but not 11 of them.
fn broken_mobile() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            digits(10),
            any_char().prop_filter("not a digit", |c| !c.is_ascii_digit()),
            0..=10usize
        )
            .prop_map(|(d, c, at)| {
                let mut v: Vec<char> = d.chars().collect();
                v.insert(at, c);
                v.into_iter().collect()
            }),
        prop_oneof![0..=10usize, 12..=30usize].prop_flat_map(digits),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        prop_oneof![text(0, 31), text(33, 64)].prop_map(Mutation::TemplateId),
        prop_oneof![Just(String::new()), text(201, 230)].prop_map(Mutation::FlowName),
        (i64::MIN..=0).prop_map(Mutation::MaxFlowNum),
        prop_oneof![i64::MIN..=0, 91..=i64::MAX].prop_map(Mutation::QrEffectiveDay),
        prop_oneof![i64::MIN..=0, 31..=i64::MAX].prop_map(Mutation::FlowEffectiveDay),
        (
            base64(60),
            any_char().prop_filter("outside base64", |c| {
                !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
            }),
            any::<usize>(),
        )
            .prop_map(|(b, c, at)| Mutation::UserDataFormat(b, c, at)),
        (15_361..=15_400usize)
            .prop_flat_map(|n| base64_exact(n).prop_map(Mutation::UserDataLength)),
        text(201, 230).prop_map(Mutation::QrCodeName),
        (i64::MIN..0).prop_map(Mutation::QrCodeExpiredOn),
        (0..5usize, broken_mobile()).prop_map(|(i, m)| Mutation::RestrictionMobile(i, m)),
        broken_mobile().prop_map(Mutation::ApproverMobile),
        (0..3usize, prop_oneof![text(0, 31), text(33, 40)])
            .prop_map(|(i, r)| Mutation::LimitRecipient(i, r)),
        (0..3usize).prop_map(Mutation::LimitWithoutValues),
        prop_oneof![Just("operator"), Just("template_id"), Just("flow_name")]
            .prop_map(Mutation::Missing),
    ]
}

/// A valid limit for one signer.
fn valid_limit() -> (String, Vec<String>) {
    ("r".repeat(32), vec!["HANDWRITE".to_owned()])
}

/// Applies `m` to `f`; returns the expected path (Rust naming) and rule name.
fn apply(f: &mut Fields, m: &Mutation) -> (String, &'static str) {
    let chars = |s: &str, min: usize| {
        if s.chars().count() < min {
            "min_chars"
        } else {
            "max_chars"
        }
    };
    let mobile_rule = |m: &str| {
        if m.chars().count() == 11 {
            "format"
        } else {
            chars(m, 11)
        }
    };
    match m {
        Mutation::TemplateId(s) => {
            f.template_id = s.clone();
            ("template_id".into(), chars(s, 32))
        }
        Mutation::FlowName(s) => {
            f.flow_name = s.clone();
            ("flow_name".into(), chars(s, 1))
        }
        Mutation::MaxFlowNum(n) => {
            f.max_flow_num = Some(*n);
            ("max_flow_num".into(), "min")
        }
        Mutation::QrEffectiveDay(n) => {
            f.qr_effective_day = Some(*n);
            (
                "qr_effective_day".into(),
                if *n < 1 { "min" } else { "max" },
            )
        }
        Mutation::FlowEffectiveDay(n) => {
            f.flow_effective_day = Some(*n);
            (
                "flow_effective_day".into(),
                if *n < 1 { "min" } else { "max" },
            )
        }
        Mutation::UserDataFormat(b, c, at) => {
            let mut v: Vec<char> = b.chars().collect();
            v.insert(at % (v.len() + 1), *c);
            f.user_data = Some(v.into_iter().collect());
            ("user_data".into(), "format")
        }
        Mutation::UserDataLength(b) => {
            f.user_data = Some(b.clone());
            ("user_data".into(), "max_chars")
        }
        Mutation::QrCodeName(s) => {
            f.qr_code_name = Some(s.clone());
            ("qr_code_name".into(), "max_chars")
        }
        Mutation::QrCodeExpiredOn(n) => {
            f.qr_code_expired_on = Some(*n);
            ("qr_code_expired_on".into(), "min")
        }
        Mutation::RestrictionMobile(i, mobile) => {
            let people = f.restrictions.get_or_insert_with(Vec::new);
            let i = i % (people.len() + 1);
            if i == people.len() {
                people.push(Person {
                    name: Some("张三".into()),
                    mobile: None,
                    card_type: None,
                    card_number: None,
                });
            }
            people[i].mobile = Some(mobile.clone());
            (format!("restrictions[{i}].mobile"), mobile_rule(mobile))
        }
        Mutation::ApproverMobile(mobile) => {
            let person = f.approver_restriction.get_or_insert(Person {
                name: None,
                mobile: None,
                card_type: None,
                card_number: None,
            });
            person.mobile = Some(mobile.clone());
            ("approver_restrictions.mobile".into(), mobile_rule(mobile))
        }
        Mutation::LimitRecipient(i, recipient) => {
            let list = f.limit_types.get_or_insert_with(Vec::new);
            let i = i % (list.len() + 1);
            if i == list.len() {
                list.push(valid_limit());
            }
            list[i].0 = recipient.clone();
            (
                format!("approver_component_limit_types[{i}].recipient_id"),
                chars(recipient, 32),
            )
        }
        Mutation::LimitWithoutValues(i) => {
            let list = f.limit_types.get_or_insert_with(Vec::new);
            let i = i % (list.len() + 1);
            if i == list.len() {
                list.push(valid_limit());
            }
            list[i].1.clear();
            (
                format!("approver_component_limit_types[{i}].values"),
                "min_items",
            )
        }
        Mutation::Missing(name) => ((*name).into(), "required"),
    }
}

/// `restrictions[0].mobile` → `Restrictions.0.Mobile`: the test's own
/// conversion, so the emulator's notation is not its own oracle.
fn wire_path(path: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in path.chars() {
        match c {
            '_' => upper = true,
            '[' => {
                out.push('.');
                upper = true;
            }
            ']' => {}
            '.' => {
                out.push('.');
                upper = true;
            }
            c if upper && c.is_ascii_alphabetic() => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => {
                out.push(c);
                upper = false;
            }
        }
    }
    out
}

/// The code the emulator answers for a broken rule at `path`.
fn emulator_code(path: &str) -> &'static str {
    match path {
        "template_id" => "InvalidParameter.TemplateId",
        "flow_name" => "InvalidParameter.FlowName",
        "flow_effective_day" => "InvalidParameter.QrFlowEffectDay",
        "qr_effective_day" | "qr_code_expired_on" => "InvalidParameter.QrEffectDay",
        p if p.ends_with(".mobile") => "InvalidParameter.Mobile",
        _ => "InvalidParameter",
    }
}

#[test]
fn a_broken_member_is_reported_at_its_path_by_the_builder_and_the_emulator() {
    let mut runner = TestRunner::new(config());
    runner
        .run(&(any_fields(), mutation()), |(mut fields, m)| {
            let (path, rule) = apply(&mut fields, &m);
            let mut builder = fields.builder();
            if let Mutation::Missing(name) = m {
                builder = match name {
                    "operator" => builder.set_operator(None),
                    "template_id" => builder.set_template_id(None),
                    _ => builder.set_flow_name(None),
                };
            }
            let errors = builder
                .clone()
                .build()
                .err()
                .ok_or_else(|| TestCaseError::fail(format!("{m:?} was accepted")))?;
            let found: Vec<(String, &str)> = errors
                .violations()
                .iter()
                .map(|v| (v.path().to_owned(), v.rule().name()))
                .collect();
            prop_assert_eq!(found, vec![(path.clone(), rule)]);
            prop_assert!(errors.to_string().contains(&path));

            // The emulator reports the same member, under its wire name.
            let json = match m {
                Mutation::Missing(_) => {
                    let mut json = serde_json::to_value(fields.builder().build().unwrap()).unwrap();
                    json.as_object_mut().unwrap().remove(&wire_path(&path));
                    json
                }
                _ => serde_json::to_value(builder.build_unvalidated().unwrap()).unwrap(),
            };
            let e = match fuzzing::check_request(CreateMultiFlowSignQrCodeInput::NAME, json) {
                Some(Err(e)) => e,
                other => return Err(TestCaseError::fail(format!("emulator: {other:?}"))),
            };
            let wire = wire_path(&path);
            prop_assert!(
                e.message().contains(&wire),
                "{} does not name {}",
                e.message(),
                wire
            );
            let code = match m {
                Mutation::Missing(_) => "MissingParameter",
                _ => emulator_code(&path),
            };
            prop_assert_eq!(e.code(), code);
            Ok(())
        })
        .unwrap();
}

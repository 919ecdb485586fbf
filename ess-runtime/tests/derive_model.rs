//! Behaviour of `#[derive(EssModel)]`: validation rules at and beyond their
//! bounds, error paths, the builder, and redacted `Debug`.

use ess_runtime::validate::Number;
use ess_runtime::validate::{Format, Rule};
use ess_runtime::{EssModel, Validate, ValidationErrors, Violation};

#[derive(Clone, PartialEq, EssModel)]
pub struct Restriction {
    /// A mainland mobile number.
    #[ess(required, format = "digits", min_chars = 11, max_chars = 11)]
    pub mobile: Option<String>,
    #[ess(max_chars = 4)]
    pub name: Option<String>,
}

#[derive(Clone, PartialEq, EssModel)]
pub struct Request {
    #[ess(min_chars = 2, max_chars = 5)]
    pub title: String,
    #[ess(max_chars = 3)]
    pub label: Option<String>,
    #[ess(min = -1, max = 10)]
    pub level: Option<i32>,
    #[ess(min = 0.5, max = 1.5)]
    pub ratio: Option<f64>,
    #[ess(min = -1.0, max = 1)]
    pub weight: Option<f32>,
    #[ess(min = 1, max = 18446744073709551615)]
    pub big: Option<u64>,
    #[ess(min_items = 1, max_items = 2)]
    pub restrictions: Vec<Restriction>,
    #[ess(max_items = 3, min_chars = 1, max_chars = 2, format = "digits")]
    pub codes: Option<Vec<String>>,
    #[ess(min = 1, max = 5)]
    pub scores: Vec<u8>,
    #[ess(format = "base64")]
    pub body: Option<String>,
    #[ess(sensitive)]
    pub token: String,
    #[ess(sensitive, required, min_chars = 8)]
    pub password: Option<String>,
    pub count: u64,
    pub owner: Option<Box<Restriction>>,
    /// Kept for old callers.
    #[deprecated(note = "use `title`")]
    pub old_title: Option<String>,
    pub r#type: Option<String>,
}

fn mobile(m: &str) -> Restriction {
    Restriction::builder()
        .mobile(m)
        .build_unvalidated()
        .unwrap()
}

/// A request that satisfies every rule.
fn valid() -> RequestBuilder {
    Request::builder()
        .title("ab")
        .restrictions(mobile("13800000000"))
        .scores(1u8)
        .token("tok-secret-1")
        .password("pass-secret-2")
        .count(0u64)
}

fn violations(result: Result<Request, ValidationErrors>) -> Vec<Violation> {
    match result {
        Ok(_) => panic!("expected violations, got a value"),
        Err(e) => e.into_violations(),
    }
}

/// The single violation of `b.build()`, as (path, rule).
fn only(b: RequestBuilder) -> (String, Rule) {
    let v = violations(b.build());
    assert_eq!(v.len(), 1, "expected exactly one violation: {v:?}");
    let v = v.into_iter().next().unwrap();
    (v.path().to_owned(), v.rule().clone())
}

fn ok(b: RequestBuilder) -> Request {
    match b.build() {
        Ok(r) => r,
        Err(e) => panic!("expected a valid request: {e}"),
    }
}

fn at(path: &str, rule: Rule) -> (String, Rule) {
    (path.to_owned(), rule)
}

#[test]
fn valid_request_builds_and_validates() {
    let r = ok(valid());
    assert_eq!(r.title, "ab");
    assert_eq!(r.count, 0);
    assert_eq!(r.validate(), Ok(()));
}

#[test]
fn min_chars_and_max_chars_bounds() {
    ok(valid().title("ab"));
    ok(valid().title("abcde"));
    assert_eq!(
        only(valid().title("a")),
        at("title", Rule::MinChars { min: 2, actual: 1 })
    );
    assert_eq!(
        only(valid().title("abcdef")),
        at("title", Rule::MaxChars { max: 5, actual: 6 })
    );
    assert_eq!(
        only(valid().title("")),
        at("title", Rule::MinChars { min: 2, actual: 0 })
    );
}

#[test]
fn lengths_are_counted_in_characters() {
    // Three CJK characters are nine bytes.
    ok(valid().label("合同名"));
    assert_eq!(
        only(valid().label("合同名称")),
        at("label", Rule::MaxChars { max: 3, actual: 4 })
    );
    // Each emoji is four bytes.
    ok(valid().label("👍🎉✅"));
    assert_eq!(
        only(valid().label("👍🎉✅🔥")),
        at("label", Rule::MaxChars { max: 3, actual: 4 })
    );
    // A combining mark is a character of its own.
    ok(valid().label("e\u{301}e"));
    assert_eq!(
        only(valid().label("e\u{301}e\u{301}")),
        at("label", Rule::MaxChars { max: 3, actual: 4 })
    );
    // A minimum is counted in characters too, not in bytes.
    ok(valid().title("合同"));
    assert_eq!(
        only(valid().title("合")),
        at("title", Rule::MinChars { min: 2, actual: 1 })
    );
    assert_eq!(
        only(valid().title("👍")),
        at("title", Rule::MinChars { min: 2, actual: 1 })
    );
}

#[test]
fn integer_bounds_including_negative() {
    ok(valid().level(-1));
    ok(valid().level(10));
    assert_eq!(
        only(valid().level(-2)),
        at(
            "level",
            Rule::Min {
                min: Number::Int(-1),
                actual: Number::Int(-2)
            }
        )
    );
    assert_eq!(
        only(valid().level(11)),
        at(
            "level",
            Rule::Max {
                max: Number::Int(10),
                actual: Number::Int(11)
            }
        )
    );
}

#[test]
fn unsigned_bounds_up_to_u64_max() {
    ok(valid().big(1u64));
    ok(valid().big(u64::MAX));
    assert_eq!(
        only(valid().big(0u64)),
        at(
            "big",
            Rule::Min {
                min: Number::Int(1),
                actual: Number::Int(0)
            }
        )
    );
}

#[test]
fn float_bounds() {
    ok(valid().ratio(0.5));
    ok(valid().ratio(1.5));
    assert_eq!(
        only(valid().ratio(0.25)),
        at(
            "ratio",
            Rule::Min {
                min: Number::Float(0.5),
                actual: Number::Float(0.25)
            }
        )
    );
    assert_eq!(
        only(valid().ratio(1.75)),
        at(
            "ratio",
            Rule::Max {
                max: Number::Float(1.5),
                actual: Number::Float(1.75)
            }
        )
    );
    assert_eq!(only(valid().ratio(f64::NAN)).1.name(), "min");
}

#[test]
fn f32_bounds_with_integer_literal() {
    ok(valid().weight(-1.0f32));
    ok(valid().weight(1.0f32));
    assert_eq!(
        only(valid().weight(-1.5f32)),
        at(
            "weight",
            Rule::Min {
                min: Number::Float(-1.0),
                actual: Number::Float(-1.5)
            }
        )
    );
    assert_eq!(
        only(valid().weight(1.25f32)),
        at(
            "weight",
            Rule::Max {
                max: Number::Float(1.0),
                actual: Number::Float(1.25)
            }
        )
    );
}

#[test]
fn item_counts() {
    ok(valid().restrictions(mobile("13800000001")));
    assert_eq!(
        only(valid().set_restrictions(Some(vec![]))),
        at("restrictions", Rule::MinItems { min: 1, actual: 0 })
    );
    assert_eq!(
        only(
            valid()
                .restrictions(mobile("13800000001"))
                .restrictions(mobile("13800000002"))
        ),
        at("restrictions", Rule::MaxItems { max: 2, actual: 3 })
    );
    ok(valid().codes("1").codes("2").codes("3"));
    assert_eq!(
        only(valid().codes("1").codes("2").codes("3").codes("4")),
        at("codes", Rule::MaxItems { max: 3, actual: 4 })
    );
}

#[test]
fn element_rules_apply_to_each_element() {
    ok(valid().codes("12").codes("3"));
    assert_eq!(
        only(valid().codes("12").codes("345")),
        at("codes[1]", Rule::MaxChars { max: 2, actual: 3 })
    );
    assert_eq!(
        only(valid().codes("1a")),
        at(
            "codes[0]",
            Rule::Format {
                format: Format::Digits,
                position: 1
            }
        )
    );
    assert_eq!(
        only(valid().codes("1").codes("")),
        at("codes[1]", Rule::MinChars { min: 1, actual: 0 })
    );
    // Element bounds of a required list of numbers.
    ok(valid().set_scores(Some(vec![1, 5])));
    assert_eq!(
        only(valid().set_scores(Some(vec![1, 6]))),
        (
            "scores[1]".to_owned(),
            Rule::Max {
                max: Number::Int(5),
                actual: Number::Int(6)
            }
        )
    );
    let v = violations(valid().set_scores(Some(vec![0, 6])).build());
    assert_eq!(
        v.iter().map(|v| v.path()).collect::<Vec<_>>(),
        ["scores[0]", "scores[1]"]
    );
}

#[test]
fn formats() {
    ok(valid().body("aGVsbG8="));
    ok(valid().body(""));
    assert_eq!(
        only(valid().body("aGV!bG8=")),
        at(
            "body",
            Rule::Format {
                format: Format::Base64,
                position: 3
            }
        )
    );
    assert_eq!(only(valid().body("aGVsbG8")).1.name(), "format");
}

#[test]
fn nested_paths_name_the_element_and_field() {
    let b = valid()
        .restrictions(mobile("1380000000x"))
        .set_owner(Some(Box::new(mobile("123"))));
    let v = violations(b.build());
    let found: Vec<(&str, &Rule)> = v.iter().map(|v| (v.path(), v.rule())).collect();
    assert_eq!(
        found,
        [
            (
                "restrictions[1].mobile",
                &Rule::Format {
                    format: Format::Digits,
                    position: 10
                }
            ),
            ("owner.mobile", &Rule::MinChars { min: 11, actual: 3 }),
        ]
    );

    let missing = Restriction::builder()
        .name("abc")
        .build_unvalidated()
        .unwrap();
    let v = violations(valid().set_restrictions(Some(vec![missing])).build());
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].path(), "restrictions[0].mobile");
    assert_eq!(*v[0].rule(), Rule::Required);
}

#[test]
fn required_option_field() {
    assert_eq!(
        only(valid().set_password(None)),
        at("password", Rule::Required)
    );
    let r = Restriction::builder().build();
    let v = r.err().unwrap().into_violations();
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].path(), v[0].rule()), ("mobile", &Rule::Required));
}

#[test]
fn build_reports_every_problem_in_field_order() {
    let b = Request::builder()
        .title("a") // too short
        .level(11) // too high
        .codes("x") // not digits
        .password("short"); // too short
                            // restrictions, scores, token and count are missing
    let v = violations(b.build());
    let found: Vec<(&str, &str)> = v.iter().map(|v| (v.path(), v.rule().name())).collect();
    assert_eq!(
        found,
        [
            ("title", "min_chars"),
            ("level", "max"),
            ("restrictions", "required"),
            ("codes[0]", "format"),
            ("scores", "required"),
            ("token", "required"),
            ("password", "min_chars"),
            ("count", "required"),
        ]
    );
    let e = Request::builder().build().err().unwrap();
    assert_eq!(
        e.violations().iter().map(|v| v.path()).collect::<Vec<_>>(),
        [
            "title",
            "restrictions",
            "scores",
            "token",
            "password",
            "count"
        ]
    );
    assert!(e.violations().iter().all(|v| *v.rule() == Rule::Required));
    assert_eq!(e.at("token").map(|v| v.rule()), Some(&Rule::Required));
}

#[test]
fn build_unvalidated_checks_only_missing_fields() {
    let r = valid()
        .title("a")
        .level(99)
        .codes("x1")
        .set_password(None)
        .build_unvalidated()
        .expect("rules are not checked");
    assert_eq!(r.title, "a");
    assert_eq!(r.level, Some(99));
    let v = r.validate().err().unwrap().into_violations();
    let found: Vec<&str> = v.iter().map(|v| v.path()).collect();
    assert_eq!(found, ["title", "level", "codes[0]", "password"]);

    let v = violations(Request::builder().title("a").token("t").build_unvalidated());
    let found: Vec<(&str, &Rule)> = v.iter().map(|v| (v.path(), v.rule())).collect();
    assert_eq!(
        found,
        [
            ("restrictions", &Rule::Required),
            ("scores", &Rule::Required),
            ("count", &Rule::Required),
        ]
    );
}

#[test]
#[allow(deprecated)]
fn validate_checks_an_existing_value() {
    let r = Request {
        title: "toolong".into(),
        label: None,
        level: Some(-5),
        ratio: None,
        weight: None,
        big: None,
        restrictions: vec![],
        codes: Some(vec!["1".into(), "22".into(), "333".into()]),
        scores: vec![],
        body: None,
        token: String::new(),
        password: None,
        count: 1,
        owner: Some(Box::new(Restriction {
            mobile: None,
            name: Some("abcde".into()),
        })),
        old_title: Some("anything".into()),
        r#type: None,
    };
    let v = r.validate().err().unwrap().into_violations();
    let found: Vec<(&str, &Rule)> = v.iter().map(|v| (v.path(), v.rule())).collect();
    assert_eq!(
        found,
        [
            ("title", &Rule::MaxChars { max: 5, actual: 7 }),
            (
                "level",
                &Rule::Min {
                    min: Number::Int(-1),
                    actual: Number::Int(-5)
                }
            ),
            ("restrictions", &Rule::MinItems { min: 1, actual: 0 }),
            ("codes[2]", &Rule::MaxChars { max: 2, actual: 3 }),
            ("password", &Rule::Required),
            ("owner.mobile", &Rule::Required),
            ("owner.name", &Rule::MaxChars { max: 4, actual: 5 }),
        ]
    );
    assert_eq!(
        v[0].to_string(),
        "title: must be at most 5 characters long, found 7 [max_chars]"
    );
}

#[test]
fn setters_getters_and_keyword_fields() {
    let b = valid().r#type("normal").codes("1").codes("2");
    assert_eq!(b.get_type(), &Some("normal".to_owned()));
    assert_eq!(b.get_codes(), &Some(vec!["1".to_owned(), "2".to_owned()]));
    assert_eq!(b.get_title(), &Some("ab".to_owned()));
    assert_eq!(b.get_label(), &None);
    let b = b.set_type(None).set_codes(Some(vec!["9".into()]));
    assert_eq!(b.get_type(), &None);
    assert_eq!(b.get_codes(), &Some(vec!["9".to_owned()]));
    // Builders compare and clone by value.
    assert_eq!(b.clone(), b);
    assert_ne!(b.clone().title("xyz"), b);
    let r = ok(b);
    assert_eq!(r.r#type, None);
    assert_eq!(r.codes, Some(vec!["9".to_owned()]));
    assert_eq!(r.restrictions.len(), 1);
}

#[test]
#[allow(deprecated)]
fn deprecated_field_setter_still_works() {
    let b = valid().old_title("old");
    assert_eq!(b.get_old_title(), &Some("old".to_owned()));
    assert_eq!(ok(b).old_title.as_deref(), Some("old"));
}

#[test]
fn debug_never_shows_sensitive_values() {
    let b = valid();
    let builder_debug = format!("{b:?}");
    let builder_pretty = format!("{b:#?}");
    let r = ok(b);
    let value_debug = format!("{r:?}");
    let value_pretty = format!("{r:#?}");
    for text in [&builder_debug, &builder_pretty, &value_debug, &value_pretty] {
        assert!(!text.contains("tok-secret-1"), "{text}");
        assert!(!text.contains("pass-secret-2"), "{text}");
        assert!(text.contains("\"<redacted>\""), "{text}");
        // Other values are shown.
        assert!(text.contains("13800000000"), "{text}");
    }
    assert!(value_debug.starts_with("Request { title: \"ab\", "));
    assert!(value_debug.contains("token: \"<redacted>\""));
    assert!(value_debug.contains("password: \"<redacted>\""));
    assert!(value_debug.contains("type: None"));
    assert!(builder_debug.starts_with("RequestBuilder { title: Some(\"ab\"), "));
    assert!(builder_debug.contains("token: \"<redacted>\""));

    // An unset sensitive value shows as `None`, in the struct and the builder.
    let unset = valid().set_password(None);
    assert!(format!("{unset:?}").contains("password: None"));
    let r = unset.build_unvalidated().unwrap();
    assert!(format!("{r:?}").contains("password: None"));
    assert!(format!("{r:?}").contains("token: \"<redacted>\""));
    assert!(format!("{:?}", Request::builder()).contains("token: None"));
}

//! Every rule kind, nested structs, lists, a deprecated, a sensitive and a
//! keyword field, in a crate that denies warnings.
#![deny(warnings)]

use ess_runtime::{EssModel, Validate};
use serde::{Deserialize, Serialize};

/// A person who signs.
#[derive(Clone, PartialEq, Serialize, Deserialize, EssModel)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Approver {
    /// Display name.
    #[ess(min_chars = 1, max_chars = 20)]
    pub name: String,
    /// Mobile number.
    #[ess(required, format = "digits", min_chars = 11, max_chars = 11, sensitive)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// Signing order.
    #[ess(min = -1, max = 100)]
    pub order: Option<i64>,
}

/// A request using every rule kind.
#[derive(Clone, PartialEq, Serialize, Deserialize, EssModel)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct CreateFlowInput {
    /// The flow's name.
    #[ess(max_chars = 200)]
    pub flow_name: String,
    /// Type of the flow.
    #[serde(rename = "FlowType")]
    pub r#type: Option<String>,
    /// File contents.
    #[ess(format = "base64", sensitive)]
    pub file_body: Option<String>,
    /// Approvers, in order.
    #[ess(min_items = 1, max_items = 50)]
    pub approvers: Vec<Approver>,
    /// Ids of the templates.
    #[ess(max_items = 3, min_chars = 1, max_chars = 64, format = "digits")]
    pub template_ids: Option<Vec<String>>,
    /// Validity in days.
    #[ess(min = 1, max = 30)]
    pub deadline_days: u32,
    /// Ratio.
    #[ess(min = 0.0, max = 1)]
    pub ratio: Option<f32>,
    /// Amount.
    #[ess(min = -0.5, max = 1e3)]
    pub amount: Option<f64>,
    /// Small counters.
    #[ess(min = 0, max = 9, max_items = 4)]
    pub counters: Option<Vec<u8>>,
    /// Signing key.
    #[ess(sensitive)]
    pub secret: String,
    /// Nested optional approver.
    pub owner: Option<Box<Approver>>,
    /// Use `flow_name`.
    #[deprecated(note = "use flow_name")]
    pub legacy_name: Option<String>,
    /// A flag.
    #[ess(required)]
    pub unordered: Option<bool>,
}

/// A model without fields.
#[derive(Clone, PartialEq, Serialize, Deserialize, EssModel)]
pub struct Empty {}

#[derive(Clone, PartialEq, EssModel)]
struct Private {
    #[ess(min_chars = 2)]
    code: String,
}

fn main() {
    let approver = Approver::builder()
        .name("Alice")
        .mobile("13800000000")
        .order(1)
        .build()
        .expect("valid approver");
    let input = CreateFlowInput::builder()
        .flow_name("Contract")
        .r#type("normal")
        .file_body("aGVsbG8=")
        .approvers(approver.clone())
        .template_ids("123")
        .set_template_ids(Some(vec!["1".to_owned(), "2".to_owned()]))
        .deadline_days(7u8)
        .ratio(0.5f32)
        .amount(2.5)
        .counters(3u8)
        .secret("k")
        .owner(Box::new(approver))
        .unordered(true)
        .build()
        .expect("valid input");
    assert!(input.validate().is_ok());
    assert_eq!(input.r#type.as_deref(), Some("normal"));
    let builder = CreateFlowInput::builder().set_type(None);
    assert_eq!(builder.get_type(), &None);
    assert!(!format!("{input:?}").contains("aGVsbG8="));

    let empty = Empty::builder().build().expect("nothing to check");
    assert!(empty.validate().is_ok());
    assert_eq!(format!("{empty:?}"), "Empty");
    let _ = Empty::builder().build_unvalidated();

    let private = Private::builder().code("ab").build().expect("valid");
    assert_eq!(private.code, "ab");

    #[allow(deprecated)]
    {
        let builder: OldInputBuilder = OldInput::builder();
        let old = builder.name("abcde").build();
        assert_eq!(old.unwrap_err().violations()[0].path(), "name");
        assert!(OldError::from(ess_runtime::ErrorMeta::new("A", "m")).is_a());
    }
}

/// Deprecated types still derive without warnings.
#[deprecated(note = "use CreateFlowInput")]
#[derive(Clone, PartialEq, EssModel)]
pub struct OldInput {
    #[ess(max_chars = 4)]
    pub name: String,
}

/// Deprecated error enums too.
#[deprecated(note = "use another error")]
#[derive(Debug, ess_runtime::EssError)]
pub enum OldError {
    #[ess(code = "A")]
    A(ess_runtime::ErrorMeta),
    #[ess(unhandled)]
    Other(ess_runtime::ErrorMeta),
}

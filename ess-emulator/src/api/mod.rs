//! The actions: a generic, spec-driven request pipeline and one semantic
//! handler per emulated action.
//!
//! Everything an action's request must satisfy on the wire comes from the
//! generated types: the JSON is decoded into the action's `...Input` with
//! serde (a missing required member is `MissingParameter`, a member of the
//! wrong JSON type `InvalidParameter`), re-serialized and compared with the
//! request to find members the input does not have (`UnknownParameter`),
//! then checked with the same [`Validate`](ess_api::Validate) rules the
//! client runs. Only then does the action's [`Emulated::handle`] see it.
//!
//! Emulating a new action from the spec takes an `impl Emulated for
//! NewActionInput` and one line in [`Registry::new`].

mod canned;
mod files;
mod flows;

pub(crate) use flows::flow_pdf;
mod qr_code;

use ess_api::service::codes;
use std::collections::HashMap;

use ess_api::validate::Rule;
use ess_api::Violation;
use ess_api::{Action, ServiceError};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::state::State;
use crate::world::World;

/// What a handler may look at and change.
pub(crate) struct Ctx<'a> {
    pub world: &'a World,
    pub state: &'a mut State,
    /// Emulator time, Unix seconds.
    pub now: u64,
    /// `http://host:port` of the emulator, for links.
    pub base_url: &'a str,
    /// The request's `Host` header, without its port, in lower case.
    pub host: Option<&'a str>,
}

/// An action the emulator answers.
pub(crate) trait Emulated: Action<Output: serde::Serialize> + DeserializeOwned {
    /// The service's code for a violated rule at `path` (Rust naming, as in
    /// [`Violation::path`]) when the generic mapping does not fit.
    ///
    /// The generic mapping is `InvalidParameter.<Member>`, `<Member>` being
    /// the last member of the path in wire naming, when the action documents
    /// that code, and `InvalidParameter` otherwise.
    fn violation_code(path: &str) -> Option<&'static str> {
        let _ = path;
        None
    }

    /// The action's semantics, given a request that passed every generic check.
    fn handle(self, ctx: &mut Ctx<'_>) -> Result<Self::Output, ApiError>;
}

type RunFn = fn(&mut Ctx<'_>, Value) -> Result<Value, ApiError>;

/// One emulated action.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    /// The wire name.
    pub name: &'static str,
    /// The documented rate limit, requests per second.
    pub rate_limit: Option<u32>,
    run: RunFn,
    /// Refuses request bodies with lists longer than [`MAX_LIST_ITEMS`].
    pub check_list_sizes: fn(&Value) -> Result<(), ApiError>,
    /// Whether it answers the official example instead of emulating.
    pub canned: bool,
    /// The host serving the action in production, when not the main one
    /// ([`Action::HOST`]).
    pub host: Option<&'static str>,
    /// The host serving the action in the integration-test environment,
    /// when not the main one ([`Action::TEST_HOST`]).
    pub test_host: Option<&'static str>,
}

impl Entry {
    fn of<A: Emulated>() -> Self {
        Entry {
            name: A::NAME,
            rate_limit: A::RATE_LIMIT,
            run: run::<A>,
            check_list_sizes: check_list_sizes::<A>,
            canned: false,
            host: A::HOST,
            test_host: A::TEST_HOST,
        }
    }

    /// Decodes, checks and handles a request body; the answer is the
    /// `Response` object without its `RequestId`.
    pub(crate) fn run(&self, ctx: &mut Ctx<'_>, body: Value) -> Result<Value, ApiError> {
        (self.run)(ctx, body)
    }
}

/// How the emulator resolves an action name.
pub(crate) enum Resolved<'a> {
    /// An emulated action.
    Emulated(&'a Entry),
    /// An action of the spec without semantics, answering its official
    /// example.
    Canned(&'a Entry),
    /// An action of the spec that the emulator does not emulate (in strict
    /// mode).
    Unsupported,
    /// Not an action of the service.
    Unknown,
}

/// The emulated actions, by wire name.
pub(crate) struct Registry {
    entries: HashMap<&'static str, Entry>,
    canned: HashMap<&'static str, Entry>,
}

impl Registry {
    pub(crate) fn new() -> Self {
        use ess_api::operation::cancel_flow::CancelFlowInput;
        use ess_api::operation::cancel_multi_flow_sign_qr_code::CancelMultiFlowSignQrCodeInput;
        use ess_api::operation::create_flow_by_files::CreateFlowByFilesInput;
        use ess_api::operation::create_flow_sign_url::CreateFlowSignUrlInput;
        use ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeInput;
        use ess_api::operation::describe_file_urls::DescribeFileUrlsInput;
        use ess_api::operation::describe_flow_briefs::DescribeFlowBriefsInput;
        use ess_api::operation::describe_flow_info::DescribeFlowInfoInput;
        use ess_api::operation::describe_flow_templates::DescribeFlowTemplatesInput;
        use ess_api::operation::upload_files::UploadFilesInput;
        let entries = [
            Entry::of::<CreateMultiFlowSignQrCodeInput>(),
            Entry::of::<CancelMultiFlowSignQrCodeInput>(),
            Entry::of::<UploadFilesInput>(),
            Entry::of::<DescribeFlowTemplatesInput>(),
            Entry::of::<CreateFlowByFilesInput>(),
            Entry::of::<DescribeFlowBriefsInput>(),
            Entry::of::<DescribeFlowInfoInput>(),
            Entry::of::<CancelFlowInput>(),
            Entry::of::<CreateFlowSignUrlInput>(),
            Entry::of::<DescribeFileUrlsInput>(),
        ];
        let entries: HashMap<_, _> = entries.into_iter().map(|e| (e.name, e)).collect();
        let canned = ess_api::service::ACTIONS
            .iter()
            .filter(|name| !entries.contains_key(*name))
            .filter_map(|name| canned::entry(name))
            .map(|e| (e.name, e))
            .collect();
        Registry { entries, canned }
    }

    /// The action named `action`; in strict mode, the actions without
    /// semantics are [`Resolved::Unsupported`].
    pub(crate) fn resolve(&self, action: &str, strict: bool) -> Resolved<'_> {
        if let Some(entry) = self.entries.get(action) {
            return Resolved::Emulated(entry);
        }
        match self.canned.get(action) {
            Some(entry) if !strict => Resolved::Canned(entry),
            Some(_) => Resolved::Unsupported,
            None if ess_api::service::ACTIONS.contains(&action) => Resolved::Unsupported,
            None => Resolved::Unknown,
        }
    }

    /// The emulated actions' names, sorted.
    pub(crate) fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.entries.keys().copied().collect();
        names.sort_unstable();
        names
    }
}

fn run<A: Emulated>(ctx: &mut Ctx<'_>, body: Value) -> Result<Value, ApiError> {
    let input = decode::<A>(body)?;
    let output = input.handle(ctx)?;
    serde_json::to_value(output)
        .map_err(|e| ApiError::internal(format!("cannot encode the answer: {e}")))
}

/// The generic checks, in order: a JSON object; every required member
/// present and every member of the right JSON type; no unknown member; the
/// validation rules of the spec.
pub(crate) fn decode<A: Emulated>(body: Value) -> Result<A, ApiError> {
    decode_with::<A>(body, A::violation_code)
}

/// [`decode`] for any action, with its mapping of violated rules to codes.
pub(crate) fn decode_with<A: Action + DeserializeOwned>(
    body: Value,
    violation_code: fn(&str) -> Option<&'static str>,
) -> Result<A, ApiError> {
    let Value::Object(_) = body else {
        return Err(ApiError::invalid(
            "the request body must be a JSON object of the action's parameters",
        ));
    };
    let body = strip_nulls(body);
    let input: A = serde_path_to_error::deserialize(&body).map_err(|e| {
        let path = wire_path(e.path());
        let message = e.inner().to_string();
        match missing_field(&message) {
            Some(name) => {
                let member = if path.is_empty() {
                    name.to_owned()
                } else {
                    format!("{path}.{name}")
                };
                missing::<A>(&member)
            }
            None => ApiError::invalid(format!(
                "the parameter {} has the wrong type: {message}",
                if path.is_empty() { "body" } else { &path }
            )),
        }
    })?;
    let back = serde_json::to_value(&input)
        .map_err(|e| ApiError::internal(format!("cannot re-encode the request: {e}")))?;
    if let Some(path) = unknown_member(&body, &back, String::new()) {
        return Err(ApiError::new(
            codes::UNKNOWN_PARAMETER,
            format!("{path} is not a parameter of {}", A::NAME),
        ));
    }
    if let Err(errors) = input.validate() {
        return Err(violations::<A>(errors.violations(), violation_code));
    }
    Ok(input)
}

/// `MissingParameter.<Leaf>` when the action documents it, else `MissingParameter`.
pub(crate) fn missing<A: Action>(member: &str) -> ApiError {
    let leaf = member_leaf(member);
    let code =
        documented::<A>(&format!("MissingParameter.{leaf}")).unwrap_or(codes::MISSING_PARAMETER);
    ApiError::new(code, format!("the required parameter {member} is missing"))
}

fn documented<A: Action>(code: &str) -> Option<&'static str> {
    <A::Error as ServiceError>::CODES
        .iter()
        .find(|c| **c == code)
        .copied()
}

fn violations<A: Action>(
    list: &[Violation],
    violation_code: fn(&str) -> Option<&'static str>,
) -> ApiError {
    let Some(first) = list.first() else {
        return ApiError::invalid("the request breaks a rule");
    };
    let message = list
        .iter()
        .map(|v| format!("{} {}", v.wire_path(), v.rule()))
        .collect::<Vec<_>>()
        .join("; ");
    if *first.rule() == Rule::Required {
        let mut e = missing::<A>(first.wire_path());
        e = ApiError::new(e.code().to_owned(), message);
        return e;
    }
    let code = violation_code(first.path()).unwrap_or_else(|| {
        let leaf = member_leaf(first.wire_path());
        documented::<A>(&format!("InvalidParameter.{leaf}")).unwrap_or(codes::INVALID_PARAMETER)
    });
    ApiError::new(code, message)
}

/// The last member named in a wire path: `Restrictions.1.Mobile` → `Mobile`,
/// `FileIds.2` → `FileIds`.
fn member_leaf(path: &str) -> &str {
    path.rsplit('.')
        .find(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(path)
}

fn wire_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&index.to_string());
            }
            Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Enum { variant } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(variant);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// The member named by serde's "missing field `X`" message.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
}

/// The most items of any list in a request, whatever the spec documents:
/// longer lists are refused before they are decoded.
pub(crate) const MAX_LIST_ITEMS: usize = 1000;

/// The first list longer than [`MAX_LIST_ITEMS`] in a request body of the
/// action `A`, as the error that refuses it: `InvalidParameter.<Member>`
/// when the action documents it, `InvalidParameter` otherwise.
pub(crate) fn check_list_sizes<A: Action>(body: &Value) -> Result<(), ApiError> {
    match long_list(body, String::new()) {
        None => Ok(()),
        Some((path, len)) => Err(ApiError::new(
            documented::<A>(&format!("InvalidParameter.{}", member_leaf(&path)))
                .unwrap_or(codes::INVALID_PARAMETER),
            format!("{path} has {len} items; the emulator takes at most {MAX_LIST_ITEMS}"),
        )),
    }
}

/// The wire path and length of the first list longer than
/// [`MAX_LIST_ITEMS`].
fn long_list(value: &Value, path: String) -> Option<(String, usize)> {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Array(items) if items.len() > MAX_LIST_ITEMS => Some((
            if path.is_empty() {
                "body".to_owned()
            } else {
                path
            },
            items.len(),
        )),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| long_list(v, join(&i.to_string()))),
        Value::Object(map) => map.iter().find_map(|(k, v)| long_list(v, join(k))),
        _ => None,
    }
}

/// Removes every object member whose value is `null`, at any depth: the
/// service treats them as absent.
fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// The path of the first member of `raw` that the decoded value does not
/// have when serialized back (`back`).
fn unknown_member(raw: &Value, back: &Value, path: String) -> Option<String> {
    match (raw, back) {
        (Value::Object(raw), Value::Object(back)) => {
            for (key, value) in raw {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match back.get(key) {
                    None => return Some(here),
                    Some(b) => {
                        if let Some(found) = unknown_member(value, b, here) {
                            return Some(found);
                        }
                    }
                }
            }
            None
        }
        (Value::Array(raw), Value::Array(back)) => raw
            .iter()
            .zip(back)
            .enumerate()
            .find_map(|(i, (r, b))| unknown_member(r, b, format!("{path}.{i}"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_emulated_action_is_in_the_spec() {
        let registry = Registry::new();
        for name in registry.names() {
            assert!(ess_api::service::ACTIONS.contains(&name), "{name}");
        }
        assert!(matches!(registry.resolve("Nope", false), Resolved::Unknown));
        assert!(matches!(
            registry.resolve("CreateMultiFlowSignQRCode", true),
            Resolved::Emulated(_)
        ));
        assert!(matches!(
            registry.resolve("DescribeFlowInfo", true),
            Resolved::Emulated(_)
        ));
        assert!(matches!(
            registry.resolve("StartFlow", false),
            Resolved::Canned(e) if e.canned
        ));
        assert!(matches!(
            registry.resolve("StartFlow", true),
            Resolved::Unsupported
        ));
        assert_eq!(
            registry.canned.len() + registry.entries.len(),
            ess_api::service::ACTIONS.len()
        );
    }

    #[test]
    fn paths() {
        assert_eq!(member_leaf("Restrictions.10.IdCardNumber"), "IdCardNumber");
        assert_eq!(member_leaf("FileIds.2"), "FileIds");
        assert_eq!(member_leaf("FlowName"), "FlowName");
        assert_eq!(missing_field("missing field `QrCodeId`"), Some("QrCodeId"));
        assert_eq!(missing_field("invalid type: null"), None);
    }

    #[test]
    fn nulls_are_absent_and_unknown_members_are_found() {
        let raw =
            strip_nulls(json!({"A": null, "B": {"C": 1, "D": null}, "E": [{"F": 1, "G": 2}]}));
        assert_eq!(raw, json!({"B": {"C": 1}, "E": [{"F": 1, "G": 2}]}));
        let back = json!({"B": {"C": 1}, "E": [{"F": 1}]});
        assert_eq!(
            unknown_member(&raw, &back, String::new()).as_deref(),
            Some("E.0.G")
        );
        assert_eq!(unknown_member(&back, &back, String::new()), None);
    }
}

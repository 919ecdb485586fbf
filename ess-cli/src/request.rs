//! A request's JSON body: read from `--cli-input-json`, from the member
//! options, checked member by member against the spec, and the skeleton
//! `--generate-cli-skeleton` prints.

use std::io::Read;

use serde_json::{Map, Value};

use crate::spec::{ActionDef, MemberDef, Ty, ENUMS, STRUCTS};

/// One problem with a request, at a member's wire path
/// (`Restrictions.0.Mobile`; empty for the whole request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// A short name of the broken rule (`type`, `required`, `unknown`, `max_chars`).
    pub rule: String,
}

impl Problem {
    fn new(path: &str, rule: &str, message: impl Into<String>) -> Self {
        Problem {
            path: path.to_owned(),
            message: message.into(),
            rule: rule.to_owned(),
        }
    }
}

/// The violations of the spec's rules that the SDK's validation found,
/// at their wire paths.
pub fn violations(errors: &ess_api::ValidationErrors) -> Vec<Problem> {
    errors
        .violations()
        .iter()
        .map(|v| Problem {
            path: v.wire_path().to_owned(),
            message: v.rule().to_string(),
            rule: v.rule().name().to_owned(),
        })
        .collect()
}

/// What went wrong while reading `--cli-input-json`.
#[derive(Debug)]
pub enum InputError {
    /// The file or standard input could not be read.
    Read(String),
    /// What was read is not a JSON object.
    Json(String),
}

/// Reads the value of `--cli-input-json`: `file://path`, `-` for standard
/// input, or the JSON itself.
pub fn read_input_json(arg: &str) -> Result<Map<String, Value>, InputError> {
    let (text, origin) = if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| InputError::Read(format!("cannot read standard input: {e}")))?;
        (text, "standard input".to_owned())
    } else if let Some(path) = arg.strip_prefix("file://") {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::Read(format!("cannot read {path}: {e}")))?;
        (text, path.to_owned())
    } else {
        (arg.to_owned(), "--cli-input-json".to_owned())
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(InputError::Json(format!(
            "{origin}: the request must be a JSON object, found {}",
            kind(&other)
        ))),
        Err(e) => Err(InputError::Json(format!("{origin}: not valid JSON: {e}"))),
    }
}

/// The JSON value of a member given on the command line (`raw` holds each
/// value after its option), or a problem naming the option.
pub fn member_value(member: &MemberDef, raw: &[String]) -> Result<Value, Problem> {
    if member.list {
        if let [one] = raw {
            if one.trim_start().starts_with('[') {
                return serde_json::from_str::<Value>(one).map_err(|e| {
                    Problem::new(member.wire, "json", format!("not a JSON list ({e}): {one}"))
                });
            }
        }
        let mut items = Vec::with_capacity(raw.len());
        for (i, r) in raw.iter().enumerate() {
            items.push(
                scalar(member.ty, r)
                    .map_err(|m| Problem::new(&format!("{}.{i}", member.wire), "type", m))?,
            );
        }
        return Ok(Value::Array(items));
    }
    let last = raw.last().map(String::as_str).unwrap_or_default();
    scalar(member.ty, last).map_err(|m| Problem::new(member.wire, "type", m))
}

/// A member option in tccli's unfolded form: `--Operator.UserId yDw...`,
/// `--Restrictions.0.Mobile 188...` (with or without
/// `--cli-unfold-argument`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfolded {
    /// The wire path after `--`: `Restrictions.0.Mobile`.
    pub path: String,
    /// The value.
    pub value: String,
}

/// Takes the unfolded member options of `action` out of `args`: an
/// option `--A.B...` whose first part is one of the action's members, and
/// its value (after `=` or in the next argument).
pub fn take_unfolded(action: &ActionDef, args: &mut Vec<std::ffi::OsString>) -> Vec<Unfolded> {
    let mut found = Vec::new();
    let mut kept = Vec::with_capacity(args.len());
    let mut rest = std::mem::take(args).into_iter();
    while let Some(arg) = rest.next() {
        let text = arg.to_str().unwrap_or_default();
        if text == "--" {
            kept.push(arg);
            kept.extend(rest.by_ref());
            break;
        }
        let Some(name) = text.strip_prefix("--") else {
            kept.push(arg);
            continue;
        };
        let (path, inline) = match name.split_once('=') {
            Some((p, v)) => (p, Some(v.to_owned())),
            None => (name, None),
        };
        let top = path.split('.').next().unwrap_or_default();
        if !path.contains('.') || !action.input.iter().any(|m| m.wire == top) {
            kept.push(arg);
            continue;
        }
        let value = match inline {
            Some(v) => Some(v),
            None => rest.next().map(|v| v.to_string_lossy().into_owned()),
        };
        found.push(Unfolded {
            path: path.to_owned(),
            value: value.unwrap_or_default(),
        });
    }
    *args = kept;
    found
}

/// Puts an unfolded member option into `body`, its value typed as the
/// member at its path.
pub fn apply_unfolded(
    body: &mut Map<String, Value>,
    members: &'static [MemberDef],
    option: &Unfolded,
) -> Result<(), Problem> {
    let segments: Vec<&str> = option.path.split('.').collect();
    let problem = |rule: &str, message: String| Problem::new(&option.path, rule, message);
    // The type at the end of the path, and whether it is a whole list.
    let mut members = members;
    let mut leaf: Option<(Ty, bool)> = None;
    let mut i = 0;
    while i < segments.len() {
        let Some(m) = members.iter().find(|m| m.wire == segments[i]) else {
            return Err(problem(
                "unknown",
                format!("`{}` is not a member here", segments[i]),
            ));
        };
        let mut list = m.list;
        if list && i + 1 < segments.len() {
            if segments[i + 1].parse::<usize>().is_err() {
                return Err(problem(
                    "unknown",
                    format!("`{}` is a list: an index must follow it", m.wire),
                ));
            }
            i += 1;
            list = false;
        }
        i += 1;
        if i == segments.len() {
            leaf = Some((m.ty, list));
        } else if let Ty::Struct(s) = m.ty {
            members = STRUCTS[s].members;
        } else {
            return Err(problem("unknown", format!("`{}` has no members", m.wire)));
        }
    }
    let (ty, list) = leaf.expect("a path has at least two segments");
    let value = if list {
        match serde_json::from_str::<Value>(&option.value) {
            Ok(v @ Value::Array(_)) => v,
            _ => Value::Array(vec![
                scalar(ty, &option.value).map_err(|m| problem("type", m))?
            ]),
        }
    } else {
        scalar(ty, &option.value).map_err(|m| problem("type", m))?
    };
    let mut at = body;
    let mut segments = segments.into_iter().peekable();
    while let Some(name) = segments.next() {
        let Some(next) = segments.peek() else {
            at.insert(name.to_owned(), value);
            return Ok(());
        };
        let entry = at.entry(name.to_owned()).or_insert(Value::Null);
        let slot = match next.parse::<usize>() {
            Ok(index) => {
                segments.next();
                if !entry.is_array() {
                    *entry = Value::Array(Vec::new());
                }
                let items = entry.as_array_mut().expect("made a list above");
                if items.len() <= index {
                    items.resize(index + 1, Value::Null);
                }
                if segments.peek().is_none() {
                    items[index] = value;
                    return Ok(());
                }
                &mut items[index]
            }
            Err(_) => entry,
        };
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        at = slot.as_object_mut().expect("made an object above");
    }
    Ok(())
}

/// One value of type `ty` from its command-line text.
fn scalar(ty: Ty, raw: &str) -> Result<Value, String> {
    let json = |what: &str| {
        serde_json::from_str::<Value>(raw).map_err(|e| format!("not a JSON {what} ({e}): {raw}"))
    };
    match ty {
        Ty::String => Ok(Value::String(raw.to_owned())),
        Ty::Enum(i) => match ENUMS[i].repr {
            crate::spec::Repr::String => Ok(Value::String(raw.to_owned())),
            _ => integer(raw),
        },
        Ty::Int64 | Ty::Uint64 => integer(raw),
        Ty::Float => raw
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("expected a number, found `{raw}`")),
        Ty::Bool => match raw.trim() {
            "true" | "True" | "TRUE" => Ok(Value::Bool(true)),
            "false" | "False" | "FALSE" => Ok(Value::Bool(false)),
            _ => Err(format!("expected true or false, found `{raw}`")),
        },
        Ty::Struct(_) => json("object"),
        Ty::Json => json("value"),
    }
}

fn integer(raw: &str) -> Result<Value, String> {
    let t = raw.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Ok(Value::from(i));
    }
    if let Ok(u) = t.parse::<u64>() {
        return Ok(Value::from(u));
    }
    Err(format!("expected an integer, found `{raw}`"))
}

/// The JSON kind of `v`, for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Checks `body` against `members`: no unknown member, every required
/// member present, every value of its member's type. Drops `null`
/// members (the service takes them as absent). Every problem is reported,
/// in member order.
///
/// Each member with a problem is removed from `body` (a structure that
/// lacks a required member too), so that what is left can still be
/// decoded and checked against the rules.
pub fn check(body: &mut Map<String, Value>, members: &[MemberDef]) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_object(body, members, "", "this request", &mut problems);
    problems
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// Checks an object; false when a required member is missing or had to
/// be removed.
fn check_object(
    body: &mut Map<String, Value>,
    members: &[MemberDef],
    path: &str,
    what: &str,
    problems: &mut Vec<Problem>,
) -> bool {
    body.retain(|_, v| !v.is_null());
    let mut whole = true;
    for m in members {
        let at = join(path, m.wire);
        let keep = match body.get_mut(m.wire) {
            None if m.required => {
                problems.push(Problem::new(&at, "required", "is required but was not set"));
                whole = false;
                true
            }
            None => true,
            Some(v) => check_member(v, m, &at, problems),
        };
        if !keep {
            body.remove(m.wire);
            whole &= !m.required;
        }
    }
    let unknown: Vec<String> = body
        .keys()
        .filter(|key| !members.iter().any(|m| m.wire == key.as_str()))
        .cloned()
        .collect();
    for key in unknown {
        let hint = members
            .iter()
            .find(|m| m.wire.eq_ignore_ascii_case(&key))
            .map(|m| format!(" (did you mean `{}`?)", m.wire))
            .unwrap_or_default();
        problems.push(Problem::new(
            &join(path, &key),
            "unknown",
            format!("is not a member of {what}{hint}"),
        ));
        body.remove(&key);
    }
    whole
}

/// Checks a member's value; false when it must be removed.
fn check_member(v: &mut Value, m: &MemberDef, path: &str, problems: &mut Vec<Problem>) -> bool {
    if !m.list {
        return check_value(v, m.ty, path, problems);
    }
    match v {
        Value::Array(items) => {
            let mut ok = true;
            for (i, item) in items.iter_mut().enumerate() {
                ok &= check_value(item, m.ty, &format!("{path}.{i}"), problems);
            }
            ok
        }
        other => {
            problems.push(Problem::new(
                path,
                "type",
                format!("must be a list of {}, found {}", m.ty.name(), kind(other)),
            ));
            false
        }
    }
}

/// Checks one value of type `ty`; false when it must be removed.
fn check_value(v: &mut Value, ty: Ty, path: &str, problems: &mut Vec<Problem>) -> bool {
    let ok = match ty {
        Ty::String => v.is_string(),
        Ty::Int64 => v.is_i64(),
        Ty::Uint64 => v.is_u64(),
        Ty::Float => v.is_number(),
        Ty::Bool => v.is_boolean(),
        Ty::Json => true,
        Ty::Enum(i) => match ENUMS[i].repr {
            crate::spec::Repr::String => v.is_string(),
            crate::spec::Repr::Int64 => v.is_i64(),
            crate::spec::Repr::Uint64 => v.is_u64(),
        },
        Ty::Struct(i) => {
            if let Value::Object(map) = v {
                let what = STRUCTS[i].wire;
                return check_object(map, STRUCTS[i].members, path, what, problems);
            }
            false
        }
    };
    if !ok {
        let expected = match ty {
            Ty::Int64 => "a signed 64-bit integer".to_owned(),
            Ty::Uint64 => "a non-negative 64-bit integer".to_owned(),
            Ty::Struct(i) => format!("a {} object", STRUCTS[i].wire),
            Ty::Enum(i) => format!("a {} value", ENUMS[i].wire),
            other => format!("a {}", other.name()),
        };
        problems.push(Problem::new(
            path,
            "type",
            format!("must be {expected}, found {}", kind(v)),
        ));
    }
    ok
}

/// A request for `action` that `--cli-input-json` takes: every required
/// member, filled with the spec's example (or a value that meets its
/// rules when the spec gives none; a structure from its members), and
/// every optional member that has a default, with that default; inside a
/// structure, also the members the spec gives an example for. Deprecated
/// members are left out.
pub fn skeleton(action: &ActionDef) -> Value {
    Value::Object(skeleton_members(action.input, 0))
}

/// Structures nest at most this deep in a skeleton (none of the spec's is
/// recursive today; the bound keeps a future one finite).
const MAX_DEPTH: usize = 8;

fn skeleton_members(members: &[MemberDef], depth: usize) -> Map<String, Value> {
    let mut map = Map::new();
    for m in members {
        if m.deprecated.is_some() {
            continue;
        }
        let value = if m.required {
            Some(stand_in_at(m, depth))
        } else if depth > 0 && m.example.is_some() {
            // Inside a structure the request needs, the members the spec
            // shows an example of (`Operator.UserId`).
            m.example.map(|e| from_text(m, e))
        } else {
            m.default.map(|d| from_text(m, d))
        };
        if let Some(v) = value {
            map.insert(m.wire.to_owned(), v);
        }
    }
    map
}

/// A value of a required member that meets the spec's rules: its example,
/// else one made from its type and rules. The skeleton is made of these;
/// so is the stand-in for a missing member that lets the rest of a request
/// be checked.
pub fn stand_in(m: &MemberDef) -> Value {
    stand_in_at(m, 0)
}

fn stand_in_at(m: &MemberDef, depth: usize) -> Value {
    match (m.example, m.ty) {
        (Some(example), _) => from_text(m, example),
        (None, Ty::Struct(i)) if depth < MAX_DEPTH => {
            let inner = Value::Object(skeleton_members(STRUCTS[i].members, depth + 1));
            if m.list {
                Value::Array(vec![inner; m.min_items.unwrap_or(1).max(1) as usize])
            } else {
                inner
            }
        }
        (None, _) => placeholder(m),
    }
}

/// A member's value from the spec's text of it (an example or a default).
fn from_text(m: &MemberDef, text: &str) -> Value {
    let one = |t: &str| -> Value {
        match scalar(m.ty, t) {
            Ok(v) => v,
            Err(_) => Value::String(t.to_owned()),
        }
    };
    if m.list {
        match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Array(_)) => v,
            _ => Value::Array(vec![one(text)]),
        }
    } else {
        one(text)
    }
}

/// A value of the member's type for a required member the spec gives no
/// example for.
fn placeholder(m: &MemberDef) -> Value {
    let one = match m.ty {
        Ty::String => {
            let len = m.min_chars.unwrap_or(1).max(1) as usize;
            Value::String("x".repeat(len))
        }
        Ty::Int64 | Ty::Uint64 | Ty::Float => match m.min.and_then(|t| t.parse::<i64>().ok()) {
            Some(min) => Value::from(min),
            None => Value::from(0),
        },
        Ty::Bool => Value::Bool(false),
        Ty::Json => Value::Object(Map::new()),
        Ty::Enum(i) => {
            let wire = ENUMS[i].values.first().map(|v| v.wire).unwrap_or_default();
            match ENUMS[i].repr {
                crate::spec::Repr::String => Value::String(wire.to_owned()),
                _ => wire
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or(Value::from(0)),
            }
        }
        // Reached only past the depth bound.
        Ty::Struct(_) => Value::Object(Map::new()),
    };
    if m.list {
        let n = m.min_items.unwrap_or(1).max(1) as usize;
        Value::Array(vec![one; n])
    } else {
        one
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(action: &str, member: &str) -> &'static MemberDef {
        let a = crate::spec::action(action).unwrap();
        a.input.iter().find(|m| m.wire == member).unwrap()
    }

    #[test]
    fn option_values_take_their_member_types() {
        let qr = "CreateMultiFlowSignQRCode";
        let one = |member: &str, raw: &[&str]| {
            let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
            member_value(input(qr, member), &raw)
        };
        assert_eq!(one("MaxFlowNum", &["12"]), Ok(Value::from(12)));
        assert_eq!(one("FlowName", &["12"]), Ok(Value::from("12")));
        assert_eq!(
            one("ForbidPersonalMultipleSign", &["true"]),
            Ok(Value::Bool(true))
        );
        assert_eq!(one("FlowDisplayType", &["2"]), Ok(Value::from(2)));
        assert_eq!(
            one("Restrictions", &[r#"[{"Name":"a"}]"#]),
            Ok(serde_json::json!([{"Name": "a"}]))
        );
        assert_eq!(
            one("Restrictions", &[r#"{"Name":"a"}"#, r#"{"Name":"b"}"#]),
            Ok(serde_json::json!([{"Name": "a"}, {"Name": "b"}]))
        );
        let bad = one("MaxFlowNum", &["ten"]).unwrap_err();
        assert_eq!(
            (bad.path.as_str(), bad.rule.as_str()),
            ("MaxFlowNum", "type")
        );
        let bad = one("Operator", &["{"]).unwrap_err();
        assert_eq!(bad.path, "Operator");
        let bad = one("Restrictions", &["{}", "nope"]).unwrap_err();
        assert_eq!(bad.path, "Restrictions.1");
    }

    #[test]
    fn unfolded_options_are_taken_out_and_typed() {
        let action = crate::spec::action("CreateMultiFlowSignQRCode").unwrap();
        let mut args: Vec<std::ffi::OsString> = [
            "ess",
            "CreateMultiFlowSignQRCode",
            "--Operator.UserId",
            "u",
            "--Restrictions.1.Mobile=188",
            "--FlowName",
            "n",
            "--ApproverComponentLimitTypes.0.Values",
            "HANDWRITE",
            "--region.x",
            "r",
        ]
        .iter()
        .map(Into::into)
        .collect();
        let unfolded = take_unfolded(action, &mut args);
        assert_eq!(
            args,
            [
                "ess",
                "CreateMultiFlowSignQRCode",
                "--FlowName",
                "n",
                "--region.x",
                "r"
            ]
        );
        let mut body = Map::new();
        for u in &unfolded {
            apply_unfolded(&mut body, action.input, u).unwrap();
        }
        assert_eq!(
            Value::Object(body),
            serde_json::json!({
                "Operator": {"UserId": "u"},
                "Restrictions": [null, {"Mobile": "188"}],
                "ApproverComponentLimitTypes": [{"Values": ["HANDWRITE"]}]
            })
        );
        let bad = Unfolded {
            path: "Restrictions.Name".into(),
            value: "x".into(),
        };
        assert_eq!(
            apply_unfolded(&mut Map::new(), action.input, &bad)
                .unwrap_err()
                .rule,
            "unknown"
        );
        let bad = Unfolded {
            path: "Restrictions.0.IdCardType".into(),
            value: "x".into(),
        };
        assert!(apply_unfolded(&mut Map::new(), action.input, &bad).is_ok());
        let bad = Unfolded {
            path: "ApproverComponentLimitTypes.0.RecipientId.X".into(),
            value: "x".into(),
        };
        assert!(apply_unfolded(&mut Map::new(), action.input, &bad).is_err());
    }

    #[test]
    fn a_checked_request_loses_its_wrong_members() {
        let action = crate::spec::action("CreateMultiFlowSignQRCode").unwrap();
        let mut body = serde_json::json!({
            "Operator": {"UserId": 1},
            "FlowName": "n",
            "Extra": true,
            "Restrictions": [{"Mobile": "1"}, 3],
            "UserData": null
        });
        let problems = check(body.as_object_mut().unwrap(), action.input);
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            ["Operator.UserId", "TemplateId", "Restrictions.1", "Extra"]
        );
        assert_eq!(body, serde_json::json!({"Operator": {}, "FlowName": "n"}));
    }
}

//! Import from the service's machine-readable API description (`api.json`).
//!
//! The import carries facts only: names, member types (int64 and uint64
//! kept apart), whether members are required or deprecated, response
//! members, the short title of each action, and the enumerations and
//! defaults the description states in its fixed form. The description's
//! prose is not copied.
//!
//! It merges: a file that exists is never rewritten. Members the description
//! has and the file lacks are appended; members the file has and the
//! description lacks are reported. Everything a maintainer wrote
//! (constraints, docs, error lists, idempotency, hand-made enumerations)
//! stays as it is.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::naming;

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Spec files written for the first time.
    pub created: Vec<PathBuf>,
    /// Members appended to existing files, as `file: Member`.
    pub added_members: Vec<String>,
    /// Members the spec has but the description does not, as `file: Member`.
    pub disappeared: Vec<String>,
    /// Files already up to date.
    pub unchanged: usize,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in &self.created {
            writeln!(f, "created  {}", p.display())?;
        }
        for m in &self.added_members {
            writeln!(f, "added    {m}")?;
        }
        for m in &self.disappeared {
            writeln!(
                f,
                "missing  {m} (in the spec, not in the description: review)"
            )?;
        }
        write!(
            f,
            "{} files created, {} members added, {} members no longer described, {} files unchanged",
            self.created.len(),
            self.added_members.len(),
            self.disappeared.len(),
            self.unchanged
        )
    }
}

/// An import failure.
#[derive(Debug)]
pub struct ImportError(pub String);

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ImportError {}

#[derive(Deserialize)]
struct ApiJson {
    actions: std::collections::BTreeMap<String, ApiAction>,
    objects: std::collections::BTreeMap<String, ApiObject>,
}

#[derive(Deserialize)]
struct ApiAction {
    input: String,
    output: String,
    name: String,
    #[serde(default)]
    status: String,
}

#[derive(Deserialize)]
struct ApiObject {
    members: Vec<ApiMember>,
    #[serde(default)]
    usage: Option<String>,
}

#[derive(Deserialize)]
struct ApiMember {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    member: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    output_required: bool,
    #[serde(default)]
    value_allowed_null: bool,
    #[serde(default)]
    disabled: bool,
    #[serde(default)]
    document: String,
    #[serde(default)]
    example: Option<String>,
}

/// Where a member is read from, which decides what `required` means.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Input,
    Output,
    Both,
}

/// Imports `api_json` into `spec_dir`, merging with what is there.
pub fn import(api_json: &Path, spec_dir: &Path) -> Result<ImportReport, ImportError> {
    let text = std::fs::read_to_string(api_json)
        .map_err(|e| ImportError(format!("cannot read {}: {e}", api_json.display())))?;
    let api: ApiJson = serde_json::from_str(&text).map_err(|e| {
        ImportError(format!(
            "{} is not an API description: {e}",
            api_json.display()
        ))
    })?;
    let mut report = ImportReport::default();
    for dir in ["types", "actions"] {
        std::fs::create_dir_all(spec_dir.join(dir)).map_err(|e| {
            ImportError(format!(
                "cannot create {}: {e}",
                spec_dir.join(dir).display()
            ))
        })?;
    }

    let io_objects: BTreeSet<&str> = api
        .actions
        .values()
        .flat_map(|a| [a.input.as_str(), a.output.as_str()])
        .collect();

    for (name, obj) in &api.objects {
        if io_objects.contains(name.as_str()) {
            continue;
        }
        let side = match obj.usage.as_deref() {
            Some("in") => Side::Input,
            Some("out") => Side::Output,
            _ => Side::Both,
        };
        let path = spec_dir.join("types").join(format!("{name}.toml"));
        let members: Vec<&ApiMember> = obj.members.iter().collect();
        let header = type_header(name, obj.usage.as_deref());
        merge(&path, &header, "member", &members, side, &mut report)?;
    }

    for (name, action) in &api.actions {
        let input = api
            .objects
            .get(&action.input)
            .ok_or_else(|| ImportError(format!("action {name}: no object {}", action.input)))?;
        let output = api
            .objects
            .get(&action.output)
            .ok_or_else(|| ImportError(format!("action {name}: no object {}", action.output)))?;
        let path = spec_dir.join("actions").join(format!("{name}.toml"));
        let header = action_header(name, action);
        let inputs: Vec<&ApiMember> = input.members.iter().collect();
        let outputs: Vec<&ApiMember> = output
            .members
            .iter()
            .filter(|m| m.name != "RequestId")
            .collect();
        merge_action(&path, &header, &inputs, &outputs, &mut report)?;
    }
    Ok(report)
}

fn type_header(name: &str, usage: Option<&str>) -> String {
    let mut h = String::new();
    let _ = writeln!(
        h,
        "# Imported from the service's API description; add documentation and rules by hand."
    );
    let _ = writeln!(h, "name = {}", quote(name));
    let rust = naming::type_name(name);
    if naming::RESERVED_TYPE_NAMES.contains(&rust.as_str()) {
        let _ = writeln!(h, "# `{rust}` would shadow a standard or SDK name.");
        let _ = writeln!(h, "rust_name = {}", quote(&format!("Ess{rust}")));
    }
    if let Some(u) = usage {
        let _ = writeln!(h, "usage = {}", quote(u));
    }
    h
}

fn action_header(name: &str, action: &ApiAction) -> String {
    let mut h = String::new();
    let _ = writeln!(
        h,
        "# Imported from the service's API description; review `idempotent`, then add\n# documentation, rules, the rate limit and the error codes the action documents."
    );
    let _ = writeln!(h, "name = {}", quote(name));
    if !action.name.is_empty() {
        let _ = writeln!(h, "title = {}", quote(&action.name));
    }
    let idempotent = READ_ONLY_PREFIXES.iter().any(|p| name.starts_with(p));
    let _ = writeln!(
        h,
        "# Judged from the action's name: reads are safe to repeat, changes are not."
    );
    let _ = writeln!(h, "idempotent = {idempotent}");
    if action.status == "deprecated" {
        let _ = writeln!(
            h,
            "deprecated = \"The service has deprecated this action.\""
        );
    }
    h
}

/// Actions whose names say they only read.
const READ_ONLY_PREFIXES: &[&str] = &["Describe", "Get", "Query", "Verify", "List", "Check"];

/// Wire names of the `[[table]]` entries already in `text`.
fn existing_names(text: &str, table: &str) -> Result<Vec<String>, String> {
    let value: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(value
        .get(table)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|m| m.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

fn merge(
    path: &Path,
    header: &str,
    table: &str,
    members: &[&ApiMember],
    side: Side,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    merge_tables(path, header, &[(table, members, side)], report)
}

fn merge_action(
    path: &Path,
    header: &str,
    inputs: &[&ApiMember],
    outputs: &[&ApiMember],
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    merge_tables(
        path,
        header,
        &[
            ("input", inputs, Side::Input),
            ("output", outputs, Side::Output),
        ],
        report,
    )
}

fn merge_tables(
    path: &Path,
    header: &str,
    tables: &[(&str, &[&ApiMember], Side)],
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let display = path.display().to_string();
    match std::fs::read_to_string(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut text = header.to_string();
            for (table, members, side) in tables {
                for m in *members {
                    text.push('\n');
                    text.push_str(&member_toml(table, m, *side));
                }
            }
            write(path, &text)?;
            report.created.push(path.to_path_buf());
            Ok(())
        }
        Err(e) => Err(ImportError(format!("cannot read {display}: {e}"))),
        Ok(existing) => {
            let mut appended = String::new();
            for (table, members, side) in tables {
                let have = existing_names(&existing, table).map_err(|e| {
                    ImportError(format!("{display} is not valid TOML, fix it first: {e}"))
                })?;
                let described: BTreeSet<&str> = members.iter().map(|m| m.name.as_str()).collect();
                for name in &have {
                    if !described.contains(name.as_str()) {
                        report
                            .disappeared
                            .push(format!("{display}: {table} {name}"));
                    }
                }
                for m in *members {
                    if !have.iter().any(|h| h == &m.name) {
                        appended.push('\n');
                        appended.push_str(&member_toml(table, m, *side));
                        report
                            .added_members
                            .push(format!("{display}: {table} {}", m.name));
                    }
                }
            }
            if appended.is_empty() {
                report.unchanged += 1;
                return Ok(());
            }
            let mut text = existing;
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str("\n# Added by a later import.\n");
            text.push_str(&appended);
            write(path, &text)
        }
    }
}

fn write(path: &Path, text: &str) -> Result<(), ImportError> {
    std::fs::write(path, text)
        .map_err(|e| ImportError(format!("cannot write {}: {e}", path.display())))
}

/// One `[[table]]` entry for a member.
fn member_toml(table: &str, m: &ApiMember, side: Side) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "[[{table}]]");
    let _ = writeln!(t, "name = {}", quote(&m.name));
    let ty = match m.member.as_str() {
        "int64" | "uint64" | "string" | "bool" | "float" => m.member.clone(),
        "int" => "int64".to_string(),
        other => other.to_string(),
    };
    let _ = writeln!(t, "type = {}", quote(&ty));
    if m.kind == "list" {
        let _ = writeln!(t, "list = true");
    }
    let required = match side {
        Side::Input | Side::Both => m.required,
        Side::Output => m.output_required && !m.value_allowed_null,
    };
    if required {
        let _ = writeln!(t, "required = true");
    }
    if m.disabled {
        let _ = writeln!(
            t,
            "deprecated = \"The service has deprecated this member.\""
        );
    }
    let is_prim = matches!(
        ty.as_str(),
        "int64" | "uint64" | "string" | "bool" | "float"
    );
    if is_prim {
        let values = enumeration(&m.document, &ty);
        if !values.is_empty() {
            let _ = writeln!(t, "values = [{}]", values.join(", "));
        }
        if m.kind != "list" {
            if let Some(d) = default_value(&m.document, &ty) {
                if values.is_empty() || values.contains(&d) {
                    let _ = writeln!(t, "default = {d}");
                }
            }
        }
    }
    if let Some(e) = m.example.as_deref() {
        let e = e.trim();
        if !e.is_empty() && e != "无" && !e.contains('\n') {
            let _ = writeln!(t, "example = {}", quote(e));
        }
    }
    t
}

/// The values listed after "枚举值：" as TOML literals of type `ty`.
fn enumeration(doc: &str, ty: &str) -> Vec<String> {
    let Some(start) = doc.find("枚举值：") else {
        return Vec::new();
    };
    let rest = &doc[start..];
    let Some(ul) = rest.find("<ul>") else {
        return Vec::new();
    };
    let list = &rest[ul + 4..];
    let list = &list[..list.find("</ul>").unwrap_or(list.len())];
    let mut out = Vec::new();
    for item in list.split("<li>").skip(1) {
        let item = strip_tags(item.split("</li>").next().unwrap_or(""));
        let Some((value, _)) = item.split_once('：') else {
            return Vec::new();
        };
        match literal(&unescape(value.trim()), ty) {
            Some(v) if !out.contains(&v) => out.push(v),
            Some(_) => {}
            None => return Vec::new(),
        }
    }
    out
}

/// The value after "默认值：" as a TOML literal of type `ty`.
fn default_value(doc: &str, ty: &str) -> Option<String> {
    let start = doc.find("默认值：")? + "默认值：".len();
    let rest = &doc[start..];
    let raw = &rest[..rest.find('<').unwrap_or(rest.len())];
    literal(&unescape(raw.trim()), ty)
}

fn literal(raw: &str, ty: &str) -> Option<String> {
    match ty {
        "int64" => raw.parse::<i64>().ok().map(|v| v.to_string()),
        "uint64" => raw
            .parse::<u64>()
            .ok()
            .filter(|v| *v <= i64::MAX as u64)
            .map(|v| v.to_string()),
        "float" => raw
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(|v| format!("{v:?}")),
        "bool" => match raw {
            "true" | "false" => Some(raw.to_string()),
            _ => None,
        },
        "string" => {
            let v = raw.trim_matches('"');
            (!v.contains(char::is_whitespace) || v.is_empty()).then(|| quote(v))
        }
        _ => None,
    }
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let v = Value::String(s.to_string());
    // JSON string escaping is valid TOML basic-string escaping for these values.
    v.to_string()
}

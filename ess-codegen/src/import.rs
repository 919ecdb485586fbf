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

/// What an import did, and every upstream change it saw that a maintainer
/// must review. Entries name the spec file and, where there is one, the line
/// (`spec/actions/X.toml:12: input MaxFlowNum ...`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Spec files written for the first time.
    pub created: Vec<PathBuf>,
    /// Members appended to existing files, as `file: table Member`.
    pub added_members: Vec<String>,
    /// Members the spec has but the description does not, as `file:line: table Member`.
    pub disappeared: Vec<String>,
    /// Members whose type, list-ness or required flag differs from the
    /// description (the spec is left as it is).
    pub changed: Vec<String>,
    /// Actions and types the spec has but the description no longer does.
    pub removed: Vec<String>,
    /// Members the description disables that the spec does not mark deprecated.
    pub newly_deprecated: Vec<String>,
    /// Error codes appended to an action's `errors` list.
    pub codes_added: Vec<String>,
    /// Error codes an action lists that its documentation no longer does.
    pub codes_removed: Vec<String>,
    /// Actions, types and members that still have no `doc`.
    pub undocumented: Vec<String>,
    /// Every deprecated action and member of the spec, with its reason.
    pub deprecated: Vec<String>,
    /// Files already up to date.
    pub unchanged: usize,
}

impl ImportReport {
    /// Whether the import saw anything a maintainer has to look at.
    pub fn needs_review(&self) -> bool {
        !(self.disappeared.is_empty()
            && self.changed.is_empty()
            && self.removed.is_empty()
            && self.newly_deprecated.is_empty()
            && self.codes_removed.is_empty())
    }
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in &self.created {
            writeln!(f, "created     {}", p.display())?;
        }
        let sections: [(&str, &Vec<String>); 9] = [
            ("added", &self.added_members),
            ("code added", &self.codes_added),
            ("missing", &self.disappeared),
            ("changed", &self.changed),
            ("removed", &self.removed),
            ("disabled", &self.newly_deprecated),
            ("code gone", &self.codes_removed),
            ("no doc", &self.undocumented),
            ("deprecated", &self.deprecated),
        ];
        for (label, lines) in sections {
            for line in lines {
                writeln!(f, "{label:<11} {line}")?;
            }
        }
        write!(
            f,
            "{} files created, {} members added, {} members no longer described, \
             {} members changed upstream, {} actions or types removed upstream, \
             {} members newly deprecated, {} error codes added, {} error codes no longer documented, \
             {} items without a doc, {} deprecated actions and members, {} files unchanged",
            self.created.len(),
            self.added_members.len(),
            self.disappeared.len(),
            self.changed.len(),
            self.removed.len(),
            self.newly_deprecated.len(),
            self.codes_added.len(),
            self.codes_removed.len(),
            self.undocumented.len(),
            self.deprecated.len(),
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

    let enums = spec_enums(spec_dir);
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
        merge(
            &path,
            &header,
            "member",
            &members,
            side,
            &enums,
            &mut report,
        )?;
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
        merge_action(&path, &header, &inputs, &outputs, &enums, &mut report)?;
    }

    // What the spec has and the description no longer does.
    for (dir, what, described) in [
        (
            "types",
            "type",
            api.objects
                .keys()
                .filter(|n| !io_objects.contains(n.as_str()))
                .map(String::as_str)
                .collect::<BTreeSet<_>>(),
        ),
        (
            "actions",
            "action",
            api.actions.keys().map(String::as_str).collect(),
        ),
    ] {
        for path in toml_files(&spec_dir.join(dir)) {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            if !described.contains(stem.as_str()) && !HAND_MADE.contains(&stem.as_str()) {
                report.removed.push(format!(
                    "{}: {what} {stem} is no longer in the description",
                    path.display()
                ));
            }
        }
    }
    undocumented(spec_dir, &mut report);
    Ok(report)
}

/// Types the project defines that the description does not have (the
/// callback events, and enumerations made from a member's values).
const HAND_MADE: &[&str] = &[
    "ApproverComponentLimitType",
    "CallbackMessage",
    "CallbackMsgType",
    "FlowCallbackStatus",
    "FlowDisplayType",
    "FlowStatusChangeData",
    "IdCardType",
    "SignatureMethod",
];

/// Merges the documented error codes of each action (`action-errors.tsv`:
/// a header line, then `action<TAB>code` rows) into the actions' `errors`
/// lists: an action without a list gets one, new codes are appended to an
/// existing list, and codes the documentation no longer gives are reported,
/// not removed.
pub fn import_errors(
    tsv: &Path,
    spec_dir: &Path,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let text = std::fs::read_to_string(tsv)
        .map_err(|e| ImportError(format!("cannot read {}: {e}", tsv.display())))?;
    let mut by_action: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let Some((action, code)) = line.split_once('\t') else {
            return Err(ImportError(format!(
                "{}:{}: expected `action<TAB>code`",
                tsv.display(),
                i + 1
            )));
        };
        let codes = by_action.entry(action.trim()).or_default();
        if !codes.contains(&code.trim()) {
            codes.push(code.trim());
        }
    }
    for (action, codes) in by_action {
        let path = spec_dir.join("actions").join(format!("{action}.toml"));
        let display = path.display().to_string();
        let existing = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                report.removed.push(format!(
                    "{}:{}: codes of action {action}, which the spec does not have",
                    tsv.display(),
                    text.lines()
                        .position(|l| l.starts_with(&format!("{action}\t")))
                        .map_or(0, |p| p + 1)
                ));
                continue;
            }
            Err(e) => return Err(ImportError(format!("cannot read {display}: {e}"))),
        };
        let table: toml::Table = toml::from_str(&existing)
            .map_err(|e| ImportError(format!("{display} is not valid TOML, fix it first: {e}")))?;
        let have: Vec<String> = table
            .get("errors")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let line_of = |code: &str| {
            existing
                .lines()
                .position(|l| l.trim().trim_end_matches(',') == quote(code))
                .map_or(String::new(), |p| format!(":{}", p + 1))
        };
        for code in &have {
            if !codes.contains(&code.as_str()) {
                report.codes_removed.push(format!(
                    "{display}{}: {action} lists {code}, its documentation no longer does",
                    line_of(code)
                ));
            }
        }
        let new: Vec<&str> = codes
            .iter()
            .copied()
            .filter(|c| !have.iter().any(|h| h == c))
            .collect();
        if new.is_empty() {
            continue;
        }
        for c in &new {
            report.codes_added.push(format!("{display}: {action} {c}"));
        }
        let updated = if table.contains_key("errors") {
            // Append before the list's closing bracket.
            let start = existing
                .find("\nerrors = [")
                .map(|p| p + 1)
                .or_else(|| existing.starts_with("errors = [").then_some(0))
                .ok_or_else(|| {
                    ImportError(format!(
                        "{display}: write `errors = [` at the start of a line to let the import extend it"
                    ))
                })?;
            let close = existing[start..]
                .find(']')
                .map(|p| start + p)
                .ok_or_else(|| ImportError(format!("{display}: unterminated errors list")))?;
            let mut head = existing[..close].trim_end().to_owned();
            if !head.ends_with(',') && !head.ends_with('[') {
                head.push(',');
            }
            let mut text = head;
            text.push('\n');
            for c in &new {
                let _ = writeln!(text, "    {},", quote(c));
            }
            text.push_str(&existing[close..]);
            text
        } else {
            let mut block = String::from("errors = [\n");
            for c in &new {
                let _ = writeln!(block, "    {},", quote(c));
            }
            block.push_str("]\n");
            match existing.find("\n[[") {
                Some(p) => format!("{}{block}{}", &existing[..p + 1], &existing[p + 1..]),
                None => format!("{existing}{block}"),
            }
        };
        write(&path, &updated)?;
    }
    Ok(())
}

/// The `.toml` files of `dir`, sorted.
fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The enumerations of the spec (`kind = "enum"`), with their wire type: a
/// member may use one where the description says a primitive.
fn spec_enums(spec_dir: &Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for path in toml_files(&spec_dir.join("types")) {
        let Ok(table) = std::fs::read_to_string(&path)
            .map_err(|_| ())
            .and_then(|t| toml::from_str::<toml::Table>(&t).map_err(|_| ()))
        else {
            continue;
        };
        if table.get("kind").and_then(|k| k.as_str()) == Some("enum") {
            if let (Some(name), Some(repr)) = (
                table.get("name").and_then(|n| n.as_str()),
                table.get("type").and_then(|n| n.as_str()),
            ) {
                out.insert(name.to_owned(), repr.to_owned());
            }
        }
    }
    out
}

/// Lists every action, type and member of the spec without a `doc`.
fn undocumented(spec_dir: &Path, report: &mut ImportReport) {
    for dir in ["types", "actions"] {
        for path in toml_files(&spec_dir.join(dir)) {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(table) = toml::from_str::<toml::Table>(&text) else {
                continue;
            };
            let display = path.display();
            if !has_doc(&table) {
                report
                    .undocumented
                    .push(format!("{display}:1: the file itself"));
            }
            if let Some(reason) = table.get("deprecated").and_then(|d| d.as_str()) {
                let what = dir.trim_end_matches('s');
                report
                    .deprecated
                    .push(format!("{display}: the whole {what}: {reason}"));
            }
            for t in ["input", "output", "member", "value"] {
                let lines = member_lines(&text, t);
                for m in table
                    .get(t)
                    .and_then(|v| v.as_array())
                    .into_iter()
                    .flatten()
                {
                    let Some(m) = m.as_table() else { continue };
                    if let Some(reason) = m.get("deprecated").and_then(|d| d.as_str()) {
                        let name = m.get("name").and_then(|n| n.as_str()).unwrap_or_default();
                        let line = lines.get(name).copied().unwrap_or(1);
                        report
                            .deprecated
                            .push(format!("{display}:{line}: {t} {name}: {reason}"));
                    }
                    if has_doc(m) {
                        continue;
                    }
                    let name = m
                        .get("name")
                        .or_else(|| m.get("value"))
                        .map(|n| n.to_string().trim_matches('"').to_owned())
                        .unwrap_or_default();
                    let line = lines.get(&name).copied().unwrap_or(1);
                    report
                        .undocumented
                        .push(format!("{display}:{line}: {t} {name}"));
                }
            }
        }
    }
}

fn has_doc(t: &toml::Table) -> bool {
    t.get("doc")
        .and_then(|d| d.as_str())
        .is_some_and(|d| !d.trim().is_empty())
}

/// The line (1-based) of each `[[table]]` entry's `name = "..."` in `text`.
fn member_lines(text: &str, table: &str) -> std::collections::HashMap<String, usize> {
    let header = format!("[[{table}]]");
    let mut out = std::collections::HashMap::new();
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.starts_with('[') {
            inside = l == header;
            continue;
        }
        if !inside {
            continue;
        }
        for key in ["name", "value"] {
            if let Some(rest) = l.strip_prefix(key) {
                if let Some(v) = rest.trim_start().strip_prefix('=') {
                    out.entry(v.trim().trim_matches('"').to_owned())
                        .or_insert(i + 1);
                }
            }
        }
    }
    out
}

fn type_header(name: &str, usage: Option<&str>) -> String {
    let mut h = String::new();
    let _ = writeln!(
        h,
        "# Imported from the service's API description; add documentation and rules by hand."
    );
    let _ = writeln!(h, "name = {}", quote(name));
    let rust = naming::type_name(name, None);
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
    let _ = writeln!(
        h,
        "# Guessed from the action's name: one of the groups of service.toml."
    );
    let _ = writeln!(h, "group = {}", quote(guess_group(name)));
    if action.status == "deprecated" {
        let _ = writeln!(
            h,
            "deprecated = \"The service has deprecated this action.\""
        );
    }
    h
}

/// The action group a name suggests (the groups `spec/service.toml`
/// declares); the maintainer reviews it like `idempotent`.
fn guess_group(name: &str) -> &'static str {
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    if name.contains("MultiFlowSignQRCode") {
        "qr"
    } else if has(&["Bill"]) {
        "billing"
    } else if has(&[
        "ContractReview",
        "ContractComparison",
        "ContractDiff",
        "InformationExtraction",
        "DraftContract",
        "RiskIdentification",
    ]) {
        "ai"
    } else if has(&[
        "UploadFiles",
        "FileUrls",
        "Convert",
        "TaskResult",
        "VerifyPdf",
        "VerifyDigit",
        "DigitalDataSign",
        "FileCounterSign",
    ]) {
        "files"
    } else if name == "DescribeFlowTemplates" || name == "OperateTemplate" {
        "templates"
    } else if has(&[
        "UserAutoSign",
        "UserVerify",
        "UserMobile",
        "UserName",
        "UserFlowType",
        "Person",
        "RenewAutoSignLicense",
        "SignFaceVideo",
    ]) {
        "personal"
    } else if has(&[
        "Integration",
        "Organization",
        "Seal",
        "Employee",
        "SingleSignOn",
        "Partner",
        "ExtendedService",
        "Admin",
        "WebTheme",
        "ApplicationCallbackInfo",
        "ThirdPartyAuthCode",
        "EmbedWebUrl",
        "RequestWithEncryption",
    ]) {
        "organization"
    } else {
        "flows"
    }
}

/// Actions whose names say they only read.
const READ_ONLY_PREFIXES: &[&str] = &["Describe", "Get", "Query", "Verify", "List", "Check"];

/// The `[[table]]` entries already in `text`, by wire name.
fn existing_members(text: &str, table: &str) -> Result<Vec<(String, toml::Table)>, String> {
    let value: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(value
        .get(table)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|m| {
                    let t = m.as_table()?;
                    Some((t.get("name")?.as_str()?.to_string(), t.clone()))
                })
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
    enums: &std::collections::BTreeMap<String, String>,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    merge_tables(path, header, &[(table, members, side)], enums, report)
}

fn merge_action(
    path: &Path,
    header: &str,
    inputs: &[&ApiMember],
    outputs: &[&ApiMember],
    enums: &std::collections::BTreeMap<String, String>,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    merge_tables(
        path,
        header,
        &[
            ("input", inputs, Side::Input),
            ("output", outputs, Side::Output),
        ],
        enums,
        report,
    )
}

/// The spec's type for a described member.
fn spec_type(m: &ApiMember) -> String {
    match m.member.as_str() {
        "int" => "int64".to_string(),
        other => other.to_string(),
    }
}

/// Whether the described member is required on its side.
fn described_required(m: &ApiMember, side: Side) -> bool {
    match side {
        Side::Input | Side::Both => m.required,
        Side::Output => m.output_required && !m.value_allowed_null,
    }
}

/// Reports how an existing member differs from its description.
#[allow(clippy::too_many_arguments)]
fn compare_member(
    at: &str,
    table: &str,
    have: &toml::Table,
    m: &ApiMember,
    side: Side,
    enums: &std::collections::BTreeMap<String, String>,
    report: &mut ImportReport,
) {
    let ty = have.get("type").and_then(|t| t.as_str()).unwrap_or("");
    let described = spec_type(m);
    // A member may use one of the spec's enumerations of the same wire type.
    let same_type = ty == described || enums.get(ty).is_some_and(|repr| *repr == described);
    if !same_type {
        report.changed.push(format!(
            "{at}: {table} {}: type `{ty}` here, `{described}` in the description",
            m.name
        ));
    }
    let list = have.get("list").and_then(|l| l.as_bool()).unwrap_or(false);
    if list != (m.kind == "list") {
        report.changed.push(format!(
            "{at}: {table} {}: {} here, {} in the description",
            m.name,
            if list { "a list" } else { "not a list" },
            if m.kind == "list" {
                "a list"
            } else {
                "not a list"
            },
        ));
    }
    let required = have.get("required").and_then(|l| l.as_bool());
    let wanted = described_required(m, side);
    // An explicit `required = false` is a reviewed decision (a member the
    // description calls always present that the service omits at times).
    let reviewed = required == Some(false);
    let required = required.unwrap_or(false);
    if required != wanted && !reviewed {
        report.changed.push(format!(
            "{at}: {table} {}: {} here, {} in the description",
            m.name,
            if required { "required" } else { "optional" },
            if wanted { "required" } else { "optional" },
        ));
    }
    if m.disabled && !have.contains_key("deprecated") {
        report.newly_deprecated.push(format!(
            "{at}: {table} {}: disabled by the service; add `deprecated`",
            m.name
        ));
    }
}

fn merge_tables(
    path: &Path,
    header: &str,
    tables: &[(&str, &[&ApiMember], Side)],
    enums: &std::collections::BTreeMap<String, String>,
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
                let have = existing_members(&existing, table).map_err(|e| {
                    ImportError(format!("{display} is not valid TOML, fix it first: {e}"))
                })?;
                let lines = member_lines(&existing, table);
                let at = |name: &str| match lines.get(name) {
                    Some(l) => format!("{display}:{l}"),
                    None => display.clone(),
                };
                let described: BTreeSet<&str> = members.iter().map(|m| m.name.as_str()).collect();
                for (name, _) in &have {
                    if !described.contains(name.as_str()) {
                        report
                            .disappeared
                            .push(format!("{}: {table} {name}", at(name)));
                    }
                }
                for m in *members {
                    if let Some((_, spec)) = have.iter().find(|(h, _)| h == &m.name) {
                        compare_member(&at(&m.name), table, spec, m, *side, enums, report);
                    } else {
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
            // "BLACK黑色": a value followed by its label, without a space.
            let v = match v.find(|c: char| !c.is_ascii()) {
                Some(cut) if cut > 0 => v[..cut].trim_end(),
                _ => v,
            };
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

//! Semantic checks: everything a spec can get wrong after it parsed.
//!
//! Every check runs and all problems are returned together. A spec with none
//! becomes the resolved [`Model`]: each check that can fail also yields the
//! value it approved (a length as a count, a `retry` as a [`RetryClass`], a
//! type name as the structure or enumeration it names), so emission reads
//! exactly what was checked.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::diag::{Diagnostic, FileId, Location};
use crate::model::{loc, ActionDef, Member, Prim, Sp, Spec, TypeDef};
use crate::naming::{self, ActionNames};
use crate::resolved::{
    self, Action, ActionErrors, Bound, Catalogue, DefaultValue, Direction, EnumId, EnumRepr,
    EnumValue, Enumeration, ErrorCode, ErrorId, Format, Group, Host, MemberDefault, MemberType,
    Model, Number, RetryClass, Service, StructId, Structure, TypeId, TypeName, ValueId, WireValue,
};

/// The retry classes an error code may have.
pub const RETRY_CLASSES: &[&str] = &[
    RetryClass::Never.as_str(),
    RetryClass::Throttling.as_str(),
    RetryClass::Transient.as_str(),
    RetryClass::Resign.as_str(),
];
/// The values of a type's `usage`.
pub const USAGES: &[&str] = &[
    Direction::Sent.usage(),
    Direction::Received.usage(),
    Direction::Both.usage(),
];
/// The string formats a member may require.
pub const FORMATS: &[&str] = &[Format::Base64.as_str(), Format::Digits.as_str()];

/// Runs every check on `spec` and resolves it.
///
/// `Err` holds every problem found. It is empty only for a spec that is
/// [partial](crate::model::Partial): loading reported why, and what
/// depends on the files that did not parse is not reported again.
pub fn check(spec: &Spec) -> Result<Model, Vec<Diagnostic>> {
    let mut c = Checker::new(spec);
    let errors = c.errors();
    let service = if spec.partial.service {
        None
    } else {
        c.service(&errors)
    };
    let (structures, enumerations) = c.types();
    let actions = c.actions(&errors);
    if !c.diags.is_empty() || !spec.partial.is_empty() {
        return Err(c.diags);
    }
    // Every value is resolved once nothing was reported: a check that
    // yields no value reports why.
    let resolved = (|| {
        let mut service = service?;
        let mut structures: Vec<Structure> = structures.into_iter().collect::<Option<_>>()?;
        let enumerations = enumerations.into_iter().collect::<Option<_>>()?;
        let actions: Vec<Action> = actions.into_iter().collect::<Option<_>>()?;
        let types = c.slots.iter().copied().collect::<Option<_>>()?;
        service.action_hosts = action_hosts(&actions);
        assign_directions(&mut structures, &actions);
        Some(Model {
            service,
            errors,
            types,
            structures,
            enumerations,
            actions,
        })
    })();
    resolved.ok_or(c.diags)
}

/// The hosts that serve particular actions, sorted, each pair once.
fn action_hosts(actions: &[Action]) -> Vec<Host> {
    let hosts: BTreeSet<&Host> = actions.iter().filter_map(|a| a.host.as_ref()).collect();
    hosts.into_iter().cloned().collect()
}

/// Sets each structure's direction: the usage it declares, plus sent when a
/// request reaches it (through members of members) and received when a
/// response does.
fn assign_directions(structures: &mut [Structure], actions: &[Action]) {
    let sent = reachable(
        structures,
        actions.iter().flat_map(|a| &a.input),
        Direction::is_sent,
    );
    let received = reachable(
        structures,
        actions.iter().flat_map(|a| &a.output),
        Direction::is_received,
    );
    for ((s, sent), received) in structures.iter_mut().zip(sent).zip(received) {
        s.direction = Direction::from_flags(sent, received);
    }
}

/// Which structures, by index, the types of `members` reach through members
/// of members, or the structures whose declared usage is `declared`.
fn reachable<'m>(
    structures: &[Structure],
    members: impl Iterator<Item = &'m resolved::Member>,
    declared: fn(Direction) -> bool,
) -> Vec<bool> {
    let mut stack: Vec<StructId> = members.filter_map(|m| m.ty.structure()).collect();
    stack.extend(
        (0..structures.len())
            .map(StructId)
            .filter(|&id| structures[id.0].usage.is_some_and(declared)),
    );
    let mut seen = vec![false; structures.len()];
    while let Some(id) = stack.pop() {
        if !seen[id.0] {
            seen[id.0] = true;
            stack.extend(
                structures[id.0]
                    .members
                    .iter()
                    .filter_map(|m| m.ty.structure()),
            );
        }
    }
    seen
}

struct Checker<'a> {
    spec: &'a Spec,
    diags: Vec<Diagnostic>,
    /// What each of `spec.types` becomes, by index (`None`: unknown kind).
    slots: Vec<Option<TypeId>>,
    /// The Rust name of each of `spec.types`, by index.
    type_names: Vec<String>,
    /// The Rust names of each of `spec.actions`, by index.
    action_names: Vec<ActionNames>,
}

/// Where a member lives, for messages and for the rules that differ.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Input,
    Output,
    Struct,
}

impl<'a> Checker<'a> {
    fn new(spec: &'a Spec) -> Self {
        let (mut structs, mut enums) = (0, 0);
        let slots = spec
            .types
            .iter()
            .map(|t| match t.kind.as_ref().map(|k| k.get_ref().as_str()) {
                None | Some("struct") => {
                    structs += 1;
                    Some(TypeId::Structure(StructId(structs - 1)))
                }
                Some("enum") => {
                    enums += 1;
                    Some(TypeId::Enumeration(EnumId(enums - 1)))
                }
                Some(_) => None,
            })
            .collect();
        let type_names = spec
            .types
            .iter()
            .map(|t| {
                naming::type_name(
                    t.name.get_ref(),
                    t.rust_name.as_ref().map(|n| n.get_ref().as_str()),
                )
            })
            .collect();
        let action_names = spec
            .actions
            .iter()
            .map(|a| naming::action_names(a.name.get_ref()))
            .collect();
        Self {
            spec,
            diags: Vec::new(),
            slots,
            type_names,
            action_names,
        }
    }

    fn err(&mut self, at: Location, msg: impl Into<String>, expected: impl Into<String>) {
        self.diags.push(Diagnostic::at(at, msg).expected(expected));
    }

    fn first_defined(&self, at: &Location) -> String {
        let f = self.spec.sources.get(at.file);
        let (l, c) = f.line_col(at.span.start);
        format!("first defined at {}:{l}:{c}", f.path.display())
    }

    fn service(&mut self, catalogue: &Catalogue) -> Option<Service> {
        let s = &self.spec.service;
        let file = self.spec.service_file;
        let v = s.version.get_ref();
        let ok = v.len() == 10
            && v.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        let version = if ok {
            Some(v.clone())
        } else {
            self.err(
                loc(file, &s.version),
                format!("invalid API version `{v}`"),
                "a date such as \"2020-11-11\"",
            );
            None
        };
        let name = if naming::is_ident(s.name.get_ref()) {
            Some(s.name.get_ref().clone())
        } else {
            self.err(
                loc(file, &s.name),
                format!("invalid service name `{}`", s.name.get_ref()),
                "a short lower-case name such as \"ess\"",
            );
            None
        };
        let endpoint = if s.endpoint.get_ref().is_empty() || s.endpoint.get_ref().contains('/') {
            self.err(
                loc(file, &s.endpoint),
                format!("invalid endpoint `{}`", s.endpoint.get_ref()),
                "a host name such as \"ess.tencentcloudapi.com\"",
            );
            None
        } else {
            Some(s.endpoint.get_ref().clone())
        };
        let test_endpoint = match &s.test_endpoint {
            Some(t) => self.host(file, t, "test endpoint").map(Some),
            None => Some(None),
        };
        let common_errors = self.code_list(file, &s.common_errors, "common error", catalogue);
        let mut groups: Vec<Group> = Vec::new();
        for g in &s.groups {
            let n = g.name.get_ref();
            let valid = !n.is_empty()
                && n.starts_with(|c: char| c.is_ascii_lowercase())
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !valid || ["full", "server", "axum", "redis", "default"].contains(&n.as_str()) {
                self.err(
                    loc(file, &g.name),
                    format!("invalid group name `{n}`"),
                    "a cargo feature name of lower-case letters, digits and `-`, other than `full`, `server`, `axum`, `redis` and `default`",
                );
            } else if groups.iter().any(|x| &x.name == n) {
                self.err(
                    loc(file, &g.name),
                    format!("group `{n}` is declared twice"),
                    "each group once",
                );
            } else if g.doc.trim().is_empty() {
                self.err(
                    loc(file, &g.name),
                    format!("group `{n}` has no `doc`"),
                    "a sentence on what the group's actions are for",
                );
            } else {
                groups.push(Group {
                    name: n.clone(),
                    doc: g.doc.trim().to_owned(),
                });
            }
        }
        let (name, endpoint) = (name?, endpoint?);
        Some(Service {
            title: s.title.clone().unwrap_or_else(|| name.clone()),
            test_endpoint: test_endpoint?.unwrap_or_else(|| endpoint.clone()),
            name,
            version: version?,
            endpoint,
            common_errors: common_errors?,
            action_hosts: Vec::new(),
            groups,
        })
    }

    /// Checks that `h` is a bare host name.
    fn host(&mut self, file: FileId, h: &Sp<String>, what: &str) -> Option<String> {
        let v = h.get_ref();
        let ok = !v.is_empty()
            && v.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if ok {
            Some(v.clone())
        } else {
            self.err(
                loc(file, h),
                format!("invalid {what} `{v}`"),
                "a lower-case host name such as \"file.ess.tencent.cn\"",
            );
            None
        }
    }

    /// Checks that each code is in the catalogue and listed once.
    fn code_list(
        &mut self,
        file: FileId,
        codes: &[Sp<String>],
        what: &str,
        catalogue: &Catalogue,
    ) -> Option<Vec<ErrorId>> {
        let mut seen: HashMap<&str, Location> = HashMap::new();
        let mut ids = Some(Vec::with_capacity(codes.len()));
        for code in codes {
            let at = loc(file, code);
            if let Some(first) = seen.get(code.get_ref().as_str()) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(at, format!("{what} `{}` is listed twice", code.get_ref()))
                        .expected("each code once")
                        .note(note),
                );
                ids = None;
                continue;
            }
            seen.insert(code.get_ref(), at.clone());
            if !self.spec.partial.catalogue && self.spec.find_error(code.get_ref()).is_none() {
                let mut d = Diagnostic::at(
                    at,
                    format!("{what} `{}` is not in the error catalogue", code.get_ref()),
                )
                .expected("a code defined in errors.toml");
                if let Some(hint) = self.closest_code(code.get_ref()) {
                    d = d.note(format!("did you mean `{hint}`?"));
                }
                self.diags.push(d);
            }
            // A code the catalogue lacks was reported above, or its entry
            // (or the whole file) was.
            match (ids.as_mut(), catalogue.get(code.get_ref())) {
                (Some(ids), Some(id)) => ids.push(id),
                _ => ids = None,
            }
        }
        ids
    }

    /// Checks the catalogue and returns its sound entries.
    fn errors(&mut self) -> Catalogue {
        let file = self.spec.errors_file;
        let mut codes: HashMap<&str, Location> = HashMap::new();
        let mut variants: HashMap<String, (String, Location)> = HashMap::new();
        let mut entries = Vec::new();
        for e in &self.spec.errors {
            let code = e.code.get_ref();
            let at = loc(file, &e.code);
            let valid = !code.is_empty()
                && code.split('.').all(|p| {
                    naming::is_ident(p) && p.starts_with(|c: char| c.is_ascii_alphabetic())
                });
            if !valid {
                self.err(
                    at.clone(),
                    format!("invalid error code `{code}`"),
                    "dot-separated names such as \"FailedOperation.QrCodeTemplateId\"",
                );
                continue;
            }
            if let Some(first) = codes.get(code.as_str()) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(at, format!("error code `{code}` is defined twice"))
                        .expected("each code once")
                        .note(note),
                );
                continue;
            }
            codes.insert(code, at.clone());
            let doc = match e.doc.as_deref() {
                Some(d) if !d.trim().is_empty() => Some(d.to_owned()),
                _ => {
                    self.err(
                        at.clone(),
                        format!("error code `{code}` has no doc"),
                        "`doc = \"...\"`: what the code means for a caller, in this project's words",
                    );
                    None
                }
            };
            let variant = naming::code_variant(code);
            if let Some((other, first)) = variants.get(&variant) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(
                        at.clone(),
                        format!("error code `{code}` and `{other}` both become the Rust variant `{variant}`"),
                    )
                    .expected("codes that stay distinct after case conversion")
                    .note(note),
                );
            } else {
                variants.insert(variant.clone(), (code.clone(), at));
            }
            let retry = match &e.retry {
                None => Some(RetryClass::default()),
                Some(r) => {
                    let class = RetryClass::parse(r.get_ref());
                    if class.is_none() {
                        self.err(
                            loc(file, r),
                            format!("unknown retry class `{}`", r.get_ref()),
                            format!("one of {}", quoted(RETRY_CLASSES)),
                        );
                    }
                    class
                }
            };
            if let (Some(doc), Some(retry)) = (doc, retry) {
                entries.push(ErrorCode {
                    code: code.clone(),
                    constant: naming::code_const(code),
                    variant,
                    retry,
                    doc,
                });
            }
        }
        Catalogue::new(entries)
    }

    /// Checks that `file`'s stem matches the name inside.
    fn file_name(&mut self, file: FileId, name: &Sp<String>) {
        let path = &self.spec.sources.get(file).path;
        let stem = Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("");
        if stem != name.get_ref() {
            self.err(
                loc(file, name),
                format!(
                    "`{}` is defined in a file named `{stem}.toml`",
                    name.get_ref()
                ),
                format!("the file to be named `{}.toml`", name.get_ref()),
            );
        }
    }

    /// Rust names every type and action claims, to find collisions.
    fn claimed_names(&self) -> BTreeMap<String, Vec<(String, Location)>> {
        let mut names: BTreeMap<String, Vec<(String, Location)>> = BTreeMap::new();
        for (t, rust) in self.spec.types.iter().zip(&self.type_names) {
            let at = loc(t.file, t.rust_name.as_ref().unwrap_or(&t.name));
            let what = format!("type `{}`", t.name.get_ref());
            names
                .entry(rust.clone())
                .or_default()
                .push((what.clone(), at.clone()));
            if !t.is_enum() {
                names
                    .entry(naming::builder_name(rust))
                    .or_default()
                    .push((format!("the builder of {what}"), at));
            }
        }
        for (a, action_names) in self.spec.actions.iter().zip(&self.action_names) {
            let at = loc(a.file, &a.name);
            for item in action_names.items() {
                names.entry(item.to_owned()).or_default().push((
                    format!("the generated `{item}` of action `{}`", a.name.get_ref()),
                    at.clone(),
                ));
            }
        }
        names
    }

    /// Checks every shared type, and resolves the structures and the
    /// enumerations (by [`StructId`] and [`EnumId`] order).
    fn types(&mut self) -> (Vec<Option<Structure>>, Vec<Option<Enumeration>>) {
        let mut structures = Vec::new();
        let mut enumerations = Vec::new();
        let mut seen: HashMap<&str, Location> = HashMap::new();
        for (i, t) in self.spec.types.iter().enumerate() {
            let at = loc(t.file, &t.name);
            self.file_name(t.file, &t.name);
            if let Some(first) = seen.get(t.name.get_ref().as_str()) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(
                        at.clone(),
                        format!("type `{}` is defined twice", t.name.get_ref()),
                    )
                    .expected("each type once")
                    .note(note),
                );
            }
            seen.insert(t.name.get_ref(), at);
            let rust = self.type_names[i].clone();
            let name_at = loc(t.file, t.rust_name.as_ref().unwrap_or(&t.name));
            if !naming::is_ident(&rust) || naming::is_keyword(&rust) {
                self.err(
                    name_at,
                    format!("type name `{rust}` is not a usable Rust identifier"),
                    "a name of letters and digits that is not a Rust keyword (set `rust_name`)",
                );
            } else if naming::RESERVED_TYPE_NAMES.contains(&rust.as_str()) {
                self.err(
                    name_at,
                    format!("type name `{rust}` collides with a standard or SDK name"),
                    "a distinct Rust name: add `rust_name = \"...\"` to the type",
                );
            }
            let name = TypeName {
                wire: t.name.get_ref().clone(),
                rust,
            };
            match self.slots[i] {
                Some(TypeId::Structure(_)) => structures.push(self.struct_type(t, name)),
                Some(TypeId::Enumeration(_)) => enumerations.push(self.enum_type(t, name)),
                None => {
                    if let Some(k) = &t.kind {
                        self.err(
                            loc(t.file, k),
                            format!("unknown kind `{}`", k.get_ref()),
                            "\"struct\" or \"enum\"",
                        );
                    }
                }
            }
        }
        let claimed = self.claimed_names();
        for (rust, owners) in &claimed {
            // A clash of two types implies a clash of their builders: report it once.
            let implied = rust
                .strip_suffix(naming::BUILDER_SUFFIX)
                .is_some_and(|base| claimed.get(base).is_some_and(|o| o.len() > 1));
            if owners.len() > 1 && !implied {
                let (first_what, first_at) = owners[0].clone();
                for (what, at) in &owners[1..] {
                    let note = format!("{first_what}: {}", self.first_defined(&first_at));
                    self.diags.push(
                        Diagnostic::at(
                            at.clone(),
                            format!("{what} and {first_what} both need the Rust name `{rust}`"),
                        )
                        .expected("distinct Rust names (set `rust_name` on the type)")
                        .note(note),
                    );
                }
            }
        }
        (structures, enumerations)
    }

    fn struct_type(&mut self, t: &TypeDef, name: TypeName) -> Option<Structure> {
        let usage = match &t.usage {
            None => Some(None),
            Some(u) => match Direction::parse_usage(u.get_ref()) {
                None => {
                    self.err(
                        loc(t.file, u),
                        format!("unknown usage `{}`", u.get_ref()),
                        format!("one of {}", quoted(USAGES)),
                    );
                    None
                }
                Some(Direction::Sent) if t.keep_unknown => {
                    self.err(
                        loc(t.file, u),
                        "`keep_unknown` applies to received types, but this type is only sent",
                        "`usage = \"out\"` or `\"both\"`, or no `keep_unknown`",
                    );
                    None
                }
                Some(d) => Some(Some(d)),
            },
        };
        if t.keep_unknown
            && t.members.iter().any(|m| {
                naming::field_name(
                    m.name.get_ref(),
                    m.rust_name.as_ref().map(|n| n.get_ref().as_str()),
                ) == naming::EXTRA_FIELD
            })
        {
            self.err(
                loc(t.file, &t.name),
                "`keep_unknown` adds a field `extra`, which a member already uses",
                "a `rust_name` for that member",
            );
        }
        if let Some(r) = &t.repr {
            self.err(
                loc(t.file, r),
                "`type` is only for enumerations",
                "no `type` on a struct (or `kind = \"enum\"`)",
            );
        }
        if let Some(v) = t.values.first() {
            self.err(
                loc(t.file, &v.value),
                "a struct cannot have `[[value]]` entries",
                "`[[member]]` entries (or `kind = \"enum\"`)",
            );
        }
        let members = self.members(t.file, &t.members, Place::Struct);
        Some(Structure {
            name,
            doc: t.doc.clone().unwrap_or_default(),
            usage: usage?,
            // Set once every action is resolved.
            direction: None,
            keep_unknown: t.keep_unknown,
            members: members?,
        })
    }

    fn enum_type(&mut self, t: &TypeDef, name: TypeName) -> Option<Enumeration> {
        let repr = match &t.repr {
            None => {
                self.err(
                    loc(t.file, &t.name),
                    format!("enumeration `{}` has no wire type", t.name.get_ref()),
                    "`type = \"string\"`, `\"int64\"` or `\"uint64\"`",
                );
                return None;
            }
            Some(r) => match Prim::parse(r.get_ref()) {
                Some(Prim::String) => EnumRepr::String,
                Some(Prim::Int64) => EnumRepr::Int64,
                Some(Prim::Uint64) => EnumRepr::Uint64,
                _ => {
                    self.err(
                        loc(t.file, r),
                        format!(
                            "`{}` cannot be the wire type of an enumeration",
                            r.get_ref()
                        ),
                        "\"string\", \"int64\" or \"uint64\"",
                    );
                    return None;
                }
            },
        };
        if let Some(m) = t.members.first() {
            self.err(
                loc(t.file, &m.name),
                "an enumeration cannot have `[[member]]` entries",
                "`[[value]]` entries",
            );
        }
        if t.values.is_empty() {
            self.err(
                loc(t.file, &t.name),
                format!("enumeration `{}` has no values", t.name.get_ref()),
                "at least one `[[value]]`",
            );
        }
        let mut values: HashMap<String, Location> = HashMap::new();
        let mut variants: HashMap<String, Location> = HashMap::new();
        let mut resolved = Some(Vec::with_capacity(t.values.len()));
        for v in &t.values {
            let at = loc(t.file, &v.value);
            let wire = match (repr, v.value.get_ref()) {
                (EnumRepr::String, toml::Value::String(s)) => WireValue::String(s.clone()),
                (EnumRepr::Int64, toml::Value::Integer(i)) => WireValue::Int(*i),
                (EnumRepr::Uint64, toml::Value::Integer(i)) if *i >= 0 => WireValue::Int(*i),
                (_, other) => {
                    self.err(
                        at,
                        format!("value `{other}` does not match the enumeration's wire type"),
                        match repr {
                            EnumRepr::String => "a string",
                            EnumRepr::Int64 => "an integer",
                            EnumRepr::Uint64 => "a non-negative integer",
                        },
                    );
                    resolved = None;
                    continue;
                }
            };
            let key = wire.to_string();
            if let Some(first) = values.get(&key) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(at.clone(), format!("value `{key}` is listed twice"))
                        .expected("each value once")
                        .note(note),
                );
                resolved = None;
                continue;
            }
            values.insert(key.clone(), at.clone());
            let string_value = match &wire {
                WireValue::String(s) => Some(s.as_str()),
                WireValue::Int(_) => None,
            };
            let name = v.name.as_ref().map(|n| n.get_ref().as_str());
            let (variant, vat) = match naming::value_variant(name, string_value) {
                Some(variant) => {
                    let vat = v
                        .name
                        .as_ref()
                        .map_or_else(|| at.clone(), |n| loc(t.file, n));
                    (variant, vat)
                }
                None => {
                    self.err(
                        at,
                        format!("integer value `{key}` needs a variant name"),
                        "`name = \"...\"` beside the value",
                    );
                    resolved = None;
                    continue;
                }
            };
            if !naming::is_ident(&variant)
                || naming::is_keyword(&variant)
                || !variant.starts_with(|c: char| c.is_ascii_uppercase())
                || variant == "Unknown"
            {
                self.err(
                    vat.clone(),
                    format!("`{variant}` cannot be a variant name"),
                    "an UpperCamelCase identifier other than `Unknown` (set `name`)",
                );
                resolved = None;
            } else if let Some(first) = variants.get(&variant) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(
                        vat,
                        format!("two values become the Rust variant `{variant}`"),
                    )
                    .expected("distinct variant names (set `name`)")
                    .note(note),
                );
                resolved = None;
            } else {
                variants.insert(variant.clone(), vat);
                if let Some(r) = resolved.as_mut() {
                    r.push(EnumValue {
                        wire,
                        variant,
                        doc: v.doc.clone(),
                        deprecated: v.deprecated.as_ref().map(|d| d.get_ref().clone()),
                    });
                }
            }
        }
        let values = resolved?;
        // An enumeration without values was reported above.
        let default_variant = values.first()?.variant.clone();
        Some(Enumeration {
            name,
            doc: t.doc.clone().unwrap_or_default(),
            repr,
            values,
            default_variant,
        })
    }

    fn actions(&mut self, catalogue: &Catalogue) -> Vec<Option<Action>> {
        let mut seen: HashMap<&str, Location> = HashMap::new();
        let mut modules: HashMap<String, (String, Location)> = HashMap::new();
        let mut actions = Vec::with_capacity(self.spec.actions.len());
        let spec = self.spec;
        for (a, names) in spec.actions.iter().zip(self.action_names.clone()) {
            let at = loc(a.file, &a.name);
            self.file_name(a.file, &a.name);
            // An all-underscore name is an identifier whose module name is empty.
            if !naming::is_ident(a.name.get_ref()) || names.module.is_empty() {
                self.err(
                    at.clone(),
                    format!("invalid action name `{}`", a.name.get_ref()),
                    "a PascalCase name such as \"CreateMultiFlowSignQRCode\"",
                );
                actions.push(None);
                continue;
            }
            if let Some(first) = seen.get(a.name.get_ref().as_str()) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(
                        at.clone(),
                        format!("action `{}` is defined twice", a.name.get_ref()),
                    )
                    .expected("each action once")
                    .note(note),
                );
                actions.push(None);
                continue;
            }
            seen.insert(a.name.get_ref(), at.clone());
            let module = &names.module;
            if let Some((other, first)) = modules.get(module.as_str()) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(
                        at.clone(),
                        format!(
                            "actions `{}` and `{other}` both become the module `{module}`",
                            a.name.get_ref()
                        ),
                    )
                    .expected("action names that stay distinct after case conversion")
                    .note(note),
                );
            } else {
                modules.insert(module.clone(), (a.name.get_ref().clone(), at.clone()));
            }
            let rate_limit = match &a.rate_limit {
                None => Some(None),
                Some(r) => match u32::try_from(*r.get_ref()) {
                    Ok(limit) if limit > 0 => Some(Some(limit)),
                    _ => {
                        self.err(
                            loc(a.file, r),
                            format!("rate limit {} is out of range", r.get_ref()),
                            "a positive number of requests per second",
                        );
                        None
                    }
                },
            };
            let mut hosts = [Some(None), Some(None)];
            for (i, (h, what)) in [(&a.host, "host"), (&a.test_host, "test host")]
                .into_iter()
                .enumerate()
            {
                if let Some(h) = h {
                    hosts[i] = self.host(a.file, h, what).map(Some);
                }
            }
            if let (Some(t), None) = (&a.test_host, &a.host) {
                self.err(
                    loc(a.file, t),
                    "a test host without a production host",
                    "`host` set as well, or no `test_host`",
                );
            }
            let declared: Vec<&str> = self
                .spec
                .service
                .groups
                .iter()
                .map(|g| g.name.get_ref().as_str())
                .collect();
            // Groups are optional for a spec that declares none; once it
            // declares some, every action names one.
            let group = match &a.group {
                Some(g) if declared.contains(&g.get_ref().as_str()) => {
                    Some(Some(g.get_ref().clone()))
                }
                Some(g) => {
                    let msg = format!("unknown group `{}`", g.get_ref());
                    let expected = if declared.is_empty() {
                        "a group declared in service.toml (`[[service.groups]]`)".to_owned()
                    } else {
                        format!(
                            "one of the groups declared in service.toml: {}",
                            declared.join(", ")
                        )
                    };
                    self.err(loc(a.file, g), msg, expected);
                    None
                }
                None if declared.is_empty() => Some(None),
                None => {
                    let expected = format!(
                        "`group = \"...\"`, one of the groups declared in service.toml: {}",
                        declared.join(", ")
                    );
                    self.err(
                        loc(a.file, &a.name),
                        format!("action `{}` has no group", a.name.get_ref()),
                        expected,
                    );
                    None
                }
            };
            let own_errors = self.code_list(a.file, &a.errors, "error code", catalogue);
            let input = self.members(a.file, &a.input, Place::Input);
            let output = self.members(a.file, &a.output, Place::Output);
            for m in &a.output {
                if m.name.get_ref() == naming::REQUEST_ID_WIRE {
                    self.err(
                        loc(a.file, &m.name),
                        "`RequestId` is part of every response and must not be listed",
                        "only the action's own output members",
                    );
                }
            }
            self.action_extra(a);
            actions.push((|| {
                let [host, test_host] = hosts;
                let (host, test_host) = (host?, test_host?);
                let own_errors = own_errors?;
                let errors = if own_errors.is_empty() {
                    ActionErrors::ServiceWide
                } else {
                    let own: BTreeSet<ErrorId> = own_errors.into_iter().collect();
                    ActionErrors::Own(own.into_iter().collect())
                };
                Some(Action {
                    wire: a.name.get_ref().clone(),
                    group: group?,
                    names,
                    title: a.title.clone(),
                    doc: a.doc.clone().unwrap_or_default(),
                    rate_limit: rate_limit?,
                    idempotent: *a.idempotent.get_ref(),
                    deprecated: a.deprecated.as_ref().map(|d| d.get_ref().clone()),
                    host: host.map(|production| Host {
                        test: test_host.unwrap_or_else(|| production.clone()),
                        production,
                    }),
                    errors,
                    input: input?,
                    output: output?,
                })
            })());
        }
        actions
    }

    fn action_extra(&mut self, a: &ActionDef) {
        if a.title.as_deref().is_some_and(str::is_empty) {
            self.err(
                loc(a.file, &a.name),
                "the action's `title` is empty",
                "the service's short title, or no `title` key",
            );
        }
    }

    fn members(
        &mut self,
        file: FileId,
        members: &[Member],
        place: Place,
    ) -> Option<Vec<resolved::Member>> {
        let mut wire: HashMap<&str, Location> = HashMap::new();
        let mut rust: HashMap<String, (String, Location)> = HashMap::new();
        let mut resolved = Some(Vec::with_capacity(members.len()));
        for m in members {
            let at = loc(file, &m.name);
            let name = m.name.get_ref();
            if !naming::is_ident(name) {
                self.err(
                    at.clone(),
                    format!("invalid member name `{name}`"),
                    "a PascalCase wire name",
                );
                resolved = None;
                continue;
            }
            if let Some(first) = wire.get(name.as_str()) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(at.clone(), format!("member `{name}` is defined twice"))
                        .expected("each member once")
                        .note(note),
                );
                resolved = None;
                continue;
            }
            wire.insert(name, at.clone());
            let field =
                naming::field_name(name, m.rust_name.as_ref().map(|n| n.get_ref().as_str()));
            let field_at = loc(file, m.rust_name.as_ref().unwrap_or(&m.name));
            let usable = if naming::is_unusable(&field) || !naming::is_ident(&field) {
                self.err(
                    field_at.clone(),
                    format!("member `{name}` becomes `{field}`, which cannot be a Rust field name"),
                    "a usable name: add `rust_name = \"...\"` to the member",
                );
                None
            } else if let Some((other, first)) = rust.get(&field) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(
                        field_at,
                        format!(
                            "members `{name}` and `{other}` both become the Rust field `{field}`"
                        ),
                    )
                    .expected("names that stay distinct after case conversion (set `rust_name`)")
                    .note(note),
                );
                None
            } else {
                rust.insert(field.clone(), (name.clone(), field_at));
                Some(field)
            };
            let member = self.member(file, m, place, usable);
            match (resolved.as_mut(), member) {
                (Some(r), Some(member)) => r.push(member),
                _ => resolved = None,
            }
        }
        resolved
    }

    /// Checks one member and resolves it; `field` is its Rust field name,
    /// `None` when that was reported.
    fn member(
        &mut self,
        file: FileId,
        m: &Member,
        place: Place,
        field: Option<String>,
    ) -> Option<resolved::Member> {
        let ty = m.ty.get_ref();
        let prim = Prim::parse(ty);
        let index = if prim.is_none() {
            self.spec.type_index(ty)
        } else {
            None
        };
        let target = index.map(|i| &self.spec.types[i]);
        if prim.is_none() && target.is_none() && self.spec.partial.unparsed_types.contains(ty) {
            // Its file did not parse, which was reported already.
            return None;
        }
        if prim.is_none() && target.is_none() {
            let hint = self.closest_type(ty);
            let mut d = Diagnostic::at(loc(file, &m.ty), format!("unknown type `{ty}`"))
                .expected("string, int64, uint64, float, bool, json, or a type defined in types/");
            if let Some(h) = hint {
                d = d.note(format!("a type named `{h}` exists"));
            }
            self.diags.push(d);
            return None;
        }
        // `None` for a type of unknown kind, reported with the type.
        let member_type = match (prim, index.and_then(|i| self.slots[i])) {
            (Some(p), _) => Some(MemberType::Prim(p)),
            (None, Some(TypeId::Structure(s))) => Some(MemberType::Structure(s)),
            (None, Some(TypeId::Enumeration(e))) => Some(MemberType::Enumeration(e)),
            (None, None) => None,
        };
        let enum_repr = match (member_type, target) {
            (Some(MemberType::Enumeration(e)), Some(t)) => t
                .repr
                .as_ref()
                .and_then(|r| Prim::parse(r.get_ref()))
                .map(|repr| (e, repr)),
            _ => None,
        };
        let is_string = prim == Some(Prim::String);
        let number_prim = prim.filter(|p| p.is_int() || *p == Prim::Float);
        let before = self.diags.len();

        // Rules marked as read from the official prose must exist.
        for rule in &m.extracted {
            let present = match rule.get_ref().as_str() {
                "default" => Some(m.default.is_some()),
                "min_chars" => Some(m.min_chars.is_some()),
                "max_chars" => Some(m.max_chars.is_some()),
                "min" => Some(m.min.is_some()),
                "max" => Some(m.max.is_some()),
                "values" => Some(m.values.is_some()),
                "min_items" => Some(m.min_items.is_some()),
                "max_items" => Some(m.max_items.is_some()),
                "format" => Some(m.format.is_some()),
                _ => None,
            };
            match present {
                None => self.err(
                    loc(file, rule),
                    format!("`{}` is not a rule key", rule.get_ref()),
                    "one of default, min_chars, max_chars, min, max, values, min_items, max_items, format",
                ),
                Some(false) => self.err(
                    loc(file, rule),
                    format!("rule `{}` is marked extracted but not set", rule.get_ref()),
                    "the rule key set on this member, or the mark removed",
                ),
                Some(true) => {}
            }
        }

        if let (Place::Output, Some(d)) = (place, &m.default) {
            self.err(
                loc(file, d),
                "a response member cannot have a default",
                "`default` only on request members",
            );
        }
        // Lengths: `Some(count)` once approved.
        let mut chars = [None, None];
        for (i, c) in [&m.min_chars, &m.max_chars].into_iter().enumerate() {
            let Some(c) = c else { continue };
            if !is_string {
                self.err(
                    loc(file, c),
                    format!("a length in characters does not apply to type `{ty}`"),
                    "`min_chars`/`max_chars` only on string members",
                );
            } else if let Ok(n) = u64::try_from(*c.get_ref()) {
                chars[i] = Some(n);
            } else {
                self.err(
                    loc(file, c),
                    format!("negative length {}", c.get_ref()),
                    "a length of 0 or more",
                );
            }
        }
        if let (Some(lo), Some(hi)) = (&m.min_chars, &m.max_chars) {
            if lo.get_ref() > hi.get_ref() {
                self.err(
                    loc(file, lo),
                    format!(
                        "min_chars {} is greater than max_chars {}",
                        lo.get_ref(),
                        hi.get_ref()
                    ),
                    "min_chars <= max_chars",
                );
            }
        }
        // Items.
        let mut items = [None, None];
        for (i, c) in [&m.min_items, &m.max_items].into_iter().enumerate() {
            let Some(c) = c else { continue };
            if !m.list {
                self.err(
                    loc(file, c),
                    "a count of elements applies only to lists",
                    "`list = true`, or no `min_items`/`max_items`",
                );
            } else if let Ok(n) = u64::try_from(*c.get_ref()) {
                items[i] = Some(n);
            } else {
                self.err(
                    loc(file, c),
                    format!("negative count {}", c.get_ref()),
                    "a count of 0 or more",
                );
            }
        }
        if let (Some(lo), Some(hi)) = (&m.min_items, &m.max_items) {
            if lo.get_ref() > hi.get_ref() {
                self.err(
                    loc(file, lo),
                    format!(
                        "min_items {} is greater than max_items {}",
                        lo.get_ref(),
                        hi.get_ref()
                    ),
                    "min_items <= max_items",
                );
            }
        }
        // Numeric range.
        let mut bounds: [Option<Bound>; 2] = [None, None];
        for (i, c) in [&m.min, &m.max].into_iter().enumerate() {
            let Some(c) = c else { continue };
            let Some(p) = number_prim else {
                self.err(
                    loc(file, c),
                    format!("a numeric bound does not apply to type `{ty}`"),
                    "`min`/`max` only on int64, uint64 or float members",
                );
                continue;
            };
            match number(c.get_ref(), p) {
                Some(value) => {
                    bounds[i] = Some(Bound {
                        value,
                        text: c.get_ref().to_string(),
                    })
                }
                None => self.err(
                    loc(file, c),
                    format!("bound `{}` does not fit type `{ty}`", c.get_ref()),
                    match p {
                        Prim::Float => "a number",
                        Prim::Uint64 => "a non-negative integer",
                        _ => "an integer",
                    },
                ),
            }
        }
        let range = bounds
            .each_ref()
            .map(|b| b.as_ref().map(|b| b.value.as_f64()));
        if let ([Some(lo), Some(hi)], Some(min)) = (range, &m.min) {
            if lo > hi {
                self.err(
                    loc(file, min),
                    format!("min {lo} is greater than max {hi}"),
                    "min <= max",
                );
            }
        }
        // Format.
        let mut format = None;
        if let Some(f) = &m.format {
            if !is_string {
                self.err(
                    loc(file, f),
                    format!("a format does not apply to type `{ty}`"),
                    "`format` only on string members",
                );
            } else if let Some(parsed) = Format::parse(f.get_ref()) {
                format = Some(parsed);
            } else {
                self.err(
                    loc(file, f),
                    format!("unknown format `{}`", f.get_ref()),
                    format!("one of {}", quoted(FORMATS)),
                );
            }
        }
        let mut values = None;
        if let Some(documented) = &m.values {
            let fits = |v: &toml::Value| match (prim, v) {
                (Some(Prim::String), toml::Value::String(_)) => true,
                (Some(p), v) if p.is_int() || p == Prim::Float => number(v, p).is_some(),
                (Some(Prim::Bool), toml::Value::Boolean(_)) => true,
                _ => false,
            };
            if prim.is_none() || prim == Some(Prim::Json) {
                self.err(
                    loc(file, documented),
                    format!("documented values do not apply to type `{ty}`"),
                    "`values` only on primitive members (or an enumeration type)",
                );
            } else if let Some(bad) = documented.get_ref().iter().find(|v| !fits(v)) {
                self.err(
                    loc(file, documented),
                    format!("value `{bad}` does not fit type `{ty}`"),
                    format!("values of type {ty}"),
                );
            } else {
                values = Some(
                    documented
                        .get_ref()
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                );
                if let Some(d) = &m.default {
                    if !documented.get_ref().contains(d.get_ref()) {
                        self.err(
                            loc(file, d),
                            format!(
                                "default `{}` is not one of the documented values",
                                d.get_ref()
                            ),
                            "a default listed in `values`",
                        );
                    }
                }
            }
        }
        if let Some(d) = &m.deprecated {
            if d.get_ref().trim().is_empty() {
                self.err(
                    loc(file, d),
                    "empty deprecation note",
                    "what to use instead",
                );
            }
        }
        // Default value.
        let mut default = None;
        if let (Some(d), Some(target)) = (&m.default, target) {
            if let Some((enumeration, repr)) = enum_repr {
                let key = match (repr, d.get_ref()) {
                    (Prim::String, toml::Value::String(s)) => Some(s.clone()),
                    (Prim::Int64 | Prim::Uint64, toml::Value::Integer(i)) => Some(i.to_string()),
                    _ => None,
                };
                let position = key.as_ref().and_then(|k| {
                    target.values.iter().position(|v| match v.value.get_ref() {
                        toml::Value::String(s) => s == k,
                        toml::Value::Integer(i) => &i.to_string() == k,
                        _ => false,
                    })
                });
                match position {
                    Some(index) => {
                        default = Some(DefaultValue::Variant(ValueId { enumeration, index }))
                    }
                    None => self.err(
                        loc(file, d),
                        format!("default `{}` is not a value of `{ty}`", d.get_ref()),
                        format!("one of the values listed in types/{ty}.toml"),
                    ),
                }
            } else {
                self.err(
                    loc(file, d),
                    format!("a default does not apply to structure type `{ty}`"),
                    "defaults only on primitive or enumeration members",
                );
            }
        }
        if let (Some(d), Some(p)) = (&m.default, prim) {
            if m.list {
                self.err(
                    loc(file, d),
                    "a list cannot have a default",
                    "no `default` on a list",
                );
                return None;
            }
            default = self.default_in_bounds(file, m, d, p, range);
        }
        if self.diags.len() > before {
            return None;
        }
        // Nothing was reported for this member: each rule that is set was
        // approved, so none of the `?` below returns.
        let field = field?;
        let default = approved(&m.default, default)?
            .zip(m.default.as_ref())
            .map(|(value, d)| MemberDefault {
                constant: naming::default_const(&field),
                value,
                text: d.get_ref().to_string(),
            });
        let [min, max] = bounds;
        Some(resolved::Member {
            wire: m.name.get_ref().clone(),
            setter: naming::setter_name(&field),
            field,
            ty: member_type?,
            list: m.list,
            required: m.required,
            doc: m.doc.clone().unwrap_or_default(),
            example: m.example.clone(),
            deprecated: m.deprecated.as_ref().map(|d| d.get_ref().clone()),
            default,
            min_chars: approved(&m.min_chars, chars[0])?,
            max_chars: approved(&m.max_chars, chars[1])?,
            min: approved(&m.min, min)?,
            max: approved(&m.max, max)?,
            min_items: approved(&m.min_items, items[0])?,
            max_items: approved(&m.max_items, items[1])?,
            format: approved(&m.format, format)?,
            values: approved(&m.values, values)?,
            sensitive: m.sensitive,
        })
    }

    /// Checks a primitive default against the member's rules, and types it.
    fn default_in_bounds(
        &mut self,
        file: FileId,
        m: &Member,
        d: &Sp<toml::Value>,
        p: Prim,
        bounds: [Option<f64>; 2],
    ) -> Option<DefaultValue> {
        let at = loc(file, d);
        match (p, d.get_ref()) {
            (Prim::Bool, toml::Value::Boolean(b)) => Some(DefaultValue::Bool(*b)),
            (Prim::String, toml::Value::String(s)) => {
                let n = s.chars().count() as i64;
                if m.min_chars.as_ref().is_some_and(|lo| n < *lo.get_ref())
                    || m.max_chars.as_ref().is_some_and(|hi| n > *hi.get_ref())
                {
                    self.err(
                        at,
                        format!("default \"{s}\" has {n} characters, outside the member's length"),
                        "a default that satisfies min_chars/max_chars",
                    );
                    return None;
                }
                Some(DefaultValue::String(s.clone()))
            }
            (Prim::Int64 | Prim::Uint64 | Prim::Float, v) => {
                let typed = match (p, v) {
                    (Prim::Int64, toml::Value::Integer(i)) => {
                        Some((*i as f64, DefaultValue::Int64(*i)))
                    }
                    (Prim::Uint64, toml::Value::Integer(i)) => u64::try_from(*i)
                        .ok()
                        .map(|u| (*i as f64, DefaultValue::Uint64(u))),
                    (Prim::Float, toml::Value::Integer(i)) => {
                        Some((*i as f64, DefaultValue::Float(*i as f64)))
                    }
                    (Prim::Float, toml::Value::Float(f)) if f.is_finite() => {
                        Some((*f, DefaultValue::Float(*f)))
                    }
                    _ => None,
                };
                let Some((n, value)) = typed else {
                    self.err(
                        at,
                        format!("default `{v}` does not fit type `{}`", m.ty.get_ref()),
                        "a number of the member's type",
                    );
                    return None;
                };
                if bounds[0].is_some_and(|lo| n < lo) || bounds[1].is_some_and(|hi| n > hi) {
                    self.err(
                        at,
                        format!("default {n} is outside the member's range"),
                        format!(
                            "a value within [{}, {}]",
                            bounds[0].map_or("-inf".into(), |b| b.to_string()),
                            bounds[1].map_or("inf".into(), |b| b.to_string())
                        ),
                    );
                    return None;
                }
                Some(value)
            }
            (_, v) => {
                self.err(
                    at,
                    format!("default `{v}` does not fit type `{}`", m.ty.get_ref()),
                    format!("a {} value", m.ty.get_ref()),
                );
                None
            }
        }
    }

    /// The catalogue code nearest to `code` (case, or two edits away).
    fn closest_code(&self, code: &str) -> Option<String> {
        let lower = code.to_ascii_lowercase();
        self.spec
            .errors
            .iter()
            .map(|e| e.code.get_ref())
            .filter(|c| c.to_ascii_lowercase() == lower || edit_distance(c, code) <= 2)
            .min_by_key(|c| edit_distance(c, code))
            .cloned()
    }

    fn closest_type(&self, name: &str) -> Option<String> {
        let lower = name.to_ascii_lowercase();
        self.spec
            .types
            .iter()
            .map(|t| t.name.get_ref())
            .find(|t| t.to_ascii_lowercase() == lower || edit_distance(t, name) <= 2)
            .cloned()
    }
}

/// The resolved value of a rule: `Some(None)` when the rule is not set,
/// `Some(Some(value))` when it was approved, `None` when it was reported.
fn approved<R, T>(rule: &Option<R>, value: Option<T>) -> Option<Option<T>> {
    match rule {
        None => Some(None),
        Some(_) => value.map(Some),
    }
}

/// A TOML number as written, if it fits `p` (a float must be finite).
fn number(v: &toml::Value, p: Prim) -> Option<Number> {
    match (v, p) {
        (toml::Value::Integer(i), Prim::Int64 | Prim::Float) => Some(Number::Int(*i)),
        (toml::Value::Integer(i), Prim::Uint64) if *i >= 0 => Some(Number::Int(*i)),
        (toml::Value::Float(f), Prim::Float) if f.is_finite() => Some(Number::Float(*f)),
        _ => None,
    }
}

fn quoted(list: &[&str]) -> String {
    list.iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

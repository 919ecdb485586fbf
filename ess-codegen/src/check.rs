//! Semantic checks: everything a spec can get wrong after it parsed.
//!
//! Every check runs; all problems are returned together.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::diag::{Diagnostic, FileId, Location};
use crate::model::{loc, ActionDef, Member, Prim, Sp, Spec, TypeDef};
use crate::naming;

/// The retry classes an error code may have.
pub const RETRY_CLASSES: &[&str] = &["never", "throttling", "transient", "resign"];
/// The values of a type's `usage`.
pub const USAGES: &[&str] = &["in", "out", "both"];
/// The string formats a member may require.
pub const FORMATS: &[&str] = &["base64", "digits"];

/// Runs every check on `spec`.
pub fn check(spec: &Spec) -> Vec<Diagnostic> {
    let mut c = Checker {
        spec,
        diags: Vec::new(),
    };
    if !spec.partial.service {
        c.service();
    }
    c.errors();
    c.types();
    c.actions();
    c.diags
}

struct Checker<'a> {
    spec: &'a Spec,
    diags: Vec<Diagnostic>,
}

/// Where a member lives, for messages and for the rules that differ.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Input,
    Output,
    Struct,
}

impl<'a> Checker<'a> {
    fn err(&mut self, at: Location, msg: impl Into<String>, expected: impl Into<String>) {
        self.diags.push(Diagnostic::at(at, msg).expected(expected));
    }

    fn first_defined(&self, at: &Location) -> String {
        let f = self.spec.sources.get(at.file);
        let (l, c) = f.line_col(at.span.start);
        format!("first defined at {}:{l}:{c}", f.path.display())
    }

    fn service(&mut self) {
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
        if !ok {
            self.err(
                loc(file, &s.version),
                format!("invalid API version `{v}`"),
                "a date such as \"2020-11-11\"",
            );
        }
        if !naming::is_ident(s.name.get_ref()) {
            self.err(
                loc(file, &s.name),
                format!("invalid service name `{}`", s.name.get_ref()),
                "a short lower-case name such as \"ess\"",
            );
        }
        if s.endpoint.get_ref().is_empty() || s.endpoint.get_ref().contains('/') {
            self.err(
                loc(file, &s.endpoint),
                format!("invalid endpoint `{}`", s.endpoint.get_ref()),
                "a host name such as \"ess.tencentcloudapi.com\"",
            );
        }
        if let Some(t) = &s.test_endpoint {
            self.host(file, t, "test endpoint");
        }
        self.code_list(file, &s.common_errors, "common error");
    }

    /// Checks that `h` is a bare host name.
    fn host(&mut self, file: FileId, h: &Sp<String>, what: &str) {
        let v = h.get_ref();
        let ok = !v.is_empty()
            && v.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if !ok {
            self.err(
                loc(file, h),
                format!("invalid {what} `{v}`"),
                "a lower-case host name such as \"file.ess.tencent.cn\"",
            );
        }
    }

    /// Checks that each code is in the catalogue and listed once.
    fn code_list(&mut self, file: FileId, codes: &[Sp<String>], what: &str) {
        let mut seen: HashMap<&str, Location> = HashMap::new();
        for code in codes {
            let at = loc(file, code);
            if let Some(first) = seen.get(code.get_ref().as_str()) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(at, format!("{what} `{}` is listed twice", code.get_ref()))
                        .expected("each code once")
                        .note(note),
                );
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
        }
    }

    fn errors(&mut self) {
        let file = self.spec.errors_file;
        let mut codes: HashMap<&str, Location> = HashMap::new();
        let mut variants: HashMap<String, (String, Location)> = HashMap::new();
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
            if e.doc.as_deref().is_none_or(|d| d.trim().is_empty()) {
                self.err(
                    at.clone(),
                    format!("error code `{code}` has no doc"),
                    "`doc = \"...\"`: what the code means for a caller, in this project's words",
                );
            }
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
                variants.insert(variant, (code.clone(), at));
            }
            if let Some(r) = &e.retry {
                if !RETRY_CLASSES.contains(&r.get_ref().as_str()) {
                    self.err(
                        loc(file, r),
                        format!("unknown retry class `{}`", r.get_ref()),
                        format!("one of {}", quoted(RETRY_CLASSES)),
                    );
                }
            }
        }
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
        for t in &self.spec.types {
            let rust = type_rust_name(t);
            let at = loc(t.file, t.rust_name.as_ref().unwrap_or(&t.name));
            let what = format!("type `{}`", t.name.get_ref());
            names
                .entry(rust.clone())
                .or_default()
                .push((what.clone(), at.clone()));
            if !t.is_enum() {
                names
                    .entry(format!("{rust}Builder"))
                    .or_default()
                    .push((format!("the builder of {what}"), at));
            }
        }
        for a in &self.spec.actions {
            let base = naming::type_name(a.name.get_ref());
            let at = loc(a.file, &a.name);
            for suffix in [
                "Input",
                "InputBuilder",
                "Output",
                "OutputBuilder",
                "Error",
                "FluentBuilder",
            ] {
                names.entry(format!("{base}{suffix}")).or_default().push((
                    format!(
                        "the generated `{base}{suffix}` of action `{}`",
                        a.name.get_ref()
                    ),
                    at.clone(),
                ));
            }
        }
        names
    }

    fn types(&mut self) {
        let mut seen: HashMap<&str, Location> = HashMap::new();
        for t in &self.spec.types {
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
            let rust = type_rust_name(t);
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
            match t.kind.as_ref().map(|k| k.get_ref().as_str()) {
                None | Some("struct") => self.struct_type(t),
                Some("enum") => self.enum_type(t),
                Some(other) => {
                    let k = t.kind.as_ref().expect("kind is set");
                    self.err(
                        loc(t.file, k),
                        format!("unknown kind `{other}`"),
                        "\"struct\" or \"enum\"",
                    );
                }
            }
        }
        let claimed = self.claimed_names();
        for (rust, owners) in &claimed {
            // A clash of two types implies a clash of their builders: report it once.
            let implied = rust
                .strip_suffix("Builder")
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
    }

    fn struct_type(&mut self, t: &TypeDef) {
        if let Some(u) = &t.usage {
            if !USAGES.contains(&u.get_ref().as_str()) {
                self.err(
                    loc(t.file, u),
                    format!("unknown usage `{}`", u.get_ref()),
                    format!("one of {}", quoted(USAGES)),
                );
            } else if t.keep_unknown && u.get_ref() == "in" {
                self.err(
                    loc(t.file, u),
                    "`keep_unknown` applies to received types, but this type is only sent",
                    "`usage = \"out\"` or `\"both\"`, or no `keep_unknown`",
                );
            }
        }
        if t.keep_unknown && t.members.iter().any(|m| member_rust_name(m) == "extra") {
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
        self.members(t.file, &t.members, Place::Struct);
    }

    fn enum_type(&mut self, t: &TypeDef) {
        let repr = match &t.repr {
            None => {
                self.err(
                    loc(t.file, &t.name),
                    format!("enumeration `{}` has no wire type", t.name.get_ref()),
                    "`type = \"string\"`, `\"int64\"` or `\"uint64\"`",
                );
                return;
            }
            Some(r) => match Prim::parse(r.get_ref()) {
                Some(p @ (Prim::String | Prim::Int64 | Prim::Uint64)) => p,
                _ => {
                    self.err(
                        loc(t.file, r),
                        format!(
                            "`{}` cannot be the wire type of an enumeration",
                            r.get_ref()
                        ),
                        "\"string\", \"int64\" or \"uint64\"",
                    );
                    return;
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
        for v in &t.values {
            let at = loc(t.file, &v.value);
            let key = match (repr, v.value.get_ref()) {
                (Prim::String, toml::Value::String(s)) => s.clone(),
                (Prim::Int64, toml::Value::Integer(i)) => i.to_string(),
                (Prim::Uint64, toml::Value::Integer(i)) if *i >= 0 => i.to_string(),
                (_, other) => {
                    self.err(
                        at,
                        format!("value `{other}` does not match the enumeration's wire type"),
                        match repr {
                            Prim::String => "a string",
                            Prim::Int64 => "an integer",
                            _ => "a non-negative integer",
                        },
                    );
                    continue;
                }
            };
            if let Some(first) = values.get(&key) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(at.clone(), format!("value `{key}` is listed twice"))
                        .expected("each value once")
                        .note(note),
                );
                continue;
            }
            values.insert(key.clone(), at.clone());
            let (variant, vat) = match &v.name {
                Some(n) => (n.get_ref().clone(), loc(t.file, n)),
                None if repr == Prim::String => (naming::value_variant(&key), at.clone()),
                None => {
                    self.err(
                        at,
                        format!("integer value `{key}` needs a variant name"),
                        "`name = \"...\"` beside the value",
                    );
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
            } else {
                variants.insert(variant, vat);
            }
        }
    }

    fn actions(&mut self) {
        let mut seen: HashMap<&str, Location> = HashMap::new();
        let mut modules: HashMap<String, (String, Location)> = HashMap::new();
        for a in &self.spec.actions {
            let at = loc(a.file, &a.name);
            self.file_name(a.file, &a.name);
            if !naming::is_ident(a.name.get_ref()) {
                self.err(
                    at.clone(),
                    format!("invalid action name `{}`", a.name.get_ref()),
                    "a PascalCase name such as \"CreateMultiFlowSignQRCode\"",
                );
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
                continue;
            }
            seen.insert(a.name.get_ref(), at.clone());
            let module = naming::module_name(a.name.get_ref());
            if let Some((other, first)) = modules.get(&module) {
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
                modules.insert(module, (a.name.get_ref().clone(), at.clone()));
            }
            if let Some(r) = &a.rate_limit {
                if *r.get_ref() <= 0 || *r.get_ref() > i64::from(u32::MAX) {
                    self.err(
                        loc(a.file, r),
                        format!("rate limit {} is out of range", r.get_ref()),
                        "a positive number of requests per second",
                    );
                }
            }
            for (h, what) in [(&a.host, "host"), (&a.test_host, "test host")] {
                if let Some(h) = h {
                    self.host(a.file, h, what);
                }
            }
            if let (Some(t), None) = (&a.test_host, &a.host) {
                self.err(
                    loc(a.file, t),
                    "a test host without a production host",
                    "`host` set as well, or no `test_host`",
                );
            }
            self.code_list(a.file, &a.errors, "error code");
            self.members(a.file, &a.input, Place::Input);
            self.members(a.file, &a.output, Place::Output);
            for m in &a.output {
                if m.name.get_ref() == "RequestId" {
                    self.err(
                        loc(a.file, &m.name),
                        "`RequestId` is part of every response and must not be listed",
                        "only the action's own output members",
                    );
                }
            }
            self.action_extra(a);
        }
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

    fn members(&mut self, file: FileId, members: &[Member], place: Place) {
        let mut wire: HashMap<&str, Location> = HashMap::new();
        let mut rust: HashMap<String, (String, Location)> = HashMap::new();
        for m in members {
            let at = loc(file, &m.name);
            let name = m.name.get_ref();
            if !naming::is_ident(name) {
                self.err(
                    at.clone(),
                    format!("invalid member name `{name}`"),
                    "a PascalCase wire name",
                );
                continue;
            }
            if let Some(first) = wire.get(name.as_str()) {
                let note = self.first_defined(first);
                self.diags.push(
                    Diagnostic::at(at.clone(), format!("member `{name}` is defined twice"))
                        .expected("each member once")
                        .note(note),
                );
                continue;
            }
            wire.insert(name, at.clone());
            let field = member_rust_name(m);
            let field_at = loc(file, m.rust_name.as_ref().unwrap_or(&m.name));
            if naming::is_unusable(&field) || !naming::is_ident(&field) {
                self.err(
                    field_at.clone(),
                    format!("member `{name}` becomes `{field}`, which cannot be a Rust field name"),
                    "a usable name: add `rust_name = \"...\"` to the member",
                );
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
            } else {
                rust.insert(field, (name.clone(), field_at));
            }
            self.member(file, m, place);
        }
    }

    fn member(&mut self, file: FileId, m: &Member, place: Place) {
        let ty = m.ty.get_ref();
        let prim = Prim::parse(ty);
        let target = if prim.is_none() {
            self.spec.find_type(ty)
        } else {
            None
        };
        if prim.is_none() && target.is_none() && self.spec.partial.unparsed_types.contains(ty) {
            // Its file did not parse, which was reported already.
            return;
        }
        if prim.is_none() && target.is_none() {
            let hint = self.closest_type(ty);
            let mut d = Diagnostic::at(loc(file, &m.ty), format!("unknown type `{ty}`"))
                .expected("string, int64, uint64, float, bool, json, or a type defined in types/");
            if let Some(h) = hint {
                d = d.note(format!("a type named `{h}` exists"));
            }
            self.diags.push(d);
            return;
        }
        let enum_repr = target
            .filter(|t| t.is_enum())
            .and_then(|t| t.repr.as_ref().and_then(|r| Prim::parse(r.get_ref())));
        let is_string = prim == Some(Prim::String);
        let is_number = prim.is_some_and(|p| p.is_int() || p == Prim::Float);

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
        // Lengths.
        for c in [&m.min_chars, &m.max_chars].into_iter().flatten() {
            if !is_string {
                self.err(
                    loc(file, c),
                    format!("a length in characters does not apply to type `{ty}`"),
                    "`min_chars`/`max_chars` only on string members",
                );
            } else if *c.get_ref() < 0 {
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
        for c in [&m.min_items, &m.max_items].into_iter().flatten() {
            if !m.list {
                self.err(
                    loc(file, c),
                    "a count of elements applies only to lists",
                    "`list = true`, or no `min_items`/`max_items`",
                );
            } else if *c.get_ref() < 0 {
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
        let mut bounds = [None, None];
        for (i, c) in [&m.min, &m.max].into_iter().enumerate() {
            let Some(c) = c else { continue };
            if !is_number {
                self.err(
                    loc(file, c),
                    format!("a numeric bound does not apply to type `{ty}`"),
                    "`min`/`max` only on int64, uint64 or float members",
                );
                continue;
            }
            match number(c.get_ref(), prim.expect("number")) {
                Some(n) => bounds[i] = Some(n),
                None => self.err(
                    loc(file, c),
                    format!("bound `{}` does not fit type `{ty}`", c.get_ref()),
                    match prim {
                        Some(Prim::Float) => "a number",
                        Some(Prim::Uint64) => "a non-negative integer",
                        _ => "an integer",
                    },
                ),
            }
        }
        if let ([Some(lo), Some(hi)], Some(min)) = (bounds, &m.min) {
            if lo > hi {
                self.err(
                    loc(file, min),
                    format!("min {lo} is greater than max {hi}"),
                    "min <= max",
                );
            }
        }
        // Format.
        if let Some(f) = &m.format {
            if !is_string {
                self.err(
                    loc(file, f),
                    format!("a format does not apply to type `{ty}`"),
                    "`format` only on string members",
                );
            } else if !FORMATS.contains(&f.get_ref().as_str()) {
                self.err(
                    loc(file, f),
                    format!("unknown format `{}`", f.get_ref()),
                    format!("one of {}", quoted(FORMATS)),
                );
            }
        }
        if let Some(values) = &m.values {
            let fits = |v: &toml::Value| match (prim, v) {
                (Some(Prim::String), toml::Value::String(_)) => true,
                (Some(p), v) if p.is_int() || p == Prim::Float => number(v, p).is_some(),
                (Some(Prim::Bool), toml::Value::Boolean(_)) => true,
                _ => false,
            };
            if prim.is_none() || prim == Some(Prim::Json) {
                self.err(
                    loc(file, values),
                    format!("documented values do not apply to type `{ty}`"),
                    "`values` only on primitive members (or an enumeration type)",
                );
            } else if let Some(bad) = values.get_ref().iter().find(|v| !fits(v)) {
                self.err(
                    loc(file, values),
                    format!("value `{bad}` does not fit type `{ty}`"),
                    format!("values of type {ty}"),
                );
            } else if let Some(d) = &m.default {
                if !values.get_ref().contains(d.get_ref()) {
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
        if let (Some(d), Some(target)) = (&m.default, target) {
            if let Some(repr) = enum_repr {
                let key = match (repr, d.get_ref()) {
                    (Prim::String, toml::Value::String(s)) => Some(s.clone()),
                    (Prim::Int64 | Prim::Uint64, toml::Value::Integer(i)) => Some(i.to_string()),
                    _ => None,
                };
                let known = key.as_ref().is_some_and(|k| {
                    target.values.iter().any(|v| match v.value.get_ref() {
                        toml::Value::String(s) => s == k,
                        toml::Value::Integer(i) => &i.to_string() == k,
                        _ => false,
                    })
                });
                if !known {
                    self.err(
                        loc(file, d),
                        format!("default `{}` is not a value of `{ty}`", d.get_ref()),
                        format!("one of the values listed in types/{ty}.toml"),
                    );
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
                return;
            }
            self.default_in_bounds(file, m, d, p, bounds);
        }
    }

    fn default_in_bounds(
        &mut self,
        file: FileId,
        m: &Member,
        d: &Sp<toml::Value>,
        p: Prim,
        bounds: [Option<f64>; 2],
    ) {
        let at = loc(file, d);
        match (p, d.get_ref()) {
            (Prim::Bool, toml::Value::Boolean(_)) => {}
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
                }
            }
            (Prim::Int64 | Prim::Uint64 | Prim::Float, v) => match number(v, p) {
                Some(n) => {
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
                    }
                }
                None => self.err(
                    at,
                    format!("default `{v}` does not fit type `{}`", m.ty.get_ref()),
                    "a number of the member's type",
                ),
            },
            (_, v) => self.err(
                at,
                format!("default `{v}` does not fit type `{}`", m.ty.get_ref()),
                format!("a {} value", m.ty.get_ref()),
            ),
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

/// The Rust name of a type.
pub fn type_rust_name(t: &TypeDef) -> String {
    match &t.rust_name {
        Some(n) => n.get_ref().clone(),
        None => naming::type_name(t.name.get_ref()),
    }
}

/// The Rust field name of a member.
pub fn member_rust_name(m: &Member) -> String {
    match &m.rust_name {
        Some(n) => n.get_ref().clone(),
        None => naming::field_name(m.name.get_ref()),
    }
}

/// A TOML number as f64, if it fits `p`.
fn number(v: &toml::Value, p: Prim) -> Option<f64> {
    match (v, p) {
        (toml::Value::Integer(i), Prim::Int64) => Some(*i as f64),
        (toml::Value::Integer(i), Prim::Uint64) if *i >= 0 => Some(*i as f64),
        (toml::Value::Integer(i), Prim::Float) => Some(*i as f64),
        (toml::Value::Float(f), Prim::Float) if f.is_finite() => Some(*f),
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

//! The declared world: the organization, its employees, its contract quota
//! and its templates.
//!
//! A world is declared once, when the emulator starts, either in Rust
//! ([`World::default`], [`World::new`]) or in a TOML file
//! ([`World::from_file`]). What happens afterwards (codes created, contracts
//! started, quota used) lives in memory and is lost when the emulator stops.
//!
//! # The file format
//!
//! ```toml
//! [organization]
//! id = "yDemuOrganization000000000000001"   # 32 characters
//! name = "示例科技有限公司"
//! contract_quota = 100                      # contracts that can still be started
//! operators = ["yDemuOperator0000000000000000001"]
//!
//! [[templates]]
//! id = "yDemuB2CTemplate0000000000000001"   # 32 characters
//! name = "员工入职合同"
//! kind = "b2c"                              # or "person-only"
//! signing_order = "company-not-first"       # or "unordered", "company-first"
//! company_signs_silently = false
//! initiator_fill_components = false
//! initiator_sign_components = false
//! signers = true
//! ```
//!
//! Every `templates` key but `id` and `kind` may be left out: `name`
//! defaults to the empty string, `signing_order` to `unordered`, the flags
//! to `false` and `signers` to `true`. Unknown keys are refused. An error
//! names the file, line and column and what was expected there.
//!
//! An optional `[callbacks]` table configures the callbacks the emulator
//! posts (see [`crate::callbacks`]); only `url` is required:
//!
//! ```toml
//! [callbacks]
//! url = "http://127.0.0.1:9000/ess/callback"
//! key = "0123456789abcdef0123456789abcdef"  # 32 bytes: bodies are encrypted
//! token = "signature-token"                 # requests are signed
//! encrypted_form = "wrapped"                # or "bare"
//! signature_form = "header"                 # or "query" (needs the key), or "both"
//! max_attempts = 5
//! retry_backoff_ms = 250
//! timeout_ms = 5000
//! allow_non_loopback = false
//! ```

use ess_api::service::codes;
use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::callbacks::{self, CallbackConfig, CallbackConfigError};

/// The ids and values of the default world and the default credentials.
///
/// Every id is 32 characters long, like the service's own.
pub mod defaults {
    /// The organization's id.
    pub const ORGANIZATION_ID: &str = "yDemuOrganization000000000000001";
    /// The organization's name.
    pub const ORGANIZATION_NAME: &str = "示例科技有限公司";
    /// Contracts the organization can start before its quota runs out.
    pub const CONTRACT_QUOTA: u64 = 100;
    /// An employee who may call the API (`Operator.UserId`).
    pub const OPERATOR_ID: &str = "yDemuOperator0000000000000000001";
    /// A second employee who may call the API.
    pub const SECOND_OPERATOR_ID: &str = "yDemuOperator0000000000000000002";
    /// A company-and-person (B2C) template that meets every QR code rule:
    /// the company does not sign first.
    pub const B2C_TEMPLATE_ID: &str = "yDemuB2CTemplate0000000000000001";
    /// A person-only template that meets every QR code rule.
    pub const PERSON_TEMPLATE_ID: &str = "yDemuPersonTemplate0000000000001";
    /// A company-and-person template where the company signs first, in
    /// person, so it fails the QR code rules (`FailedOperation.QrCodeTemplateId`).
    pub const COMPANY_FIRST_TEMPLATE_ID: &str = "yDemuCompanyFirstTemplate0000001";
    /// A template whose initiator has sign components
    /// (`FailedOperation.QrCodeCreatorSignComponents`).
    pub const CREATOR_SIGNS_TEMPLATE_ID: &str = "yDemuCreatorSignsTemplate0000001";
    /// The default SecretId, for local use only.
    pub const SECRET_ID: &str = "AKIDEssEmulatorLocalSecretId00001";
    /// The default SecretKey, for local use only.
    pub const SECRET_KEY: &str = "EssEmulatorLocalSecretKey-NotForProduction";
}

/// Who signs a template's contracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TemplateKind {
    /// A company and a person (B2C), written `b2c` in world files.
    CompanyAndPerson,
    /// Only persons, written `person-only` in world files.
    PersonOnly,
}

impl TemplateKind {
    /// The name used in world files.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateKind::CompanyAndPerson => "b2c",
            TemplateKind::PersonOnly => "person-only",
        }
    }
}

/// In which order a template's signers sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SigningOrder {
    /// Everyone may sign in any order, written `unordered`.
    Unordered,
    /// In order, the company first, written `company-first`.
    CompanyFirst,
    /// In order, the company after someone else, written `company-not-first`.
    CompanyNotFirst,
}

impl SigningOrder {
    /// The name used in world files.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningOrder::Unordered => "unordered",
            SigningOrder::CompanyFirst => "company-first",
            SigningOrder::CompanyNotFirst => "company-not-first",
        }
    }
}

/// Why a template cannot back a multi-signer QR code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TemplateProblem {
    /// The template has no signers (`FailedOperation.QrCodeSignUsers`).
    NoSigners,
    /// The initiator has sign components
    /// (`FailedOperation.QrCodeCreatorSignComponents`).
    InitiatorSignComponents,
    /// The initiator has fill-in components (`FailedOperation.QrCodeTemplateId`).
    InitiatorFillComponents,
    /// A company-and-person template where the company signs first and not
    /// silently (`FailedOperation.QrCodeTemplateId`).
    CompanySignsFirst,
}

impl TemplateProblem {
    /// The service's error code for the problem.
    pub fn code(self) -> &'static str {
        match self {
            TemplateProblem::NoSigners => codes::FAILED_OPERATION_QR_CODE_SIGN_USERS,
            TemplateProblem::InitiatorSignComponents => {
                codes::FAILED_OPERATION_QR_CODE_CREATOR_SIGN_COMPONENTS
            }
            TemplateProblem::InitiatorFillComponents | TemplateProblem::CompanySignsFirst => {
                codes::FAILED_OPERATION_QR_CODE_TEMPLATE_ID
            }
        }
    }
}

impl fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TemplateProblem::NoSigners => "the template has no signers",
            TemplateProblem::InitiatorSignComponents => {
                "the template gives the initiator sign components, which a sign QR code does not allow"
            }
            TemplateProblem::InitiatorFillComponents => {
                "the template gives the initiator fill-in components, which a sign QR code does not allow"
            }
            TemplateProblem::CompanySignsFirst => {
                "the template is company-and-person with the company signing first and not silently; \
                 a sign QR code needs an unordered template, a silent company signature, or the company not first"
            }
        })
    }
}

/// A contract template and the properties the QR code rules look at.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Template {
    /// The template's id (32 characters).
    pub id: String,
    /// The template's name.
    pub name: String,
    /// Who signs.
    pub kind: TemplateKind,
    /// In which order.
    pub signing_order: SigningOrder,
    /// Whether the company signs silently (automatically, by the server).
    pub company_signs_silently: bool,
    /// Whether the initiator has fill-in components.
    pub initiator_fill_components: bool,
    /// Whether the initiator has sign components.
    pub initiator_sign_components: bool,
    /// Whether the template has signers at all.
    pub signers: bool,
}

impl Template {
    /// A company-and-person (B2C) template, unordered, with signers and no
    /// initiator components.
    pub fn company_and_person(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self::new(id, name, TemplateKind::CompanyAndPerson)
    }

    /// A person-only template, unordered, with signers and no initiator
    /// components.
    pub fn person_only(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self::new(id, name, TemplateKind::PersonOnly)
    }

    fn new(id: impl Into<String>, name: impl Into<String>, kind: TemplateKind) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            kind,
            signing_order: SigningOrder::Unordered,
            company_signs_silently: false,
            initiator_fill_components: false,
            initiator_sign_components: false,
            signers: true,
        }
    }

    /// Sets the signing order.
    pub fn with_signing_order(mut self, order: SigningOrder) -> Self {
        self.signing_order = order;
        self
    }

    /// Sets whether the company signs silently.
    pub fn with_company_signs_silently(mut self, yes: bool) -> Self {
        self.company_signs_silently = yes;
        self
    }

    /// Sets whether the initiator has fill-in components.
    pub fn with_initiator_fill_components(mut self, yes: bool) -> Self {
        self.initiator_fill_components = yes;
        self
    }

    /// Sets whether the initiator has sign components.
    pub fn with_initiator_sign_components(mut self, yes: bool) -> Self {
        self.initiator_sign_components = yes;
        self
    }

    /// Sets whether the template has signers.
    pub fn with_signers(mut self, yes: bool) -> Self {
        self.signers = yes;
        self
    }

    /// Checks the service's rules for a multi-signer QR code, in the order
    /// the emulator applies them: signers present, no initiator sign
    /// components, no initiator fill-in components, then either person-only,
    /// or company-and-person with an unordered order, a silent company or
    /// the company not first.
    pub fn qr_code_problem(&self) -> Option<TemplateProblem> {
        if !self.signers {
            return Some(TemplateProblem::NoSigners);
        }
        if self.initiator_sign_components {
            return Some(TemplateProblem::InitiatorSignComponents);
        }
        if self.initiator_fill_components {
            return Some(TemplateProblem::InitiatorFillComponents);
        }
        match self.kind {
            TemplateKind::PersonOnly => None,
            TemplateKind::CompanyAndPerson => {
                let allowed =
                    self.signing_order != SigningOrder::CompanyFirst || self.company_signs_silently;
                (!allowed).then_some(TemplateProblem::CompanySignsFirst)
            }
        }
    }
}

/// The organization that calls the API.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Organization {
    /// The organization's id (32 characters).
    pub id: String,
    /// The organization's name.
    pub name: String,
    /// Contracts it can start before its quota runs out.
    pub contract_quota: u64,
    /// UserIds of the employees who may call the API.
    pub operators: Vec<String>,
}

impl Organization {
    /// An organization with a quota and no operators yet.
    pub fn new(id: impl Into<String>, name: impl Into<String>, contract_quota: u64) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            contract_quota,
            operators: Vec::new(),
        }
    }

    /// Adds an employee who may call the API.
    pub fn with_operator(mut self, user_id: impl Into<String>) -> Self {
        self.operators.push(user_id.into());
        self
    }
}

/// The declared world: one organization, its templates, and where its
/// callbacks go.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct World {
    /// The organization.
    pub organization: Organization,
    /// Its templates.
    pub templates: Vec<Template>,
    /// The organization's callback configuration, if any (the `[callbacks]`
    /// table of a world file). [`EmulatorBuilder::callbacks`] takes
    /// precedence over it.
    ///
    /// [`EmulatorBuilder::callbacks`]: crate::EmulatorBuilder::callbacks
    pub callbacks: Option<CallbackConfig>,
}

impl Default for World {
    /// The default world: the organization [`defaults::ORGANIZATION_ID`] with
    /// two operators and a quota of [`defaults::CONTRACT_QUOTA`], and the
    /// four templates named in [`defaults`].
    fn default() -> Self {
        use defaults::*;
        World::new(
            Organization::new(ORGANIZATION_ID, ORGANIZATION_NAME, CONTRACT_QUOTA)
                .with_operator(OPERATOR_ID)
                .with_operator(SECOND_OPERATOR_ID),
        )
        .with_template(
            Template::company_and_person(B2C_TEMPLATE_ID, "员工入职合同（企业与个人）")
                .with_signing_order(SigningOrder::CompanyNotFirst),
        )
        .with_template(Template::person_only(
            PERSON_TEMPLATE_ID,
            "个人声明书（仅个人）",
        ))
        .with_template(
            Template::company_and_person(COMPANY_FIRST_TEMPLATE_ID, "企业先签的合同")
                .with_signing_order(SigningOrder::CompanyFirst),
        )
        .with_template(
            Template::person_only(CREATOR_SIGNS_TEMPLATE_ID, "发起方需签署的合同")
                .with_initiator_sign_components(true),
        )
    }
}

impl World {
    /// A world with `organization` and no templates.
    pub fn new(organization: Organization) -> Self {
        Self {
            organization,
            templates: Vec::new(),
            callbacks: None,
        }
    }

    /// Sets the callback configuration.
    pub fn with_callbacks(mut self, config: CallbackConfig) -> Self {
        self.callbacks = Some(config);
        self
    }

    /// Adds a template.
    pub fn with_template(mut self, template: Template) -> Self {
        self.templates.push(template);
        self
    }

    /// The template with this id.
    pub fn template(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// Whether `user_id` is an employee who may call the API.
    pub fn is_operator(&self, user_id: &str) -> bool {
        self.organization.operators.iter().any(|o| o == user_id)
    }

    /// Checks the rules a world file is held to: ids of 32 letters and
    /// digits, no duplicates, person-only templates without a company
    /// signing order or silent company signature, and a valid callback
    /// configuration ([`CallbackConfig::check`]).
    pub fn check(&self) -> Result<(), WorldError> {
        if let Some(config) = &self.callbacks {
            config.check().map_err(|e| WorldError::Rule {
                message: format!("callbacks: {e}"),
            })?;
        }
        let rule = |message: String| Err(WorldError::Rule { message });
        if let Err(m) = check_id(&self.organization.id) {
            return rule(format!("organization.id {m}"));
        }
        let mut seen = HashSet::new();
        for (i, op) in self.organization.operators.iter().enumerate() {
            if let Err(m) = check_id(op) {
                return rule(format!("organization.operators[{i}] {m}"));
            }
            if !seen.insert(op.as_str()) {
                return rule(format!("organization.operators[{i}] repeats {op}"));
            }
        }
        let mut seen = HashSet::new();
        for (i, t) in self.templates.iter().enumerate() {
            if let Err(m) = check_id(&t.id) {
                return rule(format!("templates[{i}].id {m}"));
            }
            if !seen.insert(t.id.as_str()) {
                return rule(format!("templates[{i}].id repeats {}", t.id));
            }
            if let Err(m) = check_person_only(t.kind, t.signing_order, t.company_signs_silently) {
                return rule(format!("templates[{i}]: {}", m.1));
            }
        }
        Ok(())
    }

    /// Reads a world file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<World, WorldError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| WorldError::Io {
            path: path.display().to_string(),
            source,
        })?;
        World::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses a world from TOML text; `origin` names the text in errors
    /// (usually its file name).
    pub fn from_toml_str(text: &str, origin: &str) -> Result<World, WorldError> {
        let at = |span: Option<Range<usize>>, message: String| {
            let (line, column) = span.map_or((1, 1), |s| line_column(text, s.start));
            WorldError::Invalid {
                origin: origin.to_owned(),
                line,
                column,
                message,
            }
        };
        let file: FileWorld =
            toml::from_str(text).map_err(|e| at(e.span(), e.message().to_owned()))?;

        let org = file.organization.into_inner();
        let org_id = checked_id(&org.id, "organization.id").map_err(|(s, m)| at(Some(s), m))?;
        let mut operators = Vec::new();
        for op in &org.operators {
            let id = checked_id(op, "an operator id").map_err(|(s, m)| at(Some(s), m))?;
            if operators.contains(&id) {
                return Err(at(
                    Some(op.span()),
                    format!("operator {id} is listed twice"),
                ));
            }
            operators.push(id);
        }
        let mut templates: Vec<Template> = Vec::new();
        for t in file.templates {
            let id = checked_id(&t.id, "a template id").map_err(|(s, m)| at(Some(s), m))?;
            if templates.iter().any(|other| other.id == id) {
                return Err(at(
                    Some(t.id.span()),
                    format!("template {id} is declared twice"),
                ));
            }
            let kind = match t.kind.get_ref() {
                FileKind::B2c => TemplateKind::CompanyAndPerson,
                FileKind::PersonOnly => TemplateKind::PersonOnly,
            };
            let order = t
                .signing_order
                .as_ref()
                .map_or(SigningOrder::Unordered, |o| match o.get_ref() {
                    FileOrder::Unordered => SigningOrder::Unordered,
                    FileOrder::CompanyFirst => SigningOrder::CompanyFirst,
                    FileOrder::CompanyNotFirst => SigningOrder::CompanyNotFirst,
                });
            let silent = t
                .company_signs_silently
                .as_ref()
                .is_some_and(|s| *s.get_ref());
            if let Err((which, message)) = check_person_only(kind, order, silent) {
                let span = match which {
                    PersonOnlyKey::SigningOrder => t.signing_order.as_ref().map(|s| s.span()),
                    PersonOnlyKey::Silent => t.company_signs_silently.as_ref().map(|s| s.span()),
                };
                return Err(at(span, message));
            }
            templates.push(Template {
                id,
                name: t.name,
                kind,
                signing_order: order,
                company_signs_silently: silent,
                initiator_fill_components: t.initiator_fill_components,
                initiator_sign_components: t.initiator_sign_components,
                signers: t.signers,
            });
        }
        let callbacks = match file.callbacks {
            None => None,
            Some(c) => {
                let span = c.span();
                Some(
                    c.into_inner()
                        .into_config(span)
                        .map_err(|(span, m)| at(span, m))?,
                )
            }
        };
        Ok(World {
            organization: Organization {
                id: org_id,
                name: org.name,
                contract_quota: org.contract_quota,
                operators,
            },
            templates,
            callbacks,
        })
    }

    /// The world as a TOML file, with comments, that
    /// [`World::from_toml_str`] reads back unchanged, except for the
    /// callback key and token: they are never written out (a comment says
    /// whether they are set).
    pub fn to_toml(&self) -> String {
        use std::fmt::Write;
        let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let org = &self.organization;
        let mut out = String::new();
        out.push_str("# The organization whose employees call the API.\n[organization]\n");
        let _ = writeln!(out, "id = {}", q(&org.id));
        let _ = writeln!(out, "name = {}", q(&org.name));
        out.push_str("# Contracts the organization can still start; each scan uses one.\n");
        let _ = writeln!(out, "contract_quota = {}", org.contract_quota);
        out.push_str("# UserIds of the employees who may call the API (Operator.UserId).\n");
        out.push_str("operators = [\n");
        for op in &org.operators {
            let _ = writeln!(out, "    {},", q(op));
        }
        out.push_str("]\n");
        for t in &self.templates {
            out.push('\n');
            if let Some(problem) = t.qr_code_problem() {
                let _ = writeln!(
                    out,
                    "# Refused for QR codes ({}): {problem}.",
                    problem.code()
                );
            }
            out.push_str("[[templates]]\n");
            let _ = writeln!(out, "id = {}", q(&t.id));
            let _ = writeln!(out, "name = {}", q(&t.name));
            let _ = writeln!(out, "kind = {}", q(t.kind.as_str()));
            let _ = writeln!(out, "signing_order = {}", q(t.signing_order.as_str()));
            let _ = writeln!(out, "company_signs_silently = {}", t.company_signs_silently);
            let _ = writeln!(
                out,
                "initiator_fill_components = {}",
                t.initiator_fill_components
            );
            let _ = writeln!(
                out,
                "initiator_sign_components = {}",
                t.initiator_sign_components
            );
            let _ = writeln!(out, "signers = {}", t.signers);
        }
        if let Some(c) = &self.callbacks {
            out.push_str("\n# Where the emulator posts callbacks.\n[callbacks]\n");
            let _ = writeln!(out, "url = {}", q(&c.url));
            let set = |s: &Option<String>| if s.is_some() { "set" } else { "not set" };
            let _ = writeln!(
                out,
                "# key: {}; token: {} (never written out)",
                set(&c.key),
                set(&c.token)
            );
            let _ = writeln!(out, "encrypted_form = {}", q(callbacks::form_name(c.form)));
            let _ = writeln!(
                out,
                "signature_form = {}",
                q(callbacks::signature_form_name(c.signature_form))
            );
            let _ = writeln!(out, "max_attempts = {}", c.max_attempts);
            let _ = writeln!(
                out,
                "retry_backoff_ms = {}",
                callbacks::millis(c.retry_backoff)
            );
            let _ = writeln!(out, "timeout_ms = {}", callbacks::millis(c.timeout));
            let _ = writeln!(out, "allow_non_loopback = {}", c.allow_non_loopback);
        }
        out
    }
}

/// Why a world could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorldError {
    /// The file could not be read.
    #[error("cannot read world file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not a valid world; the position is 1-based, the column
    /// counted in characters.
    #[error("{origin}:{line}:{column}: {message}")]
    Invalid {
        /// The file name (or another name for the text).
        origin: String,
        /// The line.
        line: usize,
        /// The column.
        column: usize,
        /// What is wrong, or what was expected.
        message: String,
    },
    /// A world built in Rust breaks a rule.
    #[error("invalid world: {message}")]
    Rule {
        /// What is wrong.
        message: String,
    },
}

enum PersonOnlyKey {
    SigningOrder,
    Silent,
}

fn check_person_only(
    kind: TemplateKind,
    order: SigningOrder,
    silent: bool,
) -> Result<(), (PersonOnlyKey, String)> {
    if kind != TemplateKind::PersonOnly {
        return Ok(());
    }
    if order != SigningOrder::Unordered {
        return Err((
            PersonOnlyKey::SigningOrder,
            format!(
                "a person-only template has no company signer, so signing_order must be \"unordered\", not \"{}\"",
                order.as_str()
            ),
        ));
    }
    if silent {
        return Err((
            PersonOnlyKey::Silent,
            "a person-only template has no company signer, so company_signs_silently must be false"
                .to_owned(),
        ));
    }
    Ok(())
}

fn check_id(id: &str) -> Result<(), String> {
    let n = id.chars().count();
    if n != 32 {
        return Err(format!("must be exactly 32 characters, found {n} ({id:?})"));
    }
    if !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("must be letters and digits only ({id:?})"));
    }
    Ok(())
}

fn checked_id(id: &Spanned<String>, what: &str) -> Result<String, (Range<usize>, String)> {
    check_id(id.get_ref())
        .map(|()| id.get_ref().clone())
        .map_err(|m| (id.span(), format!("{what} {m}")))
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWorld {
    organization: Spanned<FileOrganization>,
    #[serde(default)]
    templates: Vec<FileTemplate>,
    #[serde(default)]
    callbacks: Option<Spanned<FileCallbacks>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCallbacks {
    url: Spanned<String>,
    #[serde(default)]
    key: Option<Spanned<String>>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    encrypted_form: Option<FileForm>,
    #[serde(default)]
    signature_form: Option<Spanned<FileSignatureForm>>,
    #[serde(default)]
    max_attempts: Option<Spanned<u32>>,
    #[serde(default)]
    retry_backoff_ms: Option<Spanned<u64>>,
    #[serde(default)]
    timeout_ms: Option<Spanned<u64>>,
    #[serde(default)]
    allow_non_loopback: bool,
}

#[derive(Deserialize)]
enum FileForm {
    #[serde(rename = "wrapped")]
    Wrapped,
    #[serde(rename = "bare")]
    Bare,
}

#[derive(Clone, Copy, Deserialize)]
enum FileSignatureForm {
    #[serde(rename = "header")]
    Header,
    #[serde(rename = "query")]
    Query,
    #[serde(rename = "both")]
    Both,
}

impl FileCallbacks {
    /// The configuration, or the span to blame and what is wrong (the
    /// table's, `table`, when no key is to blame). Secrets never appear in
    /// the message.
    fn into_config(
        self,
        table: Range<usize>,
    ) -> Result<CallbackConfig, (Option<Range<usize>>, String)> {
        let c = self;
        let mut config = CallbackConfig::new(c.url.get_ref().clone());
        config.key = c.key.as_ref().map(|k| k.get_ref().clone());
        config.token = c.token;
        config.form = match c.encrypted_form {
            Some(FileForm::Bare) => callbacks::EncryptedForm::Bare,
            Some(FileForm::Wrapped) | None => callbacks::EncryptedForm::Wrapped,
        };
        config.signature_form = match c.signature_form.as_ref().map(|f| *f.get_ref()) {
            Some(FileSignatureForm::Query) => callbacks::SignatureForm::Query,
            Some(FileSignatureForm::Both) => callbacks::SignatureForm::Both,
            Some(FileSignatureForm::Header) | None => callbacks::SignatureForm::ContentSignature,
        };
        if let Some(n) = &c.max_attempts {
            config.max_attempts = *n.get_ref();
        }
        if let Some(ms) = &c.retry_backoff_ms {
            config.retry_backoff = std::time::Duration::from_millis(*ms.get_ref());
        }
        if let Some(ms) = &c.timeout_ms {
            config.timeout = std::time::Duration::from_millis(*ms.get_ref());
        }
        config.allow_non_loopback = c.allow_non_loopback;
        match config.check() {
            Ok(()) => Ok(config),
            Err(e) => {
                let span = match &e {
                    CallbackConfigError::Url { .. } | CallbackConfigError::NotLoopback { .. } => {
                        Some(c.url.span())
                    }
                    CallbackConfigError::KeyLength { .. } => c.key.as_ref().map(|k| k.span()),
                    CallbackConfigError::QuerySignatureNeedsKey => {
                        c.signature_form.as_ref().map(|f| f.span())
                    }
                    CallbackConfigError::MaxAttempts { .. } => {
                        c.max_attempts.as_ref().map(|n| n.span())
                    }
                    CallbackConfigError::Backoff { .. } => {
                        c.retry_backoff_ms.as_ref().map(|n| n.span())
                    }
                    CallbackConfigError::Timeout { .. } => c.timeout_ms.as_ref().map(|n| n.span()),
                };
                Err((span.or(Some(table)), e.to_string()))
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOrganization {
    id: Spanned<String>,
    #[serde(default)]
    name: String,
    contract_quota: u64,
    #[serde(default)]
    operators: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTemplate {
    id: Spanned<String>,
    #[serde(default)]
    name: String,
    kind: Spanned<FileKind>,
    #[serde(default)]
    signing_order: Option<Spanned<FileOrder>>,
    #[serde(default)]
    company_signs_silently: Option<Spanned<bool>>,
    #[serde(default)]
    initiator_fill_components: bool,
    #[serde(default)]
    initiator_sign_components: bool,
    #[serde(default = "yes")]
    signers: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
enum FileKind {
    #[serde(rename = "b2c")]
    B2c,
    #[serde(rename = "person-only")]
    PersonOnly,
}

#[derive(Deserialize)]
enum FileOrder {
    #[serde(rename = "unordered")]
    Unordered,
    #[serde(rename = "company-first")]
    CompanyFirst,
    #[serde(rename = "company-not-first")]
    CompanyNotFirst,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_world_round_trips_and_passes_its_own_rules() {
        let world = World::default();
        world.check().unwrap();
        let text = world.to_toml();
        assert_eq!(World::from_toml_str(&text, "default.toml").unwrap(), world);
        for id in [
            defaults::ORGANIZATION_ID,
            defaults::OPERATOR_ID,
            defaults::SECOND_OPERATOR_ID,
            defaults::B2C_TEMPLATE_ID,
            defaults::PERSON_TEMPLATE_ID,
            defaults::COMPANY_FIRST_TEMPLATE_ID,
            defaults::CREATOR_SIGNS_TEMPLATE_ID,
        ] {
            assert_eq!(id.len(), 32, "{id}");
        }
    }

    #[test]
    fn template_rules() {
        let t = |kind| Template::new("x", "x", kind);
        assert_eq!(t(TemplateKind::PersonOnly).qr_code_problem(), None);
        assert_eq!(t(TemplateKind::CompanyAndPerson).qr_code_problem(), None);
        let first =
            t(TemplateKind::CompanyAndPerson).with_signing_order(SigningOrder::CompanyFirst);
        assert_eq!(
            first.qr_code_problem(),
            Some(TemplateProblem::CompanySignsFirst)
        );
        assert_eq!(
            first
                .clone()
                .with_company_signs_silently(true)
                .qr_code_problem(),
            None
        );
        assert_eq!(
            t(TemplateKind::CompanyAndPerson)
                .with_signing_order(SigningOrder::CompanyNotFirst)
                .qr_code_problem(),
            None
        );
        let all = first
            .with_signers(false)
            .with_initiator_fill_components(true)
            .with_initiator_sign_components(true);
        assert_eq!(all.qr_code_problem(), Some(TemplateProblem::NoSigners));
        assert_eq!(
            all.clone().with_signers(true).qr_code_problem(),
            Some(TemplateProblem::InitiatorSignComponents)
        );
        assert_eq!(
            all.with_signers(true)
                .with_initiator_sign_components(false)
                .qr_code_problem(),
            Some(TemplateProblem::InitiatorFillComponents)
        );
    }

    #[test]
    fn callbacks_tables() {
        let org = "[organization]\nid = \"yDemuOrganization000000000000001\"\ncontract_quota = 1\n";
        let parse = |table: &str| World::from_toml_str(&format!("{org}{table}"), "w.toml");
        let world = parse(
            "[callbacks]\nurl = \"http://127.0.0.1:9000/cb\"\nkey = \"0123456789abcdef0123456789abcdef\"\n\
             token = \"tok\"\nencrypted_form = \"bare\"\nmax_attempts = 3\nretry_backoff_ms = 10\n",
        )
        .unwrap();
        let c = world.callbacks.clone().unwrap();
        assert_eq!(c.url, "http://127.0.0.1:9000/cb");
        assert_eq!(c.token.as_deref(), Some("tok"));
        assert_eq!(c.form, callbacks::EncryptedForm::Bare);
        assert_eq!(c.signature_form, callbacks::SignatureForm::ContentSignature);
        assert_eq!(c.max_attempts, 3);
        assert_eq!(c.retry_backoff, std::time::Duration::from_millis(10));
        assert_eq!(c.timeout, callbacks::DEFAULT_TIMEOUT);

        // Written back without the secrets.
        let text = world.to_toml();
        assert!(
            !text.contains("0123456789abcdef") && !text.contains("\"tok\""),
            "{text}"
        );
        assert!(text.contains("# key: set; token: set"), "{text}");
        let back = World::from_toml_str(&text, "back.toml").unwrap();
        let mut expected = world.clone();
        if let Some(c) = expected.callbacks.as_mut() {
            c.key = None;
            c.token = None;
        }
        assert_eq!(back, expected);

        // The query form, read and written back.
        for (name, form) in [
            ("query", callbacks::SignatureForm::Query),
            ("both", callbacks::SignatureForm::Both),
            ("header", callbacks::SignatureForm::ContentSignature),
        ] {
            let world = parse(&format!(
                "[callbacks]\nurl = \"http://127.0.0.1:9000/cb\"\nkey = \"0123456789abcdef0123456789abcdef\"\n\
                 token = \"tok\"\nsignature_form = \"{name}\"\n"
            ))
            .unwrap();
            assert_eq!(world.callbacks.as_ref().unwrap().signature_form, form);
            let text = world.to_toml();
            assert!(
                text.contains(&format!("signature_form = \"{name}\"")),
                "{text}"
            );
            let back = World::from_toml_str(&text, "back.toml").unwrap();
            assert_eq!(back.callbacks.unwrap().signature_form, form);
        }

        let err = |table: &str| parse(table).unwrap_err().to_string();
        let e = err("[callbacks]\nurl = \"http://10.0.0.1/\"\n");
        assert!(
            e.starts_with("w.toml:5:7: ") && e.contains("not a loopback"),
            "{e}"
        );
        let e = err("[callbacks]\nurl = \"http://127.0.0.1/\"\nkey = \"secret-but-short\"\n");
        assert!(
            e.starts_with("w.toml:6:7: ") && e.contains("32 bytes"),
            "{e}"
        );
        assert!(!e.contains("secret-but-short"), "{e}");
        let e = err("[callbacks]\nurl = \"http://127.0.0.1/\"\nmax_attempts = 0\n");
        assert!(e.starts_with("w.toml:6:16: "), "{e}");
        let e = err("[callbacks]\nurl = \"http://127.0.0.1/\"\nencrypted_form = \"zip\"\n");
        assert!(e.contains("wrapped"), "{e}");
        let e = err("[callbacks]\nurl = \"http://127.0.0.1/\"\nsignature_form = \"url\"\n");
        assert!(e.contains("query"), "{e}");
        let e = err(
            "[callbacks]\nurl = \"http://127.0.0.1/\"\ntoken = \"t\"\nsignature_form = \"query\"\n",
        );
        assert!(
            e.starts_with("w.toml:7:18: ") && e.contains("needs a callback key"),
            "{e}"
        );
        let e = err("[callbacks]\nurl = \"http://127.0.0.1/\"\nsecret = 1\n");
        assert!(e.contains("unknown field"), "{e}");
        let e = err("[callbacks]\nkey = \"x\"\n");
        assert!(e.contains("url"), "{e}");
        assert!(
            parse("[callbacks]\nurl = \"http://10.0.0.1/\"\nallow_non_loopback = true\n").is_ok()
        );

        let rule = World::default()
            .with_callbacks(CallbackConfig::new("https://127.0.0.1/"))
            .check()
            .unwrap_err()
            .to_string();
        assert!(
            rule.contains("callbacks: ") && rule.contains("https"),
            "{rule}"
        );
    }

    #[test]
    fn positions_count_characters() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("名字\nx", 6), (1, 3));
        assert_eq!(line_column("名字", 1), (1, 1));
        assert_eq!(line_column("a", 99), (1, 2));
    }

    #[test]
    fn rust_built_worlds_are_checked() {
        let org = Organization::new(defaults::ORGANIZATION_ID, "o", 1);
        let bad = World::new(org.clone().with_operator("short"));
        assert!(bad
            .check()
            .unwrap_err()
            .to_string()
            .contains("operators[0]"));
        let twice = World::new(org.clone())
            .with_template(Template::person_only(defaults::PERSON_TEMPLATE_ID, "a"))
            .with_template(Template::person_only(defaults::PERSON_TEMPLATE_ID, "b"));
        assert!(twice.check().unwrap_err().to_string().contains("repeats"));
        let person_first = World::new(org).with_template(
            Template::person_only(defaults::PERSON_TEMPLATE_ID, "a")
                .with_signing_order(SigningOrder::CompanyFirst),
        );
        assert!(person_first.check().is_err());
    }
}

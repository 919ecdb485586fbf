//! The spec as read from disk: one struct per kind of file, deserialized with
//! the byte span of every value that a diagnostic may need to point at.

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{FileId, Location, Sources};

/// A value with its byte span in a spec file.
pub type Sp<T> = Spanned<T>;

/// `spec/service.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceFile {
    /// The `[service]` table.
    pub service: Service,
}

/// The service every action belongs to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Short name used in the signature's credential scope (`ess`).
    pub name: Sp<String>,
    /// Human-readable name.
    pub title: Option<String>,
    /// API version sent as `X-TC-Version`.
    pub version: Sp<String>,
    /// Default host name.
    pub endpoint: Sp<String>,
    /// Host name of the service's integration-test environment.
    pub test_endpoint: Option<Sp<String>>,
    /// Codes every action can answer.
    #[serde(default)]
    pub common_errors: Vec<Sp<String>>,
    /// The action groups, each a cargo feature of `ess-api`
    /// (`[[service.groups]]`).
    #[serde(default)]
    pub groups: Vec<GroupDef>,
}

/// One action group: a cargo feature that compiles its actions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    /// The feature name: lower-case letters, digits and `-`.
    pub name: Sp<String>,
    /// What the group's actions are for.
    pub doc: String,
}

/// `spec/errors.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorsFile {
    /// The catalogue.
    #[serde(default, rename = "error")]
    pub errors: Vec<ErrorCode>,
}

/// One error code of the catalogue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorCode {
    /// The code as the service sends it.
    pub code: Sp<String>,
    /// Retry class: `never` (default), `throttling`, `transient`, `resign`.
    pub retry: Option<Sp<String>>,
    /// What the code means.
    pub doc: Option<String>,
}

/// `spec/types/<Name>.toml`: a shared structure or enumeration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    /// The service's name for the type.
    pub name: Sp<String>,
    /// `struct` (default) or `enum`.
    pub kind: Option<Sp<String>>,
    /// For enums: the wire type of the values (`string`, `int64`, `uint64`).
    #[serde(rename = "type")]
    pub repr: Option<Sp<String>>,
    /// Rust name, when the service's name cannot be used as it is.
    pub rust_name: Option<Sp<String>>,
    /// `in` (only sent), `out` (only received) or `both`; computed from the
    /// actions that use the type when absent.
    pub usage: Option<Sp<String>>,
    /// Keep members this spec does not list (received types only) in an
    /// `extra` map, instead of dropping them.
    #[serde(default)]
    pub keep_unknown: bool,
    /// What the type is.
    pub doc: Option<String>,
    /// Struct members, in wire order.
    #[serde(default, rename = "member")]
    pub members: Vec<Member>,
    /// Enum values.
    #[serde(default, rename = "value")]
    pub values: Vec<EnumValue>,
    /// File the type was read from.
    #[serde(skip)]
    pub file: FileId,
}

impl TypeDef {
    /// Whether this is an enumeration.
    pub fn is_enum(&self) -> bool {
        self.kind.as_ref().is_some_and(|k| k.get_ref() == "enum")
    }
}

/// One value of an enumeration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// The value on the wire (string or integer).
    pub value: Sp<toml::Value>,
    /// Rust variant name; derived from the value when absent.
    pub name: Option<Sp<String>>,
    /// What the value means.
    pub doc: Option<String>,
    /// Set when the value should no longer be used (the reason).
    pub deprecated: Option<Sp<String>>,
}

/// `spec/actions/<Name>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDef {
    /// The action name (`X-TC-Action`).
    pub name: Sp<String>,
    /// The service's short title for the action.
    pub title: Option<String>,
    /// What the action does.
    pub doc: Option<String>,
    /// Documented rate limit, in requests per second.
    pub rate_limit: Option<Sp<i64>>,
    /// Whether sending the same request twice is harmless.
    pub idempotent: Sp<bool>,
    /// The group (cargo feature) the action belongs to.
    pub group: Option<Sp<String>>,
    /// Set when the action should no longer be used (the reason).
    pub deprecated: Option<Sp<String>>,
    /// Host serving this action in production, when not the service's.
    pub host: Option<Sp<String>>,
    /// Host serving this action in the integration-test environment, when
    /// not the service's `test_endpoint`.
    pub test_host: Option<Sp<String>>,
    /// Error codes the action documents (besides the service's common ones).
    #[serde(default)]
    pub errors: Vec<Sp<String>>,
    /// Request members, in wire order.
    #[serde(default)]
    pub input: Vec<Member>,
    /// Response members, in wire order (`RequestId` is implied).
    #[serde(default)]
    pub output: Vec<Member>,
    /// File the action was read from.
    #[serde(skip)]
    pub file: FileId,
}

/// A member of a request, a response or a structure.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Wire name (PascalCase).
    pub name: Sp<String>,
    /// `string`, `int64`, `uint64`, `float`, `bool`, `json`, or a type of `spec/types`.
    #[serde(rename = "type")]
    pub ty: Sp<String>,
    /// A list of `type`.
    #[serde(default)]
    pub list: bool,
    /// Input: must be sent. Output: always present.
    #[serde(default)]
    pub required: bool,
    /// Set when the member should no longer be used (the reason).
    pub deprecated: Option<Sp<String>>,
    /// What the member is.
    pub doc: Option<String>,
    /// A realistic value.
    pub example: Option<String>,
    /// The value the service assumes when the member is not sent.
    pub default: Option<Sp<toml::Value>>,
    /// Smallest length, in characters.
    pub min_chars: Option<Sp<i64>>,
    /// Largest length, in characters.
    pub max_chars: Option<Sp<i64>>,
    /// Smallest number.
    pub min: Option<Sp<toml::Value>>,
    /// Largest number.
    pub max: Option<Sp<toml::Value>>,
    /// The values the service documents (for a list, of each element).
    /// Documented, not enforced: the service may add values.
    pub values: Option<Sp<Vec<toml::Value>>>,
    /// Fewest list elements.
    pub min_items: Option<Sp<i64>>,
    /// Most list elements.
    pub max_items: Option<Sp<i64>>,
    /// `base64` or `digits`.
    pub format: Option<Sp<String>>,
    /// Personal data (names, mobiles, ID numbers): never printed.
    #[serde(default)]
    pub sensitive: bool,
    /// Rust field name, when the derived one cannot be used.
    pub rust_name: Option<Sp<String>>,
    /// The rule keys of this member (`max_chars`, `values`, `default`, ...)
    /// that were read from the official description's prose rather than its
    /// typed facts, so that a maintainer can audit them.
    #[serde(default)]
    pub extracted: Vec<Sp<String>>,
}

pub use crate::resolved::Prim;

/// The whole spec of the service.
#[derive(Debug, Clone)]
pub struct Spec {
    /// `service.toml`.
    pub service: Service,
    /// File of `service.toml`.
    pub service_file: FileId,
    /// The error catalogue, in file order.
    pub errors: Vec<ErrorCode>,
    /// Index of each code's first entry in `errors`: lookups never depend on
    /// the order of `errors.toml`.
    pub error_index: std::collections::HashMap<String, usize>,
    /// File of `errors.toml`.
    pub errors_file: FileId,
    /// Shared types, sorted by name.
    pub types: Vec<TypeDef>,
    /// Actions, sorted by name.
    pub actions: Vec<ActionDef>,
    /// Text of every file read.
    pub sources: Sources,
    /// What is missing because a file did not parse.
    pub partial: Partial,
}

/// The parts of a spec that could not be read (their files did not parse):
/// the checks skip what depends on them, so one syntax error is reported
/// once, not again as every reference into the file.
#[derive(Debug, Clone, Default)]
pub struct Partial {
    /// `service.toml` did not parse.
    pub service: bool,
    /// `errors.toml` did not parse: error codes cannot be looked up.
    pub catalogue: bool,
    /// File stems of `types/` files that did not parse.
    pub unparsed_types: std::collections::BTreeSet<String>,
}

impl Partial {
    /// Whether every file parsed.
    pub fn is_empty(&self) -> bool {
        !self.service && !self.catalogue && self.unparsed_types.is_empty()
    }
}

impl Spec {
    /// The type named `name`.
    pub fn find_type(&self, name: &str) -> Option<&TypeDef> {
        self.type_index(name).map(|i| &self.types[i])
    }

    /// The index in `types` of the type named `name`.
    pub fn type_index(&self, name: &str) -> Option<usize> {
        self.types
            .binary_search_by(|t| t.name.get_ref().as_str().cmp(name))
            .ok()
    }

    /// The catalogue entry for `code`.
    pub fn find_error(&self, code: &str) -> Option<&ErrorCode> {
        self.error_index.get(code).map(|&i| &self.errors[i])
    }
}

/// The location of a spanned value in file `file`.
pub fn loc<T>(file: FileId, v: &Sp<T>) -> Location {
    Location {
        file,
        span: v.span(),
    }
}

//! The resolved model: what [`check`](crate::check::check) builds from a
//! spec that passed every check, and the only input of
//! [`emit`](crate::emit).
//!
//! Everything the raw model ([`crate::model`]) leaves open is settled here:
//! type references point at a structure or an enumeration that exists,
//! spelled-out choices (`kind`, `type`, `retry`, `format`, `usage`) are
//! enums, every Rust name is computed once (by [`crate::naming`]), defaults
//! are filled in, and each structure knows whether it is sent, received or
//! both. Values keep no spans: diagnostics are over by the time a model
//! exists.

use std::collections::HashMap;
use std::fmt;
use std::ops::Index;

pub use crate::naming::ActionNames;

/// The whole service, checked and resolved.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) service: Service,
    pub(crate) errors: Catalogue,
    pub(crate) types: Vec<TypeId>,
    pub(crate) structures: Vec<Structure>,
    pub(crate) enumerations: Vec<Enumeration>,
    pub(crate) actions: Vec<Action>,
}

impl Model {
    /// The service's facts.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The error catalogue.
    pub fn errors(&self) -> &Catalogue {
        &self.errors
    }

    /// Every shared type, sorted by wire name.
    pub fn types(&self) -> &[TypeId] {
        &self.types
    }

    /// Every shared structure, in wire-name order.
    pub fn structures(&self) -> &[Structure] {
        &self.structures
    }

    /// Every shared enumeration, in wire-name order.
    pub fn enumerations(&self) -> &[Enumeration] {
        &self.enumerations
    }

    /// Every action, sorted by wire name.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The shared type whose wire name is `wire`.
    pub fn type_named(&self, wire: &str) -> Option<TypeId> {
        self.types
            .binary_search_by(|&t| self.type_name(t).wire.as_str().cmp(wire))
            .ok()
            .map(|i| self.types[i])
    }

    /// The names of shared type `id`.
    pub fn type_name(&self, id: TypeId) -> &TypeName {
        match id {
            TypeId::Structure(s) => &self[s].name,
            TypeId::Enumeration(e) => &self[e].name,
        }
    }
}

impl Index<StructId> for Model {
    type Output = Structure;

    fn index(&self, id: StructId) -> &Structure {
        &self.structures[id.0]
    }
}

impl Index<EnumId> for Model {
    type Output = Enumeration;

    fn index(&self, id: EnumId) -> &Enumeration {
        &self.enumerations[id.0]
    }
}

impl Index<ValueId> for Model {
    type Output = EnumValue;

    fn index(&self, id: ValueId) -> &EnumValue {
        &self[id.enumeration].values[id.index]
    }
}

impl Index<ErrorId> for Model {
    type Output = ErrorCode;

    fn index(&self, id: ErrorId) -> &ErrorCode {
        &self.errors[id]
    }
}

/// A shared structure of a [`Model`]; only the model's checks make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StructId(pub(crate) usize);

/// A shared enumeration of a [`Model`]; only the model's checks make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnumId(pub(crate) usize);

/// A value of a shared enumeration of a [`Model`]; only the model's checks
/// make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValueId {
    pub(crate) enumeration: EnumId,
    pub(crate) index: usize,
}

impl ValueId {
    /// The enumeration the value belongs to.
    pub fn enumeration(self) -> EnumId {
        self.enumeration
    }
}

/// A code of a [`Catalogue`]. Ids order as their codes do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ErrorId(pub(crate) usize);

/// A shared type: a structure or an enumeration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeId {
    /// A structure (`kind = "struct"`, the default).
    Structure(StructId),
    /// An enumeration (`kind = "enum"`).
    Enumeration(EnumId),
}

/// The two names of a shared type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeName {
    /// The service's name (`QRCode`), the file's stem.
    pub wire: String,
    /// The Rust name (`QrCode`, or the spec's `rust_name`).
    pub rust: String,
}

// ----- service ---------------------------------------------------------------

/// Facts about the service that every request needs.
#[derive(Debug, Clone)]
pub struct Service {
    /// Short name used in the signature's credential scope (`ess`).
    pub name: String,
    /// Human-readable name (the short name when the spec gives none).
    pub title: String,
    /// API version sent as `X-TC-Version`.
    pub version: String,
    /// Default host name.
    pub endpoint: String,
    /// Host of the integration-test environment (the default host when the
    /// spec gives none).
    pub test_endpoint: String,
    /// Codes every action can answer, in spec order.
    pub common_errors: Vec<ErrorId>,
    /// The hosts that serve particular actions, sorted, each pair once.
    pub action_hosts: Vec<Host>,
    /// The action groups (cargo features of `ess-api`), in spec order.
    pub groups: Vec<Group>,
}

/// An action group: a cargo feature of `ess-api` that compiles its actions
/// and the types they use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The feature name.
    pub name: String,
    /// What its actions are for.
    pub doc: String,
}

/// Where an action is served, when not at the service's hosts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Host {
    /// Production host.
    pub production: String,
    /// Integration-test host (the production one when the spec gives none).
    pub test: String,
}

// ----- errors ----------------------------------------------------------------

/// The error catalogue: every code, sorted, and an index by code.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    codes: Vec<ErrorCode>,
    index: HashMap<String, ErrorId>,
}

impl Catalogue {
    /// A catalogue of `codes`, in any order (each code once).
    pub(crate) fn new(mut codes: Vec<ErrorCode>) -> Self {
        codes.sort_by(|a, b| a.code.cmp(&b.code));
        let index = codes
            .iter()
            .enumerate()
            .map(|(i, e)| (e.code.clone(), ErrorId(i)))
            .collect();
        Self { codes, index }
    }

    /// Every code, sorted: the order does not depend on `errors.toml`.
    pub fn sorted(&self) -> &[ErrorCode] {
        &self.codes
    }

    /// Every code with its id, sorted.
    pub fn iter(&self) -> impl Iterator<Item = (ErrorId, &ErrorCode)> {
        self.codes.iter().enumerate().map(|(i, e)| (ErrorId(i), e))
    }

    /// The id of `code`.
    pub fn get(&self, code: &str) -> Option<ErrorId> {
        self.index.get(code).copied()
    }

    /// How many codes.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

impl Index<ErrorId> for Catalogue {
    type Output = ErrorCode;

    fn index(&self, id: ErrorId) -> &ErrorCode {
        &self.codes[id.0]
    }
}

/// One code of the catalogue.
#[derive(Debug, Clone)]
pub struct ErrorCode {
    /// The code as the service sends it.
    pub code: String,
    /// The Rust variant naming it in error enums.
    pub variant: String,
    /// The constant naming it in `service::codes`.
    pub constant: String,
    /// How a retry policy treats it.
    pub retry: RetryClass,
    /// What it means.
    pub doc: String,
}

/// How a retry policy treats an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetryClass {
    /// Not retried (the default).
    #[default]
    Never,
    /// Retried after a back-off: the service is throttling.
    Throttling,
    /// Retried: the failure is temporary.
    Transient,
    /// Retried once signed again (the signature expired).
    Resign,
}

impl RetryClass {
    /// Every class.
    pub const ALL: [RetryClass; 4] = [
        RetryClass::Never,
        RetryClass::Throttling,
        RetryClass::Transient,
        RetryClass::Resign,
    ];

    /// The class as the spec and `#[ess(retry = ...)]` spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            RetryClass::Never => ess_grammar::RETRY_NEVER,
            RetryClass::Throttling => ess_grammar::RETRY_THROTTLING,
            RetryClass::Transient => ess_grammar::RETRY_TRANSIENT,
            RetryClass::Resign => ess_grammar::RETRY_RESIGN,
        }
    }

    /// The class spelled `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

// ----- types -----------------------------------------------------------------

/// The primitive member types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prim {
    /// UTF-8 string.
    String,
    /// Signed 64-bit integer.
    Int64,
    /// Unsigned 64-bit integer.
    Uint64,
    /// 64-bit float.
    Float,
    /// Boolean.
    Bool,
    /// Any JSON value, kept as received.
    Json,
}

impl Prim {
    /// The primitive named `s`, if any.
    pub fn parse(s: &str) -> Option<Prim> {
        Some(match s {
            "string" => Prim::String,
            "int64" => Prim::Int64,
            "uint64" => Prim::Uint64,
            "float" => Prim::Float,
            "bool" => Prim::Bool,
            "json" => Prim::Json,
            _ => return None,
        })
    }

    /// Whether the primitive is an integer.
    pub fn is_int(self) -> bool {
        matches!(self, Prim::Int64 | Prim::Uint64)
    }
}

/// Whether a structure travels in requests, in responses, or both.
///
/// A type's `usage` in the spec (`in`, `out`, `both`) declares one; the
/// actions that reach a type add to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Only sent (`usage = "in"`, or reached only from requests).
    Sent,
    /// Only received (`usage = "out"`, or reached only from responses).
    Received,
    /// Sent and received.
    Both,
}

impl Direction {
    /// Every direction.
    pub const ALL: [Direction; 3] = [Direction::Sent, Direction::Received, Direction::Both];

    /// The direction as a type's `usage` spells it.
    pub const fn usage(self) -> &'static str {
        match self {
            Direction::Sent => "in",
            Direction::Received => "out",
            Direction::Both => "both",
        }
    }

    /// The direction a `usage` of `s` declares.
    pub fn parse_usage(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.usage() == s)
    }

    /// The direction of something sent if `sent`, received if `received`.
    pub fn from_flags(sent: bool, received: bool) -> Option<Self> {
        match (sent, received) {
            (true, false) => Some(Direction::Sent),
            (false, true) => Some(Direction::Received),
            (true, true) => Some(Direction::Both),
            (false, false) => None,
        }
    }

    /// Whether it travels in requests.
    pub fn is_sent(self) -> bool {
        matches!(self, Direction::Sent | Direction::Both)
    }

    /// Whether it travels in responses.
    pub fn is_received(self) -> bool {
        matches!(self, Direction::Received | Direction::Both)
    }
}

/// A shared structure.
#[derive(Debug, Clone)]
pub struct Structure {
    /// Its names.
    pub name: TypeName,
    /// What it is (empty when the spec says nothing).
    pub doc: String,
    /// The `usage` the spec declares, if any.
    pub usage: Option<Direction>,
    /// How it travels: the declared usage plus what the actions reach.
    /// `None` for a structure that no action reaches and that declares no
    /// usage.
    pub direction: Option<Direction>,
    /// Whether members the spec does not list are kept (in
    /// [`EXTRA_FIELD`](crate::naming::EXTRA_FIELD)).
    pub keep_unknown: bool,
    /// Its members, in wire order.
    pub members: Vec<Member>,
}

/// The wire type of an enumeration's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumRepr {
    /// Strings.
    String,
    /// Signed integers.
    Int64,
    /// Unsigned integers.
    Uint64,
}

/// A shared enumeration (open: unknown values are kept).
#[derive(Debug, Clone)]
pub struct Enumeration {
    /// Its names.
    pub name: TypeName,
    /// What it is (empty when the spec says nothing).
    pub doc: String,
    /// The wire type of its values.
    pub repr: EnumRepr,
    /// Its values, in spec order (at least one).
    pub values: Vec<EnumValue>,
    /// The variant of its first value, which is its `Default`.
    pub default_variant: String,
}

/// One value of an enumeration.
#[derive(Debug, Clone)]
pub struct EnumValue {
    /// The value on the wire.
    pub wire: WireValue,
    /// Its Rust variant.
    pub variant: String,
    /// What it means, if the spec says.
    pub doc: Option<String>,
    /// Why it should no longer be used, if so.
    pub deprecated: Option<String>,
}

/// An enumeration value as sent on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireValue {
    /// Of a string enumeration.
    String(String),
    /// Of an integer enumeration (non-negative for `uint64`).
    Int(i64),
}

impl fmt::Display for WireValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireValue::String(s) => f.write_str(s),
            WireValue::Int(i) => write!(f, "{i}"),
        }
    }
}

// ----- members ---------------------------------------------------------------

/// A member of a request, a response or a structure.
#[derive(Debug, Clone)]
pub struct Member {
    /// Wire name (PascalCase).
    pub wire: String,
    /// Rust field name (a keyword is emitted raw).
    pub field: String,
    /// The builder's `Option` setter of the field.
    pub setter: String,
    /// The type of the member (of each element, for a list).
    pub ty: MemberType,
    /// A list of `ty`.
    pub list: bool,
    /// Request: must be sent. Response: always present.
    pub required: bool,
    /// What it is (empty when the spec says nothing).
    pub doc: String,
    /// A realistic value.
    pub example: Option<String>,
    /// Why it should no longer be used, if so.
    pub deprecated: Option<String>,
    /// What the service assumes when it is not sent.
    pub default: Option<MemberDefault>,
    /// Smallest length, in characters.
    pub min_chars: Option<u64>,
    /// Largest length, in characters.
    pub max_chars: Option<u64>,
    /// Smallest number.
    pub min: Option<Bound>,
    /// Largest number.
    pub max: Option<Bound>,
    /// Fewest list elements.
    pub min_items: Option<u64>,
    /// Most list elements.
    pub max_items: Option<u64>,
    /// The format a string must have.
    pub format: Option<Format>,
    /// The values the service documents (not enforced), as the spec
    /// writes them.
    pub values: Option<Vec<String>>,
    /// Personal data: never printed.
    pub sensitive: bool,
}

/// The type of a member, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberType {
    /// A primitive.
    Prim(Prim),
    /// A shared structure.
    Structure(StructId),
    /// A shared enumeration.
    Enumeration(EnumId),
}

impl MemberType {
    /// The structure it names, if it names one.
    pub fn structure(self) -> Option<StructId> {
        match self {
            MemberType::Structure(s) => Some(s),
            MemberType::Prim(_) | MemberType::Enumeration(_) => None,
        }
    }
}

/// The format a string member must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Base64.
    Base64,
    /// ASCII digits only.
    Digits,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 2] = [Format::Base64, Format::Digits];

    /// The format as the spec and `#[ess(format = ...)]` spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Base64 => ess_grammar::FORMAT_BASE64,
            Format::Digits => ess_grammar::FORMAT_DIGITS,
        }
    }

    /// The format spelled `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A numeric bound, as written in the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// The number.
    pub value: Number,
    /// How the spec writes it.
    pub text: String,
}

/// A number as written: an integer stays an integer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer.
    Int(i64),
    /// A finite float.
    Float(f64),
}

impl Number {
    /// The number as a float (for comparisons).
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// The default of a member.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberDefault {
    /// The constant that holds it on the structure.
    pub constant: String,
    /// The value, typed as the member.
    pub value: DefaultValue,
    /// How the spec writes it.
    pub text: String,
}

/// A default value, of the member's type.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// Of a `bool` member.
    Bool(bool),
    /// Of a `string` member.
    String(String),
    /// Of an `int64` member.
    Int64(i64),
    /// Of a `uint64` member.
    Uint64(u64),
    /// Of a `float` member (finite).
    Float(f64),
    /// Of an enumeration member: one of its values.
    Variant(ValueId),
}

// ----- actions ---------------------------------------------------------------

/// One action.
#[derive(Debug, Clone)]
pub struct Action {
    /// The action name (`X-TC-Action`).
    pub wire: String,
    /// The group (cargo feature) it belongs to; `None` in a spec that
    /// declares no groups.
    pub group: Option<String>,
    /// Its Rust names.
    pub names: ActionNames,
    /// The service's short title, if given.
    pub title: Option<String>,
    /// What it does (empty when the spec says nothing).
    pub doc: String,
    /// Documented rate limit, in requests per second.
    pub rate_limit: Option<u32>,
    /// Whether sending the same request twice is harmless.
    pub idempotent: bool,
    /// Why it should no longer be used, if so.
    pub deprecated: Option<String>,
    /// Where it is served, when not at the service's hosts.
    pub host: Option<Host>,
    /// The codes it answers with.
    pub errors: ActionErrors,
    /// Request members, in wire order (a request is [`Direction::Sent`]).
    pub input: Vec<Member>,
    /// Response members, in wire order, without `RequestId` (a response is
    /// [`Direction::Received`]).
    pub output: Vec<Member>,
}

/// The error codes of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionErrors {
    /// It documents none of its own: its error is the service-wide one.
    ServiceWide,
    /// Exactly the codes it documents, sorted, each once.
    Own(Vec<ErrorId>),
}

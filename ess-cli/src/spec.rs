//! The service as the command line knows it: tables generated from the
//! spec by `build.rs`, and lookups over them.

/// The type of a member (of each element, for a list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A UTF-8 string.
    String,
    /// A signed 64-bit integer.
    Int64,
    /// An unsigned 64-bit integer.
    Uint64,
    /// A 64-bit float.
    Float,
    /// A boolean.
    Bool,
    /// Any JSON value.
    Json,
    /// A shared structure: an index into [`STRUCTS`].
    Struct(usize),
    /// A shared enumeration: an index into [`ENUMS`].
    Enum(usize),
}

/// The wire type of an enumeration's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repr {
    /// Strings.
    String,
    /// Signed integers.
    Int64,
    /// Unsigned integers (the spec allows them; no enumeration uses them
    /// today).
    #[allow(dead_code)]
    Uint64,
}

/// A member of a request, a response or a structure.
#[derive(Debug)]
pub struct MemberDef {
    /// The wire name, which is also the option (`--TemplateId`).
    pub wire: &'static str,
    /// The kebab-case alias (`--template-id`), unless it would be one of
    /// `ess`'s own options.
    pub kebab: Option<&'static str>,
    /// Its type.
    pub ty: Ty,
    /// A list of `ty`.
    pub list: bool,
    /// Request: must be sent. Response: always present.
    pub required: bool,
    /// What it is.
    pub doc: &'static str,
    /// A realistic value, as the spec writes it.
    pub example: Option<&'static str>,
    /// Why it should no longer be used.
    pub deprecated: Option<&'static str>,
    /// What the service assumes when it is not sent.
    pub default: Option<&'static str>,
    /// Smallest length, in characters.
    pub min_chars: Option<u64>,
    /// Largest length, in characters.
    pub max_chars: Option<u64>,
    /// Smallest number, as written.
    pub min: Option<&'static str>,
    /// Largest number, as written.
    pub max: Option<&'static str>,
    /// Fewest list elements.
    pub min_items: Option<u64>,
    /// Most list elements.
    pub max_items: Option<u64>,
    /// The format a string must have (`base64`, `digits`).
    pub format: Option<&'static str>,
    /// The values the service documents (not enforced).
    pub values: &'static [&'static str],
    /// Personal data.
    pub sensitive: bool,
}

/// One action.
#[derive(Debug)]
pub struct ActionDef {
    /// The action's name (`CreateMultiFlowSignQRCode`).
    pub wire: &'static str,
    /// Its kebab-case alias (`create-multi-flow-sign-qr-code`).
    pub kebab: &'static str,
    /// The service's short title.
    pub title: Option<&'static str>,
    /// What it does.
    pub doc: &'static str,
    /// Why it should no longer be used.
    pub deprecated: Option<&'static str>,
    /// Whether sending the same request twice is harmless.
    pub idempotent: bool,
    /// The documented rate limit, in requests per second.
    pub rate_limit: Option<u32>,
    /// The codes it documents (empty: the service-wide ones only).
    pub errors: &'static [&'static str],
    /// Request members, in wire order.
    pub input: &'static [MemberDef],
    /// Response members, in wire order (without `RequestId`).
    pub output: &'static [MemberDef],
}

/// A shared structure.
#[derive(Debug)]
pub struct StructDef {
    /// Its wire name.
    pub wire: &'static str,
    /// What it is.
    pub doc: &'static str,
    /// Its members, in wire order.
    pub members: &'static [MemberDef],
}

/// A shared enumeration.
#[derive(Debug)]
pub struct EnumDef {
    /// Its wire name.
    pub wire: &'static str,
    /// What it is.
    pub doc: &'static str,
    /// The wire type of its values.
    pub repr: Repr,
    /// Its values.
    pub values: &'static [ValueDef],
}

/// One value of an enumeration.
#[derive(Debug)]
pub struct ValueDef {
    /// The value as sent.
    pub wire: &'static str,
    /// What it means.
    pub doc: Option<&'static str>,
    /// Why it should no longer be used.
    pub deprecated: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/cli_tables.rs"));

/// The action named `name`: its wire name or its kebab-case alias.
pub fn action(name: &str) -> Option<&'static ActionDef> {
    if let Ok(i) = ACTIONS.binary_search_by(|a| a.wire.cmp(name)) {
        return Some(&ACTIONS[i]);
    }
    ACTIONS.iter().find(|a| a.kebab == name)
}

impl Ty {
    /// How the type is named in help and messages.
    pub fn name(self) -> &'static str {
        match self {
            Ty::String => "string",
            Ty::Int64 => "int64",
            Ty::Uint64 => "uint64",
            Ty::Float => "float",
            Ty::Bool => "bool",
            Ty::Json => "json",
            Ty::Struct(i) => STRUCTS[i].wire,
            Ty::Enum(i) => ENUMS[i].wire,
        }
    }
}

impl MemberDef {
    /// The type as help shows it: `string`, `list of UserInfo`.
    pub fn type_name(&self) -> String {
        if self.list {
            format!("list of {}", self.ty.name())
        } else {
            self.ty.name().to_owned()
        }
    }

    /// The rules the spec gives, in words: `1 to 200 characters`.
    pub fn rules(&self) -> Vec<String> {
        let mut rules = Vec::new();
        match (self.min_chars, self.max_chars) {
            (Some(a), Some(b)) if a == b => rules.push(format!("exactly {a} characters")),
            (Some(a), Some(b)) => rules.push(format!("{a} to {b} characters")),
            (Some(1), None) => rules.push("not empty".to_owned()),
            (Some(a), None) => rules.push(format!("at least {a} characters")),
            (None, Some(b)) => rules.push(format!("at most {b} characters")),
            (None, None) => {}
        }
        match (self.min, self.max) {
            (Some(a), Some(b)) => rules.push(format!("{a} to {b}")),
            (Some(a), None) => rules.push(format!("at least {a}")),
            (None, Some(b)) => rules.push(format!("at most {b}")),
            (None, None) => {}
        }
        let elements = |n: u64| if n == 1 { "element" } else { "elements" };
        match (self.min_items, self.max_items) {
            (Some(a), Some(b)) => rules.push(format!("{a} to {b} elements")),
            (Some(a), None) => rules.push(format!("at least {a} {}", elements(a))),
            (None, Some(b)) => rules.push(format!("at most {b} {}", elements(b))),
            (None, None) => {}
        }
        if let Some(f) = self.format {
            rules.push(match f {
                "digits" => "digits only".to_owned(),
                other => other.to_owned(),
            });
        }
        rules
    }
}

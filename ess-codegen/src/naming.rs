//! How the service's names become Rust names: one function per kind of
//! name. The checks and the resolved model call these; nothing else derives
//! a name.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

/// Rust keywords (strict, reserved and edition-specific).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be written as raw identifiers (`r#self` is invalid).
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Type names that would shadow the prelude or the SDK's own items.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Option",
    "Result",
    "Some",
    "None",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Default",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "ToString",
    "ToOwned",
    "Into",
    "From",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Debug",
    "Client",
    "ClientBuilder",
    "Config",
    "Credentials",
    "Error",
    "EssError",
    "SdkError",
    "Action",
    "ErrorMeta",
    "RetryClass",
    "ServiceError",
    "Validate",
    "ValidationErrors",
    "Violation",
];

/// Whether `s` is a Rust keyword.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Whether `s` cannot be used as an identifier even in raw form.
pub fn is_unusable(s: &str) -> bool {
    NOT_RAW.contains(&s)
}

/// Whether `s` is a plain identifier (ASCII letter or `_`, then letters, digits, `_`).
pub fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Field of a response that carries the request id, on the wire.
pub const REQUEST_ID_WIRE: &str = "RequestId";
/// Rust field of a response that carries the request id.
pub const REQUEST_ID_FIELD: &str = "request_id";
/// Rust field of a structure that keeps the members the spec does not list.
pub const EXTRA_FIELD: &str = "extra";
/// The service-wide error enum, at the root of the generated code.
pub const SERVICE_ERROR: &str = "EssError";
/// What `EssModel` appends to a type's name to name its builder.
pub const BUILDER_SUFFIX: &str = "Builder";

/// Rust name of a shared type: its `rust_name` when set, else the
/// service's name in UpperCamelCase (`QRCode` → `QrCode`).
pub fn type_name(wire: &str, rust_name: Option<&str>) -> String {
    match rust_name {
        Some(n) => n.to_owned(),
        None => wire.to_upper_camel_case(),
    }
}

/// Name of the builder `EssModel` derives for the type named `type_name`.
pub fn builder_name(type_name: &str) -> String {
    format!("{type_name}{BUILDER_SUFFIX}")
}

/// Rust field name of a member: its `rust_name` when set, else the wire
/// name in snake_case (`FlowName` → `flow_name`).
pub fn field_name(wire: &str, rust_name: Option<&str>) -> String {
    match rust_name {
        Some(n) => n.to_owned(),
        None => wire.to_snake_case(),
    }
}

/// Name of the builder method that sets or clears field `field` with an
/// `Option`: `set_flow_name`.
pub fn setter_name(field: &str) -> String {
    format!("set_{field}")
}

/// Name of the constant holding the default of field `field`:
/// `DEFAULT_FLOW_NAME`.
pub fn default_const(field: &str) -> String {
    format!("DEFAULT_{}", field.to_ascii_uppercase())
}

/// Module (and client method) name of an action:
/// `CreateMultiFlowSignQRCode` → `create_multi_flow_sign_qr_code`.
pub fn module_name(action: &str) -> String {
    action.to_snake_case()
}

/// The Rust names generated for one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionNames {
    /// Its module under `operation`, which is also the client's method.
    pub module: String,
    /// The request: `CreateMultiFlowSignQrCodeInput`.
    pub input: String,
    /// The request's builder.
    pub input_builder: String,
    /// The response.
    pub output: String,
    /// The response's builder.
    pub output_builder: String,
    /// The error enum (or alias of the service-wide error).
    pub error: String,
    /// The fluent builder the client's method returns.
    pub fluent_builder: String,
}

impl ActionNames {
    /// Every type name the action claims in its module, in a fixed order.
    pub fn items(&self) -> [&str; 6] {
        [
            &self.input,
            &self.input_builder,
            &self.output,
            &self.output_builder,
            &self.error,
            &self.fluent_builder,
        ]
    }
}

/// The Rust names of action `action`: `CreateMultiFlowSignQRCode` →
/// module `create_multi_flow_sign_qr_code`, `CreateMultiFlowSignQrCodeInput`, ...
pub fn action_names(action: &str) -> ActionNames {
    let base = action.to_upper_camel_case();
    let input = format!("{base}Input");
    let output = format!("{base}Output");
    ActionNames {
        module: module_name(action),
        input_builder: builder_name(&input),
        output_builder: builder_name(&output),
        input,
        output,
        error: format!("{base}Error"),
        fluent_builder: format!("{base}FluentBuilder"),
    }
}

/// Variant name for an error code: `FailedOperation.QrCodeTemplateId` →
/// `FailedOperationQrCodeTemplateId`.
pub fn code_variant(code: &str) -> String {
    code.to_upper_camel_case()
}

/// The constant naming an error code: `OperationDenied.NoQuota` →
/// `OPERATION_DENIED_NO_QUOTA`.
pub fn code_const(code: &str) -> String {
    code_variant(code).to_shouty_snake_case()
}

/// Variant name of an enumeration value: its `name` when set, else the
/// string value in UpperCamelCase (`OCR_ESIGN` → `OcrEsign`); `None` for an
/// integer value without a name (`string_value` is `None`).
pub fn value_variant(name: Option<&str>, string_value: Option<&str>) -> Option<String> {
    match (name, string_value) {
        (Some(n), _) => Some(n.to_owned()),
        (None, Some(v)) => Some(v.to_upper_camel_case()),
        (None, None) => None,
    }
}

/// The identifier to emit for a field: raw where it is a keyword.
pub fn field_ident(name: &str) -> proc_macro2::Ident {
    if is_keyword(name) {
        proc_macro2::Ident::new_raw(name, proc_macro2::Span::call_site())
    } else {
        proc_macro2::Ident::new(name, proc_macro2::Span::call_site())
    }
}

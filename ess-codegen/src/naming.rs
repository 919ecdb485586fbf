//! How the service's names become Rust names.

use heck::{ToSnakeCase, ToUpperCamelCase};

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

/// Field name for a wire name: `FlowName` → `flow_name`.
pub fn field_name(wire: &str) -> String {
    wire.to_snake_case()
}

/// Type name for a service name: `CreateMultiFlowSignQRCode` → `CreateMultiFlowSignQrCode`.
pub fn type_name(name: &str) -> String {
    name.to_upper_camel_case()
}

/// Module name for an action: `create_multi_flow_sign_qr_code`.
pub fn module_name(action: &str) -> String {
    action.to_snake_case()
}

/// Variant name for an error code: `FailedOperation.QrCodeTemplateId` →
/// `FailedOperationQrCodeTemplateId`.
pub fn code_variant(code: &str) -> String {
    code.to_upper_camel_case()
}

/// Variant name for a string enum value: `OCR_ESIGN` → `OcrEsign`.
pub fn value_variant(value: &str) -> String {
    value.to_upper_camel_case()
}

/// The identifier to emit for a field: raw where it is a keyword.
pub fn field_ident(name: &str) -> proc_macro2::Ident {
    if is_keyword(name) {
        proc_macro2::Ident::new_raw(name, proc_macro2::Span::call_site())
    } else {
        proc_macro2::Ident::new(name, proc_macro2::Span::call_site())
    }
}

/// The constant naming an error code: `OperationDenied.NoQuota` →
/// `OPERATION_DENIED_NO_QUOTA`.
pub fn code_const(code: &str) -> String {
    use heck::ToShoutySnakeCase;
    code_variant(code).to_shouty_snake_case()
}

//! Doc text: `#[doc]` attributes, and the descriptions of types and members.

use proc_macro2::TokenStream;
use quote::quote;

use crate::resolved::{Format, Member};

/// One `#[doc]` attribute per line, each with the leading space `///` gives.
pub(super) fn docs(text: &str) -> TokenStream {
    let lines = text.trim().lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {}", l.trim_end())
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

/// Doc text of a shared type, with its wire name.
pub(super) fn with_wire_name(doc: &str, wire: &str) -> String {
    let doc = doc.trim();
    if doc.is_empty() {
        format!("Wire name: `{wire}`.")
    } else {
        format!("{doc}\n\nWire name: `{wire}`.")
    }
}

/// Doc text of a member: its description, then its rules. `response`: the
/// member is received, where `required` means always present.
pub(super) fn member_doc(m: &Member, response: bool) -> String {
    let mut doc = m.doc.trim().to_string();
    let mut facts: Vec<String> = Vec::new();
    if m.required {
        facts.push(if response {
            "Always present in a successful response.".into()
        } else {
            "Required.".into()
        });
    }
    match (m.min_chars, m.max_chars) {
        (Some(a), Some(b)) if a == b => facts.push(format!("Exactly {a} characters.")),
        (Some(a), Some(b)) => facts.push(format!("{a} to {b} characters.")),
        (Some(a), None) => facts.push(format!("At least {a} characters.")),
        (None, Some(b)) => facts.push(format!("At most {b} characters.")),
        (None, None) => {}
    }
    match (&m.min, &m.max) {
        (Some(a), Some(b)) => facts.push(format!("From {} to {}.", a.text, b.text)),
        (Some(a), None) => facts.push(format!("At least {}.", a.text)),
        (None, Some(b)) => facts.push(format!("At most {}.", b.text)),
        (None, None) => {}
    }
    match (m.min_items, m.max_items) {
        (Some(a), Some(b)) => facts.push(format!("{a} to {b} elements.")),
        (Some(a), None) => facts.push(format!("At least {a} element(s).")),
        (None, Some(b)) => facts.push(format!("At most {b} elements.")),
        (None, None) => {}
    }
    if let Some(f) = m.format {
        facts.push(
            match f {
                Format::Base64 => "Base64-encoded.",
                Format::Digits => "Digits only.",
            }
            .into(),
        );
    }
    if let Some(values) = &m.values {
        let list: Vec<String> = values.iter().map(|x| format!("`{x}`")).collect();
        facts.push(format!("Documented values: {}.", list.join(", ")));
    }
    if let Some(d) = &m.default {
        facts.push(format!("Default: `{}`.", d.text));
    }
    if let Some(e) = &m.example {
        facts.push(format!("Example: `{e}`."));
    }
    if m.sensitive {
        facts.push("Personal data: never printed by `Debug`.".into());
    }
    facts.push(format!("Wire name: `{}`.", m.wire));
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str(&facts.join(" "));
    doc
}

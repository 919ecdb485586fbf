//! Listings for auditing the spec.

use std::fmt::Write as _;

use crate::model::{Member, Spec};

/// Every rule marked `extracted` (read from the official description's
/// prose), one per line: `place<TAB>member<TAB>rule<TAB>value`, where place
/// is `action Name` or `type Name`, in spec order; then a count per rule.
pub fn extracted_rules(spec: &Spec) -> String {
    let mut out = String::from("# place\tmember\trule\tvalue\n");
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    let mut emit = |place: &str, members: &[&Member]| {
        for m in members {
            for rule in &m.extracted {
                let rule = rule.get_ref();
                let value = rule_value(m, rule);
                let _ = writeln!(out, "{place}\t{}\t{rule}\t{value}", m.name.get_ref());
                *counts.entry(rule.clone()).or_default() += 1;
            }
        }
    };
    for a in &spec.actions {
        let members: Vec<&Member> = a.input.iter().chain(&a.output).collect();
        emit(&format!("action {}", a.name.get_ref()), &members);
    }
    for t in &spec.types {
        let members: Vec<&Member> = t.members.iter().collect();
        emit(&format!("type {}", t.name.get_ref()), &members);
    }
    let total: usize = counts.values().sum();
    let _ = writeln!(out, "# {total} rules extracted");
    for (rule, n) in counts {
        let _ = writeln!(out, "# {rule}: {n}");
    }
    out
}

fn rule_value(m: &Member, rule: &str) -> String {
    let v = |x: Option<String>| x.unwrap_or_default();
    match rule {
        "default" => v(m.default.as_ref().map(|d| d.get_ref().to_string())),
        "min_chars" => v(m.min_chars.as_ref().map(|d| d.get_ref().to_string())),
        "max_chars" => v(m.max_chars.as_ref().map(|d| d.get_ref().to_string())),
        "min" => v(m.min.as_ref().map(|d| d.get_ref().to_string())),
        "max" => v(m.max.as_ref().map(|d| d.get_ref().to_string())),
        "min_items" => v(m.min_items.as_ref().map(|d| d.get_ref().to_string())),
        "max_items" => v(m.max_items.as_ref().map(|d| d.get_ref().to_string())),
        "format" => v(m.format.as_ref().map(|d| d.get_ref().clone())),
        "values" => v(m.values.as_ref().map(|d| {
            let items: Vec<String> = d.get_ref().iter().map(|x| x.to_string()).collect();
            format!("[{}]", items.join(", "))
        })),
        _ => String::new(),
    }
}

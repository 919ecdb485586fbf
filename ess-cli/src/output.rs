//! What `ess` prints: the answer (JSON, a table or text, optionally
//! filtered), a dry run's request, and a QR code drawn in the terminal.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;

use crate::failure::Failure;

/// How an answer is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pretty JSON in the service's wire shape (the default).
    Json,
    /// A table: one row per element of a list, or one per member.
    Table,
    /// Tab-separated values, one line per row.
    Text,
}

/// Writes `text` and a newline to standard output. A reader that stopped
/// early (`ess ... | head`) is not a failure.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Io(format!("cannot write the output: {e}"))),
    }
}

/// Prints an answer.
pub fn answer<T: Serialize>(
    answer: &T,
    format: Format,
    filter: Option<&jmespath::Expression<'_>>,
) -> Result<(), Failure> {
    if format == Format::Json && filter.is_none() {
        // Straight from the typed answer: members in wire order.
        let text = serde_json::to_string_pretty(answer)
            .map_err(|e| Failure::Io(format!("cannot encode the answer: {e}")))?;
        return write_stdout(&text);
    }
    let mut value = serde_json::to_value(answer)
        .map_err(|e| Failure::Io(format!("cannot encode the answer: {e}")))?;
    if let Some(expr) = filter {
        value = apply_filter(expr, &value)?;
    }
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&value).expect("JSON values serialize"),
        Format::Table => table(&value),
        Format::Text => text(&value),
    };
    write_stdout(&text)
}

/// What `expr` selects from `value`.
pub fn apply_filter(expr: &jmespath::Expression<'_>, value: &Value) -> Result<Value, Failure> {
    let data = jmespath::Variable::from_serializable(value)
        .map_err(|e| Failure::Io(format!("cannot filter the answer: {e}")))?;
    let found = expr
        .search(data)
        .map_err(|e| Failure::Usage(format!("--filter: {e}")))?;
    serde_json::to_value(&*found).map_err(|e| Failure::Io(format!("cannot filter the answer: {e}")))
}

/// A cell: strings bare, everything else as compact JSON.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Rows and their header: a list of objects gives one row per element and
/// one column per member; a list of scalars one column; an object one row
/// per member; a scalar one cell.
fn rows(value: &Value) -> (Vec<String>, Vec<Vec<String>>) {
    match value {
        Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => {
            let mut columns: Vec<String> = Vec::new();
            for item in items {
                for key in item.as_object().into_iter().flat_map(|o| o.keys()) {
                    if !columns.contains(key) {
                        columns.push(key.clone());
                    }
                }
            }
            let rows = items
                .iter()
                .map(|item| {
                    columns
                        .iter()
                        .map(|c| item.get(c).map(cell).unwrap_or_default())
                        .collect()
                })
                .collect();
            (columns, rows)
        }
        Value::Array(items) => (Vec::new(), items.iter().map(|v| vec![cell(v)]).collect()),
        Value::Object(map) => (
            Vec::new(),
            map.iter().map(|(k, v)| vec![k.clone(), cell(v)]).collect(),
        ),
        scalar => (Vec::new(), vec![vec![cell(scalar)]]),
    }
}

/// `value` as tables: a list as one table; an object as a table of its
/// members, followed by one table for each of its members that is a list
/// of objects, under that member's name. Nested values show as JSON, cut
/// at [`MAX_CELL`] characters (`--output json` shows them whole).
pub fn table(value: &Value) -> String {
    let Value::Object(map) = value else {
        return one_table(value);
    };
    let is_rows = |v: &Value| matches!(v, Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object));
    let members: serde_json::Map<String, Value> = map
        .iter()
        .filter(|(_, v)| !is_rows(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut parts = Vec::new();
    if !members.is_empty() {
        parts.push(one_table(&Value::Object(members)));
    }
    for (k, v) in map.iter().filter(|(_, v)| is_rows(v)) {
        parts.push(format!("{k}:\n{}", one_table(v)));
    }
    parts.join("\n")
}

/// The longest cell of a table, in characters.
pub const MAX_CELL: usize = 80;

fn one_table(value: &Value) -> String {
    let (header, rows) = rows(value);
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::ASCII_FULL_CONDENSED);
    if !header.is_empty() {
        t.set_header(header);
    }
    for r in rows {
        t.add_row(r.into_iter().map(|c| {
            if c.chars().count() > MAX_CELL {
                let cut: String = c.chars().take(MAX_CELL - 1).collect();
                format!("{cut}…")
            } else {
                c
            }
        }));
    }
    t.to_string()
}

/// `value` as tab-separated lines.
pub fn text(value: &Value) -> String {
    let (_, rows) = rows(value);
    rows.into_iter()
        .map(|r| r.join("\t"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A signed request, as `--dry-run` prints it: the request line, the
/// headers with the signature and the session token redacted, the body.
pub fn dry_run(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> String {
    let mut s = format!("{method} {url}\n");
    for (name, value) in headers {
        let shown = match *name {
            "authorization" => redact_authorization(value),
            "x-tc-token" => "** redacted **".to_owned(),
            _ => (*value).to_owned(),
        };
        s.push_str(&format!("{name}: {shown}\n"));
    }
    s.push('\n');
    s.push_str(&String::from_utf8_lossy(body));
    s
}

/// The `Authorization` header with its signature redacted and the SecretId
/// cut to its first characters: what was signed stays visible.
fn redact_authorization(value: &str) -> String {
    value
        .split(", ")
        .map(|part| {
            if let Some((prefix, scope)) = part.split_once("Credential=") {
                let (id, tail) = scope.split_once('/').unwrap_or((scope, ""));
                let shown: String = id.chars().take(4).collect();
                format!("{prefix}Credential={shown}****/{tail}")
            } else if part.starts_with("Signature=") {
                "Signature=** redacted **".to_owned()
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Draws the code of a `CreateMultiFlowSignQRCode` answer on standard
/// error: its sign link, else its image's link, as the quickstart does.
pub fn qr_terminal(answer: &Value) -> Result<(), Failure> {
    let target = [
        answer.pointer("/SignUrls/HttpSignUrl"),
        answer.pointer("/QrCode/QrCodeUrl"),
    ]
    .into_iter()
    .flatten()
    .filter_map(Value::as_str)
    .find(|s| !s.is_empty())
    .ok_or_else(|| Failure::Io("the answer has no link to draw".to_owned()))?;
    let code = qrcode::QrCode::new(target.as_bytes())
        .map_err(|e| Failure::Io(format!("cannot draw the code: {e}")))?;
    let art = code
        .render::<qrcode::render::unicode::Dense1x2>()
        .dark_color(qrcode::render::unicode::Dense1x2::Light)
        .light_color(qrcode::render::unicode::Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    let mut err = std::io::stderr().lock();
    writeln!(err, "{art}\n{target}").map_err(|e| Failure::Io(format!("cannot draw the code: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_redacted_and_what_was_signed_is_kept() {
        let header = "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2026-12-02/ess/tc3_request, SignedHeaders=content-type;host, Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c";
        assert_eq!(
            redact_authorization(header),
            "TC3-HMAC-SHA256 Credential=AKID****/2026-12-02/ess/tc3_request, SignedHeaders=content-type;host, Signature=** redacted **"
        );
    }

    #[test]
    fn lists_of_objects_are_tables() {
        let value = serde_json::json!([{"A": 1, "B": "x"}, {"B": "y", "C": [1]}]);
        assert_eq!(text(&value), "1\tx\t\n\ty\t[1]");
        let t = table(&value);
        assert!(t.lines().nth(1).unwrap().contains('A'), "{t}");
        let long = serde_json::json!({"K": "x".repeat(200)});
        assert!(table(&long).contains('…'));
    }
}

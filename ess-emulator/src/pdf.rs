//! A minimal PDF writer: one A4 page of text, enough for a contract's
//! file that any PDF reader opens.
//!
//! The page is drawn with the standard Helvetica font, which has no Chinese
//! glyphs: characters outside printable ASCII are written as `\u{5f20}`
//! escapes on the page, while the document's title in its information
//! dictionary is exact (UTF-16 with a byte order mark).

use std::fmt::Write as _;

/// Width and height of an A4 page, in points.
pub(crate) const PAGE_SIZE: (f64, f64) = (595.3, 841.9);

/// A PDF of one page showing `lines` under `title`.
pub(crate) fn document(title: &str, lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT\n/F1 16 Tf\n56 780 Td\n");
    let _ = writeln!(content, "({}) Tj", page_text(title));
    content.push_str("/F1 10 Tf\n0 -28 Td\n14 TL\n");
    // What fits on the page: 50 lines below the title.
    for line in lines.iter().take(50) {
        let _ = writeln!(content, "({}) Tj T*", page_text(line));
    }
    content.push_str("ET\n");

    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] \
             /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            PAGE_SIZE.0, PAGE_SIZE.1
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ),
        format!(
            "<< /Title {} /Producer (ess-emulator) >>",
            utf16_string(title)
        ),
    ];
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(tail, "{offset:010} 00000 n ");
    }
    let _ = write!(
        tail,
        "trailer\n<< /Size {} /Root 1 0 R /Info {} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1,
        objects.len()
    );
    out.extend_from_slice(tail.as_bytes());
    out
}

/// Text for a string literal on the page: printable ASCII, with `(`, `)`
/// and `\` escaped, everything else as `\u{..}` spelled out.
fn page_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c => {
                let _ = write!(out, "\\\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    out
}

/// A hexadecimal PDF string in UTF-16BE with a byte order mark.
fn utf16_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in s.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_with_a_correct_cross_reference_table() {
        let pdf = document("员工入职合同 (x)", &["Status: signed".to_owned()]);
        assert!(pdf.starts_with(b"%PDF-1.4\n"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.ends_with("%%EOF\n"));
        // Every offset in the table points at its object.
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(pdf[xref_at..].starts_with(b"xref\n0 7\n"));
        let table = String::from_utf8_lossy(&pdf[xref_at..]).into_owned();
        for (i, line) in table.lines().skip(3).take(6).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            let expected = format!("{} 0 obj", i + 1);
            assert!(pdf[offset..].starts_with(expected.as_bytes()), "{expected}");
        }
        assert!(text.contains("/Title <FEFF54585DE55165804C5408540C0020002800780029>"));
        assert!(text.contains("(\\\\u{5458}"), "non-ASCII spelled out");
        assert!(text.contains("\\(x\\)"), "parentheses escaped");
        // The stream's declared length is its length.
        let start = text.find("stream\n").unwrap() + "stream\n".len();
        let end = text.find("endstream").unwrap();
        assert!(text.contains(&format!("/Length {} >>", end - start)));
    }
}

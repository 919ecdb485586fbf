//! The page to watch and drive the emulator: `GET /_emulator/` shows the
//! QR codes (their images), the contracts each started, the callbacks
//! delivered and their answers, with buttons (plain HTML forms) to simulate
//! a scan, a signature and a refusal; `GET /flows/<FlowId>` is a
//! contract's own page, where its sign links lead. Each form posts to
//! `/_emulator/ui/...` and is answered `303 See Other` back to the page,
//! with what happened in a notice.
//!
//! Server-rendered HTML without scripts; every value is escaped.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::callbacks::messages::masked;
use crate::callbacks::{CallbackDelivery, DeliveryStatus};
use crate::http::{Head, Reply};
use crate::state::{status_words, FlowInfo, QrCodeInfo, QrCodeStatus, ScanRequest};
use crate::Shared;

/// The page's path.
pub(crate) const PATH: &str = "/_emulator/";
/// How many codes, contracts and callbacks the page shows: the latest.
const SHOWN: usize = 100;

/// A person a code declares (`Restrictions`), for a scan button.
struct Declared {
    name: String,
    mobile: String,
    id_card_number: Option<String>,
}

/// What the page shows, copied under the lock.
struct View {
    now: u64,
    quota: u64,
    codes: Vec<(QrCodeInfo, Vec<Declared>)>,
    total_codes: usize,
    flows: Vec<FlowInfo>,
    total_flows: usize,
    deliveries: Vec<CallbackDelivery>,
}

fn view(shared: &Shared) -> View {
    let now = shared.clock.now();
    let (quota, codes, total_codes, flows, total_flows) = {
        let state = shared.lock_state();
        let codes = state.latest_qr_codes(SHOWN, now, |code| {
            code.restrictions
                .iter()
                .map(|r| Declared {
                    name: r.name.clone(),
                    mobile: r.mobile.clone(),
                    id_card_number: r.id_card_number.clone(),
                })
                .collect()
        });
        (
            state.quota_remaining,
            codes,
            state.qr_code_count(),
            state.latest_flows(SHOWN, now),
            state.flow_count(),
        )
    };
    let mut deliveries = shared.callbacks.deliveries();
    let skip = deliveries.len().saturating_sub(SHOWN);
    deliveries.drain(..skip);
    View {
        now,
        quota,
        codes,
        total_codes,
        flows,
        total_flows,
        deliveries,
    }
}

/// `GET /_emulator/`.
pub(crate) fn dashboard(shared: &Shared, head: &Head) -> Reply {
    let v = view(shared);
    let notice = query_value(head, "notice");
    let world = &shared.world;
    let mut h = String::with_capacity(16 * 1024);
    page_start(&mut h, "ESS emulator");
    let _ = write!(
        h,
        "<h1>ESS emulator</h1>\n<p id=\"summary\">{org} ({org_id}) · contract quota left: \
         <b id=\"quota\">{quota}</b> · emulator time {now} ({local})</p>\n",
        org = esc(&world.organization.name),
        org_id = esc(&world.organization.id),
        quota = v.quota,
        now = v.now,
        local = esc(&crate::time::china_local(v.now)),
    );
    if let Some(notice) = notice {
        let _ = writeln!(h, "<p id=\"notice\" class=\"notice\">{}</p>", esc(&notice));
    }

    let _ = writeln!(
        h,
        "<h2>QR codes ({} in all{})</h2>",
        v.total_codes,
        shown_note(v.codes.len(), v.total_codes)
    );
    if v.codes.is_empty() {
        h.push_str("<p>No QR code yet: create one with CreateMultiFlowSignQRCode.</p>\n");
    }
    for (code, declared) in v.codes.iter().rev() {
        qr_code_section(&mut h, code, declared, &v.flows);
    }

    let _ = writeln!(
        h,
        "<h2>Contracts ({} in all{})</h2>",
        v.total_flows,
        shown_note(v.flows.len(), v.total_flows)
    );
    if v.flows.is_empty() {
        h.push_str("<p>No contract yet.</p>\n");
    } else {
        flows_table(&mut h, v.flows.iter().rev(), "flows");
    }

    h.push_str("<h2>Callbacks</h2>\n");
    match shared.callbacks.config() {
        Some(config) => {
            let _ = writeln!(h, "<p>Posted to <code>{}</code>.</p>", esc(&config.url));
        }
        None => h.push_str("<p>No callback URL is configured.</p>\n"),
    }
    if !v.deliveries.is_empty() {
        deliveries_table(&mut h, &v.deliveries);
    }
    page_end(&mut h);
    html(h)
}

fn shown_note(shown: usize, total: usize) -> String {
    if shown < total {
        format!("; the latest {shown} shown")
    } else {
        String::new()
    }
}

fn qr_code_section(h: &mut String, code: &QrCodeInfo, declared: &[Declared], flows: &[FlowInfo]) {
    let id = esc(&code.qr_code_id);
    let status = match code.status {
        QrCodeStatus::Active => "active",
        QrCodeStatus::Cancelled => "cancelled",
        QrCodeStatus::Expired => "expired",
        QrCodeStatus::Exhausted => "used up",
    };
    let _ = write!(
        h,
        "<section class=\"qr\" id=\"qr-{id}\">\n<h3>{name}</h3>\n\
         <img class=\"qr-image\" src=\"/qr/{id}.png\" alt=\"QR code {id}\" width=\"180\" height=\"180\">\n\
         <p>Code <code>{id}</code> · template <code>{template}</code> · <span class=\"status\">{status}</span> · \
         {started} of {max} contracts started · expires {expires}</p>\n",
        name = esc(&code.qr_code_name),
        template = esc(&code.template_id),
        started = code.flows_started,
        max = code.max_flow_num,
        expires = esc(&crate::time::china_local(code.expired_time)),
    );
    if code.status == QrCodeStatus::Active {
        if declared.is_empty() {
            let _ = write!(
                h,
                "<form method=\"post\" action=\"/_emulator/ui/scan\" class=\"scan\">\n\
                 <input type=\"hidden\" name=\"QrCodeId\" value=\"{id}\">\n\
                 <label>Name <input name=\"Name\" value=\"张三\" required></label>\n\
                 <label>Mobile <input name=\"Mobile\" value=\"13800009527\" required></label>\n\
                 <label>ID card <input name=\"IdCardNumber\" value=\"\"></label>\n\
                 <button type=\"submit\" id=\"scan-{id}\">Simulate a scan</button>\n</form>\n"
            );
        } else {
            for (i, person) in declared.iter().enumerate() {
                let _ = write!(
                    h,
                    "<form method=\"post\" action=\"/_emulator/ui/scan\" class=\"scan\">\n\
                     <input type=\"hidden\" name=\"QrCodeId\" value=\"{id}\">\n\
                     <input type=\"hidden\" name=\"Name\" value=\"{name}\">\n\
                     <input type=\"hidden\" name=\"Mobile\" value=\"{mobile}\">\n\
                     <input type=\"hidden\" name=\"IdCardNumber\" value=\"{card}\">\n\
                     <button type=\"submit\" id=\"scan-{id}-{i}\">Simulate a scan by {name} ({masked})</button>\n</form>\n",
                    name = esc(&person.name),
                    mobile = esc(&person.mobile),
                    card = esc(person.id_card_number.as_deref().unwrap_or("")),
                    masked = esc(&masked(&person.mobile)),
                );
            }
        }
    }
    let started: Vec<&FlowInfo> = flows
        .iter()
        .filter(|f| f.qr_code_id.as_deref() == Some(code.qr_code_id.as_str()))
        .collect();
    if !started.is_empty() {
        h.push_str("<p>Contracts it started:</p>\n");
        flows_table(h, started.into_iter(), &format!("flows-of-{id}"));
    }
    h.push_str("</section>\n");
}

fn flows_table<'a>(h: &mut String, flows: impl Iterator<Item = &'a FlowInfo>, table_id: &str) {
    let _ = writeln!(
        h,
        "<table id=\"{}\">\n<tr><th>Contract</th><th>Status</th><th>Signers</th><th>Actions</th></tr>",
        esc(table_id)
    );
    for flow in flows {
        let id = esc(&flow.flow_id);
        let _ = write!(
            h,
            "<tr class=\"flow\" data-flow-id=\"{id}\"><td><a href=\"/flows/{id}\">{name}</a><br><code>{id}</code></td>\
             <td class=\"flow-status\">{status} ({code})</td><td>",
            name = esc(&flow.flow_name),
            status = status_words(flow.status),
            code = flow.status.code(),
        );
        for s in &flow.signers {
            let who = match &s.organization_name {
                Some(org) => format!("{} ({})", s.name, org),
                None => s.name.clone(),
            };
            let _ = write!(h, "{}: {}<br>", esc(&who), approve_words(s.approve_status));
        }
        h.push_str("</td><td>");
        flow_actions(h, flow, None);
        let _ = writeln!(h, " <a href=\"/files/flows/{id}.pdf\">PDF</a></td></tr>");
    }
    h.push_str("</table>\n");
}

/// The sign and refuse buttons of a contract that is not over.
fn flow_actions(h: &mut String, flow: &FlowInfo, recipient: Option<&str>) {
    if flow.status.is_final() {
        return;
    }
    let id = esc(&flow.flow_id);
    let recipient = esc(recipient.unwrap_or(""));
    let _ = write!(
        h,
        "<form method=\"post\" action=\"/_emulator/ui/sign\" class=\"inline\">\
         <input type=\"hidden\" name=\"FlowId\" value=\"{id}\">\
         <input type=\"hidden\" name=\"RecipientId\" value=\"{recipient}\">\
         <button type=\"submit\" id=\"sign-{id}\">Sign</button></form> \
         <form method=\"post\" action=\"/_emulator/ui/reject\" class=\"inline\">\
         <input type=\"hidden\" name=\"FlowId\" value=\"{id}\">\
         <input type=\"hidden\" name=\"RecipientId\" value=\"{recipient}\">\
         <input name=\"Reason\" value=\"\" placeholder=\"reason\" size=\"12\">\
         <button type=\"submit\" id=\"reject-{id}\">Refuse</button></form>"
    );
}

fn approve_words(status: i64) -> &'static str {
    match status {
        2 => "waiting to sign",
        3 => "signed",
        4 => "refused",
        5 => "expired",
        6 => "ended before signing",
        _ => "not started",
    }
}

fn deliveries_table(h: &mut String, deliveries: &[CallbackDelivery]) {
    h.push_str(
        "<table id=\"callbacks\">\n<tr><th>#</th><th>Message</th><th>Contract</th><th>Status</th><th>Answers</th></tr>\n",
    );
    for d in deliveries.iter().rev() {
        let status = match d.status {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        };
        let answers = d
            .attempts
            .iter()
            .map(|a| match (a.status, &a.error) {
                (Some(code), _) => format!("#{}: HTTP {code} in {} ms", a.number, a.elapsed_ms),
                (None, Some(e)) => esc(&format!("#{}: {e}", a.number)),
                (None, None) => format!("#{}: no answer", a.number),
            })
            .collect::<Vec<_>>()
            .join("<br>");
        let _ = writeln!(
            h,
            "<tr class=\"callback\"><td>{}</td><td>{} <code>{}</code></td><td><code>{}</code></td><td>{status}</td><td>{answers}</td></tr>",
            d.id,
            esc(&d.msg_type),
            esc(&d.msg_id),
            esc(d.flow_id.as_deref().unwrap_or("")),
        );
    }
    h.push_str("</table>\n");
}

/// `GET /flows/<FlowId>[?recipient=<RecipientId>]`: a contract's page,
/// where the links of `CreateFlowSignUrl` lead.
pub(crate) fn flow_page(shared: &Shared, head: &Head, flow_id: &str) -> Reply {
    let now = shared.clock.now();
    let Some(flow) = shared.lock_state().flow(flow_id, now) else {
        return Reply::text(404, format!("no contract has the id {flow_id}\n"));
    };
    let recipient = query_value(head, "recipient");
    let mut h = String::with_capacity(4096);
    page_start(&mut h, &flow.flow_name);
    let id = esc(&flow.flow_id);
    let _ = write!(
        h,
        "<h1>{name}</h1>\n<p>Contract <code>{id}</code>: <span class=\"flow-status\">{status}</span> \
         (FlowStatus {code}) · deadline {deadline}</p>\n",
        name = esc(&flow.flow_name),
        status = status_words(flow.status),
        code = flow.status.code(),
        deadline = esc(&crate::time::china_local(flow.deadline)),
    );
    if !flow.message.is_empty() {
        let _ = writeln!(h, "<p>Reason: {}</p>", esc(&flow.message));
    }
    h.push_str("<ol>\n");
    for s in &flow.signers {
        let _ = writeln!(
            h,
            "<li>{} {}: {}</li>",
            esc(&s.name),
            esc(&s
                .organization_name
                .as_deref()
                .map(|o| format!("({o})"))
                .unwrap_or_default()),
            approve_words(s.approve_status)
        );
    }
    h.push_str("</ol>\n<p>");
    flow_actions(&mut h, &flow, recipient.as_deref());
    let _ = writeln!(
        h,
        " <a href=\"/files/flows/{id}.pdf\">PDF</a> · <a href=\"{PATH}\">all of the emulator</a></p>"
    );
    page_end(&mut h);
    html(h)
}

/// `POST /_emulator/ui/scan`, `/sign` or `/reject`: a form's action, then
/// back to the page with what happened.
pub(crate) fn form_action(shared: &Shared, action: &str, body: &[u8]) -> Reply {
    let fields: Vec<(String, String)> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let required = |name: &str| field(name).ok_or_else(|| format!("{name} is missing"));
    let outcome: Result<String, String> = match action {
        "scan" => (|| {
            let mut scan = ScanRequest::new(
                required("QrCodeId")?,
                required("Name")?,
                required("Mobile")?,
            );
            if let Some(card) = field("IdCardNumber") {
                scan = scan.with_id_card(card);
            }
            shared
                .scan(&scan)
                .map(|f| {
                    format!(
                        "{} started the contract {} ({})",
                        scan.name, f.flow_name, f.flow_id
                    )
                })
                .map_err(|e| format!("scan refused: {}: {}", e.code(), e.message()))
        })(),
        "sign" => (|| {
            let flow_id = required("FlowId")?;
            shared
                .sign(&flow_id, field("RecipientId").as_deref())
                .map(|f| {
                    format!(
                        "signed: the contract {} is {}",
                        f.flow_id,
                        status_words(f.status)
                    )
                })
                .map_err(|e| format!("not signed: {}: {}", e.code(), e.message()))
        })(),
        "reject" => (|| {
            let flow_id = required("FlowId")?;
            let reason = field("Reason").unwrap_or_default();
            shared
                .reject(&flow_id, field("RecipientId").as_deref(), &reason)
                .map(|f| {
                    format!(
                        "refused: the contract {} is {}",
                        f.flow_id,
                        status_words(f.status)
                    )
                })
                .map_err(|e| format!("not refused: {}: {}", e.code(), e.message()))
        })(),
        other => Err(format!("no such action: {other}")),
    };
    let notice = match outcome {
        Ok(m) | Err(m) => m,
    };
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("notice", &notice)
        .finish();
    Reply {
        status: 303,
        content_type: "text/plain; charset=utf-8",
        body: format!("{notice}\n").into_bytes(),
        extra: Cow::Owned(format!("Location: {PATH}?{query}\r\n")),
    }
}

/// A query parameter, decoded.
fn query_value(head: &Head, name: &str) -> Option<String> {
    form_urlencoded::parse(head.query()?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn page_start(h: &mut String, title: &str) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <title>{}</title>\n<style>body{{font-family:sans-serif;margin:1.5em}}\
         table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #ccc;padding:.3em;vertical-align:top}}\
         section.qr{{border-top:1px solid #999;margin-top:1em}}form.inline{{display:inline}}\
         .notice{{background:#ffd;padding:.5em}}</style></head>\n<body>\n",
        esc(title)
    );
}

fn page_end(h: &mut String) {
    h.push_str("</body></html>\n");
}

fn html(body: String) -> Reply {
    Reply {
        status: 200,
        content_type: "text/html; charset=utf-8",
        body: body.into_bytes(),
        extra: Cow::Borrowed("Cache-Control: no-store\r\n"),
    }
}

/// HTML text escaping.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}

//! The emulator's own endpoints: scanning, signing, inspection, faults,
//! the clock, QR code images and sign pages.
//!
//! JSON endpoints answer like the service: HTTP 200 with
//! `{"Response": {..., "RequestId"}}` or `{"Response": {"Error": {"Code",
//! "Message"}, "RequestId"}}`. An unknown path is a 404, a known path with
//! the wrong method a 405.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::faults::FaultSpec;
use crate::http::{envelope, Head, Reply};
use crate::ids;
use crate::qr;
use crate::state::{QrCodeStatus, ScanRequest};
use crate::Shared;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SignBody {
    flow_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ClockBody {
    advance_seconds: u64,
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::invalid(format!("invalid body: {e}")))
}

fn answer(result: Result<Value, ApiError>) -> Reply {
    Reply::json(&envelope(result, &ids::request_id()))
}

pub(crate) fn handle(shared: &Shared, head: &Head, body: &[u8]) -> Reply {
    let method = head.method.as_str();
    let path = head.path();
    match path {
        "/_emulator/health" => match method {
            "GET" => answer(Ok(json!({
                "Status": "ok",
                "Version": ess_api::service::VERSION,
                "Actions": shared.registry.names(),
                "Now": shared.clock.now(),
            }))),
            _ => not_allowed("GET"),
        },
        "/_emulator/state" => match method {
            "GET" => {
                let snapshot = shared
                    .lock_state()
                    .snapshot(&shared.world, shared.clock.now());
                answer(serde_json::to_value(snapshot).map_err(internal))
            }
            _ => not_allowed("GET"),
        },
        "/_emulator/events" => match method {
            "GET" => {
                let since = head
                    .query()
                    .into_iter()
                    .flat_map(|q| q.split('&'))
                    .find_map(|pair| pair.strip_prefix("since="))
                    .map(|v| v.parse::<u64>());
                match since {
                    Some(Err(_)) => {
                        answer(Err(ApiError::invalid("since must be a sequence number")))
                    }
                    other => {
                        let since = other.and_then(Result::ok).unwrap_or(0);
                        let events = shared.lock_state().events.since(since);
                        answer(Ok(json!({ "Events": events })))
                    }
                }
            }
            _ => not_allowed("GET"),
        },
        "/_emulator/scan" => match method {
            "POST" => answer(
                parse::<ScanRequest>(body)
                    .and_then(|scan| shared.scan(&scan))
                    .and_then(|flow| serde_json::to_value(flow).map_err(internal)),
            ),
            _ => not_allowed("POST"),
        },
        "/_emulator/sign" => match method {
            "POST" => answer(
                parse::<SignBody>(body)
                    .and_then(|b| shared.sign(&b.flow_id))
                    .and_then(|flow| serde_json::to_value(flow).map_err(internal))
                    .map(|flow| json!({ "Flow": flow })),
            ),
            _ => not_allowed("POST"),
        },
        "/_emulator/clock" => match method {
            "GET" => answer(Ok(json!({ "Now": shared.clock.now() }))),
            "POST" => answer(parse::<ClockBody>(body).map(|b| {
                shared.clock.advance(b.advance_seconds);
                json!({ "Now": shared.clock.now() })
            })),
            _ => not_allowed("GET, POST"),
        },
        "/_emulator/faults" => match method {
            "GET" => answer(Ok(json!({ "Faults": shared.faults.list() }))),
            "POST" => answer(
                parse::<FaultSpec>(body)
                    .and_then(|spec| {
                        spec.into_fault()
                            .map_err(|e| ApiError::invalid(e.to_string()))
                    })
                    .and_then(|fault| {
                        shared
                            .faults
                            .add(fault)
                            .map_err(|e| ApiError::invalid(e.to_string()))
                    })
                    .map(|()| json!({ "Faults": shared.faults.list() })),
            ),
            "DELETE" => {
                shared.faults.clear();
                answer(Ok(json!({ "Faults": [] })))
            }
            _ => not_allowed("GET, POST, DELETE"),
        },
        _ => {
            if let Some(id) = path
                .strip_prefix("/qr/")
                .and_then(|rest| rest.strip_suffix(".png"))
            {
                return match method {
                    "GET" => qr_png(shared, id),
                    _ => not_allowed("GET"),
                };
            }
            if let Some(id) = path.strip_prefix("/sign/") {
                return match method {
                    "GET" => sign_page(shared, id),
                    _ => not_allowed("GET"),
                };
            }
            Reply::text(404, format!("no such endpoint: {path}\n"))
        }
    }
}

fn internal(e: serde_json::Error) -> ApiError {
    ApiError::internal(e.to_string())
}

fn not_allowed(allowed: &str) -> Reply {
    Reply::text(405, format!("method not allowed; use {allowed}\n"))
}

fn qr_png(shared: &Shared, id: &str) -> Reply {
    match shared.qr_code_png(id) {
        Ok(bytes) => Reply {
            status: 200,
            content_type: "image/png",
            body: bytes,
        },
        Err(e) if e.code() == "ResourceNotFound.QrInfo" => {
            Reply::text(404, format!("{}\n", e.message()))
        }
        Err(e) => Reply::text(500, format!("{}\n", e.message())),
    }
}

fn sign_page(shared: &Shared, id: &str) -> Reply {
    let now = shared.clock.now();
    let state = shared.lock_state();
    let Some(code) = state.qr_code(id) else {
        return Reply::text(404, format!("no QR code has the id {id}\n"));
    };
    let info = state.qr_info(code, now);
    drop(state);
    let status = match info.status {
        QrCodeStatus::Active => "active: scanning starts a contract",
        QrCodeStatus::Cancelled => "cancelled",
        QrCodeStatus::Expired => "expired",
        QrCodeStatus::Exhausted => "used up: it started as many contracts as it may",
    };
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{name}</title></head>\n\
         <body>\n<h1>{name}</h1>\n<p>Local ESS emulator sign page. Code {id}: {status}.</p>\n\
         <p>Contracts: {flow} ({started} of {max} started).</p>\n<img src=\"/qr/{id}.png\" alt=\"QR code\">\n\
         <p>Simulate a scan:</p>\n<pre>curl -s -X POST {base}/_emulator/scan -d '{{\"QrCodeId\": \"{id}\", \"Name\": \"张三\", \"Mobile\": \"13800009527\"}}'</pre>\n\
         </body></html>\n",
        name = escape(&info.qr_code_name),
        flow = escape(&info.flow_name),
        id = escape(id),
        started = info.flows_started,
        max = info.max_flow_num,
        base = escape(&shared.base_url),
    );
    Reply {
        status: 200,
        content_type: "text/html; charset=utf-8",
        body: page.into_bytes(),
    }
}

/// HTML text escaping.
fn escape(s: &str) -> String {
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

/// The PNG of a code's sign link, named after the code.
pub(crate) fn png_for(sign_url: &str, name: &str) -> Result<Vec<u8>, ApiError> {
    qr::png(sign_url, Some(name)).map_err(|e| ApiError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}

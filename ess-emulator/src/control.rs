//! The emulator's own endpoints: scanning, signing, inspection, faults,
//! the clock, callbacks, QR code images and sign pages.
//!
//! JSON endpoints answer like the service: HTTP 200 with
//! `{"Response": {..., "RequestId"}}` or `{"Response": {"Error": {"Code",
//! "Message"}, "RequestId"}}`. An unknown path is a 404, a known path with
//! the wrong method a 405.

use ess_api::service::codes;
use std::borrow::Cow;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::callbacks::{self, CallbackConfig};
use crate::error::ApiError;
use crate::faults::FaultSpec;
use crate::http::{envelope, Head, Reply};
use crate::ids;
use crate::page;
use crate::qr;
use crate::state::{QrCodeStatus, ScanRequest, StateCopy};
use crate::Shared;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SignBody {
    flow_id: String,
    #[serde(default)]
    recipient_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct RejectBody {
    flow_id: String,
    #[serde(default)]
    recipient_id: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ClockBody {
    advance_seconds: u64,
}

/// `POST /_emulator/callbacks`. Non-loopback receivers cannot be allowed
/// from here: only whoever starts the emulator can allow them.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct CallbacksBody {
    url: String,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    encrypted_form: Option<String>,
    #[serde(default)]
    max_attempts: Option<u32>,
    #[serde(default)]
    retry_backoff_ms: Option<u64>,
    #[serde(default)]
    timeout_ms: Option<u64>,
}

impl CallbacksBody {
    fn into_config(self) -> Result<CallbackConfig, ApiError> {
        let mut config = CallbackConfig::new(self.url);
        config.key = self.key;
        config.token = self.token;
        if let Some(form) = self.encrypted_form {
            config.form = callbacks::form_from_name(&form).ok_or_else(|| {
                ApiError::invalid(format!(
                    "EncryptedForm must be \"wrapped\" or \"bare\", not {form:?}"
                ))
            })?;
        }
        if let Some(n) = self.max_attempts {
            config.max_attempts = n;
        }
        if let Some(ms) = self.retry_backoff_ms {
            config.retry_backoff = Duration::from_millis(ms);
        }
        if let Some(ms) = self.timeout_ms {
            config.timeout = Duration::from_millis(ms);
        }
        Ok(config)
    }
}

/// A query parameter that is a count, by name.
fn number_param(head: &Head, name: &str) -> Result<Option<usize>, ApiError> {
    let prefix = format!("{name}=");
    match head
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix(prefix.as_str()))
    {
        None => Ok(None),
        Some(v) => v
            .parse::<usize>()
            .map(Some)
            .map_err(|_| ApiError::invalid(format!("{name} must be a count, not {v:?}"))),
    }
}

/// `POST /_emulator/callbacks/flush`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct FlushBody {
    #[serde(default)]
    timeout_ms: Option<u64>,
}

/// How long `POST /_emulator/callbacks/flush` waits unless told otherwise.
const DEFAULT_FLUSH_WAIT: Duration = Duration::from_secs(30);
/// The longest it may be told to wait.
const MAX_FLUSH_WAIT: Duration = Duration::from_secs(600);

/// The path of the one endpoint that waits.
pub(crate) const FLUSH_PATH: &str = "/_emulator/callbacks/flush";

/// The callback configuration (without secrets), the pending count and
/// the deliveries after `since`.
fn callbacks_state(shared: &Shared, since: u64) -> Value {
    let hub = &shared.callbacks;
    json!({
        "Config": hub.config().map(|c| c.view()),
        "Pending": hub.pending(),
        "Deliveries": hub.deliveries_since(since),
    })
}

/// `?since=N`: absent is 0, anything but a number an error.
fn since_param(head: &Head) -> Result<u64, ApiError> {
    let since = head
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("since="))
        .map(|v| v.parse::<u64>());
    match since {
        Some(Err(_)) => Err(ApiError::invalid("since must be a sequence number")),
        Some(Ok(n)) => Ok(n),
        None => Ok(0),
    }
}

/// `POST /_emulator/callbacks/flush`: waits until every queued callback is
/// delivered or given up, at most `TimeoutMs` (default 30 s, at most 600 s);
/// answers the remaining `Pending` count (0 when all are done) and the
/// deliveries.
pub(crate) async fn flush(shared: &Shared, head: &Head, body: &[u8]) -> Reply {
    if head.method != "POST" {
        return not_allowed("POST");
    }
    let wait = if body.iter().all(u8::is_ascii_whitespace) {
        Ok(DEFAULT_FLUSH_WAIT)
    } else {
        parse::<FlushBody>(body).and_then(|b| match b.timeout_ms {
            None => Ok(DEFAULT_FLUSH_WAIT),
            Some(ms) if Duration::from_millis(ms) <= MAX_FLUSH_WAIT => {
                Ok(Duration::from_millis(ms))
            }
            Some(_) => Err(ApiError::invalid(format!(
                "TimeoutMs must be at most {}",
                MAX_FLUSH_WAIT.as_millis()
            ))),
        })
    };
    let wait = match wait {
        Ok(wait) => wait,
        Err(e) => return answer(Err(e)),
    };
    shared.mutate(|_, _| ());
    let _ = tokio::time::timeout(wait, shared.callbacks.idle()).await;
    answer(Ok(callbacks_state(shared, 0)))
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        if path.is_empty() || path == "." {
            ApiError::invalid(format!("invalid body: {}", e.inner()))
        } else {
            ApiError::invalid(format!("invalid body: {path}: {}", e.inner()))
        }
    })
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
                "Strict": shared.strict,
                "Now": shared.clock.now(),
            }))),
            _ => not_allowed("GET"),
        },
        "/_emulator/state" => match method {
            // Served by `state_dump` (see `STATE_PATH`); here only when
            // called directly.
            "GET" => match state_copy(shared, head) {
                Ok(copy) => encode_state(copy),
                Err(e) => answer(Err(e)),
            },
            _ => not_allowed("GET"),
        },
        "/_emulator/events" => match method {
            "GET" => answer(since_param(head).map(|since| {
                let events = shared.lock_state().events.since(since);
                json!({ "Events": events })
            })),
            _ => not_allowed("GET"),
        },
        "/_emulator/callbacks" => match method {
            "GET" => answer(since_param(head).map(|since| callbacks_state(shared, since))),
            "POST" => answer(
                parse::<CallbacksBody>(body)
                    .and_then(CallbacksBody::into_config)
                    .and_then(|config| {
                        shared
                            .callbacks
                            .configure(Some(config))
                            .map_err(|e| ApiError::invalid(e.to_string()))
                    })
                    .map(|()| callbacks_state(shared, u64::MAX)),
            ),
            "DELETE" => {
                // Removing a configuration cannot fail.
                let _ = shared.callbacks.configure(None);
                answer(Ok(callbacks_state(shared, u64::MAX)))
            }
            _ => not_allowed("GET, POST, DELETE"),
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
                    .and_then(|b| shared.sign(&b.flow_id, b.recipient_id.as_deref()))
                    .and_then(|flow| serde_json::to_value(flow).map_err(internal))
                    .map(|flow| json!({ "Flow": flow })),
            ),
            _ => not_allowed("POST"),
        },
        "/_emulator/reject" => match method {
            "POST" => answer(
                parse::<RejectBody>(body)
                    .and_then(|b| {
                        shared.reject(
                            &b.flow_id,
                            b.recipient_id.as_deref(),
                            b.reason.as_deref().unwrap_or_default(),
                        )
                    })
                    .and_then(|flow| serde_json::to_value(flow).map_err(internal))
                    .map(|flow| json!({ "Flow": flow })),
            ),
            _ => not_allowed("POST"),
        },
        "/_emulator/clock" => match method {
            "GET" => answer(Ok(json!({ "Now": shared.clock.now() }))),
            "POST" => answer(parse::<ClockBody>(body).and_then(|b| {
                shared
                    .advance_clock(b.advance_seconds)
                    .map_err(|e| ApiError::invalid(format!("AdvanceSeconds: {e}")))?;
                Ok(json!({ "Now": shared.clock.now() }))
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
        page::PATH => match method {
            "GET" => page::dashboard(shared, head),
            _ => not_allowed("GET"),
        },
        "/_emulator" => Reply {
            status: 308,
            content_type: "text/plain; charset=utf-8",
            body: b"see /_emulator/\n".to_vec(),
            extra: Cow::Borrowed("Location: /_emulator/\r\n"),
        },
        _ => {
            if let Some(action) = path.strip_prefix("/_emulator/ui/") {
                return match method {
                    "POST" => page::form_action(shared, action, body),
                    _ => not_allowed("POST"),
                };
            }
            if let Some(id) = path.strip_prefix("/flows/") {
                return match method {
                    "GET" => page::flow_page(shared, head, id),
                    _ => not_allowed("GET"),
                };
            }
            if let Some(id) = path
                .strip_prefix("/files/flows/")
                .and_then(|rest| rest.strip_suffix(".pdf"))
            {
                return match method {
                    "GET" => flow_file(shared, head, id),
                    _ => not_allowed("GET"),
                };
            }
            if let Some(id) = path.strip_prefix("/files/uploads/") {
                return match method {
                    "GET" => uploaded_file(shared, head, id),
                    _ => not_allowed("GET"),
                };
            }
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

/// The path of the state dump, served on a thread of its own.
pub(crate) const STATE_PATH: &str = "/_emulator/state";

/// A page of the state (`?offset=N&limit=M`), copied under the lock: the QR
/// codes' fixed parts are shared, so the copy is short.
fn state_copy(shared: &Shared, head: &Head) -> Result<StateCopy, ApiError> {
    let offset = number_param(head, "offset")?.unwrap_or(0);
    let limit = number_param(head, "limit")?.unwrap_or(usize::MAX);
    let now = shared.clock.now();
    let state = shared.lock_state();
    Ok(state.copy_page(&shared.world, now, offset, limit))
}

/// The state in the service's envelope, encoded straight to bytes, into
/// an output sized once.
fn encode_state(copy: StateCopy) -> Reply {
    #[derive(Serialize)]
    struct Inner {
        #[serde(flatten)]
        copy: StateCopy,
        #[serde(rename = "RequestId")]
        request_id: String,
    }
    #[derive(Serialize)]
    struct Envelope {
        #[serde(rename = "Response")]
        response: Inner,
    }
    let mut body = Vec::with_capacity(copy.size_hint());
    let envelope = Envelope {
        response: Inner {
            copy,
            request_id: ids::request_id(),
        },
    };
    match serde_json::to_writer(&mut body, &envelope) {
        Ok(()) => Reply {
            status: 200,
            content_type: crate::http::JSON,
            body,
            extra: Cow::Borrowed(""),
        },
        Err(e) => answer(Err(internal(e))),
    }
}

/// `GET /_emulator/state`: the copy is taken under the lock; encoding
/// (about a second for 100,000 codes) happens on a thread of its own, so
/// that no runtime thread that API requests need is busy with it. (At the
/// lowest scheduling priority, measured, concurrent requests waited
/// longer, not shorter.)
pub(crate) async fn state_dump(shared: &Shared, head: &Head) -> Reply {
    if head.method != "GET" {
        return not_allowed("GET");
    }
    let copy = match state_copy(shared, head) {
        Ok(copy) => copy,
        Err(e) => return answer(Err(e)),
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("ess-emulator-state-dump".to_owned())
        .spawn(move || {
            let _ = tx.send(encode_state(copy));
        });
    match spawned {
        Ok(_) => rx
            .await
            .unwrap_or_else(|_| answer(Err(ApiError::internal("the state dump failed")))),
        Err(e) => answer(Err(ApiError::internal(format!(
            "cannot start the state dump: {e}"
        )))),
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
            extra: Cow::Borrowed(""),
        },
        Err(e) if e.code() == codes::RESOURCE_NOT_FOUND_QR_INFO => {
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
        name = page::esc(&info.qr_code_name),
        flow = page::esc(&info.flow_name),
        id = page::esc(id),
        started = info.flows_started,
        max = info.max_flow_num,
        base = page::esc(&shared.base_url),
    );
    Reply {
        status: 200,
        content_type: "text/html; charset=utf-8",
        extra: Cow::Borrowed(""),
        body: page.into_bytes(),
    }
}

/// A link that carries `?expires=<Unix seconds>` works until then; the
/// page's own links carry none.
fn link_expired(shared: &Shared, head: &Head) -> Option<Reply> {
    let expires = head
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("expires="))?;
    match expires.parse::<u64>() {
        Ok(at) if at >= shared.clock.now() => None,
        Ok(_) => Some(Reply::text(403, "this link has expired\n")),
        Err(_) => Some(Reply::text(400, "expires must be Unix seconds\n")),
    }
}

/// `GET /files/flows/<FlowId>.pdf`: the contract's PDF as it stands now.
fn flow_file(shared: &Shared, head: &Head, id: &str) -> Reply {
    if let Some(reply) = link_expired(shared, head) {
        return reply;
    }
    let now = shared.clock.now();
    let Some(flow) = shared.lock_state().flow(id, now) else {
        return Reply::text(404, format!("no contract has the id {id}\n"));
    };
    Reply {
        status: 200,
        content_type: "application/pdf",
        body: crate::api::flow_pdf(&flow, &shared.world.organization.name),
        extra: Cow::Borrowed(""),
    }
}

/// `GET /files/uploads/<FileId>`: an uploaded file, for the preview links
/// of `CreateFlowByFiles`.
fn uploaded_file(shared: &Shared, head: &Head, id: &str) -> Reply {
    if let Some(reply) = link_expired(shared, head) {
        return reply;
    }
    let now = shared.clock.now();
    let state = shared.lock_state();
    let Some(file) = state.files.get(id, now) else {
        return Reply::text(404, format!("no uploaded file has the id {id}\n"));
    };
    let content_type = match file.file_type {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "html" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    Reply {
        status: 200,
        content_type,
        body: file.content.clone(),
        extra: Cow::Borrowed(""),
    }
}

/// The PNG of a code's sign link, named after the code.
pub(crate) fn png_for(sign_url: &str, name: &str) -> Result<Vec<u8>, ApiError> {
    qr::png(sign_url, Some(name)).map_err(|e| ApiError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_page_escapes() {
        assert_eq!(page::esc("<b>"), "&lt;b&gt;");
    }
}

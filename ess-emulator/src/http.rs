//! HTTP/1.1 on a byte stream (plain TCP, or TLS over TCP): request parsing
//! with `httparse`, keep-alive, the API pipeline and the delivery of
//! (possibly faulty) answers.

use ess_api::service::codes;
use std::borrow::Cow;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::api::{Ctx, Entry, Resolved};
use crate::auth::authenticate;
use crate::control;
use crate::error::ApiError;
use crate::faults::FaultKind;
use crate::ids;
use crate::time::http_date;
use crate::Shared;

/// The largest request head.
const MAX_HEAD: usize = 64 * 1024;
/// The most header lines in a request.
const MAX_HEADERS: usize = 64;
/// The largest API request body: 10 MiB.
pub(crate) const MAX_BODY: usize = 10 * 1024 * 1024;
/// The largest body of an emulator-only endpoint.
const MAX_CONTROL_BODY: usize = 1024 * 1024;
/// How long a kept-alive connection may stay idle.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a request that has started arriving may take to arrive whole.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The whole answer to a connection over the limit.
pub(crate) const TOO_MANY_CONNECTIONS: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 21\r\nConnection: close\r\n\r\ntoo many connections\n";
/// How long an answer to a refused connection may take to write.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// The chunk size for large answers.
const CHUNK: usize = 64 * 1024;
/// The content type of every JSON answer, exactly as the service labels it
/// (some official SDKs read `Response.Error` only for this exact value).
pub(crate) const JSON: &str = "application/json";
/// The header line that marks an answer as an action's official example
/// rather than emulated semantics.
pub(crate) const CANNED_HEADER: &str = "X-Emulator-Canned: example\r\n";

/// A request's method, target and headers.
#[derive(Debug)]
pub(crate) struct Head {
    pub method: String,
    pub target: String,
    minor_version: u8,
    /// Names in lower case, values as sent (lossily decoded).
    headers: Vec<(String, String)>,
}

impl Head {
    /// The first value of a header, by lower-case name.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The target without its query.
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query string, if any.
    pub(crate) fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    fn keep_alive(&self) -> bool {
        let connection = self.header("connection").map(str::to_ascii_lowercase);
        match self.minor_version {
            0 => connection.is_some_and(|c| c.contains("keep-alive")),
            _ => !connection.is_some_and(|c| c.contains("close")),
        }
    }
}

/// An answer to write.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// Further header lines, each ending in CRLF.
    pub extra: Cow<'static, str>,
}

impl Reply {
    pub(crate) fn json(value: &Value) -> Self {
        Reply {
            status: 200,
            content_type: JSON,
            body: serde_json::to_vec(value).unwrap_or_default(),
            extra: Cow::Borrowed(""),
        }
    }

    pub(crate) fn text(status: u16, text: impl Into<String>) -> Self {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: text.into().into_bytes(),
            extra: Cow::Borrowed(""),
        }
    }
}

/// `{"Response": {...answer, "RequestId"}}` or `{"Response": {"Error", "RequestId"}}`.
pub(crate) fn envelope(result: Result<Value, ApiError>, request_id: &str) -> Value {
    match result {
        Ok(Value::Object(mut map)) => {
            map.insert("RequestId".to_owned(), Value::String(request_id.to_owned()));
            json!({ "Response": map })
        }
        Ok(other) => json!({ "Response": { "Result": other, "RequestId": request_id } }),
        Err(e) => json!({
            "Response": {
                "Error": { "Code": e.code(), "Message": e.message() },
                "RequestId": request_id,
            }
        }),
    }
}

/// A connection's byte stream: plain TCP, or TLS over TCP.
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {
    /// Closes the connection with a TCP reset.
    fn reset(self);
}

impl Stream for TcpStream {
    fn reset(self) {
        let _ = self.set_zero_linger();
        drop(self);
    }
}

impl Stream for tokio_rustls::server::TlsStream<TcpStream> {
    fn reset(self) {
        // No close_notify: the peer sees the connection cut, as over TCP.
        let (tcp, _) = self.into_inner();
        tcp.reset();
    }
}

struct Conn<S> {
    stream: S,
    buf: Vec<u8>,
}

enum HeadRead {
    Head(Head),
    /// The peer closed the connection between requests.
    Closed,
    /// Not a request this server can parse: answer with this status and close.
    Bad(u16, &'static str),
}

impl<S: Stream> Conn<S> {
    async fn read_head(&mut self) -> io::Result<HeadRead> {
        loop {
            if !self.buf.is_empty() {
                let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut request = httparse::Request::new(&mut headers);
                match request.parse(&self.buf) {
                    Ok(httparse::Status::Complete(n)) => {
                        let head = Head {
                            method: request.method.unwrap_or_default().to_owned(),
                            target: request.path.unwrap_or_default().to_owned(),
                            minor_version: request.version.unwrap_or(1),
                            headers: request
                                .headers
                                .iter()
                                .map(|h| {
                                    (
                                        h.name.to_ascii_lowercase(),
                                        String::from_utf8_lossy(h.value).into_owned(),
                                    )
                                })
                                .collect(),
                        };
                        self.buf.drain(..n);
                        return Ok(HeadRead::Head(head));
                    }
                    Ok(httparse::Status::Partial) if self.buf.len() > MAX_HEAD => {
                        return Ok(HeadRead::Bad(431, "request head too large"));
                    }
                    Ok(httparse::Status::Partial) => {}
                    Err(httparse::Error::TooManyHeaders) => {
                        return Ok(HeadRead::Bad(431, "too many header lines"));
                    }
                    Err(_) => return Ok(HeadRead::Bad(400, "malformed HTTP request")),
                }
            }
            let n = self.stream.read_buf(&mut self.buf).await?;
            if n == 0 {
                return if self.buf.is_empty() {
                    Ok(HeadRead::Closed)
                } else {
                    Err(io::ErrorKind::UnexpectedEof.into())
                };
            }
        }
    }

    /// Reads a body of `len` bytes as it arrives: memory grows with the
    /// bytes received, never with the length a peer merely declares.
    async fn read_body(&mut self, len: usize) -> io::Result<Vec<u8>> {
        let take = len.min(self.buf.len());
        let mut body: Vec<u8> = self.buf.drain(..take).collect();
        let mut chunk = [0u8; 16 * 1024];
        while body.len() < len {
            let want = (len - body.len()).min(chunk.len());
            let n = self.stream.read(&mut chunk[..want]).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            body.extend_from_slice(&chunk[..n]);
        }
        Ok(body)
    }

    /// Waits until the first byte of a request is there (or the peer
    /// closed the connection: `false`).
    async fn wait_for_request(&mut self) -> io::Result<bool> {
        if self.buf.is_empty() {
            let n = self.stream.read_buf(&mut self.buf).await?;
            return Ok(n > 0);
        }
        Ok(true)
    }

    async fn write_reply(&mut self, reply: &Reply, keep_alive: bool, now: u64) -> io::Result<()> {
        let mut out = response_head(
            reply.status,
            reply.content_type,
            reply.body.len() as u64,
            keep_alive,
            now,
            &reply.extra,
        );
        out.extend_from_slice(&reply.body);
        self.stream.write_all(&out).await?;
        self.stream.flush().await
    }

    /// Closes the connection with a TCP reset.
    fn reset(self) {
        self.stream.reset();
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        303 => "See Other",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn response_head(
    status: u16,
    content_type: &str,
    len: u64,
    keep_alive: bool,
    now: u64,
    extra: &str,
) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\nDate: {}\r\nServer: ess-emulator\r\n{extra}Connection: {}\r\n\r\n",
        reason(status),
        http_date(now),
        if keep_alive { "keep-alive" } else { "close" }
    )
    .into_bytes()
}

/// Serves one connection until the peer closes it, a fault or an error
/// ends it, it stays idle too long, or the emulator shuts down.
pub(crate) async fn serve_connection<S: Stream>(
    shared: Arc<Shared>,
    stream: S,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conn = Conn {
        stream,
        buf: Vec::with_capacity(8 * 1024),
    };
    loop {
        if *shutdown.borrow() {
            return;
        }
        // Between requests a connection may stay idle for IDLE_TIMEOUT; once
        // a request has started, its head must arrive within head_timeout.
        let started = tokio::select! {
            biased;
            _ = shutdown.changed() => return,
            started = tokio::time::timeout(IDLE_TIMEOUT, conn.wait_for_request()) => started,
        };
        if !matches!(started, Ok(Ok(true))) {
            return;
        }
        let read = tokio::select! {
            biased;
            _ = shutdown.changed() => return,
            read = tokio::time::timeout(shared.limits.head_timeout, conn.read_head()) => read,
        };
        if read.is_err() {
            let now = shared.clock.now();
            let reply = Reply::text(408, "the request head did not arrive in time");
            let _ = tokio::time::timeout(WRITE_TIMEOUT, conn.write_reply(&reply, false, now)).await;
            return;
        }
        let head = match read {
            Ok(Ok(HeadRead::Head(head))) => head,
            Ok(Ok(HeadRead::Bad(status, why))) => {
                let now = shared.clock.now();
                let _ = conn
                    .write_reply(&Reply::text(status, why), false, now)
                    .await;
                return;
            }
            Ok(Ok(HeadRead::Closed)) | Ok(Err(_)) | Err(_) => return,
        };
        let keep_going = if head.path() == "/" {
            serve_api(&shared, &mut conn, head).await
        } else {
            serve_other(&shared, &mut conn, head).await
        };
        match keep_going {
            Next::KeepAlive => {}
            Next::Close => return,
            Next::Reset => {
                conn.reset();
                return;
            }
        }
    }
}

enum Next {
    KeepAlive,
    Close,
    Reset,
}

impl Next {
    /// What follows an answer, as the request asked.
    fn after(keep_alive: bool) -> Self {
        if keep_alive {
            Next::KeepAlive
        } else {
            Next::Close
        }
    }
}

/// The declared body length, or the reply that refuses the request.
fn body_length(head: &Head, limit: usize) -> Result<usize, Reply> {
    if head.header("transfer-encoding").is_some() {
        return Err(Reply::text(
            411,
            "chunked request bodies are not supported; send Content-Length",
        ));
    }
    // Every Content-Length header, and every value of a comma-separated
    // list, must agree: a request that declares two lengths is refused.
    let mut len: Option<usize> = None;
    for value in head
        .headers
        .iter()
        .filter(|(n, _)| n == "content-length")
        .flat_map(|(_, v)| v.split(','))
    {
        let value = value
            .trim()
            .parse::<usize>()
            .map_err(|_| Reply::text(400, "Content-Length is not a number"))?;
        match len {
            Some(other) if other != value => {
                return Err(Reply::text(400, "conflicting Content-Length headers"));
            }
            _ => len = Some(value),
        }
    }
    let len = len.unwrap_or(0);
    if len > limit {
        return Err(Reply::text(413, "request body too large"));
    }
    Ok(len)
}

async fn serve_api<S: Stream>(shared: &Arc<Shared>, conn: &mut Conn<S>, head: Head) -> Next {
    let started = Instant::now();
    let fault = shared.faults.pick();
    let fault_name = fault.as_ref().map_or("", FaultKind::name);
    let action_header = head.header("x-tc-action").unwrap_or("").to_owned();
    if fault == Some(FaultKind::ResetBeforeRead) {
        tracing::info!(action = %action_header, fault = fault_name, "request reset before reading");
        return Next::Reset;
    }
    let keep_alive = head.keep_alive();
    let len = match body_length(&head, MAX_BODY) {
        Ok(len) => len,
        Err(reply) if reply.status == 413 => {
            let error = ApiError::new(
                codes::REQUEST_SIZE_LIMIT_EXCEEDED,
                format!("the request body is larger than {MAX_BODY} bytes"),
            );
            return answer_error(
                shared,
                conn,
                &action_header,
                started,
                fault_name,
                error,
                false,
            )
            .await;
        }
        Err(reply) => {
            let _ = conn.write_reply(&reply, false, shared.clock.now()).await;
            return Next::Close;
        }
    };
    let body = match tokio::time::timeout(READ_TIMEOUT, conn.read_body(len)).await {
        Ok(Ok(body)) => body,
        _ => return Next::Close,
    };

    // Faults that replace the answer: the request is not handled.
    match &fault {
        Some(FaultKind::Latency(d)) => tokio::time::sleep(*d).await,
        Some(FaultKind::HttpStatus(status)) => {
            log_api(
                &action_header,
                &format!("HTTP {status}"),
                started,
                "",
                fault_name,
            );
            let page = format!("{status} {}\n", reason(*status));
            let _ = conn
                .write_reply(&Reply::text(*status, page), keep_alive, shared.clock.now())
                .await;
            return Next::after(keep_alive);
        }
        Some(FaultKind::NonJsonBody) => {
            log_api(&action_header, "non-JSON page", started, "", fault_name);
            let reply = Reply {
                status: 200,
                content_type: "text/html; charset=utf-8",
                body: b"<html><head><title>Gateway</title></head><body><h1>Service temporarily unavailable</h1></body></html>\n".to_vec(),
                extra: Cow::Borrowed(""),
            };
            let _ = conn
                .write_reply(&reply, keep_alive, shared.clock.now())
                .await;
            return Next::after(keep_alive);
        }
        Some(FaultKind::ThrottlingStorm) => {
            let error = ApiError::new(
                codes::REQUEST_LIMIT_EXCEEDED,
                "too many requests (injected throttling storm)",
            );
            return answer_error(
                shared,
                conn,
                &action_header,
                started,
                fault_name,
                error,
                keep_alive,
            )
            .await;
        }
        _ => {}
    }

    let request_id = ids::request_id();
    let mut canned = false;
    let (code, answer) = handle_api(shared, &head, &body, &mut canned);
    let canned = canned && answer.is_ok();
    if canned {
        tracing::info!(
            action = %action_header,
            code = %code,
            latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            request_id = %request_id,
            fault = %fault_name,
            canned = "example",
            "api request answered with the official example"
        );
    } else {
        log_api(&action_header, &code, started, &request_id, fault_name);
    }
    let json = serde_json::to_vec(&envelope(answer, &request_id)).unwrap_or_default();
    let extra = if canned { CANNED_HEADER } else { "" };
    deliver(shared, conn, json, fault, keep_alive, extra).await
}

/// Answers an API request with a service error in the usual envelope, and
/// logs it with the action header, when the request arrived and the fault
/// applied.
async fn answer_error<S: Stream>(
    shared: &Shared,
    conn: &mut Conn<S>,
    action: &str,
    started: Instant,
    fault: &str,
    error: ApiError,
    keep_alive: bool,
) -> Next {
    let request_id = ids::request_id();
    log_api(action, error.code(), started, &request_id, fault);
    let reply = Reply::json(&envelope(Err(error), &request_id));
    let _ = conn
        .write_reply(&reply, keep_alive, shared.clock.now())
        .await;
    Next::after(keep_alive)
}

fn log_api(action: &str, code: &str, started: Instant, request_id: &str, fault: &str) {
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(
        action = %action,
        code = %code,
        latency_ms,
        request_id = %request_id,
        fault = %fault,
        "api request"
    );
}

/// The API pipeline, in the service's order: authentication, action,
/// version, rate limit, content type, JSON, then the action's own checks
/// and semantics. Returns the code for the log (`OK` on success).
///
/// `canned` is set when the action has no semantics and answers its
/// official example.
fn handle_api(
    shared: &Shared,
    head: &Head,
    body: &[u8],
    canned: &mut bool,
) -> (String, Result<Value, ApiError>) {
    let result = (|| {
        if head.method != "POST" {
            return Err(ApiError::new(
                codes::UNSUPPORTED_PROTOCOL,
                format!(
                    "the API takes POST requests with a JSON body, not {}",
                    head.method
                ),
            ));
        }
        let now = shared.clock.now();
        authenticate(&shared.credentials, head, body, now)?;
        let host = host_name(head);
        let action = match head.header("x-tc-action").map(str::trim) {
            None | Some("") => {
                return Err(ApiError::new(
                    codes::MISSING_PARAMETER,
                    "the required header X-TC-Action is missing",
                ))
            }
            Some(a) => a,
        };
        let entry = match shared.registry.resolve(action, shared.strict) {
            Resolved::Emulated(entry) => entry,
            Resolved::Canned(entry) => {
                *canned = entry.canned;
                entry
            }
            Resolved::Unsupported => {
                return Err(ApiError::new(
                    codes::UNSUPPORTED_OPERATION,
                    format!("the emulator does not emulate the action {action}"),
                ))
            }
            Resolved::Unknown => {
                return Err(ApiError::new(
                    codes::INVALID_ACTION,
                    format!("the action {action} does not exist"),
                ))
            }
        };
        check_host(host.as_deref(), entry)?;
        match head.header("x-tc-version").map(str::trim) {
            None | Some("") => {
                return Err(ApiError::new(
                    codes::MISSING_PARAMETER,
                    "the required header X-TC-Version is missing",
                ))
            }
            Some(v) if v != ess_api::service::VERSION => {
                return Err(ApiError::new(
                    codes::NO_SUCH_VERSION,
                    format!(
                        "the version {v} does not exist; the emulator serves {}",
                        ess_api::service::VERSION
                    ),
                ))
            }
            Some(_) => {}
        }
        if let (true, Some(limit)) = (shared.rate_limits, entry.rate_limit) {
            if !shared.limiter.admit(entry.name, limit) {
                return Err(ApiError::new(
                    codes::REQUEST_LIMIT_EXCEEDED,
                    format!("{} allows {limit} requests per second", entry.name),
                ));
            }
        }
        let content_type = head.header("content-type").unwrap_or("");
        if !content_type
            .trim()
            .to_ascii_lowercase()
            .starts_with("application/json")
        {
            return Err(ApiError::invalid(format!(
                "Content-Type must be application/json, not {content_type:?}"
            )));
        }
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::invalid(format!("the request body is not valid JSON: {e}")))?;
        (entry.check_list_sizes)(&value)?;
        shared.mutate(|state, now| {
            let mut ctx = Ctx {
                world: &shared.world,
                state,
                now,
                base_url: &shared.base_url,
                host: host.as_deref(),
            };
            entry.run(&mut ctx, value)
        })
    })();
    let code = match &result {
        Ok(_) => "OK".to_owned(),
        Err(e) => e.code().to_owned(),
    };
    (code, result)
}

/// The request's host name: its `Host` header without the port, in lower
/// case and without a trailing dot.
fn host_name(head: &Head) -> Option<String> {
    let value = head.header("host")?.trim();
    let name = match value.strip_prefix('[') {
        // An IPv6 address, `[::1]:8080`.
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => match value.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => value,
        },
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    (!name.is_empty()).then_some(name)
}

/// Whether the action of `entry` is served at `host`, as the service's
/// hosts divide the actions: an action host (`file.ess.tencent.cn`,
/// `file.test.ess.tencent.cn`) serves only the actions documented for it
/// (`UploadFiles`), and the API hosts (`ess.tencentcloudapi.com`,
/// `ess.test.ess.tencent.cn`) serve every other action. Any other host
/// (the emulator's address, given to a client as its endpoint) serves every
/// action.
///
/// A refusal is `InvalidAction` ("the action does not exist"), the common
/// code for an action a host does not know: each host's gateway routes only
/// the actions it serves, so to it any other action does not exist. It is
/// not `UnsupportedOperation`, which the emulator keeps for an action that
/// exists but is not emulated (strict mode).
fn check_host(host: Option<&str>, entry: &Entry) -> Result<(), ApiError> {
    use ess_api::service::{ACTION_HOSTS, ENDPOINT, TEST_ENDPOINT};
    let Some(host) = host else {
        return Ok(());
    };
    let refuse = |right: &str| {
        Err(ApiError::new(
            codes::INVALID_ACTION,
            format!(
                "the action {} is not served at {host}; send it to {right}",
                entry.name
            ),
        ))
    };
    if host == ENDPOINT || host == TEST_ENDPOINT {
        let own = if host == ENDPOINT {
            entry.host
        } else {
            entry.test_host.or(entry.host)
        };
        return match own {
            Some(right) => refuse(right),
            None => Ok(()),
        };
    }
    if let Some(&(production, _)) = ACTION_HOSTS
        .iter()
        .find(|(production, test)| host == *production || host == *test)
    {
        let (own, api) = if host == production {
            (entry.host, ENDPOINT)
        } else {
            (entry.test_host.or(entry.host), TEST_ENDPOINT)
        };
        return match own {
            Some(own) if own == host => Ok(()),
            Some(right) => refuse(right),
            None => refuse(api),
        };
    }
    Ok(())
}

/// Writes an answer, bent by a fault when there is one.
async fn deliver<S: Stream>(
    shared: &Shared,
    conn: &mut Conn<S>,
    json: Vec<u8>,
    fault: Option<FaultKind>,
    keep_alive: bool,
    extra: &'static str,
) -> Next {
    let now = shared.clock.now();
    let content_type = JSON;
    let after = Next::after(keep_alive);
    let written = match fault {
        Some(FaultKind::ResetAfterRead) => return Next::Reset,
        Some(FaultKind::SlowHeaders(total)) => {
            let head = response_head(200, content_type, json.len() as u64, keep_alive, now, extra);
            async {
                trickle(&mut conn.stream, &head, total).await?;
                conn.stream.write_all(&json).await?;
                conn.stream.flush().await
            }
            .await
        }
        Some(FaultKind::SlowBody(total)) => {
            let head = response_head(200, content_type, json.len() as u64, keep_alive, now, extra);
            async {
                conn.stream.write_all(&head).await?;
                trickle(&mut conn.stream, &json, total).await
            }
            .await
        }
        Some(FaultKind::TruncatedBody) => {
            let mut out = response_head(200, content_type, json.len() as u64, false, now, extra);
            out.extend_from_slice(&json[..json.len() / 2]);
            let _ = conn.stream.write_all(&out).await;
            let _ = conn.stream.flush().await;
            let _ = conn.stream.shutdown().await;
            return Next::Close;
        }
        Some(FaultKind::OversizedBody(size)) => {
            let _ = write_oversized(conn, &json, size, now, extra).await;
            return Next::Close;
        }
        Some(FaultKind::WrongContentType) => {
            let reply = Reply {
                status: 200,
                content_type: "text/html; charset=utf-8",
                body: json,
                extra: Cow::Borrowed(extra),
            };
            conn.write_reply(&reply, keep_alive, now).await
        }
        _ => {
            let reply = Reply {
                status: 200,
                content_type,
                body: json,
                extra: Cow::Borrowed(extra),
            };
            conn.write_reply(&reply, keep_alive, now).await
        }
    };
    match written {
        Ok(()) => after,
        Err(_) => Next::Close,
    }
}

/// Writes `bytes` in about twenty pieces spread over `total`.
async fn trickle<W: AsyncWrite + Unpin>(
    stream: &mut W,
    bytes: &[u8],
    total: Duration,
) -> io::Result<()> {
    let pieces = bytes.len().clamp(1, 20);
    let size = bytes.len().div_ceil(pieces).max(1);
    let pause = total / pieces as u32;
    for (i, piece) in bytes.chunks(size).enumerate() {
        if i > 0 {
            tokio::time::sleep(pause).await;
        }
        stream.write_all(piece).await?;
        stream.flush().await?;
    }
    Ok(())
}

/// The answer with a `Padding` member that brings it to `size` bytes (or
/// just past the answer when that is larger), streamed in chunks.
async fn write_oversized<S: Stream>(
    conn: &mut Conn<S>,
    json: &[u8],
    size: u64,
    now: u64,
    extra: &str,
) -> io::Result<()> {
    // `{"Response":{...}}` → `{"Response":{...},"Padding":"xxxx"}`
    let prefix_end = json.len().saturating_sub(1);
    let opening = b",\"Padding\":\"";
    let closing = b"\"}";
    let fixed = (prefix_end + opening.len() + closing.len()) as u64;
    let padding = size.saturating_sub(fixed);
    let total = fixed + padding;
    let mut out = response_head(200, JSON, total, false, now, extra);
    out.extend_from_slice(&json[..prefix_end]);
    out.extend_from_slice(opening);
    conn.stream.write_all(&out).await?;
    let chunk = vec![b'x'; CHUNK];
    let mut left = padding;
    while left > 0 {
        let n = left.min(CHUNK as u64) as usize;
        conn.stream.write_all(&chunk[..n]).await?;
        left -= n as u64;
    }
    conn.stream.write_all(closing).await?;
    conn.stream.flush().await
}

async fn serve_other<S: Stream>(shared: &Arc<Shared>, conn: &mut Conn<S>, head: Head) -> Next {
    let started = Instant::now();
    let keep_alive = head.keep_alive();
    let len = match body_length(&head, MAX_CONTROL_BODY) {
        Ok(len) => len,
        Err(reply) => {
            let _ = conn.write_reply(&reply, false, shared.clock.now()).await;
            return Next::Close;
        }
    };
    let body = match tokio::time::timeout(READ_TIMEOUT, conn.read_body(len)).await {
        Ok(Ok(body)) => body,
        _ => return Next::Close,
    };
    let (reply, head) = if head.path() == control::FLUSH_PATH {
        (control::flush(shared, &head, &body).await, head)
    } else if head.path() == control::STATE_PATH {
        (control::state_dump(shared, &head).await, head)
    } else {
        // On the blocking pool: a state dump or a page takes long to
        // encode, and must not hold up a runtime thread that API requests
        // need.
        let shared = shared.clone();
        match tokio::task::spawn_blocking(move || (control::handle(&shared, &head, &body), head))
            .await
        {
            Ok(done) => done,
            Err(_) => return Next::Close,
        }
    };
    tracing::debug!(
        method = %head.method,
        path = %head.path(),
        status = reply.status,
        latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "emulator request"
    );
    match conn
        .write_reply(&reply, keep_alive, shared.clock.now())
        .await
    {
        Ok(()) if keep_alive => Next::KeepAlive,
        _ => Next::Close,
    }
}

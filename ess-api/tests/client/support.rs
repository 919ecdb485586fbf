//! Shared pieces of the client's integration tests: hand-written action
//! types and a scriptable HTTP/1.1 server on 127.0.0.1 that checks every
//! request's headers and signature.
#![allow(dead_code)]

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ess_api::client::signing::{Authorization, CONTENT_TYPE};
use ess_api::client::RetryConfig;
use ess_api::{Action, Config, Credentials, ErrorMeta, RetryClass, ServiceError, Validate};
use ess_runtime::error_meta::fallback_retry_class;
use ess_runtime::validate::{Path, Report, Rule};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub const SECRET_ID: &str = "AKIDtestSecretId0001";
pub const SECRET_KEY: &str = "TestSecretKeyValue-DoNotLog-7f3a";
pub const TOKEN: &str = "TestSessionToken-DoNotLog-91c2";

/// A read-only action: safe to repeat.
#[derive(Clone, Debug, Serialize)]
pub struct DescribeThing {
    #[serde(rename = "ThingId")]
    pub thing_id: String,
}

impl DescribeThing {
    pub fn new(id: &str) -> Self {
        Self {
            thing_id: id.to_owned(),
        }
    }
}

impl Validate for DescribeThing {
    fn validate_at(&self, path: &Path<'_>, report: &mut Report) {
        if self.thing_id.is_empty() {
            report.push(&path.field("thing_id"), Rule::Required);
        }
    }
}

impl ess_runtime::__private::Sealed for DescribeThing {}

impl Action for DescribeThing {
    const NAME: &'static str = "DescribeThing";
    const IDEMPOTENT: bool = true;
    const RATE_LIMIT: Option<u32> = Some(20);
    type Output = ThingOutput;
    type Error = TestError;
}

/// An action with side effects: must not be repeated after an ambiguous failure.
#[derive(Clone, Debug, Serialize)]
pub struct CreateThing {
    #[serde(rename = "Name")]
    pub name: String,
}

impl CreateThing {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
        }
    }
}

impl Validate for CreateThing {
    fn validate_at(&self, path: &Path<'_>, report: &mut Report) {
        if self.name.chars().count() > 16 {
            report.push(
                &path.field("name"),
                Rule::MaxChars {
                    max: 16,
                    actual: self.name.chars().count(),
                },
            );
        }
    }
}

impl ess_runtime::__private::Sealed for CreateThing {}

impl Action for CreateThing {
    const NAME: &'static str = "CreateThing";
    const IDEMPOTENT: bool = false;
    const RATE_LIMIT: Option<u32> = None;
    type Output = ThingOutput;
    type Error = TestError;
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct ThingOutput {
    #[serde(rename = "ThingId")]
    pub thing_id: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "RequestId")]
    pub request_id: String,
}

/// The typed error of the test actions, written by hand.
#[derive(Debug)]
pub enum TestError {
    Throttled(ErrorMeta),
    Internal(ErrorMeta),
    SignatureExpired(ErrorMeta),
    NotFound(ErrorMeta),
    Unhandled(ErrorMeta),
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.meta(), f)
    }
}

impl std::error::Error for TestError {}

impl ess_runtime::__private::Sealed for TestError {}
impl ServiceError for TestError {
    const CODES: &'static [&'static str] = &[
        "RequestLimitExceeded",
        "InternalError",
        "AuthFailure.SignatureExpire",
        "ResourceNotFound.Thing",
    ];

    fn from_meta(meta: ErrorMeta) -> Self {
        match meta.code() {
            "RequestLimitExceeded" => TestError::Throttled(meta),
            "InternalError" => TestError::Internal(meta),
            "AuthFailure.SignatureExpire" => TestError::SignatureExpired(meta),
            "ResourceNotFound.Thing" => TestError::NotFound(meta),
            _ => TestError::Unhandled(meta),
        }
    }

    fn meta(&self) -> &ErrorMeta {
        match self {
            TestError::Throttled(m)
            | TestError::Internal(m)
            | TestError::SignatureExpired(m)
            | TestError::NotFound(m)
            | TestError::Unhandled(m) => m,
        }
    }

    fn into_meta(self) -> ErrorMeta {
        match self {
            TestError::Throttled(m)
            | TestError::Internal(m)
            | TestError::SignatureExpired(m)
            | TestError::NotFound(m)
            | TestError::Unhandled(m) => m,
        }
    }

    fn retry_class(&self) -> RetryClass {
        match self {
            TestError::Throttled(_) => RetryClass::Throttling,
            TestError::Internal(_) => RetryClass::Transient,
            TestError::SignatureExpired(_) => RetryClass::Resign,
            TestError::NotFound(_) => RetryClass::Never,
            TestError::Unhandled(m) => fallback_retry_class(m.code()),
        }
    }

    fn is_unhandled(&self) -> bool {
        matches!(self, TestError::Unhandled(_))
    }
}

/// What the server does with one request slot.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A success body for the action.
    Ok,
    /// `{"Response": {"Error": ...}}` with HTTP 200.
    Error(&'static str),
    /// A status and a body, as given.
    Raw { status: u16, body: Vec<u8> },
    /// The `Content-Length` says `declared` but only `body` is sent, then
    /// the connection is closed.
    Truncated { declared: usize, body: Vec<u8> },
    /// A chunked body of `total` bytes (no `Content-Length`), written in
    /// 16 KiB chunks for as long as the client reads.
    Chunked { status: u16, total: usize },
    /// The connection is closed without reading the request.
    CloseBeforeRead,
    /// The request is read, then the connection is closed without an answer.
    CloseAfterRead,
    /// The request is read, then nothing is sent for this long, then `then`.
    Delay(Duration, Box<Reply>),
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub slot: usize,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timestamp: u64,
    /// When the request had been read.
    pub at: Instant,
    /// `Ok` when every header and the signature were right.
    pub check: Result<(), String>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

type Script = dyn Fn(usize) -> Reply + Send + Sync;

#[derive(Clone)]
pub struct ServerOptions {
    /// Token the requests must carry (temporary credentials).
    pub token: Option<String>,
    /// Region the requests must carry.
    pub region: Option<String>,
    /// Whether to answer expired timestamps (more than 300 s from this
    /// machine's clock) with `AuthFailure.SignatureExpire`.
    pub check_timestamp: bool,
    /// Whether to keep connections open for more requests.
    pub keep_alive: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            token: None,
            region: None,
            check_timestamp: true,
            keep_alive: false,
        }
    }
}

struct State {
    script: Box<Script>,
    options: ServerOptions,
    addr: SocketAddr,
    slots: AtomicUsize,
    connections: AtomicUsize,
    received: Mutex<Vec<Received>>,
}

/// A scriptable server; stops when dropped.
pub struct TestServer {
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    pub async fn start(script: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Self {
        Self::with_options(ServerOptions::default(), script).await
    }

    pub async fn with_options(
        options: ServerOptions,
        script: impl Fn(usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            script: Box::new(script),
            options,
            addr,
            slots: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            received: Mutex::new(Vec::new()),
        });
        let accept_state = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                accept_state.connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(accept_state.clone(), stream));
            }
        });
        TestServer { state, task }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.state.addr)
    }

    pub fn host(&self) -> String {
        self.state.addr.to_string()
    }

    /// Request slots used: every connection attempt the server saw, whether
    /// or not it read the request.
    pub fn slots(&self) -> usize {
        self.state.slots.load(Ordering::SeqCst)
    }

    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Requests read whole.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// A client configuration pointed at this server with test
    /// credentials, no proxy, short timeouts and fast retries.
    pub fn config(&self) -> Config {
        Config::default()
            .with_endpoint(self.endpoint())
            .with_credentials(Credentials::new(SECRET_ID, SECRET_KEY).unwrap())
            .with_env_proxy(false)
            .with_connect_timeout(Duration::from_secs(2))
            .with_timeout(Duration::from_secs(5))
            .with_retry(fast_retries())
    }
}

pub fn fast_retries() -> RetryConfig {
    RetryConfig::new()
        .with_base_delay(Duration::from_millis(10))
        .with_max_delay(Duration::from_millis(40))
}

async fn serve(state: Arc<State>, mut stream: TcpStream) {
    loop {
        let slot = state.slots.fetch_add(1, Ordering::SeqCst);
        let reply = (state.script)(slot);
        if matches!(reply, Reply::CloseBeforeRead) {
            let _ = stream.set_zero_linger();
            return;
        }
        let Some((headers, body)) = read_request(&mut stream).await else {
            // The client closed a kept-alive connection: not a request.
            state.slots.fetch_sub(1, Ordering::SeqCst);
            return;
        };
        let received = check(&state, slot, headers, body);
        let override_reply = match &received.check {
            Ok(()) => None,
            Err(reason) if reason == "expired" => {
                Some(error_body("AuthFailure.SignatureExpire", slot))
            }
            Err(_) => Some(error_body("AuthFailure.SignatureFailure", slot)),
        };
        state.received.lock().unwrap().push(received);
        let keep = state.options.keep_alive;
        let reply = match override_reply {
            Some(body) => Reply::Raw { status: 200, body },
            None => reply,
        };
        if !respond(&mut stream, reply, slot, keep).await || !keep {
            return;
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<(Vec<(String, String)>, Vec<u8>)> {
    let mut buf = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?;
    if !request_line.starts_with("POST / HTTP/1.1") {
        return None;
    }
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((headers, body))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn check(state: &State, slot: usize, headers: Vec<(String, String)>, body: Vec<u8>) -> Received {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let timestamp = get("x-tc-timestamp")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let result = (|| -> Result<(), String> {
        let expect = |name: &str, want: &str| match get(name) {
            Some(v) if v == want => Ok(()),
            other => Err(format!("header {name}: expected {want:?}, got {other:?}")),
        };
        expect("content-type", CONTENT_TYPE)?;
        expect("host", &state.addr.to_string())?;
        expect("x-tc-version", "2020-11-11")?;
        let action = get("x-tc-action").ok_or("no x-tc-action")?;
        let known = action == "DescribeThing"
            || action == "CreateThing"
            || ess_api::service::ACTIONS.contains(&action);
        if !known {
            return Err(format!("unexpected action {action}"));
        }
        let client = get("x-tc-requestclient").ok_or("no x-tc-requestclient")?;
        if !client.starts_with("SDK_RUST_ESS_") {
            return Err(format!("unexpected request client {client}"));
        }
        if get("x-tc-timestamp").is_none() {
            return Err("no x-tc-timestamp".into());
        }
        match (&state.options.token, get("x-tc-token")) {
            (Some(want), Some(got)) if want == got => {}
            (None, None) => {}
            _ => return Err("x-tc-token is not as expected".into()),
        }
        match (&state.options.region, get("x-tc-region")) {
            (Some(want), Some(got)) if want == got => {}
            (None, None) => {}
            _ => return Err("x-tc-region is not as expected".into()),
        }
        let auth = Authorization::parse(get("authorization").ok_or("no authorization")?)
            .map_err(|e| e.to_string())?;
        if auth.secret_id() != SECRET_ID || auth.service() != "ess" {
            return Err("wrong credential scope".into());
        }
        if auth.signed_headers() != ["content-type", "host"] {
            return Err("unexpected signed headers".into());
        }
        auth.verify(SECRET_KEY, timestamp, get, &body)
            .map_err(|e| e.to_string())?;
        if state.options.check_timestamp && timestamp.abs_diff(unix_now()) > 300 {
            return Err("expired".into());
        }
        Ok(())
    })();
    Received {
        slot,
        headers: headers.clone(),
        body,
        timestamp,
        at: Instant::now(),
        check: result,
    }
}

fn error_body(code: &str, slot: usize) -> Vec<u8> {
    format!(
        r#"{{"Response": {{"Error": {{"Code": "{code}", "Message": "test error {code}"}}, "RequestId": "req-{slot}"}}}}"#
    )
    .into_bytes()
}

/// Writes the reply; returns whether the connection can be used again.
fn respond<'a>(
    stream: &'a mut TcpStream,
    reply: Reply,
    slot: usize,
    keep_alive: bool,
) -> std::pin::Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
    Box::pin(async move {
        let connection = if keep_alive { "keep-alive" } else { "close" };
        let date = http_date(unix_now());
        let head = |status: u16, extra: &str| {
            format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nDate: {date}\r\nConnection: {connection}\r\n{extra}\r\n",
                reason(status)
            )
        };
        match reply {
            Reply::Ok => {
                let body = format!(
                    r#"{{"Response": {{"ThingId": "thing-{slot}", "Name": "thing", "RequestId": "req-{slot}"}}}}"#
                );
                let msg = head(200, &format!("Content-Length: {}\r\n", body.len())) + &body;
                stream.write_all(msg.as_bytes()).await.is_ok()
            }
            Reply::Error(code) => {
                let body = error_body(code, slot);
                let mut msg =
                    head(200, &format!("Content-Length: {}\r\n", body.len())).into_bytes();
                msg.extend_from_slice(&body);
                stream.write_all(&msg).await.is_ok()
            }
            Reply::Raw { status, body } => {
                let mut msg =
                    head(status, &format!("Content-Length: {}\r\n", body.len())).into_bytes();
                msg.extend_from_slice(&body);
                stream.write_all(&msg).await.is_ok()
            }
            Reply::Truncated { declared, body } => {
                let mut msg = head(200, &format!("Content-Length: {declared}\r\n")).into_bytes();
                msg.extend_from_slice(&body);
                let _ = stream.write_all(&msg).await;
                let _ = stream.flush().await;
                false
            }
            Reply::Chunked { status, total } => {
                let _ = stream
                    .write_all(head(status, "Transfer-Encoding: chunked\r\n").as_bytes())
                    .await;
                let chunk = vec![b'x'; 16 * 1024];
                let mut sent = 0;
                while sent < total {
                    let n = chunk.len().min(total - sent);
                    let mut frame = format!("{n:x}\r\n").into_bytes();
                    frame.extend_from_slice(&chunk[..n]);
                    frame.extend_from_slice(b"\r\n");
                    if stream.write_all(&frame).await.is_err() {
                        return false;
                    }
                    sent += n;
                }
                let _ = stream.write_all(b"0\r\n\r\n").await;
                false
            }
            Reply::CloseBeforeRead | Reply::CloseAfterRead => false,
            Reply::Delay(wait, then) => {
                tokio::time::sleep(wait).await;
                respond(stream, *then, slot, keep_alive).await
            }
        }
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` for a Unix timestamp.
pub fn http_date(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Runs `f`, failing the test if it takes longer than `limit`.
pub async fn bounded<T>(limit: Duration, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, f)
        .await
        .expect("the call did not finish in bounded time")
}

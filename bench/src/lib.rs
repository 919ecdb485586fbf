//! Shared pieces of the round-trip benchmarks: the request every benchmark
//! sends, and a minimal HTTP/1.1 server that answers every request with the
//! same success body, so that a round trip against it shows the client's own
//! cost rather than a server's.

pub mod floor;

use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddr};

use bytes::Bytes;
use ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeInput;
use ess_api::types::{ApproverComponentLimitType, ApproverRestriction, SignatureMethod, UserInfo};
use ess_api::Client;
use ess_emulator::{default_credentials, defaults};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The documented success answer of `CreateMultiFlowSignQRCode`, compacted.
pub const SUCCESS_BODY: &[u8] = include_bytes!("../fixtures/success.json");

/// The request of every round trip: an employee of the emulator's default
/// world, its company-and-person template, two allowed signers and two
/// signature-method limits. Nested values are built with `build()`; the
/// outer input is validated by `Client::send`, as the fluent `send` does.
pub fn input() -> CreateMultiFlowSignQrCodeInput {
    CreateMultiFlowSignQrCodeInput::builder()
        .operator(
            UserInfo::builder()
                .user_id(defaults::OPERATOR_ID)
                .build()
                .expect("valid operator"),
        )
        .template_id(defaults::B2C_TEMPLATE_ID)
        .flow_name("员工入职合同")
        .max_flow_num(100)
        .flow_effective_day(7)
        .restrictions(restriction("张三", "18800009527"))
        .restrictions(restriction("李四", "18900001234"))
        .approver_component_limit_types(limit(
            "yDRscUUgyg3zr9vfUyJ8QKwCN7z9YcOh",
            [SignatureMethod::Handwrite, SignatureMethod::SystemEsign],
        ))
        .approver_component_limit_types(limit(
            "yDwJNUUckpkojrmqUxTFHk0yndh70CpW",
            [SignatureMethod::OcrEsign, SignatureMethod::Esign],
        ))
        .build_unvalidated()
        .expect("every required member is set")
}

fn restriction(name: &str, mobile: &str) -> ApproverRestriction {
    ApproverRestriction::builder()
        .name(name)
        .mobile(mobile)
        .build()
        .expect("valid restriction")
}

fn limit(recipient: &str, values: [SignatureMethod; 2]) -> ApproverComponentLimitType {
    let [a, b] = values;
    ApproverComponentLimitType::builder()
        .recipient_id(recipient)
        .values(a)
        .values(b)
        .build()
        .expect("valid limit")
}

/// The runtime the benchmarked clients run on: one thread, as a pinned
/// client process has one CPU.
pub fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// A client of `url` with the emulator's default credentials.
pub fn sdk_client(url: &str) -> Client {
    ess_api::Client::new(
        ess_api::Config::default()
            .with_credentials(default_credentials())
            .with_endpoint(url),
    )
    .expect("client")
}

/// One call through the SDK: `Client::send` of a freshly built [`input`]
/// (validate, serialize, sign, send, read, decode).
pub async fn sdk_call(client: &Client) {
    let output = client.send(input()).await.expect("the call succeeds");
    black_box(output);
}

/// CPU time the calling thread has run so far, in nanoseconds
/// (`CLOCK_THREAD_CPUTIME_ID`). Exact to the moment it is read, unlike the
/// scheduler's statistics in `/proc`, which for a thread that keeps the CPU
/// lag by up to a clock tick (4 ms here: a third of a 640-call block).
pub fn thread_cpu_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(t.tv_nsec).unwrap_or(0)
}

/// The floor client: the request the SDK would send (same body, same
/// headers, signed once), POSTed by a bare `reqwest::Client` with the
/// SDK's transport settings (no proxy, `TCP_NODELAY`, no redirects); the
/// answer is read as bytes and not decoded.
pub struct RawClient {
    http: reqwest::Client,
    url: Url,
    headers: HeaderMap,
    body: Bytes,
}

impl RawClient {
    /// Signs the request once with `sdk`, for `url`.
    pub async fn new(sdk: &Client, url: &str) -> RawClient {
        let prepared = sdk.prepare(&input()).await.expect("prepare");
        let mut headers = HeaderMap::new();
        for (name, value) in prepared.headers() {
            if name == "host" {
                continue; // derived from the URL, as the SDK's transport does
            }
            headers.insert(
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        RawClient {
            http: raw_http(),
            url: Url::parse(url).expect("url"),
            headers,
            body: Bytes::copy_from_slice(prepared.body()),
        }
    }

    /// One POST of the pre-signed request; the answer's bytes are read whole.
    pub async fn call(&self) {
        let mut request = reqwest::Request::new(Method::POST, self.url.clone());
        *request.headers_mut() = self.headers.clone();
        *request.body_mut() = Some(self.body.clone().into());
        let response = self.http.execute(request).await.expect("raw POST");
        assert_eq!(response.status().as_u16(), 200);
        black_box(response.bytes().await.expect("raw body"));
    }
}

/// The floor client written by hand: [`floor::prepare`] (plain struct,
/// TC3 signing with the whole key chain), the headers the service needs,
/// a POST through a bare `reqwest::Client` (the SDK's transport settings)
/// and a plain `serde_json` decode of the answer. What any client must do
/// per call, without validation, typed errors, retries or timeouts.
pub struct BareClient {
    http: reqwest::Client,
    url: Url,
    host: String,
    secret_id: String,
    secret_key: String,
}

impl BareClient {
    /// A client of `url` with the emulator's default credentials.
    pub fn new(url: &str) -> BareClient {
        let url = Url::parse(url).expect("url");
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().expect("host")),
            None => url.host_str().expect("host").to_owned(),
        };
        BareClient {
            http: raw_http(),
            url,
            host,
            secret_id: defaults::SECRET_ID.to_owned(),
            secret_key: defaults::SECRET_KEY.to_owned(),
        }
    }

    /// One call: build, sign, POST, decode.
    pub async fn call(&self) {
        let input = floor::plain_input(defaults::OPERATOR_ID, defaults::B2C_TEMPLATE_ID);
        let signed = floor::prepare(&input, &self.secret_id, &self.secret_key, &self.host);
        let mut request = reqwest::Request::new(Method::POST, self.url.clone());
        let headers = request.headers_mut();
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        headers.insert(
            "x-tc-action",
            HeaderValue::from_static("CreateMultiFlowSignQRCode"),
        );
        headers.insert("x-tc-version", HeaderValue::from_static("2020-11-11"));
        headers.insert("x-tc-timestamp", HeaderValue::from(signed.timestamp));
        headers.insert(
            reqwest::header::AUTHORIZATION,
            HeaderValue::from_str(&signed.authorization).expect("header value"),
        );
        *request.body_mut() = Some(signed.body.into());
        let response = self.http.execute(request).await.expect("bare POST");
        assert_eq!(response.status().as_u16(), 200);
        let body = response.bytes().await.expect("bare body");
        let answer: floor::PlainEnvelope = serde_json::from_slice(&body).expect("a success answer");
        black_box(answer);
    }
}

fn raw_http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

/// The whole answer of the canned server: status line, headers, body.
pub fn canned_response() -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        SUCCESS_BODY.len()
    )
    .into_bytes();
    out.extend_from_slice(SUCCESS_BODY);
    out
}

/// The canned server's URL: `ESS_BENCH_CANNED`, or a server started in this
/// process on a thread of its own.
pub fn canned_url() -> String {
    server_url("ESS_BENCH_CANNED", start_canned)
}

/// The emulator's URL: `ESS_BENCH_EMULATOR`, or an emulator (rate limits
/// off) started in this process on a thread of its own.
pub fn emulator_url() -> String {
    server_url("ESS_BENCH_EMULATOR", start_emulator)
}

/// A server URL from the environment, or one started on a thread of its own.
fn server_url(var: &str, start: fn(std::sync::mpsc::Sender<String>)) -> String {
    if let Ok(url) = std::env::var(var) {
        if !url.trim().is_empty() {
            return url.trim().trim_end_matches('/').to_owned();
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || start(tx));
    rx.recv().expect("the server thread reports its address")
}

fn server_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn start_canned(tx: std::sync::mpsc::Sender<String>) {
    server_runtime().block_on(async move {
        let listener = bind_canned(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tx.send(format!("http://{addr}")).expect("report");
        serve_canned(listener).await;
    });
}

fn start_emulator(tx: std::sync::mpsc::Sender<String>) {
    server_runtime().block_on(async move {
        let emulator = ess_emulator::Emulator::builder()
            .rate_limits(false)
            .start()
            .await
            .expect("emulator");
        tx.send(emulator.endpoint().to_owned()).expect("report");
        std::future::pending::<()>().await;
    });
}

/// Binds the canned server on `addr` (port 0: any free port).
pub async fn bind_canned(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// Serves connections from `listener` until the runtime stops: every
/// complete request (head and `Content-Length` body, keep-alive, pipelining)
/// gets the canned answer. Anything unparsable closes the connection.
pub async fn serve_canned(listener: TcpListener) {
    let response: &'static [u8] = Box::leak(canned_response().into_boxed_slice());
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(canned_connection(stream, response));
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
}

async fn canned_connection(mut stream: TcpStream, response: &'static [u8]) {
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    loop {
        let mut consumed = 0;
        loop {
            match request_length(&buf[consumed..]) {
                Some(Ok(len)) => {
                    if stream.write_all(response).await.is_err() {
                        return;
                    }
                    consumed += len;
                }
                Some(Err(())) => return,
                None => break,
            }
        }
        buf.drain(..consumed);
        match stream.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// The length of the first request in `buf`: `None` while incomplete,
/// `Some(Err(()))` when it is not HTTP/1.1 with a readable `Content-Length`.
fn request_length(buf: &[u8]) -> Option<Result<usize, ()>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(buf) {
        Ok(httparse::Status::Complete(head)) => {
            let mut body = 0usize;
            for h in request.headers.iter() {
                if h.name.eq_ignore_ascii_case("content-length") {
                    match std::str::from_utf8(h.value)
                        .ok()
                        .and_then(|v| v.trim().parse().ok())
                    {
                        Some(n) => body = n,
                        None => return Some(Err(())),
                    }
                }
            }
            (buf.len() >= head + body).then_some(Ok(head + body))
        }
        Ok(httparse::Status::Partial) => None,
        Err(_) => Some(Err(())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lengths() {
        let req = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(request_length(req), Some(Ok(req.len())));
        assert_eq!(request_length(&req[..req.len() - 1]), None);
        assert_eq!(request_length(b"POST / HTTP/1.1\r\nHost"), None);
        assert_eq!(
            request_length(b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
            Some(Err(()))
        );
        assert_eq!(request_length(b"\x00\x01 nonsense\r\n\r\n"), Some(Err(())));
    }

    #[test]
    fn the_request_is_valid_and_the_body_decodes() {
        use ess_api::Validate;
        input().validate().unwrap();
        let (out, id) = ess_api::__private::decode_response::<CreateMultiFlowSignQrCodeInput>(
            200,
            bytes::Bytes::from_static(SUCCESS_BODY),
        )
        .unwrap();
        assert_eq!(out.qr_code.qr_code_id, "yDwJNUUckpkoj9mdUIJN2kC7XWFFaSuR");
        assert_eq!(id.as_deref(), Some("s1695178926924585393"));
    }
}

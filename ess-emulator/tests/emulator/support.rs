//! Shared pieces of the emulator's end-to-end tests: clients pointed at an
//! emulator, request builders, and a raw HTTP/1.1 client for what the real
//! client cannot send or would hide.
#![allow(dead_code)]

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ess_api::client::signing::{sign, SignatureParams, CONTENT_TYPE};
use ess_api::client::RetryConfig;
use ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeFluentBuilder;
use ess_api::types::UserInfo;
use ess_api::{Client, Credentials};
use ess_emulator::{defaults, Emulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The limit on any single step of a test.
pub const LIMIT: Duration = Duration::from_secs(20);

/// Runs `f`, failing the test if it takes longer than [`LIMIT`].
pub async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("the step did not finish in bounded time")
}

/// An emulator with the default world.
pub async fn emulator() -> Emulator {
    Emulator::builder().start().await.expect("emulator starts")
}

/// A client for `emulator` that makes exactly one attempt per call.
pub fn client(emulator: &Emulator) -> Client {
    ess_api::Client::new(
        emulator
            .config()
            .with_retry(RetryConfig::disabled())
            .with_timeout(Duration::from_secs(10)),
    )
    .expect("client builds")
}

pub fn operator(id: &str) -> UserInfo {
    UserInfo::builder().user_id(id).build().expect("operator")
}

/// `CreateMultiFlowSignQRCode` for the default operator, the given
/// template and `员工入职合同`.
pub fn create(client: &Client, template_id: &str) -> CreateMultiFlowSignQrCodeFluentBuilder {
    client
        .create_multi_flow_sign_qr_code()
        .operator(operator(defaults::OPERATOR_ID))
        .template_id(template_id)
        .flow_name("员工入职合同")
}

/// A valid resident identity card number.
pub const ID_CARD: &str = "11010519491231002X";

/// A response as read off the wire.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the status line and headers had arrived, from the first byte written.
    pub head_after: Duration,
    /// When the body had arrived whole.
    pub body_after: Duration,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }

    /// `Response.Error.Code`, if any.
    pub fn error_code(&self) -> Option<String> {
        self.json()["Response"]["Error"]["Code"]
            .as_str()
            .map(str::to_owned)
    }

    pub fn error_message(&self) -> String {
        self.json()["Response"]["Error"]["Message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// What a raw exchange ended with.
#[derive(Debug)]
pub enum Outcome {
    /// A whole response.
    Response(RawResponse),
    /// The connection ended before a whole response: `received` bytes
    /// arrived, `error` is the reading error (none for a clean close).
    Cut {
        received: Vec<u8>,
        error: Option<io::ErrorKind>,
    },
}

impl Outcome {
    pub fn response(self) -> RawResponse {
        match self {
            Outcome::Response(r) => r,
            Outcome::Cut { received, error } => panic!(
                "no whole response ({error:?}); received {:?}",
                String::from_utf8_lossy(&received)
            ),
        }
    }
}

/// A raw HTTP/1.1 connection.
pub struct Raw {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    pub async fn connect(addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect(addr).await.expect("connects");
        stream.set_nodelay(true).expect("nodelay");
        Raw {
            stream,
            buf: Vec::new(),
        }
    }

    /// Writes `request` and reads one response. Bodies are read up to
    /// `Content-Length`, or up to `max_body` bytes when that is smaller
    /// (the rest is left unread).
    pub async fn exchange(&mut self, request: &[u8], max_body: usize) -> Outcome {
        let started = Instant::now();
        if let Err(e) = self.stream.write_all(request).await {
            return Outcome::Cut {
                received: Vec::new(),
                error: Some(e.kind()),
            };
        }
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if let Err(cut) = self.fill().await {
                return cut;
            }
        };
        let head_after = started.elapsed();
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let want = length.min(max_body);
        while self.buf.len() < head_end + want {
            if let Err(cut) = self.fill().await {
                return cut;
            }
        }
        let body = self.buf[head_end..head_end + want].to_vec();
        self.buf.drain(..head_end + want);
        Outcome::Response(RawResponse {
            status,
            headers,
            body,
            head_after,
            body_after: started.elapsed(),
        })
    }

    async fn fill(&mut self) -> Result<(), Outcome> {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk).await {
            Ok(0) => Err(Outcome::Cut {
                received: std::mem::take(&mut self.buf),
                error: None,
            }),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(e) => Err(Outcome::Cut {
                received: std::mem::take(&mut self.buf),
                error: Some(e.kind()),
            }),
        }
    }

    /// Whether the server closed the connection (reads end of stream or an error).
    pub async fn is_closed(&mut self) -> bool {
        let mut byte = [0u8; 1];
        matches!(
            tokio::time::timeout(Duration::from_secs(5), self.stream.read(&mut byte)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    }
}

/// One exchange on a fresh connection, reading whole bodies.
pub async fn exchange(addr: SocketAddr, request: &[u8]) -> Outcome {
    bounded(async {
        let mut raw = Raw::connect(addr).await;
        raw.exchange(request, usize::MAX).await
    })
    .await
}

/// How to build a signed API request by hand.
#[derive(Clone)]
pub struct RequestSpec {
    pub host: String,
    pub action: Option<String>,
    pub version: Option<String>,
    pub content_type: String,
    pub secret_id: String,
    pub secret_key: String,
    pub timestamp: Option<u64>,
    pub body: Vec<u8>,
    /// Replaces the computed `Authorization` header (`Some("")` leaves it out).
    pub authorization: Option<String>,
    pub extra: Vec<(String, String)>,
    pub method: String,
}

impl RequestSpec {
    /// A well-formed, correctly signed request for `action` with `body`.
    pub fn new(emulator: &Emulator, action: &str, body: &str) -> Self {
        let creds = emulator.credentials();
        RequestSpec {
            host: emulator.addr().to_string(),
            action: Some(action.to_owned()),
            version: Some(ess_api::service::VERSION.to_owned()),
            content_type: CONTENT_TYPE.to_owned(),
            secret_id: creds.secret_id().to_owned(),
            secret_key: creds.secret_key().to_owned(),
            timestamp: Some(emulator.now()),
            body: body.as_bytes().to_vec(),
            authorization: None,
            extra: Vec::new(),
            method: "POST".to_owned(),
        }
    }

    pub fn authorization_value(&self) -> String {
        let headers = [
            ("content-type", self.content_type.as_str()),
            ("host", self.host.as_str()),
        ];
        sign(&SignatureParams {
            secret_id: &self.secret_id,
            secret_key: &self.secret_key,
            service: "ess",
            timestamp: self.timestamp.unwrap_or(0),
            headers: &headers,
            payload: &self.body,
        })
        .to_string()
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "{} / HTTP/1.1\r\nHost: {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            self.method,
            self.host,
            self.content_type,
            self.body.len()
        );
        if let Some(a) = &self.action {
            head.push_str(&format!("X-TC-Action: {a}\r\n"));
        }
        if let Some(v) = &self.version {
            head.push_str(&format!("X-TC-Version: {v}\r\n"));
        }
        if let Some(t) = self.timestamp {
            head.push_str(&format!("X-TC-Timestamp: {t}\r\n"));
        }
        match &self.authorization {
            Some(a) if a.is_empty() => {}
            Some(a) => head.push_str(&format!("Authorization: {a}\r\n")),
            None => head.push_str(&format!(
                "Authorization: {}\r\n",
                self.authorization_value()
            )),
        }
        for (n, v) in &self.extra {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// A valid `CreateMultiFlowSignQRCode` body for the default world.
pub fn create_body() -> String {
    format!(
        r#"{{"Operator": {{"UserId": "{}"}}, "TemplateId": "{}", "FlowName": "员工入职合同"}}"#,
        defaults::OPERATOR_ID,
        defaults::B2C_TEMPLATE_ID
    )
}

/// Signs and sends one raw request on a fresh connection, returning the response.
pub async fn send_raw(emulator: &Emulator, spec: &RequestSpec) -> RawResponse {
    exchange(emulator.addr(), &spec.bytes()).await.response()
}

/// A request for a non-API endpoint.
pub fn plain_request(method: &str, path: &str, host: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Credentials that are not the emulator's.
pub fn other_credentials(id: &str, key: &str) -> Credentials {
    Credentials::new(id, key).expect("credentials")
}

/// The service-wide view of an action's error: a code the action does not
/// document (authentication, a common code) is named there.
pub fn service_wide(e: &impl ess_api::ServiceError) -> ess_api::EssError {
    <ess_api::EssError as ess_api::ServiceError>::from_meta(e.meta().clone())
}

//! The HTTP layer: one connection pool per client, bounded body reads.

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, DATE};
use reqwest::{Method, Url};

use super::clock::parse_http_date;
use super::config::Config;
use super::error::{
    BuildError, DispatchError, ResponseError, ResponseErrorKind, TimeoutError, TimeoutPhase,
};
use super::Deadline;

/// The `User-Agent` of every request.
pub(crate) const USER_AGENT: &str = concat!("ess-sdk-rust/", env!("CARGO_PKG_VERSION"));

/// An answer read whole (within the size limit).
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    /// The server's clock, from the `Date` header.
    pub(crate) server_time: Option<u64>,
    pub(crate) body: Bytes,
}

/// Why an attempt produced no readable answer.
#[derive(Debug)]
pub(crate) enum TransportFailure {
    Dispatch(DispatchError),
    Timeout(TimeoutError),
    Response(ResponseError),
}

#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    connect_timeout: Duration,
    timeout: Duration,
    max_body: usize,
}

/// Whether the URL's host is this machine's loopback interface.
pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

impl Transport {
    pub(crate) fn new(config: &Config, url: &Url) -> Result<Self, BuildError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .tcp_nodelay(true);
        if !config.use_env_proxy || is_loopback(url) {
            builder = builder.no_proxy();
        }
        for (host, addr) in &config.resolve {
            builder = builder.resolve(host, *addr);
        }
        for pem in &config.root_certificates {
            for certificate in root_certificates(pem)? {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder.build().map_err(|e| BuildError::Http(Box::new(e)))?;
        Ok(Self {
            http,
            connect_timeout: config.connect_timeout,
            timeout: config.timeout,
            max_body: config.max_response_bytes,
        })
    }

    /// Sends one request and reads its answer, all within the attempt
    /// timeout and before the operation's deadline: one timer, for
    /// whichever comes first.
    pub(crate) async fn send(
        &self,
        url: &Url,
        headers: HeaderMap,
        body: Bytes,
        deadline: &Deadline,
    ) -> Result<RawResponse, TransportFailure> {
        let attempt_ends = tokio::time::Instant::now().checked_add(self.timeout);
        let (ends, phase, after) = match attempt_ends {
            Some(at) if at < deadline.at => (at, TimeoutPhase::Attempt, self.timeout),
            _ => (deadline.at, TimeoutPhase::Operation, deadline.after),
        };
        match tokio::time::timeout_at(ends, self.send_inner(url, headers, body)).await {
            Ok(result) => result,
            Err(_) => Err(TransportFailure::Timeout(TimeoutError::new(
                phase, after, None,
            ))),
        }
    }

    async fn send_inner(
        &self,
        url: &Url,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<RawResponse, TransportFailure> {
        let mut request = reqwest::Request::new(Method::POST, url.clone());
        *request.headers_mut() = headers;
        *request.body_mut() = Some(body.into());
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| self.classify(e))?;
        let status = response.status().as_u16();
        let server_time = response
            .headers()
            .get(DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date);
        let body = read_body(response, status, self.max_body).await?;
        Ok(RawResponse {
            status,
            server_time,
            body,
        })
    }

    fn classify(&self, e: reqwest::Error) -> TransportFailure {
        if e.is_connect() {
            if e.is_timeout() {
                TransportFailure::Timeout(TimeoutError::new(
                    TimeoutPhase::Connect,
                    self.connect_timeout,
                    Some(Box::new(e)),
                ))
            } else {
                TransportFailure::Dispatch(DispatchError::new(true, false, e))
            }
        } else if e.is_timeout() {
            TransportFailure::Timeout(TimeoutError::new(
                TimeoutPhase::Attempt,
                self.timeout,
                Some(Box::new(e)),
            ))
        } else if e.is_builder() {
            TransportFailure::Dispatch(DispatchError::new(false, false, e))
        } else {
            TransportFailure::Dispatch(DispatchError::new(false, true, e))
        }
    }
}

/// The certificates of a PEM text given to
/// [`Config::with_root_certificate`], each checked to be one a trust store
/// takes (the HTTP client would otherwise skip a text without certificates
/// silently, and report a bad one only as a failure to initialise TLS).
fn root_certificates(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, BuildError> {
    let bad = |reason| BuildError::InvalidSetting {
        setting: "root_certificate",
        reason,
    };
    let certificates = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|_| bad("the PEM text is not well-formed"))?;
    if certificates.is_empty() {
        return Err(bad("no PEM CERTIFICATE block found"));
    }
    for certificate in &certificates {
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(certificate.clone())
            .build()
            .map_err(|_| bad("a CERTIFICATE block is not a valid X.509 certificate"))?;
    }
    Ok(certificates)
}

/// Reads the body chunk by chunk, refusing it as soon as it is known to
/// exceed `limit`: from `Content-Length` before anything is read, or from
/// the running total otherwise.
async fn read_body(
    mut response: reqwest::Response,
    status: u16,
    limit: usize,
) -> Result<Bytes, TransportFailure> {
    let too_large = |head: &[u8]| {
        TransportFailure::Response(ResponseError::new(
            status,
            ResponseErrorKind::TooLarge { limit },
            head,
        ))
    };
    let declared = response.content_length();
    if let Some(len) = declared {
        if len > limit as u64 {
            // One chunk (what the connection has buffered) makes the excerpt.
            let head = response.chunk().await.ok().flatten().unwrap_or_default();
            return Err(too_large(&head));
        }
    }
    let mut first: Option<Bytes> = None;
    let mut buf: Vec<u8> = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let have = first.as_ref().map_or(buf.len(), Bytes::len);
                if have + chunk.len() > limit {
                    let head = first.as_deref().unwrap_or(&buf);
                    let head = if head.is_empty() { &chunk[..] } else { head };
                    return Err(too_large(head));
                }
                if buf.is_empty() && first.is_none() {
                    first = Some(chunk);
                } else {
                    if let Some(f) = first.take() {
                        let capacity = declared.map_or(f.len() * 2, |d| d as usize).min(limit);
                        buf.reserve(capacity.max(f.len() + chunk.len()));
                        buf.extend_from_slice(&f);
                    }
                    buf.extend_from_slice(&chunk);
                }
            }
            Ok(None) => break,
            Err(e) => {
                let head = first.as_deref().unwrap_or(&buf);
                return Err(TransportFailure::Response(
                    ResponseError::new(status, ResponseErrorKind::Truncated, head).with_source(e),
                ));
            }
        }
    }
    Ok(match first {
        Some(f) => f,
        None => Bytes::from(buf),
    })
}

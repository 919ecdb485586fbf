//! The asynchronous ESS client.
//!
//! ```no_run
//! # async fn demo<A: ess_runtime::Action>(
//! #     input: A,
//! #     service: &'static ess_runtime::client::ServiceInfo,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! use ess_runtime::client::{Client, Config, Credentials};
//!
//! // `ess_api::Client::new(config)` passes the generated service tables.
//! let config = Config::default()
//!     .with_credentials(Credentials::new("AKID...", "secret key")?)
//!     .with_region("ap-guangzhou");
//! let client = Client::new(config, service)?;
//! let output = client.send(input).await?;
//! # let _ = output;
//! # Ok(())
//! # }
//! ```
//!
//! # What a call does
//!
//! [`Client::send`] validates the input ([`Validate`](crate::Validate));
//! an invalid input fails with [`SdkError::Construction`] before any I/O.
//! It then serializes the input once and, for each attempt: asks the
//! credentials provider for credentials, waits for the optional rate
//! limiter ([`RateLimiting`]), signs with TC3-HMAC-SHA256 ([`signing`]) and
//! sends a `POST /` with
//! `Content-Type: application/json; charset=utf-8`, `Host`, `X-TC-Action`,
//! `X-TC-Timestamp`, `X-TC-Version: 2020-11-11`, `X-TC-RequestClient`,
//! `Authorization`, and when configured `X-TC-Region`, `X-TC-Language` and
//! (temporary credentials) `X-TC-Token`. The answer's `Response` member is
//! decoded into the action's output or its typed error. Failed attempts are
//! retried as described on [`RetryConfig`].
//!
//! # Outcomes
//!
//! * `{"Response": {...}}` with a 2xx status: the action's output.
//! * `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`, whatever
//!   the status: [`SdkError::Service`] with the action's typed error.
//! * Anything else (another status, an empty, truncated, oversized or
//!   non-JSON body, JSON of another shape): [`SdkError::Response`] with the
//!   status and an excerpt of the body.
//! * No answer: [`SdkError::Dispatch`] or [`SdkError::Timeout`], which tell
//!   whether the request may have reached the service.
//!
//! [`Client::prepare`] builds and signs a request without sending it.
//!
//! # Environment
//!
//! | variable | used by |
//! | --- | --- |
//! | `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY`, `TENCENTCLOUD_SESSION_TOKEN` | the default credentials chain |
//! | `TENCENTCLOUD_CREDENTIALS_FILE` | the profile file's location (default `~/.tencentcloud/credentials`) |
//! | `TENCENTCLOUD_REGION` | [`Config::from_env`], `ess_api::Client::from_env` |
//! | `TENCENTCLOUD_ESS_ENDPOINT` | every client built without an explicit endpoint |
//! | `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY` | the HTTP layer, unless [`Config::with_env_proxy`] is off |
//!
//! `TENCENTCLOUD_ESS_ENDPOINT=http://127.0.0.1:8080` points every client of
//! a process at a local server, for example a test double that checks
//! signatures with [`signing::Authorization::verify`]. Loopback endpoints
//! never go through a proxy; for other local addresses add them to
//! `NO_PROXY`.
//!
//! # Tracing
//!
//! Each call runs in an `ess.call` span (INFO) with the fields `action`,
//! `attempts`, `request_id` (of the last answer) and `latency_ms`, filled
//! in when the call ends. Each attempt runs in an `ess.attempt` span
//! (DEBUG, field `attempt`) whose events give the HTTP status, elapsed time,
//! request id and error; retries and the outcome are DEBUG events. Secrets
//! and request bodies are never recorded; the error of an unusable response
//! includes an excerpt of its body (at most 256 bytes).

mod clock;
mod config;
mod credentials;
mod decode;
mod error;
mod rate_limit;
mod retry;
mod transport;

/// TC3-HMAC-SHA256 signing and verification (the `ess-sign` crate).
pub use ess_sign as signing;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST,
    USER_AGENT,
};
use tracing::field::Empty;
use tracing::Instrument;

pub use self::clock::{Clock, FixedClock, SkewedClock, SystemClock};
pub use self::config::{
    Config, Environment, Language, UnknownEnvironment, UnknownLanguage, API_VERSION,
    DEFAULT_ENDPOINT, DEFAULT_MAX_RESPONSE_BYTES, ENV_ENDPOINT, ENV_ENVIRONMENT, ENV_REGION,
    SERVICE,
};
pub use self::credentials::{
    provide_credentials_fn, CachingCredentialsProvider, CredentialField, Credentials,
    CredentialsError, CredentialsFuture, DefaultCredentialsChain, EnvCredentialsProvider,
    KeyProblem, ProfileCredentialsProvider, ProvideCredentials, ProvideCredentialsFn,
    ENV_CREDENTIALS_FILE, ENV_SECRET_ID, ENV_SECRET_KEY, ENV_SESSION_TOKEN,
};
pub use self::error::{
    BuildError, ConstructionError, DispatchError, ResponseError, ResponseErrorKind, SdkError,
    SerializationError, TimeoutError, TimeoutPhase, MAX_EXCERPT_BYTES,
};
pub use self::rate_limit::{RateLimitError, RateLimitErrorKind, RateLimiting};
#[cfg(feature = "redis")]
pub use self::rate_limit::{
    RedisFallback, RedisRateLimit, DEFAULT_REDIS_KEY_PREFIX, DEFAULT_REDIS_RECHECK_INTERVAL,
    DEFAULT_REDIS_TIMEOUT,
};
pub use self::retry::RetryConfig;

use self::decode::DecodeFailure;
use self::rate_limit::RateLimiter;
use self::retry::Retry;
use self::transport::{RawResponse, Transport, TransportFailure, USER_AGENT as USER_AGENT_VALUE};
use crate::action::Action;
use crate::error_meta::ServiceError;
use ess_sign::{RequestSigner, CONTENT_TYPE as JSON_CONTENT_TYPE};

/// The `X-TC-RequestClient` value, before any application tag.
pub const REQUEST_CLIENT: &str = concat!("SDK_RUST_ESS_", env!("CARGO_PKG_VERSION"));

static X_TC_ACTION: HeaderName = HeaderName::from_static("x-tc-action");
static X_TC_TIMESTAMP: HeaderName = HeaderName::from_static("x-tc-timestamp");
static X_TC_VERSION: HeaderName = HeaderName::from_static("x-tc-version");
static X_TC_REGION: HeaderName = HeaderName::from_static("x-tc-region");
static X_TC_TOKEN: HeaderName = HeaderName::from_static("x-tc-token");
static X_TC_LANGUAGE: HeaderName = HeaderName::from_static("x-tc-language");
static X_TC_REQUEST_CLIENT: HeaderName = HeaderName::from_static("x-tc-requestclient");

/// The runtime's ESS client: sends any [`Action`]. `ess_api::Client` wraps
/// it with a method per action.
///
/// Cheap to clone: clones share the connection pool, the credentials
/// provider, the signing-key cache, the rate limiter and the learned clock
/// correction. `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    transport: Transport,
    routes: Routes,
    credentials: Arc<dyn ProvideCredentials>,
    clock: Arc<dyn Clock>,
    /// Seconds added to the clock, learned from the service's `Date` header
    /// when it reported an expired signature.
    clock_correction: AtomicI64,
    limiter: Option<RateLimiter>,
    /// The headers that are the same for every request, and empty values
    /// for `X-TC-Action`, `X-TC-Timestamp` and `Authorization`, which every
    /// request replaces (so its copy of the map never has to grow): the
    /// headers of a [`PreparedRequest`].
    base_headers: HeaderMap,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .field("host", &self.inner.routes.main.signer.host())
            .field(
                "clock_correction_secs",
                &self.inner.clock_correction.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

/// What the client knows of the service beyond each action, generated from
/// the spec (`ess_api::service::INFO`).
#[derive(Debug)]
pub struct ServiceInfo {
    /// The main host of the integration-test environment.
    pub test_endpoint: &'static str,
    /// `(production host, test host)` of each action served at a host of
    /// its own.
    pub action_hosts: &'static [(&'static str, &'static str)],
    /// The wire name of every action, sorted.
    pub actions: &'static [&'static str],
}

impl Client {
    /// The settings in force (with the endpoint resolved).
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The endpoint requests are sent to (actions served at a host of their
    /// own go there instead: see [`Client::endpoint_for`]).
    pub fn endpoint(&self) -> &str {
        self.inner.routes.main.url.as_str()
    }

    /// The endpoint requests of action `A` are sent to: the action's own
    /// host in the configured [`Environment`] (`UploadFiles` is served at
    /// `file.ess.tencent.cn`), the environment's main host otherwise, or
    /// the configured endpoint for every action when one is set.
    pub fn endpoint_for<A: Action>(&self) -> &str {
        self.route::<A>().url.as_str()
    }

    /// Where requests of `A` go, and the signer for that host.
    fn route<A: Action>(&self) -> &Route {
        self.inner.routes.get(A::HOST, A::TEST_HOST)
    }

    /// Validates `input`, then sends it: see the [module documentation](self).
    ///
    /// The input is validated and serialized when `send` is called. The
    /// future keeps only the serialized request and a handle on the client
    /// (it borrows nothing, so it can be spawned), and does the rest when
    /// awaited: credentials, signing, sending, retries.
    pub fn send<A: Action>(
        &self,
        input: A,
    ) -> impl Future<Output = Result<A::Output, SdkError<A::Error>>> + Send + 'static {
        self.__send_built(Ok(input), true)
    }

    /// Sends `input` without validating it first. Like
    /// [`send`](Self::send), it serializes the input when called.
    pub fn send_unvalidated<A: Action>(
        &self,
        input: A,
    ) -> impl Future<Output = Result<A::Output, SdkError<A::Error>>> + Send + 'static {
        self.__send_built(Ok(input), false)
    }

    /// [`send`](Self::send) (when `validate`) or
    /// [`send_unvalidated`](Self::send_unvalidated) of an input, or the
    /// error that building it gave: what the generated fluent builders
    /// call. Not public API.
    #[doc(hidden)]
    pub fn __send_built<A: Action>(
        &self,
        input: Result<A, SdkError<A::Error>>,
        validate: bool,
    ) -> impl Future<Output = Result<A::Output, SdkError<A::Error>>> + Send + 'static {
        let started = input.and_then(|input| {
            if validate {
                if let Err(errors) = input.validate() {
                    tracing::debug!(
                        action = A::NAME,
                        violations = errors.violations().len(),
                        "request refused by validation"
                    );
                    return Err(errors.into());
                }
            }
            Ok(self.prepare_body(self.route::<A>(), &input)?)
        });
        self.clone().call::<A>(started)
    }

    /// A call of a serialized request, traced when a subscriber listens.
    async fn call<A: Action>(
        self,
        started: Result<Prepared, SdkError<A::Error>>,
    ) -> Result<A::Output, SdkError<A::Error>> {
        let prepared = started?;
        let route = self.route::<A>();
        let deadline = Deadline::after(self.inner.config.operation_timeout);
        let span = tracing::info_span!(
            "ess.call",
            action = A::NAME,
            attempts = Empty,
            request_id = Empty,
            latency_ms = Empty,
        );
        if span.is_disabled() && !tracing::enabled!(tracing::Level::DEBUG) {
            // No subscriber wants the span or the call's events: nothing
            // to time or record.
            return self.execute::<A>(route, &prepared, &deadline, None).await;
        }
        let started = Instant::now();
        let mut stats = CallStats::default();
        let result = self
            .execute::<A>(route, &prepared, &deadline, Some(&mut stats))
            .instrument(span.clone())
            .await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.record("attempts", stats.attempts);
        if let Some(id) = &stats.request_id {
            span.record("request_id", id.as_str());
        }
        span.record("latency_ms", latency_ms);
        match &result {
            Ok(_) => tracing::debug!(parent: &span, "call succeeded"),
            Err(e) => tracing::debug!(parent: &span, error = %e, "call failed"),
        }
        result
    }

    fn now(&self) -> u64 {
        let correction = self.inner.clock_correction.load(Ordering::Relaxed);
        self.inner
            .clock
            .now_unix()
            .saturating_add_signed(correction)
    }

    /// Every attempt of a call, within the operation's `deadline`. `stats`
    /// (when the call's span is recorded) gets the attempts and the last
    /// request id.
    async fn execute<A: Action>(
        &self,
        route: &Route,
        prepared: &Prepared,
        deadline: &Deadline,
        mut stats: Option<&mut CallStats>,
    ) -> Result<A::Output, SdkError<A::Error>> {
        let inner = &*self.inner;
        let retry = inner.config.retry;
        let (mut attempt, mut retries, mut resigned) = (0u32, 0u32, false);
        loop {
            attempt += 1;
            let outcome = Box::pin(
                self.attempt::<A>(route, prepared, deadline, stats.is_some())
                    .instrument(tracing::debug_span!("ess.attempt", attempt)),
            )
            .await;
            let (error, server_time) = match outcome {
                Ok((output, request_id)) => {
                    if let Some(stats) = stats.as_deref_mut() {
                        stats.attempts = attempt;
                        stats.request_id = request_id;
                    }
                    return Ok(output);
                }
                Err(failure) => failure,
            };
            if let Some(stats) = stats.as_deref_mut() {
                stats.attempts = attempt;
                stats.request_id = error.request_id().map(str::to_owned);
            }
            // The one rule is `SdkError::is_retryable`; the configuration
            // then bounds it: an expired signature is signed again at once,
            // once per call (when enabled), anything else waits its backoff,
            // within `max_attempts` and the operation's deadline.
            if deadline.is_operation_timeout(&error) || !error.is_retryable(A::IDEMPOTENT) {
                return Err(error);
            }
            let kind = error.retry();
            if kind == Retry::Resign {
                if resigned || !retry.resign_on_expired_signature() {
                    return Err(error);
                }
                resigned = true;
                match server_time {
                    Some(server) => {
                        let offset = i64::try_from(server).unwrap_or(i64::MAX)
                            - i64::try_from(inner.clock.now_unix()).unwrap_or(i64::MAX);
                        inner.clock_correction.store(offset, Ordering::Relaxed);
                        tracing::debug!(
                            attempt,
                            clock_correction_secs = offset,
                            "signature expired; clock corrected from the service's Date header; signing again"
                        );
                    }
                    None => tracing::debug!(attempt, "signature expired; signing again"),
                }
                continue;
            }
            if retries + 1 >= retry.max_attempts() {
                return Err(error);
            }
            retries += 1;
            let delay = retry.backoff(retries);
            tracing::debug!(
                attempt,
                retry = retries,
                delay_ms = delay.as_millis() as u64,
                reason = ?kind,
                "retrying"
            );
            // Boxed: a wait between attempts is rare, and its timers would
            // otherwise make every call's future larger.
            Box::pin(deadline.bound(tokio::time::sleep(delay)))
                .await
                .map_err(SdkError::Timeout)?;
        }
    }

    /// One attempt: wait for the limiter, get credentials, sign, send, decode.
    /// A failure comes with the service's clock when the answer had a `Date`.
    /// The request id of a success is kept when `keep_id` (for the span).
    async fn attempt<A: Action>(
        &self,
        route: &Route,
        prepared: &Prepared,
        deadline: &Deadline,
        keep_id: bool,
    ) -> Result<Success<A>, Failure<A>> {
        let inner = &*self.inner;
        // Credentials at hand are taken as they are; otherwise the provider's
        // future is awaited, and a timer is armed only if it is not ready at
        // its first poll.
        let credentials = match inner.credentials.credentials_at_hand() {
            Some(credentials) => credentials,
            None => deadline
                .bound(inner.credentials.provide_credentials())
                .await
                .map_err(|e| (SdkError::Timeout(e), None))?
                .map_err(|e| (SdkError::from(e), None))?,
        };
        // Held until the attempt ends (the answer is read or the attempt
        // failed). A shared limiter counts per organization: the SecretId's.
        let _slot = match &inner.limiter {
            Some(limiter) => deadline
                .bound(limiter.acquire(A::NAME, A::RATE_LIMIT, credentials.secret_id()))
                .await
                .map_err(|e| (SdkError::Timeout(e), None))?
                .map_err(|e| (SdkError::from(ConstructionError::RateLimit(e)), None))?,
            None => None,
        };
        let mut headers = self
            .sign(
                route,
                prepared,
                &credentials,
                self.now(),
                &route.wire_headers,
            )
            .map_err(|e| (e, None))?;
        headers.insert(CONTENT_LENGTH, prepared.content_length.clone());
        // Timed only for the events, and only when they are wanted.
        let sent = tracing::enabled!(tracing::Level::DEBUG).then(Instant::now);
        let elapsed_ms = || sent.map_or(0, |sent| sent.elapsed().as_millis() as u64);
        let raw = match inner
            .transport
            .send(&route.url, headers, prepared.body.clone(), deadline)
            .await
        {
            Ok(raw) => raw,
            Err(failure) => {
                let e = match failure {
                    TransportFailure::Dispatch(e) => SdkError::Dispatch(e),
                    TransportFailure::Timeout(e) => SdkError::Timeout(e),
                    TransportFailure::Response(e) => SdkError::Response(e),
                };
                tracing::debug!(
                    elapsed_ms = elapsed_ms(),
                    may_have_been_sent = e.may_have_been_sent(),
                    error = %e,
                    "attempt failed"
                );
                return Err((e, None));
            }
        };
        // The request id of a success is read only for whoever records it.
        let want_id = keep_id || tracing::enabled!(tracing::Level::DEBUG);
        match interpret::<A>(&raw, want_id) {
            Ok((output, request_id)) => {
                tracing::debug!(
                    status = raw.status,
                    elapsed_ms = elapsed_ms(),
                    request_id = request_id.as_deref(),
                    "attempt succeeded"
                );
                Ok((output, request_id.filter(|_| keep_id).map(Cow::into_owned)))
            }
            Err(e) => {
                tracing::debug!(
                    status = raw.status,
                    elapsed_ms = elapsed_ms(),
                    request_id = e.request_id(),
                    error = %e,
                    "attempt failed"
                );
                Err((e, raw.server_time))
            }
        }
    }

    /// Validates, serializes and signs `input` with the current
    /// credentials and time, without sending it: the request `send` would
    /// make for its first attempt. Useful to inspect a request or to send it
    /// through another HTTP stack.
    pub async fn prepare<A: Action>(
        &self,
        input: &A,
    ) -> Result<PreparedRequest, SdkError<A::Error>> {
        input.validate()?;
        let route = self.route::<A>();
        let prepared = self.prepare_body(route, input)?;
        let credentials = self.inner.credentials.provide_credentials().await?;
        let headers = self.sign(
            route,
            &prepared,
            &credentials,
            self.now(),
            &self.inner.base_headers,
        )?;
        Ok(PreparedRequest {
            url: route.url.as_str().to_owned(),
            host: route.signer.host().to_owned(),
            headers,
            body: prepared.body,
        })
    }

    /// Serializes the input once for all attempts, with its canonical hash.
    fn prepare_body<A: Action>(
        &self,
        route: &Route,
        input: &A,
    ) -> Result<Prepared, ConstructionError> {
        let action =
            ActionHeader::<A>::VALUE.ok_or(ConstructionError::InvalidActionName(A::NAME))?;
        // Most bodies fit in 1 KiB: one allocation instead of the doublings
        // from serde_json's 128 bytes.
        let mut body = Vec::with_capacity(1024);
        serde_json::to_writer(&mut body, input)
            .map_err(|e| ConstructionError::Serialization(SerializationError::new(e)))?;
        let body = Bytes::from(body);
        Ok(Prepared {
            action,
            canonical_hash: route.signer.canonical_hash(&body),
            content_length: decimal_value(body.len() as u64),
            body,
        })
    }

    /// The headers of a request signed at `timestamp`: a copy of
    /// `template` (`base_headers` or `wire_headers`) with the request's
    /// values in their places.
    fn sign<E>(
        &self,
        route: &Route,
        prepared: &Prepared,
        credentials: &Credentials,
        timestamp: u64,
        template: &HeaderMap,
    ) -> Result<HeaderMap, SdkError<E>> {
        let authorization = route.signer.authorization(
            credentials.secret_id(),
            credentials.secret_key(),
            timestamp,
            &prepared.canonical_hash,
        );
        self.headers(
            template,
            &prepared.action,
            timestamp,
            credentials,
            authorization,
        )
    }

    fn headers<E>(
        &self,
        template: &HeaderMap,
        action: &HeaderValue,
        timestamp: u64,
        credentials: &Credentials,
        authorization: String,
    ) -> Result<HeaderMap, SdkError<E>> {
        // The copy has room for every header (see `base_headers`): the
        // inserts below replace values and never grow it.
        let mut headers = template.clone();
        headers.insert(X_TC_ACTION.clone(), action.clone());
        headers.insert(X_TC_TIMESTAMP.clone(), decimal_value(timestamp));
        if let Some(token) = credentials.token() {
            // Checked to be visible ASCII when the credentials were made.
            let mut value = HeaderValue::from_str(token).map_err(|_| {
                SdkError::from(CredentialsError::InvalidKey {
                    field: CredentialField::Token,
                    problem: KeyProblem::InvalidCharacter,
                    origin: "the credentials provider".to_owned(),
                })
            })?;
            value.set_sensitive(true);
            headers.insert(X_TC_TOKEN.clone(), value);
        }
        let mut value =
            HeaderValue::from_maybe_shared(Bytes::from(authorization)).map_err(|_| {
                SdkError::from(CredentialsError::InvalidKey {
                    field: CredentialField::SecretId,
                    problem: KeyProblem::InvalidCharacter,
                    origin: "the credentials provider".to_owned(),
                })
            })?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
        Ok(headers)
    }
}

/// A signed request that has not been sent; see [`Client::prepare`].
///
/// `Debug` shows the headers with `Authorization` and `X-TC-Token` redacted.
pub struct PreparedRequest {
    url: String,
    host: String,
    headers: HeaderMap,
    body: Bytes,
}

impl PreparedRequest {
    /// The HTTP method: always `POST`.
    pub fn method(&self) -> &'static str {
        "POST"
    }

    /// The URL to send it to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers, names in lower case, `host` first. The `host` value is
    /// the one that was signed; HTTP stacks derive the same from the URL.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        std::iter::once(("host", self.host.as_str())).chain(
            self.headers
                .iter()
                .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))),
        )
    }

    /// One header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        if name.eq_ignore_ascii_case("host") {
            return Some(&self.host);
        }
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The JSON body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'a>(&'a PreparedRequest);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.headers().map(|(name, value)| {
                        let shown = match name {
                            "authorization" | "x-tc-token" => "** redacted **",
                            _ => value,
                        };
                        (name, shown)
                    }))
                    .finish()
            }
        }
        f.debug_struct("PreparedRequest")
            .field("url", &self.url)
            .field("headers", &Headers(self))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// An output and the request id that came with it.
type Success<A> = (<A as Action>::Output, Option<String>);

/// An output and the request id that came with it, borrowed from the body
/// when it was written as a plain string.
type Decoded<'a, A> = (<A as Action>::Output, Option<Cow<'a, str>>);

/// A failed attempt and the service's clock, when its answer had a `Date`.
type Failure<A> = (SdkError<<A as Action>::Error>, Option<u64>);

/// What every attempt of a call shares.
struct Prepared {
    action: HeaderValue,
    body: Bytes,
    /// The body's length, the value of `Content-Length`.
    content_length: HeaderValue,
    canonical_hash: ess_sign::HexDigest,
}

/// When a call's time runs out
/// ([`Config::with_operation_timeout`]): every wait of the call (for
/// credentials, the rate limiter, an answer, the backoff between attempts)
/// ends by then, so one call arms one timer at a time.
struct Deadline {
    at: tokio::time::Instant,
    after: Duration,
}

impl Deadline {
    fn after(after: Duration) -> Deadline {
        let now = tokio::time::Instant::now();
        // Past what `Instant` can hold: thirty years is never.
        let at = now
            .checked_add(after)
            .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365 * 30));
        Deadline { at, after }
    }

    /// The error of a call that ran past the deadline.
    fn error(&self) -> TimeoutError {
        TimeoutError::new(TimeoutPhase::Operation, self.after, None)
    }

    /// `future`, or the operation's timeout if the deadline comes first. A
    /// future that is ready when first polled arms no timer.
    async fn bound<F: Future>(&self, future: F) -> Result<F::Output, TimeoutError> {
        tokio::time::timeout_at(self.at, future)
            .await
            .map_err(|_| self.error())
    }

    fn is_operation_timeout<E>(&self, error: &SdkError<E>) -> bool {
        matches!(error, SdkError::Timeout(t) if t.phase() == TimeoutPhase::Operation)
    }
}

/// What a call's span reports when it ends.
#[derive(Default)]
struct CallStats {
    attempts: u32,
    request_id: Option<String>,
}

/// Whether `name` can be sent as `X-TC-Action`: visible ASCII, not empty.
const fn is_action_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_graphic() {
            return false;
        }
        i += 1;
    }
    !bytes.is_empty()
}

/// The `X-TC-Action` value of `A`, checked when the program is compiled
/// rather than on every call; `None` when the name cannot be sent.
struct ActionHeader<A>(std::marker::PhantomData<A>);

impl<A: Action> ActionHeader<A> {
    const VALUE: Option<HeaderValue> = if is_action_name(A::NAME) {
        Some(HeaderValue::from_static(A::NAME))
    } else {
        None
    };
}

/// The decoding a call applies to an answer read whole (`status`, `body`),
/// with the request id of a success, as a call does when tracing records
/// it; for tests of the decode path. Not public API.
#[doc(hidden)]
pub fn __decode_response<A: Action>(
    status: u16,
    body: Bytes,
) -> Result<Success<A>, SdkError<A::Error>> {
    interpret_whole::<A>(status, body, true)
}

/// [`__decode_response`] as a call without a tracing subscriber does it:
/// the request id of a success is not read (it is `None`). For benchmarks.
/// Not public API.
#[doc(hidden)]
pub fn __decode_response_untraced<A: Action>(
    status: u16,
    body: Bytes,
) -> Result<Success<A>, SdkError<A::Error>> {
    interpret_whole::<A>(status, body, false)
}

/// [`interpret`] of an answer given as its status and body.
fn interpret_whole<A: Action>(
    status: u16,
    body: Bytes,
    want_id: bool,
) -> Result<Success<A>, SdkError<A::Error>> {
    let raw = RawResponse {
        status,
        server_time: None,
        body,
    };
    interpret::<A>(&raw, want_id).map(|(output, id)| (output, id.map(Cow::into_owned)))
}

/// The member named by a decoding error that says a member the service
/// always sends is missing (`missing field `X``, from the generated decoders).
fn missing_member(e: &serde_json::Error) -> Option<String> {
    let text = e.to_string();
    let rest = text.strip_prefix("missing field `")?;
    rest.split_once('`').map(|(name, _)| name.to_owned())
}

/// Turns a response read whole into the output, a service error or a
/// response error. The request id of a success is read when `want_id`
/// (otherwise it may be `None` though the body has one).
fn interpret<A: Action>(
    raw: &RawResponse,
    want_id: bool,
) -> Result<Decoded<'_, A>, SdkError<A::Error>> {
    let status = raw.status;
    let body = &raw.body[..];
    if !(200..300).contains(&status) {
        // Some gateways answer errors with a non-2xx status and the usual
        // envelope: keep the typed error when there is one.
        let probe = decode::probe(body).ok();
        let request_id = probe.as_ref().and_then(|p| p.request_id.clone());
        if let Some(meta) = probe.and_then(|p| p.error) {
            return Err(SdkError::Service(A::Error::from_meta(meta)));
        }
        return Err(SdkError::Response(
            ResponseError::new(status, ResponseErrorKind::Status, body).with_request_id(request_id),
        ));
    }
    match decode::decode::<A::Output>(body, want_id) {
        Ok(decode::Decoded::Output { value, request_id }) => Ok((value, request_id)),
        Ok(decode::Decoded::Service(meta)) => Err(SdkError::Service(A::Error::from_meta(meta))),
        Err(failure) => Err(SdkError::Response(match failure {
            DecodeFailure::Empty => ResponseError::new(status, ResponseErrorKind::Empty, body),
            DecodeFailure::NotJson(e) => {
                ResponseError::new(status, ResponseErrorKind::NotJson, body).with_source(e)
            }
            DecodeFailure::Truncated(e) => {
                ResponseError::new(status, ResponseErrorKind::Truncated, body).with_source(e)
            }
            DecodeFailure::Unexpected { request_id, error } => {
                let missing = error.as_ref().and_then(missing_member);
                let kind = match missing {
                    Some(_) => ResponseErrorKind::MissingMember,
                    None => ResponseErrorKind::Unexpected,
                };
                let mut e = ResponseError::new(status, kind, body)
                    .with_request_id(request_id)
                    .with_body(raw.body.clone());
                if let Some(member) = missing {
                    e = e.with_missing_member(member);
                }
                match error {
                    Some(source) => e.with_source(source),
                    None => e,
                }
            }
        })),
    }
}

impl Client {
    /// Checks `config` and builds a client for the service described by
    /// `service` (generated from the spec; `ess_api::Client::new` passes it).
    pub fn new(config: Config, service: &'static ServiceInfo) -> Result<Client, BuildError> {
        let mut config = config;
        let environment = match config.environment {
            Some(e) => e,
            None => match config
                .env
                .get(ENV_ENVIRONMENT)
                .filter(|e| !e.trim().is_empty())
            {
                Some(value) => value.trim().parse().map_err(|_| {
                    invalid(
                        "environment",
                        "TENCENTCLOUD_ESS_ENVIRONMENT must be `production` or `test`",
                    )
                })?,
                None => Environment::Production,
            },
        };
        config.environment = Some(environment);
        let fixed = config.endpoint.clone().or_else(|| {
            config
                .env
                .get(ENV_ENDPOINT)
                .filter(|e| !e.trim().is_empty())
        });
        let endpoint = fixed.clone().unwrap_or_else(|| match environment {
            Environment::Production => DEFAULT_ENDPOINT.to_owned(),
            Environment::Test => format!("https://{}", service.test_endpoint),
        });
        let main = Route::new(&endpoint)?;
        config.endpoint = Some(main.url.as_str().to_owned());
        let mut routes = Routes::new(main, fixed.is_none(), environment, service)?;
        let url = routes.main.url.clone();

        if config.connect_timeout.is_zero() {
            return Err(invalid("connect_timeout", "must be longer than zero"));
        }
        if config.timeout.is_zero() {
            return Err(invalid("timeout", "must be longer than zero"));
        }
        if config.operation_timeout.is_zero() {
            return Err(invalid("operation_timeout", "must be longer than zero"));
        }
        if config.max_response_bytes == 0 {
            return Err(invalid("max_response_bytes", "must be at least 1"));
        }

        let mut base_headers = HeaderMap::with_capacity(12);
        base_headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
        base_headers.insert(X_TC_VERSION.clone(), HeaderValue::from_static(API_VERSION));
        if let Some(region) = &config.region {
            if region.is_empty()
                || !region
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(invalid(
                    "region",
                    "must be non-empty ASCII letters, digits, '-' or '_'",
                ));
            }
            base_headers.insert(X_TC_REGION.clone(), header_value(region, "region")?);
        }
        if let Some(language) = config.language {
            base_headers.insert(
                X_TC_LANGUAGE.clone(),
                HeaderValue::from_static(language.as_str()),
            );
        }
        let request_client = match &config.request_client {
            Some(tag) => {
                let tag_ok = !tag.trim().is_empty()
                    && tag.len() <= 128
                    && tag.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
                if !tag_ok {
                    return Err(invalid(
                        "request_client",
                        "must be 1 to 128 bytes of visible ASCII or spaces",
                    ));
                }
                format!("{REQUEST_CLIENT}; {}", tag.trim())
            }
            None => REQUEST_CLIENT.to_owned(),
        };
        base_headers.insert(
            X_TC_REQUEST_CLIENT.clone(),
            header_value(&request_client, "request_client")?,
        );
        for name in [X_TC_ACTION.clone(), X_TC_TIMESTAMP.clone(), AUTHORIZATION] {
            base_headers.insert(name, HeaderValue::from_static(""));
        }
        routes.set_wire_headers(&base_headers)?;

        let credentials = match config.credentials.clone() {
            Some(provider) => provider,
            None => Arc::new(credentials::DefaultCredentialsChain::new().load()?),
        };
        let mut clock = config
            .clock
            .clone()
            .unwrap_or_else(|| Arc::new(SystemClock));
        if config.clock_skew != 0 {
            let (base, skew) = (clock, config.clock_skew);
            clock = Arc::new(move || base.now_unix().saturating_add_signed(skew));
        }
        let transport = Transport::new(&config, &url)?;
        let limiter = RateLimiter::from_config(&config, service)?;
        Ok(Client {
            inner: Arc::new(Inner {
                routes,
                config,
                transport,
                credentials,
                clock,
                clock_correction: AtomicI64::new(0),
                limiter,
                base_headers,
            }),
        })
    }
}

/// Where one host's requests go: the URL and the signer for its `Host`.
struct Route {
    url: reqwest::Url,
    signer: RequestSigner,
    /// The client's `base_headers` and what the HTTP stack would add to
    /// each request, with the same values: `Host` (the signed one),
    /// `Accept` and `User-Agent` (from reqwest), and a place for
    /// `Content-Length` (from hyper), which every attempt fills. So an
    /// attempt's copy of the map is not grown on its way out either.
    wire_headers: HeaderMap,
}

impl Route {
    fn new(endpoint: &str) -> Result<Route, BuildError> {
        let url = parse_endpoint(endpoint)?;
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => {
                return Err(BuildError::InvalidEndpoint {
                    endpoint: endpoint.to_owned(),
                    reason: "no host",
                })
            }
        };
        Ok(Route {
            signer: RequestSigner::new(SERVICE, &host),
            url,
            // Filled once the client's headers are known.
            wire_headers: HeaderMap::new(),
        })
    }

    fn set_wire_headers(&mut self, base: &HeaderMap) -> Result<(), BuildError> {
        let host =
            HeaderValue::from_str(self.signer.host()).map_err(|_| BuildError::InvalidEndpoint {
                endpoint: self.url.as_str().to_owned(),
                reason: "the host cannot be sent in an HTTP header",
            })?;
        let mut headers = HeaderMap::with_capacity(base.len() + 4);
        headers.insert(HOST, host);
        headers.extend(base.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static(""));
        self.wire_headers = headers;
        Ok(())
    }
}

/// The client's routes: the main one, and one per host that serves
/// particular actions (unless an endpoint was set, which takes every action).
struct Routes {
    main: Route,
    environment: Environment,
    /// `(host, route)` for each action host of the environment.
    by_host: Vec<(&'static str, Route)>,
}

impl Routes {
    fn new(
        main: Route,
        per_action: bool,
        environment: Environment,
        service: &ServiceInfo,
    ) -> Result<Routes, BuildError> {
        let mut by_host = Vec::new();
        if per_action {
            for &(prod, test) in service.action_hosts {
                let host = match environment {
                    Environment::Production => prod,
                    Environment::Test => test,
                };
                if !by_host.iter().any(|(h, _)| *h == host) {
                    by_host.push((host, Route::new(&format!("https://{host}"))?));
                }
            }
        }
        Ok(Routes {
            main,
            environment,
            by_host,
        })
    }

    /// Makes every route's `wire_headers` from the client's headers.
    fn set_wire_headers(&mut self, base: &HeaderMap) -> Result<(), BuildError> {
        self.main.set_wire_headers(base)?;
        for (_, route) in &mut self.by_host {
            route.set_wire_headers(base)?;
        }
        Ok(())
    }

    /// The route for an action with these hosts (see [`crate::Action::HOST`]).
    fn get(&self, host: Option<&'static str>, test_host: Option<&'static str>) -> &Route {
        let wanted = match self.environment {
            Environment::Production => host,
            Environment::Test => test_host.or(host),
        };
        match wanted {
            Some(wanted) => self
                .by_host
                .iter()
                .find(|(h, _)| *h == wanted)
                .map_or(&self.main, |(_, r)| r),
            None => &self.main,
        }
    }
}

fn invalid(setting: &'static str, reason: &'static str) -> BuildError {
    BuildError::InvalidSetting { setting, reason }
}

/// A number's decimal digits as a header value (`X-TC-Timestamp`,
/// `Content-Length`), in one allocation (the header value's `From<u64>`
/// makes two).
fn decimal_value(n: u64) -> HeaderValue {
    let mut digits = itoa::Buffer::new();
    HeaderValue::from_maybe_shared(Bytes::copy_from_slice(digits.format(n).as_bytes()))
        .unwrap_or_else(|_| HeaderValue::from(n))
}

fn header_value(value: &str, setting: &'static str) -> Result<HeaderValue, BuildError> {
    HeaderValue::from_str(value).map_err(|_| invalid(setting, "cannot be sent in an HTTP header"))
}

fn parse_endpoint(endpoint: &str) -> Result<reqwest::Url, BuildError> {
    let bad = |reason| BuildError::InvalidEndpoint {
        endpoint: endpoint.to_owned(),
        reason,
    };
    let trimmed = endpoint.trim();
    let full = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let url = reqwest::Url::parse(&full).map_err(|_| bad("not a URL"))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("user information is not allowed"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("the endpoint must not have a path, query or fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::credentials::Env;
    use super::*;
    use std::time::Duration;

    fn creds() -> Credentials {
        Credentials::new("AKIDtest", "test-secret-key").unwrap()
    }

    #[test]
    fn endpoints() {
        let ok = |e: &str| parse_endpoint(e).unwrap().to_string();
        assert_eq!(
            ok("ess.tencentcloudapi.com"),
            "https://ess.tencentcloudapi.com/"
        );
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080/");
        assert_eq!(
            ok("https://ess.tencentcloudapi.com/"),
            "https://ess.tencentcloudapi.com/"
        );
        for bad in [
            "ftp://x",
            "http://",
            "https://u:p@h",
            "https://h/path",
            "https://h/?q=1",
            "::",
        ] {
            assert!(parse_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unusable_root_certificates_are_refused_by_name() {
        let reason = |pem: &[u8]| match client(base().with_root_certificate(pem)) {
            Err(BuildError::InvalidSetting {
                setting: "root_certificate",
                reason,
            }) => reason,
            Err(other) => panic!("unexpected error: {other}"),
            Ok(_) => panic!("{:?} was accepted", String::from_utf8_lossy(pem)),
        };
        assert_eq!(reason(b""), "no PEM CERTIFICATE block found");
        assert_eq!(
            reason(b"not a certificate"),
            "no PEM CERTIFICATE block found"
        );
        assert_eq!(
            reason(b"-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n"),
            "the PEM text is not well-formed"
        );
        // Well-formed base64, but the bytes are not a DER certificate.
        assert_eq!(
            reason(b"-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n"),
            "a CERTIFICATE block is not a valid X.509 certificate"
        );
        let config = base().with_root_certificate("secret-looking text");
        assert_eq!(config.root_certificate_count(), 1);
        let debug = format!("{config:?}");
        assert!(debug.contains("root_certificates: 1"), "{debug}");
        assert!(!debug.contains("secret-looking"), "{debug}");
    }

    /// A service with one action served at a host of its own.
    static SERVICE_INFO: ServiceInfo = ServiceInfo {
        test_endpoint: "ess.test.example",
        action_hosts: &[("file.example", "file.test.example")],
        actions: &["Far", "Near"],
    };

    fn client(config: Config) -> Result<Client, BuildError> {
        Client::new(config, &SERVICE_INFO)
    }

    fn base() -> Config {
        Config::default()
            .with_credentials(creds())
            .with_env_for_tests(&[])
    }

    impl Config {
        fn with_env_for_tests(mut self, vars: &[(&str, &str)]) -> Config {
            self.env = Env::from_pairs(vars);
            self
        }
    }

    /// Actions for routing: one on the main host, one on a host of its own.
    #[derive(Clone, serde::Serialize)]
    struct Near;
    #[derive(Clone, serde::Serialize)]
    struct Far;
    impl crate::Validate for Near {
        fn validate_at(&self, _: &crate::validate::Path<'_>, _: &mut crate::validate::Report) {}
    }
    impl crate::Validate for Far {
        fn validate_at(&self, _: &crate::validate::Path<'_>, _: &mut crate::validate::Report) {}
    }
    /// The errors of the routing actions: every code is unhandled.
    #[derive(Debug, crate::EssError)]
    enum NoCodes {
        #[ess(unhandled)]
        Unhandled(crate::ErrorMeta),
    }
    impl crate::sealed::Sealed for Near {}
    impl Action for Near {
        const NAME: &'static str = "Near";
        const IDEMPOTENT: bool = true;
        const RATE_LIMIT: Option<u32> = None;
        type Output = serde_json::Value;
        type Error = NoCodes;
    }
    impl crate::sealed::Sealed for Far {}
    impl Action for Far {
        const NAME: &'static str = "Far";
        const IDEMPOTENT: bool = true;
        const RATE_LIMIT: Option<u32> = None;
        const HOST: Option<&'static str> = Some("file.example");
        const TEST_HOST: Option<&'static str> = Some("file.test.example");
        type Output = serde_json::Value;
        type Error = NoCodes;
    }

    #[test]
    fn host_header_follows_the_endpoint() {
        let host = |endpoint: &str| {
            let client = client(base().with_endpoint(endpoint)).unwrap();
            client.inner.routes.main.signer.host().to_owned()
        };
        assert_eq!(host("http://127.0.0.1:8080"), "127.0.0.1:8080");
        assert_eq!(host("https://ESS.example.com:443"), "ess.example.com");
        assert_eq!(host("http://[::1]:9"), "[::1]:9");
        assert_eq!(host("http://localhost:80"), "localhost");
    }

    #[test]
    fn actions_go_to_their_own_host_in_each_environment() {
        let with_env = |vars: &[(&str, &str)]| base().with_env_for_tests(vars);
        // Production by default: Far has a host of its own.
        let c = client(with_env(&[])).unwrap();
        assert_eq!(c.endpoint_for::<Far>(), "https://file.example/");
        assert_eq!(c.endpoint_for::<Near>(), "https://ess.tencentcloudapi.com/");
        assert_eq!(c.config().environment(), Some(Environment::Production));
        // The test environment: one option, or one variable.
        for c in [
            client(with_env(&[]).with_environment(Environment::Test)).unwrap(),
            client(with_env(&[(ENV_ENVIRONMENT, "test")])).unwrap(),
        ] {
            assert_eq!(c.endpoint_for::<Far>(), "https://file.test.example/");
            assert_eq!(c.endpoint_for::<Near>(), "https://ess.test.example/");
            assert_eq!(c.endpoint(), "https://ess.test.example/");
        }
        // An endpoint takes every action, whatever the environment.
        for c in [
            client(with_env(&[(ENV_ENDPOINT, "http://127.0.0.1:4567")])).unwrap(),
            client(with_env(&[(ENV_ENVIRONMENT, "test")]).with_endpoint("http://127.0.0.1:4567"))
                .unwrap(),
        ] {
            assert_eq!(c.endpoint_for::<Far>(), "http://127.0.0.1:4567/");
            assert_eq!(c.endpoint_for::<Near>(), "http://127.0.0.1:4567/");
        }
        // A misspelt environment is refused by name, not ignored.
        let e = client(with_env(&[(ENV_ENVIRONMENT, "staging")])).unwrap_err();
        assert!(
            e.to_string().contains("TENCENTCLOUD_ESS_ENVIRONMENT"),
            "{e}"
        );
    }

    #[test]
    fn endpoint_from_environment_unless_explicit() {
        let env = [(ENV_ENDPOINT, "http://127.0.0.1:4567")];
        let c = client(base().with_env_for_tests(&env)).unwrap();
        assert_eq!(c.endpoint(), "http://127.0.0.1:4567/");
        let c = client(
            base()
                .with_env_for_tests(&env)
                .with_endpoint("https://ess.tencentcloudapi.com"),
        )
        .unwrap();
        assert_eq!(c.endpoint(), "https://ess.tencentcloudapi.com/");
        let c = client(base()).unwrap();
        assert_eq!(c.endpoint(), "https://ess.tencentcloudapi.com/");
    }

    #[test]
    fn rate_limit_overrides_name_an_action_of_the_service() {
        let limited = |action: &str| {
            client(
                base()
                    .with_rate_limit(true)
                    .with_action_rate_limit(action, 5),
            )
        };
        assert!(limited("Near").is_ok());
        let e = limited("Nowhere").unwrap_err();
        assert!(e.to_string().contains("action_rate_limit"), "{e}");
    }

    #[test]
    fn invalid_settings() {
        let bad = |config: Config| client(config).is_err();
        assert!(bad(base().with_region("ap guangzhou")));
        assert!(bad(base().with_region("")));
        assert!(bad(base().with_request_client("tag\n")));
        assert!(bad(base().with_request_client("x".repeat(200))));
        assert!(bad(base().with_timeout(Duration::ZERO)));
        assert!(bad(base().with_operation_timeout(Duration::ZERO)));
        assert!(bad(base().with_connect_timeout(Duration::ZERO)));
        assert!(bad(base().with_max_response_bytes(0)));
        let c = client(
            base()
                .with_region("ap-guangzhou")
                .with_language(Language::EnUs)
                .with_request_client("my-app/1.2"),
        )
        .unwrap();
        let h = &c.inner.base_headers;
        assert_eq!(h.len(), 8, "five fixed headers and three places");
        assert_eq!(h["x-tc-region"], "ap-guangzhou");
        assert_eq!(h["x-tc-language"], "en-US");
        assert_eq!(h["x-tc-version"], API_VERSION);
        assert_eq!(h["content-type"], JSON_CONTENT_TYPE);
        assert_eq!(
            h["x-tc-requestclient"],
            format!("SDK_RUST_ESS_{}; my-app/1.2", env!("CARGO_PKG_VERSION")).as_str()
        );
    }

    #[test]
    fn action_names() {
        assert!(is_action_name("CreateFlow"));
        assert!(!is_action_name(""));
        assert!(!is_action_name("Create Flow"));
        assert!(!is_action_name("Créer"));
        assert_eq!(ActionHeader::<Near>::VALUE.unwrap(), "Near");
    }

    #[test]
    fn clock_skew_is_applied() {
        let client = client(
            base()
                .with_clock(FixedClock::new(1_000))
                .with_clock_skew(-30),
        )
        .unwrap();
        assert_eq!(client.now(), 970);
        client.inner.clock_correction.store(100, Ordering::Relaxed);
        assert_eq!(client.now(), 1_070);
    }

    #[test]
    fn timestamps_are_their_decimal_digits() {
        for n in [0, 7, 10, 999, 1_764_669_000, u64::MAX] {
            assert_eq!(decimal_value(n), HeaderValue::from(n), "{n}");
        }
    }

    #[tokio::test]
    async fn every_header_of_a_request_has_its_value() {
        let temporary = Credentials::temporary("AKIDtemp", "key", "the-token").unwrap();
        for (config, token) in [
            (base(), None),
            (
                base()
                    .with_credentials(temporary)
                    .with_region("ap-guangzhou"),
                Some("the-token"),
            ),
        ] {
            let client = client(config.with_clock(FixedClock::new(1_764_669_000))).unwrap();
            let request = client.prepare(&Near).await.unwrap();
            let headers: Vec<_> = request.headers().collect();
            for (name, value) in &headers {
                assert!(!value.is_empty(), "{name} is empty in {headers:?}");
            }
            assert_eq!(request.header("x-tc-action"), Some("Near"));
            assert_eq!(request.header("x-tc-timestamp"), Some("1764669000"));
            assert_eq!(request.header("x-tc-token"), token);
            assert!(request
                .header("authorization")
                .is_some_and(|a| a.starts_with("TC3-HMAC-SHA256 Credential=")));
            let names: std::collections::HashSet<_> = headers.iter().map(|(n, _)| n).collect();
            assert_eq!(names.len(), headers.len(), "no header twice: {headers:?}");
        }
    }

    #[test]
    fn each_route_sends_what_the_http_stack_would_add() {
        let c = client(base().with_endpoint("http://127.0.0.1:9")).unwrap();
        let route = c.route::<Near>();
        let h = &route.wire_headers;
        assert_eq!(h["host"], "127.0.0.1:9");
        assert_eq!(h["host"], route.signer.host(), "the signed host");
        assert_eq!(h["accept"], "*/*");
        assert_eq!(h["user-agent"], USER_AGENT_VALUE);
        assert_eq!(h["content-length"], "", "filled by each attempt");
        for (name, value) in &c.inner.base_headers {
            assert_eq!(h.get(name), Some(value), "{name}");
        }
        assert_eq!(h.len(), c.inner.base_headers.len() + 4);
    }

    #[test]
    fn client_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Client>();
        let client = client(base()).unwrap();
        let clone = client.clone();
        assert!(Arc::ptr_eq(&client.inner, &clone.inner));
    }
}

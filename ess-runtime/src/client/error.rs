//! Errors returned by the client.

use std::error::Error as StdError;
use std::fmt;

use bytes::Bytes;
use std::time::Duration;

use super::credentials::CredentialsError;
use super::rate_limit::RateLimitError;
use super::retry::Retry;
use crate::error_meta::{RetryClass, ServiceError};
use crate::validate::ValidationErrors;

type BoxError = Box<dyn StdError + Send + Sync>;

/// The longest body excerpt kept in a [`ResponseError`], in bytes.
pub const MAX_EXCERPT_BYTES: usize = 256;

/// The error of a call: `E` is the action's typed service error.
///
/// The variants follow the life of a request: it could not be built
/// ([`Construction`](SdkError::Construction)), could not be delivered
/// ([`Dispatch`](SdkError::Dispatch)), took too long
/// ([`Timeout`](SdkError::Timeout)), got an answer that could not be
/// understood ([`Response`](SdkError::Response)), or got a well-formed error
/// from the service ([`Service`](SdkError::Service)).
///
/// `Display` includes the details of the variant; `source()` continues with
/// the variant's own cause.
#[derive(Debug)]
#[non_exhaustive]
pub enum SdkError<E> {
    /// The request was never sent: it is invalid, no usable credentials
    /// could be had, or the shared rate limiter was unavailable and
    /// configured to fail closed.
    Construction(ConstructionError),
    /// The request could not be delivered or the connection failed.
    Dispatch(DispatchError),
    /// An attempt took longer than allowed.
    Timeout(TimeoutError),
    /// The service answered with something other than a well-formed response.
    Response(ResponseError),
    /// The service answered with an error code.
    Service(E),
}

impl<E> SdkError<E> {
    /// The service error, if this is one.
    pub fn into_service_error(self) -> Option<E> {
        match self {
            SdkError::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The service error, if this is one.
    pub fn as_service_error(&self) -> Option<&E> {
        match self {
            SdkError::Service(e) => Some(e),
            _ => None,
        }
    }

    /// Converts the service error, keeping every other variant as it is.
    pub fn map_service<F>(self, f: impl FnOnce(E) -> F) -> SdkError<F> {
        match self {
            SdkError::Construction(e) => SdkError::Construction(e),
            SdkError::Dispatch(e) => SdkError::Dispatch(e),
            SdkError::Timeout(e) => SdkError::Timeout(e),
            SdkError::Response(e) => SdkError::Response(e),
            SdkError::Service(e) => SdkError::Service(f(e)),
        }
    }

    /// The construction error, if this is one.
    pub fn as_construction_error(&self) -> Option<&ConstructionError> {
        match self {
            SdkError::Construction(e) => Some(e),
            _ => None,
        }
    }

    /// The validation errors, if the request was refused before sending.
    pub fn validation_errors(&self) -> Option<&ValidationErrors> {
        match self {
            SdkError::Construction(ConstructionError::Validation(e)) => Some(e),
            _ => None,
        }
    }

    /// The dispatch error, if this is one.
    pub fn as_dispatch_error(&self) -> Option<&DispatchError> {
        match self {
            SdkError::Dispatch(e) => Some(e),
            _ => None,
        }
    }

    /// The timeout error, if this is one.
    pub fn as_timeout_error(&self) -> Option<&TimeoutError> {
        match self {
            SdkError::Timeout(e) => Some(e),
            _ => None,
        }
    }

    /// The response error, if this is one.
    pub fn as_response_error(&self) -> Option<&ResponseError> {
        match self {
            SdkError::Response(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the last request may have reached the service (and so may
    /// have had an effect). `false` only when it provably did not.
    pub fn may_have_been_sent(&self) -> bool {
        match self {
            SdkError::Construction(_) => false,
            SdkError::Dispatch(e) => e.may_have_been_sent(),
            SdkError::Timeout(e) => e.may_have_been_sent(),
            SdkError::Response(_) | SdkError::Service(_) => true,
        }
    }

    /// The HTTP status of an undecodable response.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            SdkError::Response(e) => Some(e.status()),
            _ => None,
        }
    }
}

impl<E: ServiceError> SdkError<E> {
    /// The service's error code, for service errors.
    pub fn code(&self) -> Option<&str> {
        self.as_service_error().map(|e| e.code())
    }

    /// The request id returned by the service, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            SdkError::Service(e) => e.request_id(),
            SdkError::Response(e) => e.request_id(),
            _ => None,
        }
    }

    /// Whether the service refused the request because of its rate.
    pub fn is_throttling(&self) -> bool {
        self.retry() == Retry::Throttled
    }

    /// Whether sending the same request again could succeed and is safe, for
    /// an action that is (`idempotent`) or is not safe to repeat: throttling,
    /// a request that never left, an expired signature (signed again with a
    /// fresh timestamp), and, for idempotent actions, an ambiguous failure.
    ///
    /// The client's own retries apply exactly this rule, bounded by
    /// [`RetryConfig`](crate::client::RetryConfig): at most `max_attempts`
    /// attempts, and an expired signature signed again once per call.
    pub fn is_retryable(&self, idempotent: bool) -> bool {
        match self.retry() {
            Retry::Throttled | Retry::NotSent | Retry::Resign => true,
            Retry::Ambiguous => idempotent,
            Retry::Never => false,
        }
    }

    pub(crate) fn retry(&self) -> Retry {
        match self {
            SdkError::Construction(_) => Retry::Never,
            SdkError::Dispatch(e) if !e.may_have_been_sent() => Retry::NotSent,
            SdkError::Dispatch(_) => Retry::Ambiguous,
            SdkError::Timeout(e) if !e.may_have_been_sent() => Retry::NotSent,
            SdkError::Timeout(_) => Retry::Ambiguous,
            SdkError::Response(e) => e.retry(),
            SdkError::Service(e) => match e.retry_class() {
                RetryClass::Throttling => Retry::Throttled,
                RetryClass::Transient => Retry::Ambiguous,
                RetryClass::Resign => Retry::Resign,
                _ => Retry::Never,
            },
        }
    }
}

impl<E: fmt::Display> fmt::Display for SdkError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SdkError::Construction(e) => write!(f, "request not sent: {e}"),
            SdkError::Dispatch(e) => fmt::Display::fmt(e, f),
            SdkError::Timeout(e) => fmt::Display::fmt(e, f),
            SdkError::Response(e) => fmt::Display::fmt(e, f),
            SdkError::Service(e) => write!(f, "service error: {e}"),
        }
    }
}

impl<E: StdError + 'static> StdError for SdkError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SdkError::Construction(e) => e.source(),
            SdkError::Dispatch(e) => e.source(),
            SdkError::Timeout(e) => e.source(),
            SdkError::Response(e) => e.source(),
            SdkError::Service(e) => e.source(),
        }
    }
}

impl<E> From<ValidationErrors> for SdkError<E> {
    fn from(e: ValidationErrors) -> Self {
        SdkError::Construction(ConstructionError::Validation(e))
    }
}

impl<E> From<CredentialsError> for SdkError<E> {
    fn from(e: CredentialsError) -> Self {
        SdkError::Construction(ConstructionError::Credentials(e))
    }
}

impl<E> From<ConstructionError> for SdkError<E> {
    fn from(e: ConstructionError) -> Self {
        SdkError::Construction(e)
    }
}

/// Why a request could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConstructionError {
    /// The input broke the service's documented rules.
    Validation(ValidationErrors),
    /// No usable credentials.
    Credentials(CredentialsError),
    /// The input could not be serialized to JSON.
    Serialization(SerializationError),
    /// The action name cannot be sent in an HTTP header.
    InvalidActionName(&'static str),
    /// The shared rate limiter could not admit the request and is
    /// configured to fail closed.
    RateLimit(RateLimitError),
}

impl fmt::Display for ConstructionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConstructionError::Validation(e) => write!(f, "invalid request: {e}"),
            ConstructionError::Credentials(e) => write!(f, "no usable credentials: {e}"),
            ConstructionError::Serialization(e) => fmt::Display::fmt(e, f),
            ConstructionError::InvalidActionName(name) => {
                write!(
                    f,
                    "the action name {name:?} cannot be sent in an HTTP header"
                )
            }
            ConstructionError::RateLimit(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl StdError for ConstructionError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ConstructionError::Validation(_)
            | ConstructionError::InvalidActionName(_)
            | ConstructionError::RateLimit(_) => None,
            ConstructionError::Credentials(e) => e.source(),
            ConstructionError::Serialization(e) => e.source(),
        }
    }
}

/// The input could not be serialized to JSON (a map with non-string keys,
/// a failing custom `Serialize`).
#[derive(Debug)]
pub struct SerializationError {
    source: BoxError,
}

impl SerializationError {
    pub(crate) fn new(source: impl Into<BoxError>) -> Self {
        Self {
            source: source.into(),
        }
    }
}

impl fmt::Display for SerializationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the request could not be serialized to JSON")
    }
}

impl StdError for SerializationError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// The request could not be delivered, or the connection failed before a
/// complete response arrived.
#[derive(Debug)]
pub struct DispatchError {
    connect: bool,
    may_have_been_sent: bool,
    source: BoxError,
}

impl DispatchError {
    pub(crate) fn new(
        connect: bool,
        may_have_been_sent: bool,
        source: impl Into<BoxError>,
    ) -> Self {
        Self {
            connect,
            may_have_been_sent,
            source: source.into(),
        }
    }

    /// Whether no connection could be made (refused, unreachable, name
    /// resolution, TLS handshake).
    pub fn is_connect(&self) -> bool {
        self.connect
    }

    /// Whether the request may have reached the service. `false` only when
    /// it provably did not (no connection was ever made).
    pub fn may_have_been_sent(&self) -> bool {
        self.may_have_been_sent
    }
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.connect {
            f.write_str("could not connect to the endpoint (the request was not sent)")
        } else if self.may_have_been_sent {
            f.write_str("the connection failed after the request may have been sent")
        } else {
            f.write_str("the request could not be sent")
        }
    }
}

impl StdError for DispatchError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// What was going on when time ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Opening the connection: the request was not sent.
    Connect,
    /// Sending the request or waiting for or reading the response.
    Attempt,
    /// The whole operation, every attempt and the waits between them, ran
    /// past its deadline ([`Config::with_operation_timeout`](super::Config::with_operation_timeout)).
    /// A request may have been sent.
    Operation,
}

/// An attempt took longer than its timeout.
#[derive(Debug)]
pub struct TimeoutError {
    phase: TimeoutPhase,
    after: Duration,
    source: Option<BoxError>,
}

impl TimeoutError {
    pub(crate) fn new(phase: TimeoutPhase, after: Duration, source: Option<BoxError>) -> Self {
        Self {
            phase,
            after,
            source,
        }
    }

    /// What was going on when time ran out.
    pub fn phase(&self) -> TimeoutPhase {
        self.phase
    }

    /// The timeout that expired.
    pub fn after(&self) -> Duration {
        self.after
    }

    /// Whether the request may have reached the service.
    pub fn may_have_been_sent(&self) -> bool {
        self.phase != TimeoutPhase::Connect
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.phase {
            TimeoutPhase::Connect => write!(
                f,
                "timed out after {:?} while connecting (the request was not sent)",
                self.after
            ),
            TimeoutPhase::Attempt => write!(
                f,
                "the attempt timed out after {:?} (the request may have been sent)",
                self.after
            ),
            TimeoutPhase::Operation => write!(
                f,
                "the operation ran past its deadline of {:?}, retries included (a request may have been sent)",
                self.after
            ),
        }
    }
}

impl StdError for TimeoutError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// What was wrong with an undecodable response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseErrorKind {
    /// The HTTP status is not a success and the body is not a service error.
    Status,
    /// The body is empty.
    Empty,
    /// The body is not JSON.
    NotJson,
    /// The body ended early (connection lost mid-body, or incomplete JSON).
    Truncated,
    /// The body is larger than the configured limit; it was not read whole.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body is JSON but not of the expected shape (no `Response`, or a
    /// `Response` that does not match the action's output type).
    Unexpected,
    /// A success answer without a member the service documents as always
    /// present (or with it `null`): no output is made up from defaults.
    /// [`ResponseError::missing_member`] names it.
    MissingMember,
}

impl fmt::Display for ResponseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseErrorKind::Status => f.write_str("unexpected HTTP status"),
            ResponseErrorKind::Empty => f.write_str("empty body"),
            ResponseErrorKind::NotJson => f.write_str("the body is not JSON"),
            ResponseErrorKind::Truncated => f.write_str("the body is truncated"),
            ResponseErrorKind::TooLarge { limit } => {
                write!(f, "the body exceeds the {limit}-byte limit")
            }
            ResponseErrorKind::Unexpected => f.write_str("the body is not of the expected shape"),
            ResponseErrorKind::MissingMember => {
                f.write_str("a member the service always sends is missing")
            }
        }
    }
}

/// A response that could not be turned into an output or a service error.
///
/// `source()` is the decoding or transport error, when there is one.
/// `Debug` shows the excerpt and the body's length, not the whole body.
pub struct ResponseError {
    // Boxed: every call's `Result` carries this type's size.
    inner: Box<ResponseDetails>,
}

struct ResponseDetails {
    status: u16,
    kind: ResponseErrorKind,
    excerpt: String,
    request_id: Option<String>,
    missing_member: Option<String>,
    body: Bytes,
    source: Option<BoxError>,
}

impl fmt::Debug for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseError")
            .field("status", &self.inner.status)
            .field("kind", &self.inner.kind)
            .field("excerpt", &self.inner.excerpt)
            .field("request_id", &self.inner.request_id)
            .field("missing_member", &self.inner.missing_member)
            .field("body_len", &self.inner.body.len())
            .field("source", &self.inner.source)
            .finish()
    }
}

impl ResponseError {
    pub(crate) fn new(status: u16, kind: ResponseErrorKind, body: &[u8]) -> Self {
        Self {
            inner: Box::new(ResponseDetails {
                status,
                kind,
                excerpt: excerpt(body),
                request_id: None,
                missing_member: None,
                body: Bytes::new(),
                source: None,
            }),
        }
    }

    /// Keeps the whole body (shared, not copied).
    pub(crate) fn with_body(mut self, body: Bytes) -> Self {
        self.inner.body = body;
        self
    }

    pub(crate) fn with_missing_member(mut self, member: String) -> Self {
        self.inner.missing_member = Some(member);
        self
    }

    /// The wire name of the member a
    /// [`MissingMember`](ResponseErrorKind::MissingMember) answer lacks.
    pub fn missing_member(&self) -> Option<&str> {
        self.inner.missing_member.as_deref()
    }

    /// The whole body as received, for answers that were read whole and
    /// turned out unusable (empty otherwise, for example when the body was
    /// too large to read).
    pub fn body(&self) -> &[u8] {
        &self.inner.body
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.inner.request_id = request_id;
        self
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.inner.status
    }

    /// What was wrong.
    pub fn kind(&self) -> ResponseErrorKind {
        self.inner.kind
    }

    /// The start of the body (at most 256 bytes, cut on a character
    /// boundary, invalid UTF-8 replaced).
    pub fn body_excerpt(&self) -> &str {
        &self.inner.excerpt
    }

    /// The request id, if the body carried one.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    pub(crate) fn retry(&self) -> Retry {
        match self.inner.kind {
            ResponseErrorKind::Status if self.inner.status == 429 => Retry::Throttled,
            ResponseErrorKind::Status if self.inner.status >= 500 => Retry::Ambiguous,
            ResponseErrorKind::Truncated | ResponseErrorKind::Empty => Retry::Ambiguous,
            _ => Retry::Never,
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unusable response (HTTP {}): {}",
            self.inner.status, self.inner.kind
        )?;
        if !self.inner.excerpt.is_empty() {
            write!(f, "; body starts with {:?}", self.inner.excerpt)?;
        }
        Ok(())
    }
}

impl StdError for ResponseError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// The first [`MAX_EXCERPT_BYTES`] bytes of a body as text, cut on a
/// character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(MAX_EXCERPT_BYTES)];
    let text = match std::str::from_utf8(head) {
        Ok(s) => return s.to_owned(),
        // A multi-byte character cut by the limit: drop its start.
        Err(e) if e.error_len().is_none() => {
            return String::from_utf8_lossy(&head[..e.valid_up_to()]).into_owned()
        }
        Err(_) => String::from_utf8_lossy(head),
    };
    let mut end = text.len().min(MAX_EXCERPT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// The client could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// No usable credentials were configured or found.
    Credentials(CredentialsError),
    /// The endpoint is not a usable URL.
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A setting cannot be used.
    InvalidSetting {
        /// The setting.
        setting: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The HTTP client could not be created (TLS initialisation).
    Http(BoxError),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Credentials(e) => write!(f, "no usable credentials: {e}"),
            BuildError::InvalidEndpoint { endpoint, reason } => {
                write!(f, "invalid endpoint {endpoint:?}: {reason}")
            }
            BuildError::InvalidSetting { setting, reason } => {
                write!(f, "invalid setting {setting}: {reason}")
            }
            BuildError::Http(e) => write!(f, "the HTTP client could not be created: {e}"),
        }
    }
}

impl StdError for BuildError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            BuildError::Credentials(e) => e.source(),
            BuildError::Http(e) => e.source(),
            BuildError::InvalidEndpoint { .. } | BuildError::InvalidSetting { .. } => None,
        }
    }
}

impl From<CredentialsError> for BuildError {
    fn from(e: CredentialsError) -> Self {
        BuildError::Credentials(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded_and_cut_on_char_boundaries() {
        assert_eq!(excerpt(b""), "");
        assert_eq!(excerpt(b"<html>"), "<html>");
        let long = "x".repeat(1000);
        assert_eq!(excerpt(long.as_bytes()).len(), 256);
        // 255 ASCII bytes then a 3-byte character straddling the limit.
        let straddle = format!("{}\u{672a}tail", "a".repeat(255));
        let e = excerpt(straddle.as_bytes());
        assert_eq!(e, "a".repeat(255));
        // Invalid UTF-8 is replaced and the result still fits.
        let mut bytes = vec![0xffu8; 300];
        bytes[0] = b'a';
        let e = excerpt(&bytes);
        assert!(e.len() <= 256);
        assert!(e.starts_with('a'));
        let chinese = "\u{547d}".repeat(200);
        let e = excerpt(chinese.as_bytes());
        assert!(e.len() <= 256 && e.len() > 250);
    }
}

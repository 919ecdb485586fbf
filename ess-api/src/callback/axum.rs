//! A ready-made axum route for callbacks (cargo feature `axum`).
//!
//! [`CallbackReceiver`] decodes each request with a [`CallbackDecoder`],
//! answers at once, and hands the decoded [`Callback`] on, after the answer,
//! to a user-supplied async function (run in its own task) or to a channel:
//!
//! | outcome | answer | the callback |
//! |---|---|---|
//! | decoded | 200 | handed on |
//! | signature missing, malformed or wrong (either form) | 401 | dropped |
//! | query signature right but its timestamp outside the window | 401 | dropped |
//! | body over the decoder's limit | 413 | dropped |
//! | anything else undecodable | 400 | dropped |
//! | decoded, but the channel is full or closed | 503 | dropped: the service posts it again later |
//!
//! Rejections are logged with `tracing` at the `warn` level, without
//! secrets.
//!
//! ```no_run
//! use ess_api::callback::axum::CallbackReceiver;
//! use ess_api::callback::{CallbackDecoder, CallbackEvent};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let decoder = CallbackDecoder::new()
//!     .with_key(std::env::var("ESS_CALLBACK_KEY")?)?
//!     .with_token(std::env::var("ESS_CALLBACK_TOKEN")?);
//! let receiver = CallbackReceiver::new(decoder, |callback| async move {
//!     if let CallbackEvent::FlowStatusChange(data) = &callback.event {
//!         println!("{}: {:?}", data.flow_id, data.flow_callback_status);
//!     }
//! });
//! let app: axum::Router = receiver.into_router("/ess/callback");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Both signature forms
//!
//! The route hands the decoder the request's body, headers and query
//! string, so the same receiver verifies whichever form the service uses;
//! with a token, a request signed in neither form is refused.
//!
//! **Header form.** The console's callback URL is the route as it is
//! (`https://example.com/ess/callback`), and every request carries
//! `Content-Signature: sha256=<hex HMAC-SHA256 of the body>`. The decoder
//! above is all it takes.
//!
//! **Query form.** The service adds `timestamp`, `nonce` and
//! `msg_signature` to the callback URL
//! (`/ess/callback?timestamp=1700000000&nonce=...&msg_signature=<hex SHA-1>`)
//! and sends an encrypted body; the signature covers the body's `encrypt`
//! value, so configure the key as well as the token. The timestamp must be
//! within the decoder's window of the receiver's clock; widen it when the
//! clocks are known to drift:
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use ess_api::callback::axum::CallbackReceiver;
//! use ess_api::callback::CallbackDecoder;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let decoder = CallbackDecoder::new()
//!     .with_key(std::env::var("ESS_CALLBACK_KEY")?)? // needed: the query form signs the ciphertext
//!     .with_token(std::env::var("ESS_CALLBACK_TOKEN")?)
//!     .with_timestamp_window(Duration::from_secs(600)); // default: 5 minutes either way
//! let (sender, mut events) = tokio::sync::mpsc::channel(1024);
//! let app: axum::Router = CallbackReceiver::with_channel(decoder, sender).into_router("/ess/callback");
//! tokio::spawn(async move {
//!     while let Some(callback) = events.recv().await {
//!         println!("{} {}", callback.msg_id, callback.msg_type());
//!     }
//! });
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! A request whose signature is right but whose timestamp is outside the
//! window is answered 401 (`CallbackError::TimestampOutOfWindow` in the
//! log): it is an old request replayed, or the clocks are too far apart.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use ::axum::body::Bytes;
use ::axum::extract::DefaultBodyLimit;
use ::axum::http::{HeaderMap, StatusCode, Uri};
use ::axum::routing::{post, MethodRouter};
use ::axum::Router;
use tokio::sync::mpsc;

use super::{Callback, CallbackDecoder, CallbackError};

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
type Handler = dyn Fn(Callback) -> BoxFuture + Send + Sync + 'static;

/// Where decoded callbacks go.
enum Sink {
    Task(Box<Handler>),
    Channel(mpsc::Sender<Callback>),
}

/// Receives callbacks over HTTP: decodes, answers, then hands the event on.
///
/// Cheap to clone (the decoder and the handler are shared).
#[derive(Clone)]
pub struct CallbackReceiver {
    decoder: Arc<CallbackDecoder>,
    sink: Arc<Sink>,
}

impl fmt::Debug for CallbackReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sink = match *self.sink {
            Sink::Task(_) => "task",
            Sink::Channel(_) => "channel",
        };
        f.debug_struct("CallbackReceiver")
            .field("decoder", &self.decoder)
            .field("sink", &sink)
            .finish()
    }
}

impl CallbackReceiver {
    /// Runs `handler` in a new task for every decoded callback, after the
    /// answer is decided. A panic in the handler ends its task only.
    pub fn new<F, Fut>(decoder: CallbackDecoder, handler: F) -> Self
    where
        F: Fn(Callback) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: Box<Handler> = Box::new(move |callback| Box::pin(handler(callback)));
        Self {
            decoder: Arc::new(decoder),
            sink: Arc::new(Sink::Task(handler)),
        }
    }

    /// Sends every decoded callback to a bounded channel without waiting:
    /// when the channel is full or closed the request is answered 503, and
    /// the service posts the message again later.
    pub fn with_channel(decoder: CallbackDecoder, sender: mpsc::Sender<Callback>) -> Self {
        Self {
            decoder: Arc::new(decoder),
            sink: Arc::new(Sink::Channel(sender)),
        }
    }

    /// The decoder in use.
    pub fn decoder(&self) -> &CallbackDecoder {
        &self.decoder
    }

    /// Handles one request without a query string, given its headers and
    /// raw body, and returns the status to answer: only the
    /// `Content-Signature` form can be checked. See
    /// [`receive_request`](Self::receive_request).
    ///
    /// Must be called within a Tokio runtime when the receiver runs a
    /// handler (the handler is spawned on it).
    pub fn receive(&self, headers: &HeaderMap, body: &[u8]) -> StatusCode {
        self.receive_request(headers, None, body)
    }

    /// Handles one request, given its headers, its query string (the part
    /// of the URI after `?`, if any) and its raw body, and returns the
    /// status to answer. The route built by
    /// [`method_router`](Self::method_router) calls this; it is public for
    /// use with other routing.
    ///
    /// Must be called within a Tokio runtime when the receiver runs a
    /// handler (the handler is spawned on it).
    pub fn receive_request(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
        body: &[u8],
    ) -> StatusCode {
        let callback = match self.decoder.decode_request(body, headers, query) {
            Ok(received) => {
                tracing::debug!(
                    msg_id = %received.callback.msg_id,
                    signature = ?received.signature,
                    "callback verified"
                );
                received.callback
            }
            Err(error) => {
                let status = status_of(&error);
                tracing::warn!(%error, status = status.as_u16(), "callback rejected");
                return status;
            }
        };
        match &*self.sink {
            Sink::Task(handler) => {
                tokio::spawn(handler(callback));
                StatusCode::OK
            }
            Sink::Channel(sender) => match sender.try_send(callback) {
                Ok(()) => StatusCode::OK,
                Err(error) => {
                    let reason = match error {
                        mpsc::error::TrySendError::Full(_) => "channel full",
                        mpsc::error::TrySendError::Closed(_) => "channel closed",
                    };
                    tracing::warn!(reason, "callback not queued; the service will retry");
                    StatusCode::SERVICE_UNAVAILABLE
                }
            },
        }
    }

    /// A `POST` route to mount anywhere in an application
    /// (`Router::new().route("/ess/callback", receiver.method_router())`).
    ///
    /// Bodies over the decoder's [`max_body_len`](CallbackDecoder::max_body_len)
    /// are refused (413) before they are read in full.
    pub fn method_router<S>(self) -> MethodRouter<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let limit = self.decoder.max_body_len();
        post(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let receiver = self.clone();
            async move {
                let status = receiver.receive_request(&headers, uri.query(), &body);
                (status, reason(status))
            }
        })
        .layer(DefaultBodyLimit::max(limit))
    }

    /// A router with the `POST` route at `path` and nothing else.
    pub fn into_router<S>(self, path: &str) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        Router::new().route(path, self.method_router())
    }
}

/// The answer to a rejected request.
fn status_of(error: &CallbackError) -> StatusCode {
    if error.is_authentication() {
        StatusCode::UNAUTHORIZED
    } else if matches!(error, CallbackError::BodyTooLarge { .. }) {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::BAD_REQUEST
    }
}

/// A short body for each answer; the details go to the log, not to the
/// sender.
fn reason(status: StatusCode) -> &'static str {
    match status {
        StatusCode::OK => "success",
        StatusCode::UNAUTHORIZED => "invalid signature",
        StatusCode::PAYLOAD_TOO_LARGE => "body too large",
        StatusCode::SERVICE_UNAVAILABLE => "busy, retry later",
        _ => "invalid callback",
    }
}

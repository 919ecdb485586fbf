//! Callbacks: the emulator posts the service's callback messages to a
//! configured URL, as the service does to an organization's callback URL.
//!
//! # What is sent, and when
//!
//! | what happens | `MsgType` | `MsgData` |
//! | --- | --- | --- |
//! | a scan starts a contract | `FlowStatusChange`, then `MultiFlowSignQrCodeCost` | status `1` (waiting to sign); the code, the contract, the code's `UserData` |
//! | `CreateFlowByFiles` starts a contract | `FlowStatusChange` | status `1` |
//! | a signer signs ([`Emulator::sign`](crate::Emulator::sign)) | `FlowStatusChange` | status `2` (partly signed) while others have not, `4` (signed) once all have |
//! | a signer refuses ([`Emulator::reject`](crate::Emulator::reject)) | `FlowStatusChange` | status `3` (refused) |
//! | `CancelFlow` | `FlowStatusChange` | status `6` (cancelled) |
//! | the contract passes its deadline unsigned | `FlowStatusChange` | status `5` (expired) |
//! | a scan fails for lack of contract quota | `CreateFlowByQrCode` | the code, its `UserData`, the person's name |
//!
//! Each message is `{"MsgId", "MsgType", "MsgVersion": "1.0", "MsgData"}`,
//! made with [`ess_api::callback::Callback`] and encrypted and signed with
//! [`ess_api::callback::CallbackEncoder`]: with a key, AES-256-CBC in base64,
//! wrapped as `{"encrypt": ...}` or bare ([`EncryptedForm`]); with a token,
//! signed in the [`SignatureForm`] configured: a `Content-Signature:
//! sha256=<hex HMAC>` header (the default), or `timestamp`, `nonce` and
//! `msg_signature` added to the URL's query string (which needs a key, as it
//! signs the ciphertext), or both. The query signature is made afresh for
//! each attempt, dated by the emulator's clock
//! ([`Emulator::now`](crate::Emulator::now), which
//! [`Emulator::advance_clock`](crate::Emulator::advance_clock) moves) and
//! with a new random nonce; the body stays the same. What
//! `MultiFlowSignQrCodeCost` and `CreateFlowByQrCode` carry in `MsgData` is
//! the emulator's choice (see [below](#the-emulators-choices)).
//!
//! # Delivery
//!
//! Messages are queued when the change happens and posted by a background
//! task: an API answer or a scan never waits for a callback. The messages of
//! one contract are posted in order, one at a time (a failing message holds
//! back the later ones of the same contract, not those of other contracts).
//! A message is posted again, after [`CallbackConfig::retry_backoff`] and
//! then twice as long each time (at most [`MAX_BACKOFF`]), until the receiver
//! answers HTTP 200 or [`CallbackConfig::max_attempts`] attempts failed.
//! Every attempt is recorded in a [`CallbackDelivery`]
//! ([`Emulator::callback_deliveries`](crate::Emulator::callback_deliveries),
//! `GET /_emulator/callbacks`), and
//! [`Emulator::flush_callbacks`](crate::Emulator::flush_callbacks) waits
//! until nothing is queued or being retried.
//!
//! Messages are encoded with the configuration in force when they are
//! queued: changing or removing the configuration affects later messages
//! only.
//!
//! # Where to
//!
//! Plain `http://` URLs only. The host must be a loopback address
//! (`127.0.0.0/8`, `::1`) or `localhost`, so that tests never send traffic
//! elsewhere, unless [`CallbackConfig::allow_non_loopback`] is set by whoever
//! starts the emulator (in Rust, in the world file or with
//! `--callback-allow-non-loopback`; never over the emulator's HTTP
//! endpoints).
//!
//! # The emulator's choices
//!
//! The service does not publish every member in a form this project holds,
//! so some values are the emulator's own:
//!
//! - `FlowStatusChange`: `CallbackType` is `"flow"`; `Operate` is `"start"`,
//!   `"sign"`, `"reject"`, `"cancel"` or `"expire"`; `RecipientId` is the
//!   signer who acted (else the first); `FlowType` and `UserId` are left
//!   out (the person who scans has no user id); `Approvers` lists every
//!   signer: `{"ApproverType": "PERSON" or "ORGANIZATION", "RecipientId",
//!   "ApproveName", "OrganizationName"?, "ApproveStatus"}` (`2` waiting,
//!   `3` signed, `4` refused, `5` expired, `6` ended), with `ApproveTime`
//!   once they acted and `ApproveMessage` with a refusal's reason.
//! - `MultiFlowSignQrCodeCost`: `{"QrCodeId", "FlowId", "FlowName",
//!   "TemplateId", "CreateOn", "UserData"}` (`UserData` when the code has
//!   one).
//! - `CreateFlowByQrCode`: `{"QrCodeId", "TemplateId", "FlowName",
//!   "ApproverName", "ApproverMobile"` (masked, `138****9527`)`,
//!   "ErrorCode": "OperationDenied.NoQuota", "ErrorMessage", "CreateOn",
//!   "UserData"}`.

mod delivery;
pub(crate) mod messages;
mod target;

use std::fmt;
use std::time::Duration;

use serde::Serialize;

pub use ess_api::callback::{EncryptedForm, SignatureForm};

pub(crate) use delivery::{run_dispatcher, Hub};
pub(crate) use target::Target;

/// The attempts per message unless configured: 5.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// The most attempts per message that can be configured: 100.
pub const MAX_ATTEMPTS: u32 = 100;
/// The pause after the first failed attempt unless configured: 250 ms.
pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_millis(250);
/// The longest pause between two attempts: 30 s (the pause doubles after
/// each failure up to this).
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long one attempt may take unless configured (connecting, sending,
/// and receiving the status line): 5 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest attempt that can be configured: 5 minutes.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);
/// How many deliveries are kept; older ones are dropped first.
pub const MAX_DELIVERIES: usize = 10_000;
/// The `MsgVersion` of every message.
pub const MSG_VERSION: &str = "1.0";

/// Where and how the emulator posts callbacks.
///
/// ```
/// use std::time::Duration;
/// use ess_emulator::callbacks::{CallbackConfig, EncryptedForm, SignatureForm};
///
/// let config = CallbackConfig::new("http://127.0.0.1:9000/ess/callback")
///     .with_key("0123456789abcdef0123456789abcdef")
///     .with_token("signature-token")
///     .with_form(EncryptedForm::Bare)
///     .with_signature_form(SignatureForm::Query)
///     .with_max_attempts(3)
///     .with_retry_backoff(Duration::from_millis(20));
/// assert!(config.check().is_ok());
/// // Secrets never appear in Debug output.
/// assert!(!format!("{config:?}").contains("signature-token"));
/// ```
///
/// Its `Debug` output shows whether a key and a token are set, never their
/// value.
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackConfig {
    /// The receiver: `http://host[:port][/path][?query]`, the host a
    /// loopback address or `localhost` unless
    /// [`allow_non_loopback`](Self::allow_non_loopback).
    pub url: String,
    /// The callback key (exactly 32 bytes; the console's is 32 ASCII
    /// characters): bodies are encrypted when set.
    pub key: Option<String>,
    /// The signature token: requests are signed, in
    /// [`signature_form`](Self::signature_form), when given.
    pub token: Option<String>,
    /// How encrypted bodies are presented (wrapped by default).
    pub form: EncryptedForm,
    /// How requests are signed when there is a token: the
    /// `Content-Signature` header (the default), the `timestamp`, `nonce`
    /// and `msg_signature` query parameters (which need a key), or both.
    pub signature_form: SignatureForm,
    /// Attempts per message, 1 to [`MAX_ATTEMPTS`] (default
    /// [`DEFAULT_MAX_ATTEMPTS`]).
    pub max_attempts: u32,
    /// The pause after the first failed attempt; it doubles after each
    /// further failure, up to [`MAX_BACKOFF`] (default
    /// [`DEFAULT_RETRY_BACKOFF`]).
    pub retry_backoff: Duration,
    /// How long one attempt may take, more than zero and at most
    /// [`MAX_TIMEOUT`] (default [`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
    /// Whether the URL may name a host that is not a loopback address.
    /// Off by default, so that tests never post anywhere but this machine.
    pub allow_non_loopback: bool,
}

impl Default for CallbackConfig {
    /// No URL (which [`check`](Self::check) refuses), no key, no token, the
    /// wrapped form and the default attempts, backoff and timeout.
    fn default() -> Self {
        Self {
            url: String::new(),
            key: None,
            token: None,
            form: EncryptedForm::Wrapped,
            signature_form: SignatureForm::ContentSignature,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            retry_backoff: DEFAULT_RETRY_BACKOFF,
            timeout: DEFAULT_TIMEOUT,
            allow_non_loopback: false,
        }
    }
}

impl fmt::Debug for CallbackConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackConfig")
            .field("url", &self.url)
            .field("key", &self.key.as_ref().map(|_| Redacted))
            .field("token", &self.token.as_ref().map(|_| Redacted))
            .field("form", &self.form)
            .field("signature_form", &self.signature_form)
            .field("max_attempts", &self.max_attempts)
            .field("retry_backoff", &self.retry_backoff)
            .field("timeout", &self.timeout)
            .field("allow_non_loopback", &self.allow_non_loopback)
            .finish()
    }
}

/// Stands for a secret in `Debug` output.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl CallbackConfig {
    /// Plain (unencrypted, unsigned) callbacks to `url`, with the default
    /// attempts, backoff and timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }

    /// Encrypts bodies with this key (32 bytes).
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Signs bodies with this token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Presents encrypted bodies in this form.
    pub fn with_form(mut self, form: EncryptedForm) -> Self {
        self.form = form;
        self
    }

    /// Signs in this form when there is a token.
    pub fn with_signature_form(mut self, form: SignatureForm) -> Self {
        self.signature_form = form;
        self
    }

    /// Gives up on a message after this many attempts.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Pauses this long after the first failed attempt (then twice as long
    /// each time).
    pub fn with_retry_backoff(mut self, backoff: Duration) -> Self {
        self.retry_backoff = backoff;
        self
    }

    /// Lets one attempt take this long.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Allows (or again refuses) a URL whose host is not a loopback address.
    pub fn allow_non_loopback(mut self, allow: bool) -> Self {
        self.allow_non_loopback = allow;
        self
    }

    /// Checks every rule: a valid `http://` URL with a loopback host (unless
    /// allowed otherwise), a key of 32 bytes, a key when a token signs in the
    /// query form, attempts from 1 to
    /// [`MAX_ATTEMPTS`], a backoff of at most [`MAX_BACKOFF`], a timeout
    /// above zero and at most [`MAX_TIMEOUT`].
    pub fn check(&self) -> Result<(), CallbackConfigError> {
        self.prepare().map(|_| ())
    }

    /// Checks the configuration and builds what delivery needs.
    pub(crate) fn prepare(
        &self,
    ) -> Result<(Target, ess_api::callback::CallbackEncoder), CallbackConfigError> {
        let target = Target::parse(&self.url, self.allow_non_loopback)?;
        if !(1..=MAX_ATTEMPTS).contains(&self.max_attempts) {
            return Err(CallbackConfigError::MaxAttempts {
                value: self.max_attempts,
            });
        }
        if self.retry_backoff > MAX_BACKOFF {
            return Err(CallbackConfigError::Backoff {
                value: self.retry_backoff,
            });
        }
        if self.timeout.is_zero() || self.timeout > MAX_TIMEOUT {
            return Err(CallbackConfigError::Timeout {
                value: self.timeout,
            });
        }
        if self.token.is_some() && self.signature_form.uses_query() && self.key.is_none() {
            return Err(CallbackConfigError::QuerySignatureNeedsKey);
        }
        let mut encoder = ess_api::callback::CallbackEncoder::new()
            .with_form(self.form)
            .with_signature_form(self.signature_form);
        if let Some(key) = &self.key {
            encoder = encoder
                .with_key(key.as_bytes())
                .map_err(|e| CallbackConfigError::KeyLength { len: e.len })?;
        }
        if let Some(token) = &self.token {
            encoder = encoder.with_token(token.as_bytes());
        }
        Ok((target, encoder))
    }

    /// What `GET /_emulator/callbacks` shows: everything but the secrets.
    pub(crate) fn view(&self) -> ConfigView {
        ConfigView {
            url: self.url.clone(),
            encrypted: self.key.is_some(),
            signed: self.token.is_some(),
            encrypted_form: form_name(self.form),
            signature_form: signature_form_name(self.signature_form),
            max_attempts: self.max_attempts,
            retry_backoff_ms: millis(self.retry_backoff),
            timeout_ms: millis(self.timeout),
            allow_non_loopback: self.allow_non_loopback,
        }
    }
}

/// `wrapped` or `bare`, as world files and the HTTP endpoint write it.
pub(crate) fn form_name(form: EncryptedForm) -> &'static str {
    match form {
        EncryptedForm::Bare => "bare",
        _ => "wrapped",
    }
}

/// The form named `wrapped` or `bare`.
pub(crate) fn form_from_name(name: &str) -> Option<EncryptedForm> {
    match name {
        "wrapped" => Some(EncryptedForm::Wrapped),
        "bare" => Some(EncryptedForm::Bare),
        _ => None,
    }
}

/// `header`, `query` or `both`, as world files write it.
pub(crate) fn signature_form_name(form: SignatureForm) -> &'static str {
    match form {
        SignatureForm::Query => "query",
        SignatureForm::Both => "both",
        _ => "header",
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The configuration without its secrets.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ConfigView {
    url: String,
    encrypted: bool,
    signed: bool,
    encrypted_form: &'static str,
    signature_form: &'static str,
    max_attempts: u32,
    retry_backoff_ms: u64,
    timeout_ms: u64,
    allow_non_loopback: bool,
}

/// Why a callback configuration was refused. Never carries the key or the
/// token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackConfigError {
    /// The URL is not a plain `http://` URL the emulator can post to.
    #[error("callback URL {url:?}: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL's host is not a loopback address or `localhost`, and
    /// non-loopback hosts are not allowed.
    #[error(
        "callback URL {url:?}: {host} is not a loopback address; \
         only 127.0.0.0/8, ::1 and localhost are allowed unless non-loopback hosts are explicitly allowed"
    )]
    NotLoopback {
        /// The URL.
        url: String,
        /// Its host.
        host: String,
    },
    /// The key is not 32 bytes long.
    #[error("a callback key must be exactly 32 bytes, this one has {len}")]
    KeyLength {
        /// Its length in bytes.
        len: usize,
    },
    /// A token signs in the query form (alone or with the header), but
    /// there is no key: the query signature covers the encrypted body.
    #[error(
        "the query signature form signs the encrypted body's `encrypt` value: it needs a callback key"
    )]
    QuerySignatureNeedsKey,
    /// The attempts are not from 1 to [`MAX_ATTEMPTS`].
    #[error("callback attempts must be from 1 to {MAX_ATTEMPTS}, not {value}")]
    MaxAttempts {
        /// The value given.
        value: u32,
    },
    /// The backoff is longer than [`MAX_BACKOFF`].
    #[error("the callback retry backoff must be at most {MAX_BACKOFF:?}, not {value:?}")]
    Backoff {
        /// The value given.
        value: Duration,
    },
    /// The timeout is zero or longer than [`MAX_TIMEOUT`].
    #[error("the callback timeout must be above zero and at most {MAX_TIMEOUT:?}, not {value:?}")]
    Timeout {
        /// The value given.
        value: Duration,
    },
}

/// Where a message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DeliveryStatus {
    /// Queued, being posted, or waiting to be posted again.
    Pending,
    /// The receiver answered HTTP 200.
    Delivered,
    /// Every attempt failed; the emulator gave up.
    Failed,
}

/// One attempt to post a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct DeliveryAttempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// When it started, emulator time in Unix seconds.
    pub at: u64,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why no answer came (connection refused, timeout, ...), when none did.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub elapsed_ms: u64,
}

impl DeliveryAttempt {
    /// Whether the receiver answered HTTP 200.
    pub fn succeeded(&self) -> bool {
        self.status == Some(200)
    }
}

/// One message and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct CallbackDelivery {
    /// Number of the delivery, from 1, in the order messages were queued.
    pub id: u64,
    /// The message's `MsgId` (the same for every attempt).
    pub msg_id: String,
    /// Its `MsgType`.
    pub msg_type: String,
    /// The contract it is about, if any.
    pub flow_id: Option<String>,
    /// The QR code it comes from, if any.
    pub qr_code_id: Option<String>,
    /// Sequence number of the [`Event`](crate::Event) it reports.
    pub event_seq: u64,
    /// Where it is posted.
    pub url: String,
    /// Whether the body is encrypted.
    pub encrypted: bool,
    /// Whether it is signed (a token is configured), in the configuration's
    /// [`SignatureForm`].
    pub signed: bool,
    /// The message as JSON, before encryption:
    /// `{"MsgId", "MsgType", "MsgVersion", "MsgData"}`. Decode it with
    /// [`ess_api::callback::Callback::from_value`].
    pub message: serde_json::Value,
    /// The attempts so far, oldest first.
    pub attempts: Vec<DeliveryAttempt>,
    /// Where it stands.
    pub status: DeliveryStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets_and_checks_apply() {
        let config = CallbackConfig::new("http://127.0.0.1:1/cb")
            .with_key("k".repeat(32))
            .with_token("the-token");
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("kkkk") && !debug.contains("the-token"),
            "{debug}"
        );
        assert!(debug.contains("<redacted>"));
        assert!(config.check().is_ok());
        let view = serde_json::to_string(&config.view()).unwrap();
        assert!(
            !view.contains("kkkk") && !view.contains("the-token"),
            "{view}"
        );

        let bad = |c: CallbackConfig| c.check().unwrap_err();
        assert_eq!(
            bad(config.clone().with_key("short")),
            CallbackConfigError::KeyLength { len: 5 }
        );
        assert!(!bad(config.clone().with_key("x".repeat(31)))
            .to_string()
            .contains("xxx"));
        assert_eq!(
            bad(config.clone().with_max_attempts(0)),
            CallbackConfigError::MaxAttempts { value: 0 }
        );
        assert!(matches!(
            bad(config.clone().with_max_attempts(MAX_ATTEMPTS + 1)),
            CallbackConfigError::MaxAttempts { .. }
        ));
        assert!(matches!(
            bad(config.clone().with_timeout(Duration::ZERO)),
            CallbackConfigError::Timeout { .. }
        ));
        assert!(matches!(
            bad(config.clone().with_retry_backoff(MAX_BACKOFF * 2)),
            CallbackConfigError::Backoff { .. }
        ));
        assert!(matches!(
            bad(CallbackConfig::default()),
            CallbackConfigError::Url { .. }
        ));
    }

    #[test]
    fn form_names() {
        for form in [EncryptedForm::Wrapped, EncryptedForm::Bare] {
            assert_eq!(form_from_name(form_name(form)), Some(form));
        }
        assert_eq!(form_from_name("Wrapped"), None);
        let names = [
            SignatureForm::ContentSignature,
            SignatureForm::Query,
            SignatureForm::Both,
        ]
        .map(signature_form_name);
        assert_eq!(names, ["header", "query", "both"]);
    }

    #[test]
    fn the_query_form_needs_a_key_when_it_signs() {
        let base = CallbackConfig::new("http://127.0.0.1:1/cb");
        for form in [SignatureForm::Query, SignatureForm::Both] {
            let signing = base.clone().with_token("t").with_signature_form(form);
            assert_eq!(
                signing.check(),
                Err(CallbackConfigError::QuerySignatureNeedsKey)
            );
            assert!(signing.clone().with_key("k".repeat(32)).check().is_ok());
            // Without a token nothing is signed, whatever the form.
            assert!(base.clone().with_signature_form(form).check().is_ok());
        }
        assert!(base.with_token("t").check().is_ok());
        let view = serde_json::to_value(
            CallbackConfig::new("http://127.0.0.1:1/cb")
                .with_signature_form(SignatureForm::Both)
                .view(),
        )
        .unwrap();
        assert_eq!(view["SignatureForm"], "both");
    }
}

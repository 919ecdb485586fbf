//! What can go wrong while configuring a decoder or decoding a callback.

use std::fmt;

/// A callback key that is not exactly 32 bytes long.
///
/// The service derives AES-256 from the key's 32 bytes and uses its first 16
/// as the IV, so no other length can be right. The key itself is never part
/// of this error, only its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidKeyLength {
    /// The length that was given, in bytes.
    pub len: usize,
}

impl fmt::Display for InvalidKeyLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a callback key must be exactly 32 bytes, this one has {}",
            self.len
        )
    }
}

impl std::error::Error for InvalidKeyLength {}

/// Why a callback body was rejected.
///
/// None of these carries the key, the token or the decrypted content of a
/// message, so they are safe to log. [`CallbackError::is_authentication`]
/// tells the errors that mean "not from the service" (answer 401) from those
/// that mean "from the service but unreadable" (answer 400).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The body is longer than the decoder accepts.
    #[error("callback body of {len} bytes exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// Length of the body, in bytes.
        len: usize,
        /// The configured limit, in bytes.
        limit: usize,
    },
    /// A token is configured but the request is signed in neither form: no
    /// `Content-Signature` header, and no `msg_signature` query parameter.
    #[error(
        "missing signature: neither a Content-Signature header nor a msg_signature query parameter"
    )]
    MissingSignature,
    /// The `Content-Signature` header is not `sha256=` followed by 64
    /// hexadecimal digits, or appears more than once with different values.
    #[error("malformed Content-Signature header: {reason}")]
    MalformedSignature {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature does not match the body: the body was altered, or the
    /// request was not signed with the configured token.
    #[error("Content-Signature does not match the body")]
    BadSignature,
    /// The query string has `msg_signature`, but it or its companions
    /// `timestamp` and `nonce` are missing, empty, malformed, or given twice
    /// with different values.
    #[error("malformed query signature: `{parameter}` {reason}")]
    MalformedQuerySignature {
        /// The parameter at fault: `timestamp`, `nonce` or `msg_signature`.
        parameter: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `msg_signature` does not match the token, `timestamp`, `nonce` and
    /// the body's `encrypt` value: one of them was altered, or the request
    /// was not signed with the configured token.
    #[error("msg_signature does not match the timestamp, nonce and encrypted body")]
    BadQuerySignature,
    /// The query string has `msg_signature`, which covers the body's
    /// `encrypt` value, but the body has none (it is empty, a plain JSON
    /// message, or a JSON object without a string `encrypt`).
    #[error("msg_signature covers the body's `encrypt` value, but the body {reason}")]
    NoEncryptValue {
        /// What the body is instead.
        reason: &'static str,
    },
    /// The query signature is right but its `timestamp` is further from the
    /// receiver's clock than the decoder allows: an old request replayed, or
    /// clocks far apart.
    #[error(
        "timestamp {timestamp} is {distance} s from the receiver's time {now}, \
         outside the allowed window of {window_secs} s"
    )]
    TimestampOutOfWindow {
        /// The request's `timestamp`, in seconds since 1970.
        timestamp: u64,
        /// The receiver's time, in seconds since 1970.
        now: u64,
        /// How far apart they are, in seconds.
        distance: u64,
        /// The largest distance allowed, in seconds.
        window_secs: u64,
    },
    /// The body is encrypted (`{"encrypt": ...}`) but no key is configured.
    #[error("the callback is encrypted but no callback key is configured")]
    KeyRequired,
    /// A key is configured but the body is a plain JSON message; an
    /// unencrypted body is refused so that encryption cannot be bypassed.
    #[error("a callback key is configured but the callback is not encrypted")]
    NotEncrypted,
    /// The encrypted text is not valid base64.
    #[error("encrypted callback is not valid base64: {reason}")]
    InvalidBase64 {
        /// What the base64 decoder found.
        reason: String,
    },
    /// The decoded ciphertext is empty or not a whole number of 16-byte
    /// blocks (for instance, it was truncated).
    #[error("ciphertext of {len} bytes is not a non-empty multiple of 16 bytes")]
    CiphertextLength {
        /// Length of the decoded ciphertext, in bytes.
        len: usize,
    },
    /// Decryption left invalid PKCS#7 padding: the key is not the one the
    /// service used, or the ciphertext was corrupted.
    ///
    /// A wrong key usually ends here; about one time in 256 its garbage
    /// happens to end in valid padding and the failure shows up as
    /// [`CallbackError::NotUtf8`] or [`CallbackError::Json`] instead.
    #[error("callback decryption failed (wrong key or corrupted ciphertext)")]
    Decryption,
    /// The message (after decryption, when encrypted) is not UTF-8.
    #[error("callback message is not UTF-8 (valid up to byte {valid_up_to})")]
    NotUtf8 {
        /// Length of the longest valid UTF-8 prefix.
        valid_up_to: usize,
    },
    /// The message (or the `{"encrypt": ...}` wrapper) is not valid JSON.
    #[error("callback is not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// The JSON is valid but not shaped like a callback message: not an
    /// object, `MsgType` missing, `MsgData` of the wrong type, a member of
    /// the wrong type, ...
    #[error("callback message has an unexpected shape: {reason}")]
    Shape {
        /// What was expected and what was found.
        reason: String,
    },
}

impl CallbackError {
    /// Whether the request failed authentication (a signature missing,
    /// malformed or wrong in either form, nothing for `msg_signature` to
    /// cover, or a timestamp outside the window): it may not come from the
    /// service at all, or not now.
    pub fn is_authentication(&self) -> bool {
        matches!(
            self,
            Self::MissingSignature
                | Self::MalformedSignature { .. }
                | Self::BadSignature
                | Self::MalformedQuerySignature { .. }
                | Self::BadQuerySignature
                | Self::NoEncryptValue { .. }
                | Self::TimestampOutOfWindow { .. }
        )
    }

    /// Whether a rightly signed query carried a timestamp outside the
    /// allowed window ([`CallbackError::TimestampOutOfWindow`]).
    pub fn is_replay(&self) -> bool {
        matches!(self, Self::TimestampOutOfWindow { .. })
    }

    /// Whether decryption failed: bad base64, a ciphertext of the wrong
    /// length, or invalid padding (usually a wrong key).
    pub fn is_decryption(&self) -> bool {
        matches!(
            self,
            Self::InvalidBase64 { .. } | Self::CiphertextLength { .. } | Self::Decryption
        )
    }

    pub(crate) fn shape(reason: impl Into<String>) -> Self {
        Self::Shape {
            reason: reason.into(),
        }
    }
}

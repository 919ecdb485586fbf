//! Verification, decryption and their reverse.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::error::{CallbackError, InvalidKeyLength};
use super::event::{kind, Callback};
use super::query::{self, QuerySignature, DEFAULT_TIMESTAMP_WINDOW, ENCRYPT_MEMBER};
use crate::client::{Clock, SystemClock};
use crate::types::CallbackMessage;

/// Name of the header that carries the body's signature.
pub const CONTENT_SIGNATURE: &str = "Content-Signature";

/// The body size a [`CallbackDecoder`] accepts unless told otherwise: 1 MiB.
pub const DEFAULT_MAX_BODY_LEN: usize = 1 << 20;

/// Prefix of the `Content-Signature` value.
const SIGNATURE_PREFIX: &str = "sha256=";

type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;
type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type HmacSha256 = Hmac<Sha256>;

/// Base64 as the service writes it; missing padding and line breaks are
/// tolerated on input.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The 32-byte callback key, wiped from memory when dropped.
#[derive(Clone)]
struct Key(Zeroizing<[u8; 32]>);

impl Key {
    fn new(key: &[u8]) -> Result<Self, InvalidKeyLength> {
        let bytes: [u8; 32] = key
            .try_into()
            .map_err(|_| InvalidKeyLength { len: key.len() })?;
        Ok(Self(Zeroizing::new(bytes)))
    }

    /// The IV: the key's first 16 bytes.
    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.0[..16]);
        iv
    }

    fn decrypt(&self, mut ciphertext: Vec<u8>) -> Result<Vec<u8>, CallbackError> {
        if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
            return Err(CallbackError::CiphertextLength {
                len: ciphertext.len(),
            });
        }
        let len = Aes256CbcDec::new((&*self.0).into(), &self.iv().into())
            .decrypt_padded_mut::<Pkcs7>(&mut ciphertext)
            .map_err(|_| CallbackError::Decryption)?
            .len();
        ciphertext.truncate(len);
        Ok(ciphertext)
    }

    fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        Aes256CbcEnc::new((&*self.0).into(), &self.iv().into())
            .encrypt_padded_vec_mut::<Pkcs7>(plaintext)
    }
}

/// The signature token, wiped from memory when dropped.
#[derive(Clone)]
struct Token(Zeroizing<Vec<u8>>);

impl Token {
    fn new(token: &[u8]) -> Self {
        Self(Zeroizing::new(token.to_vec()))
    }

    fn mac(&self, body: &[u8]) -> HmacSha256 {
        let mut mac = match <HmacSha256 as Mac>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            // HMAC is defined for keys of every length; the error cannot occur.
            Err(_) => unreachable!("HMAC-SHA256 accepts keys of any length"),
        };
        mac.update(body);
        mac
    }

    fn sign(&self, body: &[u8]) -> String {
        format!(
            "{SIGNATURE_PREFIX}{}",
            hex::encode(self.mac(body).finalize().into_bytes())
        )
    }

    /// Checks `expected` against the body's HMAC in constant time.
    fn verify(&self, body: &[u8], expected: &[u8; 32]) -> Result<(), CallbackError> {
        self.mac(body)
            .verify_slice(expected)
            .map_err(|_| CallbackError::BadSignature)
    }

    /// The query string signing a body whose `encrypt` value is `encrypt`.
    fn sign_query(&self, timestamp: u64, nonce: &str, encrypt: &[u8]) -> String {
        query::sign(&self.0, timestamp, nonce, encrypt)
    }
}

/// Stands for a secret in `Debug` output.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Which proof of origin a [`CallbackDecoder`] checked on a request.
///
/// The service signs in one of two forms (or both): the
/// `Content-Signature` header, an HMAC-SHA256 of the whole body, or the
/// `timestamp`, `nonce` and `msg_signature` query parameters, a SHA-1 over
/// the token, those two values and the body's `encrypt` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureCheck {
    /// The decoder has no token: nothing was checked. It was built for
    /// unsigned callbacks.
    Unchecked,
    /// The `Content-Signature` header was checked.
    ContentSignature,
    /// The query signature was checked, and its timestamp is within the
    /// decoder's window.
    Query {
        /// The request's `timestamp`, in seconds since 1970.
        timestamp: u64,
    },
    /// Both forms were present, and both were checked.
    ContentSignatureAndQuery {
        /// The request's `timestamp`, in seconds since 1970.
        timestamp: u64,
    },
}

impl SignatureCheck {
    /// Whether a signature was checked (the decoder has a token).
    pub fn is_verified(&self) -> bool {
        !matches!(self, Self::Unchecked)
    }

    /// The query signature's timestamp, when that form was checked.
    pub fn timestamp(&self) -> Option<u64> {
        match self {
            Self::Query { timestamp } | Self::ContentSignatureAndQuery { timestamp } => {
                Some(*timestamp)
            }
            Self::Unchecked | Self::ContentSignature => None,
        }
    }
}

/// A decoded callback and the signature check it passed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ReceivedCallback {
    /// The message.
    pub callback: Callback,
    /// What proved it comes from the service.
    pub signature: SignatureCheck,
}

/// Verifies, decrypts and decodes the callbacks the service posts.
///
/// Configure it once with the organization's callback settings and share it
/// (it is cheap to clone and holds no state between calls):
///
/// ```
/// use ess_api::callback::{CallbackDecoder, CallbackEvent};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let decoder = CallbackDecoder::new()
///     .with_key("0123456789abcdef0123456789abcdef")? // the 32-byte callback key
///     .with_token("signature-token"); //               the signature token
/// # let encoder = ess_api::callback::CallbackEncoder::new()
/// #     .with_key("0123456789abcdef0123456789abcdef")?
/// #     .with_token("signature-token");
/// # let sent = encoder.encode_json(br#"{"MsgId":"m1","MsgType":"FlowStatusChange","MsgData":{"FlowId":"f1","FlowCallbackStatus":4}}"#);
/// # let (body, headers, query) = (sent.body.clone(), sent.headers(), sent.query.clone());
/// // `body` is the raw request body, `headers` the request's headers and
/// // `query` its query string (`timestamp=...&nonce=...&msg_signature=...`),
/// // if any.
/// let received = decoder.decode_request(&body, headers, query.as_deref())?;
/// if let CallbackEvent::FlowStatusChange(data) = &received.callback.event {
///     println!("{} is now {:?}", data.flow_id, data.flow_callback_status);
/// }
/// println!("verified by {:?}", received.signature);
/// # Ok(())
/// # }
/// ```
///
/// With a token, every request must carry a signature in one of the two
/// forms (see [`SignatureCheck`]); a form that is present must be right,
/// so a request with both is checked twice. A query signature's timestamp
/// must also be within [`timestamp_window`](Self::timestamp_window) of the
/// decoder's clock. Without a token, nothing is checked.
///
/// Its `Debug` output shows whether a key and a token are set, never their
/// value.
#[derive(Clone)]
pub struct CallbackDecoder {
    key: Option<Key>,
    token: Option<Token>,
    max_body_len: usize,
    timestamp_window: Duration,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for CallbackDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackDecoder")
            .field("key", &self.key.as_ref().map(|_| Redacted))
            .field("token", &self.token.as_ref().map(|_| Redacted))
            .field("max_body_len", &self.max_body_len)
            .field("timestamp_window", &self.timestamp_window)
            .finish_non_exhaustive()
    }
}

impl Default for CallbackDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl CallbackDecoder {
    /// A decoder for unencrypted, unsigned callbacks, accepting bodies up to
    /// [`DEFAULT_MAX_BODY_LEN`] and query timestamps within
    /// [`DEFAULT_TIMESTAMP_WINDOW`] of the system clock.
    pub fn new() -> Self {
        Self {
            key: None,
            token: None,
            max_body_len: DEFAULT_MAX_BODY_LEN,
            timestamp_window: DEFAULT_TIMESTAMP_WINDOW,
            clock: Arc::new(SystemClock),
        }
    }

    /// Expects encrypted bodies, decrypted with this callback key, which
    /// must be exactly 32 bytes (the key shown in the console is 32 ASCII
    /// characters: pass it as a string).
    ///
    /// With a key set, a plain JSON body is refused
    /// ([`CallbackError::NotEncrypted`]).
    pub fn with_key(mut self, key: impl AsRef<[u8]>) -> Result<Self, InvalidKeyLength> {
        self.key = Some(Key::new(key.as_ref())?);
        Ok(self)
    }

    /// Expects every request to be signed with this token, in either form:
    /// the `Content-Signature` header, or the `timestamp`, `nonce` and
    /// `msg_signature` query parameters.
    ///
    /// The token should be a long random secret: an empty or guessable one
    /// lets anybody sign.
    pub fn with_token(mut self, token: impl AsRef<[u8]>) -> Self {
        self.token = Some(Token::new(token.as_ref()));
        self
    }

    /// Refuses bodies longer than `len` bytes
    /// ([`CallbackError::BodyTooLarge`]) before doing anything else with them.
    pub fn with_max_body_len(mut self, len: usize) -> Self {
        self.max_body_len = len;
        self
    }

    /// Refuses a query signature whose `timestamp` is further than `window`
    /// from the decoder's clock, in the past or the future
    /// ([`CallbackError::TimestampOutOfWindow`]); whole seconds count.
    ///
    /// This is what stops a recorded request from being replayed later.
    /// The default, [`DEFAULT_TIMESTAMP_WINDOW`], tolerates clocks a few
    /// minutes apart; `Duration::MAX` turns the check off. The
    /// `Content-Signature` form carries no time and is not affected.
    pub fn with_timestamp_window(mut self, window: Duration) -> Self {
        self.timestamp_window = window;
        self
    }

    /// Reads the time from `clock` instead of the system clock (for the
    /// timestamp window; meant for tests, and for receivers whose notion of
    /// now is not the system's).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The longest body accepted, in bytes.
    pub fn max_body_len(&self) -> usize {
        self.max_body_len
    }

    /// How far a query signature's timestamp may be from the clock.
    pub fn timestamp_window(&self) -> Duration {
        self.timestamp_window
    }

    /// Whether a callback key is set (bodies must be encrypted).
    pub fn has_key(&self) -> bool {
        self.key.is_some()
    }

    /// Whether a token is set (requests must be signed).
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Decodes a request: its raw body, its headers as `(name, value)` pairs
    /// (names compared without regard to case; an `http::HeaderMap` can be
    /// passed by reference as it is) and its query string, if any (the part
    /// of the URL after `?`, as received).
    ///
    /// In order: refuses an oversized body; when a token is set, reads the
    /// signature forms present and checks each of them (the header over the
    /// raw body, the query signature over the body's `encrypt` value, then
    /// its timestamp against the window), refusing a request with neither;
    /// when a key is set, decodes the base64 (bare, or in
    /// `{"encrypt": ...}`) and decrypts it; then decodes the JSON message and
    /// types its event. The answer says which form was checked.
    pub fn decode_request<I, N, V>(
        &self,
        body: &[u8],
        headers: I,
        query: Option<&str>,
    ) -> Result<ReceivedCallback, CallbackError>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: AsRef<[u8]>,
    {
        self.check_size(body)?;
        let content_signature = find_signature(headers)?;
        let query = match (&self.token, query) {
            (Some(_), Some(query)) => QuerySignature::from_query(query)?,
            _ => None,
        };
        let signature = self.authenticate(body, content_signature.as_deref(), query.as_ref())?;
        let callback = self.open_checked(body)?;
        Ok(ReceivedCallback {
            callback,
            signature,
        })
    }

    /// Decodes a request from its raw body and headers, without a query
    /// string: only the `Content-Signature` form can be checked.
    ///
    /// See [`decode_request`](Self::decode_request), which also takes the
    /// query string and says which form was checked.
    pub fn decode<I, N, V>(&self, body: &[u8], headers: I) -> Result<Callback, CallbackError>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: AsRef<[u8]>,
    {
        self.decode_request(body, headers, None).map(|r| r.callback)
    }

    /// Decodes a request from its raw body and the value of its
    /// `Content-Signature` header, if any.
    ///
    /// In order: refuses an oversized body; when a token is set, checks the
    /// signature over the raw body (before anything else reads it); when a
    /// key is set, decodes the base64 (bare, or in `{"encrypt": ...}`) and
    /// decrypts it; then decodes the JSON message and types its event.
    pub fn decode_with_signature(
        &self,
        body: &[u8],
        content_signature: Option<&str>,
    ) -> Result<Callback, CallbackError> {
        self.check_size(body)?;
        self.authenticate(body, content_signature, None)?;
        self.open_checked(body)
    }

    /// Checks the size and the signature of a body, and decrypts it when a
    /// key is set: the JSON text of the message, not decoded further.
    pub fn open(
        &self,
        body: &[u8],
        content_signature: Option<&str>,
    ) -> Result<Vec<u8>, CallbackError> {
        self.check_size(body)?;
        self.authenticate(body, content_signature, None)?;
        self.decrypt(body)
    }

    /// Decrypts (when a key is set) and decodes a body already checked.
    fn open_checked(&self, body: &[u8]) -> Result<Callback, CallbackError> {
        match self.key {
            Some(_) => Callback::from_json(&self.decrypt(body)?),
            None => decode_plain(body),
        }
    }

    /// The JSON text of a body already checked: decrypted when a key is set.
    fn decrypt(&self, body: &[u8]) -> Result<Vec<u8>, CallbackError> {
        let Some(key) = &self.key else {
            if is_encrypted(body) {
                return Err(CallbackError::KeyRequired);
            }
            return Ok(body.to_vec());
        };
        let text = ciphertext_text(body)?;
        let compact: Vec<u8> = text
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let ciphertext =
            LENIENT_BASE64
                .decode(&compact)
                .map_err(|e| CallbackError::InvalidBase64 {
                    reason: e.to_string(),
                })?;
        key.decrypt(ciphertext)
    }

    fn check_size(&self, body: &[u8]) -> Result<(), CallbackError> {
        if body.len() > self.max_body_len {
            return Err(CallbackError::BodyTooLarge {
                len: body.len(),
                limit: self.max_body_len,
            });
        }
        Ok(())
    }

    /// Checks every signature form present when a token is set.
    fn authenticate(
        &self,
        body: &[u8],
        content_signature: Option<&str>,
        query: Option<&QuerySignature>,
    ) -> Result<SignatureCheck, CallbackError> {
        let Some(token) = &self.token else {
            return Ok(SignatureCheck::Unchecked);
        };
        if content_signature.is_none() && query.is_none() {
            return Err(CallbackError::MissingSignature);
        }
        if let Some(header) = content_signature {
            token.verify(body, &parse_signature(header)?)?;
        }
        let Some(query) = query else {
            return Ok(SignatureCheck::ContentSignature);
        };
        let encrypt = query::encrypt_value(body)?;
        if !query.matches(&token.0, &encrypt) {
            return Err(CallbackError::BadQuerySignature);
        }
        let now = self.clock.now_unix();
        let distance = now.abs_diff(query.timestamp());
        let window_secs = self.timestamp_window.as_secs();
        if distance > window_secs {
            return Err(CallbackError::TimestampOutOfWindow {
                timestamp: query.timestamp(),
                now,
                distance,
                window_secs,
            });
        }
        let timestamp = query.timestamp();
        Ok(match content_signature {
            Some(_) => SignatureCheck::ContentSignatureAndQuery { timestamp },
            None => SignatureCheck::Query { timestamp },
        })
    }
}

/// An unencrypted body: the JSON message itself.
fn decode_plain(body: &[u8]) -> Result<Callback, CallbackError> {
    let text = std::str::from_utf8(body).map_err(|e| CallbackError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(_) if is_bare_base64(body.trim_ascii()) => return Err(CallbackError::KeyRequired),
        Err(e) => return Err(CallbackError::Json(e)),
    };
    if let Value::Object(map) = &value {
        if map.contains_key(ENCRYPT_MEMBER) && !map.contains_key("MsgId") {
            return Err(CallbackError::KeyRequired);
        }
    }
    Callback::from_value(value)
}

/// Whether an unencrypted decoder is looking at an encrypted body.
fn is_encrypted(body: &[u8]) -> bool {
    let trimmed = body.trim_ascii();
    if trimmed.first() == Some(&b'{') {
        matches!(
            serde_json::from_slice::<Value>(trimmed),
            Ok(Value::Object(map)) if map.contains_key(ENCRYPT_MEMBER) && !map.contains_key("MsgId")
        )
    } else {
        is_bare_base64(trimmed)
    }
}

/// Non-empty, and only base64 characters and line breaks.
fn is_bare_base64(text: &[u8]) -> bool {
    !text.is_empty()
        && text
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\r' | b'\n'))
}

/// The base64 text of an encrypted body, bare or wrapped.
fn ciphertext_text(body: &[u8]) -> Result<Vec<u8>, CallbackError> {
    let trimmed = body.trim_ascii();
    if trimmed.first() != Some(&b'{') {
        return Ok(trimmed.to_vec());
    }
    let text = std::str::from_utf8(trimmed).map_err(|e| CallbackError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    let value: Value = serde_json::from_str(text).map_err(CallbackError::Json)?;
    let Value::Object(mut map) = value else {
        return Err(CallbackError::shape("expected a JSON object"));
    };
    match map.remove(ENCRYPT_MEMBER) {
        Some(Value::String(s)) => Ok(s.into_bytes()),
        Some(other) => Err(CallbackError::shape(format!(
            "`{ENCRYPT_MEMBER}` must be a string, found {}",
            kind(&other)
        ))),
        None => Err(CallbackError::NotEncrypted),
    }
}

/// The one `Content-Signature` value among the headers, if any.
fn find_signature<I, N, V>(headers: I) -> Result<Option<String>, CallbackError>
where
    I: IntoIterator<Item = (N, V)>,
    N: AsRef<str>,
    V: AsRef<[u8]>,
{
    let mut found: Option<String> = None;
    for (name, value) in headers {
        if !name.as_ref().eq_ignore_ascii_case(CONTENT_SIGNATURE) {
            continue;
        }
        let value = std::str::from_utf8(value.as_ref())
            .map_err(|_| CallbackError::MalformedSignature {
                reason: "the value is not text",
            })?
            .trim();
        match &found {
            Some(previous) if previous != value => {
                return Err(CallbackError::MalformedSignature {
                    reason: "the header appears more than once with different values",
                })
            }
            Some(_) => {}
            None => found = Some(value.to_owned()),
        }
    }
    Ok(found)
}

/// `sha256=<64 hex digits>` → the 32 bytes.
fn parse_signature(header: &str) -> Result<[u8; 32], CallbackError> {
    let header = header.trim();
    let hex_part = header
        .get(..SIGNATURE_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(SIGNATURE_PREFIX))
        .map(|_| &header[SIGNATURE_PREFIX.len()..])
        .ok_or(CallbackError::MalformedSignature {
            reason: "expected `sha256=` followed by the hexadecimal HMAC",
        })?;
    let mut out = [0u8; 32];
    if hex_part.len() != 64 {
        return Err(CallbackError::MalformedSignature {
            reason: "expected 64 hexadecimal digits after `sha256=`",
        });
    }
    hex::decode_to_slice(hex_part, &mut out).map_err(|_| CallbackError::MalformedSignature {
        reason: "the HMAC is not hexadecimal",
    })?;
    Ok(out)
}

/// How [`CallbackEncoder`] presents an encrypted body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncryptedForm {
    /// `{"encrypt": "<base64>"}`.
    #[default]
    Wrapped,
    /// The base64 text alone.
    Bare,
}

/// How [`CallbackEncoder`] signs, when it has a token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureForm {
    /// The `Content-Signature: sha256=<hex HMAC-SHA256>` header, over the
    /// whole body.
    #[default]
    ContentSignature,
    /// The `timestamp`, `nonce` and `msg_signature` query parameters, over
    /// the body's `encrypt` value: encrypted bodies only.
    Query,
    /// Both.
    Both,
}

impl SignatureForm {
    /// Whether this form sets the `Content-Signature` header.
    pub fn uses_header(self) -> bool {
        matches!(self, Self::ContentSignature | Self::Both)
    }

    /// Whether this form adds query parameters.
    pub fn uses_query(self) -> bool {
        matches!(self, Self::Query | Self::Both)
    }
}

/// A callback ready to post: its body, the headers to send with it, and the
/// query parameters to add to the callback URL.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncodedCallback {
    /// The request body.
    pub body: Vec<u8>,
    /// The `Content-Type` to send.
    pub content_type: &'static str,
    /// The `Content-Signature` value, when the encoder has a token and signs
    /// with the header.
    pub content_signature: Option<String>,
    /// `timestamp=...&nonce=...&msg_signature=...`, to add to the URL's
    /// query string, when the encoder has a token and a key and signs in the
    /// query form.
    pub query: Option<String>,
}

impl EncodedCallback {
    /// The headers to send: `Content-Type`, and `Content-Signature` when
    /// signed with the header.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![("Content-Type", self.content_type.to_owned())];
        if let Some(signature) = &self.content_signature {
            headers.push((CONTENT_SIGNATURE, signature.clone()));
        }
        headers
    }

    /// `url` (or a path) with the query signature added to its query
    /// string, if there is one; `url` as it is otherwise.
    pub fn url(&self, url: &str) -> String {
        match &self.query {
            None => url.to_owned(),
            Some(query) => {
                let (url, fragment) = match url.split_once('#') {
                    Some((u, f)) => (u, Some(f)),
                    None => (url, None),
                };
                let separator = match url.find('?') {
                    None => "?",
                    Some(at) if at + 1 == url.len() || url.ends_with('&') => "",
                    Some(_) => "&",
                };
                let mut out = format!("{url}{separator}{query}");
                if let Some(fragment) = fragment {
                    out.push('#');
                    out.push_str(fragment);
                }
                out
            }
        }
    }
}

/// Encrypts and signs callbacks as the service does: the reverse of
/// [`CallbackDecoder`], for tests and for emulating the service.
///
/// ```
/// use ess_api::callback::{
///     Callback, CallbackDecoder, CallbackEncoder, CallbackEvent, SignatureCheck, SignatureForm,
/// };
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let key = "0123456789abcdef0123456789abcdef";
/// let encoder = CallbackEncoder::new().with_key(key)?.with_token("t0ken");
/// let callback = Callback::new(
///     "msg-1",
///     CallbackEvent::MultiFlowSignQrCodeCost(serde_json::Map::new()),
/// );
/// let sent = encoder.encode(&callback)?;
///
/// let decoder = CallbackDecoder::new().with_key(key)?.with_token("t0ken");
/// assert_eq!(decoder.decode(&sent.body, sent.headers())?, callback);
///
/// // Signed in the query string instead.
/// let sent = encoder
///     .with_signature_form(SignatureForm::Query)
///     .encode_json_at(&callback.to_json()?, 1_700_000_000, "n0nce");
/// assert_eq!(sent.content_signature, None);
/// let query = sent.query.as_deref().unwrap();
/// assert!(query.starts_with("timestamp=1700000000&nonce=n0nce&msg_signature="));
/// let received = decoder
///     .with_clock(|| 1_700_000_030)
///     .decode_request(&sent.body, sent.headers(), Some(query))?;
/// assert_eq!(received.callback, callback);
/// assert_eq!(received.signature, SignatureCheck::Query { timestamp: 1_700_000_000 });
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct CallbackEncoder {
    key: Option<Key>,
    token: Option<Token>,
    form: EncryptedForm,
    signature_form: SignatureForm,
}

impl fmt::Debug for CallbackEncoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackEncoder")
            .field("key", &self.key.as_ref().map(|_| Redacted))
            .field("token", &self.token.as_ref().map(|_| Redacted))
            .field("form", &self.form)
            .field("signature_form", &self.signature_form)
            .finish()
    }
}

impl CallbackEncoder {
    /// An encoder that neither encrypts nor signs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Encrypts bodies with this callback key (exactly 32 bytes).
    pub fn with_key(mut self, key: impl AsRef<[u8]>) -> Result<Self, InvalidKeyLength> {
        self.key = Some(Key::new(key.as_ref())?);
        Ok(self)
    }

    /// Signs with this token, in the [`SignatureForm`] chosen (the
    /// `Content-Signature` header unless told otherwise).
    pub fn with_token(mut self, token: impl AsRef<[u8]>) -> Self {
        self.token = Some(Token::new(token.as_ref()));
        self
    }

    /// How to present encrypted bodies (wrapped by default).
    pub fn with_form(mut self, form: EncryptedForm) -> Self {
        self.form = form;
        self
    }

    /// How to sign (the `Content-Signature` header by default). The query
    /// form covers the body's `encrypt` value, so it needs a key: without
    /// one, no query signature is made.
    pub fn with_signature_form(mut self, form: SignatureForm) -> Self {
        self.signature_form = form;
        self
    }

    /// The signature form in use.
    pub fn signature_form(&self) -> SignatureForm {
        self.signature_form
    }

    /// Encodes a typed message.
    pub fn encode(&self, callback: &Callback) -> Result<EncodedCallback, serde_json::Error> {
        Ok(self.encode_json(&callback.to_json()?))
    }

    /// Encodes a wire envelope.
    pub fn encode_message(
        &self,
        message: &CallbackMessage,
    ) -> Result<EncodedCallback, serde_json::Error> {
        Ok(self.encode_json(&serde_json::to_vec(message)?))
    }

    /// Encodes the JSON text of a message as given (it is not checked). A
    /// query signature, if any, is dated by the system clock and has a
    /// random 16-character nonce.
    pub fn encode_json(&self, json: &[u8]) -> EncodedCallback {
        self.encode_json_at(json, SystemClock.now_unix(), &random_nonce())
    }

    /// Encodes the JSON text of a message as given, dating a query
    /// signature, if any, with `timestamp` (seconds since 1970) and giving
    /// it `nonce`.
    pub fn encode_json_at(&self, json: &[u8], timestamp: u64, nonce: &str) -> EncodedCallback {
        let (body, content_type) = match &self.key {
            None => (json.to_vec(), "application/json"),
            Some(key) => {
                let text = STANDARD.encode(key.encrypt(json));
                match self.form {
                    EncryptedForm::Wrapped => (
                        serde_json::json!({ ENCRYPT_MEMBER: text })
                            .to_string()
                            .into_bytes(),
                        "application/json",
                    ),
                    EncryptedForm::Bare => (text.into_bytes(), "text/plain; charset=utf-8"),
                }
            }
        };
        let content_signature = match &self.token {
            Some(token) if self.signature_form.uses_header() => Some(token.sign(&body)),
            _ => None,
        };
        let query = if self.signature_form.uses_query() {
            self.sign_query(&body, timestamp, nonce)
        } else {
            None
        };
        EncodedCallback {
            body,
            content_type,
            content_signature,
            query,
        }
    }

    /// The query signature (`timestamp=...&nonce=...&msg_signature=...`) of
    /// an encoded body, dated `timestamp`, with `nonce`: to sign each new
    /// attempt to post the same body afresh. `None` without a token, or when
    /// the body has no `encrypt` value (it is not encrypted), whatever the
    /// signature form.
    pub fn sign_query(&self, body: &[u8], timestamp: u64, nonce: &str) -> Option<String> {
        let token = self.token.as_ref()?;
        self.key.as_ref()?;
        let encrypt = query::encrypt_value(body).ok()?;
        Some(token.sign_query(timestamp, nonce, &encrypt))
    }
}

/// 16 random letters and digits.
pub(crate) fn random_nonce() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0..16)
        .map(|_| char::from(ALPHABET[fastrand::usize(..ALPHABET.len())]))
        .collect()
}

//! The query-string form of a callback's signature: `timestamp`, `nonce`
//! and `msg_signature` on the callback URL.
//!
//! `msg_signature` is the hexadecimal SHA-1 of four strings, sorted and
//! concatenated: the token, `timestamp`, `nonce`, and the body's `encrypt`
//! value (the base64 text of the ciphertext). It covers the ciphertext, not
//! the whole body, and its timestamp lets a receiver refuse old requests.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use serde_json::Value;

use super::error::CallbackError;
use sha1::{Digest, Sha1};

/// Length of a SHA-1 digest in bytes.
const SHA1_LEN: usize = 20;

/// Name of the query parameter that carries the signing time.
pub const TIMESTAMP_PARAM: &str = "timestamp";
/// Name of the query parameter that carries the nonce.
pub const NONCE_PARAM: &str = "nonce";
/// Name of the query parameter that carries the signature.
pub const MSG_SIGNATURE_PARAM: &str = "msg_signature";

/// How far a query signature's `timestamp` may be from the receiver's clock,
/// either way, unless configured otherwise: 5 minutes.
pub const DEFAULT_TIMESTAMP_WINDOW: Duration = Duration::from_secs(300);

/// The member that holds the ciphertext in a wrapped encrypted body.
pub(crate) const ENCRYPT_MEMBER: &str = "encrypt";

/// The longest `timestamp` accepted, in digits (`u64::MAX` has 20).
const MAX_TIMESTAMP_DIGITS: usize = 20;

/// The signature parameters found in a callback URL's query string.
///
/// ```
/// use ess_api::callback::QuerySignature;
///
/// # fn main() -> Result<(), ess_api::callback::CallbackError> {
/// let query = "timestamp=1700000000&nonce=n0nce&msg_signature=5d41402abc4b2a76b9719d911017c592a1b2c3d4";
/// let found = QuerySignature::from_query(query)?.expect("msg_signature is there");
/// assert_eq!(found.timestamp(), 1_700_000_000);
/// assert_eq!(found.nonce(), "n0nce");
/// // No `msg_signature`: the query form is absent.
/// assert_eq!(QuerySignature::from_query("timestamp=1&nonce=x")?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct QuerySignature {
    /// `timestamp` exactly as sent (it is signed as text).
    timestamp_text: String,
    timestamp: u64,
    nonce: String,
    msg_signature: [u8; SHA1_LEN],
}

impl fmt::Debug for QuerySignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QuerySignature")
            .field("timestamp", &self.timestamp_text)
            .field("nonce", &self.nonce)
            .field("msg_signature", &hex::encode(self.msg_signature))
            .finish()
    }
}

impl QuerySignature {
    /// Reads `timestamp`, `nonce` and `msg_signature` from a query string
    /// (`a=1&b=2`, with or without a leading `?`; percent-encoding and `+`
    /// for a space are decoded; other parameters are ignored).
    ///
    /// `Ok(None)` when there is no `msg_signature`: the request does not use
    /// this form. With `msg_signature`, a missing or empty `timestamp` or
    /// `nonce`, a `timestamp` that is not a number of seconds, a
    /// `msg_signature` that is not 40 hexadecimal digits, or one of the three
    /// given twice with different values is
    /// [`CallbackError::MalformedQuerySignature`], naming the parameter.
    pub fn from_query(query: &str) -> Result<Option<Self>, CallbackError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut timestamp: Option<String> = None;
        let mut nonce: Option<String> = None;
        let mut signature: Option<String> = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            // A name that does not decode cannot be one of the three.
            let Ok(name) = percent_decode(name) else {
                continue;
            };
            let (slot, parameter) = match &*name {
                TIMESTAMP_PARAM => (&mut timestamp, TIMESTAMP_PARAM),
                NONCE_PARAM => (&mut nonce, NONCE_PARAM),
                MSG_SIGNATURE_PARAM => (&mut signature, MSG_SIGNATURE_PARAM),
                _ => continue,
            };
            let value = percent_decode(value).map_err(|reason| malformed(parameter, reason))?;
            match slot {
                Some(previous) if *previous != *value => {
                    return Err(malformed(
                        parameter,
                        "appears more than once with different values",
                    ))
                }
                Some(_) => {}
                None => *slot = Some(value.into_owned()),
            }
        }
        let Some(signature) = signature else {
            return Ok(None);
        };
        let mut msg_signature = [0u8; SHA1_LEN];
        if signature.len() != 2 * SHA1_LEN
            || hex::decode_to_slice(&signature, &mut msg_signature).is_err()
        {
            return Err(malformed(
                MSG_SIGNATURE_PARAM,
                "expected 40 hexadecimal digits (a SHA-1)",
            ));
        }
        let timestamp_text = match timestamp {
            None => return Err(malformed(TIMESTAMP_PARAM, "is missing")),
            Some(t) if t.is_empty() => return Err(malformed(TIMESTAMP_PARAM, "is empty")),
            Some(t) => t,
        };
        let timestamp = parse_timestamp(&timestamp_text)?;
        let nonce = match nonce {
            None => return Err(malformed(NONCE_PARAM, "is missing")),
            Some(n) if n.is_empty() => return Err(malformed(NONCE_PARAM, "is empty")),
            Some(n) => n,
        };
        Ok(Some(Self {
            timestamp_text,
            timestamp,
            nonce,
            msg_signature,
        }))
    }

    /// The signing time, in seconds since 1970-01-01T00:00:00Z.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The nonce, decoded.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// Whether `msg_signature` is right for this token and `encrypt` value,
    /// compared in constant time.
    pub(crate) fn matches(&self, token: &[u8], encrypt: &[u8]) -> bool {
        let expected = digest(
            token,
            self.timestamp_text.as_bytes(),
            self.nonce.as_bytes(),
            encrypt,
        );
        ct_eq(&expected, &self.msg_signature)
    }
}

fn malformed(parameter: &'static str, reason: &'static str) -> CallbackError {
    CallbackError::MalformedQuerySignature { parameter, reason }
}

/// Decimal digits only, at most 20, within `u64`.
fn parse_timestamp(text: &str) -> Result<u64, CallbackError> {
    if text.len() > MAX_TIMESTAMP_DIGITS || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(
            TIMESTAMP_PARAM,
            "expected a number of seconds since 1970 (decimal digits only)",
        ));
    }
    text.parse::<u64>()
        .map_err(|_| malformed(TIMESTAMP_PARAM, "is too large"))
}

/// Decodes `%XX` escapes and `+` (a space), as in an HTML form's query.
fn percent_decode(text: &str) -> Result<Cow<'_, str>, &'static str> {
    if !text.bytes().any(|b| b == b'%' || b == b'+') {
        return Ok(Cow::Borrowed(text));
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|b| hex_value(*b));
                let lo = bytes.get(i + 2).and_then(|b| hex_value(*b));
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err("has a `%` not followed by two hexadecimal digits");
                };
                out.push(hi << 4 | lo);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| "is not UTF-8 once percent-decoded")
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query string signing a body whose `encrypt` value is `encrypt`.
pub(crate) fn sign(token: &[u8], timestamp: u64, nonce: &str, encrypt: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    let signature = digest(token, timestamp.as_bytes(), nonce.as_bytes(), encrypt);
    format!(
        "{TIMESTAMP_PARAM}={timestamp}&{NONCE_PARAM}={}&{MSG_SIGNATURE_PARAM}={}",
        percent_encode(nonce),
        hex::encode(signature)
    )
}

/// SHA-1 of the four strings sorted (by bytes, which for UTF-8 is the order
/// of code points) and concatenated.
///
/// The order involves the token, so it is found without branching on
/// content: every comparison takes a time that depends on lengths only, and
/// the swaps are masked.
pub(crate) fn digest(
    token: &[u8],
    timestamp: &[u8],
    nonce: &[u8],
    encrypt: &[u8],
) -> [u8; SHA1_LEN] {
    let parts: [&[u8]; 4] = [token, timestamp, nonce, encrypt];
    let mut order = [0usize, 1, 2, 3];
    // A sorting network for four elements.
    for (i, j) in [(0, 1), (2, 3), (0, 2), (1, 3), (1, 2)] {
        let swap = usize::from(ct_greater(parts[order[i]], parts[order[j]]));
        let mask = swap.wrapping_neg();
        let t = (order[i] ^ order[j]) & mask;
        order[i] ^= t;
        order[j] ^= t;
    }
    let mut sha = Sha1::new();
    for index in order {
        sha.update(parts[index]);
    }
    sha.finalize().into()
}

/// 1 when `a` sorts after `b` (bytewise, a prefix first), else 0. The time
/// taken depends on the lengths only.
fn ct_greater(a: &[u8], b: &[u8]) -> u8 {
    let mut result: i32 = 0;
    // All ones once a difference was found.
    let mut decided: i32 = 0;
    for i in 0..a.len().max(b.len()) {
        // Past the end reads as -1, below every byte.
        let x = a.get(i).map_or(-1, |v| i32::from(*v));
        let y = b.get(i).map_or(-1, |v| i32::from(*v));
        let diff = (x - y).signum();
        result += diff & !decided;
        decided |= -i32::from(diff != 0);
    }
    u8::from(std::hint::black_box(result) > 0)
}

/// Equality of two digests in constant time.
fn ct_eq(a: &[u8; SHA1_LEN], b: &[u8; SHA1_LEN]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The `encrypt` value that `msg_signature` covers: the `encrypt` member of
/// a wrapped body, or a bare body's text as received.
pub(crate) fn encrypt_value(body: &[u8]) -> Result<Cow<'_, [u8]>, CallbackError> {
    let missing = |reason| CallbackError::NoEncryptValue { reason };
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return Err(missing("is empty"));
    }
    if trimmed.first() != Some(&b'{') {
        return Ok(Cow::Borrowed(body));
    }
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(trimmed) else {
        return Err(missing("starts with `{` but is not a JSON object"));
    };
    match map.remove(ENCRYPT_MEMBER) {
        Some(Value::String(s)) if !s.is_empty() => Ok(Cow::Owned(s.into_bytes())),
        Some(Value::String(_)) => Err(missing("has an empty `encrypt` member")),
        Some(_) => Err(missing("has an `encrypt` member that is not a string")),
        None => Err(missing(
            "has no `encrypt` member (a plain message cannot carry this form)",
        )),
    }
}

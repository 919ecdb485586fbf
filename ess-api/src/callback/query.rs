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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<Option<QuerySignature>, CallbackError> {
        QuerySignature::from_query(query)
    }

    fn malformed_parameter(query: &str) -> &'static str {
        match parse(query) {
            Err(CallbackError::MalformedQuerySignature { parameter, .. }) => parameter,
            other => panic!("{query}: {other:?}"),
        }
    }

    const SIG: &str = "0123456789abcdef0123456789ABCDEF01234567";

    #[test]
    fn parameters_are_found_and_decoded() {
        let q = parse(&format!(
            "?a=1&timestamp=1700000000&&nonce=n%2Bo+n%C3%A9&msg_signature={SIG}&z"
        ))
        .unwrap()
        .unwrap();
        assert_eq!(q.timestamp(), 1_700_000_000);
        assert_eq!(q.nonce(), "n+o né");
        assert_eq!(hex::encode(q.msg_signature), SIG.to_ascii_lowercase());
        // An encoded name counts; the same value twice is fine.
        let q = parse(&format!(
            "msg%5Fsignature={SIG}&timestamp=5&timestamp=5&nonce=x"
        ))
        .unwrap()
        .unwrap();
        assert_eq!(q.timestamp(), 5);
        // Without msg_signature, the form is absent whatever else is there.
        for query in [
            "",
            "?",
            "timestamp=1&nonce=2",
            "timestamp=x",
            "%zz=1",
            "a&b&c",
        ] {
            assert_eq!(parse(query).unwrap(), None, "{query}");
        }
    }

    #[test]
    fn malformed_parameters_are_named() {
        let ok = format!("timestamp=1&nonce=n&msg_signature={SIG}");
        assert!(parse(&ok).unwrap().is_some());
        for (query, parameter) in [
            (format!("nonce=n&msg_signature={SIG}"), TIMESTAMP_PARAM),
            (
                format!("timestamp=&nonce=n&msg_signature={SIG}"),
                TIMESTAMP_PARAM,
            ),
            (
                format!("timestamp=-1&nonce=n&msg_signature={SIG}"),
                TIMESTAMP_PARAM,
            ),
            (
                format!("timestamp=+1&nonce=n&msg_signature={SIG}"),
                TIMESTAMP_PARAM,
            ),
            (
                format!("timestamp=1.5&nonce=n&msg_signature={SIG}"),
                TIMESTAMP_PARAM,
            ),
            (
                format!("timestamp=18446744073709551616&nonce=n&msg_signature={SIG}"),
                TIMESTAMP_PARAM,
            ),
            (
                format!("timestamp={}&nonce=n&msg_signature={SIG}", "1".repeat(21)),
                TIMESTAMP_PARAM,
            ),
            (format!("{ok}&timestamp=2"), TIMESTAMP_PARAM),
            (format!("timestamp=1&msg_signature={SIG}"), NONCE_PARAM),
            (
                format!("timestamp=1&nonce=&msg_signature={SIG}"),
                NONCE_PARAM,
            ),
            (
                format!("timestamp=1&nonce=%4&msg_signature={SIG}"),
                NONCE_PARAM,
            ),
            (
                format!("timestamp=1&nonce=%ff&msg_signature={SIG}"),
                NONCE_PARAM,
            ),
            (format!("{ok}&nonce=m"), NONCE_PARAM),
            (
                "timestamp=1&nonce=n&msg_signature=".to_owned(),
                MSG_SIGNATURE_PARAM,
            ),
            (
                format!("timestamp=1&nonce=n&msg_signature={}", &SIG[1..]),
                MSG_SIGNATURE_PARAM,
            ),
            (
                format!("timestamp=1&nonce=n&msg_signature={SIG}00"),
                MSG_SIGNATURE_PARAM,
            ),
            (
                format!("timestamp=1&nonce=n&msg_signature={}g", &SIG[1..]),
                MSG_SIGNATURE_PARAM,
            ),
            (
                format!("{ok}&msg_signature={}", "0".repeat(40)),
                MSG_SIGNATURE_PARAM,
            ),
        ] {
            assert_eq!(malformed_parameter(&query), parameter, "{query}");
        }
        assert_eq!(
            parse(&format!(
                "timestamp={}&nonce=n&msg_signature={SIG}",
                u64::MAX
            ))
            .unwrap()
            .unwrap()
            .timestamp(),
            u64::MAX
        );
    }

    #[test]
    fn the_digest_sorts_the_four_strings() {
        // Python: hashlib.sha1("".join(sorted(["tok", "1700000000", "nonce", "QUJD"])).encode())
        let d = digest(b"tok", b"1700000000", b"nonce", b"QUJD");
        assert_eq!(hex::encode(d), "c24ec1af3a1a2c23e8a2c061b3aef6fe1df6caf3");
        // Every order of the inputs gives the same digest.
        let parts: [&[u8]; 4] = [b"b", b"ab", b"a", b"abc"];
        // Python: hashlib.sha1(b"aababcb")
        let expected: [u8; 20] = hex::decode("8d17514a51406b22ce0b09cffabb9a30c41de885")
            .unwrap()
            .try_into()
            .unwrap();
        let mut perms = 0;
        for i in 0..4 {
            for j in 0..4 {
                for k in 0..4 {
                    for l in 0..4 {
                        let idx = [i, j, k, l];
                        let mut seen = [false; 4];
                        idx.iter().for_each(|&x| seen[x] = true);
                        if seen.iter().all(|s| *s) {
                            perms += 1;
                            let d = digest(parts[i], parts[j], parts[k], parts[l]);
                            assert_eq!(d, expected, "{idx:?}");
                        }
                    }
                }
            }
        }
        assert_eq!(perms, 24);
    }

    #[test]
    fn constant_time_order_matches_the_standard_order() {
        let samples: [&[u8]; 9] = [
            b"", b"a", b"ab", b"b", b"\xff", b"a\x00", b"A", b"abc", b"abd",
        ];
        for a in samples {
            for b in samples {
                assert_eq!(ct_greater(a, b) == 1, a > b, "{a:?} {b:?}");
            }
        }
        assert!(ct_eq(&[7; 20], &[7; 20]));
        let mut other = [7; 20];
        other[19] = 6;
        assert!(!ct_eq(&[7; 20], &other));
    }

    #[test]
    fn the_encrypt_value_of_each_body_form() {
        assert_eq!(&*encrypt_value(b"QUJD").unwrap(), b"QUJD");
        assert_eq!(
            &*encrypt_value(b"QUJD\n").unwrap(),
            b"QUJD\n",
            "as received"
        );
        assert_eq!(
            &*encrypt_value(br#" {"encrypt": "QU\/JD", "x": 1} "#).unwrap(),
            b"QU/JD",
            "the JSON string's value"
        );
        for body in [
            &b""[..],
            b"  ",
            b"{",
            b"{\"encrypt\": 1}",
            b"{\"encrypt\": \"\"}",
            b"{\"MsgId\": \"m\", \"MsgType\": \"x\"}",
        ] {
            let err = encrypt_value(body).unwrap_err();
            assert!(
                matches!(err, CallbackError::NoEncryptValue { .. }),
                "{}: {err:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn signing_and_matching_agree() {
        let query = sign(b"token", 1_700_000_000, "a b&c", b"QUJD");
        assert!(query.starts_with("timestamp=1700000000&nonce=a%20b%26c&msg_signature="));
        let q = QuerySignature::from_query(&query).unwrap().unwrap();
        assert_eq!(q.nonce(), "a b&c");
        assert!(q.matches(b"token", b"QUJD"));
        assert!(!q.matches(b"token", b"QUJE"));
        assert!(!q.matches(b"tokem", b"QUJD"));
        let shown = format!("{q:?}");
        assert!(
            shown.contains("1700000000") && !shown.contains("token"),
            "{shown}"
        );
    }
}

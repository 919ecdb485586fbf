//! TC3-HMAC-SHA256: the request signature of Tencent Cloud API 3.0.
//!
//! The signature binds a request's body, a chosen set of its headers, its
//! timestamp, the service and the caller's secret key:
//!
//! ```text
//! CanonicalRequest = "POST\n/\n\n"
//!                  + CanonicalHeaders          // "name:value\n" per signed header
//!                  + "\n" + SignedHeaders      // "content-type;host"
//!                  + "\n" + hex(SHA-256(body))
//! StringToSign     = "TC3-HMAC-SHA256\n" + timestamp + "\n"
//!                  + date + "/" + service + "/tc3_request\n"
//!                  + hex(SHA-256(CanonicalRequest))
//! SigningKey       = HMAC(HMAC(HMAC("TC3" + secret_key, date), service), "tc3_request")
//! Signature        = hex(HMAC(SigningKey, StringToSign))
//! ```
//!
//! `date` is the UTC calendar date of the timestamp (`YYYY-MM-DD`). Header
//! names are lower-cased and sorted; values are trimmed and lower-cased.
//!
//! The module has two halves. Signing: [`RequestSigner`] is the fast path the
//! client uses (headers `content-type;host`, derived keys cached), and
//! [`sign`] handles any header set. Verification, for a server or a test
//! double that receives signed requests: [`Authorization::parse`] reads the
//! `Authorization` header and [`Authorization::verify`] recomputes and
//! compares the signature in constant time.
//!
//! ```
//! use ess_sign::{sign, Authorization, SignatureParams, CONTENT_TYPE};
//!
//! let body = br#"{"Limit": 1}"#;
//! let headers = [("Content-Type", CONTENT_TYPE), ("Host", "ess.tencentcloudapi.com")];
//! let auth = sign(&SignatureParams {
//!     secret_id: "AKIDEXAMPLE",
//!     secret_key: "example-secret-key",
//!     service: "ess",
//!     timestamp: 1_551_113_065,
//!     headers: &headers,
//!     payload: body,
//! });
//! let received = Authorization::parse(&auth.to_string()).unwrap();
//! let lookup = |name: &str| match name {
//!     "content-type" => Some(CONTENT_TYPE),
//!     "host" => Some("ess.tencentcloudapi.com"),
//!     _ => None,
//! };
//! received.verify("example-secret-key", 1_551_113_065, lookup, body).unwrap();
//! ```

use std::fmt;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The proleptic Gregorian date (year, month, day) of a day count since
/// 1970-01-01: the `date` part of the credential scope.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both casts are in range: day is 1..=31 and month 1..=12.
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The algorithm name that starts the `Authorization` header.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The last element of the credential scope.
pub const TERMINATOR: &str = "tc3_request";
/// The `Content-Type` the client sends (and signs).
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";
/// The headers the client signs.
pub const SIGNED_HEADERS: &str = "content-type;host";

/// The largest timestamp whose date still has a four-digit year
/// (9999-12-31T23:59:59Z); later timestamps are treated as this one.
const MAX_TIMESTAMP: u64 = 253_402_300_799;

fn new_mac(key: &[u8]) -> HmacSha256 {
    match <HmacSha256 as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC is defined for keys of every length; the error cannot occur.
        Err(_) => unreachable!("HMAC-SHA256 accepts keys of any length"),
    }
}

fn hmac_bytes(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = new_mac(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Writes `n` in decimal into `buf`, returning the digits.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

/// The UTC calendar date of a timestamp, as `YYYY-MM-DD`.
///
/// Computed arithmetically from the Unix timestamp: no time-zone database or
/// local time setting is involved.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UtcDate([u8; 10]);

impl UtcDate {
    /// The date of `timestamp` (seconds since the epoch) in UTC.
    pub fn from_unix(timestamp: u64) -> Self {
        let days = (timestamp.min(MAX_TIMESTAMP) / 86_400) as i64;
        let (year, month, day) = civil_from_days(days);
        let year = year as u32;
        let mut out = *b"0000-00-00";
        out[0] = b'0' + (year / 1000 % 10) as u8;
        out[1] = b'0' + (year / 100 % 10) as u8;
        out[2] = b'0' + (year / 10 % 10) as u8;
        out[3] = b'0' + (year % 10) as u8;
        out[5] = b'0' + (month / 10) as u8;
        out[6] = b'0' + (month % 10) as u8;
        out[8] = b'0' + (day / 10) as u8;
        out[9] = b'0' + (day % 10) as u8;
        UtcDate(out)
    }

    /// The date as `YYYY-MM-DD`.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and dashes are ever written.
        std::str::from_utf8(&self.0).unwrap_or("0000-00-00")
    }
}

impl fmt::Display for UtcDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for UtcDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UtcDate({})", self.as_str())
    }
}

/// A SHA-256 digest or HMAC-SHA256 signature in lower-case hex (64 characters),
/// kept on the stack.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HexDigest([u8; 64]);

impl HexDigest {
    fn from_bytes(bytes: &[u8; 32]) -> Self {
        let mut out = [0u8; 64];
        // The output buffer is exactly twice the input length.
        let _ = hex::encode_to_slice(bytes, &mut out);
        HexDigest(out)
    }

    /// The digest in lower-case hex.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for HexDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for HexDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HexDigest({})", self.as_str())
    }
}

/// `hex(SHA-256(data))`.
pub fn sha256_hex(data: &[u8]) -> HexDigest {
    HexDigest::from_bytes(&Sha256::digest(data).into())
}

/// A canonical request for an arbitrary set of signed headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalRequest {
    text: String,
    signed_headers: String,
}

impl CanonicalRequest {
    /// The canonical request of a `POST /` whose signed headers are `headers`
    /// (name, value pairs in any order and case) and whose body is `payload`.
    pub fn new(headers: &[(&str, &str)], payload: &[u8]) -> Self {
        Self::with_payload_hash(headers, sha256_hex(payload).as_str())
    }

    /// As [`CanonicalRequest::new`], given the hex SHA-256 of the body.
    pub fn with_payload_hash(headers: &[(&str, &str)], payload_hash: &str) -> Self {
        let mut normalized: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| {
                (
                    name.trim().to_ascii_lowercase(),
                    value.trim().to_lowercase(),
                )
            })
            .collect();
        normalized.sort_by(|a, b| a.0.cmp(&b.0));
        let mut text = String::with_capacity(256);
        text.push_str("POST\n/\n\n");
        for (name, value) in &normalized {
            text.push_str(name);
            text.push(':');
            text.push_str(value);
            text.push('\n');
        }
        text.push('\n');
        let signed_headers = normalized
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(";");
        text.push_str(&signed_headers);
        text.push('\n');
        text.push_str(payload_hash);
        CanonicalRequest {
            text,
            signed_headers,
        }
    }

    /// The canonical request text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The signed header names, lower-cased, sorted and joined with `;`.
    pub fn signed_headers(&self) -> &str {
        &self.signed_headers
    }

    /// `hex(SHA-256(canonical request))`.
    pub fn hash(&self) -> HexDigest {
        sha256_hex(self.text.as_bytes())
    }
}

/// The string to sign for a timestamp, a service and the hex SHA-256 of a
/// canonical request.
pub fn string_to_sign(timestamp: u64, service: &str, canonical_request_hash: &str) -> String {
    let date = UtcDate::from_unix(timestamp);
    format!("{ALGORITHM}\n{timestamp}\n{date}/{service}/{TERMINATOR}\n{canonical_request_hash}")
}

/// A derived signing key: `HMAC(HMAC(HMAC("TC3" + secret, date), service), "tc3_request")`.
///
/// Holds the keyed HMAC state, so each signature made with it costs a single
/// HMAC. Its `Debug` output shows nothing of the key.
#[derive(Clone)]
pub struct SigningKey {
    mac: HmacSha256,
}

impl SigningKey {
    /// Derives the key for a secret key, a date and a service.
    pub fn derive(secret_key: &str, date: UtcDate, service: &str) -> Self {
        let mut root = Vec::with_capacity(3 + secret_key.len());
        root.extend_from_slice(b"TC3");
        root.extend_from_slice(secret_key.as_bytes());
        let k_date = hmac_bytes(&root, date.as_str().as_bytes());
        let k_service = hmac_bytes(&k_date, service.as_bytes());
        let k_signing = hmac_bytes(&k_service, TERMINATOR.as_bytes());
        SigningKey {
            mac: new_mac(&k_signing),
        }
    }

    /// `hex(HMAC(key, data))`.
    pub fn sign(&self, data: &[u8]) -> HexDigest {
        self.sign_parts(&[data])
    }

    fn sign_parts(&self, parts: &[&[u8]]) -> HexDigest {
        let mut mac = self.mac.clone();
        for part in parts {
            mac.update(part);
        }
        HexDigest::from_bytes(&mac.finalize().into_bytes().into())
    }

    fn verify_parts(&self, parts: &[&[u8]], expected: &[u8]) -> bool {
        let mut mac = self.mac.clone();
        for part in parts {
            mac.update(part);
        }
        mac.verify_slice(expected).is_ok()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey { .. }")
    }
}

struct CacheEntry {
    secret_key: Box<str>,
    date: UtcDate,
    service: Box<str>,
    key: SigningKey,
}

/// Remembers the most recently derived signing key, keyed by secret key,
/// date and service, so that the three-step derivation runs once a day per
/// key instead of once per request.
#[derive(Default)]
pub struct SigningKeyCache {
    entry: Mutex<Option<CacheEntry>>,
}

impl SigningKeyCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The signing key for `(secret_key, date, service)`, derived on a miss.
    pub fn get(&self, secret_key: &str, date: UtcDate, service: &str) -> SigningKey {
        let mut entry = self.entry.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = entry.as_ref() {
            if hit.date == date && *hit.service == *service && *hit.secret_key == *secret_key {
                return hit.key.clone();
            }
        }
        let key = SigningKey::derive(secret_key, date, service);
        *entry = Some(CacheEntry {
            secret_key: secret_key.into(),
            date,
            service: service.into(),
            key: key.clone(),
        });
        key
    }
}

impl fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKeyCache { .. }")
    }
}

/// Everything [`sign`] needs for an arbitrary signed-header set.
#[derive(Clone, Copy)]
pub struct SignatureParams<'a> {
    /// The SecretId, copied into the credential scope.
    pub secret_id: &'a str,
    /// The SecretKey that keys the HMAC chain.
    pub secret_key: &'a str,
    /// The service name, such as `ess`.
    pub service: &'a str,
    /// The request's `X-TC-Timestamp`.
    pub timestamp: u64,
    /// The headers to sign, as (name, value) pairs.
    pub headers: &'a [(&'a str, &'a str)],
    /// The exact body bytes.
    pub payload: &'a [u8],
}

impl fmt::Debug for SignatureParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureParams")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"** redacted **")
            .field("service", &self.service)
            .field("timestamp", &self.timestamp)
            .field("headers", &self.headers)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// Signs a request, whatever its signed headers.
pub fn sign(params: &SignatureParams<'_>) -> Authorization {
    let canonical = CanonicalRequest::new(params.headers, params.payload);
    let to_sign = string_to_sign(params.timestamp, params.service, canonical.hash().as_str());
    let date = UtcDate::from_unix(params.timestamp);
    let key = SigningKey::derive(params.secret_key, date, params.service);
    Authorization {
        secret_id: params.secret_id.to_owned(),
        date: date.as_str().to_owned(),
        service: params.service.to_owned(),
        signed_headers: canonical
            .signed_headers()
            .split(';')
            .map(str::to_owned)
            .collect(),
        signature: key.sign(to_sign.as_bytes()).as_str().to_owned(),
    }
}

/// The fast signer used by the client: a fixed service and host, the signed
/// headers `content-type;host` with `Content-Type` [`CONTENT_TYPE`], and a
/// cached signing key.
///
/// The canonical request only varies with the body, so its hash
/// ([`RequestSigner::canonical_hash`]) can be computed once per request and
/// reused by every attempt; each signature then costs one HMAC (plus the key
/// derivation on the first request of a day or after a key change) and one
/// allocation, the header value itself.
pub struct RequestSigner {
    service: Box<str>,
    host: Box<str>,
    /// SHA-256 with the canonical request's fixed part (everything before
    /// the body's hash) already absorbed: each request hashes only the rest.
    canonical_prefix: Sha256,
    cache: SigningKeyCache,
}

impl RequestSigner {
    /// A signer for requests to `host` (the `Host` header: `name` or
    /// `name:port`) for `service`.
    pub fn new(service: &str, host: &str) -> Self {
        let host = host.trim().to_lowercase();
        let canonical_prefix =
            format!("POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{host}\n\n{SIGNED_HEADERS}\n");
        RequestSigner {
            service: service.into(),
            host: host.into(),
            canonical_prefix: Sha256::new_with_prefix(canonical_prefix.as_bytes()),
            cache: SigningKeyCache::new(),
        }
    }

    /// The service name.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The host that is signed.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `hex(SHA-256(canonical request))` for a body.
    pub fn canonical_hash(&self, payload: &[u8]) -> HexDigest {
        let payload_hash = sha256_hex(payload);
        let mut hasher = self.canonical_prefix.clone();
        hasher.update(payload_hash.0);
        HexDigest::from_bytes(&hasher.finalize().into())
    }

    /// The `Authorization` header value for a canonical request hash (from
    /// [`RequestSigner::canonical_hash`]) at `timestamp`.
    pub fn authorization(
        &self,
        secret_id: &str,
        secret_key: &str,
        timestamp: u64,
        canonical_hash: &HexDigest,
    ) -> String {
        let date = UtcDate::from_unix(timestamp);
        let key = self.cache.get(secret_key, date, &self.service);
        let mut digits = [0u8; 20];
        let ts = decimal(timestamp, &mut digits);
        let signature = key.sign_parts(&[
            ALGORITHM.as_bytes(),
            b"\n",
            ts,
            b"\n",
            date.as_str().as_bytes(),
            b"/",
            self.service.as_bytes(),
            b"/",
            TERMINATOR.as_bytes(),
            b"\n",
            &canonical_hash.0,
        ]);
        // The exact length: a string whose capacity is its length becomes
        // a header value without another allocation.
        let mut out = String::with_capacity(
            ALGORITHM.len()
                + " Credential=".len()
                + secret_id.len()
                + 1
                + date.as_str().len()
                + 1
                + self.service.len()
                + 1
                + TERMINATOR.len()
                + ", SignedHeaders=".len()
                + SIGNED_HEADERS.len()
                + ", Signature=".len()
                + signature.as_str().len(),
        );
        out.push_str(ALGORITHM);
        out.push_str(" Credential=");
        out.push_str(secret_id);
        out.push('/');
        out.push_str(date.as_str());
        out.push('/');
        out.push_str(&self.service);
        out.push('/');
        out.push_str(TERMINATOR);
        out.push_str(", SignedHeaders=");
        out.push_str(SIGNED_HEADERS);
        out.push_str(", Signature=");
        out.push_str(signature.as_str());
        debug_assert_eq!(out.len(), out.capacity());
        out
    }

    /// Hashes `payload` and signs it at `timestamp`: the `Authorization` header value.
    pub fn sign(
        &self,
        secret_id: &str,
        secret_key: &str,
        timestamp: u64,
        payload: &[u8],
    ) -> String {
        self.authorization(
            secret_id,
            secret_key,
            timestamp,
            &self.canonical_hash(payload),
        )
    }
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field("service", &self.service)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// The contents of a TC3-HMAC-SHA256 `Authorization` header.
///
/// Produced by [`sign`] or read from a received request by
/// [`Authorization::parse`]; `Display` writes the header value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    secret_id: String,
    date: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
}

impl Authorization {
    /// Parses a header value such as `TC3-HMAC-SHA256 Credential=AKID.../2019-02-25/cvm/tc3_request,
    /// SignedHeaders=content-type;host, Signature=...`.
    pub fn parse(value: &str) -> Result<Self, ParseAuthorizationError> {
        let err = |reason| ParseAuthorizationError { reason };
        let rest = value
            .trim()
            .strip_prefix(ALGORITHM)
            .ok_or(err("the algorithm is not TC3-HMAC-SHA256"))?;
        if !rest.starts_with(' ') {
            return Err(err("the algorithm is not followed by a space"));
        }
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let part = part.trim();
            let (name, val) = part
                .split_once('=')
                .ok_or(err("a component is not of the form Name=Value"))?;
            let slot = match name {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => return Err(err("unknown component")),
            };
            if slot.replace(val).is_some() {
                return Err(err("a component appears twice"));
            }
        }
        let credential = credential.ok_or(err("Credential is missing"))?;
        let signed_headers = signed_headers.ok_or(err("SignedHeaders is missing"))?;
        let signature = signature.ok_or(err("Signature is missing"))?;

        let mut scope = credential.split('/');
        let (Some(secret_id), Some(date), Some(service), Some(terminator), None) = (
            scope.next(),
            scope.next(),
            scope.next(),
            scope.next(),
            scope.next(),
        ) else {
            return Err(err(
                "Credential is not of the form SecretId/Date/Service/tc3_request",
            ));
        };
        if secret_id.is_empty() || service.is_empty() {
            return Err(err("Credential has an empty SecretId or service"));
        }
        if terminator != TERMINATOR {
            return Err(err("the credential scope does not end with tc3_request"));
        }
        let date_ok = date.len() == 10
            && date.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !date_ok {
            return Err(err("the credential date is not YYYY-MM-DD"));
        }
        let headers: Vec<String> = signed_headers.split(';').map(str::to_owned).collect();
        if headers.iter().any(|h| {
            h.is_empty()
                || !h
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        }) {
            return Err(err(
                "SignedHeaders is not a list of lower-case header names",
            ));
        }
        if signature.len() != 64
            || !signature
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(err("Signature is not 64 lower-case hex digits"));
        }
        Ok(Authorization {
            secret_id: secret_id.to_owned(),
            date: date.to_owned(),
            service: service.to_owned(),
            signed_headers: headers,
            signature: signature.to_owned(),
        })
    }

    /// The SecretId from the credential scope.
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The date (`YYYY-MM-DD`) from the credential scope.
    pub fn date(&self) -> &str {
        &self.date
    }

    /// The service from the credential scope.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The signed header names, in header order.
    pub fn signed_headers(&self) -> &[String] {
        &self.signed_headers
    }

    /// The signature, in lower-case hex.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// Checks the signature of a received request.
    ///
    /// `timestamp` is the request's `X-TC-Timestamp`; `header` returns the
    /// value of a header given its lower-case name (the lookup must be
    /// case-insensitive on the wire names); `payload` is the exact body. The
    /// credential scope's date must be the UTC date of `timestamp`. Whether
    /// the timestamp is recent enough, and whether the SecretId and service
    /// are the expected ones, is the caller's policy.
    pub fn verify<'h>(
        &self,
        secret_key: &str,
        timestamp: u64,
        header: impl Fn(&str) -> Option<&'h str>,
        payload: &[u8],
    ) -> Result<(), VerifyError> {
        let date = UtcDate::from_unix(timestamp);
        if date.as_str() != self.date {
            return Err(VerifyError::DateMismatch {
                scope_date: self.date.clone(),
                timestamp_date: date.as_str().to_owned(),
            });
        }
        let mut canonical = String::with_capacity(256);
        canonical.push_str("POST\n/\n\n");
        for name in &self.signed_headers {
            let value = header(name).ok_or_else(|| VerifyError::MissingHeader(name.clone()))?;
            canonical.push_str(name);
            canonical.push(':');
            canonical.push_str(&value.trim().to_lowercase());
            canonical.push('\n');
        }
        canonical.push('\n');
        canonical.push_str(&self.signed_headers.join(";"));
        canonical.push('\n');
        canonical.push_str(sha256_hex(payload).as_str());
        let canonical_hash = sha256_hex(canonical.as_bytes());

        let mut expected = [0u8; 32];
        hex::decode_to_slice(&self.signature, &mut expected)
            .map_err(|_| VerifyError::SignatureMismatch)?;
        let key = SigningKey::derive(secret_key, date, &self.service);
        let mut digits = [0u8; 20];
        let ok = key.verify_parts(
            &[
                ALGORITHM.as_bytes(),
                b"\n",
                decimal(timestamp, &mut digits),
                b"\n",
                self.date.as_bytes(),
                b"/",
                self.service.as_bytes(),
                b"/",
                TERMINATOR.as_bytes(),
                b"\n",
                canonical_hash.as_str().as_bytes(),
            ],
            &expected,
        );
        if ok {
            Ok(())
        } else {
            Err(VerifyError::SignatureMismatch)
        }
    }
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ALGORITHM} Credential={}/{}/{}/{TERMINATOR}, SignedHeaders={}, Signature={}",
            self.secret_id,
            self.date,
            self.service,
            self.signed_headers.join(";"),
            self.signature
        )
    }
}

/// An `Authorization` header that is not a well-formed TC3-HMAC-SHA256 header.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed Authorization header: {reason}")]
pub struct ParseAuthorizationError {
    reason: &'static str,
}

impl ParseAuthorizationError {
    /// What is wrong with the header.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

/// Why a received request's signature was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The credential scope's date is not the UTC date of the timestamp.
    #[error(
        "the credential date {scope_date} is not the date of the timestamp ({timestamp_date})"
    )]
    DateMismatch {
        /// The date in the credential scope.
        scope_date: String,
        /// The UTC date of the request's timestamp.
        timestamp_date: String,
    },
    /// A header listed in `SignedHeaders` is absent from the request.
    #[error("the signed header {0} is missing from the request")]
    MissingHeader(String),
    /// The signature does not match the request.
    #[error("the signature does not match the request")]
    SignatureMismatch,
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
    const TIMESTAMP: u64 = 1_551_113_065;

    #[test]
    fn published_vector_content_type_and_host() {
        let headers = [
            ("Content-Type", CONTENT_TYPE),
            ("Host", "cvm.tencentcloudapi.com"),
        ];
        let auth = sign(&SignatureParams {
            secret_id: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            secret_key: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            service: "cvm",
            timestamp: TIMESTAMP,
            headers: &headers,
            payload: BODY,
        });
        assert_eq!(
            auth.signature(),
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
        assert_eq!(
            auth.to_string(),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );

        let fast = RequestSigner::new("cvm", "cvm.tencentcloudapi.com");
        let header = fast.sign(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            TIMESTAMP,
            BODY,
        );
        assert_eq!(header, auth.to_string());
        // A second signature comes from the cached key and is identical.
        let again = fast.sign(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            TIMESTAMP,
            BODY,
        );
        assert_eq!(again, header);
    }

    #[test]
    fn published_vector_with_action_header() {
        let secret_key = "*".repeat(32);
        let headers = [
            ("content-type", CONTENT_TYPE),
            ("host", "cvm.tencentcloudapi.com"),
            ("x-tc-action", "DescribeInstances"),
        ];
        let canonical = CanonicalRequest::new(&headers, BODY);
        assert_eq!(canonical.signed_headers(), "content-type;host;x-tc-action");
        assert!(canonical
            .as_str()
            .contains("\nx-tc-action:describeinstances\n"));
        let auth = sign(&SignatureParams {
            secret_id: "AKID********************************",
            secret_key: &secret_key,
            service: "cvm",
            timestamp: TIMESTAMP,
            headers: &headers,
            payload: BODY,
        });
        assert_eq!(
            auth.signature(),
            "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
        );
        let parsed = Authorization::parse(&auth.to_string()).unwrap();
        assert_eq!(parsed, auth);
        let lookup = |name: &str| match name {
            "content-type" => Some(CONTENT_TYPE),
            "host" => Some("cvm.tencentcloudapi.com"),
            "x-tc-action" => Some("DescribeInstances"),
            _ => None,
        };
        parsed.verify(&secret_key, TIMESTAMP, lookup, BODY).unwrap();
    }

    #[test]
    fn canonical_request_text() {
        let c = CanonicalRequest::new(
            &[
                ("Host", " Cvm.TencentCloudAPI.com "),
                ("Content-Type", CONTENT_TYPE),
            ],
            BODY,
        );
        assert_eq!(
            c.as_str(),
            format!(
                "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n{}",
                sha256_hex(BODY)
            )
        );
        let fast = RequestSigner::new("cvm", "cvm.tencentcloudapi.com");
        assert_eq!(fast.canonical_hash(BODY), c.hash());
        assert_eq!(
            string_to_sign(TIMESTAMP, "cvm", "abc"),
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\nabc"
        );
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(UtcDate::from_unix(0).as_str(), "1970-01-01");
        assert_eq!(UtcDate::from_unix(TIMESTAMP).as_str(), "2019-02-25");
        assert_eq!(UtcDate::from_unix(951_782_399).as_str(), "2000-02-28");
        assert_eq!(UtcDate::from_unix(951_782_400).as_str(), "2000-02-29");
        assert_eq!(UtcDate::from_unix(1_735_689_599).as_str(), "2024-12-31");
        assert_eq!(UtcDate::from_unix(1_735_689_600).as_str(), "2025-01-01");
        assert_eq!(UtcDate::from_unix(u64::MAX).as_str(), "9999-12-31");
    }

    #[test]
    fn cache_follows_key_and_date() {
        let signer = RequestSigner::new("ess", "ess.tencentcloudapi.com");
        let h = signer.canonical_hash(b"{}");
        let a = signer.authorization("id", "key-one", TIMESTAMP, &h);
        let b = signer.authorization("id", "key-two", TIMESTAMP, &h);
        let c = signer.authorization("id", "key-one", TIMESTAMP + 86_400, &h);
        let a2 = signer.authorization("id", "key-one", TIMESTAMP, &h);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, a2);
        assert!(c.contains("/2019-02-26/ess/tc3_request"));
    }

    #[test]
    fn verification_detects_tampering() {
        let headers = [("content-type", CONTENT_TYPE), ("host", "h.example")];
        let auth = sign(&SignatureParams {
            secret_id: "id",
            secret_key: "key",
            service: "ess",
            timestamp: TIMESTAMP,
            headers: &headers,
            payload: b"{}",
        });
        let lookup = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        auth.verify("key", TIMESTAMP, lookup, b"{}").unwrap();
        assert_eq!(
            auth.verify("key", TIMESTAMP, lookup, b"{ }"),
            Err(VerifyError::SignatureMismatch)
        );
        assert_eq!(
            auth.verify("other", TIMESTAMP, lookup, b"{}"),
            Err(VerifyError::SignatureMismatch)
        );
        assert_eq!(
            auth.verify("key", TIMESTAMP + 1, lookup, b"{}"),
            Err(VerifyError::SignatureMismatch)
        );
        assert!(matches!(
            auth.verify("key", TIMESTAMP + 86_400, lookup, b"{}"),
            Err(VerifyError::DateMismatch { .. })
        ));
        let other_host = |name: &str| match name {
            "host" => Some("other.example"),
            _ => lookup(name),
        };
        assert_eq!(
            auth.verify("key", TIMESTAMP, other_host, b"{}"),
            Err(VerifyError::SignatureMismatch)
        );
        assert_eq!(
            auth.verify("key", TIMESTAMP, |_| None, b"{}"),
            Err(VerifyError::MissingHeader("content-type".into()))
        );
    }

    #[test]
    fn malformed_headers_are_refused() {
        let good = "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/ess/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168";
        assert!(Authorization::parse(good).is_ok());
        for bad in [
            "",
            "HMAC-SHA256 Credential=a/2019-02-25/ess/tc3_request, SignedHeaders=host, Signature=00",
            "TC3-HMAC-SHA256Credential=AKID/2019-02-25/ess/tc3_request, SignedHeaders=host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
            "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/ess/tc3_request, SignedHeaders=host",
            "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/ess, SignedHeaders=host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
            "TC3-HMAC-SHA256 Credential=AKID/2019-2-25/ess/tc3_request, SignedHeaders=host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
            "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/ess/tc3_request, SignedHeaders=Host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
            "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/ess/tc3_request, SignedHeaders=host, Signature=72E494EA809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
            "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/ess/tc3_request, SignedHeaders=host, Signature=abc",
            "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/ess/tc3_request, Credential=x, SignedHeaders=host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
        ] {
            assert!(Authorization::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_output_hides_keys() {
        let key = SigningKey::derive("very-secret", UtcDate::from_unix(0), "ess");
        assert_eq!(format!("{key:?}"), "SigningKey { .. }");
        let params = SignatureParams {
            secret_id: "id",
            secret_key: "very-secret",
            service: "ess",
            timestamp: 0,
            headers: &[],
            payload: b"",
        };
        assert!(!format!("{params:?}").contains("very-secret"));
        let signer = RequestSigner::new("ess", "h");
        let _ = signer.sign("id", "very-secret", 0, b"");
        assert!(!format!("{signer:?}").contains("very-secret"));
    }

    #[test]
    fn decimal_digits() {
        let mut buf = [0u8; 20];
        assert_eq!(decimal(0, &mut buf), b"0");
        assert_eq!(decimal(1_551_113_065, &mut buf), b"1551113065");
        assert_eq!(decimal(u64::MAX, &mut buf), b"18446744073709551615");
    }
}

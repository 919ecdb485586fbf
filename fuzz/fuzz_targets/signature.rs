//! TC3-HMAC-SHA256 on the receiving side: `Authorization::parse` and
//! `verify` on arbitrary input never panic, a parsed header writes back to
//! a header that parses to the same value, and what the signers produce
//! always verifies, while any change to the body, the time or a signed
//! header does not.
//!
//! Input: a first byte, then either the text of an `Authorization`
//! header (even first byte) or the material of a signature (odd).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use ess_api::client::signing::{
    sign, Authorization, RequestSigner, SignatureParams, UtcDate, VerifyError, CONTENT_TYPE,
};
use libfuzzer_sys::fuzz_target;

/// The largest timestamp with a four-digit year.
const MAX_TIMESTAMP: u64 = 253_402_300_799;

#[derive(Arbitrary, Debug)]
struct Material<'a> {
    secret_id: &'a str,
    secret_key: &'a str,
    service: &'a str,
    host: &'a str,
    timestamp: u64,
    payload: &'a [u8],
    extra_headers: Vec<(&'a str, &'a str)>,
    probe_key: &'a str,
    probe_timestamp: u64,
}

/// Letters and digits only: what a SecretId, a service and a host need
/// to be to travel in a header unchanged.
fn token(s: &str, fallback: &str) -> String {
    let t: String = s
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(64)
        .collect();
    if t.is_empty() {
        fallback.to_owned()
    } else {
        t
    }
}

fn parse_text(text: &str, rest: &[u8]) {
    let Ok(auth) = Authorization::parse(text) else {
        return;
    };
    let written = auth.to_string();
    let again = Authorization::parse(&written)
        .unwrap_or_else(|e| panic!("{written:?} does not parse again: {e}"));
    assert_eq!(again, auth);
    // Verification with whatever the rest of the input holds.
    let mut u = Unstructured::new(rest);
    let key: &str = u.arbitrary().unwrap_or("key");
    let timestamp: u64 = u.arbitrary().unwrap_or(0);
    let value: &str = u.arbitrary().unwrap_or("");
    let payload = u.take_rest();
    let _ = auth.verify(key, timestamp, |_| Some(value), payload);
    let _ = auth.verify(key, timestamp, |_| None, payload);
}

fn round_trip(m: Material<'_>) {
    let secret_id = token(m.secret_id, "AKIDfuzz");
    let service = token(m.service, "ess").to_ascii_lowercase();
    let host = token(m.host, "ess.tencentcloudapi.com").to_ascii_lowercase();
    let timestamp = m.timestamp % (MAX_TIMESTAMP + 1);

    // The client's fast path and the general signer agree.
    let fast =
        RequestSigner::new(&service, &host).sign(&secret_id, m.secret_key, timestamp, m.payload);
    let headers = [("Content-Type", CONTENT_TYPE), ("Host", host.as_str())];
    let general = sign(&SignatureParams {
        secret_id: &secret_id,
        secret_key: m.secret_key,
        service: &service,
        timestamp,
        headers: &headers,
        payload: m.payload,
    });
    assert_eq!(fast, general.to_string());

    let auth = Authorization::parse(&fast).unwrap_or_else(|e| panic!("{fast:?}: {e}"));
    assert_eq!(auth, general);
    let lookup = |name: &str| match name {
        "content-type" => Some(CONTENT_TYPE),
        "host" => Some(host.as_str()),
        _ => None,
    };
    auth.verify(m.secret_key, timestamp, lookup, m.payload)
        .unwrap_or_else(|e| panic!("a fresh signature does not verify: {e}"));

    // Any change is caught.
    let mut changed = m.payload.to_vec();
    match changed.first_mut() {
        Some(b) => *b ^= 1,
        None => changed.push(0),
    }
    assert_eq!(
        auth.verify(m.secret_key, timestamp, lookup, &changed),
        Err(VerifyError::SignatureMismatch)
    );
    // HMAC pads short keys with zeros: such keys are the same key.
    if m.probe_key.trim_end_matches('\0') != m.secret_key.trim_end_matches('\0') {
        assert_eq!(
            auth.verify(m.probe_key, timestamp, lookup, m.payload),
            Err(VerifyError::SignatureMismatch)
        );
    }
    let probe = m.probe_timestamp % (MAX_TIMESTAMP + 1);
    if probe != timestamp {
        let result = auth.verify(m.secret_key, probe, lookup, m.payload);
        if UtcDate::from_unix(probe) == UtcDate::from_unix(timestamp) {
            assert_eq!(result, Err(VerifyError::SignatureMismatch));
        } else {
            assert!(
                matches!(result, Err(VerifyError::DateMismatch { .. })),
                "{result:?}"
            );
        }
    }
    let other_host = |name: &str| match name {
        "content-type" => Some(CONTENT_TYPE),
        "host" => Some("elsewhere.example"),
        _ => None,
    };
    if host != "elsewhere.example" {
        assert_eq!(
            auth.verify(m.secret_key, timestamp, other_host, m.payload),
            Err(VerifyError::SignatureMismatch)
        );
    }

    // More signed headers, in any order and case, still verify.
    let mut all: Vec<(String, String)> = vec![
        ("Content-Type".into(), CONTENT_TYPE.into()),
        ("Host".into(), host.clone()),
    ];
    for (name, value) in m.extra_headers.iter().take(8) {
        let name = token(name, "x-extra");
        let value: String = value.chars().filter(|c| c.is_ascii_graphic()).collect();
        if all.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            continue;
        }
        all.push((name, value));
    }
    let pairs: Vec<(&str, &str)> = all.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let signed = sign(&SignatureParams {
        secret_id: &secret_id,
        secret_key: m.secret_key,
        service: &service,
        timestamp,
        headers: &pairs,
        payload: m.payload,
    });
    let parsed = Authorization::parse(&signed.to_string()).expect("a signed header parses");
    let lookup_all = |name: &str| {
        all.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    parsed
        .verify(m.secret_key, timestamp, lookup_all, m.payload)
        .unwrap_or_else(|e| panic!("{signed}: {e}"));
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let (text, tail) = ess_fuzz::split_line(rest);
        parse_text(&String::from_utf8_lossy(text), tail);
    } else if let Ok(m) = Material::arbitrary_take_rest(Unstructured::new(rest)) {
        round_trip(m);
    }
});

//! The callback decoder's readers, one rule at a time, through the public
//! API: the `Content-Signature` header (its form and its lookup among the
//! headers), the bare base64 body, the query signature's parameters, its
//! SHA-1 digest over the four sorted strings, and the `encrypt` value each
//! body form is signed by. Digests are pinned by values computed with
//! Python's hashlib (the expression is beside each one).

use ess_api::callback::{
    Callback, CallbackDecoder, CallbackEncoder, CallbackError, CallbackEvent, QuerySignature,
    MSG_SIGNATURE_PARAM, NONCE_PARAM, TIMESTAMP_PARAM,
};
use ess_api::client::FixedClock;

const KEY: &str = "0123456789abcdef0123456789abcdef";
const NOW: u64 = 1_700_000_000;

/// No headers.
fn no_headers() -> std::iter::Empty<(&'static str, &'static str)> {
    std::iter::empty()
}

fn callback() -> Callback {
    Callback::new(
        "msg-1",
        CallbackEvent::MultiFlowSignQrCodeCost(serde_json::Map::new()),
    )
}

/// A plain callback signed with the header form by `token`: the body and
/// its `Content-Signature` value.
fn signed_plain(token: &str) -> (Vec<u8>, String) {
    let sent = CallbackEncoder::new()
        .with_token(token)
        .encode(&callback())
        .unwrap();
    let signature = sent.content_signature.expect("a token signs");
    (sent.body, signature)
}

#[test]
fn the_signature_header_takes_either_case_and_surrounding_spaces() {
    let (body, signature) = signed_plain("tok");
    let hex = signature.strip_prefix("sha256=").expect("sha256= form");
    assert_eq!(hex.len(), 64, "{signature}");
    let decoder = CallbackDecoder::new().with_token("tok");
    for form in [
        signature.clone(),
        format!(" SHA256={} ", hex.to_uppercase()),
        format!("Sha256={hex}\t"),
    ] {
        let got = decoder.decode(&body, [("Content-Signature", form.as_str())]);
        assert_eq!(got.unwrap(), callback(), "{form:?}");
    }
    // Well formed, but another body's HMAC: checked, and refused as such.
    let other = format!("sha256={}", "ab".repeat(32));
    assert!(matches!(
        decoder.decode(&body, [("Content-Signature", other.as_str())]),
        Err(CallbackError::BadSignature)
    ));
}

#[test]
fn a_malformed_signature_header_is_named_as_such() {
    let (body, signature) = signed_plain("tok");
    let hex = &signature["sha256=".len()..];
    let decoder = CallbackDecoder::new().with_token("tok");
    for bad in [
        String::new(),
        "sha256=".to_owned(),
        "sha1=abcd".to_owned(),
        hex.to_owned(),
        format!("sha256={}", &hex[1..]),
        format!("sha256={}zz", &hex[2..]),
        format!("sha256={hex}00"),
        "sha25é=00".to_owned(),
    ] {
        let got = decoder.decode(&body, [("Content-Signature", bad.as_str())]);
        assert!(
            matches!(got, Err(CallbackError::MalformedSignature { .. })),
            "{bad:?}: {got:?}"
        );
    }
}

#[test]
fn the_signature_header_is_found_whatever_its_case_and_once() {
    let (body, signature) = signed_plain("tok");
    let decoder = CallbackDecoder::new().with_token("tok");
    // Absent: with a token, a request without any signature is refused.
    assert!(matches!(
        decoder.decode(&body, [("Content-Type", "application/json")]),
        Err(CallbackError::MissingSignature)
    ));
    assert_eq!(
        decoder
            .decode(&body, [("content-signature", signature.as_str())])
            .unwrap(),
        callback()
    );
    // The same value twice is one signature.
    let twice = [
        ("Content-Signature", signature.as_str()),
        ("CONTENT-SIGNATURE", signature.as_str()),
    ];
    assert_eq!(decoder.decode(&body, twice).unwrap(), callback());
    // Two different values: which one counts is not guessed.
    let different = [
        ("Content-Signature", signature.as_str()),
        ("content-signature", "sha256=1"),
    ];
    assert!(matches!(
        decoder.decode(&body, different),
        Err(CallbackError::MalformedSignature { .. })
    ));
    let binary: [(&str, &[u8]); 1] = [("Content-Signature", &[0xff, 0xfe])];
    assert!(matches!(
        decoder.decode(&body, binary),
        Err(CallbackError::MalformedSignature { .. })
    ));
}

#[test]
fn a_bare_base64_body_without_a_key_asks_for_the_key() {
    let decoder = CallbackDecoder::new();
    for body in [&b"QUJD\r\nREVG=="[..], b" QUJD ", b"QU+/JD=="] {
        let got = decoder.decode(body, no_headers());
        assert!(
            matches!(got, Err(CallbackError::KeyRequired)),
            "{}: {got:?}",
            String::from_utf8_lossy(body)
        );
    }
    // Not base64: read as JSON, and refused as JSON.
    for body in [&b""[..], b"not base64!", b"QUJD;"] {
        let got = decoder.decode(body, no_headers());
        assert!(
            matches!(got, Err(CallbackError::Json(_))),
            "{}: {got:?}",
            String::from_utf8_lossy(body)
        );
    }
    // A JSON object is a message, even a wrong one.
    let got = decoder.decode(b"{\"MsgId\":1}", no_headers());
    assert!(
        !matches!(got, Err(CallbackError::KeyRequired) | Ok(_)),
        "{got:?}"
    );
}

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
fn query_parameters_are_found_and_decoded() {
    let q = parse(&format!(
        "?a=1&timestamp=1700000000&&nonce=n%2Bo+n%C3%A9&msg_signature={SIG}&z"
    ))
    .unwrap()
    .unwrap();
    assert_eq!(q.timestamp(), 1_700_000_000);
    assert_eq!(q.nonce(), "n+o né");
    // Debug shows the signature's bytes, as lowercase hexadecimal.
    let shown = format!("{q:?}");
    assert!(
        shown.contains(&format!("\"{}\"", SIG.to_ascii_lowercase())),
        "{shown}"
    );
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
fn malformed_query_parameters_are_named() {
    let ok = format!("timestamp=1&nonce=n&msg_signature={SIG}");
    assert!(parse(&ok).unwrap().is_some());
    let cases = [
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
    ];
    for (query, parameter) in cases {
        assert_eq!(malformed_parameter(&query), parameter, "{query}");
    }
    let largest = format!("timestamp={}&nonce=n&msg_signature={SIG}", u64::MAX);
    assert_eq!(parse(&largest).unwrap().unwrap().timestamp(), u64::MAX);
}

/// What a decoder with `token` (and no key) says of `body` sent with
/// `query`, its clock at `now`. A signature that checks out goes on to the
/// body, which without a key is refused as encrypted (`KeyRequired`): that
/// answer is the sign that the signature was accepted.
fn check_query(token: &str, now: u64, body: &[u8], query: &str) -> CallbackError {
    CallbackDecoder::new()
        .with_token(token)
        .with_clock(FixedClock::new(now))
        .decode_request(body, no_headers(), Some(query))
        .expect_err("no key: an accepted signature ends at KeyRequired")
}

fn accepted(error: &CallbackError) -> bool {
    matches!(error, CallbackError::KeyRequired)
}

#[test]
fn the_query_digest_is_over_the_four_strings_sorted() {
    // hashlib.sha1("".join(sorted(["tok", "1700000000", "nonce", "QUJD"])).encode())
    let query =
        "timestamp=1700000000&nonce=nonce&msg_signature=c24ec1af3a1a2c23e8a2c061b3aef6fe1df6caf3";
    let e = check_query("tok", NOW, br#"{"encrypt":"QUJD"}"#, query);
    assert!(accepted(&e), "{e:?}");
    // One bit off in the last byte is refused.
    let off = query.replace("caf3", "caf2");
    let e = check_query("tok", NOW, br#"{"encrypt":"QUJD"}"#, &off);
    assert!(matches!(e, CallbackError::BadQuerySignature), "{e:?}");

    // Whichever role each string plays, the digest is the same: the four
    // are sorted byte by byte ("1" < "12" < "123" < "2") before hashing.
    // hashlib.sha1(b"1121232")
    const DIGEST: &str = "05d97e050c83a71a4bcc8cde0ac53447002aec12";
    let parts = ["2", "12", "1", "123"];
    let mut orders = 0;
    for (i, token) in parts.iter().enumerate() {
        for (j, timestamp) in parts.iter().enumerate() {
            for (k, nonce) in parts.iter().enumerate() {
                for (l, encrypt) in parts.iter().enumerate() {
                    let mut seen = [false; 4];
                    for x in [i, j, k, l] {
                        seen[x] = true;
                    }
                    if !seen.iter().all(|s| *s) {
                        continue;
                    }
                    orders += 1;
                    let query =
                        format!("timestamp={timestamp}&nonce={nonce}&msg_signature={DIGEST}");
                    let body = format!(r#"{{"encrypt":"{encrypt}"}}"#);
                    let now = timestamp.parse().unwrap();
                    let e = check_query(token, now, body.as_bytes(), &query);
                    assert!(accepted(&e), "{query} {token} {encrypt}: {e:?}");
                }
            }
        }
    }
    assert_eq!(orders, 24);
}

#[test]
fn each_body_form_is_signed_by_its_encrypt_value() {
    // hashlib.sha1("".join(sorted(["token", "1700000000", "nonce", X])).encode())
    for (body, digest) in [
        // A bare body: as received.
        (&b"QUJD"[..], "cdccca37ce87786a5de4c51ff5db74de0d6036a9"),
        (b"QUJD\n", "113792827cb0d9f9c4ba298fc9356d8c7ea55753"),
        // A wrapped body: the JSON string's value, unescaped.
        (
            br#" {"encrypt": "QU\/JD", "x": 1} "#,
            "4b50cc989bac031522685a6f40b9f2b7a1765b95",
        ),
    ] {
        let query = format!("timestamp=1700000000&nonce=nonce&msg_signature={digest}");
        let e = check_query("token", NOW, body, &query);
        assert!(accepted(&e), "{}: {e:?}", String::from_utf8_lossy(body));
    }
    // A body with no `encrypt` value to sign cannot carry this form.
    let query = format!("timestamp=1700000000&nonce=nonce&msg_signature={SIG}");
    for body in [
        &b""[..],
        b"  ",
        b"{",
        b"{\"encrypt\": 1}",
        b"{\"encrypt\": \"\"}",
        b"{\"MsgId\": \"m\", \"MsgType\": \"x\"}",
    ] {
        let e = check_query("token", NOW, body, &query);
        assert!(
            matches!(e, CallbackError::NoEncryptValue { .. }),
            "{}: {e:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn the_encoders_query_signature_is_the_one_the_decoder_checks() {
    let encoder = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token("token");
    let query = encoder.sign_query(b"QUJD", NOW, "a b&c").unwrap();
    assert!(
        query.starts_with("timestamp=1700000000&nonce=a%20b%26c&msg_signature="),
        "{query}"
    );
    let q = QuerySignature::from_query(&query).unwrap().unwrap();
    assert_eq!(q.nonce(), "a b&c");
    assert!(accepted(&check_query("token", NOW, b"QUJD", &query)));
    // The signature's hexadecimal is read in either case.
    let (head, hex) = query.split_at(query.len() - 40);
    let upper = format!("{head}{}", hex.to_ascii_uppercase());
    assert_ne!(upper, query);
    assert!(accepted(&check_query("token", NOW, b"QUJD", &upper)));
    for (token, body) in [("token", &b"QUJE"[..]), ("tokem", b"QUJD")] {
        let e = check_query(token, NOW, body, &query);
        assert!(matches!(e, CallbackError::BadQuerySignature), "{e:?}");
    }
    let shown = format!("{q:?}");
    assert!(
        shown.contains("1700000000") && !shown.contains("token"),
        "{shown}"
    );
    // Without a key nothing is encrypted, so there is no value to sign.
    assert_eq!(
        CallbackEncoder::new()
            .with_token("token")
            .sign_query(b"QUJD", NOW, "n"),
        None
    );
}

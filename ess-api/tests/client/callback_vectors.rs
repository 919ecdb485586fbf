//! Callback decoding against vectors made with OpenSSL and Python's
//! hashlib (see `fixtures/callback/README.md`): decryption of both body
//! forms, both signature forms (the `Content-Signature` header and the
//! `msg_signature` query string), replayed timestamps, every decryption
//! failure, and forward-compatible typing.

use std::time::Duration;

use ess_api::callback::{
    Callback, CallbackDecoder, CallbackEncoder, CallbackError, CallbackEvent, EncryptedForm,
    QuerySignature, SignatureCheck, SignatureForm, DEFAULT_TIMESTAMP_WINDOW,
};
use ess_api::client::FixedClock;
use ess_api::types::{CallbackMsgType, FlowCallbackStatus};
use serde_json::json;

macro_rules! fixture {
    ($($path:tt)+) => {
        include_bytes!(concat!("../fixtures/callback/", $($path)+)).as_slice()
    };
}

macro_rules! fixture_str {
    ($($path:tt)+) => {
        include_str!(concat!("../fixtures/callback/", $($path)+))
    };
}

const KEY: &str = fixture_str!("key.txt");
const WRONG_KEY: &str = fixture_str!("wrong_key.txt");
const TOKEN: &str = fixture_str!("token.txt");

/// One message in every form the generator wrote.
struct Vector {
    name: &'static str,
    plain: &'static [u8],
    plain_sig: &'static str,
    bare: &'static [u8],
    bare_sig: &'static str,
    wrapped: &'static [u8],
    wrapped_sig: &'static str,
}

macro_rules! vector {
    ($name:literal) => {
        Vector {
            name: $name,
            plain: fixture!(concat!("plain/", $name, ".json")),
            plain_sig: fixture_str!(concat!("signed/", $name, ".sig")),
            bare: fixture!(concat!("enc/", $name, ".bare.txt")),
            bare_sig: fixture_str!(concat!("enc/", $name, ".bare.sig")),
            wrapped: fixture!(concat!("enc/", $name, ".wrapped.json")),
            wrapped_sig: fixture_str!(concat!("enc/", $name, ".wrapped.sig")),
        }
    };
}

fn vectors() -> [Vector; 6] {
    [
        vector!("flow_status_change"),
        vector!("numbers_as_strings"),
        vector!("unknown_status"),
        vector!("unknown_msg_type"),
        vector!("create_flow_by_qr_code"),
        vector!("multi_flow_sign_qr_code_cost"),
    ]
}

fn full() -> CallbackDecoder {
    CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN)
}

fn key_only() -> CallbackDecoder {
    CallbackDecoder::new().with_key(KEY).unwrap()
}

fn decode_fsc(decoder: &CallbackDecoder, body: &[u8], sig: Option<&str>) -> Callback {
    decoder.decode_with_signature(body, sig).unwrap()
}

#[test]
fn the_fixture_key_and_token_are_what_the_readme_says() {
    assert_eq!(KEY.len(), 32);
    assert_eq!(WRONG_KEY.len(), 32);
    assert_ne!(KEY, WRONG_KEY);
    assert!(!TOKEN.is_empty() && !TOKEN.ends_with('\n'));
}

#[test]
fn bare_and_wrapped_bodies_decrypt_and_verify_to_the_plain_message() {
    for v in vectors() {
        let expected = Callback::from_json(v.plain).unwrap();
        let bare = full()
            .decode_with_signature(v.bare, Some(v.bare_sig))
            .unwrap_or_else(|e| panic!("{} bare: {e}", v.name));
        let wrapped = full()
            .decode_with_signature(v.wrapped, Some(v.wrapped_sig))
            .unwrap_or_else(|e| panic!("{} wrapped: {e}", v.name));
        assert_eq!(bare, expected, "{} bare", v.name);
        assert_eq!(wrapped, expected, "{} wrapped", v.name);
        // The decrypted text is the plain file, byte for byte.
        assert_eq!(
            key_only().open(v.bare, None).unwrap(),
            v.plain,
            "{}",
            v.name
        );
        assert_eq!(
            key_only().open(v.wrapped, None).unwrap(),
            v.plain,
            "{}",
            v.name
        );
    }
}

#[test]
fn headers_are_found_whatever_their_case() {
    let v = vector!("flow_status_change");
    let headers = [
        ("Content-Type", "application/json"),
        ("content-signature", v.wrapped_sig),
    ];
    let callback = full().decode(v.wrapped, headers).unwrap();
    assert_eq!(callback.msg_id, "yDSLWUUckpo2pxluUuO4zjEFsBH1T6WD");
    let headers = vec![("CONTENT-SIGNATURE".to_owned(), v.bare_sig.to_owned())];
    assert_eq!(full().decode(v.bare, headers).unwrap(), callback);
}

#[test]
fn unencrypted_signed_bodies_verify() {
    let decoder = CallbackDecoder::new().with_token(TOKEN);
    for v in vectors() {
        let callback = decoder
            .decode_with_signature(v.plain, Some(v.plain_sig))
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(callback, Callback::from_json(v.plain).unwrap());
    }
}

#[test]
fn encrypted_bodies_need_no_token_when_none_is_configured() {
    let v = vector!("flow_status_change");
    // A decoder without token ignores whatever signature header comes.
    let callback = key_only()
        .decode_with_signature(v.wrapped, Some("sha256=not even hex"))
        .unwrap();
    assert_eq!(callback.msg_id, "yDSLWUUckpo2pxluUuO4zjEFsBH1T6WD");
}

#[test]
fn a_flow_status_change_is_typed_member_by_member() {
    let v = vector!("flow_status_change");
    let callback = decode_fsc(&full(), v.wrapped, Some(v.wrapped_sig));
    assert_eq!(callback.msg_id, "yDSLWUUckpo2pxluUuO4zjEFsBH1T6WD");
    assert_eq!(callback.msg_version.as_deref(), Some("1.0"));
    assert_eq!(callback.msg_type(), CallbackMsgType::FlowStatusChange);
    assert!(callback.extra.is_empty());
    let CallbackEvent::FlowStatusChange(data) = &callback.event else {
        panic!("{:?}", callback.event)
    };
    assert_eq!(data.flow_id, "yDwFmUUckpstqfvzUE1h3jo1f3cqjkGm");
    assert_eq!(
        data.document_id.as_deref(),
        Some("yDwFmUUckpsu2cnbUuO4zjEpSb4FqNbw")
    );
    assert_eq!(data.flow_name.as_deref(), Some("员工入职合同"));
    assert_eq!(data.flow_type.as_deref(), Some("劳动合同"));
    assert_eq!(data.callback_type.as_deref(), Some("flow"));
    assert_eq!(data.unordered, Some(false));
    assert_eq!(data.create_on, Some(1_700_000_000));
    assert_eq!(data.updated_on, Some(1_700_000_600));
    assert_eq!(data.dead_line, Some(1_731_536_000));
    assert_eq!(data.flow_callback_status, Some(FlowCallbackStatus::Signed));
    assert_eq!(
        data.user_id.as_deref(),
        Some("yDRCLUUgygq2xun5UuO4zjEwg0vjoimj")
    );
    assert_eq!(
        data.recipient_id.as_deref(),
        Some("yDwFmUUckpsuxtwoUuO4zjEALMg2yx81")
    );
    assert_eq!(data.operate.as_deref(), Some("sign"));
    assert_eq!(data.user_data.as_deref(), Some("order-20231114-0001"));
    let approvers = data.approvers.as_ref().unwrap();
    assert_eq!(approvers.len(), 1);
    assert_eq!(approvers[0]["ApproveName"], "张三");
    assert_eq!(approvers[0]["ApproveStatus"], 3);
    // A member the spec does not list is kept.
    assert_eq!(data.extra.get("CcInfo"), Some(&json!([])));
    assert_eq!(data.extra.len(), 1);
}

#[test]
fn numbers_and_booleans_sent_as_strings_decode() {
    let v = vector!("numbers_as_strings");
    let callback = decode_fsc(&full(), v.bare, Some(v.bare_sig));
    assert_eq!(callback.msg_id, "20231114000001");
    assert_eq!(callback.msg_version.as_deref(), Some("1"));
    let CallbackEvent::FlowStatusChange(data) = &callback.event else {
        panic!("{:?}", callback.event)
    };
    assert_eq!(data.unordered, Some(true));
    assert_eq!(data.create_on, Some(1_700_000_000));
    assert_eq!(data.updated_on, Some(1_700_000_600));
    assert_eq!(data.dead_line, None, "an empty string is no value");
    assert_eq!(
        data.flow_callback_status,
        Some(FlowCallbackStatus::PartlySigned)
    );
    assert_eq!(data.user_data, None, "null is no value");
}

#[test]
fn an_unknown_status_is_kept() {
    let v = vector!("unknown_status");
    let callback = decode_fsc(&full(), v.wrapped, Some(v.wrapped_sig));
    let CallbackEvent::FlowStatusChange(data) = &callback.event else {
        panic!("{:?}", callback.event)
    };
    assert_eq!(
        data.flow_callback_status,
        Some(FlowCallbackStatus::Unknown(99))
    );
    assert_eq!(data.flow_callback_status.unwrap().as_i64(), 99);
}

#[test]
fn an_unknown_msg_type_is_kept_with_its_data() {
    let v = vector!("unknown_msg_type");
    let callback = decode_fsc(&full(), v.wrapped, Some(v.wrapped_sig));
    assert_eq!(
        callback.event,
        CallbackEvent::Unknown {
            msg_type: "SomeFutureEvent".into(),
            data: json!({"Anything": [1, "two", {"three": 3}]}),
        }
    );
    assert_eq!(
        callback.msg_type(),
        CallbackMsgType::Unknown("SomeFutureEvent".into())
    );
    assert_eq!(callback.msg_version.as_deref(), Some("2.0"));
    assert_eq!(
        callback.extra.get("TraceId"),
        Some(&json!("a member the SDK does not know"))
    );
}

#[test]
fn qr_code_events_keep_their_data() {
    let v = vector!("create_flow_by_qr_code");
    let callback = decode_fsc(&full(), v.bare, Some(v.bare_sig));
    let CallbackEvent::CreateFlowByQrCode(data) = &callback.event else {
        panic!("{:?}", callback.event)
    };
    assert_eq!(data["QrCodeId"], "yDCHHUUckpbdauq9UEjnoFDCCumAMmv1");
    assert_eq!(data["TemplateId"], "yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR");
    assert_eq!(data["UserData"], "campaign-7");
    assert_eq!(data.len(), 3);

    let v = vector!("multi_flow_sign_qr_code_cost");
    let callback = decode_fsc(&full(), v.wrapped, Some(v.wrapped_sig));
    let CallbackEvent::MultiFlowSignQrCodeCost(data) = &callback.event else {
        panic!("{:?}", callback.event)
    };
    assert_eq!(data["FlowId"], "yDwFmUUckpstqfvzUE1h3jo1f3cqjkGm");
    assert_eq!(data.len(), 3);
    assert_eq!(
        callback.msg_type(),
        CallbackMsgType::MultiFlowSignQrCodeCost
    );
}

#[test]
fn a_tampered_body_fails_the_signature() {
    let v = vector!("flow_status_change");
    // Change one base64 character inside the wrapper.
    let mut body = v.wrapped.to_vec();
    let at = body.len() / 2;
    body[at] = if body[at] == b'A' { b'B' } else { b'A' };
    let err = full()
        .decode_with_signature(&body, Some(v.wrapped_sig))
        .unwrap_err();
    assert!(matches!(err, CallbackError::BadSignature), "{err:?}");
    assert!(err.is_authentication());

    // Re-wrapping the same ciphertext (other spacing) also changes the body.
    let respaced = format!(
        "{{ \"encrypt\": \"{}\" }}",
        std::str::from_utf8(v.bare).unwrap()
    );
    let err = full()
        .decode_with_signature(respaced.as_bytes(), Some(v.wrapped_sig))
        .unwrap_err();
    assert!(matches!(err, CallbackError::BadSignature), "{err:?}");

    // The signature of one form does not fit the other.
    let err = full()
        .decode_with_signature(v.wrapped, Some(v.bare_sig))
        .unwrap_err();
    assert!(matches!(err, CallbackError::BadSignature), "{err:?}");
}

#[test]
fn the_wrong_token_fails_the_signature() {
    let v = vector!("flow_status_change");
    let decoder = CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token("another-token");
    let err = decoder
        .decode_with_signature(v.wrapped, Some(v.wrapped_sig))
        .unwrap_err();
    assert!(matches!(err, CallbackError::BadSignature), "{err:?}");
}

#[test]
fn a_missing_or_malformed_signature_is_refused() {
    let v = vector!("flow_status_change");
    let err = full().decode_with_signature(v.wrapped, None).unwrap_err();
    assert!(matches!(err, CallbackError::MissingSignature), "{err:?}");
    let no_header: [(&str, &str); 1] = [("Content-Type", "application/json")];
    let err = full().decode(v.wrapped, no_header).unwrap_err();
    assert!(matches!(err, CallbackError::MissingSignature), "{err:?}");

    let hex = v.wrapped_sig.strip_prefix("sha256=").unwrap();
    for bad in [
        hex.to_owned(),                        // no prefix
        format!("sha1={hex}"),                 // other algorithm
        format!("sha256={}", &hex[..62]),      // too short
        format!("sha256={}g", &hex[..63]),     // not hex
        "sha256=".to_owned(),                  // empty
        format!("sha256={hex}, sha256={hex}"), // a list
    ] {
        let err = full()
            .decode_with_signature(v.wrapped, Some(&bad))
            .unwrap_err();
        assert!(
            matches!(err, CallbackError::MalformedSignature { .. }),
            "{bad}: {err:?}"
        );
        assert!(err.is_authentication());
    }
    // Two different values for the header.
    let twice = [
        ("Content-Signature", v.wrapped_sig),
        ("Content-Signature", v.bare_sig),
    ];
    let err = full().decode(v.wrapped, twice).unwrap_err();
    assert!(
        matches!(err, CallbackError::MalformedSignature { .. }),
        "{err:?}"
    );
    // Upper-case hex is the same signature.
    let upper = format!("sha256={}", hex.to_uppercase());
    assert!(full()
        .decode_with_signature(v.wrapped, Some(&upper))
        .is_ok());
}

#[test]
fn the_signature_is_checked_before_anything_is_decrypted() {
    // Garbage that would fail base64 decoding, with a wrong signature: the
    // signature is what fails.
    let sig = format!("sha256={}", "00".repeat(32));
    let err = full()
        .decode_with_signature(b"%%% not base64 %%%", Some(&sig))
        .unwrap_err();
    assert!(matches!(err, CallbackError::BadSignature), "{err:?}");
    // Same with an oversized body: size first, then the signature.
    let decoder = full().with_max_body_len(10);
    let err = decoder
        .decode_with_signature(b"%%% not base64 %%%", Some(&sig))
        .unwrap_err();
    assert!(
        matches!(err, CallbackError::BodyTooLarge { len: 18, limit: 10 }),
        "{err:?}"
    );
}

#[test]
fn the_wrong_key_is_a_decryption_failure() {
    let v = vector!("flow_status_change");
    let decoder = CallbackDecoder::new().with_key(WRONG_KEY).unwrap();
    for body in [v.bare, v.wrapped] {
        let err = decoder.decode_with_signature(body, None).unwrap_err();
        assert!(matches!(err, CallbackError::Decryption), "{err:?}");
        assert!(err.is_decryption());
    }
    // And the other way round: encrypted with the wrong key, read with ours.
    let err = key_only()
        .decode_with_signature(fixture!("broken/wrong_key.bare.txt"), None)
        .unwrap_err();
    assert!(matches!(err, CallbackError::Decryption), "{err:?}");
}

#[test]
fn truncated_ciphertexts_are_refused() {
    let err = key_only()
        .decode_with_signature(fixture!("broken/truncated.bare.txt"), None)
        .unwrap_err();
    let full_len = key_only()
        .open(vector!("flow_status_change").bare, None)
        .unwrap()
        .len();
    let padded = (full_len / 16 + 1) * 16;
    match err {
        CallbackError::CiphertextLength { len } => assert_eq!(len, padded - 5),
        other => panic!("{other:?}"),
    }
    let err = key_only()
        .decode_with_signature(fixture!("broken/truncated_block.bare.txt"), None)
        .unwrap_err();
    assert!(matches!(err, CallbackError::Decryption), "{err:?}");
    // Nothing at all.
    for empty in [&b""[..], b"{\"encrypt\":\"\"}"] {
        let err = key_only().decode_with_signature(empty, None).unwrap_err();
        assert!(
            matches!(err, CallbackError::CiphertextLength { len: 0 }),
            "{err:?}"
        );
    }
}

#[test]
fn bad_padding_is_a_decryption_failure() {
    let err = key_only()
        .decode_with_signature(fixture!("broken/bad_padding.bare.txt"), None)
        .unwrap_err();
    assert!(matches!(err, CallbackError::Decryption), "{err:?}");
}

#[test]
fn non_base64_is_refused() {
    for body in [
        &b"this is not base64!"[..],
        b"{\"encrypt\":\"@@@@\"}",
        b"QUJD*EVG",
        b"{\"encrypt\":\"QUJDREVGR0hJSktMTU5PUA=x\"}",
    ] {
        let err = key_only().decode_with_signature(body, None).unwrap_err();
        assert!(
            matches!(err, CallbackError::InvalidBase64 { .. }),
            "{}: {err:?}",
            String::from_utf8_lossy(body)
        );
        assert!(err.is_decryption());
    }
}

#[test]
fn base64_in_lines_is_accepted() {
    let lines = fixture!("broken/flow_status_change.lines.txt");
    assert!(lines.contains(&b'\n'));
    let callback = key_only().decode_with_signature(lines, None).unwrap();
    let v = vector!("flow_status_change");
    assert_eq!(callback, Callback::from_json(v.plain).unwrap());
}

#[test]
fn the_body_form_must_match_the_configuration() {
    let v = vector!("flow_status_change");
    // A key is configured: a plain message is refused.
    let err = key_only().decode_with_signature(v.plain, None).unwrap_err();
    assert!(matches!(err, CallbackError::NotEncrypted), "{err:?}");
    // No key: encrypted bodies, in both forms, are recognised as such.
    for body in [v.bare, v.wrapped] {
        let err = CallbackDecoder::new()
            .decode_with_signature(body, None)
            .unwrap_err();
        assert!(matches!(err, CallbackError::KeyRequired), "{err:?}");
    }
    // `encrypt` must be a string.
    let err = key_only()
        .decode_with_signature(br#"{"encrypt": 12}"#, None)
        .unwrap_err();
    assert!(matches!(err, CallbackError::Shape { .. }), "{err:?}");
}

#[test]
fn the_encoder_reproduces_the_openssl_vectors() {
    for v in vectors() {
        let wrapped = CallbackEncoder::new()
            .with_key(KEY)
            .unwrap()
            .with_token(TOKEN)
            .encode_json(v.plain);
        assert_eq!(wrapped.body, v.wrapped, "{}", v.name);
        assert_eq!(
            wrapped.content_signature.as_deref(),
            Some(v.wrapped_sig),
            "{}",
            v.name
        );
        let bare = CallbackEncoder::new()
            .with_key(KEY)
            .unwrap()
            .with_token(TOKEN)
            .with_form(EncryptedForm::Bare)
            .encode_json(v.plain);
        assert_eq!(bare.body, v.bare, "{}", v.name);
        assert_eq!(bare.content_signature.as_deref(), Some(v.bare_sig));
        let plain = CallbackEncoder::new()
            .with_token(TOKEN)
            .encode_json(v.plain);
        assert_eq!(plain.body, v.plain);
        assert_eq!(plain.content_signature.as_deref(), Some(v.plain_sig));
    }
}

// ---------------------------------------------------------------------------
// The query form: `timestamp`, `nonce`, `msg_signature` (vectors from
// Python's hashlib, `fixtures/callback/query.py`).

/// The time every query vector is signed at.
const NOW: u64 = 1_700_000_000;
/// The nonce of every query vector but one.
const NONCE: &str = "q7Rk2xVb";
const NO_HEADERS: [(&str, &str); 0] = [];

/// One message's encrypted bodies and the query strings that sign them.
struct QueryVector {
    name: &'static str,
    plain: &'static [u8],
    wrapped: &'static [u8],
    wrapped_sig: &'static str,
    wrapped_query: &'static str,
    bare: &'static [u8],
    bare_query: &'static str,
}

macro_rules! query_vector {
    ($name:literal) => {
        QueryVector {
            name: $name,
            plain: fixture!(concat!("plain/", $name, ".json")),
            wrapped: fixture!(concat!("enc/", $name, ".wrapped.json")),
            wrapped_sig: fixture_str!(concat!("enc/", $name, ".wrapped.sig")),
            wrapped_query: fixture_str!(concat!("query/", $name, ".wrapped.query")),
            bare: fixture!(concat!("enc/", $name, ".bare.txt")),
            bare_query: fixture_str!(concat!("query/", $name, ".bare.query")),
        }
    };
}

fn query_vectors() -> [QueryVector; 6] {
    [
        query_vector!("flow_status_change"),
        query_vector!("numbers_as_strings"),
        query_vector!("unknown_status"),
        query_vector!("unknown_msg_type"),
        query_vector!("create_flow_by_qr_code"),
        query_vector!("multi_flow_sign_qr_code_cost"),
    ]
}

/// The full decoder, its clock reading `now`.
fn at(now: u64) -> CallbackDecoder {
    full().with_clock(FixedClock::new(now))
}

fn query_error(decoder: &CallbackDecoder, body: &[u8], query: &str) -> CallbackError {
    decoder
        .decode_request(body, NO_HEADERS, Some(query))
        .unwrap_err()
}

#[test]
fn query_signed_bodies_verify_and_decrypt_to_the_plain_message() {
    for v in query_vectors() {
        let expected = Callback::from_json(v.plain).unwrap();
        for (form, body, query) in [
            ("wrapped", v.wrapped, v.wrapped_query),
            ("bare", v.bare, v.bare_query),
        ] {
            let received = at(NOW)
                .decode_request(body, NO_HEADERS, Some(query))
                .unwrap_or_else(|e| panic!("{} {form}: {e}", v.name));
            assert_eq!(received.callback, expected, "{} {form}", v.name);
            assert_eq!(
                received.signature,
                SignatureCheck::Query { timestamp: NOW },
                "{} {form}",
                v.name
            );
            assert!(received.signature.is_verified());
            assert_eq!(received.signature.timestamp(), Some(NOW));
            // As a framework may hand it over: with the `?`, among other
            // parameters.
            let longer = format!("?tenant=a%20b&{query}&x=1");
            assert!(at(NOW)
                .decode_request(body, NO_HEADERS, Some(&longer))
                .is_ok());
        }
    }
}

#[test]
fn the_query_vectors_parse_as_written() {
    let v = query_vector!("flow_status_change");
    let q = QuerySignature::from_query(v.wrapped_query)
        .unwrap()
        .unwrap();
    assert_eq!(q.timestamp(), NOW);
    assert_eq!(q.nonce(), NONCE);
    let odd = fixture_str!("query/flow_status_change.wrapped.odd_nonce.query");
    assert!(odd.contains("nonce=n%200%2F%C3%B1%2B%26%3D&"), "{odd}");
    let q = QuerySignature::from_query(odd).unwrap().unwrap();
    assert_eq!(q.nonce(), "n 0/ñ+&=");
    // The nonce is signed decoded.
    let received = at(NOW)
        .decode_request(v.wrapped, NO_HEADERS, Some(odd))
        .unwrap();
    assert_eq!(received.callback.msg_id, "yDSLWUUckpo2pxluUuO4zjEFsBH1T6WD");
}

#[test]
fn the_query_signature_covers_the_ciphertext_not_the_wrapper() {
    // The bare body is the wrapped body's `encrypt` value: either query
    // signs both, and re-wrapping the same ciphertext keeps it valid.
    let v = query_vector!("flow_status_change");
    let wrapped = at(NOW).decode_request(v.wrapped, NO_HEADERS, Some(v.bare_query));
    let bare = at(NOW).decode_request(v.bare, NO_HEADERS, Some(v.wrapped_query));
    assert_eq!(wrapped.unwrap().callback, bare.unwrap().callback);
    let respaced = format!(
        "{{ \"encrypt\" : \"{}\", \"extra\": 1 }}",
        std::str::from_utf8(v.bare).unwrap()
    );
    assert!(at(NOW)
        .decode_request(respaced.as_bytes(), NO_HEADERS, Some(v.wrapped_query))
        .is_ok());
}

#[test]
fn a_tampered_timestamp_nonce_or_ciphertext_fails_the_query_signature() {
    let v = query_vector!("flow_status_change");
    for (what, query) in [
        (
            "timestamp",
            fixture_str!("query/broken/tampered_timestamp.query"),
        ),
        ("nonce", fixture_str!("query/broken/tampered_nonce.query")),
        ("token", fixture_str!("query/broken/wrong_token.query")),
        ("unsorted", fixture_str!("query/broken/unsorted.query")),
    ] {
        let err = query_error(&at(NOW), v.wrapped, query);
        assert!(
            matches!(err, CallbackError::BadQuerySignature),
            "{what}: {err:?}"
        );
        assert!(err.is_authentication() && !err.is_replay(), "{what}");
    }
    // The ciphertext changed, the query as signed.
    let tampered = fixture!("query/broken/tampered_ciphertext.wrapped.json");
    let err = query_error(&at(NOW), tampered, v.wrapped_query);
    assert!(matches!(err, CallbackError::BadQuerySignature), "{err:?}");
    // The signature of another message.
    let other = query_vector!("unknown_status");
    let err = query_error(&at(NOW), v.wrapped, other.wrapped_query);
    assert!(matches!(err, CallbackError::BadQuerySignature), "{err:?}");
    // A decoder with another token.
    let decoder = CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token("another-token")
        .with_clock(FixedClock::new(NOW));
    let err = query_error(&decoder, v.wrapped, v.wrapped_query);
    assert!(matches!(err, CallbackError::BadQuerySignature), "{err:?}");
    // A forged timestamp far from the clock is a bad signature first.
    let err = query_error(
        &at(NOW + 86_400),
        v.wrapped,
        fixture_str!("query/broken/tampered_timestamp.query"),
    );
    assert!(matches!(err, CallbackError::BadQuerySignature), "{err:?}");
}

#[test]
fn a_replayed_timestamp_is_refused() {
    let v = query_vector!("flow_status_change");
    let stale = fixture_str!("query/broken/stale.query");
    let err = query_error(&at(NOW), v.wrapped, stale);
    match err {
        CallbackError::TimestampOutOfWindow {
            timestamp,
            now,
            distance,
            window_secs,
        } => {
            assert_eq!(
                (timestamp, now, distance, window_secs),
                (NOW - 3600, NOW, 3600, 300)
            );
        }
        ref other => panic!("{other:?}"),
    }
    assert!(err.is_replay() && err.is_authentication());
    let text = err.to_string();
    assert!(
        text.contains("1699996400") && text.contains("300 s"),
        "{text}"
    );

    // The window is configurable, and whole seconds count, either way.
    let window = |secs: u64| at(NOW).with_timestamp_window(Duration::from_secs(secs));
    assert!(window(3600)
        .decode_request(v.wrapped, NO_HEADERS, Some(stale))
        .is_ok());
    assert!(query_error(&window(3599), v.wrapped, stale).is_replay());
    assert_eq!(
        CallbackDecoder::new().timestamp_window(),
        DEFAULT_TIMESTAMP_WINDOW
    );
    assert_eq!(DEFAULT_TIMESTAMP_WINDOW, Duration::from_secs(300));
    for now in [NOW - 300, NOW, NOW + 300] {
        assert!(at(now)
            .decode_request(v.wrapped, NO_HEADERS, Some(v.wrapped_query))
            .is_ok());
    }
    for now in [NOW - 301, NOW + 301, 0, u64::MAX] {
        let err = query_error(&at(now), v.wrapped, v.wrapped_query);
        assert!(err.is_replay(), "{now}: {err:?}");
    }
    assert!(at(u64::MAX)
        .with_timestamp_window(Duration::MAX)
        .decode_request(v.wrapped, NO_HEADERS, Some(v.wrapped_query))
        .is_ok());
    // The system clock is far past 2023: the vectors are stale for it.
    assert!(query_error(&full(), v.wrapped, v.wrapped_query).is_replay());
}

#[test]
fn both_forms_together_are_both_checked() {
    let v = query_vector!("flow_status_change");
    let header = [("Content-Signature", v.wrapped_sig)];
    let received = at(NOW)
        .decode_request(v.wrapped, header, Some(v.wrapped_query))
        .unwrap();
    assert_eq!(
        received.signature,
        SignatureCheck::ContentSignatureAndQuery { timestamp: NOW }
    );
    // One right form does not excuse a wrong one.
    let err = at(NOW)
        .decode_request(
            v.wrapped,
            header,
            Some(fixture_str!("query/broken/tampered_nonce.query")),
        )
        .unwrap_err();
    assert!(matches!(err, CallbackError::BadQuerySignature), "{err:?}");
    let wrong_header = [("Content-Signature", format!("sha256={}", "0".repeat(64)))];
    let err = at(NOW)
        .decode_request(v.wrapped, wrong_header, Some(v.wrapped_query))
        .unwrap_err();
    assert!(matches!(err, CallbackError::BadSignature), "{err:?}");
    let err = at(NOW)
        .decode_request(
            v.wrapped,
            header,
            Some(fixture_str!("query/broken/stale.query")),
        )
        .unwrap_err();
    assert!(err.is_replay(), "{err:?}");
    // The header alone, through the same entry point.
    let received = at(NOW).decode_request(v.wrapped, header, None).unwrap();
    assert_eq!(received.signature, SignatureCheck::ContentSignature);
    assert_eq!(received.signature.timestamp(), None);
}

#[test]
fn neither_form_is_refused_unless_the_decoder_is_built_for_unsigned_callbacks() {
    let v = query_vector!("flow_status_change");
    for query in [
        None,
        Some(""),
        Some("timestamp=1700000000&nonce=q7Rk2xVb"),
        Some("a=1"),
    ] {
        let err = at(NOW)
            .decode_request(v.wrapped, NO_HEADERS, query)
            .unwrap_err();
        assert!(
            matches!(err, CallbackError::MissingSignature),
            "{query:?}: {err:?}"
        );
        assert!(err.is_authentication());
        assert!(err.to_string().contains("msg_signature"), "{err}");
    }
    // No token: nothing is checked, whatever the query holds, and the
    // answer says so.
    let unsigned = key_only().with_clock(FixedClock::new(0));
    for query in [
        None,
        Some(v.wrapped_query),
        Some(fixture_str!("query/broken/stale.query")),
        Some("msg_signature=zz"),
    ] {
        let received = unsigned
            .decode_request(v.wrapped, NO_HEADERS, query)
            .unwrap();
        assert_eq!(received.signature, SignatureCheck::Unchecked, "{query:?}");
        assert!(!received.signature.is_verified());
    }
}

#[test]
fn malformed_query_signatures_are_refused_naming_the_parameter() {
    let v = query_vector!("flow_status_change");
    let sig = v.wrapped_query.rsplit('=').next().unwrap();
    for (query, parameter) in [
        (format!("nonce={NONCE}&msg_signature={sig}"), "timestamp"),
        (
            format!("timestamp=17e8&nonce={NONCE}&msg_signature={sig}"),
            "timestamp",
        ),
        (format!("timestamp={NOW}&msg_signature={sig}"), "nonce"),
        (
            format!("timestamp={NOW}&nonce=&msg_signature={sig}"),
            "nonce",
        ),
        (
            format!("timestamp={NOW}&nonce={NONCE}&msg_signature={}", &sig[2..]),
            "msg_signature",
        ),
        (
            format!("{}&msg_signature={}", v.wrapped_query, "1".repeat(40)),
            "msg_signature",
        ),
        (
            format!("{}&timestamp=1700000001", v.wrapped_query),
            "timestamp",
        ),
    ] {
        match query_error(&at(NOW), v.wrapped, &query) {
            CallbackError::MalformedQuerySignature {
                parameter: p,
                reason,
            } => {
                assert_eq!(p, parameter, "{query}: {reason}")
            }
            other => panic!("{query}: {other:?}"),
        }
    }
    // Upper-case hex is the same signature; the same parameter twice with
    // the same value is accepted.
    let upper = v.wrapped_query.replace(sig, &sig.to_uppercase());
    assert!(at(NOW)
        .decode_request(v.wrapped, NO_HEADERS, Some(&upper))
        .is_ok());
    let twice = format!("{}&nonce={NONCE}", v.wrapped_query);
    assert!(at(NOW)
        .decode_request(v.wrapped, NO_HEADERS, Some(&twice))
        .is_ok());
}

#[test]
fn the_query_form_needs_an_encrypt_value() {
    let v = query_vector!("flow_status_change");
    // A decoder with a token and no key, given a plain message with a query
    // signature: there is nothing the signature could cover.
    let decoder = CallbackDecoder::new()
        .with_token(TOKEN)
        .with_clock(FixedClock::new(NOW));
    let err = query_error(&decoder, v.plain, v.wrapped_query);
    assert!(
        matches!(err, CallbackError::NoEncryptValue { .. }),
        "{err:?}"
    );
    assert!(err.is_authentication());
    for body in [
        &b""[..],
        b"{\"encrypt\": 5}",
        b"{\"encrypt\": \"\"}",
        b"{oops",
    ] {
        let err = query_error(&at(NOW), body, v.wrapped_query);
        assert!(
            matches!(err, CallbackError::NoEncryptValue { .. }),
            "{}: {err:?}",
            String::from_utf8_lossy(body)
        );
    }
    // The size limit still comes first.
    let err = query_error(&at(NOW).with_max_body_len(10), v.wrapped, v.wrapped_query);
    assert!(matches!(err, CallbackError::BodyTooLarge { .. }), "{err:?}");
}

#[test]
fn the_encoder_reproduces_the_python_query_vectors() {
    let encoder = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN)
        .with_signature_form(SignatureForm::Query);
    for v in query_vectors() {
        let wrapped = encoder.encode_json_at(v.plain, NOW, NONCE);
        assert_eq!(wrapped.body, v.wrapped, "{}", v.name);
        assert_eq!(
            wrapped.query.as_deref(),
            Some(v.wrapped_query),
            "{}",
            v.name
        );
        assert_eq!(wrapped.content_signature, None);
        let bare = encoder
            .clone()
            .with_form(EncryptedForm::Bare)
            .encode_json_at(v.plain, NOW, NONCE);
        assert_eq!(bare.body, v.bare, "{}", v.name);
        assert_eq!(bare.query.as_deref(), Some(v.bare_query), "{}", v.name);
        let both = encoder
            .clone()
            .with_signature_form(SignatureForm::Both)
            .encode_json_at(v.plain, NOW, NONCE);
        assert_eq!(both.content_signature.as_deref(), Some(v.wrapped_sig));
        assert_eq!(both.query.as_deref(), Some(v.wrapped_query));
        assert_eq!(
            encoder.sign_query(v.wrapped, NOW, NONCE).as_deref(),
            Some(v.wrapped_query)
        );
    }
    let v = query_vector!("flow_status_change");
    let odd = encoder.encode_json_at(v.plain, NOW, "n 0/ñ+&=");
    assert_eq!(
        odd.query.as_deref(),
        Some(fixture_str!(
            "query/flow_status_change.wrapped.odd_nonce.query"
        ))
    );
    // The query form needs a key and a token.
    let no_key = CallbackEncoder::new()
        .with_token(TOKEN)
        .with_signature_form(SignatureForm::Query)
        .encode_json_at(v.plain, NOW, NONCE);
    assert_eq!((no_key.query, no_key.content_signature), (None, None));
    let no_token = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_signature_form(SignatureForm::Query)
        .encode_json_at(v.plain, NOW, NONCE);
    assert_eq!(no_token.query, None);
}

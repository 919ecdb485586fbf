//! Callback decoding against vectors made with OpenSSL (see
//! `fixtures/callback/README.md`): decryption of both body forms, signature
//! checks, every decryption failure, and forward-compatible typing.

use ess_api::callback::{
    Callback, CallbackDecoder, CallbackEncoder, CallbackError, CallbackEvent, EncryptedForm,
};
use ess_api::types::{CallbackMsgType, FlowCallbackStatus};
use serde_json::json;

macro_rules! fixture {
    ($($path:tt)+) => {
        include_bytes!(concat!("fixtures/callback/", $($path)+)).as_slice()
    };
}

macro_rules! fixture_str {
    ($($path:tt)+) => {
        include_str!(concat!("fixtures/callback/", $($path)+))
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

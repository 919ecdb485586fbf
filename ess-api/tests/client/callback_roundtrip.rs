//! Callback encoder → decoder round trips, configuration errors, limits,
//! redaction of secrets, and decoding of arbitrary input without panics.

use ess_api::callback::{
    Callback, CallbackDecoder, CallbackEncoder, CallbackError, CallbackEvent, EncodedCallback,
    EncryptedForm, InvalidKeyLength, QuerySignature, SignatureCheck, SignatureForm,
    CONTENT_SIGNATURE, DEFAULT_MAX_BODY_LEN,
};
use ess_api::client::FixedClock;
use ess_api::types::{CallbackMessage, CallbackMsgType, FlowCallbackStatus, FlowStatusChangeData};
use serde_json::{json, Map, Value};

const KEY: &str = "9f4Kq2LmZx7RtB1vNc8WdY3hJs6PaE0u";
const TOKEN: &str = "round-trip-token-5b1d";

fn flow_data(status: FlowCallbackStatus) -> FlowStatusChangeData {
    let mut data = FlowStatusChangeData::default();
    data.flow_id = "yDwFmUUckpstqfvzUE1h3jo1f3cqjkGm".into();
    data.flow_name = Some("员工入职合同".into());
    data.create_on = Some(1_700_000_000);
    data.flow_callback_status = Some(status);
    data.approvers = Some(vec![json!({"ApproveName": "张三", "ApproveStatus": 3})]);
    data.extra.insert("CcInfo".into(), json!([]));
    data
}

fn map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("{other}"),
    }
}

fn samples() -> Vec<Callback> {
    let mut with_extra = Callback::new(
        "m-5",
        CallbackEvent::Unknown {
            msg_type: "SomeFutureEvent".into(),
            data: json!([1, "two", null]),
        },
    );
    with_extra.extra.insert("TraceId".into(), json!("abc-123"));
    vec![
        Callback::new(
            "m-1",
            CallbackEvent::FlowStatusChange(Box::new(flow_data(FlowCallbackStatus::Signed))),
        )
        .with_msg_version("1.0"),
        Callback::new(
            "m-2",
            CallbackEvent::FlowStatusChange(Box::new(flow_data(FlowCallbackStatus::Unknown(77)))),
        ),
        Callback::new(
            "m-3",
            CallbackEvent::CreateFlowByQrCode(map(json!({"QrCodeId": "q1", "UserData": "u"}))),
        ),
        Callback::new(
            "m-4",
            CallbackEvent::MultiFlowSignQrCodeCost(map(json!({"QrCodeId": "q1", "FlowId": "f1"}))),
        ),
        with_extra,
    ]
}

/// Every pairing of encryption, form and signing, with the matching decoder.
fn configurations() -> Vec<(&'static str, CallbackEncoder, CallbackDecoder)> {
    let key = || CallbackEncoder::new().with_key(KEY).unwrap();
    let dkey = || CallbackDecoder::new().with_key(KEY).unwrap();
    vec![
        ("plain", CallbackEncoder::new(), CallbackDecoder::new()),
        (
            "plain signed",
            CallbackEncoder::new().with_token(TOKEN),
            CallbackDecoder::new().with_token(TOKEN),
        ),
        ("wrapped", key(), dkey()),
        ("bare", key().with_form(EncryptedForm::Bare), dkey()),
        (
            "wrapped signed",
            key().with_token(TOKEN),
            dkey().with_token(TOKEN),
        ),
        (
            "bare signed",
            key().with_form(EncryptedForm::Bare).with_token(TOKEN),
            dkey().with_token(TOKEN),
        ),
    ]
}

#[test]
fn every_event_round_trips_in_every_configuration() {
    for (name, encoder, decoder) in configurations() {
        for callback in samples() {
            let sent = encoder.encode(&callback).unwrap();
            let got = decoder
                .decode(&sent.body, sent.headers())
                .unwrap_or_else(|e| panic!("{name} {}: {e}", callback.msg_id));
            assert_eq!(got, callback, "{name}");
            assert_eq!(
                sent.content_signature.is_some(),
                decoder.has_token(),
                "{name}"
            );
        }
    }
}

#[test]
fn encrypted_bodies_look_as_documented() {
    let callback = &samples()[0];
    let wrapped = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .encode(callback)
        .unwrap();
    let value: Value = serde_json::from_slice(&wrapped.body).unwrap();
    let object = value.as_object().unwrap();
    assert_eq!(object.len(), 1);
    let text = object["encrypt"].as_str().unwrap();
    assert_eq!(wrapped.content_type, "application/json");

    let bare = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_form(EncryptedForm::Bare)
        .encode(callback)
        .unwrap();
    assert_eq!(bare.body, text.as_bytes());
    assert!(bare.content_type.starts_with("text/plain"));
    // The plaintext is nowhere in sight.
    assert!(!String::from_utf8_lossy(&bare.body).contains("m-1"));
    // Fixed IV: the same message always encrypts the same way.
    let again = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_form(EncryptedForm::Bare)
        .encode(callback)
        .unwrap();
    assert_eq!(again.body, bare.body);
}

#[test]
fn the_signature_header_is_sha256_hex_of_the_body() {
    let sent = CallbackEncoder::new()
        .with_token(TOKEN)
        .encode(&samples()[2])
        .unwrap();
    let sig = sent.content_signature.as_deref().unwrap();
    let hex = sig.strip_prefix("sha256=").unwrap();
    assert_eq!(hex.len(), 64);
    assert!(hex
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(
        sent.headers(),
        vec![
            ("Content-Type", "application/json".to_owned()),
            (CONTENT_SIGNATURE, sig.to_owned())
        ]
    );
    assert_eq!(CONTENT_SIGNATURE, "Content-Signature");
    let unsigned = CallbackEncoder::new().encode(&samples()[2]).unwrap();
    assert_eq!(unsigned.content_signature, None);
    assert_eq!(unsigned.headers().len(), 1);
}

#[test]
fn any_single_byte_change_to_a_signed_body_is_caught() {
    let encoder = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN);
    let decoder = CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN);
    let sent = encoder.encode(&samples()[0]).unwrap();
    let sig = sent.content_signature.as_deref();
    for i in 0..sent.body.len() {
        let mut body = sent.body.clone();
        body[i] ^= 0x01;
        let err = decoder.decode_with_signature(&body, sig).unwrap_err();
        assert!(
            matches!(err, CallbackError::BadSignature),
            "byte {i}: {err:?}"
        );
    }
    let mut longer = sent.body.clone();
    longer.push(b' ');
    assert!(matches!(
        decoder.decode_with_signature(&longer, sig),
        Err(CallbackError::BadSignature)
    ));
}

#[test]
fn a_decoder_with_another_key_fails_to_decrypt() {
    let sent = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .encode(&samples()[0])
        .unwrap();
    let mut failures = 0;
    for i in 0..32u8 {
        let other = format!("{}{}", &KEY[..31], (b'a' + i % 26) as char);
        if other == KEY {
            continue;
        }
        let err = CallbackDecoder::new()
            .with_key(&other)
            .unwrap()
            .decode_with_signature(&sent.body, None)
            .unwrap_err();
        // Mostly bad padding; rarely garbage that happens to pad correctly.
        assert!(
            matches!(
                err,
                CallbackError::Decryption | CallbackError::NotUtf8 { .. } | CallbackError::Json(_)
            ),
            "{err:?}"
        );
        if matches!(err, CallbackError::Decryption) {
            failures += 1;
        }
    }
    assert!(failures >= 25, "{failures}");
}

#[test]
fn the_decrypted_text_must_be_a_utf8_json_callback() {
    let encoder = CallbackEncoder::new().with_key(KEY).unwrap();
    let decoder = CallbackDecoder::new().with_key(KEY).unwrap();
    let decode = |plaintext: &[u8]| {
        decoder
            .decode_with_signature(&encoder.encode_json(plaintext).body, None)
            .unwrap_err()
    };
    assert!(matches!(
        decode(b"{\"MsgId\":\"\xff\"}"),
        CallbackError::NotUtf8 { valid_up_to: 10 }
    ));
    let err = decode(b"{\"MsgId\": ");
    assert!(matches!(err, CallbackError::Json(_)), "{err:?}");
    assert!(!err.is_decryption() && !err.is_authentication());
    for (json, what) in [
        (&br#"[1, 2]"#[..], "an array"),
        (br#""text""#, "a string"),
        (br#"{"MsgId": "m"}"#, "MsgType is missing"),
        (br#"{"MsgId": "m", "MsgType": 5}"#, "envelope"),
        (br#"{"MsgId": ["m"], "MsgType": "FlowStatusChange"}"#, "envelope"),
        (br#"{"MsgId": "m", "MsgType": "FlowStatusChange"}"#, "missing"),
        (
            br#"{"MsgId": "m", "MsgType": "FlowStatusChange", "MsgData": "{}"}"#,
            "must be an object, found a string",
        ),
        (
            br#"{"MsgId": "m", "MsgType": "FlowStatusChange", "MsgData": {"FlowCallbackStatus": "four"}}"#,
            "MsgData of FlowStatusChange",
        ),
        (
            br#"{"MsgId": "m", "MsgType": "FlowStatusChange", "MsgData": {"CreateOn": 1.5}}"#,
            "MsgData of FlowStatusChange",
        ),
        (
            br#"{"MsgId": "m", "MsgType": "CreateFlowByQrCode", "MsgData": [1]}"#,
            "must be an object, found an array",
        ),
    ] {
        let err = decode(json);
        match &err {
            CallbackError::Shape { reason } => assert!(
                reason.contains(what),
                "{}: {reason}",
                String::from_utf8_lossy(json)
            ),
            other => panic!("{}: {other:?}", String::from_utf8_lossy(json)),
        }
    }
}

#[test]
fn plain_bodies_report_utf8_json_and_shape_errors() {
    let decoder = CallbackDecoder::new();
    assert!(matches!(
        decoder.decode_with_signature(b"\xff{}", None),
        Err(CallbackError::NotUtf8 { valid_up_to: 0 })
    ));
    assert!(matches!(
        decoder.decode_with_signature(b"{\"MsgId\":", None),
        Err(CallbackError::Json(_))
    ));
    assert!(matches!(
        decoder.decode_with_signature(b"null", None),
        Err(CallbackError::Shape { .. })
    ));
    // Deep nesting is refused by the JSON parser, not by a stack overflow.
    let deep = format!(
        r#"{{"MsgId":"m","MsgType":"X","MsgData":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(matches!(
        decoder.decode_with_signature(deep.as_bytes(), None),
        Err(CallbackError::Json(_))
    ));
}

#[test]
fn qr_code_events_without_data_have_an_empty_map() {
    for (json, expected) in [
        (
            r#"{"MsgId":"m","MsgType":"CreateFlowByQrCode"}"#,
            CallbackEvent::CreateFlowByQrCode(Map::new()),
        ),
        (
            r#"{"MsgId":"m","MsgType":"MultiFlowSignQrCodeCost","MsgData":null}"#,
            CallbackEvent::MultiFlowSignQrCodeCost(Map::new()),
        ),
        (
            r#"{"MsgId":"m","MsgType":"Later"}"#,
            CallbackEvent::Unknown {
                msg_type: "Later".into(),
                data: Value::Null,
            },
        ),
    ] {
        assert_eq!(
            Callback::from_json(json.as_bytes()).unwrap().event,
            expected
        );
    }
}

#[test]
fn keys_must_be_exactly_32_bytes() {
    for len in [0usize, 16, 31, 33, 64] {
        let key = "k".repeat(len);
        let err = CallbackDecoder::new().with_key(&key).unwrap_err();
        assert_eq!(err, InvalidKeyLength { len });
        let message = err.to_string();
        assert!(message.contains("32") && message.contains(&len.to_string()));
        if len > 0 {
            assert!(!message.contains(&key), "{message}");
        }
        assert_eq!(
            CallbackEncoder::new().with_key(key.as_bytes()).unwrap_err(),
            InvalidKeyLength { len }
        );
    }
    // Bytes, not characters: 11 three-byte characters are 33 bytes.
    assert_eq!(
        CallbackDecoder::new()
            .with_key("密".repeat(11))
            .unwrap_err(),
        InvalidKeyLength { len: 33 }
    );
    assert!(CallbackDecoder::new().with_key([7u8; 32]).is_ok());
}

#[test]
fn secrets_never_show_in_debug_or_errors() {
    let decoder = CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN);
    let encoder = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN);
    let shown = format!("{decoder:?} {decoder:#?} {encoder:?} {encoder:#?}");
    assert!(!shown.contains(KEY) && !shown.contains(TOKEN), "{shown}");
    assert!(
        !shown.contains(&KEY[..16]),
        "the IV is half the key: {shown}"
    );
    assert!(shown.contains("<redacted>"), "{shown}");
    assert!(!format!("{:?}", CallbackDecoder::new()).contains("<redacted>"));

    // Every error a request can provoke, displayed and debugged.
    let good = encoder.encode(&samples()[0]).unwrap();
    let sig = good.content_signature.as_deref();
    let bodies: Vec<(Vec<u8>, Option<&str>)> = vec![
        (good.body.clone(), None),
        (good.body.clone(), Some("sha256=zz")),
        (b"x".to_vec(), sig),
        (vec![b'a'; DEFAULT_MAX_BODY_LEN + 1], sig),
    ];
    let decoder_without_token = CallbackDecoder::new().with_key(KEY).unwrap();
    let mut texts = Vec::new();
    for (body, sig) in bodies {
        let err = decoder.decode_with_signature(&body, sig).unwrap_err();
        texts.push(format!("{err} {err:?}"));
    }
    for body in [
        &b"@@"[..],
        b"QUJD",
        b"{\"encrypt\":1}",
        b"{\"MsgId\":\"m\"}",
    ] {
        let err = decoder_without_token
            .decode_with_signature(body, None)
            .unwrap_err();
        texts.push(format!("{err} {err:?}"));
    }
    for text in texts {
        assert!(!text.contains(KEY) && !text.contains(TOKEN), "{text}");
        assert!(!text.contains(&KEY[..16]), "{text}");
    }
}

#[test]
fn oversized_bodies_are_refused_before_anything_else() {
    let body = br#"{"MsgId":"m","MsgType":"Later"}"#;
    let exact = CallbackDecoder::new().with_max_body_len(body.len());
    assert_eq!(exact.max_body_len(), body.len());
    assert!(exact.decode_with_signature(body, None).is_ok());
    let smaller = CallbackDecoder::new()
        .with_max_body_len(body.len() - 1)
        .with_token(TOKEN);
    // No signature at all, yet the size is what is reported.
    assert!(matches!(
        smaller.decode_with_signature(body, None),
        Err(CallbackError::BodyTooLarge { len, limit }) if len == body.len() && limit == body.len() - 1
    ));
    assert_eq!(CallbackDecoder::new().max_body_len(), 1024 * 1024);
    let big = vec![b' '; DEFAULT_MAX_BODY_LEN + 1];
    assert!(matches!(
        CallbackDecoder::new().decode_with_signature(&big, None),
        Err(CallbackError::BodyTooLarge { .. })
    ));
}

#[test]
fn the_envelope_round_trips_through_the_wire_type() {
    for callback in samples() {
        let message: CallbackMessage = callback.to_message().unwrap();
        assert_eq!(message.msg_id, callback.msg_id);
        assert_eq!(message.msg_type, Some(callback.msg_type()));
        assert_eq!(Callback::try_from(message.clone()).unwrap(), callback);
        let sent = CallbackEncoder::new().encode_message(&message).unwrap();
        assert_eq!(Callback::from_json(&sent.body).unwrap(), callback);
        let value: Value = serde_json::from_slice(&callback.to_json().unwrap()).unwrap();
        assert_eq!(Callback::from_value(value).unwrap(), callback);
    }
    let callback = &samples()[0];
    assert_eq!(callback.msg_type(), CallbackMsgType::FlowStatusChange);
    assert_eq!(callback.msg_version.as_deref(), Some("1.0"));
    let data = callback.event.to_data().unwrap();
    assert_eq!(data["FlowId"], "yDwFmUUckpstqfvzUE1h3jo1f3cqjkGm");
    assert_eq!(data["FlowCallbackStatus"], 4);
    assert_eq!(data["CcInfo"], json!([]));
}

#[test]
fn error_classes() {
    assert!(CallbackError::MissingSignature.is_authentication());
    assert!(CallbackError::BadSignature.is_authentication());
    assert!(!CallbackError::Decryption.is_authentication());
    assert!(CallbackError::Decryption.is_decryption());
    assert!(CallbackError::CiphertextLength { len: 3 }.is_decryption());
    assert!(!CallbackError::KeyRequired.is_decryption());
    assert!(!CallbackError::BodyTooLarge { len: 2, limit: 1 }.is_authentication());
}

/// Random and mutated bodies, headers and keys: the decoder returns, never
/// panics, and accepts nothing unsigned when a token is set.
#[test]
fn arbitrary_input_never_panics() {
    let mut rng = fastrand::Rng::with_seed(0x5eed_ca11);
    let signed = CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN);
    let decoders = [
        CallbackDecoder::new(),
        CallbackDecoder::new().with_key(KEY).unwrap(),
        CallbackDecoder::new().with_token(TOKEN),
        signed.clone(),
    ];
    let encoders: Vec<EncodedCallback> = configurations()
        .into_iter()
        .flat_map(|(_, e, _)| samples().into_iter().map(move |c| e.encode(&c).unwrap()))
        .collect();
    let alphabet = b"{}[]\":,0123456789abcdefABCDEF+/= \n\\u-encryptMsgIdTypeData";
    let mut accepted_unsigned = 0;
    for round in 0..3000 {
        let body: Vec<u8> = match round % 3 {
            0 => (0..rng.usize(0..200)).map(|_| rng.u8(..)).collect(),
            1 => (0..rng.usize(0..200))
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect(),
            _ => {
                let mut body = encoders[rng.usize(..encoders.len())].body.clone();
                for _ in 0..rng.usize(1..4) {
                    if body.is_empty() {
                        break;
                    }
                    let at = rng.usize(..body.len());
                    match rng.u8(..3) {
                        0 => body[at] = rng.u8(..),
                        1 => body.truncate(at),
                        _ => body.insert(at, alphabet[rng.usize(..alphabet.len())]),
                    }
                }
                body
            }
        };
        let sig = match rng.u8(..3) {
            0 => None,
            1 => Some(format!("sha256={}", hex_of(&mut rng, 32))),
            _ => Some(String::from_utf8_lossy(&body[..body.len().min(20)]).into_owned()),
        };
        let query = match rng.u8(..4) {
            0 => None,
            1 => Some(format!(
                "timestamp={}&nonce={}&msg_signature={}",
                rng.u64(..),
                hex_of(&mut rng, 4),
                hex_of(&mut rng, 20)
            )),
            2 => Some(String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned()),
            _ => Some(
                (0..rng.usize(0..80))
                    .map(|_| char::from(b"=&%+?_0123456789abcdefgimnorstuTSN"[rng.usize(..33)]))
                    .collect(),
            ),
        };
        if let Some(q) = &query {
            let _ = QuerySignature::from_query(q);
        }
        for decoder in &decoders {
            let result = decoder.decode_with_signature(&body, sig.as_deref());
            let _ = decoder.decode(&body, [("content-signature", &body[..body.len().min(9)])]);
            let with_query = decoder.decode_request(&body, [("x", "y")], query.as_deref());
            if decoder.has_token() && (result.is_ok() || with_query.is_ok()) {
                accepted_unsigned += 1;
            }
        }
    }
    assert_eq!(accepted_unsigned, 0);
}

fn hex_of(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n).map(|_| format!("{:02x}", rng.u8(..))).collect()
}

/// Every pairing of encryption form and signature form that signs in the
/// query string, with the matching decoder.
fn query_configurations() -> Vec<(&'static str, CallbackEncoder)> {
    let key = || {
        CallbackEncoder::new()
            .with_key(KEY)
            .unwrap()
            .with_token(TOKEN)
    };
    vec![
        (
            "wrapped query",
            key().with_signature_form(SignatureForm::Query),
        ),
        (
            "bare query",
            key()
                .with_form(EncryptedForm::Bare)
                .with_signature_form(SignatureForm::Query),
        ),
        (
            "wrapped both",
            key().with_signature_form(SignatureForm::Both),
        ),
        (
            "bare both",
            key()
                .with_form(EncryptedForm::Bare)
                .with_signature_form(SignatureForm::Both),
        ),
    ]
}

#[test]
fn every_event_round_trips_signed_in_the_query_string() {
    let decoder = CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN);
    for (name, encoder) in query_configurations() {
        for callback in samples() {
            // Dated by the system clock, as the decoder's.
            let sent = encoder.encode(&callback).unwrap();
            let query = sent.query.as_deref().expect("a query signature");
            let received = decoder
                .decode_request(&sent.body, sent.headers(), Some(query))
                .unwrap_or_else(|e| panic!("{name} {}: {e}", callback.msg_id));
            assert_eq!(received.callback, callback, "{name}");
            let both = encoder.signature_form() == SignatureForm::Both;
            assert_eq!(sent.content_signature.is_some(), both, "{name}");
            assert!(
                matches!(
                    (both, received.signature),
                    (true, SignatureCheck::ContentSignatureAndQuery { .. })
                        | (false, SignatureCheck::Query { .. })
                ),
                "{name}: {:?}",
                received.signature
            );
            // The same body without its query signature.
            let err = decoder
                .decode_request(&sent.body, sent.headers(), None)
                .map(|r| r.signature);
            if both {
                assert_eq!(err.unwrap(), SignatureCheck::ContentSignature);
            } else {
                assert!(
                    matches!(err, Err(CallbackError::MissingSignature)),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn fresh_nonces_and_timestamps_sign_the_same_body() {
    let encoder = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN)
        .with_signature_form(SignatureForm::Query);
    let a = encoder.encode(&samples()[0]).unwrap();
    let b = encoder.encode(&samples()[0]).unwrap();
    assert_eq!(a.body, b.body, "fixed IV: the same body");
    let (qa, qb) = (a.query.clone().unwrap(), b.query.clone().unwrap());
    let (pa, pb) = (
        QuerySignature::from_query(&qa).unwrap().unwrap(),
        QuerySignature::from_query(&qb).unwrap().unwrap(),
    );
    assert_ne!(pa.nonce(), pb.nonce(), "a random nonce each time");
    assert_eq!(pa.nonce().len(), 16);
    assert!(pa.nonce().bytes().all(|b| b.is_ascii_alphanumeric()));
    // Re-signing for a later attempt: a new time, the same body.
    let later = encoder.sign_query(&a.body, 1_800_000_000, "later").unwrap();
    let decoder = CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN)
        .with_clock(FixedClock::new(1_800_000_010));
    let received = decoder
        .decode_request(&a.body, a.headers(), Some(&later))
        .unwrap();
    assert_eq!(
        received.signature,
        SignatureCheck::Query {
            timestamp: 1_800_000_000
        }
    );
    assert!(decoder
        .decode_request(&a.body, a.headers(), Some(&qa))
        .unwrap_err()
        .is_replay());
}

#[test]
fn the_query_goes_onto_the_callback_url() {
    let sent = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN)
        .with_signature_form(SignatureForm::Query)
        .encode_json_at(b"{}", 1_700_000_000, "abc");
    let q = sent.query.clone().unwrap();
    assert_eq!(sent.url("/cb"), format!("/cb?{q}"));
    assert_eq!(
        sent.url("http://127.0.0.1:9/cb?tenant=1"),
        format!("http://127.0.0.1:9/cb?tenant=1&{q}")
    );
    assert_eq!(sent.url("/cb?"), format!("/cb?{q}"));
    assert_eq!(sent.url("/cb#top"), format!("/cb?{q}#top"));
    let unsigned = CallbackEncoder::new().encode_json(b"{}");
    assert_eq!(unsigned.url("/cb?a=1"), "/cb?a=1");
    assert_eq!(unsigned.query, None);
}

#[test]
fn query_errors_and_debug_output_never_show_secrets() {
    let decoder = CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN)
        .with_clock(FixedClock::new(1_700_000_000));
    let encoder = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN)
        .with_signature_form(SignatureForm::Query);
    let good = encoder.encode_json_at(&samples()[0].to_json().unwrap(), 1_600_000_000, "n");
    let q = good.query.clone().unwrap();
    let mut texts = vec![format!("{decoder:?} {encoder:?} {good:?}")];
    for query in [
        q.clone(),
        q.replace("nonce=n", "nonce=m"),
        q.replace("timestamp=1600000000", "timestamp=x"),
        "msg_signature=00".to_owned(),
    ] {
        let err = decoder
            .decode_request(&good.body, good.headers(), Some(&query))
            .unwrap_err();
        assert!(err.is_authentication(), "{err:?}");
        texts.push(format!("{err} {err:?}"));
    }
    let err = decoder
        .decode_request(b"{\"MsgId\":1}", [("a", "b")], Some(&q))
        .unwrap_err();
    texts.push(format!("{err} {err:?}"));
    texts.push(format!("{:?}", QuerySignature::from_query(&q).unwrap()));
    for text in texts {
        assert!(!text.contains(KEY) && !text.contains(TOKEN), "{text}");
        assert!(!text.contains(&KEY[..16]), "{text}");
    }
}

#[test]
fn query_error_classes() {
    assert!(CallbackError::BadQuerySignature.is_authentication());
    let replay = CallbackError::TimestampOutOfWindow {
        timestamp: 1,
        now: 1000,
        distance: 999,
        window_secs: 300,
    };
    assert!(replay.is_authentication() && replay.is_replay());
    assert!(!CallbackError::BadSignature.is_replay());
    assert!(CallbackError::NoEncryptValue { reason: "is empty" }.is_authentication());
    let malformed = CallbackError::MalformedQuerySignature {
        parameter: "nonce",
        reason: "is missing",
    };
    assert!(malformed.is_authentication() && !malformed.is_decryption());
    assert_eq!(
        malformed.to_string(),
        "malformed query signature: `nonce` is missing"
    );
}

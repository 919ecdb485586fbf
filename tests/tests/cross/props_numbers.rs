//! Numbers survive the SDK's own encode/decode pairs exactly: any finite
//! `f64` written by the SDK reads back as the same `f64`, in a response's
//! float members, in the unknown members a callback keeps, and through the
//! callback encoder and decoder.
//!
//! JSON text written for a double is its shortest decimal form, and only a
//! correctly rounded reader gets the same double back from it: a reader
//! that is off by one unit in the last place (as serde_json is by default
//! for some long or large numbers) makes a decoded value change when it is
//! encoded and decoded again.

use bytes::Bytes;
use ess_api::__private::decode_response as __decode_response;
use ess_api::callback::{Callback, CallbackDecoder, CallbackEncoder, CallbackEvent};
use ess_api::operation::verify_pdf::VerifyPdfInput;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};

fn config() -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Doubles of every magnitude, and the kind of number the service sends.
fn doubles() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
        (-1e6..1e6f64),
        (any::<u32>(), -60..60i32).prop_map(|(m, e)| f64::from(m) * 10f64.powi(e)),
    ]
}

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn callback_round_trip(x: f64) -> Result<(), TestCaseError> {
    let mut data = Map::new();
    data.insert("Amount".into(), json!(x));
    let callback = Callback::new("m-1", CallbackEvent::MultiFlowSignQrCodeCost(data));
    let encoder = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token("t");
    let decoder = CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token("t");
    let sent = encoder.encode(&callback).unwrap();
    let back = decoder.decode(&sent.body, sent.headers()).unwrap();
    prop_assert_eq!(&back, &callback);
    let again = encoder.encode(&back).unwrap();
    prop_assert_eq!(decoder.decode(&again.body, again.headers()).unwrap(), back);
    Ok(())
}

#[test]
fn any_double_reads_back_as_itself() {
    TestRunner::new(config())
        .run(&doubles(), |x| {
            let text = serde_json::to_string(&x).unwrap();
            let back: f64 = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back.to_bits(), x.to_bits(), "{}", text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn response_floats_survive_a_round_trip() {
    TestRunner::new(config())
        .run(&(doubles(), doubles()), |(x, y)| {
            // Every member the service always sends, and the two floats.
            let body = json!({"Response": {
                "VerifyResult": 1,
                "VerifySerialNo": "s",
                "PdfVerifyResults": [{
                    "VerifyResult": 1, "SignPlatform": "p", "SignerName": "n",
                    "SignTime": 1, "SignAlgorithm": "a", "CertSn": "c",
                    "CertNotBefore": 1, "CertNotAfter": 2,
                    "ComponentPosX": x, "ComponentPosY": y,
                    "ComponentWidth": 1.0, "ComponentHeight": 1.0, "ComponentPage": 1,
                }],
                "RequestId": "r",
            }});
            let bytes = Bytes::from(serde_json::to_vec(&body).unwrap());
            let (out, _) = __decode_response::<VerifyPdfInput>(200, bytes).unwrap();
            let result = &out.pdf_verify_results[0];
            prop_assert_eq!(result.component_pos_x.to_bits(), x.to_bits());
            prop_assert_eq!(result.component_pos_y.to_bits(), y.to_bits());
            Ok(())
        })
        .unwrap();
}

#[test]
fn callback_members_survive_the_encoder_and_decoder() {
    TestRunner::new(config())
        .run(&doubles(), callback_round_trip)
        .unwrap();
}

/// The number the callback fuzz target found: decoding it, encoding the
/// result and decoding that gave a different number.
#[test]
fn the_number_fuzzing_found() {
    for text in [
        "1.7000006e44",
        "1.70000060000000003e+44",
        "17000006000000000000000000000000000000000000",
    ] {
        let x: f64 = text.parse().unwrap();
        let read: f64 = serde_json::from_str(text).unwrap();
        assert_eq!(read.to_bits(), x.to_bits(), "{text}");
        callback_round_trip(x).unwrap();
        let decoded = CallbackDecoder::new()
            .decode_with_signature(
                format!(r#"{{"MsgId":"m","MsgType":"MultiFlowSignQrCodeCost","MsgData":{{"N":{text}}}}}"#)
                    .as_bytes(),
                None,
            )
            .unwrap();
        let CallbackEvent::MultiFlowSignQrCodeCost(data) = &decoded.event else {
            panic!("{decoded:?}")
        };
        assert_eq!(data["N"], Value::from(x));
    }
}

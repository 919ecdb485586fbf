//! The callback decoder, with and without a key and a token: any body, any
//! `Content-Signature` and any query string end in a callback or a
//! `CallbackError`, never a panic; the query-string parser takes anything;
//! the right query signature always authenticates and a stale one is always
//! a replay; whatever decodes encodes back, in either signature form, to a
//! request that decodes to the same callback; and encryption changes
//! nothing about what a message decodes to.
//!
//! Input: a first byte of flags (bit 0: a key, bit 1: a token, bits 2-3:
//! the signature header: none, the right one, the first line of the rest,
//! or the right one twice; bit 4: the rest is a plain message that the
//! harness encrypts with the key; bit 5: bare rather than wrapped; bits
//! 6-7: the query string: none, the right signature, the next line of the
//! rest, or the right signature dated an hour early), then the body.
#![no_main]

use ess_api::callback::{
    CallbackDecoder, CallbackEncoder, CallbackError, EncryptedForm, QuerySignature, SignatureCheck,
    SignatureForm, CONTENT_SIGNATURE,
};
use ess_api::client::FixedClock;
use libfuzzer_sys::fuzz_target;

const KEY: &[u8] = include_bytes!("../../ess-api/tests/fixtures/callback/key.txt");
const TOKEN: &[u8] = include_bytes!("../../ess-api/tests/fixtures/callback/token.txt");
/// The decoder's time, and that of the right query signatures.
const NOW: u64 = 1_700_000_000;

fn decoder(key: bool, token: bool) -> CallbackDecoder {
    let mut d = CallbackDecoder::new()
        .with_max_body_len(64 * 1024)
        .with_clock(FixedClock::new(NOW));
    if key {
        d = d.with_key(KEY).expect("the fixture key has 32 bytes");
    }
    if token {
        d = d.with_token(TOKEN);
    }
    d
}

fn encoder(key: bool, token: bool, form: EncryptedForm) -> CallbackEncoder {
    let mut e = CallbackEncoder::new().with_form(form);
    if key {
        e = e.with_key(KEY).expect("the fixture key has 32 bytes");
    }
    if token {
        e = e.with_token(TOKEN);
    }
    e
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (key, token) = (flags & 1 != 0, flags & 2 != 0);
    let form = if flags & 32 != 0 {
        EncryptedForm::Bare
    } else {
        EncryptedForm::Wrapped
    };
    let decoder = decoder(key, token);
    let _ = format!("{decoder:?}");
    let signer = CallbackEncoder::new().with_token(TOKEN);

    let header_mode = (flags >> 2) & 3;
    let query_mode = flags >> 6;
    let (fuzzed_header, rest): (&[u8], &[u8]) = if header_mode == 2 {
        ess_fuzz::split_line(rest)
    } else {
        (&[], rest)
    };
    let (fuzzed_query, rest): (&[u8], &[u8]) = if query_mode == 2 {
        ess_fuzz::split_line(rest)
    } else {
        (&[], rest)
    };
    let body: Vec<u8> = if flags & 16 != 0 && key {
        encoder(true, false, form).encode_json(rest).body
    } else {
        rest.to_vec()
    };
    let right = signer
        .encode_json(&body)
        .content_signature
        .unwrap_or_default();
    let headers: Vec<(&str, Vec<u8>)> = match header_mode {
        0 => vec![("Content-Type", b"application/json".to_vec())],
        1 => vec![(CONTENT_SIGNATURE, right.clone().into_bytes())],
        2 => vec![("content-signature", fuzzed_header.to_vec())],
        _ => vec![
            ("CONTENT-SIGNATURE", right.clone().into_bytes()),
            ("Content-Signature", right.clone().into_bytes()),
        ],
    };
    // The right query signature for this body, when it has an `encrypt`
    // value to sign.
    let query_signer = CallbackEncoder::new()
        .with_key(KEY)
        .expect("the fixture key has 32 bytes")
        .with_token(TOKEN);
    let query: Option<String> = match query_mode {
        0 => None,
        1 => query_signer.sign_query(&body, NOW, "fuzz-nonce"),
        2 => Some(String::from_utf8_lossy(fuzzed_query).into_owned()),
        _ => query_signer.sign_query(&body, NOW - 3600, "fuzz-nonce"),
    };
    if let Some(q) = &query {
        // The parser takes anything; what it finds reads back.
        if let Ok(Some(found)) = QuerySignature::from_query(q) {
            let _ = format!("{found:?}");
            let again = format!(
                "timestamp={}&nonce={}&msg_signature=0000000000000000000000000000000000000000",
                found.timestamp(),
                found
                    .nonce()
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect::<String>()
            );
            let reread = QuerySignature::from_query(&again)
                .expect("a query written from what was found parses")
                .expect("it has msg_signature");
            assert_eq!(
                (reread.timestamp(), reread.nonce()),
                (found.timestamp(), found.nonce())
            );
        }
    }
    let signed_query = query.is_some() && matches!(query_mode, 1 | 3);
    let within_limit = body.len() <= decoder.max_body_len();

    let result =
        decoder.decode_request(&body, headers.iter().map(|(n, v)| (n, v)), query.as_deref());
    match &result {
        Ok(received) => {
            let callback = &received.callback;
            let _ = format!("{callback:?} {:?} {received:?}", callback.event.msg_type());
            assert_eq!(received.signature.is_verified(), token);
            if token && query_mode == 1 && signed_query {
                assert!(received.signature.timestamp() == Some(NOW));
            }
            // What decodes encodes back to the same callback.
            let sent = encoder(key, token, form)
                .encode(callback)
                .expect("a decoded callback encodes");
            let again = decoder
                .decode(&sent.body, sent.headers())
                .unwrap_or_else(|e| panic!("an encoded callback does not decode: {e}"));
            assert_eq!(&again, callback);
            // And in the query form, when there is a key to make it.
            if key {
                let sent = encoder(key, token, form)
                    .with_signature_form(SignatureForm::Query)
                    .encode_json_at(&callback.to_json().expect("encodes"), NOW, "n");
                let again = decoder
                    .decode_request(&sent.body, sent.headers(), sent.query.as_deref())
                    .unwrap_or_else(|e| panic!("a query-signed callback does not decode: {e}"));
                assert_eq!(&again.callback, callback);
                let expected = if token {
                    SignatureCheck::Query { timestamp: NOW }
                } else {
                    SignatureCheck::Unchecked
                };
                assert_eq!(again.signature, expected);
            }
        }
        Err(e) => {
            let _ = format!("{e} {e:?}");
            let _ = e.is_authentication();
            if token && header_mode == 0 && query.is_none() {
                assert!(matches!(e, CallbackError::MissingSignature) || !within_limit);
            }
            // The right query signature always authenticates, and the same
            // dated an hour early is always a replay (with the header right
            // or absent).
            if token && signed_query && within_limit && matches!(header_mode, 0 | 1 | 3) {
                if query_mode == 1 {
                    assert!(
                        !e.is_authentication(),
                        "the right query signature failed: {e}"
                    );
                } else {
                    assert!(
                        e.is_replay(),
                        "a stale query signature was not a replay: {e}"
                    );
                }
            }
        }
    }
    if token && signed_query && within_limit && query_mode == 3 {
        assert!(result.is_err(), "a stale query signature was accepted");
    }

    // A message encrypted with the key (and rightly signed, when a token
    // is set) decodes as it does unencrypted.
    let header_right = matches!(header_mode, 1 | 3);
    let query_right = query_mode == 1 && query.is_some();
    let query_absent = query
        .as_deref()
        .is_none_or(|q| matches!(QuerySignature::from_query(q), Ok(None)));
    let authentic = !token
        || (header_right && (query_absent || query_right))
        || (header_mode == 0 && query_right);
    if key && flags & 16 != 0 && authentic {
        let plain = CallbackDecoder::new().decode_with_signature(rest, None);
        match (&plain, &result) {
            (Ok(p), Ok(k)) => assert_eq!(p, &k.callback),
            (Ok(p), Err(e)) if body.len() <= decoder.max_body_len() => {
                panic!("decodes in plain ({p:?}) but not encrypted: {e}")
            }
            (Err(CallbackError::KeyRequired), _) | (Err(_), Err(_)) => {}
            (Err(e), Ok(k)) => panic!("decodes encrypted ({k:?}) but not in plain: {e}"),
            _ => {}
        }
    }
});

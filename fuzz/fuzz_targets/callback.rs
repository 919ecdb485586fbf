//! The callback decoder, with and without a key and a token: any body and
//! any `Content-Signature` end in a callback or a `CallbackError`, never a
//! panic; whatever decodes encodes back to a body that decodes to the same
//! callback; and encryption changes nothing about what a message decodes to.
//!
//! Input: a first byte of flags (bit 0: a key, bit 1: a token, bits 2-3:
//! the signature header: none, the right one, the first line of the rest,
//! or the right one twice; bit 4: the rest is a plain message that the
//! harness encrypts with the key; bit 5: bare rather than wrapped), then
//! the body.
#![no_main]

use ess_api::callback::{
    CallbackDecoder, CallbackEncoder, CallbackError, EncryptedForm, CONTENT_SIGNATURE,
};
use libfuzzer_sys::fuzz_target;

const KEY: &[u8] = include_bytes!("../../ess-api/tests/fixtures/callback/key.txt");
const TOKEN: &[u8] = include_bytes!("../../ess-api/tests/fixtures/callback/token.txt");

fn decoder(key: bool, token: bool) -> CallbackDecoder {
    let mut d = CallbackDecoder::new().with_max_body_len(64 * 1024);
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

    let (body, fuzzed_header): (Vec<u8>, &[u8]) = if flags & 16 != 0 && key {
        (encoder(true, false, form).encode_json(rest).body, &[])
    } else if (flags >> 2) & 3 == 2 {
        let (line, body) = ess_fuzz::split_line(rest);
        (body.to_vec(), line)
    } else {
        (rest.to_vec(), &[])
    };
    let right = signer
        .encode_json(&body)
        .content_signature
        .unwrap_or_default();
    let headers: Vec<(&str, Vec<u8>)> = match (flags >> 2) & 3 {
        0 => vec![("Content-Type", b"application/json".to_vec())],
        1 => vec![(CONTENT_SIGNATURE, right.clone().into_bytes())],
        2 => vec![("content-signature", fuzzed_header.to_vec())],
        _ => vec![
            ("CONTENT-SIGNATURE", right.clone().into_bytes()),
            ("Content-Signature", right.clone().into_bytes()),
        ],
    };

    let result = decoder.decode(&body, headers.iter().map(|(n, v)| (n, v)));
    match &result {
        Ok(callback) => {
            let _ = format!("{callback:?} {:?}", callback.event.msg_type());
            // What decodes encodes back to the same callback.
            let sent = encoder(key, token, form)
                .encode(callback)
                .expect("a decoded callback encodes");
            let again = decoder
                .decode(&sent.body, sent.headers())
                .unwrap_or_else(|e| panic!("an encoded callback does not decode: {e}"));
            assert_eq!(&again, callback);
        }
        Err(e) => {
            let _ = format!("{e} {e:?}");
            let _ = e.is_authentication();
            if token && (flags >> 2) & 3 == 0 {
                assert!(
                    matches!(e, CallbackError::MissingSignature)
                        || body.len() > decoder.max_body_len()
                );
            }
        }
    }

    // A message encrypted with the key (and rightly signed, when a token
    // is set) decodes as it does unencrypted.
    let authentic = !token || matches!((flags >> 2) & 3, 1 | 3);
    if key && flags & 16 != 0 && authentic {
        let plain = CallbackDecoder::new().decode_with_signature(rest, None);
        match (&plain, &result) {
            (Ok(p), Ok(k)) => assert_eq!(p, k),
            (Ok(p), Err(e)) if body.len() <= decoder.max_body_len() => {
                panic!("decodes in plain ({p:?}) but not encrypted: {e}")
            }
            (Err(CallbackError::KeyRequired), _) | (Err(_), Err(_)) => {}
            (Err(e), Ok(k)) => panic!("decodes encrypted ({k:?}) but not in plain: {e}"),
            _ => {}
        }
    }
});

//! The emulator's HTTP server: any bytes from a peer get an answer or a
//! closed connection within a bounded time, never a panic or a hang, and
//! whatever it writes is HTTP/1.1.
//!
//! Input: raw bytes, written as they are; or `SIGNED <Action>\n<body>`,
//! sent as a correctly signed API request with that action and body, so
//! that the fuzzer reaches the pipeline behind authentication; such a
//! request is never refused with an `AuthFailure` code.
#![no_main]

use std::cell::RefCell;

use ess_api::client::signing::{RequestSigner, CONTENT_TYPE};
use ess_emulator::fuzzing::{HttpHarness, NOW};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static HARNESS: RefCell<HttpHarness> = RefCell::new(HttpHarness::new());
}

/// Control endpoints that configure the emulator for later requests
/// (faults that delay answers by minutes, callbacks posted to other local
/// ports) are left out: what they do is their purpose, not a defect.
const SKIPPED: [&[u8]; 2] = [b"/_emulator/faults", b"/_emulator/callbacks"];

fn signed_request(harness: &HttpHarness, action: &[u8], body: &[u8]) -> Vec<u8> {
    let action: String = String::from_utf8_lossy(action)
        .chars()
        .filter(char::is_ascii_graphic)
        .collect();
    let credentials = harness.credentials();
    let host = "127.0.0.1";
    let authorization = RequestSigner::new("ess", host).sign(
        credentials.secret_id(),
        credentials.secret_key(),
        NOW,
        body,
    );
    let mut out = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: {CONTENT_TYPE}\r\n\
         X-TC-Action: {action}\r\nX-TC-Version: 2020-11-11\r\nX-TC-Timestamp: {NOW}\r\n\
         Authorization: {authorization}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fuzz_target!(|data: &[u8]| {
    if SKIPPED
        .iter()
        .any(|p| data.windows(p.len()).any(|w| w == *p))
    {
        return;
    }
    HARNESS.with_borrow_mut(|harness| {
        let signed = data.strip_prefix(b"SIGNED ");
        let request = match signed {
            Some(rest) => {
                let (action, body) = ess_fuzz::split_line(rest);
                signed_request(harness, action, body)
            }
            None => data.to_vec(),
        };
        let answer = harness.exchange(&request);
        if signed.is_some() {
            let refused = b"\"Code\":\"AuthFailure";
            assert!(
                !answer.windows(refused.len()).any(|w| w == refused),
                "a correctly signed request was refused: {}",
                String::from_utf8_lossy(&answer)
            );
        }
        if !answer.is_empty() {
            assert!(
                answer.starts_with(b"HTTP/1.1 "),
                "not an HTTP/1.1 answer: {:?}",
                String::from_utf8_lossy(&answer[..answer.len().min(200)])
            );
        }
    });
});

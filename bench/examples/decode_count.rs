//! Decodes the documented success answer of `CreateMultiFlowSignQRCode` a
//! given number of times, for instruction counts under callgrind (robust to
//! the machine's load, unlike times): run it with two counts and divide the
//! difference by the difference of the counts.
//!
//! ```sh
//! cargo build --release -p ess-bench --example decode_count
//! valgrind --tool=callgrind target/release/examples/decode_count sdk 20000
//! ```
//!
//! Modes: `sdk` (what a call does when nothing records the request id),
//! `sdk-id` (the same, reading the id), `floor` (`serde_json` into plain
//! structs, `bench/src/floor.rs`).

use std::hint::black_box;

use bytes::Bytes;
use ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeInput as Input;
use ess_bench::floor::PlainEnvelope;

const SUCCESS: &[u8] = include_bytes!("../fixtures/success.json");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(Ok(n))) = (args.get(1), args.get(2).map(|n| n.parse::<usize>())) else {
        eprintln!("usage: decode_count sdk|sdk-id|floor COUNT");
        std::process::exit(2);
    };
    for _ in 0..n {
        let body = Bytes::from_static(black_box(SUCCESS));
        match mode.as_str() {
            "sdk" => {
                black_box(
                    ess_api::__private::decode_response_untraced::<Input>(200, body).unwrap(),
                );
            }
            "sdk-id" => {
                black_box(ess_api::__private::decode_response::<Input>(200, body).unwrap());
            }
            "floor" => {
                black_box(serde_json::from_slice::<PlainEnvelope>(&body).unwrap());
            }
            other => {
                eprintln!("unknown mode {other}");
                std::process::exit(2);
            }
        }
    }
}

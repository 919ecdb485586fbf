//! Response decoding for every action: arbitrary bytes through the
//! client's decode path end in the output or a typed error, never a panic,
//! and the typed error agrees with a JSON oracle.
//!
//! Input: `<Action> [<status>]\n<body>`. An unknown action name picks an
//! action from its bytes; a missing or unreadable status is 200.
#![no_main]

use ess_fuzz::decode::DecodeResponse;
use ess_fuzz::{action_index, split_line, with_action};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (first, body) = split_line(data);
    let mut words = first.split(|b| *b == b' ');
    let action = action_index(words.next().unwrap_or_default());
    let status = words
        .next()
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.trim().parse::<u16>().ok())
        .unwrap_or(200);
    with_action(action, DecodeResponse { status, body });
});

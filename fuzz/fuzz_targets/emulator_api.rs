//! The emulator's request pipeline behind HTTP and authentication, and the
//! request types of every action in the server direction:
//!
//! * any JSON body of any action name ends in an answer or a service
//!   error, never a panic;
//! * a body the emulator's generic checks accept decodes into the
//!   action's input and passes the client's validation;
//! * every input the client's validation accepts, as the client would
//!   send it, passes the emulator's generic checks;
//! * an answer decodes through the client's decode path as the action's
//!   output;
//! * any input of any action decodes, encodes and decodes back to itself.
//!
//! Input: `<Action>\n<JSON body>`.
#![no_main]

use std::fmt::Debug;

use ess_api::Action;
use ess_emulator::fuzzing::{check_request, run_api};
use ess_fuzz::decode::{check, Outcome};
use ess_fuzz::request::DecodeRequest;
use ess_fuzz::{action_index, split_line, with_action, ActionVisitor, ACTIONS};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Encodes the input as the client would send it, and runs the emulator's
/// generic checks on that.
struct ClientToEmulator<'a> {
    body: &'a Value,
}

impl ActionVisitor for ClientToEmulator<'_> {
    type Output = ();

    fn visit<A>(self) -> Self::Output
    where
        A: Action + DeserializeOwned + PartialEq + Debug,
        A::Output: Serialize + PartialEq + Debug,
        ess_api::EssError: From<A::Error>,
    {
        let Ok(input) = serde_json::from_value::<A>(self.body.clone()) else {
            return;
        };
        if input.validate().is_err() {
            return;
        }
        let sent = serde_json::to_value(&input).expect("a request serializes");
        if let Some(Err(e)) = check_request(A::NAME, sent.clone()) {
            panic!("the emulator refuses a valid request with {e:?}: {sent}");
        }
    }
}

/// Decodes an answer of the emulator as the client would.
struct DecodeAnswer<'a> {
    answer: &'a Value,
}

impl ActionVisitor for DecodeAnswer<'_> {
    type Output = ();

    fn visit<A>(self) -> Self::Output
    where
        A: Action + DeserializeOwned + PartialEq + Debug,
        A::Output: Serialize + PartialEq + Debug,
        ess_api::EssError: From<A::Error>,
    {
        let mut answer = self.answer.clone();
        if let Some(map) = answer.as_object_mut() {
            map.insert("RequestId".into(), Value::String("fuzz".into()));
        }
        let body = serde_json::to_vec(&serde_json::json!({ "Response": answer }))
            .expect("a JSON value serializes");
        let outcome = check::<A>(200, &body, true);
        assert!(
            matches!(outcome, Outcome::Output),
            "the client cannot read the emulator's answer ({outcome:?}): {answer}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let (name, body) = split_line(data);
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let index = action_index(name);
    let action = ACTIONS[index % ACTIONS.len()];

    let decoded = with_action(index, DecodeRequest { body: &body });
    with_action(index, ClientToEmulator { body: &body });
    if let Some(Ok(())) = check_request(action, body.clone()) {
        assert_eq!(
            decoded,
            Some(true),
            "the emulator accepts a request the client cannot decode or validate: {body}"
        );
    }
    match run_api(action, body.clone()) {
        Ok(answer) => {
            assert!(
                matches!(check_request(action, body.clone()), Some(Ok(()))),
                "an answer to a request the generic checks refuse"
            );
            with_action(index, DecodeAnswer { answer: &answer });
        }
        Err(e) => {
            assert!(!e.code().is_empty(), "an error without a code");
        }
    }
});

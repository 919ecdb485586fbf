//! Canned answers for the actions without semantics: the official example
//! response of the action, re-encoded through its generated output type.
//!
//! `data/canned_examples.json` holds, for every action of the spec, the
//! `Response` objects (without `RequestId`) of its official success
//! examples, in the order of the official examples, derived from the
//! repository's `tests/fixtures/examples/examples.json`. The answer is the
//! first of them that decodes into the action's output type. An action with
//! no success example (none today) answers `{}` decoded into its output
//! type (every member absent), when the type allows it.

use std::collections::HashMap;
use std::sync::OnceLock;

use ess_api::__dispatch::{visit_action, ActionVisitor};
use ess_api::Action;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{decode_with, Ctx, Entry};
use crate::error::ApiError;

/// The success examples of every action, by action name.
const EXAMPLES: &str = include_str!("../../data/canned_examples.json");

fn examples() -> &'static HashMap<String, Vec<Value>> {
    static PARSED: OnceLock<HashMap<String, Vec<Value>>> = OnceLock::new();
    PARSED.get_or_init(|| serde_json::from_str(EXAMPLES).unwrap_or_default())
}

/// The entry answering `name` with its canned example; `None` for a name
/// that is not an action of the spec.
pub(crate) fn entry(name: &str) -> Option<Entry> {
    struct Make;
    impl ActionVisitor for Make {
        type Output = Entry;
        fn visit<A>(self) -> Entry
        where
            A: Action + DeserializeOwned + PartialEq + std::fmt::Debug,
            A::Output: serde::Serialize + PartialEq + std::fmt::Debug,
            ess_api::EssError: From<A::Error>,
        {
            Entry {
                name: A::NAME,
                rate_limit: A::RATE_LIMIT,
                run: run_canned::<A>,
                check_list_sizes: super::check_list_sizes::<A>,
                canned: true,
                host: A::HOST,
                test_host: A::TEST_HOST,
            }
        }
    }
    visit_action(name, Make)
}

fn run_canned<A>(_ctx: &mut Ctx<'_>, body: Value) -> Result<Value, ApiError>
where
    A: Action + DeserializeOwned,
    A::Output: serde::Serialize,
{
    decode_with::<A>(body, |_| None)?;
    answer::<A>()
}

/// The canned answer of `A`, re-encoded through its output type.
pub(crate) fn answer<A>() -> Result<Value, ApiError>
where
    A: Action,
    A::Output: serde::Serialize,
{
    let candidates = examples().get(A::NAME).map(Vec::as_slice).unwrap_or(&[]);
    let empty = Value::Object(Map::new());
    candidates
        .iter()
        .chain(std::iter::once(&empty))
        .find_map(|example| serde_json::from_value::<A::Output>(example.clone()).ok())
        .and_then(|output| serde_json::to_value(output).ok())
        .ok_or_else(|| {
            ApiError::internal(format!(
                "the emulator has no canned answer for {} that fits its output type",
                A::NAME
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compact file is exactly what the official examples give.
    #[test]
    fn canned_examples_are_derived_from_the_official_ones() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/examples/examples.json"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            // Outside the repository (a packaged crate): nothing to compare.
            return;
        };
        let fixture: Value = serde_json::from_str(&text).unwrap();
        let mut derived = HashMap::new();
        for (action, list) in fixture["actions"].as_object().unwrap() {
            let mut outputs = Vec::new();
            for example in list.as_array().unwrap() {
                let output: Value =
                    serde_json::from_str(example["output"].as_str().unwrap()).unwrap();
                let mut response = output["Response"].as_object().unwrap().clone();
                if response.contains_key("Error") {
                    continue;
                }
                response.remove("RequestId");
                outputs.push(Value::Object(response));
            }
            derived.insert(action.clone(), outputs);
        }
        assert_eq!(&derived, examples());
    }

    /// Every action of the spec has a canned answer that its output type
    /// takes, and it comes from a success example.
    #[test]
    fn every_action_has_a_canned_answer() {
        struct Check;
        impl ActionVisitor for Check {
            type Output = Result<(), String>;
            fn visit<A>(self) -> Result<(), String>
            where
                A: Action + DeserializeOwned + PartialEq + std::fmt::Debug,
                A::Output: serde::Serialize + PartialEq + std::fmt::Debug,
                ess_api::EssError: From<A::Error>,
            {
                let examples = examples().get(A::NAME).ok_or("no examples")?;
                if examples.is_empty() {
                    return Err("no success example".into());
                }
                answer::<A>().map(drop).map_err(|e| e.to_string())
            }
        }
        assert_eq!(examples().len(), ess_api::service::ACTIONS.len());
        for name in ess_api::service::ACTIONS {
            let result = visit_action(name, Check).expect("an action of the spec");
            assert_eq!(result, Ok(()), "{name}");
        }
    }
}

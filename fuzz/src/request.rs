//! Request decoding, the direction a server (the emulator) needs.

use std::fmt::Debug;

use ess_api::Action;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::ActionVisitor;

/// Decodes a request body into the action's input and checks it: it
/// validates without panicking, its `Debug` output is built, and it encodes
/// and decodes back to itself.
pub struct DecodeRequest<'a> {
    /// The JSON body.
    pub body: &'a Value,
}

impl ActionVisitor for DecodeRequest<'_> {
    /// Whether the body decoded, and whether it passed validation.
    type Output = Option<bool>;

    fn visit<A>(self) -> Self::Output
    where
        A: Action + DeserializeOwned + PartialEq + Debug,
        A::Output: Serialize + PartialEq + Debug,
        ess_api::EssError: From<A::Error>,
    {
        let input: A = serde_json::from_value(self.body.clone()).ok()?;
        let valid = match input.validate() {
            Ok(()) => true,
            Err(errors) => {
                assert!(
                    !errors.violations().is_empty(),
                    "an error without violations"
                );
                let _ = format!("{errors} {errors:?}");
                false
            }
        };
        let _ = format!("{input:?}");
        let encoded = serde_json::to_value(&input).expect("a request serializes");
        let decoded: A = serde_json::from_value(encoded.clone())
            .unwrap_or_else(|e| panic!("an encoded request does not decode ({e}): {encoded}"));
        assert_eq!(decoded, input, "the request decodes to itself");
        assert_eq!(decoded.validate().is_ok(), valid, "validation is stable");
        Some(valid)
    }
}

//! Support for the cross-crate tests: checking the service's official
//! examples against the generated types of every action.

use ess_api::{Action, ErrorMeta, ServiceError};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What checking one example found.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleOutcome {
    /// Paths of the rules the example request breaks (empty: valid).
    pub violations: Vec<String>,
    /// Problems that no decision can excuse: the request did not decode or
    /// re-serialize to the same JSON, or the response did not decode.
    pub failures: Vec<String>,
    /// The error code of an error response, when the response is an error.
    pub error_code: Option<String>,
    /// Whether that code has a variant of its own in the action's error type.
    pub error_code_typed: bool,
}

/// Decodes the request into `A`, validates it, serializes it back, and
/// decodes the response into `A::Output` or `A::Error`.
pub fn check<A>(request: &Value, response: &Value) -> ExampleOutcome
where
    A: Action + DeserializeOwned,
{
    let mut outcome = ExampleOutcome {
        violations: Vec::new(),
        failures: Vec::new(),
        error_code: None,
        error_code_typed: false,
    };
    match serde_json::from_value::<A>(request.clone()) {
        Err(e) => outcome
            .failures
            .push(format!("request does not decode: {e}")),
        Ok(input) => {
            if let Err(v) = input.validate() {
                outcome.violations = v.violations().iter().map(|v| v.path().to_owned()).collect();
            }
            match serde_json::to_value(&input) {
                Ok(again) if json_eq(&again, request) => {}
                Ok(again) => outcome.failures.push(format!(
                    "request serializes differently:\n  example: {request}\n  ours:    {again}"
                )),
                Err(e) => outcome
                    .failures
                    .push(format!("request does not serialize: {e}")),
            }
        }
    }
    let body = &response["Response"];
    if let Some(err) = body.get("Error").filter(|e| !e.is_null()) {
        let mut meta = ErrorMeta::new(
            err["Code"].as_str().unwrap_or_default(),
            err["Message"].as_str().unwrap_or_default(),
        );
        if let Some(id) = body["RequestId"].as_str() {
            meta = meta.with_request_id(id);
        }
        let typed = A::Error::from_meta(meta.clone());
        if typed.code() != meta.code() || typed.request_id() != meta.request_id() {
            outcome
                .failures
                .push(format!("error {} lost its code or request id", meta.code()));
        }
        // Typed by the action, or, for a code the action does not document,
        // by the service-wide error it converts into.
        outcome.error_code_typed = !typed.is_unhandled()
            || !<ess_api::EssError as ServiceError>::from_meta(meta.clone()).is_unhandled();
        outcome.error_code = Some(meta.code().to_owned());
    } else if let Err(e) = serde_json::from_value::<A::Output>(body.clone()) {
        outcome
            .failures
            .push(format!("response does not decode: {e}"));
    }
    outcome
}

/// Checks one official example of `action` with its generated types;
/// `None` when the spec has no such action.
pub fn check_example(action: &str, request: &Value, response: &Value) -> Option<ExampleOutcome> {
    struct Check<'a> {
        request: &'a Value,
        response: &'a Value,
    }
    impl ess_api::__dispatch::ActionVisitor for Check<'_> {
        type Output = ExampleOutcome;

        fn visit<A>(self) -> ExampleOutcome
        where
            A: Action + DeserializeOwned + PartialEq + std::fmt::Debug,
            A::Output: serde::Serialize + PartialEq + std::fmt::Debug,
            ess_api::EssError: From<A::Error>,
        {
            check::<A>(self.request, self.response)
        }
    }
    ess_api::__dispatch::visit_action(action, Check { request, response })
}

/// JSON equality where numbers compare by value (`100` equals `100.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

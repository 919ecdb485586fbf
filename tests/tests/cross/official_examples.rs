//! The service's 368 official examples, checked against the generated types.
//!
//! Every example request must decode into the action's request type and
//! serialize back to the same JSON; it must also pass validation unless a
//! recorded decision (`fixtures/examples/decisions.toml`) says which rules it
//! breaks and why (typically masked placeholders such as `yDRS****Swc` where
//! the service documents 32-character ids). Every example response must
//! decode into the typed output, or into the typed error with its code.

use std::collections::BTreeMap;

use ess_tests::check_example;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Examples {
    actions: BTreeMap<String, Vec<Example>>,
}

#[derive(Deserialize)]
struct Example {
    input: String,
    output: String,
}

#[derive(Deserialize)]
struct Decisions {
    #[serde(default)]
    decision: Vec<Decision>,
}

#[derive(Deserialize)]
struct Decision {
    action: String,
    example: usize,
    #[serde(default)]
    violations: Vec<String>,
    #[serde(default)]
    untyped_error: bool,
    reason: String,
}

fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The JSON body of an example request (after the headers).
fn request_body(input: &str) -> Value {
    let body = input
        .split_once("\n\n")
        .map(|(_, b)| b)
        .unwrap_or_else(|| panic!("no body in {input}"));
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[test]
fn every_official_example_checks_out() {
    let examples: Examples = serde_json::from_str(&fixture("examples.json")).unwrap();
    let decisions: Decisions = toml::from_str(&fixture("decisions.toml")).unwrap();
    let mut by_key: BTreeMap<(String, usize), &Decision> = BTreeMap::new();
    for d in &decisions.decision {
        assert!(
            !d.reason.trim().is_empty(),
            "decision without a reason: {} #{}",
            d.action,
            d.example
        );
        assert!(
            by_key.insert((d.action.clone(), d.example), d).is_none(),
            "two decisions for {} #{}",
            d.action,
            d.example
        );
    }

    let mut problems = Vec::new();
    let mut checked = 0;
    let mut used = 0;
    for (action, list) in &examples.actions {
        for (i, ex) in list.iter().enumerate() {
            let request = request_body(&ex.input);
            let response: Value = serde_json::from_str(&ex.output).unwrap();
            let Some(outcome) = check_example(action, &request, &response) else {
                problems.push(format!("{action}: not in the spec"));
                continue;
            };
            checked += 1;
            let decision = by_key.get(&(action.clone(), i));
            if decision.is_some() {
                used += 1;
            }
            for f in &outcome.failures {
                problems.push(format!("{action} #{i}: {f}"));
            }
            let mut expected: Vec<String> =
                decision.map(|d| d.violations.clone()).unwrap_or_default();
            expected.sort();
            let mut actual = outcome.violations.clone();
            actual.sort();
            if actual != expected {
                problems.push(format!(
                    "{action} #{i}: request breaks {actual:?}, decisions expect {expected:?}"
                ));
            }
            if let Some(code) = &outcome.error_code {
                let excused = decision.is_some_and(|d| d.untyped_error);
                if !outcome.error_code_typed && !excused {
                    problems.push(format!(
                        "{action} #{i}: error code {code} has no typed variant"
                    ));
                }
                if outcome.error_code_typed && excused {
                    problems.push(format!(
                        "{action} #{i}: error code {code} is typed; drop the decision"
                    ));
                }
            }
        }
    }
    assert_eq!(checked, 368, "every official example is checked");
    assert_eq!(
        used,
        decisions.decision.len(),
        "every decision applies to an example"
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

//! Actions without semantics answer their official example response,
//! re-encoded through the generated output type, unless the emulator is
//! strict.

use crate::support;

use std::collections::HashSet;

use ess_emulator::Emulator;
use serde_json::Value;
use support::*;

/// The official example request bodies of every action, from the
/// repository's fixture.
fn example_bodies() -> Vec<(String, Vec<String>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/examples/examples.json"
    );
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the examples")).unwrap();
    let mut bodies = Vec::new();
    for (action, examples) in fixture["actions"].as_object().unwrap() {
        let list = examples
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let input = e["input"].as_str().unwrap();
                input
                    .split_once("\n\n")
                    .map_or("{}", |(_, b)| b.trim())
                    .to_owned()
            })
            .collect();
        bodies.push((action.clone(), list));
    }
    bodies
}

fn uuid_like(id: &str) -> bool {
    id.split('-').map(str::len).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
}

#[tokio::test]
async fn every_action_answers_unless_strict() {
    let emu = Emulator::builder()
        .rate_limits(false)
        .start()
        .await
        .unwrap();
    let strict = Emulator::builder()
        .rate_limits(false)
        .strict(true)
        .start()
        .await
        .unwrap();
    let emulated: HashSet<&str> = [
        "CreateMultiFlowSignQRCode",
        "CancelMultiFlowSignQRCode",
        "UploadFiles",
        "DescribeFlowTemplates",
        "CreateFlowByFiles",
        "DescribeFlowBriefs",
        "DescribeFlowInfo",
        "CancelFlow",
        "CreateFlowSignUrl",
        "DescribeFileUrls",
    ]
    .into();
    let bodies = example_bodies();
    assert_eq!(bodies.len(), ess_api::service::ACTIONS.len());
    let mut never_answered = Vec::new();
    for (name, examples) in &bodies {
        let mut answered = false;
        // The empty body too: refused by validation or answered, never
        // unsupported.
        for body in std::iter::once("{}").chain(examples.iter().map(String::as_str)) {
            let r = send_raw(&emu, &RequestSpec::new(&emu, name, body)).await;
            assert_eq!(r.status, 200, "{name}");
            assert_eq!(r.header("Content-Type"), Some("application/json"));
            let code = r.error_code();
            assert_ne!(code.as_deref(), Some("UnsupportedOperation"), "{name}");
            assert_ne!(code.as_deref(), Some("InvalidAction"), "{name}");
            if emulated.contains(name.as_str()) {
                assert_eq!(r.header("X-Emulator-Canned"), None, "{name}");
                continue;
            }
            if code.is_none() {
                answered = true;
                assert_eq!(r.header("X-Emulator-Canned"), Some("example"), "{name}");
                let json = r.json();
                let id = json["Response"]["RequestId"].as_str().unwrap();
                assert!(uuid_like(id), "{name}: {id}");
            } else {
                assert_eq!(r.header("X-Emulator-Canned"), None, "{name}");
            }
        }
        if !answered && !emulated.contains(name.as_str()) {
            never_answered.push(name.clone());
        }
        let r = send_raw(&strict, &RequestSpec::new(&strict, name, "{}")).await;
        let code = r.error_code();
        if emulated.contains(name.as_str()) {
            assert_ne!(code.as_deref(), Some("UnsupportedOperation"), "{name}");
        } else {
            assert_eq!(code.as_deref(), Some("UnsupportedOperation"), "{name}");
        }
    }
    // Every action without semantics answers a success to at least one of
    // its official example requests.
    assert_eq!(never_answered, Vec::<String>::new());
    emu.shutdown().await;
    strict.shutdown().await;
}

#[tokio::test]
async fn a_canned_answer_is_the_example_with_a_fresh_request_id() {
    let emu = emulator().await;
    let body = r#"{"Operator": {"UserId": "yDxZtUyKQD2JuqUuO4zjERYGxxxxxxxx"}, "FlowId": "yDCmVUUckpufezuiUxQQFiT8Exxxxxxxx"}"#;
    let first = send_raw(&emu, &RequestSpec::new(&emu, "ArchiveDynamicFlow", body)).await;
    let second = send_raw(&emu, &RequestSpec::new(&emu, "ArchiveDynamicFlow", body)).await;
    assert_eq!(first.error_code(), None, "{}", first.error_message());
    let (a, b) = (first.json(), second.json());
    assert_eq!(
        a["Response"]["FlowId"], "yDCmDUUckpuf0hsmUuvalvQyxxxxxxxxx",
        "{a}"
    );
    assert_eq!(
        a["Response"]["Approvers"][0]["SignId"],
        b["Response"]["Approvers"][0]["SignId"]
    );
    assert_ne!(a["Response"]["RequestId"], b["Response"]["RequestId"]);
    assert_ne!(a["Response"]["RequestId"], "abc");
    emu.shutdown().await;
}

#[tokio::test]
async fn canned_requests_are_still_checked() {
    let emu = emulator().await;
    let unknown = send_raw(
        &emu,
        &RequestSpec::new(
            &emu,
            "ArchiveDynamicFlow",
            r#"{"Operator": {"UserId": "u"}, "FlowId": "f", "Bogus": 1}"#,
        ),
    )
    .await;
    assert_eq!(unknown.error_code().as_deref(), Some("UnknownParameter"));
    assert!(
        unknown.error_message().contains("Bogus"),
        "{}",
        unknown.error_message()
    );
    assert_eq!(unknown.header("X-Emulator-Canned"), None);
    let missing = send_raw(
        &emu,
        &RequestSpec::new(
            &emu,
            "ArchiveDynamicFlow",
            r#"{"Operator": {"UserId": "u"}}"#,
        ),
    )
    .await;
    let code = missing.error_code().unwrap();
    assert!(code.starts_with("MissingParameter"), "{code}");
    assert!(
        missing.error_message().contains("FlowId"),
        "{}",
        missing.error_message()
    );
    let wrong_type = send_raw(
        &emu,
        &RequestSpec::new(
            &emu,
            "ArchiveDynamicFlow",
            r#"{"Operator": {"UserId": "u"}, "FlowId": 7}"#,
        ),
    )
    .await;
    assert_eq!(wrong_type.error_code().as_deref(), Some("InvalidParameter"));
    assert!(wrong_type.error_message().contains("FlowId"));
    emu.shutdown().await;
}

/// Through the real client: the canned answer decodes into the typed output.
#[tokio::test]
async fn the_client_reads_a_canned_answer() {
    let emu = emulator().await;
    let client = client(&emu);
    let input = ess_api::operation::archive_dynamic_flow::ArchiveDynamicFlowInput::builder()
        .operator(operator("yDxZtUyKQD2JuqUuO4zjERYGxxxxxxxx"))
        .flow_id("yDCmVUUckpufezuiUxQQFiT8Exxxxxxxx")
        .build();
    let input = match input {
        Ok(input) => input,
        Err(e) => panic!("the example request is valid: {e}"),
    };
    let out = client
        .send_unvalidated(input)
        .await
        .expect("a canned answer");
    assert_eq!(
        out.flow_id.as_deref(),
        Some("yDCmDUUckpuf0hsmUuvalvQyxxxxxxxxx")
    );
    emu.shutdown().await;
}

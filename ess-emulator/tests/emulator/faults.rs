//! Fault injection, each kind observed on the wire by a raw client.

use crate::support;

use std::io::ErrorKind;
use std::time::Duration;

use ess_api::client::RetryConfig;
use ess_emulator::{defaults, Emulator, Fault, FaultKind};
use support::*;

fn create_request(emu: &Emulator) -> Vec<u8> {
    RequestSpec::new(emu, "CreateMultiFlowSignQRCode", &create_body()).bytes()
}

async fn once(emu: &Emulator, kind: FaultKind) -> Outcome {
    emu.inject_fault(Fault::next(kind, 1)).unwrap();
    exchange(emu.addr(), &create_request(emu)).await
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let emu = emulator().await;
    let r = once(&emu, FaultKind::Latency(Duration::from_millis(300)))
        .await
        .response();
    assert!(
        r.head_after >= Duration::from_millis(300),
        "{:?}",
        r.head_after
    );
    assert_eq!(r.error_code(), None);
    assert_eq!(emu.qr_codes().len(), 1, "the request was handled");
    // Only the next request was delayed.
    let r = exchange(emu.addr(), &create_request(&emu)).await.response();
    assert!(
        r.head_after < Duration::from_millis(300),
        "{:?}",
        r.head_after
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn http_5xx_pages() {
    let emu = emulator().await;
    for status in [500, 502, 503, 504] {
        let r = once(&emu, FaultKind::HttpStatus(status)).await.response();
        assert_eq!(r.status, status);
        assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    }
    assert!(emu.qr_codes().is_empty(), "gateway errors are not handled");
    assert!(emu
        .inject_fault(Fault::next(FaultKind::HttpStatus(404), 1))
        .is_err());
    emu.shutdown().await;
}

fn assert_cut(outcome: Outcome) -> (Vec<u8>, Option<ErrorKind>) {
    match outcome {
        Outcome::Cut { received, error } => (received, error),
        Outcome::Response(r) => panic!("expected the connection to be cut, got {r:?}"),
    }
}

#[tokio::test]
async fn resets_before_and_after_reading() {
    let emu = emulator().await;
    let (received, error) = assert_cut(once(&emu, FaultKind::ResetBeforeRead).await);
    assert!(received.is_empty());
    assert!(
        matches!(error, None | Some(ErrorKind::ConnectionReset)),
        "{error:?}"
    );
    assert!(
        emu.qr_codes().is_empty(),
        "reset before reading: not handled"
    );

    let (received, error) = assert_cut(once(&emu, FaultKind::ResetAfterRead).await);
    assert!(received.is_empty());
    assert!(
        matches!(error, None | Some(ErrorKind::ConnectionReset)),
        "{error:?}"
    );
    assert_eq!(
        emu.qr_codes().len(),
        1,
        "reset after reading: handled, answer lost"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn slow_headers_and_slow_body() {
    let emu = emulator().await;
    let r = once(&emu, FaultKind::SlowHeaders(Duration::from_millis(400)))
        .await
        .response();
    assert!(
        r.head_after >= Duration::from_millis(350),
        "{:?}",
        r.head_after
    );
    assert_eq!(r.error_code(), None);

    let r = once(&emu, FaultKind::SlowBody(Duration::from_millis(400)))
        .await
        .response();
    assert!(
        r.head_after < Duration::from_millis(300),
        "{:?}",
        r.head_after
    );
    assert!(
        r.body_after >= Duration::from_millis(350),
        "{:?}",
        r.body_after
    );
    assert_eq!(r.error_code(), None);
    emu.shutdown().await;
}

#[tokio::test]
async fn truncated_body() {
    let emu = emulator().await;
    let (received, _) = assert_cut(once(&emu, FaultKind::TruncatedBody).await);
    let text = String::from_utf8_lossy(&received).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let declared: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(body.len() < declared, "{} of {declared}", body.len());
    assert!(body.starts_with("{\"Response\""));
    assert!(serde_json::from_str::<serde_json::Value>(body).is_err());
    emu.shutdown().await;
}

#[tokio::test]
async fn oversized_body() {
    let emu = emulator().await;
    emu.inject_fault(Fault::next(FaultKind::OversizedBody(9 * 1024 * 1024), 1))
        .unwrap();
    let mut raw = Raw::connect(emu.addr()).await;
    let r = bounded(raw.exchange(&create_request(&emu), 64 * 1024))
        .await
        .response();
    assert_eq!(r.header("Content-Length"), Some("9437184"));
    assert!(r.body.starts_with(b"{\"Response\":"));
    drop(raw);

    // Read whole, it is still the answer, padded.
    emu.inject_fault(Fault::next(FaultKind::OversizedBody(100_000), 1))
        .unwrap();
    let r = exchange(emu.addr(), &create_request(&emu)).await.response();
    assert_eq!(r.body.len(), 100_000);
    let json = r.json();
    assert_eq!(
        json["Response"]["QrCode"]["QrCodeId"]
            .as_str()
            .unwrap()
            .len(),
        32
    );
    assert!(json["Padding"].as_str().unwrap().len() > 90_000);
    emu.shutdown().await;
}

#[tokio::test]
async fn non_json_body_and_wrong_content_type() {
    let emu = emulator().await;
    let r = once(&emu, FaultKind::NonJsonBody).await.response();
    assert_eq!(r.status, 200);
    assert!(r.header("Content-Type").unwrap().starts_with("text/html"));
    assert!(r.body.starts_with(b"<html>"));
    assert!(emu.qr_codes().is_empty());

    let r = once(&emu, FaultKind::WrongContentType).await.response();
    assert!(r.header("Content-Type").unwrap().starts_with("text/html"));
    assert_eq!(
        r.json()["Response"]["QrCode"]["QrCodeId"]
            .as_str()
            .unwrap()
            .len(),
        32
    );
    assert_eq!(emu.qr_codes().len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn throttling_storm_for_the_next_n_requests() {
    let emu = emulator().await;
    emu.inject_fault(Fault::next(FaultKind::ThrottlingStorm, 3))
        .unwrap();
    let mut raw = Raw::connect(emu.addr()).await;
    let mut codes = Vec::new();
    for _ in 0..5 {
        let r = bounded(raw.exchange(&create_request(&emu), usize::MAX))
            .await
            .response();
        codes.push(r.error_code());
    }
    let throttled = Some("RequestLimitExceeded".to_owned());
    assert_eq!(
        codes,
        [throttled.clone(), throttled.clone(), throttled, None, None]
    );
    assert!(emu.faults().is_empty());
    emu.shutdown().await;
}

async fn pattern(seed: u64) -> Vec<u16> {
    let emu = Emulator::builder()
        .fault(Fault::fraction(FaultKind::HttpStatus(503), 0.5, seed))
        .start()
        .await
        .unwrap();
    let mut raw = Raw::connect(emu.addr()).await;
    let mut statuses = Vec::new();
    for _ in 0..24 {
        let r = bounded(raw.exchange(&create_request(&emu), usize::MAX))
            .await
            .response();
        statuses.push(r.status);
    }
    emu.shutdown().await;
    statuses
}

#[tokio::test]
async fn fractions_follow_the_seed() {
    let a = pattern(42).await;
    assert_eq!(a, pattern(42).await);
    assert_ne!(a, pattern(43).await);
    let failed = a.iter().filter(|s| **s == 503).count();
    assert!((3..=21).contains(&failed), "{a:?}");
}

#[tokio::test]
async fn the_control_endpoint_adds_lists_and_clears_faults() {
    let emu = emulator().await;
    let host = emu.addr().to_string();
    let post = |body: &str| plain_request("POST", "/_emulator/faults", &host, body);
    let r = exchange(
        emu.addr(),
        &post(r#"{"Kind": "http_status", "Status": 502, "Next": 2}"#),
    )
    .await
    .response();
    assert_eq!(r.json()["Response"]["Faults"][0]["Remaining"], 2);
    let r = exchange(
        emu.addr(),
        &post(r#"{"Kind": "http_status", "Status": 200}"#),
    )
    .await
    .response();
    assert_eq!(r.error_code().as_deref(), Some("InvalidParameter"));
    let r = exchange(emu.addr(), &post(r#"{"Kind": "teleport"}"#))
        .await
        .response();
    assert!(r.error_message().contains("teleport"));

    // Emulator endpoints are never faulted.
    let r = exchange(
        emu.addr(),
        &plain_request("GET", "/_emulator/faults", &host, ""),
    )
    .await
    .response();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["Response"]["Faults"][0]["Kind"], "http_status");

    let r = exchange(emu.addr(), &create_request(&emu)).await.response();
    assert_eq!(r.status, 502);
    // The handle and the endpoint count the same requests.
    let r = exchange(
        emu.addr(),
        &plain_request("GET", "/_emulator/faults", &host, ""),
    )
    .await
    .response();
    assert_eq!(r.json()["Response"]["Faults"][0]["Applied"], 1);
    let applied = emu.faults_applied();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].0.kind, FaultKind::HttpStatus(502));
    assert_eq!(applied[0].1, 1);
    let r = exchange(
        emu.addr(),
        &plain_request("DELETE", "/_emulator/faults", &host, ""),
    )
    .await
    .response();
    assert_eq!(r.json()["Response"]["Faults"], serde_json::json!([]));
    let r = exchange(emu.addr(), &create_request(&emu)).await.response();
    assert_eq!(r.status, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_client_retries_only_what_is_safe_after_a_reset() {
    let emu = emulator().await;
    let client = ess_api::Client::new(
        emu.config().with_retry(
            RetryConfig::new()
                .with_base_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_millis(20)),
        ),
    )
    .unwrap();
    // Creating is not idempotent: the ambiguous failure is reported, not retried.
    emu.inject_fault(Fault::next(FaultKind::ResetAfterRead, 1))
        .unwrap();
    let e = bounded(create(&client, defaults::B2C_TEMPLATE_ID).send())
        .await
        .unwrap_err();
    assert!(e.may_have_been_sent(), "{e:?}");
    assert_eq!(emu.qr_codes().len(), 1, "the code was created all the same");

    // Cancelling is idempotent: the client retries and succeeds.
    let id = emu.qr_codes()[0].qr_code_id.clone();
    emu.inject_fault(Fault::next(FaultKind::ResetAfterRead, 1))
        .unwrap();
    bounded(
        client
            .cancel_multi_flow_sign_qr_code()
            .operator(operator(defaults::OPERATOR_ID))
            .qr_code_id(&id)
            .send(),
    )
    .await
    .unwrap();

    // Throttling is always retried.
    emu.inject_fault(Fault::next(FaultKind::ThrottlingStorm, 2))
        .unwrap();
    bounded(create(&client, defaults::B2C_TEMPLATE_ID).send())
        .await
        .unwrap();
    emu.shutdown().await;
}

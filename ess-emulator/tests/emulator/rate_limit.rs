//! Each action's documented rate limit (300 requests per second for
//! `CreateMultiFlowSignQRCode`), enforced per action.

use crate::support;

use std::time::{Duration, Instant};

use ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeInput;
use ess_api::Action;
use ess_emulator::{defaults, Emulator};
use support::*;

const CONNECTIONS: usize = 8;

/// Sends `total` create requests over [`CONNECTIONS`] kept-alive
/// connections as fast as they go; returns how many were throttled and how
/// long it took.
async fn burst(emu: &Emulator, total: usize) -> (usize, usize, Duration) {
    let per_connection = total / CONNECTIONS;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let addr = emu.addr();
        let request = RequestSpec::new(emu, "CreateMultiFlowSignQRCode", &create_body()).bytes();
        tasks.push(tokio::spawn(async move {
            let mut raw = Raw::connect(addr).await;
            let (mut ok, mut throttled) = (0, 0);
            for _ in 0..per_connection {
                let r = raw.exchange(&request, usize::MAX).await.response();
                match r.error_code().as_deref() {
                    None => ok += 1,
                    Some("RequestLimitExceeded") => throttled += 1,
                    Some(other) => panic!("unexpected {other}"),
                }
            }
            (ok, throttled)
        }));
    }
    let (mut ok, mut throttled) = (0, 0);
    for task in tasks {
        let (o, t) = bounded(task).await.unwrap();
        ok += o;
        throttled += t;
    }
    (ok, throttled, started.elapsed())
}

#[tokio::test]
async fn bursts_over_the_limit_are_throttled_per_action() {
    assert_eq!(CreateMultiFlowSignQrCodeInput::RATE_LIMIT, Some(300));
    let emu = emulator().await;
    let (ok, throttled, took) = burst(&emu, 800).await;
    eprintln!("{ok} admitted, {throttled} throttled in {took:?}");
    assert!(throttled > 0, "800 requests in {took:?}: none throttled");
    // No more than 300 in any second: at most 300 per started second.
    let seconds = took.as_secs() + 1;
    assert!(ok as u64 <= 300 * seconds, "{ok} admitted in {took:?}");
    assert_eq!(
        emu.qr_codes().len(),
        ok,
        "throttled requests are not handled"
    );

    // The limit is per action: cancelling is not throttled meanwhile.
    let id = emu.qr_codes()[0].qr_code_id.clone();
    let cancel = format!(
        r#"{{"Operator": {{"UserId": "{}"}}, "QrCodeId": "{id}"}}"#,
        defaults::OPERATOR_ID
    );
    let r = send_raw(
        &emu,
        &RequestSpec::new(&emu, "CancelMultiFlowSignQRCode", &cancel),
    )
    .await;
    assert_eq!(r.error_code(), None, "{}", r.error_message());
    emu.shutdown().await;
}

#[tokio::test]
async fn rate_limits_can_be_switched_off() {
    let emu = Emulator::builder()
        .rate_limits(false)
        .start()
        .await
        .unwrap();
    let (ok, throttled, took) = burst(&emu, 800).await;
    eprintln!("{ok} admitted, {throttled} throttled in {took:?}");
    assert_eq!(throttled, 0);
    assert_eq!(ok, 800);
    // Otherwise the burst proved nothing.
    assert!(
        took < Duration::from_millis(800 * 1000 / 300),
        "the burst ran below the limit ({took:?})"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_limit_is_the_organizations_whichever_key_and_connection_sends() {
    // A second key of the same organization: its requests count against the
    // same limit, as the service counts them, per organization.
    let second = other_credentials(
        "AKIDSecondKeyOfTheSameOrganization1",
        "SecondKeyOfTheSameOrganization-NotForProduction",
    );
    let emu = Emulator::builder()
        .add_credentials(second.clone())
        .start()
        .await
        .unwrap();
    let started = Instant::now();
    // The first key, over eight connections: the whole second's allowance.
    let (ok, _, took) = burst(&emu, 304).await;
    assert_eq!(ok, 300, "{ok} admitted in {took:?}");
    // The second key, on connections of its own, within the same second.
    let mut spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    spec.secret_id = second.secret_id().to_owned();
    spec.secret_key = second.secret_key().to_owned();
    let mut codes = Vec::new();
    for _ in 0..10 {
        codes.push(send_raw(&emu, &spec).await.error_code());
    }
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(900),
        "the requests took {took:?}: not within one second, so this proved nothing"
    );
    assert!(
        codes
            .iter()
            .all(|c| c.as_deref() == Some("RequestLimitExceeded")),
        "{codes:?}"
    );
    assert_eq!(emu.qr_codes().len(), 300);
    // A second later the second key is admitted.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let r = send_raw(&emu, &spec).await;
    assert_eq!(r.error_code(), None, "{}", r.error_message());
    emu.shutdown().await;
}

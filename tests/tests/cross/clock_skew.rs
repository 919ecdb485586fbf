//! A client whose clock is off: the emulator answers
//! `AuthFailure.SignatureExpire` (more than 300 s apart), the client signs
//! again once with the time from the emulator's `Date` header, and later
//! calls use the corrected time from the start. A skew that signing again
//! cannot fix fails with the typed error after exactly two requests.
//!
//! Requests are counted by the emulator (a zero-delay latency fault that
//! applies to every API request counts them in `GET /_emulator/faults`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ess_api::client::{FixedClock, RetryConfig, SkewedClock};
use ess_api::operation::create_multi_flow_sign_qr_code::{
    CreateMultiFlowSignQrCodeError, CreateMultiFlowSignQrCodeOutput,
};
use ess_api::types::UserInfo;
use ess_api::{Client, SdkError, ServiceError};
use ess_emulator::{defaults, Emulator, Fault, FaultKind};

/// The emulator's clock: 2024-06-01T00:00:00Z.
const NOW: u64 = 1_717_200_000;
const TEN_MINUTES: i64 = 600;

async fn emulator() -> Emulator {
    let emu = Emulator::builder()
        .clock(FixedClock::new(NOW))
        .start()
        .await
        .unwrap();
    emu.inject_fault(Fault::fraction(FaultKind::Latency(Duration::ZERO), 1.0, 0))
        .unwrap();
    emu
}

/// API requests the emulator received so far (its counting fault saw all).
fn requests(emu: &Emulator) -> u64 {
    emu.faults_applied().iter().map(|(_, n)| n).sum()
}

fn retry() -> RetryConfig {
    RetryConfig::new()
        .with_base_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(20))
}

async fn create(
    client: &Client,
) -> Result<CreateMultiFlowSignQrCodeOutput, SdkError<CreateMultiFlowSignQrCodeError>> {
    let call = client
        .create_multi_flow_sign_qr_code()
        .operator(
            UserInfo::builder()
                .user_id(defaults::OPERATOR_ID)
                .build()
                .unwrap(),
        )
        .template_id(defaults::B2C_TEMPLATE_ID)
        .flow_name("员工入职合同")
        .send();
    tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .expect("the call ends in bounded time")
}

fn is_signature_expire(e: &SdkError<CreateMultiFlowSignQrCodeError>) -> bool {
    // The action does not document the code: it arrives unmodeled, and the
    // service-wide error names it.
    e.as_service_error().is_some_and(|e| {
        e.is_unhandled() && e.code() == ess_api::service::codes::AUTH_FAILURE_SIGNATURE_EXPIRE
    })
}

#[tokio::test]
async fn a_clock_ten_minutes_off_is_corrected_by_one_re_sign() {
    for skew in [-TEN_MINUTES, TEN_MINUTES] {
        let emu = emulator().await;
        let client = ess_api::Client::new(
            emu.config()
                .with_clock(SkewedClock::new(FixedClock::new(NOW), skew))
                .with_retry(retry()),
        )
        .unwrap();
        create(&client).await.unwrap();
        assert_eq!(requests(&emu), 2, "skew {skew}: one refused, one re-signed");
        assert_eq!(emu.qr_codes().len(), 1);

        // The correction is kept: the next calls are right the first time.
        create(&client).await.unwrap();
        create(&client.clone()).await.unwrap();
        assert_eq!(requests(&emu), 4);
        emu.shutdown().await;
    }
}

#[tokio::test]
async fn a_skew_within_the_allowed_five_minutes_needs_no_re_sign() {
    let emu = emulator().await;
    let client = ess_api::Client::new(
        emu.config()
            .with_clock(SkewedClock::new(FixedClock::new(NOW), -299))
            .with_retry(retry()),
    )
    .unwrap();
    create(&client).await.unwrap();
    assert_eq!(requests(&emu), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_re_sign_does_not_use_up_an_attempt() {
    let emu = emulator().await;
    // Faults answer before authentication: two throttled answers use up
    // two of the three attempts, the third is refused as expired, and the
    // re-signed fourth creates the code.
    emu.clear_faults();
    emu.inject_fault(Fault::next(FaultKind::ThrottlingStorm, 2))
        .unwrap();
    emu.inject_fault(Fault::fraction(FaultKind::Latency(Duration::ZERO), 1.0, 0))
        .unwrap();
    let client = ess_api::Client::new(
        emu.config()
            .with_clock(SkewedClock::new(FixedClock::new(NOW), -TEN_MINUTES))
            .with_retry(retry()),
    )
    .unwrap();
    create(&client).await.unwrap();
    assert!(emu.faults().len() == 1, "both throttled answers were given");
    assert_eq!(requests(&emu), 2, "expired, then created");
    assert_eq!(emu.qr_codes().len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_emulators_clock_moving_ahead_is_followed() {
    let emu = Emulator::builder().start().await.unwrap();
    emu.inject_fault(Fault::fraction(FaultKind::Latency(Duration::ZERO), 1.0, 0))
        .unwrap();
    let client = ess_api::Client::new(emu.config().with_retry(retry())).unwrap();
    create(&client).await.unwrap();
    emu.advance_clock(Duration::from_secs(8 * 86_400));
    create(&client).await.unwrap();
    create(&client).await.unwrap();
    assert_eq!(requests(&emu), 4, "one re-sign after the jump, then none");
    emu.shutdown().await;
}

#[tokio::test]
async fn without_re_signing_the_typed_error_comes_after_one_request() {
    let emu = emulator().await;
    let client = ess_api::Client::new(
        emu.config()
            .with_clock(SkewedClock::new(FixedClock::new(NOW), -TEN_MINUTES))
            .with_retry(retry().with_resign_on_expired_signature(false)),
    )
    .unwrap();
    let e = create(&client).await.unwrap_err();
    assert!(is_signature_expire(&e), "{e:?}");
    assert_eq!(e.code(), Some("AuthFailure.SignatureExpire"));
    assert!(e.is_retryable(false), "signing again is always safe");
    assert_eq!(requests(&emu), 1);
    assert!(emu.qr_codes().is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn a_clock_that_keeps_running_away_fails_cleanly_after_two_requests() {
    let emu = emulator().await;
    // Each reading is ten more minutes behind: the correction learned from
    // the `Date` header is stale by the time the request is signed again.
    let readings = Arc::new(AtomicU64::new(0));
    let clock = {
        let readings = readings.clone();
        move || NOW - 600 * (1 + readings.fetch_add(1, Ordering::Relaxed))
    };
    let client = ess_api::Client::new(emu.config().with_clock(clock).with_retry(retry())).unwrap();
    let e = create(&client).await.unwrap_err();
    assert!(is_signature_expire(&e), "{e:?}");
    assert!(e.request_id().is_some());
    assert_eq!(requests(&emu), 2, "signed again once, not more");
    assert!(emu.qr_codes().is_empty());
    emu.shutdown().await;
}

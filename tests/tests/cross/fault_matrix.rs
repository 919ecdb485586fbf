//! The real client against every fault the emulator injects.
//!
//! For each fault: the typed error the caller gets, the number of attempts
//! the retry policy promises (counted by the emulator, not the client), a
//! bounded total time, and no duplicate QR code when a create is retried
//! (counted in the emulator's state). Creating is not idempotent and
//! cancelling is, so each fault is tried with both where the policy
//! differs.
//!
//! Attempts are counted with the emulator's own fault bookkeeping
//! (`GET /_emulator/faults`, `Applied`): a fault that applies to every
//! request counts all of them, and a zero-delay latency fault behind a
//! `Next` fault counts the requests after it.

use std::future::Future;
use std::time::{Duration, Instant};

use ess_api::client::{ResponseErrorKind, RetryConfig, TimeoutPhase};
use ess_api::operation::cancel_multi_flow_sign_qr_code::CancelMultiFlowSignQrCodeError;
use ess_api::operation::create_multi_flow_sign_qr_code::{
    CreateMultiFlowSignQrCodeError, CreateMultiFlowSignQrCodeOutput,
};
use ess_api::types::UserInfo;
use ess_api::{Client, SdkError};
use ess_emulator::{defaults, Emulator, Fault, FaultKind};

/// Total attempts per call of the client's default policy.
const ATTEMPTS: u64 = 3;
/// The per-attempt timeout of the clients here.
const TIMEOUT: Duration = Duration::from_millis(800);

async fn emulator() -> Emulator {
    Emulator::builder().start().await.unwrap()
}

/// The default policy with short waits, so the matrix runs quickly.
fn client(emu: &Emulator) -> Client {
    ess_api::Client::new(
        emu.config()
            .with_retry(
                RetryConfig::new()
                    .with_base_delay(Duration::from_millis(10))
                    .with_max_delay(Duration::from_millis(40)),
            )
            .with_timeout(TIMEOUT),
    )
    .unwrap()
}

fn operator() -> UserInfo {
    UserInfo::builder()
        .user_id(defaults::OPERATOR_ID)
        .build()
        .unwrap()
}

type CreateResult =
    Result<CreateMultiFlowSignQrCodeOutput, SdkError<CreateMultiFlowSignQrCodeError>>;
type CancelResult = Result<(), SdkError<CancelMultiFlowSignQrCodeError>>;

async fn create(client: &Client) -> CreateResult {
    client
        .create_multi_flow_sign_qr_code()
        .operator(operator())
        .template_id(defaults::B2C_TEMPLATE_ID)
        .flow_name("员工入职合同")
        .send()
        .await
}

async fn cancel(client: &Client, id: &str) -> CancelResult {
    client
        .cancel_multi_flow_sign_qr_code()
        .operator(operator())
        .qr_code_id(id)
        .send()
        .await
        .map(drop)
}

/// Runs `call`, failing the test if it takes longer than `limit`; returns
/// its result and how long it took.
async fn timed<T>(limit: Duration, call: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = tokio::time::timeout(limit, call)
        .await
        .unwrap_or_else(|_| panic!("the call took longer than {limit:?}"));
    (out, started.elapsed())
}

/// `(kind, requests applied to)` of every active fault.
fn applied(emu: &Emulator) -> Vec<(&'static str, u64)> {
    emu.faults_applied()
        .into_iter()
        .map(|(f, n)| (f.kind.name(), n))
        .collect()
}

/// A fault applied to every API request from now on, counting them.
fn always(kind: FaultKind) -> Fault {
    Fault::fraction(kind, 1.0, 0)
}

/// Counts the API requests no other fault took.
fn counter() -> Fault {
    always(FaultKind::Latency(Duration::ZERO))
}

/// Requests that reached the emulator while only `always(..)` faults (or
/// the counter) were active.
fn requests(emu: &Emulator) -> u64 {
    applied(emu).iter().map(|(_, n)| n).sum()
}

/// Creates a QR code to cancel; its id.
async fn with_code(client: &Client) -> String {
    create(client).await.unwrap().qr_code.qr_code_id
}

/// Two attempts of a cancel meet `kind`, the third succeeds: the
/// idempotent action is retried through the fault.
async fn cancel_succeeds_after_two_failures(
    emu: &Emulator,
    client: &Client,
    id: &str,
    kind: FaultKind,
) {
    emu.inject_fault(Fault::next(kind, 2)).unwrap();
    emu.inject_fault(counter()).unwrap();
    timed(Duration::from_secs(3), cancel(client, id))
        .await
        .0
        .unwrap();
    assert_eq!(applied(emu), vec![("latency", 1)]);
}

/// Checks a failing create: the emulator saw exactly one attempt, and
/// `created` codes exist (1 when the fault lets the request be handled).
async fn one_attempt_no_duplicate(emu: &Emulator, created: usize) {
    assert_eq!(
        requests(emu),
        1,
        "a create is never repeated after an ambiguous failure"
    );
    assert_eq!(emu.qr_codes().len(), created);
}

#[tokio::test]
async fn server_error_pages() {
    for status in [500, 502, 503, 504] {
        let emu = emulator().await;
        let client = client(&emu);
        emu.inject_fault(always(FaultKind::HttpStatus(status)))
            .unwrap();
        let (e, took) = timed(Duration::from_secs(3), create(&client)).await;
        let e = e.unwrap_err();
        let r = e.as_response_error().expect("a response error");
        assert_eq!((r.status(), r.kind()), (status, ResponseErrorKind::Status));
        assert!(e.may_have_been_sent());
        assert!(!e.is_retryable(false) && e.is_retryable(true));
        one_attempt_no_duplicate(&emu, 0).await;
        assert!(took < Duration::from_secs(1), "{took:?}");

        // Cancelling is idempotent: every attempt is made, then the page is reported.
        emu.clear_faults();
        let id = with_code(&client).await;
        emu.inject_fault(always(FaultKind::HttpStatus(status)))
            .unwrap();
        let (e, _) = timed(Duration::from_secs(3), cancel(&client, &id)).await;
        assert_eq!(e.unwrap_err().http_status(), Some(status));
        assert_eq!(requests(&emu), ATTEMPTS);

        // Two failures, then the third attempt succeeds.
        emu.clear_faults();
        cancel_succeeds_after_two_failures(&emu, &client, &id, FaultKind::HttpStatus(status)).await;
        emu.shutdown().await;
    }
}

#[tokio::test]
async fn connection_reset_before_the_request_is_read() {
    let emu = emulator().await;
    let client = client(&emu);
    emu.inject_fault(always(FaultKind::ResetBeforeRead))
        .unwrap();
    let (e, took) = timed(Duration::from_secs(3), create(&client)).await;
    let e = e.unwrap_err();
    let d = e.as_dispatch_error().expect("a dispatch error");
    assert!(!d.is_connect(), "the connection was made");
    assert!(
        e.may_have_been_sent(),
        "the client cannot know the request was not read"
    );
    one_attempt_no_duplicate(&emu, 0).await;
    assert!(took < Duration::from_secs(1), "{took:?}");

    emu.clear_faults();
    let id = with_code(&client).await;
    emu.inject_fault(always(FaultKind::ResetBeforeRead))
        .unwrap();
    let (e, _) = timed(Duration::from_secs(3), cancel(&client, &id)).await;
    assert!(e.unwrap_err().as_dispatch_error().is_some());
    assert_eq!(requests(&emu), ATTEMPTS);
    emu.shutdown().await;
}

#[tokio::test]
async fn connection_reset_after_the_request_is_handled() {
    let emu = emulator().await;
    let client = client(&emu);
    emu.inject_fault(always(FaultKind::ResetAfterRead)).unwrap();
    let (e, took) = timed(Duration::from_secs(3), create(&client)).await;
    let e = e.unwrap_err();
    assert!(e.as_dispatch_error().is_some(), "{e:?}");
    assert!(e.may_have_been_sent());
    // The code was created, once: the client did not try again.
    one_attempt_no_duplicate(&emu, 1).await;
    assert!(took < Duration::from_secs(1), "{took:?}");

    emu.clear_faults();
    let id = emu.qr_codes()[0].qr_code_id.clone();
    cancel_succeeds_after_two_failures(&emu, &client, &id, FaultKind::ResetAfterRead).await;
    emu.shutdown().await;
}

#[tokio::test]
async fn slow_headers_and_slow_body() {
    for slow in [FaultKind::SlowHeaders, FaultKind::SlowBody] {
        // Slow but within the timeout: one attempt, a result.
        let emu = emulator().await;
        let client = client(&emu);
        emu.inject_fault(always(slow(TIMEOUT / 4))).unwrap();
        let (out, took) = timed(Duration::from_secs(3), create(&client)).await;
        out.unwrap();
        assert!(took >= TIMEOUT / 4 - Duration::from_millis(50), "{took:?}");
        one_attempt_no_duplicate(&emu, 1).await;

        // Slower than the timeout: a timeout, after one attempt for a
        // create (which was handled: one code, no duplicate)...
        emu.clear_faults();
        emu.inject_fault(always(slow(TIMEOUT * 3))).unwrap();
        let (e, took) = timed(Duration::from_secs(3), create(&client)).await;
        let e = e.unwrap_err();
        let t = e.as_timeout_error().expect("a timeout");
        assert_eq!(t.phase(), TimeoutPhase::Attempt);
        assert!(e.may_have_been_sent());
        assert!(
            took >= TIMEOUT && took < TIMEOUT + Duration::from_millis(500),
            "{took:?}"
        );
        assert_eq!(requests(&emu), 1);
        assert_eq!(emu.qr_codes().len(), 2);

        // ... and after every attempt for a cancel.
        emu.clear_faults();
        let id = emu.qr_codes()[0].qr_code_id.clone();
        emu.inject_fault(always(slow(TIMEOUT * 3))).unwrap();
        let (e, took) = timed(Duration::from_secs(5), cancel(&client, &id)).await;
        assert!(e.unwrap_err().as_timeout_error().is_some());
        assert_eq!(requests(&emu), ATTEMPTS);
        assert!(took < TIMEOUT * 3 + Duration::from_millis(500), "{took:?}");
        emu.shutdown().await;
    }
}

#[tokio::test]
async fn truncated_body() {
    let emu = emulator().await;
    let client = client(&emu);
    emu.inject_fault(always(FaultKind::TruncatedBody)).unwrap();
    let (e, took) = timed(Duration::from_secs(3), create(&client)).await;
    let e = e.unwrap_err();
    let r = e.as_response_error().expect("a response error");
    assert_eq!(r.kind(), ResponseErrorKind::Truncated);
    assert!(!r.body_excerpt().is_empty(), "the part that came is kept");
    one_attempt_no_duplicate(&emu, 1).await;
    assert!(took < Duration::from_secs(1), "{took:?}");

    emu.clear_faults();
    let id = emu.qr_codes()[0].qr_code_id.clone();
    cancel_succeeds_after_two_failures(&emu, &client, &id, FaultKind::TruncatedBody).await;
    emu.shutdown().await;
}

#[tokio::test]
async fn oversized_body_is_refused_without_reading_it() {
    let emu = emulator().await;
    let client = ess_api::Client::new(
        emu.config()
            .with_max_response_bytes(64 * 1024)
            .with_timeout(TIMEOUT),
    )
    .unwrap();
    emu.inject_fault(always(FaultKind::OversizedBody(64 * 1024 * 1024)))
        .unwrap();
    let (e, took) = timed(Duration::from_secs(3), create(&client)).await;
    let e = e.unwrap_err();
    let r = e.as_response_error().expect("a response error");
    assert_eq!(r.kind(), ResponseErrorKind::TooLarge { limit: 64 * 1024 });
    assert!(!e.is_retryable(true), "the same answer would come again");
    one_attempt_no_duplicate(&emu, 1).await;
    assert!(
        took < Duration::from_secs(1),
        "64 MiB were not read: {took:?}"
    );

    // Not retried even when repeating is safe.
    emu.clear_faults();
    let id = emu.qr_codes()[0].qr_code_id.clone();
    emu.inject_fault(always(FaultKind::OversizedBody(64 * 1024 * 1024)))
        .unwrap();
    let (e, _) = timed(Duration::from_secs(3), cancel(&client, &id)).await;
    assert!(e.unwrap_err().as_response_error().is_some());
    assert_eq!(requests(&emu), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn non_json_body() {
    let emu = emulator().await;
    let client = client(&emu);
    emu.inject_fault(always(FaultKind::NonJsonBody)).unwrap();
    let (e, took) = timed(Duration::from_secs(3), create(&client)).await;
    let e = e.unwrap_err();
    let r = e.as_response_error().expect("a response error");
    assert_eq!((r.status(), r.kind()), (200, ResponseErrorKind::NotJson));
    assert!(r.body_excerpt().starts_with("<html>"));
    one_attempt_no_duplicate(&emu, 0).await;
    assert!(took < Duration::from_secs(1), "{took:?}");

    emu.clear_faults();
    let id = with_code(&client).await;
    emu.inject_fault(always(FaultKind::NonJsonBody)).unwrap();
    let (e, _) = timed(Duration::from_secs(3), cancel(&client, &id)).await;
    assert!(e.unwrap_err().as_response_error().is_some());
    assert_eq!(requests(&emu), 1, "a page that is not JSON is not retried");
    emu.shutdown().await;
}

#[tokio::test]
async fn wrong_content_type_still_decodes() {
    // The body is the service's JSON; its label does not matter to the client.
    let emu = emulator().await;
    let client = client(&emu);
    emu.inject_fault(always(FaultKind::WrongContentType))
        .unwrap();
    let (out, took) = timed(Duration::from_secs(3), create(&client)).await;
    let out = out.unwrap();
    assert_eq!(emu.qr_codes()[0].qr_code_id, out.qr_code.qr_code_id);
    one_attempt_no_duplicate(&emu, 1).await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn throttling_storm() {
    let emu = emulator().await;
    let client = client(&emu);
    // A storm that does not end: every attempt, then the typed error.
    emu.inject_fault(always(FaultKind::ThrottlingStorm))
        .unwrap();
    let (e, took) = timed(Duration::from_secs(3), create(&client)).await;
    let e = e.unwrap_err();
    assert!(e.is_throttling(), "{e:?}");
    assert_eq!(e.code(), Some("RequestLimitExceeded"));
    assert!(e.request_id().is_some());
    assert_eq!(
        requests(&emu),
        ATTEMPTS,
        "throttling is retried, even for a create"
    );
    assert!(emu.qr_codes().is_empty());
    assert!(took < Duration::from_secs(1), "{took:?}");

    // A storm of two: the third attempt creates the code, once.
    emu.clear_faults();
    emu.inject_fault(Fault::next(FaultKind::ThrottlingStorm, 2))
        .unwrap();
    emu.inject_fault(counter()).unwrap();
    let (out, _) = timed(Duration::from_secs(3), create(&client)).await;
    let out = out.unwrap();
    assert_eq!(applied(&emu), vec![("latency", 1)]);
    let codes = emu.qr_codes();
    assert_eq!(codes.len(), 1, "no duplicate");
    assert_eq!(codes[0].qr_code_id, out.qr_code.qr_code_id);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_stay_under_the_services_rate_limit() {
    const CALLS: usize = 1_000;
    let emu = emulator().await;
    emu.inject_fault(counter()).unwrap();
    // No retries: a throttled call would fail instead of hiding behind a retry.
    let client = ess_api::Client::new(
        emu.config()
            .with_rate_limit(true)
            .with_retry(RetryConfig::disabled())
            .with_timeout(Duration::from_secs(10)),
    )
    .unwrap();
    let started = Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..CALLS {
        let client = client.clone();
        calls.spawn(async move { create(&client).await });
    }
    let mut throttled = 0;
    let mut failed = Vec::new();
    let (_, took) = timed(Duration::from_secs(10), async {
        while let Some(joined) = calls.join_next().await {
            match joined.unwrap() {
                Ok(_) => {}
                Err(e) if e.is_throttling() => throttled += 1,
                Err(e) => failed.push(e.to_string()),
            }
        }
    })
    .await;
    assert_eq!(throttled, 0, "answered RequestLimitExceeded");
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(requests(&emu), CALLS as u64, "one request per call");
    assert_eq!(emu.qr_codes().len(), CALLS);
    // 300 per second: the last 100 start after 3 s.
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(2_900), "{elapsed:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    eprintln!("{CALLS} calls through the rate limiter in {elapsed:?}");
    emu.shutdown().await;
}

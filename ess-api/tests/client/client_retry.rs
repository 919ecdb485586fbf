//! Retries, re-signing and timeouts, counted on the server's side.

use crate::support;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ess_api::client::{provide_credentials_fn, RetryConfig, TimeoutPhase};
use ess_api::{Credentials, SdkError};
use support::*;

const LIMIT: Duration = Duration::from_secs(20);

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn throttling_is_retried_for_every_action() {
    for idempotent in [true, false] {
        let server = TestServer::start(|slot| {
            if slot < 2 {
                Reply::Error("RequestLimitExceeded")
            } else {
                Reply::Ok
            }
        })
        .await;
        let client = ess_api::Client::new(server.config()).unwrap();
        let out = if idempotent {
            bounded(LIMIT, client.send(DescribeThing::new("x"))).await
        } else {
            bounded(LIMIT, client.send(CreateThing::new("x"))).await
        }
        .unwrap();
        assert_eq!(out.request_id, "req-2");
        assert_eq!(server.received().len(), 3, "idempotent: {idempotent}");
    }
}

#[tokio::test]
async fn attempts_are_bounded() {
    let server = TestServer::start(|_| Reply::Error("RequestLimitExceeded")).await;
    let client = ess_api::Client::new(
        server.config().with_retry(
            RetryConfig::new()
                .with_max_attempts(4)
                .with_base_delay(Duration::from_millis(5)),
        ),
    )
    .unwrap();
    let err = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(TestError::Throttled(_))
    ));
    assert_eq!(err.request_id(), Some("req-3"));
    assert_eq!(server.slots(), 4);

    let server = TestServer::start(|_| Reply::Error("RequestLimitExceeded")).await;
    let client = ess_api::Client::new(server.config().with_retry(RetryConfig::disabled())).unwrap();
    bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    assert_eq!(server.slots(), 1);
}

#[tokio::test]
async fn backoff_is_capped_and_there_is_no_sleep_after_the_last_attempt() {
    let server = TestServer::start(|_| Reply::Error("RequestLimitExceeded")).await;
    let client = ess_api::Client::new(
        server.config().with_retry(
            RetryConfig::new()
                .with_max_attempts(3)
                .with_base_delay(Duration::from_millis(150))
                .with_max_delay(Duration::from_millis(150)),
        ),
    )
    .unwrap();
    let started = Instant::now();
    bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    // Two waits of at most 150 ms each, none after the third attempt.
    assert!(started.elapsed() < Duration::from_millis(2_000));
    assert_eq!(server.slots(), 3);
}

#[tokio::test]
async fn internal_error_is_retried_only_when_idempotent() {
    let script = |slot| {
        if slot == 0 {
            Reply::Error("InternalError")
        } else {
            Reply::Ok
        }
    };
    let server = TestServer::start(script).await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let err = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(TestError::Internal(_))
    ));
    assert!(!err.is_retryable(false));
    assert!(err.is_retryable(true));
    assert_eq!(server.slots(), 1);

    let server = TestServer::start(script).await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let out = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap();
    assert_eq!(out.request_id, "req-1");
    assert_eq!(server.slots(), 2);
}

#[tokio::test]
async fn reset_after_the_request_was_read() {
    let script = |slot| {
        if slot == 0 {
            Reply::CloseAfterRead
        } else {
            Reply::Ok
        }
    };
    // Not repeated: the service may have acted on it.
    let server = TestServer::start(script).await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let err = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap_err();
    match &err {
        SdkError::Dispatch(e) => {
            assert!(e.may_have_been_sent());
            assert!(!e.is_connect());
        }
        other => panic!("expected a dispatch error, got {other:?}"),
    }
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(server.slots(), 1);
    assert_eq!(server.received().len(), 1);

    // Repeated: safe for a read-only action.
    let server = TestServer::start(script).await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let out = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap();
    assert_eq!(out.request_id, "req-1");
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn reset_before_the_request_was_read() {
    let script = |slot| {
        if slot == 0 {
            Reply::CloseBeforeRead
        } else {
            Reply::Ok
        }
    };
    // The client cannot tell whether the request got through, so a
    // non-idempotent action is not repeated.
    let server = TestServer::start(script).await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let err = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap_err();
    assert!(matches!(err, SdkError::Dispatch(_)), "{err:?}");
    assert_eq!(server.slots(), 1);
    assert_eq!(server.received().len(), 0);

    let server = TestServer::start(script).await;
    let client = ess_api::Client::new(server.config()).unwrap();
    bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap();
    assert_eq!(server.slots(), 2);
    assert_eq!(server.received().len(), 1);
}

/// Counts the attempts of a client that cannot reach any server: the
/// credentials provider is asked once per attempt.
fn counting_credentials(count: Arc<AtomicUsize>) -> impl ess_api::client::ProvideCredentials {
    provide_credentials_fn(move || {
        count.fetch_add(1, Ordering::SeqCst);
        async { Credentials::new(SECRET_ID, SECRET_KEY) }
    })
}

#[tokio::test]
async fn refused_connections_are_retried_even_when_not_idempotent() {
    // A port that was just free: nothing listens on it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let attempts = Arc::new(AtomicUsize::new(0));
    let client = ess_api::Client::new(
        ess_api::Config::default()
            .with_endpoint(format!("http://127.0.0.1:{port}"))
            .with_credentials_provider(counting_credentials(attempts.clone()))
            .with_env_proxy(false)
            .with_retry(fast_retries()),
    )
    .unwrap();
    let err = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap_err();
    match &err {
        SdkError::Dispatch(e) => {
            assert!(e.is_connect(), "{e:?}");
            assert!(!e.may_have_been_sent());
        }
        other => panic!("expected a dispatch error, got {other:?}"),
    }
    assert!(!err.may_have_been_sent());
    assert!(err.to_string().contains("not sent"), "{err}");
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn slow_answers_time_out() {
    let slow = |_| Reply::Delay(Duration::from_secs(3), Box::new(Reply::Ok));
    let server = TestServer::start(slow).await;
    let client =
        ess_api::Client::new(server.config().with_timeout(Duration::from_millis(300))).unwrap();
    let started = Instant::now();
    let err = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap_err();
    let t = err.as_timeout_error().expect("a timeout");
    assert_eq!(t.phase(), TimeoutPhase::Attempt);
    assert_eq!(t.after(), Duration::from_millis(300));
    assert!(err.may_have_been_sent());
    assert!(started.elapsed() < Duration::from_millis(2_500));
    assert_eq!(server.received().len(), 1);

    let server = TestServer::start(slow).await;
    let client =
        ess_api::Client::new(server.config().with_timeout(Duration::from_millis(300))).unwrap();
    let started = Instant::now();
    let err = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    assert!(matches!(err, SdkError::Timeout(_)));
    assert!(started.elapsed() < Duration::from_millis(2_900));
    assert_eq!(server.received().len(), 3);
}

#[tokio::test]
async fn expired_signature_is_signed_again_with_the_service_clock() {
    let server = TestServer::start(|_| Reply::Ok).await;
    // This machine's clock is 20 minutes behind: the service refuses the
    // first signature and tells its time in the Date header.
    let client = ess_api::Client::new(server.config().with_clock_skew(-1_200)).unwrap();
    let out = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap();
    assert_eq!(out.request_id, "req-1");
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].check, Err("expired".to_owned()));
    assert_eq!(received[1].check, Ok(()));
    assert!(received[1].timestamp > received[0].timestamp);
    assert!(received[1].timestamp.abs_diff(now()) <= 5);

    // The correction is kept: the next call is signed right the first time.
    bounded(LIMIT, client.send(CreateThing::new("y")))
        .await
        .unwrap();
    assert_eq!(server.received().len(), 3);
    assert_eq!(server.received()[2].check, Ok(()));
}

#[tokio::test]
async fn expired_signature_is_signed_again_only_once() {
    let server = TestServer::with_options(
        ServerOptions {
            check_timestamp: false,
            ..ServerOptions::default()
        },
        |_| Reply::Error("AuthFailure.SignatureExpire"),
    )
    .await;
    // A clock that moves forward by 10 s at every reading.
    let ticks = Arc::new(AtomicU64::new(now()));
    let clock = move || ticks.fetch_add(10, Ordering::SeqCst);
    let client = ess_api::Client::new(server.config().with_clock(clock)).unwrap();
    let err = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(TestError::SignatureExpired(_))
    ));
    let received = server.received();
    assert_eq!(received.len(), 2, "one re-signing, no more");
    assert!(received[1].timestamp > received[0].timestamp);

    // Turned off with the retries.
    let server = TestServer::with_options(
        ServerOptions {
            check_timestamp: false,
            ..ServerOptions::default()
        },
        |_| Reply::Error("AuthFailure.SignatureExpire"),
    )
    .await;
    let client = ess_api::Client::new(server.config().with_retry(RetryConfig::disabled())).unwrap();
    bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn credentials_are_asked_for_at_every_attempt() {
    let server = TestServer::with_options(
        ServerOptions {
            token: Some(TOKEN.into()),
            ..ServerOptions::default()
        },
        |slot| {
            if slot == 0 {
                Reply::Error("RequestLimitExceeded")
            } else {
                Reply::Ok
            }
        },
    )
    .await;
    let calls = Arc::new(AtomicUsize::new(0));
    let provider = {
        let calls = calls.clone();
        provide_credentials_fn(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Credentials::temporary(SECRET_ID, SECRET_KEY, TOKEN) }
        })
    };
    let client = ess_api::Client::new(server.config().with_credentials_provider(provider)).unwrap();
    bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(server.received().iter().all(|r| r.check.is_ok()));

    // A failing provider is a construction error, and nothing is sent.
    let failing = provide_credentials_fn(|| async {
        Err(ess_api::client::CredentialsError::provider(
            "role unavailable",
        ))
    });
    let client = ess_api::Client::new(server.config().with_credentials_provider(failing)).unwrap();
    let err = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    assert!(matches!(err, SdkError::Construction(_)));
    assert!(err.to_string().contains("role unavailable"));
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn connect_timeouts_count_as_not_sent() {
    // A listener that never accepts, with its queue filled: further
    // connection attempts get no answer at all.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        let attempt = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await;
        match attempt {
            Ok(Ok(stream)) => fillers.push(stream),
            _ => break,
        }
    }
    let attempts = Arc::new(AtomicUsize::new(0));
    let client = ess_api::Client::new(
        ess_api::Config::default()
            .with_endpoint(format!("http://{addr}"))
            .with_credentials_provider(counting_credentials(attempts.clone()))
            .with_env_proxy(false)
            .with_connect_timeout(Duration::from_millis(200))
            .with_timeout(Duration::from_secs(5))
            .with_retry(fast_retries()),
    )
    .unwrap();
    let started = Instant::now();
    let err = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap_err();
    let timeout = err
        .as_timeout_error()
        .unwrap_or_else(|| panic!("expected a timeout, got {err:?}"));
    assert_eq!(timeout.phase(), TimeoutPhase::Connect);
    assert!(!err.may_have_been_sent());
    // Never sent, so retried even though the action is not idempotent.
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(fillers);
    drop(listener);
}

/// A server that never answers costs one operation deadline, not
/// `max_attempts` times the attempt timeout.
#[tokio::test]
async fn the_whole_operation_has_a_deadline() {
    let never = |_| Reply::Delay(Duration::from_secs(30), Box::new(Reply::Ok));
    let server = TestServer::start(never).await;
    let client = ess_api::Client::new(
        server
            .config()
            .with_timeout(Duration::from_secs(20))
            .with_retry(fast_retries())
            .with_operation_timeout(Duration::from_millis(400)),
    )
    .unwrap();
    let started = Instant::now();
    // A read: it would be retried after each attempt timeout.
    let err = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let t = err.as_timeout_error().expect("a timeout");
    assert_eq!(t.phase(), TimeoutPhase::Operation);
    assert_eq!(t.after(), Duration::from_millis(400));
    assert!(err.may_have_been_sent());
    assert!(err.to_string().contains("deadline"), "{err}");
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(server.received().len(), 1);

    // A zero deadline is refused when the client is built.
    let e =
        ess_api::Client::new(server.config().with_operation_timeout(Duration::ZERO)).unwrap_err();
    assert!(e.to_string().contains("operation_timeout"), "{e}");
}

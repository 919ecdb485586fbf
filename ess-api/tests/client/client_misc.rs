//! The rate limiter, and what the client lets out in formatting and tracing.

use crate::support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ess_api::client::signing::{RequestSigner, SigningKey, SigningKeyCache, UtcDate};
use ess_api::client::{
    provide_credentials_fn, CachingCredentialsProvider, CredentialsError, DefaultCredentialsChain,
    EnvCredentialsProvider, ProfileCredentialsProvider, RetryConfig,
};
use ess_api::{Client, Config, Credentials, SdkError};
use support::*;

const LIMIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn the_limiter_holds_each_action_under_its_rate() {
    let server = TestServer::start(|_| Reply::Ok).await;
    let client = ess_api::Client::new(server.config().with_rate_limit(true)).unwrap();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..30 {
        // Every call goes through its own clone: the limiter is shared.
        let client = client.clone();
        tasks.spawn(async move { client.send(DescribeThing::new(&format!("t-{i}"))).await });
    }
    let calls = bounded(LIMIT, async {
        let mut n = 0;
        while let Some(result) = tasks.join_next().await {
            result.unwrap().unwrap();
            n += 1;
        }
        n
    })
    .await;
    let elapsed = started.elapsed();
    assert_eq!(calls, 30);
    // 20 per second: the 21st request cannot start before a second has passed.
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    let mut arrivals: Vec<Instant> = server.received().iter().map(|r| r.at).collect();
    arrivals.sort();
    for window in arrivals.windows(21) {
        let span = window[20] - window[0];
        assert!(
            span >= Duration::from_millis(900),
            "21 requests within {span:?}"
        );
    }
}

#[tokio::test]
async fn the_limiter_is_off_by_default_and_ignores_unlimited_actions() {
    let server = TestServer::start(|_| Reply::Ok).await;
    let client = ess_api::Client::new(server.config().with_rate_limit(true)).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..25 {
        let client = client.clone();
        tasks.spawn(async move { client.send(CreateThing::new("x")).await });
    }
    bounded(LIMIT, async {
        while let Some(result) = tasks.join_next().await {
            result.unwrap().unwrap();
        }
    })
    .await;
    let mut arrivals: Vec<Instant> = server.received().iter().map(|r| r.at).collect();
    arrivals.sort();
    // No documented limit for this action: nothing waited a whole second.
    assert!(arrivals[24] - arrivals[0] < Duration::from_secs(1));
    assert!(!Config::default().rate_limit());
}

fn assert_clean(label: &str, text: &str) {
    assert!(
        !text.contains(SECRET_KEY),
        "{label} shows the secret key: {text}"
    );
    assert!(!text.contains(TOKEN), "{label} shows the token: {text}");
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut out = format!("{e} | {e:?}");
    let mut next = e.source();
    while let Some(s) = next {
        out.push_str(&format!(" <- {s} | {s:?}"));
        next = s.source();
    }
    out
}

#[tokio::test]
async fn no_secret_in_debug_or_display_output() {
    let temporary = Credentials::temporary(SECRET_ID, SECRET_KEY, TOKEN).unwrap();
    let long_term = Credentials::new(SECRET_ID, SECRET_KEY).unwrap();
    assert_clean(
        "credentials",
        &format!("{temporary:?} {temporary:#?} {long_term:?}"),
    );
    assert!(format!("{temporary:?}").contains(SECRET_ID));

    for bad in [
        Credentials::new(SECRET_ID, format!(" {SECRET_KEY}")).unwrap_err(),
        Credentials::new(format!("{SECRET_KEY} "), SECRET_KEY).unwrap_err(),
        Credentials::temporary(SECRET_ID, SECRET_KEY, format!("{TOKEN}\n")).unwrap_err(),
        Credentials::new(SECRET_ID, "").unwrap_err(),
    ] {
        assert_clean("credentials error", &chain(&bad));
    }

    let server = TestServer::with_options(
        ServerOptions {
            token: Some(TOKEN.into()),
            ..ServerOptions::default()
        },
        |slot| match slot {
            0 => Reply::Ok,
            1 => Reply::Error("ResourceNotFound.Thing"),
            2 => Reply::Raw {
                status: 502,
                body: b"<html>bad gateway</html>".to_vec(),
            },
            3 => Reply::CloseAfterRead,
            _ => Reply::Delay(Duration::from_secs(2), Box::new(Reply::Ok)),
        },
    )
    .await;
    let config = server
        .config()
        .with_credentials(temporary.clone())
        .with_timeout(Duration::from_millis(200))
        .with_retry(RetryConfig::disabled());
    assert_clean("config", &format!("{config:?}"));
    let client = Client::new(config).unwrap();
    assert_clean("client", &format!("{client:?} {:?}", client.config()));

    client.send(DescribeThing::new("a")).await.unwrap();
    let mut errors: Vec<SdkError<TestError>> = Vec::new();
    for _ in 0..4 {
        errors.push(client.send(CreateThing::new("b")).await.unwrap_err());
    }
    errors.push(client.send(DescribeThing::new("")).await.unwrap_err());
    let failing = ess_api::Client::new(server.config().with_credentials_provider(
        provide_credentials_fn(|| async { Err(CredentialsError::provider("no role")) }),
    ))
    .unwrap();
    errors.push(failing.send(DescribeThing::new("a")).await.unwrap_err());
    assert!(matches!(errors[0], SdkError::Service(_)));
    assert!(matches!(errors[1], SdkError::Response(_)));
    assert!(matches!(errors[2], SdkError::Dispatch(_)));
    assert!(matches!(errors[3], SdkError::Timeout(_)));
    assert!(matches!(errors[4], SdkError::Construction(_)));
    assert!(matches!(errors[5], SdkError::Construction(_)));
    for e in &errors {
        assert_clean("sdk error", &chain(e));
    }

    let build_error = ess_api::Client::new(
        ess_api::Config::default()
            .with_credentials(temporary.clone())
            .with_region("bad region"),
    )
    .unwrap_err();
    assert_clean("build error", &chain(&build_error));

    let caching = CachingCredentialsProvider::new(temporary.clone());
    let signer = RequestSigner::new("ess", "ess.tencentcloudapi.com");
    let _ = signer.sign(SECRET_ID, SECRET_KEY, 1_700_000_000, b"{}");
    let cache = SigningKeyCache::new();
    let key = cache.get(SECRET_KEY, UtcDate::from_unix(0), "ess");
    assert_clean(
        "providers and signing",
        &format!(
            "{:?} {:?} {:?} {caching:?} {signer:?} {cache:?} {key:?} {:?}",
            EnvCredentialsProvider::new(),
            ProfileCredentialsProvider::new(),
            DefaultCredentialsChain::new(),
            SigningKey::derive(SECRET_KEY, UtcDate::from_unix(0), "ess"),
        ),
    );
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tracing_records_calls_without_secrets() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        // Plain text whatever features other crates turn on.
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = TestServer::with_options(
        ServerOptions {
            token: Some(TOKEN.into()),
            ..ServerOptions::default()
        },
        |slot| match slot {
            0 => Reply::Error("RequestLimitExceeded"),
            1 => Reply::Ok,
            _ => Reply::Error("ResourceNotFound.Thing"),
        },
    )
    .await;
    let client = ess_api::Client::new(
        server
            .config()
            .with_credentials(Credentials::temporary(SECRET_ID, SECRET_KEY, TOKEN).unwrap()),
    )
    .unwrap();
    client.send(DescribeThing::new("a")).await.unwrap();
    client.send(DescribeThing::new("a")).await.unwrap_err();

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("ess.call"), "{text}");
    assert!(text.contains("action=\"DescribeThing\""), "{text}");
    assert!(text.contains("ess.attempt{attempt=2}"), "{text}");
    assert!(text.contains("attempts=2"), "{text}");
    assert!(text.contains("request_id=\"req-1\""), "{text}");
    assert!(text.contains("request_id=\"req-2\""), "{text}");
    assert!(text.contains("latency_ms="), "{text}");
    assert!(text.contains("retrying"), "{text}");
    assert_clean("tracing output", &text);
}

/// A call's future borrows neither the client nor the input: the input is
/// serialized when `send` is called, nothing goes out before the future is
/// polled, and the future can be spawned and outlive the client.
#[tokio::test]
async fn a_call_future_borrows_nothing_and_outlives_its_client() {
    let server = TestServer::start(|_| Reply::Ok).await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let input = DescribeThing::new("t-1");
    let expected_body = serde_json::to_vec(&input).unwrap();
    let call = client.send(input);
    let unvalidated = client.send_unvalidated(DescribeThing::new("t-2"));
    drop(client);
    tokio::task::yield_now().await;
    assert!(server.received().is_empty(), "sent before being polled");
    let first = bounded(LIMIT, tokio::spawn(call)).await.unwrap().unwrap();
    let second = bounded(LIMIT, tokio::spawn(unvalidated))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.thing_id.as_str(), second.thing_id.as_str()),
        ("thing-0", "thing-1")
    );
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].body, expected_body);
}

/// An invalid input is refused when `send` is called, before any I/O; the
/// future only hands the refusal over.
#[tokio::test]
async fn an_invalid_input_is_refused_when_send_is_called() {
    let server = TestServer::start(|_| Reply::Ok).await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let call = client.send(DescribeThing::new(""));
    drop(client);
    let err = bounded(LIMIT, call).await.unwrap_err();
    assert!(matches!(err, SdkError::Construction(_)), "{err:?}");
    assert!(server.received().is_empty());
}

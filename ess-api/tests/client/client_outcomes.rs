//! What a call returns for each kind of answer, against a local server.

use crate::support;

use std::time::Duration;

use ess_api::client::{Language, ResponseErrorKind, RetryConfig};
use ess_api::{Credentials, SdkError, ServiceError};
use support::*;

const LIMIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn success_with_signed_headers() {
    let server = TestServer::with_options(
        ServerOptions {
            region: Some("ap-guangzhou".into()),
            ..ServerOptions::default()
        },
        |_| Reply::Ok,
    )
    .await;
    let client = ess_api::Client::new(
        server
            .config()
            .with_region("ap-guangzhou")
            .with_language(Language::EnUs)
            .with_request_client("client-tests/1.0"),
    )
    .unwrap();
    let out = bounded(LIMIT, client.send(DescribeThing::new("t-1")))
        .await
        .unwrap();
    assert_eq!(out.thing_id, "thing-0");
    assert_eq!(out.request_id, "req-0");

    let received = server.received();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.check, Ok(()));
    assert_eq!(r.body, br#"{"ThingId":"t-1"}"#);
    assert_eq!(r.header("x-tc-action"), Some("DescribeThing"));
    assert_eq!(r.header("x-tc-region"), Some("ap-guangzhou"));
    assert_eq!(r.header("x-tc-language"), Some("en-US"));
    assert_eq!(r.header("x-tc-token"), None);
    assert!(r
        .header("x-tc-requestclient")
        .unwrap()
        .ends_with("; client-tests/1.0"));
    // What the HTTP stack would add is sent once, with its usual value.
    assert_eq!(r.header("host"), Some(server.host().as_str()));
    assert_eq!(r.header("accept"), Some("*/*"));
    assert_eq!(r.header("content-length"), Some("17"));
    assert!(r
        .header("user-agent")
        .is_some_and(|ua| ua.starts_with("ess-sdk-rust/")));
    let mut names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "a header sent twice: {:?}", r.headers);
    assert!(
        r.timestamp.abs_diff(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        ) < 60
    );
}

#[tokio::test]
async fn temporary_credentials_send_the_token() {
    let server = TestServer::with_options(
        ServerOptions {
            token: Some(TOKEN.into()),
            ..ServerOptions::default()
        },
        |_| Reply::Ok,
    )
    .await;
    let client = ess_api::Client::new(
        server
            .config()
            .with_credentials(Credentials::temporary(SECRET_ID, SECRET_KEY, TOKEN).unwrap()),
    )
    .unwrap();
    bounded(LIMIT, client.send(CreateThing::new("a")))
        .await
        .unwrap();
    let r = &server.received()[0];
    assert_eq!(r.check, Ok(()));
    assert_eq!(r.header("x-tc-token"), Some(TOKEN));
    assert_eq!(r.header("x-tc-region"), None);
    assert_eq!(r.header("x-tc-language"), None);
}

#[tokio::test]
async fn a_wrong_key_is_refused_by_the_server() {
    let server = TestServer::start(|_| Reply::Ok).await;
    let client = ess_api::Client::new(
        server
            .config()
            .with_credentials(Credentials::new(SECRET_ID, "not-the-right-key").unwrap()),
    )
    .unwrap();
    let err = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AuthFailure.SignatureFailure"));
    assert!(matches!(
        err.as_service_error(),
        Some(TestError::Unhandled(_))
    ));
    assert!(server.received()[0].check.is_err());
}

#[tokio::test]
async fn service_error_is_typed_and_not_retried() {
    let server = TestServer::start(|_| Reply::Error("ResourceNotFound.Thing")).await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let err = bounded(LIMIT, client.send(DescribeThing::new("t-404")))
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("req-0"));
    assert!(err.may_have_been_sent());
    assert!(!err.is_retryable(true));
    let text = err.to_string();
    assert!(text.contains("ResourceNotFound.Thing"), "{text}");
    match err.into_service_error() {
        Some(TestError::NotFound(meta)) => {
            assert_eq!(meta.code(), "ResourceNotFound.Thing");
            assert_eq!(meta.message(), "test error ResourceNotFound.Thing");
            assert_eq!(meta.request_id(), Some("req-0"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.slots(), 1);
}

#[tokio::test]
async fn validation_failure_sends_nothing() {
    let server = TestServer::start(|_| Reply::Ok).await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let err = client.send(DescribeThing::new("")).await.unwrap_err();
    let violations = err.validation_errors().expect("a validation error");
    assert_eq!(violations.violations()[0].path(), "thing_id");
    assert!(matches!(err, SdkError::Construction(_)));
    assert!(!err.may_have_been_sent());
    let err = client
        .send(CreateThing::new("a name that is far too long"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("name"), "{err}");
    assert_eq!(server.connections(), 0);

    // Unvalidated sends go out as they are.
    let out = bounded(LIMIT, client.send_unvalidated(DescribeThing::new("")))
        .await
        .unwrap();
    assert_eq!(out.name, "thing");
    assert_eq!(server.received()[0].body, br#"{"ThingId":""}"#);
}

fn response_error(err: &SdkError<TestError>) -> &ess_api::client::ResponseError {
    err.as_response_error()
        .unwrap_or_else(|| panic!("expected a response error, got {err:?}"))
}

#[tokio::test]
async fn non_json_success_status() {
    let server = TestServer::start(|_| Reply::Raw {
        status: 200,
        body: b"<html><body>maintenance</body></html>".to_vec(),
    })
    .await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let err = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    let r = response_error(&err);
    assert_eq!(r.kind(), ResponseErrorKind::NotJson);
    assert_eq!(r.status(), 200);
    assert_eq!(r.body_excerpt(), "<html><body>maintenance</body></html>");
    assert_eq!(err.http_status(), Some(200));
    assert!(std::error::Error::source(&err).is_some());
    // Not worth repeating, even for an idempotent action.
    assert_eq!(server.slots(), 1);
}

#[tokio::test]
async fn bad_gateway_page_is_retried_only_when_idempotent() {
    let page = format!("<html>{}</html>", "\u{7f51}\u{5173}".repeat(200));
    let body = page.clone().into_bytes();
    let server = TestServer::start(move |_| Reply::Raw {
        status: 502,
        body: body.clone(),
    })
    .await;
    let client = ess_api::Client::new(server.config()).unwrap();

    let err = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap_err();
    let r = response_error(&err);
    assert_eq!(r.kind(), ResponseErrorKind::Status);
    assert_eq!(r.status(), 502);
    assert!(r.body_excerpt().len() <= 256);
    assert!(page.starts_with(r.body_excerpt()));
    assert_eq!(server.slots(), 1);

    let err = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    assert_eq!(response_error(&err).status(), 502);
    assert_eq!(server.slots(), 1 + 3);
}

#[tokio::test]
async fn internal_error_with_http_500_keeps_the_typed_error() {
    let server = TestServer::start(|slot| Reply::Raw {
        status: 500,
        body: format!(
            r#"{{"Response": {{"Error": {{"Code": "InternalError", "Message": "oops"}}, "RequestId": "req-{slot}"}}}}"#
        )
        .into_bytes(),
    })
    .await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let err = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(TestError::Internal(_))
    ));
    assert_eq!(err.request_id(), Some("req-0"));
    assert_eq!(server.slots(), 1);
}

#[tokio::test]
async fn empty_body() {
    let server = TestServer::start(|_| Reply::Raw {
        status: 200,
        body: Vec::new(),
    })
    .await;
    let client = ess_api::Client::new(server.config().with_retry(RetryConfig::disabled())).unwrap();
    let err = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    assert_eq!(response_error(&err).kind(), ResponseErrorKind::Empty);
    assert_eq!(response_error(&err).body_excerpt(), "");
}

#[tokio::test]
async fn unexpected_json() {
    let server = TestServer::start(|_| Reply::Raw {
        status: 200,
        body: br#"{"Response": {"ThingId": 42, "RequestId": "req-x"}}"#.to_vec(),
    })
    .await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let err = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    let r = response_error(&err);
    assert_eq!(r.kind(), ResponseErrorKind::Unexpected);
    assert_eq!(err.request_id(), Some("req-x"));
    assert_eq!(server.slots(), 1);
}

#[tokio::test]
async fn body_cut_short_by_the_connection() {
    let server = TestServer::start(|_| Reply::Truncated {
        declared: 500,
        body: br#"{"Response": {"ThingId": "t"#.to_vec(),
    })
    .await;
    let client = ess_api::Client::new(server.config()).unwrap();
    let err = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap_err();
    let r = response_error(&err);
    assert_eq!(r.kind(), ResponseErrorKind::Truncated);
    assert_eq!(r.body_excerpt(), r#"{"Response": {"ThingId": "t"#);
    // The request was processed: a non-idempotent action is not repeated.
    assert_eq!(server.slots(), 1);

    let err = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    assert_eq!(response_error(&err).kind(), ResponseErrorKind::Truncated);
    assert_eq!(server.slots(), 1 + 3);
}

#[tokio::test]
async fn incomplete_json_in_a_complete_body() {
    let server = TestServer::start(|_| Reply::Raw {
        status: 200,
        body: br#"{"Response": {"ThingId": "t", "Na"#.to_vec(),
    })
    .await;
    let client = ess_api::Client::new(server.config().with_retry(RetryConfig::disabled())).unwrap();
    let err = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    assert_eq!(response_error(&err).kind(), ResponseErrorKind::Truncated);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    // Declared too large: refused before reading the body.
    let server = TestServer::start(|_| Reply::Raw {
        status: 200,
        body: vec![b'y'; 200 * 1024],
    })
    .await;
    let client = ess_api::Client::new(server.config().with_max_response_bytes(64 * 1024)).unwrap();
    let err = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    let r = response_error(&err);
    assert_eq!(r.kind(), ResponseErrorKind::TooLarge { limit: 64 * 1024 });
    assert!(r.body_excerpt().len() <= 256);
    assert_eq!(server.slots(), 1);

    // Streamed without a length: refused once the running total passes the
    // limit, long before the 64 MiB the server would send.
    let server = TestServer::start(|_| Reply::Chunked {
        status: 200,
        total: 64 * 1024 * 1024,
    })
    .await;
    let client = ess_api::Client::new(server.config().with_max_response_bytes(100 * 1024)).unwrap();
    let started = std::time::Instant::now();
    let err = bounded(LIMIT, client.send(DescribeThing::new("x")))
        .await
        .unwrap_err();
    let r = response_error(&err);
    assert_eq!(r.kind(), ResponseErrorKind::TooLarge { limit: 100 * 1024 });
    assert!(r.body_excerpt().starts_with("xxxx"));
    assert!(r.body_excerpt().len() <= 256);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(server.slots(), 1);
}

#[tokio::test]
async fn clones_share_one_connection_pool() {
    let server = TestServer::with_options(
        ServerOptions {
            keep_alive: true,
            ..ServerOptions::default()
        },
        |_| Reply::Ok,
    )
    .await;
    let client = ess_api::Client::new(server.config()).unwrap();
    for i in 0..4 {
        let clone = client.clone();
        let out = bounded(LIMIT, clone.send(DescribeThing::new("t")))
            .await
            .unwrap();
        assert_eq!(out.request_id, format!("req-{i}"));
    }
    assert_eq!(server.connections(), 1);
    assert_eq!(server.received().len(), 4);
}

#[tokio::test]
async fn error_types_expose_their_parts() {
    let server = TestServer::start(|_| Reply::Error("RequestLimitExceeded")).await;
    let client = ess_api::Client::new(server.config().with_retry(RetryConfig::disabled())).unwrap();
    let err = bounded(LIMIT, client.send(CreateThing::new("x")))
        .await
        .unwrap_err();
    assert!(err.is_throttling());
    assert!(err.is_retryable(false));
    let mapped: SdkError<String> = err.map_service(|e| e.code().to_owned());
    assert_eq!(
        mapped.as_service_error().map(String::as_str),
        Some("RequestLimitExceeded")
    );
}

#[test]
fn calls_can_be_spawned() {
    fn is_send<T: Send + 'static>(_: &T) {}
    let client = ess_api::Client::new(
        ess_api::Config::default()
            .with_credentials(Credentials::new(SECRET_ID, SECRET_KEY).unwrap()),
    )
    .unwrap();
    let call = {
        let client = client.clone();
        async move { client.send(DescribeThing::new("x")).await }
    };
    is_send(&call);
    let unvalidated = {
        let client = client.clone();
        async move { client.send_unvalidated(CreateThing::new("x")).await }
    };
    is_send(&unvalidated);
}

#[tokio::test]
async fn prepared_requests_are_signed_but_not_sent() {
    use ess_api::client::signing::Authorization;

    let server = TestServer::start(|_| Reply::Ok).await;
    let client = ess_api::Client::new(
        server
            .config()
            .with_credentials(Credentials::temporary(SECRET_ID, SECRET_KEY, TOKEN).unwrap())
            .with_clock(|| 1_700_000_000u64)
            .with_region("ap-shanghai"),
    )
    .unwrap();
    let prepared = client.prepare(&DescribeThing::new("t-9")).await.unwrap();
    assert_eq!(prepared.method(), "POST");
    assert_eq!(prepared.url(), format!("{}/", server.endpoint()));
    assert_eq!(prepared.body(), br#"{"ThingId":"t-9"}"#);
    assert_eq!(prepared.header("Host"), Some(server.host().as_str()));
    assert_eq!(prepared.header("x-tc-timestamp"), Some("1700000000"));
    assert_eq!(prepared.header("X-TC-Action"), Some("DescribeThing"));
    assert_eq!(prepared.header("x-tc-region"), Some("ap-shanghai"));
    assert_eq!(prepared.header("x-tc-token"), Some(TOKEN));
    let names: Vec<&str> = prepared.headers().map(|(n, _)| n).collect();
    assert_eq!(names[0], "host");
    for name in [
        "content-type",
        "x-tc-version",
        "x-tc-requestclient",
        "authorization",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let auth = Authorization::parse(prepared.header("authorization").unwrap()).unwrap();
    assert_eq!(auth.date(), "2023-11-14");
    auth.verify(
        SECRET_KEY,
        1_700_000_000,
        |name| prepared.header(name),
        prepared.body(),
    )
    .unwrap();
    let debug = format!("{prepared:?}");
    assert!(debug.contains("x-tc-action"), "{debug}");
    assert!(
        !debug.contains(SECRET_KEY) && !debug.contains(TOKEN),
        "{debug}"
    );
    assert!(!debug.contains(auth.signature()), "{debug}");
    assert_eq!(server.connections(), 0);

    assert!(client.prepare(&DescribeThing::new("")).await.is_err());
}

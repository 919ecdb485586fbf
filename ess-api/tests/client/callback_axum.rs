//! The axum callback route (feature `axum`): answers before processing,
//! refuses what fails verification without calling the user, and works
//! over a real loopback connection.
#![cfg(feature = "axum")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use ess_api::callback::axum::CallbackReceiver;
use ess_api::callback::{Callback, CallbackDecoder, CallbackEncoder, CallbackEvent, SignatureForm};
use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, oneshot, Notify};
use tower::ServiceExt;

const KEY: &str = "Hq5Vw2Zk8Nb3Xr7Ls1Pd4Fm6Tg9Yc0Je";
const TOKEN: &str = "axum-route-token-2c8e";
const PATH: &str = "/ess/callback";
const LIMIT: Duration = Duration::from_secs(10);

fn decoder() -> CallbackDecoder {
    CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN)
}

fn encoder() -> CallbackEncoder {
    CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN)
}

fn sample(id: &str) -> Callback {
    let data = match json!({"QrCodeId": "q-1", "FlowId": "f-1"}) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Callback::new(id, CallbackEvent::MultiFlowSignQrCodeCost(data))
}

fn post(body: Vec<u8>, headers: &[(&str, String)]) -> Request<Body> {
    post_to(PATH, body, headers)
}

fn post_to(uri: &str, body: Vec<u8>, headers: &[(&str, String)]) -> Request<Body> {
    let mut request = Request::builder().method("POST").uri(uri);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.body(Body::from(body)).unwrap()
}

fn signed(callback: &Callback) -> Request<Body> {
    let sent = encoder().encode(callback).unwrap();
    post(sent.body.clone(), &sent.headers())
}

async fn body_text(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn answers_200_before_the_handler_runs_to_completion() {
    let release = Arc::new(Notify::new());
    let (done_tx, done_rx) = oneshot::channel::<Callback>();
    let done_tx = Arc::new(Mutex::new(Some(done_tx)));
    let started = Arc::new(Notify::new());
    let receiver = {
        let (release, started) = (release.clone(), started.clone());
        CallbackReceiver::new(decoder(), move |callback| {
            let (release, started, done_tx) = (release.clone(), started.clone(), done_tx.clone());
            async move {
                started.notify_one();
                // Blocks until the test has seen the answer.
                release.notified().await;
                if let Some(tx) = done_tx.lock().unwrap().take() {
                    let _ = tx.send(callback);
                }
            }
        })
    };
    let app: Router = receiver.into_router(PATH);
    let response = tokio::time::timeout(LIMIT, app.oneshot(signed(&sample("m-1"))))
        .await
        .expect("the answer does not wait for the handler")
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, "success");
    // The handler was handed the callback and is still waiting.
    tokio::time::timeout(LIMIT, started.notified())
        .await
        .unwrap();
    release.notify_one();
    let got = tokio::time::timeout(LIMIT, done_rx).await.unwrap().unwrap();
    assert_eq!(got, sample("m-1"));
}

#[tokio::test]
async fn refused_requests_never_reach_the_user() {
    let (tx, mut rx) = mpsc::channel(8);
    let app: Router = CallbackReceiver::with_channel(decoder(), tx).into_router(PATH);
    let good = encoder().encode(&sample("m-2")).unwrap();
    let sig = good.content_signature.clone().unwrap();
    let mut tampered = good.body.clone();
    let last = tampered.len() - 3;
    tampered[last] ^= 0x01;
    let other_token = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token("not-the-token")
        .encode(&sample("m-2"))
        .unwrap();
    let unencrypted = CallbackEncoder::new()
        .with_token(TOKEN)
        .encode(&sample("m-2"))
        .unwrap();
    let garbage = CallbackEncoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN)
        .encode_json(b"{\"MsgId\": ");
    let cases: Vec<(&str, Request<Body>, StatusCode)> = vec![
        (
            "no signature",
            post(good.body.clone(), &[]),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "malformed signature",
            post(
                good.body.clone(),
                &[("Content-Signature", "md5=abc".into())],
            ),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "tampered body",
            post(tampered, &[("Content-Signature", sig.clone())]),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "other token",
            post(other_token.body.clone(), &other_token.headers()),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "not encrypted",
            post(unencrypted.body.clone(), &unencrypted.headers()),
            StatusCode::BAD_REQUEST,
        ),
        (
            "not JSON inside",
            post(garbage.body.clone(), &garbage.headers()),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (name, request, status) in cases {
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), status, "{name}");
        assert_ne!(body_text(response).await, "success", "{name}");
    }
    // Nothing was handed on; a good request still is.
    assert!(rx.try_recv().is_err());
    let response = app
        .clone()
        .oneshot(post(good.body.clone(), &good.headers()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(rx.try_recv().unwrap(), sample("m-2"));
    assert!(rx.try_recv().is_err());
}

#[tokio::test]
async fn a_handler_is_never_called_for_a_refused_request() {
    let calls = Arc::new(Mutex::new(0usize));
    let receiver = {
        let calls = calls.clone();
        CallbackReceiver::new(decoder(), move |_| {
            let calls = calls.clone();
            async move { *calls.lock().unwrap() += 1 }
        })
    };
    let app: Router = receiver.into_router(PATH);
    let good = encoder().encode(&sample("m-3")).unwrap();
    let response = app
        .clone()
        .oneshot(post(
            good.body.clone(),
            &[("Content-Signature", format!("sha256={}", "0".repeat(64)))],
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = app
        .clone()
        .oneshot(post(good.body.clone(), &good.headers()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Only the good request reaches the handler (which runs in a task).
    tokio::time::timeout(LIMIT, async {
        while *calls.lock().unwrap() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(*calls.lock().unwrap(), 1);
}

#[tokio::test]
async fn a_full_or_closed_channel_answers_503_so_the_service_retries() {
    let (tx, mut rx) = mpsc::channel(1);
    let app: Router = CallbackReceiver::with_channel(decoder(), tx).into_router(PATH);
    let first = app.clone().oneshot(signed(&sample("a"))).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let second = app.clone().oneshot(signed(&sample("b"))).await.unwrap();
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(rx.recv().await.unwrap().msg_id, "a");
    // Room again: the retry goes through.
    let retry = app.clone().oneshot(signed(&sample("b"))).await.unwrap();
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(rx.recv().await.unwrap().msg_id, "b");
    drop(rx);
    let closed = app.clone().oneshot(signed(&sample("c"))).await.unwrap();
    assert_eq!(closed.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn oversized_bodies_get_413_and_other_methods_405() {
    let (tx, mut rx) = mpsc::channel(4);
    let small = decoder().with_max_body_len(64);
    let app: Router = CallbackReceiver::with_channel(small, tx).into_router(PATH);
    let big = signed(&sample(
        "a-message-whose-encrypted-body-exceeds-sixty-four-bytes",
    ));
    let response = app.clone().oneshot(big).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let get = Request::builder()
        .method("GET")
        .uri(PATH)
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(get).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(rx.try_recv().is_err());
}

#[tokio::test]
async fn the_receiver_mounts_in_a_router_with_state() {
    #[derive(Clone)]
    struct AppState {
        name: &'static str,
    }
    let (tx, mut rx) = mpsc::channel(4);
    let receiver = CallbackReceiver::with_channel(decoder(), tx);
    assert!(receiver.decoder().has_key() && receiver.decoder().has_token());
    let debug = format!("{receiver:?}");
    assert!(!debug.contains(KEY) && !debug.contains(TOKEN), "{debug}");
    let app = Router::new()
        .route(
            "/health",
            axum::routing::get(
                |axum::extract::State(s): axum::extract::State<AppState>| async move { s.name },
            ),
        )
        .route(PATH, receiver.method_router())
        .with_state(AppState { name: "ok" });
    let response = app.clone().oneshot(signed(&sample("s-1"))).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(rx.try_recv().unwrap().msg_id, "s-1");
    let health = Request::builder()
        .uri("/health")
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(health).await.unwrap();
    assert_eq!(body_text(response).await, "ok");
}

#[tokio::test]
async fn a_real_loopback_post_is_received() {
    let (tx, mut rx) = mpsc::channel(4);
    let app: Router = CallbackReceiver::with_channel(decoder(), tx).into_router(PATH);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("http://{addr}{PATH}");
    for (i, form) in [
        ess_api::callback::EncryptedForm::Wrapped,
        ess_api::callback::EncryptedForm::Bare,
    ]
    .into_iter()
    .enumerate()
    {
        let callback = sample(&format!("net-{i}"));
        let sent = encoder().with_form(form).encode(&callback).unwrap();
        let mut request = http.post(&url).body(sent.body.clone());
        for (name, value) in sent.headers() {
            request = request.header(name, value);
        }
        let response = tokio::time::timeout(LIMIT, request.send())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let got = tokio::time::timeout(LIMIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, callback);
    }
    let response = http
        .post(&url)
        .header("Content-Signature", "sha256=00")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
    server.abort();
}

fn query_encoder() -> CallbackEncoder {
    encoder().with_signature_form(SignatureForm::Query)
}

#[tokio::test]
async fn the_route_verifies_the_query_form_and_refuses_replays() {
    let (tx, mut rx) = mpsc::channel(8);
    let app: Router = CallbackReceiver::with_channel(decoder(), tx).into_router(PATH);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let json = sample("q-1").to_json().unwrap();
    let fresh = query_encoder().encode_json_at(&json, now, "fresh-nonce");
    assert_eq!(fresh.content_signature, None);
    let response = app
        .clone()
        .oneshot(post_to(
            &fresh.url(PATH),
            fresh.body.clone(),
            &fresh.headers(),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(rx.try_recv().unwrap(), sample("q-1"));

    // An hour old, a changed nonce, or no query at all: refused, and the
    // channel never sees them.
    let stale = query_encoder().encode_json_at(&json, now - 3600, "old-nonce");
    let query = fresh.query.clone().unwrap();
    let tampered = query.replace("fresh-nonce", "other-nonce");
    for (name, uri) in [
        ("replayed", stale.url(PATH)),
        ("tampered nonce", format!("{PATH}?{tampered}")),
        ("no signature", PATH.to_owned()),
        ("malformed", format!("{PATH}?msg_signature=xyz")),
    ] {
        let response = app
            .clone()
            .oneshot(post_to(&uri, fresh.body.clone(), &fresh.headers()))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(body_text(response).await, "invalid signature", "{name}");
    }
    assert!(rx.try_recv().is_err());

    // Both forms at once pass too; a route mounted under another path
    // still reads the query.
    let both = encoder()
        .with_signature_form(SignatureForm::Both)
        .encode(&sample("q-2"))
        .unwrap();
    let (nested_tx, mut nested_rx) = mpsc::channel(1);
    let nested: Router = Router::new().nest(
        "/hooks",
        CallbackReceiver::with_channel(decoder(), nested_tx).into_router(PATH),
    );
    let response = nested
        .oneshot(post_to(
            &both.url(&format!("/hooks{PATH}")),
            both.body.clone(),
            &both.headers(),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(nested_rx.try_recv().unwrap(), sample("q-2"));
}

#[tokio::test]
async fn a_query_signed_loopback_post_is_received() {
    let (tx, mut rx) = mpsc::channel(4);
    let app: Router = CallbackReceiver::with_channel(decoder(), tx).into_router(PATH);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let callback = sample("net-q");
    let sent = query_encoder()
        .with_form(ess_api::callback::EncryptedForm::Bare)
        .encode(&callback)
        .unwrap();
    let url = sent.url(&format!("http://{addr}{PATH}"));
    assert!(url.contains("?timestamp="), "{url}");
    let mut request = http.post(&url).body(sent.body.clone());
    for (name, value) in sent.headers() {
        request = request.header(name, value);
    }
    let response = tokio::time::timeout(LIMIT, request.send())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let got = tokio::time::timeout(LIMIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, callback);
    server.abort();
}

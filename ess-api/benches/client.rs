//! CPU cost of one call outside the network, through the client's own code:
//!
//! * `prepare/sdk`: build one `CreateMultiFlowSignQRCode` request with the
//!   generated builders, then `Client::prepare` (validate, serialize, sign,
//!   headers), the work `send` does before any I/O;
//! * `prepare/floor`: the least any client must do for the same request
//!   (`bench/src/floor.rs`): a plain `serde_json` struct, SHA-256 of the
//!   body and of the canonical request, the four HMACs of the TC3 key chain
//!   and signature, hex;
//! * `prepare_parts/*`: the SDK's steps one by one;
//! * `decode/*`: a success and an error answer through the client's decoding
//!   (`{"Response": ...}` to the typed output or typed error), next to a
//!   plain `serde_json` decode of the same success body.
//!
//! Run: `cargo bench -p ess-api --bench client`.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use ess_api::client::signing::RequestSigner;
use ess_api::client::PreparedRequest;
use ess_api::operation::create_multi_flow_sign_qr_code::{
    CreateMultiFlowSignQrCodeError, CreateMultiFlowSignQrCodeInput,
};
use ess_api::types::{ApproverComponentLimitType, ApproverRestriction, SignatureMethod, UserInfo};
use ess_api::Credentials;
use ess_api::{Client, SdkError, Validate};

#[allow(dead_code)]
#[path = "../../bench/src/floor.rs"]
mod floor;

const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
const HOST: &str = "127.0.0.1:9";
const OPERATOR: &str = "yDRCLUUgygq2xun5UuO4zjEwg0vjoimj";
const TEMPLATE: &str = "yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR";
const RECIPIENT_1: &str = "yDRscUUgyg3zr9vfUyJ8QKwCN7z9YcOh";
const RECIPIENT_2: &str = "yDwJNUUckpkojrmqUxTFHk0yndh70CpW";
const SUCCESS: &[u8] = include_bytes!("../../bench/fixtures/success.json");
const ERROR: &[u8] = include_bytes!("../../bench/fixtures/error.json");

/// The request, built the way the README builds one (nested values with
/// `build()`, which validates them), the outer input left for `prepare` to
/// validate, as the fluent `send` does.
fn sdk_input() -> CreateMultiFlowSignQrCodeInput {
    CreateMultiFlowSignQrCodeInput::builder()
        .operator(UserInfo::builder().user_id(OPERATOR).build().unwrap())
        .template_id(TEMPLATE)
        .flow_name("员工入职合同")
        .max_flow_num(100)
        .flow_effective_day(7)
        .restrictions(
            ApproverRestriction::builder()
                .name("张三")
                .mobile("18800009527")
                .build()
                .unwrap(),
        )
        .restrictions(
            ApproverRestriction::builder()
                .name("李四")
                .mobile("18900001234")
                .build()
                .unwrap(),
        )
        .approver_component_limit_types(
            ApproverComponentLimitType::builder()
                .recipient_id(RECIPIENT_1)
                .values(SignatureMethod::Handwrite)
                .values(SignatureMethod::SystemEsign)
                .build()
                .unwrap(),
        )
        .approver_component_limit_types(
            ApproverComponentLimitType::builder()
                .recipient_id(RECIPIENT_2)
                .values(SignatureMethod::OcrEsign)
                .values(SignatureMethod::Esign)
                .build()
                .unwrap(),
        )
        .build_unvalidated()
        .unwrap()
}

/// Polls a future that completes without waiting (fixed credentials).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future was expected to complete at once"),
    }
}

fn plain_input() -> floor::PlainInput {
    floor::plain_input(OPERATOR, TEMPLATE)
}

fn client() -> Client {
    ess_api::Client::new(
        ess_api::Config::default()
            .with_credentials(Credentials::new(SECRET_ID, SECRET_KEY).unwrap())
            .with_endpoint(format!("http://{HOST}")),
    )
    .unwrap()
}

fn sdk_prepare(client: &Client) -> PreparedRequest {
    let input = sdk_input();
    ready(client.prepare(&input)).unwrap()
}

fn prepare(c: &mut Criterion) {
    let client = client();
    // Both paths send the same bytes.
    let sdk = sdk_prepare(&client);
    let floor_signed = floor::prepare(&plain_input(), SECRET_ID, SECRET_KEY, HOST);
    assert_eq!(sdk.body(), &floor_signed.body[..]);

    let mut g = c.benchmark_group("prepare");
    g.bench_function("sdk", |b| b.iter(|| black_box(sdk_prepare(&client))));
    g.bench_function("floor", |b| {
        b.iter(|| black_box(floor::prepare(&plain_input(), SECRET_ID, SECRET_KEY, HOST)))
    });
    g.finish();

    let mut g = c.benchmark_group("prepare_parts");
    let input = sdk_input();
    let body = serde_json::to_vec(&input).unwrap();
    let signer = RequestSigner::new("ess", HOST);
    g.bench_function("build", |b| b.iter(|| black_box(sdk_input())));
    g.bench_function("validate", |b| {
        b.iter(|| black_box(&input).validate().unwrap())
    });
    g.bench_function("serialize", |b| {
        b.iter(|| serde_json::to_vec(black_box(&input)).unwrap())
    });
    g.bench_function("sign (key cached)", |b| {
        b.iter(|| signer.sign(SECRET_ID, SECRET_KEY, 1_700_000_000, black_box(&body)))
    });
    g.finish();
}

fn decode(c: &mut Criterion) {
    use ess_api::__private::decode_response as decode;
    use ess_api::__private::decode_response_untraced as untraced;
    type Input = CreateMultiFlowSignQrCodeInput;

    let (out, _) = decode::<Input>(200, Bytes::from_static(SUCCESS)).unwrap();
    assert_eq!(out.qr_code.qr_code_id, "yDwJNUUckpkoj9mdUIJN2kC7XWFFaSuR");
    let (plain, _) = untraced::<Input>(200, Bytes::from_static(SUCCESS)).unwrap();
    assert_eq!(plain, out);
    match decode::<Input>(200, Bytes::from_static(ERROR)) {
        Err(SdkError::Service(
            CreateMultiFlowSignQrCodeError::FailedOperationQrCodeTemplateId(_),
        )) => {}
        other => panic!("expected the typed error, got {other:?}"),
    }

    let mut g = c.benchmark_group("decode");
    // As a call decodes when no tracing subscriber records the request id
    // (the default); `success/sdk (id read)` is the same with the id.
    g.bench_function("success/sdk", |b| {
        b.iter(|| untraced::<Input>(200, Bytes::from_static(black_box(SUCCESS))).unwrap())
    });
    g.bench_function("success/sdk (id read)", |b| {
        b.iter(|| decode::<Input>(200, Bytes::from_static(black_box(SUCCESS))).unwrap())
    });
    g.bench_function("success/floor", |b| {
        b.iter(|| serde_json::from_slice::<floor::PlainEnvelope>(black_box(SUCCESS)).unwrap())
    });
    g.bench_function("error/sdk", |b| {
        b.iter(|| decode::<Input>(200, Bytes::from_static(black_box(ERROR))).unwrap_err())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = prepare, decode
}
criterion_main!(benches);

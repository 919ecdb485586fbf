//! Round trips of one `CreateMultiFlowSignQRCode` call over loopback HTTP/1.1.
//!
//! * `roundtrip/canned/sdk`: `Client::send` (validate, serialize, sign,
//!   send, read, decode into the typed output) against the canned server,
//!   which answers a fixed success body at almost no cost;
//! * `roundtrip/canned/raw_reqwest`: the floor client: the same pre-signed
//!   bytes and headers POSTed with a bare `reqwest::Client` (same settings as
//!   the SDK's: no proxy, `TCP_NODELAY`, no redirects), the answer read as
//!   bytes and not decoded. `sdk − raw_reqwest` is the client's overhead;
//! * `roundtrip/*/bare`: a hand-written client doing only what every client
//!   must (`ess_bench::BareClient`: plain struct, TC3 signing with the whole
//!   key chain, POST, plain `serde_json` decode); it works against the
//!   emulator too, since it signs;
//! * `roundtrip/emulator/sdk`: against `ess-emulator`, which checks the
//!   signature and the request and creates a QR code;
//! * `in_flight_64/*`: the same with 64 calls in flight on one thread
//!   (64 tasks, each sending one call after another); one iteration is 64
//!   calls, so criterion's throughput is calls per second.
//!
//! The client runs on a current-thread Tokio runtime in this process. The
//! servers run where the environment says: `ESS_BENCH_CANNED` and
//! `ESS_BENCH_EMULATOR` (`http://127.0.0.1:PORT`) point at servers started
//! elsewhere (`bench/compare.sh` starts them pinned to another CPU);
//! otherwise each is started in this process on a thread of its own.
//!
//! Run: `cargo bench -p ess-bench --bench roundtrip`.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ess_bench::{sdk_call, sdk_client, BareClient, RawClient};
use tokio::runtime::Runtime;

const IN_FLIGHT: u64 = 64;

/// `iters` calls one after another.
fn sequential<F, Fut>(rt: &Runtime, iters: u64, call: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..iters {
            call().await;
        }
        start.elapsed()
    })
}

/// `iters × IN_FLIGHT` calls by `IN_FLIGHT` tasks.
fn in_flight<F, Fut>(rt: &Runtime, iters: u64, call: F) -> Duration
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    rt.block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = (0..IN_FLIGHT)
            .map(|_| {
                let call = call.clone();
                tokio::spawn(async move {
                    for _ in 0..iters {
                        call().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        start.elapsed()
    })
}

fn roundtrip(c: &mut Criterion) {
    let canned = ess_bench::canned_url();
    let emulator = ess_bench::emulator_url();
    let rt = ess_bench::client_runtime();
    let canned_sdk = sdk_client(&canned);
    let emulator_sdk = sdk_client(&emulator);
    let raw = Arc::new(rt.block_on(RawClient::new(&canned_sdk, &canned)));
    let canned_bare = Arc::new(BareClient::new(&canned));
    let emulator_bare = Arc::new(BareClient::new(&emulator));
    // Every path works before anything is measured.
    rt.block_on(async {
        sdk_call(&canned_sdk).await;
        sdk_call(&emulator_sdk).await;
        raw.call().await;
        canned_bare.call().await;
        emulator_bare.call().await;
    });

    let mut g = c.benchmark_group("roundtrip");
    g.bench_function("canned/sdk", |b| {
        b.iter_custom(|iters| sequential(&rt, iters, || sdk_call(&canned_sdk)))
    });
    g.bench_function("canned/raw_reqwest", |b| {
        b.iter_custom(|iters| sequential(&rt, iters, || raw.call()))
    });
    g.bench_function("canned/bare", |b| {
        b.iter_custom(|iters| sequential(&rt, iters, || canned_bare.call()))
    });
    g.bench_function("emulator/sdk", |b| {
        b.iter_custom(|iters| sequential(&rt, iters, || sdk_call(&emulator_sdk)))
    });
    g.bench_function("emulator/bare", |b| {
        b.iter_custom(|iters| sequential(&rt, iters, || emulator_bare.call()))
    });
    g.finish();

    let mut g = c.benchmark_group("in_flight_64");
    g.throughput(Throughput::Elements(IN_FLIGHT));
    g.sample_size(30);
    g.bench_function("canned/sdk", |b| {
        b.iter_custom(|iters| {
            let client = canned_sdk.clone();
            in_flight(&rt, iters, move || {
                let client = client.clone();
                async move { sdk_call(&client).await }
            })
        })
    });
    g.bench_function("canned/raw_reqwest", |b| {
        b.iter_custom(|iters| {
            let raw = raw.clone();
            in_flight(&rt, iters, move || {
                let raw = raw.clone();
                async move { raw.call().await }
            })
        })
    });
    g.bench_function("canned/bare", |b| {
        b.iter_custom(|iters| {
            let bare = canned_bare.clone();
            in_flight(&rt, iters, move || {
                let bare = bare.clone();
                async move { bare.call().await }
            })
        })
    });
    g.bench_function("emulator/sdk", |b| {
        b.iter_custom(|iters| {
            let client = emulator_sdk.clone();
            in_flight(&rt, iters, move || {
                let client = client.clone();
                async move { sdk_call(&client).await }
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = roundtrip
}
criterion_main!(benches);

//! One client's calls with 64 in flight against the canned server, and
//! nothing else: the process to profile (`perf record`, `valgrind
//! --tool=callgrind`) when asking where a call's time goes.
//!
//! ```sh
//! cargo build --release -p ess-bench --bins --example in_flight
//! target/release/ess-bench-canned &      # prints its URL
//! ESS_BENCH_CANNED=http://127.0.0.1:PORT target/release/examples/in_flight sdk 20000
//! ```
//!
//! The first argument is the client (`sdk`: `Client::send` with the
//! default configuration; `raw`: the pre-signed POST; `bare`: the
//! hand-written client), the second the number of calls after a warm-up
//! of 640. Prints the rate and this thread's CPU time per call, split
//! into user and system time in the kernel's proportions. `sizes`
//! instead prints the size of each client's call future: what a call in
//! flight keeps.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use ess_bench::{sdk_call, sdk_client, thread_cpu_ns, BareClient, RawClient};

const IN_FLIGHT: u32 = 64;

/// This thread's user and system time so far, in clock ticks (fields 14
/// and 15 of `/proc/thread-self/stat`, after the command's parentheses).
fn thread_user_system_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let mut fields = after.split_whitespace().skip(11);
    let mut next = || fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
    (next(), next())
}

async fn run<F, Fut>(calls: u32, call: F)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let per_task = calls.div_ceil(IN_FLIGHT);
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    call().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "sdk".to_owned());
    let calls: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let canned = ess_bench::canned_url();
    let rt = ess_bench::client_runtime();
    let sdk = sdk_client(&canned);
    let measure = |call: &dyn Fn(u32)| {
        call(IN_FLIGHT * 10);
        let (cpu, ticks, start) = (thread_cpu_ns(), thread_user_system_ticks(), Instant::now());
        call(calls);
        let wall = start.elapsed().as_secs_f64();
        let cpu_us = (thread_cpu_ns() - cpu) as f64 / 1e3 / f64::from(calls);
        let after = thread_user_system_ticks();
        // Ticks are coarse (usually 10 ms): the split is the share of the
        // CPU time the kernel counted as user and as system time.
        let (user, system) = ((after.0 - ticks.0) as f64, (after.1 - ticks.1) as f64);
        let user_share = if user + system > 0.0 {
            user / (user + system)
        } else {
            0.0
        };
        println!(
            "{which}: {calls} calls, {:.0} calls/s, {cpu_us:.2} µs CPU per call \
             ({:.2} user, {:.2} system)",
            f64::from(calls) / wall,
            cpu_us * user_share,
            cpu_us * (1.0 - user_share),
        );
    };
    if which == "sizes" {
        // What each in-flight call keeps: the size of its future.
        let raw = rt.block_on(RawClient::new(&sdk, &canned));
        let bare = BareClient::new(&canned);
        println!(
            "future sizes in bytes: sdk {} (fluent builder {}), raw {}, bare {}",
            std::mem::size_of_val(&sdk_call(&sdk)),
            std::mem::size_of_val(&sdk.create_multi_flow_sign_qr_code().send()),
            std::mem::size_of_val(&raw.call()),
            std::mem::size_of_val(&bare.call()),
        );
        return;
    }
    match which.as_str() {
        "sdk" => measure(&|n| {
            let sdk = sdk.clone();
            rt.block_on(run(n, move || {
                let sdk = sdk.clone();
                async move { sdk_call(&sdk).await }
            }))
        }),
        "raw" => {
            let raw = Arc::new(rt.block_on(RawClient::new(&sdk, &canned)));
            measure(&|n| {
                let raw = raw.clone();
                rt.block_on(run(n, move || {
                    let raw = raw.clone();
                    async move { raw.call().await }
                }))
            })
        }
        "bare" => {
            let bare = Arc::new(BareClient::new(&canned));
            measure(&|n| {
                let bare = bare.clone();
                rt.block_on(run(n, move || {
                    let bare = bare.clone();
                    async move { bare.call().await }
                }))
            })
        }
        other => panic!("unknown client {other} (sdk, raw or bare)"),
    }
}

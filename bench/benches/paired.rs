//! The SDK against the floor clients, interleaved, for the ratio targets.
//!
//! Benchmarks run one after another see different background load on a
//! shared machine, and a round-trip ratio taken from two of them moves with
//! that load. Here three clients take turns against the same canned server,
//! in blocks of calls, the order rotating from round to round: the SDK
//! (`Client::send`), the raw POST of the same pre-signed bytes
//! (`RawClient`) and the hand-written bare client (`BareClient`). Each round
//! gives one ratio and one difference per pair. Printed as JSON: the median
//! block (µs per call, or calls per second with 64 in flight), the fastest
//! block, the client thread's CPU time per call, and the medians of the
//! per-round ratios and differences of the SDK against each floor.
//!
//! Run: `cargo bench -p ess-bench --bench paired` (servers as for the
//! `roundtrip` benchmark; `ESS_BENCH_BLOCKS` sets the number of blocks).

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use ess_bench::{sdk_call, sdk_client, thread_cpu_ns, RawClient};
use tokio::runtime::Runtime;

const SEQUENTIAL_BLOCK: u32 = 100;
const IN_FLIGHT: u32 = 64;
const IN_FLIGHT_ROUNDS: u32 = 10;

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

/// One block: wall-clock µs per call (or calls per second) and this
/// thread's CPU µs per call.
#[derive(Clone, Copy)]
struct Sample {
    value: f64,
    cpu_us: f64,
}

/// `n` sequential calls: mean wall-clock µs per call.
fn sequential_block<F, Fut>(rt: &Runtime, n: u32, call: &F) -> Sample
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    rt.block_on(async {
        let cpu = thread_cpu_ns();
        let start = Instant::now();
        for _ in 0..n {
            call().await;
        }
        let wall = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
        Sample {
            value: wall,
            cpu_us: cpu_per_call(cpu, n),
        }
    })
}

fn cpu_per_call(before: u64, calls: u32) -> f64 {
    thread_cpu_ns().saturating_sub(before) as f64 / 1e3 / f64::from(calls)
}

/// `IN_FLIGHT` tasks making `IN_FLIGHT_ROUNDS` calls each: calls per second.
fn in_flight_block<F, Fut>(rt: &Runtime, call: &F) -> Sample
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    rt.block_on(async {
        let cpu = thread_cpu_ns();
        let start = Instant::now();
        let tasks: Vec<_> = (0..IN_FLIGHT)
            .map(|_| {
                let call = call.clone();
                tokio::spawn(async move {
                    for _ in 0..IN_FLIGHT_ROUNDS {
                        call().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        let calls = IN_FLIGHT * IN_FLIGHT_ROUNDS;
        Sample {
            value: f64::from(calls) / start.elapsed().as_secs_f64(),
            cpu_us: cpu_per_call(cpu, calls),
        }
    })
}

/// Blocks of each client in turn, the order rotating from block to block.
struct Rounds {
    samples: Vec<Vec<Sample>>,
}

impl Rounds {
    fn run(rounds: u32, clients: &mut [&mut dyn FnMut() -> Sample]) -> Rounds {
        let n = clients.len();
        let mut samples = vec![Vec::new(); n];
        for round in 0..rounds as usize {
            for k in 0..n {
                let i = (round + k) % n;
                samples[i].push(clients[i]());
            }
        }
        Rounds { samples }
    }

    fn of(&self, i: usize, f: impl Fn(&Sample) -> f64) -> Vec<f64> {
        self.samples[i].iter().map(f).collect()
    }

    /// `f(a, b)` for each round.
    fn pairwise(&self, a: usize, b: usize, f: impl Fn(&Sample, &Sample) -> f64) -> Vec<f64> {
        self.samples[a]
            .iter()
            .zip(&self.samples[b])
            .map(|(x, y)| f(x, y))
            .collect()
    }
}

const SDK: usize = 0;
const RAW: usize = 1;
const BARE: usize = 2;

/// The JSON object of one mode: per client, the median (and fastest) block
/// and CPU per call; for the SDK against each floor, the medians of the
/// per-round ratios and differences.
fn summary(r: &Rounds, rate: bool) -> String {
    let value = |s: &Sample| s.value;
    let cpu = |s: &Sample| s.cpu_us;
    let mut out = String::from("{");
    for (i, name) in [(SDK, "sdk"), (RAW, "raw"), (BARE, "bare")] {
        let best = if rate {
            r.of(i, value).into_iter().fold(0.0, f64::max)
        } else {
            min(&r.of(i, value))
        };
        out += &format!(
            "\"{name}\": {{\"median\": {:.2}, \"best\": {:.2}, \"cpu_us\": {:.2}}}, ",
            median(&r.of(i, value)),
            best,
            median(&r.of(i, cpu)),
        );
    }
    for (i, name) in [(RAW, "raw"), (BARE, "bare")] {
        // Always "how much slower is the SDK": time ratio, or rate ratio inverted.
        let ratio = if rate {
            r.pairwise(SDK, i, |s, f| f.value / s.value)
        } else {
            r.pairwise(SDK, i, |s, f| s.value / f.value)
        };
        // Always µs per call: for rates, the difference of 1 / rate.
        let diff = if rate {
            r.pairwise(SDK, i, |s, f| 1e6 / s.value - 1e6 / f.value)
        } else {
            r.pairwise(SDK, i, |s, f| s.value - f.value)
        };
        out += &format!(
            "\"sdk_vs_{name}\": {{\"ratio\": {:.3}, \"diff_us\": {:.2}, \"cpu_diff_us\": {:.2}}}, ",
            median(&ratio),
            median(&diff),
            median(&r.pairwise(SDK, i, |s, f| s.cpu_us - f.cpu_us)),
        );
    }
    out.truncate(out.len() - 2);
    out + "}"
}

fn main() {
    // Criterion's arguments (`--bench`, filters) are accepted and ignored.
    let blocks: u32 = std::env::var("ESS_BENCH_BLOCKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let canned = ess_bench::canned_url();
    let rt = ess_bench::client_runtime();
    let sdk = sdk_client(&canned);
    let raw = Arc::new(rt.block_on(RawClient::new(&sdk, &canned)));

    let bare = Arc::new(ess_bench::BareClient::new(&canned));
    let sdk_call_fn = {
        let sdk = sdk.clone();
        move || {
            let sdk = sdk.clone();
            async move { sdk_call(&sdk).await }
        }
    };
    let raw_call_fn = {
        let raw = raw.clone();
        move || {
            let raw = raw.clone();
            async move { raw.call().await }
        }
    };
    let bare_call_fn = {
        let bare = bare.clone();
        move || {
            let bare = bare.clone();
            async move { bare.call().await }
        }
    };
    // Warm-up: connections open, caches and branch predictors trained.
    sequential_block(&rt, 500, &sdk_call_fn);
    sequential_block(&rt, 500, &raw_call_fn);
    sequential_block(&rt, 500, &bare_call_fn);
    in_flight_block(&rt, &sdk_call_fn);
    in_flight_block(&rt, &raw_call_fn);
    in_flight_block(&rt, &bare_call_fn);

    let sequential = Rounds::run(
        blocks,
        &mut [
            &mut || sequential_block(&rt, SEQUENTIAL_BLOCK, &sdk_call_fn),
            &mut || sequential_block(&rt, SEQUENTIAL_BLOCK, &raw_call_fn),
            &mut || sequential_block(&rt, SEQUENTIAL_BLOCK, &bare_call_fn),
        ],
    );
    let in_flight = Rounds::run(
        blocks.div_ceil(2),
        &mut [
            &mut || in_flight_block(&rt, &sdk_call_fn),
            &mut || in_flight_block(&rt, &raw_call_fn),
            &mut || in_flight_block(&rt, &bare_call_fn),
        ],
    );
    println!(
        "{{\"blocks\": {blocks}, \"sequential_us\": {}, \"in_flight_64_per_s\": {}}}",
        summary(&sequential, false),
        summary(&in_flight, true)
    );
}

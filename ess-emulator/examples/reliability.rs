//! Measures what RELIABILITY.md reports for the emulator (Linux: reads
//! `/proc/self/status`):
//!
//! 1. peak resident memory with 300 connections that each send a request
//!    head declaring a 10 MiB body, then one byte of it;
//! 2. the latency of `CreateMultiFlowSignQRCode` while `GET /_emulator/state`
//!    dumps 100,000 QR codes, and without a dump for as long;
//! 3. forgetting those codes once they are past their expiry and the
//!    retention: the latency of the request that does it, and the codes
//!    kept afterwards.
//!
//! ```sh
//! cargo run -p ess-emulator --example reliability [--release]
//! ```

use std::time::{Duration, Instant};

use ess_api::client::RetryConfig;
use ess_api::types::UserInfo;
use ess_emulator::{defaults, Emulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder().rate_limits(false).start().await?;
    let addr = emulator.addr();

    // 1. Declared bodies that never arrive.
    let before = status_kib("VmHWM:");
    let mut liars = Vec::new();
    for _ in 0..300 {
        let mut s = TcpStream::connect(addr).await?;
        s.write_all(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n{",
        )
        .await?;
        liars.push(s);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = status_kib("VmHWM:");
    println!(
        "300 connections, 10 MiB declared, 1 byte sent: peak RSS {} KiB -> {} KiB (+{} KiB)",
        before,
        after,
        after.saturating_sub(before)
    );
    drop(liars);

    // 2. A state dump of 100,000 codes while creating more.
    let client = ess_api::Client::new(
        emulator
            .config()
            .with_retry(RetryConfig::disabled())
            .with_timeout(Duration::from_secs(60)),
    )?;
    let operator = UserInfo::builder().user_id(defaults::OPERATOR_ID).build()?;
    let total = 100_000usize;
    let workers = 16;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..workers {
        let client = client.clone();
        let operator = operator.clone();
        tasks.spawn(async move {
            for _ in (w..total).step_by(workers) {
                client
                    .create_multi_flow_sign_qr_code()
                    .operator(operator.clone())
                    .template_id(defaults::B2C_TEMPLATE_ID)
                    .flow_name("员工入职合同")
                    .send()
                    .await
                    .expect("created");
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    println!(
        "{} codes created in {:.1} s",
        emulator.qr_codes().len(),
        started.elapsed().as_secs_f64()
    );

    let create = |client: ess_api::Client, operator: UserInfo| async move {
        let t = Instant::now();
        client
            .create_multi_flow_sign_qr_code()
            .operator(operator)
            .template_id(defaults::B2C_TEMPLATE_ID)
            .flow_name("员工入职合同")
            .send()
            .await
            .expect("created");
        t.elapsed()
    };
    let idle = create(client.clone(), operator.clone()).await;
    let dump = tokio::spawn(async move {
        let t = Instant::now();
        let mut s = TcpStream::connect(addr).await.expect("connects");
        s.write_all(b"GET /_emulator/state HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .expect("written");
        let mut body = Vec::new();
        s.read_to_end(&mut body).await.expect("read");
        (t.elapsed(), body.len())
    });
    let mut during = Vec::new();
    while !dump.is_finished() {
        during.push(create(client.clone(), operator.clone()).await);
    }
    let (dump_time, bytes) = dump.await?;
    during.sort();
    // The same creates for as long again without a dump: what the machine
    // itself adds (other processes, the scheduler).
    let mut alone = Vec::new();
    let t = Instant::now();
    while t.elapsed() < dump_time {
        alone.push(create(client.clone(), operator.clone()).await);
    }
    alone.sort();
    let ms = |d: Option<&Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let at = |v: &[Duration], q: f64| {
        ms(v.get(((v.len() as f64 * q) as usize).min(v.len().saturating_sub(1))))
    };
    println!(
        "state dump: {} bytes in {:.0} ms; create alone {:.1} ms; {} creates during the dump: median {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} creates without a dump: median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        bytes,
        dump_time.as_secs_f64() * 1000.0,
        idle.as_secs_f64() * 1000.0,
        during.len(),
        at(&during, 0.5),
        at(&during, 0.99),
        ms(during.last()),
        alone.len(),
        at(&alone, 0.5),
        at(&alone, 0.99),
        ms(alone.last()),
    );

    // 3. Past the codes' expiry (7 days) and the retention (30 days).
    let kept = emulator.snapshot().total_qr_codes;
    // Moving the clock records what it makes happen, forgetting included,
    // under the state's lock: what a concurrent request would wait.
    let t = Instant::now();
    emulator.try_advance_clock(Duration::from_secs(38 * 86_400))?;
    let advance = t.elapsed();
    let resigning = ess_api::Client::new(
        emulator
            .config()
            .with_retry(RetryConfig::disabled().with_resign_on_expired_signature(true))
            .with_timeout(Duration::from_secs(60)),
    )?;
    let forget = create(resigning.clone(), operator.clone()).await;
    let after = create(resigning, operator.clone()).await;
    println!(
        "retention: {} codes kept, {} after the clock passed expiry and retention; the move that forgot them took {:.1} ms, the next create {:.1} ms (re-signed), then {:.1} ms",
        kept,
        emulator.snapshot().total_qr_codes,
        advance.as_secs_f64() * 1000.0,
        forget.as_secs_f64() * 1000.0,
        after.as_secs_f64() * 1000.0,
    );
    emulator.shutdown().await;
    Ok(())
}

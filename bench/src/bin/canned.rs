//! `ess-bench-canned`: the canned server as a process of its own, so that a
//! benchmark can pin it to another CPU (`taskset -c 1 ess-bench-canned`).
//!
//! Listens on 127.0.0.1 (`--port`, default any free port), prints
//! `listening on http://127.0.0.1:PORT`, answers every request with the
//! documented `CreateMultiFlowSignQRCode` success body, and exits after
//! `--max-seconds` (default 3600) or when killed. One thread.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let mut port = 0u16;
    let mut max_seconds = 3600u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        let parsed = match (arg.as_str(), value.as_deref()) {
            ("--port", Some(v)) => v.parse().map(|p| port = p).is_ok(),
            ("--max-seconds", Some(v)) => v.parse().map(|s| max_seconds = s).is_ok(),
            _ => false,
        };
        if !parsed {
            eprintln!("usage: ess-bench-canned [--port PORT] [--max-seconds SECS]");
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ess-bench-canned: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = match ess_bench::bind_canned(addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("ess-bench-canned: cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        };
        match listener.local_addr() {
            Ok(local) => println!("listening on http://{local}"),
            Err(e) => {
                eprintln!("ess-bench-canned: {e}");
                return ExitCode::FAILURE;
            }
        }
        let limit = Duration::from_secs(max_seconds);
        let _ = tokio::time::timeout(limit, ess_bench::serve_canned(listener)).await;
        ExitCode::SUCCESS
    })
}

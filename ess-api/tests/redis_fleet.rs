//! The rate limiter shared through Redis, by a fleet of processes.
//!
//! The harness starts a real `redis-server` (no persistence) and the
//! `ess-emulator` binary, both on free 127.0.0.1 ports, then runs this test
//! binary again as several child processes (`fleet_child`), each with a
//! client of its own, all sending `CreateMultiFlowSignQRCode` to the one
//! emulator, which enforces the service's 300 requests per second per
//! organization. Every child, the emulator and Redis are killed when a test
//! ends, passed or failed (guards with `Drop`). The number admitted is the
//! emulator's count of QR codes, not the children's.
//!
//! Needs `redis-server` on the PATH (Debian: `apt-get install
//! redis-server`; `.ci/run` installs it) and the emulator binary: next to
//! this test binary's directory (`target/debug/ess-emulator`, built by
//! `cargo test --workspace` or `cargo build -p ess-emulator`), or at
//! `ESS_EMULATOR_BIN`. Without either, the tests fail and say so.
//!
//! Because of that outside need, every test here is ignored by a plain
//! `cargo test`; run them with
//! `cargo test --workspace --test redis_fleet -- --ignored --skip limiter_cost`
//! (`.ci/run` does). The workspace compiles this file with the `redis`
//! feature on, so that command rebuilds nothing after `cargo test --workspace`.
//!
//! `limiter_cost` (run it with `--ignored --nocapture limiter_cost`, ideally
//! with `--release`) measures the latency the limiters add to a call.
#![cfg(feature = "redis")]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ess_api::client::{
    ConstructionError, RateLimitErrorKind, RateLimiting, RedisFallback, RedisRateLimit, RetryConfig,
};
use ess_api::types::UserInfo;
use ess_api::{Client, Config, Credentials};

/// The emulator's default world: an operator and a template that may make
/// QR codes.
const OPERATOR_ID: &str = "yDemuOperator0000000000000000001";
const TEMPLATE_ID: &str = "yDemuB2CTemplate0000000000000001";
const SECRET_ID: &str = "AKIDFleetTestSecretId000000000001";
const SECRET_KEY: &str = "FleetTestSecretKey-DoNotLog-5b1e";
const REDIS_PASSWORD: &str = "fleet-redis-password-DoNotLog-93";
/// The documented limit of CreateMultiFlowSignQRCode, which the emulator
/// enforces.
const LIMIT: u64 = 300;
/// The limiters admit no burst beyond the limit.
const BURST: u64 = 0;
const CHILDREN: usize = 4;
const ORGANIZATION: &str = "fleet-test";
const ACTION: &str = "CreateMultiFlowSignQRCode";

/// One fleet test at a time: they measure rates on a shared machine.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Waits for `child` to exit by `deadline`, killing it otherwise.
fn wait_until(child: &mut Child, deadline: Instant, what: &str) -> std::process::ExitStatus {
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish in time; killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------- Redis

/// A `redis-server` on 127.0.0.1, without persistence, killed on drop.
struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    fn start() -> RedisServer {
        let dir = std::env::temp_dir().join(format!(
            "ess-redis-fleet-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = RedisServer {
            port: free_port(),
            dir,
            child: None,
        };
        server.run();
        server
    }

    fn binary() -> PathBuf {
        let found = std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|p| p.join("redis-server"))
                .find(|p| p.is_file())
        });
        found.unwrap_or_else(|| {
            panic!(
                "redis-server is not installed, and these tests need a real one: \
                 install it (Debian: apt-get install redis-server; .ci/run does)"
            )
        })
    }

    /// Starts the server on its port and waits until it answers.
    fn run(&mut self) {
        assert!(self.child.is_none());
        let port = self.port.to_string();
        let child = Command::new(Self::binary())
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .args([
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ])
            .args(["--requirepass", REDIS_PASSWORD])
            .arg("--dir")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server could not be started");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.answers() {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("redis-server exited at start ({status}); port {port} taken?");
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let auth = format!("AUTH {REDIS_PASSWORD}\r\nPING\r\n");
        if stream.write_all(auth.as_bytes()).is_err() {
            return false;
        }
        let mut seen = String::new();
        let mut buf = [0u8; 64];
        while !seen.contains("PONG") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return false,
                Ok(n) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
        true
    }

    fn url(&self) -> String {
        format!("redis://:{REDIS_PASSWORD}@127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL: no goodbye to the clients).
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A Redis connection for the test's own checks.
    fn command(&self, args: &[&str]) -> redis::Value {
        let client = redis::Client::open(self.url()).unwrap();
        let mut conn = client
            .get_connection_with_timeout(Duration::from_secs(2))
            .unwrap();
        let mut cmd = redis::cmd(args[0]);
        for arg in &args[1..] {
            cmd.arg(*arg);
        }
        cmd.query(&mut conn).unwrap()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ------------------------------------------------------------- Emulator

/// The `ess-emulator` binary on a free 127.0.0.1 port, killed on drop.
struct Emulator {
    child: Child,
    endpoint: String,
}

impl Emulator {
    fn binary() -> PathBuf {
        if let Some(path) = std::env::var_os("ESS_EMULATOR_BIN") {
            return PathBuf::from(path);
        }
        // target/<profile>/deps/redis_fleet-<hash> → target/<profile>/ess-emulator
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
        let path = profile_dir.join(format!("ess-emulator{}", std::env::consts::EXE_SUFFIX));
        assert!(
            path.is_file(),
            "the emulator binary is not at {}: build it first (`cargo build -p ess-emulator`, \
             or `cargo test --workspace`), or set ESS_EMULATOR_BIN",
            path.display()
        );
        path
    }

    fn start(rate_limits: bool) -> Emulator {
        let mut command = Command::new(Self::binary());
        command
            .args(["--host", "127.0.0.1", "--port", "0", "--log", "error"])
            .env("ESS_EMULATOR_SECRET_ID", SECRET_ID)
            .env("ESS_EMULATOR_SECRET_KEY", SECRET_KEY)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if !rate_limits {
            command.arg("--no-rate-limit");
        }
        let mut child = command.spawn().expect("the emulator could not be started");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the banner, then drains the pipe until the emulator exits.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("ESS emulator listening on ") {
                    let _ = tx.send(rest.trim().to_owned());
                }
            }
        });
        let endpoint = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(endpoint) => endpoint,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the emulator did not say where it listens");
            }
        };
        assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
        Emulator { child, endpoint }
    }

    /// The number of QR codes the emulator made: requests it admitted.
    fn qr_codes(&self) -> u64 {
        let rest = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(rest.trim_end_matches('/')).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET /_emulator/state HTTP/1.1\r\nHost: {rest}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let text = String::from_utf8_lossy(&response);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        let value: serde_json::Value = serde_json::from_str(body)
            .unwrap_or_else(|e| panic!("state is not JSON ({e}): {body:.200}"));
        let state = value.get("Response").unwrap_or(&value);
        state["QrCodes"]
            .as_array()
            .unwrap_or_else(|| panic!("no QrCodes in the state: {body:.200}"))
            .len() as u64
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------- Fleet

/// How the children limit themselves.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Redis,
    Local,
}

/// What one child reports.
#[derive(Debug, Default)]
struct Report {
    ok: u64,
    throttled: u64,
    errors: u64,
    cut: u64,
    fallbacks: u64,
    outages: u64,
    recoveries: u64,
    max_latency_ms: u64,
    /// Successes per second of the run.
    per_second: Vec<u64>,
    /// When the first refusals came, in ms from the start.
    throttled_at: Vec<u64>,
    first_error: String,
}

impl Report {
    fn parse(line: &str) -> Report {
        let mut r = Report::default();
        for field in line.split_whitespace() {
            let Some((k, v)) = field.split_once('=') else {
                continue;
            };
            let n = || v.parse::<u64>().unwrap_or(0);
            match k {
                "ok" => r.ok = n(),
                "throttled" => r.throttled = n(),
                "errors" => r.errors = n(),
                "cut" => r.cut = n(),
                "fallbacks" => r.fallbacks = n(),
                "outages" => r.outages = n(),
                "recoveries" => r.recoveries = n(),
                "max_latency_ms" => r.max_latency_ms = n(),
                "per_second" => {
                    r.per_second = v.split(',').filter_map(|x| x.parse().ok()).collect()
                }
                "throttled_at" => {
                    r.throttled_at = v.split(',').filter_map(|x| x.parse().ok()).collect()
                }
                "first_error" => r.first_error = v.replace('_', " "),
                _ => {}
            }
        }
        r
    }
}

/// The children, killed on drop.
struct Fleet {
    children: Vec<Child>,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

struct Run {
    start_ms: u64,
    run: Duration,
    fleet: Fleet,
}

impl Run {
    /// Starts `CHILDREN` children that send from a common instant for `run`.
    fn start(emulator: &Emulator, redis: Option<&RedisServer>, mode: Mode, run: Duration) -> Run {
        let start_ms = unix_ms() + 1_500;
        let exe = std::env::current_exe().unwrap();
        let mut fleet = Fleet {
            children: Vec::new(),
        };
        for _ in 0..CHILDREN {
            let mut command = Command::new(&exe);
            command
                .args(["fleet_child", "--exact", "--ignored", "--nocapture"])
                .args(["--test-threads", "1"])
                .env("FLEET_CHILD", "1")
                .env("FLEET_ENDPOINT", &emulator.endpoint)
                .env("FLEET_START_MS", start_ms.to_string())
                .env("FLEET_RUN_MS", run.as_millis().to_string())
                .env(
                    "FLEET_MODE",
                    match mode {
                        Mode::Redis => "redis",
                        Mode::Local => "local",
                    },
                )
                .env("NO_PROXY", "127.0.0.1")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit());
            if let Some(redis) = redis {
                command.env("FLEET_REDIS", redis.url());
            }
            fleet
                .children
                .push(command.spawn().expect("a child could not be started"));
        }
        Run {
            start_ms,
            run,
            fleet,
        }
    }

    /// Sleeps until `at` after the common start.
    fn sleep_until(&self, at: Duration) {
        let target = self.start_ms + at.as_millis() as u64;
        let now = unix_ms();
        if target > now {
            std::thread::sleep(Duration::from_millis(target - now));
        }
    }

    /// Waits for every child (they must end on time) and reads their reports.
    fn finish(mut self) -> Vec<Report> {
        // The children stop at the end of the run, cutting the calls still
        // waiting or in flight: they must be done moments later.
        let deadline = Instant::now()
            + Duration::from_millis(self.start_ms.saturating_sub(unix_ms()))
            + self.run
            + Duration::from_secs(3);
        let mut reports = Vec::new();
        for (i, child) in self.fleet.children.iter_mut().enumerate() {
            let status = wait_until(child, deadline, &format!("child {i}"));
            let mut out = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            assert!(status.success(), "child {i} failed ({status}):\n{out}");
            let line = out
                .lines()
                .find_map(|l| l.split_once("FLEET-REPORT ").map(|(_, r)| r))
                .unwrap_or_else(|| panic!("child {i} reported nothing:\n{out}"));
            reports.push(Report::parse(line));
        }
        reports
    }
}

fn sum(reports: &[Report], f: impl Fn(&Report) -> u64) -> u64 {
    reports.iter().map(f).sum()
}

/// Successes per second of the run, over the fleet.
fn per_second(reports: &[Report]) -> Vec<u64> {
    let seconds = reports
        .iter()
        .map(|r| r.per_second.len())
        .max()
        .unwrap_or(0);
    (0..seconds)
        .map(|s| {
            reports
                .iter()
                .map(|r| r.per_second.get(s).copied().unwrap_or(0))
                .sum()
        })
        .collect()
}

#[test]
#[ignore = "needs redis-server; run with --ignored (see the module docs)"]
fn a_fleet_shares_one_limit_through_redis() {
    let _serial = serial();
    let redis = RedisServer::start();
    let emulator = Emulator::start(true);
    let run = Duration::from_secs(5);
    let reports = Run::start(&emulator, Some(&redis), Mode::Redis, run).finish();
    let admitted = emulator.qr_codes();
    let ok = sum(&reports, |r| r.ok);
    let throttled = sum(&reports, |r| r.throttled);
    let quota = LIMIT * run.as_secs();
    let utilisation = admitted as f64 / quota as f64;
    eprintln!(
        "fleet of {CHILDREN} through Redis, {run:?}: {admitted} admitted ({:.1}/s, {:.1}% of \
         {LIMIT}/s), {throttled} RequestLimitExceeded, per second {:?}, slowest call {} ms, \
         fallbacks {:?}",
        admitted as f64 / run.as_secs_f64(),
        utilisation * 100.0,
        per_second(&reports),
        reports.iter().map(|r| r.max_latency_ms).max().unwrap_or(0),
        reports.iter().map(|r| r.fallbacks).collect::<Vec<_>>(),
    );
    for (i, r) in reports.iter().enumerate() {
        assert_eq!(r.errors, 0, "child {i}: {}", r.first_error);
        assert_eq!(r.fallbacks, 0, "child {i} fell back: Redis was up");
    }
    assert_eq!(
        throttled,
        0,
        "the service refused requests (first at {:?} ms): the limit was not shared",
        reports
            .iter()
            .map(|r| r.throttled_at.clone())
            .collect::<Vec<_>>()
    );
    assert!(
        admitted <= quota + BURST,
        "{admitted} admitted in {run:?}: more than {LIMIT}/s"
    );
    assert!(
        utilisation >= 0.9,
        "{admitted} admitted in {run:?}: {:.1}% of the limit",
        utilisation * 100.0
    );
    // Every success is a QR code; a call cut at the end may have made one too.
    let cut = sum(&reports, |r| r.cut);
    assert!(
        ok <= admitted && admitted <= ok + cut,
        "{ok} ok, {cut} cut, {admitted}"
    );
    // Each child had a share of the work.
    for (i, r) in reports.iter().enumerate() {
        assert!(r.ok > 0, "child {i} admitted nothing");
    }
}

#[test]
#[ignore = "needs redis-server; run with --ignored (see the module docs)"]
fn a_fleet_keeps_going_when_redis_dies_and_shares_again_when_it_returns() {
    let _serial = serial();
    let mut redis = RedisServer::start();
    let emulator = Emulator::start(true);
    let run = Duration::from_secs(7);
    let fleet = Run::start(&emulator, Some(&redis), Mode::Redis, run);
    fleet.sleep_until(Duration::from_secs(2));
    redis.kill();
    fleet.sleep_until(Duration::from_secs(4));
    redis.run();
    // Sharing resumes: the fleet's slots appear in the new, empty Redis.
    fleet.sleep_until(Duration::from_millis(6_000));
    let key = format!("ess:rate:{{{ORGANIZATION}}}:{ACTION}");
    let slots = match redis.command(&["ZCARD", &key]) {
        redis::Value::Int(n) => n,
        other => panic!("ZCARD answered {other:?}"),
    };
    let reports = fleet.finish();
    let admitted = emulator.qr_codes();
    let seconds = per_second(&reports);
    let throttled = sum(&reports, |r| r.throttled);
    eprintln!(
        "fleet of {CHILDREN}, Redis killed at 2 s and restarted at 4 s, {run:?}: {admitted} \
         admitted, per second {seconds:?}, {throttled} RequestLimitExceeded, fallbacks {:?}, \
         slowest call {} ms, {slots} slots in the restarted Redis at 6 s, first refusals at \
         {:?} ms",
        reports.iter().map(|r| r.fallbacks).collect::<Vec<_>>(),
        reports.iter().map(|r| r.max_latency_ms).max().unwrap_or(0),
        reports
            .iter()
            .map(|r| r.throttled_at.clone())
            .collect::<Vec<_>>(),
    );
    for (i, r) in reports.iter().enumerate() {
        assert_eq!(r.errors, 0, "child {i}: {}", r.first_error);
        assert!(r.fallbacks > 0, "child {i} never fell back");
        assert_eq!(r.outages, 1, "child {i}: outages");
        assert_eq!(r.recoveries, 1, "child {i} did not share again");
        // Never held up by Redis: a call waits for a slot (about a second
        // at most under each limiter it meets), one Redis timeout and its
        // own round trip.
        assert!(
            r.max_latency_ms < 3_000,
            "child {i}: {} ms",
            r.max_latency_ms
        );
    }
    assert!(
        slots > 0,
        "nothing in the restarted Redis: sharing did not resume"
    );
    // Calls go on while Redis is away, at about the limit (each child its share).
    let outage: u64 = seconds.iter().skip(2).take(2).sum();
    assert!(
        outage >= LIMIT,
        "only {outage} admitted during the 2 s outage"
    );
    // Whole run: about the limit, each switch costing at most a second's worth.
    assert!(
        admitted <= LIMIT * (run.as_secs() + 2),
        "{admitted} admitted in {run:?}"
    );
    // Switching is where a fleet can overshoot: at most 1 % refused.
    assert!(
        throttled * 100 <= admitted,
        "{throttled} of {admitted} refused by the service (first at {:?} ms)",
        reports
            .iter()
            .map(|r| r.throttled_at.clone())
            .collect::<Vec<_>>()
    );
}

#[test]
#[ignore = "needs redis-server; run with --ignored (see the module docs)"]
fn the_emulator_limits_the_organization_across_processes() {
    // Each child with a limiter of its own sends up to the whole limit: the
    // emulator, like the service, counts the organization's requests
    // together, whichever process and connection they come from.
    let _serial = serial();
    let emulator = Emulator::start(true);
    let run = Duration::from_secs(2);
    let reports = Run::start(&emulator, None, Mode::Local, run).finish();
    let admitted = emulator.qr_codes();
    let throttled = sum(&reports, |r| r.throttled);
    eprintln!(
        "fleet of {CHILDREN} with local limiters, {run:?}: {admitted} admitted, {throttled} \
         RequestLimitExceeded, per second {:?}",
        per_second(&reports)
    );
    for (i, r) in reports.iter().enumerate() {
        assert_eq!(r.errors, 0, "child {i}: {}", r.first_error);
    }
    assert!(
        throttled > 0,
        "the emulator let {CHILDREN} processes exceed the limit"
    );
    // By arrival: the run's two seconds and the calls still arriving after.
    assert!(
        admitted <= LIMIT * (run.as_secs() + 1),
        "{admitted} admitted in {run:?}"
    );
    assert!(admitted >= LIMIT, "{admitted} admitted in {run:?}");
}

fn create_input(
) -> ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeInput {
    ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeInput::builder()
        .operator(UserInfo::builder().user_id(OPERATOR_ID).build().unwrap())
        .template_id(TEMPLATE_ID)
        .flow_name("入职合同")
        .build()
        .unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn client(endpoint: &str, rate_limiting: RateLimiting) -> Client {
    ess_api::Client::new(
        Config::default()
            .with_endpoint(endpoint)
            .with_env_proxy(false)
            .with_timeout(Duration::from_secs(5))
            .with_retry(RetryConfig::new().with_max_attempts(1))
            .with_rate_limiting(rate_limiting)
            .with_credentials(Credentials::new(SECRET_ID, SECRET_KEY).unwrap()),
    )
    .unwrap()
}

#[test]
fn failing_closed_refuses_without_sending_and_without_waiting() {
    let _serial = serial();
    runtime().block_on(failing_closed());
}

async fn failing_closed() {
    let mut redis = RedisServer::start();
    let emulator = Emulator::start(true);
    let settings = RedisRateLimit::new(redis.url())
        .with_organization("fail-closed")
        .with_fallback(RedisFallback::FailClosed)
        .with_recheck_interval(Duration::from_millis(200));
    let config_text = format!(
        "{:?}",
        Config::default().with_rate_limiting(RateLimiting::Redis(settings.clone()))
    );
    assert!(!config_text.contains(REDIS_PASSWORD), "{config_text}");
    let client = client(&emulator.endpoint, RateLimiting::Redis(settings));
    client.send(create_input()).await.unwrap();
    assert_eq!(emulator.qr_codes(), 1);

    redis.kill();
    let started = Instant::now();
    let e = client.send(create_input()).await.unwrap_err();
    let elapsed = started.elapsed();
    let Some(ConstructionError::RateLimit(limit)) = e.as_construction_error() else {
        panic!("{e:?}");
    };
    assert_eq!(limit.action(), ACTION);
    assert!(
        matches!(
            limit.kind(),
            RateLimitErrorKind::Connection | RateLimitErrorKind::Timeout
        ),
        "{limit:?}"
    );
    assert!(
        elapsed < Duration::from_millis(300),
        "refused after {elapsed:?}"
    );
    let text = format!("{e} {e:?}");
    assert!(
        !text.contains(REDIS_PASSWORD) && !text.contains(SECRET_KEY),
        "{text}"
    );
    assert!(!e.is_retryable(true));
    // Within the recheck interval Redis is not asked: refused at once.
    let e = client.send(create_input()).await.unwrap_err();
    assert!(matches!(
        e.as_construction_error(),
        Some(ConstructionError::RateLimit(l)) if l.kind() == RateLimitErrorKind::Suspended
    ));
    assert_eq!(
        emulator.qr_codes(),
        1,
        "a refused request reached the service"
    );

    // Back: the first call after the recheck interval goes through.
    redis.run();
    tokio::time::sleep(Duration::from_millis(250)).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match client.send(create_input()).await {
            Ok(_) => break,
            Err(e) if Instant::now() < deadline => {
                assert!(e.as_construction_error().is_some(), "{e:?}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("Redis is back but calls are still refused: {e}"),
        }
    }
    assert_eq!(emulator.qr_codes(), 2);
}

#[test]
fn a_stalled_redis_delays_a_call_by_the_timeout_at_most() {
    let _serial = serial();
    runtime().block_on(stalled_redis());
}

async fn stalled_redis() {
    let emulator = Emulator::start(true);
    // Accepts connections and never answers.
    let stalled = TcpListener::bind("127.0.0.1:0").unwrap();
    let settings = RedisRateLimit::new(format!("redis://{}", stalled.local_addr().unwrap()))
        .with_timeout(Duration::from_millis(50));
    let client = client(&emulator.endpoint, RateLimiting::Redis(settings));
    for _ in 0..5 {
        let started = Instant::now();
        client.send(create_input()).await.unwrap();
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_millis(400), "{elapsed:?}");
    }
    assert_eq!(emulator.qr_codes(), 5);
    drop(stalled);
}

// ------------------------------------------------------------ The child

/// Counts the limiter's tracing events in a child.
#[derive(Clone, Default)]
struct Counters {
    fallbacks: Arc<AtomicU64>,
    outages: Arc<AtomicU64>,
    recoveries: Arc<AtomicU64>,
}

struct Counting(Counters);

struct Fields {
    fallbacks: Option<u64>,
    message: String,
}

impl tracing::field::Visit for Fields {
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        if field.name() == "fallbacks" {
            self.fallbacks = Some(value);
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Counting {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut fields = Fields {
            fallbacks: None,
            message: String::new(),
        };
        event.record(&mut fields);
        if let Some(n) = fields.fallbacks {
            self.0.fallbacks.fetch_max(n, Ordering::Relaxed);
        }
        if fields.message == "shared rate limiter unavailable" {
            self.0.outages.fetch_add(1, Ordering::Relaxed);
        }
        if fields.message.starts_with("shared rate limiter is back") {
            self.0.recoveries.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One process of the fleet: run by the tests above, never on its own.
#[test]
#[ignore = "a child process of the fleet tests"]
fn fleet_child() {
    if std::env::var_os("FLEET_CHILD").is_none() {
        return;
    }
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let endpoint = var("FLEET_ENDPOINT");
    let start_ms: u64 = var("FLEET_START_MS").parse().unwrap();
    let run_ms: u64 = var("FLEET_RUN_MS").parse().unwrap();
    let rate_limiting = match var("FLEET_MODE").as_str() {
        "redis" => RateLimiting::Redis(
            RedisRateLimit::new(var("FLEET_REDIS"))
                .with_organization(ORGANIZATION)
                .with_clients(CHILDREN as u32)
                // Six busy processes on a small machine: a Redis call may
                // wait for a CPU longer than the default 50 ms.
                .with_timeout(Duration::from_millis(250))
                .with_recheck_interval(Duration::from_millis(500)),
        ),
        _ => RateLimiting::Local,
    };
    let counters = Counters::default();
    {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::registry().with(Counting(counters.clone()));
        tracing::subscriber::set_global_default(subscriber).unwrap();
    }
    let report = runtime().block_on(async move {
        let client = client(&endpoint, rate_limiting);
        let wait = start_ms.saturating_sub(unix_ms());
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let end = tokio::time::Instant::now() + Duration::from_millis(run_ms);
        let seconds = run_ms.div_ceil(1000) as usize;
        let mut tasks = tokio::task::JoinSet::new();
        // Enough calls in flight to use the whole limit alone.
        for _ in 0..24 {
            let client = client.clone();
            tasks.spawn(async move {
                let mut r = Report {
                    per_second: vec![0; seconds],
                    ..Report::default()
                };
                let mut n = 0u64;
                while tokio::time::Instant::now() < end && n < 100_000 {
                    n += 1;
                    let started = Instant::now();
                    let call = tokio::time::timeout_at(end, client.send(create_input())).await;
                    r.max_latency_ms = r.max_latency_ms.max(started.elapsed().as_millis() as u64);
                    match call {
                        Err(_) => r.cut += 1,
                        Ok(Ok(_)) => {
                            r.ok += 1;
                            let second = (unix_ms().saturating_sub(start_ms) / 1000) as usize;
                            if let Some(s) = r.per_second.get_mut(second) {
                                *s += 1;
                            }
                        }
                        Ok(Err(e)) if e.is_throttling() => {
                            r.throttled += 1;
                            if r.throttled_at.len() < 3 {
                                r.throttled_at.push(unix_ms().saturating_sub(start_ms));
                            }
                        }
                        Ok(Err(e)) => {
                            if r.errors == 0 {
                                r.first_error = e.to_string();
                            }
                            r.errors += 1;
                        }
                    }
                }
                r
            });
        }
        let mut total = Report {
            per_second: vec![0; seconds],
            ..Report::default()
        };
        while let Some(r) = tasks.join_next().await {
            let r: Report = r.unwrap();
            total.ok += r.ok;
            total.throttled += r.throttled;
            total.errors += r.errors;
            total.cut += r.cut;
            total.max_latency_ms = total.max_latency_ms.max(r.max_latency_ms);
            for (t, s) in total.per_second.iter_mut().zip(&r.per_second) {
                *t += s;
            }
            total.throttled_at.extend(&r.throttled_at);
            if total.first_error.is_empty() {
                total.first_error = r.first_error;
            }
        }
        total
    });
    let list = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    let mut throttled_at = report.throttled_at.clone();
    throttled_at.sort();
    throttled_at.truncate(5);
    println!(
        "\nFLEET-REPORT ok={} throttled={} errors={} cut={} fallbacks={} outages={} recoveries={} \
         max_latency_ms={} per_second={} throttled_at={} first_error={}",
        report.ok,
        report.throttled,
        report.errors,
        report.cut,
        counters.fallbacks.load(Ordering::Relaxed),
        counters.outages.load(Ordering::Relaxed),
        counters.recoveries.load(Ordering::Relaxed),
        report.max_latency_ms,
        list(&report.per_second),
        list(&throttled_at),
        report.first_error.replace(' ', "_"),
    );
}

// ------------------------------------------------------------- The cost

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The latency each limiter adds to a sequential call on loopback: the
/// same calls to one emulator (its own limit off) with no limiter, the
/// in-process one and the Redis one, interleaved in rounds.
#[test]
#[ignore = "a measurement: run with --ignored --nocapture (and --release)"]
fn limiter_cost() {
    let _serial = serial();
    runtime().block_on(measure_limiter_cost());
}

async fn measure_limiter_cost() {
    let redis = RedisServer::start();
    let emulator = Emulator::start(false);
    let rounds: usize = std::env::var("LIMITER_COST_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    const CALLS: usize = 200;
    // A limit never reached, so that only the cost of asking is measured.
    let high = |r: RateLimiting| {
        ess_api::Client::new(
            Config::default()
                .with_endpoint(&emulator.endpoint)
                .with_env_proxy(false)
                .with_retry(RetryConfig::new().with_max_attempts(1))
                .with_rate_limiting(r)
                .with_action_rate_limit(ACTION, 1_000_000)
                .with_credentials(Credentials::new(SECRET_ID, SECRET_KEY).unwrap()),
        )
        .unwrap()
    };
    let clients = [
        ("none", high(RateLimiting::Off)),
        ("in-process", high(RateLimiting::Local)),
        (
            "Redis",
            high(RateLimiting::Redis(
                RedisRateLimit::new(redis.url()).with_organization("cost"),
            )),
        ),
    ];
    let mut samples: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    let input = create_input();
    for (_, client) in &clients {
        for _ in 0..100 {
            client.send(input.clone()).await.unwrap();
        }
    }
    for _ in 0..rounds {
        for (name, client) in &clients {
            let entry = samples.entry(name).or_default();
            for _ in 0..CALLS {
                let started = Instant::now();
                client.send(input.clone()).await.unwrap();
                entry.push(started.elapsed());
            }
        }
    }
    let mut medians = BTreeMap::new();
    for (name, mut s) in samples {
        s.sort();
        let (p50, p99) = (percentile(&s, 0.5), percentile(&s, 0.99));
        medians.insert(name, (p50, p99));
        eprintln!(
            "{name:>10}: median {p50:?}, p99 {p99:?} ({} calls)",
            s.len()
        );
    }
    let (none50, none99) = medians["none"];
    for name in ["in-process", "Redis"] {
        let (p50, p99) = medians[name];
        eprintln!(
            "{name:>10} adds: median {:?}, p99 {:?}",
            p50.saturating_sub(none50),
            p99.saturating_sub(none99)
        );
    }
}

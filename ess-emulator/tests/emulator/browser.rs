//! The page at `/_emulator/` in a real browser: headless Chromium, first
//! with `--dump-dom`, then driven through chromedriver (WebDriver) to press
//! the scan and sign buttons.
//!
//! Skipped unless `ESS_EMULATOR_CHROMEDRIVER` names a chromedriver binary;
//! `ess-emulator/browser/run.sh` installs Debian's `chromium` and
//! `chromium-driver`, starts the emulator binary and runs this test with
//! `ESS_EMULATOR_URL` pointing at it (without it, the test starts an
//! emulator in-process). `ESS_EMULATOR_CHROMIUM` names the browser
//! (default `chromium` on the `PATH`; give a path for chromedriver to use
//! another). Only loopback traffic.

use crate::support;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ess_api::client::RetryConfig;
use ess_emulator::{defaults, Emulator};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Chromium's flags for a headless run that talks to nothing but loopback.
fn chromium_flags(profile: &std::path::Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// One HTTP/1.1 exchange on a connection of its own; the status and the
/// body, read by its `Content-Length` (chromedriver announces
/// `Connection: close` but may keep the socket open), else to the end.
async fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> (u16, Vec<u8>) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let (split, status, length) = loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the connection closed before a response head");
        raw.extend_from_slice(&chunk[..n]);
        if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
            assert!(!head.contains("transfer-encoding"), "{head}");
            let status: u16 = head
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap();
            let length = head.lines().find_map(|l| {
                l.strip_prefix("content-length:")
                    .and_then(|v| v.trim().parse::<usize>().ok())
            });
            break (split + 4, status, length);
        }
    };
    loop {
        if length.is_some_and(|len| raw.len() >= split + len) {
            break;
        }
        let n = stream.read(&mut chunk).await.unwrap();
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..n]);
    }
    let end = length.map_or(raw.len(), |len| split + len);
    (status, raw[split..end].to_vec())
}

/// A child process, ended when dropped (also when a test fails).
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A chromedriver process and one session in it.
struct Driver {
    addr: SocketAddr,
    session: String,
    _profile: TempDir,
    _process: Process,
}

impl Driver {
    async fn start(chromedriver: &str, chromium: &str) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = Process(
            Command::new(chromedriver)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts"),
        );
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let started = Instant::now();
        loop {
            if TcpStream::connect(addr).await.is_ok() {
                let (status, body) = http(addr, "GET", "/status", None).await;
                let ready: Value = serde_json::from_slice(&body).unwrap_or_default();
                if status == 200 && ready["value"]["ready"] == true {
                    break;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver is not ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = TempDir::new();
        let mut options = json!({ "args": chromium_flags(&profile.0) });
        // chromedriver wants a path; without one it finds Debian's chromium.
        if chromium.contains('/') {
            options["binary"] = json!(chromium);
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": options,
        }}});
        let (status, body) = http(addr, "POST", "/session", Some(&capabilities)).await;
        let created: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, 200, "{created}");
        let session = created["value"]["sessionId"].as_str().unwrap().to_owned();
        Driver {
            addr,
            session,
            _profile: profile,
            _process: process,
        }
    }

    async fn call(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{what}", self.session);
        let (status, bytes) = http(self.addr, method, &path, body.as_ref()).await;
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(status, 200, "{method} {what}: {value}");
        value["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url }))).await;
    }

    async fn find(&self, css: &str) -> String {
        let found = self
            .call(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found[ELEMENT].as_str().unwrap().to_owned()
    }

    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn script(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Runs `script` until it returns a string (the page may be loading
    /// after a form was posted: errors meanwhile are tried again), at most
    /// 20 s.
    async fn wait_for(&self, script: &str) -> String {
        let path = format!("/session/{}/execute/sync", self.session);
        let body = json!({"script": script, "args": []});
        let started = Instant::now();
        loop {
            let (status, bytes) = http(self.addr, "POST", &path, Some(&body)).await;
            let value: Value = serde_json::from_slice(&bytes).unwrap_or_default();
            if status == 200 {
                if let Some(s) = value["value"].as_str() {
                    return s.to_owned();
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "waited in vain for {script}: {value}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn quit(&self) {
        let path = format!("/session/{}", self.session);
        let _ = http(self.addr, "DELETE", &path, None).await;
    }
}

/// A scratch folder, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "ess-emulator-browser-{}-{}",
            std::process::id(),
            nanos()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// `chromium --dump-dom url`: the document after the page loaded.
fn dump_dom(chromium: &str, url: &str) -> String {
    let profile = TempDir::new();
    let out = Command::new(chromium)
        .args(chromium_flags(&profile.0))
        .arg("--dump-dom")
        .arg(url)
        .stderr(Stdio::null())
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium failed: {:?}", out.status);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_browser_sees_the_code_presses_scan_and_sign_and_sees_the_contract() {
    let Ok(chromedriver) = std::env::var("ESS_EMULATOR_CHROMEDRIVER") else {
        eprintln!("skipped: ESS_EMULATOR_CHROMEDRIVER does not name a chromedriver");
        return;
    };
    let chromium = std::env::var("ESS_EMULATOR_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    // The emulator the script started, else one in-process.
    let local;
    let endpoint = match std::env::var("ESS_EMULATOR_URL") {
        Ok(url) => url.trim_end_matches('/').to_owned(),
        Err(_) => {
            local = Emulator::builder().start().await.unwrap();
            local.endpoint().to_owned()
        }
    };
    assert!(
        endpoint.starts_with("http://127.0.0.1:"),
        "loopback only: {endpoint}"
    );
    let client = ess_api::Client::new(
        ess_api::Config::default()
            .with_endpoint(endpoint.clone())
            .with_credentials(ess_emulator::default_credentials())
            .with_retry(RetryConfig::disabled()),
    )
    .unwrap();

    // A QR code, created through the API.
    let code = support::bounded(
        client
            .create_multi_flow_sign_qr_code()
            .operator(support::operator(defaults::OPERATOR_ID))
            .template_id(defaults::B2C_TEMPLATE_ID)
            .flow_name("浏览器测试合同")
            .send(),
    )
    .await
    .unwrap()
    .qr_code
    .qr_code_id;
    let page = format!("{endpoint}/_emulator/");

    // The page as Chromium renders it shows the code's image.
    // In a thread of its own: an in-process emulator must go on serving.
    let dom = tokio::task::spawn_blocking({
        let (chromium, page) = (chromium.clone(), page.clone());
        move || dump_dom(&chromium, &page)
    })
    .await
    .unwrap();
    assert!(
        dom.contains(&format!("src=\"/qr/{code}.png\"")),
        "the QR image is not in the page: {dom}"
    );
    assert!(dom.contains(&format!("id=\"scan-{code}\"")));

    // Driven: the image is decoded, the scan button pressed.
    let driver = Driver::start(&chromedriver, &chromium).await;
    driver.go(&page).await;
    let width = driver
        .script(&format!(
            "return document.querySelector('img[src=\"/qr/{code}.png\"]').naturalWidth"
        ))
        .await;
    assert!(
        width.as_u64().unwrap_or(0) > 0,
        "the image did not load: {width}"
    );
    driver.click(&format!("#scan-{code}")).await;

    let notice = driver
        .wait_for("const n = document.querySelector('#notice'); return n && n.textContent")
        .await;
    assert!(notice.contains("started the contract"), "{notice}");
    let flow_id = driver
        .wait_for(&format!(
            "const r = document.querySelector('#flows-of-{code} tr.flow'); return r && r.dataset.flowId"
        ))
        .await;
    let status_of = format!(
        "const c = document.querySelector('#flows tr[data-flow-id=\"{flow_id}\"] .flow-status'); \
         return c && c.textContent"
    );
    assert_eq!(driver.wait_for(&status_of).await, "waiting to sign (1)");

    // The sign button of that contract.
    driver
        .click(&format!(
            "#flows tr[data-flow-id=\"{flow_id}\"] #sign-{flow_id}"
        ))
        .await;
    let notice = driver
        .wait_for(
            "const n = document.querySelector('#notice'); \
             return n && n.textContent.startsWith('signed') ? n.textContent : null",
        )
        .await;
    assert!(notice.contains(&flow_id), "{notice}");
    assert_eq!(driver.wait_for(&status_of).await, "signed (4)");
    driver.quit().await;

    // The emulator agrees.
    let addr: SocketAddr = endpoint.trim_start_matches("http://").parse().unwrap();
    let (_, body) = http(addr, "GET", "/_emulator/state", None).await;
    let state: Value = serde_json::from_slice(&body).unwrap();
    let flows = state["Response"]["Flows"].as_array().unwrap();
    let flow = flows
        .iter()
        .find(|f| f["FlowId"] == flow_id.as_str())
        .expect("the contract is in the emulator's state");
    assert_eq!(flow["Status"], "Signed");
    assert_eq!(flow["QrCodeId"], code.as_str());
}

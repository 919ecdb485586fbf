//! The `ess-emulator` command.

use crate::support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ess_emulator::World;
use support::*;

const BIN: &str = env!("CARGO_BIN_EXE_ess-emulator");

fn command() -> Command {
    let mut c = Command::new(BIN);
    for var in [
        "ESS_EMULATOR_HOST",
        "ESS_EMULATOR_PORT",
        "ESS_EMULATOR_WORLD",
        "ESS_EMULATOR_SECRET_ID",
        "ESS_EMULATOR_SECRET_KEY",
        "ESS_EMULATOR_CALLBACK_URL",
        "ESS_EMULATOR_CALLBACK_KEY",
        "ESS_EMULATOR_CALLBACK_TOKEN",
        "ESS_EMULATOR_CALLBACK_FORM",
        "ESS_EMULATOR_CALLBACK_ATTEMPTS",
    ] {
        c.env_remove(var);
    }
    c
}

/// Kills the child process when a test fails before it exits.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn help_and_print_world() {
    let out = command().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for option in [
        "--port",
        "--host",
        "--world",
        "--secret-id",
        "--secret-key",
        "--callback-url",
        "--callback-key",
        "--callback-token",
        "--callback-form",
        "--callback-attempts",
        "--callback-allow-non-loopback",
        "--tls",
        "--tls-cert-out",
        "--tls-handshake-timeout",
    ] {
        assert!(help.contains(option), "{option}");
    }
    let out = command().arg("--print-world").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        World::from_toml_str(&text, "printed").unwrap(),
        World::default()
    );

    let out = command().arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bad_world_file_is_reported_with_its_position() {
    let dir = std::env::temp_dir().join(format!("ess-emulator-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "[organization]\nid = \"yDtestOrganization00000000000001\"\ncontract_quota = \"many\"\n",
    )
    .unwrap();
    let out = command().arg("--world").arg(&path).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{}:3:18:", path.display())),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn serves_logs_and_stops_on_sigterm_without_logging_secrets() {
    let mut running = Running(
        command()
            .args([
                "--port",
                "0",
                "--secret-id",
                "AKIDbinaryTest0001",
                "--log",
                "info",
            ])
            .env("ESS_EMULATOR_SECRET_KEY", "binary-test-secret-key")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let child = &mut running.0;
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    stdout.read_line(&mut banner).unwrap();
    let endpoint = banner
        .trim()
        .strip_prefix("ESS emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected banner {banner:?}"))
        .to_owned();
    let host = endpoint.strip_prefix("http://").unwrap().to_owned();
    let addr = host.parse().unwrap();

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let spec = RequestSpec {
        host: host.clone(),
        action: Some("CreateMultiFlowSignQRCode".into()),
        version: Some(ess_api::service::VERSION.into()),
        content_type: ess_api::client::signing::CONTENT_TYPE.into(),
        secret_id: "AKIDbinaryTest0001".into(),
        secret_key: "binary-test-secret-key".into(),
        timestamp: Some(now),
        body: create_body().into_bytes(),
        authorization: None,
        extra: Vec::new(),
        method: "POST".into(),
    };
    let r = exchange(addr, &spec.bytes()).await.response();
    assert_eq!(r.error_code(), None, "{}", r.error_message());
    let mut wrong = spec.clone();
    wrong.secret_key = "not-it".into();
    let r = exchange(addr, &wrong.bytes()).await.response();
    assert_eq!(
        r.error_code().as_deref(),
        Some("AuthFailure.SignatureFailure")
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains("api request"), "{log}");
    assert!(log.contains("CreateMultiFlowSignQRCode"), "{log}");
    assert!(
        log.contains("code=OK") && log.contains("code=AuthFailure.SignatureFailure"),
        "{log}"
    );
    assert!(log.contains("latency_ms="), "{log}");
    assert!(log.contains("stopped"), "{log}");
    let everything = format!("{banner}{rest}{log}");
    assert!(
        !everything.contains("binary-test-secret-key"),
        "{everything}"
    );
    assert!(!everything.contains("Signature="), "{everything}");
}

#[tokio::test]
async fn tls_writes_the_certificate_and_serves_the_service_hosts() {
    use ess_api::client::{Environment, RetryConfig};
    use ess_api::types::Caller;

    let dir = std::env::temp_dir().join(format!("ess-emulator-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("ca.pem");
    let mut running = Running(
        command()
            .args(["--port", "0", "--tls", "--tls-cert-out"])
            .arg(&cert)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let child = &mut running.0;
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    stdout.read_line(&mut banner).unwrap();
    let addr: std::net::SocketAddr = banner
        .trim()
        .strip_prefix("ESS emulator listening on https://")
        .unwrap_or_else(|| panic!("unexpected banner {banner:?}"))
        .parse()
        .unwrap();
    // The banner says where the certificate is, once it is written.
    let said = format!("written to {}", cert.display());
    let mut lines = String::new();
    while !lines.contains(&said) {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "{lines}");
        lines.push_str(&line);
    }
    let pem = std::fs::read(&cert).unwrap();
    assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----"));

    let config = ess_api::Config::default()
        .with_environment(Environment::Test)
        .with_root_certificate(&pem)
        .with_resolve("ess.test.ess.tencent.cn", addr)
        .with_resolve("file.test.ess.tencent.cn", addr)
        .with_env_proxy(false)
        .with_retry(RetryConfig::disabled())
        .with_credentials(ess_emulator::default_credentials());
    let client = ess_api::Client::new(config).unwrap();
    let out = bounded(
        client
            .upload_files()
            .caller(
                Caller::builder()
                    .operator_id(ess_emulator::defaults::OPERATOR_ID)
                    .build()
                    .unwrap(),
            )
            .business_type("DOCUMENT")
            .file_infos(
                ess_api::types::UploadFile::builder()
                    .file_body("JVBERi0xLjQKJSVFT0YK")
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .await
    .expect("upload at the file host");
    assert_eq!(out.file_ids.len(), 1);
    drop(running);
    std::fs::remove_dir_all(&dir).unwrap();
}

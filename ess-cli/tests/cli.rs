//! `ess` as a user runs it: a real process, against an emulator on
//! 127.0.0.1, with a home directory of its own and no credentials from
//! the environment unless a test gives them.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use ess_emulator::{defaults, Emulator, Fault, FaultKind};
use serde_json::{json, Value};

/// An emulator on its own runtime, which keeps serving while a test runs
/// `ess` and waits for it.
struct Service {
    emulator: Emulator,
    _runtime: tokio::runtime::Runtime,
}

impl Service {
    fn start() -> Service {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let emulator = runtime
            .block_on(Emulator::builder().start())
            .expect("emulator starts");
        Service {
            emulator,
            _runtime: runtime,
        }
    }

    fn endpoint(&self) -> String {
        self.emulator.endpoint().to_owned()
    }
}

/// A scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("ess-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `ess` with nothing from the caller's environment: an empty home, no
/// credentials, no endpoint, no proxy.
fn ess(home: &Path) -> Command {
    let mut c = Command::cargo_bin("ess").expect("the ess binary");
    c.env_clear()
        .env("HOME", home)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .timeout(Duration::from_secs(60));
    c
}

/// `ess` with the emulator's credentials in the environment.
fn ess_for(home: &Path) -> Command {
    let mut c = ess(home);
    c.env("TENCENTCLOUD_SECRET_ID", defaults::SECRET_ID)
        .env("TENCENTCLOUD_SECRET_KEY", defaults::SECRET_KEY);
    c
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 on standard output")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("UTF-8 on standard error")
}

/// The error output with the parts that change from run to run replaced.
fn stable(text: &str) -> String {
    text.lines()
        .map(|l| match l.split_once("RequestId: ") {
            Some((head, _)) => format!("{head}RequestId: [request id]"),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A request the emulator's default world accepts.
fn request() -> Value {
    json!({
        "Operator": {"UserId": defaults::OPERATOR_ID},
        "TemplateId": defaults::B2C_TEMPLATE_ID,
        "FlowName": "员工入职合同",
        "MaxFlowNum": 10
    })
}

const QR: &str = "CreateMultiFlowSignQRCode";

#[test]
fn help_lists_every_action_of_the_sdk() {
    let home = Scratch::new("help");
    let out = ess(&home.0).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = stdout(&out);
    let listed: Vec<&str> = help
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(listed, ess_api::service::ACTIONS, "every action, in order");
    assert_eq!(listed.len(), 157);
    assert!(help.contains("Exit codes:"), "{help}");
}

#[test]
fn version_is_the_crate_version() {
    let home = Scratch::new("version");
    let out = ess(&home.0).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(stdout(&out), format!("ess {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn action_help_documents_every_member() {
    let home = Scratch::new("action-help");
    let out = ess(&home.0).args([QR, "--help"]).output().unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("create_multi_flow_sign_qr_code_help", stdout(&out));

    let out = ess(&home.0)
        .args(["create-multi-flow-sign-qr-code", "-h"])
        .output()
        .unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("create_multi_flow_sign_qr_code_short_help", stdout(&out));
}

#[test]
fn a_qr_code_from_an_input_file() {
    let service = Service::start();
    let home = Scratch::new("create");
    let file = home.write("req.json", &request().to_string());
    let out = ess_for(&home.0)
        .args([QR, "--endpoint", &service.endpoint()])
        .arg("--cli-input-json")
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let answer: Value = serde_json::from_str(&stdout(&out)).expect("JSON on standard output");
    let id = answer["QrCode"]["QrCodeId"].as_str().expect("a QrCodeId");
    assert_eq!(id.chars().count(), 32, "{answer}");
    assert!(answer["RequestId"].is_string(), "{answer}");
    assert!(service.emulator.qr_code(id).is_some());
}

#[test]
fn member_options_and_kebab_case_aliases() {
    let service = Service::start();
    let home = Scratch::new("members");
    let operator = json!({"UserId": defaults::OPERATOR_ID}).to_string();
    let out = ess_for(&home.0)
        .args([
            "create-multi-flow-sign-qr-code",
            "--endpoint",
            &service.endpoint(),
        ])
        .args(["--operator", &operator])
        .args(["--template-id", defaults::B2C_TEMPLATE_ID])
        .args(["--FlowName", "入职"])
        .args(["--MaxFlowNum", "3", "--FlowNameAppendScannerInfo", "true"])
        .args(["--filter", "QrCode.QrCodeId"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let id: String = serde_json::from_str(&stdout(&out)).expect("a JSON string");
    let code = service.emulator.qr_code(&id).expect("the code was created");
    assert_eq!(code.max_flow_num, 3);

    // tccli's unfolded form: members part by part.
    let out = ess_for(&home.0)
        .args([
            QR,
            "--cli-unfold-argument",
            "--endpoint",
            &service.endpoint(),
        ])
        .args(["--Operator.UserId", defaults::OPERATOR_ID])
        .args([
            "--TemplateId",
            defaults::B2C_TEMPLATE_ID,
            "--FlowName",
            "入职",
        ])
        .args([
            "--Restrictions.0.Name",
            "张三",
            "--Restrictions.0.Mobile=18800009527",
        ])
        .args(["--filter", "QrCode.QrCodeId"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let id: String = serde_json::from_str(&stdout(&out)).expect("a JSON string");
    assert!(service.emulator.qr_code(&id).is_some());
}

#[test]
fn an_over_long_flow_name_is_refused_before_sending() {
    // The endpoint is a socket of the test's own: any connection shows.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let home = Scratch::new("too-long");
    let mut body = request();
    body["FlowName"] = Value::String("合".repeat(201));
    let file = home.write("req.json", &body.to_string());
    let out = ess_for(&home.0)
        .args([QR, "--endpoint", &endpoint])
        .arg("--cli-input-json")
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    insta::assert_snapshot!("flow_name_too_long", stderr(&out));
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "ess connected: {accepted:?}"
    );

    // With 200 characters it is sent.
    body["FlowName"] = Value::String("合".repeat(200));
    let file = home.write("req.json", &body.to_string());
    let out = ess_for(&home.0)
        .args([QR, "--endpoint", &endpoint, "--timeout", "1"])
        .arg("--cli-input-json")
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(listener.accept().is_ok(), "ess did not connect");
}

#[test]
fn every_problem_of_a_request_is_reported_with_its_path() {
    let home = Scratch::new("problems");
    // No endpoint and no credentials: nothing could be sent anyway.
    let out = ess(&home.0)
        .arg(QR)
        .args([
            "--cli-input-json",
            r#"{"Operator": {"UserId": 7}, "TemplateID": "x", "FlowName": ""}"#,
        ])
        .args(["--MaxFlowNum", "many", "--FlowEffectiveDay", "31"])
        .args([
            "--Restrictions",
            r#"{"Name": "张三", "Mobile": "1880000952"}"#,
            r#"{"Mobile": "188000095270"}"#,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("many_problems", stderr(&out));
}

#[test]
fn a_wrong_secret_key_is_an_authentication_failure() {
    let service = Service::start();
    let home = Scratch::new("wrong-key");
    let out = ess(&home.0)
        .env("TENCENTCLOUD_SECRET_ID", defaults::SECRET_ID)
        .env("TENCENTCLOUD_SECRET_KEY", "not-the-key")
        .args([QR, "--endpoint", &service.endpoint()])
        .args(["--cli-input-json", &request().to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(!err.contains("not-the-key"), "{err}");
    insta::assert_snapshot!("signature_failure", stable(&err));
}

#[test]
fn a_service_error_names_its_code() {
    let service = Service::start();
    let home = Scratch::new("no-template");
    let mut body = request();
    body["TemplateId"] = Value::String("yDemuNoSuchTemplate0000000000001".into());
    let out = ess_for(&home.0)
        .args([QR, "--endpoint", &service.endpoint()])
        .args(["--cli-input-json", &body.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("error: ResourceNotFound.Template: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn throttling_network_timeouts_and_bad_answers_have_exit_codes_of_their_own() {
    let service = Service::start();
    let home = Scratch::new("classes");
    let run = |extra: &[&str]| {
        ess_for(&home.0)
            .args([QR, "--endpoint", &service.endpoint()])
            .args(["--cli-input-json", &request().to_string()])
            .args(extra)
            .output()
            .unwrap()
    };

    service
        .emulator
        .inject_fault(Fault::next(FaultKind::NonJsonBody, 1))
        .unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(10), "{}", stderr(&out));

    service
        .emulator
        .inject_fault(Fault::next(FaultKind::Latency(Duration::from_secs(5)), 1))
        .unwrap();
    let out = run(&["--timeout", "1"]);
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));

    // Last: every attempt of the call is throttled, retries included.
    service
        .emulator
        .inject_fault(Fault::next(FaultKind::ThrottlingStorm, 20))
        .unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("RequestLimitExceeded"),
        "{}",
        stderr(&out)
    );

    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = ess_for(&home.0)
        .args([QR, "--endpoint", &format!("http://127.0.0.1:{port}")])
        .args(["--cli-input-json", &request().to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
}

#[test]
fn the_skeleton_of_every_action_is_a_request_it_takes() {
    let home = Scratch::new("skeletons");
    for action in ess_api::service::ACTIONS {
        let skeleton = ess(&home.0)
            .args([action, "--generate-cli-skeleton"])
            .output()
            .unwrap();
        assert!(skeleton.status.success(), "{action}: {}", stderr(&skeleton));
        let json: Value = serde_json::from_slice(&skeleton.stdout).expect("JSON");
        assert!(json.is_object(), "{action}: {json}");
        let out = ess_for(&home.0)
            .args([action, "--cli-input-json", "-", "--dry-run"])
            .write_stdin(skeleton.stdout)
            .output()
            .unwrap();
        assert!(out.status.success(), "{action}: {}", stderr(&out));
    }
    let out = ess(&home.0)
        .args([QR, "--generate-cli-skeleton"])
        .output()
        .unwrap();
    insta::assert_snapshot!("create_multi_flow_sign_qr_code_skeleton", stdout(&out));
}

#[test]
fn a_dry_run_signs_redacts_and_sends_nothing() {
    let service = Service::start();
    let home = Scratch::new("dry-run");
    let out = ess_for(&home.0)
        .args([QR, "--endpoint", &service.endpoint(), "--dry-run"])
        .args(["--cli-input-json", &request().to_string()])
        .args(["--region", "ap-guangzhou", "--language", "en-US"])
        .env("TENCENTCLOUD_SESSION_TOKEN", "session-token-value")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("POST {}/\n", service.endpoint())),
        "{text}"
    );
    for header in [
        "x-tc-action: CreateMultiFlowSignQRCode",
        "x-tc-version: 2020-11-11",
        "x-tc-region: ap-guangzhou",
        "x-tc-language: en-US",
        "x-tc-token: ** redacted **",
        "Signature=** redacted **",
    ] {
        assert!(text.contains(header), "{header}: {text}");
    }
    for secret in [
        defaults::SECRET_KEY,
        defaults::SECRET_ID,
        "session-token-value",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let body = text.split("\n\n").nth(1).expect("a body");
    let body: Value = serde_json::from_str(body).expect("the JSON body");
    assert_eq!(body, request());
    assert!(service.emulator.qr_codes().is_empty());
}

#[test]
fn tccli_profiles_give_credentials_and_settings() {
    let service = Service::start();
    let home = Scratch::new("tccli");
    home.write(
        ".tccli/emu.credential",
        &json!({"secretId": defaults::SECRET_ID, "secretKey": defaults::SECRET_KEY}).to_string(),
    );
    home.write(
        ".tccli/emu.configure",
        &json!({
            "_sys_param": {"region": "ap-guangzhou", "output": "json"},
            "ess": {"endpoint": service.endpoint(), "version": "2020-11-11"}
        })
        .to_string(),
    );
    let out = ess(&home.0)
        .args([QR, "--profile", "emu", "--filter", "QrCode.QrCodeId"])
        .args(["--cli-input-json", &request().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let id: String = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(service.emulator.qr_code(&id).is_some());

    // TCCLI_PROFILE names the profile too; --profile makes the
    // environment's keys count for nothing.
    let out = ess(&home.0)
        .env("TCCLI_PROFILE", "emu")
        .args([QR, "--dry-run", "--cli-input-json", &request().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("x-tc-region: ap-guangzhou"));
    let out = ess(&home.0)
        .env("TENCENTCLOUD_SECRET_ID", "AKIDfromTheEnvironment")
        .env("TENCENTCLOUD_SECRET_KEY", "key")
        .args([QR, "--profile", "emu", "--dry-run"])
        .args(["--cli-input-json", &request().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Credential=AKID****/"));

    let out = ess(&home.0)
        .args([
            QR,
            "--profile",
            "missing",
            "--cli-input-json",
            &request().to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("missing.credential"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_sdk_credentials_file_is_read() {
    let service = Service::start();
    let home = Scratch::new("sdk-file");
    home.write(
        ".tencentcloud/credentials",
        &format!(
            "[default]\nsecret_id = {}\nsecret_key = {}\n",
            defaults::SECRET_ID,
            defaults::SECRET_KEY
        ),
    );
    let out = ess(&home.0)
        .args([QR, "--endpoint", &service.endpoint(), "--output", "text"])
        .args(["--filter", "QrCode.QrCodeId"])
        .args(["--cli-input-json", &request().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim().chars().count(), 32, "{}", stdout(&out));
}

#[test]
fn tables_and_the_qr_code_in_the_terminal() {
    let service = Service::start();
    let home = Scratch::new("table");
    let out = ess_for(&home.0)
        .args([QR, "--endpoint", &service.endpoint(), "--output", "table"])
        .args(["--filter", "[QrCode]", "--qr-terminal"])
        .args(["--cli-input-json", &request().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    let header = table.lines().nth(1).expect("a header line");
    for column in ["ExpiredTime", "QrCodeId", "QrCodeUrl"] {
        assert!(header.contains(column), "{table}");
    }
    assert_eq!(table.lines().count(), 5, "{table}");
    let art = stderr(&out);
    assert!(art.contains('█') && art.contains("/sign/"), "{art}");
}

#[test]
fn usage_errors() {
    let home = Scratch::new("usage");
    let out = ess(&home.0)
        .arg("CreateMultiFlowSignQrCode")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("CreateMultiFlowSignQRCode"),
        "a suggestion: {}",
        stderr(&out)
    );

    let out = ess(&home.0)
        .args([QR, "--filter", "QrCode.[", "--cli-input-json", "{}"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid --filter"),
        "{}",
        stderr(&out)
    );

    // A member whose option cannot be read is not also reported missing.
    let out = ess(&home.0)
        .args([
            QR,
            "--Operator",
            "{",
            "--TemplateId",
            "x",
            "--FlowName",
            "n",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.matches("Operator").count(), 1, "{err}");
    assert!(
        err.contains("TemplateId: must be at least 32 characters"),
        "{err}"
    );

    let out = ess(&home.0)
        .args([QR, "--cli-input-json", "[1]"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("must be a JSON object"),
        "{}",
        stderr(&out)
    );

    let out = ess(&home.0)
        .args([QR, "--cli-input-json", "file:///nonexistent/req.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn shell_completions() {
    let home = Scratch::new("completions");
    for shell in ["bash", "zsh", "fish"] {
        let out = ess(&home.0).args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = stdout(&out);
        assert!(script.contains("CreateMultiFlowSignQRCode"), "{shell}");
        assert!(script.contains("TemplateId"), "{shell}");
    }
}

#[test]
fn the_integration_test_environment_and_per_action_hosts() {
    let home = Scratch::new("environment");
    let first_line = |args: &[&str], env: Option<(&str, &str)>| {
        let mut c = ess_for(&home.0);
        if let Some((k, v)) = env {
            c.env(k, v);
        }
        let skeleton = ess(&home.0)
            .args([args[0], "--generate-cli-skeleton"])
            .output()
            .unwrap();
        let out = c
            .args(args)
            .args(["--cli-input-json", "-", "--dry-run"])
            .write_stdin(skeleton.stdout)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out).lines().next().unwrap().to_owned()
    };
    assert_eq!(
        first_line(&[QR], None),
        "POST https://ess.tencentcloudapi.com/"
    );
    assert_eq!(
        first_line(&[QR, "--environment", "test"], None),
        "POST https://ess.test.ess.tencent.cn/"
    );
    assert_eq!(
        first_line(&[QR], Some(("TENCENTCLOUD_ESS_ENVIRONMENT", "test"))),
        "POST https://ess.test.ess.tencent.cn/"
    );
    assert_eq!(
        first_line(&["UploadFiles", "--environment", "test"], None),
        "POST https://file.test.ess.tencent.cn/"
    );
    assert_eq!(
        first_line(
            &[QR],
            Some(("TENCENTCLOUD_ESS_ENDPOINT", "http://127.0.0.1:9"))
        ),
        "POST http://127.0.0.1:9/"
    );
}

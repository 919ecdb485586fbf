//! The emulator over HTTPS, as the service's hosts: a client without an
//! endpoint talks to `file.test.ess.tencent.cn` and `ess.test.ess.tencent.cn`
//! (each pinned to the emulator on 127.0.0.1), `UploadFiles` is served only
//! at the file host and every other action only at the API host.

use crate::support;

use std::net::SocketAddr;
use std::time::Duration;

use ess_api::client::{Environment, RetryConfig};
use ess_api::operation::upload_files::UploadFilesFluentBuilder;
use ess_api::types::{ApproverInfo, Caller, UploadFile, UserInfo};
use ess_api::{Client, Config, SdkError, ServiceError};
use ess_emulator::{defaults, Emulator, TLS_NAMES};
use serde_json::Value;
use support::{bounded, send_raw, RequestSpec};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

const TEST_API_HOST: &str = "ess.test.ess.tencent.cn";
const TEST_FILE_HOST: &str = "file.test.ess.tencent.cn";

async fn tls_emulator() -> Emulator {
    Emulator::builder()
        .tls(true)
        .start()
        .await
        .expect("emulator starts")
}

/// A client of the integration-test environment with no endpoint: both of
/// its hosts pinned to `addr` (loopback), `pem` trusted when given.
fn test_env_client(emu: &Emulator, addr: SocketAddr, pem: Option<&str>) -> Client {
    assert!(addr.ip().is_loopback());
    let mut config = Config::default()
        .with_environment(Environment::Test)
        .with_credentials(emu.credentials())
        .with_resolve(TEST_API_HOST, addr)
        .with_resolve(TEST_FILE_HOST, addr)
        .with_env_proxy(false);
    if let Some(pem) = pem {
        config = config.with_root_certificate(pem);
    }
    build(config)
}

/// A client that sends every action to `https://host`, pinned to the emulator.
fn host_client(emu: &Emulator, host: &str) -> Client {
    build(
        Config::default()
            .with_endpoint(format!("https://{host}"))
            .with_credentials(emu.credentials())
            .with_resolve(host, emu.addr())
            .with_root_certificate(emu.tls_certificate_pem().expect("TLS mode"))
            .with_env_proxy(false),
    )
}

fn build(config: Config) -> Client {
    ess_api::Client::new(
        config
            .with_retry(RetryConfig::disabled())
            .with_timeout(Duration::from_secs(10)),
    )
    .expect("client builds")
}

/// Standard base64 with padding.
fn b64(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn upload(client: &Client) -> UploadFilesFluentBuilder {
    client
        .upload_files()
        .caller(
            Caller::builder()
                .operator_id(defaults::OPERATOR_ID)
                .build()
                .unwrap(),
        )
        .business_type("DOCUMENT")
        .file_infos(
            UploadFile::builder()
                .file_body(b64(PDF))
                .file_name("劳动合同.pdf")
                .build()
                .unwrap(),
        )
}

fn operator() -> UserInfo {
    UserInfo::builder()
        .user_id(defaults::OPERATOR_ID)
        .build()
        .unwrap()
}

fn person() -> ApproverInfo {
    ApproverInfo::builder()
        .approver_type(1)
        .approver_name("张三")
        .approver_mobile("13800009527")
        .build()
        .unwrap()
}

fn code<T: std::fmt::Debug, E: ServiceError>(result: Result<T, SdkError<E>>) -> String {
    match result {
        Err(SdkError::Service(e)) => e.code().to_owned(),
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_contract_from_a_file_uploaded_at_the_file_host() {
    let emu = tls_emulator().await;
    assert!(emu.endpoint().starts_with("https://127.0.0.1:"));
    let pem = emu
        .tls_certificate_pem()
        .expect("TLS mode has a certificate");
    let client = test_env_client(&emu, emu.addr(), Some(pem));
    assert_eq!(client.config().environment(), Some(Environment::Test));

    let out = bounded(upload(&client).send()).await.expect("upload");
    let file_id = out.file_ids[0].clone();
    let file = emu.uploaded_file(&file_id).expect("the emulator keeps it");
    assert_eq!(file.host.as_deref(), Some(TEST_FILE_HOST));
    assert_eq!(emu.uploaded_file_content(&file_id).as_deref(), Some(PDF));

    let started = bounded(
        client
            .create_flow_by_files()
            .operator(operator())
            .flow_name("劳动合同")
            .file_ids(&file_id)
            .approvers(person())
            .send(),
    )
    .await
    .expect("CreateFlowByFiles at the API host");
    let flow_id = started.flow_id;
    assert!(emu.flow(&flow_id).is_some());

    let info = bounded(
        client
            .describe_flow_info()
            .operator(operator())
            .flow_ids(&flow_id)
            .send(),
    )
    .await
    .expect("DescribeFlowInfo at the API host");
    assert_eq!(info.flow_detail_infos.len(), 1);
    assert_eq!(info.flow_detail_infos[0].flow_id, flow_id);
    assert_eq!(info.flow_detail_infos[0].flow_name, "劳动合同");
    emu.shutdown().await;
}

#[tokio::test]
async fn each_host_refuses_the_actions_it_does_not_serve() {
    let emu = tls_emulator().await;
    for (api, file) in [
        ("ess.tencentcloudapi.com", "file.ess.tencent.cn"),
        (TEST_API_HOST, TEST_FILE_HOST),
    ] {
        // UploadFiles at an API host.
        let stored = emu.uploaded_files().len();
        let at_api = host_client(&emu, api);
        let result = bounded(upload(&at_api).send()).await;
        assert_eq!(code(result), "InvalidAction", "UploadFiles at {api}");
        assert_eq!(emu.uploaded_files().len(), stored, "nothing was stored");

        // Another action at a file host.
        let at_file = host_client(&emu, file);
        let result = bounded(
            at_file
                .describe_flow_info()
                .operator(operator())
                .flow_ids("yDwFmUUckpst3ab8UuNHMHzsXkrDAQ1B")
                .send(),
        )
        .await;
        match result {
            Err(SdkError::Service(e)) => {
                assert_eq!(e.code(), "InvalidAction");
                assert!(e.message().contains(api), "{}", e.message());
            }
            other => panic!("expected InvalidAction at {file}, got {other:?}"),
        }

        // Each host serves its own actions.
        bounded(upload(&at_file).send())
            .await
            .unwrap_or_else(|e| panic!("UploadFiles at {file}: {e:?}"));
        bounded(at_api.describe_flow_templates().operator(operator()).send())
            .await
            .unwrap_or_else(|e| panic!("DescribeFlowTemplates at {api}: {e:?}"));
    }
    let hosts: Vec<_> = emu
        .uploaded_files()
        .into_iter()
        .map(|f| f.host.unwrap_or_default())
        .collect();
    assert_eq!(hosts, ["file.ess.tencent.cn", TEST_FILE_HOST]);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_emulator_address_serves_every_action_over_tls_too() {
    let emu = tls_emulator().await;
    // `config()` sends everything to https://127.0.0.1:PORT and trusts the
    // emulator's certificate.
    let client = build(emu.config());
    let out = bounded(upload(&client).send()).await.expect("upload");
    let file = emu.uploaded_file(&out.file_ids[0]).unwrap();
    assert_eq!(file.host.as_deref(), Some("127.0.0.1"));
    bounded(client.describe_flow_templates().operator(operator()).send())
        .await
        .expect("DescribeFlowTemplates at the emulator's address");

    // `localhost` is one of the certificate's names.
    let localhost = build(
        emu.config()
            .with_endpoint(format!("https://localhost:{}", emu.addr().port()))
            .with_resolve("localhost", emu.addr()),
    );
    bounded(upload(&localhost).send())
        .await
        .expect("upload at localhost");
    emu.shutdown().await;
}

#[tokio::test]
async fn service_hosts_config_reaches_the_production_hosts() {
    let emu = tls_emulator().await;
    let config = emu
        .service_hosts_config(Environment::Production)
        .expect("TLS mode");
    assert_eq!(config.endpoint(), None, "no endpoint override");
    let client = build(config);
    let out = bounded(upload(&client).send()).await.expect("upload");
    let file = emu.uploaded_file(&out.file_ids[0]).unwrap();
    assert_eq!(file.host.as_deref(), Some("file.ess.tencent.cn"));
    bounded(client.describe_flow_templates().operator(operator()).send())
        .await
        .expect("DescribeFlowTemplates at ess.tencentcloudapi.com");
    emu.shutdown().await;

    // Plain HTTP: no certificate, and no way to the service's hosts.
    let plain = Emulator::builder().start().await.unwrap();
    assert!(plain.endpoint().starts_with("http://"));
    assert_eq!(plain.tls_certificate_pem(), None);
    assert!(plain
        .service_hosts_config(Environment::Production)
        .is_none());
    plain.shutdown().await;
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_certificate_cannot_connect() {
    let emu = tls_emulator().await;
    let other = tls_emulator().await;
    let foreign = other.tls_certificate_pem().unwrap().to_owned();
    assert_ne!(Some(foreign.as_str()), emu.tls_certificate_pem());
    for pem in [None, Some(foreign.as_str())] {
        let client = test_env_client(&emu, emu.addr(), pem);
        match bounded(upload(&client).send()).await {
            Err(SdkError::Dispatch(e)) => {
                let mut chain = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    chain.push_str(&format!(": {s}"));
                    source = s.source();
                }
                assert!(
                    chain.to_ascii_lowercase().contains("certificate"),
                    "{chain}"
                );
            }
            other => panic!("expected a TLS failure, got {other:?}"),
        }
    }
    assert!(emu.uploaded_files().is_empty());
    emu.shutdown().await;
    other.shutdown().await;
}

#[test]
fn the_certificate_names_are_the_documented_ones() {
    assert_eq!(
        TLS_NAMES,
        [
            "ess.tencentcloudapi.com",
            "file.ess.tencent.cn",
            "ess.test.ess.tencent.cn",
            "file.test.ess.tencent.cn",
            "localhost",
            "127.0.0.1",
        ]
    );
}

#[tokio::test]
async fn a_stalled_handshake_is_closed_and_the_connection_cap_holds() {
    let emu = Emulator::builder()
        .tls(true)
        .tls_handshake_timeout(Duration::from_secs(1))
        .max_connections(1)
        .start()
        .await
        .unwrap();
    // Takes the one slot and never starts the handshake.
    let mut idle = TcpStream::connect(emu.addr()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Over the cap: closed without a (plain-text) answer.
    let mut over = TcpStream::connect(emu.addr()).await.unwrap();
    let mut buf = [0u8; 64];
    let n = bounded(over.read(&mut buf)).await.unwrap_or(0);
    assert_eq!(n, 0, "{:?}", String::from_utf8_lossy(&buf[..n]));

    // The stalled handshake ends after the timeout, freeing the slot.
    let started = std::time::Instant::now();
    let n = bounded(idle.read(&mut buf)).await.unwrap_or(0);
    assert_eq!(n, 0);
    assert!(started.elapsed() < Duration::from_secs(5));

    // Plain HTTP to the TLS port is not answered in HTTP.
    let mut plain = TcpStream::connect(emu.addr()).await.unwrap();
    plain
        .write_all(b"GET /_emulator/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let _ = bounded(plain.read_to_end(&mut got)).await;
    assert!(!got.starts_with(b"HTTP/"), "{got:?}");

    // And the emulator still serves a trusting client.
    let client = build(emu.config());
    bounded(upload(&client).send())
        .await
        .expect("upload after the refusals");
    emu.shutdown().await;
}

/// The `Response.Error.Code` of a raw answer.
fn raw_code(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).expect("a JSON answer");
    v["Response"]["Error"]["Code"]
        .as_str()
        .unwrap_or("none")
        .to_owned()
}

const DESCRIBE_BODY: &str = r#"{"Operator": {"UserId": "yDwFmUUckpst3ab8UuNHMHzsXkrDAQ1B"}, "FlowIds": ["yDwFmUUckpst3ab8UuNHMHzsXkrDAQ1B"]}"#;

#[tokio::test]
async fn the_host_is_read_from_the_signed_host_header() {
    // Plain HTTP: the host decides what is served, whatever the transport.
    let emu = Emulator::builder().start().await.unwrap();

    // Any case, a port and a trailing dot name the same file host.
    for host in [
        "file.test.ess.tencent.cn",
        "FILE.Test.ESS.tencent.cn:443",
        "file.ess.tencent.cn.",
    ] {
        let mut spec = RequestSpec::new(&emu, "DescribeFlowInfo", DESCRIBE_BODY);
        spec.host = host.to_owned();
        let r = send_raw(&emu, &spec).await;
        assert_eq!(raw_code(&r.body), "InvalidAction", "at {host}");
    }

    // The emulator's own address serves it (the contract does not exist).
    let spec = RequestSpec::new(&emu, "DescribeFlowInfo", DESCRIBE_BODY);
    let r = send_raw(&emu, &spec).await;
    assert_ne!(raw_code(&r.body), "InvalidAction");

    // Signed for the API host but sent with the file host: the signature
    // covers the Host, so it fails before the host is looked at.
    let mut spec = RequestSpec::new(&emu, "DescribeFlowInfo", DESCRIBE_BODY);
    spec.host = TEST_API_HOST.to_owned();
    let signed_for_api = spec.authorization_value();
    spec.host = TEST_FILE_HOST.to_owned();
    spec.authorization = Some(signed_for_api);
    let r = send_raw(&emu, &spec).await;
    assert_eq!(raw_code(&r.body), "AuthFailure.SignatureFailure");
    emu.shutdown().await;
}

/// A TLS connection to `emu` for `name`, trusting its certificate.
async fn tls_connect(emu: &Emulator, name: &'static str) -> impl AsyncRead + AsyncWrite + Unpin {
    let pem = emu.tls_certificate_pem().unwrap();
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config =
        ClientConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let tcp = TcpStream::connect(emu.addr()).await.unwrap();
    let name = ServerName::try_from(name).unwrap();
    bounded(TlsConnector::from(std::sync::Arc::new(config)).connect(name, tcp))
        .await
        .expect("handshake")
}

/// Everything the server sends until it closes the connection.
async fn read_all(stream: &mut (impl AsyncRead + Unpin)) -> String {
    let mut got = Vec::new();
    let _ = bounded(stream.read_to_end(&mut got)).await;
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn tls_connections_keep_the_head_timeout_and_the_body_limit() {
    let emu = Emulator::builder()
        .tls(true)
        .head_timeout(Duration::from_millis(500))
        .start()
        .await
        .unwrap();

    // A head that never ends: 408, then the connection is closed.
    let mut tls = tls_connect(&emu, TEST_API_HOST).await;
    tls.write_all(b"POST / HTTP/1.1\r\nHost: ess.test.ess.tencent.cn\r\n")
        .await
        .unwrap();
    tls.flush().await.unwrap();
    let answer = read_all(&mut tls).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    // A body over the limit is refused from its declared length.
    let mut tls = tls_connect(&emu, TEST_FILE_HOST).await;
    tls.write_all(
        b"POST / HTTP/1.1\r\nHost: file.test.ess.tencent.cn\r\nContent-Type: application/json\r\n\
          X-TC-Action: UploadFiles\r\nContent-Length: 10485761\r\n\r\n",
    )
    .await
    .unwrap();
    tls.flush().await.unwrap();
    let answer = read_all(&mut tls).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("RequestSizeLimitExceeded"), "{answer}");
    emu.shutdown().await;
}

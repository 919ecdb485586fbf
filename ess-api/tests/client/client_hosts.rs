//! Actions served at a host of their own reach that host.
//!
//! Every host name is pinned to a listener on 127.0.0.1 (`Config::with_resolve`),
//! which records the server name the client asks for in its TLS ClientHello
//! (SNI, sent in clear) and closes the connection. Nothing leaves loopback;
//! the calls fail, and what matters is which host each one was meant for.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use ess_api::client::{Environment, RetryConfig};
use ess_api::operation::describe_flow_info::DescribeFlowInfoInput;
use ess_api::operation::upload_files::UploadFilesInput;
use ess_api::{Action, Client, Config, Credentials};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

const HOSTS: [&str; 4] = [
    "ess.tencentcloudapi.com",
    "file.ess.tencent.cn",
    "ess.test.ess.tencent.cn",
    "file.test.ess.tencent.cn",
];

/// A listener that keeps the first bytes of every connection.
async fn recorder() -> (SocketAddr, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                buf.truncate(n);
                keep.lock().unwrap().push(buf);
            });
        }
    });
    (addr, seen)
}

fn client(addr: SocketAddr, environment: Environment) -> Client {
    let mut config = Config::default()
        .with_environment(environment)
        .with_retry(RetryConfig::disabled())
        .with_env_proxy(false);
    for host in HOSTS {
        config = config.with_resolve(host, addr);
    }
    ess_api::Client::new(
        config.with_credentials(Credentials::new("AKIDhosts", "hosts-secret").unwrap()),
    )
    .unwrap()
}

/// The host names in the ClientHellos recorded since `from`.
fn asked(seen: &Mutex<Vec<Vec<u8>>>) -> Vec<&'static str> {
    let seen = seen.lock().unwrap();
    HOSTS
        .into_iter()
        .filter(|h| {
            seen.iter().any(|hello| {
                hello
                    .windows(h.len())
                    .any(|w| w == h.as_bytes() && !hello.starts_with(b"POST"))
            })
        })
        .collect()
}

/// The smallest UploadFiles request (its one required member set).
fn upload() -> UploadFilesInput {
    UploadFilesInput::builder()
        .business_type("DOCUMENT")
        .build()
        .unwrap()
}

async fn call<A: Action>(client: &Client, input: A) {
    let r = client.send_unvalidated(input).await;
    assert!(r.is_err(), "the recorder never answers");
}

#[tokio::test]
async fn upload_files_goes_to_the_file_host_and_the_rest_to_the_api_host() {
    for (environment, api, file) in [
        (
            Environment::Production,
            "ess.tencentcloudapi.com",
            "file.ess.tencent.cn",
        ),
        (
            Environment::Test,
            "ess.test.ess.tencent.cn",
            "file.test.ess.tencent.cn",
        ),
    ] {
        let (addr, seen) = recorder().await;
        let client = client(addr, environment);
        call(&client, upload()).await;
        assert_eq!(asked(&seen), vec![file], "{environment}: UploadFiles");

        let (addr, seen) = recorder().await;
        let client = self::client(addr, environment);
        call(&client, DescribeFlowInfoInput::default()).await;
        assert_eq!(asked(&seen), vec![api], "{environment}: DescribeFlowInfo");
    }
}

#[tokio::test]
async fn an_endpoint_takes_every_action() {
    let (addr, seen) = recorder().await;
    let client = ess_api::Client::new(
        Config::default()
            .with_endpoint(format!("http://{addr}"))
            .with_retry(RetryConfig::disabled())
            .with_credentials(Credentials::new("AKIDhosts", "hosts-secret").unwrap()),
    )
    .unwrap();
    call(&client, upload()).await;
    call(&client, DescribeFlowInfoInput::default()).await;
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "both calls reached the one endpoint");
    for (request, action) in seen.iter().zip(["UploadFiles", "DescribeFlowInfo"]) {
        let text = String::from_utf8_lossy(request);
        assert!(text.starts_with("POST / HTTP/1.1"), "{text}");
        assert!(
            text.to_ascii_lowercase()
                .contains(&format!("host: {addr}").to_ascii_lowercase()),
            "{text}"
        );
        assert!(text.contains(action), "{text}");
    }
}

//! Clients configured from the process environment.
//!
//! This file holds a single test: it changes environment variables, which is
//! only sound while no other thread reads them, so the variables are set
//! before any runtime starts and nothing else runs in this process.

#[path = "client/support.rs"]
mod support;

use std::time::Duration;

use ess_api::Client;
use support::*;

#[test]
fn clients_from_the_environment() {
    let dir = std::env::temp_dir().join(format!("ess-api-client-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let profile = dir.join("credentials");
    std::fs::write(
        &profile,
        format!("[default]\nsecret_id = AKIDother\nsecret_key = other\n\n[tests]\nsecret_id = {SECRET_ID}\nsecret_key = {SECRET_KEY}\n"),
    )
    .unwrap();

    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };

    let rt = runtime();
    let server = rt.block_on(TestServer::with_options(
        ServerOptions {
            region: Some("ap-beijing".into()),
            ..ServerOptions::default()
        },
        |_| Reply::Ok,
    ));
    drop(rt);
    // The accept loop died with its runtime; start another for the rest.
    let _ = server;

    let rt = runtime();
    let server = rt.block_on(TestServer::with_options(
        ServerOptions {
            region: Some("ap-beijing".into()),
            ..ServerOptions::default()
        },
        |_| Reply::Ok,
    ));
    let endpoint = server.endpoint();

    // No thread of the runtime reads the environment while it is idle.
    std::env::set_var("TENCENTCLOUD_SECRET_ID", SECRET_ID);
    std::env::set_var("TENCENTCLOUD_SECRET_KEY", SECRET_KEY);
    std::env::set_var("TENCENTCLOUD_REGION", "ap-beijing");
    std::env::set_var("TENCENTCLOUD_ESS_ENDPOINT", &endpoint);
    // A proxy that does not exist: loopback endpoints must not use it.
    std::env::set_var("HTTP_PROXY", "http://127.0.0.1:9");
    std::env::set_var("http_proxy", "http://127.0.0.1:9");
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    let client = Client::from_env().unwrap();
    assert_eq!(client.endpoint(), format!("{endpoint}/"));
    assert_eq!(client.config().region(), Some("ap-beijing"));
    assert!(client.config().env_proxy());
    let out = rt
        .block_on(async {
            tokio::time::timeout(
                Duration::from_secs(10),
                client.send(DescribeThing::new("e")),
            )
            .await
            .unwrap()
        })
        .unwrap();
    assert_eq!(out.request_id, "req-0");
    assert_eq!(server.received()[0].check, Ok(()));

    // Keys with stray whitespace are refused, naming the variable only.
    std::env::set_var("TENCENTCLOUD_SECRET_KEY", format!("{SECRET_KEY}\n"));
    let err = Client::from_env().unwrap_err().to_string();
    assert!(err.contains("TENCENTCLOUD_SECRET_KEY"), "{err}");
    assert!(err.contains("whitespace"), "{err}");
    assert!(!err.contains(SECRET_KEY), "{err}");

    // Without the variables, a named profile of the credentials file.
    std::env::remove_var("TENCENTCLOUD_SECRET_ID");
    std::env::remove_var("TENCENTCLOUD_SECRET_KEY");
    std::env::set_var("TENCENTCLOUD_CREDENTIALS_FILE", &profile);
    let client = ess_api::Client::new(ess_api::Config::from_env().with_credentials_provider(
        ess_api::client::DefaultCredentialsChain::new().profile("tests"),
    ))
    .unwrap();
    rt.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(10),
            client.send(DescribeThing::new("f")),
        )
        .await
        .unwrap()
    })
    .unwrap();
    assert_eq!(server.received()[1].check, Ok(()));
    // The default profile holds other keys: the server refuses them.
    let client = Client::from_env().unwrap();
    let err = rt
        .block_on(async {
            tokio::time::timeout(
                Duration::from_secs(10),
                client.send(DescribeThing::new("g")),
            )
            .await
            .unwrap()
        })
        .unwrap_err();
    assert_eq!(err.code(), Some("AuthFailure.SignatureFailure"));

    std::fs::remove_dir_all(&dir).ok();
}

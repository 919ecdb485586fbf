//! Starting, inspecting and stopping the emulator.

use crate::support;

use std::time::Duration;

use ess_emulator::{defaults, Emulator, Fault, FaultKind};
use support::*;
use tokio::net::TcpStream;

#[test]
fn the_handle_can_be_shared_between_tasks() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Emulator>();
    assert_send_sync::<ess_emulator::EmulatorBuilder>();
}

#[tokio::test]
async fn binds_loopback_on_a_free_port() {
    let a = emulator().await;
    let b = emulator().await;
    assert!(a.addr().ip().is_loopback());
    assert_ne!(a.addr().port(), 0);
    assert_ne!(a.addr(), b.addr());
    assert_eq!(a.endpoint(), format!("http://{}", a.addr()));
    assert_eq!(a.public_url(), a.endpoint());
    assert_eq!(a.credentials().secret_id(), defaults::SECRET_ID);
    assert_eq!(a.credentials().secret_key(), defaults::SECRET_KEY);
    assert!(!format!("{a:?}").contains(defaults::SECRET_KEY));
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_idle_connections_and_stops_listening() {
    let emu = emulator().await;
    let addr = emu.addr();
    let mut raw = Raw::connect(addr).await;
    let spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    bounded(raw.exchange(&spec.bytes(), usize::MAX))
        .await
        .response();
    bounded(emu.shutdown()).await;
    assert!(raw.is_closed().await);
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn shutdown_lets_a_request_in_progress_finish() {
    let emu = Emulator::builder()
        .fault(Fault::next(
            FaultKind::Latency(Duration::from_millis(300)),
            1,
        ))
        .start()
        .await
        .unwrap();
    let request = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body()).bytes();
    let addr = emu.addr();
    let pending = tokio::spawn(async move { exchange(addr, &request).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    bounded(emu.shutdown()).await;
    let r = bounded(pending).await.unwrap().response();
    assert_eq!(r.error_code(), None);
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let emu = emulator().await;
    let addr = emu.addr();
    drop(emu);
    let mut refused = false;
    for _ in 0..100 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused);
}

#[tokio::test]
async fn public_url_sets_the_links() {
    let emu = Emulator::builder()
        .public_url("http://emulator.local:9000/")
        .start()
        .await
        .unwrap();
    assert_eq!(emu.public_url(), "http://emulator.local:9000");
    let out = bounded(create(&client(&emu), defaults::B2C_TEMPLATE_ID).send())
        .await
        .unwrap();
    assert!(out
        .qr_code
        .qr_code_url
        .starts_with("http://emulator.local:9000/qr/"));
    assert!(out
        .sign_urls
        .http_sign_url
        .starts_with("http://emulator.local:9000/sign/"));
    emu.shutdown().await;
}

#[tokio::test]
async fn invalid_configuration_is_refused() {
    use ess_emulator::{Organization, World};
    let world = World::new(Organization::new("short", "x", 1));
    assert!(Emulator::builder().world(world).start().await.is_err());
    let bad_fault = Fault::fraction(FaultKind::TruncatedBody, 1.5, 0);
    assert!(Emulator::builder().fault(bad_fault).start().await.is_err());
    let taken = emulator().await;
    let e = Emulator::builder()
        .bind(taken.addr())
        .start()
        .await
        .unwrap_err();
    assert!(e.to_string().contains(&taken.addr().to_string()), "{e}");
    taken.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_and_health() {
    let emu = emulator().await;
    let host = emu.addr().to_string();
    let r = exchange(
        emu.addr(),
        &plain_request("GET", "/nothing/here", &host, ""),
    )
    .await
    .response();
    assert_eq!(r.status, 404);
    let r = exchange(
        emu.addr(),
        &plain_request("GET", "/_emulator/health", &host, ""),
    )
    .await
    .response();
    let json = r.json();
    assert_eq!(json["Response"]["Status"], "ok");
    assert_eq!(json["Response"]["Version"], ess_api::service::VERSION);
    emu.shutdown().await;
}

//! What peers cannot do to the emulator: slow or partial requests, lying
//! lengths, too many connections, huge lists, unbounded state or clock
//! moves.

use crate::support;

use std::time::{Duration, Instant};

use ess_emulator::{Emulator, MAX_CLOCK_ADVANCE};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection (or `limit` passes).
async fn read_to_close(stream: &mut TcpStream, limit: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(limit, stream.read_to_end(&mut out)).await;
    out
}

#[tokio::test]
async fn a_slow_request_head_is_answered_408_within_the_head_timeout() {
    let emu = Emulator::builder()
        .head_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let mut stream = TcpStream::connect(emu.addr()).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut stream, Duration::from_secs(5)).await;
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    // An idle connection (no byte sent) is not subject to the head timeout.
    let mut idle = Raw::connect(emu.addr()).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let r = idle
        .exchange(&plain_request("GET", "/_emulator/health", "x", ""), 1 << 20)
        .await
        .response();
    assert_eq!(r.status, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn conflicting_content_lengths_are_refused() {
    let emu = emulator().await;
    for lengths in [
        "Content-Length: 2\r\nContent-Length: 3\r\n",
        "Content-Length: 2, 3\r\n",
    ] {
        let request = format!("POST / HTTP/1.1\r\nHost: x\r\n{lengths}\r\n{{}}");
        let r = exchange(emu.addr(), request.as_bytes()).await.response();
        assert_eq!(r.status, 400, "{lengths}");
        assert!(String::from_utf8_lossy(&r.body).contains("conflicting"));
    }
    // The same length twice is one length.
    let spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    let mut bytes = spec.bytes();
    let at = bytes.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let header = format!("Content-Length: {}\r\n", spec.body.len());
    bytes.splice(at..at, header.into_bytes());
    let r = exchange(emu.addr(), &bytes).await.response();
    assert_eq!(r.status, 200);
    assert_eq!(r.error_code(), None, "{}", r.error_message());
    emu.shutdown().await;
}

#[tokio::test]
async fn a_body_is_read_as_it_arrives() {
    let emu = emulator().await;
    // A declared 10 MiB body of which one byte arrives: the server waits for
    // the rest without reserving it, and still serves others.
    let mut liar = TcpStream::connect(emu.addr()).await.unwrap();
    liar.write_all(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n{",
    )
    .await
    .unwrap();
    // A real body in pieces is put together.
    let spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    let bytes = spec.bytes();
    let mut stream = TcpStream::connect(emu.addr()).await.unwrap();
    for piece in bytes.chunks(7) {
        stream.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&raw).contains("RequestId") {
        let n = bounded(stream.read(&mut chunk)).await.unwrap();
        assert!(n > 0, "closed early");
        raw.extend_from_slice(&chunk[..n]);
    }
    assert!(String::from_utf8_lossy(&raw).contains("QrCodeId"));
    // The liar closes: nothing breaks.
    drop(liar);
    let r = exchange(
        emu.addr(),
        &plain_request("GET", "/_emulator/health", "x", ""),
    )
    .await
    .response();
    assert_eq!(r.status, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_are_answered_503() {
    let emu = Emulator::builder()
        .max_connections(2)
        .start()
        .await
        .unwrap();
    let first = TcpStream::connect(emu.addr()).await.unwrap();
    let second = TcpStream::connect(emu.addr()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(emu.addr()).await.unwrap();
    let answer = read_to_close(&mut third, Duration::from_secs(5)).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("too many connections"));
    // Once one closes, a new connection is served.
    drop(first);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = exchange(
        emu.addr(),
        &plain_request("GET", "/_emulator/health", "x", ""),
    )
    .await
    .response();
    assert_eq!(r.status, 200);
    drop(second);
    emu.shutdown().await;
}

#[tokio::test]
async fn lists_longer_than_the_bound_are_refused_naming_the_member() {
    let emu = Emulator::builder()
        .rate_limits(false)
        .start()
        .await
        .unwrap();
    let restrictions = vec![r#"{"Name": "张三", "Mobile": "13800009527"}"#; 1001].join(",");
    let body = format!(
        r#"{{"Operator": {{"UserId": "{}"}}, "TemplateId": "{}", "FlowName": "x", "Restrictions": [{restrictions}]}}"#,
        ess_emulator::defaults::OPERATOR_ID,
        ess_emulator::defaults::B2C_TEMPLATE_ID
    );
    let r = send_raw(
        &emu,
        &RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &body),
    )
    .await;
    let code = r.error_code().unwrap();
    assert!(code.starts_with("InvalidParameter"), "{code}");
    assert!(
        r.error_message().contains("Restrictions has 1001 items"),
        "{}",
        r.error_message()
    );
    // Deep inside a canned action's request too.
    let ids = vec!["\"a\""; 5000].join(",");
    let body = format!(r#"{{"Operator": {{"UserId": "u"}}, "FlowIds": [{ids}]}}"#);
    let r = send_raw(&emu, &RequestSpec::new(&emu, "DescribeFlowInfo", &body)).await;
    assert!(r.error_code().unwrap().starts_with("InvalidParameter"));
    assert!(
        r.error_message().contains("FlowIds has 5000 items"),
        "{}",
        r.error_message()
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_state_is_bounded_with_a_clear_error() {
    let emu = Emulator::builder()
        .max_qr_codes(2)
        .max_flows(1)
        .start()
        .await
        .unwrap();
    let client = client(&emu);
    let mut ids = Vec::new();
    for _ in 0..2 {
        let out = create(&client, ess_emulator::defaults::B2C_TEMPLATE_ID)
            .send()
            .await
            .unwrap();
        ids.push(out.qr_code.qr_code_id);
    }
    let r = send_raw(
        &emu,
        &RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body()),
    )
    .await;
    assert_eq!(r.error_code().as_deref(), Some("LimitExceeded"));
    assert!(
        r.error_message().contains("at most 2 QR codes"),
        "{}",
        r.error_message()
    );
    let scan = |mobile: &str| emu.scan(&ess_emulator::ScanRequest::new(&ids[0], "张三", mobile));
    scan("13800009527").unwrap();
    let e = scan("13800009528").unwrap_err();
    assert_eq!(e.code(), "LimitExceeded");
    assert!(e.message().contains("at most 1 contracts"), "{e}");
    emu.shutdown().await;
}

#[tokio::test]
async fn clock_moves_are_bounded() {
    let emu = emulator().await;
    let before = emu.now();
    let post = |body: String| {
        let addr = emu.addr();
        async move {
            exchange(addr, &plain_request("POST", "/_emulator/clock", "x", &body))
                .await
                .response()
        }
    };
    let too_far = MAX_CLOCK_ADVANCE.as_secs() + 1;
    for body in [
        format!(r#"{{"AdvanceSeconds": {too_far}}}"#),
        format!(r#"{{"AdvanceSeconds": {}}}"#, u64::MAX),
        r#"{"AdvanceSeconds": -1}"#.to_owned(),
        r#"{"AdvanceSeconds": 1e300}"#.to_owned(),
    ] {
        let r = post(body.clone()).await;
        assert_eq!(
            r.error_code().as_deref(),
            Some("InvalidParameter"),
            "{body}"
        );
        assert!(
            r.error_message().contains("AdvanceSeconds"),
            "{body}: {}",
            r.error_message()
        );
    }
    assert!(emu.now() - before < 5, "the clock did not move");
    // Ten years at once is fine, but not ten times more than that in all.
    let mut refused = None;
    for i in 0..12 {
        let r = post(format!(
            r#"{{"AdvanceSeconds": {}}}"#,
            MAX_CLOCK_ADVANCE.as_secs()
        ))
        .await;
        if r.error_code().is_some() {
            refused = Some((i, r.error_message()));
            break;
        }
    }
    let (i, message) = refused.expect("a hundred years in all at most");
    assert_eq!(i, 10, "{message}");
    assert!(emu.try_advance_clock(MAX_CLOCK_ADVANCE * 2).is_err());
    emu.shutdown().await;
}

#[tokio::test]
async fn the_state_dump_pages() {
    let emu = Emulator::builder()
        .rate_limits(false)
        .start()
        .await
        .unwrap();
    let client = client(&emu);
    let mut ids = Vec::new();
    for _ in 0..5 {
        let out = create(&client, ess_emulator::defaults::B2C_TEMPLATE_ID)
            .send()
            .await
            .unwrap();
        ids.push(out.qr_code.qr_code_id);
    }
    let get = |target: &'static str| {
        let addr = emu.addr();
        async move {
            exchange(addr, &plain_request("GET", target, "x", ""))
                .await
                .response()
                .json()
        }
    };
    let all = get("/_emulator/state").await;
    assert_eq!(all["Response"]["QrCodes"].as_array().unwrap().len(), 5);
    assert_eq!(all["Response"]["TotalQrCodes"], 5);
    let page = get("/_emulator/state?offset=3&limit=10").await;
    let codes = page["Response"]["QrCodes"].as_array().unwrap();
    assert_eq!(codes.len(), 2);
    assert_eq!(codes[0]["QrCodeId"].as_str(), Some(ids[3].as_str()));
    assert_eq!(page["Response"]["TotalQrCodes"], 5);
    let bad = get("/_emulator/state?limit=-1").await;
    assert_eq!(bad["Response"]["Error"]["Code"], "InvalidParameter");
    assert!(bad["Response"]["Error"]["Message"]
        .as_str()
        .unwrap()
        .contains("limit"));
    emu.shutdown().await;
}

#[tokio::test]
async fn codes_and_contracts_are_forgotten_after_the_retention() {
    const HOUR: u64 = 3600;
    let emu = Emulator::builder()
        .retention(Duration::from_secs(HOUR))
        .start()
        .await
        .unwrap();
    // Re-signs after each move of the clock.
    let client = ess_api::Client::new(emu.config().with_retry(
        ess_api::client::RetryConfig::disabled().with_resign_on_expired_signature(true),
    ))
    .unwrap();
    let code = |days: i64| {
        let client = client.clone();
        let expires = i64::try_from(emu.now()).unwrap() + days * 86_400;
        async move {
            bounded(
                create(&client, ess_emulator::defaults::PERSON_TEMPLATE_ID)
                    .qr_code_expired_on(expires)
                    .send(),
            )
            .await
            .unwrap()
            .qr_code
            .qr_code_id
        }
    };
    let lasting = code(2).await;
    let cancelled = code(2).await;
    let signed = emu
        .scan(&ess_emulator::ScanRequest::new(
            &lasting,
            "张三",
            "13800009527",
        ))
        .unwrap()
        .flow_id;
    let open = emu
        .scan(&ess_emulator::ScanRequest::new(
            &lasting,
            "李四",
            "13900001234",
        ))
        .unwrap()
        .flow_id;
    emu.sign(&signed).unwrap();
    bounded(
        client
            .cancel_multi_flow_sign_qr_code()
            .operator(operator(ess_emulator::defaults::OPERATOR_ID))
            .qr_code_id(&cancelled)
            .send(),
    )
    .await
    .unwrap();

    // Within the retention everything is kept.
    emu.advance_clock(Duration::from_secs(HOUR - 5));
    assert!(emu.qr_code(&cancelled).is_some());
    assert!(emu.flow(&signed).is_some());

    // An hour after it ended: the cancelled code and the signed contract
    // are forgotten; the active code and the open contract stay.
    emu.advance_clock(Duration::from_secs(10));
    assert!(emu.qr_code(&cancelled).is_none());
    assert!(emu.flow(&signed).is_none());
    assert!(emu.qr_code(&lasting).is_some());
    assert!(emu.flow(&open).is_some());
    let info = bounded(
        client
            .describe_flow_briefs()
            .operator(operator(ess_emulator::defaults::OPERATOR_ID))
            .flow_ids(&signed)
            .flow_ids(&open)
            .send(),
    )
    .await
    .unwrap();
    let ids: Vec<_> = info
        .flow_briefs
        .iter()
        .map(|b| b.flow_id.as_str())
        .collect();
    assert_eq!(ids, [open.as_str()]);
    // A scan of the forgotten code finds nothing.
    let e = emu
        .scan(&ess_emulator::ScanRequest::new(
            &cancelled,
            "王五",
            "13700001111",
        ))
        .unwrap_err();
    assert_eq!(e.code(), "ResourceNotFound.QrInfo");

    // Past its deadline (7 days) and the retention, the open contract goes;
    // the code expired after 2 days, so it went before.
    emu.advance_clock(Duration::from_secs(7 * 86_400 + HOUR));
    assert!(emu.flow(&open).is_none());
    assert!(emu.qr_code(&lasting).is_none());
    let snapshot = emu.snapshot();
    assert_eq!((snapshot.total_qr_codes, snapshot.total_flows), (0, 0));
    // Forgotten, not lost: the indexes still find what is kept.
    let fresh = code(1).await;
    assert!(emu.qr_code(&fresh).is_some());
    emu.shutdown().await;
}

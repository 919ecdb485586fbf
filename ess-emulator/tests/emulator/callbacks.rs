//! Callbacks, end to end: the emulator posts to a receiver on 127.0.0.1
//! that decodes with `ess_api::callback::CallbackDecoder` (body, headers and
//! query string), as an application would, in both signature forms.

use crate::support;

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ess_api::callback::{
    Callback, CallbackDecoder, CallbackError, CallbackEvent, QuerySignature, SignatureCheck,
};
use ess_api::client::{SkewedClock, SystemClock};
use ess_api::types::{FlowCallbackStatus, FlowStatusChangeData};
use ess_emulator::callbacks::{EncryptedForm, SignatureForm};
use ess_emulator::{
    defaults, CallbackConfig, CallbackConfigError, DeliveryStatus, Emulator, EventKind,
    Organization, ScanRequest, StartError, Template, World,
};
use serde_json::Value;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const KEY: &str = "0123456789abcdef0123456789abcdef";
const TOKEN: &str = "callback-token-for-tests";
/// Base64 of `order-42`.
const USER_DATA: &str = "b3JkZXItNDI=";

/// One request as the receiver saw it.
#[derive(Debug)]
struct Received {
    at: Instant,
    /// The request target's path, without the query string.
    path: String,
    /// The query string, when the request target has one.
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// What the receiver answered.
    status: u16,
    /// What the decoder made of it.
    decoded: Result<Callback, String>,
    /// The signature check it passed, when decoded.
    signature: Option<SignatureCheck>,
    /// Whether the decoder refused it as not authentic.
    unauthentic: bool,
    /// Whether the decoder refused it as a replay (a timestamp outside its
    /// window).
    replay: bool,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn callback(&self) -> &Callback {
        self.decoded
            .as_ref()
            .unwrap_or_else(|e| panic!("not decoded: {e}"))
    }
}

/// A callback receiver on 127.0.0.1: decodes each request with its
/// decoder, answers 401 when the decoder says it is not authentic, 400 when
/// it cannot be decoded, else the next scripted status, or 200 once the
/// script is used up. Every request is recorded before it is answered.
struct Receiver {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Received>>>,
    task: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    async fn start(decoder: CallbackDecoder, script: &[u16]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        let decoder = Arc::new(decoder);
        let task = tokio::spawn({
            let log = log.clone();
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(serve(stream, decoder.clone(), script.clone(), log.clone()));
                }
            }
        });
        Receiver { addr, log, task }
    }

    fn url(&self) -> String {
        format!("http://{}/ess/callback", self.addr)
    }

    fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// Runs `f` over the requests so far.
    fn with<T>(&self, f: impl FnOnce(&[Received]) -> T) -> T {
        f(&self.log.lock().unwrap())
    }

    /// The callbacks answered with 200, in the order they were accepted.
    fn accepted(&self) -> Vec<Callback> {
        self.with(|log| {
            log.iter()
                .filter(|r| r.status == 200)
                .map(|r| r.callback().clone())
                .collect()
        })
    }
}

async fn serve(
    mut stream: TcpStream,
    decoder: Arc<CallbackDecoder>,
    script: Arc<Mutex<VecDeque<u16>>>,
    log: Arc<Mutex<Vec<Received>>>,
) {
    let mut buf = Vec::new();
    let (head_len, path, headers, length) = loop {
        let mut chunk = [0u8; 8192];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        let mut parsed = [httparse::EMPTY_HEADER; 32];
        let mut request = httparse::Request::new(&mut parsed);
        if let Ok(httparse::Status::Complete(n)) = request.parse(&buf) {
            let headers: Vec<(String, String)> = request
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_owned(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect();
            let length = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            break (n, request.path.unwrap_or("").to_owned(), headers, length);
        }
    };
    while buf.len() < head_len + length {
        let mut chunk = [0u8; 8192];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = buf[head_len..head_len + length].to_vec();
    let (path, query) = match path.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (path, None),
    };
    let result =
        decoder.decode_request(&body, headers.iter().map(|(n, v)| (n, v)), query.as_deref());
    let replay = matches!(&result, Err(e) if e.is_replay());
    let (status, decoded, signature, unauthentic) = match result {
        Ok(received) => {
            let status = script.lock().unwrap().pop_front().unwrap_or(200);
            (
                status,
                Ok(received.callback),
                Some(received.signature),
                false,
            )
        }
        Err(e) if e.is_authentication() => (401, Err(e.to_string()), None, true),
        Err(e) => (400, Err(e.to_string()), None, false),
    };
    log.lock().unwrap().push(Received {
        at: Instant::now(),
        path,
        query,
        headers,
        body,
        status,
        decoded,
        signature,
        unauthentic,
        replay,
    });
    let answer =
        format!("HTTP/1.1 {status} Whatever\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn secure_decoder() -> CallbackDecoder {
    CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN)
}

/// Retries a few milliseconds apart, so that tests stay fast.
fn config(url: String) -> CallbackConfig {
    CallbackConfig::new(url).with_retry_backoff(Duration::from_millis(10))
}

async fn emulator_with(config: CallbackConfig) -> Emulator {
    Emulator::builder()
        .callbacks(config)
        .start()
        .await
        .expect("emulator starts")
}

/// Creates a QR code through the client, with `UserData`.
async fn qr_code(emu: &Emulator, template_id: &str) -> String {
    let client = client(emu);
    bounded(create(&client, template_id).user_data(USER_DATA).send())
        .await
        .expect("code created")
        .qr_code
        .qr_code_id
}

async fn flush(emu: &Emulator) {
    bounded(emu.flush_callbacks()).await;
}

fn status_change(callback: &Callback) -> &FlowStatusChangeData {
    match &callback.event {
        CallbackEvent::FlowStatusChange(data) => data,
        other => panic!("expected FlowStatusChange, got {other:?}"),
    }
}

fn qr_data(callback: &Callback) -> &serde_json::Map<String, Value> {
    match &callback.event {
        CallbackEvent::MultiFlowSignQrCodeCost(data) | CallbackEvent::CreateFlowByQrCode(data) => {
            data
        }
        other => panic!("expected a QR code event, got {other:?}"),
    }
}

#[tokio::test]
async fn a_scan_and_a_signature_post_typed_decrypted_verified_callbacks() {
    let receiver = Receiver::start(secure_decoder(), &[]).await;
    let emu = emulator_with(config(receiver.url()).with_key(KEY).with_token(TOKEN)).await;
    let qr_code_id = qr_code(&emu, defaults::B2C_TEMPLATE_ID).await;
    flush(&emu).await;
    assert_eq!(receiver.count(), 0, "creating a code sends no callback");

    let flow = emu
        .scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    flush(&emu).await;
    let got = receiver.accepted();
    assert_eq!(got.len(), 2, "{got:?}");

    let started = status_change(&got[0]);
    assert_eq!(started.flow_id, flow.flow_id);
    assert_eq!(
        started.flow_callback_status,
        Some(FlowCallbackStatus::WaitingToSign)
    );
    assert_eq!(started.user_data.as_deref(), Some(USER_DATA));
    assert_eq!(started.flow_name.as_deref(), Some(flow.flow_name.as_str()));
    assert_eq!(started.dead_line, Some(flow.deadline as i64));
    let info = emu.flow(&flow.flow_id).unwrap();
    assert_eq!(started.create_on, Some(info.created_at as i64));
    assert_eq!(
        started.document_id.as_deref(),
        Some(info.document_id.as_str())
    );
    assert_eq!(started.unordered, Some(false));
    assert_eq!(started.operate.as_deref(), Some("start"));
    assert_eq!(got[0].msg_version.as_deref(), Some("1.0"));
    let approvers = started.approvers.as_ref().unwrap();
    assert_eq!(approvers[0]["ApproveName"], "张三");
    assert_eq!(approvers[0]["ApproveStatus"], 2);

    let cost = qr_data(&got[1]);
    assert_eq!(got[1].msg_type().as_str(), "MultiFlowSignQrCodeCost");
    assert_eq!(cost["QrCodeId"], qr_code_id.as_str());
    assert_eq!(cost["FlowId"], flow.flow_id.as_str());
    assert_eq!(cost["UserData"], USER_DATA);
    assert_eq!(cost["TemplateId"], defaults::B2C_TEMPLATE_ID);

    emu.sign(&flow.flow_id).unwrap();
    flush(&emu).await;
    let got = receiver.accepted();
    assert_eq!(got.len(), 3);
    let signed = status_change(&got[2]);
    assert_eq!(signed.flow_id, flow.flow_id);
    assert_eq!(
        signed.flow_callback_status,
        Some(FlowCallbackStatus::Signed)
    );
    assert_eq!(signed.user_data.as_deref(), Some(USER_DATA));
    assert_eq!(signed.operate.as_deref(), Some("sign"));
    assert_eq!(signed.recipient_id, started.recipient_id);
    assert_eq!(signed.approvers.as_ref().unwrap()[0]["ApproveStatus"], 3);

    // On the wire: wrapped ciphertext, signed, sent to the configured path.
    receiver.with(|log| {
        for r in log {
            assert_eq!(r.path, "/ess/callback");
            let wrapper: Value = serde_json::from_slice(&r.body).unwrap();
            assert!(wrapper["encrypt"].is_string(), "{wrapper}");
            let text = String::from_utf8_lossy(&r.body);
            assert!(
                !text.contains(&flow.flow_id) && !text.contains(USER_DATA),
                "{text}"
            );
            let signature = r.header("Content-Signature").unwrap();
            assert!(signature.starts_with("sha256=") && signature.len() == 71);
            assert_eq!(r.header("Content-Type"), Some("application/json"));
            // The header form by default: no query signature.
            assert_eq!(r.query, None);
            assert_eq!(r.signature, Some(SignatureCheck::ContentSignature));
        }
    });

    // Recorded: one attempt each, answered 200, the same messages.
    let deliveries = emu.callback_deliveries();
    assert_eq!(deliveries.len(), 3);
    for (d, callback) in deliveries.iter().zip(&got) {
        assert_eq!(d.status, DeliveryStatus::Delivered);
        assert_eq!(d.attempts.len(), 1);
        assert_eq!(d.attempts[0].status, Some(200));
        assert!(d.encrypted && d.signed);
        assert_eq!(d.url, receiver.url());
        assert_eq!(d.msg_id, callback.msg_id);
        assert_eq!(d.flow_id.as_deref(), Some(flow.flow_id.as_str()));
        assert_eq!(&Callback::from_value(d.message.clone()).unwrap(), callback);
    }
    let mut ids: Vec<_> = got.iter().map(|c| c.msg_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "every message has its own MsgId");
    assert_eq!(emu.pending_callbacks(), 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_scan_without_quota_posts_create_flow_by_qr_code_in_the_bare_form() {
    let world = World::new(
        Organization::new(defaults::ORGANIZATION_ID, "小公司", 1)
            .with_operator(defaults::OPERATOR_ID),
    )
    .with_template(Template::person_only(
        defaults::PERSON_TEMPLATE_ID,
        "个人声明书",
    ));
    let receiver = Receiver::start(secure_decoder(), &[]).await;
    let emu = Emulator::builder()
        .world(world)
        .callbacks(
            config(receiver.url())
                .with_key(KEY)
                .with_token(TOKEN)
                .with_form(EncryptedForm::Bare),
        )
        .start()
        .await
        .unwrap();
    let qr_code_id = qr_code(&emu, defaults::PERSON_TEMPLATE_ID).await;
    let first = emu
        .scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    let refused = emu
        .scan(&ScanRequest::new(&qr_code_id, "李四", "13900001234"))
        .unwrap_err();
    assert_eq!(refused.code(), "OperationDenied.NoQuota");
    flush(&emu).await;

    let got = receiver.accepted();
    let types: Vec<_> = got
        .iter()
        .map(|c| c.msg_type().as_str().to_owned())
        .collect();
    assert_eq!(types.len(), 3, "{types:?}");
    // The first contract's two messages are in order; the refusal is
    // about another key, so it may come before, between or after them.
    let first_messages: Vec<_> = types
        .iter()
        .filter(|t| *t != "CreateFlowByQrCode")
        .collect();
    assert_eq!(
        first_messages,
        ["FlowStatusChange", "MultiFlowSignQrCodeCost"]
    );
    let refusal = got
        .iter()
        .find(|c| matches!(c.event, CallbackEvent::CreateFlowByQrCode(_)))
        .expect("a CreateFlowByQrCode message");
    let data = qr_data(refusal);
    assert_eq!(data["QrCodeId"], qr_code_id.as_str());
    assert_eq!(data["UserData"], USER_DATA);
    assert_eq!(data["ApproverName"], "李四");
    assert_eq!(data["ApproverMobile"], "139****1234");
    assert_eq!(data["ErrorCode"], "OperationDenied.NoQuota");
    assert!(data.get("FlowId").is_none(), "no contract was started");
    assert_ne!(refusal.msg_id, got[0].msg_id);
    let text = serde_json::to_string(data).unwrap();
    assert!(
        !text.contains("13900001234"),
        "the mobile is masked: {text}"
    );

    receiver.with(|log| {
        for r in log {
            assert!(r
                .body
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b)));
            assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
        }
    });
    assert!(emu.events().iter().any(|e| matches!(
        &e.kind,
        EventKind::ScanRefusedNoQuota { qr_code_id: id, .. } if *id == qr_code_id
    )));
    assert_eq!(
        emu.flow(&first.flow_id).map(|f| f.flow_id),
        Some(first.flow_id)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_message_on_the_third_attempt() {
    let receiver = Receiver::start(CallbackDecoder::new(), &[500, 500]).await;
    let backoff = Duration::from_millis(60);
    let emu = emulator_with(
        CallbackConfig::new(receiver.url())
            .with_retry_backoff(backoff)
            .with_max_attempts(5),
    )
    .await;
    let qr_code_id = qr_code(&emu, defaults::B2C_TEMPLATE_ID).await;
    emu.scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    flush(&emu).await;

    let deliveries = emu.callback_deliveries();
    assert_eq!(deliveries.len(), 2);
    let first = &deliveries[0];
    assert_eq!(first.msg_type, "FlowStatusChange");
    assert_eq!(first.status, DeliveryStatus::Delivered);
    let statuses: Vec<_> = first.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200)]);
    assert_eq!(
        first.attempts.iter().map(|a| a.number).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(deliveries[1].attempts.len(), 1);
    assert_eq!(deliveries[1].status, DeliveryStatus::Delivered);

    receiver.with(|log| {
        assert_eq!(
            log.iter().map(|r| r.status).collect::<Vec<_>>(),
            [500, 500, 200, 200]
        );
        // The same message each time, the pauses doubling.
        assert!(log[..3].iter().all(|r| r.body == log[0].body));
        assert_eq!(log[0].callback().msg_id, first.msg_id);
        assert!(log[1].at - log[0].at >= backoff);
        assert!(log[2].at - log[1].at >= backoff * 2);
        assert_eq!(
            log[3].callback().msg_type().as_str(),
            "MultiFlowSignQrCodeCost"
        );
        // Plain mode: JSON as it is, unsigned.
        let plain: Value = serde_json::from_slice(&log[0].body).unwrap();
        assert_eq!(plain["MsgId"], first.msg_id.as_str());
        assert!(log.iter().all(|r| r.header("Content-Signature").is_none()));
    });
    emu.shutdown().await;
}

#[tokio::test]
async fn a_receiver_with_another_token_refuses_and_the_emulator_gives_up() {
    let decoder = CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token("not-the-emulators-token");
    let receiver = Receiver::start(decoder, &[]).await;
    let emu = emulator_with(
        config(receiver.url())
            .with_key(KEY)
            .with_token(TOKEN)
            .with_max_attempts(3),
    )
    .await;
    let qr_code_id = qr_code(&emu, defaults::B2C_TEMPLATE_ID).await;
    emu.scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    flush(&emu).await;

    let deliveries = emu.callback_deliveries();
    assert_eq!(deliveries.len(), 2);
    for d in &deliveries {
        assert_eq!(d.status, DeliveryStatus::Failed, "{d:?}");
        assert_eq!(
            d.attempts.iter().map(|a| a.status).collect::<Vec<_>>(),
            [Some(401); 3]
        );
    }
    assert_eq!(receiver.count(), 6);
    receiver.with(|log| {
        assert!(log.iter().all(|r| r.unauthentic && r.status == 401));
        let expected = CallbackError::BadSignature.to_string();
        assert!(log
            .iter()
            .all(|r| r.decoded.as_ref().err() == Some(&expected)));
    });
    // Given up: nothing more arrives.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.count(), 6);
    assert_eq!(emu.pending_callbacks(), 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_receiver_is_recorded_and_given_up() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", closed.local_addr().unwrap());
    drop(closed);
    let emu = emulator_with(config(url).with_max_attempts(2)).await;
    let qr_code_id = qr_code(&emu, defaults::B2C_TEMPLATE_ID).await;
    emu.scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    flush(&emu).await;
    let deliveries = emu.callback_deliveries();
    assert_eq!(deliveries.len(), 2);
    for d in deliveries {
        assert_eq!(d.status, DeliveryStatus::Failed);
        assert_eq!(d.attempts.len(), 2);
        assert!(d
            .attempts
            .iter()
            .all(|a| a.status.is_none() && a.error.is_some()));
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn the_messages_of_a_contract_arrive_in_order_despite_retries() {
    // 204 is not 200: the service, and the emulator, post again.
    let receiver = Receiver::start(secure_decoder(), &[500, 204, 500]).await;
    let emu = emulator_with(config(receiver.url()).with_key(KEY).with_token(TOKEN)).await;
    let qr_code_id = qr_code(&emu, defaults::B2C_TEMPLATE_ID).await;
    let mut flows = Vec::new();
    for (name, mobile) in [("张三", "13800009527"), ("李四", "13900001234")] {
        let flow = emu
            .scan(&ScanRequest::new(&qr_code_id, name, mobile))
            .unwrap();
        flows.push(flow.flow_id);
    }
    for flow_id in &flows {
        emu.sign(flow_id).unwrap();
    }
    flush(&emu).await;

    // Per contract: started, quota used, signed; each attempt of a message
    // either repeats the previous message or follows its acceptance.
    let mut by_flow: HashMap<String, Vec<(String, u16)>> = HashMap::new();
    receiver.with(|log| {
        for r in log {
            let callback = r.callback();
            let flow_id = match &callback.event {
                CallbackEvent::FlowStatusChange(d) => d.flow_id.clone(),
                other => other.to_data().unwrap()["FlowId"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            };
            by_flow
                .entry(flow_id)
                .or_default()
                .push((callback.msg_id.clone(), r.status));
        }
    });
    assert_eq!(by_flow.len(), 2);
    for (flow_id, requests) in &by_flow {
        for pair in requests.windows(2) {
            let ((previous, status), (next, _)) = (&pair[0], &pair[1]);
            assert!(
                next == previous || *status == 200,
                "{flow_id}: {next} was posted before {previous} was accepted: {requests:?}"
            );
        }
    }
    let accepted = receiver.accepted();
    for flow_id in &flows {
        let kinds: Vec<String> = accepted
            .iter()
            .filter(|c| match &c.event {
                CallbackEvent::FlowStatusChange(d) => d.flow_id == *flow_id,
                other => other.to_data().unwrap()["FlowId"] == flow_id.as_str(),
            })
            .map(|c| match &c.event {
                CallbackEvent::FlowStatusChange(d) => {
                    format!("{:?}", d.flow_callback_status.as_ref().unwrap())
                }
                other => other.msg_type().as_str().to_owned(),
            })
            .collect();
        assert_eq!(
            kinds,
            ["WaitingToSign", "MultiFlowSignQrCodeCost", "Signed"],
            "{flow_id}"
        );
    }
    assert_eq!(
        receiver.with(|log| log.iter().filter(|r| r.status != 200).count()),
        3
    );
    assert_eq!(receiver.count(), 9, "six messages, three of them twice");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_contract_past_its_deadline_posts_expired() {
    let receiver = Receiver::start(CallbackDecoder::new(), &[]).await;
    let emu = emulator_with(config(receiver.url())).await;
    let client = client(&emu);
    let qr_code_id = bounded(
        create(&client, defaults::PERSON_TEMPLATE_ID)
            .flow_effective_day(2)
            .send(),
    )
    .await
    .unwrap()
    .qr_code
    .qr_code_id;
    let flow = emu
        .scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    flush(&emu).await;
    assert_eq!(receiver.accepted().len(), 2);

    emu.advance_clock(Duration::from_secs(86_400));
    flush(&emu).await;
    assert_eq!(receiver.accepted().len(), 2, "one day of two: not expired");

    emu.advance_clock(Duration::from_secs(86_400 + 1));
    flush(&emu).await;
    let got = receiver.accepted();
    assert_eq!(got.len(), 3);
    let expired = status_change(&got[2]);
    assert_eq!(expired.flow_id, flow.flow_id);
    assert_eq!(
        expired.flow_callback_status,
        Some(FlowCallbackStatus::Expired)
    );
    assert_eq!(expired.operate.as_deref(), Some("expire"));
    assert_eq!(
        expired.unordered,
        Some(true),
        "person-only templates are unordered"
    );
    assert_eq!(expired.dead_line, Some(flow.deadline as i64));
    assert!(emu.events().iter().any(|e| matches!(
        &e.kind,
        EventKind::FlowExpired { flow_id, .. } if *flow_id == flow.flow_id
    )));

    // Expired once; signing is refused and posts nothing.
    assert_eq!(
        emu.sign(&flow.flow_id).unwrap_err().code(),
        "OperationDenied.FlowHasTerminated"
    );
    emu.advance_clock(Duration::from_secs(86_400));
    flush(&emu).await;
    assert_eq!(receiver.accepted().len(), 3);
    emu.shutdown().await;
}

#[tokio::test]
async fn api_answers_never_wait_for_callbacks() {
    // A receiver that accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    let emu = emulator_with(
        config(url)
            .with_timeout(Duration::from_secs(5))
            .with_max_attempts(1),
    )
    .await;
    let qr_code_id = qr_code(&emu, defaults::B2C_TEMPLATE_ID).await;

    let host = emu.addr().to_string();
    let started = Instant::now();
    let body =
        format!(r#"{{"QrCodeId": "{qr_code_id}", "Name": "张三", "Mobile": "13800009527"}}"#);
    let r = exchange(
        emu.addr(),
        &plain_request("POST", "/_emulator/scan", &host, &body),
    )
    .await
    .response();
    let flow_id = r.json()["Response"]["FlowId"].as_str().unwrap().to_owned();
    let sign = format!(r#"{{"FlowId": "{flow_id}"}}"#);
    let r = exchange(
        emu.addr(),
        &plain_request("POST", "/_emulator/sign", &host, &sign),
    )
    .await
    .response();
    assert_eq!(r.json()["Response"]["Flow"]["Status"], "Signed");
    let spec = RequestSpec::new(&emu, "CreateMultiFlowSignQRCode", &create_body());
    assert_eq!(send_raw(&emu, &spec).await.error_code(), None);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answers waited for callbacks: {:?}",
        started.elapsed()
    );
    assert_eq!(emu.pending_callbacks(), 3, "all three still queued");
    let d = emu.callback_deliveries();
    assert!(d.iter().all(|d| d.status == DeliveryStatus::Pending));

    // Stopping drops what is queued instead of waiting for it.
    let started = Instant::now();
    bounded(emu.shutdown()).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    held.abort();
}

#[tokio::test]
async fn callbacks_are_configured_over_http() {
    let receiver = Receiver::start(secure_decoder(), &[]).await;
    let emu = emulator().await;
    let host = emu.addr().to_string();
    let call = |method: &'static str, path: &'static str, body: String| {
        let host = host.clone();
        let addr = emu.addr();
        async move {
            exchange(addr, &plain_request(method, path, &host, &body))
                .await
                .response()
        }
    };

    let r = call("GET", "/_emulator/callbacks", String::new()).await;
    assert_eq!(r.json()["Response"]["Config"], Value::Null);

    let refused = [
        (
            r#"{"Url": "http://192.0.2.7/cb"}"#.to_owned(),
            "not a loopback address",
        ),
        (
            r#"{"Url": "https://127.0.0.1/cb"}"#.to_owned(),
            "not supported",
        ),
        (
            format!(
                r#"{{"Url": "{}", "Key": "short-secret-key"}}"#,
                receiver.url()
            ),
            "32 bytes",
        ),
        (
            format!(
                r#"{{"Url": "{}", "AllowNonLoopback": true}}"#,
                receiver.url()
            ),
            "AllowNonLoopback",
        ),
        (
            format!(r#"{{"Url": "{}", "EncryptedForm": "zip"}}"#, receiver.url()),
            "wrapped",
        ),
    ];
    for (body, why) in refused {
        let r = call("POST", "/_emulator/callbacks", body.clone()).await;
        assert_eq!(
            r.error_code().as_deref(),
            Some("InvalidParameter"),
            "{body}"
        );
        assert!(
            r.error_message().contains(why),
            "{body}: {}",
            r.error_message()
        );
        assert!(!r.error_message().contains("short-secret-key"));
    }
    assert_eq!(emu.callback_config(), None);

    let body = format!(
        r#"{{"Url": "{}", "Key": "{KEY}", "Token": "{TOKEN}", "EncryptedForm": "bare", "MaxAttempts": 2, "RetryBackoffMs": 10, "TimeoutMs": 2000}}"#,
        receiver.url()
    );
    let r = call("POST", "/_emulator/callbacks", body).await;
    assert_eq!(r.error_code(), None, "{}", r.error_message());
    let text = String::from_utf8_lossy(&r.body).into_owned();
    assert!(!text.contains(KEY) && !text.contains(TOKEN), "{text}");
    let shown = &r.json()["Response"]["Config"];
    assert_eq!(shown["Url"], receiver.url().as_str());
    assert_eq!(shown["Encrypted"], true);
    assert_eq!(shown["Signed"], true);
    assert_eq!(shown["EncryptedForm"], "bare");
    assert_eq!(shown["MaxAttempts"], 2);
    assert_eq!(shown["AllowNonLoopback"], false);
    let config = emu.callback_config().unwrap();
    assert_eq!(config.key.as_deref(), Some(KEY));
    assert_eq!(config.form, EncryptedForm::Bare);

    let qr_code_id = qr_code(&emu, defaults::B2C_TEMPLATE_ID).await;
    let r = call(
        "POST",
        "/_emulator/scan",
        format!(r#"{{"QrCodeId": "{qr_code_id}", "Name": "张三", "Mobile": "13800009527"}}"#),
    )
    .await;
    let flow_id = r.json()["Response"]["FlowId"].as_str().unwrap().to_owned();
    call(
        "POST",
        "/_emulator/sign",
        format!(r#"{{"FlowId": "{flow_id}"}}"#),
    )
    .await;
    let r = call("POST", "/_emulator/callbacks/flush", String::new()).await;
    let flushed = r.json();
    assert_eq!(flushed["Response"]["Pending"], 0);
    let deliveries = flushed["Response"]["Deliveries"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(deliveries.len(), 3);
    assert!(deliveries.iter().all(|d| d["Status"] == "Delivered"));
    assert_eq!(
        deliveries[0]["Message"]["MsgData"]["FlowId"],
        flow_id.as_str()
    );
    assert_eq!(deliveries[0]["Attempts"][0]["Status"], 200);
    assert_eq!(receiver.accepted().len(), 3);
    let last = status_change(&receiver.accepted()[2]).clone();
    assert_eq!(last.flow_callback_status, Some(FlowCallbackStatus::Signed));

    let r = call("GET", "/_emulator/callbacks?since=2", String::new()).await;
    let later = r.json()["Response"]["Deliveries"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0]["Id"], 3);
    let r = call("GET", "/_emulator/callbacks?since=x", String::new()).await;
    assert_eq!(r.error_code().as_deref(), Some("InvalidParameter"));
    let r = call(
        "POST",
        "/_emulator/callbacks/flush",
        r#"{"TimeoutMs": 99999999}"#.to_owned(),
    )
    .await;
    assert_eq!(r.error_code().as_deref(), Some("InvalidParameter"));
    assert_eq!(
        call("GET", "/_emulator/callbacks/flush", String::new())
            .await
            .status,
        405
    );
    assert_eq!(
        call("PUT", "/_emulator/callbacks", String::new())
            .await
            .status,
        405
    );

    // Removed: later changes post nothing.
    let r = call("DELETE", "/_emulator/callbacks", String::new()).await;
    assert_eq!(r.json()["Response"]["Config"], Value::Null);
    emu.scan(&ScanRequest::new(&qr_code_id, "李四", "13900001234"))
        .unwrap();
    call("POST", "/_emulator/callbacks/flush", String::new()).await;
    assert_eq!(receiver.count(), 3);
    assert_eq!(emu.callback_deliveries().len(), 3);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_world_file_configures_callbacks_and_the_builder_overrides_it() {
    let from_world = Receiver::start(secure_decoder(), &[]).await;
    let text = format!(
        "[organization]\nid = \"{}\"\ncontract_quota = 5\noperators = [\"{}\"]\n\n\
         [[templates]]\nid = \"{}\"\nkind = \"person-only\"\n\n\
         [callbacks]\nurl = \"{}\"\nkey = \"{KEY}\"\ntoken = \"{TOKEN}\"\nretry_backoff_ms = 10\n",
        defaults::ORGANIZATION_ID,
        defaults::OPERATOR_ID,
        defaults::PERSON_TEMPLATE_ID,
        from_world.url()
    );
    let world = World::from_toml_str(&text, "world.toml").unwrap();
    let emu = Emulator::builder()
        .world(world.clone())
        .start()
        .await
        .unwrap();
    let qr_code_id = qr_code(&emu, defaults::PERSON_TEMPLATE_ID).await;
    emu.scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    flush(&emu).await;
    let got = from_world.accepted();
    assert_eq!(got.len(), 2);
    assert_eq!(status_change(&got[0]).user_data.as_deref(), Some(USER_DATA));
    emu.shutdown().await;

    let from_builder = Receiver::start(CallbackDecoder::new(), &[]).await;
    let emu = Emulator::builder()
        .world(world)
        .callbacks(config(from_builder.url()))
        .start()
        .await
        .unwrap();
    let qr_code_id = qr_code(&emu, defaults::PERSON_TEMPLATE_ID).await;
    emu.scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    flush(&emu).await;
    assert_eq!(from_builder.accepted().len(), 2);
    assert_eq!(
        from_world.count(),
        2,
        "the world's receiver got nothing more"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_configurations_are_refused_and_secrets_never_shown() {
    let start =
        |config: CallbackConfig| async move { Emulator::builder().callbacks(config).start().await };
    match start(CallbackConfig::new("http://203.0.113.5:8080/cb")).await {
        Err(StartError::Callbacks(CallbackConfigError::NotLoopback { host, .. })) => {
            assert_eq!(host, "203.0.113.5")
        }
        other => panic!("{other:?}"),
    }
    match start(CallbackConfig::new("https://127.0.0.1/cb")).await {
        Err(StartError::Callbacks(CallbackConfigError::Url { .. })) => {}
        other => panic!("{other:?}"),
    }
    let e = start(CallbackConfig::new("http://127.0.0.1:1/").with_key("k-e-y-that-is-too-short"))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        StartError::Callbacks(CallbackConfigError::KeyLength { len: 23 })
    ));
    assert!(!e.to_string().contains("k-e-y"));
    // Explicitly allowed: it starts (and posts nothing, as nothing happens).
    let emu = start(CallbackConfig::new("http://203.0.113.5:8080/cb").allow_non_loopback(true))
        .await
        .unwrap();
    assert!(emu.callback_config().unwrap().allow_non_loopback);
    emu.flush_callbacks().await;
    assert!(emu.callback_deliveries().is_empty());

    // At run time too; the configuration in force is kept.
    let e = emu
        .set_callbacks(Some(CallbackConfig::new("http://198.51.100.1/")))
        .unwrap_err();
    assert!(matches!(e, CallbackConfigError::NotLoopback { .. }));
    assert_eq!(
        emu.callback_config().unwrap().url,
        "http://203.0.113.5:8080/cb"
    );
    emu.shutdown().await;

    let builder = Emulator::builder().callbacks(
        CallbackConfig::new("http://127.0.0.1:1/")
            .with_key(KEY)
            .with_token(TOKEN),
    );
    let debug = format!("{builder:?}");
    assert!(!debug.contains(KEY) && !debug.contains(TOKEN), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    let world = World::default().with_callbacks(
        CallbackConfig::new("http://127.0.0.1:1/")
            .with_key(KEY)
            .with_token(TOKEN),
    );
    let shown = format!("{world:?}{}", world.to_toml());
    assert!(!shown.contains(KEY) && !shown.contains(TOKEN), "{shown}");
}

#[tokio::test]
async fn without_a_configuration_nothing_is_posted() {
    let receiver = Receiver::start(CallbackDecoder::new(), &[]).await;
    let emu = emulator().await;
    let qr_code_id = qr_code(&emu, defaults::B2C_TEMPLATE_ID).await;
    let flow = emu
        .scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    emu.sign(&flow.flow_id).unwrap();
    bounded(emu.flush_callbacks()).await;
    assert!(emu.callback_deliveries().is_empty());
    assert_eq!(emu.pending_callbacks(), 0);

    // Configured later: only later changes are posted.
    emu.set_callbacks(Some(config(receiver.url()))).unwrap();
    flush(&emu).await;
    assert_eq!(receiver.count(), 0, "earlier events are not posted");
    emu.scan(&ScanRequest::new(&qr_code_id, "李四", "13900001234"))
        .unwrap();
    flush(&emu).await;
    assert_eq!(receiver.accepted().len(), 2);
    emu.shutdown().await;
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

#[tokio::test]
async fn the_command_posts_callbacks_configured_by_flags_and_environment() {
    let receiver = Receiver::start(secure_decoder(), &[]).await;
    let mut command = Command::new(env!("CARGO_BIN_EXE_ess-emulator"));
    for (name, _) in std::env::vars() {
        if name.starts_with("ESS_EMULATOR_") {
            command.env_remove(name);
        }
    }
    let mut running = Running(
        command
            .args([
                "--port",
                "0",
                "--callback-url",
                &receiver.url(),
                "--callback-form",
                "bare",
                "--callback-attempts",
                "2",
            ])
            .env("ESS_EMULATOR_CALLBACK_KEY", KEY)
            .env("ESS_EMULATOR_CALLBACK_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let child = &mut running.0;
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    while !banner.contains("state is in memory") {
        assert!(stdout.read_line(&mut banner).unwrap() > 0, "{banner}");
    }
    let endpoint = banner
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("ESS emulator listening on "))
        .unwrap_or_else(|| panic!("unexpected banner {banner:?}"))
        .to_owned();
    assert!(
        banner.contains(&format!(
            "callbacks to {} (encrypted, bare, signed, 2 attempts at most)",
            receiver.url()
        )),
        "{banner}"
    );
    let host = endpoint.strip_prefix("http://").unwrap().to_owned();
    let addr: SocketAddr = host.parse().unwrap();

    let client = ess_api::Client::new(
        ess_api::Config::default()
            .with_endpoint(endpoint.clone())
            .with_credentials(ess_emulator::default_credentials()),
    )
    .unwrap();
    let qr_code_id = bounded(
        create(&client, defaults::B2C_TEMPLATE_ID)
            .user_data(USER_DATA)
            .send(),
    )
    .await
    .unwrap()
    .qr_code
    .qr_code_id;
    let body =
        format!(r#"{{"QrCodeId": "{qr_code_id}", "Name": "张三", "Mobile": "13800009527"}}"#);
    let r = exchange(
        addr,
        &plain_request("POST", "/_emulator/scan", &host, &body),
    )
    .await
    .response();
    let flow_id = r.json()["Response"]["FlowId"].as_str().unwrap().to_owned();
    let r = exchange(
        addr,
        &plain_request("POST", "/_emulator/callbacks/flush", &host, ""),
    )
    .await
    .response();
    assert_eq!(r.json()["Response"]["Pending"], 0);
    let got = receiver.accepted();
    assert_eq!(got.len(), 2);
    let started = status_change(&got[0]);
    assert_eq!(started.flow_id, flow_id);
    assert_eq!(started.user_data.as_deref(), Some(USER_DATA));

    let _ = child.kill();
    let _ = child.wait();
    let mut rest = String::new();
    let _ = stdout.read_to_string(&mut rest);
    let mut log = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut log);
    assert!(log.contains("callback delivered"), "{log}");
    let everything = format!("{banner}{rest}{log}");
    assert!(
        !everything.contains(KEY) && !everything.contains(TOKEN),
        "{everything}"
    );
}

/// A decoder like [`secure_decoder`] whose clock is `offset_secs` ahead of
/// the system's (the emulator's clock after `advance_clock`).
fn secure_decoder_ahead(offset_secs: i64) -> CallbackDecoder {
    secure_decoder().with_clock(SkewedClock::new(SystemClock, offset_secs))
}

#[tokio::test]
async fn a_query_signed_callback_is_verified_and_decoded_into_a_typed_event() {
    let receiver = Receiver::start(secure_decoder(), &[]).await;
    let emu = emulator_with(
        config(receiver.url())
            .with_key(KEY)
            .with_token(TOKEN)
            .with_signature_form(SignatureForm::Query),
    )
    .await;
    let qr_code_id = qr_code(&emu, defaults::B2C_TEMPLATE_ID).await;
    let flow = emu
        .scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    emu.sign(&flow.flow_id).unwrap();
    flush(&emu).await;

    // Decoded into typed events, in order.
    let got = receiver.accepted();
    assert_eq!(got.len(), 3, "{got:?}");
    let started = status_change(&got[0]);
    assert_eq!(started.flow_id, flow.flow_id);
    assert_eq!(
        started.flow_callback_status,
        Some(FlowCallbackStatus::WaitingToSign)
    );
    assert_eq!(started.user_data.as_deref(), Some(USER_DATA));
    assert_eq!(qr_data(&got[1])["FlowId"], flow.flow_id.as_str());
    let signed = status_change(&got[2]);
    assert_eq!(
        signed.flow_callback_status,
        Some(FlowCallbackStatus::Signed)
    );

    // On the wire: the query form only, dated by the emulator's clock,
    // each with its own nonce, checked as such by the decoder.
    let now = emu.now();
    receiver.with(|log| {
        assert_eq!(log.len(), 3);
        let mut nonces = Vec::new();
        for r in log {
            assert_eq!(r.path, "/ess/callback");
            assert_eq!(r.header("Content-Signature"), None);
            let query = r.query.as_deref().expect("a query string");
            let q = QuerySignature::from_query(query).unwrap().unwrap();
            assert!(q.timestamp().abs_diff(now) <= 5, "{query} at {now}");
            assert_eq!(
                r.signature,
                Some(SignatureCheck::Query {
                    timestamp: q.timestamp()
                })
            );
            let wrapper: Value = serde_json::from_slice(&r.body).unwrap();
            assert!(wrapper["encrypt"].is_string(), "{wrapper}");
            nonces.push(q.nonce().to_owned());
        }
        nonces.sort();
        nonces.dedup();
        assert_eq!(nonces.len(), 3, "a fresh nonce for every request");
    });
    let deliveries = emu.callback_deliveries();
    assert!(deliveries
        .iter()
        .all(|d| d.status == DeliveryStatus::Delivered && d.signed));

    // A receiver that only reads headers cannot verify these.
    let header_only = CallbackDecoder::new()
        .with_key(KEY)
        .unwrap()
        .with_token(TOKEN);
    receiver.with(|log| {
        let err = header_only
            .decode(&log[0].body, log[0].headers.iter().map(|(n, v)| (n, v)))
            .unwrap_err();
        assert!(matches!(err, CallbackError::MissingSignature), "{err:?}");
    });
    assert_eq!(
        emu.callback_config().unwrap().signature_form,
        SignatureForm::Query
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn both_forms_on_a_bare_body_are_both_checked() {
    let receiver = Receiver::start(secure_decoder(), &[]).await;
    let emu = emulator_with(
        config(format!("{}?tenant=t-1", receiver.url()))
            .with_key(KEY)
            .with_token(TOKEN)
            .with_form(EncryptedForm::Bare)
            .with_signature_form(SignatureForm::Both),
    )
    .await;
    let qr_code_id = qr_code(&emu, defaults::B2C_TEMPLATE_ID).await;
    emu.scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    flush(&emu).await;
    assert_eq!(receiver.accepted().len(), 2);
    receiver.with(|log| {
        for r in log {
            assert!(r.header("Content-Signature").is_some());
            let query = r.query.as_deref().unwrap();
            // The URL's own query is kept, the signature added after it.
            assert!(query.starts_with("tenant=t-1&timestamp="), "{query}");
            assert!(matches!(
                r.signature,
                Some(SignatureCheck::ContentSignatureAndQuery { .. })
            ));
            assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
        }
    });
    emu.shutdown().await;
}

#[tokio::test]
async fn query_signatures_follow_the_emulators_clock_and_a_replay_window_refuses_them() {
    // The emulator's clock an hour ahead: its timestamps are an hour
    // ahead of a receiver that reads the system clock.
    let strict = Receiver::start(secure_decoder(), &[]).await;
    let emu = emulator_with(
        config(strict.url())
            .with_key(KEY)
            .with_token(TOKEN)
            .with_signature_form(SignatureForm::Query)
            .with_max_attempts(2),
    )
    .await;
    // Created first: the API client signs with the system clock.
    let qr_code_id = qr_code(&emu, defaults::B2C_TEMPLATE_ID).await;
    emu.advance_clock(Duration::from_secs(3600));
    emu.scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    flush(&emu).await;
    assert!(strict.accepted().is_empty());
    strict.with(|log| {
        assert_eq!(log.len(), 4, "two messages, two attempts each");
        for r in log {
            assert!(r.unauthentic && r.replay && r.status == 401, "{r:?}");
            let err = r.decoded.as_ref().unwrap_err();
            assert!(err.contains("outside the allowed window of 300 s"), "{err}");
        }
        // Each attempt is signed afresh: same body, another nonce.
        let q = |r: &Received| {
            QuerySignature::from_query(r.query.as_deref().unwrap())
                .unwrap()
                .unwrap()
        };
        assert_eq!(log[0].body, log[1].body);
        assert_ne!(q(&log[0]).nonce(), q(&log[1]).nonce());
    });
    assert!(emu
        .callback_deliveries()
        .iter()
        .all(|d| d.status == DeliveryStatus::Failed));

    // A receiver whose clock agrees with the emulator's accepts them.
    let agreeing = Receiver::start(secure_decoder_ahead(3600), &[]).await;
    emu.set_callbacks(Some(
        config(agreeing.url())
            .with_key(KEY)
            .with_token(TOKEN)
            .with_signature_form(SignatureForm::Query),
    ))
    .unwrap();
    emu.scan(&ScanRequest::new(&qr_code_id, "李四", "13900001234"))
        .unwrap();
    flush(&emu).await;
    assert_eq!(agreeing.accepted().len(), 2);
    agreeing.with(|log| {
        for r in log {
            let timestamp = r.signature.unwrap().timestamp().unwrap();
            assert!(timestamp.abs_diff(emu.now()) <= 5);
        }
    });
    emu.shutdown().await;
}

#[tokio::test]
async fn the_world_file_chooses_the_query_form() {
    let receiver = Receiver::start(secure_decoder(), &[]).await;
    let text = format!(
        "[organization]\nid = \"{}\"\ncontract_quota = 5\noperators = [\"{}\"]\n\n\
         [[templates]]\nid = \"{}\"\nkind = \"person-only\"\n\n\
         [callbacks]\nurl = \"{}\"\nkey = \"{KEY}\"\ntoken = \"{TOKEN}\"\n\
         signature_form = \"query\"\nretry_backoff_ms = 10\n",
        defaults::ORGANIZATION_ID,
        defaults::OPERATOR_ID,
        defaults::PERSON_TEMPLATE_ID,
        receiver.url()
    );
    let world = World::from_toml_str(&text, "world.toml").unwrap();
    assert_eq!(
        world.callbacks.as_ref().unwrap().signature_form,
        SignatureForm::Query
    );
    let emu = Emulator::builder().world(world).start().await.unwrap();
    let qr_code_id = qr_code(&emu, defaults::PERSON_TEMPLATE_ID).await;
    emu.scan(&ScanRequest::new(&qr_code_id, "张三", "13800009527"))
        .unwrap();
    flush(&emu).await;
    let got = receiver.accepted();
    assert_eq!(got.len(), 2);
    assert_eq!(status_change(&got[0]).user_data.as_deref(), Some(USER_DATA));
    receiver.with(|log| {
        assert!(log
            .iter()
            .all(|r| matches!(r.signature, Some(SignatureCheck::Query { .. }))))
    });

    // Without a key, a token cannot sign in the query form: refused, with
    // the key named and no secret shown.
    let bad = text.replace(&format!("key = \"{KEY}\"\n"), "");
    let err = World::from_toml_str(&bad, "world.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs a callback key"), "{err}");
    assert!(!err.contains(TOKEN), "{err}");
    match Emulator::builder()
        .callbacks(
            CallbackConfig::new(receiver.url())
                .with_token(TOKEN)
                .with_signature_form(SignatureForm::Both),
        )
        .start()
        .await
    {
        Err(StartError::Callbacks(CallbackConfigError::QuerySignatureNeedsKey)) => {}
        other => panic!("{other:?}"),
    }
    emu.shutdown().await;
}

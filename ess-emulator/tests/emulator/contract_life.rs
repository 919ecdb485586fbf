//! The contract's life after the QR code, and from files, end to end and
//! offline: the real client over HTTP, scans, signatures and refusals
//! through the control endpoint, the contract's PDF fetched from the link
//! DescribeFileUrls gives, and the callbacks as a receiver on 127.0.0.1
//! decodes them, in order.

use crate::support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ess_api::callback::{Callback, CallbackDecoder, CallbackEvent};
use ess_api::client::RetryConfig;
use ess_api::types::{ApproverInfo, FlowCallbackStatus, FlowCreateApprover, UploadFile};
use ess_api::{Client, SdkError, ServiceError};
use ess_emulator::{defaults, CallbackConfig, DeliveryStatus, Emulator, FlowStatus};
use serde_json::Value;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const KEY: &str = "0123456789abcdef0123456789abcdef";
const TOKEN: &str = "contract-life-token";
/// Base64 of `order-7`.
const USER_DATA: &str = "b3JkZXItNw==";
/// A one-page PDF, as a client would upload it.
const UPLOAD_PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// A callback receiver on 127.0.0.1 that decodes every request as an
/// application would and answers 200 to those it can verify.
struct Receiver {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Callback>>>,
    task: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let decoder = Arc::new(
            CallbackDecoder::new()
                .with_key(KEY)
                .unwrap()
                .with_token(TOKEN),
        );
        let task = tokio::spawn({
            let received = received.clone();
            async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let decoder = decoder.clone();
                    let received = received.clone();
                    tokio::spawn(async move {
                        let mut buf = Vec::new();
                        let (head_len, headers, length, query) = loop {
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
                                let query = request
                                    .path
                                    .and_then(|p| p.split_once('?'))
                                    .map(|(_, q)| q.to_owned());
                                break (n, headers, length, query);
                            }
                        };
                        while buf.len() < head_len + length {
                            let mut chunk = [0u8; 8192];
                            match stream.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        let body = &buf[head_len..head_len + length];
                        let status = match decoder.decode_request(
                            body,
                            headers.iter().map(|(n, v)| (n, v)),
                            query.as_deref(),
                        ) {
                            Ok(r) => {
                                received.lock().unwrap().push(r.callback);
                                200
                            }
                            Err(_) => 400,
                        };
                        let answer = format!(
                            "HTTP/1.1 {status} Done\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        );
                        let _ = stream.write_all(answer.as_bytes()).await;
                        let _ = stream.shutdown().await;
                    });
                }
            }
        });
        Receiver {
            addr,
            received,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/ess/callback", self.addr)
    }

    /// `(MsgType, FlowCallbackStatus)` of every callback so far, in order.
    fn kinds(&self) -> Vec<(String, Option<i64>)> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|c| match &c.event {
                CallbackEvent::FlowStatusChange(d) => (
                    "FlowStatusChange".to_owned(),
                    d.flow_callback_status.map(FlowCallbackStatus::as_i64),
                ),
                CallbackEvent::MultiFlowSignQrCodeCost(_) => {
                    ("MultiFlowSignQrCodeCost".into(), None)
                }
                other => (format!("{other:?}"), None),
            })
            .collect()
    }

    fn status_changes(&self) -> Vec<ess_api::types::FlowStatusChangeData> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter_map(|c| match &c.event {
                CallbackEvent::FlowStatusChange(d) => Some((**d).clone()),
                _ => None,
            })
            .collect()
    }
}

async fn emulator_with_receiver(receiver: &Receiver) -> Emulator {
    Emulator::builder()
        .callbacks(
            CallbackConfig::new(receiver.url())
                .with_key(KEY)
                .with_token(TOKEN)
                .with_retry_backoff(Duration::from_millis(20)),
        )
        .start()
        .await
        .expect("emulator starts")
}

/// A client that re-signs when the emulator's clock was moved, and
/// otherwise makes one attempt.
fn client_for(emu: &Emulator) -> Client {
    ess_api::Client::new(
        emu.config()
            .with_retry(RetryConfig::disabled().with_resign_on_expired_signature(true))
            .with_timeout(Duration::from_secs(10)),
    )
    .unwrap()
}

/// The code of a refused call.
fn code<T: std::fmt::Debug, E: ServiceError>(result: Result<T, SdkError<E>>) -> String {
    match result {
        Err(SdkError::Service(e)) => e.code().to_owned(),
        other => panic!("expected a service error, got {other:?}"),
    }
}

/// `POST /_emulator/<what>` with a JSON body; the `Response` object.
async fn control(emu: &Emulator, what: &str, body: &str) -> Value {
    let r = exchange(
        emu.addr(),
        &plain_request("POST", &format!("/_emulator/{what}"), "127.0.0.1", body),
    )
    .await
    .response();
    assert_eq!(r.status, 200);
    r.json()["Response"].clone()
}

/// `GET` of one of the emulator's links.
async fn get(emu: &Emulator, url: &str) -> RawResponse {
    let path = url
        .strip_prefix(emu.endpoint())
        .unwrap_or_else(|| panic!("{url} is not a link to the emulator"));
    exchange(emu.addr(), &plain_request("GET", path, "127.0.0.1", ""))
        .await
        .response()
}

async fn new_code(client: &Client) -> String {
    bounded(
        create(client, defaults::B2C_TEMPLATE_ID)
            .user_data(USER_DATA)
            .flow_name_append_scanner_info(true)
            .send(),
    )
    .await
    .unwrap()
    .qr_code
    .qr_code_id
}

async fn scan(emu: &Emulator, qr_code_id: &str) -> String {
    let started = control(
        emu,
        "scan",
        &format!(r#"{{"QrCodeId": "{qr_code_id}", "Name": "张三", "Mobile": "13800009527"}}"#),
    )
    .await;
    started["FlowId"]
        .as_str()
        .unwrap_or_else(|| panic!("no contract started: {started}"))
        .to_owned()
}

async fn flush(emu: &Emulator) {
    bounded(emu.flush_callbacks()).await;
    assert!(emu
        .callback_deliveries()
        .iter()
        .all(|d| d.status == DeliveryStatus::Delivered));
}

#[tokio::test]
async fn from_a_qr_code_to_a_signed_contract_and_its_pdf() {
    let receiver = Receiver::start().await;
    let emu = emulator_with_receiver(&receiver).await;
    let client = client_for(&emu);
    let op = || operator(defaults::OPERATOR_ID);

    // The world's templates, as DescribeFlowTemplates lists them.
    let templates = bounded(client.describe_flow_templates().operator(op()).send())
        .await
        .unwrap();
    assert_eq!(templates.total_count, emu.world().templates.len() as i64);
    let b2c = templates
        .templates
        .iter()
        .find(|t| t.template_id.as_deref() == Some(defaults::B2C_TEMPLATE_ID))
        .expect("the B2C template is listed");
    let kinds: Vec<_> = b2c
        .recipients
        .iter()
        .flatten()
        .map(|r| r.recipient_type.clone().unwrap())
        .collect();
    assert_eq!(kinds, ["INDIVIDUAL", "ENTERPRISE"], "company not first");

    let qr_code_id = new_code(&client).await;
    let flow_id = scan(&emu, &qr_code_id).await;

    let briefs = bounded(
        client
            .describe_flow_briefs()
            .operator(op())
            .flow_ids(&flow_id)
            .flow_ids("yDunknownFlow0000000000000000001")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(briefs.flow_briefs.len(), 1, "unknown ids are skipped");
    assert_eq!(briefs.flow_briefs[0].flow_status, 1, "waiting to sign");
    assert_eq!(briefs.flow_briefs[0].flow_name, "员工入职合同-张三-9527");
    assert_eq!(
        briefs.flow_briefs[0].template_id.as_deref(),
        Some(defaults::B2C_TEMPLATE_ID)
    );

    // A sign link for the person who scanned leads to the contract's page.
    let link = bounded(
        client
            .create_flow_sign_url()
            .flow_id(&flow_id)
            .flow_approver_infos(
                FlowCreateApprover::builder()
                    .approver_type(1)
                    .approver_name("张三")
                    .approver_mobile("13800009527")
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .await
    .unwrap();
    let url = &link.flow_approver_url_infos[0].sign_url;
    assert!(url.contains(&flow_id), "{url}");
    let page = get(&emu, url).await;
    assert_eq!(page.status, 200);
    let html = String::from_utf8_lossy(&page.body);
    assert!(
        html.contains("waiting to sign") && html.contains("Sign</button>"),
        "{html}"
    );

    // The person signs, through the control endpoint.
    let signed = control(&emu, "sign", &format!(r#"{{"FlowId": "{flow_id}"}}"#)).await;
    assert_eq!(signed["Flow"]["Status"], "Signed", "{signed}");

    let info = bounded(
        client
            .describe_flow_info()
            .operator(op())
            .flow_ids(&flow_id)
            .send(),
    )
    .await
    .unwrap();
    let detail = &info.flow_detail_infos[0];
    assert_eq!(detail.flow_id, flow_id);
    assert_eq!(detail.flow_status, 4, "signed");
    assert_eq!(detail.creator, defaults::OPERATOR_ID);
    let approver = &detail.flow_approver_infos[0];
    assert_eq!(approver.approve_name, "张三");
    assert_eq!(approver.approve_status, 3, "signed");
    assert_eq!(approver.approve_type, "PERSON");
    assert!(approver.approve_time >= detail.created_on);

    // The contract's file: a PDF served by the emulator.
    let urls = bounded(
        client
            .describe_file_urls()
            .operator(op())
            .business_type("FLOW")
            .business_ids(&flow_id)
            .url_ttl(600)
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(urls.total_count, 1);
    assert!(urls.file_urls[0].option.contains("width"));
    let pdf = get(&emu, &urls.file_urls[0].url).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("Content-Type"), Some("application/pdf"));
    assert!(
        pdf.body.starts_with(b"%PDF"),
        "{:?}",
        &pdf.body[..16.min(pdf.body.len())]
    );
    let text = String::from_utf8_lossy(&pdf.body);
    assert!(text.contains(&format!("Contract {flow_id}")), "{text}");
    // Parentheses are escaped in a PDF string.
    assert!(text.contains(r"Status: signed \(FlowStatus 4\)"), "{text}");
    assert!(text.trim_end().ends_with("%%EOF"));

    // The callbacks, in the order of the contract's life.
    flush(&emu).await;
    assert_eq!(
        receiver.kinds(),
        [
            ("FlowStatusChange".to_owned(), Some(1)),
            ("MultiFlowSignQrCodeCost".to_owned(), None),
            ("FlowStatusChange".to_owned(), Some(4)),
        ]
    );
    let changes = receiver.status_changes();
    assert!(changes.iter().all(|c| c.flow_id == flow_id));
    assert_eq!(changes[1].operate.as_deref(), Some("sign"));
    assert_eq!(changes[1].user_data.as_deref(), Some(USER_DATA));
    assert_eq!(
        changes[1].approvers.as_ref().unwrap()[0]["ApproveStatus"],
        3
    );

    // A sign link for a signed contract is refused.
    assert_eq!(
        code(bounded(client.create_flow_sign_url().flow_id(&flow_id).send()).await),
        "FailedOperation"
    );

    // The link stops working after its time to live.
    emu.advance_clock(Duration::from_secs(601));
    assert_eq!(get(&emu, &urls.file_urls[0].url).await.status, 403);
    emu.shutdown().await;
}

#[tokio::test]
async fn cancelling_a_contract() {
    let receiver = Receiver::start().await;
    let emu = emulator_with_receiver(&receiver).await;
    let client = client_for(&emu);
    let op = || operator(defaults::OPERATOR_ID);
    let qr_code_id = new_code(&client).await;
    let flow_id = scan(&emu, &qr_code_id).await;

    let cancel = |message: &str| {
        client
            .cancel_flow()
            .operator(op())
            .flow_id(&flow_id)
            .cancel_message(message)
    };
    assert_eq!(
        code(bounded(cancel(" ").send()).await),
        "MissingParameter.CancelReason"
    );
    assert_eq!(
        code(bounded(cancel("金额错误😀").send()).await),
        "InvalidParameter.CancelReason"
    );
    assert_eq!(
        code(
            bounded(
                client
                    .cancel_flow()
                    .operator(op())
                    .flow_id("yDunknownFlow0000000000000000001")
                    .cancel_message("金额错误")
                    .send()
            )
            .await
        ),
        "ResourceNotFound.Flow"
    );
    assert_eq!(
        code(
            bounded(
                client
                    .cancel_flow()
                    .operator(operator("yDnotAnEmployee00000000000000001"))
                    .flow_id(&flow_id)
                    .cancel_message("金额错误")
                    .send()
            )
            .await
        ),
        "OperationDenied"
    );
    bounded(cancel("金额错误").send()).await.unwrap();

    let brief = bounded(
        client
            .describe_flow_briefs()
            .operator(op())
            .flow_ids(&flow_id)
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(brief.flow_briefs[0].flow_status, 6, "cancelled");
    assert_eq!(brief.flow_briefs[0].flow_message, "金额错误");
    assert_eq!(emu.flow(&flow_id).unwrap().status, FlowStatus::Cancelled);

    // Over: neither cancelled again, nor signed, nor refused.
    assert_eq!(
        code(bounded(cancel("again").send()).await),
        "OperationDenied.FlowHasTerminated"
    );
    let signed = control(&emu, "sign", &format!(r#"{{"FlowId": "{flow_id}"}}"#)).await;
    assert_eq!(
        signed["Error"]["Code"], "OperationDenied.FlowHasTerminated",
        "{signed}"
    );

    flush(&emu).await;
    let changes = receiver.status_changes();
    let statuses: Vec<_> = changes
        .iter()
        .map(|c| c.flow_callback_status.unwrap().as_i64())
        .collect();
    assert_eq!(statuses, [1, 6]);
    assert_eq!(changes[1].operate.as_deref(), Some("cancel"));
    assert_eq!(
        changes[1].approvers.as_ref().unwrap()[0]["ApproveStatus"],
        6
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn refusing_to_sign() {
    let receiver = Receiver::start().await;
    let emu = emulator_with_receiver(&receiver).await;
    let client = client_for(&emu);
    let qr_code_id = new_code(&client).await;
    let flow_id = scan(&emu, &qr_code_id).await;

    let refused = control(
        &emu,
        "reject",
        &format!(r#"{{"FlowId": "{flow_id}", "Reason": "工资不对"}}"#),
    )
    .await;
    assert_eq!(refused["Flow"]["Status"], "Rejected", "{refused}");
    assert_eq!(refused["Flow"]["Message"], "工资不对");

    let info = bounded(
        client
            .describe_flow_info()
            .operator(operator(defaults::OPERATOR_ID))
            .flow_ids(&flow_id)
            .send(),
    )
    .await
    .unwrap();
    let detail = &info.flow_detail_infos[0];
    assert_eq!(detail.flow_status, 3, "refused");
    assert_eq!(detail.flow_message, "工资不对");
    assert_eq!(detail.flow_approver_infos[0].approve_status, 4);
    assert_eq!(detail.flow_approver_infos[0].approve_message, "工资不对");

    let again = control(&emu, "reject", &format!(r#"{{"FlowId": "{flow_id}"}}"#)).await;
    assert_eq!(again["Error"]["Code"], "OperationDenied.FlowHasTerminated");
    let unknown = control(
        &emu,
        "reject",
        r#"{"FlowId": "yDunknownFlow0000000000000000001"}"#,
    )
    .await;
    assert_eq!(unknown["Error"]["Code"], "ResourceNotFound.Flow");

    flush(&emu).await;
    let changes = receiver.status_changes();
    assert_eq!(changes.len(), 2);
    assert_eq!(
        changes[1].flow_callback_status,
        Some(FlowCallbackStatus::Refused)
    );
    assert_eq!(changes[1].operate.as_deref(), Some("reject"));
    let approver = &changes[1].approvers.as_ref().unwrap()[0];
    assert_eq!(approver["ApproveStatus"], 4);
    assert_eq!(approver["ApproveMessage"], "工资不对");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_contract_past_its_deadline_expires() {
    let receiver = Receiver::start().await;
    let emu = emulator_with_receiver(&receiver).await;
    let client = client_for(&emu);
    let qr_code_id = bounded(
        create(&client, defaults::PERSON_TEMPLATE_ID)
            .flow_effective_day(1)
            .send(),
    )
    .await
    .unwrap()
    .qr_code
    .qr_code_id;
    let flow_id = scan(&emu, &qr_code_id).await;
    emu.advance_clock(Duration::from_secs(86_400 + 1));

    let info = bounded(
        client
            .describe_flow_info()
            .operator(operator(defaults::OPERATOR_ID))
            .flow_ids(&flow_id)
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(info.flow_detail_infos[0].flow_status, 5, "expired");
    assert_eq!(
        info.flow_detail_infos[0].flow_approver_infos[0].approve_status,
        5
    );
    let sign = control(&emu, "sign", &format!(r#"{{"FlowId": "{flow_id}"}}"#)).await;
    assert_eq!(sign["Error"]["Code"], "OperationDenied.FlowHasTerminated");
    assert_eq!(
        code(
            bounded(
                client
                    .cancel_flow()
                    .operator(operator(defaults::OPERATOR_ID))
                    .flow_id(&flow_id)
                    .cancel_message("太晚")
                    .send()
            )
            .await
        ),
        "OperationDenied.FlowHasTerminated"
    );

    flush(&emu).await;
    let statuses: Vec<_> = receiver
        .status_changes()
        .iter()
        .map(|c| c.flow_callback_status.unwrap().as_i64())
        .collect();
    assert_eq!(statuses, [1, 5]);
    emu.shutdown().await;
}

fn pdf_upload() -> UploadFile {
    UploadFile::builder()
        .file_body(b64(UPLOAD_PDF))
        .file_name("劳动合同.pdf")
        .build()
        .unwrap()
}

async fn upload(client: &Client, business_type: &str, file: UploadFile) -> String {
    bounded(
        client
            .upload_files()
            .caller(
                ess_api::types::Caller::builder()
                    .operator_id(defaults::OPERATOR_ID)
                    .build()
                    .unwrap(),
            )
            .business_type(business_type)
            .file_infos(file)
            .send(),
    )
    .await
    .unwrap()
    .file_ids[0]
        .clone()
}

fn company(name: &str) -> ApproverInfo {
    ApproverInfo::builder()
        .approver_type(0)
        .organization_name(name)
        .approver_name("李经理")
        .approver_mobile("13900001234")
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

#[tokio::test]
async fn a_contract_from_an_uploaded_file_signed_in_order() {
    let receiver = Receiver::start().await;
    let emu = emulator_with_receiver(&receiver).await;
    let client = client_for(&emu);
    let op = || operator(defaults::OPERATOR_ID);
    let file_id = upload(&client, "DOCUMENT", pdf_upload()).await;
    let org = emu.world().organization.name.clone();
    let quota = emu.quota_remaining();

    let by_files = || {
        client
            .create_flow_by_files()
            .operator(op())
            .flow_name("劳动合同")
            .file_ids(&file_id)
    };

    // Refusals, each with its code; none starts a contract.
    assert_eq!(
        code(bounded(by_files().send()).await),
        "MissingParameter.FlowApprover"
    );
    assert_eq!(
        code(
            bounded(
                by_files()
                    .approvers(
                        ApproverInfo::builder()
                            .approver_type(0)
                            .approver_name("李经理")
                            .approver_mobile("13900001234")
                            .build()
                            .unwrap()
                    )
                    .send()
            )
            .await
        ),
        "MissingParameter.ApproverOrganizationInfo"
    );
    assert_eq!(
        code(bounded(by_files().approvers(person()).approvers(person()).send()).await),
        "OperationDenied.ApproverRepeat"
    );
    assert_eq!(
        code(
            bounded(
                by_files()
                    .approvers(person())
                    .deadline(i64::try_from(emu.now()).unwrap() - 1)
                    .send()
            )
            .await
        ),
        "InvalidParameter.FlowDeadLine"
    );
    assert_eq!(
        code(
            bounded(
                client
                    .create_flow_by_files()
                    .operator(op())
                    .flow_name("劳动合同")
                    .file_ids("yDunknownFile0000000000000000001")
                    .approvers(person())
                    .send()
            )
            .await
        ),
        "ResourceNotFound.NotExistResource"
    );
    let png: &[u8] = &[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n', 0, 0];
    let seal = upload(
        &client,
        "SEAL",
        UploadFile::builder()
            .file_body(b64(png))
            .file_name("seal.png")
            .build()
            .unwrap(),
    )
    .await;
    assert_eq!(
        code(
            bounded(
                client
                    .create_flow_by_files()
                    .operator(op())
                    .flow_name("劳动合同")
                    .file_ids(&seal)
                    .approvers(person())
                    .send()
            )
            .await
        ),
        "OperationDenied.FileNoMatchResource"
    );
    assert_eq!(emu.flows().len(), 0);

    // A preview starts nothing and links to the file.
    let preview = bounded(by_files().approvers(person()).need_preview(true).send())
        .await
        .unwrap();
    assert!(preview.flow_id.is_empty());
    let file = get(&emu, &preview.preview_url).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body, UPLOAD_PDF);
    assert_eq!(emu.flows().len(), 0);

    // The organization signs first, then the person.
    let out = bounded(
        by_files()
            .approvers(company(&org))
            .approvers(person())
            .flow_description("入职")
            .user_data(USER_DATA)
            .send(),
    )
    .await
    .unwrap();
    let flow_id = out.flow_id.clone();
    assert_eq!(flow_id.len(), 32);
    let recipients: Vec<String> = out
        .approvers
        .unwrap()
        .into_iter()
        .map(|a| a.recipient_id.unwrap())
        .collect();
    assert_eq!(recipients.len(), 2);
    assert_eq!(emu.quota_remaining(), quota - 1, "one contract of quota");

    // Not the person's turn yet.
    let early = control(
        &emu,
        "sign",
        &format!(
            r#"{{"FlowId": "{flow_id}", "RecipientId": "{}"}}"#,
            recipients[1]
        ),
    )
    .await;
    assert_eq!(early["Error"]["Code"], "OperationDenied", "{early}");
    let nobody = control(
        &emu,
        "sign",
        &format!(r#"{{"FlowId": "{flow_id}", "RecipientId": "yDnobody000000000000000000000001"}}"#),
    )
    .await;
    assert_eq!(nobody["Error"]["Code"], "ResourceNotFound.FlowApprover");

    let first = control(&emu, "sign", &format!(r#"{{"FlowId": "{flow_id}"}}"#)).await;
    assert_eq!(first["Flow"]["Status"], "PartlySigned", "{first}");
    let brief = bounded(
        client
            .describe_flow_briefs()
            .operator(op())
            .flow_ids(&flow_id)
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(brief.flow_briefs[0].flow_status, 2, "partly signed");
    assert_eq!(brief.flow_briefs[0].flow_description, "入职");

    let second = control(
        &emu,
        "sign",
        &format!(
            r#"{{"FlowId": "{flow_id}", "RecipientId": "{}"}}"#,
            recipients[1]
        ),
    )
    .await;
    assert_eq!(second["Flow"]["Status"], "Signed", "{second}");

    let info = bounded(
        client
            .describe_flow_info()
            .operator(op())
            .flow_ids(&flow_id)
            .send(),
    )
    .await
    .unwrap();
    let detail = &info.flow_detail_infos[0];
    assert_eq!(detail.flow_status, 4);
    assert_eq!(detail.template_id, None);
    let approvers: Vec<_> = detail
        .flow_approver_infos
        .iter()
        .map(|a| {
            (
                a.approve_type.as_str(),
                a.approve_status,
                a.recipient_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        approvers,
        [
            ("ORGANIZATION", 3, recipients[0].as_str()),
            ("PERSON", 3, recipients[1].as_str())
        ]
    );
    assert_eq!(
        detail.flow_approver_infos[0].organization_id,
        defaults::ORGANIZATION_ID
    );

    let urls = bounded(
        client
            .describe_file_urls()
            .operator(op())
            .business_type("FLOW")
            .business_ids(&flow_id)
            .send(),
    )
    .await
    .unwrap();
    let pdf = get(&emu, &urls.file_urls[0].url).await;
    assert!(pdf.body.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&pdf.body).contains(&format!("uploaded file {file_id}")));

    flush(&emu).await;
    let changes = receiver.status_changes();
    let statuses: Vec<_> = changes
        .iter()
        .map(|c| c.flow_callback_status.unwrap().as_i64())
        .collect();
    assert_eq!(statuses, [1, 2, 4], "started, partly signed, signed");
    assert!(changes.iter().all(|c| c.flow_id == flow_id));
    assert_eq!(changes[0].unordered, Some(false));
    assert_eq!(changes[0].user_data.as_deref(), Some(USER_DATA));
    assert_eq!(
        changes[1].recipient_id.as_deref(),
        Some(recipients[0].as_str())
    );
    assert_eq!(
        changes[2].recipient_id.as_deref(),
        Some(recipients[1].as_str())
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn lookups_refuse_what_the_world_does_not_have() {
    let emu = emulator().await;
    let client = client_for(&emu);
    let op = || operator(defaults::OPERATOR_ID);
    let qr_code_id = new_code(&client).await;
    let flow_id = scan(&emu, &qr_code_id).await;

    let urls = || {
        client
            .describe_file_urls()
            .operator(op())
            .business_ids(&flow_id)
    };
    assert_eq!(
        code(bounded(urls().business_type("TEMPLATE").send()).await),
        "InvalidParameter.BusinessType"
    );
    assert_eq!(
        code(bounded(urls().business_type("NOPE").send()).await),
        "InvalidParameter.BusinessType"
    );
    assert_eq!(
        code(
            bounded(
                urls()
                    .business_type("FLOW")
                    .business_ids("yDunknownFlow0000000000000000001")
                    .send()
            )
            .await
        ),
        "InvalidParameter.BusinessId"
    );
    assert_eq!(
        code(bounded(urls().business_type("FLOW").file_type("ZIP").send()).await),
        "InvalidParameter"
    );

    assert_eq!(
        code(
            bounded(
                client
                    .describe_flow_info()
                    .operator(op())
                    .flow_group_id("yDgroup0000000000000000000000001")
                    .send()
            )
            .await
        ),
        "ResourceNotFound.Resource"
    );
    assert_eq!(
        code(bounded(client.describe_flow_info().operator(op()).send()).await),
        "MissingParameter"
    );

    let templates = |key: &str, value: &str| {
        client.describe_flow_templates().operator(op()).filters(
            ess_api::types::Filter::builder()
                .key(key)
                .values(value)
                .build()
                .unwrap(),
        )
    };
    let one = bounded(templates("template-id", defaults::PERSON_TEMPLATE_ID).send())
        .await
        .unwrap();
    assert_eq!(one.total_count, 1);
    assert_eq!(
        one.templates[0].template_id.as_deref(),
        Some(defaults::PERSON_TEMPLATE_ID)
    );
    assert_eq!(
        code(bounded(templates("colour", "red").send()).await),
        "InvalidParameter"
    );
    assert_eq!(
        code(
            bounded(
                client
                    .describe_flow_templates()
                    .operator(op())
                    .content_type(2)
                    .send()
            )
            .await
        ),
        "InvalidParameter.ContentType"
    );
    let page = bounded(
        client
            .describe_flow_templates()
            .operator(op())
            .offset(1u64)
            .limit(2u64)
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(page.total_count, emu.world().templates.len() as i64);
    assert_eq!(page.templates.len(), 2);
    assert_eq!(
        page.templates[0].template_id.as_deref(),
        Some(emu.world().templates[1].id.as_str())
    );

    // A link to a contract the emulator does not have.
    let missing = get(&emu, &format!("{}/files/flows/nope.pdf", emu.endpoint())).await;
    assert_eq!(missing.status, 404);
    emu.shutdown().await;
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

//! The page at `/_emulator/` over HTTP, as a browser would see it: the QR
//! codes' images, the contracts, the callbacks, and the forms that scan,
//! sign and refuse, answered with a redirect back to the page. Everything
//! shown is escaped. (`browser.rs` drives it from a real browser.)

use crate::support;

use ess_api::types::ApproverRestriction;
use ess_emulator::{defaults, FlowStatus};
use support::*;

/// `GET path` on the emulator.
async fn get(emu: &ess_emulator::Emulator, path: &str) -> RawResponse {
    exchange(emu.addr(), &plain_request("GET", path, "127.0.0.1", ""))
        .await
        .response()
}

fn text(r: &RawResponse) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// A form posted as a browser posts it.
async fn post_form(
    emu: &ess_emulator::Emulator,
    path: &str,
    fields: &[(&str, &str)],
) -> RawResponse {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    exchange(emu.addr(), request.as_bytes()).await.response()
}

/// Posts a form, checks the redirect back to the page and follows it.
async fn submit(emu: &ess_emulator::Emulator, action: &str, fields: &[(&str, &str)]) -> String {
    let r = post_form(emu, &format!("/_emulator/ui/{action}"), fields).await;
    assert_eq!(r.status, 303, "{}", text(&r));
    let location = r.header("Location").expect("a redirect").to_owned();
    assert!(location.starts_with("/_emulator/?notice="), "{location}");
    let page = get(emu, &location).await;
    assert_eq!(page.status, 200);
    text(&page)
}

#[tokio::test]
async fn the_page_shows_codes_contracts_and_callbacks_and_its_buttons_work() {
    let emu = emulator().await;
    let client = client(&emu);

    let empty = get(&emu, "/_emulator/").await;
    assert_eq!(empty.status, 200);
    assert_eq!(
        empty.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(text(&empty).contains("No QR code yet"));
    let bare = get(&emu, "/_emulator").await;
    assert_eq!(bare.status, 308);
    assert_eq!(bare.header("Location"), Some("/_emulator/"));

    let hostile = "<script>alert('x')</script>&\"";
    let code = bounded(
        create(&client, defaults::B2C_TEMPLATE_ID)
            .qr_code_name(hostile)
            .send(),
    )
    .await
    .unwrap()
    .qr_code
    .qr_code_id;
    let page = text(&get(&emu, "/_emulator/").await);
    assert!(
        page.contains(&format!("<img class=\"qr-image\" src=\"/qr/{code}.png\"")),
        "{page}"
    );
    assert!(!page.contains("<script>"), "names are escaped");
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
    // The image the page points at is the code's PNG.
    let png = get(&emu, &format!("/qr/{code}.png")).await;
    assert_eq!(png.header("Content-Type"), Some("image/png"));
    assert!(png.body.starts_with(b"\x89PNG"));

    // A scan by someone with a wrong mobile is refused, and says why.
    let refused = submit(
        &emu,
        "scan",
        &[("QrCodeId", &code), ("Name", "张三"), ("Mobile", "123")],
    )
    .await;
    assert!(
        refused.contains("scan refused: InvalidParameter.Mobile"),
        "{refused}"
    );
    assert!(emu.flows().is_empty());

    let started = submit(
        &emu,
        "scan",
        &[
            ("QrCodeId", &code),
            ("Name", "张三"),
            ("Mobile", "13800009527"),
            ("IdCardNumber", ""),
        ],
    )
    .await;
    let flows = emu.flows();
    assert_eq!(flows.len(), 1);
    let first = flows[0].flow_id.clone();
    assert!(started.contains("张三 started the contract"), "{started}");
    assert!(started.contains(&format!("data-flow-id=\"{first}\"")));
    assert!(started.contains("waiting to sign (1)"));
    assert!(started.contains(&format!("id=\"sign-{first}\"")));

    let signed = submit(&emu, "sign", &[("FlowId", &first), ("RecipientId", "")]).await;
    assert!(signed.contains("signed (4)"), "{signed}");
    assert_eq!(emu.flow(&first).unwrap().status, FlowStatus::Signed);
    assert!(
        !signed.contains(&format!("id=\"sign-{first}\"")),
        "no button once over"
    );

    submit(
        &emu,
        "scan",
        &[
            ("QrCodeId", &code),
            ("Name", "李四"),
            ("Mobile", "13900001234"),
        ],
    )
    .await;
    let second = emu.flows()[1].flow_id.clone();
    let rejected = submit(
        &emu,
        "reject",
        &[("FlowId", &second), ("Reason", "<b>不签</b>")],
    )
    .await;
    assert!(rejected.contains("refused (3)"), "{rejected}");
    assert_eq!(emu.flow(&second).unwrap().message, "<b>不签</b>");

    let again = submit(&emu, "sign", &[("FlowId", &second)]).await;
    assert!(
        again.contains("not signed: OperationDenied.FlowHasTerminated"),
        "{again}"
    );
    let missing = submit(&emu, "scan", &[("Name", "张三")]).await;
    assert!(missing.contains("QrCodeId is missing"), "{missing}");
    let unknown = post_form(&emu, "/_emulator/ui/nothing", &[]).await;
    assert_eq!(unknown.status, 303);
    assert_eq!(get(&emu, "/_emulator/ui/scan").await.status, 405);

    // The contract's own page, and its PDF.
    let own = text(&get(&emu, &format!("/flows/{second}")).await);
    assert!(own.contains("Reason: &lt;b&gt;不签&lt;/b&gt;"), "{own}");
    assert_eq!(get(&emu, "/flows/nope").await.status, 404);
    let pdf = get(&emu, &format!("/files/flows/{first}.pdf")).await;
    assert!(pdf.body.starts_with(b"%PDF"));
    emu.shutdown().await;
}

#[tokio::test]
async fn a_code_with_declared_people_has_a_button_for_each() {
    let emu = emulator().await;
    let client = client(&emu);
    let person = |name: &str, mobile: &str| {
        ApproverRestriction::builder()
            .name(name)
            .mobile(mobile)
            .build()
            .unwrap()
    };
    let code = bounded(
        create(&client, defaults::PERSON_TEMPLATE_ID)
            .restrictions(person("张三", "13800009527"))
            .restrictions(person("李四", "13900001234"))
            .send(),
    )
    .await
    .unwrap()
    .qr_code
    .qr_code_id;
    let page = text(&get(&emu, "/_emulator/").await);
    assert!(
        page.contains("Simulate a scan by 张三 (138****9527)"),
        "{page}"
    );
    assert!(page.contains("Simulate a scan by 李四 (139****1234)"));
    assert!(page.contains(&format!("id=\"scan-{code}-1\"")));

    let after = submit(
        &emu,
        "scan",
        &[
            ("QrCodeId", &code),
            ("Name", "李四"),
            ("Mobile", "13900001234"),
            ("IdCardNumber", ""),
        ],
    )
    .await;
    assert!(after.contains("李四 started the contract"), "{after}");
    emu.shutdown().await;
}

#[tokio::test]
async fn the_page_lists_callbacks_and_their_answers() {
    // A receiver that is not there: every attempt fails, and the page says so.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    drop(listener);
    let emu = ess_emulator::Emulator::builder()
        .callbacks(
            ess_emulator::CallbackConfig::new(url.clone())
                .with_max_attempts(1)
                .with_retry_backoff(std::time::Duration::from_millis(10)),
        )
        .start()
        .await
        .unwrap();
    let client = client(&emu);
    let code = bounded(create(&client, defaults::B2C_TEMPLATE_ID).send())
        .await
        .unwrap()
        .qr_code
        .qr_code_id;
    submit(
        &emu,
        "scan",
        &[
            ("QrCodeId", &code),
            ("Name", "张三"),
            ("Mobile", "13800009527"),
        ],
    )
    .await;
    bounded(emu.flush_callbacks()).await;
    let page = text(&get(&emu, "/_emulator/").await);
    assert!(
        page.contains(&format!("Posted to <code>{url}</code>")),
        "{page}"
    );
    assert_eq!(page.matches("<tr class=\"callback\">").count(), 2, "{page}");
    assert!(page.contains("FlowStatusChange") && page.contains("MultiFlowSignQrCodeCost"));
    assert!(page.contains("failed"));
    emu.shutdown().await;
}

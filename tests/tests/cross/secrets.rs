//! Secret hygiene: the secret key, the session token, the callback key and
//! the callback token never show in `Debug` or `Display` of anything that
//! holds or derives from them, nor in the tracing output of calls that
//! succeed or fail; personal data of a request (names, mobiles, identity
//! card numbers) is redacted from `Debug` of requests and builders and
//! never reaches the tracing output either.
//!
//! Every secret here contains the marker `NeverPrintMe`, so one search
//! finds any of them, whole or cut.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ess_api::callback::{CallbackDecoder, CallbackEncoder, EncryptedForm};
use ess_api::client::signing::{
    RequestSigner, SignatureParams, SigningKey, SigningKeyCache, UtcDate, CONTENT_TYPE,
};
use ess_api::client::{
    provide_credentials_fn, CachingCredentialsProvider, DefaultCredentialsChain, FixedClock,
    ProfileCredentialsProvider, RetryConfig,
};
use ess_api::operation::create_multi_flow_sign_qr_code::{
    CreateMultiFlowSignQrCodeFluentBuilder, CreateMultiFlowSignQrCodeInput,
};
use ess_api::types::{ApproverRestriction, IdCardType, UserInfo};
use ess_api::Config;
use ess_api::{Client, Credentials};
use ess_emulator::{defaults, Emulator};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::fmt::MakeWriter;

const MARKER: &str = "NeverPrintMe";
const SECRET_ID: &str = "AKIDHygieneTest000000000000001";
const SECRET_KEY: &str = "sk-7f3a9c-NeverPrintMe-secret-key";
const TOKEN: &str = "tok-5e21b0-NeverPrintMe-session";
const WRONG_KEY: &str = "sk-000000-NeverPrintMe-wrong-key";
const WRONG_TOKEN: &str = "tok-000000-NeverPrintMe-wrong";
/// 32 bytes, as a callback key must be.
const CALLBACK_KEY: &str = "cbk-NeverPrintMe-0123456789abcde";
const CALLBACK_TOKEN: &str = "cbt-NeverPrintMe-signature-token";

/// Personal data of the people on a QR code.
const NAME: &str = "欧阳娜娜";
const MOBILE: &str = "13912345678";
/// A mobile the emulator refuses (it must start with 1).
const BAD_MOBILE: &str = "29987654321";
/// A mobile the builder refuses (10 digits).
const SHORT_MOBILE: &str = "1387654321";
const ID_NUMBER: &str = "11010519491231002X";

fn assert_no_secret(what: &str, text: &str) {
    for secret in [
        SECRET_KEY,
        TOKEN,
        WRONG_KEY,
        WRONG_TOKEN,
        CALLBACK_KEY,
        CALLBACK_TOKEN,
    ] {
        assert!(!text.contains(secret), "{what} shows a secret:\n{text}");
    }
    assert!(
        !text.contains(MARKER),
        "{what} shows part of a secret:\n{text}"
    );
}

fn assert_no_person(what: &str, text: &str) {
    for value in [NAME, MOBILE, BAD_MOBILE, SHORT_MOBILE, ID_NUMBER] {
        assert!(!text.contains(value), "{what} shows {value:?}:\n{text}");
    }
}

/// `Debug`, `{:#?}` and, when there is one, `Display` of a value.
macro_rules! shown {
    ($v:expr) => {{
        let v = &$v;
        format!("{v:?}\n{v:#?}")
    }};
    ($v:expr, display) => {{
        let v = &$v;
        format!("{v:?}\n{v:#?}\n{v}")
    }};
}

/// `Display` of an error and of each of its sources.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = format!("{e}\n{e:?}");
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    out
}

fn person(mobile: &str) -> ApproverRestriction {
    ApproverRestriction::builder()
        .name(NAME)
        .mobile(mobile)
        .id_card_type(IdCardType::IdCard)
        .id_card_number(ID_NUMBER)
        .build_unvalidated()
        .unwrap()
}

fn operator() -> UserInfo {
    UserInfo::builder()
        .user_id(defaults::OPERATOR_ID)
        .build()
        .unwrap()
}

#[allow(deprecated)]
fn request(
    client: &Client,
    template: &str,
    mobile: &str,
) -> CreateMultiFlowSignQrCodeFluentBuilder {
    client
        .create_multi_flow_sign_qr_code()
        .operator(operator())
        .template_id(template)
        .flow_name("员工入职合同")
        .restrictions(person(mobile))
        .approver_restrictions(person(mobile))
}

fn temporary() -> Credentials {
    Credentials::temporary(SECRET_ID, SECRET_KEY, TOKEN).unwrap()
}

#[test]
fn credentials_signers_and_configuration() {
    let credentials = temporary();
    assert_no_secret("Credentials", &shown!(credentials));
    assert_no_secret(
        "Credentials::new",
        &shown!(Credentials::new(SECRET_ID, SECRET_KEY).unwrap()),
    );
    assert_no_secret(
        "CachingCredentialsProvider",
        &shown!(CachingCredentialsProvider::new(credentials.clone())),
    );
    let c = credentials.clone();
    assert_no_secret(
        "a provider function",
        &shown!(provide_credentials_fn(move || {
            let c = c.clone();
            async move { Ok(c) }
        })),
    );
    assert_no_secret(
        "DefaultCredentialsChain",
        &shown!(DefaultCredentialsChain::new()),
    );

    // Unusable values: the error names the value, never shows it.
    for (id, key, token) in [
        (SECRET_ID, "sk NeverPrintMe\u{7}", None),
        (SECRET_ID, "", None),
        (SECRET_ID, SECRET_KEY, Some("tok\nNeverPrintMe")),
        (SECRET_ID, SECRET_KEY, Some("")),
    ] {
        let e = match token {
            Some(t) => Credentials::temporary(id, key, t).unwrap_err(),
            None => Credentials::new(id, key).unwrap_err(),
        };
        assert_no_secret("CredentialsError", &chain(&e));
    }

    // A profile file with a broken line next to the secret.
    let dir = std::env::temp_dir().join(format!("ess-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials");
    for text in [
        format!("[default]\nsecret_id = {SECRET_ID}\nsecret_key: {SECRET_KEY}\n"),
        format!("[default]\nsecret_id = {SECRET_ID}\nsecret_key = {SECRET_KEY}\u{7}\n"),
        format!("[other]\nsecret_key = {SECRET_KEY}\n"),
        format!("[default]\nsecret_key = {SECRET_KEY}\n"),
    ] {
        std::fs::write(&file, text).unwrap();
        let provider = ProfileCredentialsProvider::new().path(&file);
        assert_no_secret("ProfileCredentialsProvider", &shown!(provider));
        match provider.load() {
            Ok(c) => assert_no_secret("profile credentials", &shown!(c)),
            Err(e) => assert_no_secret("profile error", &chain(&e)),
        }
    }
    std::fs::write(
        &file,
        format!("[default]\nsecret_id = {SECRET_ID}\nsecret_key = {SECRET_KEY}\n"),
    )
    .unwrap();
    let loaded = ProfileCredentialsProvider::new()
        .path(&file)
        .load()
        .unwrap();
    assert_eq!(loaded.secret_key(), SECRET_KEY);
    assert_no_secret("profile credentials", &shown!(loaded));
    std::fs::remove_dir_all(&dir).unwrap();

    // Signing material.
    let signer = RequestSigner::new("ess", "ess.tencentcloudapi.com");
    let _ = signer.sign(SECRET_ID, SECRET_KEY, 1_717_200_000, b"{}");
    assert_no_secret("RequestSigner", &shown!(signer));
    let key = SigningKey::derive(SECRET_KEY, UtcDate::from_unix(1_717_200_000), "ess");
    assert_no_secret("SigningKey", &shown!(key));
    let cache = SigningKeyCache::new();
    let _ = cache.get(SECRET_KEY, UtcDate::from_unix(1_717_200_000), "ess");
    assert_no_secret("SigningKeyCache", &shown!(cache));
    let headers = [
        ("Content-Type", CONTENT_TYPE),
        ("Host", "ess.tencentcloudapi.com"),
    ];
    let params = SignatureParams {
        secret_id: SECRET_ID,
        secret_key: SECRET_KEY,
        service: "ess",
        timestamp: 1_717_200_000,
        headers: &headers,
        payload: b"{}",
    };
    assert_no_secret("SignatureParams", &shown!(params));
    let authorization = ess_api::client::signing::sign(&params);
    assert_no_secret("Authorization", &shown!(authorization, display));

    // Clients, builders and settings.
    let config = Config::default()
        .with_credentials(credentials.clone())
        .with_endpoint("http://127.0.0.1:9")
        .with_region("ap-guangzhou");
    assert_no_secret("Config with credentials", &shown!(config));
    let client = Client::new(config).unwrap();
    assert_no_secret("Client", &shown!(client));
    assert_no_secret("Config", &shown!(client.config()));
    assert_no_secret("Config::default", &shown!(Config::default()));
    let e = ess_api::Client::new(
        ess_api::Config::default()
            .with_credentials(credentials)
            .with_timeout(Duration::ZERO),
    )
    .unwrap_err();
    assert_no_secret("BuildError", &chain(&e));
}

#[test]
fn callback_decoder_and_encoder() {
    let decoder = CallbackDecoder::new()
        .with_key(CALLBACK_KEY)
        .unwrap()
        .with_token(CALLBACK_TOKEN);
    let encoder = CallbackEncoder::new()
        .with_key(CALLBACK_KEY)
        .unwrap()
        .with_token(CALLBACK_TOKEN)
        .with_form(EncryptedForm::Bare);
    assert_no_secret("CallbackDecoder", &shown!(decoder));
    assert_no_secret("CallbackEncoder", &shown!(encoder));
    let e = CallbackDecoder::new()
        .with_key("short NeverPrintMe key")
        .unwrap_err();
    assert_no_secret("InvalidKeyLength", &shown!(e, display));

    let message = br#"{"MsgId":"m1","MsgType":"FlowStatusChange","MsgData":{"FlowId":"f1","FlowCallbackStatus":4}}"#;
    let sent = encoder.encode_json(message);
    assert_no_secret("EncodedCallback", &shown!(sent));
    let callback = decoder.decode(&sent.body, sent.headers()).unwrap();
    assert_no_secret("Callback", &shown!(callback));

    // Every way of failing.
    let wrong_key = CallbackDecoder::new()
        .with_key("cbk-NeverPrintMe-0123456789abcdX")
        .unwrap()
        .with_token(CALLBACK_TOKEN);
    let mut tampered = sent.body.clone();
    tampered[3] ^= 1;
    let failures = [
        decoder.decode(&sent.body, Vec::<(&str, &str)>::new()),
        decoder.decode_with_signature(&sent.body, Some("sha256=00")),
        decoder.decode_with_signature(&sent.body, Some(&format!("sha256={}", "0".repeat(64)))),
        decoder.decode_with_signature(&tampered, sent.content_signature.as_deref()),
        wrong_key.decode(&sent.body, sent.headers()),
        decoder.decode_with_signature(
            message,
            Some(
                &CallbackEncoder::new()
                    .with_token(CALLBACK_TOKEN)
                    .encode_json(message)
                    .content_signature
                    .unwrap(),
            ),
        ),
        CallbackDecoder::new()
            .with_token(CALLBACK_TOKEN)
            .decode(&sent.body, sent.headers()),
    ];
    for result in failures {
        let e = result.unwrap_err();
        assert_no_secret("CallbackError", &chain(&e));
    }
}

#[test]
#[allow(deprecated)]
fn requests_and_builders_redact_personal_data() {
    let restriction = person(MOBILE);
    assert_no_person("ApproverRestriction", &shown!(restriction));
    let builder = ApproverRestriction::builder()
        .name(NAME)
        .mobile(MOBILE)
        .id_card_number(ID_NUMBER);
    assert_no_person("ApproverRestrictionBuilder", &shown!(builder));

    let input = CreateMultiFlowSignQrCodeInput::builder()
        .operator(operator())
        .template_id(defaults::B2C_TEMPLATE_ID)
        .flow_name("员工入职合同")
        .restrictions(person(MOBILE))
        .approver_restrictions(person(MOBILE));
    assert_no_person("CreateMultiFlowSignQrCodeInputBuilder", &shown!(input));
    let built = input.build().unwrap();
    assert_no_person("CreateMultiFlowSignQrCodeInput", &shown!(built));
    // The values are there, only hidden from Debug.
    assert!(serde_json::to_string(&built).unwrap().contains(MOBILE));

    let client = ess_api::Client::new(
        ess_api::Config::default()
            .with_credentials(temporary())
            .with_endpoint("http://127.0.0.1:9"),
    )
    .unwrap();
    let fluent = request(&client, defaults::B2C_TEMPLATE_ID, MOBILE);
    assert_no_person("the fluent builder", &shown!(fluent));

    // Validation errors name the member and the rule, not the value.
    let invalid = CreateMultiFlowSignQrCodeInput::builder()
        .operator(operator())
        .template_id(defaults::B2C_TEMPLATE_ID)
        .flow_name("员工入职合同")
        .restrictions(person(SHORT_MOBILE))
        .build()
        .unwrap_err();
    let text = shown!(invalid, display);
    assert!(text.contains("restrictions[0].mobile"), "{text}");
    assert_no_person("ValidationErrors", &text);
}

/// Collects everything written by a tracing subscriber.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Calls that succeed and fail in every way, with all tracing output of
/// the client and the emulator (both in this process, on this thread)
/// captured at the most detailed level.
#[tokio::test]
async fn tracing_output_of_calls_that_succeed_and_fail() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(buffer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);

    let emulator = Emulator::builder()
        .credentials(temporary())
        .start()
        .await
        .unwrap();
    assert_no_secret("Emulator", &shown!(emulator));
    assert_no_secret(
        "EmulatorBuilder",
        &shown!(Emulator::builder().credentials(temporary())),
    );
    let retry = RetryConfig::new()
        .with_base_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(10));
    let client = ess_api::Client::new(emulator.config().with_retry(retry)).unwrap();
    assert_no_secret("Client", &shown!(client));

    // Success.
    let out = request(&client, defaults::B2C_TEMPLATE_ID, MOBILE)
        .send()
        .await
        .unwrap();
    assert_no_person("an output", &shown!(out));
    let prepared = client
        .prepare(
            &request(&client, defaults::B2C_TEMPLATE_ID, MOBILE)
                .as_input()
                .clone()
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let text = shown!(prepared);
    assert_no_secret("PreparedRequest", &text);
    assert_no_person("PreparedRequest", &text);

    let mut errors = Vec::new();
    // Refused by the emulator's own rules, and by the template.
    errors.push(
        request(&client, defaults::B2C_TEMPLATE_ID, BAD_MOBILE)
            .send()
            .await
            .unwrap_err(),
    );
    errors.push(
        request(&client, defaults::COMPANY_FIRST_TEMPLATE_ID, MOBILE)
            .send()
            .await
            .unwrap_err(),
    );
    // Refused by validation before sending.
    errors.push(
        request(&client, defaults::B2C_TEMPLATE_ID, SHORT_MOBILE)
            .send()
            .await
            .unwrap_err(),
    );
    // A wrong secret key, a wrong token, a clock the re-sign cannot fix.
    for credentials in [
        Credentials::temporary(SECRET_ID, WRONG_KEY, TOKEN).unwrap(),
        Credentials::temporary(SECRET_ID, SECRET_KEY, WRONG_TOKEN).unwrap(),
    ] {
        let other = ess_api::Client::new(emulator.config().with_credentials(credentials)).unwrap();
        errors.push(
            request(&other, defaults::B2C_TEMPLATE_ID, MOBILE)
                .send()
                .await
                .unwrap_err(),
        );
    }
    let skewed = ess_api::Client::new(
        emulator
            .config()
            .with_clock(FixedClock::new(emulator.now() - 3_600))
            .with_retry(RetryConfig::new().with_resign_on_expired_signature(false)),
    )
    .unwrap();
    errors.push(
        request(&skewed, defaults::B2C_TEMPLATE_ID, MOBILE)
            .send()
            .await
            .unwrap_err(),
    );
    // Nobody listening.
    let nowhere = ess_api::Client::new(
        ess_api::Config::default()
            .with_credentials(temporary())
            .with_endpoint("http://127.0.0.1:9")
            .with_retry(retry),
    )
    .unwrap();
    errors.push(
        request(&nowhere, defaults::B2C_TEMPLATE_ID, MOBILE)
            .send()
            .await
            .unwrap_err(),
    );

    let codes: Vec<Option<&str>> = errors.iter().map(|e| e.code()).collect();
    assert_eq!(
        codes,
        [
            Some("InvalidParameter.Mobile"),
            Some("FailedOperation.QrCodeTemplateId"),
            None,
            Some("AuthFailure.SignatureFailure"),
            Some("AuthFailure.TokenFailure"),
            Some("AuthFailure.SignatureExpire"),
            None,
        ]
    );
    for e in &errors {
        let text = chain(e);
        assert_no_secret("SdkError", &text);
        assert_no_person("SdkError", &text);
    }
    emulator.shutdown().await;
    drop(guard);

    let log = buffer.text();
    assert!(
        log.contains("ess.call"),
        "the subscriber saw the calls:\n{log}"
    );
    assert!(log.contains("CreateMultiFlowSignQRCode"));
    assert!(
        log.contains("api request"),
        "the subscriber saw the emulator"
    );
    assert_no_secret("the tracing output", &log);
    assert_no_person("the tracing output", &log);
}

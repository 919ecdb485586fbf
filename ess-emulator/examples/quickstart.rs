//! Quickstart: a multi-signer sign QR code, end to end, on your machine.
//!
//! ```text
//! cargo run --example quickstart            # against a local emulator (no network)
//! cargo run --example quickstart -- --real  # against the real service
//! ```
//!
//! By default the example starts the ESS emulator in-process on 127.0.0.1,
//! creates a QR code through the real `ess_api::Client` over HTTP, draws the
//! code in the terminal, simulates two people scanning it, and shows one
//! error of the service and one refused before sending.
//!
//! With `--real` it calls Tencent Cloud instead. That needs credentials in
//! `TENCENTCLOUD_SECRET_ID` and `TENCENTCLOUD_SECRET_KEY` (or the profile
//! file), and `ESS_QUICKSTART_OPERATOR_ID` and `ESS_QUICKSTART_TEMPLATE_ID`
//! naming an employee of your organization and a template that allows QR
//! codes. It creates one real code, which scanning people can use.

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

use ess_api::operation::create_multi_flow_sign_qr_code::{
    CreateMultiFlowSignQrCodeError, CreateMultiFlowSignQrCodeOutput,
};
use ess_api::types::{ApproverRestriction, UserInfo};
use ess_api::{Client, SdkError};
use ess_emulator::{defaults, Emulator, ScanRequest};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Where the example sends its requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// An emulator started in this process.
    Emulator,
    /// The real service.
    Real,
}

#[tokio::main]
async fn main() -> ExitCode {
    let mode = if std::env::args().skip(1).any(|a| a == "--real") {
        Mode::Real
    } else {
        Mode::Emulator
    };
    let mut out = std::io::stdout().lock();
    match run(mode, &mut out).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            eprintln!("quickstart failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the example, writing what it does to `out`.
pub async fn run(mode: Mode, out: &mut dyn Write) -> Result<()> {
    match mode {
        Mode::Emulator => with_emulator(out).await,
        Mode::Real => with_real_service(out).await,
    }
}

async fn with_emulator(out: &mut dyn Write) -> Result<()> {
    let emulator = Emulator::builder().start().await?;
    writeln!(
        out,
        "ESS emulator at {} (state in memory; nothing leaves this machine)\n",
        emulator.endpoint()
    )?;
    let client = ess_api::Client::new(emulator.config())?;
    let operator = UserInfo::builder().user_id(defaults::OPERATOR_ID).build()?;

    writeln!(out, "== CreateMultiFlowSignQRCode")?;
    let created = client
        .create_multi_flow_sign_qr_code()
        .operator(operator.clone())
        .template_id(defaults::B2C_TEMPLATE_ID)
        .flow_name("员工入职合同")
        .max_flow_num(2)
        .flow_effective_day(7)
        .flow_name_append_scanner_info(true)
        .qr_code_name("入职签署码")
        .send()
        .await?;
    show_code(out, &created)?;

    writeln!(out, "== Two people scan the code")?;
    let id = &created.qr_code.qr_code_id;
    for (name, mobile) in [("张三", "13800009527"), ("李四", "13900001234")] {
        let flow = emulator.scan(&ScanRequest::new(id, name, mobile))?;
        let days = flow
            .deadline
            .saturating_sub(emulator.now())
            .div_ceil(86_400);
        writeln!(
            out,
            "   {name} ({}) started contract {}\n      \"{}\", to sign within {days} days",
            masked(mobile),
            flow.flow_id,
            flow.flow_name
        )?;
    }
    match emulator.scan(&ScanRequest::new(id, "王五", "13700005678")) {
        Err(e) => writeln!(out, "   王五 is too late: {e}\n")?,
        Ok(flow) => return Err(format!("a third scan started {}", flow.flow_id).into()),
    }

    writeln!(out, "== An error of the service, as a typed variant")?;
    let refused = client
        .create_multi_flow_sign_qr_code()
        .operator(operator.clone())
        .template_id(defaults::COMPANY_FIRST_TEMPLATE_ID)
        .flow_name("员工入职合同")
        .send()
        .await;
    match refused {
        Err(SdkError::Service(
            CreateMultiFlowSignQrCodeError::FailedOperationQrCodeTemplateId(meta),
        )) => writeln!(
            out,
            "   FailedOperationQrCodeTemplateId: {}\n   (RequestId {})\n",
            meta.message(),
            meta.request_id().unwrap_or("-")
        )?,
        Err(other) => return Err(other.into()),
        Ok(_) => return Err("the template should have been refused".into()),
    }

    show_validation(out, &client, operator, defaults::B2C_TEMPLATE_ID).await?;
    emulator.shutdown().await;
    Ok(())
}

async fn with_real_service(out: &mut dyn Write) -> Result<()> {
    let variable = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| format!("--real needs {name} in the environment"))
    };
    let operator_id = variable("ESS_QUICKSTART_OPERATOR_ID")?;
    let template_id = variable("ESS_QUICKSTART_TEMPLATE_ID")?;
    let client = Client::from_env()?;
    writeln!(out, "Tencent Cloud ESS at {}\n", client.endpoint())?;
    let operator = UserInfo::builder().user_id(operator_id).build()?;

    writeln!(out, "== CreateMultiFlowSignQRCode")?;
    let created = client
        .create_multi_flow_sign_qr_code()
        .operator(operator.clone())
        .template_id(template_id.clone())
        .flow_name("员工入职合同")
        .max_flow_num(2)
        .flow_effective_day(7)
        .flow_name_append_scanner_info(true)
        .qr_code_name("入职签署码")
        .send()
        .await?;
    show_code(out, &created)?;
    writeln!(
        out,
        "Scan it with WeChat to start a contract; cancel it with CancelMultiFlowSignQRCode.\n"
    )?;
    show_validation(out, &client, operator, &template_id).await
}

/// Prints a created code and draws it.
fn show_code(out: &mut dyn Write, created: &CreateMultiFlowSignQrCodeOutput) -> Result<()> {
    let code = &created.qr_code;
    let links = &created.sign_urls;
    writeln!(out, "   QrCodeId      {}", code.qr_code_id)?;
    writeln!(
        out,
        "   expires       {} (China time; Unix {})",
        links.effective_time, code.expired_time
    )?;
    writeln!(out, "   image         {}", code.qr_code_url)?;
    writeln!(out, "   sign link     {}", links.http_sign_url)?;
    writeln!(out, "   mini program  {}", links.app_sign_url)?;
    writeln!(out, "   RequestId     {}\n", created.request_id)?;
    let target = if links.http_sign_url.is_empty() {
        &code.qr_code_url
    } else {
        &links.http_sign_url
    };
    writeln!(out, "{}", ess_emulator::qr::terminal(target)?)?;
    Ok(())
}

/// A request the client refuses before sending, with every offending path.
async fn show_validation(
    out: &mut dyn Write,
    client: &Client,
    operator: UserInfo,
    template_id: &str,
) -> Result<()> {
    writeln!(out, "== A request refused before it is sent")?;
    let result = client
        .create_multi_flow_sign_qr_code()
        .operator(operator)
        .template_id(template_id)
        .flow_name("员工入职合同")
        .flow_effective_day(45)
        .restrictions(
            ApproverRestriction::builder()
                .name("王五")
                .mobile("1370000")
                .build_unvalidated()?,
        )
        .send()
        .await;
    match result {
        Err(e) => match e.validation_errors() {
            Some(errors) => {
                for violation in errors.violations() {
                    writeln!(out, "   {violation}")?;
                }
                Ok(())
            }
            None => Err(e.into()),
        },
        Ok(_) => Err("the request should have been refused".into()),
    }
}

/// `138****9527`.
fn masked(mobile: &str) -> String {
    match (
        mobile.get(..3),
        mobile.get(mobile.len().saturating_sub(4)..),
    ) {
        (Some(head), Some(tail)) if mobile.len() > 7 => format!("{head}****{tail}"),
        _ => "****".to_owned(),
    }
}

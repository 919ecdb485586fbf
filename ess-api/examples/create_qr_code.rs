//! The README's example: create a sign QR code with credentials from the
//! environment (point `TENCENTCLOUD_ESS_ENDPOINT` at the emulator to try it
//! offline).

use ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeError;
use ess_api::types::{ApproverRestriction, UserInfo};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY, or ~/.tencentcloud/credentials.
    // TENCENTCLOUD_ESS_ENDPOINT=http://127.0.0.1:PORT points it at the emulator.
    let client = ess_api::Client::from_env()?;
    let result = client
        .create_multi_flow_sign_qr_code()
        .operator(
            UserInfo::builder()
                .user_id("yDRCLUUgygq2xun5UuO4zjEwg0vjoimj")
                .build()?,
        )
        .template_id("yDRS4UUgygqdcj8kUuO4zjEBpTmzsIAR")
        .flow_name("员工入职合同")
        .max_flow_num(100)
        .flow_name_append_scanner_info(true)
        .restrictions(
            ApproverRestriction::builder()
                .name("张三")
                .mobile("18800009527")
                .build()?,
        )
        .send()
        .await;
    match result {
        Ok(out) => println!(
            "scan {} (until {})",
            out.qr_code.qr_code_url, out.qr_code.expired_time
        ),
        Err(e) => match e.into_service_error() {
            Some(CreateMultiFlowSignQrCodeError::FailedOperationQrCodeTemplateId(meta)) => {
                eprintln!(
                    "template cannot be used for a QR code (request {:?})",
                    meta.request_id()
                )
            }
            Some(other) => eprintln!("service error: {other}"),
            None => eprintln!("not answered by the service"),
        },
    }
    Ok(())
}

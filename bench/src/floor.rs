//! The floor: the least a client must do for one `CreateMultiFlowSignQRCode`
//! call, written by hand with nothing but `serde_json`, `sha2`, `hmac` and
//! `hex`. A plain struct of the request's shape (no validation, no
//! builders, no `Option`s), TC3-HMAC-SHA256 with the whole key chain
//! derived on every call (four HMACs), and a plain struct for the answer.
//!
//! Shared by the `ess-api` micro-benchmarks (through `#[path]`) and the
//! round-trip benchmarks, so both measure the same floor.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The request body, field for field in the order the SDK writes them.
#[derive(Serialize)]
pub struct PlainInput {
    #[serde(rename = "Operator")]
    operator: PlainOperator,
    #[serde(rename = "TemplateId")]
    template_id: String,
    #[serde(rename = "FlowName")]
    flow_name: String,
    #[serde(rename = "MaxFlowNum")]
    max_flow_num: i64,
    #[serde(rename = "FlowEffectiveDay")]
    flow_effective_day: i64,
    #[serde(rename = "Restrictions")]
    restrictions: Vec<PlainRestriction>,
    #[serde(rename = "ApproverComponentLimitTypes")]
    limit_types: Vec<PlainLimitType>,
}

#[derive(Serialize)]
struct PlainOperator {
    #[serde(rename = "UserId")]
    user_id: String,
}

#[derive(Serialize)]
struct PlainRestriction {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Mobile")]
    mobile: String,
}

#[derive(Serialize)]
struct PlainLimitType {
    #[serde(rename = "RecipientId")]
    recipient_id: String,
    #[serde(rename = "Values")]
    values: Vec<&'static str>,
}

/// The benchmark request (flow name 员工入职合同, at most 100 contracts,
/// 7 days to sign, two allowed signers, two signature-method limits).
pub fn plain_input(operator: &str, template: &str) -> PlainInput {
    PlainInput {
        operator: PlainOperator {
            user_id: operator.to_owned(),
        },
        template_id: template.to_owned(),
        flow_name: "员工入职合同".to_owned(),
        max_flow_num: 100,
        flow_effective_day: 7,
        restrictions: vec![
            PlainRestriction {
                name: "张三".to_owned(),
                mobile: "18800009527".to_owned(),
            },
            PlainRestriction {
                name: "李四".to_owned(),
                mobile: "18900001234".to_owned(),
            },
        ],
        limit_types: vec![
            PlainLimitType {
                recipient_id: "yDRscUUgyg3zr9vfUyJ8QKwCN7z9YcOh".to_owned(),
                values: vec!["HANDWRITE", "SYSTEM_ESIGN"],
            },
            PlainLimitType {
                recipient_id: "yDwJNUUckpkojrmqUxTFHk0yndh70CpW".to_owned(),
                values: vec!["OCR_ESIGN", "ESIGN"],
            },
        ],
    }
}

/// A request ready to send: body, `X-TC-Timestamp` and `Authorization`.
pub struct Signed {
    pub body: Vec<u8>,
    pub timestamp: u64,
    pub authorization: String,
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `YYYY-MM-DD` (UTC) of a Unix timestamp.
fn utc_date(timestamp: u64) -> String {
    let z = (timestamp / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Serializes `input` and signs it for `host` with TC3-HMAC-SHA256 at the
/// current time, nothing cached.
pub fn prepare(input: &PlainInput, secret_id: &str, secret_key: &str, host: &str) -> Signed {
    let body = serde_json::to_vec(input).expect("plain structs serialize");
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs();
    let date = utc_date(timestamp);
    let canonical = format!(
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:{host}\n\ncontent-type;host\n{}",
        hex::encode(Sha256::digest(&body))
    );
    let to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{date}/ess/tc3_request\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let k_date = hmac(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let k_service = hmac(&k_date, b"ess");
    let k_signing = hmac(&k_service, b"tc3_request");
    let signature = hex::encode(hmac(&k_signing, to_sign.as_bytes()));
    let authorization = format!(
        "TC3-HMAC-SHA256 Credential={secret_id}/{date}/ess/tc3_request, SignedHeaders=content-type;host, Signature={signature}"
    );
    Signed {
        body,
        timestamp,
        authorization,
    }
}

/// A success answer, decoded into plain structs.
#[derive(Deserialize)]
pub struct PlainEnvelope {
    #[serde(rename = "Response")]
    pub response: PlainOutput,
}

/// The `Response` member of a success answer.
#[derive(Deserialize)]
pub struct PlainOutput {
    #[serde(rename = "QrCode")]
    pub qr_code: PlainQrCode,
    #[serde(rename = "SignUrls")]
    pub sign_urls: PlainSignUrls,
    #[serde(rename = "RequestId")]
    pub request_id: String,
}

/// `Response.QrCode`.
#[derive(Deserialize)]
pub struct PlainQrCode {
    #[serde(rename = "QrCodeId")]
    pub qr_code_id: String,
    #[serde(rename = "QrCodeUrl")]
    pub qr_code_url: String,
    #[serde(rename = "ExpiredTime")]
    pub expired_time: i64,
    #[serde(rename = "WeixinQrCodeUrl")]
    pub weixin_qr_code_url: Option<String>,
}

/// `Response.SignUrls`.
#[derive(Deserialize)]
pub struct PlainSignUrls {
    #[serde(rename = "AppSignUrl")]
    pub app_sign_url: String,
    #[serde(rename = "EffectiveTime")]
    pub effective_time: String,
    #[serde(rename = "HttpSignUrl")]
    pub http_sign_url: String,
}

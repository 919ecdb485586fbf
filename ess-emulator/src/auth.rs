//! Authentication of API requests: TC3-HMAC-SHA256 as the service checks it.

use ess_api::client::signing::{Authorization, VerifyError};
use ess_api::service::codes;
use ess_api::Credentials;

use crate::error::ApiError;
use crate::http::Head;

/// How far a request's timestamp may be from the emulator's clock.
pub(crate) const MAX_CLOCK_DIFFERENCE: u64 = 300;

/// Checks, in order: a well-formed `Authorization` for the `ess` service
/// that signs `content-type` and `host`; a known SecretId; an
/// `X-TC-Timestamp` within [`MAX_CLOCK_DIFFERENCE`] of `now`; the signature;
/// the session token of temporary credentials.
pub(crate) fn authenticate(
    credentials: &[Credentials],
    head: &Head,
    body: &[u8],
    now: u64,
) -> Result<(), ApiError> {
    let invalid = |m: String| ApiError::new(codes::AUTH_FAILURE_INVALID_AUTHORIZATION, m);
    let header = head
        .header("authorization")
        .ok_or_else(|| invalid("the Authorization header is missing".to_owned()))?;
    let auth = Authorization::parse(header).map_err(|e| invalid(e.to_string()))?;
    if auth.service() != ess_api::service::NAME {
        return Err(invalid(format!(
            "the credential scope names the service {:?}, not {:?}",
            auth.service(),
            ess_api::service::NAME
        )));
    }
    for required in ["content-type", "host"] {
        if !auth.signed_headers().iter().any(|h| h == required) {
            return Err(invalid(format!("SignedHeaders must include {required}")));
        }
    }
    let key = credentials
        .iter()
        .find(|c| c.secret_id() == auth.secret_id())
        .ok_or_else(|| {
            ApiError::new(
                codes::AUTH_FAILURE_SECRET_ID_NOT_FOUND,
                "the SecretId is not known to the emulator",
            )
        })?;
    let timestamp = match head.header("x-tc-timestamp") {
        None => {
            return Err(ApiError::new(
                codes::MISSING_PARAMETER,
                "the required header X-TC-Timestamp is missing",
            ))
        }
        Some(t) => t.trim().parse::<u64>().map_err(|_| {
            ApiError::invalid("X-TC-Timestamp must be a number of seconds since the Unix epoch")
        })?,
    };
    if timestamp.abs_diff(now) > MAX_CLOCK_DIFFERENCE {
        return Err(ApiError::new(
            codes::AUTH_FAILURE_SIGNATURE_EXPIRE,
            format!(
                "the request timestamp {timestamp} is more than {MAX_CLOCK_DIFFERENCE} seconds from the server time {now}"
            ),
        ));
    }
    auth.verify(key.secret_key(), timestamp, |name| head.header(name), body)
        .map_err(|e| match e {
            VerifyError::MissingHeader(name) => invalid(format!(
                "the signed header {name} is missing from the request"
            )),
            other => ApiError::new(codes::AUTH_FAILURE_SIGNATURE_FAILURE, other.to_string()),
        })?;
    match (key.token(), head.header("x-tc-token")) {
        (None, None) => Ok(()),
        (Some(want), Some(got)) if want == got => Ok(()),
        (Some(_), None) => Err(ApiError::new(
            codes::AUTH_FAILURE_TOKEN_FAILURE,
            "temporary credentials need their session token in X-TC-Token",
        )),
        _ => Err(ApiError::new(
            codes::AUTH_FAILURE_TOKEN_FAILURE,
            "the session token in X-TC-Token is not valid for this SecretId",
        )),
    }
}

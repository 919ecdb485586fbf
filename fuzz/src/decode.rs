//! Response decoding: the client's decode path for any action.

use std::fmt::Debug;

use bytes::Bytes;
use ess_api::__private::decode_response as __decode_response;
use ess_api::client::ResponseErrorKind;
use ess_api::client::MAX_EXCERPT_BYTES;
use ess_api::{Action, SdkError, ServiceError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::ActionVisitor;

/// Decodes `body` as the answer to the action, with `status`, and checks
/// what came out.
pub struct DecodeResponse<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: &'a [u8],
}

impl ActionVisitor for DecodeResponse<'_> {
    type Output = ();

    fn visit<A>(self) -> Self::Output
    where
        A: Action + DeserializeOwned + PartialEq + Debug,
        A::Output: Serialize + PartialEq + Debug,
        ess_api::EssError: From<A::Error>,
    {
        check::<A>(self.status, self.body, true);
        // The same body without duplicate members, where a JSON value is
        // an exact oracle for service errors.
        if let Ok(value) = serde_json::from_slice::<Value>(self.body) {
            let canonical = serde_json::to_vec(&value).expect("a JSON value serializes");
            let outcome = check::<A>(self.status, &canonical, false);
            match (expected_service_code(&value), outcome) {
                (Some(code), Outcome::Service(got)) => assert_eq!(got, code, "error code"),
                (Some(code), other) => {
                    panic!("the body holds the service error {code:?}, decoded as {other:?}")
                }
                (None, Outcome::Service(got)) => {
                    panic!("no service error in the body, decoded as one ({got:?})")
                }
                (None, _) => {}
            }
        }
    }
}

/// What a decode ended in.
#[derive(Debug)]
pub enum Outcome {
    /// The action's output.
    Output,
    /// A service error with this code.
    Service(String),
    /// A response error of this kind.
    Response(ResponseErrorKind),
    /// Another error.
    Other,
}

/// The code of the service error a body holds, judged on its JSON value:
/// `Response.Error` an object whose `Code` and `Message` are strings or
/// absent, and `Response.RequestId` a string or absent.
pub fn expected_service_code(value: &Value) -> Option<String> {
    let response = value.as_object()?.get("Response")?.as_object()?;
    let error = response.get("Error")?.as_object()?;
    let text_or_absent = |v: Option<&Value>| v.is_none_or(Value::is_string);
    if !text_or_absent(error.get("Code"))
        || !text_or_absent(error.get("Message"))
        || !text_or_absent(response.get("RequestId"))
    {
        return None;
    }
    Some(
        error
            .get("Code")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Decodes one body and checks the result; with `round_trip`, an output is
/// encoded again and must decode to itself.
pub fn check<A>(status: u16, body: &[u8], round_trip: bool) -> Outcome
where
    A: Action,
    A::Output: Serialize + PartialEq + Debug,
    ess_api::EssError: From<A::Error>,
{
    match __decode_response::<A>(status, Bytes::copy_from_slice(body)) {
        Ok((output, request_id)) => {
            assert!((200..300).contains(&status), "an output from HTTP {status}");
            let _ = format!("{output:?} {request_id:?}");
            if round_trip {
                let mut value = serde_json::to_value(&output).expect("an output serializes");
                // The output's own `RequestId` member (when it has one) is
                // written; the envelope's is the one that came, if any.
                if let Some(map) = value.as_object_mut() {
                    match &request_id {
                        Some(id) => map.insert("RequestId".into(), Value::String(id.clone())),
                        None => map.remove("RequestId"),
                    };
                }
                let again = serde_json::to_vec(&serde_json::json!({ "Response": value }))
                    .expect("a JSON value serializes");
                match __decode_response::<A>(200, Bytes::from(again)) {
                    Ok((decoded, id)) => {
                        assert_eq!(decoded, output, "the output decodes to itself");
                        assert_eq!(id, request_id, "the request id is kept");
                    }
                    Err(e) => panic!("an encoded output does not decode: {e:?}"),
                }
            }
            Outcome::Output
        }
        Err(e) => {
            let e: SdkError<ess_api::EssError> = e.map_service(ess_api::EssError::from);
            let _ = format!("{e} {e:?}");
            let _ = (
                e.code(),
                e.request_id(),
                e.is_throttling(),
                e.is_retryable(true),
                e.is_retryable(false),
                e.may_have_been_sent(),
                e.http_status(),
            );
            match &e {
                SdkError::Service(s) => {
                    let _ = (s.retry_class(), s.is_unhandled(), s.message());
                    Outcome::Service(s.code().to_owned())
                }
                SdkError::Response(r) => {
                    assert!(
                        r.body_excerpt().len() <= MAX_EXCERPT_BYTES,
                        "excerpt too long"
                    );
                    assert_eq!(r.status(), status);
                    Outcome::Response(r.kind())
                }
                _ => Outcome::Other,
            }
        }
    }
}

//! Callbacks: the events the service posts to the organization's callback
//! URL, verified, decrypted and typed.
//!
//! # The flow
//!
//! When something happens (a contract's status changes, a QR-code scan
//! starts a contract or fails to), the service POSTs a message to the
//! callback URL configured in the console, and posts it again until it gets
//! an HTTP 200. A receiver, for every request:
//!
//! 1. **Verifies** the signature, when a token is configured. The service
//!    signs in one of two forms, and a receiver accepts either:
//!    - the `Content-Signature` header: `sha256=` followed by the
//!      hexadecimal HMAC-SHA256 of the raw body keyed with the token;
//!    - the `timestamp`, `nonce` and `msg_signature` parameters of the
//!      callback URL's query string: `msg_signature` is the hexadecimal
//!      SHA-1 of the token, `timestamp`, `nonce` and the body's `encrypt`
//!      value, sorted and concatenated. It covers the ciphertext rather than
//!      the whole body, so it needs an encrypted body, and its timestamp
//!      must be within a window of the receiver's clock (5 minutes either
//!      way unless configured), which stops old requests from being
//!      replayed.
//!
//!    Each form present is checked, in constant time, before the body is
//!    decrypted; a request with neither is refused. A request that fails
//!    here may not come from the service: answer 401 and do nothing else.
//! 2. **Decrypts** the body, when a callback key is configured: the body is
//!    base64 text, bare or wrapped as `{"encrypt": "<base64>"}`; decoded, it
//!    is AES-256-CBC with the key's 32 bytes, the IV being the key's first 16
//!    bytes, and PKCS#7 padding. Without a key the body is the JSON message
//!    itself.
//! 3. **Decodes** the message `{"MsgId", "MsgType", "MsgVersion",
//!    "MsgData"}` into a [`Callback`] whose [`CallbackEvent`] is typed by
//!    `MsgType`. Unknown message types, unknown status values and unknown
//!    members are kept, not rejected, and numbers sent as strings are
//!    accepted, so a message the service adds later still decodes.
//! 4. **Answers 200 at once**, and processes the event afterwards (in a task
//!    or through a queue): a slow answer makes the service post again. It
//!    may post the same message more than once anyway, so process
//!    idempotently, keyed by [`Callback::msg_id`].
//!
//! [`CallbackDecoder`] does steps 1 to 3 for any web framework: give it the
//! raw body, the headers and the query string
//! ([`CallbackDecoder::decode_request`], which also says which form it
//! checked). With the `axum` feature, `callback::axum::CallbackReceiver`
//! does all four as a ready-made route. [`CallbackEncoder`] does the reverse
//! (encrypt and sign, in either form), for tests and for emulating the
//! service.
//!
//! ```
//! use ess_api::callback::{CallbackDecoder, CallbackError, CallbackEvent};
//! use ess_api::types::FlowCallbackStatus;
//!
//! fn on_request(
//!     decoder: &CallbackDecoder,
//!     body: &[u8],
//!     headers: &[(String, String)],
//!     query: Option<&str>,
//! ) -> u16 {
//!     let headers = headers.iter().map(|(n, v)| (n, v));
//!     let callback = match decoder.decode_request(body, headers, query) {
//!         Ok(received) => received.callback,
//!         Err(e) if e.is_authentication() => return 401,
//!         Err(CallbackError::BodyTooLarge { .. }) => return 413,
//!         Err(_) => return 400,
//!     };
//!     // Hand the event to a queue or a task here, then answer.
//!     match &callback.event {
//!         CallbackEvent::FlowStatusChange(data)
//!             if data.flow_callback_status == Some(FlowCallbackStatus::Signed) =>
//!         {
//!             println!("{} is signed by everyone", data.flow_id)
//!         }
//!         CallbackEvent::MultiFlowSignQrCodeCost(data) => println!("quota used: {data:?}"),
//!         other => println!("{} event", other.msg_type()),
//!     }
//!     200
//! }
//! # let decoder = CallbackDecoder::new();
//! # let body = br#"{"MsgId":"m","MsgType":"MultiFlowSignQrCodeCost","MsgData":{}}"#;
//! # assert_eq!(on_request(&decoder, body, &[], None), 200);
//! ```
//!
//! # Security notes
//!
//! - Configure a token: encryption alone does not authenticate (CBC without
//!   a MAC can be tampered with, and the IV is fixed by the key, so equal
//!   messages give equal ciphertexts). With a key set, a plain JSON body is
//!   refused, so encryption cannot be skipped by a sender. A decoder without
//!   a token is one built for unsigned callbacks: it checks nothing, and
//!   says so ([`SignatureCheck::Unchecked`]).
//! - Only the query form carries a time, so only it can be refused as a
//!   replay ([`CallbackError::TimestampOutOfWindow`]). Within the window, or
//!   with the header form, the same request can be posted again (the service
//!   itself repeats messages): process idempotently by `msg_id`.
//! - Bodies longer than [`CallbackDecoder::max_body_len`] (1 MiB unless
//!   changed) are refused before they are read further, and no input makes
//!   the decoder panic.
//! - The key and the token are wiped from memory when the decoder is
//!   dropped, and never appear in `Debug` output or in errors.

#[cfg(feature = "axum")]
pub mod axum;
mod codec;
mod error;
mod event;
mod query;

pub use codec::{
    CallbackDecoder, CallbackEncoder, EncodedCallback, EncryptedForm, ReceivedCallback,
    SignatureCheck, SignatureForm, CONTENT_SIGNATURE, DEFAULT_MAX_BODY_LEN,
};
pub use error::{CallbackError, InvalidKeyLength};
pub use event::{Callback, CallbackEvent};
pub use query::{
    QuerySignature, DEFAULT_TIMESTAMP_WINDOW, MSG_SIGNATURE_PARAM, NONCE_PARAM, TIMESTAMP_PARAM,
};

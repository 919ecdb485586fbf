//! Typed callback messages.

use serde_json::{Map, Value};

use super::error::CallbackError;
use crate::types::{CallbackMessage, CallbackMsgType, FlowStatusChangeData};

/// One callback message, decoded: its envelope and its typed event.
///
/// The service posts a message again until it is acknowledged, so the same
/// [`msg_id`](Self::msg_id) can arrive more than once: make processing
/// idempotent, or remember the ids already handled.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Callback {
    /// Id of the message (`MsgId`); the same for every delivery of it.
    pub msg_id: String,
    /// Version of the message format (`MsgVersion`), when sent.
    pub msg_version: Option<String>,
    /// What happened, with its data (`MsgType` and `MsgData`).
    pub event: CallbackEvent,
    /// Members of the envelope this SDK does not know, kept as received.
    pub extra: Map<String, Value>,
}

/// What a callback reports: one variant per known `MsgType`, and
/// [`CallbackEvent::Unknown`] for the others, kept as received.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CallbackEvent {
    /// `FlowStatusChange`: a contract's status changed. An unknown status
    /// value decodes into [`FlowCallbackStatus::Unknown`], and unknown
    /// members are kept in [`FlowStatusChangeData::extra`].
    ///
    /// Boxed, as it is much larger than the other variants.
    ///
    /// [`FlowCallbackStatus::Unknown`]: crate::types::FlowCallbackStatus::Unknown
    FlowStatusChange(Box<FlowStatusChangeData>),
    /// `CreateFlowByQrCode`: a scan of a sign QR code could not start a
    /// contract because the organization ran out of quota. Its data is kept
    /// as received (empty when the message has none).
    CreateFlowByQrCode(Map<String, Value>),
    /// `MultiFlowSignQrCodeCost`: a contract started from a sign QR code
    /// consumed contract quota. Its data is kept as received (empty when the
    /// message has none).
    MultiFlowSignQrCodeCost(Map<String, Value>),
    /// A `MsgType` this SDK does not know, with its `MsgData` as received
    /// (`null` when absent).
    Unknown {
        /// The `MsgType`, as sent.
        msg_type: String,
        /// The `MsgData`, as sent.
        data: Value,
    },
}

impl CallbackEvent {
    /// The `MsgType` of this event.
    pub fn msg_type(&self) -> CallbackMsgType {
        match self {
            Self::FlowStatusChange(_) => CallbackMsgType::FlowStatusChange,
            Self::CreateFlowByQrCode(_) => CallbackMsgType::CreateFlowByQrCode,
            Self::MultiFlowSignQrCodeCost(_) => CallbackMsgType::MultiFlowSignQrCodeCost,
            Self::Unknown { msg_type, .. } => CallbackMsgType::from(msg_type.as_str()),
        }
    }

    /// The `MsgData` of this event, as JSON.
    pub fn to_data(&self) -> Result<Value, serde_json::Error> {
        Ok(match self {
            Self::FlowStatusChange(data) => serde_json::to_value(&**data)?,
            Self::CreateFlowByQrCode(map) | Self::MultiFlowSignQrCodeCost(map) => {
                Value::Object(map.clone())
            }
            Self::Unknown { data, .. } => data.clone(),
        })
    }
}

impl Callback {
    /// A message with the given id and event, without version or extra
    /// members (for tests, and for sending callbacks with
    /// [`CallbackEncoder`](super::CallbackEncoder)).
    pub fn new(msg_id: impl Into<String>, event: CallbackEvent) -> Self {
        Self {
            msg_id: msg_id.into(),
            msg_version: None,
            event,
            extra: Map::new(),
        }
    }

    /// Sets [`msg_version`](Self::msg_version).
    pub fn with_msg_version(mut self, version: impl Into<String>) -> Self {
        self.msg_version = Some(version.into());
        self
    }

    /// The `MsgType` of this message.
    pub fn msg_type(&self) -> CallbackMsgType {
        self.event.msg_type()
    }

    /// Decodes the JSON text of a plain (unencrypted, or already decrypted)
    /// message. Verification and decryption are
    /// [`CallbackDecoder`](super::CallbackDecoder)'s job.
    pub fn from_json(json: &[u8]) -> Result<Self, CallbackError> {
        let text = std::str::from_utf8(json).map_err(|e| CallbackError::NotUtf8 {
            valid_up_to: e.valid_up_to(),
        })?;
        let value: Value = serde_json::from_str(text).map_err(CallbackError::Json)?;
        Self::from_value(value)
    }

    /// Decodes a message already parsed as JSON.
    pub fn from_value(value: Value) -> Result<Self, CallbackError> {
        if !value.is_object() {
            return Err(CallbackError::shape(format!(
                "expected a JSON object, found {}",
                kind(&value)
            )));
        }
        let message: CallbackMessage = serde_json::from_value(value)
            .map_err(|e| CallbackError::shape(format!("envelope: {e}")))?;
        Self::from_message(message)
    }

    /// Types the data of a decoded envelope according to its `MsgType`.
    ///
    /// A missing `MsgType` is an error; an unknown one gives
    /// [`CallbackEvent::Unknown`]. `FlowStatusChange` needs `MsgData` to be
    /// an object; the QR-code events accept an object, or no data at all.
    pub fn from_message(message: CallbackMessage) -> Result<Self, CallbackError> {
        let CallbackMessage {
            msg_id,
            msg_type,
            msg_version,
            msg_data,
            extra,
            ..
        } = message;
        let Some(msg_type) = msg_type else {
            return Err(CallbackError::shape("MsgType is missing"));
        };
        let event = match msg_type {
            CallbackMsgType::FlowStatusChange => {
                let map = object(msg_data, &msg_type, false)?;
                let data: FlowStatusChangeData = serde_json::from_value(Value::Object(map))
                    .map_err(|e| CallbackError::shape(format!("MsgData of {msg_type}: {e}")))?;
                CallbackEvent::FlowStatusChange(Box::new(data))
            }
            CallbackMsgType::CreateFlowByQrCode => {
                CallbackEvent::CreateFlowByQrCode(object(msg_data, &msg_type, true)?)
            }
            CallbackMsgType::MultiFlowSignQrCodeCost => {
                CallbackEvent::MultiFlowSignQrCodeCost(object(msg_data, &msg_type, true)?)
            }
            other => CallbackEvent::Unknown {
                msg_type: other.as_str().to_owned(),
                data: msg_data.unwrap_or(Value::Null),
            },
        };
        Ok(Self {
            msg_id,
            msg_version,
            event,
            extra,
        })
    }

    /// The message as the wire envelope.
    pub fn to_message(&self) -> Result<CallbackMessage, serde_json::Error> {
        Ok(CallbackMessage {
            msg_id: self.msg_id.clone(),
            msg_type: Some(self.msg_type()),
            msg_version: self.msg_version.clone(),
            msg_data: Some(self.event.to_data()?),
            extra: self.extra.clone(),
        })
    }

    /// The message as JSON text, as the service sends it before encryption.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&self.to_message()?)
    }
}

impl TryFrom<CallbackMessage> for Callback {
    type Error = CallbackError;

    fn try_from(message: CallbackMessage) -> Result<Self, Self::Error> {
        Self::from_message(message)
    }
}

/// `MsgData` as an object; `null` or absent gives an empty map when
/// `absent_ok`.
fn object(
    data: Option<Value>,
    msg_type: &CallbackMsgType,
    absent_ok: bool,
) -> Result<Map<String, Value>, CallbackError> {
    match data {
        Some(Value::Object(map)) => Ok(map),
        None | Some(Value::Null) if absent_ok => Ok(Map::new()),
        None | Some(Value::Null) => Err(CallbackError::shape(format!(
            "MsgData of {msg_type} is missing"
        ))),
        Some(other) => Err(CallbackError::shape(format!(
            "MsgData of {msg_type} must be an object, found {}",
            kind(&other)
        ))),
    }
}

pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

//! Decoding `{"Response": {...}}` bodies in one pass.
//!
//! A success is `{"Response": {<output fields>, "RequestId": "..."}}` and an
//! error is `{"Response": {"Error": {"Code": "...", "Message": "..."},
//! "RequestId": "..."}}`. The fast path deserializes the output type
//! directly from the `Response` object while watching its keys: `Error` is
//! taken out of the stream (and remembered) and `RequestId` is copied on its
//! way to the output type. Only when that pass cannot finish (malformed
//! JSON, an output type that does not match) does a second, borrowed pass
//! look for an error, to tell a service error from an unusable body.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer, UnitDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::error_meta::ErrorMeta;

/// What a body turned out to be.
#[derive(Debug)]
pub(crate) enum Decoded<'a, T> {
    /// A success, and its request id (borrowed from the body when written
    /// as a plain string).
    Output {
        value: T,
        request_id: Option<Cow<'a, str>>,
    },
    /// A service error.
    Service(ErrorMeta),
}

/// Why a body could not be decoded.
#[derive(Debug)]
pub(crate) enum DecodeFailure {
    Empty,
    NotJson(serde_json::Error),
    Truncated(serde_json::Error),
    /// JSON, but no `Response` object, or one that does not match the output.
    Unexpected {
        request_id: Option<String>,
        error: Option<serde_json::Error>,
    },
}

/// Decodes a success body (HTTP 2xx) into `T` or a service error. The
/// request id of a success is read only when `want_id`.
pub(crate) fn decode<'a, T: de::Deserialize<'a>>(
    body: &'a [u8],
    want_id: bool,
) -> Result<Decoded<'a, T>, DecodeFailure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeFailure::Empty);
    }
    if !want_id {
        if let Some(value) = direct::<T>(body) {
            return Ok(Decoded::Output {
                value,
                request_id: None,
            });
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let fast = EnvelopeSeed::<T>(PhantomData)
        .deserialize(&mut de)
        .and_then(|r| de.end().map(|()| r));
    match fast {
        Ok(Fast::Output { value, request_id }) => Ok(Decoded::Output { value, request_id }),
        Ok(Fast::Service(meta)) => Ok(Decoded::Service(meta)),
        Ok(Fast::Mismatch { error, request_id }) => Err(DecodeFailure::Unexpected {
            request_id: request_id.map(Cow::into_owned),
            error: Some(error),
        }),
        Ok(Fast::MissingResponse) => Err(DecodeFailure::Unexpected {
            request_id: None,
            error: None,
        }),
        // The fast pass stopped early: find out whether the body is a
        // service error, another JSON document, or not JSON at all.
        Err(error) => match probe(body) {
            Ok(Probe {
                error: Some(meta), ..
            }) => Ok(Decoded::Service(meta)),
            Ok(p) => Err(DecodeFailure::Unexpected {
                request_id: p.request_id,
                error: Some(error),
            }),
            Err(e) => Err(classify(e)),
        },
    }
}

/// The plain pass for the common case, a success: `T` straight from the
/// `Response` object, nothing watched, and no request id (for callers that
/// do not record it).
///
/// Taken only when the body cannot hold an `Error` member (the bytes
/// `"Error"` do not occur and no string has an escape: `\u0045rror` is
/// `Error` too) and the body is UTF-8. Any failure falls back to the
/// watching pass, which tells a service error, a mismatch and a malformed
/// body apart; so the answer is the same either way, only cheaper when all
/// is well.
fn direct<'a, T: de::Deserialize<'a>>(body: &'a [u8]) -> Option<T> {
    static ERROR_KEY: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
        std::sync::OnceLock::new();
    let error_key = ERROR_KEY.get_or_init(|| memchr::memmem::Finder::new(b"\"Error\""));
    if memchr::memchr(b'\\', body).is_some() || error_key.find(body).is_some() {
        return None;
    }
    // One check of the whole body is cheaper than serde_json's check of
    // each string as it goes; a body that fails it takes the watching pass.
    let text = std::str::from_utf8(body).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = de.deserialize_map(DirectEnvelope::<T>(PhantomData)).ok()?;
    de.end().ok()?;
    Some(value)
}

/// `{"Response": T, ...}` with exactly one `Response`, other members skipped.
struct DirectEnvelope<T>(PhantomData<T>);

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for DirectEnvelope<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with a Response member")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if key == "Response" {
                if found.is_some() {
                    return Err(de::Error::duplicate_field("Response"));
                }
                found = Some(map.next_value::<T>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        found.ok_or_else(|| de::Error::missing_field("Response"))
    }
}

/// The failure of a body that is not a JSON document.
pub(crate) fn classify(e: serde_json::Error) -> DecodeFailure {
    if e.is_eof() {
        DecodeFailure::Truncated(e)
    } else if e.is_syntax() {
        DecodeFailure::NotJson(e)
    } else {
        DecodeFailure::Unexpected {
            request_id: None,
            error: Some(e),
        }
    }
}

/// The error and request id of a body, whatever the rest of it holds.
#[derive(Debug, Default)]
pub(crate) struct Probe {
    pub(crate) error: Option<ErrorMeta>,
    pub(crate) request_id: Option<String>,
}

/// Looks for `Response.Error` and `Response.RequestId` only, skipping
/// everything else without allocating.
pub(crate) fn probe(body: &[u8]) -> Result<Probe, serde_json::Error> {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(rename = "Response", borrow, default)]
        response: Option<ProbeResponse<'a>>,
    }
    #[derive(Deserialize)]
    struct ProbeResponse<'a> {
        #[serde(rename = "Error", default)]
        error: Option<ErrorBody>,
        #[serde(rename = "RequestId", borrow, default)]
        request_id: RequestIdText<'a>,
    }
    let envelope: Envelope<'_> = serde_json::from_slice(body)?;
    let Some(response) = envelope.response else {
        return Ok(Probe::default());
    };
    let request_id = response.request_id.0.map(Cow::into_owned);
    Ok(Probe {
        error: response
            .error
            .map(|e| ErrorMeta::from_parts(e.code, e.message, request_id.clone())),
        request_id,
    })
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

enum Fast<'de, T> {
    Output {
        value: T,
        request_id: Option<Cow<'de, str>>,
    },
    Service(ErrorMeta),
    /// `Response` was read whole, has no `Error`, and did not match `T`.
    Mismatch {
        error: serde_json::Error,
        request_id: Option<Cow<'de, str>>,
    },
    MissingResponse,
}

struct EnvelopeSeed<T>(PhantomData<T>);

impl<'de, T: de::Deserialize<'de>> DeserializeSeed<'de> for EnvelopeSeed<T> {
    type Value = Fast<'de, T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for EnvelopeSeed<T> {
    type Value = Fast<'de, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with a Response member")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if key == "Response" && found.is_none() {
                found = Some(map.next_value_seed(ResponseSeed::<T>(PhantomData))?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found.unwrap_or(Fast::MissingResponse))
    }
}

struct ResponseSeed<T>(PhantomData<T>);

impl<'de, T: de::Deserialize<'de>> DeserializeSeed<'de> for ResponseSeed<T> {
    type Value = Fast<'de, T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for ResponseSeed<T> {
    type Value = Fast<'de, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Response object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut watch = Watch::default();
        let result = T::deserialize(de::value::MapAccessDeserializer::new(Intercept {
            inner: &mut map,
            watch: &mut watch,
        }));
        if watch.broken {
            // The underlying reader stopped mid-entry: nothing more can be read.
            return Err(match result {
                Err(e) => e,
                Ok(_) => de::Error::custom("the Response object could not be read"),
            });
        }
        if watch.value_pending {
            // The output type refused a key (unknown or duplicate field).
            if watch.request_id_next {
                watch.request_id = map.next_value_seed(IdSeed)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if !watch.finished {
            while let Some(key) = map.next_key_seed(KeySeed)? {
                if key == "Error" && watch.error.is_none() {
                    watch.error = map.next_value::<Option<ErrorBody>>()?;
                } else if key == "RequestId" && watch.request_id.is_none() {
                    watch.request_id = map.next_value_seed(IdSeed)?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let Some(error) = watch.error {
            return Ok(Fast::Service(ErrorMeta::from_parts(
                error.code,
                error.message,
                watch.request_id.map(Cow::into_owned),
            )));
        }
        Ok(match result {
            Ok(value) => Fast::Output {
                value,
                request_id: watch.request_id,
            },
            Err(e) => Fast::Mismatch {
                error: <serde_json::Error as de::Error>::custom(e),
                request_id: watch.request_id,
            },
        })
    }
}

/// What the interceptor saw of the `Response` object.
#[derive(Default)]
struct Watch<'de> {
    error: Option<ErrorBody>,
    request_id: Option<Cow<'de, str>>,
    /// The next value to be read is `RequestId`'s.
    request_id_next: bool,
    /// A key was handed out and its value not read yet.
    value_pending: bool,
    /// The end of the object was reached.
    finished: bool,
    /// The underlying reader failed; the object cannot be finished.
    broken: bool,
}

/// A view of the `Response` object for the output type: `Error` is removed
/// from it and `RequestId` is recorded on its way through.
struct Intercept<'a, 'w, 'de, A> {
    inner: &'a mut A,
    watch: &'w mut Watch<'de>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Intercept<'_, '_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        loop {
            let key = match self.inner.next_key_seed(KeySeed) {
                Ok(Some(key)) => key,
                Ok(None) => {
                    self.watch.finished = true;
                    return Ok(None);
                }
                Err(e) => {
                    self.watch.broken = true;
                    return Err(e);
                }
            };
            if key == "Error" && self.watch.error.is_none() {
                match self.inner.next_value::<Option<ErrorBody>>() {
                    Ok(error) => {
                        self.watch.error = error;
                        continue;
                    }
                    Err(e) => {
                        self.watch.broken = true;
                        return Err(e);
                    }
                }
            }
            self.watch.request_id_next = key == "RequestId";
            self.watch.value_pending = true;
            return match key {
                Cow::Borrowed(s) => seed.deserialize(BorrowedStrDeserializer::new(s)),
                Cow::Owned(s) => seed.deserialize(StringDeserializer::new(s)),
            }
            .map(Some);
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        self.watch.value_pending = false;
        if std::mem::take(&mut self.watch.request_id_next) {
            let id = match self.inner.next_value_seed(IdSeed) {
                Ok(id) => id,
                Err(e) => {
                    self.watch.broken = true;
                    return Err(e);
                }
            };
            // The output sees the id as text whatever its JSON type, or
            // `null` when there is none.
            let value = match &id {
                Some(Cow::Borrowed(s)) => seed.deserialize(BorrowedStrDeserializer::new(s)),
                Some(Cow::Owned(s)) => seed.deserialize(StringDeserializer::new(s.clone())),
                None => seed.deserialize(UnitDeserializer::new()),
            };
            self.watch.request_id = id;
            return value;
        }
        self.inner.next_value_seed(seed).inspect_err(|_| {
            self.watch.broken = true;
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A request id of any JSON type, as text: a string as it is, a number or
/// a boolean as written, an object or array as compact JSON; `null` is none.
/// The id only labels the answer, so an odd type never fails a call.
struct IdSeed;

impl<'de> DeserializeSeed<'de> for IdSeed {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IdSeed {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a request id")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(
            serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()),
        )))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let value = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Some(Cow::Owned(value.to_string())))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let value = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Some(Cow::Owned(value.to_string())))
    }
}

/// `RequestId` for [`probe`]: any JSON type, as text.
#[derive(Default)]
struct RequestIdText<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for RequestIdText<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IdSeed.deserialize(d).map(RequestIdText)
    }
}

/// A string, borrowed from the input when it has no escapes.
struct StrSeed;

impl<'de> DeserializeSeed<'de> for StrSeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for StrSeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Object keys, borrowed when possible.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_identifier(StrSeed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Out {
        #[serde(rename = "FlowId")]
        flow_id: String,
        #[serde(rename = "Count", default)]
        count: u32,
        #[serde(rename = "RequestId")]
        request_id: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Loose {
        #[serde(rename = "FlowId", default)]
        flow_id: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        #[serde(rename = "FlowId")]
        flow_id: String,
    }

    fn ok<T: de::DeserializeOwned + fmt::Debug>(body: &str) -> (T, Option<String>) {
        match decode::<T>(body.as_bytes(), true) {
            Ok(Decoded::Output { value, request_id }) => (value, request_id.map(Cow::into_owned)),
            other => panic!("expected output, got {other:?}"),
        }
    }

    fn service<T: de::DeserializeOwned + fmt::Debug>(body: &str) -> ErrorMeta {
        match decode::<T>(body.as_bytes(), true) {
            Ok(Decoded::Service(meta)) => meta,
            other => panic!("expected service error, got {other:?}"),
        }
    }

    #[test]
    fn success() {
        let (out, id) = ok::<Out>(
            r#"{"Response": {"FlowId": "f1", "Count": 3, "Extra": [1, {"a": null}], "RequestId": "r-1"}}"#,
        );
        assert_eq!(
            out,
            Out {
                flow_id: "f1".into(),
                count: 3,
                request_id: "r-1".into()
            }
        );
        assert_eq!(id.as_deref(), Some("r-1"));
        // Escaped keys and values, members outside Response, RequestId first.
        let (out, id) = ok::<Out>(
            r#"{"Other": 1, "Response": {"RequestId": "r\u002d2", "Flow\u0049d": "f\"2"}, "More": {}}"#,
        );
        assert_eq!(out.flow_id, "f\"2");
        assert_eq!(out.request_id, "r-2");
        assert_eq!(id.as_deref(), Some("r-2"));
        // A null error member is no error.
        let (out, _) =
            ok::<Out>(r#"{"Response": {"Error": null, "FlowId": "f", "RequestId": "r"}}"#);
        assert_eq!(out.flow_id, "f");
        // An output type without a RequestId field still gets it recorded.
        let (_, id) = ok::<Loose>(r#"{"Response": {"RequestId": "r-3"}}"#);
        assert_eq!(id.as_deref(), Some("r-3"));
    }

    #[test]
    fn service_errors_wherever_the_error_member_is() {
        for body in [
            r#"{"Response": {"Error": {"Code": "InternalError", "Message": "boom"}, "RequestId": "r-9"}}"#,
            r#"{"Response": {"RequestId": "r-9", "Error": {"Message": "boom", "Code": "InternalError"}}}"#,
            r#"{"Response": {"RequestId": "r-9", "Error": {"Message": "boom", "Code": "InternalError", "Extra": 1}, "FlowId": 7}}"#,
        ] {
            for meta in [
                service::<Out>(body),
                service::<Loose>(body),
                service::<Strict>(body),
            ] {
                assert_eq!(meta.code(), "InternalError");
                assert_eq!(meta.message(), "boom");
                assert_eq!(meta.request_id(), Some("r-9"));
            }
        }
        let meta =
            service::<Out>(r#"{"Response": {"Error": {"Code": "A.B", "Message": "\u672a"}}}"#);
        assert_eq!(meta.message(), "\u{672a}");
        assert_eq!(meta.request_id(), None);
    }

    #[test]
    fn failures() {
        assert!(matches!(
            decode::<Out>(b"", true),
            Err(DecodeFailure::Empty)
        ));
        assert!(matches!(
            decode::<Out>(b" \n", true),
            Err(DecodeFailure::Empty)
        ));
        assert!(matches!(
            decode::<Out>(b"<html>bad gateway</html>", true),
            Err(DecodeFailure::NotJson(_))
        ));
        assert!(matches!(
            decode::<Out>(br#"{"Response": {"FlowId": "f1", "Req"#, true),
            Err(DecodeFailure::Truncated(_))
        ));
        assert!(matches!(
            decode::<Out>(br#"{"Response": {"FlowId": "f1"}} trailing"#, true),
            Err(DecodeFailure::NotJson(_))
        ));
        assert!(matches!(
            decode::<Out>(br#"{"NotResponse": {}}"#, true),
            Err(DecodeFailure::Unexpected { error: None, .. })
        ));
        assert!(matches!(
            decode::<Out>(br#"{"Response": null}"#, true),
            Err(DecodeFailure::Unexpected { .. })
        ));
        assert!(matches!(
            decode::<Out>(b"[1, 2]", true),
            Err(DecodeFailure::Unexpected { .. })
        ));
        // Missing required field: the object is read whole, no error member.
        match decode::<Out>(br#"{"Response": {"RequestId": "r-5"}}"#, true) {
            Err(DecodeFailure::Unexpected {
                request_id,
                error: Some(e),
            }) => {
                assert_eq!(request_id.as_deref(), Some("r-5"));
                assert!(e.to_string().contains("FlowId"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        // Wrong type mid-object: the fast pass stops, the probe finds the id.
        match decode::<Out>(br#"{"Response": {"FlowId": 5, "RequestId": "r-6"}}"#, true) {
            Err(DecodeFailure::Unexpected { request_id, .. }) => {
                assert_eq!(request_id.as_deref(), Some("r-6"))
            }
            other => panic!("{other:?}"),
        }
        // Wrong type before the error member: still a service error.
        let meta = service::<Out>(
            r#"{"Response": {"FlowId": 5, "Error": {"Code": "X", "Message": "y"}, "RequestId": "r"}}"#,
        );
        assert_eq!(meta.code(), "X");
        // Unknown member refused by the output type before the error member.
        let meta = service::<Strict>(
            r#"{"Response": {"Unknown": [1], "Error": {"Code": "X", "Message": "y"}}}"#,
        );
        assert_eq!(meta.code(), "X");
        // Duplicate field refused by the output type, with a value pending.
        let meta = service::<Out>(
            r#"{"Response": {"FlowId": "a", "FlowId": "b", "Error": {"Code": "X", "Message": "y"}}}"#,
        );
        assert_eq!(meta.code(), "X");
        // A malformed error member is not a service error.
        assert!(decode::<Loose>(br#"{"Response": {"Error": "oops"}}"#, true).is_err());
    }

    #[test]
    fn probe_finds_only_what_it_needs() {
        let p = probe(br#"{"Response": {"Big": [1,2,3], "Error": {"Code": "C", "Message": "M"}, "RequestId": "r"}}"#).unwrap();
        assert_eq!(p.error.unwrap().code(), "C");
        assert_eq!(p.request_id.as_deref(), Some("r"));
        assert!(probe(b"{}").unwrap().error.is_none());
        assert!(probe(b"{").is_err());
    }

    /// What a decoding came to, without the request id: the plain pass
    /// leaves the id out, and must agree on everything else.
    fn outcome<T: de::DeserializeOwned + fmt::Debug>(body: &[u8], want_id: bool) -> String {
        match decode::<T>(body, want_id) {
            Ok(Decoded::Output { value, .. }) => format!("output {value:?}"),
            Ok(Decoded::Service(meta)) => format!("service {} {}", meta.code(), meta.message()),
            Err(DecodeFailure::Empty) => "empty".into(),
            Err(DecodeFailure::NotJson(_)) => "not json".into(),
            Err(DecodeFailure::Truncated(_)) => "truncated".into(),
            Err(DecodeFailure::Unexpected { error, .. }) => {
                format!("unexpected {}", error.is_some())
            }
        }
    }

    #[test]
    fn the_plain_pass_agrees_with_the_watching_one() {
        let bodies: &[&[u8]] = &[
            br#"{"Response": {"FlowId": "f1", "Count": 3, "RequestId": "r-1"}}"#,
            br#"{"Other": 1, "Response": {"FlowId": "f1", "Count": 3, "RequestId": "r-1"}}"#,
            br#"{"Response": {"FlowId": "f1", "Count": 3, "RequestId": 17}}"#,
            br#"{"Response": {"FlowId": "f1", "Count": 3, "RequestId": null}}"#,
            br#"{"Response": {"FlowId": "f1", "Count": 3}}"#,
            br#"{"Response": {"Error": {"Code": "C", "Message": "M"}, "RequestId": "r"}}"#,
            // An escaped key that reads as `Error`.
            br#"{"Response": {"Error": {"Code": "C", "Message": "M"}, "RequestId": "r"}}"#,
            // `Error` only inside a value: a success.
            br#"{"Response": {"FlowId": ""Error"", "Count": 1, "RequestId": "r"}}"#,
            br#"{"Response": {"FlowId": "Error", "Count": 1, "RequestId": "r"}}"#,
            br#"{"Response": {"FlowId": "a", "Count": 1}, "Response": {"FlowId": "b", "Count": 2}}"#,
            br#"{"Response": null}"#,
            br#"{"NotResponse": {}}"#,
            br#"{"Response": {"FlowId": 5, "Count": 1}}"#,
            br#"{"Response": {"FlowId": "f", "Count": 1}} trailing"#,
            br#"{"Response": {"FlowId": "f", "Cou"#,
            b"[1, 2]",
            b"<html>",
            // UTF-8: the plain pass checks the whole body once, and a body
            // that is not UTF-8 goes to the watching pass.
            "{\"Response\": {\"FlowId\": \"合同\", \"Count\": 1, \"RequestId\": \"r\"}}".as_bytes(),
            b"{\"Response\": {\"FlowId\": \"\xe5\x90\", \"Count\": 1, \"RequestId\": \"r\"}}",
            b"{\"Response\": {\"FlowId\": \"f\", \"Count\": 1}, \"\xff\": 1}",
        ];
        for body in bodies {
            let text = String::from_utf8_lossy(body);
            assert_eq!(
                outcome::<Out>(body, false),
                outcome::<Out>(body, true),
                "{text}"
            );
            assert_eq!(
                outcome::<Loose>(body, false),
                outcome::<Loose>(body, true),
                "{text}"
            );
            assert_eq!(
                outcome::<Strict>(body, false),
                outcome::<Strict>(body, true),
                "{text}"
            );
        }
        // The plain pass is the one taken for a clean success, and it leaves
        // the request id out.
        match decode::<Out>(bodies[0], false) {
            Ok(Decoded::Output { request_id, .. }) => assert_eq!(request_id, None),
            other => panic!("{other:?}"),
        }
        // An escaped `Error` key is still a service error without the id.
        assert!(outcome::<Loose>(bodies[6], false).starts_with("service C"));
        // Non-ASCII text decodes; a string that is not UTF-8 is refused.
        let n = bodies.len();
        assert!(outcome::<Out>(bodies[n - 3], false).starts_with("output"));
        assert!(outcome::<Out>(bodies[n - 3], false).contains("合同"));
        assert!(outcome::<Out>(bodies[n - 2], false).starts_with("unexpected"));
    }
}

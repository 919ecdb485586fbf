//! Opt-in fault injection for API requests (`POST /`).
//!
//! A [`Fault`] is a [`FaultKind`] and a [`FaultScope`]: the next N API
//! requests, or a fraction of them chosen by a seeded generator (the same
//! seed picks the same requests). Active faults are tried in the order they
//! were added; the first that applies to a request is the only one applied
//! to it. Faults never apply to the emulator's own endpoints.
//!
//! | kind | JSON `Kind` | the request is handled | what the client sees |
//! | --- | --- | --- | --- |
//! | [`Latency`](FaultKind::Latency) | `latency` | yes | the answer, `DelayMs` late |
//! | [`HttpStatus`](FaultKind::HttpStatus) | `http_status` | no | a 5xx status with a plain-text page |
//! | [`ResetBeforeRead`](FaultKind::ResetBeforeRead) | `reset_before_read` | no | the connection reset once the request head arrived, its body unread |
//! | [`ResetAfterRead`](FaultKind::ResetAfterRead) | `reset_after_read` | yes | the connection reset instead of the answer |
//! | [`SlowHeaders`](FaultKind::SlowHeaders) | `slow_headers` | yes | the status line and headers trickled over `DelayMs` |
//! | [`SlowBody`](FaultKind::SlowBody) | `slow_body` | yes | the body trickled over `DelayMs` |
//! | [`TruncatedBody`](FaultKind::TruncatedBody) | `truncated_body` | yes | half the body, then the connection closed |
//! | [`OversizedBody`](FaultKind::OversizedBody) | `oversized_body` | yes | a `Content-Length` of `Bytes` (default 16 MiB), the answer padded to it |
//! | [`NonJsonBody`](FaultKind::NonJsonBody) | `non_json_body` | no | HTTP 200 with an HTML page |
//! | [`WrongContentType`](FaultKind::WrongContentType) | `wrong_content_type` | yes | the JSON answer labelled `text/html` |
//! | [`ThrottlingStorm`](FaultKind::ThrottlingStorm) | `throttling_storm` | no | `RequestLimitExceeded` |
//!
//! "Handled" means the action ran and its effects (a code created, ...)
//! happened, although the client may never learn of it.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The default size of an [`FaultKind::OversizedBody`] answer: 16 MiB.
pub const DEFAULT_OVERSIZED_BYTES: u64 = 16 * 1024 * 1024;
/// The largest [`FaultKind::OversizedBody`] answer: 256 MiB.
pub const MAX_OVERSIZED_BYTES: u64 = 256 * 1024 * 1024;
/// The longest delay a fault may add: 10 minutes.
pub const MAX_DELAY: Duration = Duration::from_secs(600);

/// What goes wrong.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// The answer comes this much later.
    Latency(Duration),
    /// An HTTP status from 500 to 599 with a plain-text page, as a gateway
    /// in front of the service would send; the request is not handled.
    HttpStatus(u16),
    /// The connection is reset once the request's head has arrived.
    ResetBeforeRead,
    /// The request is read and handled, then the connection is reset.
    ResetAfterRead,
    /// The status line and headers are written a few bytes at a time over
    /// this long.
    SlowHeaders(Duration),
    /// The body is written a few bytes at a time over this long.
    SlowBody(Duration),
    /// Half the body is written, then the connection is closed.
    TruncatedBody,
    /// The answer is padded to this many bytes.
    OversizedBody(u64),
    /// An HTML page with status 200; the request is not handled.
    NonJsonBody,
    /// The JSON answer with `Content-Type: text/html`.
    WrongContentType,
    /// `RequestLimitExceeded`, whatever the rate; the request is not handled.
    ThrottlingStorm,
}

impl FaultKind {
    /// The name used in the JSON form.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Latency(_) => "latency",
            FaultKind::HttpStatus(_) => "http_status",
            FaultKind::ResetBeforeRead => "reset_before_read",
            FaultKind::ResetAfterRead => "reset_after_read",
            FaultKind::SlowHeaders(_) => "slow_headers",
            FaultKind::SlowBody(_) => "slow_body",
            FaultKind::TruncatedBody => "truncated_body",
            FaultKind::OversizedBody(_) => "oversized_body",
            FaultKind::NonJsonBody => "non_json_body",
            FaultKind::WrongContentType => "wrong_content_type",
            FaultKind::ThrottlingStorm => "throttling_storm",
        }
    }
}

/// Which requests a fault applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultScope {
    /// The next N API requests (at least 1); then the fault is removed.
    Next(u32),
    /// Each API request with this probability (0 to 1), drawn from a
    /// generator seeded with `seed`; stays until cleared.
    Fraction {
        /// The probability.
        probability: f64,
        /// The generator's seed.
        seed: u64,
    },
}

/// A fault to inject.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// To which requests.
    pub scope: FaultScope,
}

impl Fault {
    /// `kind` for the next `n` API requests.
    pub fn next(kind: FaultKind, n: u32) -> Self {
        Self {
            kind,
            scope: FaultScope::Next(n),
        }
    }

    /// `kind` for each API request with probability `probability`, drawn
    /// from a generator seeded with `seed`.
    pub fn fraction(kind: FaultKind, probability: f64, seed: u64) -> Self {
        Self {
            kind,
            scope: FaultScope::Fraction { probability, seed },
        }
    }

    fn check(&self) -> Result<(), FaultError> {
        let bad = |m: String| Err(FaultError(m));
        match &self.kind {
            FaultKind::Latency(d) | FaultKind::SlowHeaders(d) | FaultKind::SlowBody(d)
                if *d > MAX_DELAY =>
            {
                return bad(format!("a delay may be at most {} s", MAX_DELAY.as_secs()));
            }
            FaultKind::HttpStatus(s) if !(500..=599).contains(s) => {
                return bad(format!("the status must be from 500 to 599, not {s}"));
            }
            FaultKind::OversizedBody(n) if !(1..=MAX_OVERSIZED_BYTES).contains(n) => {
                return bad(format!(
                    "an oversized body must be from 1 to {MAX_OVERSIZED_BYTES} bytes, not {n}"
                ));
            }
            _ => {}
        }
        match self.scope {
            FaultScope::Next(0) => bad("Next must be at least 1".to_owned()),
            FaultScope::Fraction { probability, .. } if !(0.0..=1.0).contains(&probability) => {
                bad(format!("Fraction must be from 0 to 1, not {probability}"))
            }
            _ => Ok(()),
        }
    }

    /// The JSON form.
    fn to_spec(&self) -> FaultSpec {
        let mut spec = FaultSpec {
            kind: self.kind.name().to_owned(),
            ..FaultSpec::default()
        };
        match &self.kind {
            FaultKind::Latency(d) | FaultKind::SlowHeaders(d) | FaultKind::SlowBody(d) => {
                spec.delay_ms = Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            }
            FaultKind::HttpStatus(s) => spec.status = Some(*s),
            FaultKind::OversizedBody(n) => spec.bytes = Some(*n),
            _ => {}
        }
        match self.scope {
            FaultScope::Next(n) => spec.next = Some(n),
            FaultScope::Fraction { probability, seed } => {
                spec.fraction = Some(probability);
                spec.seed = Some(seed);
            }
        }
        spec
    }
}

/// A fault that cannot be injected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault: {0}")]
pub struct FaultError(String);

/// The JSON form of a fault, as `POST /_emulator/faults` takes it:
/// `{"Kind": "latency", "DelayMs": 250, "Next": 3}` or
/// `{"Kind": "http_status", "Status": 503, "Fraction": 0.25, "Seed": 7}`.
/// Without `Next` or `Fraction` a fault applies to the next request.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(crate) struct FaultSpec {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraction: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

impl FaultSpec {
    pub(crate) fn into_fault(self) -> Result<Fault, FaultError> {
        let err = |m: &str| FaultError(m.to_owned());
        let delay = || {
            self.delay_ms
                .map(Duration::from_millis)
                .ok_or_else(|| err("this kind needs DelayMs"))
        };
        let kind = match self.kind.as_str() {
            "latency" => FaultKind::Latency(delay()?),
            "http_status" => {
                FaultKind::HttpStatus(self.status.ok_or_else(|| err("http_status needs Status"))?)
            }
            "reset_before_read" => FaultKind::ResetBeforeRead,
            "reset_after_read" => FaultKind::ResetAfterRead,
            "slow_headers" => FaultKind::SlowHeaders(delay()?),
            "slow_body" => FaultKind::SlowBody(delay()?),
            "truncated_body" => FaultKind::TruncatedBody,
            "oversized_body" => {
                FaultKind::OversizedBody(self.bytes.unwrap_or(DEFAULT_OVERSIZED_BYTES))
            }
            "non_json_body" => FaultKind::NonJsonBody,
            "wrong_content_type" => FaultKind::WrongContentType,
            "throttling_storm" => FaultKind::ThrottlingStorm,
            other => {
                return Err(FaultError(format!(
                "unknown Kind {other:?}; expected one of latency, http_status, reset_before_read, \
                     reset_after_read, slow_headers, slow_body, truncated_body, oversized_body, \
                     non_json_body, wrong_content_type, throttling_storm"
            )))
            }
        };
        let scope = match (self.next, self.fraction) {
            (Some(_), Some(_)) => return Err(err("give Next or Fraction, not both")),
            (Some(n), None) => FaultScope::Next(n),
            (None, Some(p)) => FaultScope::Fraction {
                probability: p,
                seed: self.seed.unwrap_or(0),
            },
            (None, None) => FaultScope::Next(1),
        };
        if self.seed.is_some() && self.fraction.is_none() {
            return Err(err("Seed only goes with Fraction"));
        }
        let fault = Fault { kind, scope };
        fault.check()?;
        Ok(fault)
    }
}

/// An active fault as listed by `GET /_emulator/faults`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ActiveSpec {
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// Requests left, for `Next` faults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u32>,
    /// Requests it was applied to so far.
    pub applied: u64,
}

struct Active {
    fault: Fault,
    remaining: Option<u32>,
    rng: Option<fastrand::Rng>,
    applied: u64,
}

/// The active faults.
#[derive(Default)]
pub(crate) struct Faults {
    active: Mutex<Vec<Active>>,
}

impl Faults {
    pub(crate) fn add(&self, fault: Fault) -> Result<(), FaultError> {
        fault.check()?;
        let (remaining, rng) = match fault.scope {
            FaultScope::Next(n) => (Some(n), None),
            FaultScope::Fraction { seed, .. } => (None, Some(fastrand::Rng::with_seed(seed))),
        };
        self.lock().push(Active {
            fault,
            remaining,
            rng,
            applied: 0,
        });
        Ok(())
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    pub(crate) fn list(&self) -> Vec<ActiveSpec> {
        self.lock()
            .iter()
            .map(|a| ActiveSpec {
                spec: a.fault.to_spec(),
                remaining: a.remaining,
                applied: a.applied,
            })
            .collect()
    }

    pub(crate) fn active(&self) -> Vec<Fault> {
        self.lock().iter().map(|a| a.fault.clone()).collect()
    }

    pub(crate) fn applied(&self) -> Vec<(Fault, u64)> {
        self.lock()
            .iter()
            .map(|a| (a.fault.clone(), a.applied))
            .collect()
    }

    /// The fault for the next API request, if any.
    pub(crate) fn pick(&self) -> Option<FaultKind> {
        let mut active = self.lock();
        let mut chosen = None;
        for (i, a) in active.iter_mut().enumerate() {
            let fires = match (&a.fault.scope, &mut a.rng) {
                (FaultScope::Fraction { probability, .. }, Some(rng)) => rng.f64() < *probability,
                _ => true,
            };
            if fires {
                a.applied += 1;
                chosen = Some((i, a.fault.kind.clone()));
                break;
            }
        }
        let (i, kind) = chosen?;
        if let Some(left) = active[i].remaining.as_mut() {
            *left = left.saturating_sub(1);
            if *left == 0 {
                active.remove(i);
            }
        }
        Some(kind)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Active>> {
        self.active.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_n_then_gone() {
        let faults = Faults::default();
        faults
            .add(Fault::next(FaultKind::TruncatedBody, 2))
            .unwrap();
        assert_eq!(faults.pick(), Some(FaultKind::TruncatedBody));
        assert_eq!(faults.list()[0].remaining, Some(1));
        assert_eq!(faults.pick(), Some(FaultKind::TruncatedBody));
        assert_eq!(faults.pick(), None);
        assert!(faults.list().is_empty());
    }

    #[test]
    fn fractions_are_deterministic() {
        let run = |seed| {
            let faults = Faults::default();
            faults
                .add(Fault::fraction(FaultKind::NonJsonBody, 0.3, seed))
                .unwrap();
            (0..200)
                .map(|_| faults.pick().is_some())
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        let hits = a.iter().filter(|h| **h).count();
        assert!((30..=90).contains(&hits), "{hits}");
    }

    #[test]
    fn specs() {
        let parse = |j: &str| {
            serde_json::from_str::<FaultSpec>(j)
                .map_err(|e| FaultError(e.to_string()))
                .and_then(FaultSpec::into_fault)
        };
        assert_eq!(
            parse(r#"{"Kind": "latency", "DelayMs": 5, "Next": 2}"#).unwrap(),
            Fault::next(FaultKind::Latency(Duration::from_millis(5)), 2)
        );
        assert_eq!(
            parse(r#"{"Kind": "http_status", "Status": 502, "Fraction": 0.5, "Seed": 3}"#).unwrap(),
            Fault::fraction(FaultKind::HttpStatus(502), 0.5, 3)
        );
        assert_eq!(
            parse(r#"{"Kind": "oversized_body"}"#).unwrap(),
            Fault::next(FaultKind::OversizedBody(DEFAULT_OVERSIZED_BYTES), 1)
        );
        for bad in [
            r#"{"Kind": "latency"}"#,
            r#"{"Kind": "http_status", "Status": 404}"#,
            r#"{"Kind": "nope"}"#,
            r#"{"Kind": "truncated_body", "Next": 0}"#,
            r#"{"Kind": "truncated_body", "Fraction": 2}"#,
            r#"{"Kind": "truncated_body", "Next": 1, "Fraction": 0.5}"#,
            r#"{"Kind": "truncated_body", "Seed": 1}"#,
            r#"{"Kind": "truncated_body", "Extra": 1}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let round = Fault::fraction(FaultKind::SlowBody(Duration::from_millis(40)), 0.1, 9);
        assert_eq!(round.to_spec().into_fault().unwrap(), round);
    }
}

//! Retry policy: how many attempts, how long to wait between them.

use std::time::Duration;

/// How a call retries failed attempts.
///
/// The default makes at most 3 attempts in total and waits between them with
/// exponential backoff and full jitter: before retry `n` (1-based) the client
/// sleeps a random duration in `[0, min(max_delay, base_delay * 2^(n-1))]`.
/// There is no sleep after the last attempt.
///
/// Which failures are retried does not depend on this configuration:
///
/// * throttling (`RequestLimitExceeded...`) is always retried, since the
///   service refused the request before acting on it;
/// * transport failures where the request provably never left (connection
///   refused, connect timeout, name resolution) are always retried;
/// * ambiguous failures (a connection lost after the request was written, a
///   timeout while waiting for the answer, an `InternalError` or
///   `ServiceUnavailable` code, an HTTP 5xx page) are retried only for
///   actions marked idempotent;
/// * `AuthFailure.SignatureExpire` is answered by signing again once with a
///   fresh timestamp, without waiting and without using up an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    resign: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            resign: true,
        }
    }
}

impl RetryConfig {
    /// The default policy (3 attempts, 100 ms base delay, 5 s cap, re-sign on).
    pub fn new() -> Self {
        Self::default()
    }

    /// Exactly one request per call: no retries and no re-signing.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            resign: false,
            ..Self::default()
        }
    }

    /// Total attempts per call, the first included (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the first retry (before jitter).
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The largest backoff (before jitter).
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Whether an expired signature is answered by signing again once.
    pub fn with_resign_on_expired_signature(mut self, resign: bool) -> Self {
        self.resign = resign;
        self
    }

    /// Total attempts per call.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff before the first retry.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The largest backoff.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// Whether an expired signature is answered by signing again once.
    pub fn resign_on_expired_signature(&self) -> bool {
        self.resign
    }

    /// The upper bound of the wait before retry `retry` (1-based):
    /// `min(max_delay, base_delay * 2^(retry-1))`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32 << retry.saturating_sub(1).min(20);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// A random wait in `[0, backoff_ceiling(retry)]` (full jitter).
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// How one failed attempt may be followed up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Never: the same request would fail the same way.
    Never,
    /// The service refused the request because of its rate: always.
    Throttled,
    /// The request never left this machine: always.
    NotSent,
    /// The request may have had an effect: only for idempotent actions.
    Ambiguous,
    /// The signature expired: sign again once.
    Resign,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let r = RetryConfig::new()
            .with_base_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_millis(350));
        assert_eq!(r.backoff_ceiling(1), Duration::from_millis(100));
        assert_eq!(r.backoff_ceiling(2), Duration::from_millis(200));
        assert_eq!(r.backoff_ceiling(3), Duration::from_millis(350));
        assert_eq!(r.backoff_ceiling(400), Duration::from_millis(350));
        for retry in 1..6 {
            for _ in 0..50 {
                assert!(r.backoff(retry) <= r.backoff_ceiling(retry));
            }
        }
        let huge = RetryConfig::new()
            .with_base_delay(Duration::from_secs(u64::MAX / 2))
            .with_max_delay(Duration::from_secs(1));
        assert_eq!(huge.backoff_ceiling(30), Duration::from_secs(1));
    }

    #[test]
    fn settings() {
        assert_eq!(RetryConfig::default().max_attempts(), 3);
        assert_eq!(RetryConfig::disabled().max_attempts(), 1);
        assert!(!RetryConfig::disabled().resign_on_expired_signature());
        assert_eq!(RetryConfig::new().with_max_attempts(0).max_attempts(), 1);
    }
}

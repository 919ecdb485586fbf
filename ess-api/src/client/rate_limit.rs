//! Client-side rate limiting per action.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(1);

/// Keeps each action under its documented requests-per-second limit.
///
/// A sliding one-second window: a request may start only when fewer than
/// `limit` requests of the same action started in the second before it, so
/// no one-second interval (including the service's own, however aligned)
/// ever holds more than `limit`. Callers over the limit wait; nobody fails.
#[derive(Default)]
pub(crate) struct RateLimiter {
    windows: Mutex<HashMap<&'static str, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Reserves a start time for one request of `action` and waits for it.
    /// Returns how long the caller waited.
    pub(crate) async fn acquire(&self, action: &'static str, limit: u32) -> Duration {
        let limit = limit.max(1) as usize;
        let now = Instant::now();
        let start = {
            let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
            let starts = windows.entry(action).or_default();
            // Reservations are kept in order; the earliest start allowed is one
            // second after the `limit`-th most recent one.
            let mut start = now;
            if starts.len() >= limit {
                start = start.max(starts[starts.len() - limit] + WINDOW);
            }
            if let Some(last) = starts.back() {
                start = start.max(*last);
            }
            starts.push_back(start);
            while starts.len() > limit {
                starts.pop_front();
            }
            start
        };
        if start > now {
            tokio::time::sleep_until(start).await;
        }
        start - now
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RateLimiter { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn holds_the_rate_per_action() {
        let limiter = RateLimiter::new();
        let begin = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..25 {
            limiter.acquire("A", 10).await;
            starts.push(Instant::now() - begin);
        }
        // Another action is not slowed by the first.
        let other = Instant::now();
        limiter.acquire("B", 10).await;
        assert_eq!(Instant::now(), other);
        for i in 10..starts.len() {
            assert!(starts[i] - starts[i - 10] >= WINDOW, "request {i}");
        }
        assert!(starts[24] >= Duration::from_secs(2));
        assert!(starts[24] < Duration::from_millis(2_100));
    }
}

//! Each action's documented rate limit, enforced over a sliding second.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

/// Requests admitted in the last second, per action.
#[derive(Default)]
pub(crate) struct RateLimiter {
    windows: Mutex<HashMap<&'static str, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// Whether one more request for `action` fits in `limit` per second;
    /// admitted requests are counted, refused ones are not.
    pub(crate) fn admit(&self, action: &'static str, limit: u32) -> bool {
        self.admit_at(action, limit, Instant::now())
    }

    fn admit_at(&self, action: &'static str, limit: u32, now: Instant) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = windows.entry(action).or_default();
        while window
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            window.pop_front();
        }
        if window.len() >= limit as usize {
            return false;
        }
        window.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_second_per_action() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.admit_at("A", 3, t0));
        }
        assert!(!limiter.admit_at("A", 3, t0 + Duration::from_millis(500)));
        assert!(limiter.admit_at("B", 3, t0));
        assert!(limiter.admit_at("A", 3, t0 + Duration::from_millis(1000)));
    }
}

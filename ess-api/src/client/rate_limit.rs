//! Client-side rate limiting per action.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(1);

/// Keeps each action under its documented requests-per-second limit as the
/// service counts it: by when requests reach it.
///
/// A request may start only while fewer than `limit` requests of the same
/// action are in flight or ended less than a second ago: each holds a slot
/// from its start until one second after its attempt ends. The service
/// receives a request between its start and its end, so whatever the
/// delays on the way (new connections, a slow network), no one-second
/// interval of the service's clock, however aligned, sees more than
/// `limit` of them: each request received in such an interval still held
/// its slot when the last of them to start began. Callers over the limit
/// wait, in order; nobody fails.
#[derive(Default)]
pub(crate) struct RateLimiter {
    slots: Mutex<HashMap<&'static str, Arc<Semaphore>>>,
}

/// One request's slot, freed one second after it is dropped.
pub(crate) struct Slot(Option<OwnedSemaphorePermit>);

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(permit) = self.0.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    tokio::time::sleep(WINDOW).await;
                    drop(permit);
                });
            }
            // No runtime left to wait in: nothing else can be sent either.
            Err(_) => drop(permit),
        }
    }
}

impl RateLimiter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Waits for a slot for one request of `action`. Returns the slot, to
    /// be dropped when the attempt ends, and how long the caller waited.
    pub(crate) async fn acquire(&self, action: &'static str, limit: u32) -> (Slot, Duration) {
        let semaphore = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots
                .entry(action)
                .or_insert_with(|| Arc::new(Semaphore::new(limit.max(1) as usize)))
                .clone()
        };
        if let Ok(permit) = semaphore.clone().try_acquire_owned() {
            return (Slot(Some(permit)), Duration::ZERO);
        }
        let started = Instant::now();
        // The semaphore is never closed, so a permit always comes.
        let permit = semaphore.acquire_owned().await.ok();
        (Slot(permit), started.elapsed())
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
            let (slot, _) = limiter.acquire("A", 10).await;
            drop(slot);
            starts.push(Instant::now() - begin);
        }
        // Another action is not slowed by the first.
        let other = Instant::now();
        let (_slot, waited) = limiter.acquire("B", 10).await;
        assert_eq!(Instant::now(), other);
        assert_eq!(waited, Duration::ZERO);
        for i in 10..starts.len() {
            assert!(starts[i] - starts[i - 10] >= WINDOW, "request {i}");
        }
        assert!(starts[24] >= Duration::from_secs(2));
        assert!(starts[24] < Duration::from_millis(2_100));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_is_held_until_a_second_after_its_request_ends() {
        let limiter = RateLimiter::new();
        let begin = Instant::now();
        let (first, _) = limiter.acquire("A", 1).await;
        // A slow request: whenever the service received it, the next one
        // must not reach it within the same second.
        tokio::time::sleep(Duration::from_secs(3)).await;
        drop(first);
        let (_second, waited) = limiter.acquire("A", 1).await;
        assert_eq!(Instant::now() - begin, Duration::from_secs(4));
        assert_eq!(waited, Duration::from_secs(1));
    }
}

//! Client-side rate limiting per action: see [`RateLimiting`].

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::config::Config;
use super::error::BuildError;
use super::ServiceInfo;

#[cfg(feature = "redis")]
mod shared;
#[cfg(feature = "redis")]
pub use self::shared::{
    RedisFallback, RedisRateLimit, DEFAULT_REDIS_KEY_PREFIX, DEFAULT_REDIS_RECHECK_INTERVAL,
    DEFAULT_REDIS_TIMEOUT,
};

/// How long a slot stays held after its request ends.
const WINDOW: Duration = Duration::from_secs(1);

/// Client-side rate limiting per action: in this process, or shared by
/// every process of a fleet through Redis.
///
/// The service limits each action per organization (300 requests per
/// second for `CreateMultiFlowSignQRCode`), whichever process sends them.
/// [`RateLimiting`] chooses how a client keeps under those limits:
///
/// * [`RateLimiting::Off`] (the default): nothing is done; requests over a
///   limit are answered `RequestLimitExceeded` and retried as throttled.
/// * [`RateLimiting::Local`]: one limiter per client (shared by its clones).
///   Enough for one process; ten processes of one organization send up to
///   ten times the limit.
/// * `RateLimiting::Redis` (cargo feature `redis`): one limit per
///   organization and action, kept in Redis and shared by every process
///   pointed at the same Redis, with a documented behaviour when Redis is
///   slow or down (`RedisRateLimit`, `RedisFallback`).
///
/// Both limiters count the same way: a request holds a slot from its start
/// until one second after its attempt ends, and may start only while fewer
/// than the limit's number of slots are held. The service receives a
/// request between its start and its end, so whatever the delays on the way
/// (new connections, a slow network), no one-second interval of the
/// service's clock, however aligned, sees more requests than the limit:
/// each request received in such an interval still held its slot when the
/// last of them to start began. Callers over the limit wait, in order;
/// nobody fails. There is no burst allowance beyond the limit itself.
///
/// The limits are the documented ones ([`Action::RATE_LIMIT`](crate::Action::RATE_LIMIT));
/// [`Config::with_action_rate_limit`](crate::client::Config::with_action_rate_limit)
/// overrides one action's limit, for either limiter.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub enum RateLimiting {
    /// No client-side limit (the default).
    #[default]
    Off,
    /// A limiter in this process, shared by the clones of one client.
    Local,
    /// A limiter shared through Redis by every client of the organization
    /// that uses the same Redis and key prefix.
    #[cfg(feature = "redis")]
    Redis(RedisRateLimit),
}

/// The shared rate limiter could not admit a request and the client is
/// configured to fail closed; the request was not sent.
///
/// Holds no address, password or key: only the action and what went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimitError {
    action: &'static str,
    kind: RateLimitErrorKind,
    code: Option<String>,
    timeout: Duration,
}

/// What went wrong with the shared rate limiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RateLimitErrorKind {
    /// It did not answer within its timeout.
    Timeout,
    /// No connection could be made, or the connection was lost.
    Connection,
    /// It refused the client's credentials (Redis `NOAUTH`, `WRONGPASS`).
    Authentication,
    /// It answered with an error (see [`RateLimitError::code`]).
    Server,
    /// It was not asked: it failed moments ago and is left alone until its
    /// recheck interval has passed.
    Suspended,
}

impl fmt::Display for RateLimitErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RateLimitErrorKind::Timeout => "it did not answer in time",
            RateLimitErrorKind::Connection => "it could not be reached",
            RateLimitErrorKind::Authentication => "it refused the client's credentials",
            RateLimitErrorKind::Server => "it answered with an error",
            RateLimitErrorKind::Suspended => "it failed moments ago and is not asked again yet",
        })
    }
}

impl RateLimitError {
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn new(
        action: &'static str,
        kind: RateLimitErrorKind,
        code: Option<String>,
        timeout: Duration,
    ) -> Self {
        Self {
            action,
            kind,
            code,
            timeout,
        }
    }

    /// The action whose request was refused.
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// What went wrong.
    pub fn kind(&self) -> RateLimitErrorKind {
        self.kind
    }

    /// The limiter's error code (such as Redis's `READONLY` or `OOM`), when
    /// it answered with one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }
}

impl fmt::Display for RateLimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the shared rate limiter could not admit a {} request: {}",
            self.action, self.kind
        )?;
        match (&self.code, self.kind) {
            (Some(code), _) => write!(f, " ({code})")?,
            (None, RateLimitErrorKind::Timeout) => write!(f, " (within {:?})", self.timeout)?,
            _ => {}
        }
        f.write_str("; failing closed as configured, the request was not sent")
    }
}

impl StdError for RateLimitError {}

/// Keeps each action under its documented requests-per-second limit as the
/// service counts it: by when requests reach it (see the module
/// documentation for why a slot is held until a second after its request
/// ends).
#[derive(Default)]
pub(crate) struct LocalLimiter {
    slots: Mutex<HashMap<&'static str, Arc<Semaphore>>>,
}

/// One request's slot, freed one second after it is dropped.
pub(crate) struct Slot {
    permit: Option<OwnedSemaphorePermit>,
    #[cfg(feature = "redis")]
    shared: Option<shared::Release>,
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Slot { .. }")
    }
}

impl Slot {
    fn local(permit: Option<OwnedSemaphorePermit>) -> Self {
        Self {
            permit,
            #[cfg(feature = "redis")]
            shared: None,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let permit = self.permit.take();
        #[cfg(feature = "redis")]
        let shared = self.shared.take();
        #[cfg(feature = "redis")]
        let nothing = permit.is_none() && shared.is_none();
        #[cfg(not(feature = "redis"))]
        let nothing = permit.is_none();
        if nothing {
            return;
        }
        let until = Instant::now() + WINDOW;
        // Without a runtime to wait in, nothing else can be sent either:
        // everything is freed at once.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                #[cfg(feature = "redis")]
                let mut shared = shared;
                #[cfg(feature = "redis")]
                if let Some(release) = shared.as_mut() {
                    release.ended().await;
                }
                tokio::time::sleep_until(until).await;
                drop(permit);
                #[cfg(feature = "redis")]
                drop(shared);
            });
        }
    }
}

impl LocalLimiter {
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
            return (Slot::local(Some(permit)), Duration::ZERO);
        }
        let started = Instant::now();
        // The semaphore is never closed, so a permit always comes.
        let permit = semaphore.acquire_owned().await.ok();
        (Slot::local(permit), started.elapsed())
    }
}

impl fmt::Debug for LocalLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalLimiter { .. }")
    }
}

/// The limiter a client was configured with, and the per-action limits.
pub(crate) struct RateLimiter {
    limits: HashMap<String, u32>,
    strategy: Strategy,
}

enum Strategy {
    Local(LocalLimiter),
    #[cfg(feature = "redis")]
    Shared(Box<shared::SharedLimiter>),
}

impl RateLimiter {
    /// The limiter `config` asks for, if any. `config.timeout` bounds an
    /// attempt, and so how long a shared slot may stay marked in flight.
    pub(crate) fn from_config(
        config: &Config,
        service: &ServiceInfo,
    ) -> Result<Option<RateLimiter>, BuildError> {
        let mut limits = HashMap::new();
        for (action, per_second) in &config.rate_limit_overrides {
            if !service.actions.contains(&action.as_str()) {
                return Err(BuildError::InvalidSetting {
                    setting: "action_rate_limit",
                    reason: "names no action of the service (use the wire name, such as CreateMultiFlowSignQRCode)",
                });
            }
            if *per_second == 0 {
                return Err(BuildError::InvalidSetting {
                    setting: "action_rate_limit",
                    reason: "must allow at least 1 request per second",
                });
            }
            limits.insert(action.clone(), *per_second);
        }
        let strategy = match &config.rate_limiting {
            RateLimiting::Off => return Ok(None),
            RateLimiting::Local => Strategy::Local(LocalLimiter::new()),
            #[cfg(feature = "redis")]
            RateLimiting::Redis(settings) => Strategy::Shared(Box::new(
                shared::SharedLimiter::new(settings, config.timeout)?,
            )),
        };
        Ok(Some(RateLimiter { limits, strategy }))
    }

    /// Waits for a slot for one request of `action` (documented limit
    /// `documented`), sent with credentials whose SecretId is `secret_id`.
    /// `None` when the action has no limit; an error only when the shared
    /// limiter is unavailable and configured to fail closed.
    pub(crate) async fn acquire(
        &self,
        action: &'static str,
        documented: Option<u32>,
        secret_id: &str,
    ) -> Result<Option<Slot>, RateLimitError> {
        let Some(limit) = self.limits.get(action).copied().or(documented) else {
            return Ok(None);
        };
        match &self.strategy {
            Strategy::Local(limiter) => {
                let _ = secret_id;
                let (slot, waited) = limiter.acquire(action, limit).await;
                if !waited.is_zero() {
                    tracing::debug!(
                        waited_ms = waited.as_millis() as u64,
                        "rate limiter delayed the attempt"
                    );
                }
                Ok(Some(slot))
            }
            #[cfg(feature = "redis")]
            Strategy::Shared(limiter) => limiter.acquire(action, limit, secret_id).await.map(Some),
        }
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
        let limiter = LocalLimiter::new();
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
        let limiter = LocalLimiter::new();
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

    fn limiter(config: Config) -> Result<Option<RateLimiter>, BuildError> {
        static SERVICE: ServiceInfo = ServiceInfo {
            test_endpoint: "ess.test.example",
            action_hosts: &[],
            actions: &["CreateMultiFlowSignQRCode"],
        };
        RateLimiter::from_config(&config, &SERVICE)
    }

    #[tokio::test(start_paused = true)]
    async fn overrides_replace_the_documented_limit() {
        let config = Config::default()
            .with_rate_limiting(RateLimiting::Local)
            .with_action_rate_limit("CreateMultiFlowSignQRCode", 2);
        let limiter = limiter(config).unwrap().unwrap();
        let begin = Instant::now();
        for _ in 0..3 {
            let slot = limiter
                .acquire("CreateMultiFlowSignQRCode", Some(300), "AKID")
                .await
                .unwrap()
                .unwrap();
            drop(slot);
        }
        // The third waited for the first's second to pass: 2 per second.
        assert_eq!(Instant::now() - begin, WINDOW);
        // An action without a documented limit or an override is not limited.
        assert!(limiter
            .acquire("DescribeFlowInfo", None, "AKID")
            .await
            .unwrap()
            .is_none());
    }

    #[test]
    fn bad_overrides_are_refused_by_name() {
        let setting = |e: BuildError| match e {
            BuildError::InvalidSetting { setting, reason } => (setting, reason),
            other => panic!("{other:?}"),
        };
        let unknown = Config::default()
            .with_rate_limit(true)
            .with_action_rate_limit("CreateMultiFlowSignQrCode", 10);
        let (name, reason) = setting(limiter(unknown).unwrap_err());
        assert_eq!(name, "action_rate_limit");
        assert!(reason.contains("wire name"), "{reason}");
        let zero = Config::default()
            .with_rate_limit(true)
            .with_action_rate_limit("CreateMultiFlowSignQRCode", 0);
        let (_, reason) = setting(limiter(zero).unwrap_err());
        assert!(reason.contains("at least 1"), "{reason}");
        // Off: no limiter, and nothing to check the overrides against.
        assert!(limiter(Config::default()).unwrap().is_none());
    }

    #[test]
    fn the_error_names_the_action_and_the_cause() {
        let e = RateLimitError::new(
            "CreateMultiFlowSignQRCode",
            RateLimitErrorKind::Timeout,
            None,
            Duration::from_millis(50),
        );
        let text = e.to_string();
        assert!(text.contains("CreateMultiFlowSignQRCode"), "{text}");
        assert!(text.contains("50ms"), "{text}");
        assert!(text.contains("not sent"), "{text}");
        let e = RateLimitError::new(
            "CreateMultiFlowSignQRCode",
            RateLimitErrorKind::Server,
            Some("READONLY".to_owned()),
            Duration::from_millis(50),
        );
        assert_eq!(e.code(), Some("READONLY"));
        assert!(e.to_string().contains("(READONLY)"));
    }
}

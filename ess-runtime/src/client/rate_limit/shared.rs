//! The rate limiter shared through Redis.
//!
//! One sorted set per organization and action holds the slots: member, a
//! request; score, when it ended (or, while it is in flight, when it will
//! have ended at the latest: its start plus the client's attempt timeout
//! and a second), in microseconds of the Redis server's clock. One Lua
//! script, run atomically by Redis, drops the slots that ended a second
//! ago or more and admits the request if fewer than the limit remain; a
//! second script marks a slot's end when its attempt ends. Every process
//! reads the same clock (the server's), so their clocks do not matter.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::{RateLimitError, RateLimitErrorKind, Slot, WINDOW};
use crate::client::error::BuildError;

/// How long one call to Redis may take before the limiter treats Redis as
/// unavailable: 50 ms.
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(50);
/// How long the limiter leaves Redis alone after a failure before asking it
/// again: 1 s.
pub const DEFAULT_REDIS_RECHECK_INTERVAL: Duration = Duration::from_secs(1);
/// The start of every key the limiter writes: `ess:rate`.
pub const DEFAULT_REDIS_KEY_PREFIX: &str = "ess:rate";

/// How long making a connection may go on in the background.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// The longest timeout accepted: a limiter that may stall calls for longer
/// is not a small bound any more.
const MAX_TIMEOUT: Duration = Duration::from_secs(5);

/// What a client does when Redis does not answer in time or fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RedisFallback {
    /// Keep sending, each process limited in memory to its share of each
    /// limit: the limit divided by the number of clients seen sharing it in
    /// the last seconds (at least [`RedisRateLimit::with_clients`]).
    #[default]
    Local,
    /// Refuse the request with [`ConstructionError::RateLimit`](crate::client::ConstructionError::RateLimit)
    /// before sending it.
    FailClosed,
}

/// Settings of the rate limiter shared through Redis
/// ([`RateLimiting::Redis`](super::RateLimiting::Redis), cargo feature `redis`).
///
/// Every client of one organization that uses the same Redis (and key
/// prefix) shares one limit per action: `{prefix}:{organization}:{action}`,
/// a sorted set of at most the limit's number of entries that expires on
/// its own. The organization is the name given with
/// [`with_organization`](Self::with_organization) or, without one, a hash
/// of the SecretId (the SecretId itself is never written). Temporary
/// credentials change SecretId: name the organization when using them.
///
/// Each call to Redis is bounded by [`with_timeout`](Self::with_timeout)
/// (default 50 ms). When Redis fails or is too slow, the client does what
/// [`with_fallback`](Self::with_fallback) says, without asking Redis again
/// for [`with_recheck_interval`](Self::with_recheck_interval) (default 1 s):
/// a request is never held up by Redis for longer than the timeout. The
/// connection is made when the client is built (inside a Tokio runtime) or
/// on first use, and made again in the background after it is lost.
///
/// The switches are where a fleet can lose or overshoot. Going local, a
/// process counts the slots it held in Redis until each frees, and a share
/// of what Redis last reported held by the others for a second. Coming
/// back, it writes the slots it admitted on its own into Redis (each held
/// for a second from then) and, for a recheck interval and a second, leaves
/// room for the clients of the fleet not seen in Redis since (each may still
/// be admitting its local share). Both err on the side of sending less.
/// A slot whose process dies mid-request stays held until the attempt
/// timeout ([`Config::with_timeout`](crate::client::Config::with_timeout)) and a
/// second have passed.
///
/// Tracing: a WARN event when Redis becomes unavailable (field `reason`),
/// an INFO event when it is back (`fallbacks`, `outage_ms`), and a DEBUG
/// event for each request admitted by the local share instead (field
/// `fallbacks`, the running count for the client) or refused (`refused`).
///
/// `Debug` shows the URL with its password replaced.
#[derive(Clone, PartialEq)]
pub struct RedisRateLimit {
    url: String,
    organization: Option<String>,
    key_prefix: String,
    timeout: Duration,
    recheck_interval: Duration,
    fallback: RedisFallback,
    clients: u32,
}

impl RedisRateLimit {
    /// Settings for the Redis at `url`: `redis://[[user]:password@]host[:port][/db]`
    /// or `unix:///path/to/socket`. Checked when the client is built.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            organization: None,
            key_prefix: DEFAULT_REDIS_KEY_PREFIX.to_owned(),
            timeout: DEFAULT_REDIS_TIMEOUT,
            recheck_interval: DEFAULT_REDIS_RECHECK_INTERVAL,
            fallback: RedisFallback::Local,
            clients: 1,
        }
    }

    /// The name the limits are kept under (1 to 64 ASCII letters, digits,
    /// `.`, `_` or `-`), instead of a hash of the SecretId. Every process of
    /// one organization must use the same name.
    pub fn with_organization(mut self, name: impl Into<String>) -> Self {
        self.organization = Some(name.into());
        self
    }

    /// The start of every key (default `ess:rate`; 1 to 64 visible ASCII
    /// characters, no braces).
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// How long one call to Redis may take (default 50 ms, at most 5 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long to leave Redis alone after a failure (default 1 s): the
    /// fallback applies meanwhile, and sharing resumes at the first call
    /// after it that Redis answers.
    pub fn with_recheck_interval(mut self, interval: Duration) -> Self {
        self.recheck_interval = interval;
        self
    }

    /// What to do when Redis is unavailable (default: [`RedisFallback::Local`]).
    pub fn with_fallback(mut self, fallback: RedisFallback) -> Self {
        self.fallback = fallback;
        self
    }

    /// The number of processes expected to share the limits (default 1).
    /// The local fallback divides each limit by this or by the number of
    /// clients seen in Redis in the last seconds, whichever is larger; set
    /// it when processes may start while Redis is already down.
    pub fn with_clients(mut self, clients: u32) -> Self {
        self.clients = clients;
        self
    }

    /// The organization name, if set.
    pub fn organization(&self) -> Option<&str> {
        self.organization.as_deref()
    }

    /// The key prefix.
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// The bound on one call to Redis.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// How long Redis is left alone after a failure.
    pub fn recheck_interval(&self) -> Duration {
        self.recheck_interval
    }

    /// What happens when Redis is unavailable.
    pub fn fallback(&self) -> RedisFallback {
        self.fallback
    }

    /// The expected number of processes sharing the limits.
    pub fn clients(&self) -> u32 {
        self.clients
    }
}

impl fmt::Debug for RedisRateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimit")
            .field("url", &redacted(&self.url))
            .field("organization", &self.organization)
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .field("recheck_interval", &self.recheck_interval)
            .field("fallback", &self.fallback)
            .field("clients", &self.clients)
            .finish()
    }
}

/// `url` with any password replaced; something that is not a URL is not
/// shown at all (it could be a password pasted in the wrong place).
fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                // Cannot fail: a URL with a password has a host.
                let _ = parsed.set_password(Some("redacted"));
            }
            parsed.to_string()
        }
        Err(_) => "<not a URL>".to_owned(),
    }
}

fn invalid(reason: &'static str) -> BuildError {
    BuildError::InvalidSetting {
        setting: "rate_limiting",
        reason,
    }
}

/// Admits one request if fewer than the limit's number of slots are held.
///
/// KEYS[1]: the action's slots (member: a request; score: when it ended, or
/// will have ended at the latest, in microseconds of the server's clock).
/// KEYS[2]: the clients sharing the organization's limits (score: last seen).
/// ARGV: limit, window, lease (both in microseconds), the request's member,
/// the client's id, whether to record the client (1 or 0), the number of
/// slots to add first for requests the client admitted on its own while
/// Redis was away, the prefix of their members, and the fleet's size before
/// an outage this client has just come back from (0 otherwise): each client
/// of it not seen since still admits its local share, so the limit is
/// lowered by those shares.
/// Returns {admitted (1 or 0), microseconds to wait before asking again,
/// clients seen (or -1 when not asked), slots held after the call}.
static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local clients = -1
if ARGV[6] == '1' then
  redis.call('ZADD', KEYS[2], now, ARGV[5])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 3 * window)
  redis.call('PEXPIRE', KEYS[2], math.floor(3 * window / 1000) + 1000)
  clients = redis.call('ZCARD', KEYS[2])
end
local returning = tonumber(ARGV[9])
if returning > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 3 * window)
  local seen = math.max(redis.call('ZCARD', KEYS[2]), 1)
  if seen < returning then
    limit = limit - (returning - seen) * math.max(math.floor(limit / returning), 1)
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local seeds = tonumber(ARGV[7])
for i = 1, seeds do
  redis.call('ZADD', KEYS[1], now, ARGV[8] .. i)
end
local ttl = math.floor((lease + window) / 1000) + 1000
local used = redis.call('ZCARD', KEYS[1])
if used < limit then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, 0, clients, used + 1}
end
if seeds > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = window
if first[2] == nil then
  wait = math.floor(window / 10)
elseif tonumber(first[2]) <= now then
  wait = tonumber(first[2]) + window - now
end
return {0, wait, clients, used}
"#,
    )
});

/// Marks a slot's request as ended now (KEYS[1]: the slots, ARGV[1]: the
/// request's member); a slot already gone stays gone.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
"#,
    )
});

/// Why a call to Redis failed, without anything secret.
struct Failure {
    kind: RateLimitErrorKind,
    code: Option<String>,
}

impl Failure {
    fn timeout() -> Self {
        Self {
            kind: RateLimitErrorKind::Timeout,
            code: None,
        }
    }

    fn from_redis(e: &redis::RedisError) -> Self {
        let code = e
            .code()
            .filter(|c| {
                !c.is_empty()
                    && c.len() <= 32
                    && c.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            })
            .map(str::to_owned);
        let kind = if e.is_timeout() {
            RateLimitErrorKind::Timeout
        } else if e.kind() == redis::ErrorKind::AuthenticationFailed
            || matches!(code.as_deref(), Some("NOAUTH" | "WRONGPASS" | "NOPERM"))
        {
            RateLimitErrorKind::Authentication
        } else if e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() {
            RateLimitErrorKind::Connection
        } else {
            RateLimitErrorKind::Server
        };
        Self { kind, code }
    }
}

/// What one process keeps per action.
#[derive(Default)]
struct ActionState {
    /// Callers of this process take turns asking Redis, in order.
    turn: tokio::sync::Mutex<()>,
    /// Slots this process holds (until a second after their request
    /// ended) that Redis admitted.
    held_shared: AtomicUsize,
    /// Slots this process holds that the local share admitted.
    held_local: AtomicUsize,
    /// Slots the whole fleet held at this process's last call to Redis.
    fleet_held: AtomicUsize,
    /// Whether the local share admitted requests that Redis has not been
    /// told about.
    reseed: AtomicBool,
    /// The local share, while Redis is away.
    local: Mutex<LocalShare>,
}

#[derive(Default)]
struct LocalShare {
    /// The semaphore and its size.
    semaphore: Option<(Arc<Semaphore>, usize)>,
    /// Permits of the semaphore standing for slots that Redis admitted
    /// before it went away: one is given back as each of those slots frees.
    standing: Option<OwnedSemaphorePermit>,
}

#[derive(Default)]
struct Health {
    /// Redis is left alone until then.
    suspended_until: Option<Instant>,
    /// When the current outage began.
    since: Option<Instant>,
    /// The fleet's size when it began.
    fleet: u32,
    /// Until then, after an outage, room is kept for the clients that have
    /// not reached Redis again yet: `(until, fleet)`.
    returning: Option<(Instant, u32)>,
}

/// The limiter behind [`RateLimiting::Redis`](super::RateLimiting::Redis).
pub(crate) struct SharedLimiter {
    settings: RedisRateLimit,
    client: redis::Client,
    connection: Mutex<Option<ConnectionManager>>,
    /// How long a slot may stay marked in flight: an attempt's timeout and
    /// a second.
    lease: Duration,
    id: String,
    sequence: AtomicU64,
    actions: Mutex<HashMap<&'static str, Arc<ActionState>>>,
    health: Mutex<Health>,
    heartbeat_at: Mutex<Option<Instant>>,
    /// Clients seen sharing the limits, as last reported by Redis.
    fleet: AtomicU32,
    fallbacks: AtomicU64,
    refused: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl SharedLimiter {
    pub(crate) fn new(
        settings: &RedisRateLimit,
        attempt_timeout: Duration,
    ) -> Result<Self, BuildError> {
        let scheme_ok = ["redis://", "unix://", "redis+unix://"]
            .iter()
            .any(|s| settings.url.starts_with(s));
        let client = match redis::Client::open(settings.url.as_str()) {
            Ok(client) if scheme_ok => client,
            _ => {
                return Err(invalid(
                    "the Redis URL is not usable (expected redis://[[user]:password@]host[:port][/db] or unix:///path)",
                ))
            }
        };
        if let Some(name) = &settings.organization {
            let ok = (1..=64).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
            if !ok {
                return Err(invalid(
                    "the organization name must be 1 to 64 ASCII letters, digits, '.', '_' or '-'",
                ));
            }
        }
        let prefix = &settings.key_prefix;
        if !(1..=64).contains(&prefix.len())
            || !prefix
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'{' && b != b'}')
        {
            return Err(invalid(
                "the Redis key prefix must be 1 to 64 visible ASCII characters without braces",
            ));
        }
        if settings.timeout.is_zero() || settings.timeout > MAX_TIMEOUT {
            return Err(invalid(
                "the Redis timeout must be longer than zero and at most 5 s",
            ));
        }
        if settings.recheck_interval.is_zero() {
            return Err(invalid(
                "the Redis recheck interval must be longer than zero",
            ));
        }
        if settings.clients == 0 {
            return Err(invalid("the expected number of clients must be at least 1"));
        }
        let limiter = Self {
            settings: settings.clone(),
            client,
            connection: Mutex::new(None),
            lease: attempt_timeout.saturating_add(WINDOW),
            id: format!("{:016x}", fastrand::u64(..)),
            sequence: AtomicU64::new(0),
            actions: Mutex::default(),
            health: Mutex::default(),
            heartbeat_at: Mutex::new(None),
            fleet: AtomicU32::new(0),
            fallbacks: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        };
        // Built inside a runtime: connect now, so that the first request
        // does not wait for the connection.
        if tokio::runtime::Handle::try_current().is_ok() {
            if let Ok(mut manager) = limiter.connection() {
                let timeout = CONNECT_TIMEOUT.max(limiter.settings.timeout);
                tokio::spawn(async move {
                    let ping = redis::cmd("PING");
                    let _ =
                        tokio::time::timeout(timeout, ping.query_async::<()>(&mut manager)).await;
                });
            }
        }
        Ok(limiter)
    }

    /// Waits for a slot for one request of `action` under `limit`.
    pub(crate) async fn acquire(
        &self,
        action: &'static str,
        limit: u32,
        secret_id: &str,
    ) -> Result<Slot, RateLimitError> {
        let organization = match &self.settings.organization {
            Some(name) => name.clone(),
            None => {
                let digest = hex::encode(Sha256::digest(secret_id.as_bytes()));
                format!("sid-{}", &digest[..16])
            }
        };
        let prefix = &self.settings.key_prefix;
        let key = format!("{prefix}:{{{organization}}}:{action}");
        let clients_key = format!("{prefix}:{{{organization}}}:clients");
        let state = self.state(action);
        let _turn = state.turn.lock().await;
        let begun = Instant::now();
        loop {
            if !self.may_ask() {
                return self
                    .unavailable(action, limit, &state, RateLimitErrorKind::Suspended, None)
                    .await;
            }
            let seeds = if state.reseed.load(Ordering::Relaxed) {
                state.held_local.load(Ordering::Relaxed).min(limit as usize)
            } else {
                0
            };
            let heartbeat = self.heartbeat_due();
            let returning = self.returning_fleet();
            let member = format!(
                "{}:{}",
                self.id,
                self.sequence.fetch_add(1, Ordering::Relaxed)
            );
            let connection = match self.connection() {
                Ok(c) => c,
                Err(f) => {
                    self.failed(&f);
                    return self
                        .unavailable(action, limit, &state, f.kind, f.code)
                        .await;
                }
            };
            let mut conn = connection.clone();
            let mut invocation = ACQUIRE.key(&key);
            invocation
                .key(&clients_key)
                .arg(limit)
                .arg(WINDOW.as_micros() as u64)
                .arg(self.lease.as_micros() as u64)
                .arg(&member)
                .arg(&self.id)
                .arg(u8::from(heartbeat))
                .arg(seeds)
                .arg(format!("{member}:s"))
                .arg(returning);
            let reply = tokio::time::timeout(
                self.settings.timeout,
                invocation.invoke_async::<(i64, i64, i64, i64)>(&mut conn),
            )
            .await;
            let (admitted, wait_us, clients, used) = match reply {
                Ok(Ok(reply)) => reply,
                Ok(Err(e)) => {
                    let f = Failure::from_redis(&e);
                    self.failed(&f);
                    return self
                        .unavailable(action, limit, &state, f.kind, f.code)
                        .await;
                }
                Err(_) => {
                    let f = Failure::timeout();
                    self.failed(&f);
                    return self
                        .unavailable(action, limit, &state, f.kind, f.code)
                        .await;
                }
            };
            self.recovered();
            if let Ok(clients) = u32::try_from(clients) {
                self.fleet.store(clients, Ordering::Relaxed);
            }
            state
                .fleet_held
                .store(usize::try_from(used).unwrap_or(0), Ordering::Relaxed);
            state.reseed.store(false, Ordering::Relaxed);
            *lock(&state.local) = LocalShare::default();
            if admitted == 1 {
                let waited = begun.elapsed();
                if waited >= Duration::from_millis(1) {
                    tracing::debug!(
                        waited_ms = waited.as_millis() as u64,
                        "rate limiter delayed the attempt"
                    );
                }
                state.held_shared.fetch_add(1, Ordering::Relaxed);
                return Ok(Slot {
                    permit: None,
                    shared: Some(Release {
                        entry: Some(Entry {
                            connection,
                            key,
                            member,
                            timeout: self.settings.timeout,
                        }),
                        state: state.clone(),
                        local: false,
                    }),
                });
            }
            // No slot before the oldest one frees, at the earliest.
            let wait = Duration::from_micros(wait_us.clamp(100, 1_000_000) as u64);
            tokio::time::sleep(wait).await;
        }
    }

    fn state(&self, action: &'static str) -> Arc<ActionState> {
        lock(&self.actions).entry(action).or_default().clone()
    }

    /// The connection manager, made on first use (it needs a runtime); it
    /// connects lazily and again whenever the connection is lost.
    fn connection(&self) -> Result<ConnectionManager, Failure> {
        let mut slot = lock(&self.connection);
        if let Some(manager) = &*slot {
            return Ok(manager.clone());
        }
        let timeout = self.settings.timeout;
        let config = ConnectionManagerConfig::new()
            // A connection being made is waited for at most `timeout` by a
            // call, but goes on in the background for longer networks.
            .set_connection_timeout(Some(timeout.max(CONNECT_TIMEOUT)))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_secs(1));
        let manager = ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            .map_err(|e| Failure::from_redis(&e))?;
        *slot = Some(manager.clone());
        Ok(manager)
    }

    /// Whether Redis may be asked now. After a failure, one caller asks
    /// again once the recheck interval has passed.
    fn may_ask(&self) -> bool {
        let mut health = lock(&self.health);
        match health.suspended_until {
            None => true,
            Some(until) => {
                let now = Instant::now();
                if now < until {
                    return false;
                }
                health.suspended_until = Some(now + self.settings.recheck_interval);
                true
            }
        }
    }

    fn failed(&self, failure: &Failure) {
        let mut health = lock(&self.health);
        let now = Instant::now();
        health.suspended_until = Some(now + self.settings.recheck_interval);
        if health.since.is_none() {
            health.since = Some(now);
            health.fleet = self
                .fleet
                .load(Ordering::Relaxed)
                .max(self.settings.clients);
            tracing::warn!(
                reason = %failure.kind,
                code = failure.code.as_deref(),
                fallback = ?self.settings.fallback,
                recheck_ms = self.settings.recheck_interval.as_millis() as u64,
                "shared rate limiter unavailable"
            );
        } else {
            tracing::debug!(reason = %failure.kind, "shared rate limiter still unavailable");
        }
    }

    fn recovered(&self) {
        let mut health = lock(&self.health);
        if let Some(since) = health.since.take() {
            health.suspended_until = None;
            // The others come back one by one, each still admitting its
            // local share until it does: keep room for them for a while.
            let until = Instant::now() + self.settings.recheck_interval + WINDOW;
            health.returning = Some((until, health.fleet));
            *lock(&self.heartbeat_at) = None;
            tracing::info!(
                fallbacks = self.fallbacks.load(Ordering::Relaxed),
                refused = self.refused.load(Ordering::Relaxed),
                outage_ms = since.elapsed().as_millis() as u64,
                "shared rate limiter is back; limits are shared again"
            );
        }
    }

    /// The fleet's size before the last outage, while its clients may still
    /// be coming back; 0 otherwise.
    fn returning_fleet(&self) -> u32 {
        let mut health = lock(&self.health);
        match health.returning {
            Some((until, fleet)) if Instant::now() < until => fleet,
            Some(_) => {
                health.returning = None;
                0
            }
            None => 0,
        }
    }

    /// Whether this call should record the client in the fleet (at most
    /// once a second).
    fn heartbeat_due(&self) -> bool {
        let mut at = lock(&self.heartbeat_at);
        let now = Instant::now();
        match *at {
            Some(last) if now.duration_since(last) < WINDOW => false,
            _ => {
                *at = Some(now);
                true
            }
        }
    }

    /// Redis could not admit the request: fail closed, or admit it under
    /// this process's share of the limit.
    async fn unavailable(
        &self,
        action: &'static str,
        limit: u32,
        state: &Arc<ActionState>,
        kind: RateLimitErrorKind,
        code: Option<String>,
    ) -> Result<Slot, RateLimitError> {
        if self.settings.fallback == RedisFallback::FailClosed {
            let refused = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::debug!(
                action,
                refused,
                "shared rate limiter unavailable: request refused"
            );
            return Err(RateLimitError::new(
                action,
                kind,
                code,
                self.settings.timeout,
            ));
        }
        let fallbacks = self.fallbacks.fetch_add(1, Ordering::Relaxed) + 1;
        let clients = self
            .fleet
            .load(Ordering::Relaxed)
            .max(self.settings.clients)
            .max(1);
        let share = ((limit / clients).max(1)) as usize;
        tracing::debug!(
            action,
            fallbacks,
            share,
            "shared rate limiter unavailable: admitted by the local share"
        );
        let semaphore = {
            let mut local = lock(&state.local);
            match &local.semaphore {
                Some((semaphore, size)) if *size == share => semaphore.clone(),
                _ => {
                    // The slots Redis admitted moments ago still count: this
                    // process's own until each frees, and, for the rest of
                    // the fleet, a share of what Redis last reported held,
                    // for a second (by then each of them has freed, unless
                    // still in flight).
                    let semaphore = Arc::new(Semaphore::new(share));
                    let own = state.held_shared.load(Ordering::Relaxed).min(share);
                    let fleet = state.fleet_held.load(Ordering::Relaxed);
                    let fleet_share = (fleet.saturating_mul(share))
                        .div_ceil(limit.max(1) as usize)
                        .min(share);
                    let acquire = |n: usize| match u32::try_from(n) {
                        Ok(n) if n > 0 => semaphore.clone().try_acquire_many_owned(n).ok(),
                        _ => None,
                    };
                    local.standing = acquire(own);
                    if let Some(permits) = acquire(fleet_share.saturating_sub(own)) {
                        tokio::spawn(async move {
                            tokio::time::sleep(WINDOW).await;
                            drop(permits);
                        });
                    }
                    local.semaphore = Some((semaphore.clone(), share));
                    semaphore
                }
            }
        };
        // Never closed, so a permit always comes.
        let permit = semaphore.acquire_owned().await.ok();
        state.held_local.fetch_add(1, Ordering::Relaxed);
        state.reseed.store(true, Ordering::Relaxed);
        Ok(Slot {
            permit,
            shared: Some(Release {
                entry: None,
                state: state.clone(),
                local: true,
            }),
        })
    }
}

impl fmt::Debug for SharedLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedLimiter")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// A request's slot in Redis.
struct Entry {
    connection: ConnectionManager,
    key: String,
    member: String,
    timeout: Duration,
}

/// What a shared slot gives back: its end, marked in Redis when the
/// attempt ends, and its place in this process's count of held slots, a
/// second later (when the release is dropped).
pub(crate) struct Release {
    entry: Option<Entry>,
    state: Arc<ActionState>,
    /// Admitted by the local share rather than by Redis.
    local: bool,
}

impl Release {
    /// Marks the request's end in Redis, within the timeout; when that
    /// fails, the slot frees a second after its lease instead.
    pub(crate) async fn ended(&mut self) {
        let Some(entry) = self.entry.take() else {
            return;
        };
        let mut conn = entry.connection;
        let mut invocation = RELEASE.key(&entry.key);
        invocation.arg(&entry.member);
        let result =
            tokio::time::timeout(entry.timeout, invocation.invoke_async::<i64>(&mut conn)).await;
        if !matches!(result, Ok(Ok(_))) {
            tracing::debug!("shared rate limiter: a slot's end could not be recorded; it frees when its lease ends");
        }
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        if self.local {
            self.state.held_local.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        let still_held = self.state.held_shared.fetch_sub(1, Ordering::Relaxed) - 1;
        // Never more permits standing than slots Redis admitted still held.
        let mut local = lock(&self.state.local);
        if let Some(permits) = &mut local.standing {
            let standing = permits.num_permits();
            if still_held == 0 {
                local.standing = None;
            } else if standing > still_held {
                drop(permits.split(standing - still_held));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let settings = RedisRateLimit::new("redis://app:s3cret-pass@127.0.0.1:6390/2");
        let text = format!("{settings:?}");
        assert!(!text.contains("s3cret-pass"), "{text}");
        assert!(
            text.contains("redis://app:redacted@127.0.0.1:6390/2"),
            "{text}"
        );
        let text = format!("{:?}", RedisRateLimit::new("s3cret-pass"));
        assert!(!text.contains("s3cret-pass"), "{text}");
    }

    #[test]
    fn settings_are_checked_when_the_client_is_built() {
        let build = |s: RedisRateLimit| SharedLimiter::new(&s, Duration::from_secs(60)).map(drop);
        let ok = RedisRateLimit::new("redis://127.0.0.1:6390");
        assert!(build(ok.clone()).is_ok());
        assert!(build(ok.clone().with_organization("acme-prod.1")).is_ok());
        for bad in [
            RedisRateLimit::new("http://127.0.0.1:6390"),
            RedisRateLimit::new("rediss://:pw@127.0.0.1:6390"),
            RedisRateLimit::new("not a url"),
            ok.clone().with_organization(""),
            ok.clone().with_organization("a{b}"),
            ok.clone().with_organization("x".repeat(65)),
            ok.clone().with_key_prefix(""),
            ok.clone().with_key_prefix("ess rate"),
            ok.clone().with_timeout(Duration::ZERO),
            ok.clone().with_timeout(Duration::from_secs(6)),
            ok.clone().with_recheck_interval(Duration::ZERO),
            ok.clone().with_clients(0),
        ] {
            let shown = format!("{bad:?}");
            match build(bad) {
                Err(BuildError::InvalidSetting { setting, reason }) => {
                    assert_eq!(setting, "rate_limiting");
                    assert!(!reason.contains("pw@"), "{reason}");
                }
                other => panic!("{shown}: {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn an_unreachable_redis_fails_closed_within_the_timeout() {
        // A listener that accepts and never answers: a stalled Redis.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("redis://{}", listener.local_addr().unwrap());
        let settings = RedisRateLimit::new(url)
            .with_fallback(RedisFallback::FailClosed)
            .with_timeout(Duration::from_millis(40));
        let limiter = SharedLimiter::new(&settings, Duration::from_secs(5)).unwrap();
        let started = Instant::now();
        let e = limiter.acquire("A", 10, "AKID").await.unwrap_err();
        assert!(started.elapsed() < Duration::from_millis(500));
        assert_eq!(e.kind(), RateLimitErrorKind::Timeout);
        assert_eq!(e.action(), "A");
        // Within the recheck interval, Redis is not asked again.
        let started = Instant::now();
        let e = limiter.acquire("A", 10, "AKID").await.unwrap_err();
        assert_eq!(e.kind(), RateLimitErrorKind::Suspended);
        assert!(started.elapsed() < Duration::from_millis(20));
        drop(listener);
    }

    #[tokio::test]
    async fn the_local_share_divides_the_limit_by_the_fleet() {
        // Nothing listens on this port once the listener is dropped.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let settings = RedisRateLimit::new(format!("redis://127.0.0.1:{port}"))
            .with_clients(4)
            .with_timeout(Duration::from_millis(40));
        let limiter = SharedLimiter::new(&settings, Duration::from_secs(5)).unwrap();
        let started = Instant::now();
        let mut slots = Vec::new();
        for _ in 0..10 {
            slots.push(limiter.acquire("A", 40, "AKID").await.unwrap());
        }
        // 40 / 4 clients = 10 at once, without waiting on Redis each time.
        assert!(started.elapsed() < Duration::from_millis(500));
        assert_eq!(limiter.fallbacks.load(Ordering::Relaxed), 10);
        let eleventh =
            tokio::time::timeout(Duration::from_millis(300), limiter.acquire("A", 40, "AKID"))
                .await;
        assert!(eleventh.is_err(), "the share of 10 was exceeded");
    }
}

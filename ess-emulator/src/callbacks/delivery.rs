//! The outbox and the background task that posts callbacks.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ess_api::callback::{CallbackEncoder, EncodedCallback};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinSet;

use super::messages::{self, Outgoing};
use super::{
    millis, CallbackConfig, CallbackConfigError, CallbackDelivery, DeliveryAttempt, DeliveryStatus,
    Target, MAX_BACKOFF, MAX_DELIVERIES,
};
use crate::ids;
use crate::state::State;
use crate::Shared;

/// How many callbacks may be in flight at once, across contracts.
const MAX_CONCURRENT: usize = 8;
/// How often the background task looks for contracts past their deadline.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// The largest response head read from a receiver.
const MAX_RESPONSE_HEAD: usize = 16 * 1024;

/// A checked configuration, ready to encode and post with.
struct Active {
    config: CallbackConfig,
    target: Target,
    encoder: CallbackEncoder,
}

/// A message waiting to be posted.
struct Job {
    id: u64,
    msg_type: String,
    msg_id: String,
    active: Arc<Active>,
    encoded: EncodedCallback,
}

#[derive(Default)]
struct Inner {
    active: Option<Arc<Active>>,
    /// The last event turned into messages (or skipped without a configuration).
    last_event: u64,
    queues: HashMap<String, VecDeque<Job>>,
    /// Keys with a worker, or waiting for one in `ready`.
    busy: HashSet<String>,
    ready: VecDeque<String>,
    records: VecDeque<CallbackDelivery>,
    next_id: u64,
}

impl Inner {
    fn record_mut(&mut self, id: u64) -> Option<&mut CallbackDelivery> {
        let first = self.records.front()?.id;
        let index = usize::try_from(id.checked_sub(first)?).ok()?;
        self.records.get_mut(index)
    }
}

/// The callback outbox shared by the server, the handle and the
/// background task.
pub(crate) struct Hub {
    inner: Mutex<Inner>,
    /// Wakes the background task when a key becomes ready.
    wake: Notify,
    /// Messages queued and not yet delivered or given up.
    pending: watch::Sender<usize>,
    permits: Semaphore,
}

impl Hub {
    /// An outbox posting with `config` (checked), or posting nothing.
    pub(crate) fn new(config: Option<CallbackConfig>) -> Result<Self, CallbackConfigError> {
        let hub = Hub {
            inner: Mutex::new(Inner {
                next_id: 1,
                ..Inner::default()
            }),
            wake: Notify::new(),
            pending: watch::Sender::new(0),
            permits: Semaphore::new(MAX_CONCURRENT),
        };
        hub.configure(config)?;
        Ok(hub)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the configuration (`None`: post nothing from now on).
    /// Messages already queued keep the configuration they were made with.
    pub(crate) fn configure(
        &self,
        config: Option<CallbackConfig>,
    ) -> Result<(), CallbackConfigError> {
        let active = match config {
            Some(config) => {
                let (target, encoder) = config.prepare()?;
                tracing::info!(
                    url = %config.url,
                    encrypted = config.key.is_some(),
                    signed = config.token.is_some(),
                    signature_form = super::signature_form_name(config.signature_form),
                    "callbacks configured"
                );
                Some(Arc::new(Active {
                    config,
                    target,
                    encoder,
                }))
            }
            None => None,
        };
        self.lock().active = active;
        Ok(())
    }

    /// The configuration in force.
    pub(crate) fn config(&self) -> Option<CallbackConfig> {
        self.lock().active.as_ref().map(|a| a.config.clone())
    }

    /// Every kept delivery, oldest first.
    pub(crate) fn deliveries(&self) -> Vec<CallbackDelivery> {
        self.lock().records.iter().cloned().collect()
    }

    /// The deliveries numbered after `id`.
    pub(crate) fn deliveries_since(&self, id: u64) -> Vec<CallbackDelivery> {
        self.lock()
            .records
            .iter()
            .filter(|d| d.id > id)
            .cloned()
            .collect()
    }

    /// Messages queued and not yet delivered or given up.
    pub(crate) fn pending(&self) -> usize {
        *self.pending.borrow()
    }

    /// Waits until no message is queued or being retried.
    pub(crate) async fn idle(&self) {
        let mut rx = self.pending.subscribe();
        // The sender lives as long as `self`.
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// Turns the events recorded since the last call into messages and
    /// queues them. Called with the state locked, right after each change,
    /// so that messages are queued in the order of the events.
    pub(crate) fn publish(&self, state: &State) {
        let last = state.events.last_seq();
        let mut inner = self.lock();
        if inner.last_event >= last {
            return;
        }
        let since = inner.last_event;
        inner.last_event = last;
        let Some(active) = inner.active.clone() else {
            return;
        };
        let mut new_id = ids::resource_id;
        let mut queued = 0;
        for event in state.events.since(since) {
            for out in messages::for_event(&event, state, &mut new_id) {
                if Self::enqueue(&mut inner, &active, out) {
                    queued += 1;
                }
            }
        }
        if queued > 0 {
            // Counted before the lock is released, so that a worker
            // finishing one of them cannot count it down first.
            self.pending.send_modify(|n| *n += queued);
            drop(inner);
            self.wake.notify_one();
        }
    }

    /// Encodes a message and queues it; false if it cannot be encoded.
    fn enqueue(inner: &mut Inner, active: &Arc<Active>, out: Outgoing) -> bool {
        let Outgoing {
            key,
            flow_id,
            qr_code_id,
            event_seq,
            callback,
        } = out;
        let msg_type = callback.msg_type().as_str().to_owned();
        let json = match callback.to_json() {
            Ok(json) => json,
            Err(e) => {
                tracing::error!(msg_type = %msg_type, error = %e, "cannot encode a callback");
                return false;
            }
        };
        let message = serde_json::from_slice(&json).unwrap_or(serde_json::Value::Null);
        let encoded = active.encoder.encode_json(&json);
        let id = inner.next_id;
        inner.next_id += 1;
        if inner.records.len() == MAX_DELIVERIES {
            inner.records.pop_front();
        }
        inner.records.push_back(CallbackDelivery {
            id,
            msg_id: callback.msg_id.clone(),
            msg_type: msg_type.clone(),
            flow_id,
            qr_code_id,
            event_seq,
            url: active.config.url.clone(),
            encrypted: active.config.key.is_some(),
            signed: active.config.token.is_some(),
            message,
            attempts: Vec::new(),
            status: DeliveryStatus::Pending,
        });
        inner.queues.entry(key.clone()).or_default().push_back(Job {
            id,
            msg_type,
            msg_id: callback.msg_id,
            active: active.clone(),
            encoded,
        });
        if inner.busy.insert(key.clone()) {
            inner.ready.push_back(key);
        }
        true
    }

    /// Keys that have messages and no worker yet.
    fn take_ready(&self) -> Vec<String> {
        self.lock().ready.drain(..).collect()
    }

    /// The next message of `key`, or `None` (and the key is free again)
    /// when there is none.
    fn next_job(&self, key: &str) -> Option<Job> {
        let mut inner = self.lock();
        let job = inner.queues.get_mut(key).and_then(VecDeque::pop_front);
        if job.is_none() {
            inner.queues.remove(key);
            inner.busy.remove(key);
        }
        job
    }

    fn record_attempt(&self, id: u64, attempt: DeliveryAttempt) {
        if let Some(record) = self.lock().record_mut(id) {
            record.attempts.push(attempt);
        }
    }

    fn finish(&self, id: u64, status: DeliveryStatus) {
        if let Some(record) = self.lock().record_mut(id) {
            record.status = status;
        }
        self.pending.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// The background task: starts a worker for each contract with queued
/// messages, and notices contracts past their deadline. Ends at shutdown,
/// dropping what is still queued.
pub(crate) async fn run_dispatcher(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut workers = JoinSet::new();
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        for key in shared.callbacks.take_ready() {
            workers.spawn(worker(shared.clone(), key));
        }
        tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            _ = shared.callbacks.wake.notified() => {}
            Some(_) = workers.join_next(), if !workers.is_empty() => {}
            _ = sweep.tick() => shared.mutate(|_, _| ()),
        }
    }
    workers.abort_all();
    while workers.join_next().await.is_some() {}
}

/// Posts the messages of one key, in order, until none is left.
async fn worker(shared: Arc<Shared>, key: String) {
    while let Some(job) = shared.callbacks.next_job(&key) {
        deliver(&shared, job).await;
    }
}

/// The pause after failed attempt `number` (1-based).
pub(crate) fn backoff(first: Duration, number: u32) -> Duration {
    let factor = 1u32
        .checked_shl(number.saturating_sub(1))
        .unwrap_or(u32::MAX);
    first.saturating_mul(factor).min(MAX_BACKOFF)
}

async fn deliver(shared: &Shared, job: Job) {
    let hub = &shared.callbacks;
    let config = &job.active.config;
    for number in 1..=config.max_attempts {
        let at = shared.clock.now();
        let started = Instant::now();
        // Signed afresh for every attempt: the emulator's time, a new nonce.
        let query = if config.signature_form.uses_query() {
            job.active
                .encoder
                .sign_query(&job.encoded.body, at, &nonce())
        } else {
            None
        };
        let result = {
            let _permit = hub.permits.acquire().await;
            let request = post(&job.active.target, &job.encoded, query.as_deref());
            tokio::time::timeout(config.timeout, request).await
        };
        let (status, error) = match result {
            Ok(Ok(status)) => (Some(status), None),
            Ok(Err(e)) => (None, Some(e.to_string())),
            Err(_) => (
                None,
                Some(format!("no answer within {} ms", millis(config.timeout))),
            ),
        };
        let attempt = DeliveryAttempt {
            number,
            at,
            status,
            error,
            elapsed_ms: millis(started.elapsed()),
        };
        let succeeded = attempt.succeeded();
        match (&attempt.status, &attempt.error) {
            (Some(200), _) => tracing::info!(
                msg_type = %job.msg_type,
                msg_id = %job.msg_id,
                attempt = number,
                "callback delivered"
            ),
            (Some(status), _) => tracing::warn!(
                msg_type = %job.msg_type,
                msg_id = %job.msg_id,
                attempt = number,
                status,
                "callback refused by the receiver"
            ),
            (None, error) => tracing::warn!(
                msg_type = %job.msg_type,
                msg_id = %job.msg_id,
                attempt = number,
                error = error.as_deref().unwrap_or(""),
                "callback not delivered"
            ),
        }
        hub.record_attempt(job.id, attempt);
        if succeeded {
            hub.finish(job.id, DeliveryStatus::Delivered);
            return;
        }
        if number < config.max_attempts {
            tokio::time::sleep(backoff(config.retry_backoff, number)).await;
        }
    }
    tracing::warn!(
        msg_type = %job.msg_type,
        msg_id = %job.msg_id,
        attempts = config.max_attempts,
        "callback given up"
    );
    hub.finish(job.id, DeliveryStatus::Failed);
}

/// 16 random letters and digits: the nonce of a query signature.
fn nonce() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0..16)
        .map(|_| char::from(ALPHABET[fastrand::usize(..ALPHABET.len())]))
        .collect()
}

/// The request target: the URL's path and query, with `query` added.
fn request_target(path: &str, query: Option<&str>) -> String {
    match query {
        None => path.to_owned(),
        Some(query) => match path.find('?') {
            None => format!("{path}?{query}"),
            Some(at) if at + 1 == path.len() || path.ends_with('&') => format!("{path}{query}"),
            Some(_) => format!("{path}&{query}"),
        },
    }
}

/// One HTTP/1.1 POST, with `query` added to the URL's query string; the
/// answer's status code.
async fn post(target: &Target, message: &EncodedCallback, query: Option<&str>) -> io::Result<u16> {
    let mut last_error = None;
    let mut stream = None;
    for addr in target.addresses().await? {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_error = Some(e),
        }
    }
    let Some(mut stream) = stream else {
        return Err(last_error.unwrap_or_else(|| io::ErrorKind::NotFound.into()));
    };
    let _ = stream.set_nodelay(true);
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: ess-emulator/{}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        request_target(target.path(), query),
        target.authority(),
        env!("CARGO_PKG_VERSION"),
        message.content_type,
        message.body.len()
    );
    if let Some(signature) = &message.content_signature {
        head.push_str(ess_api::callback::CONTENT_SIGNATURE);
        head.push_str(": ");
        head.push_str(signature);
        head.push_str("\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut request = head.into_bytes();
    request.extend_from_slice(&message.body);
    stream.write_all(&request).await?;
    stream.flush().await?;
    read_status(&mut stream).await
}

/// Reads a response head and returns its status (1xx answers skipped).
async fn read_status(stream: &mut TcpStream) -> io::Result<u16> {
    let mut buf = Vec::with_capacity(1024);
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buf) {
            Ok(httparse::Status::Complete(n)) => {
                let code = response.code.unwrap_or(0);
                if (100..200).contains(&code) {
                    buf.drain(..n);
                    continue;
                }
                return Ok(code);
            }
            Ok(httparse::Status::Partial) if buf.len() > MAX_RESPONSE_HEAD => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the receiver's response head is too large",
                ));
            }
            Ok(httparse::Status::Partial) => {}
            Err(e) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the receiver's answer is not HTTP: {e}"),
                ))
            }
        }
        if stream.read_buf(&mut buf).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the receiver closed the connection without answering",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let first = Duration::from_millis(100);
        assert_eq!(backoff(first, 1), Duration::from_millis(100));
        assert_eq!(backoff(first, 2), Duration::from_millis(200));
        assert_eq!(backoff(first, 4), Duration::from_millis(800));
        assert_eq!(backoff(first, 40), MAX_BACKOFF);
        assert_eq!(backoff(Duration::ZERO, 3), Duration::ZERO);
    }

    #[test]
    fn the_query_signature_joins_the_urls_query() {
        assert_eq!(request_target("/cb", None), "/cb");
        assert_eq!(request_target("/cb", Some("t=1")), "/cb?t=1");
        assert_eq!(request_target("/cb?a=b", Some("t=1")), "/cb?a=b&t=1");
        assert_eq!(request_target("/?", Some("t=1")), "/?t=1");
        assert_eq!(request_target("/cb?a&", Some("t=1")), "/cb?a&t=1");
        let (a, b) = (nonce(), nonce());
        assert_ne!(a, b);
        assert!(a.len() == 16 && a.bytes().all(|c| c.is_ascii_alphanumeric()));
    }

    #[tokio::test]
    async fn statuses_are_read_and_non_http_is_an_error() {
        use tokio::net::TcpListener;
        async fn answer(reply: &'static [u8]) -> io::Result<u16> {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = tokio::spawn(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                s.write_all(reply).await.unwrap();
            });
            let target = Target::parse(&format!("http://{addr}/cb"), false).unwrap();
            let message = CallbackEncoder::new().encode_json(b"{}");
            let status = post(&target, &message, None).await;
            server.await.unwrap();
            status
        }
        assert_eq!(
            answer(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 No\r\n\r\n")
                .await
                .unwrap(),
            503
        );
        assert_eq!(
            answer(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                .await
                .unwrap(),
            200
        );
        assert!(answer(b"SSH-2.0-OpenSSH\r\n\r\n").await.is_err());
        assert_eq!(
            answer(b"").await.unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }
}

//! A local emulator of Tencent Cloud Electronic Signature (ESS, API
//! 2020-11-11), for offline development and tests.
//!
//! The emulator speaks the service's wire protocol on a local port: signed
//! (TC3-HMAC-SHA256) `POST /` requests with a JSON body, answered with
//! `{"Response": {...}}` and the service's error codes. It emulates
//! `CreateMultiFlowSignQRCode` and `CancelMultiFlowSignQRCode` against a
//! declared [`World`] (an organization, its employees, its contract quota
//! and its templates), accepts files with `UploadFiles` ([`Emulator::uploaded_file`]),
//! serves each QR code as a real PNG, and simulates
//! people scanning codes ([`Emulator::scan`]), signing
//! ([`Emulator::sign`]) and refusing ([`Emulator::reject`]). The contract's
//! life is emulated too: `CreateFlowByFiles`, `DescribeFlowTemplates`,
//! `DescribeFlowBriefs`, `DescribeFlowInfo`, `CancelFlow`,
//! `CreateFlowSignUrl` and `DescribeFileUrls` (a PDF of the contract,
//! served by the emulator). `GET /_emulator/` is a page to watch and drive
//! it from a browser. Everything it holds is in memory and is gone when
//! it stops.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ess_api::types::UserInfo;
//! use ess_emulator::{defaults, Emulator, ScanRequest};
//!
//! let emulator = Emulator::builder().start().await?;
//! let client = ess_api::Client::new(emulator.config())?;
//! let out = client
//!     .create_multi_flow_sign_qr_code()
//!     .operator(UserInfo::builder().user_id(defaults::OPERATOR_ID).build()?)
//!     .template_id(defaults::B2C_TEMPLATE_ID)
//!     .flow_name("员工入职合同")
//!     .flow_name_append_scanner_info(true)
//!     .send()
//!     .await?;
//! let flow = emulator.scan(&ScanRequest::new(&out.qr_code.qr_code_id, "张三", "13800009527"))?;
//! assert_eq!(flow.flow_name, "员工入职合同-张三-9527");
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # What a request goes through
//!
//! In order, each failure answering the service's code: the
//! `Authorization` header (`AuthFailure.InvalidAuthorization`), the
//! SecretId (`AuthFailure.SecretIdNotFound`), the timestamp, at most 300 s
//! from the emulator's clock (`AuthFailure.SignatureExpire`), the signature
//! (`AuthFailure.SignatureFailure`), the session token of temporary
//! credentials (`AuthFailure.TokenFailure`), the action (`InvalidAction`,
//! or, with [`EmulatorBuilder::strict`], `UnsupportedOperation` for an
//! action of the spec without semantics), the version (`NoSuchVersion`), the action's rate limit
//! (`RequestLimitExceeded`), the content type and the JSON
//! (`InvalidParameter`), then the generated input type: required members
//! (`MissingParameter`), JSON types (`InvalidParameter`), unknown members
//! (`UnknownParameter`) and the spec's validation rules (the action's
//! `InvalidParameter.*` codes), and last the action's own rules. An action
//! without semantics answers, when not strict, its official example
//! response re-encoded through its output type, with a fresh `RequestId`
//! and the header `X-Emulator-Canned: example`.
//!
//! # Hosts
//!
//! The service serves `UploadFiles` at a host of its own
//! (`file.ess.tencent.cn`, `file.test.ess.tencent.cn` for the
//! integration-test environment) and every other action at its API host
//! (`ess.tencentcloudapi.com`, `ess.test.ess.tencent.cn`). The emulator
//! reads the request's `Host` (the one the client signed) and does the
//! same: at a file host it answers any other action `InvalidAction`, and at
//! an API host it answers `UploadFiles` `InvalidAction`. At any other host,
//! such as `127.0.0.1:PORT` for a client given [`Emulator::endpoint`],
//! every action is served. Reaching the service's hosts takes HTTPS with a
//! certificate for their names: see [`EmulatorBuilder::tls`] and
//! [`Emulator::service_hosts_config`].
//!
//! # Faults
//!
//! [`Emulator::inject_fault`] (or `POST /_emulator/faults`) makes API
//! requests fail in the ways networks and gateways do; see [`faults`].
//!
//! # Callbacks
//!
//! With a [`CallbackConfig`] ([`EmulatorBuilder::callbacks`], a
//! `[callbacks]` table in the world file, or `POST /_emulator/callbacks`),
//! the emulator posts the service's callback messages to a local receiver:
//! a contract started (by a scan or from files), signed, refused,
//! cancelled or expired (`FlowStatusChange`),
//! quota used by a scan (`MultiFlowSignQrCodeCost`), a scan refused for lack
//! of quota (`CreateFlowByQrCode`); encrypted and signed as configured,
//! retried until answered with HTTP 200. See [`callbacks`].

#![warn(missing_docs)]

mod api;
mod auth;
pub mod callbacks;
mod control;
mod error;
pub mod events;
pub mod faults;
pub mod fuzzing;
mod http;
mod ids;
mod page;
mod pdf;
pub mod qr;
mod rate_limit;
mod state;
mod time;
mod tls;
pub mod world;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ess_api::client::{Clock, Environment};
use ess_api::{Config, Credentials};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};
use tokio::task::{JoinHandle, JoinSet};

pub use crate::callbacks::{
    CallbackConfig, CallbackConfigError, CallbackDelivery, DeliveryAttempt, DeliveryStatus,
};
pub use crate::error::ApiError;
pub use crate::events::{Event, EventKind};
pub use crate::faults::{Fault, FaultError, FaultKind, FaultScope};
pub use crate::state::{
    FlowInfo, FlowStatus, QrCodeInfo, QrCodeStatus, ScanRequest, SignerInfo, SignerKind, Snapshot,
    StartedFlow, UploadedFileInfo, MAX_STORED_FILES, MAX_STORED_FILE_BYTES,
};
pub use crate::tls::{TlsError, TLS_NAMES};
pub use crate::world::{
    defaults, Organization, SigningOrder, Template, TemplateKind, TemplateProblem, World,
    WorldError,
};

use crate::api::Registry;
use crate::callbacks::Hub;
use crate::faults::Faults;
use crate::rate_limit::RateLimiter;
use crate::state::State;
use crate::time::EmulatorClock;

/// How long [`Emulator::shutdown`] lets requests in progress finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The default time a request head may take to arrive once its first byte
/// is there ([`EmulatorBuilder::head_timeout`]).
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time a TLS handshake may take once a connection is accepted
/// ([`EmulatorBuilder::tls_handshake_timeout`]).
pub const DEFAULT_TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The default number of connections served at once
/// ([`EmulatorBuilder::max_connections`]).
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The default number of QR codes kept ([`EmulatorBuilder::max_qr_codes`]).
pub const DEFAULT_MAX_QR_CODES: usize = 200_000;
/// The default number of contracts kept ([`EmulatorBuilder::max_flows`]).
pub const DEFAULT_MAX_FLOWS: usize = 200_000;
/// How long QR codes and contracts are kept once over, unless configured
/// ([`EmulatorBuilder::retention`]): 30 days of emulator time.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 86_400);
/// The furthest one move of the clock may go: ten years.
pub const MAX_CLOCK_ADVANCE: Duration = Duration::from_secs(10 * 366 * 86_400);
/// The furthest the clock may be moved in all: a hundred years.
pub const MAX_CLOCK_OFFSET: Duration = Duration::from_secs(100 * 366 * 86_400);

/// The bounds on what peers can make the emulator hold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub head_timeout: Duration,
    pub tls_handshake_timeout: Duration,
    pub max_connections: usize,
    pub max_qr_codes: usize,
    pub max_flows: usize,
    pub retention: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            head_timeout: DEFAULT_HEAD_TIMEOUT,
            tls_handshake_timeout: DEFAULT_TLS_HANDSHAKE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_qr_codes: DEFAULT_MAX_QR_CODES,
            max_flows: DEFAULT_MAX_FLOWS,
            retention: DEFAULT_RETENTION,
        }
    }
}

/// What the server tasks share.
pub(crate) struct Shared {
    world: World,
    state: Mutex<State>,
    clock: EmulatorClock,
    credentials: Vec<Credentials>,
    registry: Registry,
    limiter: RateLimiter,
    rate_limits: bool,
    strict: bool,
    limits: Limits,
    faults: Faults,
    base_url: String,
    callbacks: Hub,
}

/// How many expired contracts are recorded between two publications of
/// events, so that a long jump of the clock never records more events at
/// once than the log keeps.
const EXPIRE_BATCH: usize = 1000;

impl Shared {
    fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the state: records the expiry of contracts past their
    /// deadline, runs `f` with the state and the time, and queues the
    /// callbacks of every event recorded meanwhile, all under the lock so
    /// that callbacks are queued in the order of the events.
    fn mutate<R>(&self, f: impl FnOnce(&mut State, u64) -> R) -> R {
        let now = self.clock.now();
        let mut state = self.lock_state();
        loop {
            let more = state.expire_due(now, EXPIRE_BATCH);
            self.callbacks.publish(&state);
            if !more {
                break;
            }
        }
        let forgotten = state.evict_due(now);
        let result = f(&mut state, now);
        self.callbacks.publish(&state);
        drop(state);
        if forgotten.len() > 0 {
            tracing::debug!(
                forgotten = forgotten.len(),
                "codes and contracts past their retention forgotten"
            );
        }
        // Freed once the lock is released.
        drop(forgotten);
        result
    }

    fn scan(&self, scan: &ScanRequest) -> Result<StartedFlow, ApiError> {
        let started =
            self.mutate(|state, now| state.scan(&self.world, scan, now, ids::resource_id))?;
        tracing::info!(
            qr_code_id = %started.qr_code_id,
            flow_id = %started.flow_id,
            "scan started a contract"
        );
        Ok(started)
    }

    fn sign(&self, flow_id: &str, recipient_id: Option<&str>) -> Result<FlowInfo, ApiError> {
        self.mutate(|state, now| state.sign(flow_id, recipient_id, now))
    }

    fn reject(
        &self,
        flow_id: &str,
        recipient_id: Option<&str>,
        reason: &str,
    ) -> Result<FlowInfo, ApiError> {
        self.mutate(|state, now| state.reject(flow_id, recipient_id, reason, now))
    }

    /// Moves the clock, within [`MAX_CLOCK_ADVANCE`] at once and
    /// [`MAX_CLOCK_OFFSET`] in all.
    fn advance_clock(&self, secs: u64) -> Result<(), String> {
        self.clock.advance(
            secs,
            MAX_CLOCK_ADVANCE.as_secs(),
            MAX_CLOCK_OFFSET.as_secs(),
        )?;
        self.mutate(|_, _| ());
        Ok(())
    }

    fn qr_code_png(&self, id: &str) -> Result<Vec<u8>, ApiError> {
        let (url, name) = {
            let state = self.lock_state();
            let code = state.qr_code(id).ok_or_else(|| state::qr_not_found(id))?;
            (code.sign_url.clone(), code.qr_code_name.clone())
        };
        control::png_for(&url, &name)
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The world breaks a rule.
    #[error(transparent)]
    World(#[from] WorldError),
    /// An initial fault is invalid.
    #[error(transparent)]
    Fault(#[from] FaultError),
    /// The callback configuration is invalid.
    #[error(transparent)]
    Callbacks(#[from] CallbackConfigError),
    /// The certificate of the HTTPS mode could not be made.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// No credentials were configured.
    #[error("the emulator needs at least one set of credentials")]
    NoCredentials,
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Configures and starts an [`Emulator`].
pub struct EmulatorBuilder {
    world: World,
    credentials: Vec<Credentials>,
    clock: Option<Arc<dyn Clock>>,
    rate_limits: bool,
    strict: bool,
    limits: Limits,
    addr: SocketAddr,
    public_url: Option<String>,
    faults: Vec<Fault>,
    callbacks: Option<CallbackConfig>,
    tls: bool,
}

impl fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("addr", &self.addr)
            .field("secret_ids", &self.secret_ids())
            .field("rate_limits", &self.rate_limits)
            .field("strict", &self.strict)
            .field("limits", &self.limits)
            .field("public_url", &self.public_url)
            .field("callbacks", &self.callbacks)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            world: World::default(),
            credentials: vec![default_credentials()],
            clock: None,
            rate_limits: true,
            strict: false,
            limits: Limits::default(),
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            public_url: None,
            faults: Vec::new(),
            callbacks: None,
            tls: false,
        }
    }
}

/// The default credentials: [`defaults::SECRET_ID`] and [`defaults::SECRET_KEY`].
pub fn default_credentials() -> Credentials {
    // Both values are fixed, non-empty visible ASCII.
    Credentials::new(defaults::SECRET_ID, defaults::SECRET_KEY)
        .unwrap_or_else(|_| unreachable!("the default credentials are well-formed"))
}

impl EmulatorBuilder {
    fn secret_ids(&self) -> Vec<&str> {
        self.credentials.iter().map(|c| c.secret_id()).collect()
    }

    /// The world to emulate (default: [`World::default`]).
    pub fn world(mut self, world: World) -> Self {
        self.world = world;
        self
    }

    /// Accepts only these credentials, instead of the default ones.
    /// Temporary credentials ([`Credentials::temporary`]) also require their
    /// session token in `X-TC-Token`.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = vec![credentials];
        self
    }

    /// Accepts these credentials too.
    pub fn add_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials.push(credentials);
        self
    }

    /// Reads the time from `clock` instead of the system clock: signature
    /// timestamps, expiry and deadlines all follow it.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Whether each action's documented rate limit is enforced (default: yes).
    pub fn rate_limits(mut self, enabled: bool) -> Self {
        self.rate_limits = enabled;
        self
    }

    /// Whether the actions without semantics answer `UnsupportedOperation`
    /// (strict) or, by default, their official example response
    /// re-encoded through the action's output type, with a fresh
    /// `RequestId` and the header `X-Emulator-Canned: example`. Their
    /// requests are decoded and validated either way.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// How long a request head may take to arrive once its first byte is
    /// there (default [`DEFAULT_HEAD_TIMEOUT`]); a slower one is answered
    /// `408` and its connection closed. Idle kept-alive connections wait
    /// for their next request for 300 s.
    pub fn head_timeout(mut self, timeout: Duration) -> Self {
        self.limits.head_timeout = timeout;
        self
    }

    /// How many connections are served at once (default
    /// [`DEFAULT_MAX_CONNECTIONS`], at least 1); one more is answered `503`
    /// and closed.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.limits.max_connections = max.max(1);
        self
    }

    /// How many QR codes the emulator keeps (default
    /// [`DEFAULT_MAX_QR_CODES`]); creating one more answers `LimitExceeded`.
    pub fn max_qr_codes(mut self, max: usize) -> Self {
        self.limits.max_qr_codes = max;
        self
    }

    /// How many contracts the emulator keeps (default
    /// [`DEFAULT_MAX_FLOWS`]); a scan that would start one more answers
    /// `LimitExceeded`.
    pub fn max_flows(mut self, max: usize) -> Self {
        self.limits.max_flows = max;
        self
    }

    /// How long a QR code or a contract is kept once it is over (default
    /// [`DEFAULT_RETENTION`], in emulator time): a code once cancelled or
    /// expired, a contract once signed, refused, cancelled or expired.
    /// Then it is forgotten: looking it up finds nothing, as for an id
    /// never given.
    pub fn retention(mut self, retention: Duration) -> Self {
        self.limits.retention = retention;
        self
    }

    /// Whether to serve HTTPS instead of plain HTTP (default: no), as the
    /// service's hosts do.
    ///
    /// At start the emulator makes a certificate authority of its own and,
    /// signed by it, a server certificate for [`TLS_NAMES`]: the API hosts
    /// and file hosts of both environments, `localhost` and `127.0.0.1`.
    /// A client that trusts the authority
    /// ([`Emulator::tls_certificate_pem`], given to
    /// `Config::with_root_certificate`) and pins those names to the
    /// emulator's address (`Config::with_resolve`) runs offline without an
    /// endpoint: see [`Emulator::service_hosts_config`]. Each start makes a
    /// new authority; its key is kept only in memory.
    ///
    /// The emulator then answers each request as its `Host` would: see
    /// "Hosts" in the crate documentation. The limits of plain HTTP apply
    /// to TLS connections too, and the handshake has
    /// [`tls_handshake_timeout`](Self::tls_handshake_timeout); a connection
    /// over [`max_connections`](Self::max_connections) is closed without an
    /// answer (a plain-text `503` would not be TLS).
    pub fn tls(mut self, enabled: bool) -> Self {
        self.tls = enabled;
        self
    }

    /// How long a TLS handshake may take once a connection is accepted
    /// (default [`DEFAULT_TLS_HANDSHAKE_TIMEOUT`]); a slower one is closed.
    /// Only used with [`tls`](Self::tls).
    pub fn tls_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.limits.tls_handshake_timeout = timeout;
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, a free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The host to listen on, keeping the port.
    pub fn host(mut self, host: IpAddr) -> Self {
        self.addr.set_ip(host);
        self
    }

    /// The port to listen on, keeping the host (0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.addr.set_port(port);
        self
    }

    /// The base of the links the emulator hands out (QR code images and
    /// sign pages), when clients reach it under another name than
    /// [`Emulator::endpoint`]. Without a trailing slash.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// A fault active from the start.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Posts callbacks as configured (instead of the world's
    /// [`World::callbacks`], if any); see [`callbacks`].
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use ess_emulator::{CallbackConfig, Emulator};
    ///
    /// let emulator = Emulator::builder()
    ///     .callbacks(
    ///         CallbackConfig::new("http://127.0.0.1:9000/ess/callback")
    ///             .with_key("0123456789abcdef0123456789abcdef")
    ///             .with_token("signature-token"),
    ///     )
    ///     .start()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn callbacks(mut self, config: CallbackConfig) -> Self {
        self.callbacks = Some(config);
        self
    }

    /// Checks the world and the callback configuration, binds the address
    /// and starts serving.
    pub async fn start(self) -> Result<Emulator, StartError> {
        self.world.check()?;
        if self.credentials.is_empty() {
            return Err(StartError::NoCredentials);
        }
        let callbacks = Hub::new(self.callbacks.or_else(|| self.world.callbacks.clone()))?;
        let faults = Faults::default();
        for fault in self.faults {
            faults.add(fault)?;
        }
        let tls = if self.tls {
            Some(tls::Tls::generate()?)
        } else {
            None
        };
        let listener = TcpListener::bind(self.addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: self.addr,
            source,
        })?;
        let endpoint = endpoint_of(addr, tls.is_some());
        let shared = Arc::new(Shared {
            state: Mutex::new({
                let mut state = State::new(&self.world);
                state.max_qr_codes = self.limits.max_qr_codes;
                state.max_flows = self.limits.max_flows;
                state.retention = self.limits.retention.as_secs();
                state
            }),
            world: self.world,
            clock: self
                .clock
                .map_or_else(EmulatorClock::system, EmulatorClock::new),
            credentials: self.credentials,
            registry: Registry::new(),
            limiter: RateLimiter::default(),
            rate_limits: self.rate_limits,
            strict: self.strict,
            limits: self.limits,
            faults,
            base_url: self.public_url.unwrap_or_else(|| endpoint.clone()),
            callbacks,
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let dispatcher = tokio::spawn(callbacks::run_dispatcher(
            shared.clone(),
            shutdown_rx.clone(),
        ));
        let (acceptor, tls_pem) = match tls {
            Some(tls) => (Some(tls.acceptor), Some(tls.ca_pem)),
            None => (None, None),
        };
        let task = tokio::spawn(accept_loop(listener, shared.clone(), shutdown_rx, acceptor));
        tracing::info!(
            %addr,
            tls = tls_pem.is_some(),
            actions = ?shared.registry.names(),
            "ESS emulator listening"
        );
        Ok(Emulator {
            shared,
            addr,
            endpoint,
            tls_pem,
            shutdown,
            task: Some(task),
            dispatcher: Some(dispatcher),
        })
    }
}

/// `http://ip:port` (`https://` with TLS), with the loopback address for an
/// unspecified one.
fn endpoint_of(addr: SocketAddr, tls: bool) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{}", SocketAddr::new(ip, addr.port()))
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let mut connections = JoinSet::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(shared.limits.max_connections));
    loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let Ok(slot) = slots.clone().try_acquire_owned() else {
                        // Never waits: what the socket takes now is all it
                        // gets. Over TLS the connection is just closed.
                        if tls.is_none() {
                            let _ = stream.try_write(http::TOO_MANY_CONNECTIONS);
                        }
                        tracing::warn!(
                            max = shared.limits.max_connections,
                            "connection refused: too many connections"
                        );
                        continue;
                    };
                    let Some(acceptor) = &tls else {
                        let serve = http::serve_connection(shared.clone(), stream, shutdown.clone());
                        connections.spawn(async move {
                            serve.await;
                            drop(slot);
                        });
                        continue;
                    };
                    let handshake = acceptor.accept(stream);
                    let (shared, mut shutdown) = (shared.clone(), shutdown.clone());
                    connections.spawn(async move {
                        let limit = shared.limits.tls_handshake_timeout;
                        let stream = tokio::select! {
                            biased;
                            _ = shutdown.changed() => None,
                            done = tokio::time::timeout(limit, handshake) => match done {
                                Ok(Ok(stream)) => Some(stream),
                                Ok(Err(e)) => {
                                    tracing::debug!(error = %e, "TLS handshake failed");
                                    None
                                }
                                Err(_) => {
                                    tracing::debug!(?limit, "TLS handshake timed out");
                                    None
                                }
                            },
                        };
                        if let Some(stream) = stream {
                            http::serve_connection(shared, stream, shutdown).await;
                        }
                        drop(slot);
                    });
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a little.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
    tracing::info!("ESS emulator stopped");
}

/// A running emulator.
///
/// Dropping it stops the server too, without waiting; prefer
/// [`Emulator::shutdown`].
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    endpoint: String,
    /// The certificate authority of the HTTPS mode, PEM.
    tls_pem: Option<String>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    dispatcher: Option<JoinHandle<()>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .field("endpoint", &self.endpoint)
            .field("now", &self.shared.clock.now())
            .finish_non_exhaustive()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

impl Emulator {
    /// A builder with the default world and credentials, listening on
    /// `127.0.0.1` on a free port.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The address the emulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (`https://` with [`EmulatorBuilder::tls`]):
    /// the endpoint to give clients.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// With [`EmulatorBuilder::tls`], the certificate (PEM) of the authority
    /// that signed the emulator's server certificate: what a client trusts
    /// with `Config::with_root_certificate`. `None` in plain-HTTP mode.
    pub fn tls_certificate_pem(&self) -> Option<&str> {
        self.tls_pem.as_deref()
    }

    /// The base of the links in answers (the endpoint unless
    /// [`EmulatorBuilder::public_url`] set another).
    pub fn public_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The first accepted credentials (the default ones unless configured).
    pub fn credentials(&self) -> Credentials {
        self.shared
            .credentials
            .first()
            .cloned()
            .unwrap_or_else(default_credentials)
    }

    /// A client configuration pointed at the emulator with its credentials
    /// (`ess_api::Client::new(emulator.config())`): every action to
    /// [`endpoint`](Self::endpoint), trusting the emulator's certificate
    /// in HTTPS mode.
    pub fn config(&self) -> Config {
        let config = Config::default()
            .with_endpoint(self.endpoint.clone())
            .with_credentials(self.credentials());
        match &self.tls_pem {
            Some(pem) => config.with_root_certificate(pem.as_bytes()),
            None => config,
        }
    }

    /// In HTTPS mode ([`EmulatorBuilder::tls`]), a client configuration
    /// without an endpoint: the client talks to the service's own hosts of
    /// `environment` (`UploadFiles` to the file host, every other action to
    /// the API host), each pinned to the emulator's address with
    /// `Config::with_resolve`, trusting the emulator's certificate, with
    /// the emulator's credentials and without proxies from the environment
    /// (a proxy would be asked for the real hosts). `None` in plain-HTTP
    /// mode, where a client cannot reach the service's hosts over HTTPS.
    pub fn service_hosts_config(&self, environment: Environment) -> Option<Config> {
        let pem = self.tls_pem.as_ref()?;
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            });
        }
        let mut config = Config::default()
            .with_environment(environment)
            .with_credentials(self.credentials())
            .with_root_certificate(pem.as_bytes())
            .with_env_proxy(false);
        for host in TLS_NAMES
            .iter()
            .filter(|name| name.parse::<IpAddr>().is_err() && **name != "localhost")
        {
            config = config.with_resolve(*host, addr);
        }
        Some(config)
    }

    /// The declared world.
    pub fn world(&self) -> &World {
        &self.shared.world
    }

    /// The emulator's time, in Unix seconds.
    pub fn now(&self) -> u64 {
        self.shared.clock.now()
    }

    /// Moves the emulator's clock forward, to make codes and contracts
    /// expire. Clients then need the same shift in their timestamps; the
    /// `ess_api` client learns it from the `Date` header when it re-signs
    /// after `AuthFailure.SignatureExpire`.
    ///
    /// Contracts that pass their deadline are recorded as expired
    /// ([`EventKind::FlowExpired`]), with their callbacks queued.
    ///
    /// A move beyond [`MAX_CLOCK_ADVANCE`] at once, or beyond
    /// [`MAX_CLOCK_OFFSET`] in all, is refused and changes nothing (see
    /// [`try_advance_clock`](Self::try_advance_clock) for the reason); it is
    /// logged as a warning.
    pub fn advance_clock(&self, by: Duration) {
        if let Err(e) = self.try_advance_clock(by) {
            tracing::warn!(error = %e, "clock not moved");
        }
    }

    /// [`advance_clock`](Self::advance_clock), telling why a move is
    /// refused (`InvalidParameter`).
    pub fn try_advance_clock(&self, by: Duration) -> Result<(), ApiError> {
        self.shared
            .advance_clock(by.as_secs())
            .map_err(ApiError::invalid)
    }

    /// Contracts the organization can still start.
    pub fn quota_remaining(&self) -> u64 {
        self.shared.lock_state().quota_remaining
    }

    /// Sets the contracts the organization can still start.
    pub fn set_quota_remaining(&self, quota: u64) {
        self.shared.lock_state().quota_remaining = quota;
    }

    /// A QR code, by id.
    pub fn qr_code(&self, id: &str) -> Option<QrCodeInfo> {
        let now = self.now();
        let state = self.shared.lock_state();
        state.qr_code(id).map(|c| state.qr_info(c, now))
    }

    /// Every QR code, oldest first.
    pub fn qr_codes(&self) -> Vec<QrCodeInfo> {
        self.shared.lock_state().qr_infos(self.now())
    }

    /// The PNG image of a code, as `GET /qr/<QrCodeId>.png` serves it.
    pub fn qr_code_png(&self, id: &str) -> Result<Vec<u8>, ApiError> {
        self.shared.qr_code_png(id)
    }

    /// A contract, by id.
    pub fn flow(&self, id: &str) -> Option<FlowInfo> {
        self.shared.lock_state().flow(id, self.now())
    }

    /// Every contract, oldest first.
    pub fn flows(&self) -> Vec<FlowInfo> {
        self.shared.lock_state().flows(self.now())
    }

    /// A file uploaded with `UploadFiles`, by the id `FileIds` returned;
    /// `None` for an unknown id or once the file's deadline is reached.
    pub fn uploaded_file(&self, id: &str) -> Option<UploadedFileInfo> {
        let now = self.now();
        let state = self.shared.lock_state();
        state.files.get(id, now).map(state::FileStore::info)
    }

    /// The decoded contents of an uploaded file, while it has not expired.
    pub fn uploaded_file_content(&self, id: &str) -> Option<Vec<u8>> {
        let now = self.now();
        let state = self.shared.lock_state();
        state.files.get(id, now).map(|f| f.content.clone())
    }

    /// Every uploaded file that has not expired, oldest first.
    pub fn uploaded_files(&self) -> Vec<UploadedFileInfo> {
        self.shared.lock_state().files.infos(self.now())
    }

    /// Everything the emulator holds.
    pub fn snapshot(&self) -> Snapshot {
        self.shared
            .lock_state()
            .snapshot(&self.shared.world, self.now())
    }

    /// A person scans a QR code and starts a contract of their own, as
    /// `POST /_emulator/scan` does.
    ///
    /// Checks, in order: the person's details (`InvalidParameter.Name`,
    /// `InvalidParameter.Mobile`, `InvalidParameter.CardNumber`); the code
    /// exists (`ResourceNotFound.QrInfo`), is not cancelled, not expired and
    /// has not started `MaxFlowNum` contracts yet (`OperationDenied.QrInvalid`);
    /// the person is one of the code's `Restrictions`, matched on name and
    /// mobile and on the identity card number when the restriction has one,
    /// and has not started a contract from it before when
    /// `ForbidPersonalMultipleSign` is set (`OperationDenied.Forbid`); the
    /// organization has quota left (`OperationDenied.NoQuota`). The contract
    /// uses one unit of quota and must be signed within `FlowEffectiveDay`
    /// days.
    pub fn scan(&self, scan: &ScanRequest) -> Result<StartedFlow, ApiError> {
        self.shared.scan(scan)
    }

    /// The next signer of a contract signs it (for a contract started by a
    /// scan, the person who scanned), as `POST /_emulator/sign` does; the
    /// contract is signed once every signer has. Fails with
    /// `ResourceNotFound.Flow` for an unknown contract and
    /// `OperationDenied.FlowHasTerminated` for one that is over (signed,
    /// refused, cancelled or expired).
    pub fn sign(&self, flow_id: &str) -> Result<FlowInfo, ApiError> {
        self.shared.sign(flow_id, None)
    }

    /// The signer with this `RecipientId` signs. Besides the failures of
    /// [`sign`](Self::sign): `ResourceNotFound.FlowApprover` for a signer
    /// the contract does not have, `OperationDenied.FlowHasTerminated` for
    /// one who already acted, `OperationDenied` when the contract is signed
    /// in order and it is not their turn.
    pub fn sign_as(&self, flow_id: &str, recipient_id: &str) -> Result<FlowInfo, ApiError> {
        self.shared.sign(flow_id, Some(recipient_id))
    }

    /// The next signer refuses to sign, giving a reason, as `POST
    /// /_emulator/reject` does: the contract is over (`FlowStatus` 3). Fails
    /// as [`sign`](Self::sign) does.
    pub fn reject(&self, flow_id: &str, reason: &str) -> Result<FlowInfo, ApiError> {
        self.shared.reject(flow_id, None, reason)
    }

    /// The signer with this `RecipientId` refuses to sign; fails as
    /// [`sign_as`](Self::sign_as) does.
    pub fn reject_as(
        &self,
        flow_id: &str,
        recipient_id: &str,
        reason: &str,
    ) -> Result<FlowInfo, ApiError> {
        self.shared.reject(flow_id, Some(recipient_id), reason)
    }

    /// Every recorded event (the last [`events::MAX_EVENTS`]), oldest first.
    pub fn events(&self) -> Vec<Event> {
        self.events_since(0)
    }

    /// The recorded events after sequence number `seq`.
    pub fn events_since(&self, seq: u64) -> Vec<Event> {
        self.shared.lock_state().events.since(seq)
    }

    /// Events as they happen, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.shared.lock_state().events.subscribe()
    }

    /// Adds a fault; see [`faults`].
    pub fn inject_fault(&self, fault: Fault) -> Result<(), FaultError> {
        self.shared.faults.add(fault)
    }

    /// The active faults.
    pub fn faults(&self) -> Vec<Fault> {
        self.shared.faults.active()
    }

    /// The active faults, each with the number of API requests it was
    /// applied to so far (what `GET /_emulator/faults` lists as `Applied`).
    pub fn faults_applied(&self) -> Vec<(Fault, u64)> {
        self.shared.faults.applied()
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// The callback configuration in force, if any.
    pub fn callback_config(&self) -> Option<CallbackConfig> {
        self.shared.callbacks.config()
    }

    /// Replaces the callback configuration, as `POST /_emulator/callbacks`
    /// does (`None` stops queueing callbacks, as `DELETE` does). Messages
    /// already queued keep the configuration they were made with.
    pub fn set_callbacks(&self, config: Option<CallbackConfig>) -> Result<(), CallbackConfigError> {
        self.shared.callbacks.configure(config)
    }

    /// Every callback message queued so far (the last
    /// [`callbacks::MAX_DELIVERIES`]), oldest first, with its attempts.
    pub fn callback_deliveries(&self) -> Vec<CallbackDelivery> {
        self.shared.callbacks.deliveries()
    }

    /// How many callback messages are queued or being retried.
    pub fn pending_callbacks(&self) -> usize {
        self.shared.callbacks.pending()
    }

    /// Waits until every queued callback message is delivered or given up.
    ///
    /// Contracts past their deadline are noticed first, so their
    /// `FlowStatusChange` is waited for too. With a receiver that never
    /// answers, this takes up to `max_attempts` times the timeout plus the
    /// pauses between attempts; wrap it in `tokio::time::timeout` to bound
    /// it further.
    pub async fn flush_callbacks(&self) {
        self.shared.mutate(|_, _| ());
        self.shared.callbacks.idle().await;
    }

    /// Stops accepting connections, lets requests in progress finish (at
    /// most [`SHUTDOWN_GRACE`]), closes every connection and returns.
    /// Callback messages still queued are dropped: call
    /// [`flush_callbacks`](Self::flush_callbacks) first to deliver them.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(dispatcher) = self.dispatcher.take() {
            let _ = dispatcher.await;
        }
    }
}

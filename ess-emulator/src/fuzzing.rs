//! Entry points for the fuzz targets of the repository's `fuzz/` crate.
//! Not public API: nothing here is stable.
//!
//! Two ways in, both without a client:
//!
//! * [`HttpHarness::exchange`] writes raw bytes to the emulator's HTTP
//!   server on a fresh connection, as any peer could, and returns what the
//!   server wrote back before closing it: request parsing, keep-alive, the
//!   whole API pipeline (authentication included) and the emulator's own
//!   endpoints.
//! * [`run_api`] and [`check_request`] run a decoded JSON body through the
//!   pipeline after HTTP and authentication: action resolution, the generic
//!   spec-driven checks and the action's own rules, against a fresh state.
#![doc(hidden)]

use ess_api::service::codes;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use ess_api::client::FixedClock;
use ess_api::operation::cancel_multi_flow_sign_qr_code::CancelMultiFlowSignQrCodeInput;
use ess_api::operation::create_multi_flow_sign_qr_code::CreateMultiFlowSignQrCodeInput;
use ess_api::{Action, Credentials};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use tokio::runtime::Runtime;

use crate::api::{self, Ctx, Registry, Resolved};
use crate::error::ApiError;
use crate::state::State;
use crate::world::World;
use crate::Emulator;

/// The emulator's time in the harnesses: 2024-06-01T00:00:00Z.
pub const NOW: u64 = 1_717_200_000;

/// How long one exchange may take before it counts as a hang.
const EXCHANGE_LIMIT: Duration = Duration::from_secs(10);

/// The base of links in answers of [`run_api`].
const BASE_URL: &str = "http://127.0.0.1:1";

/// Drives the emulator's HTTP server with raw bytes.
///
/// Every exchange gets an emulator of its own (default world and
/// credentials, the clock at [`NOW`], rate limits off), so that exchanges
/// do not depend on one another.
pub struct HttpHarness {
    runtime: Runtime,
    /// Rotates the client's loopback source address, so that closed
    /// connections waiting out their TIME_WAIT never use up the ports.
    next_source: u32,
}

impl HttpHarness {
    /// A harness with its own single-threaded runtime.
    pub fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot start a runtime: {e}"));
        Self {
            runtime,
            next_source: 0,
        }
    }

    /// The credentials the emulator accepts.
    pub fn credentials(&self) -> Credentials {
        crate::default_credentials()
    }

    /// Writes `request` to a fresh emulator on a fresh connection, closes
    /// the writing half, and returns everything the server wrote before it
    /// closed the connection.
    ///
    /// Panics when the server has not closed the connection within 10 s:
    /// a peer that stops writing must never hold a connection open.
    pub fn exchange(&mut self, request: &[u8]) -> Vec<u8> {
        self.next_source = self.next_source.wrapping_add(1);
        // 127.1.0.1 to 127.254.255.254: never 127.0.0.1, where the emulator listens.
        let n = self.next_source % (254 * 65_536 - 2);
        let source = Ipv4Addr::new(
            127,
            (1 + n / 65_536) as u8,
            (n / 256 % 256) as u8,
            1 + (n % 254) as u8,
        );
        self.runtime.block_on(async move {
            let emulator = Emulator::builder()
                .clock(FixedClock::new(NOW))
                .rate_limits(false)
                .start()
                .await
                .unwrap_or_else(|e| panic!("cannot start the emulator: {e}"));
            let socket = TcpSocket::new_v4().unwrap_or_else(|e| panic!("socket: {e}"));
            // Without a source address of its own the connection still works.
            let _ = socket.bind(SocketAddr::V4(SocketAddrV4::new(source, 0)));
            let client = socket
                .connect(emulator.addr())
                .await
                .unwrap_or_else(|e| panic!("connect: {e}"));
            // Closing the client side with a reset leaves no TIME_WAIT behind.
            let _ = client.set_zero_linger();
            let talk = async move {
                let (mut read, mut write) = client.into_split();
                let send = async move {
                    let _ = write.write_all(request).await;
                    let _ = write.shutdown().await;
                    write
                };
                let receive = async move {
                    let mut out = Vec::new();
                    let _ = read.read_to_end(&mut out).await;
                    (out, read)
                };
                let (write, (out, read)) = tokio::join!(send, receive);
                drop(read.reunite(write));
                out
            };
            let out = tokio::time::timeout(EXCHANGE_LIMIT, talk)
                .await
                .unwrap_or_else(|_| {
                    panic!("the connection was still open after {EXCHANGE_LIMIT:?}")
                });
            emulator.shutdown().await;
            out
        })
    }
}

impl Default for HttpHarness {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs a request body through action resolution, the generic checks and
/// the action's semantics, as the server does once a request is
/// authenticated, against a fresh state of the default world at [`NOW`]
/// (strictly: an action without semantics is `UnsupportedOperation`).
/// The answer is the `Response` object without its `RequestId`.
pub fn run_api(action: &str, body: Value) -> Result<Value, ApiError> {
    let registry = Registry::new();
    let entry = match registry.resolve(action, true) {
        Resolved::Emulated(entry) | Resolved::Canned(entry) => *entry,
        Resolved::Unsupported => return Err(ApiError::new(codes::UNSUPPORTED_OPERATION, action)),
        Resolved::Unknown => return Err(ApiError::new(codes::INVALID_ACTION, action)),
    };
    let world = World::default();
    let mut state = State::new(&world);
    let mut ctx = Ctx {
        world: &world,
        state: &mut state,
        now: NOW,
        base_url: BASE_URL,
        host: None,
    };
    entry.run(&mut ctx, body)
}

/// Only the generic, spec-driven checks of an emulated action's request
/// (JSON shape, required members, types, unknown members, validation
/// rules); `None` for an action the emulator does not emulate.
pub fn check_request(action: &str, body: Value) -> Option<Result<(), ApiError>> {
    match action {
        CreateMultiFlowSignQrCodeInput::NAME => {
            Some(api::decode::<CreateMultiFlowSignQrCodeInput>(body).map(drop))
        }
        CancelMultiFlowSignQrCodeInput::NAME => {
            Some(api::decode::<CancelMultiFlowSignQrCodeInput>(body).map(drop))
        }
        _ => None,
    }
}

/// The actions the emulator emulates.
pub fn emulated_actions() -> Vec<&'static str> {
    Registry::new().names()
}

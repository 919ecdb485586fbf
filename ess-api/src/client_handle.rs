//! [`Client`]: the runtime's client with a method per action.

use std::fmt;
use std::future::Future;

use ess_runtime::client::{BuildError, PreparedRequest};

use crate::{Action, Config, SdkError};

/// An ESS client: one method per action (generated, such as
/// [`Client::create_multi_flow_sign_qr_code`]) returning a fluent builder,
/// and [`Client::send`] for any request value.
///
/// What a call does (validation, signing, retries, timeouts, tracing) is
/// described on the runtime's client, `ess_runtime::client::Client`.
///
/// Cheap to clone: clones share the connection pool, the credentials
/// provider, the signing-key cache, the rate limiter and the learned clock
/// correction. `Send + Sync`.
///
/// ```no_run
/// # async fn demo<A: ess_api::Action>(input: A) -> Result<(), Box<dyn std::error::Error>> {
/// use ess_api::{Client, Config, Credentials};
///
/// let client = Client::new(
///     Config::default()
///         .with_credentials(Credentials::new("AKID...", "secret key")?)
///         .with_region("ap-guangzhou"),
/// )?;
/// let output = client.send(input).await?;
/// # let _ = output;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    handle: ess_runtime::client::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.handle.fmt(f)
    }
}

impl Client {
    /// Checks `config` and builds a client; the first unusable setting is
    /// reported by name. Without credentials in `config`, the default chain
    /// (environment, then profile file) is resolved once.
    pub fn new(config: Config) -> Result<Client, BuildError> {
        ess_runtime::client::Client::new(config, &crate::service::INFO)
            .map(|handle| Client { handle })
    }

    /// A client configured from the environment: credentials from the
    /// default chain (environment, then profile file), region from
    /// `TENCENTCLOUD_REGION`, endpoint from `TENCENTCLOUD_ESS_ENDPOINT`,
    /// environment from `TENCENTCLOUD_ESS_ENVIRONMENT`.
    pub fn from_env() -> Result<Client, BuildError> {
        Client::new(Config::from_env())
    }

    /// The configuration in force (with the endpoint resolved).
    pub fn config(&self) -> &Config {
        self.handle.config()
    }

    /// The endpoint requests are sent to (actions served at a host of their
    /// own go there instead: see [`Client::endpoint_for`]).
    pub fn endpoint(&self) -> &str {
        self.handle.endpoint()
    }

    /// The endpoint requests of action `A` are sent to: the action's own
    /// host in the configured environment (`UploadFiles` is served at
    /// `file.ess.tencent.cn`), the environment's main host otherwise, or
    /// the configured endpoint for every action when one is set.
    pub fn endpoint_for<A: Action>(&self) -> &str {
        self.handle.endpoint_for::<A>()
    }

    /// Validates `input` (every violation at once, as
    /// [`SdkError::Construction`], before any I/O), then sends it, retrying
    /// as the configuration allows.
    ///
    /// The input is validated and serialized when `send` is called. The
    /// future keeps only the serialized request and a handle on the client
    /// (it borrows nothing, so it can be spawned), and does the rest when
    /// awaited.
    pub fn send<A: Action>(
        &self,
        input: A,
    ) -> impl Future<Output = Result<A::Output, SdkError<A::Error>>> + Send + 'static {
        self.handle.send(input)
    }

    /// Sends `input` without validating it first (serialized when called,
    /// as by [`send`](Self::send)).
    pub fn send_unvalidated<A: Action>(
        &self,
        input: A,
    ) -> impl Future<Output = Result<A::Output, SdkError<A::Error>>> + Send + 'static {
        self.handle.send_unvalidated(input)
    }

    /// What the fluent builders call: the input, or the error building it
    /// gave, sent with or without validation. Not public API.
    #[doc(hidden)]
    pub fn __send_built<A: Action>(
        &self,
        input: Result<A, SdkError<A::Error>>,
        validate: bool,
    ) -> impl Future<Output = Result<A::Output, SdkError<A::Error>>> + Send + 'static {
        self.handle.__send_built(input, validate)
    }

    /// Validates, serializes and signs `input` with the current credentials
    /// and time, without sending it: the request `send` would make for its
    /// first attempt.
    pub async fn prepare<A: Action>(
        &self,
        input: &A,
    ) -> Result<PreparedRequest, SdkError<A::Error>> {
        self.handle.prepare(input).await
    }
}

//! The client's configuration: settings, credentials and clock.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use super::clock::Clock;
use super::credentials::{Credentials, Env, ProvideCredentials};
use super::rate_limit::RateLimiting;
use super::retry::RetryConfig;

/// The API version sent as `X-TC-Version` (`spec/service.toml` says the
/// same; a test of `ess-api` keeps them equal).
pub const API_VERSION: &str = "2020-11-11";
/// The service name used in signatures.
pub const SERVICE: &str = "ess";
/// The public endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://ess.tencentcloudapi.com";
/// Environment variable that overrides the endpoint of every client built
/// without an explicit [`Config::with_endpoint`], for example
/// `http://127.0.0.1:8080` to point an application at a local test server.
pub const ENV_ENDPOINT: &str = "TENCENTCLOUD_ESS_ENDPOINT";
/// Environment variable that chooses the [`Environment`] of every client
/// built without an explicit [`Config::with_environment`]: `production`
/// (the default) or `test`.
pub const ENV_ENVIRONMENT: &str = "TENCENTCLOUD_ESS_ENVIRONMENT";
/// Environment variable read by [`Config::from_env`] for the region.
pub const ENV_REGION: &str = "TENCENTCLOUD_REGION";
/// The default limit on response bodies: 8 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// The language of the service's messages (`X-TC-Language`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Language {
    /// Simplified Chinese, `zh-CN`.
    ZhCn,
    /// English, `en-US`.
    EnUs,
}

impl Language {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::ZhCn => "zh-CN",
            Language::EnUs => "en-US",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of the service's deployments a client talks to.
///
/// Each has its own hosts, keys and data: keys of one are not valid in the
/// other. An endpoint set with [`Config::with_endpoint`] (or
/// `TENCENTCLOUD_ESS_ENDPOINT`) overrides the hosts of both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Environment {
    /// The live service: `ess.tencentcloudapi.com`, and
    /// `file.ess.tencent.cn` for `UploadFiles`.
    #[default]
    Production,
    /// The integration-test (joint debugging) environment, with test keys
    /// from the console's developer tools: `ess.test.ess.tencent.cn`, and
    /// `file.test.ess.tencent.cn` for `UploadFiles`.
    Test,
}

impl Environment {
    /// `production` or `test`.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Test => "test",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name other than `production` and `test`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown environment {0:?} (expected production or test)")]
pub struct UnknownEnvironment(pub String);

impl FromStr for Environment {
    type Err = UnknownEnvironment;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "production" | "prod" => Ok(Environment::Production),
            "test" => Ok(Environment::Test),
            _ => Err(UnknownEnvironment(s.to_owned())),
        }
    }
}

/// A language tag other than `zh-CN` and `en-US`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unsupported language {0:?} (expected zh-CN or en-US)")]
pub struct UnknownLanguage(pub String);

impl FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "zh-CN" => Ok(Language::ZhCn),
            "en-US" => Ok(Language::EnUs),
            other => Err(UnknownLanguage(other.to_owned())),
        }
    }
}

/// Everything a client is built from: the one place to configure it.
///
/// Start from `Config::default()` (or [`Config::from_env`]) and chain the
/// `with_*` methods; the client checks the whole configuration when it is
/// built and reports the first unusable setting by name.
/// [`Client::config`](super::Client::config) returns the configuration in
/// force, with the endpoint resolved. `Debug` shows whether credentials were
/// set, never what they are.
#[derive(Clone)]
pub struct Config {
    pub(crate) credentials: Option<Arc<dyn ProvideCredentials>>,
    pub(crate) clock: Option<Arc<dyn Clock>>,
    pub(crate) clock_skew: i64,
    pub(crate) env: Env,
    pub(crate) endpoint: Option<String>,
    pub(crate) environment: Option<Environment>,
    pub(crate) resolve: Vec<(String, std::net::SocketAddr)>,
    /// PEM texts added with [`Config::with_root_certificate`].
    pub(crate) root_certificates: Vec<Arc<[u8]>>,
    pub(crate) region: Option<String>,
    pub(crate) language: Option<Language>,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) operation_timeout: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) retry: RetryConfig,
    pub(crate) rate_limiting: RateLimiting,
    pub(crate) rate_limit_overrides: Vec<(String, u32)>,
    pub(crate) request_client: Option<String>,
    pub(crate) use_env_proxy: bool,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("credentials_set", &self.credentials.is_some())
            .field("clock_set", &self.clock.is_some())
            .field("clock_skew", &self.clock_skew)
            .field("endpoint", &self.endpoint)
            .field("environment", &self.environment)
            .field("resolve", &self.resolve)
            .field("root_certificates", &self.root_certificates.len())
            .field("region", &self.region)
            .field("language", &self.language)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .field("rate_limiting", &self.rate_limiting)
            .field("rate_limit_overrides", &self.rate_limit_overrides)
            .field("request_client", &self.request_client)
            .field("use_env_proxy", &self.use_env_proxy)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            credentials: None,
            clock: None,
            clock_skew: 0,
            env: Env::Process,
            endpoint: None,
            environment: None,
            resolve: Vec::new(),
            root_certificates: Vec::new(),
            region: None,
            language: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            operation_timeout: Duration::from_secs(180),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            retry: RetryConfig::default(),
            rate_limiting: RateLimiting::Off,
            rate_limit_overrides: Vec::new(),
            request_client: None,
            use_env_proxy: true,
        }
    }
}

impl Config {
    /// The defaults, with the region from `TENCENTCLOUD_REGION` and the
    /// endpoint from `TENCENTCLOUD_ESS_ENDPOINT` when they are set.
    pub fn from_env() -> Self {
        Self::from_env_in(&Env::Process)
    }

    pub(crate) fn from_env_in(env: &Env) -> Self {
        let set = |name| env.get(name).filter(|v: &String| !v.trim().is_empty());
        Self {
            endpoint: set(ENV_ENDPOINT),
            region: set(ENV_REGION),
            env: env.clone(),
            ..Self::default()
        }
    }

    /// Fixed credentials. Without credentials, building the client resolves
    /// the default chain (environment, then profile file) once.
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(Arc::new(credentials));
        self
    }

    /// A provider asked for credentials before every attempt (it may cache
    /// and refresh them: see
    /// [`CachingCredentialsProvider`](super::credentials::CachingCredentialsProvider)).
    pub fn with_credentials_provider(
        mut self,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// Reads request timestamps from `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Adds `secs` seconds (negative: subtracts) to every timestamp, for a
    /// machine whose clock is known to be off.
    pub fn with_clock_skew(mut self, secs: i64) -> Self {
        self.clock_skew = secs;
        self
    }

    /// Whether credentials (or a provider) were set.
    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// The clock skew in seconds (see [`Config::with_clock_skew`]).
    pub fn clock_skew(&self) -> i64 {
        self.clock_skew
    }

    /// The endpoint: `https://host`, `http://host:port` or a bare host name
    /// (HTTPS). Its host (and port, when not the scheme's default) is the
    /// signed `Host` header. Without one, `TENCENTCLOUD_ESS_ENDPOINT` is used
    /// when set, otherwise `https://ess.tencentcloudapi.com`.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The service deployment to talk to (default: `TENCENTCLOUD_ESS_ENVIRONMENT`
    /// when set, otherwise [`Environment::Production`]). Chooses the hosts;
    /// an explicit endpoint still takes every action.
    pub fn with_environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// Connects to `addr` for requests to `host` instead of looking the
    /// name up (TLS still checks the certificate for `host`). For pinning a
    /// host to a known address.
    pub fn with_resolve(mut self, host: impl Into<String>, addr: std::net::SocketAddr) -> Self {
        self.resolve.push((host.into(), addr));
        self
    }

    /// Trusts the certificates in `pem` (one or more `-----BEGIN
    /// CERTIFICATE-----` blocks) as roots for HTTPS, besides the built-in
    /// ones; may be called more than once. For a server with a private
    /// certificate authority, such as a local emulator serving the
    /// service's host names (pinned with [`with_resolve`](Self::with_resolve)).
    ///
    /// Building the client fails with
    /// [`BuildError::InvalidSetting`](super::BuildError::InvalidSetting)
    /// (`root_certificate`) when the text holds no certificate, is not
    /// well-formed PEM or holds a block that is not an X.509 certificate.
    pub fn with_root_certificate(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(Arc::from(pem.as_ref()));
        self
    }

    /// How many texts were given to [`with_root_certificate`](Self::with_root_certificate).
    pub fn root_certificate_count(&self) -> usize {
        self.root_certificates.len()
    }

    /// The region sent as `X-TC-Region`, such as `ap-guangzhou`. Not sent when unset.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The language of the service's messages. Not sent when unset.
    pub fn with_language(mut self, language: Language) -> Self {
        self.language = Some(language);
        self
    }

    /// The limit on opening a connection (default 10 s).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The limit on one whole attempt: connecting, sending, waiting for and
    /// reading the response (default 60 s). Retries get a fresh allowance.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The deadline of a whole call: every attempt, the waits between
    /// retries and for the rate limiter (default 180 s). Each attempt still
    /// has its own [`with_timeout`](Self::with_timeout); whichever runs out
    /// first ends the call, so a server that never answers costs at most this
    /// long, not `max_attempts` times the attempt timeout.
    pub fn with_operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// The largest response body accepted, in bytes (default 8 MiB). Larger
    /// bodies are refused as soon as they are known to be too large.
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The retry policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Whether to keep each action under its documented rate limit by
    /// waiting before sending (default: off). The limiter is shared by all
    /// clones of a client. The same as [`with_rate_limiting`](Self::with_rate_limiting)
    /// with [`RateLimiting::Local`] (`true`) or [`RateLimiting::Off`] (`false`).
    pub fn with_rate_limit(mut self, enabled: bool) -> Self {
        self.rate_limiting = if enabled {
            RateLimiting::Local
        } else {
            RateLimiting::Off
        };
        self
    }

    /// How to keep each action under its rate limit: not at all (the
    /// default), in this process, or shared by a fleet of processes through
    /// Redis (cargo feature `redis`). See [`RateLimiting`].
    pub fn with_rate_limiting(mut self, rate_limiting: RateLimiting) -> Self {
        self.rate_limiting = rate_limiting;
        self
    }

    /// Limits `action` (its wire name, such as `CreateMultiFlowSignQRCode`)
    /// to `per_second` requests per second instead of its documented limit,
    /// for whichever limiter is configured; also limits an action without a
    /// documented limit. Building the client fails for an unknown action or
    /// a limit of 0.
    pub fn with_action_rate_limit(mut self, action: impl Into<String>, per_second: u32) -> Self {
        let action = action.into();
        self.rate_limit_overrides.retain(|(a, _)| *a != action);
        self.rate_limit_overrides.push((action, per_second));
        self
    }

    /// A tag appended to `X-TC-RequestClient` (visible ASCII and spaces, at
    /// most 128 bytes), identifying the application to the service.
    pub fn with_request_client(mut self, tag: impl Into<String>) -> Self {
        self.request_client = Some(tag.into());
        self
    }

    /// Whether to use the proxies named by `HTTPS_PROXY`, `HTTP_PROXY`,
    /// `ALL_PROXY` and `NO_PROXY` (default: yes). Loopback endpoints
    /// (`127.0.0.0/8`, `[::1]`, `localhost`) never go through a proxy.
    pub fn with_env_proxy(mut self, enabled: bool) -> Self {
        self.use_env_proxy = enabled;
        self
    }

    /// The endpoint, if set (resolved in a built client's config).
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// The environment, if set (resolved in a built client's config).
    pub fn environment(&self) -> Option<Environment> {
        self.environment
    }

    /// The region, if set.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The language, if set.
    pub fn language(&self) -> Option<Language> {
        self.language
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The per-attempt timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The response body limit, in bytes.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryConfig {
        &self.retry
    }

    /// Whether a client-side rate limiter is on.
    pub fn rate_limit(&self) -> bool {
        self.rate_limiting != RateLimiting::Off
    }

    /// How actions are kept under their rate limits.
    pub fn rate_limiting(&self) -> &RateLimiting {
        &self.rate_limiting
    }

    /// The limit set for `action` with [`with_action_rate_limit`](Self::with_action_rate_limit),
    /// if any (the documented one applies otherwise).
    pub fn action_rate_limit(&self, action: &str) -> Option<u32> {
        self.rate_limit_overrides
            .iter()
            .find(|(a, _)| a == action)
            .map(|&(_, limit)| limit)
    }

    /// The application tag of `X-TC-RequestClient`, if set.
    pub fn request_client(&self) -> Option<&str> {
        self.request_client.as_deref()
    }

    /// Whether proxies from the environment are used.
    pub fn env_proxy(&self) -> bool {
        self.use_env_proxy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_env_reads_region_and_endpoint() {
        let env = Env::Fixed(std::sync::Arc::new(
            [
                (ENV_REGION.to_owned(), "ap-guangzhou".to_owned()),
                (ENV_ENDPOINT.to_owned(), " ".to_owned()),
            ]
            .into_iter()
            .collect(),
        ));
        let c = Config::from_env_in(&env);
        assert_eq!(c.region(), Some("ap-guangzhou"));
        assert_eq!(c.endpoint(), None);
        assert_eq!(c.max_response_bytes(), DEFAULT_MAX_RESPONSE_BYTES);
    }

    #[test]
    fn languages() {
        assert_eq!("zh-CN".parse::<Language>(), Ok(Language::ZhCn));
        assert_eq!(Language::EnUs.to_string(), "en-US");
        assert!("fr-FR".parse::<Language>().is_err());
    }
}

//! Credentials: where the SecretId, SecretKey and optional session token come from.
//!
//! * [`Credentials`], a fixed set, validated on construction.
//! * [`EnvCredentialsProvider`], `TENCENTCLOUD_SECRET_ID`,
//!   `TENCENTCLOUD_SECRET_KEY` and optionally `TENCENTCLOUD_SESSION_TOKEN`.
//! * [`ProfileCredentialsProvider`], the INI file shared with the other
//!   Tencent Cloud SDKs, `~/.tencentcloud/credentials` (or the file named by
//!   `TENCENTCLOUD_CREDENTIALS_FILE`), section `[default]` or a chosen
//!   profile, keys `secret_id`, `secret_key` and optionally `token`.
//! * [`DefaultCredentialsChain`], the environment, then the profile file.
//! * [`ProvideCredentials`], the trait the client calls before every attempt,
//!   for sources that refresh (temporary credentials from STS or a role);
//!   [`CachingCredentialsProvider`] keeps the last answer until shortly
//!   before it expires.
//!
//! No `Debug` or `Display` output and no error of this module contains a
//! secret key or a token.

#[cfg(test)]
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::clock::{Clock, SystemClock};

/// Environment variable holding the SecretId.
pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// Environment variable holding the SecretKey.
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// Environment variable holding the session token of temporary credentials.
pub const ENV_SESSION_TOKEN: &str = "TENCENTCLOUD_SESSION_TOKEN";
/// Environment variable naming the credentials file, instead of
/// `~/.tencentcloud/credentials`.
pub const ENV_CREDENTIALS_FILE: &str = "TENCENTCLOUD_CREDENTIALS_FILE";

const REDACTED: &str = "** redacted **";

/// Which part of a credential set an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialField {
    /// The SecretId.
    SecretId,
    /// The SecretKey.
    SecretKey,
    /// The session token of temporary credentials.
    Token,
}

impl fmt::Display for CredentialField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CredentialField::SecretId => "SecretId",
            CredentialField::SecretKey => "SecretKey",
            CredentialField::Token => "session token",
        })
    }
}

/// What is wrong with a credential value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyProblem {
    /// The value is empty.
    Empty,
    /// The value starts or ends with whitespace (often a copy-and-paste slip).
    SurroundingWhitespace,
    /// The value contains a character that cannot be sent in an HTTP header
    /// (anything but visible ASCII).
    InvalidCharacter,
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyProblem::Empty => "is empty",
            KeyProblem::SurroundingWhitespace => "starts or ends with whitespace",
            KeyProblem::InvalidCharacter => "contains a character other than visible ASCII",
        })
    }
}

/// Why credentials could not be had.
///
/// Never contains a secret key or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// No source had any credentials.
    #[error("no credentials found (looked in: {})", .tried.join("; "))]
    NotFound {
        /// The sources that were consulted, in order.
        tried: Vec<String>,
    },
    /// A source had a SecretId but no SecretKey, or the reverse.
    #[error("{missing} is missing from {origin}")]
    Incomplete {
        /// The part that is missing.
        missing: CredentialField,
        /// Where the other part was found.
        origin: String,
    },
    /// A value is unusable.
    #[error("the {field} from {origin} {problem}")]
    InvalidKey {
        /// Which value.
        field: CredentialField,
        /// What is wrong with it.
        problem: KeyProblem,
        /// Where it came from.
        origin: String,
    },
    /// The credentials file exists but could not be read.
    #[error("cannot read credentials file {}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A line of the credentials file is neither a section, a `key = value`
    /// pair nor a comment.
    #[error("credentials file {}, line {line}: not a [section] or key = value line", .path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The line number (1-based).
        line: usize,
    },
    /// The credentials file has no section for the requested profile.
    #[error("credentials file {} has no [{profile}] profile", .path.display())]
    ProfileNotFound {
        /// The profile name.
        profile: String,
        /// The file.
        path: PathBuf,
    },
    /// A custom provider failed.
    #[error("credentials provider failed: {message}")]
    Provider {
        /// What the provider reported.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl CredentialsError {
    /// A failure of a custom provider, with a message that must not contain secrets.
    pub fn provider(message: impl Into<String>) -> Self {
        CredentialsError::Provider {
            message: message.into(),
            source: None,
        }
    }

    /// A failure of a custom provider caused by `source`.
    pub fn provider_with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        CredentialsError::Provider {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// Whether no source had credentials at all (as opposed to bad ones).
    pub fn is_not_found(&self) -> bool {
        matches!(self, CredentialsError::NotFound { .. })
    }
}

fn check_value(
    field: CredentialField,
    value: &str,
    origin: &dyn Fn() -> String,
) -> Result<(), CredentialsError> {
    let problem = if value.is_empty() {
        Some(KeyProblem::Empty)
    } else if value.trim() != value {
        Some(KeyProblem::SurroundingWhitespace)
    } else if (field != CredentialField::SecretKey && !value.bytes().all(|b| b.is_ascii_graphic()))
        || value.chars().any(char::is_control)
    {
        Some(KeyProblem::InvalidCharacter)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(CredentialsError::InvalidKey {
            field,
            problem,
            origin: origin(),
        }),
        None => Ok(()),
    }
}

struct Inner {
    secret_id: Box<str>,
    secret_key: Box<str>,
    token: Option<Box<str>>,
    expiry: Option<SystemTime>,
}

/// A SecretId and SecretKey, with a session token for temporary credentials.
///
/// Cheap to clone. `Debug` shows the SecretId (which is sent in clear in
/// every request) and hides the key and token.
#[derive(Clone)]
pub struct Credentials(Arc<Inner>);

impl Credentials {
    /// Long-term credentials.
    ///
    /// Fails, naming the field and the problem, when a value is empty, starts
    /// or ends with whitespace, or (SecretId) is not visible ASCII.
    pub fn new(
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Result<Self, CredentialsError> {
        Self::build(secret_id.into(), secret_key.into(), None, &|| {
            "the supplied credentials".to_owned()
        })
    }

    /// Temporary credentials: the session token is sent as `X-TC-Token`.
    pub fn temporary(
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
        token: impl Into<String>,
    ) -> Result<Self, CredentialsError> {
        Self::build(
            secret_id.into(),
            secret_key.into(),
            Some(token.into()),
            &|| "the supplied credentials".to_owned(),
        )
    }

    fn build(
        secret_id: String,
        secret_key: String,
        token: Option<String>,
        origin: &dyn Fn() -> String,
    ) -> Result<Self, CredentialsError> {
        check_value(CredentialField::SecretId, &secret_id, origin)?;
        check_value(CredentialField::SecretKey, &secret_key, origin)?;
        if let Some(token) = &token {
            check_value(CredentialField::Token, token, origin)?;
        }
        Ok(Credentials(Arc::new(Inner {
            secret_id: secret_id.into(),
            secret_key: secret_key.into(),
            token: token.map(Into::into),
            expiry: None,
        })))
    }

    /// The same credentials, valid until `expiry`.
    pub fn with_expiry(self, expiry: SystemTime) -> Self {
        let inner = &self.0;
        Credentials(Arc::new(Inner {
            secret_id: inner.secret_id.clone(),
            secret_key: inner.secret_key.clone(),
            token: inner.token.clone(),
            expiry: Some(expiry),
        }))
    }

    /// Reads `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and,
    /// when set, `TENCENTCLOUD_SESSION_TOKEN`.
    pub fn from_env() -> Result<Self, CredentialsError> {
        EnvCredentialsProvider::new().load()
    }

    /// Reads the `[default]` profile of the credentials file.
    pub fn from_profile() -> Result<Self, CredentialsError> {
        ProfileCredentialsProvider::new().load()
    }

    /// The SecretId.
    pub fn secret_id(&self) -> &str {
        &self.0.secret_id
    }

    /// The SecretKey. Keep it out of logs.
    pub fn secret_key(&self) -> &str {
        &self.0.secret_key
    }

    /// The session token of temporary credentials.
    pub fn token(&self) -> Option<&str> {
        self.0.token.as_deref()
    }

    /// Whether these are temporary credentials (they carry a token).
    pub fn is_temporary(&self) -> bool {
        self.0.token.is_some()
    }

    /// When these credentials stop working, if known.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.0.expiry
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &self.0.secret_id)
            .field("secret_key", &REDACTED)
            .field("token", &self.0.token.as_ref().map(|_| REDACTED))
            .field("expiry", &self.0.expiry)
            .finish()
    }
}

/// The future returned by [`ProvideCredentials::provide_credentials`].
pub type CredentialsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Credentials, CredentialsError>> + Send + 'a>>;

/// A source of credentials, asked before every attempt.
///
/// Object-safe: the client stores it as `Arc<dyn ProvideCredentials>`.
/// Implementations that fetch over the network should be wrapped in a
/// [`CachingCredentialsProvider`].
pub trait ProvideCredentials: Send + Sync {
    /// Current credentials.
    fn provide_credentials(&self) -> CredentialsFuture<'_>;

    /// The credentials [`provide_credentials`](Self::provide_credentials)
    /// would give at once, when the provider holds them and nothing needs
    /// to run to get them; `None` otherwise (the default), and the client
    /// then awaits `provide_credentials`. Lets the client skip a boxed
    /// future per attempt. An implementation must return only what
    /// `provide_credentials` would return now.
    fn credentials_at_hand(&self) -> Option<Credentials> {
        None
    }
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let creds = self.clone();
        Box::pin(async move { Ok(creds) })
    }

    fn credentials_at_hand(&self) -> Option<Credentials> {
        Some(self.clone())
    }
}

impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Arc<P> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        (**self).provide_credentials()
    }

    fn credentials_at_hand(&self) -> Option<Credentials> {
        (**self).credentials_at_hand()
    }
}

/// A provider made of an async closure; see [`provide_credentials_fn`].
pub struct ProvideCredentialsFn<F> {
    f: F,
}

/// Turns `|| async { ... }` into a [`ProvideCredentials`].
pub fn provide_credentials_fn<F, Fut>(f: F) -> ProvideCredentialsFn<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<Credentials, CredentialsError>> + Send + 'static,
{
    ProvideCredentialsFn { f }
}

impl<F, Fut> ProvideCredentials for ProvideCredentialsFn<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<Credentials, CredentialsError>> + Send + 'static,
{
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin((self.f)())
    }
}

impl<F> fmt::Debug for ProvideCredentialsFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProvideCredentialsFn { .. }")
    }
}

/// Where environment variables are read from: the process, or a fixed map.
#[derive(Clone, Debug, Default)]
pub(crate) enum Env {
    #[default]
    Process,
    #[cfg(test)]
    Fixed(Arc<HashMap<String, String>>),
}

impl Env {
    #[cfg(test)]
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Env::Fixed(Arc::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ))
    }

    /// The variable's value; unset and non-Unicode values count as unset.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        match self {
            Env::Process => std::env::var(name).ok(),
            #[cfg(test)]
            Env::Fixed(map) => map.get(name).cloned(),
        }
    }
}

/// Credentials from `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and
/// the optional `TENCENTCLOUD_SESSION_TOKEN`, read at each call.
#[derive(Clone, Debug, Default)]
pub struct EnvCredentialsProvider {
    env: Env,
}

impl EnvCredentialsProvider {
    /// A provider reading the process environment.
    pub fn new() -> Self {
        Self::default()
    }

    #[cfg(test)]
    pub(crate) fn with_env(env: Env) -> Self {
        Self { env }
    }

    /// Reads the variables now. Neither id nor key set is
    /// [`CredentialsError::NotFound`]; only one of them set is
    /// [`CredentialsError::Incomplete`].
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let id = self.env.get(ENV_SECRET_ID);
        let key = self.env.get(ENV_SECRET_KEY);
        let token = self
            .env
            .get(ENV_SESSION_TOKEN)
            .filter(|token| !token.is_empty());
        let (id, key) = match (id, key) {
            (None, None) => {
                return Err(CredentialsError::NotFound {
                    tried: vec![format!("environment ({ENV_SECRET_ID}, {ENV_SECRET_KEY})")],
                })
            }
            (Some(_), None) => {
                return Err(CredentialsError::Incomplete {
                    missing: CredentialField::SecretKey,
                    origin: format!("the environment ({ENV_SECRET_KEY} is not set)"),
                })
            }
            (None, Some(_)) => {
                return Err(CredentialsError::Incomplete {
                    missing: CredentialField::SecretId,
                    origin: format!("the environment ({ENV_SECRET_ID} is not set)"),
                })
            }
            (Some(id), Some(key)) => (id, key),
        };
        check_value(CredentialField::SecretId, &id, &|| {
            format!("environment variable {ENV_SECRET_ID}")
        })?;
        check_value(CredentialField::SecretKey, &key, &|| {
            format!("environment variable {ENV_SECRET_KEY}")
        })?;
        Credentials::build(id, key, token, &|| {
            format!("environment variable {ENV_SESSION_TOKEN}")
        })
    }
}

impl ProvideCredentials for EnvCredentialsProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async move { self.load() })
    }
}

/// Credentials from the INI credentials file shared with the other Tencent
/// Cloud SDKs:
///
/// ```ini
/// [default]
/// secret_id = AKID...
/// secret_key = ...
/// ; token = ...   (temporary credentials only)
/// ```
///
/// The file is `TENCENTCLOUD_CREDENTIALS_FILE` when set, otherwise
/// `.tencentcloud/credentials` in the home directory. Whitespace around `=`
/// and at line ends is not part of the value; `#` and `;` start comment lines.
#[derive(Clone, Debug)]
pub struct ProfileCredentialsProvider {
    path: Option<PathBuf>,
    profile: String,
    env: Env,
}

impl Default for ProfileCredentialsProvider {
    fn default() -> Self {
        Self {
            path: None,
            profile: "default".to_owned(),
            env: Env::Process,
        }
    }
}

impl ProfileCredentialsProvider {
    /// The `[default]` profile of the default file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads this file instead of the default one.
    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Reads this profile (section) instead of `default`.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = profile.into();
        self
    }

    #[cfg(test)]
    pub(crate) fn with_env(mut self, env: Env) -> Self {
        self.env = env;
        self
    }

    /// The file that will be read, if one can be named.
    pub fn resolved_path(&self) -> Option<PathBuf> {
        if let Some(path) = &self.path {
            return Some(path.clone());
        }
        if let Some(path) = self.env.get(ENV_CREDENTIALS_FILE).filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(path));
        }
        let home = self
            .env
            .get("HOME")
            .or_else(|| self.env.get("USERPROFILE"))
            .filter(|h| !h.is_empty())?;
        Some(Path::new(&home).join(".tencentcloud").join("credentials"))
    }

    /// Reads the file now. A missing file is [`CredentialsError::NotFound`].
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let Some(path) = self.resolved_path() else {
            return Err(CredentialsError::NotFound {
                tried: vec!["credentials file (no home directory)".to_owned()],
            });
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CredentialsError::NotFound {
                    tried: vec![format!("credentials file {}", path.display())],
                })
            }
            Err(source) => return Err(CredentialsError::Io { path, source }),
        };
        parse_profile(&text, &self.profile, &path)
    }
}

impl ProvideCredentials for ProfileCredentialsProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async move { self.load() })
    }
}

fn parse_profile(text: &str, profile: &str, path: &Path) -> Result<Credentials, CredentialsError> {
    let mut current: Option<&str> = None;
    let mut found = false;
    let (mut id, mut key, mut token) = (None, None, None);
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            let name = section.strip_suffix(']').ok_or(CredentialsError::Syntax {
                path: path.to_owned(),
                line: index + 1,
            })?;
            let name = name.trim();
            current = Some(name);
            found |= name == profile;
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(CredentialsError::Syntax {
                path: path.to_owned(),
                line: index + 1,
            });
        };
        if current != Some(profile) {
            continue;
        }
        let value = value.trim().to_owned();
        match name.trim().to_ascii_lowercase().as_str() {
            "secret_id" => id = Some(value),
            "secret_key" => key = Some(value),
            "token" => token = Some(value),
            _ => {}
        }
    }
    if !found {
        return Err(CredentialsError::ProfileNotFound {
            profile: profile.to_owned(),
            path: path.to_owned(),
        });
    }
    let origin = || format!("profile [{profile}] of {}", path.display());
    match (id, key) {
        (Some(id), Some(key)) => Credentials::build(id, key, token, &origin),
        (None, _) => Err(CredentialsError::Incomplete {
            missing: CredentialField::SecretId,
            origin: origin(),
        }),
        (_, None) => Err(CredentialsError::Incomplete {
            missing: CredentialField::SecretKey,
            origin: origin(),
        }),
    }
}

/// The environment, then the credentials file.
///
/// A source that has no credentials at all is skipped; a source whose
/// credentials are incomplete or invalid stops the search with its error,
/// so that a typo is reported instead of silently using another identity.
#[derive(Clone, Debug, Default)]
pub struct DefaultCredentialsChain {
    env: EnvCredentialsProvider,
    profile: ProfileCredentialsProvider,
}

impl DefaultCredentialsChain {
    /// The environment, then the `[default]` profile of the default file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses another profile of the credentials file.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = self.profile.profile(profile);
        self
    }

    #[cfg(test)]
    pub(crate) fn with_env(env: Env) -> Self {
        Self {
            env: EnvCredentialsProvider::with_env(env.clone()),
            profile: ProfileCredentialsProvider::new().with_env(env),
        }
    }

    /// Resolves the chain now.
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let mut tried = Vec::new();
        for result in [self.env.load(), self.profile.load()] {
            match result {
                Err(CredentialsError::NotFound { tried: t }) => tried.extend(t),
                other => return other,
            }
        }
        Err(CredentialsError::NotFound { tried })
    }
}

impl ProvideCredentials for DefaultCredentialsChain {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async move { self.load() })
    }
}

/// Keeps the credentials of another provider until shortly before they
/// expire, so that the inner provider (an STS call, a metadata request) runs
/// once per lifetime rather than once per request.
///
/// Concurrent callers share one refresh. Credentials without an expiry are
/// kept for good. When a refresh fails while the cached credentials have not
/// expired yet, the cached ones are returned.
pub struct CachingCredentialsProvider<P> {
    inner: P,
    refresh_before: Duration,
    clock: Arc<dyn Clock>,
    cached: RwLock<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct Cached {
    credentials: Credentials,
    /// Unix seconds after which the credentials are refreshed.
    refresh_at: Option<u64>,
    /// Unix seconds at which they stop working.
    expires_at: Option<u64>,
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl<P: ProvideCredentials> CachingCredentialsProvider<P> {
    /// Caches `inner`, refreshing five minutes before expiry.
    pub fn new(inner: P) -> Self {
        Self {
            inner,
            refresh_before: Duration::from_secs(300),
            clock: Arc::new(SystemClock),
            cached: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// How long before expiry to refresh. Credentials whose whole remaining
    /// lifetime is shorter are refreshed after half of it.
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }

    /// Reads the time from `clock` instead of the system clock.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    fn fresh(&self, now: u64) -> Option<Credentials> {
        let cached = self.cached.read().unwrap_or_else(|e| e.into_inner());
        let c = cached.as_ref()?;
        match c.refresh_at {
            Some(at) if now >= at => None,
            _ => Some(c.credentials.clone()),
        }
    }

    fn unexpired(&self, now: u64) -> Option<Credentials> {
        let cached = self.cached.read().unwrap_or_else(|e| e.into_inner());
        let c = cached.as_ref()?;
        match c.expires_at {
            Some(at) if now >= at => None,
            _ => Some(c.credentials.clone()),
        }
    }

    async fn get(&self) -> Result<Credentials, CredentialsError> {
        if let Some(c) = self.fresh(self.clock.now_unix()) {
            return Ok(c);
        }
        let _guard = self.refresh.lock().await;
        let now = self.clock.now_unix();
        if let Some(c) = self.fresh(now) {
            return Ok(c);
        }
        match self.inner.provide_credentials().await {
            Ok(credentials) => {
                let expires_at = credentials.expiry().map(unix_secs);
                let refresh_at = expires_at.map(|exp| {
                    let lifetime = exp.saturating_sub(now);
                    let margin = self.refresh_before.as_secs().min(lifetime / 2);
                    exp - margin
                });
                let mut cached = self.cached.write().unwrap_or_else(|e| e.into_inner());
                *cached = Some(Cached {
                    credentials: credentials.clone(),
                    refresh_at,
                    expires_at,
                });
                Ok(credentials)
            }
            Err(e) => self.unexpired(now).ok_or(e),
        }
    }
}

impl<P: ProvideCredentials> ProvideCredentials for CachingCredentialsProvider<P> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.get())
    }

    fn credentials_at_hand(&self) -> Option<Credentials> {
        self.fresh(self.clock.now_unix())
    }
}

impl<P> fmt::Debug for CachingCredentialsProvider<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingCredentialsProvider")
            .field("refresh_before", &self.refresh_before)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::clock::FixedClock;
    use std::sync::atomic::{AtomicU32, Ordering};

    const KEY: &str = "s3cr3t-KEY-value";
    const TOKEN: &str = "t0ken-VALUE";

    #[test]
    fn values_are_checked_without_echoing_them() {
        let e = Credentials::new("", KEY).unwrap_err();
        assert!(matches!(
            e,
            CredentialsError::InvalidKey {
                field: CredentialField::SecretId,
                problem: KeyProblem::Empty,
                ..
            }
        ));
        let e = Credentials::new("AKID", format!(" {KEY}\n")).unwrap_err();
        assert!(matches!(
            e,
            CredentialsError::InvalidKey {
                field: CredentialField::SecretKey,
                problem: KeyProblem::SurroundingWhitespace,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "the SecretKey from the supplied credentials starts or ends with whitespace"
        );
        assert!(!format!("{e:?}").contains(KEY));
        let e = Credentials::temporary("AKID", KEY, format!("{TOKEN} ")).unwrap_err();
        assert!(e.to_string().contains("session token"));
        assert!(!e.to_string().contains(TOKEN));
        let e = Credentials::new("AK ID", KEY).unwrap_err();
        assert!(matches!(
            e,
            CredentialsError::InvalidKey {
                problem: KeyProblem::InvalidCharacter,
                ..
            }
        ));
        let e = Credentials::temporary("AKID", KEY, "").unwrap_err();
        assert!(matches!(
            e,
            CredentialsError::InvalidKey {
                field: CredentialField::Token,
                problem: KeyProblem::Empty,
                ..
            }
        ));
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Credentials::temporary("AKIDvisible", KEY, TOKEN).unwrap();
        let s = format!("{c:?} {c:#?}");
        assert!(s.contains("AKIDvisible"));
        assert!(!s.contains(KEY));
        assert!(!s.contains(TOKEN));
        assert_eq!(c.secret_key(), KEY);
        assert_eq!(c.token(), Some(TOKEN));
        assert!(c.is_temporary());
    }

    #[test]
    fn environment() {
        let env = Env::from_pairs(&[(ENV_SECRET_ID, "AKIDenv"), (ENV_SECRET_KEY, KEY)]);
        let c = EnvCredentialsProvider::with_env(env).load().unwrap();
        assert_eq!(c.secret_id(), "AKIDenv");
        assert!(!c.is_temporary());

        let env = Env::from_pairs(&[
            (ENV_SECRET_ID, "AKIDenv"),
            (ENV_SECRET_KEY, KEY),
            (ENV_SESSION_TOKEN, TOKEN),
        ]);
        let c = EnvCredentialsProvider::with_env(env).load().unwrap();
        assert_eq!(c.token(), Some(TOKEN));

        let env = Env::from_pairs(&[(ENV_SECRET_ID, "AKIDenv")]);
        let e = EnvCredentialsProvider::with_env(env).load().unwrap_err();
        assert!(e.to_string().contains(ENV_SECRET_KEY), "{e}");

        let env = Env::from_pairs(&[(ENV_SECRET_ID, "AKIDenv"), (ENV_SECRET_KEY, "")]);
        let e = EnvCredentialsProvider::with_env(env).load().unwrap_err();
        assert_eq!(
            e.to_string(),
            "the SecretKey from environment variable TENCENTCLOUD_SECRET_KEY is empty"
        );

        let env = Env::from_pairs(&[(ENV_SECRET_ID, "AKIDenv "), (ENV_SECRET_KEY, KEY)]);
        let e = EnvCredentialsProvider::with_env(env).load().unwrap_err();
        assert_eq!(
            e.to_string(),
            "the SecretId from environment variable TENCENTCLOUD_SECRET_ID starts or ends with whitespace"
        );

        let e = EnvCredentialsProvider::with_env(Env::from_pairs(&[]))
            .load()
            .unwrap_err();
        assert!(e.is_not_found());
    }

    fn temp_file(name: &str, contents: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ess-api-credentials-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("credentials");
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn profile_file() {
        let path = temp_file(
            "profile",
            &format!(
                "# comment\n[default]\nsecret_id = AKIDdefault\nsecret_key = {KEY}  \n\n\
                 [dev]\n; another comment\nsecret_id=AKIDdev\nsecret_key={KEY}\ntoken = {TOKEN}\n\
                 [broken]\nsecret_id = AKIDbroken\n"
            ),
        );
        let c = ProfileCredentialsProvider::new()
            .path(&path)
            .load()
            .unwrap();
        assert_eq!(c.secret_id(), "AKIDdefault");
        assert_eq!(c.secret_key(), KEY);
        let c = ProfileCredentialsProvider::new()
            .path(&path)
            .profile("dev")
            .load()
            .unwrap();
        assert_eq!(c.secret_id(), "AKIDdev");
        assert_eq!(c.token(), Some(TOKEN));
        let e = ProfileCredentialsProvider::new()
            .path(&path)
            .profile("broken")
            .load()
            .unwrap_err();
        assert!(matches!(
            e,
            CredentialsError::Incomplete {
                missing: CredentialField::SecretKey,
                ..
            }
        ));
        let e = ProfileCredentialsProvider::new()
            .path(&path)
            .profile("nope")
            .load()
            .unwrap_err();
        assert!(matches!(e, CredentialsError::ProfileNotFound { .. }));

        // The file named by the environment wins over the home directory.
        let env = Env::from_pairs(&[
            (ENV_CREDENTIALS_FILE, path.to_str().unwrap()),
            ("HOME", "/nonexistent-home"),
        ]);
        let c = DefaultCredentialsChain::with_env(env).load().unwrap();
        assert_eq!(c.secret_id(), "AKIDdefault");

        let bad = temp_file("syntax", "[default]\nsecret_id AKID\n");
        let e = ProfileCredentialsProvider::new()
            .path(&bad)
            .load()
            .unwrap_err();
        assert!(matches!(e, CredentialsError::Syntax { line: 2, .. }));
    }

    #[test]
    fn chain_order_and_not_found() {
        let home = temp_file(
            "home",
            &format!("[default]\nsecret_id = AKIDfile\nsecret_key = {KEY}\n"),
        );
        let home_dir = home.parent().unwrap().parent().unwrap();
        let nested = home_dir.join(".tencentcloud");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::copy(&home, nested.join("credentials")).unwrap();
        let env = Env::from_pairs(&[("HOME", home_dir.to_str().unwrap())]);
        let c = DefaultCredentialsChain::with_env(env).load().unwrap();
        assert_eq!(c.secret_id(), "AKIDfile");

        let env = Env::from_pairs(&[
            ("HOME", home_dir.to_str().unwrap()),
            (ENV_SECRET_ID, "AKIDenv"),
            (ENV_SECRET_KEY, KEY),
        ]);
        let c = DefaultCredentialsChain::with_env(env).load().unwrap();
        assert_eq!(c.secret_id(), "AKIDenv");

        let env = Env::from_pairs(&[("HOME", "/nonexistent-home")]);
        let e = DefaultCredentialsChain::with_env(env).load().unwrap_err();
        assert!(e.is_not_found());
        let text = e.to_string();
        assert!(
            text.contains(ENV_SECRET_ID) && text.contains("credentials file"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn caching_refreshes_before_expiry() {
        let clock = Arc::new(FixedClock::new(1_000));
        let calls = Arc::new(AtomicU32::new(0));
        let inner = {
            let calls = calls.clone();
            let clock = clock.clone();
            provide_credentials_fn(move || {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                let expiry = UNIX_EPOCH + Duration::from_secs(clock.now_unix() + 3_600);
                async move {
                    Ok(Credentials::temporary(format!("AKID{n}"), KEY, TOKEN)?.with_expiry(expiry))
                }
            })
        };
        let clock_for_cache = clock.clone();
        let cache = CachingCredentialsProvider::new(inner)
            .refresh_before(Duration::from_secs(300))
            .clock(move || clock_for_cache.now_unix());
        let at_hand = |cache: &CachingCredentialsProvider<_>| {
            cache
                .credentials_at_hand()
                .map(|c| c.secret_id().to_owned())
        };
        assert_eq!(at_hand(&cache), None, "nothing cached yet");
        assert_eq!(
            cache.provide_credentials().await.unwrap().secret_id(),
            "AKID0"
        );
        assert_eq!(at_hand(&cache).as_deref(), Some("AKID0"));
        clock.advance(3_000);
        assert_eq!(
            cache.provide_credentials().await.unwrap().secret_id(),
            "AKID0"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        clock.advance(400); // 200 s before expiry: inside the margin
        assert_eq!(at_hand(&cache), None, "due for a refresh");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "at hand never fetches");
        assert_eq!(
            cache.provide_credentials().await.unwrap().secret_id(),
            "AKID1"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(at_hand(&cache).as_deref(), Some("AKID1"));
        assert!(!format!("{cache:?}").contains(KEY));
    }

    #[test]
    fn credentials_at_hand_only_where_nothing_has_to_run() {
        let fixed = Credentials::new("AKIDfixed", KEY).unwrap();
        let shared: Arc<dyn ProvideCredentials> = Arc::new(fixed.clone());
        for provider in [&fixed as &dyn ProvideCredentials, &shared] {
            let c = provider.credentials_at_hand().expect("held credentials");
            assert_eq!(c.secret_id(), "AKIDfixed");
            assert_eq!(c.secret_key(), KEY);
        }
        let from_fn = provide_credentials_fn(|| async { Credentials::new("AKIDfn", KEY) });
        assert!(from_fn.credentials_at_hand().is_none());
        let env = EnvCredentialsProvider::with_env(Env::from_pairs(&[
            (ENV_SECRET_ID, "AKIDenv"),
            (ENV_SECRET_KEY, KEY),
        ]));
        assert!(env.credentials_at_hand().is_none(), "read on every call");
    }

    #[tokio::test]
    async fn caching_keeps_unexpired_credentials_when_refresh_fails() {
        let clock = Arc::new(FixedClock::new(1_000));
        let calls = Arc::new(AtomicU32::new(0));
        let inner = {
            let calls = calls.clone();
            provide_credentials_fn(move || {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        Ok(Credentials::new("AKID", KEY)?
                            .with_expiry(UNIX_EPOCH + Duration::from_secs(2_000)))
                    } else {
                        Err(CredentialsError::provider("endpoint unavailable"))
                    }
                }
            })
        };
        let c2 = clock.clone();
        let cache = CachingCredentialsProvider::new(inner).clock(move || c2.now_unix());
        cache.provide_credentials().await.unwrap();
        clock.set(1_800); // inside the refresh margin, not expired
        assert_eq!(
            cache.provide_credentials().await.unwrap().secret_id(),
            "AKID"
        );
        clock.set(2_000); // expired
        let e = cache.provide_credentials().await.unwrap_err();
        assert!(e.to_string().contains("endpoint unavailable"));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}

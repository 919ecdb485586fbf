//! Where credentials and settings come from: the options, the
//! environment, tccli's profile files and the SDK's credentials file.
//!
//! Credentials, first found wins:
//!
//! 1. `--secretId` and `--secretKey` (and `--token`);
//! 2. without `--profile`: `TENCENTCLOUD_SECRET_ID` and
//!    `TENCENTCLOUD_SECRET_KEY` (and `TENCENTCLOUD_SESSION_TOKEN`, or tccli's
//!    `TENCENTCLOUD_TOKEN`);
//! 3. tccli's `~/.tccli/<profile>.credential` (JSON `secretId`, `secretKey`,
//!    `token`);
//! 4. the SDK's credentials file (`TENCENTCLOUD_CREDENTIALS_FILE`, default
//!    `~/.tencentcloud/credentials`), section `[<profile>]`.
//!
//! The profile is `--profile`, else `TCCLI_PROFILE`, else `default`. As
//! with tccli, naming a profile with `--profile` makes the environment's
//! keys and region count for nothing. Settings (region, output, language,
//! endpoint) come from the options, then the environment, then
//! `~/.tccli/<profile>.configure`.

use std::path::PathBuf;

use ess_api::Credentials;
use serde_json::Value;

/// The environment variables read here (the SDK reads its own too).
pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// The SecretKey variable.
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// The SDK's session token variable.
pub const ENV_SESSION_TOKEN: &str = "TENCENTCLOUD_SESSION_TOKEN";
/// tccli's session token variable.
pub const ENV_TCCLI_TOKEN: &str = "TENCENTCLOUD_TOKEN";
/// tccli's profile variable.
pub const ENV_PROFILE: &str = "TCCLI_PROFILE";
/// The region variable.
pub const ENV_REGION: &str = "TENCENTCLOUD_REGION";
/// The endpoint override variable (the SDK's).
pub const ENV_ENDPOINT: &str = "TENCENTCLOUD_ESS_ENDPOINT";

/// A problem with credentials or settings: nothing was sent.
#[derive(Debug)]
pub struct ConfigError(pub String);

/// The profile in use and whether it was named with `--profile`.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Its name.
    pub name: String,
    /// Named with `--profile`: the environment's keys and region are ignored.
    pub explicit: bool,
}

impl Profile {
    /// `--profile`, else `TCCLI_PROFILE`, else `default`.
    pub fn resolve(option: Option<&str>) -> Profile {
        match option {
            Some(name) => Profile {
                name: name.to_owned(),
                explicit: true,
            },
            None => Profile {
                name: env(ENV_PROFILE).unwrap_or_else(|| "default".to_owned()),
                explicit: false,
            },
        }
    }

    /// `~/.tccli/<name>.<ext>`.
    fn tccli_file(&self, ext: &str) -> Option<PathBuf> {
        let home = env("HOME").or_else(|| env("USERPROFILE"))?;
        Some(
            PathBuf::from(home)
                .join(".tccli")
                .join(format!("{}.{ext}", self.name)),
        )
    }

    /// tccli's `.configure` file of the profile, when there is one.
    pub fn configure(&self) -> Result<Option<TccliConfigure>, ConfigError> {
        let Some(path) = self.tccli_file("configure") else {
            return Ok(None);
        };
        let Some(json) = read_json(&path)? else {
            return Ok(None);
        };
        Ok(Some(TccliConfigure(json)))
    }

    /// The credentials, in the order of the [module documentation](self).
    pub fn credentials(
        &self,
        secret_id: Option<&str>,
        secret_key: Option<&str>,
        token: Option<&str>,
    ) -> Result<Credentials, ConfigError> {
        let mut tried = Vec::new();
        match (secret_id, secret_key) {
            (Some(id), Some(key)) => return make(id, key, token, "--secretId/--secretKey"),
            (Some(_), None) => return Err(missing("--secretKey", "--secretId")),
            (None, Some(_)) => return Err(missing("--secretId", "--secretKey")),
            (None, None) => tried.push("--secretId/--secretKey".to_owned()),
        }
        if !self.explicit {
            match (env(ENV_SECRET_ID), env(ENV_SECRET_KEY)) {
                (Some(id), Some(key)) => {
                    let token = env(ENV_SESSION_TOKEN).or_else(|| env(ENV_TCCLI_TOKEN));
                    return make(&id, &key, token.as_deref(), "the environment");
                }
                (Some(_), None) => return Err(missing(ENV_SECRET_KEY, ENV_SECRET_ID)),
                (None, Some(_)) => return Err(missing(ENV_SECRET_ID, ENV_SECRET_KEY)),
                (None, None) => tried.push(format!("{ENV_SECRET_ID}/{ENV_SECRET_KEY}")),
            }
        }
        if let Some(path) = self.tccli_file("credential") {
            if let Some(json) = read_json(&path)? {
                let field = |k: &str| {
                    json.get(k)
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                };
                if let Some(kind) = json.get("type").and_then(Value::as_str) {
                    if kind != "secret" && field("secretId").is_none() {
                        return Err(ConfigError(format!(
                            "{}: credentials of type `{kind}` are not supported; give a secretId and secretKey",
                            path.display()
                        )));
                    }
                }
                let origin = path.display().to_string();
                return match (field("secretId"), field("secretKey")) {
                    (Some(id), Some(key)) => make(id, key, field("token"), &origin),
                    _ => Err(ConfigError(format!(
                        "{origin}: needs both `secretId` and `secretKey`"
                    ))),
                };
            }
            tried.push(path.display().to_string());
        }
        let sdk = ess_api::client::ProfileCredentialsProvider::new().profile(&self.name);
        match sdk.load() {
            Ok(c) => Ok(c),
            Err(e) if e.is_not_found() => {
                if let Some(path) = sdk.resolved_path() {
                    tried.push(format!("{} [{}]", path.display(), self.name));
                }
                Err(ConfigError(format!(
                    "no credentials found (tried {}); set {ENV_SECRET_ID} and {ENV_SECRET_KEY}, or run `tccli configure`",
                    tried.join(", ")
                )))
            }
            Err(e) => Err(ConfigError(e.to_string())),
        }
    }
}

/// tccli's `<profile>.configure`: `{"_sys_param": {"region", "output",
/// "language"}, "ess": {"endpoint", "version"}}`.
#[derive(Debug, Clone)]
pub struct TccliConfigure(Value);

impl TccliConfigure {
    /// A setting of `_sys_param`.
    pub fn sys(&self, key: &str) -> Option<&str> {
        self.0
            .get("_sys_param")
            .and_then(|s| s.get(key))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// A setting of the `ess` section.
    pub fn ess(&self, key: &str) -> Option<&str> {
        self.0
            .get("ess")
            .and_then(|s| s.get(key))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// A non-empty environment variable.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn read_json(path: &std::path::Path) -> Result<Option<Value>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ConfigError(format!("cannot read {}: {e}", path.display()))),
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(v @ Value::Object(_)) => Ok(Some(v)),
        Ok(_) => Err(ConfigError(format!(
            "{}: expected a JSON object",
            path.display()
        ))),
        Err(e) => Err(ConfigError(format!(
            "{}: not valid JSON: {e}",
            path.display()
        ))),
    }
}

fn make(
    id: &str,
    key: &str,
    token: Option<&str>,
    origin: &str,
) -> Result<Credentials, ConfigError> {
    let made = match token.filter(|t| !t.is_empty()) {
        Some(token) => Credentials::temporary(id, key, token),
        None => Credentials::new(id, key),
    };
    made.map_err(|e| ConfigError(format!("credentials from {origin}: {e}")))
}

fn missing(what: &str, given: &str) -> ConfigError {
    ConfigError(format!("{given} is set but {what} is not"))
}

//! The `ess-emulator` command: runs the emulator until interrupted.

use std::net::IpAddr;
use std::process::ExitCode;

use ess_api::Credentials;
use ess_emulator::callbacks::{CallbackConfig, EncryptedForm};
use ess_emulator::{defaults, Emulator, World};
use tracing::Level;

const USAGE: &str = "\
ess-emulator: a local emulator of Tencent Cloud ESS (API 2020-11-11)

USAGE:
    ess-emulator [OPTIONS]

OPTIONS:
    --host <IP>          Address to listen on [default: 127.0.0.1] (env ESS_EMULATOR_HOST)
    --port <PORT>        Port to listen on, 0 for any free port [default: 8080] (env ESS_EMULATOR_PORT)
    --world <FILE>       World file (TOML) instead of the default world (env ESS_EMULATOR_WORLD)
    --secret-id <ID>     SecretId to accept instead of the default (env ESS_EMULATOR_SECRET_ID)
    --secret-key <KEY>   SecretKey to accept instead of the default (env ESS_EMULATOR_SECRET_KEY;
                         prefer the variable: arguments are visible to other local users)
    --public-url <URL>   Base of the links handed out, when clients use another address
    --no-rate-limit      Do not enforce the actions' rate limits
    --retention <SECS>   Forget QR codes and contracts this long after they are over
                         [default: 2592000, 30 days] (env ESS_EMULATOR_RETENTION)
    --max-qr-codes <N>   QR codes kept at most; a create beyond answers LimitExceeded
                         [default: 200000] (env ESS_EMULATOR_MAX_QR_CODES)
    --max-flows <N>      Contracts kept at most [default: 200000] (env ESS_EMULATOR_MAX_FLOWS)
    --strict             Answer UnsupportedOperation for the actions without
                         semantics (default: their official example response)

HTTPS (as the service's hosts, for clients without an endpoint override):
    --tls                        Serve HTTPS with a certificate made at start for
                                 ess.tencentcloudapi.com, file.ess.tencent.cn,
                                 ess.test.ess.tencent.cn, file.test.ess.tencent.cn,
                                 localhost and 127.0.0.1
    --tls-cert-out <FILE>        Write the certificate clients must trust (PEM) to FILE
                                 (without it, the certificate is printed)
    --tls-handshake-timeout <SECS>
                                 Close connections whose handshake takes longer [default: 10]

CALLBACKS (override the world file's [callbacks] table):
    --callback-url <URL>         Post callbacks to this http:// URL on this machine
                                 (env ESS_EMULATOR_CALLBACK_URL)
    --callback-key <KEY>         Encrypt them with this 32-byte key (env ESS_EMULATOR_CALLBACK_KEY;
                                 prefer the variable)
    --callback-token <TOKEN>     Sign them with this token (env ESS_EMULATOR_CALLBACK_TOKEN;
                                 prefer the variable)
    --callback-form <FORM>       Encrypted body: wrapped ({\"encrypt\": ...}) or bare [default: wrapped]
                                 (env ESS_EMULATOR_CALLBACK_FORM)
    --callback-attempts <N>      Attempts per message, 1 to 100 [default: 5]
                                 (env ESS_EMULATOR_CALLBACK_ATTEMPTS)
    --callback-allow-non-loopback
                                 Allow a callback host other than 127.0.0.0/8, ::1 or localhost

    --log <LEVEL>        error, warn, info, debug or trace [default: info]
    --print-world        Print the world as TOML and exit
    -h, --help           Print this help and exit
    -V, --version        Print the version and exit

State is kept in memory only and is lost when the emulator stops.";

struct Args {
    host: IpAddr,
    port: u16,
    world: Option<String>,
    secret_id: Option<String>,
    secret_key: Option<String>,
    public_url: Option<String>,
    rate_limits: bool,
    strict: bool,
    retention: Option<u64>,
    max_qr_codes: Option<usize>,
    max_flows: Option<usize>,
    tls: bool,
    tls_cert_out: Option<String>,
    tls_handshake_timeout: Option<u64>,
    log: Level,
    print_world: bool,
    callback: CallbackArgs,
}

/// The callback options; each overrides the world file's value.
#[derive(Default)]
struct CallbackArgs {
    url: Option<String>,
    key: Option<String>,
    token: Option<String>,
    form: Option<EncryptedForm>,
    attempts: Option<u32>,
    allow_non_loopback: bool,
}

impl CallbackArgs {
    fn any(&self) -> bool {
        self.url.is_some()
            || self.key.is_some()
            || self.token.is_some()
            || self.form.is_some()
            || self.attempts.is_some()
            || self.allow_non_loopback
    }

    /// The world's configuration with these options applied.
    fn apply(self, base: Option<CallbackConfig>) -> Result<Option<CallbackConfig>, String> {
        if !self.any() {
            return Ok(base);
        }
        let mut config =
            match (base, self.url) {
                (Some(mut config), url) => {
                    if let Some(url) = url {
                        config.url = url;
                    }
                    config
                }
                (None, Some(url)) => CallbackConfig::new(url),
                (None, None) => return Err(
                    "callback options need a callback URL (--callback-url or a [callbacks] table)"
                        .to_owned(),
                ),
            };
        if self.key.is_some() {
            config.key = self.key;
        }
        if self.token.is_some() {
            config.token = self.token;
        }
        if let Some(form) = self.form {
            config.form = form;
        }
        if let Some(attempts) = self.attempts {
            config.max_attempts = attempts;
        }
        if self.allow_non_loopback {
            config.allow_non_loopback = true;
        }
        config.check().map_err(|e| e.to_string())?;
        Ok(Some(config))
    }
}

fn parse_form(flag: &str, v: &str) -> Result<EncryptedForm, String> {
    match v {
        "wrapped" => Ok(EncryptedForm::Wrapped),
        "bare" => Ok(EncryptedForm::Bare),
        _ => Err(format!("{flag}: {v:?} is not wrapped or bare")),
    }
}

fn parse_attempts(flag: &str, v: &str) -> Result<u32, String> {
    v.parse()
        .map_err(|_| format!("{flag}: {v:?} is not a number of attempts"))
}

enum Parsed {
    Run(Box<Args>),
    Exit(String),
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Parsed, String> {
    let mut args = Args {
        host: match env("ESS_EMULATOR_HOST") {
            Some(h) => h
                .parse()
                .map_err(|_| format!("ESS_EMULATOR_HOST: {h:?} is not an IP address"))?,
            None => IpAddr::from([127, 0, 0, 1]),
        },
        port: match env("ESS_EMULATOR_PORT") {
            Some(p) => p
                .parse()
                .map_err(|_| format!("ESS_EMULATOR_PORT: {p:?} is not a port number"))?,
            None => 8080,
        },
        world: env("ESS_EMULATOR_WORLD"),
        secret_id: env("ESS_EMULATOR_SECRET_ID"),
        secret_key: env("ESS_EMULATOR_SECRET_KEY"),
        public_url: None,
        rate_limits: true,
        strict: false,
        retention: env("ESS_EMULATOR_RETENTION")
            .map(|v| parse_retention("ESS_EMULATOR_RETENTION", &v))
            .transpose()?,
        max_qr_codes: env("ESS_EMULATOR_MAX_QR_CODES")
            .map(|v| parse_count("ESS_EMULATOR_MAX_QR_CODES", &v))
            .transpose()?,
        max_flows: env("ESS_EMULATOR_MAX_FLOWS")
            .map(|v| parse_count("ESS_EMULATOR_MAX_FLOWS", &v))
            .transpose()?,
        tls: false,
        tls_cert_out: None,
        tls_handshake_timeout: None,
        log: Level::INFO,
        print_world: false,
        callback: CallbackArgs {
            url: env("ESS_EMULATOR_CALLBACK_URL"),
            key: env("ESS_EMULATOR_CALLBACK_KEY"),
            token: env("ESS_EMULATOR_CALLBACK_TOKEN"),
            form: env("ESS_EMULATOR_CALLBACK_FORM")
                .map(|v| parse_form("ESS_EMULATOR_CALLBACK_FORM", &v))
                .transpose()?,
            attempts: env("ESS_EMULATOR_CALLBACK_ATTEMPTS")
                .map(|v| parse_attempts("ESS_EMULATOR_CALLBACK_ATTEMPTS", &v))
                .transpose()?,
            allow_non_loopback: false,
        },
    };
    while let Some(arg) = argv.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| argv.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Parsed::Exit(USAGE.to_owned())),
            "-V" | "--version" => {
                return Ok(Parsed::Exit(format!(
                    "ess-emulator {}",
                    env!("CARGO_PKG_VERSION")
                )))
            }
            "--host" => {
                let v = value("an IP address")?;
                args.host = v
                    .parse()
                    .map_err(|_| format!("--host: {v:?} is not an IP address"))?;
            }
            "--port" => {
                let v = value("a port number")?;
                args.port = v
                    .parse()
                    .map_err(|_| format!("--port: {v:?} is not a port number"))?;
            }
            "--world" => args.world = Some(value("a file")?),
            "--secret-id" => args.secret_id = Some(value("a SecretId")?),
            "--secret-key" => args.secret_key = Some(value("a SecretKey")?),
            "--public-url" => args.public_url = Some(value("a URL")?),
            "--no-rate-limit" => args.rate_limits = false,
            "--strict" => args.strict = true,
            "--retention" => {
                let v = value("a number of seconds")?;
                args.retention = Some(parse_retention("--retention", &v)?);
            }
            "--max-qr-codes" => {
                let v = value("a number")?;
                args.max_qr_codes = Some(parse_count("--max-qr-codes", &v)?);
            }
            "--max-flows" => {
                let v = value("a number")?;
                args.max_flows = Some(parse_count("--max-flows", &v)?);
            }
            "--tls" => args.tls = true,
            "--tls-cert-out" => args.tls_cert_out = Some(value("a file")?),
            "--tls-handshake-timeout" => {
                let v = value("a number of seconds")?;
                let secs = v.parse::<u64>().ok().filter(|s| (1..=3600).contains(s));
                args.tls_handshake_timeout = Some(secs.ok_or_else(|| {
                    format!("--tls-handshake-timeout: {v:?} is not 1 to 3600 seconds")
                })?);
            }
            "--callback-url" => args.callback.url = Some(value("a URL")?),
            "--callback-key" => args.callback.key = Some(value("a key")?),
            "--callback-token" => args.callback.token = Some(value("a token")?),
            "--callback-form" => {
                let v = value("wrapped or bare")?;
                args.callback.form = Some(parse_form("--callback-form", &v)?);
            }
            "--callback-attempts" => {
                let v = value("a number")?;
                args.callback.attempts = Some(parse_attempts("--callback-attempts", &v)?);
            }
            "--callback-allow-non-loopback" => args.callback.allow_non_loopback = true,
            "--print-world" => args.print_world = true,
            "--log" => {
                let v = value("a level")?;
                args.log = v.parse().map_err(|_| {
                    format!("--log: {v:?} is not one of error, warn, info, debug, trace")
                })?;
            }
            other => return Err(format!("unknown argument {other:?}; see --help")),
        }
    }
    if !args.tls && (args.tls_cert_out.is_some() || args.tls_handshake_timeout.is_some()) {
        return Err("--tls-cert-out and --tls-handshake-timeout need --tls".to_owned());
    }
    Ok(Parsed::Run(Box::new(args)))
}

/// How many QR codes or contracts to keep: a whole number from 1 to
/// 100,000,000.
fn parse_count(name: &str, v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if (1..=100_000_000).contains(&n) => Ok(n),
        _ => Err(format!("{name}: {v:?} is not a number from 1 to 100000000")),
    }
}

/// A retention in seconds: a whole number, at most a hundred years.
fn parse_retention(name: &str, v: &str) -> Result<u64, String> {
    match v.parse::<u64>() {
        Ok(secs) if secs <= 100 * 366 * 86_400 => Ok(secs),
        _ => Err(format!(
            "{name}: {v:?} is not a number of seconds up to a hundred years"
        )),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Parsed::Run(args)) => *args,
        Ok(Parsed::Exit(text)) => {
            println!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("ess-emulator: {message}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ess-emulator: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let mut world = match &args.world {
        Some(path) => World::from_file(path).map_err(|e| e.to_string())?,
        None => World::default(),
    };
    world.callbacks = args.callback.apply(world.callbacks.take())?;
    if args.print_world {
        print!("{}", world.to_toml());
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_max_level(args.log)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();

    let mut builder = Emulator::builder()
        .world(world)
        .host(args.host)
        .port(args.port)
        .rate_limits(args.rate_limits)
        .strict(args.strict);
    let custom_credentials = match (&args.secret_id, &args.secret_key) {
        (Some(id), Some(key)) => {
            let credentials =
                Credentials::new(id.clone(), key.clone()).map_err(|e| e.to_string())?;
            builder = builder.credentials(credentials);
            true
        }
        (None, None) => false,
        _ => return Err("give both a SecretId and a SecretKey, or neither".to_owned()),
    };
    if let Some(url) = &args.public_url {
        builder = builder.public_url(url.clone());
    }
    if let Some(secs) = args.retention {
        builder = builder.retention(std::time::Duration::from_secs(secs));
    }
    if let Some(max) = args.max_qr_codes {
        builder = builder.max_qr_codes(max);
    }
    if let Some(max) = args.max_flows {
        builder = builder.max_flows(max);
    }
    builder = builder.tls(args.tls);
    if let Some(secs) = args.tls_handshake_timeout {
        builder = builder.tls_handshake_timeout(std::time::Duration::from_secs(secs));
    }
    let emulator = builder.start().await.map_err(|e| e.to_string())?;
    if let (Some(pem), Some(path)) = (emulator.tls_certificate_pem(), &args.tls_cert_out) {
        std::fs::write(path, pem)
            .map_err(|e| format!("cannot write the TLS certificate to {path}: {e}"))?;
    }

    let world = emulator.world();
    println!("ESS emulator listening on {}", emulator.endpoint());
    if custom_credentials {
        println!("  SecretId:  {}", emulator.credentials().secret_id());
    } else {
        println!("  SecretId:  {}", defaults::SECRET_ID);
        println!(
            "  SecretKey: {} (the documented local default)",
            defaults::SECRET_KEY
        );
    }
    println!(
        "  organization {} with {} operator(s), {} template(s), quota {}",
        world.organization.id,
        world.organization.operators.len(),
        world.templates.len(),
        world.organization.contract_quota
    );
    match &world.callbacks {
        Some(c) => println!(
            "  callbacks to {} ({}, {}, {} attempts at most)",
            c.url,
            match (&c.key, c.form) {
                (None, _) => "not encrypted",
                (Some(_), EncryptedForm::Bare) => "encrypted, bare",
                (Some(_), _) => "encrypted, wrapped",
            },
            if c.token.is_some() {
                "signed"
            } else {
                "not signed"
            },
            c.max_attempts
        ),
        None => {
            println!("  no callbacks (configure with --callback-url or POST /_emulator/callbacks)")
        }
    }
    println!(
        "  point a client at it: TENCENTCLOUD_ESS_ENDPOINT={}",
        emulator.endpoint()
    );
    if let Some(pem) = emulator.tls_certificate_pem() {
        match &args.tls_cert_out {
            Some(path) => println!("  TLS certificate to trust (PEM) written to {path}"),
            None => print!("  TLS certificate to trust (PEM):\n{pem}"),
        }
        println!(
            "  or, without an endpoint, pin the service's host names to {} and trust it",
            emulator.addr()
        );
    }
    println!("  state is in memory only; press Ctrl-C to stop");

    wait_for_signal().await;
    emulator.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Parsed, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn arguments() {
        let Ok(Parsed::Run(a)) = parse(&[
            "--port",
            "0",
            "--host=0.0.0.0",
            "--no-rate-limit",
            "--strict",
        ]) else {
            panic!("expected a run");
        };
        assert_eq!(a.port, 0);
        assert_eq!(a.host, IpAddr::from([0, 0, 0, 0]));
        assert!(!a.rate_limits);
        assert!(a.strict);
        assert!(matches!(parse(&["--help"]), Ok(Parsed::Exit(_))));
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--log", "loud"]).is_err());
    }

    #[test]
    fn limit_arguments() {
        let Ok(Parsed::Run(a)) = parse(&["--max-qr-codes", "5000000", "--max-flows=7"]) else {
            panic!("expected a run");
        };
        assert_eq!((a.max_qr_codes, a.max_flows), (Some(5_000_000), Some(7)));
        let Ok(Parsed::Run(a)) = parse(&[]) else {
            panic!("expected a run");
        };
        assert_eq!((a.max_qr_codes, a.max_flows), (None, None));
        for bad in ["0", "-1", "x", "100000001"] {
            let err = parse(&["--max-qr-codes", bad]).err().unwrap_or_default();
            assert!(err.contains("--max-qr-codes"), "{bad}: {err}");
        }
        assert!(parse(&["--max-flows"]).is_err());
    }

    #[test]
    fn tls_arguments() {
        let Ok(Parsed::Run(a)) = parse(&[]) else {
            panic!("expected a run");
        };
        assert!(!a.tls, "plain HTTP is the default");
        let Ok(Parsed::Run(a)) = parse(&[
            "--tls",
            "--tls-cert-out",
            "ca.pem",
            "--tls-handshake-timeout=3",
        ]) else {
            panic!("expected a run");
        };
        assert!(a.tls);
        assert_eq!(a.tls_cert_out.as_deref(), Some("ca.pem"));
        assert_eq!(a.tls_handshake_timeout, Some(3));
        assert!(parse(&["--tls-cert-out", "ca.pem"])
            .err()
            .is_some_and(|e| e.contains("need --tls")));
        for bad in ["0", "x", "-1", "3601"] {
            assert!(
                parse(&["--tls", "--tls-handshake-timeout", bad]).is_err(),
                "{bad}"
            );
        }
        assert!(parse(&["--tls", "--tls-cert-out"]).is_err());
    }

    #[test]
    fn callback_arguments() {
        let Ok(Parsed::Run(a)) = parse(&[
            "--callback-url",
            "http://127.0.0.1:9/cb",
            "--callback-key=0123456789abcdef0123456789abcdef",
            "--callback-token",
            "tok",
            "--callback-form",
            "bare",
            "--callback-attempts",
            "3",
        ]) else {
            panic!("expected a run");
        };
        let config = a.callback.apply(None).unwrap().unwrap();
        assert_eq!(config.url, "http://127.0.0.1:9/cb");
        assert_eq!(config.form, EncryptedForm::Bare);
        assert_eq!(config.max_attempts, 3);
        assert_eq!(config.token.as_deref(), Some("tok"));
        assert_eq!(config.timeout, ess_emulator::callbacks::DEFAULT_TIMEOUT);

        // Options override the world's table, field by field.
        let base = CallbackConfig::new("http://127.0.0.1:1/").with_token("old");
        let Ok(Parsed::Run(a)) = parse(&["--callback-attempts", "2"]) else {
            panic!("expected a run");
        };
        let config = a.callback.apply(Some(base.clone())).unwrap().unwrap();
        assert_eq!(config.url, base.url);
        assert_eq!(config.token.as_deref(), Some("old"));
        assert_eq!(config.max_attempts, 2);

        let Ok(Parsed::Run(a)) = parse(&[]) else {
            panic!("expected a run");
        };
        assert_eq!(a.callback.apply(Some(base.clone())).unwrap(), Some(base));

        let refused = |args: &[&str]| match parse(args) {
            Ok(Parsed::Run(a)) => a.callback.apply(None).unwrap_err(),
            Ok(Parsed::Exit(_)) => panic!("expected a run"),
            Err(e) => e,
        };
        assert!(refused(&["--callback-key", "k"]).contains("callback URL"));
        let e = refused(&[
            "--callback-url",
            "http://127.0.0.1/",
            "--callback-key",
            "too-short",
        ]);
        assert!(e.contains("32 bytes") && !e.contains("too-short"), "{e}");
        assert!(refused(&["--callback-url", "http://192.0.2.1/"]).contains("loopback"));
        assert!(refused(&["--callback-form", "zip"]).contains("wrapped or bare"));
        assert!(refused(&["--callback-attempts", "many"]).contains("number"));
        let Ok(Parsed::Run(a)) = parse(&[
            "--callback-url",
            "http://192.0.2.1/",
            "--callback-allow-non-loopback",
        ]) else {
            panic!("expected a run");
        };
        assert!(a.callback.apply(None).unwrap().unwrap().allow_non_loopback);
    }
}

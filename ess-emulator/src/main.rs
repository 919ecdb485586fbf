//! The `ess-emulator` command: runs the emulator until interrupted.

use std::net::IpAddr;
use std::process::ExitCode;

use ess_api::Credentials;
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
    log: Level,
    print_world: bool,
}

enum Parsed {
    Run(Args),
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
        log: Level::INFO,
        print_world: false,
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
    Ok(Parsed::Run(args))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Parsed::Run(args)) => args,
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
    let world = match &args.world {
        Some(path) => World::from_file(path).map_err(|e| e.to_string())?,
        None => World::default(),
    };
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
        .rate_limits(args.rate_limits);
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
    let emulator = builder.start().await.map_err(|e| e.to_string())?;

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
    println!(
        "  point a client at it: TENCENTCLOUD_ESS_ENDPOINT={}",
        emulator.endpoint()
    );
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
        let Ok(Parsed::Run(a)) = parse(&["--port", "0", "--host=0.0.0.0", "--no-rate-limit"])
        else {
            panic!("expected a run");
        };
        assert_eq!(a.port, 0);
        assert_eq!(a.host, IpAddr::from([0, 0, 0, 0]));
        assert!(!a.rate_limits);
        assert!(matches!(parse(&["--help"]), Ok(Parsed::Exit(_))));
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--log", "loud"]).is_err());
    }
}

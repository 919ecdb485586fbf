//! `ess`: every action of Tencent Cloud Electronic Signature (ESS, API
//! 2020-11-11) from the command line, generated from the same spec as the
//! `ess-api` SDK and sent through its client.
//!
//! ```text
//! ess CreateMultiFlowSignQRCode --cli-input-json file://req.json
//! ess CreateMultiFlowSignQRCode --Operator '{"UserId":"..."}' --TemplateId ... --FlowName ...
//! ess create-multi-flow-sign-qr-code --generate-cli-skeleton
//! ess DescribeFlowInfo --FlowIds id1 id2 --output table --filter 'FlowDetailInfos[].{Id:FlowId,Name:FlowName}'
//! ```

mod cli;
mod failure;
mod output;
mod profile;
mod request;
mod run;
mod spec;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::ArgMatches;

use crate::failure::Failure;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    // The one answer that needs no command at all.
    if args.len() == 2 && (args[1] == "--version" || args[1] == "-V") {
        println!("ess {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    match main_with(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.print();
            ExitCode::from(failure.exit_code())
        }
    }
}

fn main_with(mut args: Vec<OsString>) -> Result<(), Failure> {
    let wanted = action_among(&args);
    // tccli's unfolded members (`--Operator.UserId x`) are not clap options.
    let unfolded = match &wanted {
        Some(Wanted::Action(a)) => request::take_unfolded(a, &mut args),
        _ => Vec::new(),
    };
    let command = match wanted {
        Some(Wanted::Action(a)) => cli::root(Some(a), None),
        Some(Wanted::Completions) => cli::root(None, Some(cli::Detail::Full)),
        None => cli::root(None, Some(cli::Detail::Names)),
    };
    let matches = command.try_get_matches_from(args).map_err(Failure::Clap)?;
    match matches.subcommand() {
        Some(("completions", sub)) => {
            let shell = *sub
                .get_one::<clap_complete::Shell>("shell")
                .expect("the shell is a required argument");
            let mut full = cli::root(None, Some(cli::Detail::Full));
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut full, "ess", &mut out);
            out.flush().map_err(|e| Failure::Io(e.to_string()))
        }
        Some((name, sub)) => {
            let Some(action) = spec::action(name) else {
                return Err(Failure::Usage(format!("unknown action `{name}`")));
            };
            run_action(action, sub, unfolded)
        }
        None => Err(Failure::Usage("no action given".to_owned())),
    }
}

/// What the arguments ask for, found before any command is built.
enum Wanted {
    Action(&'static spec::ActionDef),
    Completions,
}

/// The first argument that is neither an option nor an option's value,
/// when it names an action or `completions`; `help <Action>` counts too.
fn action_among(args: &[OsString]) -> Option<Wanted> {
    let mut skip_value = false;
    let mut after_help = false;
    for arg in args.iter().skip(1) {
        let arg = arg.to_str()?;
        if skip_value {
            skip_value = false;
            continue;
        }
        if arg.starts_with('-') {
            skip_value = !arg.contains('=') && cli::GLOBAL_WITH_VALUE.contains(&arg);
            continue;
        }
        if arg == "help" && !after_help {
            after_help = true;
            continue;
        }
        if arg == "completions" && !after_help {
            return Some(Wanted::Completions);
        }
        return spec::action(arg).map(Wanted::Action);
    }
    None
}

fn run_action(
    action: &'static spec::ActionDef,
    m: &ArgMatches,
    unfolded: Vec<request::Unfolded>,
) -> Result<(), Failure> {
    if m.get_flag("generate-cli-skeleton") {
        let skeleton = request::skeleton(action);
        let text = serde_json::to_string_pretty(&skeleton).expect("JSON values serialize");
        return output::write_stdout(&text);
    }
    let opts = run::Options::from_matches(action, m, &unfolded)?;
    run::run(action, opts)
}

//! `ess-codegen check <spec-dir>` and `ess-codegen generate <spec-dir>`.

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: ess-codegen check <spec-dir>\n       ess-codegen generate <spec-dir>   (prints the generated Rust)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, dir) = match args.as_slice() {
        [cmd, dir] => (cmd.as_str(), Path::new(dir)),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match cmd {
        "check" => match ess_codegen::load_checked(dir) {
            Ok(spec) => {
                println!(
                    "ok: {} actions, {} types, {} error codes",
                    spec.actions.len(),
                    spec.types.len(),
                    spec.errors.len()
                );
                ExitCode::SUCCESS
            }
            Err(d) => {
                eprintln!("{d}");
                ExitCode::FAILURE
            }
        },
        "generate" => match ess_codegen::run(dir) {
            Ok(g) => {
                print!("{}", g.to_file());
                ExitCode::SUCCESS
            }
            Err(d) => {
                eprintln!("{d}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

//! `ess-codegen check <spec-dir>` and `ess-codegen generate <spec-dir>`.

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: ess-codegen check <spec-dir>\n       ess-codegen generate <spec-dir>   (prints the generated Rust)\n       ess-codegen import <api.json> <spec-dir>   (adds what the service describes, keeps what is there)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [cmd, api, dir] = args.as_slice() {
        if cmd == "import" {
            return match ess_codegen::import::import(Path::new(api), Path::new(dir)) {
                Ok(report) => {
                    println!("{report}");
                    match ess_codegen::load_checked(Path::new(dir)) {
                        Ok(_) => ExitCode::SUCCESS,
                        Err(d) => {
                            eprintln!("{d}");
                            ExitCode::FAILURE
                        }
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            };
        }
    }
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

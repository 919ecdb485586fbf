//! `ess-codegen check|generate|import|review`: the generator's command line.

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "\
ess-codegen: the ESS spec's checker, generator and importer

usage:
  ess-codegen check <spec-dir>
      list every mistake in the spec (file:line:col), or say it is sound
  ess-codegen generate <spec-dir>
      print the generated Rust
  ess-codegen ship <spec-dir> <dir>
      write the generated Rust as ess-api ships it (ess-api/src/generated),
      for builds without the generator; a test fails while it is stale
  ess-codegen import <api.json> <spec-dir> [--errors <action-errors.tsv>]
      add what the service's description has and the spec lacks, keep every
      hand edit, and report what changed upstream (members added, removed,
      retyped or made required; actions and types removed; codes added or
      dropped; what still lacks a doc)
  ess-codegen review <spec-dir>
      print the rules read from the official prose (action or type, member,
      rule), for auditing
  ess-codegen --help
      this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["--help" | "-h" | "help"] => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        ["check", dir] => match ess_codegen::load_checked(Path::new(dir)) {
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
        ["generate", dir] => match ess_codegen::run(Path::new(dir)) {
            Ok(g) => {
                print!("{}", g.to_file());
                ExitCode::SUCCESS
            }
            Err(d) => {
                eprintln!("{d}");
                ExitCode::FAILURE
            }
        },
        ["ship", dir, out] => match ess_codegen::ship(Path::new(dir), Path::new(out)) {
            Ok(changed) => {
                println!("{out}: {changed} file(s) written or removed");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        ["review", dir] => match ess_codegen::load_checked(Path::new(dir)) {
            Ok(spec) => {
                print!("{}", ess_codegen::review::extracted_rules(&spec));
                ExitCode::SUCCESS
            }
            Err(d) => {
                eprintln!("{d}");
                ExitCode::FAILURE
            }
        },
        ["import", api, dir, rest @ ..] => {
            let errors = match rest {
                [] => None,
                ["--errors", tsv] => Some(Path::new(*tsv)),
                _ => return usage(),
            };
            import(Path::new(api), Path::new(dir), errors)
        }
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprint!("{USAGE}");
    ExitCode::from(2)
}

fn import(api: &Path, dir: &Path, errors: Option<&Path>) -> ExitCode {
    let mut report = match ess_codegen::import::import(api, dir) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(tsv) = errors {
        if let Err(e) = ess_codegen::import::import_errors(tsv, dir, &mut report) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!("{report}");
    match ess_codegen::load_checked(dir) {
        Ok(_) => ExitCode::SUCCESS,
        Err(d) => {
            eprintln!("{d}");
            ExitCode::FAILURE
        }
    }
}

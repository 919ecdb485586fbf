//! The ESS spec pipeline: load → check → emit.
//!
//! [`load`] reads the spec files into the raw [`model`] (values with their
//! spans); [`check`] reports every mistake, or resolves the spec into the
//! [`resolved`] model; [`emit`] turns that model into Rust and cannot fail.
//!
//! One library serves three thin shells: `ess-api`'s build script, the
//! `ess-codegen` command (`check`, `generate`) and the tests.
//!
//! ```no_run
//! let generated = ess_codegen::run(std::path::Path::new("spec")).unwrap();
//! println!("{}", generated.to_file());
//! ```
#![warn(missing_docs)]

pub mod check;
pub mod diag;
pub mod emit;
pub mod import;
pub mod load;
pub mod model;
pub mod naming;
pub mod resolved;
pub mod review;

use std::path::Path;

pub use diag::{Diagnostic, Diagnostics};
pub use emit::Generated;
pub use model::Spec;
pub use resolved::Model;

/// Loads and checks the spec in `dir`, returning every problem found; the
/// spec as written, for tools that read its files (review, import).
pub fn load_checked(dir: &Path) -> Result<Spec, Diagnostics> {
    load_resolved(dir).map(|(spec, _)| spec)
}

/// Loads and checks the spec in `dir`, returning every problem found; the
/// resolved model, which [`emit`] reads.
pub fn load_model(dir: &Path) -> Result<Model, Diagnostics> {
    load_resolved(dir).map(|(_, model)| model)
}

/// Loads, checks and generates: the whole pipeline.
pub fn run(dir: &Path) -> Result<Generated, Diagnostics> {
    load_model(dir).map(|model| emit::generate(&model))
}

/// Loads `dir` and resolves it; every problem of loading and checking.
fn load_resolved(dir: &Path) -> Result<(Spec, Model), Diagnostics> {
    let (spec, mut problems) = load::load_partial(dir);
    match check::check(&spec) {
        Ok(model) if problems.is_empty() => return Ok((spec, model)),
        Ok(_) => {}
        Err(found) => problems.extend(found),
    }
    Err(Diagnostics::new(spec.sources, problems))
}

/// How the shipped copy of the generated code (`ess-api/src/generated`)
/// names the folder of its parts.
pub const SHIPPED_BASE: &str =
    "concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/src/generated/ess_generated\")";

/// The files of the shipped copy of `generated`, relative to its folder
/// (`ess-api/src/generated`): the root `ess_generated.rs` and the parts
/// under `ess_generated/`, sorted by path.
pub fn shipped_files(generated: &Generated) -> Vec<(String, String)> {
    let mut files = file_tree(generated, "ess_generated.rs", "ess_generated", SHIPPED_BASE);
    files.sort();
    files
}

/// The root file `root_name` and its parts under `folder`, as paths
/// relative to the directory they are written to; `base` is the
/// expression of `folder` as the including crate spells it (see
/// [`Generated::to_files`]).
fn file_tree(
    generated: &Generated,
    root_name: &str,
    folder: &str,
    base: &str,
) -> Vec<(String, String)> {
    let (root, parts) = generated.to_files(base);
    std::iter::once((root_name.to_owned(), root))
        .chain(
            parts
                .into_iter()
                .map(|(rel, text)| (format!("{folder}/{rel}"), text)),
        )
        .collect()
}

/// Writes the shipped copy of the code `spec_dir` generates into `out_dir`
/// (`ess-api/src/generated`), removing parts no longer generated; returns
/// how many files changed.
pub fn ship(spec_dir: &Path, out_dir: &Path) -> Result<usize, ShipError> {
    let generated = run(spec_dir).map_err(ShipError::Spec)?;
    let files = shipped_files(&generated);
    let mut changed = 0;
    for (rel, text) in &files {
        let path = out_dir.join(rel);
        if write_if_changed(&path, text).map_err(|e| ShipError::Io(path.clone(), e))? {
            changed += 1;
        }
    }
    let keep: std::collections::HashSet<std::path::PathBuf> =
        files.iter().map(|(rel, _)| out_dir.join(rel)).collect();
    for sub in ["types", "operation"] {
        let dir = out_dir.join("ess_generated").join(sub);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !keep.contains(&path) {
                std::fs::remove_file(&path).map_err(|e| ShipError::Io(path.clone(), e))?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// Why [`ship`] failed.
#[derive(Debug)]
pub enum ShipError {
    /// The spec has mistakes.
    Spec(Diagnostics),
    /// A file could not be written or removed.
    Io(std::path::PathBuf, std::io::Error),
}

impl std::fmt::Display for ShipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShipError::Spec(d) => write!(f, "{d}"),
            ShipError::Io(path, e) => write!(f, "error: cannot write {}: {e}", path.display()),
        }
    }
}

/// Entry point for a build script: generates `spec_dir` into
/// `$OUT_DIR/<file_name>`, or prints every problem and fails the build.
///
/// The root file includes one file per shared type and per action, written
/// under `$OUT_DIR/<file stem>/` (see [`Generated::to_files`]). A file is
/// rewritten only when its content changes.
pub fn build_script(spec_dir: &Path, file_name: &str) {
    // One line: cargo scans a directory given here recursively, so a
    // failed build shows the diagnostics, not hundreds of rerun lines.
    println!("cargo:rerun-if-changed={}", spec_dir.display());
    match run(spec_dir) {
        Ok(generated) => {
            let out_dir =
                std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo for build scripts");
            let out_dir = Path::new(&out_dir);
            // The parts go in a folder named after the root file.
            let folder = Path::new(file_name)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("generated");
            let base = format!("concat!(env!(\"OUT_DIR\"), \"/{folder}\")");
            for (rel, text) in file_tree(&generated, file_name, folder, &base) {
                let path = out_dir.join(rel);
                if let Err(e) = write_if_changed(&path, &text) {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    std::process::exit(1);
                }
            }
        }
        Err(diags) => {
            eprintln!("{diags}");
            std::process::exit(1);
        }
    }
}

/// Writes `text` to `path` unless it already holds it; whether it wrote.
fn write_if_changed(path: &Path, text: &str) -> std::io::Result<bool> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text).map(|()| true)
}

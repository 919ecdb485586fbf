//! Reading a spec directory: every file is parsed, and every failure is kept.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::diag::{Diagnostic, FileId, Location, Sources};
use crate::model::{ActionDef, ErrorsFile, ServiceFile, Spec, TypeDef};

/// Reads `dir` (`service.toml`, `errors.toml`, `types/*.toml`,
/// `actions/*.toml`). Returns the spec when every file parsed, and the
/// diagnostics found so far otherwise.
pub fn load(dir: &Path) -> Result<Spec, (Sources, Vec<Diagnostic>)> {
    let mut sources = Sources::default();
    let mut diags = Vec::new();

    let service = read_one::<ServiceFile>(&dir.join("service.toml"), &mut sources, &mut diags);
    let errors = read_one::<ErrorsFile>(&dir.join("errors.toml"), &mut sources, &mut diags);

    let mut types = Vec::new();
    for path in toml_files(&dir.join("types"), &mut diags) {
        if let Some((file, mut t)) = read_file::<TypeDef>(&path, &mut sources, &mut diags) {
            t.file = file;
            types.push(t);
        }
    }
    let mut actions = Vec::new();
    for path in toml_files(&dir.join("actions"), &mut diags) {
        if let Some((file, mut a)) = read_file::<ActionDef>(&path, &mut sources, &mut diags) {
            a.file = file;
            actions.push(a);
        }
    }

    match (service, errors) {
        (Some((service_file, s)), Some((errors_file, e))) if diags.is_empty() => {
            types.sort_by(|a, b| a.name.get_ref().cmp(b.name.get_ref()));
            actions.sort_by(|a, b| a.name.get_ref().cmp(b.name.get_ref()));
            Ok(Spec {
                service: s.service,
                service_file,
                errors: e.errors,
                errors_file,
                types,
                actions,
                sources,
            })
        }
        _ => Err((sources, diags)),
    }
}

fn read_one<T: DeserializeOwned>(
    path: &Path,
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> Option<(FileId, T)> {
    read_file(path, sources, diags)
}

/// The `.toml` files of `dir`, sorted by name (a missing directory is empty).
fn toml_files(dir: &Path, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            diags.push(Diagnostic::file(dir, format!("cannot read directory: {e}")));
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn read_file<T: DeserializeOwned>(
    path: &Path,
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> Option<(FileId, T)> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::file(path, format!("cannot read file: {e}")));
            return None;
        }
    };
    let file = sources.add(path.to_path_buf(), text);
    match toml::from_str::<T>(&sources.get(file).text) {
        Ok(v) => Some((file, v)),
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim_end().to_string();
            let (message, expected) = split_expected(&message);
            let mut d = Diagnostic::at(Location { file, span }, message);
            if let Some(x) = expected {
                d = d.expected(x);
            }
            diags.push(d);
            None
        }
    }
}

/// Splits serde's "..., expected X" messages into the problem and the expectation.
fn split_expected(message: &str) -> (String, Option<String>) {
    let mut lines = message.lines();
    let first_line = lines.next().unwrap_or(message);
    let rest: Vec<&str> = lines.map(str::trim).filter(|l| !l.is_empty()).collect();
    if !rest.is_empty() && !first_line.contains(", expected ") {
        let rest = rest.join("; ");
        let rest = rest.strip_prefix("expected ").unwrap_or(&rest).to_string();
        return (format!("malformed spec: {first_line}"), Some(rest));
    }
    match first_line.rsplit_once(", expected ") {
        Some((what, exp)) => {
            let exp = match exp {
                "i64" | "u32" | "u64" => "an integer".to_string(),
                "a boolean" | "bool" => "true or false".to_string(),
                other => other.to_string(),
            };
            (format!("malformed spec: {what}"), Some(exp))
        }
        None => (format!("malformed spec: {first_line}"), None),
    }
}

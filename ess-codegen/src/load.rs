//! Reading a spec directory: every file is parsed, and every failure is kept.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::diag::{Diagnostic, FileId, Location, Sources};
use toml::Spanned;

use crate::model::{ActionDef, ErrorsFile, Partial, Service, ServiceFile, Spec, TypeDef};

/// Reads `dir` (`service.toml`, `errors.toml`, `types/*.toml`,
/// `actions/*.toml`). Returns the spec when every file parsed, and every
/// problem found otherwise.
pub fn load(dir: &Path) -> Result<Spec, (Sources, Vec<Diagnostic>)> {
    let (spec, diags) = load_partial(dir);
    if diags.is_empty() {
        Ok(spec)
    } else {
        Err((spec.sources, diags))
    }
}

/// Reads `dir` as far as it can: a file that does not parse is reported
/// and left out, and the rest is returned so that the semantic checks can
/// still run on it (see [`Partial`]: what the
/// unparsed files would have defined is not reported again as unknown).
pub fn load_partial(dir: &Path) -> (Spec, Vec<Diagnostic>) {
    let mut sources = Sources::default();
    let mut diags = Vec::new();
    let mut partial = Partial::default();

    let service = read_one::<ServiceFile>(&dir.join("service.toml"), &mut sources, &mut diags);
    let errors = read_one::<ErrorsFile>(&dir.join("errors.toml"), &mut sources, &mut diags);

    let mut types = Vec::new();
    for path in toml_files(&dir.join("types"), &mut diags) {
        if let Some((file, mut t)) = read_file::<TypeDef>(&path, &mut sources, &mut diags) {
            t.file = file;
            types.push(t);
        } else if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            partial.unparsed_types.insert(stem.to_owned());
        }
    }
    let mut actions = Vec::new();
    for path in toml_files(&dir.join("actions"), &mut diags) {
        if let Some((file, mut a)) = read_file::<ActionDef>(&path, &mut sources, &mut diags) {
            a.file = file;
            actions.push(a);
        }
    }
    types.sort_by(|a, b| a.name.get_ref().cmp(b.name.get_ref()));
    actions.sort_by(|a, b| a.name.get_ref().cmp(b.name.get_ref()));

    let (service_file, service) = match service {
        Some((file, s)) => (file, s.service),
        None => {
            partial.service = true;
            (NO_FILE, placeholder_service())
        }
    };
    let (errors_file, errors) = match errors {
        Some((file, e)) => (file, e.errors),
        None => {
            partial.catalogue = true;
            (NO_FILE, Vec::new())
        }
    };
    let mut error_index = std::collections::HashMap::new();
    for (i, entry) in errors.iter().enumerate() {
        error_index.entry(entry.code.get_ref().clone()).or_insert(i);
    }
    let spec = Spec {
        service,
        service_file,
        errors,
        error_index,
        errors_file,
        types,
        actions,
        sources,
        partial,
    };
    (spec, diags)
}

/// The file id given to a file that could not be read.
const NO_FILE: FileId = usize::MAX;

/// Stands for a `service.toml` that did not parse; never checked or emitted.
fn placeholder_service() -> Service {
    let empty = || Spanned::new(0..0, String::new());
    Service {
        name: empty(),
        title: None,
        version: empty(),
        endpoint: empty(),
        test_endpoint: None,
        common_errors: Vec::new(),
        groups: Vec::new(),
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

//! The spec loader and checker: any text in any spec file ends in a spec
//! or in diagnostics that render, never a panic; and a spec that passes
//! the checks generates Rust that parses (generation checks that itself).
//!
//! Input: `<file>\n<content>`, where `<file>` is `service.toml`,
//! `errors.toml`, `types/<Name>.toml` or `actions/<Name>.toml` (`<Name>`
//! of letters, digits and `_`); anything else stands for
//! `actions/Fuzz.toml`. The file replaces or joins a small valid spec for
//! one run: `CancelMultiFlowSignQRCode`, the types it uses and the error
//! codes it and the service list (the seeds bring every other file of the
//! repository's spec in as added files).
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ess_fuzz::split_line;
use libfuzzer_sys::fuzz_target;

/// The actions the base spec keeps.
const ACTIONS: [&str; 1] = ["CancelMultiFlowSignQRCode"];

struct Base {
    dir: PathBuf,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let full =
            ess_codegen::load_checked(&repo.join("spec")).expect("the repository's spec is valid");
        let mut wanted: Vec<String> = Vec::new();
        let mut queue: Vec<String> = full
            .actions
            .iter()
            .filter(|a| ACTIONS.contains(&a.name.get_ref().as_str()))
            .flat_map(|a| a.input.iter().chain(&a.output))
            .map(|m| m.ty.get_ref().clone())
            .collect();
        while let Some(name) = queue.pop() {
            let Some(t) = full.types.iter().find(|t| *t.name.get_ref() == name) else {
                continue;
            };
            if wanted.contains(&name) {
                continue;
            }
            wanted.push(name);
            queue.extend(t.members.iter().map(|m| m.ty.get_ref().clone()));
        }
        let dir = std::env::temp_dir().join(format!("ess-fuzz-spec-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("types")).expect("create the spec directory");
        std::fs::create_dir_all(dir.join("actions")).expect("create the spec directory");
        let copy = |rel: &str| {
            std::fs::copy(repo.join("spec").join(rel), dir.join(rel))
                .unwrap_or_else(|e| panic!("copy {rel}: {e}"));
        };
        copy("service.toml");
        // The error catalogue, cut down to the codes the base spec names.
        let mut codes: Vec<&str> = full
            .service
            .common_errors
            .iter()
            .map(|c| c.get_ref().as_str())
            .collect();
        for a in full
            .actions
            .iter()
            .filter(|a| ACTIONS.contains(&a.name.get_ref().as_str()))
        {
            codes.extend(a.errors.iter().map(|c| c.get_ref().as_str()));
        }
        let catalogue =
            std::fs::read_to_string(repo.join("spec/errors.toml")).expect("read errors.toml");
        let mut blocks = catalogue.split("\n[[error]]\n");
        let mut errors = blocks.next().unwrap_or_default().to_owned();
        for block in blocks {
            let code = block
                .lines()
                .find_map(|l| l.strip_prefix("code = \""))
                .and_then(|l| l.strip_suffix('"'))
                .unwrap_or_default();
            if codes.contains(&code) {
                errors.push_str("\n[[error]]\n");
                errors.push_str(block);
            }
        }
        std::fs::write(dir.join("errors.toml"), errors).expect("write errors.toml");
        for t in &wanted {
            copy(&format!("types/{t}.toml"));
        }
        for a in ACTIONS {
            copy(&format!("actions/{a}.toml"));
        }
        if let Err(d) = ess_codegen::load_checked(&dir) {
            panic!("the base spec is not valid:\n{d}");
        }
        Base { dir }
    })
}

/// The file an input names, relative to the spec directory.
fn target_file(name: &[u8]) -> String {
    let name = std::str::from_utf8(name).unwrap_or_default().trim();
    let plain = |s: &str| {
        !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    match name {
        "service.toml" | "errors.toml" => return name.to_owned(),
        _ => {}
    }
    for dir in ["types/", "actions/"] {
        if let Some(stem) = name.strip_prefix(dir).and_then(|r| r.strip_suffix(".toml")) {
            if plain(stem) {
                return name.to_owned();
            }
        }
    }
    "actions/Fuzz.toml".to_owned()
}

fuzz_target!(|data: &[u8]| {
    let base = base();
    let (name, content) = split_line(data);
    let rel = target_file(name);
    let path = base.dir.join(&rel);
    let original = std::fs::read(&path).ok();
    std::fs::write(&path, content).expect("write the fuzzed file");

    match ess_codegen::load_model(&base.dir) {
        Ok(model) => {
            // Generation panics if what it emits does not parse as Rust.
            let generated = ess_codegen::emit::generate(&model).to_file();
            assert!(generated.contains("pub mod operation"));
        }
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty(), "a failure without diagnostics");
            let _ = diagnostics.to_string();
            for i in 0..diagnostics.len() {
                let _ = diagnostics.position(i);
            }
        }
    }

    match original {
        Some(bytes) => std::fs::write(&path, bytes).expect("restore the file"),
        None => std::fs::remove_file(&path).expect("remove the added file"),
    }
});

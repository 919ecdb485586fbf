//! Helpers shared by the generator's test files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The project's spec directory.
pub fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

/// Copies `src` into `dst` recursively.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// A fresh copy of the project's spec in a temporary folder named after
/// `name` (and the process, so parallel test binaries do not collide).
pub fn spec_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ess-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&spec_dir(), &dir);
    dir
}

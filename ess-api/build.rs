//! Generates the request, response and error types from the spec.
//!
//! In the repository `ess-api/spec` links to the workspace's `spec/`; a
//! packaged crate carries a copy, so it builds on its own.

fn main() {
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("spec");
    ess_codegen::build_script(&spec, "ess_generated.rs");
}

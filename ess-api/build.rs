//! Generates the request, response and error types from the spec.
//!
//! In the repository `ess-api/spec` links to the workspace's `spec/`; a
//! packaged crate carries a copy, so it builds on its own.

fn main() {
    // Build scripts run in the package root: a relative path keeps the
    // diagnostics short (`spec/actions/X.toml:12:8`).
    ess_codegen::build_script(std::path::Path::new("spec"), "ess_generated.rs");
}

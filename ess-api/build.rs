//! With the `codegen` feature (on in the workspace), generates the request,
//! response and error types from the spec into `$OUT_DIR`. Without it, the
//! crate compiles the copy shipped in `src/generated` and this script does
//! nothing.
//!
//! In the repository `ess-api/spec` links to the workspace's `spec/`; a
//! packaged crate carries a copy, so `codegen` works there too.

fn main() {
    #[cfg(feature = "codegen")]
    {
        // Build scripts run in the package root: a relative path keeps the
        // diagnostics short (`spec/actions/X.toml:12:8`).
        ess_codegen::build_script(std::path::Path::new("spec"), "ess_generated.rs");
    }
    #[cfg(not(feature = "codegen"))]
    println!("cargo:rerun-if-changed=build.rs");
}

//! Load + check + emit of the whole `spec/` (target: well under a second).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};

fn spec_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec"))
}

fn codegen(c: &mut Criterion) {
    let mut g = c.benchmark_group("codegen");
    g.sample_size(10);
    g.bench_function("load+check", |b| {
        b.iter(|| ess_codegen::load_checked(spec_dir()).unwrap())
    });
    g.bench_function("load+check+emit (whole spec)", |b| {
        b.iter(|| ess_codegen::run(spec_dir()).unwrap().to_file())
    });
    g.finish();
}

criterion_group!(benches, codegen);
criterion_main!(benches);

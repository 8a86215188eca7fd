//! Render benchmarks: whole builds (the example overlay, a generated tree of
//! 100 services), and the pieces a build spends its time in (YAML parsing
//! and printing of a large stream, a strategic merge patch).
//!
//! The generated tree is written under `CARGO_TARGET_TMPDIR` at start; when
//! the shared generator is absent those benchmarks are skipped with a note.
use benches::trees;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kustomize_core::smp::{self, Schema};
use kustomize_core::{BuildOptions, build_disk, yaml};
use std::hint::black_box;
use std::path::Path;

/// The allocator the `gitops` binary ships with (its default `mimalloc`
/// feature), so the figures are those of the program people run; the
/// system allocator's are in benches/README.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Services in the generated tree.
const SERVICES: usize = 100;

/// Builds `dir`, panicking with the error (benchmarks only run on trees that build).
fn build(dir: &Path) -> kustomize_core::Build {
    build_disk(dir, &BuildOptions::default())
        .unwrap_or_else(|e| panic!("build of {} failed: {e}", dir.display()))
}

fn small_overlay(c: &mut Criterion) {
    let dir = trees::example_overlay();
    c.bench_function("render/build/example_prod_overlay", |b| {
        b.iter(|| build(black_box(&dir)))
    });
}

fn generated_tree(c: &mut Criterion) {
    let root = match trees::generate(SERVICES, Path::new(env!("CARGO_TARGET_TMPDIR"))) {
        Ok(root) => root,
        Err(e) => {
            eprintln!("skipping the generated-tree benchmarks: {e}");
            return;
        }
    };
    let mut group = c.benchmark_group("render");
    group.sample_size(10);
    group.bench_function(format!("build/generated_n{SERVICES}"), |b| {
        b.iter(|| build(black_box(&root)))
    });

    // The build's own output is a large realistic multi-document stream.
    let text = build(&root).to_yaml();
    let docs = yaml::parse_documents(&text).expect("the build output parses");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(format!("parse/generated_n{SERVICES}_output"), |b| {
        b.iter(|| yaml::parse_documents(black_box(&text)))
    });
    group.bench_function(format!("emit/generated_n{SERVICES}_output"), |b| {
        b.iter(|| yaml::to_yaml_string(black_box(&docs)))
    });
    group.finish();
}

const DEPLOYMENT: &str = include_str!("data/deployment.yaml");
const PATCH: &str = include_str!("data/deployment-patch.yaml");

fn strategic_merge(c: &mut Criterion) {
    let target = yaml::parse_document(DEPLOYMENT).expect("deployment.yaml parses");
    let patch = yaml::parse_document(PATCH).expect("deployment-patch.yaml parses");
    let schema = Schema::builtin();
    let merged = smp::merge(&target, &patch, schema).expect("the patch applies");
    assert!(
        merged.is_some_and(|m| m != target),
        "the patch changes the Deployment"
    );
    c.bench_function("render/smp/deployment", |b| {
        b.iter(|| smp::merge(black_box(&target), black_box(&patch), schema))
    });
}

criterion_group!(benches, small_overlay, generated_tree, strategic_merge);
criterion_main!(benches);

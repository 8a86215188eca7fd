//! Engine benchmarks over a synthetic cluster of 10,000 objects
//! (see `benches::cluster`): diffing every desired/live pair, judging the
//! health of every live object, and planning the sync of all of them.
use benches::cluster::{self, NAMESPACE, Pair};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gitops_engine::diff::{DiffOptions, diff};
use gitops_engine::health::{HealthRules, health};
use gitops_engine::sync::{PlanInput, ResourceKey, plan};
use std::collections::BTreeMap;
use std::hint::black_box;

/// Objects in the synthetic cluster.
const OBJECTS: usize = 10_000;

fn diff_all(pairs: &[Pair], opts: &DiffOptions) -> usize {
    pairs
        .iter()
        .filter(|p| {
            diff(Some(&p.desired), Some(&p.live), opts)
                .expect("generated objects diff")
                .modified
        })
        .count()
}

fn diff_bench(c: &mut Criterion) {
    let pairs = cluster::pairs(OBJECTS);
    let opts = DiffOptions::default();
    // Every tenth object drifts; the rest differ from desired only by
    // server-set fields, defaults and status, which the diff must see through.
    let modified = diff_all(&pairs, &opts);
    eprintln!("diff: {modified} of {OBJECTS} objects modified");
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(OBJECTS as u64));
    group.bench_function("diff/10k", |b| {
        b.iter(|| diff_all(black_box(&pairs), &opts))
    });
    group.finish();
}

fn health_bench(c: &mut Criterion) {
    let pairs = cluster::pairs(OBJECTS);
    let rules = HealthRules::builtin();
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(OBJECTS as u64));
    group.bench_function("health/10k", |b| {
        b.iter(|| {
            pairs
                .iter()
                .filter_map(|p| health(black_box(&p.live), &rules))
                .count()
        })
    });
    group.finish();
}

fn plan_bench(c: &mut Criterion) {
    let pairs = cluster::pairs(OBJECTS);
    let input = PlanInput {
        app_instance: "shop".into(),
        destination_namespace: NAMESPACE.into(),
        modified: pairs
            .iter()
            .enumerate()
            .map(|(i, p)| (ResourceKey::of(&p.desired), i % 10 == 9))
            .collect::<BTreeMap<_, _>>(),
        desired: pairs.iter().map(|p| p.desired.clone()).collect(),
        live: pairs.iter().map(|p| p.live.clone()).collect(),
        ..PlanInput::default()
    };
    let tasks = plan(&input)
        .expect("the generated cluster plans")
        .tasks
        .len();
    eprintln!("sync::plan: {tasks} tasks for {OBJECTS} objects");
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(OBJECTS as u64));
    group.bench_function("sync_plan/10k", |b| b.iter(|| plan(black_box(&input))));
    group.finish();
}

criterion_group!(benches, diff_bench, health_bench, plan_bench);
criterion_main!(benches);

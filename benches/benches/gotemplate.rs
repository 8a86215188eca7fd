//! Go template benchmarks: parsing and executing a 300-line chart-style
//! template (helpers defined and called with `template`, `range` over
//! values, Sprig string, list and hash functions), as a Helm chart's
//! `templates/` does. Throughput is in templates per second.
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gotemplate::{FuncMap, TemplateSet, Value};
use std::hint::black_box;

const TEMPLATE: &str = include_str!("data/chart-template.yaml");
const VALUES: &str = include_str!("data/values.json");

fn parse(set: &mut TemplateSet) {
    set.parse("chart", TEMPLATE)
        .unwrap_or_else(|e| panic!("the benchmark template parses: {e}"));
}

fn chart_template(c: &mut Criterion) {
    let funcs = FuncMap::sprig();
    let data =
        Value::from(serde_json::from_str::<serde_json::Value>(VALUES).expect("values are JSON"));
    let mut group = c.benchmark_group("gotemplate");
    group.throughput(Throughput::Elements(1));
    group.bench_function("parse/chart_300_lines", |b| {
        b.iter(|| {
            let mut set = TemplateSet::new(funcs.clone());
            parse(&mut set);
            black_box(set)
        })
    });
    let mut set = TemplateSet::new(funcs.clone());
    parse(&mut set);
    group.bench_function("execute/chart_300_lines", |b| {
        b.iter(|| {
            set.execute("chart", black_box(&data))
                .unwrap_or_else(|e| panic!("the benchmark template executes: {e}"))
        })
    });
    group.finish();
}

criterion_group!(benches, chart_template);
criterion_main!(benches);

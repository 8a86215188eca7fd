//! Dependency processing on charts of Helm's own testdata (from the shared
//! corpus) and on charts built here.

use super::*;
use crate::chart::{Metadata, load};
use kustomize_core::fs::DiskFs;

fn testchart(name: &str) -> Chart {
    let dir = crate::test_support::helm_corpus()
        .join("testdata/testcharts")
        .join(name);
    load(&DiskFs, &dir).unwrap()
}

fn names(chart: &Chart) -> Vec<&str> {
    chart.dependencies.iter().map(Chart::name).collect()
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

#[test]
fn conditions_and_tags_enable_subcharts() {
    let chart = testchart("subchart");
    let mut all = chart.clone();
    process_dependencies(&mut all, &Map::new()).unwrap();
    assert_eq!(names(&all), ["subcharta", "subchartb"]);

    let mut no_a = chart.clone();
    process_dependencies(&mut no_a, &obj(json!({"subcharta": {"enabled": false}}))).unwrap();
    assert_eq!(names(&no_a), ["subchartb"]);

    // Only false tags disable; a condition that holds a boolean overrides the tags.
    let mut tagged = chart.clone();
    process_dependencies(&mut tagged, &obj(json!({"tags": {"front-end": false}}))).unwrap();
    assert!(names(&tagged).is_empty());
    let mut both = chart;
    let values = obj(json!({"tags": {"front-end": false}, "subchartb": {"enabled": true}}));
    process_dependencies(&mut both, &values).unwrap();
    assert_eq!(names(&both), ["subchartb"]);
}

#[test]
fn imported_values_rank_below_the_parents_own() {
    let mut chart = testchart("subchart");
    let user = obj(json!({"configmap": {"enabled": true}, "subchartb": {"enabled": true}}));
    process_dependencies(&mut chart, &user).unwrap();
    let values = crate::values::coalesce_values(&chart, &user).unwrap();
    // helm template --set configmap.enabled=true prints `value: foo` (the parent's own).
    assert_eq!(
        values["configmap"],
        json!({"enabled": true, "value": "foo"})
    );
    // `- SCBexported1` imports exports.SCBexported1 at the root, merged with the parent's table.
    assert_eq!(
        values["SCBexported1A"],
        json!({"SC1extra7": true, "SCBexported1B": 1965.0})
    );
    // {child: SCBdata, parent: imported-chartB}
    assert_eq!(values["imported-chartB"]["SCBstring"], json!("boba"));
    // The parent's own keys win over the child's.
    assert_eq!(
        values["overridden-chartA"]["SCAstring"],
        json!("jabbathehut")
    );
    assert_eq!(
        chart.metadata.dependencies[1].import_values[3],
        json!({"child": "exports.configmap", "parent": "."})
    );
}

#[test]
fn aliases_rename_and_duplicate_subcharts() {
    let sub = Chart {
        metadata: Metadata {
            name: "db".into(),
            version: "1.2.3".into(),
            api_version: "v2".into(),
            ..Metadata::default()
        },
        values: obj(json!({"port": 1.0})),
        ..Chart::default()
    };
    let dep = |alias: &str| Dependency {
        name: "db".into(),
        version: "^1.0.0".into(),
        alias: alias.into(),
        ..Dependency::default()
    };
    let mut parent = Chart {
        metadata: Metadata {
            name: "app".into(),
            version: "0.1.0".into(),
            api_version: "v2".into(),
            dependencies: vec![dep("primary"), dep("replica")],
            ..Metadata::default()
        },
        dependencies: vec![sub],
        ..Chart::default()
    };
    process_dependencies(&mut parent, &Map::new()).unwrap();
    assert_eq!(names(&parent), ["primary", "replica"]);
    let values = crate::values::coalesce_values(&parent, &Map::new()).unwrap();
    assert_eq!(values["replica"]["port"], json!(1.0));
}

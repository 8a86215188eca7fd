//! Output assembly checked against `helm template` goldens of Helm's
//! testdata charts that hold no template actions (so their rendered files
//! are their sources), and against Helm's splitting rules.

use super::*;
use crate::chart::load;
use kustomize_core::fs::DiskFs;
use std::path::Path;

use crate::test_support::helm_corpus as corpus;

fn golden(corpus: &Path, name: &str) -> String {
    let cases = std::fs::read_to_string(corpus.join("render_cases.jsonl")).unwrap();
    for line in cases.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        if case["name"] == name {
            return case["expected"].as_str().unwrap().to_string();
        }
    }
    panic!("no case {name}");
}

/// The files of an action-free chart as the template engine renders them: unchanged.
fn action_free_files(chart: &Chart) -> BTreeMap<String, String> {
    chart
        .templates
        .iter()
        .map(|t| {
            let text = String::from_utf8(t.data.clone()).unwrap();
            assert!(!text.contains("{{"), "{} has template actions", t.name);
            (format!("{}/{}", chart.name(), t.name), text)
        })
        .collect()
}

#[test]
fn object_order_golden() {
    let corpus = corpus();
    let chart = load(&DiskFs, &corpus.join("testdata/testcharts/object-order")).unwrap();
    let release =
        build_release(&chart, action_free_files(&chart), &OutputOptions::default()).unwrap();
    let out = template_output(&release, &OutputOptions::default()).unwrap();
    assert_eq!(
        out,
        golden(
            &corpus,
            "sorted output of manifests (order of filenames, then order of objects within each YAML file)"
        )
    );
}

#[test]
fn install_dry_run_manifest_golden() {
    let corpus = corpus();
    let chart = load(
        &DiskFs,
        &corpus.join("testdata/testcharts/chart-with-secret"),
    )
    .unwrap();
    let release =
        build_release(&chart, action_free_files(&chart), &OutputOptions::default()).unwrap();
    let expected = golden(&corpus, "dry-run displaying secret");
    let manifest_part = expected.split_once("MANIFEST:\n").unwrap().1;
    assert_eq!(format!("{}\n", release.manifest), manifest_part);
    assert!(release.hooks.is_empty());
}

#[test]
fn splitting_follows_helms_separator() {
    assert_eq!(split_manifests("---\na: 1\n---\nb: 2\n"), ["a: 1", "b: 2"]);
    assert_eq!(split_manifests("a: 1\n  \n---  \n\nb: 2"), ["a: 1", "b: 2"]);
    // The first separator eats the newline the second one would need.
    assert_eq!(
        split_manifests("a: 1\n---\n---\nb: 2"),
        ["a: 1", "---\nb: 2"]
    );
    assert_eq!(split_manifests("\n\n"), Vec::<&str>::new());
    // `---` only separates at the start of a line.
    assert_eq!(split_manifests("a: x---y"), ["a: x---y"]);
}

fn files(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn hooks_partials_notes_and_empty_files() {
    let rendered = files(&[
        ("c/templates/_helpers.tpl", "kind: Secret\n"),
        ("c/templates/empty.yaml", "  \n\n"),
        (
            "c/templates/svc.yaml",
            "kind: Service\nmetadata:\n  name: s\n",
        ),
        (
            "c/templates/job.yaml",
            "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-install, POST-upgrade\n    helm.sh/hook-weight: \"-5\"\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n",
        ),
        (
            "c/templates/test.yaml",
            "kind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test-success\n",
        ),
        (
            "c/templates/odd.yaml",
            "kind: Pod\nmetadata:\n  name: o\n  annotations:\n    helm.sh/hook: crd-install\n",
        ),
        (
            "c/templates/ns.yaml",
            "kind: Namespace\nmetadata:\n  name: n\n",
        ),
        ("c/templates/x.yaml", "kind: Zebra\n---\nkind: Alpaca\n"),
    ]);
    let (hooks, manifests) = sort_manifests(&rendered).unwrap();
    let kinds: Vec<&str> = manifests.iter().map(|m| m.kind.as_str()).collect();
    // Known kinds in install order, unknown kinds after them by name; `_` files skipped.
    assert_eq!(kinds, ["Namespace", "Service", "Alpaca", "Zebra"]);
    assert_eq!(hooks.len(), 2, "unknown hook types are dropped");
    let job = hooks.iter().find(|h| h.kind == "Job").unwrap();
    assert_eq!(job.events, ["pre-install", "post-upgrade"]);
    assert_eq!(job.weight, -5);
    assert_eq!(
        job.delete_policies,
        ["before-hook-creation", "hook-succeeded"]
    );
    assert!(hooks.iter().any(|h| h.name == "t" && h.is_test()));

    let mut rendered = rendered;
    rendered.insert("c/templates/NOTES.txt".into(), "thanks".into());
    let chart = Chart::default();
    let release = build_release(&chart, rendered, &OutputOptions::default()).unwrap();
    let all = template_output(&release, &OutputOptions::default()).unwrap();
    assert!(all.starts_with("---\n# Source: c/templates/ns.yaml\nkind: Namespace"));
    assert!(all.contains("# Source: c/templates/test.yaml"));
    assert!(!all.contains("thanks"));
    let skip = OutputOptions {
        skip_tests: true,
        ..OutputOptions::default()
    };
    assert!(
        !template_output(&release, &skip)
            .unwrap()
            .contains("name: t\n")
    );
}

#[test]
fn show_only_filters_and_reports_missing_templates() {
    let rendered = files(&[
        (
            "c/templates/a.yaml",
            "kind: Service\nmetadata:\n  name: a\n",
        ),
        (
            "c/templates/sub/b.yaml",
            "kind: ConfigMap\nmetadata:\n  name: b\n",
        ),
    ]);
    let release = build_release(&Chart::default(), rendered, &OutputOptions::default()).unwrap();
    let only = |patterns: &[&str]| OutputOptions {
        show_only: patterns.iter().map(|p| p.to_string()).collect(),
        ..OutputOptions::default()
    };
    assert_eq!(
        template_output(&release, &only(&["templates/sub/*"])).unwrap(),
        "---\n# Source: c/templates/sub/b.yaml\nkind: ConfigMap\nmetadata:\n  name: b\n"
    );
    // `*` does not cross `/`.
    assert_eq!(
        template_output(&release, &only(&["templates/*"])).unwrap(),
        "---\n# Source: c/templates/a.yaml\nkind: Service\nmetadata:\n  name: a\n"
    );
    let err = template_output(&release, &only(&["templates/nope.yaml"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "could not find template templates/nope.yaml in chart"
    );
}

#[test]
fn invalid_yaml_names_the_template_and_keeps_the_debug_stream() {
    let rendered = files(&[("c/templates/bad.yaml", "a: b\ninvalid\n")]);
    let err = build_release(&Chart::default(), rendered, &OutputOptions::default()).unwrap_err();
    let Error::ManifestYaml {
        rendered: debug, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(
        err.to_string().starts_with(
            "YAML parse error on c/templates/bad.yaml: error converting YAML to JSON: yaml: line "
        ),
        "{err}"
    );
    assert_eq!(
        debug.as_str(),
        "---\n# Source: c/templates/bad.yaml\na: b\ninvalid\n\n"
    );
}

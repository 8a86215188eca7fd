//! Table-driven tests over the shared diff corpus (`corpus/diff` in the
//! shared directory): every case of `expected.json` that needs neither the
//! cluster's OpenAPI schema nor is otherwise listed as unsupported must give
//! the upstream `modified` value and pass its checks. Fails when the corpus
//! is absent.

use std::fs;
use std::path::{Path, PathBuf};

use gitops_engine::diff::{
    DiffOptions, DiffResult, IgnoreDifference, diff, server_side_diff, unified_diff,
};
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    let candidates = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/diff"),
        PathBuf::from("/work/shared/corpus/diff"),
    ];
    let found = candidates
        .into_iter()
        .find(|p| p.join("expected.json").is_file());
    found.unwrap_or_else(|| panic!("diff corpus not found (../shared/corpus/diff); the shared corpora must sit beside the repository (../shared), as CI provides them"))
}

fn load(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    } else {
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

/// `config` or `live`, whichever file exists (`.json` or `.yaml`).
fn side(dir: &Path, stem: &str) -> Option<Value> {
    ["json", "yaml"]
        .iter()
        .map(|ext| dir.join(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
        .map(|p| load(&p))
}

fn options(case: &Value) -> DiffOptions {
    let o = &case["options"];
    let ignore: Vec<IgnoreDifference> = serde_json::from_value(
        o.get("ignoreDifferences")
            .cloned()
            .unwrap_or(Value::Array(vec![])),
    )
    .expect("ignoreDifferences entries");
    DiffOptions {
        ignore_aggregated_roles: o["ignoreAggregatedRoles"].as_bool().unwrap_or(false),
        ignore_differences: ignore,
        include_mutation_webhook: !o["ignoreMutationWebhook"].as_bool().unwrap_or(true),
        manager: o["manager"].as_str().unwrap_or("").to_string(),
        server_side_apply: o["mode"] == "structured-merge-diff",
        ..DiffOptions::default()
    }
}

/// Cases this implementation does not pass, with the reason.
const UNSUPPORTED: &[(&str, &str)] = &[];

fn at<'a>(v: &'a Value, pointer: &str) -> &'a Value {
    v.pointer(pointer).unwrap_or(&Value::Null)
}

/// The `checks` of a case, as code. Returns the failed check descriptions.
fn run_checks(name: &str, r: &DiffResult) -> Vec<String> {
    let (n, p) = (&r.normalized_live, &r.predicted_live);
    let text = unified_diff(n, p, &[]);
    let containers = |v: &Value| at(v, "/spec/template/spec/containers").clone();
    let port_numbers = |v: &Value| -> Vec<Value> {
        at(v, "/spec/template/spec/containers/0/ports")
            .as_array()
            .map(|ps| ps.iter().map(|p| p["containerPort"].clone()).collect())
            .unwrap_or_default()
    };
    let mut failed = Vec::new();
    let mut check = |ok: bool, what: &str| {
        if !ok {
            failed.push(what.to_string());
        }
    };
    let la = |v: &Value| {
        at(
            v,
            "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
        )
        .is_null()
    };
    match name {
        "argocd-ignore-jq-replicas"
        | "argocd-ignore-json-pointer-replicas"
        | "argocd-ignore-managed-fields-trusted-manager" => {
            check(
                at(n, "/spec/replicas") == 1,
                "normalizedLive spec.replicas == 1",
            );
            check(
                at(p, "/spec/replicas") == 1,
                "predictedLive spec.replicas == 1",
            );
        }
        "argocd-ignore-managed-fields-other-manager" => {
            check(
                at(n, "/spec/replicas") == 2,
                "normalizedLive spec.replicas == 2",
            );
            check(
                at(p, "/spec/replicas") == 3,
                "predictedLive spec.replicas == 3",
            );
        }
        "configmap-unknown-top-level-field" => check(
            text.contains("invalidKey"),
            "printed diff mentions invalidKey",
        ),
        "elasticsearch-label-changes" => {
            let count = |line: &str| text.lines().filter(|l| *l == line).count();
            check(count("+    foo: bar") == 1, "one added line `    foo: bar`");
            check(
                count("-    release: elasticsearch4") == 1,
                "one removed line `    release: elasticsearch4`",
            );
            check(
                count("+    chart: elasticsearch-1.7.1") == 1,
                "added chart 1.7.1",
            );
            check(
                count("-    chart: elasticsearch-1.7.0") == 1,
                "removed chart 1.7.0",
            );
        }
        "ignore-differences-three-way" | "ignore-differences-two-way" => {
            check(
                !at(n, "/spec/sessionAffinity").is_null(),
                "normalizedLive has sessionAffinity",
            );
            check(
                !at(p, "/spec/sessionAffinity").is_null(),
                "predictedLive has sessionAffinity",
            );
        }
        "nil-live" => check(n.is_null(), "normalizedLive is null"),
        "smd-deployment-defaults" => {
            check(
                containers(p).as_array().map(Vec::len) == Some(1),
                "predicted has one container",
            );
            let resources = at(p, "/spec/template/spec/containers/0/resources");
            let zero = |v: &Value| v.is_null() || v == "0";
            check(
                ["requests", "limits"].iter().all(|kind| {
                    ["cpu", "memory", "storage"]
                        .iter()
                        .all(|r| zero(&resources[*kind][*r]))
                }),
                "requests/limits cpu, memory, storage are zero",
            );
            check(
                at(p, "/spec/strategy/rollingUpdate/maxSurge") == "25%",
                "maxSurge is the string 25%",
            );
            check(
                at(p, "/spec/template/spec/dnsPolicy") == "ClusterFirst",
                "dnsPolicy ClusterFirst",
            );
        }
        "smd-service-apply-defaults" => {
            check(
                at(p, "/spec/internalTrafficPolicy") == "Cluster"
                    && at(n, "/spec/internalTrafficPolicy") == "Cluster",
                "internalTrafficPolicy Cluster in both",
            );
            check(la(n) && la(p), "no last-applied annotation");
        }
        "smd-service-multiple-ports" => check(
            at(p, "/spec/ports").as_array().map(Vec::len) == Some(5),
            "predicted has 5 ports",
        ),
        "smd-service-remove-list-entries" => check(
            at(p, "/spec/ports").as_array().map(Vec::len) == Some(2),
            "predicted has 2 ports",
        ),
        "smd-service-remove-previously-applied-field" => check(
            at(p, "/spec/type") == "ClusterIP",
            "predicted type ClusterIP",
        ),
        "ssd-deployment-composite-key-ports" => {
            check(
                containers(p).as_array().map(Vec::len) == Some(2),
                "predictedLive has 2 containers",
            );
            check(
                at(p, "/spec/template/spec/containers/0/name") == "nginx",
                "container[0] is nginx",
            );
            check(port_numbers(p).len() == 3, "predicted nginx has 3 ports");
            check(port_numbers(n).len() == 2, "live nginx has 2 ports");
            let ports = at(p, "/spec/template/spec/containers/0/ports")
                .as_array()
                .cloned()
                .unwrap_or_default();
            let metrics = ports.iter().find(|pt| pt["containerPort"] == 8080);
            check(
                metrics.is_some_and(|m| m["name"] == "metrics" && m["protocol"] == "TCP"),
                "port 8080 is metrics/TCP",
            );
            check(
                ports
                    .iter()
                    .filter(|pt| pt["containerPort"] == 80 || pt["containerPort"] == 443)
                    .all(|pt| pt["protocol"] == "TCP"),
                "ports 80 and 443 keep TCP",
            );
            check(la(n) && la(p), "no last-applied annotation");
        }
        "ssd-deployment-field-removed-webhook-undone" => {
            for (side, v) in [("predicted", p), ("normalized", n)] {
                let c = containers(v);
                check(
                    c.as_array().map(Vec::len) == Some(1),
                    &format!("{side}: one container"),
                );
                check(
                    at(&c, "/0/resources/requests/cpu") == "500m"
                        && at(&c, "/0/resources/requests/memory") == "512Mi",
                    &format!("{side}: requests cpu 500m memory 512Mi"),
                );
            }
        }
        "ssd-deployment-kubectl-applied-extra-port" => {
            check(
                port_numbers(p) == vec![Value::from(80), Value::from(40)],
                "predicted ports [80, 40]",
            );
            check(port_numbers(n).len() == 1, "normalized 1 port");
            check(la(n) && la(p), "no last-applied annotation");
        }
        "ssd-deployment-nested-ports-env" => {
            check(
                port_numbers(p) == vec![Value::from(80), Value::from(443)],
                "predicted ports [80, 443]",
            );
            let env = |v: &Value| -> Vec<Value> {
                at(v, "/spec/template/spec/containers/0/env")
                    .as_array()
                    .map(|e| e.iter().map(|x| x["name"].clone()).collect())
                    .unwrap_or_default()
            };
            check(
                env(p) == vec![Value::from("ENV_VAR1"), Value::from("ENV_VAR2")],
                "predicted env [ENV_VAR1, ENV_VAR2]",
            );
            check(
                port_numbers(n).len() == 1 && env(n).len() == 1,
                "normalized: 1 port, 1 env var",
            );
        }
        "ssd-service-ignore-differences" => {
            check(
                !n.to_string().contains("sessionAffinity")
                    && !p.to_string().contains("sessionAffinity"),
                "sessionAffinity in neither output",
            );
            check(
                !at(p, "/spec/ports/0/port").is_null() && !at(p, "/spec/selector").is_null(),
                "predicted has port and selector",
            );
        }
        "ssd-service-label-deleted" => {
            check(
                at(p, "/metadata/labels/delete-me").is_null(),
                "delete-me absent from predicted",
            );
            check(
                !at(n, "/metadata/labels/delete-me").is_null(),
                "delete-me present in normalized",
            );
        }
        "ssd-service-webhook-mutation-ignored" => {
            check(
                at(p, "/spec/internalTrafficPolicy") == "Cluster"
                    && at(n, "/spec/internalTrafficPolicy") == "Cluster",
                "internalTrafficPolicy Cluster in both",
            );
            check(la(n) && la(p), "no last-applied annotation");
            check(
                at(p, "/metadata/labels/event").is_null(),
                "no webhook label in predicted",
            );
        }
        "ssd-service-webhook-mutation-included" => {
            check(
                at(p, "/metadata/labels/event")
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "predicted has label event",
            );
            check(
                at(p, "/spec/internalTrafficPolicy") == "Cluster"
                    && at(n, "/spec/internalTrafficPolicy") == "Cluster",
                "internalTrafficPolicy Cluster in both",
            );
        }
        _ => {}
    }
    failed
}

#[test]
fn diff_corpus_cases() {
    let dir = corpus_dir();
    let expected = load(&dir.join("expected.json"));
    let cases = expected.as_object().expect("expected.json is an object");
    let (mut passed, mut skipped, mut failures) = (0, Vec::new(), Vec::new());
    for (name, case) in cases {
        if let Some((_, why)) = UNSUPPORTED.iter().find(|(n, _)| n == name) {
            skipped.push(format!("{name}: {why}"));
            continue;
        }
        let case_dir = dir.join("cases").join(name);
        let desired = side(&case_dir, "config");
        let live = side(&case_dir, "live");
        let opts = options(case);
        let result = match case["options"]["mode"].as_str() {
            Some("server-side-diff") => {
                let dry_run = load(&case_dir.join("dry-run-result.json"));
                server_side_diff(desired.as_ref(), live.as_ref(), &dry_run, &opts)
            }
            _ => diff(desired.as_ref(), live.as_ref(), &opts),
        };
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: error {e}"));
                continue;
            }
        };
        let want = case["modified"].as_bool().expect("modified");
        let mut problems = run_checks(name, &result);
        if result.modified != want {
            problems.insert(0, format!("modified = {}, want {want}", result.modified));
        }
        if problems.is_empty() {
            passed += 1;
        } else {
            failures.push(format!(
                "{name}: {}\n{}",
                problems.join("; "),
                unified_diff(&result.normalized_live, &result.predicted_live, &[])
            ));
        }
    }
    eprintln!(
        "diff corpus: {passed} passed, {} failed, {} not supported",
        failures.len(),
        skipped.len()
    );
    for s in &skipped {
        eprintln!("  not supported: {s}");
    }
    assert!(
        failures.is_empty(),
        "failed cases:\n{}",
        failures.join("\n")
    );
}

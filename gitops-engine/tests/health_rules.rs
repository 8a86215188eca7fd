//! User-supplied health rules: loading (YAML, JSON, files), precedence over shipped
//! and built-in rules, Rust rules, and clear errors for bad rule files.

use gitops_engine::health::{
    HealthRules, HealthStatus, HealthStatusCode, KindMatcher, RuleError, health,
};
use serde_json::{Value, json};

const WIDGET_RULES: &str = r#"
rules:
  - group: example.com
    kind: [Widget, Gadget]
    checks:
      - when: {field: spec.paused, equals: true}
        status: Suspended
        message: "{{ kind }} {{ metadata.name }} is paused"
      - when: {condition: {type: Ready, status: "False"}}
        status: Degraded
        message: "{{ condition.message | condition.reason | 'not ready' }}"
      - when:
          all:
            - {condition: {type: Ready, status: "True"}}
            - {not: {field: status.warnings, empty: false}}
        status: Healthy
      - when: {any: [{field: status.phase, in: [Pending, Creating]}, {field: status, exists: false}]}
        status: Progressing
        message: waiting
"#;

fn widget(status: Value) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"},
        "spec": {}, "status": status})
}

fn custom(text: &str) -> HealthRules {
    let mut rules = HealthRules::builtin();
    rules.load_custom("test.yaml", text).expect("rules load");
    rules
}

#[test]
fn declarative_rule_judges_custom_kind() {
    let rules = custom(WIDGET_RULES);
    let ready = |status: &str, extra: Value| {
        let mut s = json!({"conditions": [{"type": "Ready", "status": status, "reason": "Why"}]});
        s.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        widget(s)
    };
    assert_eq!(
        health(&ready("False", json!({})), &rules),
        Some(HealthStatus::degraded("Why"))
    );
    assert_eq!(
        health(&ready("True", json!({})), &rules),
        Some(HealthStatus::healthy(""))
    );
    // Ready but with warnings: no check applies, so the kind has no health.
    assert_eq!(
        health(&ready("True", json!({"warnings": ["w"]})), &rules),
        None
    );
    assert_eq!(
        health(&widget(json!({"phase": "Creating"})), &rules),
        Some(HealthStatus::progressing("waiting"))
    );
    let mut paused = widget(Value::Null);
    paused["spec"]["paused"] = json!(true);
    paused["kind"] = json!("Gadget");
    assert_eq!(
        health(&paused, &rules),
        Some(HealthStatus::suspended("Gadget w1 is paused"))
    );
    // Other groups are untouched.
    let mut other = widget(json!({}));
    other["apiVersion"] = json!("example.org/v1");
    assert_eq!(health(&other, &rules), None);
}

#[test]
fn json_rule_files_are_accepted() {
    let mut rules = HealthRules::kubernetes_only();
    let text = r#"{"rules": [{"group": "example.com", "kind": "Widget",
        "checks": [{"status": "Healthy", "message": "always"}]}]}"#;
    assert_eq!(rules.load_custom("rules.json", text).unwrap(), 1);
    assert_eq!(
        health(&widget(json!({})), &rules),
        Some(HealthStatus::healthy("always"))
    );
}

#[test]
fn custom_rules_override_shipped_and_builtin_rules_but_defer_when_silent() {
    let rules = custom(
        r#"
rules:
  - group: apps
    kind: Deployment
    checks:
      - when: {field: 'metadata.annotations["example.com/broken"]', equals: "yes"}
        status: Degraded
        message: marked broken
  - group: cert-manager.io
    kind: Certificate
    checks:
      - status: Unknown
        message: custom certificate rule
"#,
    );
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "annotations": {"example.com/broken": "yes"}},
        "spec": {"paused": true}});
    assert_eq!(
        health(&deployment, &rules),
        Some(HealthStatus::degraded("marked broken"))
    );
    // The custom rule gives no verdict here, so the built-in Deployment rule decides.
    let mut fine = deployment.clone();
    fine["metadata"]["annotations"] = json!({});
    assert_eq!(
        health(&fine, &rules),
        Some(HealthStatus::suspended("Deployment is paused"))
    );
    let cert = json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate"});
    assert_eq!(
        health(&cert, &rules),
        Some(HealthStatus::unknown("custom certificate rule"))
    );
    assert_eq!(
        health(&cert, &HealthRules::builtin()),
        Some(HealthStatus::progressing("Waiting for certificate"))
    );
}

#[test]
fn rust_rules_can_be_added() {
    let mut rules = HealthRules::kubernetes_only();
    let matcher = KindMatcher::new(&["example.com".into()], &["*".into()]).unwrap();
    rules.add_custom_check(matcher, |obj: &Value| {
        let replicas = obj.pointer("/status/replicas")?.as_i64()?;
        Some(HealthStatus::new(
            if replicas > 0 {
                HealthStatusCode::Healthy
            } else {
                HealthStatusCode::Degraded
            },
            format!("{replicas} replicas"),
        ))
    });
    assert_eq!(
        health(&widget(json!({"replicas": 0})), &rules),
        Some(HealthStatus::degraded("0 replicas"))
    );
    assert_eq!(health(&widget(json!({})), &rules), None);
}

#[test]
fn pending_deletion_comes_first_unless_a_hook_finalizer_holds_it() {
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "deletionTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {"restartPolicy": "Always"}, "status": {"phase": "Succeeded"}});
    let rules = HealthRules::builtin();
    assert_eq!(
        health(&pod, &rules),
        Some(HealthStatus::progressing("Pending deletion"))
    );
    pod["metadata"]["finalizers"] = json!(["argocd.argoproj.io/hook-finalizer"]);
    assert_eq!(health(&pod, &rules), Some(HealthStatus::healthy("")));
}

#[test]
fn application_rule_is_opt_in() {
    let app = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "status": {"health": {"status": "Degraded", "message": "child failed"}}});
    assert_eq!(health(&app, &HealthRules::builtin()), None);
    let rules = HealthRules::builtin().with_application_health();
    assert_eq!(
        health(&app, &rules),
        Some(HealthStatus::degraded("child failed"))
    );
    let fresh = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application"});
    assert_eq!(health(&fresh, &rules), Some(HealthStatus::progressing("")));
}

/// Loads `text` and returns the error message, checking nothing was added.
fn load_error(text: &str) -> (RuleError, String) {
    let mut rules = HealthRules::kubernetes_only();
    let err = rules
        .load_custom("bad.yaml", text)
        .expect_err("rule file should be rejected");
    let catch_all = json!({"apiVersion": "example.com/v1", "kind": "Widget"});
    assert_eq!(
        rules.custom_health(&catch_all),
        None,
        "nothing loaded on error"
    );
    let message = err.to_string();
    assert!(
        message.starts_with("bad.yaml: "),
        "names the source: {message}"
    );
    (err, message)
}

fn rule(check: &str) -> String {
    format!("rules:\n  - group: example.com\n    kind: Widget\n    checks:\n{check}")
}

#[test]
fn malformed_files_are_parse_errors_with_location() {
    let cases = [
        ("rules: [\n  {group: a", "line"),
        (
            "rules:\n  - group: a\n    kind: B\n    checks:\n      - status: Healty\n",
            "Healty",
        ),
        (
            "rules:\n  - group: a\n    kind: B\n    checks:\n      - whne: {}\n        status: Healthy\n",
            "whne",
        ),
        ("rules:\n  - group: a\n    kind: B\n", "checks"),
        (
            "rules:\n  - group: a\n    group: b\n    kind: B\n    checks: []\n",
            "group",
        ),
        ("rulez: []\n", "rulez"),
        (
            "rules:\n  - group: {a: 1}\n    kind: B\n    checks: []\n",
            "a string or a list of strings",
        ),
    ];
    for (text, needle) in cases {
        let (err, message) = load_error(text);
        assert!(matches!(err, RuleError::Parse { .. }), "{text}: {err:?}");
        assert!(
            message.contains(needle),
            "{text}: `{message}` lacks `{needle}`"
        );
    }
}

#[test]
fn meaningless_rules_are_rejected_naming_rule_and_check() {
    let cases = [
        (rule("      []"), "rules[0]: `checks` must not be empty"),
        (
            rule("      - when: {field: a..b, exists: true}\n        status: Healthy\n"),
            "rules[0]: checks[0]: when: invalid path `a..b`",
        ),
        (
            rule("      - when: {field: status.phase}\n        status: Healthy\n"),
            "field `status.phase` needs one of",
        ),
        (
            rule("      - when: {field: a, equals: 1, exists: true}\n        status: Healthy\n"),
            "takes only one of",
        ),
        (
            rule("      - when: {equals: 1}\n        status: Healthy\n"),
            "need a `field`",
        ),
        (
            rule("      - when: {}\n        status: Healthy\n"),
            "empty predicate",
        ),
        (
            rule("      - when: {any: []}\n        status: Healthy\n"),
            "`any` must not be empty",
        ),
        (
            rule("      - status: Healthy\n        message: '{{ status.phase'\n"),
            "checks[0]: message: unclosed",
        ),
        (
            rule("      - when: {condition: {path: 'x[', type: A}}\n        status: Healthy\n"),
            "condition.path: invalid path",
        ),
        (
            "rules:\n  - group: a\n    kind: []\n    checks:\n      - status: Healthy\n"
                .to_string(),
            "`kind` must name at least one",
        ),
    ];
    for (text, needle) in cases {
        let (err, message) = load_error(&text);
        assert!(
            matches!(err, RuleError::Invalid { rule: 0, .. }),
            "{text}: {err:?}"
        );
        assert!(
            message.contains(needle),
            "{text}: `{message}` lacks `{needle}`"
        );
    }
}

#[test]
fn rule_files_load_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("widgets.yaml");
    std::fs::write(&path, WIDGET_RULES).unwrap();
    let mut rules = HealthRules::kubernetes_only();
    assert_eq!(rules.load_custom_file(&path).unwrap(), 1);
    assert!(health(&widget(json!({"phase": "Pending"})), &rules).is_some());

    let missing = dir.path().join("missing.yaml");
    let err = rules.load_custom_file(&missing).unwrap_err();
    assert!(matches!(err, RuleError::Io { .. }));
    assert!(err.to_string().contains("missing.yaml"), "{err}");

    std::fs::write(&path, "rules: 3\n").unwrap();
    let err = rules.load_custom_file(&path).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}: ", path.display())),
        "{err}"
    );
}

//! The Application model: parsing Argo CD's documented shape, round trips, errors.

use gitops_engine::app::{AppError, Application, SyncStatusCode};
use gitops_engine::health::HealthStatusCode;
use gitops_engine::sync::{ResultCode, SyncPhase, TaskPhase};
use serde_json::{Value, json};

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).expect("fixture is valid YAML")
}

/// A spec using every field of `docs/operator-manual/application.yaml`'s shape (written
/// from the field list in notes/argocd-interfaces.md §(a)).
const FULL_SPEC: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: argocd
  labels:
    team: web
  finalizers:
  - resources-finalizer.argocd.argoproj.io
  annotations:
    argocd.argoproj.io/refresh: hard
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    targetRevision: HEAD
    path: guestbook
    kustomize:
      namePrefix: prod-
      nameSuffix: -v1
      images:
      - gcr.io/heptio-images/ks-guestbook-demo:0.2
      - my-app=gcr.io/my-repo/my-app:0.1
      commonLabels:
        foo: bar
      commonAnnotations:
        beep: boop
      namespace: custom-namespace
      replicas:
      - name: guestbook-ui
        count: 3
      components:
      - ../component
    directory:
      recurse: true
      include: '{a.yaml,b/*}'
      exclude: 'b/skip.yaml'
    helm:
      releaseName: guestbook
      valueFiles:
      - values-prod.yaml
      parameters:
      - name: image.tag
        value: v1
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
  info:
  - name: url
    value: https://example.com
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    syncOptions:
    - Validate=false
    - CreateNamespace=true
    - PrunePropagationPolicy=foreground
    - PruneLast=true
    managedNamespaceMetadata:
      labels:
        any: label
      annotations:
        the: same
    retry:
      limit: 5
      backoff:
        duration: 5s
        factor: 2
        maxDuration: 3m
  ignoreDifferences:
  - group: apps
    kind: Deployment
    jsonPointers:
    - /spec/replicas
  - kind: ConfigMap
    jqPathExpressions:
    - .data["config.yaml"].auth
  - group: "*"
    kind: "*"
    managedFieldsManagers:
    - kube-controller-manager
    name: my-deployment
    namespace: my-namespace
  revisionHistoryLimit: 3
  sourceHydrator:
    drySource:
      repoURL: https://github.com/argoproj/argocd-example-apps.git
      targetRevision: HEAD
      path: guestbook
    syncSource:
      targetBranch: environments/dev
      path: guestbook
"#;

const STATUS: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    path: guestbook
    targetRevision: HEAD
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
operation:
  sync:
    revision: 4e4c5f9b0e9a3f7ee2b6d8d1d3ad4f2e0f6b8a11
    prune: true
    syncStrategy:
      hook: {}
    resources:
    - kind: Service
      name: guestbook-ui
  initiatedBy:
    username: admin
status:
  sync:
    status: OutOfSync
    revision: 4e4c5f9b0e9a3f7ee2b6d8d1d3ad4f2e0f6b8a11
    comparedTo:
      source:
        repoURL: https://github.com/argoproj/argocd-example-apps.git
        path: guestbook
        targetRevision: HEAD
      destination:
        server: https://kubernetes.default.svc
        namespace: guestbook
  health:
    status: Progressing
    lastTransitionTime: "2026-11-23T12:58:00Z"
  resources:
  - version: v1
    kind: Service
    namespace: guestbook
    name: guestbook-ui
    status: Synced
    health:
      status: Healthy
  - group: apps
    version: v1
    kind: Deployment
    namespace: guestbook
    name: guestbook-ui
    status: OutOfSync
    syncWave: -1
    health:
      status: Progressing
      message: Waiting for rollout to finish
  - version: v1
    kind: ConfigMap
    namespace: guestbook
    name: old
    status: OutOfSync
    requiresPruning: true
  operationState:
    operation:
      sync:
        revision: 4e4c5f9b0e9a3f7ee2b6d8d1d3ad4f2e0f6b8a11
      initiatedBy:
        automated: true
      retry:
        limit: 5
    phase: Failed
    message: one or more objects failed to apply
    startedAt: "2026-11-23T12:57:00Z"
    finishedAt: "2026-11-23T12:57:30Z"
    retryCount: 2
    syncResult:
      revision: 4e4c5f9b0e9a3f7ee2b6d8d1d3ad4f2e0f6b8a11
      source:
        repoURL: https://github.com/argoproj/argocd-example-apps.git
        path: guestbook
        targetRevision: HEAD
      resources:
      - group: apps
        version: v1
        kind: Deployment
        namespace: guestbook
        name: guestbook-ui
        status: SyncFailed
        message: admission webhook denied the request
        syncPhase: Sync
      - group: batch
        version: v1
        kind: Job
        namespace: guestbook
        name: migrate
        status: Synced
        hookType: PreSync
        hookPhase: Succeeded
        syncPhase: PreSync
  history:
  - id: 1
    revision: 0a1b2c3d
    deployedAt: "2026-11-22T10:00:00Z"
    deployStartedAt: "2026-11-22T09:59:50Z"
    source:
      repoURL: https://github.com/argoproj/argocd-example-apps.git
      path: guestbook
      targetRevision: HEAD
    initiatedBy:
      username: admin
  conditions:
  - type: SyncError
    message: "Failed sync attempt to 4e4c5f9b: one or more objects failed to apply"
    lastTransitionTime: "2026-11-23T12:57:30Z"
  reconciledAt: "2026-11-23T12:58:00Z"
  sourceType: Directory
  summary:
    images:
    - gcr.io/heptio-images/ks-guestbook-demo:0.2
"#;

#[test]
fn parses_the_documented_spec_fields() {
    let app = Application::from_value(&yaml(FULL_SPEC)).unwrap();
    assert_eq!(app.metadata.name, "guestbook");
    assert_eq!(app.metadata.namespace, "argocd");
    assert_eq!(
        app.metadata.finalizers,
        ["resources-finalizer.argocd.argoproj.io"]
    );
    assert_eq!(app.spec.project, "default");
    let source = app.spec.source.as_ref().unwrap();
    assert_eq!(
        source.repo_url,
        "https://github.com/argoproj/argocd-example-apps.git"
    );
    assert_eq!(source.target_revision, "HEAD");
    assert_eq!(source.path, "guestbook");
    let kustomize = source.kustomize.as_ref().unwrap();
    assert_eq!(kustomize.name_prefix, "prod-");
    assert_eq!(kustomize.name_suffix, "-v1");
    assert_eq!(kustomize.images.len(), 2);
    assert_eq!(kustomize.replicas[0].name, "guestbook-ui");
    assert_eq!(kustomize.replicas[0].count, 3);
    assert_eq!(kustomize.namespace, "custom-namespace");
    let directory = source.directory.as_ref().unwrap();
    assert!(directory.recurse);
    assert_eq!(directory.include, "{a.yaml,b/*}");
    assert_eq!(directory.exclude, "b/skip.yaml");
    assert_eq!(
        source.helm.as_ref().unwrap()["releaseName"],
        json!("guestbook")
    );
    assert_eq!(
        app.spec.destination.server,
        "https://kubernetes.default.svc"
    );
    assert_eq!(app.spec.destination.namespace, "guestbook");
    assert_eq!(app.spec.info[0].name, "url");

    let policy = app.spec.sync_policy.as_ref().unwrap();
    let automated = policy.automated.as_ref().unwrap();
    assert!(automated.prune && automated.self_heal && !automated.allow_empty);
    assert!(
        app.spec.automated().is_some(),
        "automated without `enabled` is on"
    );
    assert_eq!(policy.sync_options.len(), 4);
    assert_eq!(
        policy.managed_namespace_metadata.as_ref().unwrap().labels["any"],
        "label"
    );
    let retry = policy.retry.as_ref().unwrap();
    assert_eq!(retry.limit, 5);
    let backoff = retry.backoff.as_ref().unwrap();
    assert_eq!(backoff.duration.as_deref(), Some("5s"));
    assert_eq!(backoff.factor, Some(2));
    assert_eq!(backoff.max_duration.as_deref(), Some("3m"));

    assert_eq!(app.spec.ignore_differences.len(), 3);
    assert_eq!(
        app.spec.ignore_differences[0].json_pointers,
        ["/spec/replicas"]
    );
    assert_eq!(app.spec.ignore_differences[1].group, "");
    assert_eq!(
        app.spec.ignore_differences[2].managed_fields_managers,
        ["kube-controller-manager"]
    );
    assert_eq!(app.spec.history_limit(), 3);
    assert_eq!(
        app.spec.other["sourceHydrator"]["syncSource"]["targetBranch"],
        "environments/dev"
    );
    assert!(app.operation.is_none());
}

#[test]
fn revision_history_limit_defaults_to_ten() {
    let app = Application::from_value(&json!({
        "metadata": {"name": "a"},
        "spec": {"project": "default", "destination": {"name": "in-cluster"}}
    }))
    .unwrap();
    assert_eq!(app.spec.history_limit(), 10);
    assert!(app.spec.automated().is_none());
}

#[test]
fn automated_enabled_false_turns_auto_sync_off() {
    let app = Application::from_value(&json!({
        "metadata": {"name": "a"},
        "spec": {"syncPolicy": {"automated": {"enabled": false, "prune": true}}}
    }))
    .unwrap();
    assert!(app.spec.automated().is_none());
}

#[test]
fn parses_status_and_operation() {
    let app = Application::from_value(&yaml(STATUS)).unwrap();
    let op = app.operation.as_ref().unwrap();
    let sync = op.sync.as_ref().unwrap();
    assert!(sync.prune);
    assert_eq!(sync.resources[0].kind, "Service");
    assert_eq!(sync.resources[0].group, "");
    assert!(!sync.skips_hooks());
    assert_eq!(op.initiated_by.username, "admin");

    let status = &app.status;
    assert_eq!(status.sync.status, SyncStatusCode::OutOfSync);
    assert_eq!(
        status
            .sync
            .compared_to
            .as_ref()
            .unwrap()
            .destination
            .namespace,
        "guestbook"
    );
    let health = status.health.as_ref().unwrap();
    assert_eq!(health.status, HealthStatusCode::Progressing);
    assert_eq!(
        health.last_transition_time.as_deref(),
        Some("2026-11-23T12:58:00Z")
    );
    assert_eq!(status.resources.len(), 3);
    assert_eq!(status.resources[1].sync_wave, -1);
    assert!(status.resources[2].requires_pruning);

    let state = status.operation_state.as_ref().unwrap();
    assert_eq!(state.phase, TaskPhase::Failed);
    assert!(state.is_completed());
    assert_eq!(state.retry_count, 2);
    assert!(state.operation.initiated_by.automated);
    assert_eq!(state.operation.retry.as_ref().unwrap().limit, 5);
    let result = state.sync_result.as_ref().unwrap();
    assert_eq!(result.resources[0].status, ResultCode::SyncFailed);
    assert_eq!(result.resources[1].hook_type.as_deref(), Some("PreSync"));
    assert_eq!(result.resources[1].hook_phase, Some(TaskPhase::Succeeded));
    assert_eq!(result.resources[1].sync_phase, SyncPhase::PreSync);

    assert_eq!(status.history[0].id, 1);
    assert_eq!(status.history[0].initiated_by.username, "admin");
    assert_eq!(status.conditions[0].condition_type, "SyncError");
    assert_eq!(status.source_type, "Directory");
    assert_eq!(status.summary.images.len(), 1);
}

/// Parsing and writing back gives the same document: every field written is a field
/// read, and nothing empty is added.
#[test]
fn round_trips_spec_and_status() {
    for text in [FULL_SPEC, STATUS] {
        let original = yaml(text);
        let app = Application::from_value(&original).unwrap();
        assert_eq!(app.to_value(), original);
        assert_eq!(Application::from_value(&app.to_value()).unwrap(), app);
    }
}

#[test]
fn writes_argo_field_names_and_omits_empty_fields() {
    let mut app = Application::from_value(&json!({
        "metadata": {"name": "a", "namespace": "argocd"},
        "spec": {
            "project": "default",
            "destination": {"server": "https://kubernetes.default.svc"},
            "syncPolicy": {"retry": {"limit": 2, "backoff": {"maxDuration": "1m"}}},
            "ignoreDifferences": [{"kind": "Secret", "jsonPointers": ["/data"]}]
        }
    }))
    .unwrap();
    app.status.sync.status = SyncStatusCode::Synced;
    app.status.sync.revision = "abc".into();
    let value = app.to_value();
    assert_eq!(value["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(value["kind"], "Application");
    assert_eq!(
        value["spec"]["syncPolicy"]["retry"],
        json!({"limit": 2, "backoff": {"maxDuration": "1m"}})
    );
    assert_eq!(
        value["spec"]["ignoreDifferences"],
        json!([{"kind": "Secret", "jsonPointers": ["/data"]}])
    );
    assert_eq!(
        value["status"],
        json!({"sync": {"status": "Synced", "revision": "abc"}})
    );
    assert!(value.get("operation").is_none());
}

#[test]
fn a_new_app_has_no_status_written() {
    let app = Application::from_value(&json!({"metadata": {"name": "a"}, "spec": {}})).unwrap();
    assert!(app.to_value().get("status").is_none());
}

#[test]
fn errors_name_the_app_and_the_field() {
    let err = Application::from_value(&json!({
        "metadata": {"name": "shop"},
        "spec": {"syncPolicy": {"retry": {"limit": "five"}}}
    }))
    .unwrap_err();
    match &err {
        AppError::InvalidField { app, field, .. } => {
            assert_eq!(app, "shop");
            assert_eq!(field, "spec.syncPolicy.retry.limit");
        }
        other => panic!("unexpected error {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("shop") && text.contains("spec.syncPolicy.retry.limit"),
        "{text}"
    );

    let err = Application::from_value(&json!({
        "metadata": {"name": "shop"},
        "status": {"sync": {"status": "Sideways"}}
    }))
    .unwrap_err();
    assert!(err.to_string().contains("status.sync.status"), "{err}");
}

#[test]
fn rejects_other_kinds() {
    let err = Application::from_value(&json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}
    }))
    .unwrap_err();
    assert!(matches!(err, AppError::NotAnApplication { .. }), "{err}");
    assert!(Application::from_value(&json!([1, 2])).is_err());
}

#[test]
fn times_are_written_as_rfc3339_utc_seconds() {
    let t: jiff::Timestamp = "2026-11-23T14:00:00.750+01:00".parse().unwrap();
    assert_eq!(gitops_engine::app::format_time(t), "2026-11-23T13:00:00Z");
    let err =
        gitops_engine::app::parse_time("shop", "status.reconciledAt", "yesterday").unwrap_err();
    assert_eq!(
        err.to_string(),
        "application \"shop\": field status.reconciledAt: \"yesterday\" is not an RFC 3339 time"
    );
}

#[test]
fn qualified_names_outside_the_control_plane_namespace() {
    let mut app =
        Application::from_value(&json!({"metadata": {"name": "shop", "namespace": "argocd"}}))
            .unwrap();
    assert_eq!(app.qualified_name("argocd"), "shop");
    app.metadata.namespace = "team-a".into();
    assert_eq!(app.qualified_name("argocd"), "team-a/shop");
}

#[test]
fn multi_source_apps_parse() {
    let app = Application::from_value(&yaml(
        r#"
metadata: {name: multi}
spec:
  project: default
  sources:
  - repoURL: https://git.example/charts.git
    path: base
    ref: values
  - repoURL: https://git.example/app.git
    path: overlays/prod
    targetRevision: v2
  destination: {name: in-cluster, namespace: prod}
"#,
    ))
    .unwrap();
    assert!(app.spec.is_multi_source());
    assert!(app.spec.source.is_none());
    assert_eq!(app.spec.sources[0].ref_name, "values");
    assert_eq!(app.spec.sources[1].target_revision, "v2");
    assert_eq!(app.to_value()["spec"]["sources"][0]["ref"], "values");
}

//! `sync::execute` against the API server emulator: the operation loop of Argo CD's engine
//! (notes/gitops-engine.md §2.4–§2.8, §2.11) driving `KubeCluster`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use apiserver_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use gitops_engine::cluster::{Cluster, Gvk, KubeCluster, ObjectRef};
use gitops_engine::health::HealthRules;
use gitops_engine::sync::hooks::HOOK_FINALIZER;
use gitops_engine::sync::tracking::stamp;
use gitops_engine::sync::{
    ApiResource, ExecuteSettings, OperationPhase, OperationSettings, PlanInput, ResourceResult,
    ResultCode, SyncOptions, SyncOutcome, SyncPhase, SyncPlan, TaskPhase, TrackingConfig, execute,
    execute_until, plan, step,
};
use serde_json::{Value, json};
use tokio::sync::watch;

const APP: &str = "my-app";
const NS: &str = "default";
const HOOK: &str = "argocd.argoproj.io/hook";
const POLICY: &str = "argocd.argoproj.io/hook-delete-policy";
const WAVE: &str = "argocd.argoproj.io/sync-wave";
const SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";

async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .expect("timed out")
}

async fn cluster_with(config: EmulatorConfig) -> (EmulatorHandle, KubeCluster) {
    let emu = within(Emulator::start_with(config))
        .await
        .expect("emulator");
    let client =
        kube::Client::try_from(kube::Config::new(emu.url().parse().expect("url"))).expect("client");
    (emu, KubeCluster::new(client))
}

async fn cluster() -> (EmulatorHandle, KubeCluster) {
    cluster_with(EmulatorConfig::default()).await
}

fn settings() -> ExecuteSettings {
    ExecuteSettings {
        wave_delay: Duration::ZERO,
        poll_interval: Duration::from_millis(20),
        timeout: Some(Duration::from_secs(10)),
        ..ExecuteSettings::new(Arc::new(HealthRules::default()))
    }
}

fn with_annotations(mut obj: Value, annotations: &[(&str, &str)]) -> Value {
    for (k, v) in annotations {
        obj["metadata"]["annotations"][*k] = json!(v);
    }
    obj
}

fn cm(name: &str, annotations: &[(&str, &str)]) -> Value {
    with_annotations(
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": name, "namespace": NS}, "data": {"k": "v"}}),
        annotations,
    )
}

fn deploy(name: &str, annotations: &[(&str, &str)]) -> Value {
    with_annotations(
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "namespace": NS},
           "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}},
                                 "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}}),
        annotations,
    )
}

fn job(name: &str, annotations: &[(&str, &str)]) -> Value {
    with_annotations(
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": NS},
           "spec": {"template": {"spec": {"restartPolicy": "Never",
                    "containers": [{"name": "m", "image": "busybox"}]}}}}),
        annotations,
    )
}

fn reference(api_version: &str, kind: &str, namespace: &str, name: &str) -> ObjectRef {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    ObjectRef {
        gvk: Gvk::new(group, version, kind),
        namespace: namespace.into(),
        name: name.into(),
    }
}

async fn get(c: &KubeCluster, api_version: &str, kind: &str, name: &str) -> Option<Value> {
    within(c.get(&reference(api_version, kind, NS, name)))
        .await
        .expect("get")
}

/// What discovery finds on the emulator, of the kinds these tests use.
fn served_kinds() -> Vec<ApiResource> {
    [
        ("", "Namespace", false),
        ("", "ConfigMap", true),
        ("apps", "Deployment", true),
        ("batch", "Job", true),
        ("apiextensions.k8s.io", "CustomResourceDefinition", false),
    ]
    .into_iter()
    .map(|(group, kind, namespaced)| ApiResource {
        group: group.into(),
        kind: kind.into(),
        namespaced,
    })
    .collect()
}

/// The plan of a sync of `desired` (stamped with the app's tracking id) against what the
/// cluster holds of the kinds these tests use.
async fn plan_sync(
    c: &KubeCluster,
    desired: Vec<Value>,
    options: &[&str],
    edit: impl FnOnce(&mut PlanInput),
) -> SyncPlan {
    let desired = desired
        .into_iter()
        .map(|mut obj| {
            stamp(&mut obj, APP, &TrackingConfig::default(), NS);
            obj
        })
        .collect();
    let mut live = Vec::new();
    for (group, version, kind) in [
        ("", "v1", "ConfigMap"),
        ("apps", "v1", "Deployment"),
        ("batch", "v1", "Job"),
    ] {
        let gvk = Gvk::new(group, version, kind);
        live.extend(within(c.list(&gvk, Some(NS), "")).await.expect("list"));
    }
    let mut input = PlanInput {
        app_instance: APP.into(),
        destination_namespace: NS.into(),
        desired,
        live,
        options: SyncOptions::from_list(options),
        operation: OperationSettings {
            prune: true,
            revision: "0123456789abcdef".into(),
            started_at_unix: 1_700_000_000,
            ..OperationSettings::default()
        },
        destination_namespace_exists: true,
        api_resources: Some(served_kinds()),
        ..PlanInput::default()
    };
    edit(&mut input);
    plan(&input).expect("plan")
}

async fn sync(c: &KubeCluster, desired: Vec<Value>, options: &[&str]) -> SyncOutcome {
    let plan = plan_sync(c, desired, options, |_| {}).await;
    within(execute(c, &plan, &settings(), None)).await
}

fn result<'a>(outcome: &'a SyncOutcome, kind: &str, name: &str) -> &'a ResourceResult {
    outcome
        .resources
        .iter()
        .find(|r| r.kind == kind && r.name == name)
        .unwrap_or_else(|| panic!("no result for {kind}/{name} in {outcome:#?}"))
}

fn summary(r: &ResourceResult) -> (ResultCode, Option<TaskPhase>, &str) {
    (r.status, r.hook_phase, r.message.as_str())
}

fn resource_version(obj: &Value) -> u64 {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|rv| rv.parse().ok())
        .expect("resourceVersion")
}

/// Collects every message published on the progress channel until the sender is gone.
fn collect_messages(mut rx: watch::Receiver<SyncOutcome>) -> tokio::task::JoinHandle<Vec<String>> {
    tokio::spawn(async move {
        let mut seen = Vec::new();
        while rx.changed().await.is_ok() {
            seen.push(rx.borrow_and_update().message.clone());
        }
        seen
    })
}

/// The operation succeeded, and the Deployment `web` was created and became healthy:
/// healthy with no health message, the apply's message stays (§2.11).
fn assert_succeeded_with_web_created(outcome: &SyncOutcome) {
    assert_eq!(outcome.phase, OperationPhase::Succeeded, "{outcome:#?}");
    assert_eq!(outcome.message, "successfully synced (all tasks run)");
    assert_eq!(
        summary(result(outcome, "Deployment", "web")),
        (
            ResultCode::Synced,
            Some(TaskPhase::Succeeded),
            "deployment.apps/web created"
        )
    );
}

// §2.4 "the next wave only starts … once every task of the current wave has become
// Succeeded"; "The final wave is not waited for"; §2.5 result messages are kubectl's.
#[tokio::test]
async fn next_wave_waits_for_health_of_previous_wave() {
    let (emu, c) = cluster_with(EmulatorConfig {
        status_delay: Duration::from_millis(400),
        ..EmulatorConfig::default()
    })
    .await;
    let plan = plan_sync(
        &c,
        vec![deploy("web", &[]), cm("after", &[(WAVE, "1")])],
        &[],
        |_| {},
    )
    .await;
    let (tx, rx) = watch::channel(SyncOutcome::default());
    let messages = collect_messages(rx);
    let outcome = within(execute(&c, &plan, &settings(), Some(&tx))).await;

    assert_succeeded_with_web_created(&outcome);
    assert_eq!(
        summary(result(&outcome, "ConfigMap", "after")),
        (
            ResultCode::Synced,
            Some(TaskPhase::Running),
            "configmap/after created"
        )
    );
    // The ConfigMap was written after the Deployment's status settled.
    let web_live = get(&c, "apps/v1", "Deployment", "web").await.expect("web");
    assert_eq!(web_live["status"]["availableReplicas"], 2);
    let after = get(&c, "v1", "ConfigMap", "after").await.expect("after");
    assert!(resource_version(&after) > resource_version(&web_live));
    drop(tx);
    let seen = within(messages).await.expect("collector");
    assert!(
        seen.iter()
            .any(|m| m == "waiting for healthy state of apps/Deployment/web"),
        "{seen:?}"
    );
    assert_eq!(
        seen.last().map(String::as_str),
        Some("successfully synced (all tasks run)")
    );
    emu.shutdown().await;
}

// §2.4 "the controller calls sync() repeatedly until the operation phase is terminal …
// Each call recomputes tasks from scratch and restores each task's (status, hookPhase,
// message) from the stored per-resource results": one call applies a wave and returns
// while it waits, the next goes on from the recorded results without re-applying.
#[tokio::test]
async fn a_step_returns_while_a_wave_waits_and_the_next_goes_on_from_the_results() {
    let (emu, c) = cluster_with(EmulatorConfig {
        status_delay: Duration::from_millis(400),
        ..EmulatorConfig::default()
    })
    .await;
    let desired = || vec![deploy("web", &[]), cm("after", &[(WAVE, "1")])];
    let first = within(step(
        &c,
        &plan_sync(&c, desired(), &[], |_| {}).await,
        &settings(),
        &[],
    ))
    .await;
    assert_eq!(first.outcome.phase, OperationPhase::Running, "{first:#?}");
    assert!(first.again_after.is_some(), "{first:#?}");
    assert_eq!(
        summary(result(&first.outcome, "Deployment", "web")),
        (
            ResultCode::Synced,
            Some(TaskPhase::Running),
            "deployment.apps/web created"
        )
    );
    assert!(
        get(&c, "v1", "ConfigMap", "after").await.is_none(),
        "wave 1 waits"
    );

    // Each call is planned anew against live state, with the recorded results.
    let mut recorded = first.outcome.resources;
    let mut last = None;
    for _ in 0..200 {
        let plan = plan_sync(&c, desired(), &[], |_| {}).await;
        let next = within(step(&c, &plan, &settings(), &recorded)).await;
        recorded = next.outcome.resources.clone();
        if next.again_after.is_none() {
            last = Some(next.outcome);
            break;
        }
        assert_eq!(next.outcome.phase, OperationPhase::Running, "{next:#?}");
        tokio::time::sleep(next.again_after.unwrap_or_default()).await;
    }
    // Created once, never re-applied (a second apply would say "unchanged").
    assert_succeeded_with_web_created(&last.expect("the operation ends"));
    let web = get(&c, "apps/v1", "Deployment", "web").await.expect("web");
    assert_eq!(web["status"]["availableReplicas"], 2);
    assert!(get(&c, "v1", "ConfigMap", "after").await.is_some());
    emu.shutdown().await;
}

// §2.5 "message = kubectl output": created, then unchanged, then configured.
#[tokio::test]
async fn client_side_apply_reports_created_unchanged_configured() {
    let (emu, c) = cluster().await;
    let first = sync(&c, vec![deploy("web", &[])], &[]).await;
    assert_eq!(
        result(&first, "Deployment", "web").message,
        "deployment.apps/web created"
    );
    assert_eq!(first.message, "successfully synced (all tasks run)");
    let second = sync(&c, vec![deploy("web", &[])], &[]).await;
    assert_eq!(
        result(&second, "Deployment", "web").message,
        "deployment.apps/web unchanged"
    );
    let mut changed = deploy("web", &[]);
    changed["spec"]["replicas"] = json!(3);
    let third = sync(&c, vec![changed], &[]).await;
    assert_eq!(
        result(&third, "Deployment", "web").message,
        "deployment.apps/web configured"
    );
    let live = get(&c, "apps/v1", "Deployment", "web").await.expect("web");
    assert_eq!(live["spec"]["replicas"], 3);
    emu.shutdown().await;
}

// §2.5 "server-side when ServerSideApply=true … manager argocd-controller".
#[tokio::test]
async fn server_side_apply_uses_argocd_controller_manager() {
    let (emu, c) = cluster().await;
    let outcome = sync(&c, vec![cm("ssa", &[])], &["ServerSideApply=true"]).await;
    assert_eq!(
        summary(result(&outcome, "ConfigMap", "ssa")),
        (
            ResultCode::Synced,
            Some(TaskPhase::Running),
            "configmap/ssa serverside-applied"
        )
    );
    let live = get(&c, "v1", "ConfigMap", "ssa").await.expect("ssa");
    let managers: Vec<&str> = live["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert!(managers.contains(&"argocd-controller"), "{managers:?}");
    emu.shutdown().await;
}

// §2.6: extraneous tracked objects are deleted: `Pruned`, "pruned", phase Succeeded.
#[tokio::test]
async fn prune_deletes_extraneous_tracked_objects() {
    let (emu, c) = cluster().await;
    sync(&c, vec![cm("keep", &[]), cm("old", &[])], &[]).await;
    let outcome = sync(&c, vec![cm("keep", &[])], &[]).await;
    assert_eq!(outcome.phase, OperationPhase::Succeeded, "{outcome:#?}");
    assert_eq!(
        summary(result(&outcome, "ConfigMap", "old")),
        (ResultCode::Pruned, Some(TaskPhase::Succeeded), "pruned")
    );
    assert_eq!(get(&c, "v1", "ConfigMap", "old").await, None);
    assert!(get(&c, "v1", "ConfigMap", "keep").await.is_some());
    emu.shutdown().await;
}

// §2.6 "pruning disabled for the operation → PruneSkipped, "ignored (requires pruning)""
// and "a skipped prune does not fail the sync".
#[tokio::test]
async fn prune_skipped_without_prune() {
    let (emu, c) = cluster().await;
    sync(&c, vec![cm("keep", &[]), cm("old", &[])], &[]).await;
    let plan = plan_sync(&c, vec![cm("keep", &[])], &[], |i| {
        i.operation.prune = false
    })
    .await;
    let outcome = within(execute(&c, &plan, &settings(), None)).await;
    assert_eq!(outcome.phase, OperationPhase::Succeeded, "{outcome:#?}");
    assert_eq!(
        summary(result(&outcome, "ConfigMap", "old")),
        (
            ResultCode::PruneSkipped,
            Some(TaskPhase::Succeeded),
            "ignored (requires pruning)"
        )
    );
    assert!(get(&c, "v1", "ConfigMap", "old").await.is_some());
    emu.shutdown().await;
}

// §2.6 "live object has Prune=false → PruneSkipped, "ignored (no prune)"".
#[tokio::test]
async fn prune_false_keeps_the_object() {
    let (emu, c) = cluster().await;
    sync(
        &c,
        vec![cm("keep", &[]), cm("old", &[(SYNC_OPTIONS, "Prune=false")])],
        &[],
    )
    .await;
    let outcome = sync(&c, vec![cm("keep", &[])], &[]).await;
    assert_eq!(
        summary(result(&outcome, "ConfigMap", "old")),
        (
            ResultCode::PruneSkipped,
            Some(TaskPhase::Succeeded),
            "ignored (no prune)"
        )
    );
    assert!(get(&c, "v1", "ConfigMap", "old").await.is_some());
    emu.shutdown().await;
}

// §2.5 "failure → SyncFailed, Failed, message = the error"; §2.4 step 11 "failed → …
// fail the operation ("one or more objects failed to apply")" with §2.7's reasons. A kind
// the server does not serve, tolerated by the dry-run (SkipDryRunOnMissingResource), fails
// when applied; the other objects of the wave are still applied.
#[tokio::test]
async fn failed_apply_is_sync_failed_and_fails_operation() {
    let (emu, c) = cluster().await;
    let plan = plan_sync(&c, vec![cm("fine", &[]), unknown_widget()], &[], |_| {}).await;
    let outcome = within(execute(&c, &plan, &settings(), None)).await;
    assert_eq!(outcome.phase, OperationPhase::Failed, "{outcome:#?}");
    let widget = result(&outcome, "Widget", "w");
    assert_eq!(
        (widget.status, widget.hook_phase),
        (ResultCode::SyncFailed, Some(TaskPhase::Failed))
    );
    assert!(widget.message.contains("example.com/v1"), "{widget:?}");
    assert_eq!(
        outcome.message,
        format!(
            "one or more objects failed to apply, reason: {}",
            widget.message
        )
    );
    assert_eq!(
        result(&outcome, "ConfigMap", "fine").status,
        ResultCode::Synced
    );
    assert!(get(&c, "v1", "ConfigMap", "fine").await.is_some());
    emu.shutdown().await;
}

// §2.4 step 2: "Any failure → phase Failed, message "one or more objects failed to apply
// (dry run)"; nothing has been applied". The emulator rejects an invalid name (422).
#[tokio::test]
async fn dry_run_failure_applies_nothing() {
    let (emu, c) = cluster().await;
    let plan = plan_sync(&c, vec![cm("good", &[]), cm("Bad_Name", &[])], &[], |_| {}).await;
    let outcome = within(execute(&c, &plan, &settings(), None)).await;
    assert_eq!(outcome.phase, OperationPhase::Failed);
    assert_eq!(
        outcome.message,
        "one or more objects failed to apply (dry run)"
    );
    assert_eq!(outcome.resources.len(), 1, "{outcome:#?}");
    let bad = result(&outcome, "ConfigMap", "Bad_Name");
    assert_eq!(
        (bad.status, bad.hook_phase),
        (ResultCode::SyncFailed, Some(TaskPhase::Failed))
    );
    assert!(
        bad.message.contains("metadata.name: Invalid value"),
        "{bad:?}"
    );
    assert_eq!(get(&c, "v1", "ConfigMap", "good").await, None);
    emu.shutdown().await;
}

// §2.9 CreateNamespace=true: "create the destination namespace as a PreSync task before the
// dry-run"; objects in it can then be dry-run and applied.
#[tokio::test]
async fn create_namespace_creates_destination_first() {
    let (emu, c) = cluster().await;
    let desired = vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "inside"}, "data": {"k": "v"}})];
    let plan = plan_sync(&c, desired, &["CreateNamespace=true"], |i| {
        i.destination_namespace = "team-a".into();
        i.destination_namespace_exists = false;
        i.live.clear();
    })
    .await;
    let outcome = within(execute(&c, &plan, &settings(), None)).await;
    assert_eq!(outcome.phase, OperationPhase::Succeeded, "{outcome:#?}");
    let ns = &outcome.resources[0];
    assert_eq!(
        (ns.kind.as_str(), ns.name.as_str(), ns.sync_phase),
        ("Namespace", "team-a", SyncPhase::PreSync)
    );
    assert_eq!(
        (ns.status, ns.message.as_str()),
        (ResultCode::Synced, "namespace/team-a created")
    );
    let inside = within(c.get(&reference("v1", "ConfigMap", "team-a", "inside")))
        .await
        .expect("get");
    assert!(inside.is_some());
    emu.shutdown().await;
}

// §2.2 hooks: a PreSync Job runs to completion before the Sync phase; its result carries
// hookType PreSync and the Job's health message; HookSucceeded deletes it at the end.
#[tokio::test]
async fn presync_hook_job_completes_before_sync() {
    let (emu, c) = cluster_with(EmulatorConfig {
        status_delay: Duration::from_millis(400),
        ..EmulatorConfig::default()
    })
    .await;
    let hook = job("migrate", &[(HOOK, "PreSync"), (POLICY, "HookSucceeded")]);
    let (tx, rx) = watch::channel(SyncOutcome::default());
    let messages = collect_messages(rx);
    let plan = plan_sync(&c, vec![hook, cm("app", &[])], &[], |_| {}).await;
    let outcome = within(execute(&c, &plan, &settings(), Some(&tx))).await;
    assert_eq!(outcome.phase, OperationPhase::Succeeded, "{outcome:#?}");
    let names: Vec<&str> = outcome.resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["migrate", "app"]);
    let migrate = result(&outcome, "Job", "migrate");
    assert_eq!(
        (
            migrate.hook_type.as_deref(),
            migrate.hook_phase,
            migrate.sync_phase
        ),
        (
            Some("PreSync"),
            Some(TaskPhase::Succeeded),
            SyncPhase::PreSync
        )
    );
    assert_eq!(migrate.message, "Reached expected number of succeeded pods");
    assert_eq!(get(&c, "batch/v1", "Job", "migrate").await, None);
    drop(tx);
    let seen = within(messages).await.expect("collector");
    assert!(
        seen.iter()
            .any(|m| m == "waiting for completion of hook batch/Job/migrate"),
        "{seen:?}"
    );
    emu.shutdown().await;
}

// §2.2 "it is removed once the hook has completed"; §2.8 BeforeHookCreation (the default)
// leaves the completed hook in place and deletes it before the next run creates it again.
#[tokio::test]
async fn completed_hook_loses_finalizer_and_is_recreated_next_sync() {
    let (emu, c) = cluster().await;
    let hook = || job("seed", &[(HOOK, "Sync")]);
    let first = sync(&c, vec![hook()], &[]).await;
    assert_eq!(first.phase, OperationPhase::Succeeded, "{first:#?}");
    let live = get(&c, "batch/v1", "Job", "seed").await.expect("kept");
    let finalizers = live["metadata"]["finalizers"].as_array().cloned();
    assert!(
        !finalizers
            .unwrap_or_default()
            .iter()
            .any(|f| f == HOOK_FINALIZER),
        "{live:#}"
    );
    let uid = live["metadata"]["uid"].clone();
    let second = sync(&c, vec![hook()], &[]).await;
    assert_eq!(second.phase, OperationPhase::Succeeded, "{second:#?}");
    let again = get(&c, "batch/v1", "Job", "seed")
        .await
        .expect("re-created");
    assert_ne!(again["metadata"]["uid"], uid, "a new instance");
    emu.shutdown().await;
}

// Argo CD's sync timeout terminates the operation: phase Failed, "Operation terminated".
// The emulator here never settles workload status, so the Deployment stays Progressing.
#[tokio::test]
async fn timeout_terminates_operation() {
    let (emu, c) = cluster_with(EmulatorConfig {
        simulate_status: false,
        ..EmulatorConfig::default()
    })
    .await;
    let plan = plan_sync(
        &c,
        vec![deploy("stuck", &[]), cm("later", &[(WAVE, "1")])],
        &[],
        |_| {},
    )
    .await;
    let settings = ExecuteSettings {
        timeout: Some(Duration::from_millis(300)),
        ..settings()
    };
    let outcome = within(execute(&c, &plan, &settings, None)).await;
    assert_eq!(outcome.phase, OperationPhase::Failed, "{outcome:#?}");
    assert_eq!(
        outcome.message,
        "Operation terminated (sync timeout of 300ms exceeded)"
    );
    assert_eq!(get(&c, "v1", "ConfigMap", "later").await, None);
    emu.shutdown().await;
}

// §2.5 "In an operation that is itself a dry-run, Running is reported as Succeeded";
// §2.6 "dry-run → Pruned, "pruned (dry run)"". Nothing changes in the cluster.
#[tokio::test]
async fn dry_run_operation_changes_nothing() {
    let (emu, c) = cluster().await;
    sync(&c, vec![cm("old", &[])], &[]).await;
    let plan = plan_sync(&c, vec![cm("new", &[])], &[], |i| {
        i.operation.dry_run = true
    })
    .await;
    let outcome = within(execute(&c, &plan, &settings(), None)).await;
    assert_eq!(outcome.phase, OperationPhase::Succeeded, "{outcome:#?}");
    assert_eq!(
        summary(result(&outcome, "ConfigMap", "new")),
        (
            ResultCode::Synced,
            Some(TaskPhase::Succeeded),
            "configmap/new created (dry run)"
        )
    );
    assert_eq!(
        summary(result(&outcome, "ConfigMap", "old")),
        (
            ResultCode::Pruned,
            Some(TaskPhase::Succeeded),
            "pruned (dry run)"
        )
    );
    assert_eq!(get(&c, "v1", "ConfigMap", "new").await, None);
    assert!(get(&c, "v1", "ConfigMap", "old").await.is_some());
    emu.shutdown().await;
}

// §2.11: results serialize with Argo CD's field names and values.
#[tokio::test]
async fn results_serialize_as_argo_sync_result_resources() {
    let (emu, c) = cluster().await;
    let hook = job("migrate", &[(HOOK, "PreSync")]);
    let outcome = sync(&c, vec![hook, deploy("web", &[])], &[]).await;
    let json = serde_json::to_value(&outcome.resources).expect("json");
    assert_eq!(
        json,
        json!([
            {"group": "batch", "version": "v1", "kind": "Job", "namespace": NS, "name": "migrate",
             "status": "Synced", "message": "Reached expected number of succeeded pods",
             "hookType": "PreSync", "hookPhase": "Succeeded", "syncPhase": "PreSync",
             "images": ["busybox"]},
            {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": NS, "name": "web",
             "status": "Synced", "message": "deployment.apps/web created",
             "hookPhase": "Running", "syncPhase": "Sync", "images": ["nginx:1.27"]}
        ])
    );
    emu.shutdown().await;
}

/// A kind the server does not serve, tolerated by the dry-run, so its apply fails.
fn unknown_widget() -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w", "namespace": NS,
                     "annotations": {SYNC_OPTIONS: "SkipDryRunOnMissingResource=true"}}})
}

// §2.7 "If there are SyncFail hooks … start them … and finish in a later call"; §2.8 "when
// the operation fails, every completed hook with HookFailed is deleted".
#[tokio::test]
async fn sync_fail_hooks_run_when_the_operation_fails() {
    let (emu, c) = cluster().await;
    let desired = vec![
        job("pre", &[(HOOK, "PreSync"), (POLICY, "HookFailed")]),
        job("notify", &[(HOOK, "SyncFail")]),
        unknown_widget(),
    ];
    let plan = plan_sync(&c, desired, &[], |_| {}).await;
    let outcome = within(execute(&c, &plan, &settings(), None)).await;
    assert_eq!(outcome.phase, OperationPhase::Failed, "{outcome:#?}");
    let widget = result(&outcome, "Widget", "w");
    assert_eq!(
        outcome.message,
        format!(
            "one or more synchronization tasks completed unsuccessfully, reason: {}",
            widget.message
        )
    );
    let notify = result(&outcome, "Job", "notify");
    assert_eq!(
        (notify.hook_type.as_deref(), notify.hook_phase),
        (Some("SyncFail"), Some(TaskPhase::Succeeded))
    );
    assert_eq!(get(&c, "batch/v1", "Job", "pre").await, None, "HookFailed");
    assert!(get(&c, "batch/v1", "Job", "notify").await.is_some());
    emu.shutdown().await;
}

// §2.5 "Replace=true: live exists → kubectl replace …; live absent → kubectl create".
#[tokio::test]
async fn replace_option_creates_then_replaces() {
    let (emu, c) = cluster().await;
    let first = sync(&c, vec![cm("r", &[])], &["Replace=true"]).await;
    assert_eq!(
        result(&first, "ConfigMap", "r").message,
        "configmap/r created"
    );
    let mut changed = cm("r", &[]);
    changed["data"] = json!({"k": "changed"});
    let second = sync(&c, vec![changed], &["Replace=true"]).await;
    assert_eq!(
        result(&second, "ConfigMap", "r").message,
        "configmap/r replaced"
    );
    let live = get(&c, "v1", "ConfigMap", "r").await.expect("r");
    assert_eq!(live["data"], json!({"k": "changed"}));
    emu.shutdown().await;
}

// §2.4 step 10: "Argo CD's wave hook then sleeps 2 s between waves …, not after the final one".
#[tokio::test]
async fn wave_delay_separates_waves_but_not_the_last() {
    let (emu, c) = cluster().await;
    let delay = Duration::from_secs(1);
    let settings = ExecuteSettings {
        wave_delay: delay,
        ..settings()
    };
    let single = plan_sync(&c, vec![cm("one", &[])], &[], |_| {}).await;
    let started = tokio::time::Instant::now();
    within(execute(&c, &single, &settings, None)).await;
    assert!(started.elapsed() < delay, "no delay after the final wave");

    let waves = plan_sync(&c, vec![cm("a", &[]), cm("b", &[(WAVE, "1")])], &[], |_| {}).await;
    let started = tokio::time::Instant::now();
    let outcome = within(execute(&c, &waves, &settings, None)).await;
    assert_eq!(outcome.phase, OperationPhase::Succeeded);
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    emu.shutdown().await;
}

// §2.4 step 10, one call at a time: the delay after a wave is the caller's to keep
// (a change of an object is no reason to go on sooner); none follows the last wave.
#[tokio::test]
async fn a_step_after_a_wave_says_the_next_waits_for_the_wave_delay() {
    let (emu, c) = cluster().await;
    let delay = Duration::from_secs(3600);
    let settings = ExecuteSettings {
        wave_delay: delay,
        ..settings()
    };
    let desired = || vec![cm("a", &[]), cm("b", &[(WAVE, "1")])];
    let plan = plan_sync(&c, desired(), &[], |_| {}).await;
    let first = within(step(&c, &plan, &settings, &[])).await;
    assert_eq!(first.outcome.phase, OperationPhase::Running, "{first:#?}");
    assert_eq!(first.not_before, Some(delay));
    assert!(
        get(&c, "v1", "ConfigMap", "b").await.is_none(),
        "wave 1 waits"
    );

    let plan = plan_sync(&c, desired(), &[], |_| {}).await;
    let last = within(step(&c, &plan, &settings, &first.outcome.resources)).await;
    assert!(get(&c, "v1", "ConfigMap", "b").await.is_some(), "{last:#?}");
    assert_eq!(last.not_before, None, "no delay after the last wave");
    emu.shutdown().await;
}

// §2.4 step 4 / §2.6: "Deleted objects that linger (finalizers) make the loop wait
// ("waiting for deletion of …")". Another party releases the finalizer meanwhile.
#[tokio::test]
async fn pruned_object_held_by_finalizer_is_waited_for() {
    let (emu, c) = cluster().await;
    let mut held = cm("held", &[(WAVE, "1")]);
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    sync(&c, vec![cm("keep", &[]), held], &[]).await;
    // The prune runs in wave 1; wave 2 waits until the object is gone.
    let plan = plan_sync(&c, vec![cm("keep", &[(WAVE, "2")])], &[], |_| {}).await;
    let (tx, mut rx) = watch::channel(SyncOutcome::default());
    let releaser = async {
        let waiting = "waiting for deletion of /ConfigMap/held";
        rx.wait_for(|o| o.message == waiting).await.expect("waited");
        let mut live = get(&c, "v1", "ConfigMap", "held").await.expect("held");
        assert!(live["metadata"]["deletionTimestamp"].is_string());
        live["metadata"]["finalizers"] = json!([]);
        within(c.replace(&live, Default::default()))
            .await
            .expect("release");
    };
    let settings = settings();
    let (outcome, ()) =
        within(async { tokio::join!(execute(&c, &plan, &settings, Some(&tx)), releaser) }).await;
    assert_eq!(outcome.phase, OperationPhase::Succeeded, "{outcome:#?}");
    assert_eq!(get(&c, "v1", "ConfigMap", "held").await, None);
    emu.shutdown().await;
}

// A Namespace declared in the sync, with objects in it: the server cannot dry-run those
// before the Namespace exists, so they are checked when applied (after the Namespace).
#[tokio::test]
async fn objects_in_a_namespace_the_sync_creates_are_applied() {
    let (emu, c) = cluster().await;
    let desired = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fresh"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "inside", "namespace": "fresh"}, "data": {"k": "v"}}),
    ];
    let outcome = sync(&c, desired, &[]).await;
    assert_eq!(outcome.phase, OperationPhase::Succeeded, "{outcome:#?}");
    let names: Vec<&str> = outcome
        .resources
        .iter()
        .map(|r| r.message.as_str())
        .collect();
    assert_eq!(
        names,
        ["namespace/fresh created", "configmap/inside created"]
    );
    let inside = within(c.get(&reference("v1", "ConfigMap", "fresh", "inside")))
        .await
        .expect("get");
    assert!(inside.is_some());
    emu.shutdown().await;
}

// §2.4 "Degraded fails the operation": a Deployment of an earlier wave whose rollout
// exceeds its progress deadline fails the sync; the later wave is never applied. The
// deadline is reported through the status subresource, as the controller-manager would.
#[tokio::test]
async fn degraded_resource_fails_the_operation() {
    let (emu, c) = cluster_with(EmulatorConfig {
        simulate_status: false,
        ..EmulatorConfig::default()
    })
    .await;
    let plan = plan_sync(
        &c,
        vec![deploy("web", &[]), cm("later", &[(WAVE, "1")])],
        &[],
        |_| {},
    )
    .await;
    let (tx, mut rx) = watch::channel(SyncOutcome::default());
    let degrade = async {
        let waiting = "waiting for healthy state of apps/Deployment/web";
        rx.wait_for(|o| o.message == waiting).await.expect("waited");
        let api: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
            kube::Api::namespaced(c.client().clone(), NS);
        let status = json!({"status": {"observedGeneration": 1, "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
             "message": "ReplicaSet \"web-1\" has timed out progressing."}]}});
        within(api.patch_status(
            "web",
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(&status),
        ))
        .await
        .expect("status");
    };
    let settings = settings();
    let (outcome, ()) =
        within(async { tokio::join!(execute(&c, &plan, &settings, Some(&tx)), degrade) }).await;
    assert_eq!(outcome.phase, OperationPhase::Failed, "{outcome:#?}");
    assert_eq!(
        outcome.message,
        "one or more synchronization tasks completed unsuccessfully"
    );
    assert_eq!(
        summary(result(&outcome, "Deployment", "web")),
        (
            ResultCode::Synced,
            Some(TaskPhase::Failed),
            "Deployment \"web\" exceeded its progress deadline"
        )
    );
    assert_eq!(get(&c, "v1", "ConfigMap", "later").await, None);
    emu.shutdown().await;
}

// §2.7 "Terminate …: for every hook that is still running, remove its finalizer and delete
// it; record its final phase". The Job never completes here (no simulated controllers).
#[tokio::test]
async fn timeout_terminates_running_hooks() {
    let (emu, c) = cluster_with(EmulatorConfig {
        simulate_status: false,
        ..EmulatorConfig::default()
    })
    .await;
    let plan = plan_sync(
        &c,
        vec![job("forever", &[(HOOK, "PreSync")]), cm("app", &[])],
        &[],
        |_| {},
    )
    .await;
    let settings = ExecuteSettings {
        timeout: Some(Duration::from_secs(1)),
        ..settings()
    };
    let outcome = within(execute(&c, &plan, &settings, None)).await;
    assert_eq!(outcome.phase, OperationPhase::Failed, "{outcome:#?}");
    assert!(
        outcome.message.starts_with("Operation terminated"),
        "{outcome:#?}"
    );
    assert_eq!(
        summary(result(&outcome, "Job", "forever")),
        (ResultCode::Synced, Some(TaskPhase::Failed), "Terminated")
    );
    assert_eq!(get(&c, "batch/v1", "Job", "forever").await, None);
    assert_eq!(get(&c, "v1", "ConfigMap", "app").await, None);
    emu.shutdown().await;
}

// §2.5 "Before a real server-side apply, if live has managedFields from the client-side
// manager (kubectl-client-side-apply), migrate ownership (GE: one client-side apply with
// that manager first …)". That apply records the new manifest as last-applied; a
// server-side apply alone would leave the old one.
#[tokio::test]
async fn server_side_apply_migrates_client_side_fields_first() {
    let (emu, c) = cluster().await;
    sync(&c, vec![cm("moved", &[])], &[]).await;
    let mut changed = cm("moved", &[]);
    changed["data"] = json!({"k": "changed"});
    let plan = plan_sync(&c, vec![changed], &["ServerSideApply=true"], |i| {
        // A real API server records the client-side writes as `Update` entries.
        for live in &mut i.live {
            live["metadata"]["managedFields"] = json!([
                {"manager": "kubectl-client-side-apply", "operation": "Update",
                 "apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {}}]);
        }
    })
    .await;
    let outcome = within(execute(&c, &plan, &settings(), None)).await;
    assert_eq!(
        result(&outcome, "ConfigMap", "moved").message,
        "configmap/moved serverside-applied"
    );
    let live = get(&c, "v1", "ConfigMap", "moved").await.expect("moved");
    let recorded: Value = serde_json::from_str(
        live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .expect("last-applied"),
    )
    .expect("json");
    assert_eq!(recorded["data"], json!({"k": "changed"}));

    let plain = plan_sync(
        &c,
        vec![cm("moved", &[])],
        &["ServerSideApply=true"],
        |_| {},
    )
    .await;
    within(execute(&c, &plain, &settings(), None)).await;
    let live = get(&c, "v1", "ConfigMap", "moved").await.expect("moved");
    assert!(
        live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .is_some_and(|s| s.contains("changed")),
        "without client-side fields no client-side apply happens"
    );
    emu.shutdown().await;
}

// §2.2 "Any such failure fails the operation with "one or more synchronization tasks are
// not valid" before anything is applied": a kind discovery does not know, not tolerated.
#[tokio::test]
async fn invalid_tasks_fail_before_anything_is_applied() {
    let (emu, c) = cluster().await;
    let mut widget = unknown_widget();
    widget["metadata"]["annotations"] = json!({});
    let plan = plan_sync(&c, vec![cm("c", &[]), widget], &[], |_| {}).await;
    let outcome = within(execute(&c, &plan, &settings(), None)).await;
    assert_eq!(outcome.phase, OperationPhase::Failed);
    assert_eq!(
        outcome.message,
        "one or more synchronization tasks are not valid: the server could not find the \
         requested resource example.com/Widget"
    );
    let widget = result(&outcome, "Widget", "w");
    assert_eq!(
        (widget.status, widget.hook_phase),
        (ResultCode::SyncFailed, None)
    );
    assert_eq!(outcome.resources.len(), 1);
    assert_eq!(get(&c, "v1", "ConfigMap", "c").await, None);
    emu.shutdown().await;
}

// §2.2 a kind defined by a CRD of the same sync skips the dry-run; §2.5 "After applying a
// CRD, poll up to 3 s for its Established condition": its resources apply right after it.
#[tokio::test]
async fn crd_and_its_custom_resources_sync_together() {
    let (emu, c) = cluster().await;
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"kind": "Gadget", "plural": "gadgets", "singular": "gadget",
                           "listKind": "GadgetList"},
                 "versions": [{"name": "v1", "served": true, "storage": true,
                               "schema": {"openAPIV3Schema": {"type": "object",
                                          "x-kubernetes-preserve-unknown-fields": true}}}]}});
    let gadget = json!({"apiVersion": "example.com/v1", "kind": "Gadget",
        "metadata": {"name": "g", "namespace": NS}, "spec": {"size": 3}});
    let outcome = sync(&c, vec![gadget, crd], &[]).await;
    assert_eq!(outcome.phase, OperationPhase::Succeeded, "{outcome:#?}");
    let messages: Vec<&str> = outcome
        .resources
        .iter()
        .map(|r| r.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "customresourcedefinition.apiextensions.k8s.io/gadgets.example.com created",
            "gadget.example.com/g created"
        ]
    );
    let live = within(c.get(&reference("example.com/v1", "Gadget", NS, "g")))
        .await
        .expect("get")
        .expect("gadget");
    assert_eq!(live["spec"]["size"], 3);
    emu.shutdown().await;
}

// §2.9 "Force=true … delete-and-recreate semantics (with apply or Replace=true)": a forced
// replace deletes the object and creates it anew.
#[tokio::test]
async fn forced_replace_recreates_the_object() {
    let (emu, c) = cluster().await;
    sync(&c, vec![cm("f", &[])], &[]).await;
    let uid = get(&c, "v1", "ConfigMap", "f").await.expect("f")["metadata"]["uid"].clone();
    let forced = cm("f", &[(SYNC_OPTIONS, "Replace=true,Force=true")]);
    let outcome = sync(&c, vec![forced], &[]).await;
    assert_eq!(
        summary(result(&outcome, "ConfigMap", "f")),
        (
            ResultCode::Synced,
            Some(TaskPhase::Running),
            "configmap/f replaced"
        )
    );
    let live = get(&c, "v1", "ConfigMap", "f").await.expect("re-created");
    assert_ne!(live["metadata"]["uid"], uid);
    emu.shutdown().await;
}

// §2.5 "Replace=true … except CRDs and Namespaces which get an update (PUT with live's
// resourceVersion) to avoid deleting their contents"; Argo CD reports "<Kind>/<name> updated".
#[tokio::test]
async fn replacing_a_namespace_updates_it_in_place() {
    let (emu, c) = cluster().await;
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kept"}});
    within(c.create(&ns, Default::default()))
        .await
        .expect("namespace");
    let inside = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "content", "namespace": "kept"}});
    within(c.create(&inside, Default::default()))
        .await
        .expect("content");
    let live_ns = within(c.get(&reference("v1", "Namespace", "", "kept")))
        .await
        .expect("get")
        .expect("kept");
    let mut desired = ns.clone();
    desired["metadata"]["labels"] = json!({"team": "a"});
    let plan = plan_sync(&c, vec![desired], &["Replace=true"], |i| {
        i.live = vec![live_ns.clone()];
    })
    .await;
    let outcome = within(execute(&c, &plan, &settings(), None)).await;
    assert_eq!(outcome.phase, OperationPhase::Succeeded, "{outcome:#?}");
    assert_eq!(
        result(&outcome, "Namespace", "kept").message,
        "Namespace/kept updated"
    );
    let after = within(c.get(&reference("v1", "Namespace", "", "kept")))
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(after["metadata"]["labels"]["team"], "a");
    assert_eq!(after["metadata"]["uid"], live_ns["metadata"]["uid"]);
    let content = within(c.get(&reference("v1", "ConfigMap", "kept", "content")))
        .await
        .expect("get");
    assert!(content.is_some());
    emu.shutdown().await;
}

// §2.7 "Terminate (user request …): for every hook that is still running, remove its
// finalizer and delete it; record its final phase; operation Failed "Operation terminated"".
#[tokio::test]
async fn termination_request_deletes_running_hooks() {
    let (emu, c) = cluster_with(EmulatorConfig {
        simulate_status: false,
        ..EmulatorConfig::default()
    })
    .await;
    let plan = plan_sync(&c, vec![job("long", &[(HOOK, "Sync")])], &[], |_| {}).await;
    let (tx, mut rx) = watch::channel(SyncOutcome::default());
    let requested = async {
        let waiting = "waiting for completion of hook batch/Job/long";
        rx.wait_for(|o| o.message == waiting).await.expect("waited");
    };
    let settings = settings();
    let outcome = within(execute_until(&c, &plan, &settings, Some(&tx), requested)).await;
    assert_eq!(outcome.phase, OperationPhase::Failed, "{outcome:#?}");
    assert_eq!(outcome.message, "Operation terminated");
    assert_eq!(
        summary(result(&outcome, "Job", "long")),
        (ResultCode::Synced, Some(TaskPhase::Failed), "Terminated")
    );
    assert_eq!(get(&c, "batch/v1", "Job", "long").await, None);
    emu.shutdown().await;
}

//! End to end: a Git repository in a temp dir, the API server emulator and
//! the controller. Each test is one scenario an Argo CD user relies on.

mod controller_support;
mod source_support;

use std::time::Duration;

use controller_support::{
    ARGOCD, Env, app_ref, config_map_yaml, deployment_yaml, kustomization_yaml, settings_cm,
    summary, web_deployment,
};
use gitops_engine::app::{Application, rollback_operation};
use gitops_engine::cluster::{Cluster, Gvk};
use serde_json::{Value, json};

fn automated(prune: bool, self_heal: bool) -> Value {
    json!({
        "automated": {"prune": prune, "selfHeal": self_heal},
        "syncOptions": ["CreateNamespace=true"],
        "retry": {"limit": 2, "backoff": {"duration": "1s", "factor": 1, "maxDuration": "1s"}},
    })
}

/// A repository with `app/` = web Deployment (nginx:1.0) + settings ConfigMap.
fn seed(env: &Env, value: &str, tag: &str) -> String {
    env.up
        .write("app/deployment.yaml", &deployment_yaml("nginx"));
    env.up.write("app/settings.yaml", &config_map_yaml(value));
    env.up.write(
        "app/kustomization.yaml",
        &kustomization_yaml(&["deployment.yaml", "settings.yaml"], Some(tag)),
    );
    env.up.commit(&format!("settings {value}, nginx {tag}"))
}

/// `yaml` (one object) in sync wave `n`.
fn wave(n: i64, yaml: &str) -> String {
    yaml.replacen(
        "metadata:\n",
        &format!("metadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: \"{n}\"\n"),
        1,
    )
}

/// `dir/` = web Deployment in wave 0, then the settings ConfigMap (`value`) in wave 1.
fn write_two_waves(env: &Env, dir: &str, value: &str) {
    env.up.write(
        &format!("{dir}/deployment.yaml"),
        &wave(0, &deployment_yaml("nginx:1.0")),
    );
    env.up.write(
        &format!("{dir}/settings.yaml"),
        &wave(1, &config_map_yaml(value)),
    );
    env.up.write(
        &format!("{dir}/kustomization.yaml"),
        &kustomization_yaml(&["settings.yaml", "deployment.yaml"], None),
    );
}

fn history_revisions(app: &Value) -> Vec<String> {
    app["status"]["history"]
        .as_array()
        .map(|h| {
            h.iter()
                .map(|e| e["revision"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_commit_deploys() {
    let env = Env::start().await;
    let first = seed(&env, "one", "1.0");
    env.create(&env.application("guestbook", "app", automated(true, false)))
        .await;

    let app = env
        .wait_for_app("first sync, Synced and Healthy", "guestbook", |a| {
            summary(a) == ("Synced".into(), "Healthy".into(), 1)
        })
        .await;
    assert_eq!(history_revisions(&app), vec![first.clone()]);
    assert_eq!(app["status"]["sync"]["revision"], first.as_str());
    let cm = env.get(&settings_cm()).await.expect("ConfigMap deployed");
    assert_eq!(cm["data"]["value"], "one");

    env.up.write("app/settings.yaml", &config_map_yaml("two"));
    let second = env.up.commit("settings two");
    env.wait_for_object("the new value live", "guestbook", &settings_cm(), |cm| {
        cm["data"]["value"] == "two"
    })
    .await;
    let app = env
        .wait_for_app("second history entry", "guestbook", |a| {
            summary(a) == ("Synced".into(), "Healthy".into(), 2)
        })
        .await;
    assert_eq!(history_revisions(&app), vec![first, second.clone()]);
    assert_eq!(app["status"]["history"][1]["id"], 1, "ids count up from 0");
    assert_eq!(
        app["status"]["operationState"]["syncResult"]["revision"],
        second.as_str()
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_tag_change_rolls_out() {
    let env = Env::start().await;
    seed(&env, "one", "1.0");
    env.create(&env.application("web", "app", automated(true, false)))
        .await;
    env.wait_for_object("nginx:1.0 deployed", "web", &web_deployment(), |d| {
        d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.0"
    })
    .await;

    env.up.write(
        "app/kustomization.yaml",
        &kustomization_yaml(&["deployment.yaml", "settings.yaml"], Some("1.1")),
    );
    env.up.commit("nginx 1.1");
    env.wait_for_object("nginx:1.1 rolled out", "web", &web_deployment(), |d| {
        d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.1"
            && d["status"]["updatedReplicas"] == 2
            && d["status"]["observedGeneration"] == d["metadata"]["generation"]
    })
    .await;
    let app = env
        .wait_for_app("Healthy on the new image", "web", |a| {
            summary(a).0 == "Synced" && summary(a).1 == "Healthy"
        })
        .await;
    let images = app["status"]["summary"]["images"].clone();
    assert_eq!(images, json!(["nginx:1.1"]));
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_resource_is_pruned_only_with_prune() {
    let env = Env::start().await;
    seed(&env, "one", "1.0");
    env.create(&env.application("shop", "app", automated(false, false)))
        .await;
    env.wait_for_app("first sync", "shop", |a| summary(a).0 == "Synced")
        .await;

    env.up.write(
        "app/kustomization.yaml",
        &kustomization_yaml(&["deployment.yaml"], Some("1.0")),
    );
    env.up.commit("drop the ConfigMap");
    let app = env
        .wait_for_app(
            "OutOfSync with the ConfigMap requiring pruning",
            "shop",
            |a| {
                a["status"]["resources"].as_array().is_some_and(|rs| {
                    rs.iter()
                        .any(|r| r["kind"] == "ConfigMap" && r["requiresPruning"] == true)
                })
            },
        )
        .await;
    assert_eq!(summary(&app).0, "OutOfSync");
    // Give automated sync time to (wrongly) prune, then check it did not.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        env.get(&settings_cm()).await.is_some(),
        "without prune the ConfigMap stays"
    );

    env.patch(
        &app_ref("shop"),
        json!({"spec": {"syncPolicy": {"automated": {"prune": true}}}}),
    )
    .await;
    env.wait_for("the ConfigMap pruned", "shop", || async {
        env.get(&settings_cm()).await.is_none().then_some(())
    })
    .await;
    env.wait_for_app("Synced after pruning", "shop", |a| summary(a).0 == "Synced")
        .await;
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_kubectl_edit_is_reverted_with_self_heal() {
    let env = Env::start().await;
    seed(&env, "one", "1.0");
    env.create(&env.application("healer", "app", automated(true, true)))
        .await;
    env.wait_for_app("first sync", "healer", |a| summary(a).0 == "Synced")
        .await;

    env.patch(&settings_cm(), json!({"data": {"value": "edited by hand"}}))
        .await;
    env.wait_for_object("the edit reverted", "healer", &settings_cm(), |cm| {
        cm["data"]["value"] == "one"
    })
    .await;

    env.cluster
        .delete(
            &settings_cm(),
            gitops_engine::cluster::PropagationPolicy::Background,
            Default::default(),
        )
        .await
        .expect("delete");
    env.wait_for_object(
        "the deleted object recreated",
        "healer",
        &settings_cm(),
        |_| true,
    )
    .await;
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_edit_stays_without_self_heal() {
    let env = Env::start().await;
    seed(&env, "one", "1.0");
    env.create(&env.application("noheal", "app", automated(true, false)))
        .await;
    env.wait_for_app("first sync", "noheal", |a| summary(a).0 == "Synced")
        .await;
    env.patch(&settings_cm(), json!({"data": {"value": "edited by hand"}}))
        .await;
    env.wait_for_app("OutOfSync after the edit", "noheal", |a| {
        summary(a).0 == "OutOfSync"
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cm = env.get(&settings_cm()).await.expect("exists");
    assert_eq!(
        cm["data"]["value"], "edited by hand",
        "automated sync runs once per revision; without selfHeal drift stays"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waves_are_ordered_and_wait_for_health() {
    // Workloads take a second to become healthy: wave 1 must wait for it.
    let env = Env::start_with_status_delay(Duration::from_millis(1000)).await;
    write_two_waves(&env, "app", "after the deployment");
    env.up.commit("two waves");
    env.create(&env.application("waves", "app", automated(true, false)))
        .await;

    // While the Deployment is progressing, wave 1 has not been applied.
    let deployment = env
        .wait_for_object("wave 0 applied", "waves", &web_deployment(), |_| true)
        .await;
    let ready_before = deployment["status"]["readyReplicas"] == 2;
    assert!(
        !ready_before,
        "the emulator needs a second to settle the rollout"
    );
    assert!(
        env.get(&settings_cm()).await.is_none(),
        "wave 1 must wait for wave 0 to be healthy"
    );
    let cm = env
        .wait_for_object("wave 1 applied", "waves", &settings_cm(), |_| true)
        .await;
    let deployment = env.get(&web_deployment()).await.expect("deployment");
    assert_eq!(
        deployment["status"]["readyReplicas"], 2,
        "wave 1 ran after wave 0 became healthy"
    );
    assert_eq!(cm["data"]["value"], "after the deployment");
    let app = env
        .wait_for_app("operation finished", "waves", |a| {
            a["status"]["operationState"]["phase"] == "Succeeded"
        })
        .await;
    let results = app["status"]["operationState"]["syncResult"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let kinds: Vec<&str> = results.iter().filter_map(|r| r["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        ["Namespace", "Deployment", "ConfigMap"],
        "CreateNamespace first, then the waves in order"
    );
    env.stop().await;
}

// Argo CD sleeps the sync-wave delay after each wave but the last. Here a sync advances
// one step per pass, and passes come with every change: none may start the next wave
// before the delay is over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_pass_starts_the_next_wave_before_the_wave_delay() {
    let env = Env::start_with(Duration::from_millis(100), |s| {
        s.wave_delay = Duration::from_secs(3600);
    })
    .await;
    env.up.write(
        "app/first.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\ndata:\n  value: a\n",
    );
    env.up
        .write("app/settings.yaml", &wave(1, &config_map_yaml("later")));
    env.up.write(
        "app/kustomization.yaml",
        &kustomization_yaml(&["first.yaml", "settings.yaml"], None),
    );
    env.up.commit("two waves of ConfigMaps");
    env.create(&env.application("waves", "app", automated(true, false)))
        .await;
    let first = controller_support::demo("", "v1", "ConfigMap", "first");
    env.wait_for_app("wave 0 recorded", "waves", |a| {
        a["status"]["operationState"]["syncResult"]["resources"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["name"] == "first"))
    })
    .await;

    // A change of one of the app's objects, and passes run right away.
    env.patch(&first, json!({"data": {"value": "changed"}}))
        .await;
    for _ in 0..2 {
        let outcome = env.controller.reconcile("waves").await.expect("pass");
        assert!(outcome.requeue_after.is_some(), "{outcome:?}");
    }
    let app = env.app("waves").await;
    assert_eq!(
        app["status"]["operationState"]["phase"], "Running",
        "{}",
        app["status"]["operationState"]
    );
    assert!(
        env.get(&settings_cm()).await.is_none(),
        "wave 1 waits for the delay"
    );
    env.stop().await;
}

// Argo CD's operation loop re-runs a running sync on each reconcile instead of waiting
// inside one: a sync waiting for health holds no worker, so other apps are reconciled
// meanwhile, even by a controller with a single worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_waiting_for_health_leaves_the_worker_to_other_apps() {
    // Workloads settle only after 25 s: "slow" waits in wave 0 all that time.
    let env = Env::start_with(Duration::from_secs(25), |s| s.workers = 1).await;
    write_two_waves(&env, "slow", "after the deployment");
    env.up
        .write("quick/settings.yaml", &config_map_yaml("quick"));
    env.up.write(
        "quick/kustomization.yaml",
        &kustomization_yaml(&["settings.yaml"], None),
    );
    env.up.commit("a slow and a quick app");
    env.create(&env.application("slow", "slow", automated(true, false)))
        .await;
    env.wait_for_object("slow's wave 0 applied", "slow", &web_deployment(), |_| true)
        .await;

    let mut quick = env.application("quick", "quick", automated(true, false));
    quick["spec"]["destination"]["namespace"] = json!("quick");
    env.create(&quick).await;
    env.wait_for_app("quick's sync succeeded", "quick", |a| {
        a["status"]["operationState"]["phase"] == "Succeeded"
    })
    .await;
    let slow = env.app("slow").await;
    assert_eq!(
        slow["status"]["operationState"]["phase"], "Running",
        "slow still waits for health: {}",
        slow["status"]["operationState"]
    );
    assert!(
        env.get(&settings_cm()).await.is_none(),
        "slow's wave 1 waits"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_apply_is_retried_then_reported() {
    let env = Env::start().await;
    // A kind the cluster does not serve: every attempt fails.
    env.up.write(
        "app/widget.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n",
    );
    env.up.write("app/settings.yaml", &config_map_yaml("one"));
    env.up.write(
        "app/kustomization.yaml",
        &kustomization_yaml(&["settings.yaml", "widget.yaml"], None),
    );
    env.up.commit("a widget");
    env.create(&env.application("broken", "app", automated(true, false)))
        .await;
    let app = env
        .wait_for_app("the operation to fail after its retries", "broken", |a| {
            a["status"]["operationState"]["phase"] == "Failed"
                && a["status"]["operationState"]["finishedAt"].is_string()
        })
        .await;
    let state = &app["status"]["operationState"];
    assert_eq!(state["retryCount"], 2, "{state}");
    let message = state["message"].as_str().unwrap_or("");
    assert!(message.contains("retried 2 times"), "{message}");
    let widget = state["syncResult"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["kind"] == "Widget"))
        .cloned()
        .unwrap_or_else(|| panic!("a result for the Widget: {state}"));
    assert_eq!(widget["status"], "SyncFailed", "{widget}");
    assert!(
        widget["message"]
            .as_str()
            .unwrap_or("")
            .contains("example.com"),
        "the result names what the server refused: {widget}"
    );
    assert!(
        env.get(&settings_cm()).await.is_none(),
        "nothing is half-applied when the dry-run fails: {state}"
    );
    let events = env
        .cluster
        .list(&Gvk::new("", "v1", "Event"), Some(ARGOCD), "")
        .await
        .expect("events");
    let reported = events.iter().any(|e| {
        e["reason"] == "OperationCompleted"
            && e["type"] == "Warning"
            && e["involvedObject"]["name"] == "broken"
    });
    assert!(reported, "a Warning event on the app: {events:?}");
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_render_never_prunes_everything_without_allow_empty() {
    let env = Env::start().await;
    seed(&env, "one", "1.0");
    env.create(&env.application("keep", "app", automated(true, false)))
        .await;
    env.wait_for_app("first sync", "keep", |a| summary(a).0 == "Synced")
        .await;
    env.up
        .write("app/kustomization.yaml", &kustomization_yaml(&[], None));
    env.up.commit("everything removed");
    env.wait_for_app("OutOfSync on the empty commit", "keep", |a| {
        summary(a).0 == "OutOfSync"
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(env.get(&settings_cm()).await.is_some());
    assert!(env.get(&web_deployment()).await.is_some());
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_syncs_a_history_revision() {
    let env = Env::start().await;
    let first = seed(&env, "one", "1.0");
    let manual = json!({"syncOptions": ["CreateNamespace=true"]});
    env.create(&env.application("rb", "app", manual)).await;
    env.wait_for_app("OutOfSync before any sync", "rb", |a| {
        summary(a).0 == "OutOfSync"
    })
    .await;
    let sync =
        json!({"operation": {"sync": {"revision": "main"}, "initiatedBy": {"username": "tester"}}});
    env.patch(&app_ref("rb"), sync.clone()).await;
    env.wait_for_app("first manual sync", "rb", |a| summary(a).2 == 1)
        .await;

    env.up.write("app/settings.yaml", &config_map_yaml("two"));
    let second = env.up.commit("two");
    env.patch(&app_ref("rb"), sync).await;
    let app = env
        .wait_for_app("second manual sync", "rb", |a| summary(a).2 == 2)
        .await;
    assert_eq!(history_revisions(&app), vec![first.clone(), second]);
    assert_eq!(
        env.get(&settings_cm()).await.expect("cm")["data"]["value"],
        "two"
    );

    let parsed = Application::from_value(&app).expect("app");
    let rollback = rollback_operation(&parsed, 0).expect("rollback to id 0");
    env.patch(&app_ref("rb"), json!({"operation": rollback}))
        .await;
    env.wait_for_object(
        "the first revision live again",
        "rb",
        &settings_cm(),
        |cm| cm["data"]["value"] == "one",
    )
    .await;
    let app = env
        .wait_for_app("rollback recorded", "rb", |a| summary(a).2 == 3)
        .await;
    assert_eq!(history_revisions(&app)[2], first);
    assert_eq!(
        summary(&app).0,
        "OutOfSync",
        "after a rollback the app differs from its target revision"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_app_with_the_resources_finalizer_deletes_its_resources() {
    let env = Env::start().await;
    seed(&env, "one", "1.0");
    let mut app = env.application("gone", "app", automated(true, false));
    app["metadata"]["finalizers"] = json!(["resources-finalizer.argocd.argoproj.io"]);
    env.create(&app).await;
    env.wait_for_app("deployed", "gone", |a| summary(a).0 == "Synced")
        .await;
    env.cluster
        .delete(
            &app_ref("gone"),
            gitops_engine::cluster::PropagationPolicy::Background,
            Default::default(),
        )
        .await
        .expect("delete the app");
    env.wait_for("the app and its resources gone", "gone", || async {
        let app_gone = env
            .cluster
            .get(&app_ref("gone"))
            .await
            .expect("get")
            .is_none();
        let cm_gone = env.get(&settings_cm()).await.is_none();
        let deployment_gone = env.get(&web_deployment()).await.is_none();
        (app_gone && cm_gone && deployment_gone).then_some(())
    })
    .await;
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_spec_is_reported_as_invalid_spec_error() {
    let env = Env::start().await;
    seed(&env, "one", "1.0");
    let mut app = env.application("odd", "app", json!({}));
    app["spec"]["syncPolicy"] = json!({"retry": {"limit": "five"}});
    env.create(&app).await;
    let app = env
        .wait_for_app("an InvalidSpecError condition", "odd", |a| {
            a["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["type"] == "InvalidSpecError"))
        })
        .await;
    let message = app["status"]["conditions"][0]["message"]
        .as_str()
        .unwrap_or("");
    assert!(message.contains("spec.syncPolicy.retry.limit"), "{message}");
    assert!(env.get(&settings_cm()).await.is_none(), "nothing deployed");
    env.stop().await;
}

//! End to end: the nine-service monorepo of `examples/appset-monorepo` in a
//! Git repository, the API server emulator, the Application controller and
//! the ApplicationSet reconciler. One Application per service directory, all
//! Synced and Healthy; a new directory adds one, a removed one is deleted
//! (unless the policy is create-only).

mod appset_example;
mod controller_support;
mod source_support;

use std::collections::BTreeMap;
use std::time::Duration;

use appset_example::{appset_crd, example, service_dirs};
use controller_support::{ARGOCD, Env, config_map_yaml, summary};
use gitops_engine::app::application_gvk;
use gitops_engine::appset::ApplicationsSyncPolicy;
use gitops_engine::appset::reconcile::{
    APPSET_REFRESH_ANNOTATION, AppSetReconciler, AppSetSettings, EVENT_COMPONENT, appset_gvk,
};
use gitops_engine::cluster::{Cluster, EventRecorder, Gvk, KubeCluster, ObjectRef, WriteOptions};
use serde_json::{Value, json};

/// The example ApplicationSet pointed at the test repository's `main`.
fn appset(env: &Env, applications_sync: Option<&str>) -> Value {
    let text = std::fs::read_to_string(example().join("appset.yaml")).expect("read appset");
    let text = text
        .replace(
            "https://git.example.com/shop/deployments.git",
            &env.up.url(),
        )
        .replace(": HEAD", ": main");
    let mut doc = kustomize_core::yaml::parse_document(&text).expect("parse appset");
    if let Some(policy) = applications_sync {
        doc["spec"]["syncPolicy"] = json!({"applicationsSync": policy});
    }
    doc
}

async fn start(env: &Env) -> tokio::task::JoinHandle<()> {
    start_with_resync(env, Duration::from_millis(300)).await
}

/// [`start`], reconciling each ApplicationSet at least every `resync`.
async fn start_with_resync(env: &Env, resync: Duration) -> tokio::task::JoinHandle<()> {
    let cluster = KubeCluster::new(env.cluster.client().clone());
    cluster
        .create(&appset_crd(), WriteOptions::default())
        .await
        .expect("crd");
    let reconciler = AppSetReconciler::new(
        cluster,
        env.controller.sources().clone(),
        AppSetSettings {
            namespace: ARGOCD.into(),
            policy: ApplicationsSyncPolicy::Sync,
            enable_policy_override: true,
        },
    )
    .with_events(EventRecorder::new(
        env.cluster.client().clone(),
        EVENT_COMPONENT,
    ))
    .with_application_cache(env.controller.control_plane_cache().clone());
    tokio::spawn(async move {
        reconciler
            .run(resync, Duration::from_millis(100), std::future::pending())
            .await;
    })
}

async fn app_names(env: &Env) -> Vec<String> {
    let mut names: Vec<String> = env
        .cluster
        .list(&application_gvk(), Some(ARGOCD), "")
        .await
        .expect("list apps")
        .iter()
        .filter(|a| a["metadata"]["deletionTimestamp"].is_null())
        .map(|a| a["metadata"]["name"].as_str().unwrap_or("").to_string())
        .collect();
    names.sort();
    names
}

async fn wait_for_names(env: &Env, what: &str, want: &[String]) {
    env.wait_for(what, "cart", || async {
        (app_names(env).await == want).then_some(())
    })
    .await;
}

fn web(namespace: &str) -> ObjectRef {
    ObjectRef {
        gvk: Gvk::new("apps", "v1", "Deployment"),
        namespace: namespace.into(),
        name: "web".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nine_services_deploy_and_follow_the_repository() {
    let env = Env::start().await;
    env.up
        .copy_tree(&example().join("deployments"), "deployments");
    env.up.commit("nine services");
    let runner = start(&env).await;
    env.create(&appset(&env, None)).await;

    let mut services = service_dirs();
    assert_eq!(services.len(), 9);
    wait_for_names(&env, "nine Applications", &services).await;
    for name in &services {
        env.wait_for_app("Synced and Healthy", name, |a| {
            let (sync, health, _) = summary(a);
            sync == "Synced" && health == "Healthy"
        })
        .await;
    }
    let cart = env.get(&web("cart")).await.expect("cart deployed");
    let overlay = std::fs::read_to_string(example().join("deployments/cart/kustomization.yaml"))
        .expect("read overlay");
    let overlay = kustomize_core::yaml::parse_document(&overlay).expect("parse overlay");
    assert_eq!(
        cart["spec"]["replicas"], overlay["replicas"][0]["count"],
        "the cart overlay's replicas"
    );

    // A tenth service directory in a new commit.
    env.up.write(
        "deployments/wishlist/kustomization.yaml",
        "resources:\n- ../base\nconfigMapGenerator:\n- name: web-config\n  literals:\n  - SERVICE=wishlist\n",
    );
    env.up.commit("wishlist");
    services.push("wishlist".into());
    services.sort();
    wait_for_names(&env, "ten Applications", &services).await;
    env.wait_for_object("wishlist deployed", "wishlist", &web("wishlist"), |_| true)
        .await;

    // Removing a directory deletes its Application and its resources.
    env.up.git(&["rm", "-rq", "deployments/users"]);
    env.up.commit("drop users");
    services.retain(|s| s != "users");
    wait_for_names(&env, "users Application gone", &services).await;
    env.wait_for("users resources deleted", "cart", || async {
        env.get(&web("users")).await.is_none().then_some(())
    })
    .await;

    runner.abort();
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_only_keeps_applications_of_removed_directories() {
    let env = Env::start().await;
    env.up
        .copy_tree(&example().join("deployments"), "deployments");
    env.up.commit("nine services");
    let runner = start(&env).await;
    env.create(&appset(&env, Some("create-only"))).await;
    let services = service_dirs();
    wait_for_names(&env, "nine Applications", &services).await;

    env.up.git(&["rm", "-rq", "deployments/users"]);
    env.up.commit("drop users");
    // Let several passes (and repository polls) go by.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        app_names(&env).await,
        services,
        "create-only deletes nothing"
    );

    runner.abort();
    env.stop().await;
}

/// The nine-service example in Git and the example ApplicationSet rolling it
/// out in two steps, cart then the rest (with `max_update` for the second).
/// Workloads settle a second after each write, so each step takes a while;
/// there is no periodic resync: the rollout advances because its
/// Applications change.
async fn start_rolling_sync(max_update: Option<&str>) -> (Env, tokio::task::JoinHandle<()>) {
    let env = Env::start_with_status_delay(Duration::from_secs(1)).await;
    env.up
        .copy_tree(&example().join("deployments"), "deployments");
    env.up.commit("nine services");
    let runner = start_with_resync(&env, Duration::from_secs(3600)).await;
    let mut set = appset(&env, None);
    set["spec"]["template"]["metadata"]["labels"]["service"] = json!("{{.path.basename}}");
    let mut rest = json!({"matchExpressions": [
        {"key": "service", "operator": "NotIn", "values": ["cart"]}]});
    if let Some(max_update) = max_update {
        rest["maxUpdate"] = json!(max_update);
    }
    set["spec"]["strategy"] = json!({"type": "RollingSync", "rollingSync": {"steps": [
        {"matchExpressions": [{"key": "service", "operator": "In", "values": ["cart"]}]},
        rest,
    ]}});
    env.create(&set).await;
    (env, runner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_sync_deploys_the_second_step_after_the_first_is_healthy() {
    let (env, runner) = start_rolling_sync(None).await;
    let services = service_dirs();
    wait_for_names(&env, "nine Applications", &services).await;

    // Until cart is Synced and Healthy, no other service has started a sync.
    env.wait_for("cart Synced and Healthy first", "cart", || async {
        let apps = env
            .cluster
            .list(&application_gvk(), Some(ARGOCD), "")
            .await
            .expect("list apps");
        let cart_done = apps.iter().any(|a| {
            a["metadata"]["name"] == "cart" && {
                let (sync, health, _) = summary(a);
                sync == "Synced" && health == "Healthy"
            }
        });
        if cart_done {
            return Some(());
        }
        for app in apps.iter().filter(|a| a["metadata"]["name"] != "cart") {
            let (_, _, deployed) = summary(app);
            assert_eq!(
                deployed, 0,
                "{} deployed before cart was healthy",
                app["metadata"]["name"]
            );
        }
        None
    })
    .await;
    for name in &services {
        env.wait_for_app("every step Synced and Healthy", name, |a| {
            let (sync, health, _) = summary(a);
            sync == "Synced" && health == "Healthy"
        })
        .await;
    }
    runner.abort();
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_refresh_annotation_reads_a_new_commit_at_once() {
    // Repositories are polled once an hour: only the refresh brings the new commit.
    let env = Env::start_with(Duration::from_millis(100), |settings| {
        settings.repo_poll = Duration::from_secs(3600);
        settings.resync = Duration::from_secs(3600);
    })
    .await;
    env.up.write("svc/a/settings.yaml", &config_map_yaml("a"));
    env.up.commit("a");
    let runner = start(&env).await;
    let set_ref = ObjectRef {
        gvk: appset_gvk(),
        namespace: ARGOCD.into(),
        name: "svc".into(),
    };
    env.create(&json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
        "metadata": {"name": set_ref.name, "namespace": ARGOCD},
        "spec": {
            "generators": [{"git": {"repoURL": env.up.url(), "revision": "main",
                                    "directories": [{"path": "svc/*"}]}}],
            "template": {
                "metadata": {"name": "{{path.basename}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": env.up.url(), "path": "{{path}}", "targetRevision": "main"},
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": "demo"},
                },
            },
        },
    }))
    .await;
    wait_for_names(&env, "Application a", &["a".to_owned()]).await;

    env.up.write("svc/b/settings.yaml", &config_map_yaml("b"));
    env.up.commit("b");
    env.patch(
        &set_ref,
        json!({"metadata": {"annotations": {APPSET_REFRESH_ANNOTATION: "true"}}}),
    )
    .await;
    wait_for_names(&env, "Application b", &["a".to_owned(), "b".to_owned()]).await;
    let set = env.get(&set_ref).await.expect("appset");
    assert!(
        set["metadata"]["annotations"][APPSET_REFRESH_ANNOTATION].is_null(),
        "the annotation is removed: {}",
        set["metadata"]
    );
    runner.abort();
    env.stop().await;
}

/// The services' rollout status in `status.applicationStatus`, by Application.
async fn rollout_statuses(env: &Env) -> BTreeMap<String, String> {
    let set = env.get(&services_ref()).await.expect("appset");
    set["status"]["applicationStatus"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let field = |k: &str| e[k].as_str().unwrap_or("").to_owned();
            (field("application"), field("status"))
        })
        .collect()
}

fn services_ref() -> ObjectRef {
    ObjectRef {
        gvk: appset_gvk(),
        namespace: ARGOCD.into(),
        name: "services".into(),
    }
}

/// Watches one rollout until every service is `deployed` and `Healthy` in the
/// ApplicationSet's status; asserts on every look that no service of the
/// second step has been deployed before cart is `Healthy` and that at most
/// `max_update` services of the second step are updating (`Pending` or
/// `Progressing`) at once. Returns the most that were.
async fn watch_rollout<F, Fut>(env: &Env, max_update: usize, deployed: F) -> usize
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let services = service_dirs();
    let peak = std::cell::Cell::new(0);
    env.wait_for("the rollout to complete", "cart", || async {
        let statuses = rollout_statuses(env).await;
        let updating = statuses
            .iter()
            .filter(|(app, s)| *app != "cart" && (*s == "Pending" || *s == "Progressing"))
            .count();
        assert!(
            updating <= max_update,
            "{updating} second-step Applications updating at once: {statuses:?}"
        );
        peak.set(peak.get().max(updating));
        let mut all = true;
        for service in &services {
            let done = deployed(service.clone()).await;
            if done && service != "cart" {
                assert_eq!(
                    statuses.get("cart").map(String::as_str),
                    Some("Healthy"),
                    "{service} deployed before cart was Healthy: {statuses:?}"
                );
            }
            all &= done && statuses.get(service).map(String::as_str) == Some("Healthy");
        }
        all.then_some(())
    })
    .await;
    peak.get()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_sync_honours_max_update_and_rolls_out_a_template_change_step_by_step() {
    // Eight services in the second step: 30% of 8 is 2.4, which Argo CD rounds down to 2.
    let (env, runner) = start_rolling_sync(Some("30%")).await;
    let services = service_dirs();
    wait_for_names(&env, "nine Applications", &services).await;

    // The set syncs the Applications itself: automated sync is off on each.
    let cart = env.app("cart").await;
    assert_eq!(
        cart["spec"]["syncPolicy"]["automated"]["enabled"],
        json!(false),
        "{}",
        cart["spec"]
    );
    let shared = &env;
    let peak = watch_rollout(shared, 2, move |name| async move {
        let (_, _, syncs) = summary(&shared.app(&name).await);
        syncs > 0
    })
    .await;
    assert_eq!(peak, 2, "maxUpdate 30% of 8 lets two sync at once");
    let set_now = env.get(&services_ref()).await.expect("appset");
    let progressing = set_now["status"]["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == "RolloutProgressing"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (
            progressing["status"].as_str(),
            progressing["reason"].as_str()
        ),
        (Some("False"), Some("ApplicationSetRolloutComplete")),
        "{progressing}"
    );

    // A template change: every service gets a new image, again step by step.
    let new_image = "registry.example.com/shop/web:1.1.0";
    env.patch(
        &services_ref(),
        json!({"spec": {"template": {"spec": {"source": {"kustomize": {"images": [new_image]}}}}}}),
    )
    .await;
    let peak = watch_rollout(shared, 2, move |name| async move {
        shared
            .get(&web(&name))
            .await
            .is_some_and(|d| d["spec"]["template"]["spec"]["containers"][0]["image"] == new_image)
    })
    .await;
    assert_eq!(peak, 2, "the second rollout also syncs two at a time");

    runner.abort();
    env.stop().await;
}

/// The Events about ApplicationSet `name`: (type, reason, message), with the
/// component that recorded them.
async fn appset_events(env: &Env, name: &str) -> Vec<(String, String, String, String)> {
    let events = env
        .cluster
        .list(&Gvk::new("", "v1", "Event"), Some(ARGOCD), "")
        .await
        .expect("list events");
    events
        .iter()
        .filter(|e| {
            e["involvedObject"]["kind"] == "ApplicationSet" && e["involvedObject"]["name"] == name
        })
        .map(|e| {
            let field = |v: &Value| v.as_str().unwrap_or("").to_owned();
            (
                field(&e["type"]),
                field(&e["reason"]),
                field(&e["message"]),
                field(&e["source"]["component"]),
            )
        })
        .collect()
}

/// Waits until the ApplicationSet `name` has a Normal Event with `reason` and `message`.
async fn wait_for_event(env: &Env, name: &str, reason: &str, message: &str) {
    let want = (
        "Normal".to_owned(),
        reason.to_owned(),
        message.to_owned(),
        EVENT_COMPONENT.to_owned(),
    );
    env.wait_for(&format!("Event {reason}: {message}"), "a", || async {
        appset_events(env, name).await.contains(&want).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_name_each_application_created_updated_and_deleted() {
    let env = Env::start().await;
    for dir in ["a", "b"] {
        env.up
            .write(&format!("svc/{dir}/settings.yaml"), &config_map_yaml(dir));
    }
    env.up.commit("a and b");
    let runner = start(&env).await;
    let set_ref = svc_ref();
    env.create(&svc_set(&env)).await;
    // Argo CD: Eventf(appset, Normal, fmt.Sprint(action), "%s Application %q", action, name)
    // with controller-runtime's OperationResult ("created", "updated"), and
    // Eventf(appset, Normal, "Deleted", "Deleted Application %q", name).
    wait_for_event(&env, "svc", "created", r#"created Application "a""#).await;
    wait_for_event(&env, "svc", "created", r#"created Application "b""#).await;

    env.patch(
        &set_ref,
        json!({"spec": {"template": {"spec": {"source": {"directory": {"recurse": true}}}}}}),
    )
    .await;
    wait_for_event(&env, "svc", "updated", r#"updated Application "a""#).await;
    wait_for_event(&env, "svc", "updated", r#"updated Application "b""#).await;

    env.up.git(&["rm", "-rq", "svc/b"]);
    env.up.commit("drop b");
    wait_for_event(&env, "svc", "Deleted", r#"Deleted Application "b""#).await;
    // Repeats of an Event aggregate (count + 1): one Event per action and app.
    let events = appset_events(&env, "svc").await;
    assert_eq!(events.len(), 5, "{events:?}");

    runner.abort();
    env.stop().await;
}

fn svc_ref() -> ObjectRef {
    ObjectRef {
        gvk: appset_gvk(),
        namespace: ARGOCD.into(),
        name: "svc".into(),
    }
}

/// ApplicationSet `svc`: one Application per directory `svc/*` of the test
/// repository's `main`, deployed to `demo`.
fn svc_set(env: &Env) -> Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
        "metadata": {"name": "svc", "namespace": ARGOCD},
        "spec": {
            "generators": [{"git": {"repoURL": env.up.url(), "revision": "main",
                                    "directories": [{"path": "svc/*"}]}}],
            "template": {
                "metadata": {"name": "{{path.basename}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": env.up.url(), "path": "{{path}}", "targetRevision": "main"},
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": "demo"},
                },
            },
        },
    })
}

/// `status.conditions` of ApplicationSet `svc` without their times, in order.
async fn svc_conditions(env: &Env) -> Vec<Value> {
    let set = env.get(&svc_ref()).await.expect("appset");
    set["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            assert!(c["lastTransitionTime"].is_string(), "{c}");
            json!({"type": c["type"], "status": c["status"], "reason": c["reason"],
                   "message": c["message"]})
        })
        .collect()
}

/// Waits until ApplicationSet `svc` has exactly `want` as conditions.
async fn wait_for_conditions(env: &Env, what: &str, want: &[Value]) {
    env.wait_for(what, "a", || async {
        (svc_conditions(env).await == want).then_some(())
    })
    .await;
}

fn up_to_date_conditions() -> Vec<Value> {
    // Argo CD (applicationset_controller.go): ResourcesUpToDate True
    // "ApplicationSetUpToDate" / "All applications have been generated successfully",
    // which setApplicationSetStatusCondition mirrors into ErrorOccurred False, plus
    // getParametersGeneratedCondition(true); SetConditions sorts them by type.
    let done = "All applications have been generated successfully";
    vec![
        json!({"type": "ErrorOccurred", "status": "False", "reason": "ApplicationSetUpToDate", "message": done}),
        json!({"type": "ParametersGenerated", "status": "True", "reason": "ParametersGenerated",
               "message": "Successfully generated parameters for all Applications"}),
        json!({"type": "ResourcesUpToDate", "status": "True", "reason": "ApplicationSetUpToDate", "message": done}),
    ]
}

/// The conditions Argo CD writes when generation fails with `message`:
/// ErrorOccurred True with `reason`, mirrored into ResourcesUpToDate False
/// ("ErrorOccurred"), and getParametersGeneratedCondition(false, message).
fn failed_conditions(reason: &str, message: &str) -> Vec<Value> {
    vec![
        json!({"type": "ErrorOccurred", "status": "True", "reason": reason, "message": message}),
        json!({"type": "ParametersGenerated", "status": "False", "reason": "ErrorOccurred", "message": message}),
        json!({"type": "ResourcesUpToDate", "status": "False", "reason": "ErrorOccurred", "message": message}),
    ]
}

/// The ErrorOccurred message of ApplicationSet `svc`, once it is True with a
/// message containing `about`.
async fn wait_for_error(env: &Env, about: &str) -> String {
    env.wait_for(&format!("ErrorOccurred about {about}"), "a", || async {
        svc_conditions(env)
            .await
            .iter()
            .find(|c| c["type"] == "ErrorOccurred" && c["status"] == "True")
            .and_then(|c| c["message"].as_str())
            .filter(|m| m.contains(about))
            .map(str::to_owned)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generator_errors_keep_the_applications_and_the_status_says_why() {
    let env = Env::start().await;
    for dir in ["a", "b"] {
        env.up
            .write(&format!("svc/{dir}/settings.yaml"), &config_map_yaml(dir));
    }
    env.up.commit("a and b");
    let runner = start(&env).await;
    let mut set = svc_set(&env);
    set["spec"]["template"]["spec"]["syncPolicy"] =
        json!({"automated": {}, "syncOptions": ["CreateNamespace=true"]});
    set["spec"]["template"]["spec"]["destination"]["namespace"] = json!("{{path.basename}}");
    env.create(&set).await;
    let both = ["a".to_owned(), "b".to_owned()];
    wait_for_names(&env, "Applications a and b", &both).await;

    // status.resources as Argo CD's BuildResourceStatus writes it: one entry per
    // owned Application (sorted by name) with its sync status and health.
    let resource = |name: &str| {
        json!({"group": "argoproj.io", "version": "v1alpha1", "kind": "Application",
               "namespace": ARGOCD, "name": name, "status": "Synced",
               "health": {"status": "Healthy"}})
    };
    let want = json!([resource("a"), resource("b")]);
    let set = env
        .wait_for("resources Synced and Healthy", "a", || async {
            let set = env.get(&svc_ref()).await.expect("appset");
            (set["status"]["resources"] == want).then_some(set)
        })
        .await;
    assert_eq!(set["status"]["resourcesCount"], 2);
    wait_for_conditions(&env, "up to date", &up_to_date_conditions()).await;

    // A git generator reading a branch that does not exist.
    env.patch(
        &svc_ref(),
        json!({"spec": {"generators": [{"git": {"repoURL": env.up.url(), "revision": "no-such-branch",
                                                "directories": [{"path": "svc/*"}]}}]}}),
    )
    .await;
    let message = wait_for_error(&env, "no-such-branch").await;
    assert!(message.starts_with("generator 0 (git): "), "{message}");
    wait_for_conditions(
        &env,
        "generation failed",
        &failed_conditions("ApplicationGenerationFromParamsError", &message),
    )
    .await;
    // Several passes later nothing is deleted and the resources are as they were.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(app_names(&env).await, both);
    let set = env.get(&svc_ref()).await.expect("appset");
    assert_eq!(set["status"]["resources"], want);

    // A matrix with three children.
    let list = json!({"list": {"elements": [{"x": "1"}]}});
    env.patch(
        &svc_ref(),
        json!({"spec": {"generators": [{"matrix": {"generators": [list, list, list]}}]}}),
    )
    .await;
    wait_for_conditions(
        &env,
        "matrix with three children",
        &failed_conditions(
            "ApplicationGenerationFromParamsError",
            "generator 0 (matrix): found more than two generators, Matrix support only two",
        ),
    )
    .await;

    // A Go template naming a missing key under missingkey=error fails while rendering.
    env.patch(
        &svc_ref(),
        json!({"spec": {
            "generators": [{"git": {"repoURL": env.up.url(), "revision": "main",
                                    "directories": [{"path": "svc/*"}]}}],
            "goTemplate": true, "goTemplateOptions": ["missingkey=error"],
            "template": {"metadata": {"name": "{{.path.basename}}{{.nope}}"},
                         "spec": {"source": {"path": "{{.path.path}}"},
                                  "destination": {"namespace": "{{.path.basename}}"}}},
        }}),
    )
    .await;
    let message = wait_for_error(&env, "nope").await;
    wait_for_conditions(
        &env,
        "rendering failed",
        &failed_conditions("RenderTemplateParamsError", &message),
    )
    .await;
    assert_eq!(app_names(&env).await, both);

    // A RollingSync without steps: Argo CD's ApplicationSetRolloutError, after
    // the parameters were generated.
    let no_steps = "No steps defined for rollout";
    env.patch(
        &svc_ref(),
        json!({"spec": {"template": {"metadata": {"name": "{{.path.basename}}"}},
                        "strategy": {"type": "RollingSync", "rollingSync": {"steps": []}}}}),
    )
    .await;
    let mut want = failed_conditions("ApplicationSetRolloutError", no_steps);
    want[1] = up_to_date_conditions()[1].clone();
    wait_for_conditions(&env, "a rollout without steps", &want).await;
    assert_eq!(app_names(&env).await, both);

    // Fixed: up to date again, with the same Applications.
    env.patch(&svc_ref(), json!({"spec": {"strategy": null}}))
        .await;
    wait_for_conditions(&env, "up to date again", &up_to_date_conditions()).await;
    assert_eq!(app_names(&env).await, both);

    runner.abort();
    env.stop().await;
}

/// A cluster Secret for cluster `name` at `server`.
fn cluster_secret(name: &str, server: &str) -> Value {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": format!("cluster-{name}"), "namespace": ARGOCD,
                     "labels": {"argocd.argoproj.io/secret-type": "cluster"}},
        "data": {"name": b64(name), "server": b64(server)},
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_decision_resource_reads_placement_decisions_from_the_cluster() {
    // Argo CD's applicationset/examples/clusterDecisionResource: the duck-typed
    // PlacementDecision, the ConfigMap describing it, and an ApplicationSet
    // generating one Application per decided cluster known to Argo CD.
    let env = Env::start().await;
    let runner = start(&env).await;
    env.create(&json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "placementdecisions.cluster.open-cluster-management.io"},
        "spec": {
            "group": "cluster.open-cluster-management.io", "scope": "Namespaced",
            "names": {"kind": "PlacementDecision", "plural": "placementdecisions",
                      "singular": "placementdecision", "listKind": "PlacementDecisionList"},
            "versions": [{"name": "v1beta1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object",
                    "x-kubernetes-preserve-unknown-fields": true}}}],
        },
    }))
    .await;
    env.create(&json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "ocm-placement", "namespace": ARGOCD},
        "data": {"apiVersion": "cluster.open-cluster-management.io/v1beta1",
                 "kind": "placementdecisions", "statusListKey": "decisions",
                 "matchKey": "clusterName"},
    }))
    .await;
    for name in ["cluster-01", "cluster-02"] {
        env.create(&cluster_secret(
            name,
            &format!("https://{name}.example.com"),
        ))
        .await;
    }
    let decision_ref = ObjectRef {
        gvk: Gvk::new(
            "cluster.open-cluster-management.io",
            "v1beta1",
            "PlacementDecision",
        ),
        namespace: ARGOCD.into(),
        name: "test-placement".into(),
    };
    env.create(&json!({
        "apiVersion": "cluster.open-cluster-management.io/v1beta1", "kind": "PlacementDecision",
        "metadata": {"name": decision_ref.name, "namespace": ARGOCD,
                     "labels": {"cluster.open-cluster-management.io/placement": "test-placement"}},
        // A cluster Argo CD does not know is skipped.
        "status": {"decisions": [{"clusterName": "cluster-01", "reason": ""},
                                 {"clusterName": "cluster-02", "reason": ""},
                                 {"clusterName": "cluster-03", "reason": ""}]},
    }))
    .await;
    let set_ref = ObjectRef {
        gvk: appset_gvk(),
        namespace: ARGOCD.into(),
        name: "book-import".into(),
    };
    env.create(&json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
        "metadata": {"name": set_ref.name, "namespace": ARGOCD},
        "spec": {
            "goTemplate": true, "goTemplateOptions": ["missingkey=error"],
            "generators": [{"clusterDecisionResource": {
                "configMapRef": "ocm-placement", "name": "test-placement",
                "requeueAfterSeconds": 30}}],
            "template": {
                "metadata": {"name": "{{.clusterName}}-book-import"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": "https://github.com/open-cluster-management/application-samples.git",
                               "targetRevision": "HEAD", "path": "book-import"},
                    "destination": {"name": "{{.clusterName}}", "namespace": "bookimport"},
                },
            },
        },
    }))
    .await;
    let both = [
        "cluster-01-book-import".to_owned(),
        "cluster-02-book-import".to_owned(),
    ];
    wait_for_names(&env, "one Application per decided cluster", &both).await;
    let app = env.app("cluster-02-book-import").await;
    assert_eq!(app["spec"]["destination"]["name"], "cluster-02");

    // Selecting the decision resources by label gives the same clusters; the
    // cluster's `name` and `server` are parameters too.
    env.patch(
        &set_ref,
        json!({"spec": {
            "generators": [{"clusterDecisionResource": {
                "configMapRef": "ocm-placement",
                "labelSelector": {"matchLabels": {"cluster.open-cluster-management.io/placement": "test-placement"}}}}],
            "template": {"spec": {"destination": {"name": null, "server": "{{.server}}"}}},
        }}),
    )
    .await;
    env.wait_for_app(
        "destination server from the cluster Secret",
        &both[0],
        |a| a["spec"]["destination"]["server"] == "https://cluster-01.example.com",
    )
    .await;
    assert_eq!(app_names(&env).await, both);

    // A decision removed from the resource's status removes its Application.
    env.patch(
        &decision_ref,
        json!({"status": {"decisions": [{"clusterName": "cluster-01", "reason": ""}]}}),
    )
    .await;
    wait_for_names(&env, "cluster-02 undecided", &both[..1]).await;

    // A missing ConfigMap is an error that deletes nothing (Argo CD's message).
    env.patch(
        &set_ref,
        json!({"spec": {"generators": [{"clusterDecisionResource": {"configMapRef": "missing"}}]}}),
    )
    .await;
    env.wait_for("ErrorOccurred about the configMapRef", "a", || async {
        let set = env.get(&set_ref).await.expect("appset");
        set["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| {
                c["type"] == "ErrorOccurred"
                    && c["status"] == "True"
                    && c["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("error reading configMapRef"))
            })
            .then_some(())
    })
    .await;
    assert_eq!(app_names(&env).await, both[..1]);

    runner.abort();
    env.stop().await;
}

//! End to end with Helm: an Application whose path holds a chart with a
//! subchart and a values file syncs through the controller onto the API
//! server emulator; a `pre-install` hook runs in the PreSync phase, as Argo
//! CD maps Helm hooks; a values change in a new commit rolls out.

mod controller_support;
mod source_support;

use controller_support::{Env, demo, deployment_yaml, settings_cm, summary, web_deployment};
use serde_json::{Value, json};

fn seed_chart(env: &Env, setting: &str) {
    let up = &env.up;
    up.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: db\n    version: 0.1.0\n    condition: db.enabled\n",
    );
    up.write(
        "chart/values.yaml",
        "image: nginx:1.0\nsetting: default\ndb:\n  enabled: true\n",
    );
    up.write("chart/values-prod.yaml", &format!("setting: {setting}\n"));
    up.write(
        "chart/templates/deployment.yaml",
        &deployment_yaml("{{ .Values.image }}"),
    );
    up.write(
        "chart/templates/settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: {{ printf \"%q\" .Values.setting }}\n",
    );
    up.write(
        "chart/templates/migrate.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\ndata:\n  release: {{ .Release.Name }}\n",
    );
    up.write(
        "chart/charts/db/Chart.yaml",
        "apiVersion: v2\nname: db\nversion: 0.1.0\n",
    );
    up.write("chart/charts/db/values.yaml", "name: db-config\n");
    up.write(
        "chart/charts/db/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\ndata:\n  release: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\n",
    );
}

fn results(app: &Value) -> Vec<Value> {
    app["status"]["operationState"]["syncResult"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_helm_chart_syncs_runs_its_hook_presync_and_rolls_out_values() {
    let env = Env::start().await;
    seed_chart(&env, "prod-one");
    env.up.commit("chart with a db subchart");
    let mut app = env.application(
        "web",
        "chart",
        json!({"automated": {"prune": true}, "syncOptions": ["CreateNamespace=true"]}),
    );
    app["spec"]["source"]["helm"] = json!({"valueFiles": ["values-prod.yaml"]});
    env.create(&app).await;

    let app = env
        .wait_for_app("first sync, Synced and Healthy", "web", |a| {
            summary(a) == ("Synced".into(), "Healthy".into(), 1)
        })
        .await;
    let settings = env.get(&settings_cm()).await.expect("settings deployed");
    assert_eq!(
        settings["data"]["value"], "prod-one",
        "values-prod.yaml wins"
    );
    let db = env
        .get(&demo("", "v1", "ConfigMap", "db-config"))
        .await
        .expect("the subchart's ConfigMap");
    assert_eq!(db["data"], json!({"release": "web", "namespace": "demo"}));
    let deployment = env.get(&web_deployment()).await.expect("deployment");
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.0"
    );
    let hook = results(&app)
        .into_iter()
        .find(|r| r["name"] == "migrate")
        .expect("the hook ran");
    assert_eq!(hook["hookType"], "PreSync", "{hook}");
    assert_eq!(hook["syncPhase"], "PreSync", "{hook}");

    seed_chart(&env, "prod-two");
    env.up.commit("prod-two");
    env.wait_for_object("the new value live", "web", &settings_cm(), |cm| {
        cm["data"]["value"] == "prod-two"
    })
    .await;
    env.wait_for_app("second sync", "web", |a| {
        summary(a) == ("Synced".into(), "Healthy".into(), 2)
    })
    .await;
    env.stop().await;
}

//! `update_application` end to end: a real `docker-registry` on 127.0.0.1
//! holds the tags; the `argocd` method patches an Application held by the
//! API server emulator; the `git` method commits `.argocd-source-<app>.yaml`
//! to a bare remote, and rendering the app with its name picks it up.
//! Skipped (with a note) when `docker-registry` is not installed.

mod image_writeback_support;
mod source_support;

use std::sync::Arc;
use std::time::Duration;

use gitops_engine::image::registry::RegistryConfig;
use gitops_engine::image::updater::{
    ImageOutcome, UpdateError, UpdateOptions, UpdateReport, WriteBackResult, update_application,
};
use gitops_engine::image::writeback::WriteOutcome;
use gitops_engine::source::{GitRepo, HelmContext, RenderOptions, parse_helm_source, render};
use image_writeback_support::{AppRemote, Registry, emulator_with_application};
use kube::api::{Api, DynamicObject};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

const PREFIX: &str = "argocd-image-updater.argoproj.io/";

/// Registry settings that reach the test registry over plain HTTP.
fn options(work: &std::path::Path) -> UpdateOptions {
    let mut options = UpdateOptions::new(work);
    options.registry = Arc::new(|image| {
        let mut config = RegistryConfig::new(format!("http://{}", image.registry));
        config.requests_per_second = None;
        config.timeout = Duration::from_secs(10);
        config
    });
    options
}

async fn registry_with_tags(test: &str) -> Option<Registry> {
    let registry = Registry::start(test).await?;
    for tag in ["1.0.0", "1.1.0", "1.2.0-rc.1", "2.0.0", "latest"] {
        registry.push("demo/web", tag).await;
    }
    Some(registry)
}

fn application(annotations: &[(&str, &str)], source: Value, deployed: &[String]) -> Value {
    let annotations: serde_json::Map<String, Value> = annotations
        .iter()
        .map(|(k, v)| (format!("{PREFIX}{k}"), json!(v)))
        .collect();
    json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "web", "namespace": "argocd", "annotations": annotations},
        "spec": {"project": "default", "source": source,
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"}},
        "status": {"summary": {"images": deployed}},
    })
}

/// The file and branch of a pushed write-back.
fn pushed(report: &UpdateReport) -> (String, String) {
    let WriteBackResult::Git(WriteOutcome::Pushed { path, branch, .. }) = &report.write_back else {
        panic!("expected a push: {report:?}");
    };
    (path.clone(), branch.clone())
}

/// The image of the first container of the first object `path` of the
/// remote renders to at the tip of `branch` (a fresh clone in `cache`).
fn rendered_image_on(
    remote: &AppRemote,
    cache: &str,
    branch: &str,
    options: &RenderOptions,
) -> Value {
    let repo = GitRepo::open_or_clone(&remote.url(), &remote.dir(cache)).unwrap();
    let tip = repo.resolve(branch).unwrap();
    let rendered = render(&repo, tip, "apps/web", options).unwrap();
    rendered.objects[0]["spec"]["template"]["spec"]["containers"][0]["image"].clone()
}

#[tokio::test]
async fn argocd_method_patches_the_application() {
    let Some(registry) = registry_with_tags("argocd_method_patches_the_application").await else {
        return;
    };
    let image = format!("{}/demo/web", registry.addr);
    let object = application(
        &[("image-list", &format!("web={image}:1.x"))],
        json!({"repoURL": "https://example.com/repo.git", "path": "apps/web", "targetRevision": "main",
            "kustomize": {"images": ["busybox:1.36"]}}),
        &[format!("{image}:1.0.0"), "busybox:1.36".into()],
    );
    let (emulator, client) = emulator_with_application(&object).await;
    let apps: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "argocd",
        &ApiResource::from_gvk(&GroupVersionKind::gvk(
            "argoproj.io",
            "v1alpha1",
            "Application",
        )),
    );
    let app = serde_json::to_value(apps.get("web").await.unwrap()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut options = options(tmp.path());
    options.client = Some(client.clone());

    // Dry run: the update is reported, nothing is written.
    options.dry_run = true;
    let report = update_application(&app, &options).await.unwrap();
    let updates: Vec<String> = report
        .updates()
        .map(|(i, from, to)| format!("{i} {from} -> {to}"))
        .collect();
    assert_eq!(updates, [format!("{image} {image}:1.0.0 -> {image}:1.1.0")]);
    assert_eq!(report.write_back, WriteBackResult::Skipped);
    let unchanged = serde_json::to_value(apps.get("web").await.unwrap()).unwrap();
    assert_eq!(
        unchanged["spec"]["source"]["kustomize"]["images"],
        json!(["busybox:1.36"])
    );

    options.dry_run = false;
    let report = update_application(&app, &options).await.unwrap();
    assert!(
        matches!(report.write_back, WriteBackResult::Patched(_)),
        "{:?}",
        report.write_back
    );
    let patched = serde_json::to_value(apps.get("web").await.unwrap()).unwrap();
    assert_eq!(
        patched["spec"]["source"]["kustomize"]["images"],
        json!(["busybox:1.36", format!("{image}:1.1.0")])
    );
    assert_eq!(
        patched["spec"]["source"]["path"], "apps/web",
        "the rest of the spec is kept"
    );

    // Once deployed, nothing is left to do.
    let mut deployed = patched.clone();
    deployed["status"]["summary"]["images"] = json!([format!("{image}:1.1.0")]);
    let report = update_application(&deployed, &options).await.unwrap();
    assert!(
        matches!(report.images[0].outcome, ImageOutcome::UpToDate { .. }),
        "{:?}",
        report.images
    );
    assert_eq!(report.write_back, WriteBackResult::Skipped);
    emulator.shutdown().await;
}

#[tokio::test]
async fn git_method_commits_the_default_target_and_render_uses_it() {
    let Some(registry) =
        registry_with_tags("git_method_commits_the_default_target_and_render_uses_it").await
    else {
        return;
    };
    let image = format!("{}/demo/web", registry.addr);
    let remote = AppRemote::new(&format!("{image}:1.0.0"));
    let app = application(
        &[
            ("image-list", &format!("web={image}")),
            ("write-back-method", "git"),
            ("web.ignore-tags", "2.*"),
        ],
        json!({"repoURL": remote.url(), "path": "apps/web", "targetRevision": "HEAD"}),
        &[format!("{image}:1.0.0")],
    );
    let report = update_application(&app, &options(&remote.dir("work")))
        .await
        .unwrap();
    // HEAD is the remote's default branch.
    assert_eq!(
        pushed(&report),
        ("apps/web/.argocd-source-web.yaml".into(), "main".into())
    );

    let repo = GitRepo::open_or_clone(&remote.url(), &remote.dir("cache")).unwrap();
    let head = repo.resolve("main").unwrap();
    let rendered_image = |app_name: Option<&str>| {
        let options = RenderOptions {
            app_name: app_name.map(str::to_owned),
            ..Default::default()
        };
        let rendered = render(&repo, head, "apps/web", &options).unwrap();
        rendered.objects[0]["spec"]["template"]["spec"]["containers"][0]["image"].clone()
    };
    // 2.0.0 is ignored and 1.2.0-rc.1 is a pre-release: 1.1.0 it is, for
    // this app only.
    assert_eq!(rendered_image(Some("web")), json!(format!("{image}:1.1.0")));
    assert_eq!(
        rendered_image(Some("other")),
        json!(format!("{image}:1.0.0"))
    );
    assert_eq!(rendered_image(None), json!(format!("{image}:1.0.0")));
}

#[tokio::test]
async fn git_method_rewrites_the_kustomization_target() {
    let Some(registry) = registry_with_tags("git_method_rewrites_the_kustomization_target").await
    else {
        return;
    };
    let image = format!("{}/demo/web", registry.addr);
    let remote = AppRemote::new(&format!("{image}:1.0.0"));
    let app = application(
        &[
            ("image-list", &format!("web={image}:1.x")),
            ("write-back-method", "git"),
            ("write-back-target", "kustomization:."),
            ("git-branch", "main:image-updates"),
        ],
        json!({"repoURL": remote.url(), "path": "apps/web", "targetRevision": "main"}),
        &[],
    );
    // No status and no spec images: the deployed image is found by
    // rendering the source.
    let mut options = options(&remote.dir("work"));
    options.source_cache_dir = Some(remote.dir("sources"));
    let report = update_application(&app, &options).await.unwrap();
    assert_eq!(report.warnings, Vec::<String>::new());
    let updates: Vec<String> = report
        .updates()
        .map(|(_, from, to)| format!("{from} -> {to}"))
        .collect();
    assert_eq!(updates, [format!("{image}:1.0.0 -> {image}:1.1.0")]);
    assert_eq!(
        pushed(&report),
        ("apps/web/kustomization.yaml".into(), "image-updates".into())
    );
    assert_eq!(
        rendered_image_on(&remote, "cache", "image-updates", &RenderOptions::default()),
        json!(format!("{image}:1.1.0"))
    );
}

#[tokio::test]
async fn images_not_deployed_are_skipped_unless_forced() {
    let Some(registry) = registry_with_tags("images_not_deployed_are_skipped_unless_forced").await
    else {
        return;
    };
    let image = format!("{}/demo/web", registry.addr);
    let tmp = tempfile::tempdir().unwrap();
    let source = json!({"repoURL": "https://example.com/r.git", "path": "."});
    let app = application(
        &[("image-list", &format!("{image}:1.x"))],
        source.clone(),
        &[],
    );
    let mut options = options(tmp.path());
    options.dry_run = true;
    let report = update_application(&app, &options).await.unwrap();
    assert_eq!(report.images[0].outcome, ImageOutcome::NotDeployed);
    let forced = application(
        &[
            ("image-list", &format!("{image}:1.x")),
            ("force-update", "true"),
        ],
        source,
        &[],
    );
    let report = update_application(&forced, &options).await.unwrap();
    let updates: Vec<String> = report.updates().map(|(_, _, to)| to.to_string()).collect();
    assert_eq!(updates, [format!("{image}:1.1.0")]);
}

#[tokio::test]
async fn annotations_errors_stop_the_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let app = application(
        &[("image-list", "nginx"), ("write-back-method", "svn")],
        json!({"repoURL": "https://example.com/r.git"}),
        &[],
    );
    let err = update_application(&app, &options(tmp.path()))
        .await
        .unwrap_err();
    assert!(matches!(err, UpdateError::Annotations { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "application argocd/web: annotation {PREFIX}write-back-method: \"svn\": expected argocd, git, git:repocreds or git:secret:[<namespace>/]<name>"
        )
    );
}

#[tokio::test]
async fn git_secret_credentials_are_read_from_the_cluster() {
    let Some(registry) =
        registry_with_tags("git_secret_credentials_are_read_from_the_cluster").await
    else {
        return;
    };
    let image = format!("{}/demo/web", registry.addr);
    let remote = AppRemote::new(&format!("{image}:1.0.0"));
    let app = |method: &str| {
        application(
            &[
                ("image-list", &format!("web={image}:1.x")),
                ("write-back-method", method),
            ],
            json!({"repoURL": remote.url(), "path": "apps/web", "targetRevision": "main"}),
            &[format!("{image}:1.0.0")],
        )
    };
    let (emulator, client) = emulator_with_application(&app("git:secret:git-creds")).await;
    let secrets: Api<k8s_openapi::api::core::v1::Secret> =
        Api::namespaced(client.clone(), "argocd");
    let secret = serde_json::from_value(json!({"metadata": {"name": "git-creds"},
        "stringData": {"username": "bot", "password": "s3cret"}}))
    .unwrap();
    secrets
        .create(&kube::api::PostParams::default(), &secret)
        .await
        .unwrap();
    let mut options = options(&remote.dir("work"));
    options.client = Some(client);
    // file:// needs no credentials, but they must be readable.
    let report = update_application(&app("git:secret:git-creds"), &options)
        .await
        .unwrap();
    assert!(
        matches!(
            report.write_back,
            WriteBackResult::Git(WriteOutcome::Pushed { .. })
        ),
        "{:?}",
        report.write_back
    );
    let report = update_application(&app("git:secret:missing"), &options)
        .await
        .unwrap();
    let WriteBackResult::Failed(message) = &report.write_back else {
        panic!("expected a failure: {:?}", report.write_back);
    };
    assert!(
        message.starts_with("git write-back: secret argocd/missing: "),
        "{message}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn helm_applications_get_helm_parameters_and_values() {
    let Some(registry) =
        registry_with_tags("helm_applications_get_helm_parameters_and_values").await
    else {
        return;
    };
    let image = format!("{}/demo/web", registry.addr);
    let remote = AppRemote::helm_chart(&image, "1.0.0");
    let annotations = [
        ("image-list", format!("web={image}:1.x")),
        ("web.helm.image-name", "image.repository".to_owned()),
        ("web.helm.image-tag", "image.tag".to_owned()),
        ("write-back-method", "git".to_owned()),
    ];
    let pairs: Vec<(&str, &str)> = annotations.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let source = json!({"repoURL": remote.url(), "path": "apps/web", "targetRevision": "main",
        "helm": {"parameters": [{"name": "replicaCount", "value": "2"}]}});
    let app = application(&pairs, source.clone(), &[format!("{image}:1.0.0")]);

    // Default target: the helm parameters of `.argocd-source-web.yaml`.
    let report = update_application(&app, &options(&remote.dir("work")))
        .await
        .unwrap();
    assert_eq!(
        pushed(&report),
        ("apps/web/.argocd-source-web.yaml".into(), "main".into())
    );
    let as_argo_cd = RenderOptions {
        app_name: Some("web".into()),
        helm: HelmContext {
            source: parse_helm_source(&source["helm"]).unwrap(),
            destination_namespace: "web".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(
        rendered_image_on(&remote, "cache", "main", &as_argo_cd),
        json!(format!("{image}:1.1.0"))
    );

    // `helmvalues`: the chart's values.yaml itself, on another branch.
    let mut pairs = pairs.clone();
    pairs.push(("write-back-target", "helmvalues"));
    pairs.push(("git-branch", "main:values-updates"));
    let app = application(&pairs, source.clone(), &[format!("{image}:1.0.0")]);
    let report = update_application(&app, &options(&remote.dir("work2")))
        .await
        .unwrap();
    assert_eq!(
        pushed(&report),
        ("apps/web/values.yaml".into(), "values-updates".into())
    );
    // Without the override file's parameters (no app name), the values
    // file alone gives the new tag.
    assert_eq!(
        rendered_image_on(
            &remote,
            "cache2",
            "values-updates",
            &RenderOptions::default()
        ),
        json!(format!("{image}:1.1.0"))
    );

    // A kustomization target makes no sense for a Helm application.
    let mut pairs = pairs.clone();
    pairs.retain(|(k, _)| *k != "write-back-target");
    pairs.push(("write-back-target", "kustomization"));
    let app = application(&pairs, source, &[format!("{image}:1.0.0")]);
    let report = update_application(&app, &options(&remote.dir("work3")))
        .await
        .unwrap();
    assert!(
        matches!(&report.write_back, WriteBackResult::Failed(e) if e.contains("rendered with Helm")),
        "{report:?}"
    );
}

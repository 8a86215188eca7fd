//! Argo CD's `spec.source.kustomize` overrides and `.argocd-source*.yaml`
//! files take effect when a source path is rendered: the result must equal
//! `kubectl kustomize` of the kustomization edited by hand as the matching
//! `kustomize edit` commands would (fixture `testdata/overrides`).

mod source_support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use gitops_engine::source::{
    GitRepo, KustomizeOverrides, LocalDir, RenderCache, RenderOptions, Rendered, ReplicaOverride,
    SourceError, render,
};
use source_support::{Upstream, as_yaml};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/overrides")
}

/// The overrides the fixture's `edited/kustomization.yaml` applies by hand.
fn fixture_overrides() -> KustomizeOverrides {
    KustomizeOverrides {
        images: vec![
            "nginx:1.21.0".into(),
            "redis=registry.local/redis:7.2".into(),
        ],
        name_prefix: "p-".into(),
        name_suffix: "-s".into(),
        namespace: "prod".into(),
        common_labels: BTreeMap::from([("env".into(), "prod".into())]),
        common_annotations: BTreeMap::from([("owner".into(), "me".into())]),
        replicas: vec![ReplicaOverride {
            name: "web".into(),
            count: 3,
        }],
        components: vec!["../components/extra".into()],
        patches: vec![serde_json::json!({
            "target": {"kind": "Service"},
            "patch": r#"[{"op": "add", "path": "/metadata/annotations/patched", "value": "yes"}]"#,
        })],
        ..Default::default()
    }
}

fn images(rendered: &Rendered) -> Vec<String> {
    rendered
        .objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .flat_map(|o| {
            o["spec"]["template"]["spec"]["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|c| c["image"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn overrides_render_as_kubectl_kustomize_of_the_edited_kustomization() {
    let local = LocalDir::new(fixture()).unwrap();
    let options = RenderOptions {
        kustomize: fixture_overrides(),
        ..Default::default()
    };
    let rendered = local.render("app", &options).unwrap();
    let oracle = std::fs::read_to_string(fixture().join("expected.yaml")).unwrap();
    assert_eq!(as_yaml(&rendered), oracle);
    // The hand-edited kustomization renders the same without overrides.
    let edited = local.render("edited", &RenderOptions::default()).unwrap();
    assert_eq!(as_yaml(&edited), oracle);
    // And the directory on disk is untouched.
    let plain = local.render("app", &RenderOptions::default()).unwrap();
    assert_eq!(images(&plain), ["nginx:1.20", "redis:6"]);
}

#[test]
fn override_errors_name_the_field() {
    let local = LocalDir::new(fixture()).unwrap();
    let render_with = |kustomize: KustomizeOverrides| {
        local
            .render(
                "app",
                &RenderOptions {
                    kustomize,
                    ..Default::default()
                },
            )
            .unwrap_err()
    };
    // `kustomize edit add label` refuses a label the file sets, unless forced.
    let err = render_with(KustomizeOverrides {
        common_labels: BTreeMap::from([("team".into(), "ops".into())]),
        ..Default::default()
    });
    assert!(matches!(err, SourceError::Manifest { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("kustomize.commonLabels: label team already in kustomization file"),
        "{err}"
    );
    let forced = local
        .render(
            "app",
            &RenderOptions {
                kustomize: KustomizeOverrides {
                    common_labels: BTreeMap::from([("team".into(), "ops".into())]),
                    force_common_labels: true,
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        forced
            .objects
            .iter()
            .all(|o| o["metadata"]["labels"]["team"] == "ops")
    );
    let err = render_with(KustomizeOverrides {
        components: vec!["../nowhere".into()],
        ..Default::default()
    });
    assert!(
        err.to_string()
            .contains("kustomize.components: \"../nowhere\" has no match"),
        "{err}"
    );
    let err = render_with(KustomizeOverrides {
        images: vec!["nginx".into()],
        ..Default::default()
    });
    assert!(
        err.to_string()
            .contains("kustomize.images: invalid image argument \"nginx\""),
        "{err}"
    );
}

fn upstream_app() -> Upstream {
    let up = Upstream::new();
    up.copy_tree(&fixture().join("base"), "base");
    up.copy_tree(&fixture().join("app"), "apps/web");
    std::fs::write(
        up.dir.join("apps/web/kustomization.yaml"),
        "resources:\n- ../../base\nimages:\n- name: nginx\n  newTag: \"1.20\"\n",
    )
    .unwrap();
    up
}

#[test]
fn default_target_argocd_source_file_is_honoured_by_render() {
    let up = upstream_app();
    up.write(
        "apps/web/.argocd-source-web.yaml",
        "kustomize:\n  images:\n  - nginx:1.22.0\n",
    );
    up.write(
        "apps/web/.argocd-source.yaml",
        "kustomize:\n  namePrefix: all-\n  images:\n  - redis:6.2\n",
    );
    let commit = up.commit("app with override files");
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    let commit = repo.resolve(&commit).unwrap();
    let named = |app: Option<&str>, kustomize: KustomizeOverrides| RenderOptions {
        app_name: app.map(str::to_owned),
        kustomize,
        ..Default::default()
    };

    // `.argocd-source.yaml` applies to every app, then the app's own file is
    // merged over it: its `images` list replaces the whole list (a JSON
    // merge patch), the prefix stays.
    let web = render(
        &repo,
        commit,
        "apps/web",
        &named(Some("web"), Default::default()),
    )
    .unwrap();
    assert_eq!(images(&web), ["nginx:1.22.0", "redis:6"]);
    assert!(
        web.objects
            .iter()
            .all(|o| o["metadata"]["name"].as_str().unwrap().starts_with("all-"))
    );
    let other = render(
        &repo,
        commit,
        "apps/web",
        &named(Some("other"), Default::default()),
    )
    .unwrap();
    assert_eq!(images(&other), ["nginx:1.20", "redis:6.2"]);
    // The files win over the Application's own overrides, as in Argo CD.
    let spec = KustomizeOverrides {
        images: vec!["nginx:9".into()],
        name_suffix: "-x".into(),
        ..Default::default()
    };
    let both = render(&repo, commit, "apps/web", &named(Some("web"), spec.clone())).unwrap();
    assert_eq!(images(&both), ["nginx:1.22.0", "redis:6"]);
    assert!(
        both.objects
            .iter()
            .all(|o| o["metadata"]["name"].as_str().unwrap().ends_with("-x"))
    );

    // The cache tells renderings with different overrides apart.
    let cache = RenderCache::new(8);
    let a = cache
        .render(
            &repo,
            commit,
            "apps/web",
            &named(Some("web"), Default::default()),
            || None,
        )
        .unwrap();
    let b = cache
        .render(&repo, commit, "apps/web", &named(Some("web"), spec), || {
            None
        })
        .unwrap();
    let c = cache
        .render(
            &repo,
            commit,
            "apps/web",
            &named(Some("web"), Default::default()),
            || None,
        )
        .unwrap();
    assert_ne!(a.objects, b.objects);
    assert_eq!(a.objects, c.objects);
    assert_eq!((cache.stats().hits, cache.stats().misses), (1, 2));
}

#[test]
fn a_broken_override_file_is_an_error_naming_it() {
    let up = upstream_app();
    up.write("apps/web/.argocd-source-web.yaml", "kustomize: [unclosed\n");
    let commit = up.commit("broken");
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    let commit = repo.resolve(&commit).unwrap();
    let options = RenderOptions {
        app_name: Some("web".into()),
        ..Default::default()
    };
    let err = render(&repo, commit, "apps/web", &options).unwrap_err();
    assert!(
        err.to_string()
            .contains("manifest 'apps/web/.argocd-source-web.yaml'"),
        "{err}"
    );
}

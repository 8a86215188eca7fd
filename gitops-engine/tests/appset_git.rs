//! ApplicationSet generation from real Git repositories (`file://`): the
//! git directories and files generators through the engine's `Sources`,
//! on the bundled `examples/appset-monorepo`.

mod appset_example;
mod source_support;

use std::time::Duration;

use appset_example::{example, service_dirs};
use gitops_engine::appset::{
    AppSetError, ApplicationSet, FileGlobbing, RepoSources, generate_applications,
};
use gitops_engine::source::{Refresh, Sources};
use serde_json::{Value, json};
use source_support::Upstream;

/// The example's ApplicationSet, pointed at `url`.
fn appset_for(url: &str) -> ApplicationSet {
    let text = std::fs::read_to_string(example().join("appset.yaml")).expect("read appset");
    let text = text.replace("https://git.example.com/shop/deployments.git", url);
    let doc = kustomize_core::yaml::parse_document(&text).expect("parse appset");
    ApplicationSet::from_value(&doc).expect("appset")
}

fn upstream_with_service_dirs() -> Upstream {
    let up = Upstream::new();
    up.copy_tree(&example().join("deployments"), "deployments");
    up.write("README.md", "shop\n");
    up.commit("nine services");
    up
}

fn names(apps: &[Value]) -> Vec<String> {
    apps.iter()
        .map(|a| a["metadata"]["name"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn directories_generator_yields_one_application_per_service() {
    let up = upstream_with_service_dirs();
    let sources = Sources::new(&up.cache, Duration::from_secs(3600));
    let appset = appset_for(&up.url());
    let repos = RepoSources::new(&sources, Refresh::Normal, Vec::new());
    let apps = generate_applications(&appset, &repos).expect("generate");
    assert_eq!(names(&apps), service_dirs());
    assert_eq!(apps.len(), 9);
    let cart = &apps[0];
    assert_eq!(cart["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(cart["kind"], "Application");
    assert_eq!(cart["metadata"]["namespace"], "argocd");
    assert_eq!(cart["metadata"]["labels"], json!({"team": "shop"}));
    assert_eq!(
        cart["metadata"]["finalizers"],
        json!(["resources-finalizer.argocd.argoproj.io"])
    );
    assert_eq!(cart["spec"]["source"]["path"], "deployments/cart");
    assert_eq!(cart["spec"]["source"]["repoURL"], up.url().as_str());
    assert_eq!(cart["spec"]["destination"]["namespace"], "cart");
    assert_eq!(repos.commits_read().len(), 1);
}

#[test]
fn a_new_commit_adds_and_removes_applications() {
    let up = upstream_with_service_dirs();
    let sources = Sources::new(&up.cache, Duration::from_secs(3600));
    let appset = appset_for(&up.url());
    let first = RepoSources::new(&sources, Refresh::Normal, Vec::new());
    assert_eq!(
        generate_applications(&appset, &first)
            .expect("generate")
            .len(),
        9
    );

    up.write(
        "deployments/wishlist/kustomization.yaml",
        "resources:\n- ../base\n",
    );
    up.git(&["rm", "-rq", "deployments/users"]);
    let commit = up.commit("add wishlist, drop users");

    // Within the polling interval the cached clone is not fetched again.
    let cached = RepoSources::new(&sources, Refresh::Normal, Vec::new());
    assert_eq!(
        names(&generate_applications(&appset, &cached).expect("generate")).len(),
        9
    );

    let fresh = RepoSources::new(&sources, Refresh::Force, Vec::new());
    let apps = generate_applications(&appset, &fresh).expect("generate");
    let got = names(&apps);
    assert!(got.contains(&"wishlist".to_string()), "{got:?}");
    assert!(!got.contains(&"users".to_string()), "{got:?}");
    assert_eq!(got.len(), 9);
    let read: Vec<String> = fresh
        .commits_read()
        .values()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(read, [commit]);
}

#[test]
fn files_generator_reads_config_files_with_both_globbing_modes() {
    let up = Upstream::new();
    up.write(
        "clusters/dev/config.json",
        r#"{"cluster": {"name": "dev", "replicas": 2}}"#,
    );
    up.write(
        "clusters/prod/eu/config.json",
        r#"{"cluster": {"name": "prod-eu"}}"#,
    );
    up.write("clusters/skip/config.yaml", "cluster:\n  name: skip\n");
    up.commit("configs");
    let sources = Sources::new(&up.cache, Duration::from_secs(3600));
    let appset = ApplicationSet::from_value(&json!({
        "metadata": {"name": "clusters", "namespace": "argocd"},
        "spec": {
            "generators": [{"git": {
                "repoURL": up.url(), "revision": "HEAD",
                "files": [{"path": "clusters/*/config.json"}]
            }}],
            "template": {
                "metadata": {"name": "{{cluster.name}}"},
                "spec": {"project": "default", "source": {"path": "{{path}}"},
                         "destination": {"namespace": "{{cluster.replicas}}"}}
            }
        }
    }))
    .expect("appset");
    let new = RepoSources::new(&sources, Refresh::Normal, Vec::new());
    let apps = generate_applications(&appset, &new).expect("generate");
    assert_eq!(names(&apps), ["dev"]);
    assert_eq!(apps[0]["spec"]["source"]["path"], "clusters/dev");
    assert_eq!(apps[0]["spec"]["destination"]["namespace"], "2");

    let old =
        RepoSources::new(&sources, Refresh::Normal, Vec::new()).with_globbing(FileGlobbing::Old);
    let apps = generate_applications(&appset, &old).expect("generate");
    assert_eq!(names(&apps), ["dev", "prod-eu"]);
}

#[test]
fn a_missing_revision_is_an_error_naming_the_generator() {
    let up = upstream_with_service_dirs();
    let sources = Sources::new(&up.cache, Duration::from_secs(3600));
    let mut appset = appset_for(&up.url());
    if let Some(git) = appset.spec.generators[0].git.as_mut() {
        git.revision = "no-such-branch".into();
    }
    let repos = RepoSources::new(&sources, Refresh::Normal, Vec::new());
    let err = generate_applications(&appset, &repos).expect_err("must fail");
    assert!(
        matches!(
            err,
            AppSetError::Generator {
                index: 0,
                kind: "git",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("no-such-branch"), "{err}");
}

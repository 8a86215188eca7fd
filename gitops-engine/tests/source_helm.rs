//! Helm chart directories in a Git repository rendered as Argo CD renders
//! `spec.source.helm` (checked against Helm's own `helm template` goldens
//! of the shared corpus), and their errors.

mod source_support;

use std::path::{Path, PathBuf};

use gitops_engine::source::{
    GitRepo, HelmContext, HelmParameter, HelmSource, Oid, RenderOptions, SourceError, render,
};
use serde_json::Value;
use source_support::Upstream;

const HELM_CORPUS: &str = "../../shared/corpus/helm/helm-v3";

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(HELM_CORPUS);
    assert!(
        dir.is_dir(),
        "{} is absent; the shared corpora must sit beside the repository (../shared), as CI provides them",
        dir.display()
    );
    dir
}

/// The objects of a `helm template` golden of `render_cases.jsonl`.
fn golden_objects(corpus: &Path, name: &str) -> Vec<Value> {
    let cases = std::fs::read_to_string(corpus.join("render_cases.jsonl")).unwrap();
    let case: Value = cases
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|c| c["name"] == name)
        .unwrap();
    kustomize_core::yaml::parse_documents(case["expected"].as_str().unwrap()).unwrap()
}

/// Asserts that the chart in `deploy/chart` renders to the objects of golden `name`.
fn assert_renders_golden(
    repo: &GitRepo,
    head: Oid,
    options: &RenderOptions,
    corpus: &Path,
    name: &str,
) {
    let rendered = render(repo, head, "deploy/chart", options).unwrap();
    assert_eq!(rendered.objects, golden_objects(corpus, name), "{name}");
}

fn options(helm: HelmSource) -> RenderOptions {
    RenderOptions {
        app_name: Some("release-name".into()),
        helm: HelmContext {
            source: helm,
            ..HelmContext::default()
        },
        ..RenderOptions::default()
    }
}

#[test]
fn a_chart_with_subcharts_and_values_files_renders_as_helm_template() {
    let corpus = corpus();
    let up = Upstream::new();
    up.copy_tree(&corpus.join("testdata/testcharts/subchart"), "deploy/chart");
    up.commit("chart");
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    let head = repo.resolve("main").unwrap();

    // helm template testdata/testcharts/subchart --values <subchartA's values.yaml>
    let helm = HelmSource {
        value_files: vec!["charts/subchartA/values.yaml".into()],
        skip_crds: true,
        ..HelmSource::default()
    };
    assert_renders_golden(&repo, head, &options(helm), &corpus, "check values files");

    // --set via parameters, and a values file from the repository root
    // named with Argo CD's build environment.
    up.write("env/prod.yaml", "configmap:\n  enabled: true\n");
    up.commit("prod values");
    repo.fetch().unwrap();
    let head = repo.resolve("main").unwrap();
    let helm = HelmSource {
        value_files: vec!["/env/${ARGOCD_APP_SOURCE_TARGET_REVISION}.yaml".into()],
        parameters: vec![
            HelmParameter {
                name: "subchartb.enabled".into(),
                value: "true".into(),
                force_string: false,
            },
            HelmParameter {
                name: "configmap.value".into(),
                value: "baz".into(),
                force_string: false,
            },
        ],
        skip_crds: true,
        ..HelmSource::default()
    };
    let mut with_env = options(helm);
    with_env.helm.target_revision = "prod".into();
    assert_renders_golden(
        &repo,
        head,
        &with_env,
        &corpus,
        "template with imported subchart values set with --set",
    );
}

#[test]
fn helm_errors_name_the_source_and_template() {
    let up = Upstream::new();
    up.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
    );
    up.write(
        "chart/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required \"image.tag is required\" .Values.image }}\n",
    );
    up.commit("chart");
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    let head = repo.resolve("main").unwrap();
    let err = render(&repo, head, "chart", &options(HelmSource::default())).unwrap_err();
    assert!(matches!(err, SourceError::Helm { .. }), "{err}");
    assert!(
        err.to_string()
            .ends_with("helm template of 'chart': execution error at (demo/templates/cm.yaml:4:11): image.tag is required"),
        "{err}"
    );
    let escape = HelmSource {
        value_files: vec!["../../outside.yaml".into()],
        ..HelmSource::default()
    };
    let err = render(&repo, head, "chart", &options(escape)).unwrap_err();
    assert!(
        err.to_string()
            .contains("resolved to outside repository root"),
        "{err}"
    );
    // passCredentials only matters for chart repositories: ignored here.
    let creds = HelmSource {
        pass_credentials: true,
        ..HelmSource::default()
    };
    let err = render(&repo, head, "chart", &options(creds)).unwrap_err();
    assert!(err.to_string().contains("image.tag is required"), "{err}");
    let missing = HelmSource {
        value_files: vec!["values-*.yaml".into()],
        ..HelmSource::default()
    };
    let err = render(&repo, head, "chart", &options(missing)).unwrap_err();
    assert!(
        err.to_string().contains(
            "error resolving helm value files: values file glob \"values-*.yaml\" matched no files"
        ),
        "{err}"
    );
}

/// Objects sorted by kind and name, to compare outputs whose order differs
/// (Kustomize sorts by kind, Helm by install order).
fn by_kind_and_name(mut objects: Vec<Value>) -> Vec<Value> {
    objects.sort_by_key(|o| (o["kind"].to_string(), o["metadata"]["name"].to_string()));
    objects
}

#[test]
fn override_files_and_value_file_globs_as_argo_cd() {
    let corpus = corpus();
    let up = Upstream::new();
    up.copy_tree(&corpus.join("testdata/testcharts/subchart"), "deploy/chart");
    // What Argo CD Image Updater writes (`forcestring`), and a later file
    // replacing the parameter list of the generic one.
    up.write(
        "deploy/chart/.argocd-source.yaml",
        "helm:\n  parameters:\n  - name: configmap.enabled\n    value: \"true\"\n  - name: configmap.value\n    value: other\n",
    );
    up.write(
        "deploy/chart/.argocd-source-release-name.yaml",
        "helm:\n  parameters:\n  - name: configmap.enabled\n    value: \"true\"\n  - name: subchartb.enabled\n    value: \"true\"\n  - name: configmap.value\n    value: baz\n    forcestring: true\n",
    );
    up.commit("chart with overrides");
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    let head = repo.resolve("main").unwrap();
    let helm = HelmSource {
        skip_crds: true,
        ..HelmSource::default()
    };
    assert_renders_golden(
        &repo,
        head,
        &options(helm),
        &corpus,
        "template with imported subchart values set with --set",
    );

    // `charts/subchartA/val*.yaml` matches that one values file (glob), the
    // missing plain file is dropped with ignoreMissingValueFiles.
    let helm = HelmSource {
        value_files: vec!["charts/subchartA/val*.yaml".into(), "absent.yaml".into()],
        ignore_missing_value_files: true,
        skip_crds: true,
        ..HelmSource::default()
    };
    let mut plain = options(helm);
    // Another application (its release named as the golden's).
    plain.app_name = Some("other".into());
    plain.helm.source.release_name = "release-name".into();
    let rendered = render(&repo, head, "deploy/chart", &plain).unwrap();
    // Only the generic override file applies to this application: it
    // enables the ConfigMap, with its own value.
    let mut want = golden_objects(&corpus, "check values files");
    let mut config_map = golden_objects(
        &corpus,
        "template with imported subchart values set with --set",
    )
    .into_iter()
    .find(|o| o["kind"] == "ConfigMap")
    .unwrap();
    config_map["data"]["value"] = "other".into();
    want.push(config_map);
    assert_eq!(by_kind_and_name(rendered.objects), by_kind_and_name(want));
}

#[test]
fn kustomize_helm_charts_render_when_enabled() {
    let corpus = corpus();
    let up = Upstream::new();
    up.copy_tree(
        &corpus.join("testdata/testcharts/subchart"),
        "deploy/kust/charts/subchart",
    );
    up.write(
        "deploy/kust/kustomization.yaml",
        "helmCharts:\n- name: subchart\n  valuesInline:\n    service:\n      name: apache\n",
    );
    up.commit("kustomization with a chart");
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    let head = repo.resolve("main").unwrap();
    let err = render(&repo, head, "deploy/kust", &RenderOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("must specify --enable-helm"),
        "{err}"
    );
    let enabled = RenderOptions {
        kustomize_enable_helm: true,
        ..RenderOptions::default()
    };
    let rendered = render(&repo, head, "deploy/kust", &enabled).unwrap();
    // helm template testdata/testcharts/subchart --set service.name=apache
    assert_eq!(
        by_kind_and_name(rendered.objects),
        by_kind_and_name(golden_objects(&corpus, "check set name"))
    );
}

//! `gitops build --enable-helm`: kustomizations with `helmCharts` rendered
//! in-process, compared with what `kubectl kustomize` prints for the same
//! kustomization holding Helm's own `helm template` output (see
//! `fixtures/helm_charts/README.md`), and the errors without the flag or
//! without the chart.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CHART: &str = "../../../shared/corpus/helm/helm-v3/testdata/testcharts/subchart";
const FIXTURES: &str = "tests/fixtures/helm_charts";

/// Copies directory `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A temporary kustomization directory with `kustomization` as its file and
/// the test chart of the shared corpus under `charts/subchart`.
fn workspace(kustomization: &str) -> tempfile::TempDir {
    let chart = Path::new(env!("CARGO_MANIFEST_DIR")).join(CHART);
    assert!(
        chart.is_dir(),
        "{} is absent; the shared corpora must sit beside the repository (../shared), as CI provides them",
        chart.display()
    );
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&chart, &dir.path().join("charts/subchart"));
    std::fs::write(dir.path().join("kustomization.yaml"), kustomization).unwrap();
    dir
}

fn gitops_build(dir: &Path, enable_helm: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gitops"));
    command.arg("build").arg(dir);
    if enable_helm {
        command.arg("--enable-helm");
    }
    command.output().unwrap()
}

#[test]
fn helm_charts_render_as_kustomize_prints_helms_output() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 5);
    let mut failed = Vec::new();
    for case in &cases {
        let kustomization = std::fs::read_to_string(case.join("kustomization.yaml")).unwrap();
        let dir = workspace(&kustomization);
        let output = gitops_build(dir.path(), true);
        let want = std::fs::read_to_string(case.join("expected.yaml")).unwrap();
        let got = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() || got != want {
            failed.push(format!(
                "{}: status {:?}\n{}\n--- got\n{got}\n--- want\n{want}",
                case.display(),
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn without_enable_helm_the_error_is_kubectls() {
    let dir = workspace("helmCharts:\n- name: subchart\n  includeCRDs: true\n");
    let output = gitops_build(dir.path(), false);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    // What `kubectl kustomize` (without --enable-helm) printed for this entry.
    let kubectl = "trouble configuring builtin HelmChartInflationGenerator with config: `\nincludeCRDs: true\nname: subchart\n`: must specify --enable-helm";
    assert!(stderr.contains(kubectl), "{stderr}");
    assert!(stderr.contains("kustomization.yaml"), "{stderr}");
}

#[test]
fn a_chart_not_present_is_never_pulled() {
    let dir = workspace(
        "helmCharts:\n- name: nginx\n  repo: https://charts.example.com\n  version: 1.2.3\n- name: subchart\n",
    );
    let output = gitops_build(dir.path(), true);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("chart 'nginx' from repo 'https://charts.example.com' is not present at")
            && stderr.contains("charts/nginx-1.2.3/nginx")
            && stderr.contains("charts are not pulled from the network"),
        "{stderr}"
    );
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "helmCharts:\n- name: missing\n",
    )
    .unwrap();
    let output = gitops_build(dir.path(), true);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("helmCharts: no repo specified for pull, no chart found at")
            && stderr.contains("charts/missing'"),
        "{stderr}"
    );
}

/// `--helm-api-versions` gives every chart the API versions, as kubectl's
/// flag does: the `api_versions` fixture's entry without its own
/// `apiVersions`, plus the flag, prints that fixture's expected output.
#[test]
fn the_helm_api_versions_flag_gives_the_charts_capabilities() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES);
    let want = std::fs::read_to_string(fixtures.join("api_versions/expected.yaml")).unwrap();
    let dir = workspace("helmGlobals:\n  chartHome: charts\nhelmCharts:\n- name: subchart\n");
    let without = gitops_build(dir.path(), true);
    assert!(without.status.success());
    assert_ne!(String::from_utf8_lossy(&without.stdout), want);
    let output = Command::new(env!("CARGO_BIN_EXE_gitops"))
        .arg("build")
        .arg(dir.path())
        .args(["--enable-helm", "--helm-api-versions", "helm.k8s.io/test"])
        .args(["--helm-command", "/usr/local/bin/helm"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), want);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--helm-command is not used"),
        "{output:?}"
    );
}

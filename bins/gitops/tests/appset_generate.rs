//! `gitops appset generate FILE` on the bundled `examples/appset-monorepo`,
//! pushed to a local Git repository: prints the nine Applications.

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The service directories of the example (every overlay but `base`), sorted.
fn services(example: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(example.join("deployments"))
        .expect("read deployments")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "base")
        .collect();
    names.sort();
    names
}

#[test]
fn generate_prints_one_application_per_service() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/appset-monorepo");
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    let copied = Command::new("cp")
        .arg("-r")
        .arg(example.join("deployments"))
        .arg(&repo)
        .status()
        .expect("run cp");
    assert!(copied.success());
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "services"]);
    let url = format!("file://{}", repo.display());
    let appset = std::fs::read_to_string(example.join("appset.yaml"))
        .expect("read appset")
        .replace("https://git.example.com/shop/deployments.git", &url);
    let file = tmp.path().join("appset.yaml");
    std::fs::write(&file, appset).expect("write appset");

    let out = Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(["appset", "generate"])
        .arg(&file)
        .arg("--repo-cache")
        .arg(tmp.path().join("cache"))
        .output()
        .expect("run gitops");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = kustomize_core::yaml::parse_documents(&stdout).expect("yaml output");
    let names: Vec<&str> = docs
        .iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, services(&example));
    assert_eq!(names.len(), 9);
    for doc in &docs {
        assert_eq!(doc["kind"], "Application");
        let name = doc["metadata"]["name"].as_str().unwrap_or("");
        assert_eq!(
            doc["spec"]["source"]["path"],
            format!("deployments/{name}").as_str()
        );
        assert_eq!(doc["spec"]["destination"]["namespace"], name);
        assert_eq!(doc["spec"]["syncPolicy"]["automated"]["prune"], true);
    }
}

#[test]
fn generate_reports_a_bad_file_and_fails() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("appset.yaml");
    std::fs::write(
        &file,
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: x\nspec:\n  generators:\n  - matrix:\n      generators: []\n  template: {}\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(["appset", "generate"])
        .arg(&file)
        .output()
        .expect("run gitops");
    assert_eq!(out.status.code(), Some(20));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("generator 0 (matrix)"), "{stderr}");
    assert!(
        stderr.contains("found less than two generators"),
        "{stderr}"
    );
}

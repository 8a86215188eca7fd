//! Remote bases and files through a fake [`RemoteResolver`]: what a build
//! asks for, how it builds a remote root (kustomize's rules for clones),
//! and what it refuses. The rendered output is compared with what
//! `kubectl kustomize` printed for the same tree vendored locally
//! (`tests/remote/README.md`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use kustomize_core::fs::{DiskFs, LoadRestrictor, MemFs};
use kustomize_core::remote::{RemoteError, RemoteResolver, RemoteTree, RepoSpec};
use kustomize_core::{BuildOptions, build};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/remote")
}

/// Serves one repository (a directory on disk, or a memory tree) for
/// every Git URL, and files from a table; records what was asked.
#[derive(Debug)]
struct Fake {
    repo: Repo,
    files: Vec<(&'static str, Result<&'static str, RemoteError>)>,
    asked: Mutex<Vec<String>>,
}

impl Fake {
    fn disk(dir: PathBuf) -> Self {
        Self::with_tree(Repo::Disk(dir))
    }

    fn with_tree(repo: Repo) -> Self {
        Self {
            repo,
            files: Vec::new(),
            asked: Mutex::default(),
        }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

/// Where the fake's repository is: a directory on disk, or `/repo` of a
/// memory tree.
#[derive(Debug)]
enum Repo {
    Disk(PathBuf),
    Mem(Arc<MemFs>),
}

impl RemoteResolver for Fake {
    fn checkout(&self, spec: &RepoSpec) -> Result<RemoteTree, RemoteError> {
        self.asked.lock().unwrap().push(format!(
            "git {} ref={} timeout={:?} submodules={}",
            spec.clone_spec(),
            spec.git_ref,
            spec.timeout,
            spec.submodules
        ));
        Ok(match &self.repo {
            Repo::Disk(dir) => RemoteTree {
                fs: Arc::new(DiskFs),
                dir: dir.clone(),
            },
            Repo::Mem(fs) => RemoteTree {
                fs: fs.clone(),
                dir: PathBuf::from("/repo"),
            },
        })
    }

    fn fetch_file(&self, url: &str) -> Result<Vec<u8>, RemoteError> {
        self.asked.lock().unwrap().push(format!("get {url}"));
        let (_, answer) = self
            .files
            .iter()
            .find(|(u, _)| *u == url)
            .ok_or_else(|| RemoteError::Failed("unreachable".into()))?;
        answer.clone().map(|body| body.as_bytes().to_vec())
    }
}

fn options(fake: &Arc<Fake>) -> BuildOptions {
    BuildOptions::default().with_remote(fake.clone() as Arc<dyn RemoteResolver>)
}

/// An overlay in memory with `kustomization` and the fixture's `svc.yaml`.
fn overlay(kustomization: &str) -> Arc<MemFs> {
    let mut fs = MemFs::new();
    fs.add_file("/ov/kustomization.yaml", kustomization);
    let svc = std::fs::read(fixture().join("vendored/ov/svc.yaml")).unwrap();
    fs.add_file("/ov/svc.yaml", svc);
    Arc::new(fs)
}

const REMOTE_OVERLAY: &str = "namespace: prod
resources:
- https://git.example/org/repo//base?ref=v1&timeout=61&submodules=false
- svc.yaml
components:
- git@git.example:org/repo.git/comp?version=v1
";

#[test]
fn remote_base_and_component_render_as_kubectl_renders_them_vendored() {
    let fake = Arc::new(Fake::disk(fixture().join("vendored")));
    let out = build(overlay(REMOTE_OVERLAY), Path::new("/ov"), &options(&fake)).unwrap();
    let expected = std::fs::read_to_string(fixture().join("expected.yaml")).unwrap();
    assert_eq!(out.to_yaml(), expected);
    assert_eq!(
        fake.asked(),
        [
            // kustomize tries an http(s) entry as a file first.
            "get https://git.example/org/repo//base?ref=v1&timeout=61&submodules=false",
            "git https://git.example/org/repo ref=v1 timeout=61s submodules=false",
            "git git@git.example:org/repo.git ref=v1 timeout=27s submodules=true",
        ]
    );
}

#[test]
fn origins_name_the_repository_and_ref_as_kubectl_does() {
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n";
    let mut fake = Fake::disk(fixture().join("vendored"));
    fake.files = vec![("http://127.0.0.1:18089/cm.yaml", Ok(cm))];
    let fake = Arc::new(fake);
    // The overlay kubectl built, with the repository at file:///tmp/kv/repo
    // and the file served on port 18089 (tests/remote/README.md).
    let fs = overlay(
        "namespace: prod
buildMetadata: [originAnnotations, transformerAnnotations]
resources:
- file:///tmp/kv/repo//base?ref=v1
- svc.yaml
- http://127.0.0.1:18089/cm.yaml
components:
- file:///tmp/kv/repo//comp?ref=v1
",
    );
    let out = build(fs, Path::new("/ov"), &options(&fake)).unwrap();
    let expected = std::fs::read_to_string(fixture().join("expected-origins.yaml")).unwrap();
    assert_eq!(out.to_yaml(), expected);
}

#[test]
fn without_a_resolver_remote_entries_are_refused() {
    for entry in [
        "https://git.example/org/repo//base?ref=v1",
        "github.com/org/repo/base",
        "git@github.com:org/repo",
        "https://example.com/cm.yaml",
    ] {
        let fs = overlay(&format!("resources:\n- {entry}\n"));
        let err = build(fs, Path::new("/ov"), &BuildOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "/ov/kustomization.yaml: resources: '{entry}': remote resources are not supported; vendor them into the repository"
            )
        );
    }
}

#[test]
fn git_scheme_is_a_local_path_as_in_kustomize() {
    // kustomize does not know git://: the entry is looked up on disk.
    let fake = Arc::new(Fake::disk(fixture().join("vendored")));
    let fs = overlay("resources:\n- git://127.0.0.1:9418/repo//base?ref=v1\n");
    let err = build(fs, Path::new("/ov"), &options(&fake)).unwrap_err();
    assert!(
        err.to_string()
            .contains("is neither a file nor a directory"),
        "{err}"
    );
    assert!(fake.asked().is_empty());
}

#[test]
fn http_file_resources_are_fetched() {
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n";
    let mut fake = Fake::disk(fixture().join("vendored"));
    fake.files = vec![
        ("http://files.example/cm.yaml", Ok(cm)),
        (
            "http://files.example/nope.yaml",
            Err(RemoteError::HttpStatus {
                status: 404,
                reason: "Not Found".into(),
            }),
        ),
    ];
    let fake = Arc::new(fake);
    let fs = overlay("resources:\n- http://files.example/cm.yaml\nnameSuffix: -x\n");
    let out = build(fs, Path::new("/ov"), &options(&fake)).unwrap();
    // kubectl kustomize, the same file served over HTTP on loopback.
    assert_eq!(
        out.to_yaml(),
        "apiVersion: v1\ndata:\n  a: \"1\"\nkind: ConfigMap\nmetadata:\n  name: c-x\n"
    );
    let fs = overlay("resources:\n- http://files.example/nope.yaml\n");
    let err = build(fs, Path::new("/ov"), &options(&fake)).unwrap_err();
    // kubectl: "accumulating resources from 'http://127.0.0.1:18089/nope.yaml':
    // HTTP Error: status code 404 (Not Found)".
    assert!(
        err.to_string()
            .ends_with("'http://files.example/nope.yaml': HTTP Error: status code 404 (Not Found)"),
        "{err}"
    );
}

#[test]
fn http_files_are_fetched_wherever_a_file_is_read() {
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n";
    let patch = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  b: \"2\"\n";
    let mut fake = Fake::disk(fixture().join("vendored"));
    fake.files = vec![
        ("http://files.example/cm.yaml", Ok(cm)),
        ("http://files.example/patch.yaml", Ok(patch)),
    ];
    let fake = Arc::new(fake);
    let fs = overlay(
        "resources:\n- http://files.example/cm.yaml\npatches:\n- path: http://files.example/patch.yaml\n",
    );
    let out = build(fs, Path::new("/ov"), &options(&fake)).unwrap();
    // kubectl kustomize, the same two files served over HTTP on loopback.
    assert_eq!(
        out.to_yaml(),
        "apiVersion: v1\ndata:\n  a: \"1\"\n  b: \"2\"\nkind: ConfigMap\nmetadata:\n  name: c\n"
    );
}

#[test]
fn a_failed_http_get_of_a_repository_url_falls_back_to_git() {
    let mut fake = Fake::disk(fixture().join("vendored"));
    fake.files = vec![(
        "https://git.example/org/repo//base?ref=v1",
        Err(RemoteError::HttpStatus {
            status: 404,
            reason: "Not Found".into(),
        }),
    )];
    let fake = Arc::new(fake);
    let fs = overlay("resources:\n- https://git.example/org/repo//base?ref=v1\n");
    build(fs, Path::new("/ov"), &options(&fake)).unwrap();
    assert_eq!(
        fake.asked(),
        [
            "get https://git.example/org/repo//base?ref=v1",
            "git https://git.example/org/repo ref=v1 timeout=27s submodules=true",
        ]
    );
}

/// A repository in memory at `/repo`, with a secret beside it.
fn mem_repo(files: &[(&str, &str)]) -> Arc<Fake> {
    let mut fs = MemFs::new();
    fs.add_file(
        "/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n",
    );
    for (path, body) in files {
        fs.add_file(Path::new("/repo").join(path), body);
    }
    Arc::new(Fake::with_tree(Repo::Mem(Arc::new(fs))))
}

#[test]
fn remote_roots_are_root_only_whatever_the_restrictor() {
    let fake = mem_repo(&[
        ("app/kustomization.yaml", "resources: [../cm.yaml]\n"),
        (
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
        ),
    ]);
    let fs = overlay("resources:\n- https://git.example/org/repo//app\n");
    let options = options(&fake).with_load_restrictor(LoadRestrictor::None);
    let err = build(fs, Path::new("/ov"), &options).unwrap_err();
    assert!(
        err.to_string()
            .contains("security; file '/repo/cm.yaml' is not in or below '/repo/app'"),
        "{err}"
    );
}

#[test]
fn bases_of_a_remote_root_stay_in_the_repository() {
    // `/outside` exists in the repository's file system, but not in the repository.
    let mut inner = MemFs::new();
    inner.add_file(
        "/repo/app/kustomization.yaml",
        "resources: [../../outside]\n",
    );
    inner.add_file("/outside/kustomization.yaml", "resources: []\n");
    let fake = Arc::new(Fake::with_tree(Repo::Mem(Arc::new(inner))));
    let fs = overlay("resources:\n- https://git.example/org/repo//app\n");
    let err = build(fs, Path::new("/ov"), &options(&fake)).unwrap_err();
    assert!(
        err.to_string().contains(
            "security; bases in kustomizations found in cloned git repos must be within the repo, but base '/outside' is outside '/repo'"
        ),
        "{err}"
    );
}

#[test]
fn a_repository_naming_itself_is_a_cycle() {
    let fake = mem_repo(&[(
        "app/kustomization.yaml",
        "resources:\n- https://git.example/org/repo//app\n",
    )]);
    let fs = overlay("resources:\n- https://git.example/org/repo//app?ref=v1\n");
    let err = build(fs, Path::new("/ov"), &options(&fake)).unwrap_err();
    assert!(
        err.to_string().contains(
            "cycle detected: URI 'https://git.example/org/repo//app' referenced by previous URI 'https://git.example/org/repo//app?ref=v1'"
        ),
        "{err}"
    );
}

#[test]
fn a_url_naming_a_file_or_a_missing_directory_fails() {
    let fake = mem_repo(&[(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    )]);
    for dir in ["cm.yaml", "missing"] {
        let fs = overlay(&format!(
            "components:\n- https://git.example/org/repo//{dir}\n"
        ));
        let err = build(fs, Path::new("/ov"), &options(&fake)).unwrap_err();
        assert!(
            err.to_string().contains(&format!(
                "'/repo/{dir}' is not a directory in the repository"
            )),
            "{err}"
        );
    }
}

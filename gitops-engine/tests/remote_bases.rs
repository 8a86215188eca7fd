//! Remote bases fetched by [`RemoteBases`]: a repository served over
//! `file://` and over HTTPS (`git http-backend` behind TLS on loopback),
//! and single files over HTTP on loopback. Expected output is what
//! `kubectl kustomize` printed for the same trees (kustomize-core's
//! `tests/remote/README.md`): the repository is that fixture's `base` and
//! `comp`, committed and tagged `v1`.
//!
//! There is no `git daemon` case: kustomize does not accept `git://` URLs
//! (kubectl reads such an entry as a local path), so a kustomization
//! cannot name a repository served that way.

mod https_support;
mod source_support;
mod ssh_support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use gitops_engine::source::{
    REMOTE_BASES_DIR, Refresh, RemoteBases, RemoteLimits, RenderOptions, RepoAccess, SourceRequest,
    Sources,
};
use https_support::HttpsGit;
use kustomize_core::remote::RemoteResolver;
use kustomize_core::{BuildOptions, build_disk};
use serde_json::json;
use source_support::{Upstream, as_yaml, bounded};
use ssh_support::Sshd;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kustomize-core/tests/remote")
        .join(rel)
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("expected output")
}

/// The fixture repository, committed and tagged `v1`; then `main` moves on
/// (a different image), so that only the tag gives the expected output.
fn upstream() -> Upstream {
    let up = Upstream::new();
    up.copy_tree(&fixture("vendored/base"), "base");
    up.copy_tree(&fixture("vendored/comp"), "comp");
    up.commit("v1");
    up.git(&["tag", "v1"]);
    let deploy = std::fs::read_to_string(fixture("vendored/base/deploy.yaml")).expect("read");
    up.write("base/deploy.yaml", &deploy.replace("nginx:1.25", "nginx:9"));
    up.commit("later");
    up
}

/// An overlay directory naming `base` and `comp` at `repo_url` (ref `v1`).
fn overlay(dir: &Path, repo_url: &str) -> PathBuf {
    let ov = dir.join("ov");
    std::fs::create_dir_all(&ov).expect("mkdir");
    std::fs::copy(fixture("vendored/ov/svc.yaml"), ov.join("svc.yaml")).expect("copy");
    std::fs::write(
        ov.join("kustomization.yaml"),
        format!(
            "namespace: prod\nresources:\n- {repo_url}//base?ref=v1\n- svc.yaml\ncomponents:\n- {repo_url}//comp?ref=v1\n"
        ),
    )
    .expect("write");
    ov
}

fn build_with(dir: PathBuf, remote: RemoteBases) -> Result<String, String> {
    let options = BuildOptions::default().with_remote(Arc::new(remote) as Arc<dyn RemoteResolver>);
    bounded("remote build", move || {
        build_disk(&dir, &options)
            .map(|b| b.to_yaml())
            .map_err(|e| e.to_string())
    })
}

#[test]
fn file_url_bases_render_as_kubectl_renders_them() {
    let up = upstream();
    let ov = overlay(up.cache.parent().expect("tmp"), &up.url());
    let remote = RemoteBases::new(&up.cache, RepoAccess::default());
    assert_eq!(
        build_with(ov.clone(), remote),
        Ok(expected("expected.yaml"))
    );
    // A second resolver reuses the cache clone (and fetches it again).
    let remote = RemoteBases::new(&up.cache, RepoAccess::default());
    assert_eq!(build_with(ov, remote), Ok(expected("expected.yaml")));
}

#[test]
fn a_remote_build_target_renders_as_kubectl_renders_it() {
    let up = upstream();
    let target = PathBuf::from(format!("{}//base?ref=v1", up.url()));
    let remote = RemoteBases::new(&up.cache, RepoAccess::default());
    assert_eq!(
        build_with(target, remote),
        Ok(expected("expected-base.yaml"))
    );
}

/// Access trusting the test CA of `server`.
fn trusting(server: &HttpsGit) -> RepoAccess {
    let mut access = RepoAccess::default();
    access
        .tls
        .add_pem("127.0.0.1", &server.ca_pem)
        .expect("CA certificate");
    access
}

#[test]
fn https_bases_render_as_kubectl_renders_them() {
    let up = upstream();
    let server = HttpsGit::serve(up.dir.parent().expect("parent"));
    let ov = overlay(up.cache.parent().expect("tmp"), &server.url("upstream"));
    let remote = RemoteBases::new(&up.cache, trusting(&server));
    assert_eq!(build_with(ov, remote), Ok(expected("expected.yaml")));
    let requests = server.requests();
    // As kustomize, the entry is first tried as a file (a plain GET of the
    // URL), then cloned; the one clone serves both entries.
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("GET /upstream//base?ref=v1")),
        "{requests:?}"
    );
    let clones = requests
        .iter()
        .filter(|r| r.starts_with("POST /upstream/git-upload-pack"))
        .count();
    assert_eq!(clones, 1, "{requests:?}");
}

/// `?ref=<sha>` of a commit no branch or tag leads to (a deleted branch) is
/// fetched by itself, as `git fetch origin <sha>` does, from a server that
/// allows it (as GitHub does).
#[test]
fn a_commit_no_ref_leads_to_is_fetched_by_its_sha() {
    let up = upstream();
    up.git(&["config", "uploadpack.allowAnySHA1InWant", "true"]);
    up.git(&["checkout", "-q", "-b", "topic", "v1"]);
    up.write("NOTES", "not part of the bases\n");
    let orphan = up.commit("on a branch about to go");
    up.git(&["checkout", "-q", "main"]);
    up.git(&["branch", "-q", "-D", "topic"]);
    let server = HttpsGit::serve(up.dir.parent().expect("parent"));
    let ov = overlay(up.cache.parent().expect("tmp"), &server.url("upstream"));
    let kustomization = ov.join("kustomization.yaml");
    let text = std::fs::read_to_string(&kustomization).expect("read");
    std::fs::write(
        &kustomization,
        text.replace("ref=v1", &format!("ref={orphan}")),
    )
    .expect("write");
    let remote = RemoteBases::new(&up.cache, trusting(&server));
    assert_eq!(build_with(ov, remote), Ok(expected("expected.yaml")));
}

/// A controller's sources trusting `server`, and the request of path `ov`
/// of `repo_url`'s `main`.
fn sources_for(server: &HttpsGit, repo_url: String) -> (Sources, SourceRequest, tempfile::TempDir) {
    let cache = tempfile::tempdir().expect("tempdir");
    let sources = Sources::with_access(cache.path(), Duration::from_secs(60), trusting(server));
    let request = SourceRequest {
        repo_url,
        revision: "main".into(),
        path: "ov".into(),
        project: String::new(),
        options: RenderOptions::default(),
    };
    (sources, request, cache)
}

/// What the controller renders: an app whose kustomization names bases in
/// its own repository, by the HTTPS URL the app itself uses (the sources'
/// clone of that repository is held while the base is fetched).
#[test]
fn sources_render_the_remote_bases_of_an_app_repository() {
    let up = upstream();
    let server = HttpsGit::serve(up.dir.parent().expect("parent"));
    let url = server.url("upstream");
    let ov = overlay(&up.dir, &url);
    assert!(ov.starts_with(&up.dir));
    up.commit("the app overlay");
    let (sources, request, cache) = sources_for(&server, url);
    let rendered = bounded("render", move || {
        sources.render_blocking(&request, Refresh::Normal)
    })
    .expect("render");
    assert_eq!(as_yaml(&rendered), expected("expected.yaml"));
    assert!(cache.path().join(REMOTE_BASES_DIR).is_dir());
}

/// A remote base on a branch is read again by a hard refresh only: like Argo
/// CD's manifest cache, a rendering is kept by the app's commit.
#[test]
fn a_hard_refresh_reads_a_remote_base_branch_again() {
    let base = upstream();
    let server = HttpsGit::serve(base.dir.parent().expect("parent"));
    let app = Upstream::new();
    app.write(
        "ov/kustomization.yaml",
        &format!("resources:\n- {}//base?ref=main\n", server.url("upstream")),
    );
    app.commit("the app");
    let (sources, request, _cache) = sources_for(&server, app.url());
    let image = move |refresh: Refresh| {
        let (sources, request) = (sources.clone(), request.clone());
        let rendered =
            bounded("render", move || sources.render_blocking(&request, refresh)).expect("render");
        let deployment = rendered
            .objects
            .iter()
            .find(|o| o["kind"] == "Deployment")
            .expect("a Deployment")
            .clone();
        deployment["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .expect("image")
            .to_owned()
    };
    assert_eq!(image(Refresh::Normal), "nginx:9");
    let deploy = std::fs::read_to_string(base.dir.join("base/deploy.yaml")).expect("read");
    base.write("base/deploy.yaml", &deploy.replace("nginx:9", "nginx:10"));
    base.commit("the base moves on");
    assert_eq!(image(Refresh::Force), "nginx:9", "same app commit, cached");
    assert_eq!(image(Refresh::Hard), "nginx:10");
}

/// A controller's build never reads a repository from its own disk, where
/// the clones of other apps' (private) repositories are.
#[test]
fn sources_refuse_local_repositories_as_remote_bases() {
    let up = upstream();
    let ov = overlay(&up.dir, &up.url());
    assert!(ov.starts_with(&up.dir));
    up.commit("the app overlay");
    let cache = tempfile::tempdir().expect("tempdir");
    let sources = Sources::new(cache.path(), Duration::from_secs(60));
    let request = SourceRequest {
        repo_url: up.url(),
        revision: "main".into(),
        path: "ov".into(),
        project: String::new(),
        options: RenderOptions::default(),
    };
    let err = bounded("render", move || {
        sources.render_blocking(&request, Refresh::Normal)
    })
    .expect_err("a file:// base is refused");
    assert!(
        err.to_string()
            .contains("a local repository cannot be a remote base here"),
        "{err}"
    );
}

#[test]
fn ssh_bases_use_the_repository_secret_and_known_hosts() {
    let up = upstream();
    let sshd = Sshd::start();
    let url = sshd.url(&up.dir);
    let ov = overlay(up.cache.parent().expect("tmp"), &url);
    let secret = json!({
        "metadata": {"name": "ssh-repo", "namespace": "argocd",
                     "labels": {"argocd.argoproj.io/secret-type": "repository"}},
        "stringData": {"url": url, "sshPrivateKey": sshd.user_key},
    });
    let hosts = json!({"data": {"ssh_known_hosts": sshd.known_hosts_line}});
    let mut access = RepoAccess::default();
    let problems = access.add_objects([&secret], None, Some(&hosts));
    assert!(problems.is_empty(), "{problems:?}");
    let remote = RemoteBases::new(&up.cache, access);
    assert_eq!(
        build_with(ov.clone(), remote),
        Ok(expected("expected.yaml")),
        "{}",
        sshd.log()
    );
    // Without the known host, the server is not trusted.
    let mut access = RepoAccess::default();
    let problems = access.add_objects([&secret], None, None);
    assert!(problems.is_empty(), "{problems:?}");
    let remote = RemoteBases::new(up.cache.join("other"), access);
    let err = build_with(ov, remote).expect_err("unknown host");
    assert!(err.contains("ssh: handshake failed"), "{err}");
}

#[test]
fn files_in_submodules_are_reported_as_not_fetched() {
    let lib = Upstream::new();
    lib.write(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    lib.commit("lib");
    let up = Upstream::new();
    let lib_path = lib.dir.display().to_string();
    up.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        &lib_path,
        "sub",
    ]);
    up.write("kustomization.yaml", "resources:\n- sub/cm.yaml\n");
    up.commit("with a submodule");
    let ov = up.cache.parent().expect("tmp").join("ov");
    std::fs::create_dir_all(&ov).expect("mkdir");
    std::fs::write(
        ov.join("kustomization.yaml"),
        format!("resources:\n- {}\n", up.url()),
    )
    .expect("write");
    let remote = RemoteBases::new(&up.cache, RepoAccess::default());
    let err = build_with(ov, remote).expect_err("submodule");
    assert!(
        err.contains("is in Git submodule '/sub', which is not fetched"),
        "{err}"
    );
}

#[test]
fn an_untrusted_https_server_is_refused() {
    let up = upstream();
    let server = HttpsGit::serve(up.dir.parent().expect("parent"));
    let ov = overlay(up.cache.parent().expect("tmp"), &server.url("upstream"));
    let remote = RemoteBases::new(&up.cache, RepoAccess::default());
    let err = build_with(ov, remote).expect_err("untrusted certificate");
    assert!(err.contains("certificate"), "{err}");
}

#[test]
fn a_fetch_past_the_byte_cap_stops() {
    let up = upstream();
    let ov = overlay(up.cache.parent().expect("tmp"), &up.url());
    let limits = RemoteLimits {
        max_fetch_bytes: 64,
        ..RemoteLimits::default()
    };
    let remote = RemoteBases::with_limits(&up.cache, RepoAccess::default(), limits);
    let err = build_with(ov, remote).expect_err("over the cap");
    assert!(
        err.contains("transfer stopped: more than 64 bytes"),
        "{err}"
    );
}

/// An HTTP/1.1 server on loopback answering every request with `status`
/// and `body`, for `requests` requests.
fn serve_http(status: &'static str, body: &'static str, requests: usize) -> u16 {
    serve_http_with(status, "", body, requests)
}

/// [`serve_http`] with more header lines (each ending in `\r\n`).
fn serve_http_with(
    status: &'static str,
    headers: &'static str,
    body: &'static str,
    requests: usize,
) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

const CONFIG_MAP: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n";

fn file_overlay(url: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("kustomization.yaml"),
        format!("resources:\n- {url}\nnameSuffix: -x\n"),
    )
    .expect("write");
    let dir = tmp.path().to_path_buf();
    (tmp, dir)
}

#[test]
fn http_files_are_fetched() {
    let port = serve_http("200 OK", CONFIG_MAP, 1);
    let (tmp, dir) = file_overlay(&format!("http://127.0.0.1:{port}/cm.yaml"));
    let remote = RemoteBases::new(tmp.path().join("cache"), RepoAccess::default());
    // kubectl kustomize, the same file served over HTTP on loopback.
    assert_eq!(
        build_with(dir, remote),
        Ok("apiVersion: v1\ndata:\n  a: \"1\"\nkind: ConfigMap\nmetadata:\n  name: c-x\n".into())
    );
}

/// Instance metadata (link-local addresses) is never fetched: named
/// directly, as a Git base, or through a redirect from an allowed server.
#[test]
fn link_local_addresses_are_never_fetched() {
    let metadata = "http://169.254.169.254/latest/meta-data/iam/security-credentials/node";
    for url in [
        metadata.to_owned(),
        "https://169.254.169.254/org/repo//base?ref=main".to_owned(),
    ] {
        let (tmp, dir) = file_overlay(&url);
        let remote = RemoteBases::new(tmp.path().join("cache"), RepoAccess::default());
        let err = build_with(dir, remote).expect_err("link-local");
        assert!(err.contains("names a link-local address"), "{url}: {err}");
    }
    let port = serve_http_with(
        "302 Found",
        "Location: http://169.254.169.254/latest/meta-data/\r\n",
        "",
        1,
    );
    let (tmp, dir) = file_overlay(&format!("http://127.0.0.1:{port}/cm.yaml"));
    let remote = RemoteBases::new(tmp.path().join("cache"), RepoAccess::default());
    let err = build_with(dir, remote).expect_err("redirect to link-local");
    assert!(err.contains("names a link-local address"), "{err}");
}

#[test]
fn http_errors_and_oversized_files_fail() {
    let port = serve_http("404 Not Found", "", 1);
    let (tmp, dir) = file_overlay(&format!("http://127.0.0.1:{port}/nope.yaml"));
    let remote = RemoteBases::new(tmp.path().join("cache"), RepoAccess::default());
    let err = build_with(dir, remote).expect_err("404");
    // kubectl: "…: HTTP Error: status code 404 (Not Found)".
    assert!(
        err.ends_with("HTTP Error: status code 404 (Not Found)"),
        "{err}"
    );

    let port = serve_http("200 OK", CONFIG_MAP, 1);
    let (tmp, dir) = file_overlay(&format!("http://127.0.0.1:{port}/cm.yaml"));
    let limits = RemoteLimits {
        max_file_bytes: 10,
        ..RemoteLimits::default()
    };
    let remote = RemoteBases::with_limits(tmp.path().join("cache"), RepoAccess::default(), limits);
    let err = build_with(dir, remote).expect_err("too large");
    assert!(err.contains("larger than 10 bytes"), "{err}");
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Accepts connections and reads nothing back: no HTTP answer, no Git.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(4).collect();
        std::thread::sleep(std::time::Duration::from_secs(120));
        drop(held);
    });
    let (tmp, dir) = file_overlay(&format!("http://127.0.0.1:{port}/org/repo//base?timeout=1"));
    let limits = RemoteLimits {
        file_timeout: std::time::Duration::from_secs(1),
        ..RemoteLimits::default()
    };
    let remote = RemoteBases::with_limits(tmp.path().join("cache"), RepoAccess::default(), limits);
    let started = std::time::Instant::now();
    let err = build_with(dir, remote).expect_err("no answer");
    assert!(
        err.contains("fetching 'http://127.0.0.1:") && err.contains("took longer than 1s"),
        "{err}"
    );
    // The file attempt (1 s) and the checkout (1 s), with room to spare.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

//! The https:// transport, against `git http-backend` behind TLS on
//! 127.0.0.1 with a certificate from a private CA.

mod https_support;
mod source_support;

use gitops_engine::source::{GitRepo, RepoAuth, SourceError};
use https_support::HttpsGit;
use source_support::{Upstream, bounded};

fn trusting(server: &HttpsGit) -> RepoAuth {
    let mut auth = RepoAuth::default();
    auth.tls
        .add_pem("127.0.0.1", &server.ca_pem)
        .expect("CA certificate");
    auth
}

#[test]
fn clones_and_fetches_with_a_custom_ca() {
    let up = Upstream::new();
    up.write("app/cm.yaml", "kind: ConfigMap\n");
    let first = up.commit("first");
    let server = HttpsGit::serve(up.dir.parent().expect("parent"));
    let url = server.url("upstream");
    let tls = trusting(&server);

    let (cache, u, t) = (up.cache.clone(), url.clone(), tls.clone());
    let head = bounded("https clone", move || {
        let repo = GitRepo::open_or_clone_with(&u, &cache, t).expect("clone over https");
        repo.resolve("main").expect("main")
    });
    assert_eq!(head.to_string(), first);

    let second = up.commit("second");
    let cache = up.cache.clone();
    let (advertised, head) = bounded("https fetch", move || {
        let repo = GitRepo::open_or_clone_with(&url, &cache, tls).expect("reopen");
        let advertised = repo.ls_remote().expect("ls-remote over https");
        repo.fetch().expect("fetch over https");
        (advertised, repo.resolve("main").expect("main"))
    });
    assert_eq!(head.to_string(), second);
    assert!(
        advertised
            .iter()
            .any(|(name, oid)| name == "refs/heads/main" && oid.to_string() == second),
        "{advertised:?}"
    );
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("POST /upstream/git-upload-pack")),
        "{requests:?}"
    );
}

#[test]
fn an_untrusted_certificate_is_refused() {
    let up = Upstream::new();
    up.commit("first");
    let server = HttpsGit::serve(up.dir.parent().expect("parent"));
    let other = HttpsGit::serve(up.dir.parent().expect("parent"));
    let url = server.url("upstream");
    // Trusts a CA, but not the one that issued this server's certificate.
    let tls = trusting(&other);
    let cache = up.cache.clone();
    let err = bounded("https clone", move || {
        GitRepo::open_or_clone_with(&url, &cache, tls).map(|_| ())
    })
    .expect_err("certificate not trusted");
    assert!(matches!(err, SourceError::Git { .. }), "{err:?}");
    assert!(err.to_string().contains("certificate"), "{err}");
    assert!(server.requests().is_empty(), "no request got through");
}

#[test]
fn passwords_in_the_url_stay_out_of_errors() {
    let up = Upstream::new();
    let server = HttpsGit::serve(up.dir.parent().expect("parent"));
    let url = format!("https://bot:hunter2@127.0.0.1:{}/absent", server.port);
    let tls = trusting(&server);
    let cache = up.cache.clone();
    let err = bounded("https clone", move || {
        GitRepo::open_or_clone_with(&url, &cache, tls).map(|_| ())
    })
    .expect_err("no such repository");
    let shown = err.to_string();
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("bot:***@127.0.0.1"), "{shown}");
}

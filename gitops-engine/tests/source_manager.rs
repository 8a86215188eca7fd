//! `Sources`: change detection (an ls-remote per polling interval, a fetch
//! only when the remote moved or a revision is unknown), forced refresh,
//! unreachable remotes, and rendering the resolved commit.

mod https_support;
mod source_support;

use std::time::Duration;

use gitops_engine::source::{
    Refresh, RenderOptions, RepoAccess, SourceError, SourceRequest, Sources,
};
use https_support::HttpsGit;
use source_support::{Upstream, bounded};

fn config_map(value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: \"{value}\"\n"
    )
}

fn request(up: &Upstream) -> SourceRequest {
    SourceRequest {
        repo_url: up.url(),
        revision: "main".into(),
        path: "app".into(),
        project: String::new(),
        options: RenderOptions::default(),
    }
}

fn rendered_value(sources: &Sources, up: &Upstream, refresh: Refresh) -> (String, String) {
    let rendered = sources.render_blocking(&request(up), refresh).unwrap();
    (
        rendered.revision.clone(),
        rendered.objects[0]["data"]["value"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[test]
fn a_new_commit_is_seen_only_after_the_polling_interval_or_a_forced_refresh() {
    let up = Upstream::new();
    up.write("app/cm.yaml", &config_map("one"));
    let first = up.commit("one");
    let sources = Sources::new(up.cache.clone(), Duration::from_secs(3600));
    assert_eq!(
        rendered_value(&sources, &up, Refresh::Normal),
        (first.clone(), "one".into())
    );

    up.write("app/cm.yaml", &config_map("two"));
    let second = up.commit("two");
    assert_eq!(
        rendered_value(&sources, &up, Refresh::Normal),
        (first, "one".into()),
        "within the polling interval the remote is not contacted"
    );
    assert_eq!(
        rendered_value(&sources, &up, Refresh::Force),
        (second, "two".into())
    );
}

#[test]
fn a_zero_interval_fetches_every_time() {
    let up = Upstream::new();
    up.write("app/cm.yaml", &config_map("one"));
    up.commit("one");
    let sources = Sources::new(up.cache.clone(), Duration::ZERO);
    rendered_value(&sources, &up, Refresh::Normal);
    up.write("app/cm.yaml", &config_map("two"));
    let second = up.commit("two");
    assert_eq!(
        rendered_value(&sources, &up, Refresh::Normal),
        (second, "two".into())
    );
}

#[test]
fn an_unknown_revision_is_an_error_naming_it() {
    let up = Upstream::new();
    up.write("app/cm.yaml", &config_map("one"));
    up.commit("one");
    let sources = Sources::new(up.cache.clone(), Duration::ZERO);
    let mut req = request(&up);
    req.revision = "no-such-branch".into();
    let err = sources.render_blocking(&req, Refresh::Normal).unwrap_err();
    assert!(err.to_string().contains("no-such-branch"), "{err}");
}

/// Fetches (upload-pack POSTs) and ref listings (info/refs GETs) the server saw.
fn fetches_and_listings(server: &HttpsGit) -> (usize, usize) {
    let requests = server.requests();
    let fetches = requests.iter().filter(|r| r.starts_with("POST ")).count();
    let listings = requests.iter().filter(|r| r.starts_with("GET ")).count();
    (fetches, listings)
}

#[test]
fn an_unmoved_remote_is_only_listed_and_a_moved_one_is_fetched() {
    let up = Upstream::new();
    up.write("app/cm.yaml", &config_map("one"));
    let first = up.commit("one");
    let server = HttpsGit::serve(up.dir.parent().expect("parent"));
    let mut access = RepoAccess::default();
    access.tls.add_pem("127.0.0.1", &server.ca_pem).unwrap();
    let sources = Sources::with_access(up.cache.clone(), Duration::ZERO, access);
    let mut req = request(&up);
    req.repo_url = server.url("upstream");
    let render = |req: SourceRequest| {
        let sources = sources.clone();
        bounded("render over https", move || {
            let rendered = sources.render_blocking(&req, Refresh::Normal).unwrap();
            rendered.revision.clone()
        })
    };

    assert_eq!(render(req.clone()), first);
    let (fetches, listings) = fetches_and_listings(&server);
    assert_eq!(render(req.clone()), first);
    assert_eq!(render(req.clone()), first);
    let (fetches_after, listings_after) = fetches_and_listings(&server);
    assert_eq!(fetches_after, fetches, "nothing moved: no fetch");
    assert_eq!(listings_after, listings + 2, "one ls-remote per poll");

    up.write("app/cm.yaml", &config_map("two"));
    let second = up.commit("two");
    assert_eq!(render(req.clone()), second);
    assert_eq!(
        fetches_and_listings(&server).0,
        fetches + 1,
        "moved: one fetch"
    );
}

#[test]
fn an_unknown_revision_polls_at_once() {
    let up = Upstream::new();
    up.write("app/cm.yaml", &config_map("one"));
    up.commit("one");
    let sources = Sources::new(up.cache.clone(), Duration::from_secs(3600));
    rendered_value(&sources, &up, Refresh::Normal);

    up.git(&["checkout", "-q", "-b", "feature"]);
    up.write("app/cm.yaml", &config_map("two"));
    let feature = up.commit("two");
    // A new app on a branch (or commit) the clone has not fetched yet.
    for revision in ["feature", feature.as_str()] {
        let mut req = request(&up);
        req.revision = revision.into();
        let rendered = sources.render_blocking(&req, Refresh::Normal).unwrap();
        assert_eq!(rendered.revision, feature, "{revision}");
    }
}

#[test]
fn an_unreachable_remote_fails_every_render_until_it_is_back() {
    let up = Upstream::new();
    up.write("app/cm.yaml", &config_map("one"));
    let first = up.commit("one");
    let sources = Sources::new(up.cache.clone(), Duration::from_secs(3600));
    rendered_value(&sources, &up, Refresh::Normal);

    let away = up.dir.with_file_name("away");
    std::fs::rename(&up.dir, &away).unwrap();
    let err = sources
        .render_blocking(&request(&up), Refresh::Force)
        .unwrap_err();
    assert!(matches!(err, SourceError::Git { .. }), "{err:?}");
    assert!(err.to_string().contains(&up.url()), "{err}");
    // Renders without a refresh report the failure too, not the old commit.
    let err = sources
        .render_blocking(&request(&up), Refresh::Normal)
        .unwrap_err();
    assert!(matches!(err, SourceError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains(&up.url()), "{err}");

    std::fs::rename(&away, &up.dir).unwrap();
    assert_eq!(
        rendered_value(&sources, &up, Refresh::Force),
        (first, "one".into())
    );
    assert!(
        sources
            .render_blocking(&request(&up), Refresh::Normal)
            .is_ok()
    );
}

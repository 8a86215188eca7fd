//! `Sources`: fetch throttling by polling interval, forced refresh, and
//! rendering the resolved commit.

mod source_support;

use std::time::Duration;

use gitops_engine::source::{Refresh, RenderOptions, SourceRequest, Sources};
use source_support::Upstream;

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

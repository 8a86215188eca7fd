//! The web UI: plain HTML, CSS and JavaScript modules embedded in the binary
//! (no build step, no network access needed), served at `/` and `/assets/`.
//! It speaks only to the REST API of [`crate::server`] on the same origin:
//! login, the application list and page, the resource tree, diffs, history,
//! and live updates from `/api/v1/stream/applications`.
//!
//! Mount it beside the API with `Router::merge`:
//!
//! ```no_run
//! let app = axum::Router::new().merge(gitops_engine::ui::router());
//! ```

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// One embedded file.
struct Asset {
    /// The file name under `assets/` (and under `/assets/` in URLs).
    name: &'static str,
    /// Its contents.
    body: &'static str,
}

/// An [`Asset`] read from `src/ui/assets/` at compile time.
macro_rules! asset {
    ($name:literal) => {
        Asset {
            name: $name,
            body: include_str!(concat!("assets/", $name)),
        }
    };
}

/// Every file of the UI.
const ASSETS: &[Asset] = &[
    asset!("index.html"),
    asset!("style.css"),
    asset!("main.js"),
    asset!("api.js"),
    asset!("store.js"),
    asset!("dom.js"),
    asset!("login.js"),
    asset!("list.js"),
    asset!("application.js"),
    asset!("tree.js"),
    asset!("panel.js"),
    asset!("dialogs.js"),
    asset!("text.js"),
];

/// Scripts, styles and API calls come from this origin only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The UI's routes: `GET /` (the page) and `GET /assets/{file}`.
pub fn router() -> Router {
    Router::new()
        .route("/", get(|| async { serve("index.html") }))
        .route(
            "/assets/{file}",
            get(|Path(file): Path<String>| async move { serve(&file) }),
        )
}

/// The embedded file `name` with its content type, or 404.
fn serve(name: &str) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, content_type(asset.name)),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        ],
        asset.body,
    )
        .into_response()
}

/// The media type of a file name's extension.
fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The relative module paths a script imports (`from './x.js'`).
    fn imports(script: &str) -> Vec<&str> {
        script
            .match_indices("from './")
            .filter_map(|(at, m)| {
                let rest = &script[at + m.len()..];
                rest.find('\'').map(|end| &rest[..end])
            })
            .collect()
    }

    #[test]
    fn every_import_and_link_is_embedded() {
        let names: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        let index = ASSETS[0].body;
        for linked in ["/assets/style.css", "/assets/main.js"] {
            assert!(index.contains(linked), "index.html links {linked}");
            assert!(names.contains(&linked.trim_start_matches("/assets/")));
        }
        for asset in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            for import in imports(asset.body) {
                assert!(
                    names.contains(&import),
                    "{} imports {import}, which is not embedded",
                    asset.name
                );
            }
        }
    }

    #[test]
    fn every_asset_file_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui/assets");
        for entry in std::fs::read_dir(dir).expect("assets dir") {
            let name = entry.expect("entry").file_name();
            let name = name.to_string_lossy();
            assert!(
                ASSETS.iter().any(|a| a.name == name),
                "src/ui/assets/{name} is not in ASSETS"
            );
        }
    }

    #[test]
    fn assets_have_types_and_unknown_files_are_404() {
        assert_eq!(content_type("main.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("style.css"), "text/css; charset=utf-8");
        assert_eq!(serve("main.js").status(), StatusCode::OK);
        assert_eq!(serve("../Cargo.toml").status(), StatusCode::NOT_FOUND);
        assert_eq!(serve("missing.js").status(), StatusCode::NOT_FOUND);
    }
}

//! The OpenAPI v3 documents are cached by clients the way a real server
//! lets them: `/openapi/v3` names each document with a `hash`; asked for
//! with the current hash a document may be kept for good, with an older one
//! the answer redirects to the current URL.

mod common;

use axum::http::{Request, StatusCode, header};
use common::{start, within};
use kube::client::Body;
use serde_json::Value;

async fn get(client: &kube::Client, uri: &str) -> axum::http::Response<Body> {
    let request = Request::get(uri).body(Body::empty()).expect("request");
    within(client.send(request)).await.expect("response")
}

#[tokio::test]
async fn documents_are_cached_by_hash() {
    let (emu, client) = start().await;
    let index = get(&client, "/openapi/v3").await.into_body();
    let index: Value =
        serde_json::from_slice(&within(index.collect_bytes()).await.expect("body")).expect("json");
    let url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .expect("apps/v1 listed")
        .to_owned();
    let hash = url.split_once("?hash=").expect("hash").1.to_owned();

    let current = get(&client, &url).await;
    assert_eq!(current.status(), StatusCode::OK);
    let headers = current.headers();
    assert_eq!(headers[header::CACHE_CONTROL], "public, immutable");
    assert_eq!(headers[header::ETAG], format!("\"{hash}\"").as_str());
    assert!(headers.contains_key(header::EXPIRES));
    let doc: Value = serde_json::from_slice(
        &within(current.into_body().collect_bytes())
            .await
            .expect("body"),
    )
    .expect("json");
    assert!(doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"].is_object());

    let stale = get(&client, "/openapi/v3/apis/apps/v1?hash=0123").await;
    assert_eq!(stale.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(stale.headers()[header::LOCATION], url.as_str());

    let unhashed = get(&client, "/openapi/v3/apis/apps/v1").await;
    assert_eq!(unhashed.status(), StatusCode::OK);
    assert!(!unhashed.headers().contains_key(header::CACHE_CONTROL));
    assert_eq!(
        get(&client, "/openapi/v3/apis/apps/v9").await.status(),
        StatusCode::NOT_FOUND
    );
    emu.shutdown().await;
}

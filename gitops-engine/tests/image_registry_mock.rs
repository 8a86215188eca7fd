//! Registry client behaviour that the real registry cannot show: `Link`
//! pagination of tag lists and throttling (429/503 with `Retry-After`),
//! against an in-process HTTP server on 127.0.0.1.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gitops_engine::image::registry::{RegistryClient, RegistryConfig, RegistryError, RetryPolicy};
use hyper::Request;
use hyper::body::Incoming;
use support::{MockServer, TEST_LIMIT, query_param, response};

fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(10),
        max_wait: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn tag_list_follows_relative_and_absolute_link_pages() {
    let server_url = Arc::new(Mutex::new(String::new()));
    let base = Arc::clone(&server_url);
    let server = MockServer::start(Arc::new(move |req: &Request<Incoming>| {
        assert_eq!(req.uri().path(), "/v2/team/app/tags/list");
        let base = base.lock().unwrap().clone();
        match query_param(req, "last").as_deref() {
            None => response(
                200,
                &[(
                    "Link",
                    r#"</v2/team/app/tags/list?last=b&n=2>; rel="next""#.to_owned(),
                )],
                r#"{"name":"team/app","tags":["a","b"]}"#,
            ),
            Some("b") => response(
                200,
                &[(
                    "Link",
                    format!(r#"<{base}/v2/team/app/tags/list?last=d&n=2>; rel="next""#),
                )],
                r#"{"name":"team/app","tags":["c","d"]}"#,
            ),
            Some("d") => response(200, &[], r#"{"name":"team/app","tags":["e"]}"#),
            Some(other) => response(400, &[], &format!("unexpected last={other}")),
        }
    }))
    .await;
    *server_url.lock().unwrap() = server.url();

    let mut config = RegistryConfig::new(server.url());
    config.page_size = Some(2);
    let client = RegistryClient::new(config).unwrap();
    let tags = tokio::time::timeout(TEST_LIMIT, client.list_tags("team/app"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tags, ["a", "b", "c", "d", "e"]);
    assert_eq!(
        server.requests(),
        [
            "/v2/team/app/tags/list?n=2",
            "/v2/team/app/tags/list?last=b&n=2",
            "/v2/team/app/tags/list?last=d&n=2"
        ]
    );
}

#[tokio::test]
async fn endless_link_pages_are_cut_off() {
    let server = MockServer::start(Arc::new(|_: &Request<Incoming>| {
        response(
            200,
            &[(
                "Link",
                r#"</v2/loop/tags/list?last=x>; rel="next""#.to_owned(),
            )],
            r#"{"tags":["x"]}"#,
        )
    }))
    .await;
    let mut config = RegistryConfig::new(server.url());
    config.requests_per_second = None;
    let client = RegistryClient::new(config).unwrap();
    let err = tokio::time::timeout(TEST_LIMIT, client.list_tags("loop"))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::TooManyPages { pages: 1000, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn throttled_request_waits_for_retry_after_then_succeeds() {
    let calls = Arc::new(Mutex::new(0u32));
    let counter = Arc::clone(&calls);
    let server = MockServer::start(Arc::new(move |_: &Request<Incoming>| {
        let mut n = counter.lock().unwrap();
        *n += 1;
        if *n == 1 {
            response(
                429,
                &[("Retry-After", "1".to_owned())],
                r#"{"errors":[{"code":"TOOMANYREQUESTS"}]}"#,
            )
        } else {
            response(200, &[], r#"{"name":"app","tags":["1.0.0"]}"#)
        }
    }))
    .await;
    let mut config = RegistryConfig::new(server.url());
    config.retry = fast_retries(2);
    let client = RegistryClient::new(config).unwrap();
    let start = Instant::now();
    let tags = tokio::time::timeout(TEST_LIMIT, client.list_tags("app"))
        .await
        .unwrap()
        .unwrap();
    let waited = start.elapsed();
    assert_eq!(tags, ["1.0.0"]);
    assert_eq!(*calls.lock().unwrap(), 2);
    assert!(
        waited >= Duration::from_secs(1),
        "retried after {waited:?}, before Retry-After"
    );
    assert!(waited < Duration::from_secs(4), "took {waited:?}");
}

#[tokio::test]
async fn retry_after_beyond_the_limit_fails_at_once() {
    let server = MockServer::start(Arc::new(|_: &Request<Incoming>| {
        response(429, &[("Retry-After", "120".to_owned())], "slow down")
    }))
    .await;
    let mut config = RegistryConfig::new(server.url());
    config.retry = fast_retries(3);
    let client = RegistryClient::new(config).unwrap();
    let err = tokio::time::timeout(TEST_LIMIT, client.list_tags("app"))
        .await
        .unwrap()
        .unwrap_err();
    match err {
        RegistryError::RateLimited {
            attempts,
            retry_after,
            ..
        } => {
            assert_eq!(attempts, 1);
            assert_eq!(retry_after, Some(Duration::from_secs(120)));
        }
        other => panic!("expected RateLimited, got {other}"),
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn unavailable_without_retry_after_backs_off_until_retries_run_out() {
    let server =
        MockServer::start(Arc::new(|_: &Request<Incoming>| response(503, &[], "down"))).await;
    let mut config = RegistryConfig::new(server.url());
    config.retry = fast_retries(2);
    let client = RegistryClient::new(config).unwrap();
    let err = tokio::time::timeout(TEST_LIMIT, client.manifest_digest("app", "1.0"))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::RateLimited {
                attempts: 3,
                retry_after: None,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(server.requests().len(), 3);
}

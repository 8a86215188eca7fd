//! Retry and backoff of failed operations (notes/gitops-engine.md §2.10).

use gitops_engine::sync::SyncError;
use gitops_engine::sync::retry::{AfterFailure, Backoff, RetryStrategy, parse_duration_ns};

const S: u128 = 1_000_000_000;

fn strategy(
    limit: i64,
    duration: Option<&str>,
    factor: Option<i64>,
    max: Option<&str>,
) -> RetryStrategy {
    RetryStrategy {
        limit,
        backoff: Some(Backoff {
            duration: duration.map(str::to_owned),
            factor,
            max_duration: max.map(str::to_owned),
        }),
        refresh: false,
    }
}

// §2.10: "backoff.duration (default 5s; a bare integer means seconds, else a Go duration
// like 2m)".
#[test]
fn durations_bare_seconds_or_go_syntax() {
    assert_eq!(parse_duration_ns("10").unwrap(), 10e9);
    assert_eq!(parse_duration_ns("2m").unwrap(), 120e9);
    assert_eq!(parse_duration_ns("1h30m").unwrap(), 5400e9);
    assert_eq!(parse_duration_ns("1.5s").unwrap(), 1.5e9);
    assert_eq!(parse_duration_ns("500ms").unwrap(), 0.5e9);
    for bad in ["", "5 s", "s", "5x", "1..5s", "abc"] {
        assert_eq!(
            parse_duration_ns(bad),
            Err(SyncError::InvalidDuration(bad.into())),
            "{bad:?}"
        );
    }
}

// §2.10: wait = min(maxDuration, duration × factorⁿ); defaults 5s, 2, 3m; no cap if
// maxDuration ≤ 0.
#[test]
fn backoff_wait_grows_by_factor_up_to_the_cap() {
    let defaults = RetryStrategy {
        limit: 5,
        ..RetryStrategy::default()
    };
    let waits: Vec<u128> = (0..7).map(|n| defaults.wait_ns(n).unwrap() / S).collect();
    assert_eq!(waits, [5, 10, 20, 40, 80, 160, 180]);
    let custom = strategy(3, Some("2"), Some(3), Some("1m"));
    assert_eq!(custom.wait_ns(2).unwrap() / S, 18);
    assert_eq!(custom.wait_ns(3).unwrap() / S, 54);
    assert_eq!(custom.wait_ns(4).unwrap() / S, 60);
    let uncapped = strategy(3, Some("1s"), Some(10), Some("0"));
    assert_eq!(uncapped.wait_ns(4).unwrap() / S, 10_000);
    assert!(strategy(1, Some("bogus"), None, None).wait_ns(0).is_err());
}

// §2.10: on failure with retries left the operation keeps running with
// "<msg>. Retrying attempt #N at <h:mmPM>." — the printed time uses the count before the
// increment; when exhausted the message gets " (retried N times).".
#[test]
fn after_failure_retries_then_gives_up() {
    let retry = strategy(2, Some("5s"), Some(2), Some("3m"));
    // 13:59:58 UTC + 5 s = 14:00:03 → 2:00PM.
    let now = 13 * 3600 + 59 * 60 + 58;
    assert_eq!(
        retry.after_failure("boom", 0, false, now).unwrap(),
        AfterFailure::Retry {
            retry_count: 1,
            retry_at_unix: now + 5,
            message: "boom. Retrying attempt #1 at 2:00PM.".into()
        }
    );
    // Second failure: wait 10 s, midnight prints as 12:00AM.
    assert_eq!(
        retry.after_failure("boom", 1, false, 86_400 - 5).unwrap(),
        AfterFailure::Retry {
            retry_count: 2,
            retry_at_unix: 86_405,
            message: "boom. Retrying attempt #2 at 12:00AM.".into()
        }
    );
    assert_eq!(
        retry.after_failure("boom", 2, false, now).unwrap(),
        AfterFailure::GiveUp {
            message: "boom (retried 2 times).".into()
        }
    );
    // "Terminated operations are not retried"; limit 0 means no retry at all.
    assert_eq!(
        retry.after_failure("stop", 0, true, now).unwrap(),
        AfterFailure::GiveUp {
            message: "stop".into()
        }
    );
    assert_eq!(
        strategy(0, None, None, None)
            .after_failure("x", 0, false, now)
            .unwrap(),
        AfterFailure::GiveUp {
            message: "x".into()
        }
    );
    // Negative limit: unlimited.
    assert!(matches!(
        strategy(-1, None, None, None)
            .after_failure("x", 100, false, now)
            .unwrap(),
        AfterFailure::Retry { .. }
    ));
}

// §2.10: "Retrying operation[ with latest revisions]. Attempt #N".
#[test]
fn retry_start_message() {
    let mut retry = strategy(3, None, None, None);
    assert_eq!(retry.retry_message(2), "Retrying operation. Attempt #2");
    retry.refresh = true;
    assert_eq!(
        retry.retry_message(1),
        "Retrying operation with latest revisions. Attempt #1"
    );
}

// §2.10: "Automated syncs without a retry block get limit: 5".
#[test]
fn automated_sync_default_limit() {
    assert_eq!(RetryStrategy::for_automated_sync(None).limit, 5);
    assert_eq!(
        RetryStrategy::for_automated_sync(Some(strategy(1, None, None, None))).limit,
        1
    );
}

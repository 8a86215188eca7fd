//! Per-registry request pacing and the retry policy for throttled requests.

use std::time::{Duration, SystemTime};

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Spaces requests evenly so that at most `per_second` start each second.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Option<Duration>,
    next_slot: Mutex<Instant>,
}

impl RateLimiter {
    /// A limiter for `per_second` requests per second; `None`, zero, negative
    /// or non-finite values mean unlimited; rates below one request per hour
    /// are raised to it.
    pub fn new(per_second: Option<f64>) -> Self {
        let interval = per_second
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| Duration::from_secs_f64((1.0 / r).min(3600.0)));
        Self {
            interval,
            next_slot: Mutex::new(Instant::now()),
        }
    }

    /// Waits until the next request may start.
    pub async fn acquire(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let mut next = self.next_slot.lock().await;
        let now = Instant::now();
        let slot = (*next).max(now);
        *next = slot + interval;
        drop(next);
        tokio::time::sleep_until(slot).await;
    }
}

/// How throttled (HTTP 429 / 503) requests are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Back-off before the first retry when the registry sends no `Retry-After`;
    /// doubled on each further retry.
    pub initial_backoff: Duration,
    /// Longest single wait; a `Retry-After` beyond it fails the request at once.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// How long to wait before retry number `retry` (0-based), or `None` when
    /// the request must fail: retries exhausted or `Retry-After` too long.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        match retry_after {
            Some(wait) if wait > self.max_wait => None,
            Some(wait) => Some(wait),
            None => Some(
                self.initial_backoff
                    .saturating_mul(1 << retry.min(16))
                    .min(self.max_wait),
            ),
        }
    }
}

/// Parses a `Retry-After` value: delta-seconds or an HTTP date (past dates mean 0).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Mon, 23 Nov 2026 10:00:00 GMT").unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Mon, 23 Nov 2026 10:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Mon, 23 Nov 2026 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn retry_delays() {
        let p = RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(100),
            max_wait: Duration::from_secs(1),
        };
        assert_eq!(p.delay(0, None), Some(Duration::from_millis(100)));
        assert_eq!(p.delay(2, None), Some(Duration::from_millis(400)));
        assert_eq!(
            p.delay(1, Some(Duration::from_millis(700))),
            Some(Duration::from_millis(700))
        );
        assert_eq!(p.delay(0, Some(Duration::from_secs(5))), None);
        assert_eq!(p.delay(3, None), None);
    }

    #[tokio::test(start_paused = true)]
    async fn limiter_spaces_requests() {
        let limiter = RateLimiter::new(Some(4.0));
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        let slowest = RateLimiter::new(Some(1e-300));
        let start = Instant::now();
        slowest.acquire().await;
        slowest.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
        let unlimited = RateLimiter::new(Some(0.0));
        let start = Instant::now();
        for _ in 0..5 {
            unlimited.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}

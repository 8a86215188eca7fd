//! Fault injection for tests (off by default): added latency, `429 Too Many
//! Requests` with `Retry-After`, `500` and `503` answers, `409` conflicts on
//! writes, and watch streams that end early. Rates are "every Nth request",
//! so a test sees the same faults on every run.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::error::ApiError;

/// Which faults to inject. `0` turns a rate off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Added before every resource request is answered.
    pub latency: Duration,
    /// Every Nth resource request gets `429` with `Retry-After: 1`.
    pub throttle_every: u64,
    /// Every Nth resource request gets `503 ServiceUnavailable`.
    pub unavailable_every: u64,
    /// Every Nth resource request gets `500 InternalError`.
    pub internal_error_every: u64,
    /// Every Nth write (`PUT`, `PATCH`) gets `409 Conflict`.
    pub conflict_every: u64,
    /// Watches end after this long at the latest.
    pub drop_watches_after: Option<Duration>,
}

/// Counts requests to decide which ones fail.
#[derive(Debug, Default)]
pub struct FaultCounter {
    requests: AtomicU64,
    writes: AtomicU64,
}

fn hits(every: u64, n: u64) -> bool {
    every != 0 && n.is_multiple_of(every)
}

impl FaultCounter {
    /// The injected failure for the next resource request, if any; `write`
    /// tells whether it is a `PUT` or `PATCH`.
    pub fn next(&self, faults: &Faults, write: bool) -> Option<ApiError> {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if hits(faults.throttle_every, n) {
            return Some(ApiError::too_many_requests(1));
        }
        if hits(faults.unavailable_every, n) {
            return Some(ApiError::unavailable(
                "the server is currently unable to handle the request (injected fault)",
            ));
        }
        if hits(faults.internal_error_every, n) {
            return Some(ApiError::internal(
                "Internal error occurred: injected fault",
            ));
        }
        if write {
            let w = self.writes.fetch_add(1, Ordering::Relaxed) + 1;
            if hits(faults.conflict_every, w) {
                return Some(ApiError::bare_conflict(
                    "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again (injected fault)",
                ));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_every_nth_request() {
        let faults = Faults {
            throttle_every: 3,
            conflict_every: 2,
            ..Faults::default()
        };
        let counter = FaultCounter::default();
        let codes: Vec<Option<u16>> = (0..6)
            .map(|_| counter.next(&faults, true).map(|e| e.code))
            .collect();
        // Requests 3 and 6 are throttled; writes 2 and 4 (requests 2 and 5) conflict.
        assert_eq!(
            codes,
            [None, Some(409), Some(429), None, Some(409), Some(429)]
        );
        let quiet = FaultCounter::default();
        assert!((0..10).all(|_| quiet.next(&Faults::default(), true).is_none()));
    }
}

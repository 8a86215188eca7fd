//! Retrying failed sync operations: `spec.syncPolicy.retry` backoff and the operation
//! messages around a retry (spec §2.10).

use serde::{Deserialize, Serialize};

use super::SyncError;

/// Default first wait, in nanoseconds (`5s`).
const DEFAULT_DURATION_NS: f64 = 5e9;
/// Default cap on the wait, in nanoseconds (`3m`).
const DEFAULT_MAX_DURATION_NS: f64 = 180e9;
/// Default backoff factor.
const DEFAULT_FACTOR: i64 = 2;
/// Retry limit of automated syncs that have no retry block.
pub const AUTOMATED_DEFAULT_LIMIT: i64 = 5;

/// `spec.syncPolicy.retry`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryStrategy {
    /// Retries allowed: 0 none, negative unlimited.
    pub limit: i64,
    /// Backoff settings.
    pub backoff: Option<Backoff>,
    /// Retry with the latest revisions instead of the original ones.
    pub refresh: bool,
}

/// `spec.syncPolicy.retry.backoff`; unset fields take their defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backoff {
    /// First wait: a bare integer means seconds, else a Go duration (`2m`, `1h30m`).
    pub duration: Option<String>,
    /// Multiplier per retry.
    pub factor: Option<i64>,
    /// Cap on the wait (same syntax); a zero or negative cap means no cap.
    pub max_duration: Option<String>,
}

/// What happens after an operation ended `Failed` or `Error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AfterFailure {
    /// Retry: the operation stays `Running` until `retry_at_unix`.
    Retry {
        /// The retry count after this failure.
        retry_count: i64,
        /// When the retry starts (UTC seconds).
        retry_at_unix: i64,
        /// `<msg>. Retrying attempt #N at <h:mmPM>.`
        message: String,
    },
    /// No retry left (or terminated): the operation ends with this message.
    GiveUp {
        /// The final message (` (retried N times).` appended when there were retries).
        message: String,
    },
}

impl RetryStrategy {
    /// The strategy of an automated sync: the configured one, or a limit of 5 retries with
    /// default backoff when the app has no retry block.
    pub fn for_automated_sync(configured: Option<RetryStrategy>) -> Self {
        configured.unwrap_or(Self {
            limit: AUTOMATED_DEFAULT_LIMIT,
            ..Self::default()
        })
    }

    /// The wait before the retry that follows `retry_count` earlier retries:
    /// `min(maxDuration, duration × factor^retry_count)` (no cap when the cap is ≤ 0),
    /// in whole nanoseconds; negative waits count as zero.
    pub fn wait_ns(&self, retry_count: i64) -> Result<u128, SyncError> {
        let backoff = self.backoff.clone().unwrap_or_default();
        let duration = match &backoff.duration {
            Some(text) if !text.is_empty() => parse_duration_ns(text)?,
            _ => DEFAULT_DURATION_NS,
        };
        let max = match &backoff.max_duration {
            Some(text) if !text.is_empty() => parse_duration_ns(text)?,
            _ => DEFAULT_MAX_DURATION_NS,
        };
        let factor = backoff.factor.unwrap_or(DEFAULT_FACTOR) as f64;
        let mut wait = duration * factor.powf(retry_count as f64);
        if max > 0.0 {
            wait = wait.min(max);
        }
        Ok(if wait.is_finite() && wait > 0.0 {
            wait as u128
        } else {
            0
        })
    }

    /// Decides what follows a failed operation at `now_unix` after `retry_count` retries.
    /// The printed retry time uses the wait for the count *before* the increment.
    pub fn after_failure(
        &self,
        message: &str,
        retry_count: i64,
        terminated: bool,
        now_unix: i64,
    ) -> Result<AfterFailure, SyncError> {
        if terminated || !(self.limit < 0 || retry_count < self.limit) {
            let message = if retry_count > 0 {
                format!("{message} (retried {retry_count} times).")
            } else {
                message.to_owned()
            };
            return Ok(AfterFailure::GiveUp { message });
        }
        let wait_s = i64::try_from(self.wait_ns(retry_count)? / 1_000_000_000).unwrap_or(i64::MAX);
        let retry_at_unix = now_unix.saturating_add(wait_s);
        let retry_count = retry_count + 1;
        Ok(AfterFailure::Retry {
            retry_count,
            retry_at_unix,
            message: format!(
                "{message}. Retrying attempt #{retry_count} at {}.",
                kitchen_time(retry_at_unix)
            ),
        })
    }

    /// The message when a retry starts.
    pub fn retry_message(&self, retry_count: i64) -> String {
        let latest = if self.refresh {
            " with latest revisions"
        } else {
            ""
        };
        format!("Retrying operation{latest}. Attempt #{retry_count}")
    }
}

/// UTC clock time as `h:mmAM`/`h:mmPM` (Go's `time.Kitchen`).
fn kitchen_time(unix: i64) -> String {
    let minutes_of_day = unix.rem_euclid(86_400) / 60;
    let (hour, minute) = (minutes_of_day / 60, minutes_of_day % 60);
    let suffix = if hour < 12 { "AM" } else { "PM" };
    let hour12 = match hour % 12 {
        0 => 12,
        h => h,
    };
    format!("{hour12}:{minute:02}{suffix}")
}

/// Parses a duration in nanoseconds: a bare integer is seconds, else Go duration syntax
/// (optional sign, then number+unit pairs with units `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`).
pub fn parse_duration_ns(text: &str) -> Result<f64, SyncError> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds as f64 * 1e9);
    }
    go_duration_ns(text).ok_or_else(|| SyncError::InvalidDuration(text.to_owned()))
}

fn go_duration_ns(text: &str) -> Option<f64> {
    let (sign, mut rest) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_len);
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += value * scale;
        rest = tail;
    }
    Some(sign * total)
}

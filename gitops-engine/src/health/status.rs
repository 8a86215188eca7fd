//! Health codes and the status value every rule returns.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A health code, spelled exactly as Argo CD spells it.
///
/// The declaration order is the aggregation order, best first:
/// `Healthy < Suspended < Progressing < Missing < Degraded < Unknown`,
/// so `Ord` gives "worse than" directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum HealthStatusCode {
    /// The resource is fully healthy.
    Healthy,
    /// The resource is paused or suspended on purpose.
    Suspended,
    /// The resource is not healthy yet but may still become healthy.
    Progressing,
    /// The resource does not exist in the cluster.
    Missing,
    /// The resource failed or could not become healthy in time.
    Degraded,
    /// The health could not be assessed.
    Unknown,
}

impl HealthStatusCode {
    /// Every code, best first (the aggregation order).
    pub const ALL: [HealthStatusCode; 6] = [
        HealthStatusCode::Healthy,
        HealthStatusCode::Suspended,
        HealthStatusCode::Progressing,
        HealthStatusCode::Missing,
        HealthStatusCode::Degraded,
        HealthStatusCode::Unknown,
    ];

    /// The code as Argo CD prints it, e.g. `"Progressing"`.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatusCode::Healthy => "Healthy",
            HealthStatusCode::Suspended => "Suspended",
            HealthStatusCode::Progressing => "Progressing",
            HealthStatusCode::Missing => "Missing",
            HealthStatusCode::Degraded => "Degraded",
            HealthStatusCode::Unknown => "Unknown",
        }
    }

    /// Whether `self` is strictly worse than `other` in the aggregation order.
    pub fn is_worse_than(self, other: HealthStatusCode) -> bool {
        self > other
    }
}

impl fmt::Display for HealthStatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a string that is not one of the six health codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown health status {0:?}: expected one of Healthy, Suspended, Progressing, Missing, Degraded, Unknown"
)]
pub struct UnknownHealthStatus(pub String);

impl FromStr for HealthStatusCode {
    type Err = UnknownHealthStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HealthStatusCode::ALL
            .into_iter()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| UnknownHealthStatus(s.to_string()))
    }
}

/// The health of one object: a code and a human-readable message (may be empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthStatus {
    /// The health code.
    pub status: HealthStatusCode,
    /// Why the object has this health; empty when there is nothing to say.
    pub message: String,
}

impl HealthStatus {
    /// A status with the given code and message.
    pub fn new(status: HealthStatusCode, message: impl Into<String>) -> Self {
        HealthStatus {
            status,
            message: message.into(),
        }
    }

    /// `Healthy` with the given message.
    pub fn healthy(message: impl Into<String>) -> Self {
        Self::new(HealthStatusCode::Healthy, message)
    }

    /// `Progressing` with the given message.
    pub fn progressing(message: impl Into<String>) -> Self {
        Self::new(HealthStatusCode::Progressing, message)
    }

    /// `Degraded` with the given message.
    pub fn degraded(message: impl Into<String>) -> Self {
        Self::new(HealthStatusCode::Degraded, message)
    }

    /// `Suspended` with the given message.
    pub fn suspended(message: impl Into<String>) -> Self {
        Self::new(HealthStatusCode::Suspended, message)
    }

    /// `Unknown` with the given message.
    pub fn unknown(message: impl Into<String>) -> Self {
        Self::new(HealthStatusCode::Unknown, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_argo_cd_aggregation_order() {
        let mut codes = HealthStatusCode::ALL;
        codes.reverse();
        codes.sort();
        assert_eq!(codes, HealthStatusCode::ALL);
        assert!(HealthStatusCode::Unknown.is_worse_than(HealthStatusCode::Degraded));
        assert!(HealthStatusCode::Missing.is_worse_than(HealthStatusCode::Progressing));
        assert!(!HealthStatusCode::Healthy.is_worse_than(HealthStatusCode::Healthy));
    }

    #[test]
    fn parses_and_prints_exact_spelling() {
        for code in HealthStatusCode::ALL {
            assert_eq!(code.as_str().parse::<HealthStatusCode>(), Ok(code));
            assert_eq!(code.to_string(), code.as_str());
        }
        let err = "healthy".parse::<HealthStatusCode>().unwrap_err();
        assert!(err.to_string().contains("\"healthy\""));
    }
}

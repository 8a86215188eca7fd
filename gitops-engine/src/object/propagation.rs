//! The propagation policy of a delete (`DeleteOptions.propagationPolicy`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// What happens to the dependents of a deleted object: the propagation of
/// every delete the engine sends (prunes take it from
/// `PrunePropagationPolicy=…`; the default is Argo CD's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PropagationPolicy {
    /// Dependants are deleted before the owner (the default).
    #[default]
    Foreground,
    /// The owner is deleted at once, dependants by the garbage collector.
    Background,
    /// Dependants are left in place.
    Orphan,
}

impl fmt::Display for PropagationPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Foreground => "foreground",
            Self::Background => "background",
            Self::Orphan => "orphan",
        })
    }
}

//! Image updates: find newer image versions in container registries, the way
//! Argo CD Image Updater does.
//!
//! * [`reference`](mod@reference) parses image references with Docker Hub defaults.
//! * [`spec`] parses an `image-list` entry plus its settings into an
//!   [`ImageSpec`]: a [`Strategy`] (`semver`, `newest-build`, `alphabetical`,
//!   `digest`), a [`TagFilter`] (allow-tags, ignore-tags) and platforms.
//! * [`constraint`] implements semver constraints; [`strategy`] holds the pure
//!   tag-picking functions.
//! * [`registry`] is the HTTP client for the registry API v2.
//! * [`check()`] combines them.
//! * [`annotations`] reads an Application's `argocd-image-updater.argoproj.io/*`
//!   annotations; [`writeback`] writes updates to Git or into the
//!   Application; [`updater::update_application`] runs one pass.
//!
//! Deliberate differences from Argo CD Image Updater: unknown strategy names,
//! unknown allow-tags functions and invalid globs are errors (it silently falls
//! back or matches nothing); an empty platform list means "any platform" (it
//! means the updater's own platform); `digest` uses `HEAD` instead of `GET`;
//! HTTP 429/503 are retried honouring `Retry-After`.

pub mod annotations;
pub mod check;
pub mod constraint;
pub mod filter;
pub mod platform;
pub mod reference;
pub mod registry;
pub mod spec;
pub mod strategy;
#[cfg(feature = "controller")]
pub mod updater;
pub mod writeback;

pub use check::{CheckError, Update, check};
pub use constraint::{Constraint, ConstraintError, TagVersion};
pub use filter::{FilterError, TagFilter};
pub use platform::{Platform, PlatformError};
pub use reference::{ImageRef, ReferenceError};
pub use spec::{ImageSettings, ImageSpec, SpecError};
pub use strategy::{Strategy, StrategyError};

//! `check`: ask the registry whether an image has a newer version per its spec.

use futures_util::stream::{self, StreamExt, TryStreamExt};

use super::reference::ImageRef;
use super::registry::{RegistryClient, RegistryError};
use super::spec::ImageSpec;
use super::strategy::{Strategy, pick_alphabetical, pick_newest_build, pick_semver};

/// Tags whose metadata `newest-build` fetches at the same time (requests
/// are still paced by the registry's rate limit).
const METADATA_CONCURRENCY: usize = 8;

/// A proposed image change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The spec's alias, if any.
    pub alias: Option<String>,
    /// The currently deployed image.
    pub from: ImageRef,
    /// The image to deploy: the spec's name with the new tag (and, for the
    /// `digest` strategy, the digest).
    pub to: ImageRef,
}

/// A registry failure while checking one image.
#[derive(Debug, thiserror::Error)]
#[error("checking image {image}: {source}")]
pub struct CheckError {
    /// `registry/repository` of the image.
    pub image: String,
    /// The underlying registry error.
    #[source]
    pub source: RegistryError,
}

/// Returns the update the spec's strategy asks for, or `None` when `current`
/// is already what it would pick (or nothing is acceptable).
///
/// * `semver` / `alphabetical`: list tags, filter, pick; compare tags.
/// * `newest-build`: additionally read each remaining tag's manifest and
///   config, several tags at a time (only images for the spec's platforms
///   count); tags without a creation date are skipped.
/// * `digest`: `HEAD` the watched tag; an update when the digest differs from
///   the current one.
pub async fn check(
    spec: &ImageSpec,
    current: &ImageRef,
    registry: &RegistryClient,
) -> Result<Option<Update>, CheckError> {
    let wrap = |source| CheckError {
        image: spec.image.name(),
        source,
    };
    let repository = spec.image.repository.as_str();
    let (tag, digest) = match &spec.strategy {
        Strategy::Digest { tag } => {
            let digest = registry
                .manifest_digest(repository, tag)
                .await
                .map_err(wrap)?;
            if current.digest.as_deref() == Some(digest.as_str()) {
                return Ok(None);
            }
            (tag.clone(), Some(digest))
        }
        strategy => {
            let all = registry.list_tags(repository).await.map_err(wrap)?;
            // A plain Vec (not a lazy iterator with closures) keeps this future Send,
            // so checks can run on spawned tasks.
            let tags: Vec<&str> = all
                .iter()
                .map(String::as_str)
                .filter(|t| spec.filter.accepts(t))
                .collect();
            let picked = match strategy {
                Strategy::Semver { constraint } => {
                    pick_semver(tags.iter().copied(), constraint.as_ref())
                }
                Strategy::Alphabetical => pick_alphabetical(tags.iter().copied()),
                _ => {
                    let owned: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
                    let infos: Vec<_> = stream::iter(owned)
                        .map(|tag: String| async move {
                            let info = registry.tag_info(repository, &tag, &spec.platforms).await?;
                            Ok::<_, RegistryError>((tag, info))
                        })
                        .buffered(METADATA_CONCURRENCY)
                        .try_collect()
                        .await
                        .map_err(wrap)?;
                    let dated: Vec<(String, _)> = infos
                        .into_iter()
                        .filter_map(|(tag, info)| Some((tag, info?.created?)))
                        .collect();
                    let newest = pick_newest_build(
                        dated.iter().map(|(tag, created)| (tag.as_str(), *created)),
                    );
                    newest.and_then(|n| tags.iter().copied().find(|t| *t == n))
                }
            };
            match picked {
                Some(tag) if current.tag.as_deref() != Some(tag) => (tag.to_owned(), None),
                _ => return Ok(None),
            }
        }
    };
    Ok(Some(Update {
        alias: spec.alias.clone(),
        from: current.clone(),
        to: spec.image.with_version(Some(&tag), digest.as_deref()),
    }))
}

//! [`LocalDir`]: a source read from a directory on disk, without Git, for a
//! quick start or local development.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kustomize_core::fs::DiskFs;
use sha2::{Digest, Sha256};

use super::error::Origin;
use super::render::render_tree;
use super::{RenderOptions, Rendered, SourceError};

/// A directory on the local disk standing in for a repository: source paths
/// are taken relative to it, and manifests may not reach outside it through
/// symbolic links.
#[derive(Debug, Clone)]
pub struct LocalDir {
    root: PathBuf,
}

/// The revision named in errors about a local directory.
const WORKING_TREE: &str = "working tree";

impl LocalDir {
    /// A source rooted at `root`, which must be a directory.
    pub fn new(root: impl AsRef<Path>) -> Result<Self, SourceError> {
        let given = root.as_ref();
        let root = given
            .canonicalize()
            .ok()
            .filter(|r| r.is_dir())
            .ok_or_else(|| SourceError::PathNotFound {
                url: given.display().to_string(),
                revision: WORKING_TREE.to_owned(),
                path: ".".to_owned(),
            })?;
        Ok(Self { root })
    }

    /// The directory, with links resolved.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Renders directory `path` (relative to the root). The revision of the
    /// result is `sha256:` and a digest of the rendered objects, so a caller
    /// can tell whether anything changed since the last rendering.
    pub fn render(&self, path: &str, options: &RenderOptions) -> Result<Rendered, SourceError> {
        let origin = Origin {
            url: self.root.display().to_string(),
            revision: WORKING_TREE.to_owned(),
        };
        let (objects, warnings) =
            render_tree(Arc::new(DiskFs), &self.root, path, options, &origin, None)?;
        let mut digest = Sha256::new();
        for object in &objects {
            digest.update(object.to_string().as_bytes());
            digest.update(b"\n");
        }
        let hex: String = digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Rendered {
            revision: format!("sha256:{hex}"),
            objects,
            warnings,
        })
    }
}

//! Writing image updates back: to Git ([`git`]) or into the Application
//! object itself ([`argocd`]); [`helm`] turns updates into Helm parameters.

#[cfg(feature = "cluster")]
pub mod argocd;
#[cfg(feature = "git")]
pub mod git;
pub mod helm;

#[cfg(feature = "cluster")]
pub use argocd::{ArgocdPatchError, helm_parameters_patch, images_patch, patch_application};
#[cfg(feature = "git")]
pub use git::{
    DEFAULT_MESSAGE_TEMPLATE, FileEdit, GitAuthor, GitCredentials, GitWriteConfig, GitWriteError,
    ImageChange, WriteOutcome, render_message, write_back,
};
pub use helm::HelmImageParameters;

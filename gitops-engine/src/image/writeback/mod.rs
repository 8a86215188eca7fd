//! Writing image updates back: to Git ([`git`]) or into the Application
//! object itself ([`argocd`]); [`helm`] turns updates into Helm parameters.

pub mod argocd;
pub mod git;
pub mod helm;

pub use argocd::{ArgocdPatchError, helm_parameters_patch, images_patch, patch_application};
pub use git::{
    DEFAULT_MESSAGE_TEMPLATE, FileEdit, GitAuthor, GitCredentials, GitWriteConfig, GitWriteError,
    ImageChange, WriteOutcome, render_message, write_back,
};
pub use helm::HelmImageParameters;

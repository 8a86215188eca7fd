//! Writing image updates back: to Git ([`git`]) or into the Application
//! object itself ([`argocd`]).

pub mod argocd;
pub mod git;

pub use argocd::{ArgocdPatchError, images_patch, patch_application};
pub use git::{
    DEFAULT_MESSAGE_TEMPLATE, FileEdit, GitAuthor, GitCredentials, GitWriteConfig, GitWriteError,
    ImageChange, WriteOutcome, render_message, write_back,
};

//! Strategic merge patch, with the patch-merge keys of built-in Kubernetes types.

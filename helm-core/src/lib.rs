//! Helm charts rendered as `helm template` (Helm v3) prints them. Pure: files
//! come through kustomize-core's `FileSystem`.

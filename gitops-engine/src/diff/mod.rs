//! Comparing desired objects with live ones, as Argo CD does.

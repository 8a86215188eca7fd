//! Health of live objects and of a whole application, as Argo CD judges it.

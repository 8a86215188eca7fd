//! Argo CD's checks of a project spec before it is stored (the API server's
//! `ValidateProject`), with its messages.

use std::collections::HashSet;

use super::model::{AppProject, ProjectError};

impl AppProject {
    /// Checks the spec as Argo CD does on create and update: no `!*` pattern,
    /// no destination, source repository or source namespace listed twice,
    /// sync windows well-formed and not repeated.
    pub fn validate(&self) -> Result<(), ProjectError> {
        let invalid = |message: String| ProjectError::Invalid {
            project: self.metadata.name.clone(),
            message,
        };
        let mut destinations = HashSet::new();
        for dest in &self.spec.destinations {
            for (field, value) in [
                ("name", &dest.name),
                ("server", &dest.server),
                ("namespace", &dest.namespace),
            ] {
                if value == "!*" {
                    return Err(invalid(format!("{field} has an invalid format, '!*'")));
                }
            }
            let cluster = if dest.server.is_empty() && !dest.name.is_empty() {
                &dest.name
            } else {
                &dest.server
            };
            let key = format!("{cluster}/{}", dest.namespace);
            if !destinations.insert(key.clone()) {
                return Err(invalid(format!("destination '{key}' already added")));
            }
        }
        let mut namespaces = HashSet::new();
        for namespace in &self.spec.source_namespaces {
            if !namespaces.insert(namespace) {
                return Err(invalid(format!(
                    "source namespace '{namespace}' already added"
                )));
            }
        }
        let mut repos = HashSet::new();
        for repo in &self.spec.source_repos {
            if repo == "!*" {
                return Err(invalid(
                    "source repository has an invalid format, '!*'".to_owned(),
                ));
            }
            if !repos.insert(repo) {
                return Err(invalid(format!("source repository '{repo}' already added")));
            }
        }
        let mut windows = HashSet::new();
        for window in &self.spec.sync_windows {
            if !windows.insert((&window.kind, &window.schedule, &window.duration)) {
                return Err(invalid(format!(
                    "window '{}':'{}':'{}' already exists, update or edit",
                    window.kind, window.schedule, window.duration
                )));
            }
            window.validate().map_err(invalid)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn check(spec: Value) -> Result<(), String> {
        let project = AppProject::from_value(&json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
            "metadata": {"name": "team", "namespace": "argocd"},
            "spec": spec,
        }))
        .unwrap();
        project.validate().map_err(|e| e.to_string())
    }

    #[test]
    fn argo_cd_messages() {
        assert_eq!(check(json!({"sourceRepos": ["*"]})), Ok(()));
        assert_eq!(
            check(json!({"sourceRepos": ["!*"]})),
            Err("source repository has an invalid format, '!*'".into())
        );
        assert_eq!(
            check(json!({"sourceRepos": ["https://a/b", "https://a/b"]})),
            Err("source repository 'https://a/b' already added".into())
        );
        assert_eq!(
            check(json!({"destinations": [{"server": "!*", "namespace": "x"}]})),
            Err("server has an invalid format, '!*'".into())
        );
        assert_eq!(
            check(json!({"destinations": [{"name": "in-cluster", "namespace": "!*"}]})),
            Err("namespace has an invalid format, '!*'".into())
        );
        assert_eq!(
            check(
                json!({"destinations": [{"name": "in-cluster", "namespace": "a"},
                                          {"name": "in-cluster", "namespace": "a"}]})
            ),
            Err("destination 'in-cluster/a' already added".into())
        );
        assert_eq!(
            check(json!({"sourceNamespaces": ["team-*", "team-*"]})),
            Err("source namespace 'team-*' already added".into())
        );
        let window = |kind: &str, schedule: &str, duration: &str, apps: Value| json!({"kind": kind, "schedule": schedule, "duration": duration, "applications": apps});
        assert_eq!(
            check(json!({"syncWindows": [window("block", "* * * * *", "1h", json!(["*"]))]})),
            Err("kind 'block' mismatch: can only be allow or deny".into())
        );
        assert_eq!(
            check(json!({"syncWindows": [window("deny", "* * * * *", "1h", json!([]))]})),
            Err(
                "window 'deny':'* * * * *':'1h' requires one of application, cluster or namespace"
                    .into()
            )
        );
        let bad_schedule =
            check(json!({"syncWindows": [window("deny", "* * *", "1h", json!(["*"]))]}));
        assert!(
            bad_schedule
                .unwrap_err()
                .starts_with("cannot parse schedule '* * *': ")
        );
        let bad_duration =
            check(json!({"syncWindows": [window("allow", "0 1 * * *", "1 hour", json!(["*"]))]}));
        assert!(
            bad_duration
                .unwrap_err()
                .starts_with("cannot parse duration '1 hour': ")
        );
        let twice = window("allow", "0 1 * * *", "1h", json!(["*"]));
        assert_eq!(
            check(json!({"syncWindows": [twice.clone(), twice]})),
            Err("window 'allow':'0 1 * * *':'1h' already exists, update or edit".into())
        );
    }
}

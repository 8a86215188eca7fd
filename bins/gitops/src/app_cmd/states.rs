//! Per-resource rows of an application as argocd shows them: the results of the last
//! operation merged with `status.resources`.

use std::collections::BTreeMap;

use gitops_engine::app::Application;
use gitops_engine::sync::SelectedResource;

use super::output::enum_text;

/// One row of the resource tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceState {
    /// API group.
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Sync status (or the hook's phase).
    pub status: String,
    /// Health (or the hook's result code).
    pub health: String,
    /// Hook type, for hooks.
    pub hook: String,
    /// Message of the last operation.
    pub message: String,
}

impl ResourceState {
    /// `group/kind/namespace/name`, the key rows are merged and sorted by.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.group, self.kind, self.namespace, self.name
        )
    }

    /// Takes the non-empty fields of `newer` that differ; whether anything changed.
    pub fn merge(&mut self, newer: &ResourceState) -> bool {
        let mut updated = false;
        for (mine, theirs) in [
            (&mut self.status, &newer.status),
            (&mut self.health, &newer.health),
            (&mut self.hook, &newer.hook),
            (&mut self.message, &newer.message),
        ] {
            if !theirs.is_empty() && mine != theirs {
                mine.clone_from(theirs);
                updated = true;
            }
        }
        updated
    }

    fn selected_by(&self, selected: &[SelectedResource]) -> bool {
        selected.is_empty()
            || selected.iter().any(|s| {
                s.group == self.group
                    && s.kind == self.kind
                    && s.name == self.name
                    && (s.namespace.is_empty() || s.namespace == self.namespace)
            })
    }
}

/// The rows of `app`: first the last operation's results (plain resources show their
/// current sync status and health, hooks their phase and result), then the remaining
/// `status.resources` sorted by key; restricted to `selected` when given.
pub fn resource_states(app: &Application, selected: &[SelectedResource]) -> Vec<ResourceState> {
    let mut remaining: BTreeMap<String, ResourceState> = app
        .status
        .resources
        .iter()
        .map(|r| {
            let state = ResourceState {
                group: r.group.clone(),
                kind: r.kind.clone(),
                namespace: r.namespace.clone(),
                name: r.name.clone(),
                status: enum_text(&r.status),
                health: r
                    .health
                    .as_ref()
                    .map(|h| enum_text(&h.status))
                    .unwrap_or_default(),
                ..ResourceState::default()
            };
            (state.key(), state)
        })
        .collect();
    let mut states = Vec::new();
    let results = app
        .status
        .operation_state
        .as_ref()
        .and_then(|op| op.sync_result.as_ref())
        .map(|r| r.resources.as_slice())
        .unwrap_or_default();
    for result in results {
        let mut state = ResourceState {
            group: result.group.clone(),
            kind: result.kind.clone(),
            namespace: result.namespace.clone(),
            name: result.name.clone(),
            status: enum_text(&result.hook_phase),
            health: enum_text(&result.status),
            hook: result.hook_type.clone().unwrap_or_default(),
            message: result.message.clone(),
        };
        if let Some(current) = remaining.remove(&state.key())
            && state.hook.is_empty()
        {
            state.status = current.status;
            state.health = current.health;
        }
        states.push(state);
    }
    states.extend(remaining.into_values());
    states.retain(|s| s.selected_by(selected));
    states
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operation_results_come_first_with_current_status() {
        let app = Application::from_value(&json!({
            "metadata": {"name": "a"},
            "status": {
                "resources": [
                    {"kind": "Service", "namespace": "d", "name": "s", "status": "Synced", "health": {"status": "Healthy"}},
                    {"group": "apps", "kind": "Deployment", "namespace": "d", "name": "w", "status": "OutOfSync", "health": {"status": "Progressing"}}
                ],
                "operationState": {
                    "operation": {"sync": {}},
                    "phase": "Succeeded",
                    "startedAt": "2026-01-01T00:00:00Z",
                    "syncResult": {"resources": [
                        {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "d", "name": "w", "status": "Synced", "message": "deployment.apps/w configured", "hookPhase": "Running", "syncPhase": "Sync"},
                        {"group": "batch", "version": "v1", "kind": "Job", "namespace": "d", "name": "migrate", "status": "Synced", "hookType": "PreSync", "hookPhase": "Succeeded", "syncPhase": "PreSync"}
                    ]}
                }
            }
        }))
        .unwrap();
        let rows: Vec<_> = resource_states(&app, &[])
            .into_iter()
            .map(|s| [s.kind, s.status, s.health, s.hook, s.message].join("|"))
            .collect();
        assert_eq!(
            rows,
            [
                "Deployment|OutOfSync|Progressing||deployment.apps/w configured",
                "Job|Succeeded|Synced|PreSync|",
                "Service|Synced|Healthy||",
            ]
        );
    }
}

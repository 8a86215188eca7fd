//! The stable text form of a sync plan: one line per task, in execution order.

use std::fmt;

use super::plan::SyncPlan;
use super::task::{PruneAction, SyncTask, TaskAction, TaskRole};

impl fmt::Display for TaskAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Apply {
                server_side,
                force,
                validate,
                migrate_client_side,
            } => {
                f.write_str("apply")?;
                flag(f, *server_side, " server-side")?;
                flag(f, *migrate_client_side, " migrate-client-side")?;
                flag(f, *force, " force")?;
                flag(f, !validate, " no-validate")
            }
            Self::Create { validate } => {
                f.write_str("create")?;
                flag(f, !validate, " no-validate")
            }
            Self::Replace { force } => {
                f.write_str("replace")?;
                flag(f, *force, " force")
            }
            Self::Update => f.write_str("update"),
            Self::Prune(PruneAction::Delete { propagation }) => write!(f, "prune {propagation}"),
            Self::Prune(PruneAction::RequiresPruning) => {
                f.write_str("prune-skipped (requires pruning)")
            }
            Self::Prune(PruneAction::NoPrune) => f.write_str("prune-skipped (no prune)"),
        }
    }
}

fn flag(f: &mut fmt::Formatter<'_>, on: bool, text: &str) -> fmt::Result {
    if on { f.write_str(text) } else { Ok(()) }
}

impl fmt::Display for TaskRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Resource => "resource",
            Self::Hook => "hook",
            Self::Prune => "prune",
            Self::ManagedNamespace => "namespace",
        })
    }
}

/// `<phase>/<wave> <role> <key> <operation>[ [flags]]`, flags among `live`, `modified`,
/// `unmodified`, `no-dry-run`, `skip-dry-run`, `skip-unmodified`, `awaiting-confirmation`,
/// `delete-before-creation` and the hook delete policies.
impl fmt::Display for SyncTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} {} {} {}",
            self.phase, self.wave, self.role, self.key, self.operation
        )?;
        let mut flags: Vec<String> = Vec::new();
        if self.live_exists {
            flags.push("live".into());
        }
        match self.modified {
            Some(true) => flags.push("modified".into()),
            Some(false) => flags.push("unmodified".into()),
            None => {}
        }
        if self.skip_dry_run {
            flags.push("skip-dry-run".into());
        } else if !self.dry_run {
            flags.push("no-dry-run".into());
        }
        if self.skip_unmodified {
            flags.push("skip-unmodified".into());
        }
        if self.awaiting_prune_confirmation {
            flags.push("awaiting-confirmation".into());
        }
        if let Some(hook) = &self.hook {
            flags.extend(hook.delete_policies.iter().map(ToString::to_string));
            if hook.delete_before_creation {
                flags.push("delete-before-creation".into());
            }
        }
        if !flags.is_empty() {
            write!(f, " [{}]", flags.join(","))?;
        }
        Ok(())
    }
}

/// A header line, the tasks, then `invalid:` and `warning:` lines.
impl fmt::Display for SyncPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "plan {} -> {}",
            self.app_instance, self.destination_namespace
        )?;
        flag(f, self.dry_run, " (dry run)")?;
        writeln!(f)?;
        for task in &self.tasks {
            writeln!(f, "{task}")?;
        }
        for invalid in &self.invalid {
            writeln!(f, "invalid: {}: {}", invalid.result_key, invalid.message)?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        Ok(())
    }
}

//! Ordering of sync tasks: prune-wave mirroring, `PruneLast`, the sort by
//! phase/wave/kind/name, and hoisting of Namespace and CRD tasks (spec §2.3).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::hooks::SyncPhase;
use super::task::SyncTask;
use super::waves::kind_rank;
use crate::object;

/// Mirrors the waves of prune tasks: the distinct prune waves, sorted, are swapped
/// first↔last, second↔second-last, … so objects created last are deleted first.
pub fn mirror_prune_waves(tasks: &mut [SyncTask]) {
    let waves: Vec<i64> = tasks
        .iter()
        .filter(|t| t.is_prune())
        .map(|t| t.wave)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mirrored: BTreeMap<i64, i64> = waves
        .iter()
        .zip(waves.iter().rev())
        .map(|(from, to)| (*from, *to))
        .collect();
    for task in tasks.iter_mut().filter(|t| t.is_prune()) {
        if let Some(wave) = mirrored.get(&task.wave) {
            task.wave = *wave;
        }
    }
}

/// The wave given to `PruneLast` prune tasks: one after the last wave of the `Sync`
/// phase (counting mirrored prune waves), and at least 1.
pub fn prune_last_wave(tasks: &[SyncTask]) -> i64 {
    let last = tasks
        .iter()
        .filter(|t| t.phase == SyncPhase::Sync)
        .map(|t| t.wave)
        .fold(0, i64::max);
    last.saturating_add(1)
}

/// Compares two tasks: phase, wave, kind order (group ignored), name; then, to make the
/// order total, the full key and the role.
fn compare(a: &SyncTask, b: &SyncTask) -> Ordering {
    a.phase
        .cmp(&b.phase)
        .then(a.wave.cmp(&b.wave))
        .then(kind_rank(&a.key.kind).cmp(&kind_rank(&b.key.kind)))
        .then(a.key.name.cmp(&b.key.name))
        .then(a.key.cmp(&b.key))
        .then(a.role.cmp(&b.role))
}

/// Sorts tasks, then moves each Namespace task before the first task in that namespace
/// and each CRD task before the first task of the kind it defines; a moved task takes the
/// phase and wave of the task it now precedes.
pub fn sort_tasks(tasks: &mut [SyncTask]) {
    tasks.sort_by(compare);
    hoist(tasks, namespace_created, namespace_used);
    hoist(tasks, crd_defined, group_kind_used);
}

fn namespace_created(obj: &Value) -> Option<String> {
    object::is_namespace(obj)
        .then(|| object::name(obj).map(str::to_owned))
        .flatten()
}

fn namespace_used(obj: &Value) -> Option<String> {
    object::namespace(obj).map(str::to_owned)
}

fn crd_defined(obj: &Value) -> Option<String> {
    object::crd_defines(obj).map(|(group, kind)| format!("{group}/{kind}"))
}

fn group_kind_used(obj: &Value) -> Option<String> {
    Some(format!(
        "{}/{}",
        object::group_version(obj).0,
        object::kind(obj).unwrap_or_default()
    ))
}

/// Walks the sorted tasks once; a task providing dependency `d` that comes after the first
/// task needing `d` is moved just before it. Prune tasks (no target) are not considered.
fn hoist(
    tasks: &mut [SyncTask],
    provides: fn(&Value) -> Option<String>,
    needs: fn(&Value) -> Option<String>,
) {
    let mut first_user: HashMap<String, usize> = HashMap::new();
    for i in 0..tasks.len() {
        let Some(target) = &tasks[i].target else {
            continue;
        };
        if let Some(dep) = provides(target) {
            if let Some(&index) = first_user.get(&dep) {
                let (phase, wave) = (tasks[index].phase, tasks[index].wave);
                tasks[i].phase = phase;
                tasks[i].wave = wave;
                tasks[index..=i].rotate_right(1);
                for position in first_user.values_mut() {
                    if *position >= index {
                        *position += 1;
                    }
                }
            }
        } else if let Some(dep) = needs(target) {
            first_user.entry(dep).or_insert(i);
        }
    }
}

//! The operation loop as a decision: dry-run first, waves wait for health, the final wave
//! is not waited for, hooks, prune confirmation and deletion, hook delete policies, SyncFail
//! hooks (notes/gitops-engine.md §2.4, §2.5, §2.7, §2.8).

mod sync_support;

use gitops_engine::health::{HealthStatus, HealthStatusCode};
use gitops_engine::sync::{
    LiveState, Progress, ResourceKey, ResultCode, Step, SyncPlan, TaskPhase, TaskResult, next_step,
};
use sync_support::*;

const HOOK: &str = "argocd.argoproj.io/hook";
const WAVE: &str = "argocd.argoproj.io/sync-wave";
const POLICY: &str = "argocd.argoproj.io/hook-delete-policy";

fn result(status: ResultCode, phase: TaskPhase, message: &str) -> TaskResult {
    TaskResult {
        status: Some(status),
        phase: Some(phase),
        message: message.into(),
    }
}

fn synced_running() -> TaskResult {
    result(ResultCode::Synced, TaskPhase::Running, "configured")
}

fn healthy(code: HealthStatusCode, message: &str) -> LiveState {
    LiveState {
        health: Some(HealthStatus {
            status: code,
            message: message.into(),
        }),
        deleting: false,
    }
}

fn key(group: &str, kind: &str, name: &str) -> ResourceKey {
    ResourceKey::new(group, kind, NS, name)
}

/// Progress after the dry-run, with the given results and live states.
fn progress(results: &[(&str, TaskResult)], live: &[(ResourceKey, LiveState)]) -> Progress {
    Progress {
        dry_run_done: true,
        results: results
            .iter()
            .map(|(k, r)| ((*k).to_owned(), r.clone()))
            .collect(),
        live: live.iter().cloned().collect(),
    }
}

fn step(plan: &SyncPlan, p: &Progress) -> Step {
    next_step(plan, p).step
}

fn wave_of(step: &Step) -> (i64, Vec<Vec<String>>, bool) {
    match step {
        Step::RunWave {
            wave,
            apply,
            completes_operation,
            ..
        } => (*wave, apply.clone(), *completes_operation),
        other => panic!("expected RunWave, got {other:?}"),
    }
}

fn message_of(step: &Step) -> &str {
    match step {
        Step::Wait { message } | Step::Succeeded { message, .. } | Step::Failed { message, .. } => {
            message
        }
        other => panic!("expected a message, got {other:?}"),
    }
}

// §2.4 step 2: the first call dry-runs everything (nothing has been applied yet).
#[test]
fn first_step_is_dry_run_of_all_tasks() {
    let plan = must_plan(&input(
        vec![cm("c", &[]), job("pre", &[(HOOK, "PreSync")])],
        vec![tracked(&cm("old", &[]))],
    ));
    let decision = next_step(&plan, &Progress::default());
    assert_eq!(
        decision.step,
        Step::DryRun {
            create_namespace_first: None,
            tasks: vec![
                "batch/Job/default/pre:PreSync".into(),
                "/ConfigMap/default/c:Sync".into(),
                "/ConfigMap/default/old:Sync".into()
            ]
        }
    );
}

// §2.4 step 2: "If a task creates the destination namespace … apply it for real first".
#[test]
fn destination_namespace_created_before_dry_run() {
    let mut input = input(vec![cm("c", &[])], vec![]);
    input.options = gitops_engine::sync::SyncOptions::from_list(&["CreateNamespace=true"]);
    let plan = must_plan(&input);
    match step(&plan, &Progress::default()) {
        Step::DryRun {
            create_namespace_first,
            tasks,
        } => {
            assert_eq!(
                create_namespace_first.as_deref(),
                Some("/Namespace//default:PreSync")
            );
            assert_eq!(tasks, ["/ConfigMap/default/c:Sync"]);
        }
        other => panic!("{other:?}"),
    }
}

// §2.4 "A single-wave, hook-free sync is therefore just an asynchronous apply": one wave,
// completing the operation when it applies.
#[test]
fn single_wave_without_hooks_completes_on_apply() {
    let plan = must_plan(&input(
        vec![deploy("web", &[]), cm("a", &[]), cm("b", &[])],
        vec![],
    ));
    let s = step(&plan, &progress(&[], &[]));
    let (wave, apply, completes) = wave_of(&s);
    assert_eq!(wave, 0);
    assert!(completes);
    // §2.5 step 4: grouped by runs of the same kind.
    assert_eq!(
        apply,
        [
            vec!["/ConfigMap/default/a:Sync", "/ConfigMap/default/b:Sync"],
            vec!["apps/Deployment/default/web:Sync"]
        ]
    );
    assert!(matches!(
        s,
        Step::RunWave {
            final_wave: true,
            ..
        }
    ));
}

// §2.4 "The final wave is not waited for": a single-step sync whose resource is still
// Progressing has nothing pending and succeeds.
#[test]
fn final_wave_is_not_waited_for() {
    let plan = must_plan(&input(vec![deploy("web", &[])], vec![]));
    let p = progress(
        &[("apps/Deployment/default/web:Sync", synced_running())],
        &[(
            key("apps", "Deployment", "web"),
            healthy(HealthStatusCode::Progressing, "rolling"),
        )],
    );
    assert_eq!(
        message_of(&step(&plan, &p)),
        "successfully synced (no more tasks)"
    );
}

// §2.4 "the next wave only starts … once every task of the current wave has become
// Succeeded"; message "waiting for healthy state of <group>/<kind>/<name>[ and N more resources]".
#[test]
fn next_wave_waits_for_health_of_previous_wave() {
    let plan = must_plan(&input(
        vec![
            deploy("web", &[]),
            deploy("api", &[]),
            cm("late", &[(WAVE, "1")]),
        ],
        vec![],
    ));
    let results = [
        ("apps/Deployment/default/api:Sync", synced_running()),
        ("apps/Deployment/default/web:Sync", synced_running()),
    ];
    for code in [HealthStatusCode::Progressing, HealthStatusCode::Suspended] {
        let p = progress(
            &results,
            &[
                (key("apps", "Deployment", "api"), healthy(code, "")),
                (key("apps", "Deployment", "web"), healthy(code, "")),
            ],
        );
        assert_eq!(
            message_of(&step(&plan, &p)),
            "waiting for healthy state of apps/Deployment/api and 1 more resources"
        );
    }
    let p = progress(
        &results,
        &[
            (
                key("apps", "Deployment", "api"),
                healthy(HealthStatusCode::Healthy, ""),
            ),
            (
                key("apps", "Deployment", "web"),
                healthy(HealthStatusCode::Healthy, ""),
            ),
        ],
    );
    let decision = next_step(&plan, &p);
    assert_eq!(decision.updates.len(), 2);
    assert!(
        decision
            .updates
            .values()
            .all(|r| r.phase == Some(TaskPhase::Succeeded))
    );
    let (wave, apply, completes) = wave_of(&decision.step);
    assert_eq!(
        (wave, apply, completes),
        (
            1,
            vec![vec!["/ConfigMap/default/late:Sync".to_owned()]],
            true
        )
    );
}

// §2.4 step 3: "non-hook resources: no health rule or Healthy ⇒ Succeeded".
#[test]
fn resources_without_health_rule_succeed() {
    let plan = must_plan(&input(
        vec![cm("c", &[]), cm("late", &[(WAVE, "1")])],
        vec![],
    ));
    let p = progress(
        &[("/ConfigMap/default/c:Sync", synced_running())],
        &[(key("", "ConfigMap", "c"), LiveState::default())],
    );
    let decision = next_step(&plan, &p);
    assert_eq!(
        decision.updates["/ConfigMap/default/c:Sync"],
        result(ResultCode::Synced, TaskPhase::Succeeded, "configured")
    );
    assert_eq!(wave_of(&decision.step).0, 1);
}

// §2.4: "Degraded fails the operation"; §2.7 failure message.
#[test]
fn degraded_resource_fails_operation() {
    let plan = must_plan(&input(
        vec![deploy("web", &[]), cm("late", &[(WAVE, "1")])],
        vec![],
    ));
    let p = progress(
        &[("apps/Deployment/default/web:Sync", synced_running())],
        &[(
            key("apps", "Deployment", "web"),
            healthy(HealthStatusCode::Degraded, "exceeded its progress deadline"),
        )],
    );
    let decision = next_step(&plan, &p);
    assert_eq!(
        decision.updates["apps/Deployment/default/web:Sync"].message,
        "exceeded its progress deadline"
    );
    assert_eq!(
        decision.step,
        Step::Failed {
            message: "one or more synchronization tasks completed unsuccessfully".into(),
            delete_hooks: vec![],
            run_sync_fail_hooks: vec![]
        }
    );
}

// §2.7: "message is the base message plus, if any task is SyncFailed, ", reason: " and the
// distinct task messages joined by ","".
#[test]
fn sync_failed_tasks_give_reasons() {
    let plan = must_plan(&input(
        vec![cm("a", &[]), cm("b", &[]), cm("c", &[])],
        vec![],
    ));
    let failed = |m: &str| result(ResultCode::SyncFailed, TaskPhase::Failed, m);
    let p = progress(
        &[
            ("/ConfigMap/default/a:Sync", failed("bad a")),
            ("/ConfigMap/default/b:Sync", failed("bad a")),
            ("/ConfigMap/default/c:Sync", failed("bad c")),
        ],
        &[],
    );
    assert_eq!(
        message_of(&step(&plan, &p)),
        "one or more synchronization tasks completed unsuccessfully, reason: bad a,bad c"
    );
}

// §2.4 step 3 for hooks: Healthy ⇒ Succeeded; Degraded/Unknown ⇒ Failed;
// Progressing/Suspended ⇒ Running; no health rule ⇒ Succeeded "<name> created".
// Running hooks are waited for: "waiting for completion of hook …".
#[test]
fn hook_phase_follows_health() {
    let plan = must_plan(&input(
        vec![job("migrate", &[(HOOK, "PreSync")]), cm("c", &[])],
        vec![],
    ));
    let k = "batch/Job/default/migrate:PreSync";
    let hook_key = key("batch", "Job", "migrate");
    let cases = [
        (
            Some(HealthStatusCode::Healthy),
            TaskPhase::Succeeded,
            "done",
        ),
        (Some(HealthStatusCode::Degraded), TaskPhase::Failed, "done"),
        (Some(HealthStatusCode::Unknown), TaskPhase::Failed, "done"),
        (
            Some(HealthStatusCode::Progressing),
            TaskPhase::Running,
            "done",
        ),
        (
            Some(HealthStatusCode::Suspended),
            TaskPhase::Running,
            "done",
        ),
        (None, TaskPhase::Succeeded, "migrate created"),
    ];
    for (code, phase, message) in cases {
        let live = LiveState {
            health: code.map(|c| HealthStatus {
                status: c,
                message: "done".into(),
            }),
            deleting: false,
        };
        let p = progress(&[(k, synced_running())], &[(hook_key.clone(), live)]);
        let decision = next_step(&plan, &p);
        let updated = decision
            .updates
            .get(k)
            .cloned()
            .unwrap_or_else(synced_running);
        assert_eq!(updated.phase, Some(phase), "{code:?}");
        if phase != TaskPhase::Running {
            assert_eq!(updated.message, message, "{code:?}");
        } else {
            assert_eq!(
                message_of(&decision.step),
                "waiting for completion of hook batch/Job/migrate"
            );
        }
    }
}

// §2.4: "PostSync hooks run only after everything in Sync is healthy".
#[test]
fn postsync_runs_after_sync_is_healthy() {
    let plan = must_plan(&input(
        vec![deploy("web", &[]), job("smoke", &[(HOOK, "PostSync")])],
        vec![],
    ));
    let running = progress(
        &[("apps/Deployment/default/web:Sync", synced_running())],
        &[(
            key("apps", "Deployment", "web"),
            healthy(HealthStatusCode::Progressing, ""),
        )],
    );
    assert_eq!(
        message_of(&step(&plan, &running)),
        "waiting for healthy state of apps/Deployment/web"
    );
    let done = progress(
        &[("apps/Deployment/default/web:Sync", synced_running())],
        &[(
            key("apps", "Deployment", "web"),
            healthy(HealthStatusCode::Healthy, ""),
        )],
    );
    match step(&plan, &done) {
        Step::RunWave {
            phase,
            apply,
            completes_operation,
            ..
        } => {
            assert_eq!(phase, gitops_engine::sync::SyncPhase::PostSync);
            assert_eq!(apply, [vec!["batch/Job/default/smoke:PostSync".to_owned()]]);
            assert!(!completes_operation, "a wave with hooks waits for them");
        }
        other => panic!("{other:?}"),
    }
}

// §2.5 step 2: nothing is pruned and the wave is pending; the message takes the v3 format
// of §6: "waiting for pruning confirmation of <group>/<kind>/<name>[ and N more resources]".
#[test]
fn prune_confirmation_blocks_the_wave() {
    let opts = "argocd.argoproj.io/sync-options";
    let live = vec![
        tracked(&cm("old-a", &[(opts, "Prune=confirm")])),
        tracked(&cm("old-b", &[(opts, "Prune=confirm")])),
    ];
    let mut input = input(vec![], live);
    let plan = must_plan(&input);
    assert_eq!(
        message_of(&step(&plan, &progress(&[], &[]))),
        "waiting for pruning confirmation of /ConfigMap/old-a and 1 more resources"
    );
    input.operation.prune_confirmed = true;
    let plan = must_plan(&input);
    match step(&plan, &progress(&[], &[])) {
        Step::RunWave { prune, apply, .. } => {
            assert_eq!(
                prune,
                [
                    "/ConfigMap/default/old-a:Sync",
                    "/ConfigMap/default/old-b:Sync"
                ]
            );
            assert!(apply.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

// §2.5 steps 2-4: prunes, then deletion of old hook instances, then applies.
#[test]
fn wave_prunes_then_deletes_old_hooks_then_applies() {
    let desired = vec![cm("new", &[]), job("migrate", &[(HOOK, "Sync")])];
    let live = vec![tracked(&cm("old", &[])), job("migrate", &[(HOOK, "Sync")])];
    let plan = must_plan(&input(desired, live));
    match step(&plan, &progress(&[], &[])) {
        Step::RunWave {
            prune,
            delete_before_creation,
            apply,
            ..
        } => {
            assert_eq!(prune, ["/ConfigMap/default/old:Sync"]);
            assert_eq!(delete_before_creation, ["batch/Job/default/migrate:Sync"]);
            assert_eq!(
                apply,
                [
                    vec!["/ConfigMap/default/new:Sync".to_owned()],
                    vec!["batch/Job/default/migrate:Sync".to_owned()]
                ]
            );
        }
        other => panic!("{other:?}"),
    }
}

// §2.4 step 4: "a pruned object still has a deletionTimestamp → "waiting for deletion of …"".
#[test]
fn pruned_object_with_deletion_timestamp_is_waited_for() {
    let plan = must_plan(&input(vec![cm("c", &[])], vec![tracked(&cm("old", &[]))]));
    let p = progress(
        &[
            (
                "/ConfigMap/default/old:Sync",
                result(ResultCode::Pruned, TaskPhase::Succeeded, "pruned"),
            ),
            (
                "/ConfigMap/default/c:Sync",
                result(ResultCode::Synced, TaskPhase::Succeeded, "created"),
            ),
        ],
        &[(
            key("", "ConfigMap", "old"),
            LiveState {
                health: None,
                deleting: true,
            },
        )],
    );
    assert_eq!(
        message_of(&step(&plan, &p)),
        "waiting for deletion of /ConfigMap/old"
    );
    let gone = progress(
        &[
            (
                "/ConfigMap/default/old:Sync",
                result(ResultCode::Pruned, TaskPhase::Succeeded, "pruned"),
            ),
            (
                "/ConfigMap/default/c:Sync",
                result(ResultCode::Synced, TaskPhase::Succeeded, "created"),
            ),
        ],
        &[],
    );
    assert_eq!(
        message_of(&step(&plan, &gone)),
        "successfully synced (no more tasks)"
    );
}

// §2.6: "Pruned and PruneSkipped both mean hook phase Succeeded: a skipped prune does not
// fail the sync".
#[test]
fn prune_skipped_does_not_fail_the_sync() {
    let mut input = input(vec![], vec![tracked(&cm("old", &[]))]);
    input.operation.prune = false;
    let plan = must_plan(&input);
    let p = progress(
        &[(
            "/ConfigMap/default/old:Sync",
            result(
                ResultCode::PruneSkipped,
                TaskPhase::Succeeded,
                "ignored (requires pruning)",
            ),
        )],
        &[],
    );
    assert_eq!(
        message_of(&step(&plan, &p)),
        "successfully synced (no more tasks)"
    );
}

// §2.8: "at the end of a successful operation every completed hook with HookSucceeded is
// deleted; when the operation fails, every completed hook with HookFailed is deleted".
// §2.4 step 5: completed hooks lose their finalizer.
#[test]
fn hook_delete_policies_follow_the_operation_outcome() {
    let desired = vec![
        job(
            "on-success",
            &[(HOOK, "PreSync"), (POLICY, "HookSucceeded")],
        ),
        job("on-failure", &[(HOOK, "PreSync"), (POLICY, "HookFailed")]),
        cm("c", &[]),
    ];
    let plan = must_plan(&input(desired, vec![]));
    let done = result(ResultCode::Synced, TaskPhase::Succeeded, "done");
    let live = [
        (key("batch", "Job", "on-success"), LiveState::default()),
        (key("batch", "Job", "on-failure"), LiveState::default()),
    ];
    let ok = progress(
        &[
            ("batch/Job/default/on-success:PreSync", done.clone()),
            ("batch/Job/default/on-failure:PreSync", done.clone()),
            ("/ConfigMap/default/c:Sync", done.clone()),
        ],
        &live,
    );
    let decision = next_step(&plan, &ok);
    assert_eq!(
        decision.remove_hook_finalizers,
        [
            "batch/Job/default/on-failure:PreSync",
            "batch/Job/default/on-success:PreSync"
        ]
    );
    assert_eq!(
        decision.step,
        Step::Succeeded {
            message: "successfully synced (no more tasks)".into(),
            delete_hooks: vec!["batch/Job/default/on-success:PreSync".into()]
        }
    );
    let failing = progress(
        &[
            ("batch/Job/default/on-success:PreSync", done.clone()),
            ("batch/Job/default/on-failure:PreSync", done),
            (
                "/ConfigMap/default/c:Sync",
                result(ResultCode::SyncFailed, TaskPhase::Failed, "boom"),
            ),
        ],
        &live,
    );
    match step(&plan, &failing) {
        Step::Failed {
            delete_hooks,
            message,
            ..
        } => {
            assert_eq!(delete_hooks, ["batch/Job/default/on-failure:PreSync"]);
            assert_eq!(
                message,
                "one or more synchronization tasks completed unsuccessfully, reason: boom"
            );
        }
        other => panic!("{other:?}"),
    }
}

// §2.7: "If there are SyncFail hooks: when all of them have completed, phase Failed;
// otherwise start them".
#[test]
fn sync_fail_hooks_start_when_the_operation_fails() {
    let plan = must_plan(&input(
        vec![cm("c", &[]), job("notify", &[(HOOK, "SyncFail")])],
        vec![],
    ));
    let failed = (
        "/ConfigMap/default/c:Sync",
        result(ResultCode::SyncFailed, TaskPhase::Failed, "boom"),
    );
    match step(&plan, &progress(std::slice::from_ref(&failed), &[])) {
        Step::Failed {
            run_sync_fail_hooks,
            ..
        } => assert_eq!(run_sync_fail_hooks, ["batch/Job/default/notify:SyncFail"]),
        other => panic!("{other:?}"),
    }
    let notified = (
        "batch/Job/default/notify:SyncFail",
        result(ResultCode::Synced, TaskPhase::Succeeded, "notify created"),
    );
    match step(&plan, &progress(&[failed, notified], &[])) {
        Step::Failed {
            run_sync_fail_hooks,
            ..
        } => assert!(run_sync_fail_hooks.is_empty()),
        other => panic!("{other:?}"),
    }
    // A successful sync never runs SyncFail hooks.
    let ok = (
        "/ConfigMap/default/c:Sync",
        result(ResultCode::Synced, TaskPhase::Succeeded, ""),
    );
    assert_eq!(
        message_of(&step(&plan, &progress(&[ok], &[]))),
        "successfully synced (no more tasks)"
    );
}

// §2.2: "Any such failure fails the operation with "one or more synchronization tasks are
// not valid" before anything is applied"; §6: v3 appends the root causes.
#[test]
fn invalid_tasks_fail_before_anything_runs() {
    let mut input = input(
        vec![obj("example.com/v1", "Widget", Some(NS), "w", &[])],
        vec![],
    );
    input.api_resources = Some(vec![]);
    let plan = must_plan(&input);
    assert_eq!(
        message_of(&step(&plan, &Progress::default())),
        "one or more synchronization tasks are not valid: the server could not find the requested resource example.com/Widget"
    );
}

// §2.4 step 8: with ApplyOutOfSyncOnly unmodified resources are never run.
#[test]
fn apply_out_of_sync_only_runs_modified_resources_only() {
    let mut input = input(
        vec![cm("same", &[]), cm("changed", &[])],
        vec![cm("same", &[]), cm("changed", &[])],
    );
    input.options = gitops_engine::sync::SyncOptions::from_list(&["ApplyOutOfSyncOnly=true"]);
    input.modified.insert(key("", "ConfigMap", "same"), false);
    input.modified.insert(key("", "ConfigMap", "changed"), true);
    let plan = must_plan(&input);
    assert_eq!(
        wave_of(&step(&plan, &progress(&[], &[]))).1,
        [vec!["/ConfigMap/default/changed:Sync".to_owned()]]
    );
}

// §2.4: "multi-step sync (first and last task differ in phase or wave) and any task is
// running" — a single-step sync with a running resource does not wait.
#[test]
fn single_step_sync_does_not_wait_for_running_resources() {
    let plan = must_plan(&input(vec![deploy("a", &[]), deploy("b", &[])], vec![]));
    let p = progress(
        &[("apps/Deployment/default/a:Sync", synced_running())],
        &[(
            key("apps", "Deployment", "a"),
            healthy(HealthStatusCode::Progressing, ""),
        )],
    );
    assert_eq!(
        wave_of(&step(&plan, &p)).1,
        [vec!["apps/Deployment/default/b:Sync".to_owned()]]
    );
}

// §6 (v3): "fails running tasks whose live object disappeared ("Resource … is missing, it
// might have been deleted")".
#[test]
fn running_task_whose_live_object_disappeared_fails() {
    let plan = must_plan(&input(
        vec![deploy("web", &[]), cm("late", &[(WAVE, "1")])],
        vec![],
    ));
    let p = progress(
        &[("apps/Deployment/default/web:Sync", synced_running())],
        &[],
    );
    let decision = next_step(&plan, &p);
    assert_eq!(
        decision.updates["apps/Deployment/default/web:Sync"],
        result(
            ResultCode::SyncFailed,
            TaskPhase::Error,
            "Resource apps/Deployment/web is missing, it might have been deleted"
        )
    );
    let mut after = p.clone();
    after.results.extend(decision.updates);
    match step(&plan, &after) {
        Step::Failed { message, .. } => assert_eq!(
            message,
            "one or more synchronization tasks completed unsuccessfully, reason: Resource apps/Deployment/web is missing, it might have been deleted"
        ),
        other => panic!("{other:?}"),
    }
}

// §6 (v3) running message: hooks are named first ("completion of hook"), counted with
// the resources.
#[test]
fn running_message_names_hooks_first() {
    let plan = must_plan(&input(
        vec![
            deploy("web", &[]),
            job("smoke", &[(HOOK, "Sync")]),
            cm("late", &[(WAVE, "1")]),
        ],
        vec![],
    ));
    let p = progress(
        &[
            ("apps/Deployment/default/web:Sync", synced_running()),
            ("batch/Job/default/smoke:Sync", synced_running()),
        ],
        &[
            (
                key("apps", "Deployment", "web"),
                healthy(HealthStatusCode::Progressing, ""),
            ),
            (
                key("batch", "Job", "smoke"),
                healthy(HealthStatusCode::Progressing, ""),
            ),
        ],
    );
    assert_eq!(
        message_of(&step(&plan, &p)),
        "waiting for completion of hook batch/Job/smoke and 1 more resources"
    );
}

// §2.7: when SyncFail hooks complete with failures the message gets "\none or more SyncFail
// hooks failed[, reason: …]".
#[test]
fn failed_sync_fail_hooks_are_reported() {
    let plan = must_plan(&input(
        vec![cm("c", &[]), job("notify", &[(HOOK, "SyncFail")])],
        vec![],
    ));
    let p = progress(
        &[
            (
                "/ConfigMap/default/c:Sync",
                result(ResultCode::SyncFailed, TaskPhase::Failed, "boom"),
            ),
            (
                "batch/Job/default/notify:SyncFail",
                result(ResultCode::SyncFailed, TaskPhase::Failed, "no notify"),
            ),
        ],
        &[],
    );
    assert_eq!(
        message_of(&step(&plan, &p)),
        "one or more synchronization tasks completed unsuccessfully, reason: boom\none or more SyncFail hooks failed, reason: no notify"
    );
}

// §2.7 / §6 (v3): "Terminate: for every hook that is still running, remove its finalizer
// and delete it; record its final phase; operation Failed "Operation terminated"".
#[test]
fn terminate_deletes_running_hooks_and_records_results() {
    use gitops_engine::sync::terminate;
    let desired = vec![
        job("slow", &[(HOOK, "PreSync")]),
        job("done", &[(HOOK, "PreSync")]),
        job("gone", &[(HOOK, "PreSync")]),
        job("finished", &[(HOOK, "PreSync"), (POLICY, "HookFailed")]),
        cm("c", &[]),
    ];
    let plan = must_plan(&input(desired, vec![]));
    let p = progress(
        &[
            ("batch/Job/default/slow:PreSync", synced_running()),
            ("batch/Job/default/gone:PreSync", synced_running()),
            ("batch/Job/default/finished:PreSync", synced_running()),
            (
                "batch/Job/default/done:PreSync",
                result(ResultCode::Synced, TaskPhase::Succeeded, "ok"),
            ),
        ],
        &[
            (
                key("batch", "Job", "slow"),
                healthy(HealthStatusCode::Progressing, "running"),
            ),
            (
                key("batch", "Job", "finished"),
                healthy(HealthStatusCode::Healthy, "complete"),
            ),
            (
                key("batch", "Job", "done"),
                healthy(HealthStatusCode::Healthy, ""),
            ),
        ],
    );
    let t = terminate(&plan, &p);
    assert_eq!(t.message, "Operation terminated");
    assert_eq!(
        t.delete_hooks,
        [
            "batch/Job/default/finished:PreSync",
            "batch/Job/default/slow:PreSync"
        ]
    );
    assert_eq!(
        t.remove_hook_finalizers,
        [
            "batch/Job/default/done:PreSync",
            "batch/Job/default/finished:PreSync",
            "batch/Job/default/slow:PreSync"
        ]
    );
    assert_eq!(
        t.updates["batch/Job/default/slow:PreSync"],
        result(ResultCode::Synced, TaskPhase::Failed, "Terminated")
    );
    assert_eq!(
        t.updates["batch/Job/default/gone:PreSync"],
        result(ResultCode::Synced, TaskPhase::Succeeded, "Terminated")
    );
    assert_eq!(
        t.updates["batch/Job/default/finished:PreSync"],
        result(ResultCode::Synced, TaskPhase::Succeeded, "complete")
    );
    assert_eq!(t.updates.len(), 3);
}

//! The stable text form of a plan, on a plan mixing hooks, resources, options and prunes.
//! The expected text is worked out by hand from notes/gitops-engine.md §2.2, §2.3, §2.6.

mod sync_support;

use gitops_engine::sync::{ResourceKey, SyncPlan};
use sync_support::*;

const OPTS: &str = "argocd.argoproj.io/sync-options";
const HOOK: &str = "argocd.argoproj.io/hook";
const WAVE: &str = "argocd.argoproj.io/sync-wave";

fn mixed_plan() -> SyncPlan {
    let mut hook = job(
        "unused",
        &[
            (HOOK, "PreSync"),
            ("argocd.argoproj.io/hook-delete-policy", "HookSucceeded"),
        ],
    );
    let meta = hook["metadata"].as_object_mut().unwrap();
    meta.remove("name");
    meta.insert("generateName".into(), "migrate-".into());
    let desired = vec![
        obj("v1", "Namespace", None, "team", &[]),
        obj(
            "v1",
            "ConfigMap",
            Some("team"),
            "cfg",
            &[(OPTS, "Replace=true")],
        ),
        deploy("web", &[(OPTS, "ServerSideApply=true")]),
        hook,
        cm("skip-me", &[(HOOK, "Skip")]),
    ];
    let live = vec![
        obj("v1", "ConfigMap", Some("team"), "cfg", &[]),
        tracked(&cm("gone", &[(WAVE, "2")])),
        tracked(&cm("keep", &[(OPTS, "Prune=false")])),
        tracked(&cm("confirm-me", &[(OPTS, "Prune=confirm")])),
    ];
    let mut input = input(desired, live);
    input
        .modified
        .insert(ResourceKey::new("apps", "Deployment", NS, "web"), true);
    must_plan(&input)
}

// §2.3: hooks of PreSync first; in Sync/0 kind order Namespace < ConfigMap < Deployment,
// names in byte order; prune waves {0, 2} mirror to {2, 0}. §2.2: the generateName hook is
// named `migrate-<rev7>-presync-<start>`. §2.5: Replace=true with a live object replaces,
// ServerSideApply=true applies server-side. §2.6: Prune=false is "no prune".
#[test]
fn plan_text_form_is_stable() {
    let expected = "\
plan my-app -> default
PreSync/0 hook batch/Job/default/migrate-0123456-presync-1700000000 apply [HookSucceeded]
Sync/0 resource /Namespace//team apply
Sync/0 resource /ConfigMap/team/cfg replace [live]
Sync/0 prune /ConfigMap/default/gone prune foreground [live]
Sync/0 resource apps/Deployment/default/web apply server-side [modified]
Sync/2 prune /ConfigMap/default/confirm-me prune foreground [live,awaiting-confirmation]
Sync/2 prune /ConfigMap/default/keep prune-skipped (no prune) [live]
";
    assert_eq!(mixed_plan().to_string(), expected);
}

// The plan is data: it round-trips through JSON and compares equal.
#[test]
fn plan_round_trips_through_json() {
    let plan = mixed_plan();
    let text = serde_json::to_string(&plan).unwrap();
    let back: SyncPlan = serde_json::from_str(&text).unwrap();
    assert_eq!(back, plan);
}

// Planning is a pure function: the same input gives the same plan, whatever the order of
// the live list.
#[test]
fn plan_is_deterministic() {
    let a = mixed_plan();
    let mut input = input(
        vec![cm("a", &[]), cm("b", &[])],
        vec![tracked(&cm("x", &[])), tracked(&cm("y", &[]))],
    );
    let first = must_plan(&input);
    input.live.reverse();
    input.desired.reverse();
    assert_eq!(must_plan(&input), first);
    assert_eq!(mixed_plan(), a);
}

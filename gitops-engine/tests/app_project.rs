//! AppProject rules against Argo CD's documented behaviour and messages
//! (shared notes `argocd-wave2.md` §2).

use gitops_engine::app::Application;
use gitops_engine::app::project::{
    AppProject, ClusterIdentity, WindowVerdict, check_application, invalid_tasks_message,
    orphaned_condition, orphaned_resources, resource_problem,
};
use gitops_engine::sync::ResourceKey;
use serde_json::{Value, json};

const IN_CLUSTER: &str = "https://kubernetes.default.svc";

fn clusters() -> Vec<ClusterIdentity> {
    vec![
        ClusterIdentity {
            name: "in-cluster".into(),
            server: IN_CLUSTER.into(),
        },
        ClusterIdentity {
            name: "prod-eu".into(),
            server: "https://prod-eu.example.com".into(),
        },
    ]
}

fn project(spec: Value) -> AppProject {
    AppProject::from_value(&json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "team-a", "namespace": "argocd"},
        "spec": spec,
    }))
    .expect("valid project")
}

fn team_project() -> AppProject {
    project(json!({
        "sourceRepos": ["https://git.example.com/team-a/*"],
        "destinations": [
            {"server": IN_CLUSTER, "namespace": "team-a-*"},
            {"name": "prod-eu", "namespace": "!kube-*"},
        ],
        "namespaceResourceBlacklist": [{"group": "", "kind": "ResourceQuota"}],
    }))
}

fn app(project: &str, repo: &str, destination: Value) -> Application {
    Application::from_value(&json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "shop", "namespace": "argocd"},
        "spec": {
            "project": project,
            "source": {"repoURL": repo, "path": "deploy", "targetRevision": "HEAD"},
            "destination": destination,
        },
    }))
    .expect("valid app")
}

fn verdict(app: &Application, project: Option<&AppProject>) -> Vec<(String, String)> {
    check_application(app, project, "argocd", &clusters())
        .into_iter()
        .map(|c| (c.condition_type, c.message))
        .collect()
}

fn one(kind: &str, message: &str) -> Vec<(String, String)> {
    vec![(kind.to_owned(), message.to_owned())]
}

const REPO: &str = "https://git.example.com/team-a/shop";

#[test]
fn a_project_that_does_not_exist_is_an_invalid_spec() {
    let app = app(
        "team-x",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "team-a-web"}),
    );
    assert_eq!(
        verdict(&app, None),
        one(
            "InvalidSpecError",
            "Application referencing project team-x which does not exist"
        )
    );
}

#[test]
fn a_compliant_app_has_no_conditions() {
    let app = app(
        "team-a",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "team-a-web"}),
    );
    assert_eq!(verdict(&app, Some(&team_project())), vec![]);
}

#[test]
fn a_source_repo_outside_the_project_is_refused() {
    let project = team_project();
    for repo in [
        "https://git.example.com/team-b/shop",
        "https://git.example.com/team-a/nested/shop",
    ] {
        let app = app(
            "team-a",
            repo,
            json!({"server": IN_CLUSTER, "namespace": "team-a-web"}),
        );
        assert_eq!(
            verdict(&app, Some(&project)),
            one(
                "InvalidSpecError",
                &format!("application repo {repo} is not permitted in project 'team-a'")
            ),
            "{repo}"
        );
    }
    // Normalised: case and a trailing `.git` do not matter.
    let app = app(
        "team-a",
        "https://Git.Example.com/team-a/shop.git",
        json!({"server": IN_CLUSTER, "namespace": "team-a-web"}),
    );
    assert_eq!(verdict(&app, Some(&project)), vec![]);
}

#[test]
fn a_deny_only_source_list_permits_everything_else() {
    let project = project(json!({
        "sourceRepos": ["!https://git.example.com/forbidden"],
        "destinations": [{"server": "*", "namespace": "*"}],
    }));
    let ok = app(
        "team-a",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "x"}),
    );
    assert_eq!(verdict(&ok, Some(&project)), vec![]);
    let denied = app(
        "team-a",
        "https://git.example.com/forbidden",
        json!({"server": IN_CLUSTER, "namespace": "x"}),
    );
    assert_eq!(verdict(&denied, Some(&project)).len(), 1);
    // As in Argo CD, a deny pattern that does not match counts as a match, so next to
    // it an allow pattern restricts nothing.
    let mixed = self::project(json!({
        "sourceRepos": ["https://git.example.com/team-a/*", "!https://git.example.com/team-a/secret"],
        "destinations": [{"server": "*", "namespace": "*"}],
    }));
    let elsewhere = app(
        "team-a",
        "https://git.example.com/team-b/shop",
        json!({"server": IN_CLUSTER, "namespace": "x"}),
    );
    assert_eq!(verdict(&elsewhere, Some(&mixed)), vec![]);
    let secret = app(
        "team-a",
        "https://git.example.com/team-a/secret",
        json!({"server": IN_CLUSTER, "namespace": "x"}),
    );
    assert_eq!(verdict(&secret, Some(&mixed)).len(), 1);
}

#[test]
fn a_destination_by_server_outside_the_project_is_refused() {
    let app = app(
        "team-a",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "team-b-web"}),
    );
    assert_eq!(
        verdict(&app, Some(&team_project())),
        one(
            "InvalidSpecError",
            "application destination server 'https://kubernetes.default.svc' and namespace 'team-b-web' do not match any of the allowed destinations in project 'team-a'"
        )
    );
}

#[test]
fn a_destination_by_name_is_matched_and_reported_by_name() {
    let project = team_project();
    let ok = app(
        "team-a",
        REPO,
        json!({"name": "prod-eu", "namespace": "shop"}),
    );
    assert_eq!(verdict(&ok, Some(&project)), vec![]);
    // The in-cluster destination named by name matches the entry by server.
    let by_name = app(
        "team-a",
        REPO,
        json!({"name": "in-cluster", "namespace": "team-a-x"}),
    );
    assert_eq!(verdict(&by_name, Some(&project)), vec![]);
    let refused = app(
        "team-a",
        REPO,
        json!({"name": "in-cluster", "namespace": "shop"}),
    );
    assert_eq!(
        verdict(&refused, Some(&project)),
        one(
            "InvalidSpecError",
            "application destination server 'in-cluster' and namespace 'shop' do not match any of the allowed destinations in project 'team-a'"
        )
    );
}

#[test]
fn a_negated_namespace_glob_rejects_the_namespaces_it_names() {
    let project = team_project();
    let app = app(
        "team-a",
        REPO,
        json!({"name": "prod-eu", "namespace": "kube-system"}),
    );
    assert_eq!(
        verdict(&app, Some(&project)),
        one(
            "InvalidSpecError",
            "application destination server 'prod-eu' and namespace 'kube-system' do not match any of the allowed destinations in project 'team-a'"
        )
    );
    // A deny entry rejects at once even when a later entry would allow.
    let project = self::project(json!({
        "sourceRepos": ["*"],
        "destinations": [
            {"server": "*", "namespace": "!kube-system"},
            {"server": "*", "namespace": "*"},
        ],
    }));
    let app = self::app(
        "team-a",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "kube-system"}),
    );
    assert_eq!(verdict(&app, Some(&project)).len(), 1);
    let app = self::app(
        "team-a",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "web"}),
    );
    assert_eq!(verdict(&app, Some(&project)), vec![]);
}

#[test]
fn destination_resolution_errors_are_invalid_specs() {
    let project = team_project();
    let unknown = app(
        "team-a",
        REPO,
        json!({"name": "nowhere", "namespace": "team-a-x"}),
    );
    assert_eq!(
        verdict(&unknown, Some(&project)),
        one(
            "InvalidSpecError",
            "there are no clusters with this name: nowhere"
        )
    );
    let both = app(
        "team-a",
        REPO,
        json!({"name": "prod-eu", "server": IN_CLUSTER, "namespace": "team-a-x"}),
    );
    assert_eq!(
        verdict(&both, Some(&project)),
        one(
            "InvalidSpecError",
            "application destination can't have both name and server defined: prod-eu https://kubernetes.default.svc"
        )
    );
}

#[test]
fn an_app_outside_the_source_namespaces_may_not_use_the_project() {
    let mut app = app(
        "team-a",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "team-a-web"}),
    );
    app.metadata.namespace = "team-a-apps".into();
    assert_eq!(
        verdict(&app, Some(&team_project())),
        one(
            "UnknownError",
            "application 'shop' in namespace 'team-a-apps' is not permitted to use project 'team-a'"
        )
    );
    let mut project = team_project();
    project.spec.source_namespaces = vec!["team-a-*".into()];
    assert_eq!(verdict(&app, Some(&project)), vec![]);
}

#[test]
fn missing_path_and_chart_without_version_are_invalid_specs() {
    let mut no_path = app(
        "team-a",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "team-a-web"}),
    );
    no_path.spec.source.as_mut().unwrap().path.clear();
    assert_eq!(
        verdict(&no_path, Some(&team_project())),
        one(
            "InvalidSpecError",
            "spec.source.repoURL and either spec.source.path or spec.source.chart are required"
        )
    );
    let mut chart = no_path.clone();
    let source = chart.spec.source.as_mut().unwrap();
    source.chart = "shop".into();
    source.target_revision.clear();
    assert_eq!(
        verdict(&chart, Some(&team_project())),
        one(
            "InvalidSpecError",
            "spec.source.targetRevision is required if the manifest source is a helm chart"
        )
    );
}

fn in_cluster() -> ClusterIdentity {
    clusters().remove(0)
}

#[test]
fn a_cluster_kind_not_whitelisted_is_refused_per_resource() {
    let project = team_project();
    let crb = ResourceKey::new(
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        "",
        "team-a-admin",
    );
    assert_eq!(
        resource_problem(&project, &in_cluster(), &crb).as_deref(),
        Some(
            "resource rbac.authorization.k8s.io:ClusterRoleBinding is not permitted in project team-a"
        )
    );
    let ns = ResourceKey::new("", "Namespace", "", "team-a-web");
    assert_eq!(
        resource_problem(&project, &in_cluster(), &ns).as_deref(),
        Some("resource :Namespace is not permitted in project team-a")
    );
    // Whitelisted by kind and name glob; the blacklist still wins.
    let mut project = team_project();
    project.spec.cluster_resource_whitelist =
        serde_json::from_value(json!([{"group": "", "kind": "Namespace", "name": "team-a-*"}]))
            .unwrap();
    assert_eq!(resource_problem(&project, &in_cluster(), &ns), None);
    let other = ResourceKey::new("", "Namespace", "", "team-b");
    assert!(resource_problem(&project, &in_cluster(), &other).is_some());
    project.spec.cluster_resource_blacklist =
        serde_json::from_value(json!([{"group": "*", "kind": "*"}])).unwrap();
    assert!(resource_problem(&project, &in_cluster(), &ns).is_some());
}

#[test]
fn a_namespaced_kind_blacklisted_is_refused_and_others_pass() {
    let project = team_project();
    let quota = ResourceKey::new("", "ResourceQuota", "team-a-web", "quota");
    assert_eq!(
        resource_problem(&project, &in_cluster(), &quota).as_deref(),
        Some("resource :ResourceQuota is not permitted in project team-a")
    );
    let deploy = ResourceKey::new("apps", "Deployment", "team-a-web", "web");
    assert_eq!(resource_problem(&project, &in_cluster(), &deploy), None);
    // An explicit empty whitelist permits no namespaced kind.
    let mut closed = team_project();
    closed.spec.namespace_resource_whitelist = Some(Vec::new());
    assert!(resource_problem(&closed, &in_cluster(), &deploy).is_some());
}

#[test]
fn a_namespaced_object_outside_the_permitted_namespaces_is_refused() {
    let deploy = ResourceKey::new("apps", "Deployment", "kube-system", "web");
    assert_eq!(
        resource_problem(&team_project(), &in_cluster(), &deploy).as_deref(),
        Some("namespace kube-system is not permitted in project 'team-a'")
    );
}

#[test]
fn the_sync_refusal_lists_distinct_sorted_problems() {
    let problems = vec![
        "resource :ResourceQuota is not permitted in project team-a".to_owned(),
        "namespace kube-system is not permitted in project 'team-a'".to_owned(),
        "resource :ResourceQuota is not permitted in project team-a".to_owned(),
    ];
    assert_eq!(
        invalid_tasks_message(&problems),
        "one or more synchronization tasks are not valid: namespace kube-system is not permitted in project 'team-a'; resource :ResourceQuota is not permitted in project team-a"
    );
}

#[test]
fn the_default_project_permits_everything() {
    let project = AppProject::default_project("argocd");
    let app = app(
        "",
        "https://anywhere.example.com/x/y",
        json!({"server": IN_CLUSTER, "namespace": "any"}),
    );
    assert_eq!(verdict(&app, Some(&project)), vec![]);
    let crb = ResourceKey::new("rbac.authorization.k8s.io", "ClusterRoleBinding", "", "x");
    assert_eq!(resource_problem(&project, &in_cluster(), &crb), None);
    let value = project.to_value();
    assert_eq!(value["spec"]["sourceRepos"], json!(["*"]));
    assert_eq!(
        value["spec"]["destinations"],
        json!([{"server": "*", "namespace": "*"}])
    );
    assert_eq!(
        value["spec"]["clusterResourceWhitelist"],
        json!([{"group": "*", "kind": "*"}])
    );
}

fn at(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

fn windowed(windows: Value) -> AppProject {
    let mut project = team_project();
    project.spec.sync_windows = serde_json::from_value(windows).unwrap();
    project
}

#[test]
fn a_deny_window_blocks_automated_sync_and_allows_manual_with_manual_sync() {
    let project = windowed(json!([{
        "kind": "deny", "schedule": "0 22 * * *", "duration": "8h",
        "applications": ["*-prod"], "manualSync": true, "timeZone": "Europe/Berlin",
    }]));
    let mut app = app(
        "team-a",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "team-a-web"}),
    );
    app.metadata.name = "shop-prod".into();
    // 23:30 in Berlin (CET, UTC+1): inside the window.
    let night = at("2026-12-07T22:30:00Z");
    assert_eq!(project.can_sync(&app, false, night), Ok(false));
    assert_eq!(project.can_sync(&app, true, night), Ok(true));
    // 07:00 in Berlin: the window closed at 06:00.
    let morning = at("2026-12-08T06:00:00Z");
    assert_eq!(project.can_sync(&app, false, morning), Ok(true));
    // 21:30 UTC is 22:30 in Berlin: open; in UTC it would not be.
    assert_eq!(
        project.can_sync(&app, false, at("2026-12-07T21:30:00Z")),
        Ok(false)
    );
    // Another app is not selected by the window.
    app.metadata.name = "shop-staging".into();
    assert_eq!(project.can_sync(&app, false, night), Ok(true));
    // Without manualSync a manual sync is blocked too.
    let strict = windowed(json!([{
        "kind": "deny", "schedule": "0 22 * * *", "duration": "8h", "namespaces": ["team-a-*"],
    }]));
    assert_eq!(
        strict.can_sync(&app, true, at("2026-12-07T23:00:00Z")),
        Ok(false)
    );
}

#[test]
fn allow_windows_block_outside_their_hours_and_deny_beats_allow() {
    let project = windowed(json!([
        {"kind": "allow", "schedule": "0 9 * * 1-5", "duration": "8h", "clusters": ["in-cluster", IN_CLUSTER]},
    ]));
    let app = app(
        "team-a",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "team-a-web"}),
    );
    // Monday 2026-12-07 10:00 UTC: open. Sunday 2026-12-06 10:00: closed.
    assert_eq!(
        project.can_sync(&app, false, at("2026-12-07T10:00:00Z")),
        Ok(true)
    );
    assert_eq!(
        project.can_sync(&app, false, at("2026-12-06T10:00:00Z")),
        Ok(false)
    );
    assert_eq!(
        project.can_sync(&app, true, at("2026-12-06T10:00:00Z")),
        Ok(false)
    );
    let both = windowed(json!([
        {"kind": "allow", "schedule": "* * * * *", "duration": "1h", "applications": ["*"]},
        {"kind": "deny", "schedule": "0 10 * * *", "duration": "1h", "applications": ["shop"]},
    ]));
    assert_eq!(
        both.can_sync(&app, false, at("2026-12-07T10:30:00Z")),
        Ok(false)
    );
    assert_eq!(
        both.can_sync(&app, false, at("2026-12-07T11:30:00Z")),
        Ok(true)
    );
}

#[test]
fn and_operator_needs_every_selector_and_bad_windows_block() {
    let project = windowed(json!([{
        "kind": "deny", "schedule": "* * * * *", "duration": "1h",
        "applications": ["shop"], "namespaces": ["other"], "andOperator": true,
    }]));
    let app = app(
        "team-a",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "team-a-web"}),
    );
    assert_eq!(
        project.can_sync(&app, false, at("2026-12-07T10:30:00Z")),
        Ok(true)
    );
    let bad = windowed(json!([{
        "kind": "deny", "schedule": "0 0 22 * * *", "duration": "1h", "applications": ["*"],
    }]));
    let error = bad
        .can_sync(&app, true, at("2026-12-07T10:30:00Z"))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("cannot parse schedule '0 0 22 * * *': "),
        "{error}"
    );
}

/// `argocd app get`'s `SyncWindow:` line (argo-cd cmd/argocd/commands/app.go,
/// printAppSummaryTable): a blocking window gives `Manual Allowed` when a manual sync
/// may run, else `Sync Denied`; no window, or an open allow window without an open
/// deny window, gives `Sync Allowed`.
#[test]
fn the_app_get_verdict_follows_the_assigned_windows() {
    let app = app(
        "team-a",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "team-a-web"}),
    );
    let verdict = |windows: Value, now: &str| windowed(windows).window_verdict(&app, at(now));
    let monday_ten = "2026-12-07T10:00:00Z";
    let sunday_ten = "2026-12-06T10:00:00Z";
    assert_eq!(verdict(json!([]), monday_ten), WindowVerdict::SyncAllowed);
    let deny = json!([{"kind": "deny", "schedule": "0 10 * * *", "duration": "1h", "applications": ["shop"]}]);
    assert_eq!(
        verdict(deny.clone(), "2026-12-07T10:30:00Z"),
        WindowVerdict::SyncDenied
    );
    assert_eq!(
        verdict(deny, "2026-12-07T11:30:00Z"),
        WindowVerdict::SyncAllowed
    );
    let manual_deny = json!([{"kind": "deny", "schedule": "0 10 * * *", "duration": "1h",
        "applications": ["shop"], "manualSync": true}]);
    assert_eq!(
        verdict(manual_deny, "2026-12-07T10:30:00Z"),
        WindowVerdict::ManualAllowed
    );
    let weekdays = json!([{"kind": "allow", "schedule": "0 9 * * 1-5", "duration": "8h",
        "namespaces": ["team-a-*"]}]);
    assert_eq!(
        verdict(weekdays.clone(), monday_ten),
        WindowVerdict::SyncAllowed
    );
    assert_eq!(verdict(weekdays, sunday_ten), WindowVerdict::SyncDenied);
    let manual_weekdays = json!([{"kind": "allow", "schedule": "0 9 * * 1-5", "duration": "8h",
        "namespaces": ["team-a-*"], "manualSync": true}]);
    assert_eq!(
        verdict(manual_weekdays, sunday_ten),
        WindowVerdict::ManualAllowed
    );
    // A window that does not select the app does not count.
    let other = json!([{"kind": "deny", "schedule": "* * * * *", "duration": "1h", "applications": ["other"]}]);
    assert_eq!(verdict(other, monday_ten), WindowVerdict::SyncAllowed);
    assert_eq!(WindowVerdict::ManualAllowed.as_str(), "Manual Allowed");
    assert_eq!(WindowVerdict::SyncDenied.as_str(), "Sync Denied");
    assert_eq!(WindowVerdict::SyncAllowed.as_str(), "Sync Allowed");
}

/// syncOverrun (notes §2.4): a running operation that began while syncing was allowed
/// may go on while every active deny window has `syncOverrun`; one that began inside an
/// allow window may go on after it closed when every allow window has `syncOverrun`.
#[test]
fn sync_overrun_lets_an_operation_begun_while_allowed_go_on() {
    let app = app(
        "team-a",
        REPO,
        json!({"server": IN_CLUSTER, "namespace": "team-a-web"}),
    );
    let deny = |overrun: bool| {
        windowed(
            json!([{"kind": "deny", "schedule": "0 10 * * *", "duration": "1h",
            "applications": ["shop"], "syncOverrun": overrun}]),
        )
    };
    let before = at("2026-12-07T09:50:00Z");
    let inside = at("2026-12-07T10:10:00Z");
    let later = at("2026-12-07T10:20:00Z");
    assert_eq!(
        deny(false).can_continue(&app, false, before, inside),
        Ok(false)
    );
    assert_eq!(
        deny(true).can_continue(&app, false, before, inside),
        Ok(true)
    );
    // Begun while the window already denied: no overrun.
    assert_eq!(
        deny(true).can_continue(&app, false, inside, later),
        Ok(false)
    );
    // Nothing blocks: it goes on, overrun or not.
    assert_eq!(
        deny(false).can_continue(&app, false, before, at("2026-12-07T11:10:00Z")),
        Ok(true)
    );

    let allow = |overrun: bool| {
        windowed(
            json!([{"kind": "allow", "schedule": "0 9 * * *", "duration": "1h",
            "namespaces": ["team-a-*"], "syncOverrun": overrun}]),
        )
    };
    let in_allow = at("2026-12-07T09:50:00Z");
    let after_allow = at("2026-12-07T10:10:00Z");
    assert_eq!(
        allow(false).can_continue(&app, false, in_allow, after_allow),
        Ok(false)
    );
    assert_eq!(
        allow(true).can_continue(&app, false, in_allow, after_allow),
        Ok(true)
    );
    // Begun outside the allow window (a manual sync with manualSync, say): no overrun.
    assert_eq!(
        allow(true).can_continue(&app, false, at("2026-12-07T08:50:00Z"), after_allow),
        Ok(false)
    );
}

fn live(kind: &str, name: &str, namespace: &str) -> Value {
    json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": namespace}})
}

#[test]
fn orphaned_resources_are_counted_in_a_warning() {
    let mut project = team_project();
    project.spec.orphaned_resources = serde_json::from_value(
        json!({"warn": true, "ignore": [{"kind": "Secret", "name": "ignored-*"}]}),
    )
    .unwrap();
    let mut owned = live("ConfigMap", "owned", "team-a-web");
    owned["metadata"]["ownerReferences"] = json!([{"kind": "Deployment", "name": "web"}]);
    let objects = vec![
        live("ConfigMap", "stray", "team-a-web"),
        live("ConfigMap", "tracked", "team-a-web"),
        live("ConfigMap", "elsewhere", "team-b-web"),
        live("ConfigMap", "kube-root-ca.crt", "team-a-web"),
        live("ServiceAccount", "default", "team-a-web"),
        live("Secret", "ignored-token", "team-a-web"),
        live("ResourceQuota", "forbidden-kind", "team-a-web"),
        live("Secret", "stray-secret", "team-a-web"),
        owned,
    ];
    let orphans = orphaned_resources(&project, "team-a-web", &objects, |obj| {
        obj["metadata"]["name"] == "tracked"
    });
    let names: Vec<&str> = orphans
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["stray", "stray-secret"]);
    let condition = orphaned_condition(&project, orphans.len()).unwrap();
    assert_eq!(condition.condition_type, "OrphanedResourceWarning");
    assert_eq!(condition.message, "Application has 2 orphaned resources");
    // warn: false monitors without a condition; no setting monitors nothing.
    project.spec.orphaned_resources.as_mut().unwrap().warn = Some(false);
    assert_eq!(orphaned_condition(&project, 2), None);
    project.spec.orphaned_resources = None;
    assert!(orphaned_resources(&project, "team-a-web", &objects, |_| false).is_empty());
}

#[test]
fn a_malformed_project_names_the_field() {
    let error = AppProject::from_value(&json!({
        "kind": "AppProject",
        "metadata": {"name": "broken"},
        "spec": {"destinations": [{"namespace": 3}]},
    }))
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("broken") && error.contains("spec.destinations[0].namespace"),
        "{error}"
    );
}

//! argocd's project tables and details.

use std::io::{self, Write};

use gitops_engine::app::project::AppProject;
use jiff::Timestamp;

use crate::app_cmd::output::{row, table};

/// `<none>` for no items, the one item, or `<n> <what>`.
fn summary(items: &[String], what: &str) -> String {
    match items {
        [] => "<none>".to_owned(),
        [one] => one.clone(),
        many => format!("{} {what}", many.len()),
    }
}

/// `disabled`, or `enabled (warn=<bool>[, ignored <n>])`.
fn orphaned_resources(project: &AppProject) -> String {
    let Some(settings) = &project.spec.orphaned_resources else {
        return "disabled".to_owned();
    };
    let mut details = format!("warn={}", settings.is_warn());
    if !settings.ignore.is_empty() {
        details.push_str(&format!(", ignored {}", settings.ignore.len()));
    }
    format!("enabled ({details})")
}

fn destinations(project: &AppProject) -> Vec<String> {
    project
        .spec
        .destinations
        .iter()
        .map(|d| format!("{},{}", d.server, d.namespace))
        .collect()
}

fn cluster_whitelist(project: &AppProject) -> Vec<String> {
    project
        .spec
        .cluster_resource_whitelist
        .iter()
        .map(|r| format!("{}/{}", r.group, r.kind))
        .collect()
}

fn namespace_blacklist(project: &AppProject) -> Vec<String> {
    project
        .spec
        .namespace_resource_blacklist
        .iter()
        .map(|r| format!("{}/{}", r.group, r.kind))
        .collect()
}

/// A list of names from a spec field (`signatureKeys[].keyID`,
/// `destinationServiceAccounts`), kept unparsed in the model.
fn other_len(project: &AppProject, field: &str) -> usize {
    project
        .spec
        .other
        .get(field)
        .and_then(|v| v.as_array())
        .map_or(0, Vec::len)
}

/// `argocd proj list`.
pub fn project_table<W: Write>(out: &mut W, projects: &[AppProject]) -> io::Result<()> {
    let mut t = table(out, 0);
    row(
        &mut t,
        &[
            "NAME",
            "DESCRIPTION",
            "DESTINATIONS",
            "SOURCES",
            "CLUSTER-RESOURCE-WHITELIST",
            "NAMESPACE-RESOURCE-BLACKLIST",
            "SIGNATURE-KEYS",
            "ORPHANED-RESOURCES",
            "DESTINATION-SERVICE-ACCOUNTS",
        ],
    )?;
    for p in projects {
        let blacklist = match namespace_blacklist(p).len() {
            0 => "<none>".to_owned(),
            n => format!("{n} resources"),
        };
        let keys = match other_len(p, "signatureKeys") {
            0 => "<none>".to_owned(),
            n => format!("{n} key(s)"),
        };
        let accounts = match other_len(p, "destinationServiceAccounts") {
            0 => "<none>".to_owned(),
            n => format!("{n} destinationServiceAccounts"),
        };
        row(
            &mut t,
            &[
                &p.metadata.name,
                &p.spec.description,
                &summary(&destinations(p), "destinations"),
                &summary(&p.spec.source_repos, "repos"),
                &summary(&cluster_whitelist(p), "resources"),
                &blacklist,
                &keys,
                &orphaned_resources(p),
                &accounts,
            ],
        )?;
    }
    t.flush()
}

/// One `%-29s%s` line per item, the label on the first only (`<none>` when empty).
fn labelled<W: Write>(out: &mut W, label: &str, items: &[String]) -> io::Result<()> {
    if items.is_empty() {
        return writeln!(out, "{label:<29}<none>");
    }
    for (i, item) in items.iter().enumerate() {
        writeln!(out, "{:<29}{item}", if i == 0 { label } else { "" })?;
    }
    Ok(())
}

/// `argocd proj get` (without the repositories and clusters scoped to the project).
pub fn project_details<W: Write>(out: &mut W, p: &AppProject) -> io::Result<()> {
    labelled(out, "Name:", std::slice::from_ref(&p.metadata.name))?;
    writeln!(out, "{:<29}{}", "Description:", p.spec.description)?;
    labelled(out, "Destinations:", &destinations(p))?;
    labelled(out, "Repositories:", &p.spec.source_repos)?;
    labelled(out, "Source Namespaces:", &p.spec.source_namespaces)?;
    labelled(out, "Scoped Repositories:", &[])?;
    labelled(out, "Allowed Cluster Resources:", &cluster_whitelist(p))?;
    labelled(out, "Scoped Clusters:", &[])?;
    labelled(out, "Denied Namespaced Resources:", &namespace_blacklist(p))?;
    let keys: Vec<String> = p
        .spec
        .other
        .get("signatureKeys")
        .and_then(|v| v.as_array())
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k["keyID"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let keys = if keys.is_empty() {
        "<none>".to_owned()
    } else {
        keys.join(", ")
    };
    writeln!(out, "{:<29}{keys}", "Signature keys:")?;
    writeln!(
        out,
        "{:<29}{}",
        "Orphaned Resources:",
        orphaned_resources(p)
    )
}

/// `argocd proj windows list`: one row per window, its state at `now`.
pub fn windows_table<W: Write>(out: &mut W, p: &AppProject, now: Timestamp) -> io::Result<()> {
    let list = |items: &[String]| {
        if items.is_empty() {
            "-".to_owned()
        } else {
            items.join(",")
        }
    };
    let mut t = table(out, 0);
    row(
        &mut t,
        &[
            "ID",
            "STATUS",
            "KIND",
            "SCHEDULE",
            "DURATION",
            "APPLICATIONS",
            "NAMESPACES",
            "CLUSTERS",
            "MANUALSYNC",
            "TIMEZONE",
            "",
        ],
    )?;
    for (i, w) in p.spec.sync_windows.iter().enumerate() {
        let status = if w.is_active(now).unwrap_or(false) {
            "Active"
        } else {
            "Inactive"
        };
        let manual = if w.manual_sync { "Enabled" } else { "Disabled" };
        row(
            &mut t,
            &[
                &i.to_string(),
                status,
                &w.kind,
                &w.schedule,
                &w.duration,
                &list(&w.applications),
                &list(&w.namespaces),
                &list(&w.clusters),
                manual,
                &w.time_zone,
                "",
            ],
        )?;
    }
    t.flush()
}

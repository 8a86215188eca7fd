//! Argo CD's RBAC: `argocd-rbac-cm` policies (`p`/`g` CSV lines, `policy.default`,
//! `policy.matchMode`) on top of the built-in `role:readonly` and `role:admin`,
//! evaluated as Argo CD's casbin model does: a subject (or one of its groups) is
//! granted an action when some `p` line of it or of a role it has (through `g` lines,
//! transitively) allows it and none denies it.

use std::collections::{BTreeMap, HashMap, HashSet};

use thiserror::Error;

use crate::app::project::glob_matches;

/// Argo CD's built-in policy (`assets/builtin-policy.csv`).
const BUILTIN_POLICY: &str = "
p, role:readonly, applications, get, */*, allow
p, role:readonly, applicationsets, get, */*, allow
p, role:readonly, logs, get, */*, allow
p, role:readonly, certificates, get, *, allow
p, role:readonly, clusters, get, *, allow
p, role:readonly, repositories, get, *, allow
p, role:readonly, write-repositories, get, *, allow
p, role:readonly, projects, get, *, allow
p, role:readonly, accounts, get, *, allow
p, role:readonly, gpgkeys, get, *, allow
p, role:admin, applications, create, */*, allow
p, role:admin, applications, update, */*, allow
p, role:admin, applications, update/*, */*, allow
p, role:admin, applications, delete, */*, allow
p, role:admin, applications, delete/*, */*, allow
p, role:admin, applications, sync, */*, allow
p, role:admin, applications, rollback, */*, allow
p, role:admin, applications, override, */*, allow
p, role:admin, applications, action/*, */*, allow
p, role:admin, applicationsets, get, */*, allow
p, role:admin, applicationsets, create, */*, allow
p, role:admin, applicationsets, update, */*, allow
p, role:admin, applicationsets, delete, */*, allow
p, role:admin, certificates, create, *, allow
p, role:admin, certificates, update, *, allow
p, role:admin, certificates, delete, *, allow
p, role:admin, clusters, create, *, allow
p, role:admin, clusters, update, *, allow
p, role:admin, clusters, delete, *, allow
p, role:admin, repositories, create, *, allow
p, role:admin, repositories, update, *, allow
p, role:admin, repositories, delete, *, allow
p, role:admin, write-repositories, create, *, allow
p, role:admin, write-repositories, update, *, allow
p, role:admin, write-repositories, delete, *, allow
p, role:admin, projects, create, *, allow
p, role:admin, projects, update, *, allow
p, role:admin, projects, delete, *, allow
p, role:admin, accounts, update, *, allow
p, role:admin, gpgkeys, create, *, allow
p, role:admin, gpgkeys, delete, *, allow
p, role:admin, exec, create, */*, allow
g, role:admin, role:readonly
g, admin, role:admin
";

/// An `argocd-rbac-cm` that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// A CSV line is neither a 6-field `p` nor a 3-field `g` line.
    #[error("invalid RBAC policy: {0}")]
    InvalidLine(String),
    /// A pattern of a `regex` match mode policy is not a regular expression.
    #[error("invalid RBAC policy: {line}: {message}")]
    InvalidRegex {
        /// The line.
        line: String,
        /// The regex parser's message.
        message: String,
    },
    /// `policy.matchMode` is neither `glob` nor `regex`.
    #[error("invalid RBAC policy: policy.matchMode {0:?} is neither glob nor regex")]
    InvalidMatchMode(String),
}

/// How `p` line patterns match requests.
#[derive(Debug, Clone)]
enum Pattern {
    /// gobwas glob without separators (`*` crosses `/`).
    Glob(String),
    /// Go regular expression, unanchored.
    Regex(regex::Regex),
}

impl Pattern {
    fn matches(&self, value: &str) -> bool {
        match self {
            Pattern::Glob(p) => glob_matches(p, value),
            Pattern::Regex(r) => r.is_match(value),
        }
    }
}

/// One `p` line.
#[derive(Debug, Clone)]
struct Permission {
    resource: Pattern,
    action: Pattern,
    object: Pattern,
    allow: bool,
}

/// A parsed policy: permissions by subject, role grants, and the default role.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    permissions: HashMap<String, Vec<Permission>>,
    roles: HashMap<String, Vec<String>>,
    default_role: String,
}

impl Policy {
    /// The built-in policy with `argocd-rbac-cm`'s `data` (`policy.csv`, every
    /// `policy.<x>.csv` in key order, `policy.default`, `policy.matchMode`).
    pub fn from_config_map(data: &BTreeMap<String, String>) -> Result<Self, PolicyError> {
        let regex_mode = match data.get("policy.matchMode").map(String::as_str) {
            None | Some("") | Some("glob") => false,
            Some("regex") => true,
            Some(other) => return Err(PolicyError::InvalidMatchMode(other.to_owned())),
        };
        let mut policy = Policy {
            default_role: data.get("policy.default").cloned().unwrap_or_default(),
            ..Policy::default()
        };
        policy.add_csv(BUILTIN_POLICY, false)?;
        if let Some(csv) = data.get("policy.csv") {
            policy.add_csv(csv, regex_mode)?;
        }
        for (key, csv) in data {
            if key.starts_with("policy.") && key.ends_with(".csv") && key != "policy.csv" {
                policy.add_csv(csv, regex_mode)?;
            }
        }
        Ok(policy)
    }

    fn add_csv(&mut self, csv: &str, regex_mode: bool) -> Result<(), PolicyError> {
        for line in csv.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = trimmed.split(',').map(str::trim).collect();
            let pattern = |p: &str| -> Result<Pattern, PolicyError> {
                if regex_mode {
                    regex::Regex::new(p).map(Pattern::Regex).map_err(|e| {
                        PolicyError::InvalidRegex {
                            line: trimmed.to_owned(),
                            message: e.to_string(),
                        }
                    })
                } else {
                    Ok(Pattern::Glob(p.to_owned()))
                }
            };
            match fields.as_slice() {
                ["p", subject, resource, action, object, effect] => {
                    let allow = match *effect {
                        "allow" => true,
                        "deny" => false,
                        _ => return Err(PolicyError::InvalidLine(trimmed.to_owned())),
                    };
                    self.permissions
                        .entry((*subject).to_owned())
                        .or_default()
                        .push(Permission {
                            resource: pattern(resource)?,
                            action: pattern(action)?,
                            object: pattern(object)?,
                            allow,
                        });
                }
                ["g", member, role] => self
                    .roles
                    .entry((*member).to_owned())
                    .or_default()
                    .push((*role).to_owned()),
                _ => return Err(PolicyError::InvalidLine(trimmed.to_owned())),
            }
        }
        Ok(())
    }

    /// Whether `subject` (with `groups`) may do `action` on `resource` `object`: the
    /// default role first, then the subject, then each group; the first allow wins.
    pub fn enforce(
        &self,
        subject: &str,
        groups: &[String],
        resource: &str,
        action: &str,
        object: &str,
    ) -> bool {
        (!self.default_role.is_empty()
            && self.evaluate(&self.default_role, resource, action, object))
            || self.evaluate(subject, resource, action, object)
            || groups
                .iter()
                .any(|group| self.evaluate(group, resource, action, object))
    }

    /// One casbin evaluation: some `p` line of `subject` or its roles allows, none
    /// denies.
    fn evaluate(&self, subject: &str, resource: &str, action: &str, object: &str) -> bool {
        let mut allowed = false;
        for name in self.closure(subject) {
            for p in self.permissions.get(&name).into_iter().flatten() {
                if p.resource.matches(resource)
                    && p.action.matches(action)
                    && p.object.matches(object)
                {
                    if !p.allow {
                        return false;
                    }
                    allowed = true;
                }
            }
        }
        allowed
    }

    /// `subject` and every role it has through `g` lines, transitively.
    fn closure(&self, subject: &str) -> Vec<String> {
        let mut seen: HashSet<String> = HashSet::from([subject.to_owned()]);
        let mut order = vec![subject.to_owned()];
        let mut next = 0;
        while next < order.len() {
            for role in self.roles.get(&order[next]).into_iter().flatten() {
                if seen.insert(role.clone()) {
                    order.push(role.clone());
                }
            }
            next += 1;
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(csv: &str, default: &str) -> Policy {
        let mut data = BTreeMap::from([("policy.csv".to_owned(), csv.to_owned())]);
        if !default.is_empty() {
            data.insert("policy.default".to_owned(), default.to_owned());
        }
        Policy::from_config_map(&data).expect("policy")
    }

    #[test]
    fn builtin_roles() {
        let p = policy("g, alice, role:readonly\n", "");
        assert!(p.enforce("admin", &[], "applications", "sync", "default/guestbook"));
        assert!(p.enforce("alice", &[], "applications", "get", "default/guestbook"));
        assert!(!p.enforce("alice", &[], "applications", "sync", "default/guestbook"));
        assert!(!p.enforce("bob", &[], "applications", "get", "default/guestbook"));
    }

    #[test]
    fn default_role_applies_to_everyone() {
        let p = policy("", "role:readonly");
        assert!(p.enforce("bob", &[], "applications", "get", "a/b"));
        assert!(!p.enforce("bob", &[], "applications", "delete", "a/b"));
    }

    #[test]
    fn glob_crosses_slash_and_deny_wins_within_one_evaluation() {
        let p = policy(
            "p, role:team-a, applications, *, team-a/*, allow\n\
             p, role:team-a, applications, delete, team-a/prod-*, deny\n\
             g, carol, role:team-a\n",
            "",
        );
        assert!(p.enforce("carol", &[], "applications", "sync", "team-a/web"));
        assert!(p.enforce("carol", &[], "applications", "get", "team-a/ns/web"));
        assert!(!p.enforce("carol", &[], "applications", "get", "team-b/web"));
        assert!(!p.enforce("carol", &[], "applications", "delete", "team-a/prod-web"));
        assert!(p.enforce("carol", &[], "applications", "delete", "team-a/dev-web"));
    }

    #[test]
    fn groups_are_evaluated_after_the_subject() {
        let p = policy("g, devs, role:admin\n", "");
        assert!(p.enforce("dan", &["devs".to_owned()], "applications", "sync", "x/y"));
        assert!(!p.enforce("dan", &[], "applications", "sync", "x/y"));
    }

    #[test]
    fn regex_mode_is_unanchored() {
        let data = BTreeMap::from([
            ("policy.matchMode".to_owned(), "regex".to_owned()),
            (
                "policy.csv".to_owned(),
                "p, erin, applications, get, team-.*, allow\n".to_owned(),
            ),
        ]);
        let p = Policy::from_config_map(&data).expect("policy");
        assert!(p.enforce("erin", &[], "applications", "get", "team-a/web"));
        assert!(p.enforce("erin", &[], "applications", "get", "x/team-a"));
        assert!(!p.enforce("erin", &[], "applications", "get", "a/web"));
    }

    #[test]
    fn malformed_lines_are_refused_with_the_line() {
        let data = BTreeMap::from([("policy.csv".to_owned(), "p, a, b\n".to_owned())]);
        assert_eq!(
            Policy::from_config_map(&data).unwrap_err().to_string(),
            "invalid RBAC policy: p, a, b"
        );
    }
}

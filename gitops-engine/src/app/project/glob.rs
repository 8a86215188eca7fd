//! Glob matching as Argo CD's project rules do it: `!` negation, `*` alone matches
//! everything, and an optional `/` separator that `*` does not cross.

use globset::GlobBuilder;

/// Whether a pattern is a deny pattern (`!…`).
pub(crate) fn is_deny(pattern: &str) -> bool {
    pattern.starts_with('!')
}

/// Whether `value` matches `pattern`. With `allow_negation`, a `!p` pattern holds when
/// `value` does **not** match `p`. With `path_separator`, `*` stops at `/` (`**` crosses
/// it). A pattern that is not a valid glob matches nothing.
pub(crate) fn matches(
    pattern: &str,
    value: &str,
    allow_negation: bool,
    path_separator: bool,
) -> bool {
    if allow_negation && let Some(denied) = pattern.strip_prefix('!') {
        return !glob(denied, value, path_separator);
    }
    pattern == "*" || glob(pattern, value, path_separator)
}

/// Go's `path.Match` (kinds and groups of resource lists): `*` stops at `/`.
pub(crate) fn path_match(pattern: &str, value: &str) -> bool {
    glob(pattern, value, true)
}

fn glob(pattern: &str, value: &str, path_separator: bool) -> bool {
    GlobBuilder::new(pattern)
        .literal_separator(path_separator)
        .build()
        .is_ok_and(|g| g.compile_matcher().is_match(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_alone_matches_everything_even_empty() {
        assert!(matches("*", "", false, true));
        assert!(matches("*", "a/b", false, true));
    }

    #[test]
    fn separator_stops_single_star_but_not_double() {
        assert!(matches(
            "https://git.example.com/team-a/*",
            "https://git.example.com/team-a/app",
            false,
            true
        ));
        assert!(!matches(
            "https://git.example.com/team-a/*",
            "https://git.example.com/team-a/x/app",
            false,
            true
        ));
        assert!(matches(
            "https://git.example.com/team-a/**",
            "https://git.example.com/team-a/x/app",
            false,
            true
        ));
        assert!(matches("team-*", "team-a/x", false, false));
    }

    #[test]
    fn negation_holds_when_the_rest_does_not_match() {
        assert!(matches("!kube-*", "team-a", true, false));
        assert!(!matches("!kube-*", "kube-system", true, false));
        // Without negation the `!` is a literal character.
        assert!(!matches("!kube-*", "team-a", false, false));
    }

    #[test]
    fn path_match_kinds_and_groups() {
        assert!(path_match("*", "ClusterRoleBinding"));
        assert!(path_match("Cluster*", "ClusterRole"));
        assert!(path_match("", ""));
        assert!(!path_match("", "apps"));
        assert!(path_match("*.k8s.io", "rbac.authorization.k8s.io"));
    }
}

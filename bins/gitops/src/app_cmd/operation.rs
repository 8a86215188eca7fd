//! Who asks for operations: the local user, recorded in `initiatedBy.username`.

/// The local user, recorded in `initiatedBy.username`.
pub fn local_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

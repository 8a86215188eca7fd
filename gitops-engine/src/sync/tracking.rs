//! Resource tracking: stamping rendered objects with the app's tracking metadata and
//! deciding whether a live object belongs to an app (spec §4.1).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SyncError;
use crate::object::{self, ResourceKey, annotation, label, metadata_map_mut};

/// Annotation holding `<app>:<group>/<kind>:<namespace>/<name>`.
pub const TRACKING_ID_ANNOTATION: &str = "argocd.argoproj.io/tracking-id";
/// Annotation naming the Argo CD installation that manages the object.
pub const INSTALLATION_ID_ANNOTATION: &str = "argocd.argoproj.io/installation-id";
/// Default instance label key (`application.instanceLabelKey`).
pub const DEFAULT_INSTANCE_LABEL: &str = "app.kubernetes.io/instance";

/// Longest label value Kubernetes accepts.
const LABEL_VALUE_MAX: usize = 63;

/// How live objects are attributed to apps (`application.resourceTrackingMethod`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrackingMethod {
    /// The tracking-id annotation (the default).
    #[default]
    Annotation,
    /// The instance label.
    Label,
    /// The annotation decides; the (truncated) label is written too.
    AnnotationAndLabel,
}

impl FromStr for TrackingMethod {
    type Err = SyncError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "annotation" => Ok(Self::Annotation),
            "label" => Ok(Self::Label),
            "annotation+label" => Ok(Self::AnnotationAndLabel),
            other => Err(SyncError::UnknownTrackingMethod(other.to_owned())),
        }
    }
}

impl fmt::Display for TrackingMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Annotation => "annotation",
            Self::Label => "label",
            Self::AnnotationAndLabel => "annotation+label",
        })
    }
}

impl TrackingMethod {
    fn uses_annotation(self) -> bool {
        matches!(self, Self::Annotation | Self::AnnotationAndLabel)
    }
}

/// Tracking settings of an Argo CD installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingConfig {
    /// The tracking method.
    pub method: TrackingMethod,
    /// The instance label key.
    pub instance_label_key: String,
    /// `installationID` of this instance, if configured.
    pub installation_id: Option<String>,
}

impl Default for TrackingConfig {
    fn default() -> Self {
        Self {
            method: TrackingMethod::Annotation,
            instance_label_key: DEFAULT_INSTANCE_LABEL.to_owned(),
            installation_id: None,
        }
    }
}

/// The instance name of an app: its name, or `<app namespace>_<name>` when the
/// Application lives outside the control-plane namespace.
pub fn instance_name(app_name: &str, app_namespace: &str, control_plane_namespace: &str) -> String {
    if app_namespace.is_empty() || app_namespace == control_plane_namespace {
        app_name.to_owned()
    } else {
        format!("{app_namespace}_{app_name}")
    }
}

/// A parsed `argocd.argoproj.io/tracking-id` value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingId {
    /// Instance name of the app.
    pub app_instance: String,
    /// API group (empty for core).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Namespace (the destination namespace for cluster-scoped objects).
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl TrackingId {
    /// The tracking id of `obj` for app `app_instance`; a cluster-scoped object (empty
    /// namespace) records the destination namespace.
    pub fn for_object(app_instance: &str, obj: &Value, destination_namespace: &str) -> Self {
        let key = ResourceKey::of(obj);
        Self {
            app_instance: app_instance.to_owned(),
            group: key.group,
            kind: key.kind,
            namespace: if key.namespace.is_empty() {
                destination_namespace.to_owned()
            } else {
                key.namespace
            },
            name: key.name,
        }
    }

    /// Parses `<app>:<group>/<kind>:<namespace>/<name>`, splitting on the first two `:`
    /// (the name may contain `:`).
    pub fn parse(value: &str) -> Result<Self, SyncError> {
        let invalid = |reason| SyncError::InvalidTrackingId {
            value: value.to_owned(),
            reason,
        };
        let mut parts = value.splitn(3, ':');
        let (Some(app), Some(gk), Some(nn)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid("expected three `:`-separated parts"));
        };
        let split_two = |part: &str| {
            let mut it = part.split('/');
            match (it.next(), it.next(), it.next()) {
                (Some(a), Some(b), None) => Some((a.to_owned(), b.to_owned())),
                _ => None,
            }
        };
        let (group, kind) = split_two(gk).ok_or_else(|| invalid("`<group>/<kind>` part"))?;
        let (namespace, name) =
            split_two(nn).ok_or_else(|| invalid("`<namespace>/<name>` part"))?;
        Ok(Self {
            app_instance: app.to_owned(),
            group,
            kind,
            namespace,
            name,
        })
    }
}

impl fmt::Display for TrackingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}/{}:{}/{}",
            self.app_instance, self.group, self.kind, self.namespace, self.name
        )
    }
}

/// A label value longer than 63 characters cut to 63, then stripped of trailing
/// non-alphanumerics; shorter values are kept as they are.
pub fn truncated_label_value(value: &str) -> String {
    if value.chars().count() <= LABEL_VALUE_MAX {
        return value.to_owned();
    }
    let cut: String = value.chars().take(LABEL_VALUE_MAX).collect();
    cut.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned()
}

/// Writes the app's tracking metadata onto a rendered object (never onto CRDs). In the
/// annotation modes an installation-id annotation is set to this installation's ID, or
/// removed when it has none.
pub fn stamp(
    obj: &mut Value,
    app_instance: &str,
    config: &TrackingConfig,
    destination_namespace: &str,
) {
    if object::is_crd(obj) {
        return;
    }
    if config.method.uses_annotation() {
        let id = TrackingId::for_object(app_instance, obj, destination_namespace).to_string();
        if let Some(annotations) = metadata_map_mut(obj, "annotations") {
            annotations.insert(TRACKING_ID_ANNOTATION.to_owned(), Value::String(id));
            match &config.installation_id {
                Some(installation) => annotations.insert(
                    INSTALLATION_ID_ANNOTATION.to_owned(),
                    Value::String(installation.clone()),
                ),
                None => annotations.remove(INSTALLATION_ID_ANNOTATION),
            };
        }
    }
    let label_value = match config.method {
        TrackingMethod::Annotation => None,
        TrackingMethod::Label => Some(app_instance.to_owned()),
        TrackingMethod::AnnotationAndLabel => Some(truncated_label_value(app_instance)),
    };
    if let Some(value) = label_value
        && let Some(labels) = metadata_map_mut(obj, "labels")
    {
        labels.insert(config.instance_label_key.clone(), Value::String(value));
    }
}

/// The app a live object says it belongs to, by the configured method; `None` when it
/// carries no (valid) tracking metadata or belongs to another installation.
pub fn tracked_app_instance(live: &Value, config: &TrackingConfig) -> Option<String> {
    if config.method.uses_annotation() {
        if let Some(ours) = &config.installation_id
            && annotation(live, INSTALLATION_ID_ANNOTATION) != Some(ours.as_str())
        {
            return None;
        }
        annotation(live, TRACKING_ID_ANNOTATION)
            .and_then(|v| TrackingId::parse(v).ok())
            .map(|id| id.app_instance)
    } else {
        label(live, &config.instance_label_key).map(str::to_owned)
    }
}

/// The app instance an object's labels or annotations name, read from
/// metadata alone: every object [`tracked_app_instance`] attributes to an
/// app has that app's instance here (others may too: the tracking id is not
/// validated beyond its first `:`). The key live objects are indexed by, to
/// find an app's objects without looking at the rest.
pub fn tracking_key<'a>(
    labels: Option<&'a BTreeMap<String, String>>,
    annotations: Option<&'a BTreeMap<String, String>>,
    config: &TrackingConfig,
) -> Option<&'a str> {
    if config.method.uses_annotation() {
        annotations
            .and_then(|a| a.get(TRACKING_ID_ANNOTATION))
            .and_then(|id| id.split_once(':'))
            .map(|(instance, _)| instance)
    } else {
        labels
            .and_then(|l| l.get(&config.instance_label_key))
            .map(String::as_str)
    }
}

/// How a live object relates to an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Membership {
    /// Tracked by this app: paired with its desired object, or a prune candidate.
    Member,
    /// No (valid) tracking metadata for this installation.
    Untracked,
    /// Tracked by another app (instance name given).
    OtherApp(String),
    /// Has ownerReferences: a child of some other object, never a member itself.
    Owned,
    /// Annotation tracking names this app but the object is not the one it refers to
    /// (copied by a controller onto a child): ignored, never pruned.
    NotSelfReferencing,
}

/// Decides whether `live` belongs to app `app_instance`. When a desired object is paired
/// with it, the desired object's identity is used for the self-reference check.
pub fn membership(
    live: &Value,
    desired: Option<&Value>,
    app_instance: &str,
    config: &TrackingConfig,
) -> Membership {
    match tracked_app_instance(live, config) {
        None => Membership::Untracked,
        Some(other) if other != app_instance => Membership::OtherApp(other),
        Some(_) if object::has_owner_references(live) => Membership::Owned,
        Some(_) if config.method.uses_annotation() && !self_referencing(live, desired) => {
            Membership::NotSelfReferencing
        }
        Some(_) => Membership::Member,
    }
}

/// The self-reference check: with a desired object, the live object must have its
/// identity (live objects are expected in the desired object's API version); otherwise the
/// live object's tracking-id must name the object itself. Namespaces must be equal unless
/// the live object is cluster-scoped. Objects without a parseable tracking-id pass.
fn self_referencing(live: &Value, desired: Option<&Value>) -> bool {
    let reference = match desired {
        Some(desired) => ResourceKey::of(desired),
        None => {
            match annotation(live, TRACKING_ID_ANNOTATION).and_then(|v| TrackingId::parse(v).ok()) {
                Some(id) => ResourceKey::new(&id.group, &id.kind, &id.namespace, &id.name),
                None => return true,
            }
        }
    };
    let identity = ResourceKey::of(live);
    (identity.namespace.is_empty() || identity.namespace == reference.namespace)
        && identity.name == reference.name
        && identity.group == reference.group
        && identity.kind == reference.kind
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(key: &str, value: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(key.to_owned(), value.to_owned())])
    }

    #[test]
    fn the_tracking_key_names_the_app_the_metadata_points_at() {
        let annotation = TrackingConfig::default();
        let ours = map(TRACKING_ID_ANNOTATION, "web:apps/Deployment:demo/web");
        let bare = map(TRACKING_ID_ANNOTATION, "web");
        assert_eq!(tracking_key(None, Some(&ours), &annotation), Some("web"));
        assert_eq!(tracking_key(None, Some(&bare), &annotation), None);
        assert_eq!(tracking_key(None, None, &annotation), None);

        let label = TrackingConfig {
            method: TrackingMethod::Label,
            ..TrackingConfig::default()
        };
        let labels = map(DEFAULT_INSTANCE_LABEL, "web");
        assert_eq!(tracking_key(Some(&labels), None, &label), Some("web"));
        assert_eq!(tracking_key(None, Some(&ours), &label), None);
    }
}

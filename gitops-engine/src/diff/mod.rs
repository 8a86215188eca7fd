//! Comparing desired objects with live ones, as Argo CD does.
//!
//! [`diff`] predicts what the live object would look like after applying the
//! desired one and reports whether that differs from the live object, after
//! both went through the same normalisation:
//!
//! 1. Argo CD's pre-diff normalisation: tracking metadata (with annotation
//!    tracking) and `managedFieldsManagers` (fields owned by trusted managers
//!    are dropped from both sides where they differ).
//! 2. Remarshal (canonical numbers and resource quantities; for built-in
//!    kinds, empty lists and maps and null timestamps the typed encoder omits
//!    are dropped) and normalisation (`creationTimestamp`, Secret
//!    `stringData`, RBAC rules, Endpoints order).
//! 3. The `ignoreDifferences` normaliser (JSON pointers, [`jq`] paths), the
//!    optional `/status` ignore and the known-type fields.
//! 4. The prediction:
//!    - with server-side apply ([`DiffOptions::server_side_apply`] or the
//!      object's `ServerSideApply=true` sync option), a structured merge
//!      that honours the manager's previously applied fields;
//!    - otherwise a three-way merge from the last-applied configuration (or
//!      two-way from desired when live has none) — strategic-merge semantics
//!      for built-in kinds, JSON-merge semantics for custom resources — then
//!      API defaults on both sides.
//!
//! [`server_side_diff`] computes the result from a server-side apply
//! dry-run response instead (the caller performs the dry run). Secret values
//! are masked with [`hide_secret_data`] / [`diff_masked`]; [`unified_diff`]
//! renders a result for people.
//!
//! Without the cluster's OpenAPI schema, built-in types are known through
//! tables: strategic merge keys and list strategies from kustomize-core's
//! generated OpenAPI table (the one `cluster`'s client-side apply uses),
//! API defaults of the common kinds, and (for server-side apply) list keys
//! read from the objects' `managedFields`.

mod defaults;
mod ignore;
pub mod jq;
mod kinds;
mod known_types;
mod location;
mod managed_fields;
mod merge;
mod normalize;
mod quantity;
mod render;
mod secrets;
mod server_side;
mod ssa;
mod structured;
mod tracking;

use serde_json::Value;
use thiserror::Error;

pub(crate) use kinds::type_schema;

pub use ignore::IgnoreDifference;
pub use known_types::KnownTypeField;
pub use render::{to_yaml, unified_diff};
pub use secrets::hide_secret_data;
pub use server_side::{DEFAULT_MANAGER, dry_run_input, server_side_diff};
pub use tracking::{AnnotationTracking, DEFAULT_INSTANCE_LABEL, TRACKING_ID_ANNOTATION};

use ignore::IgnoreNormalizer;
pub(crate) use ignore::remove_pointer;
use known_types::KnownTypes;
use normalize::{NormalizeOptions, canonicalize_numbers, normalize, remarshal};

/// The annotation `kubectl apply` stores the applied configuration in.
pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The annotation carrying per-resource sync options.
pub const SYNC_OPTIONS_ANNOTATION: &str = "argocd.argoproj.io/sync-options";

/// Which objects have their `/status` ignored (Argo CD's
/// `resource.compareoptions` `ignoreResourceStatusField`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IgnoreStatus {
    /// Compare status like any other field (the bare engine's behaviour).
    #[default]
    None,
    /// Ignore the status of CustomResourceDefinitions only.
    Crd,
    /// Ignore the status of every object (Argo CD's default).
    All,
}

/// Options of a diff.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Treat the `rules` of aggregated Roles/ClusterRoles as unset.
    pub ignore_aggregated_roles: bool,
    /// Argo CD `ignoreDifferences` entries.
    pub ignore_differences: Vec<IgnoreDifference>,
    /// Fields of custom resources that hold built-in types
    /// (`resource.customizations.knownTypeFields`); an Argo Rollout's pod
    /// template is always one.
    pub known_type_fields: Vec<KnownTypeField>,
    /// Whether `/status` is ignored.
    pub ignore_status: IgnoreStatus,
    /// For [`server_side_diff`]: keep fields that mutating webhooks added
    /// (`IncludeMutationWebhook=true`).
    pub include_mutation_webhook: bool,
    /// The field manager of server-side applies (`argocd-controller` when
    /// empty).
    pub manager: String,
    /// The application syncs with server-side apply (`ServerSideApply=true`
    /// in its sync options): predict with the structured merge. A desired
    /// object annotated `argocd.argoproj.io/sync-options: ServerSideApply=true`
    /// takes this path too.
    pub server_side_apply: bool,
    /// Annotation-based tracking (`annotation` or `annotation+label`):
    /// normalise the instance label and tracking-id of live objects.
    pub tracking: Option<AnnotationTracking>,
}

impl DiffOptions {
    /// The field manager, `argocd-controller` unless set.
    pub fn manager(&self) -> &str {
        if self.manager.is_empty() {
            DEFAULT_MANAGER
        } else {
            &self.manager
        }
    }
}

/// The outcome of comparing one desired/live pair.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffResult {
    /// Whether applying desired would change the live object.
    pub modified: bool,
    /// The live object after normalisation (`null` when there is none).
    pub normalized_live: Value,
    /// The live object as it would be after applying desired (`null` when
    /// desired is absent).
    pub predicted_live: Value,
}

/// Why a diff could not be computed.
#[derive(Debug, Error)]
pub enum DiffError {
    /// Neither a desired nor a live object was given.
    #[error("nothing to compare: both the desired and the live object are missing")]
    NothingToCompare,
    /// The desired and live lists differ in length.
    #[error("cannot diff lists of different lengths: {desired} desired vs {live} live objects")]
    LengthMismatch {
        /// Number of desired objects.
        desired: usize,
        /// Number of live objects.
        live: usize,
    },
    /// An `ignoreDifferences` jq expression does not parse.
    #[error("ignoreDifferences: invalid jqPathExpression `{expression}`: {source}")]
    InvalidJqPath {
        /// The expression as given.
        expression: String,
        /// What is wrong with it.
        source: jq::JqParseError,
    },
    /// A `knownTypeFields` entry names a type that is not supported.
    #[error("knownTypeFields of {resource}: unsupported type `{type_name}`")]
    UnknownKnownType {
        /// `group/kind` of the declaration.
        resource: String,
        /// The type as given.
        type_name: String,
    },
    /// The server-side apply dry-run response cannot be used.
    #[error("server-side diff of {resource}: {message}")]
    ServerSideDiff {
        /// `kind/name` of the object.
        resource: String,
        /// What is wrong.
        message: String,
    },
}

/// The normalisations shared by all diff paths, compiled once per call.
struct Normalizer {
    engine: NormalizeOptions,
    user: IgnoreNormalizer,
    known_types: KnownTypes,
}

impl Normalizer {
    fn new(opts: &DiffOptions) -> Result<Self, DiffError> {
        let mut entries = opts.ignore_differences.clone();
        let status = |group: &str, kind: &str| IgnoreDifference {
            group: group.into(),
            kind: kind.into(),
            json_pointers: vec!["/status".into()],
            ..IgnoreDifference::default()
        };
        match opts.ignore_status {
            IgnoreStatus::None => {}
            IgnoreStatus::Crd => {
                entries.push(status("apiextensions.k8s.io", "CustomResourceDefinition"))
            }
            IgnoreStatus::All => entries.push(status("*", "*")),
        }
        Ok(Normalizer {
            engine: NormalizeOptions {
                ignore_aggregated_roles: opts.ignore_aggregated_roles,
            },
            user: IgnoreNormalizer::new(&entries)?,
            known_types: KnownTypes::new(&opts.known_type_fields)?,
        })
    }

    /// Remarshal and engine normalisation, optionally the user normaliser.
    fn prepare(&self, obj: &Value, with_user: bool) -> Value {
        let mut obj = obj.clone();
        remarshal(&mut obj);
        normalize(&mut obj, self.engine);
        if with_user {
            self.user_normalize(&mut obj);
        }
        obj
    }

    /// Argo CD's normalisers: ignoreDifferences, then known types.
    fn user_normalize(&self, obj: &mut Value) {
        self.user.normalize(obj);
        self.known_types.normalize(obj);
    }
}

/// Compares `desired` with `live`. See the module documentation for the
/// steps. Desired absent: not modified (extraneous objects are the caller's
/// business); live absent: modified; both absent: an error.
pub fn diff(
    desired: Option<&Value>,
    live: Option<&Value>,
    opts: &DiffOptions,
) -> Result<DiffResult, DiffError> {
    let normalizer = Normalizer::new(opts)?;
    let (desired, live) = match Sides::of(&normalizer, desired, live)? {
        Sides::Decided(result) => return Ok(result),
        Sides::Both(d, l) => (d.clone(), l.clone()),
    };
    let mut live = live;
    if let Some(tracking) = &opts.tracking {
        tracking.normalize(&desired, &mut live);
    }
    let (desired, live) = trusted_managers_normalized(desired, live, opts);
    let desired = normalizer.prepare(&desired, true);
    let live = normalizer.prepare(&live, true);
    if opts.server_side_apply || wants_server_side_apply(&desired) {
        let (predicted, live) = structured::structured_merge(&desired, &live, opts.manager());
        return Ok(DiffResult {
            modified: predicted != live,
            normalized_live: live,
            predicted_live: predicted,
        });
    }
    let original = last_applied(&live)
        .map(|mut applied| {
            canonicalize_numbers(&mut applied);
            normalize(&mut applied, normalizer.engine);
            normalizer.user_normalize(&mut applied);
            applied
        })
        .unwrap_or_else(|| desired.clone());
    Ok(compare_after_merge(&original, &desired, live))
}

/// What the presence of the two sides decides.
enum Sides<'a> {
    /// One side is absent: the result follows without comparing.
    Decided(DiffResult),
    /// Both sides are present.
    Both(&'a Value, &'a Value),
}

impl<'a> Sides<'a> {
    /// Desired absent: not modified; live absent: modified; both: an error.
    fn of(
        normalizer: &Normalizer,
        desired: Option<&'a Value>,
        live: Option<&'a Value>,
    ) -> Result<Self, DiffError> {
        match (desired, live) {
            (None, None) => Err(DiffError::NothingToCompare),
            (None, Some(live)) => Ok(Sides::Decided(DiffResult {
                modified: false,
                normalized_live: normalizer.prepare(live, true),
                predicted_live: Value::Null,
            })),
            (Some(desired), None) => Ok(Sides::Decided(DiffResult {
                modified: true,
                normalized_live: Value::Null,
                predicted_live: normalizer.prepare(desired, true),
            })),
            (Some(d), Some(l)) => Ok(Sides::Both(d, l)),
        }
    }
}

/// [`diff`] computed on masked copies (see [`hide_secret_data`]) so that no
/// Secret value or hidden annotation appears in the returned objects;
/// `modified` is that of the unmasked comparison.
pub fn diff_masked(
    desired: Option<&Value>,
    live: Option<&Value>,
    opts: &DiffOptions,
    hide_annotations: &[String],
) -> Result<DiffResult, DiffError> {
    let modified = diff(desired, live, opts)?.modified;
    let (desired, live) = hide_secret_data(desired, live, hide_annotations);
    let mut masked = diff(desired.as_ref(), live.as_ref(), opts)?;
    masked.modified = modified;
    Ok(masked)
}

/// Diffs lists pairwise; `modified` is true when any pair is modified.
pub fn diff_list(
    desired: &[Option<Value>],
    live: &[Option<Value>],
    opts: &DiffOptions,
) -> Result<(bool, Vec<DiffResult>), DiffError> {
    if desired.len() != live.len() {
        return Err(DiffError::LengthMismatch {
            desired: desired.len(),
            live: live.len(),
        });
    }
    let results = desired
        .iter()
        .zip(live)
        .map(|(d, l)| diff(d.as_ref(), l.as_ref(), opts))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((results.iter().any(|r| r.modified), results))
}

/// Applies Argo CD's `managedFieldsManagers` rule for the entries matching
/// live.
fn trusted_managers_normalized(
    mut desired: Value,
    mut live: Value,
    opts: &DiffOptions,
) -> (Value, Value) {
    let managers: Vec<String> = opts
        .ignore_differences
        .iter()
        .filter(|e| e.matches(&live))
        .flat_map(|e| e.managed_fields_managers.iter().cloned())
        .collect();
    if !managers.is_empty() {
        managed_fields::remove_trusted_fields(&mut desired, &mut live, &managers);
    }
    (desired, live)
}

/// Whether `obj`'s sync options contain `ServerSideApply=true`.
fn wants_server_side_apply(obj: &Value) -> bool {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(SYNC_OPTIONS_ANNOTATION))
        .and_then(Value::as_str)
        .is_some_and(|opts| opts.split(',').any(|o| o.trim() == "ServerSideApply=true"))
}

/// The parsed last-applied configuration of `live`, when it is a JSON object.
fn last_applied(live: &Value) -> Option<Value> {
    let text = live
        .pointer("/metadata/annotations")?
        .get(LAST_APPLIED_ANNOTATION)?
        .as_str()?;
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(Value::is_object)
}

/// Merges, defaults both sides and compares.
fn compare_after_merge(original: &Value, desired: &Value, mut live: Value) -> DiffResult {
    let mut predicted = merge::three_way_merge(original, desired, &live);
    defaults::apply_defaults(&mut predicted);
    defaults::apply_defaults(&mut live);
    DiffResult {
        modified: predicted != live,
        normalized_live: live,
        predicted_live: predicted,
    }
}

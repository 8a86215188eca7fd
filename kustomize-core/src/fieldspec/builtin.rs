//! Kustomize 5.5's builtin field specs (unsorted; the caller sorts).
//!
//! Tables are `(group, version, kind, path)`; an empty part matches any.
//! Repetitive groups (pod-template fields of the workload kinds) are built
//! from the list of places each workload keeps its pod spec.

use super::{FieldSpec, FieldSpecs, NameBackReference, TransformerConfig};

type Row = (&'static str, &'static str, &'static str, &'static str);

fn rows(table: &[Row], create: bool) -> impl Iterator<Item = FieldSpec> + '_ {
    table.iter().map(move |&(g, v, k, path)| FieldSpec {
        create,
        ..FieldSpec::new(path).group(g).version(v).kind(k)
    })
}

/// The builtin configuration.
pub(super) fn config() -> TransformerConfig {
    TransformerConfig {
        name_prefix: vec![FieldSpec::new("metadata/name")].into(),
        name_suffix: vec![FieldSpec::new("metadata/name")].into(),
        namespace: namespace(),
        common_labels: common_labels(),
        labels: FieldSpecs::default(),
        template_labels: metadata_labels().into(),
        common_annotations: rows(ANNOTATIONS, true).collect::<Vec<_>>().into(),
        name_reference: name_references(),
        var_reference: var_references(),
        images: rows(IMAGES, true).collect::<Vec<_>>().into(),
        replicas: rows(REPLICAS, true).collect::<Vec<_>>().into(),
    }
}

fn namespace() -> FieldSpecs {
    vec![
        FieldSpec::new("metadata/name").kind("Namespace").creating(),
        FieldSpec::new("spec/service/namespace")
            .group("apiregistration.k8s.io")
            .kind("APIService")
            .creating(),
        FieldSpec::new("spec/conversion/webhook/clientConfig/service/namespace")
            .group("apiextensions.k8s.io")
            .kind("CustomResourceDefinition"),
    ]
    .into()
}

/// Labels in object and template metadata (`templateLabels`, and the tail of
/// `commonLabels`).
const METADATA_LABELS: &[Row] = &[
    ("", "", "", "metadata/labels"),
    (
        "",
        "v1",
        "ReplicationController",
        "spec/template/metadata/labels",
    ),
    ("", "", "Deployment", "spec/template/metadata/labels"),
    ("", "", "ReplicaSet", "spec/template/metadata/labels"),
    ("", "", "DaemonSet", "spec/template/metadata/labels"),
    ("apps", "", "StatefulSet", "spec/template/metadata/labels"),
    (
        "apps",
        "",
        "StatefulSet",
        "spec/volumeClaimTemplates[]/metadata/labels",
    ),
    ("batch", "", "Job", "spec/template/metadata/labels"),
    ("batch", "", "CronJob", "spec/jobTemplate/metadata/labels"),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/labels",
    ),
];

fn metadata_labels() -> Vec<FieldSpec> {
    rows(METADATA_LABELS, true).collect()
}

/// Selectors `commonLabels` fills, creating them.
const SELECTORS_CREATED: &[Row] = &[
    ("", "v1", "Service", "spec/selector"),
    ("", "v1", "ReplicationController", "spec/selector"),
    ("", "", "Deployment", "spec/selector/matchLabels"),
    ("", "", "ReplicaSet", "spec/selector/matchLabels"),
    ("", "", "DaemonSet", "spec/selector/matchLabels"),
    ("apps", "", "StatefulSet", "spec/selector/matchLabels"),
];

/// Selectors `commonLabels` fills only where present.
const SELECTORS_EXISTING: &[Row] = &[
    ("batch", "", "Job", "spec/selector/matchLabels"),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/spec/selector/matchLabels",
    ),
    (
        "policy",
        "",
        "PodDisruptionBudget",
        "spec/selector/matchLabels",
    ),
    (
        "networking.k8s.io",
        "",
        "NetworkPolicy",
        "spec/podSelector/matchLabels",
    ),
    (
        "networking.k8s.io",
        "",
        "NetworkPolicy",
        "spec/ingress/from/podSelector/matchLabels",
    ),
    (
        "networking.k8s.io",
        "",
        "NetworkPolicy",
        "spec/egress/to/podSelector/matchLabels",
    ),
];

/// Pod affinity and spread selectors under `spec/template/spec`, filled
/// where present in apps Deployments and StatefulSets.
const POD_SELECTOR_PATHS: &[&str] = &[
    "affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "topologySpreadConstraints/labelSelector/matchLabels",
];

fn common_labels() -> FieldSpecs {
    let mut v: Vec<FieldSpec> = rows(SELECTORS_CREATED, true).collect();
    for kind in ["Deployment", "StatefulSet"] {
        v.extend(POD_SELECTOR_PATHS.iter().map(|p| {
            FieldSpec::new(&format!("spec/template/spec/{p}"))
                .group("apps")
                .kind(kind)
        }));
    }
    v.extend(rows(SELECTORS_EXISTING, false));
    v.extend(metadata_labels());
    v.into()
}

const ANNOTATIONS: &[Row] = &[
    ("", "", "", "metadata/annotations"),
    (
        "",
        "v1",
        "ReplicationController",
        "spec/template/metadata/annotations",
    ),
    ("", "", "Deployment", "spec/template/metadata/annotations"),
    ("", "", "ReplicaSet", "spec/template/metadata/annotations"),
    ("", "", "DaemonSet", "spec/template/metadata/annotations"),
    ("", "", "StatefulSet", "spec/template/metadata/annotations"),
    ("batch", "", "Job", "spec/template/metadata/annotations"),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/metadata/annotations",
    ),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/annotations",
    ),
];

const IMAGES: &[Row] = &[
    ("", "", "", "spec/containers[]/image"),
    ("", "", "", "spec/initContainers[]/image"),
    ("", "", "", "spec/template/spec/containers[]/image"),
    ("", "", "", "spec/template/spec/initContainers[]/image"),
];

const REPLICAS: &[Row] = &[
    ("", "", "Deployment", "spec/replicas"),
    ("", "", "ReplicationController", "spec/replicas"),
    ("", "", "ReplicaSet", "spec/replicas"),
    ("", "", "StatefulSet", "spec/replicas"),
];

/// Where each kind that embeds a pod spec keeps it: `(version, kind, path)`.
/// The first eight carry config map and secret references; the kinds that
/// carry service account, claim and priority class references differ.
const POD_SPECS: &[(&str, &str, &str)] = &[
    ("v1", "Pod", "spec"),
    ("", "PodTemplate", "template/spec"),
    ("", "Deployment", "spec/template/spec"),
    ("", "ReplicaSet", "spec/template/spec"),
    ("", "DaemonSet", "spec/template/spec"),
    ("", "StatefulSet", "spec/template/spec"),
    ("", "Job", "spec/template/spec"),
    ("", "CronJob", "spec/jobTemplate/spec/template/spec"),
];

/// Kinds whose pod spec's service account, claims and priority class
/// reference other objects: `(kind, pod spec path)`.
const POD_OWNERS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicationController", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
];

/// Fields in a pod spec naming a config map.
const CONFIG_MAP_IN_POD: &[&str] = &[
    "volumes/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
    "volumes/projected/sources/configMap/name",
];

/// Fields in a pod spec naming a secret.
const SECRET_IN_POD: &[&str] = &[
    "volumes/secret/secretName",
    "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name",
    "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name",
    "imagePullSecrets/name",
    "volumes/projected/sources/secret/name",
];

const CONFIG_MAP_ELSEWHERE: &[Row] = &[
    ("", "", "Node", "spec/configSource/configMap"),
    ("", "", "Role", "rules/resourceNames"),
    ("", "", "ClusterRole", "rules/resourceNames"),
    (
        "",
        "",
        "Ingress",
        r"metadata/annotations/nginx.ingress.kubernetes.io\/fastcgi-params-configmap",
    ),
];

const SECRET_ELSEWHERE: &[Row] = &[
    ("", "", "Ingress", "spec/tls/secretName"),
    (
        "",
        "",
        "Ingress",
        r"metadata/annotations/ingress.kubernetes.io\/auth-secret",
    ),
    (
        "",
        "",
        "Ingress",
        r"metadata/annotations/nginx.ingress.kubernetes.io\/auth-secret",
    ),
    (
        "",
        "",
        "Ingress",
        r"metadata/annotations/nginx.ingress.kubernetes.io\/auth-tls-secret",
    ),
    // Listed twice in kustomize's defaults; kept, since defaults are not deduped.
    ("", "", "Ingress", "spec/tls/secretName"),
    ("", "", "ServiceAccount", "imagePullSecrets/name"),
    ("", "", "StorageClass", "parameters/secretName"),
    ("", "", "StorageClass", "parameters/adminSecretName"),
    ("", "", "StorageClass", "parameters/userSecretName"),
    ("", "", "StorageClass", "parameters/secretRef"),
    ("", "", "Role", "rules/resourceNames"),
    ("", "", "ClusterRole", "rules/resourceNames"),
    (
        "serving.knative.dev",
        "v1",
        "Service",
        "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
    ),
    ("", "", "PersistentVolume", "spec/azureFile/secretName"),
];

const SERVICE_REFERRERS: &[Row] = &[
    ("apps", "", "StatefulSet", "spec/serviceName"),
    (
        "",
        "",
        "Ingress",
        "spec/rules/http/paths/backend/serviceName",
    ),
    ("", "", "Ingress", "spec/backend/serviceName"),
    (
        "",
        "",
        "Ingress",
        "spec/rules/http/paths/backend/service/name",
    ),
    ("", "", "Ingress", "spec/defaultBackend/service/name"),
    (
        "apiregistration.k8s.io",
        "",
        "APIService",
        "spec/service/name",
    ),
    (
        "admissionregistration.k8s.io",
        "",
        "ValidatingWebhookConfiguration",
        "webhooks/clientConfig/service",
    ),
    (
        "admissionregistration.k8s.io",
        "",
        "MutatingWebhookConfiguration",
        "webhooks/clientConfig/service",
    ),
];

/// `(group, version, kind)` of a referenced kind with its referrers.
fn nbr(group: &str, version: &str, kind: &str, referrers: Vec<FieldSpec>) -> NameBackReference {
    NameBackReference {
        group: group.to_owned(),
        version: version.to_owned(),
        kind: kind.to_owned(),
        referrers: referrers.into(),
    }
}

/// Specs for `field` (relative to the pod spec) in every kind of `owners`.
fn in_pod_specs<'a>(
    owners: &'a [(&str, &str, &str)],
    fields: &'a [&str],
) -> impl Iterator<Item = FieldSpec> + 'a {
    owners.iter().flat_map(move |&(version, kind, prefix)| {
        fields.iter().map(move |f| {
            FieldSpec::new(&format!("{prefix}/{f}"))
                .version(version)
                .kind(kind)
        })
    })
}

/// Specs for `field` (relative to the pod spec) in the [`POD_OWNERS`].
fn in_pod_owners(field: &str) -> Vec<FieldSpec> {
    POD_OWNERS
        .iter()
        .map(|&(kind, prefix)| FieldSpec::new(&format!("{prefix}/{field}")).kind(kind))
        .collect()
}

fn name_references() -> Vec<NameBackReference> {
    let scale_target =
        || vec![FieldSpec::new("spec/scaleTargetRef/name").kind("HorizontalPodAutoscaler")];
    let rbac = "rbac.authorization.k8s.io";
    let admission = "admissionregistration.k8s.io";
    vec![
        nbr("", "", "Deployment", scale_target()),
        nbr("", "", "ReplicationController", scale_target()),
        nbr("", "", "ReplicaSet", scale_target()),
        nbr("", "", "StatefulSet", scale_target()),
        nbr(
            "",
            "v1",
            "ConfigMap",
            in_pod_specs(POD_SPECS, CONFIG_MAP_IN_POD)
                .chain(rows(CONFIG_MAP_ELSEWHERE, false))
                .collect(),
        ),
        nbr(
            "",
            "v1",
            "Secret",
            in_pod_specs(POD_SPECS, SECRET_IN_POD)
                .chain(rows(SECRET_ELSEWHERE, false))
                .collect(),
        ),
        nbr(
            "",
            "v1",
            "Service",
            rows(SERVICE_REFERRERS, false).collect(),
        ),
        nbr(
            rbac,
            "",
            "Role",
            vec![
                FieldSpec::new("roleRef/name")
                    .group(rbac)
                    .kind("RoleBinding"),
            ],
        ),
        nbr(
            rbac,
            "",
            "ClusterRole",
            vec![
                FieldSpec::new("roleRef/name")
                    .group(rbac)
                    .kind("RoleBinding"),
                FieldSpec::new("roleRef/name")
                    .group(rbac)
                    .kind("ClusterRoleBinding"),
            ],
        ),
        nbr(
            "",
            "v1",
            "ServiceAccount",
            [
                FieldSpec::new("subjects").group(rbac).kind("RoleBinding"),
                FieldSpec::new("subjects")
                    .group(rbac)
                    .kind("ClusterRoleBinding"),
            ]
            .into_iter()
            .chain(in_pod_owners("serviceAccountName"))
            .collect(),
        ),
        nbr(
            "",
            "v1",
            "PersistentVolumeClaim",
            in_pod_owners("volumes/persistentVolumeClaim/claimName"),
        ),
        nbr(
            "",
            "v1",
            "PersistentVolume",
            vec![
                FieldSpec::new("spec/volumeName").kind("PersistentVolumeClaim"),
                FieldSpec::new("rules/resourceNames").kind("ClusterRole"),
            ],
        ),
        nbr(
            "storage.k8s.io",
            "v1",
            "StorageClass",
            vec![
                FieldSpec::new("spec/storageClassName").kind("PersistentVolume"),
                FieldSpec::new("spec/storageClassName").kind("PersistentVolumeClaim"),
                FieldSpec::new("spec/volumeClaimTemplates/spec/storageClassName")
                    .kind("StatefulSet"),
            ],
        ),
        nbr(
            "scheduling.k8s.io",
            "v1",
            "PriorityClass",
            in_pod_owners("priorityClassName"),
        ),
        // kustomize's defaults give the group as "networking.k8s.io/v1", so
        // this entry never selects a real IngressClass; kept as is.
        nbr(
            "networking.k8s.io/v1",
            "v1",
            "IngressClass",
            vec![FieldSpec::new("spec/ingressClassName").kind("Ingress")],
        ),
        nbr(
            admission,
            "",
            "ValidatingAdmissionPolicy",
            vec![
                FieldSpec::new("spec/policyName")
                    .group(admission)
                    .kind("ValidatingAdmissionPolicyBinding"),
            ],
        ),
    ]
}

/// Container fields (relative to a container list's parent pod spec) where
/// `$(VAR)` is expanded.
const VAR_CONTAINER_FIELDS: &[&str] = &[
    "containers/args",
    "containers/command",
    "containers/env/value",
    "containers/volumeMounts/mountPath",
    "initContainers/args",
    "initContainers/command",
    "initContainers/env/value",
    "initContainers/volumeMounts/mountPath",
];

/// Kinds with var-expanded container fields: `(kind, pod spec path, NFS
/// server path)`. The NFS paths are kustomize's, including the CronJob one
/// that lacks `spec/` and StatefulSet's claim-template one.
const VAR_WORKLOADS: &[(&str, &str, &str)] = &[
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec",
        "spec/jobTemplate/spec/template/volumes/nfs/server",
    ),
    (
        "DaemonSet",
        "spec/template/spec",
        "spec/template/spec/volumes/nfs/server",
    ),
    (
        "Deployment",
        "spec/template/spec",
        "spec/template/spec/volumes/nfs/server",
    ),
    (
        "Job",
        "spec/template/spec",
        "spec/template/spec/volumes/nfs/server",
    ),
    ("Pod", "spec", "spec/volumes/nfs/server"),
    (
        "ReplicaSet",
        "spec/template/spec",
        "spec/template/spec/volumes/nfs/server",
    ),
    (
        "StatefulSet",
        "spec/template/spec",
        "spec/volumeClaimTemplates/spec/nfs/server",
    ),
];

const VAR_ELSEWHERE: &[Row] = &[
    ("", "", "Deployment", "spec/template/metadata/annotations"),
    ("", "", "Ingress", "spec/rules/host"),
    ("", "", "Ingress", "spec/tls/hosts"),
    ("", "", "Ingress", "spec/tls/secretName"),
    ("", "", "Service", "spec/ports/port"),
    ("", "", "Service", "spec/ports/targetPort"),
    ("", "", "PersistentVolume", "spec/nfs/server"),
    ("", "", "", "metadata/labels"),
    ("", "", "", "metadata/annotations"),
];

fn var_references() -> FieldSpecs {
    let mut v = Vec::new();
    for &(kind, pod, nfs) in VAR_WORKLOADS {
        v.extend(
            VAR_CONTAINER_FIELDS
                .iter()
                .map(|f| FieldSpec::new(&format!("{pod}/{f}")).kind(kind)),
        );
        v.push(FieldSpec::new(nfs).kind(kind));
    }
    v.extend(rows(VAR_ELSEWHERE, false));
    v.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_sizes_match_kustomize() {
        let c = config();
        assert_eq!(c.common_labels.len(), 32);
        assert_eq!(c.template_labels.len(), 10);
        assert_eq!(c.common_annotations.len(), 9);
        assert_eq!(c.namespace.len(), 3);
        assert_eq!(c.var_reference.len(), 72);
        assert_eq!(c.images.len(), 4);
        assert_eq!(c.replicas.len(), 4);
        let refs: Vec<(&str, usize)> = c
            .name_reference
            .iter()
            .map(|r| (r.kind.as_str(), r.referrers.len()))
            .collect();
        assert_eq!(
            refs,
            [
                ("Deployment", 1),
                ("ReplicationController", 1),
                ("ReplicaSet", 1),
                ("StatefulSet", 1),
                ("ConfigMap", 52),
                ("Secret", 70),
                ("Service", 8),
                ("Role", 1),
                ("ClusterRole", 2),
                ("ServiceAccount", 9),
                ("PersistentVolumeClaim", 7),
                ("PersistentVolume", 2),
                ("StorageClass", 3),
                ("PriorityClass", 7),
                ("IngressClass", 1),
                ("ValidatingAdmissionPolicy", 1),
            ]
        );
    }
}

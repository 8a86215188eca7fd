#!/usr/bin/env python3
"""Write a CRD-heavy "platform" kustomize tree: operators with their CRDs.

The shape of a cluster's platform repository (cert-manager, Argo, Prometheus
operator, Cluster API and the like): per add-on a `base/` holding its
CustomResourceDefinitions (large OpenAPI v3 schemas with descriptions, as real
operators ship them), RBAC, a Deployment, a Service, a webhook configuration,
a ConfigMap and a few custom resources, and an `overlays/prod/` with a
namespace, labels, an image override, a replica count, a strategic merge patch
and a ConfigMap generator; `clusters/prod/` lists every add-on's overlay.

Deterministic: the same arguments write the same bytes.

Usage:
    gen_platform_tree.py --out DIR [--addons 35] [--crds 6] [--properties 24]

The root to build is DIR/clusters/prod. The default size gives 634 resources.
"""

import argparse
import os
import random
import shutil

WORDS = (
    "cluster controller resource status condition reconcile spec field "
    "value reference secret certificate issuer endpoint template selector "
    "replica volume policy network ingress route backend timeout interval "
    "retry limit request annotation label namespace owner finalizer webhook"
).split()


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def schema_properties(rng, count, depth):
    """A map of `count` property schemas, nesting objects down to `depth`."""
    props = {}
    for i in range(count):
        name = f"{rng.choice(WORDS)}{rng.choice(WORDS).capitalize()}{i}"
        kind = rng.random()
        prop = {"description": sentence(rng, rng.randint(8, 30))}
        if depth > 0 and kind < 0.2:
            prop["type"] = "object"
            prop["properties"] = schema_properties(rng, max(2, count // 4), depth - 1)
            prop["required"] = sorted(prop["properties"])[:1]
        elif depth > 0 and kind < 0.3:
            prop["type"] = "array"
            prop["items"] = {
                "type": "object",
                "properties": schema_properties(rng, max(2, count // 6), depth - 1),
            }
        elif kind < 0.5:
            prop["type"] = "integer"
            prop["format"] = "int32"
            prop["minimum"] = 0
        elif kind < 0.6:
            prop["type"] = "boolean"
        elif kind < 0.7:
            prop["type"] = "string"
            prop["enum"] = sorted({rng.choice(WORDS).capitalize() for _ in range(4)})
        else:
            prop["type"] = "string"
            if kind > 0.9:
                prop["pattern"] = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
        props[name] = prop
    return props


def yaml_scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text == "" or text[0] in "^*&!|>'\"%@`{[" or ": " in text or text in ("true", "false"):
        return "'" + text.replace("'", "''") + "'"
    return text


def to_yaml(value, indent=0):
    """Block YAML of plain maps, lists and scalars (enough for these documents)."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 2))
            elif isinstance(item, list) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent))
            elif isinstance(item, (dict, list)):
                lines.append(f"{pad}{key}: {'{}' if isinstance(item, dict) else '[]'}")
            else:
                lines.append(f"{pad}{key}: {yaml_scalar(item)}")
    else:
        for item in value:
            if isinstance(item, dict) and item:
                inner = to_yaml(item, indent + 2).split("\n")
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {yaml_scalar(item)}")
    return "\n".join(lines)


def write(path, documents):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n---\n".join(to_yaml(d) for d in documents) + "\n")


def crd(rng, group, kind, properties):
    plural = kind.lower() + "s"
    version_schema = {
        "type": "object",
        "description": sentence(rng, 20),
        "properties": {
            "apiVersion": {"type": "string", "description": sentence(rng, 25)},
            "kind": {"type": "string", "description": sentence(rng, 25)},
            "metadata": {"type": "object"},
            "spec": {
                "type": "object",
                "description": sentence(rng, 15),
                "properties": schema_properties(rng, properties, 3),
            },
            "status": {
                "type": "object",
                "properties": schema_properties(rng, properties // 3, 2),
            },
        },
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{plural}.{group}",
            "annotations": {"controller-gen.kubebuilder.io/version": "v0.16.1"},
        },
        "spec": {
            "group": group,
            "names": {"kind": kind, "listKind": f"{kind}List", "plural": plural,
                      "singular": kind.lower()},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": version_schema},
            }],
        },
    }


def addon_base(rng, name, crds, properties):
    group = f"{name}.platform.example.io"
    kinds = [f"{rng.choice(WORDS).capitalize()}{rng.choice(WORDS).capitalize()}{i}"
             for i in range(crds)]
    labels = {"app.kubernetes.io/name": name}
    docs = [crd(rng, group, kind, properties) for kind in kinds]
    docs += [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": f"{name}-manager"},
         "rules": [{"apiGroups": [group], "resources": ["*"],
                    "verbs": ["get", "list", "watch", "update", "patch"]},
                   {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": f"{name}-manager"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": f"{name}-manager"},
         "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": "default"}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": f"{name}-leader-election"},
         "rules": [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                    "verbs": ["get", "create", "update"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": f"{name}-leader-election"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                     "name": f"{name}-leader-election"},
         "subjects": [{"kind": "ServiceAccount", "name": name}]},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{name}-config"},
         "data": {"log-level": "info", "metrics-port": "8080"}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": f"{name}-controller", "labels": labels},
         "spec": {
             "replicas": 1,
             "selector": {"matchLabels": labels},
             "template": {
                 "metadata": {"labels": labels},
                 "spec": {
                     "serviceAccountName": name,
                     "containers": [{
                         "name": "manager",
                         "image": f"ghcr.io/example/{name}:v1.0.0",
                         "args": ["--leader-elect", "--metrics-bind-address=:8080"],
                         "ports": [{"name": "metrics", "containerPort": 8080},
                                   {"name": "webhook", "containerPort": 9443}],
                         "envFrom": [{"configMapRef": {"name": f"{name}-config"}}],
                         "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
                         "volumeMounts": [{"name": "certs", "mountPath": "/tmp/certs",
                                           "readOnly": True}],
                     }],
                     "volumes": [{"name": "certs",
                                  "secret": {"secretName": f"{name}-webhook-cert"}}],
                 },
             },
         }},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"{name}-webhook"},
         "spec": {"selector": labels,
                  "ports": [{"name": "https", "port": 443, "targetPort": "webhook"}]}},
        {"apiVersion": "admissionregistration.k8s.io/v1",
         "kind": "ValidatingWebhookConfiguration",
         "metadata": {"name": f"{name}-validating"},
         "webhooks": [{
             "name": f"v{kind.lower()}.{group}",
             "admissionReviewVersions": ["v1"],
             "sideEffects": "None",
             "clientConfig": {"service": {"name": f"{name}-webhook", "namespace": "default",
                                          "path": f"/validate-{kind.lower()}"}},
             "rules": [{"apiGroups": [group], "apiVersions": ["v1"],
                        "operations": ["CREATE", "UPDATE"],
                        "resources": [kind.lower() + "s"]}],
         } for kind in kinds[:2]]},
    ]
    docs += [{"apiVersion": f"{group}/v1", "kind": kind,
              "metadata": {"name": f"default-{kind.lower()}"},
              "spec": {"enabled": True, "interval": "5m"}} for kind in kinds[:2]]
    return docs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--addons", type=int, default=35)
    ap.add_argument("--crds", type=int, default=6)
    ap.add_argument("--properties", type=int, default=24)
    args = ap.parse_args()
    rng = random.Random(20261207)
    shutil.rmtree(args.out, ignore_errors=True)
    names = [f"addon{i:02d}" for i in range(args.addons)]
    for name in names:
        base = os.path.join(args.out, "addons", name, "base")
        docs = addon_base(rng, name, args.crds, args.properties)
        crds = [d for d in docs if d["kind"] == "CustomResourceDefinition"]
        others = [d for d in docs if d["kind"] != "CustomResourceDefinition"]
        write(os.path.join(base, "crds.yaml"), crds)
        write(os.path.join(base, "operator.yaml"), others)
        write(os.path.join(base, "kustomization.yaml"),
              [{"resources": ["crds.yaml", "operator.yaml"]}])
        overlay = os.path.join(args.out, "addons", name, "overlays", "prod")
        write(os.path.join(overlay, "patch.yaml"), [{
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": f"{name}-controller"},
            "spec": {"template": {"spec": {"containers": [{
                "name": "manager",
                "resources": {"limits": {"cpu": "1", "memory": "512Mi"}},
            }]}}},
        }])
        write(os.path.join(overlay, "kustomization.yaml"), [{
            "namespace": f"{name}-system",
            "labels": [{"pairs": {"platform.example.io/addon": name},
                        "includeSelectors": False}],
            "resources": ["../../base"],
            "images": [{"name": f"ghcr.io/example/{name}", "newTag": "v1.2.3"}],
            "replicas": [{"name": f"{name}-controller", "count": 2}],
            "patches": [{"path": "patch.yaml"}],
            "configMapGenerator": [{"name": f"{name}-settings",
                                    "literals": ["cluster=prod", "region=eu-west-1"]}],
        }])
    root = os.path.join(args.out, "clusters", "prod")
    write(os.path.join(root, "namespaces.yaml"), [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
        for ns in ("monitoring", "ingress", "platform-system", "tenants")])
    write(os.path.join(root, "kustomization.yaml"), [{
        "commonAnnotations": {"platform.example.io/cluster": "prod"},
        "resources": ["namespaces.yaml"]
        + [f"../../addons/{name}/overlays/prod" for name in names],
    }])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generate kustomize-core/src/smp/builtin_schema.rs from a Kubernetes OpenAPI v2 document.

Usage:
    gen_merge_keys.py SWAGGER_JSON [--source TEXT] > kustomize-core/src/smp/builtin_schema.rs

SWAGGER_JSON is any JSON document with a top-level `definitions` map in OpenAPI v2 form
(a Kubernetes `swagger.json`, or the JSON bundle kustomize compiles from it).  Kustomize
5.5 merges patches with the schema of Kubernetes v1.21.2, so that is the version to feed
in.  `--source` is a line recorded in the generated header to say where the input came from.

The table keeps only what kyaml's merge walker and apimachinery's strategic merge patch
read: for every type from which a list or object with a patch strategy can be reached, the
fields leading there (object references, lists with their `x-kubernetes-patch-strategy` and
merge keys, and object references with a strategy of their own), and the
mapping from each `x-kubernetes-group-version-kind` to its root type.  Fields left out are
plain (known to the schema, nothing strategic beneath them).
"""

import argparse
import hashlib
import json
import sys

REF_PREFIX = "#/definitions/"


def ref_name(schema):
    """Name of the definition a `$ref` schema points at, or None."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith(REF_PREFIX):
        return ref[len(REF_PREFIX):]
    return None


def merge_keys(prop):
    """Merge keys as kyaml reads them: list-map-keys first, else the patch merge key."""
    if isinstance(prop.get("x-kubernetes-list-map-keys"), list):
        return [str(k) for k in prop["x-kubernetes-list-map-keys"]]
    if isinstance(prop.get("x-kubernetes-patch-merge-key"), str):
        return [prop["x-kubernetes-patch-merge-key"]]
    return []


def is_merge_strategy(strategy):
    return strategy is not None and "merge" in strategy.split(",")


class Shapes:
    """Classifies property schemas and finds which types lead to strategic lists."""

    def __init__(self, definitions):
        self.defs = definitions
        self.interesting = set()
        changed = True
        while changed:
            changed = False
            for name, schema in definitions.items():
                if name in self.interesting:
                    continue
                props = schema.get("properties") or {}
                if any(self.shape(p) is not None for p in props.values()):
                    self.interesting.add(name)
                    changed = True

    def target(self, schema):
        """The interesting type a schema refers to (directly), or None."""
        name = ref_name(schema)
        return name if name in self.interesting else None

    def shape(self, prop):
        """Rust shape literal for a property, or None when nothing strategic is beneath it."""
        if not isinstance(prop, dict):
            return None
        target = self.target(prop)
        strategy = prop.get("x-kubernetes-patch-strategy")
        if ref_name(prop) is not None and strategy is not None:
            # An object field with a strategy of its own (`retainKeys`, `replace`).
            return 'S::Map { strategy: "%s", ty: "%s" }' % (strategy, target or "")
        if target is not None:
            return 'S::Object("%s")' % target
        if prop.get("type") != "array":
            add = prop.get("additionalProperties")
            add_target = self.target(add) if isinstance(add, dict) else None
            if add_target is not None:
                # No Kubernetes v1.21 type has one; the Rust table has no shape for it.
                sys.exit("unsupported: map of strategic type %s" % add_target)
            return None
        items = prop.get("items")
        item_target = self.target(items) if isinstance(items, dict) else None
        # Lists without a merge strategy are replaced whole; their elements are never walked.
        if is_merge_strategy(strategy):
            keys = ", ".join('"%s"' % k for k in merge_keys(prop))
            return 'S::List { strategy: "%s", keys: &[%s], items: %s }' % (
                strategy,
                keys,
                '"%s"' % item_target if item_target else '""',
            )
        return None


def gvk_roots(definitions):
    """(group, version, kind, definition) for every GVK extension, sorted."""
    roots = {}
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or []:
            key = (gvk.get("group", ""), gvk["version"], gvk["kind"])
            roots[key] = name
    return sorted((g, v, k, n) for (g, v, k), n in roots.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("swagger")
    parser.add_argument("--source", default="")
    args = parser.parse_args()
    with open(args.swagger, "rb") as f:
        raw = f.read()
    doc = json.loads(raw)
    definitions = doc["definitions"]
    shapes = Shapes(definitions)
    roots = gvk_roots(definitions)
    versions = sorted({s.get("kubernetesVersion", "") for s in doc.get("sources", [])} - {""})
    info = doc.get("info", {}).get("version", "")

    out = sys.stdout
    out.write("// @generated by kustomize-core/tools/gen_merge_keys.py -- do not edit.\n")
    out.write("//\n")
    out.write("// Input: Kubernetes OpenAPI v2 definitions, version %s\n" % (", ".join(versions) or info or "unknown"))
    if args.source:
        out.write("// Source: %s\n" % args.source)
    out.write("// Input SHA-256: %s\n" % hashlib.sha256(raw).hexdigest())
    out.write("// Regenerate: python3 kustomize-core/tools/gen_merge_keys.py SWAGGER_JSON --source TEXT \\\n")
    out.write("//     > kustomize-core/src/smp/builtin_schema.rs\n")
    out.write("\n")
    out.write("//! Patch strategies and merge keys of the built-in Kubernetes types (v1.21.2, the\n")
    out.write("//! schema Kustomize 5.5 merges with), and the root type of each group/version/kind.\n\n")
    out.write("use super::schema::{FieldEntry as F, Shape as S, TypeEntry as T};\n\n")
    out.write("/// Types from which a list or object with a patch strategy can be reached, with the fields\n")
    out.write("/// leading there.\n")
    out.write("pub(super) static TYPES: &[T] = &[\n")
    needed = set(shapes.interesting) | {n for (_, _, _, n) in roots}
    for name in sorted(needed):
        props = definitions[name].get("properties") or {}
        fields = []
        for pname in sorted(props):
            shape = shapes.shape(props[pname])
            if shape is not None:
                fields.append('F { name: "%s", shape: %s }' % (pname, shape))
        out.write('    T { name: "%s", fields: &[%s] },\n' % (name, ", ".join(fields)))
    out.write("];\n\n")
    out.write("/// `(group, version, kind, root type)` for every `x-kubernetes-group-version-kind`.\n")
    out.write("pub(super) static GVKS: &[(&str, &str, &str, &str)] = &[\n")
    for g, v, k, n in roots:
        out.write('    ("%s", "%s", "%s", "%s"),\n' % (g, v, k, n))
    out.write("];\n")


if __name__ == "__main__":
    main()

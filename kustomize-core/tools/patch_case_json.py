#!/usr/bin/env python3
"""Turn a kustomize test case whose kustomization only lists resource files and
patches into JSON, so patch code can be checked against the oracle's output
without a YAML parser.

Usage: patch_case_json.py CASE_DIR...

Each CASE_DIR holds `input/` (with `kustomization.yaml`) and `expected.yaml` (the
output of `kubectl kustomize input`), as the conformance corpus and
kustomize-core/tests/fixtures/smp-* do.  With one CASE_DIR, prints one JSON object;
with several, a JSON map from each CASE_DIR to its object.  The object is

  {"resources": [...], "patches": [...], "openapi": {...} | null,
   "expected": [...]}   (or "expected_error": "text" when the oracle fails)

where each resource is {"doc": {...}} or {"layer": {...}} (a directory resource: the
same object without "expected"), each patch is {"type": "smp" | "json6902", "patch": ..., "target": {...} | null,
"options": {...}}, in the order kustomize applies them (patchesStrategicMerge,
then patchesJson6902, then patches).  Prints {"unsupported": "why"} for a case
that needs more than that (generators, transformers, bases, label selectors, ...).
"""

import json
import os
import re
import sys

import yaml


class Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, as kyaml reads them."""


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
# Timestamps stay strings, as in kyaml.
for k in list(Loader.yaml_implicit_resolvers):
    Loader.yaml_implicit_resolvers[k] = [
        (tag, rx) for tag, rx in Loader.yaml_implicit_resolvers[k] if tag != "tag:yaml.org,2002:timestamp"
    ]

ALLOWED = {
    "apiVersion", "kind", "resources", "patches", "patchesStrategicMerge",
    "patchesJson6902", "openapi",
}


class Unsupported(Exception):
    pass


def docs(text):
    return [d for d in yaml.load_all(text, Loader=Loader) if d is not None]


def read(base, path):
    full = os.path.join(base, path)
    if not os.path.isfile(full):
        raise Unsupported("not a file: %s" % path)
    with open(full) as f:
        return f.read()


def patch_entries(base, text, target, options):
    """Patches in one file or inline string: a JSON 6902 list, or SMP documents."""
    loaded = docs(text)
    if len(loaded) == 1 and isinstance(loaded[0], list):
        if target is None:
            raise Unsupported("json6902 patch without target")
        return [{"type": "json6902", "patch": loaded[0], "target": target, "options": options}]
    out = []
    for d in loaded:
        if not isinstance(d, dict):
            raise Unsupported("patch document is not a map")
        out.append({"type": "smp", "patch": d, "target": target, "options": options})
    return out


def check_target(target):
    if target is None:
        return None
    for k in target:
        if k not in ("group", "version", "kind", "name", "namespace", "labelSelector"):
            raise Unsupported("target selector %s" % k)
    return target


def layer(base):
    """One kustomization: its resources (documents, or nested layers for
    directories) and its patches."""
    k = docs(read(base, "kustomization.yaml"))[0]
    extra = set(k) - ALLOWED
    if extra:
        raise Unsupported("kustomization fields %s" % sorted(extra))
    resources = []
    for r in k.get("resources") or []:
        if os.path.isdir(os.path.join(base, r)):
            resources.append({"layer": layer(os.path.join(base, r))})
            continue
        for d in docs(read(base, r)):
            if str(d.get("kind", "")).endswith("List"):
                raise Unsupported("List resource")
            resources.append({"doc": d})
    patches = []
    for p in k.get("patchesStrategicMerge") or []:
        text = p if "\n" in p or ":" in p else read(base, p)
        patches += patch_entries(base, text, None, {})
    for p in k.get("patchesJson6902") or []:
        text = p["patch"] if "patch" in p else read(base, p["path"])
        patches += patch_entries(base, text, check_target(p.get("target")), {})
    for p in k.get("patches") or []:
        text = p["patch"] if "patch" in p else read(base, p["path"])
        patches += patch_entries(base, text, check_target(p.get("target")), p.get("options") or {})
    openapi = None
    if "openapi" in k:
        if "path" not in k["openapi"]:
            raise Unsupported("openapi version")
        openapi = docs(read(base, k["openapi"]["path"]))[0]
    return {"resources": resources, "patches": patches, "openapi": openapi}


def case(case_dir):
    base = os.path.join(case_dir, "input")
    cmd_path = os.path.join(case_dir, "cmd")
    if os.path.exists(cmd_path):
        with open(cmd_path) as f:
            parts = f.read().split()
        if parts and parts[0] != ".":
            base = os.path.join(base, parts[0])
        if len(parts) > 1:
            raise Unsupported("flags")
    expected_path = os.path.join(case_dir, "expected.yaml")
    error_path = os.path.join(case_dir, "expected.err")
    out = layer(base)
    if os.path.exists(expected_path):
        with open(expected_path) as f:
            out["expected"] = docs(f.read())
    elif os.path.exists(error_path):
        with open(error_path) as f:
            out["expected_error"] = f.read()
    else:
        raise Unsupported("no expected.yaml or expected.err")
    return out


def convert(case_dir):
    try:
        return case(case_dir)
    except Unsupported as e:
        return {"unsupported": str(e)}
    except (yaml.YAMLError, KeyError, TypeError, AttributeError, IndexError) as e:
        return {"unsupported": "unreadable: %s" % e}


def main():
    dirs = sys.argv[1:]
    if len(dirs) == 1:
        json.dump(convert(dirs[0]), sys.stdout, indent=1, sort_keys=True)
    else:
        json.dump({d: convert(d) for d in dirs}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

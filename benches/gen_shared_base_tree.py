#!/usr/bin/env python3
"""Generate a Kustomize tree whose overlays share one base and one component.

    OUT/
      kustomization.yaml            resources: every overlay
      base/                         SERVICES Deployments, Services and ConfigMaps
                                    in three files
      components/monitoring/        a Component: a resource file and a patch
      overlays/oNNN/                namePrefix, namespace, labels; resources:
                                    [../../base], components: [monitoring]

Building OUT reads the base's and the component's files once per overlay
unless the build shares parsed files. Output is a pure function of the
arguments.

Usage:
    gen_shared_base_tree.py --overlays N --services M --out DIR
"""

import argparse
import os
import shutil


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def deployment(i):
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{i:03d}
  labels:
    app: svc-{i:03d}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: svc-{i:03d}
  template:
    metadata:
      labels:
        app: svc-{i:03d}
    spec:
      serviceAccountName: default
      containers:
      - name: app
        image: registry.example.com/shop/svc-{i:03d}:1.{i}.0
        args: ["--port=8080", "--log-level=info"]
        ports:
        - name: http
          containerPort: 8080
        env:
        - name: SERVICE
          value: svc-{i:03d}
        - name: REGION
          value: eu-west-1
        envFrom:
        - configMapRef:
            name: svc-{i:03d}-config
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{cpu: "1", memory: 512Mi}}
        readinessProbe:
          httpGet: {{path: /ready, port: http}}
          periodSeconds: 5
        livenessProbe:
          httpGet: {{path: /live, port: http}}
          initialDelaySeconds: 10
"""


def service(i):
    return f"""apiVersion: v1
kind: Service
metadata:
  name: svc-{i:03d}
spec:
  selector:
    app: svc-{i:03d}
  ports:
  - name: http
    port: 80
    targetPort: http
"""


def config_map(i):
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: svc-{i:03d}-config
data:
  LOG_FORMAT: json
  FEATURE_FLAGS: "checkout,search,recommendations"
  UPSTREAM: http://svc-{(i + 1):03d}
"""


def generate(overlays, services, out):
    if os.path.exists(out):
        shutil.rmtree(out)
    svcs = range(services)
    write(f"{out}/base/kustomization.yaml",
          "resources:\n- deployments.yaml\n- services.yaml\n- configmaps.yaml\n")
    write(f"{out}/base/deployments.yaml", "---\n".join(deployment(i) for i in svcs))
    write(f"{out}/base/services.yaml", "---\n".join(service(i) for i in svcs))
    write(f"{out}/base/configmaps.yaml", "---\n".join(config_map(i) for i in svcs))
    write(f"{out}/components/monitoring/kustomization.yaml", """apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources:
- monitor.yaml
patches:
- target:
    kind: Deployment
  patch: |
    - op: add
      path: /spec/template/metadata/annotations
      value:
        prometheus.io/scrape: "true"
""")
    write(f"{out}/components/monitoring/monitor.yaml", """apiVersion: v1
kind: ConfigMap
metadata:
  name: scrape-config
data:
  interval: 30s
""")
    names = [f"o{n:03d}" for n in range(overlays)]
    for name in names:
        write(f"{out}/overlays/{name}/kustomization.yaml", f"""namePrefix: {name}-
namespace: {name}
labels:
- pairs:
    overlay: {name}
resources:
- ../../base
components:
- ../../components/monitoring
""")
    write(f"{out}/kustomization.yaml",
          "resources:\n" + "".join(f"- overlays/{n}\n" for n in names))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--overlays", type=int, required=True)
    ap.add_argument("--services", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    generate(args.overlays, args.services, args.out)


if __name__ == "__main__":
    main()

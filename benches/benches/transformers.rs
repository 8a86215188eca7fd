//! 10,000 resources through every builtin transformer, one build per
//! iteration (in memory, no disk): namespace, prefix and suffix, labels,
//! annotations, images, replicas, strategic merge and JSON 6902 patches,
//! replacements, a ValueAddTransformer, name references and generators.
//! Each transformer must stay linear: the namespace transformer once took
//! 39 s on this shape.
use criterion::{Criterion, criterion_group, criterion_main};
use kustomize_core::fs::MemFs;
use kustomize_core::{BuildOptions, build};
use std::fmt::Write;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

/// Resources in the tree: a quarter each of Deployments, Services,
/// ConfigMaps and RoleBindings.
const RESOURCES: usize = 10_000;

const KUSTOMIZATION: &str = r#"namespace: prod
namePrefix: p-
nameSuffix: -s
commonLabels:
  team: blue
labels:
- pairs:
    tier: web
  includeSelectors: false
commonAnnotations:
  owner: platform
images:
- name: nginx
  newName: registry.example.com/nginx
  newTag: "1.27"
replicas:
- name: app-0
  count: 3
resources:
- all.yaml
configMapGenerator:
- name: settings
  literals: [mode=prod]
patches:
- target:
    kind: Deployment
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: any
    spec:
      template:
        spec:
          containers:
          - name: app
            env:
            - name: MODE
              value: prod
- target:
    kind: Service
  patch: |-
    - op: add
      path: /metadata/annotations/patched
      value: "yes"
replacements:
- source:
    kind: ConfigMap
    name: settings
    fieldPath: data.mode
  targets:
  - select:
      kind: ConfigMap
    fieldPaths: [data.mode]
    options:
      create: true
transformers:
- |-
  apiVersion: builtin
  kind: ValueAddTransformer
  metadata:
    name: stamp
  value: v1
  targets:
  - selector:
      kind: Deployment
    fieldPath: metadata/annotations/release
"#;

/// The tree's resource file: Deployments using ConfigMaps, Services and
/// RoleBindings naming ServiceAccount subjects.
fn resources() -> String {
    let mut out = String::new();
    for i in 0..RESOURCES / 4 {
        write!(
            out,
            "---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
spec:
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
    spec:
      containers:
      - name: app
        image: nginx:1.25
        envFrom:
        - configMapRef:
            name: config-{i}
---
apiVersion: v1
kind: Service
metadata:
  name: app-{i}
spec:
  selector:
    app: app-{i}
  ports:
  - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: config-{i}
data:
  key: value-{i}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: bind-{i}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: ServiceAccount
  name: default
"
        )
        .expect("writing to a String");
    }
    out
}

fn every_transformer(c: &mut Criterion) {
    let mut fs = MemFs::new();
    fs.add_file("/tree/kustomization.yaml", KUSTOMIZATION);
    fs.add_file("/tree/all.yaml", resources());
    let fs = Arc::new(fs);
    let options = BuildOptions::default();
    let dir = Path::new("/tree");
    let built = build(fs.clone(), dir, &options).expect("the tree builds");
    // Every resource plus the generated ConfigMap.
    assert_eq!(built.resources.len(), RESOURCES + 1);
    let mut group = c.benchmark_group("render/transformers");
    group.sample_size(10);
    group.bench_function(format!("every_transformer_n{RESOURCES}"), |b| {
        b.iter(|| build(black_box(fs.clone()), dir, &options))
    });
    group.finish();
}

criterion_group!(benches, every_transformer);
criterion_main!(benches);

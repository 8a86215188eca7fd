//! `edit fix --vars`: the cases of kustomize 5.5's
//! `kustomize/commands/edit/fix/convert_test.go` (inputs and expected file
//! contents), run through `fix` then `convert_vars` as the command runs
//! them.

use super::{ConvertedVars, EditError, convert_vars, fix};
use crate::fs::{FileSystem, MemFs};
use std::path::Path;

const DIR: &str = "/k";

/// `fix` then `convert_vars` on /k/kustomization.yaml of `files`.
fn run(files: &[(&str, &str)]) -> Result<ConvertedVars, EditError> {
    let mut fs = MemFs::new();
    for (path, text) in files {
        fs.add_file(Path::new(DIR).join(path), text);
    }
    let dir = Path::new(DIR);
    let text = String::from_utf8(fs.read(&dir.join("kustomization.yaml")).unwrap()).unwrap();
    let fixed = fix(&text, |p| {
        fs.is_file(&crate::fs::normalize(dir, Path::new(p)))
    })?;
    convert_vars(&fixed, &fs, dir)
}

/// The kustomization's data (order of keys aside).
fn data(text: &str) -> serde_json::Value {
    crate::yaml::parse_document(text).unwrap()
}

/// The changed files as text.
fn changed(out: &ConvertedVars) -> Vec<(&str, &str)> {
    out.files
        .iter()
        .map(|(p, b)| (p.as_str(), std::str::from_utf8(b).unwrap()))
        .collect()
}

const HEAD: &str = "
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
- pod.yaml
";

const VARS: &str = "
vars:
- name: SOME_SECRET_NAME
  objref:
    kind: Secret
    name: my-secret
    apiVersion: v1
";

const SOURCE: &str = "
replacements:
- source:
    kind: Secret
    name: my-secret
    version: v1
  targets:
";

/// A pod whose container's env value is `value`.
fn pod(value: &str) -> String {
    format!(
        "
apiVersion: v1
kind: Pod
metadata:
  name: my-pod
spec:
  containers:
  - image: myimage
    name: hello
    env:
    - name: SECRET_TOKEN
      value: {value}
"
    )
}

#[test]
fn simple_and_delimited_values() {
    // TestFixVarsSimple, TestFixVarsDelimiterPrefix, ...Suffix, ...Delimiter.
    for (value, options, placeholder) in [
        ("$(SOME_SECRET_NAME)", "", "SOME_SECRET_NAME_PLACEHOLDER"),
        (
            "$(SOME_SECRET_NAME)/path",
            "    options:\n      delimiter: /\n",
            "SOME_SECRET_NAME_PLACEHOLDER/path",
        ),
        (
            "path/$(SOME_SECRET_NAME)",
            "    options:\n      delimiter: /\n      index: 1\n",
            "path/SOME_SECRET_NAME_PLACEHOLDER",
        ),
        (
            "my/path/$(SOME_SECRET_NAME)/secret/path",
            "    options:\n      delimiter: /\n      index: 2\n",
            "my/path/SOME_SECRET_NAME_PLACEHOLDER/secret/path",
        ),
    ] {
        let out = run(&[
            ("kustomization.yaml", &format!("{HEAD}{VARS}")),
            ("pod.yaml", &pod(value)),
        ])
        .unwrap();
        assert_eq!(
            out.kustomization,
            format!(
                "{HEAD}{SOURCE}  - fieldPaths:\n    - spec.containers.0.env.0.value\n{options}    select:\n      kind: Pod\n      name: my-pod\n      version: v1\n"
            )
        );
        let want = pod(placeholder);
        assert_eq!(changed(&out), [("pod.yaml", want.as_str())]);
    }
}

#[test]
fn a_usage_without_delimiters_is_an_error_and_nothing_is_written() {
    // TestFixVarsNotDelimited.
    let err = run(&[
        ("kustomization.yaml", &format!("{HEAD}{VARS}")),
        ("pod.yaml", &pod("var$(SOME_SECRET_NAME)/path")),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error with pod.yaml: cannot convert all vars to replacements; $(SOME_SECRET_NAME) is not delimited"
    );
    assert!(matches!(err, EditError::VarUsage { .. }));
}

const LABELLED_POD: &str = "
apiVersion: v1
kind: Pod
metadata:
  name: my-pod
  labels:
    foo: $(SOME_SECRET_NAME)
spec:
  containers:
  - image: myimage
    name: hello
";

/// A patch of a pod named `name` (kind `kind`) with an env value from the var.
fn patch(kind: &str, name: &str) -> String {
    format!(
        "
apiVersion: v1
kind: {kind}
metadata:
  name: {name}
spec:
  containers:
  - image: myimage
    name: hello
    env:
    - name: SECRET_TOKEN
      value: $(SOME_SECRET_NAME)
"
    )
}

const PATCH_TARGET: &str = "
patches:
- path: patch.yaml
  target:
    kind: Pod
    name: my-pod
";

#[test]
fn usages_in_patches_select_what_the_patch_selects() {
    // TestFixVarsWithPatchBasic and TestFixVarsWithPatchDifferentName: the
    // target from the patch is the patch's target, whatever the patch names.
    for name in ["my-pod", "doesnt-matter"] {
        let out = run(&[
            ("kustomization.yaml", &format!("{HEAD}{PATCH_TARGET}{VARS}")),
            ("pod.yaml", LABELLED_POD),
            ("patch.yaml", &patch("Pod", name)),
        ])
        .unwrap();
        assert_eq!(
            out.kustomization,
            format!(
                "{HEAD}{PATCH_TARGET}{SOURCE}  - fieldPaths:\n    - metadata.labels.foo\n    select:\n      kind: Pod\n      name: my-pod\n      version: v1\n  - fieldPaths:\n    - spec.containers.0.env.0.value\n    select:\n      kind: Pod\n      name: my-pod\n"
            )
        );
        let pod = LABELLED_POD.replace("$(SOME_SECRET_NAME)", "SOME_SECRET_NAME_PLACEHOLDER");
        let patch =
            patch("Pod", name).replace("$(SOME_SECRET_NAME)", "SOME_SECRET_NAME_PLACEHOLDER");
        assert_eq!(
            changed(&out),
            [("pod.yaml", pod.as_str()), ("patch.yaml", patch.as_str())]
        );
    }
}

const TWO_PODS: &str = "
apiVersion: v1
kind: Pod
metadata:
  name: my-pod-1
spec:
  containers:
  - image: myimage
    name: hello
---
apiVersion: v1
kind: Pod
metadata:
  name: my-pod-2
spec:
  containers:
  - image: myimage
    name: hello
";

#[test]
fn patches_that_change_names_or_kinds_select_the_patch_object() {
    // TestFixVarsWithPatchNameChange, TestFixVarsWithPatchMultipleResources,
    // TestFixVarsWithPatchMultipleResourcesAndKindChange. kustomize
    // re-emits the patches entry with sorted keys; ours keeps its order, so
    // the kustomization is compared as data.
    let plain_pod = "
apiVersion: v1
kind: Pod
metadata:
  name: my-pod
spec:
  containers:
  - image: myimage
    name: hello
";
    for (patches, resource, kind, want_patches, select) in [
        (
            PATCH_TARGET.to_owned() + "  options:\n    allowNameChange: true\n",
            plain_pod,
            "Pod",
            "\npatches:\n- options:\n    allowNameChange: true\n  path: patch.yaml\n  target:\n    kind: Pod\n    name: my-pod\n",
            "      kind: Pod\n      name: doesnt-matter\n",
        ),
        (
            "\npatches:\n- path: patch.yaml\n  target:\n    kind: Pod\n".to_owned(),
            TWO_PODS,
            "Pod",
            "\npatches:\n- path: patch.yaml\n  target:\n    kind: Pod\n",
            "      kind: Pod\n",
        ),
        (
            "\npatches:\n- path: patch.yaml\n  target:\n    kind: Pod\n  options:\n    allowKindChange: true\n"
                .to_owned(),
            TWO_PODS,
            "Custom",
            "\npatches:\n- options:\n    allowKindChange: true\n  path: patch.yaml\n  target:\n    kind: Pod\n",
            "      kind: Custom\n",
        ),
    ] {
        let out = run(&[
            ("kustomization.yaml", &format!("{HEAD}{patches}{VARS}")),
            ("pod.yaml", resource),
            ("patch.yaml", &patch(kind, "doesnt-matter")),
        ])
        .unwrap();
        let want = format!(
            "{HEAD}{want_patches}{SOURCE}  - fieldPaths:\n    - spec.containers.0.env.0.value\n    select:\n{select}"
        );
        assert_eq!(data(&out.kustomization), data(&want), "{}", out.kustomization);
        assert!(out.kustomization.starts_with(&format!("{HEAD}{patches}")));
        let patch = patch(kind, "doesnt-matter")
            .replace("$(SOME_SECRET_NAME)", "SOME_SECRET_NAME_PLACEHOLDER");
        assert_eq!(changed(&out), [("patch.yaml", patch.as_str())]);
    }
}

#[test]
fn resources_of_a_base_are_scanned() {
    // TestFixVarsWithOverlay.
    let overlay = "
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
- base
";
    let base = "
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
- pod.yaml
";
    let pod = "
apiVersion: v1
kind: Pod
metadata:
  name: my-pod
spec:
  containers:
    - image: myimage
      name: hello
      env:
        - name: SECRET_TOKEN
          value: $(SOME_SECRET_NAME)
";
    let out = run(&[
        ("kustomization.yaml", &format!("{overlay}{VARS}")),
        ("base/kustomization.yaml", base),
        ("base/pod.yaml", pod),
    ])
    .unwrap();
    assert_eq!(
        out.kustomization,
        format!(
            "{overlay}{SOURCE}  - fieldPaths:\n    - spec.containers.0.env.0.value\n    select:\n      kind: Pod\n      name: my-pod\n      version: v1\n"
        )
    );
    let pod = pod.replace("$(SOME_SECRET_NAME)", "SOME_SECRET_NAME_PLACEHOLDER");
    assert_eq!(changed(&out), [("base/pod.yaml", pod.as_str())]);
}

#[test]
fn keys_with_dots_are_bracketed() {
    // TestFixVarsWithDot.
    let pod = "
apiVersion: v1
kind: Pod
metadata:
  name: my-pod
  annotations:
    a.b.c: $(SOME_SECRET_NAME)
";
    let out = run(&[
        ("kustomization.yaml", &format!("{HEAD}{VARS}")),
        ("pod.yaml", pod),
    ])
    .unwrap();
    assert_eq!(
        out.kustomization,
        format!(
            "{HEAD}{SOURCE}  - fieldPaths:\n    - metadata.annotations.[a.b.c]\n    select:\n      kind: Pod\n      name: my-pod\n      version: v1\n"
        )
    );
    let pod = pod.replace("$(SOME_SECRET_NAME)", "SOME_SECRET_NAME_PLACEHOLDER");
    assert_eq!(changed(&out), [("pod.yaml", pod.as_str())]);
}

#[test]
fn strategic_merge_patch_files_are_scanned_after_the_fix() {
    // TestFixVarsWithPatch: patchesStrategicMerge becomes patches first;
    // a var with a field and no kind. kustomize re-emits the whole file;
    // ours keeps the layout, so the kustomization is compared as data.
    let kustomization = "
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

patchesStrategicMerge:
  - patch.yaml

vars:
  - name: CERTIFICATE_NAMESPACE
    objref:
      name: system
    fieldref:
      fieldpath: metadata.namespace
";
    let patch = "
apiVersion: apps/v1
kind: Deployment
metadata:
  name: controller-manager
  namespace: system
spec:
  template:
    spec:
      containers:
        - name: $(CERTIFICATE_NAMESPACE)
";
    let out = run(&[("kustomization.yaml", kustomization), ("patch.yaml", patch)]).unwrap();
    let want = "
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization


patches:
- path: patch.yaml
replacements:
- source:
    fieldPath: metadata.namespace
    name: system
  targets:
  - fieldPaths:
    - spec.template.spec.containers.0.name
    select:
      namespace: system
";
    assert_eq!(
        data(&out.kustomization),
        data(want),
        "{}",
        out.kustomization
    );
    let patch = patch.replace(
        "$(CERTIFICATE_NAMESPACE)",
        "CERTIFICATE_NAMESPACE_PLACEHOLDER",
    );
    assert_eq!(changed(&out), [("patch.yaml", patch.as_str())]);
}

/// The cases above with the var's source object added, so that they build
/// (the var of the `patchesStrategicMerge` case gets a kind: without one
/// it matches no object; and its object a namespace other than the
/// patch's, which the target from the patch selects); the last one is the case whose output kustomize's
/// conversion changes.
fn buildable_cases() -> Vec<Vec<(String, String)>> {
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: my-secret\ntype: Opaque\n";
    let own = |files: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = files
            .iter()
            .map(|(p, t)| {
                (
                    p.to_string(),
                    t.replace("- pod.yaml\n", "- pod.yaml\n- secret.yaml\n"),
                )
            })
            .collect();
        let dir = if files.iter().any(|(p, _)| p.starts_with("base/")) {
            "base/"
        } else {
            ""
        };
        files.push((format!("{dir}secret.yaml"), secret.to_owned()));
        files
    };
    let k = format!("{HEAD}{VARS}");
    let mut cases: Vec<_> = [
        "$(SOME_SECRET_NAME)",
        "$(SOME_SECRET_NAME)/path",
        "path/$(SOME_SECRET_NAME)",
        "my/path/$(SOME_SECRET_NAME)/secret/path",
    ]
    .into_iter()
    .map(|v| own(&[("kustomization.yaml", &k), ("pod.yaml", &pod(v))]))
    .collect();
    for name in ["my-pod", "doesnt-matter"] {
        cases.push(own(&[
            ("kustomization.yaml", &format!("{HEAD}{PATCH_TARGET}{VARS}")),
            ("pod.yaml", LABELLED_POD),
            ("patch.yaml", &patch("Pod", name)),
        ]));
    }
    cases.push(own(&[
        (
            "kustomization.yaml",
            &format!("{HEAD}{PATCH_TARGET}  options:\n    allowNameChange: true\n{VARS}"),
        ),
        ("pod.yaml", &pod("x")),
        ("patch.yaml", &patch("Pod", "doesnt-matter")),
    ]));
    cases.push(own(&[
        (
            "kustomization.yaml",
            &format!("{HEAD}\npatches:\n- path: patch.yaml\n  target:\n    kind: Pod\n{VARS}"),
        ),
        ("pod.yaml", TWO_PODS),
        ("patch.yaml", &patch("Pod", "doesnt-matter")),
    ]));
    cases.push(own(&[
        (
            "kustomization.yaml",
            &format!("\nresources:\n- base\n{VARS}"),
        ),
        ("base/kustomization.yaml", "resources:\n- pod.yaml\n"),
        ("base/pod.yaml", &pod("$(SOME_SECRET_NAME)")),
    ]));
    cases.push(own(&[
        ("kustomization.yaml", &k),
        ("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: my-pod\n  annotations:\n    a.b.c: $(SOME_SECRET_NAME)\n"),
    ]));
    cases.push(vec![
        ("kustomization.yaml".into(), "resources:\n- ns.yaml\n- deploy.yaml\npatchesStrategicMerge:\n  - patch.yaml\nvars:\n  - name: CERTIFICATE_NAMESPACE\n    objref:\n      kind: ConfigMap\n      name: system\n      apiVersion: v1\n    fieldref:\n      fieldpath: metadata.namespace\n".into()),
        ("ns.yaml".into(), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: system\n  namespace: other\n".into()),
        ("deploy.yaml".into(), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller-manager\n  namespace: system\nspec:\n  template:\n    spec:\n      containers:\n        - name: manager\n          image: m\n          args: [--ns=$(CERTIFICATE_NAMESPACE)]\n".into()),
        ("patch.yaml".into(), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller-manager\n  namespace: system\nspec:\n  template:\n    spec:\n      containers:\n        - name: manager\n          env:\n          - name: NS\n            value: $(CERTIFICATE_NAMESPACE)\n".into()),
    ]);
    cases.push(own(&[
        ("kustomization.yaml", &format!("{HEAD}\npatches:\n- path: patch.yaml\n  target:\n    kind: Pod\n  options:\n    allowKindChange: true\n{VARS}")),
        ("pod.yaml", TWO_PODS),
        ("patch.yaml", &patch("Custom", "doesnt-matter")),
    ]));
    cases
}

/// What `kubectl kustomize` prints for the tree `files` (None without kubectl).
fn kubectl(files: &MemFs) -> Option<String> {
    let tmp = tempfile::tempdir().unwrap();
    let mut stack = vec![Path::new(DIR).to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in files.read_dir(&dir).unwrap() {
            if files.is_file(&entry) {
                let to = tmp.path().join(entry.strip_prefix(DIR).unwrap());
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::write(to, files.read(&entry).unwrap()).unwrap();
            } else {
                stack.push(entry);
            }
        }
    }
    let out = std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(tmp.path())
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn converted_trees_render_as_before() {
    // The second oracle: the tree before and after the conversion renders
    // the same, with this crate and with `kubectl kustomize` (when
    // installed), except where kustomize's conversion changes the output:
    // a patch that turns Pods into `Custom` objects leaves the var unused
    // (vars are only replaced in the fields of known kinds), and the
    // replacement targets those objects.
    let cases = buildable_cases();
    let last = cases.len() - 1;
    for (i, files) in cases.into_iter().enumerate() {
        let pairs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let out = run(&pairs).unwrap();
        let mut before = MemFs::new();
        for (path, text) in &files {
            before.add_file(Path::new(DIR).join(path), text);
        }
        let mut after = before.clone();
        after.add_file(
            Path::new(DIR).join("kustomization.yaml"),
            &out.kustomization,
        );
        for (path, bytes) in &out.files {
            after.add_file(Path::new(DIR).join(path), bytes);
        }
        let render = |fs: &MemFs| {
            crate::build(
                std::sync::Arc::new(fs.clone()),
                Path::new(DIR),
                &Default::default(),
            )
            .unwrap_or_else(|e| panic!("{e}\n{files:?}"))
            .to_yaml()
        };
        let (old, new) = (render(&before), render(&after));
        if i == last {
            assert_eq!(new, old.replace("$(SOME_SECRET_NAME)", "my-secret"));
            assert_ne!(new, old);
        } else {
            assert_eq!(new, old, "{}", out.kustomization);
        }
        if let (Some(k_old), Some(k_new)) = (kubectl(&before), kubectl(&after)) {
            assert_eq!(k_old, old);
            assert_eq!(k_new, new);
        }
    }
}

#[test]
fn without_vars_nothing_changes_and_existing_replacements_are_kept() {
    let text = "resources:\n- pod.yaml\n";
    let out = run(&[("kustomization.yaml", text), ("pod.yaml", &pod("$(A)"))]).unwrap();
    assert_eq!(
        out.kustomization,
        format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n{text}")
    );
    assert!(out.files.is_empty());
    // kustomize drops existing replacements; they are kept, the new ones after.
    let text = "resources:\n- pod.yaml\nreplacements:\n- path: r.yaml\nvars:\n- name: A\n  objref: {kind: Secret, name: s, apiVersion: v1}\n  fieldref: {fieldPath: data.x}\n";
    let out = run(&[("kustomization.yaml", text), ("pod.yaml", &pod("$(A)"))]).unwrap();
    assert_eq!(
        out.kustomization,
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- pod.yaml\nreplacements:\n- path: r.yaml\n- source:\n    fieldPath: data.x\n    kind: Secret\n    name: s\n    version: v1\n  targets:\n  - fieldPaths:\n    - spec.containers.0.env.0.value\n    select:\n      kind: Pod\n      name: my-pod\n      version: v1\n"
    );
}

#[test]
fn files_are_read_as_kustomize_reads_them() {
    // A lone List is unwrapped; aliases are not followed; a file that does
    // not parse, a missing file and a remote resource are skipped; a file
    // listed twice gives its targets twice; an unused var has no targets;
    // objref group and version are dropped (kustomize reads apiVersion only).
    let k = "resources:\n- list.yaml\n- list.yaml\n- bad.yaml\n- missing.yaml\n- https://example.com/x.yaml\nvars:\n- name: A\n  objref: {group: apps, version: v1, kind: Deployment, name: d}\n- name: B\n";
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d, namespace: ns}\n  spec:\n    x: &anchor $(A)\n    y: *anchor\n";
    let out = run(&[
        ("kustomization.yaml", k),
        ("list.yaml", list),
        ("bad.yaml", "a: [$(A)\n"),
    ])
    .unwrap();
    let target = "  - fieldPaths:\n    - spec.x\n    select:\n      group: apps\n      kind: Deployment\n      name: d\n      namespace: ns\n      version: v1\n";
    assert_eq!(
        out.kustomization,
        format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- list.yaml\n- list.yaml\n- bad.yaml\n- missing.yaml\n- https://example.com/x.yaml\nreplacements:\n- source:\n    kind: Deployment\n    name: d\n  targets:\n{target}{target}- source: {{}}\n"
        )
    );
    let list = list.replace("$(A)", "A_PLACEHOLDER");
    let bad = "a: [A_PLACEHOLDER\n";
    assert_eq!(
        changed(&out),
        [("list.yaml", list.as_str()), ("bad.yaml", bad)]
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let vars = "vars:\n- name: A\n";
    // A base whose kustomization does not parse.
    let err = run(&[
        ("kustomization.yaml", &format!("resources:\n- base\n{vars}")),
        ("base/kustomization.yaml", "resources: 3\n"),
    ])
    .unwrap_err();
    assert!(
        matches!(&err, EditError::Invalid { path, .. } if path == "base/kustomization.yaml"),
        "{err}"
    );
    // Kustomizations that include each other (kustomize recurses without end).
    let err = run(&[
        ("kustomization.yaml", &format!("resources:\n- base\n{vars}")),
        ("base/kustomization.yaml", "resources:\n- .\n"),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("include each other"), "{err}");
    // A var that is not a map, and an objref field of the wrong type.
    for vars in ["vars:\n- x\n", "vars:\n- name: A\n  objref: {kind: [a]}\n"] {
        let err = run(&[("kustomization.yaml", vars)]).unwrap_err();
        assert!(matches!(err, EditError::Invalid { .. }), "{err}");
    }
    // A var name holding its own delimiter.
    let err = run(&[
        (
            "kustomization.yaml",
            "resources:\n- p.yaml\nvars:\n- name: A/B\n",
        ),
        ("p.yaml", "x: a/$(A/B)/c\n"),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error with p.yaml: cannot convert all vars to replacements; $(A/B) holds its delimiter '/'"
    );
    // A patch target that is not a selector.
    let err = run(&[
        (
            "kustomization.yaml",
            "patches:\n- path: p.yaml\n  target: {kind: [a]}\nvars:\n- name: A\n",
        ),
        ("p.yaml", "x: $(A)\n"),
    ])
    .unwrap_err();
    assert!(matches!(err, EditError::Invalid { .. }), "{err}");
}

#[test]
fn delimiters_are_bytes_as_in_go() {
    // A multi-byte character next to the usage: Go takes one byte of it.
    let out = run(&[
        (
            "kustomization.yaml",
            "resources:\n- p.yaml\nvars:\n- name: A\n",
        ),
        ("p.yaml", "x: é$(A)\n"),
    ])
    .unwrap();
    // Go's string(0xA9) is "©"; "é" (C3 A9) holds no "©" (C2 A9): index 0.
    assert!(
        out.kustomization.contains(
            "  - fieldPaths:\n    - x\n    options:\n      delimiter: ©\n    select: {}\n"
        ),
        "{}",
        out.kustomization
    );
}

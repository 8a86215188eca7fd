//! Tests of `kustomize edit add|set|remove|fix` and `create` on text.
//! Inputs and expected data come from kustomize 5's command tests
//! (`kustomize/commands/edit/**/_test.go`, `commands/create/create_test.go`);
//! the exact texts show the minimal-diff form (kustomize itself re-emits
//! the file with `apiVersion`/`kind` and its field order).

use super::*;
use crate::kustomization::Kustomization;
use std::path::Path;

/// kustomize's test kustomization (`testutils.WriteTestKustomization`).
const KUST: &str = "namePrefix: some-prefix
nameSuffix: some-suffix
# Labels to add to all objects and selectors.
# These labels would also be used to form the selector for apply --prune
# Named differently than “labels” to avoid confusion with metadata for this object
commonLabels:
  app: helloworld
commonAnnotations:
  note: This is an example annotation
resources: []
#- service.yaml
#- ../some-dir/
# There could also be configmaps in Base, which would make these overlays
# There could be secrets in Base, if just using a fork/rebase workflow
replacements:
- path: replacement.yaml
";

fn parse(text: &str) -> Kustomization {
    Kustomization::parse(text.as_bytes(), Path::new("kustomization.yaml"))
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

#[test]
fn add_resource_appends_new_paths_and_notes_present_ones() {
    // TestAddResourceHappyPath: the globbed files join `resources`.
    let out = add_resources(
        KUST,
        &s(&[
            "myWonderfulResource.yaml",
            "myWonderfulResource.yamlanother",
        ]),
    )
    .unwrap();
    assert_eq!(
        out.text,
        KUST.replace(
            "resources: []\n",
            "resources: [myWonderfulResource.yaml, myWonderfulResource.yamlanother]\n"
        )
    );
    assert!(out.notes.is_empty());
    // TestAddResourceAlreadyThere: adding again is no error, and no change.
    let again = add_resources(&out.text, &s(&["myWonderfulResource.yaml"])).unwrap();
    assert_eq!(again.text, out.text);
    assert_eq!(
        again.notes,
        ["resource myWonderfulResource.yaml already in kustomization file"]
    );
    // Block lists keep their indentation; `bases` count as resources.
    let text = "bases:\n  - ../base\nresources:\n  - a.yaml # first\n";
    let out = add_resources(text, &s(&["../base", "b.yaml", "b.yaml"])).unwrap();
    assert_eq!(
        out.text,
        "bases:\n  - ../base\nresources:\n  - a.yaml # first\n  - b.yaml\n"
    );
    assert_eq!(
        out.notes,
        [
            "resource ../base already in kustomization file",
            "resource b.yaml already in kustomization file"
        ]
    );
    // An empty file gets the field.
    assert_eq!(
        add_resources("", &s(&["a.yaml"])).unwrap().text,
        "resources:\n- a.yaml\n"
    );
}

#[test]
fn add_component_and_base() {
    let out = add_components("resources:\n- a.yaml\n", &s(&["comp", "companother"])).unwrap();
    assert_eq!(
        out.text,
        "resources:\n- a.yaml\ncomponents:\n- comp\n- companother\n"
    );
    assert_eq!(parse(&out.text).components, ["comp", "companother"]);
    // TestAddBaseAlreadyThere: a base already there is an error.
    let text = add_bases("", &s(&["b1", "b2"])).unwrap();
    assert_eq!(text, "resources:\n- b1\n- b2\n");
    let err = add_bases(&text, &s(&["b2"])).unwrap_err();
    assert_eq!(err.to_string(), "base b2 already in kustomization file");
}

#[test]
fn remove_resource_matches_globs_as_go() {
    // removeresource_test.go's table.
    let text = "resources:\n- resource1.yaml\n- resource2.yaml\n- resource3.yaml\n";
    let cases: &[(&[&str], &str)] = &[
        (
            &["resource1.yaml"],
            "resources:\n- resource2.yaml\n- resource3.yaml\n",
        ),
        (
            &["resource1.yaml", "resource2.yaml"],
            "resources:\n- resource3.yaml\n",
        ),
        (&["resource*.yaml"], ""),
        (&["foo"], text),
        (&["*/resource1.yaml"], text),
    ];
    for (args, want) in cases {
        assert_eq!(remove_resources(text, &s(args)).unwrap(), *want, "{args:?}");
    }
    let err = remove_resources(text, &s(&["[a"])).unwrap_err();
    assert_eq!(err.to_string(), "syntax error in pattern");
    // Flow lists stay flow; `bases` entries go too.
    assert_eq!(
        remove_resources(
            "bases: [../b]\nresources: [a.yaml, b.yaml, c.yml]\n",
            &s(&["*.yaml", "../b"])
        )
        .unwrap(),
        "resources: [c.yml]\n"
    );
    assert_eq!(
        remove_components("components:\n- ../c/one\n- ../c/two\n", &s(&["../c/o*"])).unwrap(),
        "components:\n- ../c/two\n"
    );
}

#[test]
fn set_scalar_fields() {
    // set_name_prefix_test.go, setnamespace_test.go: added, or overwritten.
    let out = set_field(KUST, "namePrefix", "acme-").unwrap();
    assert_eq!(
        out,
        KUST.replace("namePrefix: some-prefix", "namePrefix: acme-")
    );
    let out = set_field("resources:\n- a.yaml\n", "namespace", "staging").unwrap();
    assert_eq!(out, "resources:\n- a.yaml\nnamespace: staging\n");
    let out = set_field(&out, "namespace", "newnamespace").unwrap();
    assert_eq!(out, "resources:\n- a.yaml\nnamespace: newnamespace\n");
    // Quoting is kept; a value that would not read back as a string is quoted.
    assert_eq!(
        set_field("nameSuffix: '-a' # x\n", "nameSuffix", "-b").unwrap(),
        "nameSuffix: '-b' # x\n"
    );
    assert_eq!(
        set_field("namespace:\n", "namespace", "true").unwrap(),
        "namespace: \"true\"\n"
    );
    assert_eq!(
        set_field("{namespace: a}", "namespace", "b").unwrap(),
        "{namespace: b}"
    );
    assert_eq!(
        set_field("{resources: [a]}", "namePrefix", "p-").unwrap(),
        "{resources: [a], namePrefix: p-}"
    );
    // CRLF kept.
    assert_eq!(
        set_field("resources:\r\n- a\r\n", "nameSuffix", "-x").unwrap(),
        "resources:\r\n- a\r\nnameSuffix: -x\r\n"
    );
}

#[test]
fn metadata_arguments_parse_as_kustomize() {
    let pairs = parse_pairs(
        &s(&["owls:cute", "otters:\"playful\"", "bare", "owls:wise"]),
        "label",
    )
    .unwrap();
    assert_eq!(
        pairs,
        [
            ("owls".to_owned(), "wise".to_owned()),
            ("otters".into(), "playful".into()),
            ("bare".into(), String::new())
        ]
    );
    let err = parse_pairs(&s(&[":nokey"]), "annotation").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid annotation: ':nokey' (need k:v pair where v may be quoted)"
    );
    let err = parse_annotation_pairs(&s(&["-bad:x"])).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid annotation key: see the syntax")
    );
    assert!(parse_annotation_pairs(&s(&["example.com/key:v"])).is_ok());
    assert_eq!(
        parse_keys(&s(&["a,b"]), Metadata::Labels).unwrap(),
        ["a", "b"]
    );
    assert_eq!(
        parse_keys(&s(&["a", "b"]), Metadata::Labels)
            .unwrap_err()
            .to_string(),
        "labels must be comma-separated, with no spaces"
    );
    assert_eq!(
        parse_keys(&s(&["a,"]), Metadata::Annotations)
            .unwrap_err()
            .to_string(),
        "invalid annotation: '' (name is empty)"
    );
}

#[test]
fn add_and_set_labels_and_annotations() {
    // addmetadata_test.go: a key already there is an error unless forced.
    let pairs = parse_pairs(&s(&["new:v", "app:other"]), "label").unwrap();
    let err = add_metadata(KUST, Metadata::Labels, &pairs, false).unwrap_err();
    assert_eq!(err.to_string(), "label app already in kustomization file");
    let out = add_metadata(KUST, Metadata::Labels, &pairs, true).unwrap();
    assert_eq!(
        out,
        KUST.replace("  app: helloworld\n", "  app: other\n  new: v\n")
    );
    let k = parse(&out);
    assert_eq!(
        k.common_labels.unwrap().get("new").map(String::as_str),
        Some("v")
    );
    // A new map, and values that need quotes.
    let out = add_metadata(
        "resources:\n- a\n",
        Metadata::Annotations,
        &[("k".into(), "1".into())],
        false,
    )
    .unwrap();
    assert_eq!(out, "resources:\n- a\ncommonAnnotations:\n  k: \"1\"\n");
    // The file's mapping indentation is used, and flow maps stay flow.
    let out = add_metadata(
        "images:\n    - name: x\ncommonLabels: {a: b}\n",
        Metadata::Labels,
        &[("c".into(), "d".into())],
        false,
    )
    .unwrap();
    assert_eq!(out, "images:\n    - name: x\ncommonLabels: {a: b, c: d}\n");
}

#[test]
fn add_labels_without_selector_go_to_a_labels_entry() {
    // addmetadata_test.go TestAddLabelWithoutSelector / ...IncludeTemplates.
    let pairs = [("owls".to_owned(), "cute".to_owned())];
    let out = add_labels_without_selector("", &pairs, false, false).unwrap();
    assert_eq!(out, "labels:\n- pairs:\n    owls: cute\n");
    let k = parse(&out);
    assert!(!k.labels[0].include_selectors && !k.labels[0].include_templates);
    // Another key joins the same entry; a present one needs --force.
    let out =
        add_labels_without_selector(&out, &[("otters".into(), "playful".into())], false, false)
            .unwrap();
    assert_eq!(
        out,
        "labels:\n- pairs:\n    owls: cute\n    otters: playful\n"
    );
    let err = add_labels_without_selector(&out, &pairs, false, false).unwrap_err();
    assert_eq!(err.to_string(), "label owls already in kustomization file");
    // Templates included: a separate entry.
    let out = add_labels_without_selector(&out, &pairs, true, false).unwrap();
    assert_eq!(
        out,
        "labels:\n- pairs:\n    owls: cute\n    otters: playful\n- includeTemplates: true\n  pairs:\n    owls: cute\n"
    );
    assert!(parse(&out).labels[1].include_templates);
}

#[test]
fn remove_labels_and_annotations() {
    // removemetadata_test.go.
    let text = "commonLabels:\n  label1: value1\n  label2: value2\n  label3: value3\n";
    let out = remove_metadata(text, Metadata::Labels, &s(&["label1", "label3"]), false).unwrap();
    assert_eq!(out, "commonLabels:\n  label2: value2\n");
    let err = remove_metadata(text, Metadata::Labels, &s(&["nope"]), false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "label nope is not defined in kustomization file"
    );
    assert_eq!(
        remove_metadata(text, Metadata::Labels, &s(&["nope", "label2"]), true).unwrap(),
        "commonLabels:\n  label1: value1\n  label3: value3\n"
    );
    let err =
        remove_metadata("resources: []\n", Metadata::Annotations, &s(&["a"]), false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "commonAnnotations is not defined in kustomization file"
    );
    assert_eq!(
        remove_metadata("resources: []\n", Metadata::Annotations, &s(&["a"]), true).unwrap(),
        "resources: []\n"
    );
    // Removing every key removes the field, as kustomize's omitempty does.
    assert_eq!(
        remove_metadata(
            text,
            Metadata::Labels,
            &s(&["label1", "label2", "label3"]),
            false
        )
        .unwrap(),
        ""
    );
}

#[test]
fn set_replicas_updates_by_name_and_appends() {
    // setreplicas_test.go's table: entries are written `count`, `name`
    // (kustomize's encoder sorts keys).
    assert_eq!(parse_replica("app=3").unwrap(), ("app".to_owned(), 3));
    for bad in ["bad", "app=bad", "a=1=2"] {
        assert_eq!(
            parse_replica(bad).unwrap_err().to_string(),
            "invalid format of replica, use the following format: <name>=<count>"
        );
    }
    let out = set_replicas(KUST, &[("app".into(), 5)]).unwrap();
    assert!(
        out.ends_with("replicas:\n- count: 5\n  name: app\n"),
        "{out}"
    );
    let infile = "replicas:\n- count: 1\n  name: app\n- count: 2\n  name: other-app\n";
    assert_eq!(
        set_replicas(infile, &[("app".into(), 5)]).unwrap(),
        "replicas:\n- count: 5\n  name: app\n- count: 2\n  name: other-app\n"
    );
    assert_eq!(
        set_replicas(infile, &[("app".into(), 100), ("other-app".into(), 200)]).unwrap(),
        "replicas:\n- count: 100\n  name: app\n- count: 200\n  name: other-app\n"
    );
    // A later argument wins; comments stay.
    let text = "replicas:\n- name: app1\n  count: 1 # one\n";
    let out = set_replicas(
        text,
        &[("app1".into(), 3), ("app2".into(), 2), ("app2".into(), 5)],
    )
    .unwrap();
    assert_eq!(
        out,
        "replicas:\n- name: app1\n  count: 3 # one\n- count: 5\n  name: app2\n"
    );
    let k = parse(&out);
    assert_eq!(
        (k.replicas[1].name.as_str(), k.replicas[1].count),
        ("app2", 5)
    );
}

#[test]
fn add_and_remove_patches() {
    // addpatch_test.go: path and patch are exclusive; one is needed.
    let both = Patch {
        path: "p.yaml".into(),
        patch: "x".into(),
        ..Patch::default()
    };
    assert_eq!(
        add_patch("", &both).unwrap_err().to_string(),
        "patch and path can't be set at the same time"
    );
    assert_eq!(
        add_patch("", &Patch::default()).unwrap_err().to_string(),
        "must provide either patch or path"
    );
    let mut target = <[String; 7]>::default();
    target[0] = "apps".into();
    target[2] = "Deployment".into();
    target[6] = "app=x".into();
    let p = Patch {
        path: "patch.yaml".into(),
        target,
        ..Patch::default()
    };
    let out = add_patch("resources:\n- a.yaml\n", &p).unwrap();
    assert_eq!(
        out.text,
        "resources:\n- a.yaml\npatches:\n- path: patch.yaml\n  target:\n    group: apps\n    kind: Deployment\n    labelSelector: app=x\n"
    );
    // Adding it again changes nothing.
    let again = add_patch(&out.text, &p).unwrap();
    assert_eq!(
        (again.text.as_str(), again.notes.len()),
        (out.text.as_str(), 1)
    );
    // An inline patch.
    let inline = Patch {
        patch: "- op: replace\n  path: /spec/replicas\n  value: 3\n".into(),
        ..Patch::default()
    };
    let out = add_patch(&out.text, &inline).unwrap();
    assert!(
        out.text.ends_with(
            "- patch: |\n    - op: replace\n      path: /spec/replicas\n      value: 3\n"
        ),
        "{}",
        out.text
    );
    assert_eq!(parse(&out.text).patches[1].patch, inline.patch);
    // removepatch_test.go: only an exact match goes.
    let only_path = Patch {
        path: "patch.yaml".into(),
        ..Patch::default()
    };
    let kept = remove_patch(&out.text, &only_path).unwrap();
    assert_eq!(kept.text, out.text);
    assert_eq!(kept.notes, ["patch  doesn't exist in kustomization file"]);
    let removed = remove_patch(&out.text, &p).unwrap();
    assert_eq!(
        removed.text,
        "resources:\n- a.yaml\npatches:\n- patch: |\n    - op: replace\n      path: /spec/replicas\n      value: 3\n"
    );
    assert_eq!(
        remove_patch(&removed.text, &inline).unwrap().text,
        "resources:\n- a.yaml\n"
    );
}

#[test]
fn build_metadata() {
    // addbuildmetadata_test.go, setbuildmetadata_test.go, removebuildmetadata_test.go.
    assert_eq!(
        parse_build_metadata(&s(&["invalid_option"]))
            .unwrap_err()
            .to_string(),
        "invalid buildMetadata option: invalid_option"
    );
    assert_eq!(
        parse_build_metadata(&s(&["option1", "option2"]))
            .unwrap_err()
            .to_string(),
        "too many arguments: [option1 option2]; to provide multiple buildMetadata options, please separate options by comma"
    );
    let opts = parse_build_metadata(&s(&["originAnnotations,managedByLabel"])).unwrap();
    let out = add_build_metadata("", &opts).unwrap();
    assert_eq!(
        out,
        "buildMetadata:\n- originAnnotations\n- managedByLabel\n"
    );
    assert_eq!(
        add_build_metadata(&out, &s(&["originAnnotations"]))
            .unwrap_err()
            .to_string(),
        "buildMetadata option originAnnotations already in kustomization file"
    );
    let set = set_build_metadata(&out, &s(&["transformerAnnotations"])).unwrap();
    assert_eq!(set, "buildMetadata:\n- transformerAnnotations\n");
    assert_eq!(
        remove_build_metadata(&out, &s(&["managedByLabel"])).unwrap(),
        "buildMetadata:\n- originAnnotations\n"
    );
    assert_eq!(
        remove_build_metadata(&set, &s(&["transformerAnnotations"])).unwrap(),
        ""
    );
}

#[test]
fn create_writes_kustomizes_field_order() {
    // create_test.go: every flag lands in its field.
    let out = create(&CreateOptions {
        resources: s(&["foo.yaml", "bar.yaml"]),
        namespace: "foo".into(),
        name_prefix: "foo-".into(),
        name_suffix: "-foo".into(),
        labels: "foo:bar,a:b".into(),
        annotations: "foo:bar".into(),
    })
    .unwrap();
    assert_eq!(
        out,
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- foo.yaml\n- bar.yaml\nnamePrefix: foo-\nnameSuffix: -foo\nnamespace: foo\ncommonLabels:\n  a: b\n  foo: bar\ncommonAnnotations:\n  foo: bar\n"
    );
    assert_eq!(
        create(&CreateOptions::default()).unwrap(),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
    );
}

#[test]
fn add_configmap_joins_the_entry_of_its_name_and_namespace() {
    // addconfigmap_test.go TestEditAddConfigMapNamespaced's table.
    let flags = |namespace: &str| GeneratorFlags {
        namespace: namespace.into(),
        literals: s(&["key1=value1"]),
        ..GeneratorFlags::default()
    };
    let cm = "configMapGenerator";
    let text =
        format!("---\n{HEADER}configMapGenerator:\n- literals:\n  - key=value\n  name: test-cm\n");
    let (out, i) = add_generator(&text, cm, "test-cm", &flags("default")).unwrap();
    assert_eq!(i, 0);
    assert_eq!(
        out,
        text.replace("  - key=value\n", "  - key=value\n  - key1=value1\n")
    );
    let text = text.replace("name: test-cm\n", "name: test-cm\n  namespace: default\n");
    let (out, _) = add_generator(&text, cm, "test-cm", &flags("")).unwrap();
    assert_eq!(
        out,
        text.replace("  - key=value\n", "  - key=value\n  - key1=value1\n")
    );
    let text = text.replace("namespace: default", "namespace: ns1");
    let (out, i) = add_generator(&text, cm, "test-cm", &flags("")).unwrap();
    assert_eq!(i, 1);
    assert_eq!(
        out,
        format!("{text}- literals:\n  - key1=value1\n  name: test-cm\n")
    );
    // A new secret: keys in kustomize's (sorted) order, the type written.
    let secret = GeneratorFlags {
        env_file: "e.env".into(),
        behavior: "replace".into(),
        disable_name_suffix_hash: true,
        secret_type: Some("Opaque".into()),
        namespace: "ns".into(),
        ..GeneratorFlags::default()
    };
    let (out, _) = add_generator("", "secretGenerator", "s", &secret).unwrap();
    assert_eq!(
        out,
        "secretGenerator:\n- behavior: replace\n  envs:\n  - e.env\n  name: s\n  namespace: ns\n  options:\n    disableNameSuffixHash: true\n  type: Opaque\n"
    );
    // ValidateAdd's checks.
    let err = |f: &GeneratorFlags, args: &[&str]| f.validate(&s(args)).unwrap_err().to_string();
    assert_eq!(
        err(&flags(""), &[]),
        "failed to validate flags: name must be specified once"
    );
    assert_eq!(
        err(&GeneratorFlags::default(), &["x"]),
        "failed to validate flags: at least from-env-file, or from-file or from-literal must be set"
    );
    let both = GeneratorFlags {
        env_file: "e".into(),
        ..flags("")
    };
    assert_eq!(
        err(&both, &["x"]),
        "failed to validate flags: from-env-file cannot be combined with from-file or from-literal"
    );
    let bad = GeneratorFlags {
        behavior: "bogus".into(),
        ..flags("")
    };
    assert_eq!(
        err(&bad, &["x"]),
        r#"failed to validate flags: invalid behavior: must be one of "create", "merge", or "replace""#
    );
}

#[test]
fn remove_configmaps_by_name_and_namespace() {
    // removeconfigmap_test.go's table (inputs without the header).
    let one = "configMapGenerator:\n- name: test-cm-1\n  files:\n  - application.properties\n";
    let two = "configMapGenerator:\n- name: test-cm-1\n  files:\n  - application.properties\n- name: test-cm-2\n  files:\n  - application.properties\n";
    let mixed = "configMapGenerator:\n- name: test-cm-1\n  namespace: test-ns\n  files:\n  - application.properties\n- name: test-cm-2\n  namespace: default\n  literals:\n  - test-key=test-value\n";
    let in_ns = "configMapGenerator:\n- name: test-cm-1\n  namespace: test-ns\n  files:\n  - application.properties\n";
    let in_default = one.replace("  files:", "  namespace: default\n  files:");
    /// Input, arguments, `--namespace`, and the text or error wanted.
    type Case<'a> = (&'a str, &'a [&'a str], &'a str, Result<&'a str, &'a str>);
    let cases: &[Case] = &[
        (one, &["test-cm-1"], "", Ok("")),
        (two, &["test-cm-1,test-cm-2"], "", Ok("")),
        (
            mixed,
            &["test-cm-1"],
            "test-ns",
            Ok(
                "configMapGenerator:\n- name: test-cm-2\n  namespace: default\n  literals:\n  - test-key=test-value\n",
            ),
        ),
        (one, &["test-cm-1,foo"], "", Ok("")),
        (in_ns, &["test-cm-1"], "test-ns", Ok("")),
        (&in_default, &["test-cm-1"], "", Ok("")),
        (one, &["test-cm-1"], "default", Ok("")),
        (
            one,
            &["foo"],
            "",
            Err("no specified configmap(s) were found in the kustomization.yaml file"),
        ),
        (
            in_ns,
            &["test-cm-1"],
            "",
            Err("no specified configmap(s) were found in the kustomization.yaml file"),
        ),
        (
            in_ns,
            &["test-cm-1"],
            "other-ns",
            Err("no specified configmap(s) were found in the kustomization.yaml file"),
        ),
        (
            one,
            &[],
            "",
            Err("at least one configmap name must be specified"),
        ),
        (
            one,
            &["test1", "test2"],
            "",
            Err(
                "too many arguments: [test1 test2]; to provide multiple configmaps to remove, please separate configmap names by commas",
            ),
        ),
    ];
    for (input, args, namespace, want) in cases {
        let got = remove_generators(input, "configmap", &s(args), namespace);
        match (got, want) {
            (Ok(out), Ok(want)) => assert_eq!(out.text, *want, "{args:?}"),
            (Err(e), Err(want)) => assert_eq!(e.to_string(), *want, "{args:?}"),
            (got, want) => panic!("{args:?}: {got:?}, want {want:?}"),
        }
    }
    let out = remove_generators(one, "configmap", &s(&["test-cm-1,foo"]), "").unwrap();
    assert_eq!(
        out.notes,
        ["configmap foo doesn't exist in kustomization file"]
    );
    let secret = "secretGenerator:\n- name: s\n  type: Opaque\n- name: t\n";
    assert_eq!(
        remove_generators(secret, "secret", &s(&["s"]), "")
            .unwrap()
            .text,
        "secretGenerator:\n- name: t\n"
    );
}

#[test]
fn set_configmap_literals_and_namespace() {
    // setconfigmap_test.go's success and failure cases.
    let cm = "configMapGenerator";
    let text = "configMapGenerator:\n- literals:\n  - a-key=a-value\n  - key1=val1\n  name: test-cm\n- literals:\n  - another-key=another-value\n  - key1=value-from-cm-2\n  name: test-cm-2\n  namespace: another-ns\n";
    let (out, i) = set_generator(text, cm, &s(&["test-cm"]), &s(&["key1=val2"]), "", "").unwrap();
    assert_eq!(i, 0);
    assert_eq!(out, text.replacen("key1=val1", "key1=val2", 1));
    let text = "configMapGenerator:\n- literals:\n  - found-key=found-value\n  name: test-cm\n";
    let (out, _) =
        set_generator(text, cm, &s(&["test-cm"]), &[], "default", "test-new-ns").unwrap();
    assert_eq!(out, format!("{text}  namespace: test-new-ns\n"));
    let err = |text: &str, args: &[&str], literals: &[&str], ns: &str| {
        set_generator(text, cm, &s(args), &s(literals), ns, "")
            .unwrap_err()
            .to_string()
    };
    let two =
        "configMapGenerator:\n- literals:\n  - test-cm-key=value\n  - key1=val1\n  name: test-cm\n";
    assert_eq!(
        err(two, &["test-cm"], &["test-key=test-value"], ""),
        "failed to create configmap: failed to update literal sources: key 'test-key' not found in resource"
    );
    assert_eq!(
        err(two, &["test-cm2"], &["test-key=test-value"], ""),
        "failed to create configmap: could not set new ConfigMap value: unable to find ConfigMap with name \"test-cm2\""
    );
    assert_eq!(
        err(two, &["test-cm"], &[], "test-ns"),
        "failed to validate flags: at least one of [--from-literal, --new-namespace] must be specified"
    );
    assert!(
        err(two, &["test-cm"], &["value"], "")
            .ends_with("literal values must be specified in the key=value format")
    );
    assert!(
        err("configMapGenerator: []\n", &["test-cm"], &["value"], "")
            .ends_with("unable to find ConfigMap with name \"test-cm\"")
    );
    // A secret's literal keeps its quoting.
    let secret = "secretGenerator:\n- name: s\n  literals: ['pw=old']\n";
    let (out, _) = set_generator(
        secret,
        "secretGenerator",
        &s(&["s"]),
        &s(&["pw=new"]),
        "",
        "",
    )
    .unwrap();
    assert_eq!(out, "secretGenerator:\n- name: s\n  literals: ['pw=new']\n");
}

const HEADER: &str = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";

#[test]
fn fix_moves_deprecated_fields() {
    // fix_test.go TestFixCommand's table (inputs and expected data).
    let no_files = |_: &str| false;
    let out = fix(
        "patchesJson6902:\n- path: patch1.yaml\n  target:\n    kind: Service\n- path: patch2.yaml\n  target:\n    group: apps\n    kind: Deployment\n    version: v1\n",
        no_files,
    )
    .unwrap();
    assert_eq!(
        out,
        format!(
            "{HEADER}patches:\n- path: patch1.yaml\n  target:\n    kind: Service\n- path: patch2.yaml\n  target:\n    group: apps\n    kind: Deployment\n    version: v1\n"
        )
    );
    let out = fix(
        "patchesJson6902:\n- path: patch1.yaml\n  target:\n    kind: Deployment\npatches:\n- path: patch2.yaml\n  target:\n    kind: Deployment\n- path: patch3.yaml\n  target:\n    kind: Service\n",
        no_files,
    )
    .unwrap();
    assert_eq!(
        out,
        format!(
            "{HEADER}patches:\n- path: patch2.yaml\n  target:\n    kind: Deployment\n- path: patch3.yaml\n  target:\n    kind: Service\n- path: patch1.yaml\n  target:\n    kind: Deployment\n"
        )
    );
    let smp = "patchesStrategicMerge:\n- |-\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: nginx\n  spec:\n    template:\n      spec:\n        containers:\n          - name: nginx\n            image: nignx:latest\n";
    let out = fix(smp, no_files).unwrap();
    assert_eq!(
        out,
        format!(
            "{HEADER}patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: nginx\n    spec:\n      template:\n        spec:\n          containers:\n            - name: nginx\n              image: nignx:latest\n"
        )
    );
    let out = fix(
        "patchesStrategicMerge:\n- deploy.yaml\npatchesJson6902:\n- path: patch1.yaml\n  target:\n    kind: Deployment\n",
        |p| p == "deploy.yaml",
    )
    .unwrap();
    assert_eq!(
        out,
        format!(
            "{HEADER}patches:\n- path: patch1.yaml\n  target:\n    kind: Deployment\n- path: deploy.yaml\n"
        )
    );
    let out = fix(
        "commonLabels:\n  foo: bar\nlabels:\n- pairs:\n    a: b\n",
        no_files,
    )
    .unwrap();
    assert_eq!(
        out,
        format!(
            "{HEADER}labels:\n- pairs:\n    a: b\n- includeSelectors: true\n  pairs:\n    foo: bar\n"
        )
    );
    let err = fix(
        "commonLabels:\n  foo: bar\nlabels:\n- pairs:\n    foo: baz\n",
        no_files,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "label name 'foo' exists in both commonLabels and labels"
    );
}

#[test]
fn fix_keeps_the_rest_and_handles_bases_image_tags_and_env() {
    let text = "# overlay\nkind: Kustomization\nbases:\n- ../base # the base\nresources:\n- extra.yaml\nimageTags:\n- name: web\n  newTag: v2\nconfigMapGenerator:\n- name: cm\n  env: a.env\n- env: b.env\n  name: cm2\n";
    let out = fix(text, |_| false).unwrap();
    assert_eq!(
        out,
        "# overlay\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- extra.yaml\n- ../base\nimages:\n- name: web\n  newTag: v2\nconfigMapGenerator:\n- name: cm\n  envs:\n  - a.env\n- envs:\n  - b.env\n  name: cm2\n"
    );
    let k = parse(&out);
    assert_eq!(k.resources, ["extra.yaml", "../base"]);
    assert!(
        k.deprecation_warnings().is_empty(),
        "{:?}",
        k.deprecation_warnings()
    );
    // An empty deprecated list goes without leaving an empty one (kustomize
    // writes none); one that is not a list is refused.
    assert_eq!(
        fix("bases:\nnamespace: x\n", |_| false).unwrap(),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: x\n"
    );
    assert!(matches!(
        fix("bases: ../b\n", |_| false),
        Err(EditError::WrongKind { .. })
    ));
    // Already fixed: unchanged.
    assert_eq!(fix(&out, |_| false).unwrap(), out);
    // Flow style stays flow.
    assert_eq!(
        fix("{bases: [../b], resources: [a]}", |_| false).unwrap(),
        "{apiVersion: kustomize.config.k8s.io/v1beta1, kind: Kustomization, resources: [a, ../b]}"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Every command on `text`; an input error is fine, an internal one
    /// (`Broken`: overlapping edits, a result that does not parse) is a bug.
    fn all_commands(text: &str, word: &str) -> Vec<Result<String, EditError>> {
        let w = vec![word.to_owned()];
        let pairs = vec![(word.to_owned(), "v".to_owned())];
        let patch = Patch {
            path: word.to_owned(),
            ..Patch::default()
        };
        vec![
            add_resources(text, &w).map(|e| e.text),
            add_components(text, &w).map(|e| e.text),
            add_bases(text, &w),
            remove_resources(text, &w),
            set_field(text, "namespace", word),
            add_metadata(text, Metadata::Labels, &pairs, true),
            add_labels_without_selector(text, &pairs, false, true),
            remove_metadata(text, Metadata::Annotations, &w, true),
            set_replicas(text, &[(word.to_owned(), 2)]),
            add_patch(text, &patch).map(|e| e.text),
            remove_patch(text, &patch).map(|e| e.text),
            set_build_metadata(text, &s(&["managedByLabel"])),
            remove_build_metadata(text, &s(&["managedByLabel"])),
            fix(text, |_| false),
            convert_vars(text, &vars_files(word), Path::new("/k")).map(|c| c.kustomization),
        ]
    }

    /// A tree for `edit fix --vars`: a resource and a base using `$(word)`.
    fn vars_files(word: &str) -> crate::fs::MemFs {
        let mut fs = crate::fs::MemFs::new();
        fs.add_file(
            "/k/a",
            format!("kind: K\nmetadata:\n  name: n\nx: [$({word}), a/$({word})]\n"),
        );
        fs.add_file(
            "/k/b/kustomization.yaml",
            "resources: [a, b]\npatches: [{path: a}]\n",
        );
        fs
    }

    /// Inputs the property below found.
    #[test]
    fn odd_text_found_by_the_property() {
        for (text, word) in [(":", "a"), ("bases:", "a")] {
            for result in all_commands(text, word) {
                assert!(
                    !matches!(result, Err(EditError::Broken(_))),
                    "{result:?}\n{text:?}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn never_panics_on_odd_text(
            text in "(resources|bases|commonLabels|labels|pairs|patches|replicas|vars|name|count|kind|[a-z]|[-:\\[\\]{},#'\" \n\t!&*|>~]){0,40}",
            word in "[a-z]{1,3}",
        ) {
            for result in all_commands(&text, &word) {
                prop_assert!(!matches!(result, Err(EditError::Broken(_))), "{:?}\n{:?}", result, text);
            }
        }

        #[test]
        fn edits_give_kustomizes_data(
            dash in 0usize..3,
            gap in 1usize..3,
            resources in prop::collection::vec("[a-c]\\.yaml", 0..4),
            labels in prop::collection::vec(("[a-c]", "[a-z0-9]{1,3}"), 0..3),
            flow in any::<bool>(),
            add in prop::collection::vec("[a-d]\\.yaml", 1..3),
            label in ("[a-d]", "[0-9]{1,2}"),
        ) {
            // A kustomization in the generated layout.
            let item = |v: &str| format!("{}-{}{v}\n", " ".repeat(dash), " ".repeat(gap));
            let mut text = String::from("# top\n");
            if flow {
                text.push_str(&format!("resources: [{}]\n", resources.join(", ")));
            } else if !resources.is_empty() {
                text.push_str("resources: # list\n");
                for r in &resources {
                    text.push_str(&item(r));
                }
            }
            let labels: std::collections::BTreeMap<String, String> = labels.into_iter().collect();
            if !labels.is_empty() {
                text.push_str("commonLabels:\n");
                for (k, v) in &labels {
                    text.push_str(&format!("   {k}: \"{v}\"\n"));
                }
            }
            text.push_str("namespace: ns # keep\n");
            // kustomize's model: resources without duplicates appended,
            // the label set, the namespace replaced.
            let mut want_resources = resources.clone();
            for a in &add {
                if !want_resources.contains(a) {
                    want_resources.push(a.clone());
                }
            }
            let mut want_labels = labels.clone();
            want_labels.insert(label.0.clone(), label.1.clone());

            let out = add_resources(&text, &add).unwrap().text;
            let out = add_metadata(&out, Metadata::Labels, std::slice::from_ref(&label), true).unwrap();
            let out = set_field(&out, "namespace", "other").unwrap();
            let k = parse(&out);
            prop_assert_eq!(&k.resources, &want_resources, "{}", out);
            let got: std::collections::BTreeMap<String, String> =
                k.common_labels.clone().unwrap_or_default().into_iter().collect();
            prop_assert_eq!(got, want_labels, "{}", out);
            prop_assert_eq!(k.namespace.as_str(), "other");
            prop_assert!(out.starts_with("# top\n") && out.contains("namespace: other # keep\n"), "{}", out);
            // Removing what was added gives the original resources back.
            let back = remove_resources(&out, &add.iter().filter(|a| !resources.contains(a)).cloned().collect::<Vec<_>>()).unwrap();
            prop_assert_eq!(&parse(&back).resources, &resources);
        }
    }
}

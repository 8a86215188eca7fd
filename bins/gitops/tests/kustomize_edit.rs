//! `gitops create` and `gitops edit add|set|remove|fix` run in a directory
//! as kustomize's commands are. Inputs and expected contents follow
//! kustomize 5's command tests (`kustomize/commands/{create,edit}/**`);
//! where the result builds, `gitops build` of it is compared with
//! `kubectl kustomize` of the same directory.

use std::path::Path;
use std::process::{Command, Output};

fn gitops(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run gitops")
}

/// Runs gitops in `dir`, expecting success; its standard error.
fn ok(dir: &Path, args: &[&str]) -> String {
    let out = gitops(dir, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {err}");
    err
}

/// Runs gitops in `dir`, expecting exit code 1; its standard error.
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = gitops(dir, args);
    assert_eq!(out.status.code(), Some(1), "{args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A directory holding `kustomization` and deployment.yaml.
fn project(kustomization: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "kustomization.yaml", kustomization);
    write(tmp.path(), "deployment.yaml", DEPLOYMENT);
    tmp
}

fn read(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap()
}

/// `gitops build DIR` equals `kubectl kustomize DIR` (when kubectl is installed).
fn builds_like_kubectl(dir: &Path) {
    let ours = Command::new(env!("CARGO_BIN_EXE_gitops"))
        .arg("build")
        .arg(dir)
        .output()
        .expect("run gitops build");
    assert!(
        ours.status.success(),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    let Ok(theirs) = Command::new("kubectl").arg("kustomize").arg(dir).output() else {
        eprintln!("kubectl is not installed: the build is not compared");
        return;
    };
    assert!(
        theirs.status.success(),
        "{}",
        String::from_utf8_lossy(&theirs.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&theirs.stdout)
    );
}

const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: NAME\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n";
const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n";

/// create_test.go's `writeDetectContent`.
fn detect_content(dir: &Path) {
    write(dir, "test.yaml", &SERVICE.replace("NAME", "test"));
    write(
        dir,
        "README.md",
        "\n# Not a k8s resource\nThis file is not a valid kubernetes object.",
    );
    write(
        dir,
        "non-k8s.yaml",
        "\n# Not a k8s resource\nother: yaml\nfoo:\n- bar\n- baz",
    );
    write(dir, "sub/test.yaml", &SERVICE.replace("NAME", "test2"));
    write(
        dir,
        "sub/README.md",
        "\n# Not a k8s resource\nThis file in a subdirectory is not a valid kubernetes object.",
    );
    write(
        dir,
        "sub/non-k8s.yaml",
        "\n# Not a k8s resource\nother: yaml\nfoo:\n- bar\n- baz",
    );
    write(dir, "overlay/test.yaml", &SERVICE.replace("NAME", "test3"));
    write(
        dir,
        "overlay/kustomization.yaml",
        "\nresources:\n- test.yaml",
    );
}

const HEADER: &str = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";

#[test]
fn create_autodetects_resources_as_kustomize() {
    // TestCreateWithDetect: only the resource file of the directory itself.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    detect_content(dir);
    ok(dir, &["create", "--autodetect"]);
    assert_eq!(read(dir), format!("{HEADER}resources:\n- test.yaml\n"));
    builds_like_kubectl(dir);
    // A kustomization is there now.
    assert!(fails(dir, &["create"]).contains("kustomization file already exists"));

    // TestCreateWithDetectRecursive: a directory with a kustomization is
    // added as itself.
    std::fs::remove_file(dir.join("kustomization.yaml")).unwrap();
    ok(
        dir,
        &[
            "init",
            "--autodetect",
            "--recursive",
            "--namespace",
            "staging",
        ],
    );
    assert_eq!(
        read(dir),
        format!(
            "{HEADER}resources:\n- overlay\n- sub/test.yaml\n- test.yaml\nnamespace: staging\n"
        )
    );
    builds_like_kubectl(dir);
}

#[test]
fn create_with_fields() {
    // TestCreateWithResources, ...Namespace, ...Labels, ...Annotations,
    // ...NamePrefix, ...NameSuffix.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "foo.yaml", &SERVICE.replace("NAME", "foo"));
    write(dir, "bar.yaml", &SERVICE.replace("NAME", "bar"));
    // TestCreateWithResourcesWithFileNotFound.
    let err = fails(dir, &["create", "--resources", "foo.yaml,baz.yaml"]);
    assert!(
        err.contains("baz.yaml has no match: must build at directory: not a valid directory: 'baz.yaml' doesn't exist"),
        "{err}"
    );
    assert!(!dir.join("kustomization.yaml").exists());
    ok(
        dir,
        &[
            "create",
            "--resources",
            "foo.yaml,bar.yaml",
            "--namespace",
            "foo",
            "--labels",
            "foo:bar",
            "--annotations",
            "foo:bar",
            "--nameprefix",
            "foo-",
            "--namesuffix",
            "-foo",
        ],
    );
    assert_eq!(
        read(dir),
        format!(
            "{HEADER}resources:\n- foo.yaml\n- bar.yaml\nnamePrefix: foo-\nnameSuffix: -foo\nnamespace: foo\ncommonLabels:\n  foo: bar\ncommonAnnotations:\n  foo: bar\n"
        )
    );
    builds_like_kubectl(dir);
}

/// kustomize's test kustomization (`testutils.WriteTestKustomization`),
/// with a resource so that it builds.
const KUST: &str = "namePrefix: some-prefix
nameSuffix: some-suffix
# Labels to add to all objects and selectors.
# These labels would also be used to form the selector for apply --prune
commonLabels:
  app: helloworld
commonAnnotations:
  note: This is an example annotation
resources:
- deployment.yaml
#- service.yaml
#- ../some-dir/
";

#[test]
fn add_resource_and_component_expand_globs() {
    let tmp = project(KUST);
    let dir = tmp.path();
    write(dir, "svc-a.yaml", &SERVICE.replace("NAME", "a"));
    write(dir, "svc-b.yaml", &SERVICE.replace("NAME", "b"));
    // TestAddResourceHappyPath: the glob's matches, not the kustomization.
    ok(dir, &["edit", "add", "resource", "*.yaml"]);
    let want = KUST.replace(
        "- deployment.yaml\n",
        "- deployment.yaml\n- svc-a.yaml\n- svc-b.yaml\n",
    );
    assert_eq!(read(dir), want);
    builds_like_kubectl(dir);
    // TestAddResourceAlreadyThere: logged, no error, no change.
    let err = ok(dir, &["edit", "add", "resource", "svc-a.yaml"]);
    assert!(
        err.contains("resource svc-a.yaml already in kustomization file"),
        "{err}"
    );
    assert_eq!(read(dir), want);
    // TestAddResourceNoArgs / file not found.
    assert!(fails(dir, &["edit", "add", "resource"]).contains("must specify a resource file"));
    let err = fails(dir, &["edit", "add", "resource", "nope.yaml"]);
    assert!(err.contains("nope.yaml has no match: must build at directory: not a valid directory: 'nope.yaml' doesn't exist"), "{err}");
    // --no-verify keeps the argument as given; a remote target is accepted.
    ok(
        dir,
        &["edit", "add", "resource", "--no-verify", "later.yaml"],
    );
    ok(
        dir,
        &[
            "edit",
            "add",
            "resource",
            "https://github.com/org/repo//base?ref=v1",
        ],
    );
    assert!(read(dir).contains(
        "- svc-b.yaml\n- later.yaml\n- https://github.com/org/repo//base?ref=v1\n#- service.yaml\n"
    ));
    // TestRemoveResources: globs match the entries.
    ok(
        dir,
        &[
            "edit",
            "remove",
            "resource",
            "svc-*.yaml",
            "later.yaml",
            "https://github.com/org/repo//base?ref=v1",
        ],
    );
    assert_eq!(read(dir), KUST);

    write(
        dir,
        "comp/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamespace: team\n",
    );
    ok(dir, &["edit", "add", "component", "comp"]);
    assert!(read(dir).contains("components:\n- comp\n"));
    builds_like_kubectl(dir);
    ok(dir, &["edit", "remove", "component", "co*"]);
    assert_eq!(read(dir), KUST);
    // add base: directories that exist, not yet present.
    write(dir, "base/kustomization.yaml", "resources: []\n");
    let err = fails(dir, &["edit", "add", "base", "base,missing"]);
    assert!(err.contains("missing does not exist"), "{err}");
    ok(dir, &["edit", "add", "base", "base"]);
    assert!(
        fails(dir, &["edit", "add", "base", "base"])
            .contains("base base already in kustomization file")
    );
}

#[test]
fn set_fields_labels_annotations_and_replicas() {
    let tmp = project(KUST);
    let dir = tmp.path();
    ok(dir, &["edit", "set", "namespace", "staging"]);
    ok(dir, &["edit", "set", "nameprefix", "acme-"]);
    ok(dir, &["edit", "set", "namesuffix", "-v2"]);
    ok(dir, &["edit", "set", "replicas", "web=3"]);
    ok(
        dir,
        &["edit", "add", "annotation", "owner:team-a", "tier:\"1\""],
    );
    ok(dir, &["edit", "set", "label", "app:web", "env:prod"]);
    ok(dir, &["edit", "add", "buildmetadata", "originAnnotations"]);
    let want = "namePrefix: acme-
nameSuffix: -v2
# Labels to add to all objects and selectors.
# These labels would also be used to form the selector for apply --prune
commonLabels:
  app: web
  env: prod
commonAnnotations:
  note: This is an example annotation
  owner: team-a
  tier: \"1\"
resources:
- deployment.yaml
namespace: staging
replicas:
- count: 3
  name: web
buildMetadata:
- originAnnotations
#- service.yaml
#- ../some-dir/
";
    assert_eq!(read(dir), want);
    builds_like_kubectl(dir);
    // Errors as kustomize gives them, and the file is left alone.
    let err = fails(dir, &["edit", "add", "label", "app:other"]);
    assert!(
        err.contains("label app already in kustomization file"),
        "{err}"
    );
    assert!(
        fails(dir, &["edit", "set", "namespace", "a", "b"])
            .contains("must specify exactly one namespace value")
    );
    assert!(
        fails(dir, &["edit", "set", "replicas", "web"])
            .contains("invalid format of replica, use the following format: <name>=<count>")
    );
    assert!(
        fails(dir, &["edit", "add", "annotation", ":nokey"])
            .contains("invalid annotation: ':nokey' (need k:v pair where v may be quoted)")
    );
    assert!(
        fails(dir, &["edit", "add", "label", "--include-templates", "a:b"])
            .contains("--without-selector flag must be specified")
    );
    assert!(
        fails(dir, &["edit", "add", "buildmetadata", "bogus"])
            .contains("invalid buildMetadata option: bogus")
    );
    assert_eq!(read(dir), want);
    ok(dir, &["edit", "add", "label", "--force", "app:other"]);
    assert!(read(dir).contains("  app: other\n"));
    // Labels without selector go to a `labels` entry.
    ok(
        dir,
        &["edit", "add", "label", "--without-selector", "team:a"],
    );
    assert!(
        read(dir).contains("labels:\n- pairs:\n    team: a\n"),
        "{}",
        read(dir)
    );
    builds_like_kubectl(dir);
    // remove label / annotation, with --ignore-non-existence.
    assert!(
        fails(dir, &["edit", "remove", "label", "nope"])
            .contains("label nope is not defined in kustomization file")
    );
    ok(dir, &["edit", "remove", "label", "-i", "nope,env"]);
    ok(dir, &["edit", "remove", "annotation", "owner,tier,note"]);
    ok(
        dir,
        &["edit", "remove", "buildmetadata", "originAnnotations"],
    );
    let text = read(dir);
    assert!(
        !text.contains("env: prod")
            && !text.contains("commonAnnotations")
            && !text.contains("buildMetadata"),
        "{text}"
    );
    builds_like_kubectl(dir);
}

#[test]
fn add_and_remove_patches() {
    let tmp = project("resources:\n- deployment.yaml\n");
    let dir = tmp.path();
    write(
        dir,
        "patch.yaml",
        "- op: replace\n  path: /spec/replicas\n  value: 2\n",
    );
    ok(
        dir,
        &[
            "edit",
            "add",
            "patch",
            "--path",
            "patch.yaml",
            "--kind",
            "Deployment",
            "--name",
            "web",
        ],
    );
    ok(
        dir,
        &[
            "edit",
            "add",
            "patch",
            "--patch",
            "- op: add\n  path: /spec/paused\n  value: true\n",
            "--kind",
            "Deployment",
        ],
    );
    assert_eq!(
        read(dir),
        "resources:\n- deployment.yaml\npatches:\n- path: patch.yaml\n  target:\n    kind: Deployment\n    name: web\n- patch: |\n    - op: add\n      path: /spec/paused\n      value: true\n  target:\n    kind: Deployment\n"
    );
    builds_like_kubectl(dir);
    // Adding again: no change; both or neither of --path/--patch: errors.
    ok(
        dir,
        &[
            "edit",
            "add",
            "patch",
            "--path",
            "patch.yaml",
            "--kind",
            "Deployment",
            "--name",
            "web",
        ],
    );
    assert!(fails(dir, &["edit", "add", "patch"]).contains("must provide either patch or path"));
    assert!(
        fails(
            dir,
            &["edit", "add", "patch", "--path", "a", "--patch", "b"]
        )
        .contains("patch and path can't be set at the same time")
    );
    // Removal needs an exact match.
    ok(dir, &["edit", "remove", "patch", "--path", "patch.yaml"]);
    assert!(read(dir).contains("- path: patch.yaml"));
    ok(
        dir,
        &[
            "edit",
            "remove",
            "patch",
            "--path",
            "patch.yaml",
            "--kind",
            "Deployment",
            "--name",
            "web",
        ],
    );
    assert!(!read(dir).contains("- path: patch.yaml"));
    builds_like_kubectl(dir);
}

#[test]
fn fix_migrates_deprecated_fields_and_builds_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // fix_test.go's inputs, together.
    let before = "# overlay
bases:
- base
commonLabels:
  team: a
patchesStrategicMerge:
- smp.yaml
patchesJson6902:
- path: json.yaml
  target:
    group: apps
    version: v1
    kind: Deployment
    name: web
imageTags:
- name: nginx
  newTag: \"1.26\"
";
    write(dir, "kustomization.yaml", before);
    write(
        dir,
        "base/kustomization.yaml",
        "resources:\n- deployment.yaml\n",
    );
    write(dir, "base/deployment.yaml", DEPLOYMENT);
    write(
        dir,
        "smp.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 4\n",
    );
    write(
        dir,
        "json.yaml",
        "- op: add\n  path: /metadata/annotations\n  value: {a: b}\n",
    );
    let out = gitops(dir, &["build", "."]);
    let old_build = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(String::from_utf8_lossy(&out.stderr).contains("'bases' is deprecated"));
    let stdout = gitops(dir, &["edit", "fix"]);
    assert!(stdout.status.success());
    let printed = String::from_utf8_lossy(&stdout.stdout);
    assert!(
        printed.contains("Fixed fields:\n  patchesJson6902 -> patches"),
        "{printed}"
    );
    assert!(!printed.contains("Warning"), "{printed}");
    assert_eq!(
        read(dir),
        format!(
            "# overlay
{HEADER}resources:
- base
labels:
- includeSelectors: true
  pairs:
    team: a
patches:
- path: json.yaml
  target:
    group: apps
    version: v1
    kind: Deployment
    name: web
- path: smp.yaml
images:
- name: nginx
  newTag: \"1.26\"
"
        )
    );
    let out = gitops(dir, &["build", "."]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), old_build);
    assert!(
        String::from_utf8_lossy(&out.stderr).is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    builds_like_kubectl(dir);
    // TestFixOutdatedCommonLabels with a clash.
    write(
        dir,
        "kustomization.yaml",
        "commonLabels:\n  foo: bar\nlabels:\n- pairs:\n    foo: baz\n",
    );
    assert!(
        fails(dir, &["edit", "fix"])
            .contains("label name 'foo' exists in both commonLabels and labels")
    );
}

#[test]
fn fix_vars_converts_vars_to_replacements() {
    // convert_test.go's TestFixVarsSimple, with the var's Secret so that
    // it builds.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let kustomization = format!(
        "\n{HEADER}\nresources:\n- pod.yaml\n- secret.yaml\n\nvars:\n- name: SOME_SECRET_NAME\n  objref:\n    kind: Secret\n    name: my-secret\n    apiVersion: v1\n"
    );
    let pod = "\napiVersion: v1\nkind: Pod\nmetadata:\n  name: my-pod\nspec:\n  containers:\n  - image: myimage\n    name: hello\n    env:\n    - name: SECRET_TOKEN\n      value: $(SOME_SECRET_NAME)\n";
    write(dir, "kustomization.yaml", &kustomization);
    write(dir, "pod.yaml", pod);
    write(
        dir,
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: my-secret\n",
    );
    let old_build = gitops(dir, &["build", "."]).stdout;
    // Without --vars, vars stay and the command says how to convert them.
    let out = gitops(dir, &["edit", "fix"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("To convert vars -> replacements, run the command `gitops edit fix --vars`")
    );
    assert_eq!(read(dir), kustomization);
    let out = gitops(dir, &["edit", "fix", "--vars"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("  vars -> replacements"), "{printed}");
    assert!(!printed.contains("Warning"), "{printed}");
    assert_eq!(
        read(dir),
        format!(
            "\n{HEADER}\nresources:\n- pod.yaml\n- secret.yaml\n\nreplacements:\n- source:\n    kind: Secret\n    name: my-secret\n    version: v1\n  targets:\n  - fieldPaths:\n    - spec.containers.0.env.0.value\n    select:\n      kind: Pod\n      name: my-pod\n      version: v1\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("pod.yaml")).unwrap(),
        pod.replace("$(SOME_SECRET_NAME)", "SOME_SECRET_NAME_PLACEHOLDER")
    );
    assert_eq!(gitops(dir, &["build", "."]).stdout, old_build);
    builds_like_kubectl(dir);
    // TestFixVarsNotDelimited: kustomize's error, and nothing is written.
    write(dir, "kustomization.yaml", &kustomization);
    let not_delimited = pod.replace("$(SOME_SECRET_NAME)", "var$(SOME_SECRET_NAME)/path");
    write(dir, "pod.yaml", &not_delimited);
    assert!(fails(dir, &["edit", "fix", "--vars"]).contains(
        "Error: error with pod.yaml: cannot convert all vars to replacements; $(SOME_SECRET_NAME) is not delimited"
    ));
    assert_eq!(read(dir), kustomization);
    assert_eq!(
        std::fs::read_to_string(dir.join("pod.yaml")).unwrap(),
        not_delimited
    );
}

#[test]
fn flow_style_kustomizations_stay_flow() {
    let tmp = project("{resources: [deployment.yaml], commonLabels: {app: web}}\n");
    let dir = tmp.path();
    write(dir, "svc.yaml", &SERVICE.replace("NAME", "web"));
    ok(dir, &["edit", "add", "resource", "svc.yaml"]);
    ok(dir, &["edit", "set", "namespace", "prod"]);
    ok(dir, &["edit", "add", "label", "tier:front"]);
    ok(dir, &["edit", "set", "image", "nginx:1.27"]);
    assert_eq!(
        read(dir),
        "{resources: [deployment.yaml, svc.yaml], commonLabels: {app: web, tier: front}, namespace: prod, images: [{name: nginx, newTag: \"1.27\"}]}\n"
    );
    builds_like_kubectl(dir);
    ok(dir, &["edit", "remove", "resource", "svc.yaml"]);
    assert!(read(dir).starts_with("{resources: [deployment.yaml], "));
}

/// kustomize's `addtransformer_test.go` and `addgenerator_test.go`: globs
/// expand, a file already listed is logged and kept once, no argument is an
/// error; the plugin configurations are files listed as they are.
#[test]
fn add_transformer_and_generator_list_their_files() {
    for (what, field) in [("transformer", "transformers"), ("generator", "generators")] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "kustomization.yaml", "resources: []\n");
        write(dir, "myWonderful.yaml", "Lorem ipsum\n");
        write(dir, "myWonderful.yamlanother", "Lorem ipsum\n");
        ok(dir, &["edit", "add", what, "myWonderful.yaml*"]);
        let want =
            format!("resources: []\n{field}:\n- myWonderful.yaml\n- myWonderful.yamlanother\n");
        assert_eq!(read(dir), want);
        let err = ok(dir, &["edit", "add", what, "myWonderful.yaml"]);
        assert!(
            err.contains(&format!(
                "{what} myWonderful.yaml already in kustomization file"
            )),
            "{err}"
        );
        assert_eq!(read(dir), want);
        let err = fails(dir, &["edit", "add", what]);
        assert!(
            err.contains(&format!(
                "must specify a yaml file which contains a {what} plugin resource"
            )),
            "{err}"
        );
        let empty = tempfile::tempdir().unwrap();
        write(empty.path(), "t.yaml", "x: y\n");
        // kustomize's message; ours then names the directory, as every
        // gitops edit command does.
        let err = fails(empty.path(), &["edit", "add", what, "t.yaml"]);
        assert!(
            err.contains("Missing kustomization file 'kustomization.yaml'."),
            "{err}"
        );
    }
}

#[test]
fn the_kustomization_option_and_missing_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let d = dir.to_str().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let err = fails(
        elsewhere.path(),
        &["edit", "set", "namespace", "x", "--kustomization", d],
    );
    assert!(
        err.contains("Missing kustomization file 'kustomization.yaml'."),
        "{err}"
    );
    write(dir, "kustomization.yaml", "resources: []\n");
    ok(
        elsewhere.path(),
        &["edit", "--kustomization", d, "set", "namespace", "x"],
    );
    assert_eq!(read(dir), "resources: []\nnamespace: x\n");
}

#[test]
fn add_configmap_and_secret() {
    let tmp = project("resources:\n- deployment.yaml\n");
    let dir = tmp.path();
    write(dir, "conf/app.properties", "a=1\n");
    write(dir, "conf/log.properties", "level=info\n");
    write(dir, "e.env", "A=1\nB=2\n");
    // addconfigmap_test.go: literals and files (globs expand; a key takes one match).
    ok(
        dir,
        &[
            "edit",
            "add",
            "configmap",
            "cm",
            "--from-literal=k=v",
            "--from-file=conf/*.properties",
        ],
    );
    ok(
        dir,
        &[
            "edit",
            "add",
            "configmap",
            "cm",
            "--from-file=main=conf/app*",
            "--disableNameSuffixHash",
        ],
    );
    ok(
        dir,
        &[
            "edit",
            "add",
            "secret",
            "s",
            "--from-env-file=e.env",
            "--type=Opaque",
        ],
    );
    assert_eq!(
        read(dir),
        "resources:\n- deployment.yaml\nconfigMapGenerator:\n- files:\n  - conf/app.properties\n  - conf/log.properties\n  - main=conf/app.properties\n  literals:\n  - k=v\n  name: cm\n  options:\n    disableNameSuffixHash: true\nsecretGenerator:\n- envs:\n  - e.env\n  name: s\n  type: Opaque\n"
    );
    builds_like_kubectl(dir);
    let err = fails(
        dir,
        &["edit", "add", "configmap", "x", "--from-file=k=conf/*"],
    );
    assert!(err.contains("failed to expand file source: 'pattern 'k=conf/*' catches files [conf/app.properties conf/log.properties], should catch only one"), "{err}");
    let err = fails(
        dir,
        &["edit", "add", "configmap", "x", "--from-literal=novalue"],
    );
    assert!(err.contains("failed to create configmap"), "{err}");
    let err = fails(dir, &["edit", "add", "secret", "x"]);
    assert!(err.contains("failed to validate flags: at least from-env-file, or from-file or from-literal must be set"), "{err}");
    // setconfigmap_test.go: an existing literal key gets a new value.
    ok(
        dir,
        &[
            "edit",
            "set",
            "configmap",
            "cm",
            "--from-literal=k=w",
            "--new-namespace=default",
        ],
    );
    assert!(read(dir).contains("  - k=w\n"), "{}", read(dir));
    builds_like_kubectl(dir);
    let err = fails(
        dir,
        &[
            "edit",
            "set",
            "configmap",
            "cm",
            "--from-literal=nokey=x",
            "--namespace=default",
        ],
    );
    assert!(err.contains("key 'nokey' not found in resource"), "{err}");
    // removeconfigmap_test.go / removesecret_test.go.
    let err = ok(
        dir,
        &[
            "edit",
            "remove",
            "configmap",
            "cm,other",
            "--namespace=default",
        ],
    );
    assert!(
        err.contains("configmap other doesn't exist in kustomization file"),
        "{err}"
    );
    assert!(
        fails(dir, &["edit", "remove", "secret", "s", "--namespace", "ns"])
            .contains("no specified secret(s) were found")
    );
    ok(dir, &["edit", "remove", "secret", "s"]);
    assert_eq!(read(dir), "resources:\n- deployment.yaml\n");
}

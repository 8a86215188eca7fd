//! Rendering source paths of a commit: kustomizations (checked against
//! kustomize-core on the checked-out tree and the example's `kubectl
//! kustomize` output), plain directories, errors and the render cache.

mod source_support;

use std::path::Path;
use std::sync::Arc;

use gitops_engine::source::{
    DirectoryOptions, GitRepo, LocalDir, Oid, RenderCache, RenderOptions, Rendered, SourceError,
    render,
};
use kustomize_core::fs::{LoadError, LoadRestrictor};

use kustomize_core::{BuildLimits, BuildOptions, build_disk};
use serde_json::json;
use source_support::{Upstream, as_yaml, monorepo};

fn clone(up: &Upstream) -> GitRepo {
    GitRepo::open_or_clone(&up.url(), &up.cache).unwrap()
}

#[test]
fn kustomization_from_a_commit_equals_the_checked_out_build() {
    let up = Upstream::new();
    up.copy_tree(&monorepo(), "examples/monorepo");
    let commit = up.commit("monorepo");
    let repo = clone(&up);
    let head = repo.resolve("main").unwrap();
    assert_eq!(head.to_string(), commit);

    // Render with the bases gone from the work tree: only the commit counts.
    std::fs::remove_dir_all(up.dir.join("examples/monorepo/services")).unwrap();
    let rendered: Vec<Rendered> = ["dev", "prod"]
        .iter()
        .map(|env| {
            let path = format!("examples/monorepo/apps/{env}");
            render(&repo, head, &path, &RenderOptions::default()).unwrap()
        })
        .collect();
    up.git(&["checkout", "-q", "--", "."]);

    for (env, rendered) in ["dev", "prod"].iter().zip(&rendered) {
        assert_eq!(rendered.revision, commit);
        let path = format!("examples/monorepo/apps/{env}");
        let disk = build_disk(&up.dir.join(&path), &BuildOptions::default()).unwrap();
        assert_eq!(as_yaml(rendered), disk.to_yaml(), "{env}");
        let oracle =
            std::fs::read_to_string(monorepo().join(format!("expected/{env}.yaml"))).unwrap();
        assert_eq!(as_yaml(rendered), oracle, "{env} against kubectl kustomize");
    }
}

#[test]
fn a_local_kustomization_renders_as_kubectl_kustomize_does() {
    let local = LocalDir::new(monorepo()).unwrap();
    let rendered = local
        .render("apps/prod", &RenderOptions::default())
        .unwrap();
    let oracle = std::fs::read_to_string(monorepo().join("expected/prod.yaml")).unwrap();
    assert_eq!(as_yaml(&rendered), oracle);
}

/// The controller's `--kustomize-max-*` bounds reach the build: past one, the
/// render fails with the limit named instead of going on.
#[test]
fn the_build_limits_of_the_options_bound_the_render() {
    let local = LocalDir::new(monorepo()).unwrap();
    let bounded = |max_resources| RenderOptions {
        kustomize_limits: BuildLimits {
            max_resources,
            ..BuildLimits::default()
        },
        ..RenderOptions::default()
    };
    // The example reads 9 resources from files (generators make the other 4).
    let rendered = local.render("apps/prod", &bounded(9)).unwrap();
    assert_eq!(rendered.objects.len(), 13);
    let err = local
        .render("apps/prod", &bounded(8))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the build loads more than 8 resources"),
        "{err}"
    );
}

#[test]
fn the_load_restrictor_sees_through_links_in_the_tree() {
    let up = Upstream::new();
    up.write(
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n",
    );
    up.write(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    up.symlink("app/inside.yaml", "cm.yaml");
    up.symlink("app/sneaky.yaml", "../secret.yaml");
    up.write(
        "app/kustomization.yaml",
        "resources:\n- inside.yaml\n- sneaky.yaml\n",
    );
    let commit: Oid = up.commit("links").parse().unwrap();
    let repo = clone(&up);

    let err = render(&repo, commit, "app", &RenderOptions::default()).unwrap_err();
    let SourceError::Kustomize { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(&**source, kustomize_core::Error::Read { source: LoadError::OutsideRoot { path, .. }, .. } if path == Path::new("/secret.yaml")),
        "{source:?}"
    );
    // kustomize on the checked-out tree refuses too.
    assert!(build_disk(&up.dir.join("app"), &BuildOptions::default()).is_err());

    let open = RenderOptions {
        load_restrictor: LoadRestrictor::None,
        ..Default::default()
    };
    let rendered = render(&repo, commit, "app", &open).unwrap();
    let names: Vec<_> = rendered
        .objects
        .iter()
        .map(|o| o["metadata"]["name"].clone())
        .collect();
    assert_eq!(names, [json!("c"), json!("s")]);
}

/// A plain directory in the layout of Argo CD's directory source.
fn plain_dir(up: &Upstream) {
    up.write("d/b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b1\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b2\n");
    up.write(
        "d/a.json",
        r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}"#,
    );
    up.write(
        "d/c.yml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    up.write(
        "d/sub/s.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n",
    );
    up.write(
        "d/sub/deeper/t.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\n",
    );
    up.write(
        "d/bb/x.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    up.write("d/README.md", "apiVersion: not a manifest\n");
    up.write("d/values.yaml", "- just\n- a list\n");
    up.write("d/skipped.yaml", "# +argocd:skip-file-rendering\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: skipped\n");
    up.symlink("d/linked.yaml", "../shared/l.yaml");
    up.write(
        "shared/l.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l\n",
    );
    up.symlink("d/linked-dir", "../shared");
    up.write("d/list.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: li1\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: li2\n");
    up.symlink("d/notes.txt", "/etc/hostname");
    up.symlink("d/dangling.yaml", "gone.yaml");
}

fn names(rendered: &Rendered) -> Vec<String> {
    rendered
        .objects
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn plain_directories_render_in_path_order() {
    let up = Upstream::new();
    plain_dir(&up);
    let commit: Oid = up.commit("plain").parse().unwrap();
    let repo = clone(&up);

    let flat = render(&repo, commit, "d", &RenderOptions::default()).unwrap();
    assert_eq!(names(&flat), ["a", "b1", "b2", "c", "l", "li1", "li2"]);
    assert_eq!(flat.warnings.len(), 2, "{:?}", flat.warnings);
    assert!(
        flat.warnings[0].contains("dangling.yaml"),
        "{:?}",
        flat.warnings
    );
    assert!(
        flat.warnings[1].contains("values.yaml"),
        "{:?}",
        flat.warnings
    );

    let recurse = RenderOptions {
        directory: DirectoryOptions {
            recurse: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let deep = render(&repo, commit, "./d/", &recurse).unwrap();
    // Lexical walk order, directories entered where they sort: `b.yaml` <
    // `bb/` < `c.yml`, `sub/deeper/` < `sub/s.yaml`; linked directories are
    // not entered.
    assert_eq!(
        names(&deep),
        ["a", "b1", "b2", "x", "c", "l", "li1", "li2", "t", "s"]
    );

    // The same directory on disk, through the local source.
    let local = LocalDir::new(&up.dir).unwrap();
    let from_disk = local.render("d", &recurse).unwrap();
    assert_eq!(from_disk.objects, deep.objects);
    assert!(
        from_disk.revision.starts_with("sha256:"),
        "{}",
        from_disk.revision
    );
    assert_eq!(
        local.render("d", &recurse).unwrap().revision,
        from_disk.revision
    );
    // Rooted at `d`, the linked manifest lies outside the source.
    let err = LocalDir::new(up.dir.join("d"))
        .unwrap()
        .render(".", &RenderOptions::default())
        .unwrap_err();
    assert!(
        matches!(&err, SourceError::Manifest { file, .. } if file == Path::new("linked.yaml")),
        "{err:?}"
    );
    assert_ne!(
        local
            .render("d", &RenderOptions::default())
            .unwrap()
            .revision,
        from_disk.revision
    );
}

#[test]
fn broken_manifests_and_escaping_links_are_errors_naming_the_file() {
    let up = Upstream::new();
    up.write(
        "bad/ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
    );
    up.write(
        "bad/broken.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
    );
    up.write("json/two.json", "{\"apiVersion\": \"v1\", \"kind\": \"A\", \"metadata\": {}}\n---\n{\"apiVersion\": \"v1\", \"kind\": \"B\", \"metadata\": {}}\n");
    up.symlink("out/escape.yaml", "../../etc/passwd.yaml");
    let commit: Oid = up.commit("bad").parse().unwrap();
    let repo = clone(&up);
    for (path, file) in [
        ("bad", "bad/broken.yaml"),
        ("json", "json/two.json"),
        ("out", "out/escape.yaml"),
    ] {
        let err = render(&repo, commit, path, &RenderOptions::default()).unwrap_err();
        let SourceError::Manifest {
            file: got,
            url,
            revision,
            ..
        } = &err
        else {
            panic!("{path}: {err:?}")
        };
        assert_eq!(got, Path::new(file));
        assert_eq!(
            (url.as_str(), revision.as_str()),
            (up.url().as_str(), commit.to_string().as_str())
        );
        assert!(err.to_string().contains(file), "{err}");
    }
}

#[test]
fn missing_and_invalid_paths_are_errors() {
    let up = Upstream::new();
    up.write(
        "a/x.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    let commit: Oid = up.commit("a").parse().unwrap();
    let repo = clone(&up);
    let opts = RenderOptions::default();
    for path in ["nope", "a/x.yaml"] {
        let err = render(&repo, commit, path, &opts).unwrap_err();
        assert!(
            matches!(err, SourceError::PathNotFound { .. }),
            "{path}: {err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains(path) && msg.contains(&commit.to_string()) && msg.contains(&up.url()),
            "{msg}"
        );
    }
    for path in ["..", "a/../../x", "/a"] {
        let err = render(&repo, commit, path, &opts).unwrap_err();
        assert!(
            matches!(err, SourceError::InvalidPath { .. }),
            "{path}: {err:?}"
        );
    }
    assert!(matches!(
        LocalDir::new(up.dir.join("missing")),
        Err(SourceError::PathNotFound { .. })
    ));
}

#[test]
fn the_cache_renders_again_only_for_a_new_commit() {
    let up = Upstream::new();
    up.write(
        "a/x.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    let first: Oid = up.commit("one").parse().unwrap();
    let repo = clone(&up);
    let cache = RenderCache::new(2);
    let opts = RenderOptions::default();

    let one = cache.render(&repo, first, "a", &opts, || None).unwrap();
    let again = cache.render(&repo, first, "./a/", &opts, || None).unwrap();
    assert!(Arc::ptr_eq(&one, &again), "same path, written differently");
    assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
    assert_eq!(cache.stats().trees_indexed, 1);

    up.write(
        "a/x.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n",
    );
    up.commit("two");
    repo.fetch().unwrap();
    let second = repo.resolve("main").unwrap();
    let two = cache.render(&repo, second, "a", &opts, || None).unwrap();
    assert_eq!(names(&two), ["y"]);
    assert_eq!((cache.stats().hits, cache.stats().misses), (1, 2));
    assert_eq!(cache.stats().trees_indexed, 2, "a new commit is a new tree");

    // Other options are another key; the cache holds two, so the least
    // recently used (the first commit) goes.
    let recurse = RenderOptions {
        directory: DirectoryOptions {
            recurse: true,
            ..Default::default()
        },
        ..Default::default()
    };
    cache.render(&repo, second, "a", &recurse, || None).unwrap();
    assert_eq!(cache.len(), 2);
    assert_eq!(
        cache.stats().trees_indexed,
        2,
        "the tree of a commit is reused"
    );
    cache.render(&repo, second, "a", &opts, || None).unwrap();
    assert_eq!(cache.stats().hits, 2);
    let back = cache.render(&repo, first, "a", &opts, || None).unwrap();
    assert!(!Arc::ptr_eq(&one, &back), "evicted, rendered again");
    assert_eq!(*one, *back);
    assert_eq!(cache.stats().misses, 4);

    // Errors are not cached.
    assert!(cache.render(&repo, first, "nope", &opts, || None).is_err());
    assert!(cache.render(&repo, first, "nope", &opts, || None).is_err());
    assert_eq!(cache.stats().misses, 6);
    assert_eq!(cache.len(), 2);
}

#[test]
fn include_and_exclude_globs_filter_relative_paths() {
    let up = Upstream::new();
    plain_dir(&up);
    let commit: Oid = up.commit("plain").parse().unwrap();
    let repo = clone(&up);
    let with = |include: &str, exclude: &str| {
        let options = RenderOptions {
            directory: DirectoryOptions {
                recurse: true,
                include: include.to_owned(),
                exclude: exclude.to_owned(),
            },
            ..Default::default()
        };
        render(&repo, commit, "d", &options)
    };
    // `*` matches across `/`, as in Argo CD's globs.
    assert_eq!(
        names(&with("*.yaml", "").unwrap()),
        ["b1", "b2", "x", "l", "li1", "li2", "t", "s"]
    );
    assert_eq!(
        names(&with("", "sub/*").unwrap()),
        ["a", "b1", "b2", "x", "c", "l", "li1", "li2"]
    );
    assert_eq!(names(&with("{a.json,c.yml}", "").unwrap()), ["a", "c"]);
    // Exclude wins over include.
    assert_eq!(
        names(&with("*.yaml", "b*").unwrap()),
        ["l", "li1", "li2", "t", "s"]
    );

    let err = with("[", "").unwrap_err();
    assert!(
        matches!(
            err,
            SourceError::InvalidOption {
                field: "directory.include",
                ..
            }
        ),
        "{err:?}"
    );
}

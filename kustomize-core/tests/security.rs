//! The load restrictor and the bounds on hostile input, end to end through
//! `build_disk`. The expectations mirror `kubectl kustomize`, which refuses
//! the same trees (checked by hand: it exits 1 on each refused case).

use kustomize_core::fs::LoadRestrictor;
use kustomize_core::{BuildOptions, build_disk};
use std::fs;
use std::path::Path;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn options(restrictor: LoadRestrictor) -> BuildOptions {
    BuildOptions::default().with_load_restrictor(restrictor)
}

const GENERATOR_READING: &str = "configMapGenerator:\n- name: c\n  files:\n  - FILE\n";

#[test]
fn file_outside_root_is_refused_by_default_and_allowed_with_none() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "secret.txt", "s3cr3t\n");
    write(
        dir.path(),
        "app/kustomization.yaml",
        &GENERATOR_READING.replace("FILE", "../secret.txt"),
    );
    let app = dir.path().join("app");
    let err = build_disk(&app, &options(LoadRestrictor::RootOnly))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("security") && err.contains("secret.txt"),
        "{err}"
    );
    let ok = build_disk(&app, &options(LoadRestrictor::None)).unwrap();
    assert!(ok.to_yaml().contains("s3cr3t"));
}

#[cfg(unix)]
#[test]
fn symlink_escaping_root_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "secret.txt", "s3cr3t\n");
    write(
        dir.path(),
        "app/kustomization.yaml",
        &GENERATOR_READING.replace("FILE", "link.txt"),
    );
    std::os::unix::fs::symlink("../secret.txt", dir.path().join("app/link.txt")).unwrap();
    let err = build_disk(&dir.path().join("app"), &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("security"), "{err}");
}

#[cfg(unix)]
#[test]
fn resource_symlink_escaping_root_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    write(
        dir.path(),
        "app/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    std::os::unix::fs::symlink("../cm.yaml", dir.path().join("app/cm.yaml")).unwrap();
    let err = build_disk(&dir.path().join("app"), &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("security"), "{err}");
}

#[test]
fn alias_bomb_fails_fast() {
    let mut doc = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..12 {
        let p = i - 1;
        doc.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bomb.yaml", &doc);
    write(
        dir.path(),
        "kustomization.yaml",
        "resources:\n- bomb.yaml\n",
    );
    let err = build_disk(dir.path(), &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("bomb.yaml"), "{err}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let doc = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deep.yaml", &doc);
    write(
        dir.path(),
        "kustomization.yaml",
        "resources:\n- deep.yaml\n",
    );
    assert!(build_disk(dir.path(), &BuildOptions::default()).is_err());
}

#[test]
fn missing_kustomization_names_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let err = build_disk(dir.path(), &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("kustomization.yaml") && err.contains(&dir.path().display().to_string()),
        "{err}"
    );
}

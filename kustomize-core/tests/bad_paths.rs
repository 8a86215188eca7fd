//! Resources that are not files or directories say what they are, and a
//! cycle of bases names the kustomization that closes it.

use kustomize_core::{BuildOptions, build_disk};
use std::fs;
use std::path::Path;

fn build_error(dir: &Path) -> String {
    build_disk(dir, &BuildOptions::default())
        .expect_err("the build must fail")
        .to_string()
}

fn kustomization(dir: &Path, resources: &str) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("kustomization.yaml"), resources).unwrap();
}

#[test]
fn a_cycle_names_the_kustomization_closing_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    kustomization(&a, "resources:\n- ../b\n");
    kustomization(&b, "resources:\n- ../a\n");
    let err = build_error(&a);
    let closing = b.join("kustomization.yaml").canonicalize().unwrap();
    assert!(
        err.contains(&format!("{}: resources: cycle detected", closing.display())),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_dangling_links_and_fifos_say_what_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("app");
    std::os::unix::fs::symlink("loop2", tmp.path().join("loop1")).unwrap();
    std::os::unix::fs::symlink("loop1", tmp.path().join("loop2")).unwrap();
    std::os::unix::fs::symlink("missing", tmp.path().join("dangling")).unwrap();
    let fifo = tmp.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for (entry, what) in [
        ("../loop1", "is a symbolic link that cannot be followed"),
        ("../dangling", "is a symbolic link to nothing"),
        ("../fifo", "is a FIFO (named pipe)"),
        ("/dev/null", "is a device"),
        ("../nothing-here", "does not exist"),
    ] {
        kustomization(&root, &format!("resources:\n- {entry}\n"));
        let err = build_error(&root);
        assert!(err.contains(what), "{entry}: {err}");
    }
    let long = format!("../{}", "x".repeat(5000));
    kustomization(&root, &format!("resources:\n- {long}\n"));
    let err = build_error(&root);
    assert!(err.contains("is too long a path"), "{err}");
}

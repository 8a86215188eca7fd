//! `gitops build --max-kustomizations/--max-resources/--max-resource-bytes`:
//! the bounds on one build's work, for trees nobody vetted.

use std::path::Path;
use std::process::{Command, Output};

fn gitops(dir: &Path, flags: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops"))
        .arg("build")
        .arg(dir)
        .args(flags)
        .output()
        .expect("run gitops")
}

/// A kustomization including one base of three ConfigMaps twice, through two
/// overlays: 5 kustomizations loaded (the base twice), 6 resources and twice
/// the base's file read.
fn tree(root: &Path) -> std::path::PathBuf {
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let config = |name: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: v\n")
    };
    let maps = [config("a"), config("b"), config("c")].join("---\n");
    write("base/maps.yaml", &maps);
    write("base/kustomization.yaml", "resources:\n- maps.yaml\n");
    write(
        "one/kustomization.yaml",
        "resources:\n- ../base\nnamePrefix: one-\n",
    );
    write(
        "two/kustomization.yaml",
        "resources:\n- ../base\nnamePrefix: two-\n",
    );
    write("top/kustomization.yaml", "resources:\n- ../one\n- ../two\n");
    root.join("top")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_build_within_its_bounds_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let top = tree(dir.path());
    let bytes = std::fs::metadata(dir.path().join("base/maps.yaml"))
        .unwrap()
        .len()
        .to_string();
    let out = gitops(
        &top,
        &[
            "--max-kustomizations",
            "5",
            "--max-resources",
            "6",
            "--max-resource-bytes",
            &(2 * bytes.parse::<u64>().unwrap()).to_string(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("kind: ConfigMap").count(), 6, "{text}");
}

#[test]
fn each_bound_stops_the_build_with_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let top = tree(dir.path());
    let bytes = std::fs::metadata(dir.path().join("base/maps.yaml"))
        .unwrap()
        .len();
    let cases = [
        ("--max-kustomizations", "4".to_owned(), "kustomizations"),
        ("--max-resources", "5".to_owned(), "resources"),
        (
            "--max-resource-bytes",
            (2 * bytes - 1).to_string(),
            "bytes of resource files",
        ),
    ];
    for (flag, value, what) in cases {
        let out = gitops(&top, &[flag, &value]);
        assert_eq!(out.status.code(), Some(1), "{flag}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("the build loads more than {value} {what} ")),
            "{flag}: {err}"
        );
        assert!(err.contains("--max-resources"), "{flag}: {err}");
    }
}

//! `gitops build` accepts kubectl kustomize's flags for KRM function
//! plugins (`--enable-alpha-plugins`, `-e/--env`, `--mount`, `--network`,
//! `--network-name`, `--as-current-user`; see `kubectl kustomize --help`)
//! and refuses them with a clear error, since gitops runs no plugins.

use std::process::{Command, Output};

fn kustomization() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n- cm.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
    )
    .unwrap();
    dir
}

fn build(dir: &std::path::Path, flags: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops"))
        .arg("build")
        .arg(dir)
        .args(flags)
        .output()
        .expect("run gitops")
}

#[test]
fn function_flags_are_refused_with_a_clear_error() {
    let dir = kustomization();
    let cases: [(&[&str], &str); 9] = [
        (&["--enable-alpha-plugins"], "--enable-alpha-plugins"),
        (&["--enable-alpha-plugins=true"], "--enable-alpha-plugins"),
        (&["-e", "FOO=bar"], "-e/--env"),
        (&["--env=FOO"], "-e/--env"),
        (&["--mount", "type=bind,src=/a,dst=/b"], "--mount"),
        (&["--network"], "--network"),
        (&["--network-name", "host"], "--network-name"),
        (&["--as-current-user"], "--as-current-user"),
        (
            &[
                "--enable-alpha-plugins",
                "--network",
                "-e",
                "A=1",
                "-e",
                "B=2",
            ],
            "--enable-alpha-plugins, -e/--env, --network",
        ),
    ];
    for (flags, named) in cases {
        let out = build(dir.path(), flags);
        assert_eq!(out.status.code(), Some(1), "{flags:?}");
        assert!(out.stdout.is_empty(), "{flags:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("Error: KRM function plugins are not supported: "),
            "{flags:?}: {err}"
        );
        assert!(err.contains(named), "{flags:?}: {err}");
        assert!(!err.contains("unexpected argument"), "{flags:?}: {err}");
    }
}

#[test]
fn boolean_function_flags_set_to_false_ask_for_nothing() {
    let dir = kustomization();
    let out = build(
        dir.path(),
        &[
            "--enable-alpha-plugins=false",
            "--network=false",
            "--as-current-user=false",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"
    );
}

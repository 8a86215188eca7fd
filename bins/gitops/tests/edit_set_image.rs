//! `gitops edit set image` edits the kustomization file in place.

use std::process::Command;

fn gitops(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(args)
        .output()
        .expect("run gitops")
}

#[test]
fn edits_the_kustomization_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kustomization.yml");
    std::fs::write(
        &file,
        "# overlay\nimages:\n- name: web # main\n  newTag: v1\n",
    )
    .unwrap();
    let out = gitops(&[
        "edit",
        "set",
        "image",
        "--kustomization",
        dir.path().to_str().unwrap(),
        "web:v2",
        "db=mirror/postgres:16",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "# overlay\nimages:\n- name: web # main\n  newTag: v2\n- name: db\n  newName: mirror/postgres\n  newTag: \"16\"\n"
    );
}

#[test]
fn failures_exit_1_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = gitops(&["edit", "set", "image", "--kustomization", d, "web:v2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Missing kustomization file 'kustomization.yaml'.")
    );

    let file = dir.path().join("kustomization.yaml");
    std::fs::write(&file, "images: {web: v1}\n").unwrap();
    let out = gitops(&["edit", "set", "image", "--kustomization", d, "web:v2"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("kustomization.yaml: images (line 1): expected a sequence"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "images: {web: v1}\n"
    );

    std::fs::write(dir.path().join("Kustomization"), "images: []\n").unwrap();
    let out = gitops(&["edit", "set", "image", "--kustomization", d, "web:v2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Found multiple kustomization file: [kustomization.yaml Kustomization]")
    );

    let out = gitops(&["edit", "set", "image", "--kustomization", d, "web"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid image argument \"web\""));
}

#[test]
fn works_in_the_current_directory_and_parses_arguments_as_kustomize() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kustomization.yaml");
    std::fs::write(&file, "resources:\n- app.yaml\n").unwrap();
    let run = |arg: &str| {
        Command::new(env!("CARGO_BIN_EXE_gitops"))
            .args(["edit", "set", "image", arg])
            .current_dir(dir.path())
            .output()
            .expect("run gitops")
    };
    // As kustomize 5.0-5.3 did, the tag is what follows the last ':' (the
    // name keeps the rest); kustomize 5.4+ would read name `nginx`, tag `a:b`.
    let out = run("nginx:a:b");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "resources:\n- app.yaml\nimages:\n- name: nginx:a\n  newTag: b\n"
    );
    for bad in ["nginx=", "a=b=c", "nginx:1 2", "host:5000/app"] {
        let out = run(bad);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("{bad:?}")), "{bad}: {err}");
    }
    // Refused arguments leave the file alone.
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "resources:\n- app.yaml\nimages:\n- name: nginx:a\n  newTag: b\n"
    );
}

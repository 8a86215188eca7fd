//! `gitops build -o PATH`: one file per resource when PATH is a directory,
//! the whole build in one file otherwise, compared with what `kubectl
//! kustomize -o` wrote for the same kustomizations (see
//! `fixtures/build_output/README.md`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURES: &str = "tests/fixtures/build_output";

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(FIXTURES)
        .join(name)
}

fn gitops(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(args)
        .output()
        .expect("run gitops")
}

/// Every file of `dir` (no subdirectories expected) by name.
fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            assert!(e.file_type().unwrap().is_file(), "{:?}", e.path());
            (
                e.file_name().into_string().unwrap(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect()
}

fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_existing_directory_gets_one_file_per_resource_named_as_kustomize_names_them() {
    for name in ["many_namespaces", "one_namespace"] {
        let case = case(name);
        let out_dir = tempfile::tempdir().unwrap();
        for flag in ["-o", "--output"] {
            let out = gitops(&[
                "build".as_ref(),
                case.join("input").as_os_str(),
                flag.as_ref(),
                out_dir.path().as_os_str(),
            ]);
            assert_success(&out);
            assert!(out.stdout.is_empty(), "{name}: nothing goes to stdout");
            let want = files(&case.join("expected"));
            let got = files(out_dir.path());
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                want.keys().collect::<Vec<_>>(),
                "{name}: file names"
            );
            for (file, text) in &want {
                assert_eq!(&got[file], text, "{name}: {file}");
            }
        }
    }
}

#[test]
fn files_already_in_the_directory_are_replaced_and_others_kept() {
    let case = case("one_namespace");
    let out_dir = tempfile::tempdir().unwrap();
    let service = out_dir.path().join("v1_service_prod-db.yaml");
    let other = out_dir.path().join("notes.txt");
    std::fs::write(&service, "stale\n".repeat(100)).unwrap();
    std::fs::write(&other, "keep me\n").unwrap();
    let out = gitops(&[
        "build".as_ref(),
        case.join("input").as_os_str(),
        "-o".as_ref(),
        out_dir.path().as_os_str(),
    ]);
    assert_success(&out);
    assert_eq!(
        std::fs::read_to_string(&service).unwrap(),
        std::fs::read_to_string(case.join("expected/v1_service_prod-db.yaml")).unwrap()
    );
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "keep me\n");
}

#[test]
fn any_other_path_gets_the_whole_build_in_one_file() {
    for name in ["many_namespaces", "one_namespace"] {
        let case = case(name);
        let want = std::fs::read_to_string(case.join("expected.yaml")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        // A new file, and an existing one (truncated, as kustomize does).
        let new = dir.path().join("all.yaml");
        let existing = dir.path().join("existing.yaml");
        std::fs::write(&existing, "x".repeat(want.len() * 2)).unwrap();
        for file in [&new, &existing] {
            let out = gitops(&[
                "build".as_ref(),
                case.join("input").as_os_str(),
                "-o".as_ref(),
                file.as_os_str(),
            ]);
            assert_success(&out);
            assert!(out.stdout.is_empty());
            assert_eq!(std::fs::read_to_string(file).unwrap(), want, "{name}");
        }
        // The same text as standard output without `-o`, or with an empty
        // path (kustomize's default for the flag).
        let out = gitops(&["build".as_ref(), case.join("input").as_os_str()]);
        assert_success(&out);
        assert_eq!(String::from_utf8(out.stdout).unwrap(), want, "{name}");
        let out = gitops(&[
            "build".as_ref(),
            case.join("input").as_os_str(),
            "--output=".as_ref(),
        ]);
        assert_success(&out);
        assert_eq!(String::from_utf8(out.stdout).unwrap(), want, "{name}");
    }
}

#[test]
fn a_file_in_a_missing_directory_is_an_error() {
    let case = case("one_namespace");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("missing/all.yaml");
    let out = gitops(&[
        "build".as_ref(),
        case.join("input").as_os_str(),
        "-o".as_ref(),
        file.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("open {}", file.display())), "{err}");
    assert!(!file.exists());
}

#[test]
fn a_name_holding_a_path_separator_is_refused_and_nothing_escapes_the_directory() {
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("input");
    let out_dir = root.path().join("out");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(out_dir.join("v1_configmap_..")).unwrap();
    std::fs::write(input.join("kustomization.yaml"), "resources:\n- cm.yaml\n").unwrap();
    std::fs::write(
        input.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ../../../escaped\n",
    )
    .unwrap();
    let out = gitops(&[
        "build".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        out_dir.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("path separator"), "{err}");
    assert!(!root.path().join("escaped.yaml").exists());
    assert!(!out_dir.join("escaped.yaml").exists());
}

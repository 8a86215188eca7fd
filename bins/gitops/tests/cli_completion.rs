//! `gitops completion SHELL` prints a completion script for the shell.

use std::process::{Command, Output};

fn completion(shell: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(["completion", shell])
        .output()
        .expect("run gitops")
}

fn script(shell: &str) -> String {
    let out = completion(shell);
    assert!(
        out.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn bash_script_names_the_subcommands_and_parses() {
    let bash = script("bash");
    for word in [
        "gitops",
        "build",
        "edit",
        "app",
        "appset",
        "helm",
        "completion",
        "--output",
        "--load-restrictor",
        "--enable-helm",
    ] {
        assert!(bash.contains(word), "{word} missing from the bash script");
    }
    assert!(bash.contains("complete -F _gitops"), "registers _gitops");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gitops.bash");
    std::fs::write(&file, &bash).unwrap();
    let check = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn zsh_and_fish_scripts_name_the_binary() {
    let zsh = script("zsh");
    assert!(
        zsh.starts_with("#compdef gitops"),
        "{}",
        &zsh[..zsh.len().min(200)]
    );
    assert!(zsh.contains("build"));
    let fish = script("fish");
    assert!(fish.contains("complete -c gitops"));
    assert!(fish.contains("build"));
}

#[test]
fn an_unknown_shell_is_refused() {
    let out = completion("tcsh");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'tcsh'"));
}

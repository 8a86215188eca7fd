//! `gitops build` with remote bases (on by default, as in kustomize): an
//! overlay naming a `file://` repository, and a Git URL as the target.
//! Expected output is what `kubectl kustomize` printed for the same trees
//! (kustomize-core's `tests/remote/README.md`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../../../gitops-engine/tests/https_support/mod.rs"]
mod https_support;
#[path = "../../../gitops-engine/tests/source_support/mod.rs"]
mod source_support;
#[path = "../../../gitops-engine/tests/ssh_support/mod.rs"]
mod ssh_support;

use source_support::git;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../kustomize-core/tests/remote")
        .join(rel)
}

/// A repository holding the fixture's `base` and `comp`, tagged `v1`.
fn repository(tmp: &Path) -> PathBuf {
    let repo = tmp.join("repo");
    for dir in ["base", "comp"] {
        let from = fixture(&format!("vendored/{dir}"));
        std::fs::create_dir_all(repo.join(dir)).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), repo.join(dir).join(entry.file_name())).unwrap();
        }
    }
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "v1"]);
    git(&repo, &["tag", "v1"]);
    repo
}

fn gitops(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(args)
        .output()
        .expect("run gitops")
}

fn stdout_of(out: Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The fixture's overlay in `tmp/ov`, naming `base` and `comp` at `url`.
fn overlay(tmp: &Path, url: &str) -> PathBuf {
    let ov = tmp.join("ov");
    std::fs::create_dir_all(&ov).unwrap();
    std::fs::copy(fixture("vendored/ov/svc.yaml"), ov.join("svc.yaml")).unwrap();
    std::fs::write(
        ov.join("kustomization.yaml"),
        format!(
            "namespace: prod\nresources:\n- {url}//base?ref=v1\n- svc.yaml\ncomponents:\n- {url}//comp?ref=v1\n"
        ),
    )
    .unwrap();
    ov
}

#[test]
fn an_overlay_of_remote_bases_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repository(tmp.path()).display());
    let ov = overlay(tmp.path(), &url);
    let expected = std::fs::read_to_string(fixture("expected.yaml")).unwrap();
    assert_eq!(
        stdout_of(gitops(&["build", ov.to_str().unwrap()])),
        expected
    );
    // With a kept cache, twice: the second run reuses the clone.
    let cache = tmp.path().join("cache");
    for _ in 0..2 {
        let out = gitops(&[
            "build",
            ov.to_str().unwrap(),
            "--repo-cache",
            cache.to_str().unwrap(),
        ]);
        assert_eq!(stdout_of(out), expected);
    }
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);
}

#[test]
fn a_git_url_target_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let target = format!("file://{}//base?ref=v1", repository(tmp.path()).display());
    let expected = std::fs::read_to_string(fixture("expected-base.yaml")).unwrap();
    assert_eq!(stdout_of(gitops(&["build", &target])), expected);
}

/// As `git` in a CI job: a private `https://` base is reached with what
/// the credential helper of the user's git configuration gives (the
/// server's test CA trusted with `--repo-ca`).
#[test]
fn private_https_bases_use_git_credential_helpers() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    repository(&served);
    let server = https_support::HttpsGit::serve_with_basic_auth(&served, "ci", "s3cret");
    let ov = overlay(tmp.path(), &server.url("repo"));
    let ca = tmp.path().join("ca.pem");
    std::fs::write(&ca, &server.ca_pem).unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let build = || {
        let trust = format!("127.0.0.1={}", ca.display());
        Command::new(env!("CARGO_BIN_EXE_gitops"))
            .args(["build", ov.to_str().unwrap(), "--repo-ca", &trust])
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap()
    };
    let refused = build();
    assert!(!refused.status.success(), "no helper configured yet");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("credential helpers gave none"),
        "{refused:?}"
    );
    std::fs::write(
        home.join(".gitconfig"),
        "[credential]\n\thelper = \"!f() { echo username=ci; echo password=s3cret; }; f\"\n",
    )
    .unwrap();
    let expected = std::fs::read_to_string(fixture("expected.yaml")).unwrap();
    assert_eq!(stdout_of(build()), expected);
}

/// As `git` on a workstation: an `ssh://` base is reached with the SSH
/// agent's key, the server trusted through the user's `~/.ssh/known_hosts`
/// (hashed, as `HashKnownHosts` writes it).
#[test]
fn ssh_bases_use_the_agent_and_the_users_known_hosts() {
    let SshSetup {
        sshd,
        tmp,
        ov,
        home,
    } = SshSetup::new();
    let known_hosts = home.join(".ssh/known_hosts");
    let hashed = Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&known_hosts)
        .output()
        .unwrap();
    assert!(hashed.status.success(), "{hashed:?}");
    assert!(
        std::fs::read_to_string(&known_hosts)
            .unwrap()
            .starts_with("|1|")
    );
    let build = |agent: &Path| {
        Command::new(env!("CARGO_BIN_EXE_gitops"))
            .args(["build", ov.to_str().unwrap()])
            .env("HOME", &home)
            .env("SSH_AUTH_SOCK", agent)
            .output()
            .unwrap()
    };
    let agent = Agent::start(tmp.path());
    let refused = build(&agent.socket);
    assert!(!refused.status.success(), "no key in the agent yet");
    agent.add(&sshd.user_key);
    let expected = std::fs::read_to_string(fixture("expected.yaml")).unwrap();
    assert_eq!(stdout_of(build(&agent.socket)), expected);
}

/// Without an agent, as `ssh` does: the default identity files of `~/.ssh`.
#[test]
fn ssh_bases_use_the_users_key_files_without_an_agent() {
    // `_tmp` keeps the repository and the overlay until the end.
    let SshSetup {
        sshd,
        tmp: _tmp,
        ov,
        home,
    } = SshSetup::new();
    let build = || {
        Command::new(env!("CARGO_BIN_EXE_gitops"))
            .args(["build", ov.to_str().unwrap()])
            .env("HOME", &home)
            .env_remove("SSH_AUTH_SOCK")
            .output()
            .unwrap()
    };
    let refused = build();
    assert!(!refused.status.success(), "no key file yet");
    let key = home.join(".ssh/id_ed25519");
    std::fs::write(&key, &sshd.user_key).unwrap();
    let expected = std::fs::read_to_string(fixture("expected.yaml")).unwrap();
    assert_eq!(stdout_of(build()), expected);
}

/// An SSH server holding the test repository, an overlay of it, and a home
/// directory whose `~/.ssh/known_hosts` trusts the server.
struct SshSetup {
    sshd: ssh_support::Sshd,
    tmp: tempfile::TempDir,
    ov: PathBuf,
    home: PathBuf,
}

impl SshSetup {
    fn new() -> SshSetup {
        let sshd = ssh_support::Sshd::start();
        let tmp = tempfile::tempdir().unwrap();
        let repo = repository(tmp.path());
        let ov = overlay(tmp.path(), &sshd.url(&repo));
        let home = tmp.path().join("home");
        std::fs::create_dir_all(home.join(".ssh")).unwrap();
        let known_hosts = format!("{}\n", sshd.known_hosts_line);
        std::fs::write(home.join(".ssh/known_hosts"), known_hosts).unwrap();
        SshSetup {
            sshd,
            tmp,
            ov,
            home,
        }
    }
}

/// An `ssh-agent` on a socket of its own; killed on drop.
struct Agent {
    child: std::process::Child,
    socket: PathBuf,
}

impl Agent {
    fn start(dir: &Path) -> Agent {
        let socket = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("run ssh-agent (apt-get install openssh-client)");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !socket.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "ssh-agent did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Agent { child, socket }
    }

    /// Adds a private key (OpenSSH text) to the agent.
    fn add(&self, key: &str) {
        let file = self.socket.with_file_name("agent_key");
        std::fs::write(&file, key).unwrap();
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let out = Command::new("ssh-add")
            .arg(&file)
            .env("SSH_AUTH_SOCK", &self.socket)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Running the installed kubectl against an emulator, for the tests that check
//! what kubectl sees (here and in gitops-engine's apply parity test).
#![allow(dead_code)] // each test binary uses a different subset

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// How long one kubectl command may take.
const KUBECTL_LIMIT: Duration = Duration::from_secs(30);

/// Whether kubectl is installed (the tests skip without it).
pub fn kubectl_installed() -> bool {
    std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs kubectl against `server` with an empty kubeconfig and a private
/// cache under `dir`; returns (exit success, stdout, stderr).
pub async fn kubectl(server: &str, dir: &Path, args: &[&str]) -> (bool, String, String) {
    let args: Vec<&str> = ["--server", server].iter().chain(args).copied().collect();
    kubectl_with_kubeconfig(dir, "", &args).await
}

/// Runs kubectl with the kubeconfig `kubeconfig` (its text) and a private
/// cache under `dir`; returns (exit success, stdout, stderr).
pub async fn kubectl_with_kubeconfig(
    dir: &Path,
    kubeconfig: &str,
    args: &[&str],
) -> (bool, String, String) {
    let path = dir.join("kubeconfig");
    std::fs::write(&path, kubeconfig).expect("write kubeconfig");
    let mut cmd = tokio::process::Command::new("kubectl");
    cmd.env("KUBECONFIG", &path)
        .arg("--cache-dir")
        .arg(dir.join("cache"))
        .args(args)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(KUBECTL_LIMIT, cmd.output())
        .await
        .expect("kubectl timed out")
        .expect("kubectl runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

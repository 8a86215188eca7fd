//! Kustomize trees the render benchmarks build: the repository's example
//! overlay and trees written by the shared generator
//! (`../shared/tools/gen_kustomize_tree.py`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the benches crate sits inside the workspace")
        .to_path_buf()
}

/// The small example overlay `examples/monorepo/apps/prod`.
pub fn example_overlay() -> PathBuf {
    workspace_root().join("examples/monorepo/apps/prod")
}

/// The shared tree generator, if the shared corpora are present.
pub fn generator() -> Option<PathBuf> {
    let script = workspace_root().join("../shared/tools/gen_kustomize_tree.py");
    script.is_file().then_some(script)
}

/// Writes a tree of `services` services into `out_root/gen-<services>`
/// (replacing an earlier one) and returns its `all-prod` root.
///
/// Fails with a message when the generator is absent or does not succeed.
pub fn generate(services: usize, out_root: &Path) -> Result<PathBuf, String> {
    let script = generator().ok_or("../shared/tools/gen_kustomize_tree.py is absent")?;
    let out = out_root.join(format!("gen-{services}"));
    let status = Command::new("python3")
        .arg(&script)
        .args(["--services", &services.to_string(), "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run python3 {}: {e}", script.display()))?;
    if !status.success() {
        return Err(format!("{} failed: {status}", script.display()));
    }
    Ok(out.join("all-prod"))
}

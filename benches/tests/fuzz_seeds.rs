//! Replays every committed fuzz seed (`fuzz/seeds/<target>/*`) through the
//! body of its fuzz target, so `cargo test` keeps once-found crashes fixed
//! and the bodies themselves compiling and running.

use benches::fuzz::TARGETS;
use std::path::PathBuf;

fn seed_dir(target: &str) -> PathBuf {
    benches::trees::workspace_root()
        .join("fuzz/seeds")
        .join(target)
}

#[test]
fn every_target_has_seeds() {
    for (target, _) in TARGETS {
        let count = std::fs::read_dir(seed_dir(target))
            .unwrap_or_else(|e| panic!("fuzz/seeds/{target}: {e}"))
            .count();
        assert!(count >= 3, "fuzz/seeds/{target} holds only {count} seeds");
    }
}

#[test]
fn seeds_replay_without_panics() {
    let mut failures = Vec::new();
    for (target, body) in TARGETS {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(seed_dir(target))
            .unwrap_or_else(|e| panic!("fuzz/seeds/{target}: {e}"))
            .map(|e| e.expect("seed directory entry").path())
            .collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).expect("seed file reads");
            if let Err(panic) = std::panic::catch_unwind(|| body(&data)) {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{target}: {}: {message}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "seeds that panic:\n{}",
        failures.join("\n")
    );
}

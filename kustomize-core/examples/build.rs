//! Builds a kustomization directory and prints it as `kubectl kustomize
//! DIR` does (warnings on stderr); the error, if any, on stderr with exit
//! status 1. Used to profile whole builds:
//!
//! ```sh
//! cargo run --release -p kustomize-core --example build -- DIR
//! ```

use kustomize_core::{BuildOptions, build_disk};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: build DIR");
        return ExitCode::FAILURE;
    };
    match build_disk(Path::new(&dir), &BuildOptions::default()) {
        Ok(build) => {
            for warning in &build.warnings {
                eprintln!("{warning}");
            }
            let mut out = std::io::stdout().lock();
            match build.write_yaml(&mut out).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("Error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

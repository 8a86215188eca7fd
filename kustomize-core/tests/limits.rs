//! Hostile trees stop with a clear error from a limit, never by exhausting
//! memory or time: an alias bomb counted in expanded bytes, a
//! "kustomization bomb" (each level including the previous one twice), and
//! a 10,000-resource build through the namespace transformer. Limits are
//! lowered where the defaults would only make the test slow (a debug build
//! stops the 17-level bomb at the default 10,000 kustomizations).

use kustomize_core::fs::MemFs;
use kustomize_core::{BuildLimits, BuildOptions, Error, build};
use std::fmt::Write;
use std::path::Path;
use std::sync::Arc;

/// A tree of `levels` levels: level N holds `a/` and `b/`, each prefixing
/// level N-1, so the root renders 2^levels copies of one ConfigMap.
fn kustomization_bomb(levels: usize) -> MemFs {
    let mut fs = MemFs::new();
    fs.add_file("/l0/kustomization.yaml", "resources:\n- cm.yaml\n");
    fs.add_file(
        "/l0/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: v\n",
    );
    for level in 1..=levels {
        for side in ["a", "b"] {
            fs.add_file(
                format!("/l{level}/{side}/kustomization.yaml"),
                format!("namePrefix: {side}-\nresources:\n- ../../l{}\n", level - 1),
            );
        }
        fs.add_file(
            format!("/l{level}/kustomization.yaml"),
            "resources:\n- a\n- b\n",
        );
    }
    fs
}

fn build_with(fs: MemFs, dir: &str, limits: BuildLimits) -> Result<usize, Error> {
    let options = BuildOptions::default().with_limits(limits);
    build(Arc::new(fs), Path::new(dir), &options).map(|b| b.resources.len())
}

#[test]
fn kustomization_bomb_stops_at_the_resource_limit() {
    let limits = BuildLimits {
        max_resources: 1000,
        ..BuildLimits::default()
    };
    // Within the limit: 2^9 = 512 resources.
    assert_eq!(
        build_with(kustomization_bomb(9), "/l9", limits).unwrap(),
        512
    );
    // 2^12 = 4096 resources: stopped once the 1001st is read.
    let err = build_with(kustomization_bomb(12), "/l12", limits).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(
            err,
            Error::LimitExceeded {
                what: "resources",
                limit: 1000,
                ..
            }
        ),
        "{message}"
    );
    assert!(message.contains("more than 1000 resources"), "{message}");
}

#[test]
fn kustomization_bomb_stops_at_the_byte_limit() {
    let limits = BuildLimits {
        max_resource_bytes: 64 * 1024,
        ..BuildLimits::default()
    };
    let err = build_with(kustomization_bomb(12), "/l12", limits).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LimitExceeded {
                what: "bytes of resource files",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn kustomization_bomb_stops_at_the_kustomization_limit() {
    let limits = BuildLimits {
        max_kustomizations: 500,
        ..BuildLimits::default()
    };
    // 17 levels would load 2^18 kustomizations and render 131,072 resources.
    let err = build_with(kustomization_bomb(17), "/l17", limits).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LimitExceeded {
                what: "kustomizations",
                limit: 500,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("more than 500 kustomizations"),
        "{err}"
    );
}

#[test]
fn alias_bomb_is_stopped_by_expanded_bytes() {
    // One 1 MiB string aliased 3,000 times would be 3 GB of values.
    let mut text = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  big: &big \"",
    );
    text.push_str(&"x".repeat(1 << 20));
    text.push_str("\"\nlist:\n");
    for _ in 0..3000 {
        text.push_str("- *big\n");
    }
    let mut fs = MemFs::new();
    fs.add_file("/app/kustomization.yaml", "resources:\n- bomb.yaml\n");
    fs.add_file("/app/bomb.yaml", &text);
    let err = build_with(fs, "/app", BuildLimits::default()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("bomb.yaml"), "{message}");
    assert!(message.contains("bytes of scalars"), "{message}");
}

#[test]
fn ten_thousand_resources_through_the_namespace_transformer() {
    let mut resources = String::new();
    for i in 0..10_000 {
        write!(
            resources,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: v\n"
        )
        .unwrap();
    }
    let mut fs = MemFs::new();
    fs.add_file(
        "/app/kustomization.yaml",
        "namespace: prod\nresources:\n- all.yaml\n",
    );
    fs.add_file("/app/all.yaml", &resources);
    let options = BuildOptions::default();
    let built = build(Arc::new(fs), Path::new("/app"), &options).unwrap();
    assert_eq!(built.resources.len(), 10_000);
    assert!(built.resources.iter().all(|r| r.namespace() == "prod"));
}

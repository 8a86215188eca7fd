//! A base or component included several times in one build has its
//! kustomization loaded once and its resource files parsed at most twice
//! (kept from the second parse on, so that a file read once is not kept),
//! while each inclusion is still checked by its load restrictor, counted
//! against the limits, and rendered as kubectl renders it
//! (`fixtures/parity-shared-base`: three overlays of one base, each with one
//! component, origin annotations on).

use kustomize_core::fs::{DiskFs, FileSystem, LoadError, MemFs};
use kustomize_core::{BuildLimits, BuildOptions, Error, build};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A file system counting the reads of each file.
struct CountingFs {
    inner: Arc<dyn FileSystem>,
    reads: Mutex<BTreeMap<PathBuf, usize>>,
}

impl CountingFs {
    fn new(inner: Arc<dyn FileSystem>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            reads: Mutex::default(),
        })
    }

    /// Reads per file, by path relative to `root`.
    fn reads_under(&self, root: &Path) -> BTreeMap<String, usize> {
        let reads = self.reads.lock().unwrap();
        reads
            .iter()
            .map(|(p, n)| {
                let rel = p.strip_prefix(root).unwrap_or(p);
                (rel.to_string_lossy().into_owned(), *n)
            })
            .collect()
    }
}

impl FileSystem for CountingFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        *self
            .reads
            .lock()
            .unwrap()
            .entry(path.to_path_buf())
            .or_default() += 1;
        self.inner.read(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.inner.is_dir(path)
    }
    fn is_file(&self, path: &Path) -> bool {
        self.inner.is_file(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        self.inner.read_dir(path)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.inner.canonicalize(path)
    }
}

#[test]
fn a_shared_base_and_component_are_read_at_most_twice() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parity-shared-base");
    let input = fixture.join("input").canonicalize().unwrap();
    let fs = CountingFs::new(Arc::new(DiskFs));
    let built = build(fs.clone(), &input, &BuildOptions::default()).unwrap();
    let expected = std::fs::read_to_string(fixture.join("expected.yaml")).unwrap();
    assert_eq!(built.to_yaml(), expected);
    // kubectl warns once per inclusion of the base (its `commonLabels`).
    assert_eq!(built.warnings.len(), 3, "{:?}", built.warnings);
    let reads: BTreeMap<String, usize> = [
        ("base/deployment.yaml", 2),
        ("base/kustomization.yaml", 1),
        ("base/service.yaml", 2),
        ("components/team/kustomization.yaml", 1),
        ("components/team/serviceaccount.yaml", 2),
        ("kustomization.yaml", 1),
        ("overlays/a/kustomization.yaml", 1),
        ("overlays/b/kustomization.yaml", 1),
        ("overlays/c/kustomization.yaml", 1),
    ]
    .into_iter()
    .map(|(f, n)| (f.to_owned(), n))
    .collect();
    assert_eq!(fs.reads_under(&input), reads);
}

#[test]
fn a_resource_file_read_once_is_not_kept() {
    let counting = |entries: &str| {
        let fs = CountingFs::new(Arc::new(tree(entries)));
        build(fs.clone(), Path::new("/r"), &BuildOptions::default()).unwrap();
        fs.reads_under(Path::new("/r"))["base/cm.yaml"]
    };
    assert_eq!(counting("[a]"), 1);
    assert_eq!(counting("[a, b]"), 2);
    assert_eq!(counting("[a, b, c]"), 2);
}

const CONFIG_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n";

/// `/r` lists `entries`; `/r/base` holds a ConfigMap, and each of
/// `/r/a`, `/r/b`, `/r/c` prefixes `../base`; `/r/direct` names
/// `../base/cm.yaml` itself.
fn tree(entries: &str) -> MemFs {
    let mut fs = MemFs::new();
    fs.add_file("/r/kustomization.yaml", format!("resources: {entries}\n"));
    fs.add_file("/r/base/kustomization.yaml", "resources: [cm.yaml]\n");
    fs.add_file("/r/base/cm.yaml", CONFIG_MAP);
    for o in ["a", "b", "c"] {
        fs.add_file(
            format!("/r/{o}/kustomization.yaml"),
            format!("namePrefix: {o}-\nresources: [../base]\n"),
        );
    }
    fs.add_file(
        "/r/direct/kustomization.yaml",
        "namePrefix: d-\nresources: [../base/cm.yaml]\n",
    );
    fs
}

#[test]
fn a_file_parsed_already_is_still_refused_outside_the_root() {
    let options = BuildOptions::default();
    let alone = build(Arc::new(tree("[direct]")), Path::new("/r"), &options).unwrap_err();
    let after_base = build(Arc::new(tree("[a, direct]")), Path::new("/r"), &options).unwrap_err();
    assert!(
        matches!(
            &after_base,
            Error::Read {
                source: LoadError::OutsideRoot { .. },
                ..
            }
        ),
        "{after_base}"
    );
    assert_eq!(after_base.to_string(), alone.to_string());
}

#[test]
fn every_inclusion_counts_against_the_limits() {
    let build_with = |limits: BuildLimits| {
        let options = BuildOptions::default().with_limits(limits);
        build(Arc::new(tree("[a, b, c]")), Path::new("/r"), &options)
    };
    let resources = |max_resources| BuildLimits {
        max_resources,
        ..BuildLimits::default()
    };
    assert_eq!(build_with(resources(3)).unwrap().resources.len(), 3);
    assert!(matches!(
        build_with(resources(2)),
        Err(Error::LimitExceeded {
            what: "resources",
            ..
        })
    ));
    let bytes = |max_resource_bytes| BuildLimits {
        max_resource_bytes,
        ..BuildLimits::default()
    };
    let three_reads = 3 * CONFIG_MAP.len();
    assert!(build_with(bytes(three_reads)).is_ok());
    assert!(matches!(
        build_with(bytes(three_reads - 1)),
        Err(Error::LimitExceeded {
            what: "bytes of resource files",
            ..
        })
    ));
}

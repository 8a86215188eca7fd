//! Loading chart directories and archives, including what must be refused.

use super::*;
use flate2::Compression;
use flate2::write::GzEncoder;
use kustomize_core::fs::DiskFs;
use std::fs;

const CHART_YAML: &str = "apiVersion: v2\nname: demo\nversion: 1.0.0\n";

fn write(root: &Path, name: &str, text: &str) {
    let path = root.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (name, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        // Written raw so that hostile names ("../x") reach the loader unchanged.
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

#[test]
fn a_directory_chart_honours_helmignore() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Chart.yaml", CHART_YAML);
    write(root, ".helmignore", "*.bak\nsecret/\n");
    write(root, "values.yaml", "replicas: 2\n");
    write(root, "templates/a.yaml", "kind: A\n");
    write(root, "templates/.hidden.yaml", "kind: Hidden\n");
    write(root, "templates/old.bak", "x");
    write(root, "secret/key", "k");
    write(root, "files/conf.txt", "c");
    write(root, "crds/crd.yaml", "kind: CustomResourceDefinition\n");
    write(
        root,
        "charts/sub/Chart.yaml",
        "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
    );
    let chart = load(&DiskFs, root).unwrap();
    let names = |files: &[ChartFile]| files.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&chart.templates), ["templates/a.yaml"]);
    assert_eq!(
        names(&chart.files),
        [".helmignore", "crds/crd.yaml", "files/conf.txt"]
    );
    assert_eq!(chart.values["replicas"], serde_json::json!(2.0));
    assert_eq!(chart.dependencies.len(), 1);
    assert_eq!(chart.crd_objects()[0].0, "demo/crds/crd.yaml");
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_chart_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.txt", "s3cr3t");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Chart.yaml", CHART_YAML);
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("leak.txt"),
    )
    .unwrap();
    let err = load(&DiskFs, dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("leak.txt") && err.contains("outside the chart directory"),
        "{err}"
    );
    assert!(!err.contains("s3cr3t"));
}

#[test]
fn archives_load_and_bad_ones_are_refused() {
    let good = tgz(&[
        ("demo/Chart.yaml", CHART_YAML.as_bytes()),
        ("demo/templates/a.yaml", b"kind: A\n"),
    ]);
    let chart = load_archive(&good).unwrap();
    assert_eq!(chart.name(), "demo");
    assert_eq!(chart.templates[0].name, "templates/a.yaml");

    let escape = tgz(&[
        ("demo/Chart.yaml", CHART_YAML.as_bytes()),
        ("demo/../../etc/x", b"x"),
    ]);
    assert_eq!(
        load_archive(&escape).unwrap_err().to_string(),
        "chart illegally contains content outside the base directory"
    );
    let flat = tgz(&[("Chart.yaml", CHART_YAML.as_bytes())]);
    assert_eq!(
        load_archive(&flat).unwrap_err().to_string(),
        "chart yaml not in base directory"
    );
    let missing = tgz(&[("demo/values.yaml", b"a: 1\n")]);
    assert_eq!(
        load_archive(&missing).unwrap_err().to_string(),
        "Chart.yaml file is missing"
    );
    assert!(load_archive(b"not gzip").is_err());
}

#[test]
fn an_oversized_archive_file_is_refused_without_reading_it_all() {
    let big = vec![b'a'; (MAX_FILE_BYTES + 1) as usize];
    let archive = tgz(&[
        ("demo/Chart.yaml", CHART_YAML.as_bytes()),
        ("demo/big.txt", &big),
    ]);
    let err = load_archive(&archive).unwrap_err().to_string();
    assert!(
        err.starts_with("decompressed chart file \"big.txt\" is larger"),
        "{err}"
    );
}

#[test]
fn invalid_metadata_is_reported_as_helm_does() {
    let bad_type = tgz(&[(
        "demo/Chart.yaml",
        b"apiVersion: v2\nname: demo\nversion: 1.0.0\ntype: Library\n",
    )]);
    assert_eq!(
        load_archive(&bad_type).unwrap_err().to_string(),
        "validation: chart.metadata.type must be application or library"
    );
    let no_version = tgz(&[("demo/Chart.yaml", b"apiVersion: v2\nname: demo\n")]);
    assert_eq!(
        load_archive(&no_version).unwrap_err().to_string(),
        "validation: chart.metadata.version is required"
    );
    let bad_yaml = tgz(&[("demo/Chart.yaml", b"name: [\n")]);
    assert!(
        load_archive(&bad_yaml)
            .unwrap_err()
            .to_string()
            .starts_with("Chart.yaml: yaml: ")
    );
}

//! Reading a chart from a directory (through kustomize-core's `FileSystem`,
//! honouring `.helmignore`) or from a gzipped tar archive, with Helm's size bounds.

use super::ignore::{HELMIGNORE, IgnoreRules};
use super::{Chart, ChartFile};
use crate::error::{Error, Result};
use kustomize_core::fs::FileSystem;
use std::io::Read;
use std::path::Path;

/// Largest total size of a chart's files (Helm's `MaxDecompressedChartSize`).
pub const MAX_CHART_BYTES: u64 = 100 * 1024 * 1024;
/// Largest size of one file of a chart (Helm's `MaxDecompressedFileSize`).
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// Deepest directory nesting read from a chart directory.
const MAX_DIR_DEPTH: usize = 64;

/// Loads a chart from a directory or a `.tgz` archive at `path`.
pub fn load(fs: &dyn FileSystem, path: &Path) -> Result<Chart> {
    if fs.is_dir(path) {
        return load_dir(fs, path);
    }
    let data = fs.read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if !data.starts_with(&[0x1f, 0x8b]) {
        return Err(Error::InvalidChart(format!(
            "file '{}' does not appear to be a gzipped archive",
            path.display()
        )));
    }
    load_archive(&data)
}

/// Loads a chart directory: every file not ignored by `.helmignore`, in name order.
///
/// Files must stay inside the chart: a symbolic link resolving outside the
/// chart's root is an error naming the file.
pub fn load_dir(fs: &dyn FileSystem, root: &Path) -> Result<Chart> {
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let real_root = fs.canonicalize(root).map_err(io_err(root))?;
    let ignore_path = root.join(HELMIGNORE);
    let rules = if fs.is_file(&ignore_path) {
        let data = fs.read(&ignore_path).map_err(io_err(&ignore_path))?;
        IgnoreRules::parse(&String::from_utf8_lossy(&data))?
    } else {
        IgnoreRules::parse("")?
    };
    let mut walker = DirWalker {
        fs,
        rules: &rules,
        real_root: &real_root,
        files: Vec::new(),
        total: 0,
    };
    walker.walk(root, "", 0)?;
    Chart::from_files(walker.files)
}

struct DirWalker<'a> {
    fs: &'a dyn FileSystem,
    rules: &'a IgnoreRules,
    real_root: &'a Path,
    files: Vec<ChartFile>,
    total: u64,
}

impl DirWalker<'_> {
    fn walk(&mut self, dir: &Path, rel: &str, depth: usize) -> Result<()> {
        if depth > MAX_DIR_DEPTH {
            return Err(Error::InvalidChart(format!(
                "{}: directories nest deeper than {MAX_DIR_DEPTH}",
                dir.display()
            )));
        }
        let entries = self.fs.read_dir(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        for entry in entries {
            let Some(name) = entry.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let rel_path = if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            };
            let is_dir = self.fs.is_dir(&entry);
            if self.rules.ignores(&rel_path, is_dir) {
                continue;
            }
            let real = self.fs.canonicalize(&entry).map_err(|source| Error::Io {
                path: entry.clone(),
                source,
            })?;
            if !real.starts_with(self.real_root) {
                return Err(Error::InvalidChart(format!(
                    "{}: resolves to {}, outside the chart directory {}",
                    entry.display(),
                    real.display(),
                    self.real_root.display()
                )));
            }
            if is_dir {
                self.walk(&entry, &rel_path, depth + 1)?;
            } else if self.fs.is_file(&entry) {
                let data = self.fs.read(&entry).map_err(|source| Error::Io {
                    path: entry.clone(),
                    source,
                })?;
                self.total += data.len() as u64;
                if self.total > MAX_CHART_BYTES {
                    return Err(Error::InvalidChart(format!(
                        "chart directory {} is larger than the maximum size {MAX_CHART_BYTES}",
                        self.real_root.display()
                    )));
                }
                self.files.push(ChartFile {
                    name: rel_path,
                    data,
                });
            } else {
                return Err(Error::InvalidChart(format!(
                    "cannot load irregular file {} as it has file mode type bits set",
                    entry.display()
                )));
            }
        }
        Ok(())
    }
}

/// Loads a chart from the bytes of a gzipped tar archive whose entries sit
/// under one top directory (`mychart/Chart.yaml`), as `helm package` writes them.
pub fn load_archive(data: &[u8]) -> Result<Chart> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(data));
    let mut files = Vec::new();
    let mut total: u64 = 0;
    let entries = archive
        .entries()
        .map_err(|e| Error::InvalidChart(format!("chart archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| Error::InvalidChart(format!("chart archive: {e}")))?;
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind == tar::EntryType::GNUSparse) {
            continue;
        }
        let raw_path = String::from_utf8_lossy(&entry.path_bytes()).replace('\\', "/");
        let mut parts = raw_path.split('/');
        let first = parts.next().unwrap_or_default();
        let name = parts.collect::<Vec<_>>().join("/");
        if name.is_empty() {
            if first == "Chart.yaml" {
                return Err(Error::InvalidChart(
                    "chart yaml not in base directory".into(),
                ));
            }
            continue;
        }
        if raw_path.starts_with('/') || name.split('/').any(|p| p == "..") {
            return Err(Error::InvalidChart(
                "chart illegally contains content outside the base directory".into(),
            ));
        }
        let size = entry.header().size().unwrap_or(0);
        if size > MAX_FILE_BYTES {
            return Err(Error::InvalidChart(format!(
                "decompressed chart file {name:?} is larger than the maximum file size {MAX_FILE_BYTES}"
            )));
        }
        let mut buf = Vec::new();
        (&mut entry)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::InvalidChart(format!("chart archive: {name}: {e}")))?;
        total += buf.len() as u64;
        if total > MAX_CHART_BYTES {
            return Err(Error::InvalidChart(format!(
                "decompressed chart is larger than the maximum size {MAX_CHART_BYTES}"
            )));
        }
        files.push(ChartFile { name, data: buf });
    }
    if files.is_empty() {
        return Err(Error::InvalidChart("no files in chart archive".into()));
    }
    Chart::from_files(files)
}

#[cfg(test)]
mod tests;

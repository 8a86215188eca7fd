//! Keeping the store on disk (`--data-dir`): every stored object and the
//! newest resource version in a redb database, written through on each
//! change, so a restarted emulator serves the same objects and continues
//! the resource versions where it stopped.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde_json::Value;

/// Objects by `group/plural/namespace/name`, as JSON.
const OBJECTS: TableDefinition<&str, &[u8]> = TableDefinition::new("objects");
/// Counters: the resource version and the generated-name counter.
const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters");

/// The database file inside the data directory.
const FILE: &str = "store.redb";

/// A failure to read or write the data directory.
#[derive(Debug, thiserror::Error)]
#[error("data directory {dir}: {message}")]
pub struct PersistError {
    /// The data directory.
    pub dir: String,
    /// What went wrong.
    pub message: String,
}

/// What a data directory held.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every object with its storage key parts `(group, plural, namespace, name)`.
    pub objects: Vec<((String, String, String, String), Value)>,
    /// The newest resource version.
    pub resource_version: u64,
    /// How many names were generated.
    pub names_generated: u64,
}

/// An open data directory.
pub struct Disk {
    db: Database,
    dir: String,
}

impl std::fmt::Debug for Disk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Disk").field("dir", &self.dir).finish()
    }
}

fn key_text(k: &(String, String, String, String)) -> String {
    format!("{}/{}/{}/{}", k.0, k.1, k.2, k.3)
}

fn key_parts(text: &str) -> Option<(String, String, String, String)> {
    let mut parts = text.splitn(4, '/');
    Some((
        parts.next()?.to_owned(),
        parts.next()?.to_owned(),
        parts.next()?.to_owned(),
        parts.next()?.to_owned(),
    ))
}

impl Disk {
    /// Opens (creating when needed) the database in `dir` and reads it.
    pub fn open(dir: &Path) -> Result<(Disk, Loaded), PersistError> {
        let shown = dir.display().to_string();
        let fail = |e: &dyn std::fmt::Display| PersistError {
            dir: shown.clone(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        let db = Database::create(dir.join(FILE)).map_err(|e| fail(&e))?;
        let disk = Disk {
            db,
            dir: shown.clone(),
        };
        // Create the tables so that a fresh directory reads as empty.
        disk.write(|_, _| Ok(()))?;
        let read = disk.db.begin_read().map_err(|e| fail(&e))?;
        let objects_table = read.open_table(OBJECTS).map_err(|e| fail(&e))?;
        let mut loaded = Loaded::default();
        for entry in objects_table.iter().map_err(|e| fail(&e))? {
            let (k, v) = entry.map_err(|e| fail(&e))?;
            let key = key_parts(k.value())
                .ok_or_else(|| fail(&format!("malformed key {:?}", k.value())))?;
            let obj: Value = serde_json::from_slice(v.value())
                .map_err(|e| fail(&format!("object {}: {e}", k.value())))?;
            loaded.objects.push((key, obj));
        }
        let counters = read.open_table(COUNTERS).map_err(|e| fail(&e))?;
        let counter = |name: &str| -> Result<u64, PersistError> {
            Ok(counters
                .get(name)
                .map_err(|e| fail(&e))?
                .map_or(0, |v| v.value()))
        };
        loaded.resource_version = counter("resourceVersion")?;
        loaded.names_generated = counter("namesGenerated")?;
        Ok((disk, loaded))
    }

    /// Runs one write transaction over both tables.
    fn write(
        &self,
        f: impl FnOnce(
            &mut redb::Table<&str, &[u8]>,
            &mut redb::Table<&str, u64>,
        ) -> Result<(), redb::StorageError>,
    ) -> Result<(), PersistError> {
        let fail = |e: &dyn std::fmt::Display| PersistError {
            dir: self.dir.clone(),
            message: e.to_string(),
        };
        let txn = self.db.begin_write().map_err(|e| fail(&e))?;
        {
            let mut objects = txn.open_table(OBJECTS).map_err(|e| fail(&e))?;
            let mut counters = txn.open_table(COUNTERS).map_err(|e| fail(&e))?;
            f(&mut objects, &mut counters).map_err(|e| fail(&e))?;
        }
        txn.commit().map_err(|e| fail(&e))
    }

    /// Stores (`Some`) or removes (`None`) one object and records the
    /// counters, in one transaction.
    pub fn save(
        &self,
        key: &(String, String, String, String),
        obj: Option<&Value>,
        resource_version: u64,
        names_generated: u64,
    ) -> Result<(), PersistError> {
        let text = key_text(key);
        let bytes = obj.map(|o| serde_json::to_vec(o).unwrap_or_default());
        self.write(|objects, counters| {
            match &bytes {
                Some(b) => {
                    objects.insert(text.as_str(), b.as_slice())?;
                }
                None => {
                    objects.remove(text.as_str())?;
                }
            }
            counters.insert("resourceVersion", resource_version)?;
            counters.insert("namesGenerated", names_generated)?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_and_counters_survive_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = |n: &str| {
            (
                String::new(),
                "configmaps".into(),
                "default".into(),
                n.to_owned(),
            )
        };
        {
            let (disk, loaded) = Disk::open(dir.path()).expect("open");
            assert!(loaded.objects.is_empty());
            disk.save(&key("a"), Some(&json!({"x": 1})), 5, 1)
                .expect("save");
            disk.save(&key("b"), Some(&json!({"x": 2})), 6, 1)
                .expect("save");
            disk.save(&key("a"), None, 7, 2).expect("remove");
        }
        let (_, loaded) = Disk::open(dir.path()).expect("reopen");
        assert_eq!(loaded.objects, vec![(key("b"), json!({"x": 2}))]);
        assert_eq!((loaded.resource_version, loaded.names_generated), (7, 2));
    }
}

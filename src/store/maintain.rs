//! Writing commands that look after a store rather than its data: `migrate` (a byte-exact backup first,
//! then the schema steps in one transaction) and `recover` (rolls back what an interrupted write left
//! behind, then checks the file's integrity).

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::open::must_exist;
use super::schema::{self, SCHEMA_VERSION};
use crate::error::{Error, Result, SqlContext};

/// What `migrate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Migrated {
    /// already at the current version: nothing written, no backup
    Current(i64),
    /// upgraded; the backup holds the store exactly as it was
    Upgraded { from: i64, to: i64, backup: PathBuf },
}

/// What `recover` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// an interrupted write's journal was rolled back
    pub rolled_back: bool,
    /// `PRAGMA quick_check`'s findings ("ok" when sound)
    pub check: Vec<String>,
}

fn open_rw(path: &Path) -> Result<Connection> {
    must_exist(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).at(path)?;
    conn.busy_timeout(Duration::from_secs(5)).at(path)?;
    Ok(conn)
}

/// The first free name of `STORE.v{version}.bak`, `STORE.v{version}.1.bak`, ...
fn backup_name(path: &Path, version: i64) -> PathBuf {
    let base = path.display().to_string();
    (0..)
        .map(|n| if n == 0 { format!("{base}.v{version}.bak") } else { format!("{base}.v{version}.{n}.bak") })
        .map(PathBuf::from)
        .find(|p| !p.exists())
        .unwrap_or_else(|| PathBuf::from(format!("{base}.bak")))
}

/// A byte-exact copy of the store, taken while no other program can write to it.
fn backup(conn: &Connection, path: &Path, version: i64) -> Result<PathBuf> {
    // Fold a WAL into the main file first, so that the file alone is the whole store.
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    conn.execute_batch("BEGIN IMMEDIATE").at(path)?;
    let to = backup_name(path, version);
    let copied = std::fs::copy(path, &to).map_err(|source| Error::Io { path: to.clone(), source });
    conn.execute_batch("ROLLBACK").at(path)?;
    copied?;
    Ok(to)
}

/// Upgrades an older store to this build's schema, after writing a backup.
pub fn migrate(path: &Path) -> Result<Migrated> {
    let mut conn = open_rw(path)?;
    let from = schema::version(&conn, path)?;
    if from == SCHEMA_VERSION {
        schema::check(&conn, path)?;
        return Ok(Migrated::Current(from));
    }
    if from > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew { path: path.into(), found: from, supported: SCHEMA_VERSION });
    }
    schema::check_tables(&conn, path)?;
    let backup = backup(&conn, path, from)?;
    schema::upgrade(&mut conn, path, from)?;
    Ok(Migrated::Upgraded { from, to: SCHEMA_VERSION, backup })
}

/// Rolls back an interrupted write (a hot journal) and checks the store's integrity.
pub fn recover(path: &Path) -> Result<Recovered> {
    let journal = PathBuf::from(format!("{}-journal", path.display()));
    let had_journal = journal.exists();
    let conn = open_rw(path)?;
    // The first read of a read-write connection rolls a hot journal back.
    let mut stmt = conn.prepare("PRAGMA quick_check").at(path)?;
    let check: Vec<String> =
        stmt.query_map([], |r| r.get::<_, String>(0)).at(path)?.collect::<std::result::Result<_, _>>().at(path)?;
    Ok(Recovered { rolled_back: had_journal && !journal.exists(), check })
}

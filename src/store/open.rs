//! Opening a store. Exploring and reporting open it read-only (`SQLITE_OPEN_READ_ONLY` plus
//! `query_only`), so they can never write to the user's tables; writing commands open it read-write.
//! Either way the connection knows `rarray` (a list of ids as one parameter; `engine::rows` reads rows by id
//! with it).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::schema::check;
use crate::error::{Error, Result, SqlContext};

/// The store is an existing file (not missing, not a directory).
pub(super) fn must_exist(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(Error::NotAStore { path: path.into(), missing: "everything: it is a directory".into() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Missing { path: path.into() }),
        Err(source) => Err(Error::Io { path: path.into(), source }),
    }
}

/// Opens an existing store for reading only and checks its schema.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    must_exist(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).at(path)?;
    conn.busy_timeout(Duration::from_secs(2)).at(path)?;
    conn.pragma_update(None, "query_only", true).at(path)?;
    ready(conn, path)
}

/// Opens an existing store for writing (imports, the simulator) and checks its schema.
pub fn open_writable(path: &Path) -> Result<Connection> {
    must_exist(path)?;
    let conn = Connection::open(path).at(path)?;
    conn.busy_timeout(Duration::from_secs(5)).at(path)?;
    ready(conn, path)
}

/// What every connection to a store gets, read-only or not: `rarray` registered, and the schema checked.
fn ready(conn: Connection, path: &Path) -> Result<Connection> {
    rusqlite::vtab::array::load_module(&conn).at(path)?;
    check(&conn, path)?;
    Ok(conn)
}

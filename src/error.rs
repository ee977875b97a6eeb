//! The library's error type: every failure a user can meet, with a message that names the file and what
//! is wrong. The binary wraps these with `color-eyre`; the library never panics on bad input.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: no such file")]
    Missing { path: PathBuf },
    #[error("{path}: already exists; kpiscope will not overwrite it")]
    Exists { path: PathBuf },
    #[error("{path}: not a kpiscope store (missing {missing})")]
    NotAStore { path: PathBuf, missing: String },
    #[error(
        "{path}: schema version {found} is newer than this kpiscope understands (up to {supported}); upgrade kpiscope"
    )]
    SchemaTooNew { path: PathBuf, found: i64, supported: i64 },
    #[error("{path}: schema version {found} is older than {supported}; run `kpiscope migrate {path}`")]
    SchemaTooOld { path: PathBuf, found: i64, supported: i64 },
    #[error("{path}: not a SQLite database, or encrypted ({detail})")]
    NotSqlite { path: PathBuf, detail: String },
    #[error(
        "{path}: the file is damaged ({detail}); kpiscope read nothing from it. Restore it from a backup, or try \
         `sqlite3 {path} .recover`"
    )]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "{path}: an interrupted write left {path}-journal behind, so the store must be rolled back before it can \
         be read; `kpiscope recover {path}` does that (it restores the store as it was before that write)"
    )]
    Interrupted { path: PathBuf },
    #[error("{path}: cannot be opened or read ({detail})")]
    Unreadable { path: PathBuf, detail: String },
    #[error("{path}: the system reported an I/O error ({detail}): a full disk, a file size limit or a failing device")]
    IoFailure { path: PathBuf, detail: String },
    #[error("{path}: another program holds a lock on the store ({detail}); try again when it has finished")]
    Locked { path: PathBuf, detail: String },
    #[error("{path}: the disk is full ({detail}); nothing was written")]
    DiskFull { path: PathBuf, detail: String },
    #[error("{path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Usage(String),
    #[error("config {path}: {message}")]
    Config { path: PathBuf, message: String },
}

impl Error {
    /// A mistake in what the user asked for (a bad period, an unknown seller).
    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }
}

/// Attaches the store path to SQLite errors.
pub(crate) trait SqlContext<T> {
    fn at(self, path: &std::path::Path) -> Result<T>;
}

impl<T> SqlContext<T> for std::result::Result<T, rusqlite::Error> {
    fn at(self, path: &std::path::Path) -> Result<T> {
        self.map_err(|source| Error::sqlite(path, source))
    }
}

/// `SQLITE_READONLY_ROLLBACK`: a read-only connection met a hot journal it may not roll back.
const READONLY_ROLLBACK: i32 = 776;

impl Error {
    /// Names what a SQLite failure means for the user: a damaged file, a lock, a full disk...
    pub fn sqlite(path: &std::path::Path, source: rusqlite::Error) -> Error {
        use rusqlite::ErrorCode as C;
        let path = path.to_path_buf();
        let Some(code) = source.sqlite_error() else { return Error::Sqlite { path, source } };
        if code.extended_code == READONLY_ROLLBACK {
            return Error::Interrupted { path };
        }
        // SQLite's own words, without rusqlite's "Error code N" suffix.
        let detail = match &source {
            rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
            _ => rusqlite::ffi::code_to_str(code.extended_code).to_string(),
        };
        match code.code {
            C::NotADatabase => Error::NotSqlite { path, detail },
            C::DatabaseCorrupt => Error::Damaged { path, detail },
            C::CannotOpen | C::PermissionDenied => Error::Unreadable { path, detail },
            C::SystemIoFailure => Error::IoFailure { path, detail },
            C::DatabaseBusy | C::DatabaseLocked => Error::Locked { path, detail },
            C::DiskFull => Error::DiskFull { path, detail },
            _ => Error::Sqlite { path, source },
        }
    }

    /// A write that the disk or the system refused (full, size limit, I/O error).
    pub fn is_write_failure(&self) -> bool {
        matches!(self, Error::DiskFull { .. } | Error::IoFailure { .. })
    }

    /// A lock held by another program: worth retrying later.
    pub fn is_locked(&self) -> bool {
        matches!(self, Error::Locked { .. })
    }
}

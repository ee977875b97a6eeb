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
        self.map_err(|source| Error::Sqlite { path: path.to_path_buf(), source })
    }
}

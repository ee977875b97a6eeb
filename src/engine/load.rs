//! Loading a store into a `Model` in one go (the `report` and `flags` commands): a `Ledger` load whose
//! refresh state is dropped. The explorer's worker keeps the `Ledger` to follow later commits.

use std::path::Path;

use rusqlite::Connection;

use super::ledger::Ledger;
use super::model::Model;
use crate::error::Result;

/// Reads the whole store into a `Model`.
pub fn load(conn: &Connection, path: &Path) -> Result<Model> {
    load_with_progress(conn, path, &mut |_| {})
}

/// `load`, calling `progress` with the share done (0..1) as it goes.
pub fn load_with_progress(conn: &Connection, path: &Path, progress: &mut dyn FnMut(f64)) -> Result<Model> {
    Ledger::load(conn, path, progress).map(Ledger::into_model)
}

//! The engine: a store loaded into memory aggregates (`Model`), and the questions asked of it. No UI here;
//! the explorer, `report` and `flags` are front ends of this module.

pub mod cache;
mod counters;
mod customers;
mod ledger;
pub mod ledger_cache;
mod load;
mod memo;
mod model;
mod packed;
pub mod quality;
mod rows;
mod series;
mod snapshot;
pub mod text;

pub use counters::Counters;
pub use customers::{CustomerList, CustomerStats};
pub use ledger::{DISPUTE_RESPONSE_SECS, Ledger, REPLY_SECS, RETURN_RESPONSE_SECS, Refresh, split_pro_rata};
pub use load::{load, load_with_progress};
pub use memo::Memo;
pub use model::{DisputeFact, Model, Product, Recorded, Scope, Seller, Stock};
pub use packed::Packed;
pub use series::Dense;

use std::path::Path;

use crate::error::Result;

/// Opens a store read-only and loads it.
pub fn open(path: &Path) -> Result<Model> {
    let conn = crate::store::open_read_only(path)?;
    load(&conn, path)
}

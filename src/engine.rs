//! The engine: a store loaded into memory aggregates (`Model`), and the questions asked of it. No UI here;
//! the explorer, `report` and `flags` are front ends of this module.

mod counters;
mod customers;
mod load;
mod model;
mod series;

pub use counters::Counters;
pub use customers::{CustomerList, CustomerStats};
pub use load::{DISPUTE_RESPONSE_SECS, REPLY_SECS, RETURN_RESPONSE_SECS, load, load_with_progress, split_pro_rata};
pub use model::{DisputeFact, Model, Product, Scope, Seller, Stock};
pub use series::{Dense, Sparse};

use std::path::Path;

use crate::error::Result;

/// Opens a store read-only and loads it.
pub fn open(path: &Path) -> Result<Model> {
    let conn = crate::store::open_read_only(path)?;
    load(&conn, path)
}

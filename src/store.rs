//! The SQLite store: creating it, opening it (read-only for exploring), checking its schema version and
//! tables, and migrating older stores. The schema itself is `assets/schema.sql`, documented in
//! `docs/schema.md`.

mod maintain;
mod open;
mod schema;
mod times;

pub use maintain::{Migrated, Recovered, migrate, recover};
pub use open::{open_read_only, open_writable};
pub use schema::{REQUIRED_TABLES, SCHEMA_VERSION, create, create_indexes, init_schema};
pub use times::OrderTimes;

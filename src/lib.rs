//! kpiscope: marketplace seller KPIs from a local SQLite store.
//!
//! Map of the crate:
//! - `store`: the SQLite schema, opening (read-only for exploring), migration.
//! - `engine`: the store loaded into in-memory day rollups; every KPI is computed from these.
//! - `kpi`: the KPI catalogue (ids, formulas, units, bands with their sources) and its computation.
//! - `flags`: red-flag rules with sample-size and confidence gates.
//! - `period`, `time`, `money`: periods and comparisons, days, currency amounts.
//! - `config`: threshold profiles (`--standard`) and the TOML config.
//! - `demo`: the deterministic synthetic store with planted problems.
//! - `report`: `report` and `flags` output as table, JSON or CSV.
//! - `ui`: the explorer (ratatui), on top of the engine.
//! - `memory`: how the process allocates (one malloc arena).

pub mod config;
pub mod demo;
pub mod engine;
pub mod error;
pub mod flags;
pub mod import;
pub mod kpi;
pub mod memory;
pub mod money;
pub mod period;
pub mod report;
pub mod simulate;
pub mod store;
pub mod time;
pub mod ui;

pub use error::{Error, Result};

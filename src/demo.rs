//! The demo store: a deterministic synthetic marketplace (`kpiscope demo`) with problems planted for the
//! red flags to find. See docs/demo.md.

pub mod catalog;
mod follow;
mod generate;
pub mod plants;
mod rng;
mod writer;

pub use catalog::review_text;
pub use generate::{DAYS, DemoOptions, DemoSummary, end_day, generate, generate_committing, generate_with};
pub use rng::Rng;

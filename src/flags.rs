//! Red flags: rules with ids, each naming its KPI, the scope level it applies to, its window, its
//! thresholds and whose they are; evaluation with the small-sample gates of the KPI reference (minimum
//! count, event floor, Wilson confidence bound), and the flag text that says what, where and on what numbers.

mod eval;
mod rules;
pub mod stats;

pub use eval::{Flag, FlagSet, Severity, count_words, evaluate};
pub use rules::{Check, Level, RULES, RuleDef, rule};

//! Non-interactive output of the engine: the `report` scorecard and the `flags` list, as an aligned text
//! table, a documented JSON shape (docs/report-json.md) or CSV. Value formatting is shared with the UI.

mod flags;
pub mod format;
mod kpis;

mod quality;

pub use flags::{flags_csv, flags_json, flags_table};
pub use kpis::{ReportMeta, report_csv, report_json, report_table};
pub use quality::quality_table;

/// Output format of `report` and `flags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

pub(crate) fn opt_num(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

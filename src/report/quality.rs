//! The data-quality section of `kpiscope report`: what the engine met that breaks its assumptions.

use crate::engine::Model;

/// The store's data-quality problems as text (empty when there are none).
pub fn quality_table(m: &Model) -> String {
    let issues = m.quality.issues();
    if issues.is_empty() {
        return String::new();
    }
    let mut out = format!("\nData quality: {} kind(s) of problem (docs/data-quality.md)\n", issues.len());
    for i in issues {
        out.push_str(&format!(
            "  {:>9}  {}\n             e.g. {}\n             → {}\n",
            super::format::group_thousands(i.count as i64),
            i.what,
            i.example,
            i.effect
        ));
    }
    out
}

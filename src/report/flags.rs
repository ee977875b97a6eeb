//! The `flags` command's output: red flags, most severe first, as text, JSON or CSV.

use serde_json::{Value, json};

use super::{csv_field, opt_num};
use crate::flags::{FlagSet, Severity};
use crate::time;

pub(crate) fn flag_values(flags: &FlagSet) -> Value {
    Value::Array(
        flags
            .iter()
            .map(|f| {
                json!({
                    "rule": f.rule, "title": f.title, "severity": f.severity, "level": f.level,
                    "seller": f.seller, "seller_name": f.seller_name, "product": f.product, "product_title": f.product_title,
                    "kpi": f.kpi, "value": f.value, "numerator": f.numerator, "denominator": f.denominator,
                    "limit": f.limit, "source": f.source,
                    "window": {"from": time::fmt_day(f.window.from), "to": time::fmt_day(f.window.to)},
                    "message": f.message,
                })
            })
            .collect(),
    )
}

pub fn flags_json(flags: &FlagSet) -> Value {
    let breaches = flags.iter().filter(|f| f.severity == Severity::Breach).count();
    json!({"breaches": breaches, "flags": flag_values(flags)})
}

pub fn flags_csv(flags: &FlagSet) -> String {
    let mut out = String::from("severity,rule,seller,product,kpi,value,numerator,denominator,limit,from,to,message\n");
    for f in flags {
        let fields = [
            f.severity.label().to_lowercase(),
            f.rule.to_string(),
            csv_field(&f.seller),
            csv_field(f.product.as_deref().unwrap_or("")),
            f.kpi.to_string(),
            opt_num(f.value),
            opt_num(f.numerator),
            opt_num(f.denominator),
            format!("{}", f.limit),
            time::fmt_day(f.window.from),
            time::fmt_day(f.window.to),
            csv_field(&f.message),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// Breaches and warnings, one a line; low-confidence flags are counted, and listed only with `all`.
pub fn flags_table(flags: &FlagSet, all: bool) -> String {
    let count = |s: Severity| flags.iter().filter(|f| f.severity == s).count();
    let (breaches, warns, low) = (count(Severity::Breach), count(Severity::Warn), count(Severity::LowConfidence));
    if breaches + warns + low == 0 {
        return "Red flags: none\n".into();
    }
    let severities: Vec<Severity> = flags.iter().map(|f| f.severity).collect();
    let mut out = format!("Red flags: {}, {low} low-confidence\n", crate::flags::count_words(&severities));
    for f in flags.iter().filter(|f| all || f.severity != Severity::LowConfidence) {
        out.push_str(&format!("  {:<15} {}\n", f.severity.label(), f.message));
    }
    if low > 0 && !all {
        out.push_str(&format!(
            "  ({low} low-confidence flags: past a limit on too small a sample; --all lists them)\n"
        ));
    }
    out
}

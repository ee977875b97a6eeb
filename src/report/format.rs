//! Formatting KPI values for people: money exactly with its currency, shares as percentages, counts with
//! thousands separators, hours, days, stars and multiples. Used by the text report and the explorer.

use crate::kpi::{KpiValue, Unit};
use crate::money;

/// Thousands separators: 1234567 → "1,234,567".
pub fn group_thousands(n: i64) -> String {
    let digits = money::group_digits(&n.unsigned_abs().to_string());
    if n < 0 { format!("-{digits}") } else { digits }
}

/// A value in its unit; "–" when absent.
pub fn value(unit: Unit, v: &KpiValue, currency: Option<&str>) -> String {
    match (unit, v.value) {
        (_, None) => "–".into(),
        (Unit::Money, Some(x)) => match (v.minor, currency) {
            (Some(m), Some(c)) => money::fmt(m, c),
            _ => format!("{x:.2}"),
        },
        (u, Some(x)) => number(u, x),
    }
}

/// A bare number in a unit (no currency): used for comparisons, medians and changes.
pub fn number(unit: Unit, x: f64) -> String {
    match unit {
        Unit::Ratio => format!("{:.1}%", x * 100.0),
        Unit::Count => {
            if x.fract() == 0.0 {
                group_thousands(x as i64)
            } else {
                format!("{}.{}", group_thousands(x.trunc() as i64), ((x.fract().abs() * 10.0).round() as i64).min(9))
            }
        }
        Unit::Hours => format!("{x:.1} h"),
        Unit::Days => format!("{x:.1} d"),
        Unit::Stars => format!("{x:.2}★"),
        Unit::Multiple => format!("{x:.2}×"),
        Unit::Money => {
            // a median or mean of money: two decimals, grouped (the currency is in the column's values)
            let cents = (x * 100.0).round() as i64;
            let (sign, abs) = (if cents < 0 { "-" } else { "" }, cents.unsigned_abs());
            format!("{sign}{}.{:02}", money::group_digits(&(abs / 100).to_string()), abs % 100)
        }
    }
}

/// A change: "+1.2 pp" for shares, "+12.3%" relative for money and counts.
pub fn change(unit: Unit, cur: f64, prev: f64) -> String {
    match unit {
        Unit::Ratio => format!("{:+.1} pp", (cur - prev) * 100.0),
        Unit::Stars => format!("{:+.2}★", cur - prev),
        Unit::Hours | Unit::Days => format!("{:+.1}", cur - prev),
        _ if prev == 0.0 && cur == 0.0 => "±0".into(),
        _ if prev == 0.0 => "new".into(),
        _ => format!("{:+.1}%", (cur - prev) / prev.abs() * 100.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(group_thousands(-1000), "-1,000");
        assert_eq!(number(Unit::Ratio, 0.1234), "12.3%");
        assert_eq!(change(Unit::Ratio, 0.05, 0.04), "+1.0 pp");
        assert_eq!(change(Unit::Count, 110.0, 100.0), "+10.0%");
        assert_eq!(change(Unit::Money, 5.0, 0.0), "new");
        assert_eq!(change(Unit::Count, 0.0, 0.0), "±0");
        assert_eq!(number(Unit::Money, 62_462.544), "62,462.54");
        assert_eq!(number(Unit::Money, -1_000.0), "-1,000.00");
    }
}

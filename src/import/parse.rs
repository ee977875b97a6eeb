//! Parsing the values of exports exactly: decimal money into integer minor units (no floating point),
//! quantities, and the date formats exports use (ISO, US month/day, with or without time).

use chrono::{NaiveDate, NaiveDateTime};

/// "12.5", "-0.07", "1,234.50" (thousands commas), "£3.20", " 7 " → minor units with `exponent` decimals.
pub fn money(text: &str, exponent: u32) -> Result<i64, String> {
    let t: String = text.trim().chars().filter(|c| !matches!(c, ',' | '$' | '£' | '€' | ' ')).collect();
    if t.is_empty() {
        return Err("empty".into());
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty() || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return Err("not a number".into());
    }
    if frac.len() > exponent as usize && frac[exponent as usize..].chars().any(|c| c != '0') {
        return Err(format!("more than {exponent} decimals"));
    }
    let scale = 10i64.pow(exponent);
    let int: i64 = if int.is_empty() { 0 } else { int.parse().map_err(|_| "too large".to_string())? };
    let mut f = frac.chars().take(exponent as usize).collect::<String>();
    while f.len() < exponent as usize {
        f.push('0');
    }
    let frac: i64 = if f.is_empty() { 0 } else { f.parse().map_err(|_| "not a number".to_string())? };
    let v = int.checked_mul(scale).and_then(|v| v.checked_add(frac)).ok_or("too large")?;
    Ok(if neg { -v } else { v })
}

/// A whole number ("6", "-12", "6.0").
pub fn quantity(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    t.parse::<i64>().map_err(|_| if t.is_empty() { "empty".into() } else { "not a whole number".into() })
}

/// A timestamp as unix seconds, read as UTC: ISO ("2010-12-01 08:26:00", "2010-12-01T08:26", "2010-12-01",
/// with "Z" or an offset) or US ("12/1/2010 8:26", "12/01/2010").
pub fn timestamp(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty".into());
    }
    if let Some(ts) = iso_fast(t) {
        return Ok(ts);
    }
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(d.timestamp());
    }
    if let Ok(d) = chrono::DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S %z") {
        return Ok(d.timestamp());
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %H:%M:%S",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(d.and_utc().timestamp());
        }
    }
    for f in ["%Y-%m-%d", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Ok(d.and_hms_opt(0, 0, 0).map_or(0, |d| d.and_utc().timestamp()));
        }
    }
    Err("not a date (use YYYY-MM-DD HH:MM:SS)".into())
}

/// "YYYY-MM-DD HH:MM:SS" (or with a T), the most common form, without going through a format parser.
fn iso_fast(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b' ' || b[10] == b'T')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<u32>().ok();
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)?;
    let dt = date.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?;
    Some(dt.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_exact() {
        assert_eq!(money("2.55", 2), Ok(255));
        assert_eq!(money("0.1", 2), Ok(10));
        assert_eq!(money("-11062.06", 2), Ok(-1_106_206));
        assert_eq!(money("1,234.5", 2), Ok(123_450));
        assert_eq!(money("£3", 2), Ok(300));
        assert_eq!(money("1200", 0), Ok(1200));
        assert_eq!(money(".5", 2), Ok(50));
        assert_eq!(money("2.550", 2), Ok(255));
        assert!(money("2.555", 2).is_err());
        assert!(money("abc", 2).is_err());
        assert!(money("", 2).is_err());
        assert!(money("-", 2).is_err());
    }

    #[test]
    fn dates_and_quantities() {
        assert_eq!(timestamp("2010-12-01 08:26:00"), Ok(1_291_191_960));
        assert_eq!(timestamp("12/1/2010 8:26"), Ok(1_291_191_960));
        assert_eq!(timestamp("2010-12-01T08:26:00Z"), Ok(1_291_191_960));
        assert_eq!(timestamp("2010-12-01 09:26:00 +0100"), Ok(1_291_191_960));
        assert_eq!(timestamp("2010-12-01"), Ok(1_291_161_600));
        assert!(timestamp("yesterday").is_err());
        assert_eq!(quantity("-12"), Ok(-12));
        assert_eq!(quantity("6.0"), Ok(6));
        assert!(quantity("six").is_err());
    }
}

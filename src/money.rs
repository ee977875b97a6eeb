//! Money: amounts are integer minor units in one currency; this module knows how many minor units a
//! currency has (ISO 4217 exponents) and formats amounts exactly, without floating point.

/// Decimal places of a currency (ISO 4217). Unknown codes default to 2.
pub fn exponent(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND"
        | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Minor units as a number of major units (for JSON and ratios).
pub fn to_major(minor: i64, currency: &str) -> f64 {
    minor as f64 / 10f64.powi(exponent(currency) as i32)
}

/// Exact decimal text of an amount: `1234.50`, `-0.07`, `1200` (JPY).
pub fn fmt_plain(minor: i64, currency: &str) -> String {
    let e = exponent(currency);
    if e == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(e);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:0width$}", abs / scale as u64, abs % scale as u64, width = e as usize)
}

/// Amount with thousands separators and the currency code: `12,345.60 USD`.
pub fn fmt(minor: i64, currency: &str) -> String {
    let plain = fmt_plain(minor, currency);
    let (sign, rest) = plain.strip_prefix('-').map_or(("", plain.as_str()), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let grouped = group_digits(int);
    match frac {
        Some(f) => format!("{sign}{grouped}.{f} {currency}"),
        None => format!("{sign}{grouped} {currency}"),
    }
}

/// Commas between groups of three digits: "1234567" → "1,234,567".
pub fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_exactly() {
        assert_eq!(fmt_plain(123_450, "USD"), "1234.50");
        assert_eq!(fmt_plain(-7, "EUR"), "-0.07");
        assert_eq!(fmt_plain(1200, "JPY"), "1200");
        assert_eq!(fmt_plain(1_234_567, "KWD"), "1234.567");
        assert_eq!(fmt(1_234_560, "USD"), "12,345.60 USD");
        assert_eq!(fmt(-100_000_000, "USD"), "-1,000,000.00 USD");
        assert_eq!(fmt(999, "JPY"), "999 JPY");
        assert_eq!(to_major(12_345, "USD"), 123.45);
    }
}

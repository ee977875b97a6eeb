//! Small-sample statistics: the Wilson score interval of a proportion (Evan Miller, "How Not To Sort By
//! Average Rating"), used to gate breaches so that a handful of events never raises one.

/// z for a two-sided 95% interval: seller-level rules (a store has a dozen to a few hundred sellers).
pub const Z95: f64 = 1.96;
/// z for a two-sided 99.9% interval: product-level rules. A store has hundreds or thousands of products,
/// and a 95% bound would raise a false alarm on about one healthy product in forty.
pub const Z999: f64 = 3.29;

/// Wilson score interval (lower, upper) of `k` successes in `n` trials at 95%; (0, 1) when n = 0.
pub fn wilson(k: f64, n: f64) -> (f64, f64) {
    wilson_z(k, n, Z95)
}

/// Wilson score interval with a chosen z.
pub fn wilson_z(k: f64, n: f64, z: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (0.0, 1.0);
    }
    let p = (k / n).clamp(0.0, 1.0);
    let denom = 1.0 + z * z / n;
    let centre = p + z * z / (2.0 * n);
    let margin = z * ((p * (1.0 - p) + z * z / (4.0 * n)) / n).sqrt();
    (((centre - margin) / denom).max(0.0), ((centre + margin) / denom).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_published_values() {
        // Evan Miller's example scale: 10 of 10 positive is not certain at all.
        let (lo, hi) = wilson(10.0, 10.0);
        assert!((lo - 0.7225).abs() < 1e-3, "{lo}");
        assert!((hi - 1.0).abs() < 1e-9);
        // 31 of 218 (p = 14.2%): interval about 10.2%..19.5%
        let (lo, hi) = wilson(31.0, 218.0);
        assert!((lo - 0.1021).abs() < 1e-3, "{lo}");
        assert!((hi - 0.1950).abs() < 1e-3, "{hi}");
        assert_eq!(wilson(0.0, 0.0), (0.0, 1.0));
    }
}

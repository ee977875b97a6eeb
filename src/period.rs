//! Periods: what the user names (`90d`, `2024-Q1`, `2024-03-01..2024-05-31`), the day range it resolves to
//! against "now" (the store's latest activity or `--as-of`), its comparison range (previous period or the
//! same period a year earlier), and its split into day/week/month buckets for trends.

use std::fmt;
use std::str::FromStr;

use chrono::Datelike;

use crate::error::Error;
use crate::time::{self, Day};

/// An inclusive range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct DayRange {
    pub from: Day,
    pub to: Day,
}

impl DayRange {
    pub fn new(from: Day, to: Day) -> Self {
        DayRange { from, to }
    }
    /// The `days` days ending with `to`.
    pub fn ending(to: Day, days: i32) -> Self {
        DayRange { from: to - days + 1, to }
    }
    pub fn len(&self) -> i32 {
        (self.to - self.from + 1).max(0)
    }
    pub fn is_empty(&self) -> bool {
        self.to < self.from
    }
    pub fn contains(&self, day: Day) -> bool {
        day >= self.from && day <= self.to
    }
    pub fn label(&self) -> String {
        format!("{}..{}", time::fmt_day(self.from), time::fmt_day(self.to))
    }
}

/// A period as the user names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// The last N days up to and including "now".
    Rolling(i32),
    MonthToDate,
    QuarterToDate,
    YearToDate,
    All,
    Year(i32),
    Quarter(i32, u32),
    Month(i32, u32),
    Range(Day, Day),
}

impl Period {
    /// The day range against `now`; `first` is the first day with data (for `all`).
    pub fn resolve(&self, now: Day, first: Day) -> DayRange {
        let d = time::to_date(now);
        let ymd = |y, m, dd| time::ymd(y, m, dd).unwrap_or(now);
        match *self {
            Period::Rolling(n) => DayRange::ending(now, n),
            Period::MonthToDate => DayRange::new(ymd(d.year(), d.month(), 1), now),
            Period::QuarterToDate => DayRange::new(ymd(d.year(), (d.month() - 1) / 3 * 3 + 1, 1), now),
            Period::YearToDate => DayRange::new(ymd(d.year(), 1, 1), now),
            Period::All => DayRange::new(first.min(now), now),
            Period::Year(y) => DayRange::new(ymd(y, 1, 1), ymd(y + 1, 1, 1) - 1),
            Period::Quarter(y, q) => {
                let start = ymd(y, (q - 1) * 3 + 1, 1);
                let end = if q == 4 { ymd(y + 1, 1, 1) } else { ymd(y, q * 3 + 1, 1) };
                DayRange::new(start, end - 1)
            }
            Period::Month(y, m) => {
                let end = if m == 12 { ymd(y + 1, 1, 1) } else { ymd(y, m + 1, 1) };
                DayRange::new(ymd(y, m, 1), end - 1)
            }
            Period::Range(a, b) => DayRange::new(a, b),
        }
    }

    /// Words for the header: "Last 90 days", "2024-Q1".
    pub fn describe(&self) -> String {
        match self {
            Period::Rolling(n) => format!("Last {n} days"),
            Period::MonthToDate => "Month to date".into(),
            Period::QuarterToDate => "Quarter to date".into(),
            Period::YearToDate => "Year to date".into(),
            Period::All => "All time".into(),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Rolling(n) => write!(f, "{n}d"),
            Period::MonthToDate => f.write_str("mtd"),
            Period::QuarterToDate => f.write_str("qtd"),
            Period::YearToDate => f.write_str("ytd"),
            Period::All => f.write_str("all"),
            Period::Year(y) => write!(f, "{y}"),
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
            Period::Range(a, b) => write!(f, "{}..{}", time::fmt_day(a), time::fmt_day(b)),
        }
    }
}

impl FromStr for Period {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim().to_ascii_lowercase();
        let bad = || {
            Error::usage(format!(
                "unknown period '{s}': use 7d, 30d, 90d, 365d (any Nd), mtd, qtd, ytd, all, 2024, 2024-Q1, 2024-03 \
                 or 2024-03-01..2024-05-31"
            ))
        };
        match s.as_str() {
            "mtd" => return Ok(Period::MonthToDate),
            "qtd" => return Ok(Period::QuarterToDate),
            "ytd" => return Ok(Period::YearToDate),
            "all" => return Ok(Period::All),
            _ => {}
        }
        if let Some(n) = s.strip_suffix('d') {
            let n: i32 = n.parse().map_err(|_| bad())?;
            return if (1..=3660).contains(&n) { Ok(Period::Rolling(n)) } else { Err(bad()) };
        }
        if let Some((a, b)) = s.split_once("..") {
            let (a, b) = (time::parse_day(a).ok_or_else(bad)?, time::parse_day(b).ok_or_else(bad)?);
            if b < a {
                return Err(Error::usage(format!("period '{s}' ends before it starts")));
            }
            return Ok(Period::Range(a, b));
        }
        let parts: Vec<&str> = s.split('-').collect();
        let year = |p: &str| p.parse::<i32>().ok().filter(|y| (1970..=9999).contains(y));
        match parts.as_slice() {
            [y] => year(y).map(Period::Year).ok_or_else(bad),
            [y, q] if q.starts_with('q') => {
                let q: u32 = q[1..].parse().map_err(|_| bad())?;
                match (year(y), q) {
                    (Some(y), 1..=4) => Ok(Period::Quarter(y, q)),
                    _ => Err(bad()),
                }
            }
            [y, m] => {
                let m: u32 = m.parse().map_err(|_| bad())?;
                match (year(y), m) {
                    (Some(y), 1..=12) => Ok(Period::Month(y, m)),
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }
}

/// What a period is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compare {
    /// The period of the same length just before.
    #[default]
    Prev,
    /// The same days one year earlier.
    Yoy,
    /// No comparison.
    None,
}

impl Compare {
    pub fn range(self, r: DayRange) -> Option<DayRange> {
        match self {
            Compare::Prev => Some(DayRange::new(r.from - r.len(), r.from - 1)),
            Compare::Yoy => Some(DayRange::new(time::year_earlier(r.from), time::year_earlier(r.to))),
            Compare::None => None,
        }
    }
    pub fn describe(self, r: DayRange) -> String {
        match self {
            Compare::Prev => format!("vs previous {} days", r.len()),
            Compare::Yoy => "vs a year earlier".into(),
            Compare::None => String::new(),
        }
    }
}

/// Bucket size of a trend series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    #[default]
    Day,
    Week,
    Month,
}

impl Granularity {
    /// Splits a range into buckets aligned on calendar weeks (Monday) or months, clipped to the range.
    pub fn buckets(self, r: DayRange) -> Vec<DayRange> {
        let mut out = Vec::new();
        let mut start = r.from;
        while start <= r.to {
            let next = match self {
                Granularity::Day => start + 1,
                Granularity::Week => time::week_start(start) + 7,
                Granularity::Month => {
                    let d = time::to_date(start);
                    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
                    time::ymd(y, m, 1).unwrap_or(start + 31)
                }
            };
            out.push(DayRange::new(start, (next - 1).min(r.to)));
            start = next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        time::parse_day(s).expect("valid test date")
    }

    #[test]
    fn parses_and_resolves_every_form() {
        let now = day("2024-05-15");
        let first = day("2022-01-03");
        let cases = [
            ("7d", "2024-05-09..2024-05-15"),
            ("90d", "2024-02-16..2024-05-15"),
            ("mtd", "2024-05-01..2024-05-15"),
            ("qtd", "2024-04-01..2024-05-15"),
            ("ytd", "2024-01-01..2024-05-15"),
            ("all", "2022-01-03..2024-05-15"),
            ("2023", "2023-01-01..2023-12-31"),
            ("2024-Q1", "2024-01-01..2024-03-31"),
            ("2023-q4", "2023-10-01..2023-12-31"),
            ("2024-02", "2024-02-01..2024-02-29"),
            ("2024-03-01..2024-05-31", "2024-03-01..2024-05-31"),
        ];
        for (text, want) in cases {
            let p: Period = text.parse().expect(text);
            assert_eq!(p.resolve(now, first).label(), want, "{text}");
        }
        for bad in ["", "0d", "x", "2024-13", "2024-Q5", "2024-05-31..2024-05-01", "99"] {
            assert!(bad.parse::<Period>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn comparisons_and_buckets() {
        let r = DayRange::new(day("2024-03-01"), day("2024-03-31"));
        assert_eq!(Compare::Prev.range(r).map(|r| r.label()), Some("2024-01-30..2024-02-29".into()));
        assert_eq!(Compare::Yoy.range(r).map(|r| r.label()), Some("2023-03-01..2023-03-31".into()));
        let weeks = Granularity::Week.buckets(r);
        assert_eq!(weeks.first().map(|w| w.label()), Some("2024-03-01..2024-03-03".into()));
        assert_eq!(weeks.iter().map(|w| w.len()).sum::<i32>(), 31);
        let months = Granularity::Month.buckets(DayRange::new(day("2024-01-15"), day("2024-03-10")));
        assert_eq!(months.len(), 3);
        assert_eq!(months[1].label(), "2024-02-01..2024-02-29");
    }
}

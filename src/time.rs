//! Days and timestamps. The engine works in whole UTC days (`Day`, days since 1970-01-01); the store keeps
//! unix seconds. Conversions to and from calendar dates live here and nowhere else.

use chrono::{Datelike, NaiveDate};

/// Days since 1970-01-01 (UTC).
pub type Day = i32;

pub const SECS_PER_DAY: i64 = 86_400;

/// The UTC day a unix timestamp falls on.
pub fn day_of(ts: i64) -> Day {
    ts.div_euclid(SECS_PER_DAY) as Day
}

/// Unix seconds at the start of a day.
pub fn day_start(day: Day) -> i64 {
    i64::from(day) * SECS_PER_DAY
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

pub fn to_date(day: Day) -> NaiveDate {
    epoch() + chrono::Duration::days(i64::from(day))
}

pub fn from_date(date: NaiveDate) -> Day {
    (date - epoch()).num_days() as Day
}

pub fn ymd(y: i32, m: u32, d: u32) -> Option<Day> {
    NaiveDate::from_ymd_opt(y, m, d).map(from_date)
}

/// `YYYY-MM-DD` of a day.
pub fn fmt_day(day: Day) -> String {
    to_date(day).format("%Y-%m-%d").to_string()
}

/// Parses `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Option<Day> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok().map(from_date)
}

/// First day of the month `day` falls in.
pub fn month_start(day: Day) -> Day {
    let d = to_date(day);
    ymd(d.year(), d.month(), 1).unwrap_or(day)
}

/// The same calendar day one year earlier (29 February becomes 28 February).
pub fn year_earlier(day: Day) -> Day {
    let d = to_date(day);
    let y = d.year() - 1;
    ymd(y, d.month(), d.day()).or_else(|| ymd(y, d.month(), d.day() - 1)).unwrap_or(day - 365)
}

/// Monday of the ISO week `day` falls in.
pub fn week_start(day: Day) -> Day {
    day - to_date(day).weekday().num_days_from_monday() as Day
}

/// A timestamp as `YYYY-MM-DD HH:MM` (UTC), for messages.
pub fn format_ts(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0).map_or_else(|| ts.to_string(), |t| t.format("%Y-%m-%d %H:%M").to_string())
}

/// This computer's clock, in unix seconds.
pub fn wall_clock() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let d = parse_day("2024-02-29").expect("valid");
        assert_eq!(fmt_day(d), "2024-02-29");
        assert_eq!(fmt_day(year_earlier(d)), "2023-02-28");
        assert_eq!(fmt_day(month_start(d)), "2024-02-01");
        assert_eq!(fmt_day(week_start(d)), "2024-02-26");
        assert_eq!(day_of(-1), -1);
        assert_eq!(day_of(day_start(d) + 86_399), d);
    }
}

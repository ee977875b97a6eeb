//! Day series of `Counters`: dense (one cell per day, for the store, sellers and categories: few scopes,
//! many events) and sparse (only the days with activity, for products: many scopes, few events each).
//! Both answer "sum over a day range" and grow at the end as new data arrives.

use super::counters::Counters;
use crate::period::DayRange;
use crate::time::Day;

/// One cell per day from `start`.
#[derive(Debug, Clone, Default)]
pub struct Dense {
    start: Day,
    cells: Vec<Counters>,
}

impl Dense {
    pub fn new(start: Day) -> Self {
        Dense { start, cells: Vec::new() }
    }

    /// The cell of `day`, growing the series as needed.
    pub fn cell(&mut self, day: Day) -> &mut Counters {
        if self.cells.is_empty() {
            self.start = day;
        }
        if day < self.start {
            let extra = (self.start - day) as usize;
            self.cells.splice(0..0, std::iter::repeat_n(Counters::default(), extra));
            self.start = day;
        }
        let i = (day - self.start) as usize;
        if i >= self.cells.len() {
            self.cells.resize(i + 1, Counters::default());
        }
        &mut self.cells[i]
    }

    /// Σ over the days of `r`.
    pub fn sum(&self, r: DayRange) -> Counters {
        let mut out = Counters::default();
        if self.cells.is_empty() || r.is_empty() {
            return out;
        }
        let lo = (r.from - self.start).max(0) as usize;
        let hi = ((r.to - self.start + 1).max(0) as usize).min(self.cells.len());
        for c in self.cells.get(lo..hi).unwrap_or(&[]) {
            out.add(c);
        }
        out
    }

    /// Every day with its counters.
    pub fn days(&self) -> impl Iterator<Item = (Day, &Counters)> {
        self.cells.iter().enumerate().map(|(i, c)| (self.start + i as Day, c))
    }

    /// Adds every cell of `other` into `self`.
    pub fn add_series(&mut self, other: &Dense) {
        for (i, c) in other.cells.iter().enumerate() {
            if *c != Counters::default() {
                self.cell(other.start + i as Day).add(c);
            }
        }
    }
}

/// Only the days with activity, sorted by day.
#[derive(Debug, Clone, Default)]
pub struct Sparse {
    days: Vec<Day>,
    cells: Vec<Counters>,
}

impl Sparse {
    /// The cell of `day`; appending in day order is O(1), out-of-order days cost an insert.
    pub fn cell(&mut self, day: Day) -> &mut Counters {
        let i = match self.days.last() {
            Some(&last) if last == day => self.days.len() - 1,
            Some(&last) if last < day => self.push(self.days.len(), day),
            None => self.push(0, day),
            _ => match self.days.binary_search(&day) {
                Ok(i) => i,
                Err(i) => self.push(i, day),
            },
        };
        &mut self.cells[i]
    }

    fn push(&mut self, at: usize, day: Day) -> usize {
        self.days.insert(at, day);
        self.cells.insert(at, Counters::default());
        at
    }

    pub fn sum(&self, r: DayRange) -> Counters {
        let lo = self.days.partition_point(|&d| d < r.from);
        let hi = self.days.partition_point(|&d| d <= r.to);
        let mut out = Counters::default();
        for c in self.cells.get(lo..hi).unwrap_or(&[]) {
            out.add(c);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_sum_the_same() {
        let mut d = Dense::new(0);
        let mut s = Sparse::default();
        for (day, n) in [(10, 1), (12, 2), (5, 4), (12, 8), (30, 16)] {
            d.cell(day).orders += n;
            s.cell(day).orders += n;
        }
        for (from, to, want) in [(0, 100, 31), (5, 5, 4), (11, 12, 10), (13, 29, 0), (31, 40, 0), (6, 4, 0)] {
            let r = DayRange::new(from, to);
            assert_eq!(d.sum(r).orders, want, "dense {from}..{to}");
            assert_eq!(s.sum(r).orders, want, "sparse {from}..{to}");
        }
    }
}

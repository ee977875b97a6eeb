//! Dense day series of `Counters`: one cell per day, for the store, sellers and categories (few scopes, many
//! events). Products (many scopes, few events each) use `packed::Packed`. Both answer "sum over a day range"
//! and grow as new data arrives.

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

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.cells.capacity() * std::mem::size_of::<Counters>()
    }

    /// The first day and the cells (for `snapshot`).
    pub(super) fn parts(&self) -> (Day, &[Counters]) {
        (self.start, &self.cells)
    }

    pub(super) fn from_parts(start: Day, cells: Vec<Counters>) -> Self {
        Dense { start, cells }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_sums_day_ranges() {
        let mut d = Dense::new(0);
        for (day, n) in [(10, 1), (12, 2), (5, 4), (12, 8), (30, 16)] {
            d.cell(day).orders += n;
        }
        for (from, to, want) in [(0, 100, 31), (5, 5, 4), (11, 12, 10), (13, 29, 0), (31, 40, 0), (6, 4, 0)] {
            assert_eq!(d.sum(DayRange::new(from, to)).orders, want, "dense {from}..{to}");
        }
    }
}

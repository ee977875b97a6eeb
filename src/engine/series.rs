//! Dense day series of `Counters`: one cell per day, for the store, sellers and categories (few scopes, many
//! events). Products (many scopes, few events each) use `packed::Packed`. Both answer "sum over a day range"
//! and grow as new data arrives.

use std::sync::Arc;

use super::counters::Counters;
use crate::period::DayRange;
use crate::time::Day;

/// Days per block. A series is held in blocks of consecutive days, shared (`Arc`) between a model and the
/// next one a refresh makes from it: the copy a refresh makes of a series it writes to (`Arc::make_mut`)
/// copies the blocks it writes (the newest days), not the series' whole history (at 10M orders the sellers'
/// series are ~105 MB, and a commit writes to most sellers).
const BLOCK: Day = 32;
type Block = [Counters; BLOCK as usize];

/// One cell per day, in blocks aligned on `BLOCK`-day boundaries.
#[derive(Debug, Clone, Default)]
pub struct Dense {
    /// the first block's number (`day.div_euclid(BLOCK)`)
    first: Day,
    blocks: Vec<Arc<Block>>,
}

fn zero_block() -> Arc<Block> {
    Arc::new([Counters::default(); BLOCK as usize])
}

impl Dense {
    pub fn new(start: Day) -> Self {
        Dense { first: start.div_euclid(BLOCK), blocks: Vec::new() }
    }

    /// The cell of `day`, growing the series as needed.
    pub fn cell(&mut self, day: Day) -> &mut Counters {
        let b = day.div_euclid(BLOCK);
        if self.blocks.is_empty() {
            self.first = b;
        }
        if b < self.first {
            let extra = (self.first - b) as usize;
            self.blocks.splice(0..0, std::iter::repeat_with(zero_block).take(extra));
            self.first = b;
        }
        let i = (b - self.first) as usize;
        if i >= self.blocks.len() {
            self.blocks.resize_with(i + 1, zero_block);
        }
        &mut Arc::make_mut(&mut self.blocks[i])[day.rem_euclid(BLOCK) as usize]
    }

    /// Σ over the days of `r`.
    pub fn sum(&self, r: DayRange) -> Counters {
        let mut out = Counters::default();
        if self.blocks.is_empty() || r.is_empty() {
            return out;
        }
        let (lo, hi) = (r.from.max(self.first * BLOCK), r.to.min((self.first + self.blocks.len() as Day) * BLOCK - 1));
        let mut d = lo;
        while d <= hi {
            let block = &self.blocks[(d.div_euclid(BLOCK) - self.first) as usize];
            let from = d.rem_euclid(BLOCK);
            let to = (hi - (d - from)).min(BLOCK - 1);
            block[from as usize..=to as usize].iter().for_each(|c| out.add(c));
            d += BLOCK - from;
        }
        out
    }

    /// Bytes held on the heap (blocks shared with another model's series counted in full).
    pub fn heap_bytes(&self) -> usize {
        self.blocks.len() * std::mem::size_of::<Block>() + self.blocks.capacity() * std::mem::size_of::<Arc<Block>>()
    }

    /// The first day and the cells, one per day (for `snapshot`).
    pub(super) fn parts(&self) -> (Day, Vec<Counters>) {
        (self.first * BLOCK, self.blocks.iter().flat_map(|b| b.iter().copied()).collect())
    }

    pub(super) fn from_parts(start: Day, cells: Vec<Counters>) -> Self {
        let mut d = Dense::new(start);
        for (i, c) in cells.iter().enumerate() {
            // The blocks span every day from the first to the last, zero or not.
            *d.cell(start + i as Day) = *c;
        }
        d
    }

    /// Every day with its counters (the blocks' days: from a block boundary to one).
    pub fn days(&self) -> impl Iterator<Item = (Day, &Counters)> {
        let start = self.first * BLOCK;
        self.blocks.iter().flat_map(|b| b.iter()).enumerate().map(move |(i, c)| (start + i as Day, c))
    }

    /// Adds every cell of `other` into `self`.
    pub fn add_series(&mut self, other: &Dense) {
        for (day, c) in other.days() {
            if *c != Counters::default() {
                self.cell(day).add(c);
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

    #[test]
    fn a_copy_shares_the_blocks_it_does_not_write() {
        let mut d = Dense::new(0);
        for day in -40..200 {
            d.cell(day).orders += i64::from(day) + 1000;
        }
        let mut copy = d.clone();
        copy.cell(199).orders += 5;
        copy.cell(-70).orders += 7;
        let shared = d.blocks.iter().filter(|b| copy.blocks.iter().any(|c| Arc::ptr_eq(b, c))).count();
        assert_eq!(shared, d.blocks.len() - 1, "only the block of day 199 was copied");
        let want = |from: Day, to: Day| (from..=to).map(|day| i64::from(day) + 1000).sum::<i64>();
        for (from, to) in [(-40, 199), (-100, 300), (0, 0), (-1, -1), (31, 32), (5, 150), (190, 199), (200, 400)] {
            let (from_d, to_d) = (from.max(-40), to.min(199));
            let base = if from_d <= to_d { want(from_d, to_d) } else { 0 };
            assert_eq!(d.sum(DayRange::new(from, to)).orders, base, "{from}..{to}");
            let extra = if (from..=to).contains(&199) { 5 } else { 0 } + if (from..=to).contains(&-70) { 7 } else { 0 };
            assert_eq!(copy.sum(DayRange::new(from, to)).orders, base + extra, "copy {from}..{to}");
        }
        let (start, cells) = copy.parts();
        let read = Dense::from_parts(start, cells);
        assert_eq!(read.sum(DayRange::new(-100, 300)), copy.sum(DayRange::new(-100, 300)));
        assert_eq!(read.days().count(), copy.days().count());
    }
}

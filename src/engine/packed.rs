//! Packed day series, for the many scopes with few events each (products). A `Counters` cell is 480 bytes,
//! mostly zeros: at 10M orders the products' cells alone took 5 GB. Here each day's cell is a varint mask of
//! its non-zero fields followed by their zigzag varints (about 30 bytes), and recent changes wait in a small
//! unpacked tail that is merged in when it fills (untouched cells are copied as bytes, not re-encoded).
//! Answers the same "sum over a day range" as `series::Dense`; a range holding most of the cells (a
//! product's whole history, as a rating rule reads it) is the series' total less the cells outside it,
//! the total kept once asked for.

use super::counters::{Counters, FIELDS};
use crate::period::DayRange;
use crate::time::Day;

/// How many unpacked cells may wait before they are packed.
const TAIL: usize = 16;
/// Series with fewer cells are always summed cell by cell.
const MANY: usize = 32;

/// A packed series in pieces: days, cell ends, cell bytes, tail days, tail cells.
pub(super) type Parts<'a> = (&'a [Day], &'a [u32], &'a [u8], &'a [Day], &'a [Counters]);

#[derive(Debug, Clone, Default)]
pub struct Packed {
    /// days with a packed cell, ascending
    days: Vec<Day>,
    /// end of each day's cell in `bytes`
    ends: Vec<u32>,
    bytes: Vec<u8>,
    /// changes not packed yet, in arrival order (one entry per day); a day may also have a packed cell (the
    /// two add up)
    tail_days: Vec<Day>,
    tail: Vec<Counters>,
    /// Σ of the packed cells: from the first packing of a series built from nothing, or once a sum over
    /// most of the cells asked for it; kept up to date by `pack`
    total: std::sync::OnceLock<Box<[i64; FIELDS]>>,
}

impl Packed {
    /// The unpacked cell of `day` to add to (what it adds is merged with the packed cell of that day later).
    pub fn cell(&mut self, day: Day) -> &mut Counters {
        let i = match self.tail_days.iter().position(|&d| d == day) {
            Some(i) => i,
            None => {
                if self.tail.len() == TAIL {
                    self.pack();
                }
                self.tail_days.push(day);
                self.tail.push(Counters::default());
                self.tail.len() - 1
            }
        };
        &mut self.tail[i]
    }

    /// Σ over the days of `r`.
    pub fn sum(&self, r: DayRange) -> Counters {
        let mut acc = [0i64; FIELDS];
        if !r.is_empty() {
            let lo = self.days.partition_point(|&d| d < r.from);
            let hi = self.days.partition_point(|&d| d <= r.to);
            let cells = self.days.len();
            if lo < hi && (hi - lo) * 2 > cells && cells >= MANY {
                // Most of the cells: the total less the few outside the range.
                acc = **self.total.get_or_init(|| {
                    let mut all = Box::new([0i64; FIELDS]);
                    self.decode_cells(0, cells, &mut all);
                    all
                });
                let mut outside = [0i64; FIELDS];
                self.decode_cells(0, lo, &mut outside);
                self.decode_cells(hi, cells, &mut outside);
                acc.iter_mut().zip(outside).for_each(|(a, o)| *a -= o);
            } else {
                self.decode_cells(lo, hi, &mut acc);
            }
        }
        let mut out = Counters::from_array(&acc);
        for (d, c) in self.tail_days.iter().zip(&self.tail) {
            if r.contains(*d) {
                out.add(c);
            }
        }
        out
    }

    /// Adds the packed cells `lo..hi` to `acc`.
    fn decode_cells(&self, lo: usize, hi: usize, acc: &mut [i64; FIELDS]) {
        if lo >= hi {
            return;
        }
        let mut at = if lo == 0 { 0 } else { self.ends[lo - 1] as usize };
        let end = self.ends[hi - 1] as usize;
        while at < end {
            at += decode_add(&self.bytes[at..], acc);
        }
    }

    /// Every day with a non-zero cell, with its counters, ascending.
    #[cfg(test)]
    fn days(&self) -> Vec<(Day, Counters)> {
        let mut all = self.clone();
        all.pack();
        let mut at = 0;
        all.days
            .iter()
            .zip(&all.ends)
            .map(|(&d, &end)| {
                let mut acc = [0i64; FIELDS];
                decode_add(&all.bytes[at..end as usize], &mut acc);
                at = end as usize;
                (d, Counters::from_array(&acc))
            })
            .collect()
    }

    /// Merges the tail into the packed cells. Cells that come to zero (a contribution taken back) are dropped.
    pub fn pack(&mut self) {
        if self.tail.is_empty() {
            return;
        }
        // A series built from nothing keeps its total from its first packing on (so no wide sum has to
        // decode it whole later); one read from a cache computes it on first need.
        if self.days.is_empty() && self.total.get().is_none() {
            let _ = self.total.set(Box::new([0i64; FIELDS]));
        }
        if let Some(total) = self.total.get_mut() {
            for c in &self.tail {
                total.iter_mut().zip(c.to_array()).for_each(|(t, v)| *t += v);
            }
        }
        let mut tail: Vec<(Day, [i64; FIELDS])> =
            self.tail_days.drain(..).zip(self.tail.drain(..)).map(|(d, c)| (d, c.to_array())).collect();
        tail.sort_unstable_by_key(|(d, _)| *d);
        // Only the cells from the tail's first day on are rebuilt; the ones before it stay where they are.
        // Loads and refreshes add near the newest days, so this is a short suffix, not the whole series
        // (rebuilding it all made a 10M-order load quadratic in a product's days).
        let lo = self.days.partition_point(|&d| d < tail[0].0);
        let base = if lo == 0 { 0 } else { self.ends[lo - 1] as usize };
        let old_days = self.days.split_off(lo);
        let old_ends = self.ends.split_off(lo);
        let old_bytes = self.bytes.split_off(base);
        let (mut i, mut start) = (0, 0usize);
        let mut t = tail.into_iter().peekable();
        loop {
            let next = t.peek().map(|(d, _)| *d);
            match old_days.get(i).copied() {
                // A packed cell before the tail's next day: untouched, copied as bytes.
                Some(d) if next.is_none_or(|td| d < td) => {
                    let end = old_ends[i] as usize - base;
                    self.bytes.extend_from_slice(&old_bytes[start..end]);
                    self.days.push(d);
                    self.ends.push(self.bytes.len() as u32);
                    (start, i) = (end, i + 1);
                }
                // The tail's next day, added to the packed cell of the same day if there is one.
                packed => {
                    let Some((td, mut acc)) = t.next() else { break };
                    if packed == Some(td) {
                        let end = old_ends[i] as usize - base;
                        decode_add(&old_bytes[start..end], &mut acc);
                        (start, i) = (end, i + 1);
                    }
                    self.push(td, &acc);
                }
            }
        }
    }

    /// Changes wait unpacked (`settle` packs them).
    pub fn has_tail(&self) -> bool {
        !self.tail.is_empty()
    }

    /// Packs the tail and gives back spare capacity: for a series that is done growing for now.
    pub fn settle(&mut self) {
        self.pack();
        self.tail = Vec::new();
        self.tail_days = Vec::new();
        self.days.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.bytes.shrink_to_fit();
    }

    /// The packed cells and the tail (for `snapshot`).
    pub(super) fn parts(&self) -> Parts<'_> {
        (&self.days, &self.ends, &self.bytes, &self.tail_days, &self.tail)
    }

    /// Rebuilds a series from `parts`, or `None` when they do not fit together (cells out of order or
    /// ending outside the bytes), so that a damaged cache can never index out of bounds.
    pub(super) fn from_parts(
        days: Vec<Day>,
        ends: Vec<u32>,
        bytes: Vec<u8>,
        tail_days: Vec<Day>,
        tail: Vec<Counters>,
    ) -> Option<Self> {
        let ordered = days.windows(2).all(|w| w[0] < w[1]) && ends.windows(2).all(|w| w[0] <= w[1]);
        let fits = days.len() == ends.len()
            && ends.last().map_or(bytes.is_empty(), |&e| e as usize == bytes.len())
            && tail_days.len() == tail.len()
            && tail.len() <= TAIL;
        (ordered && fits).then_some(Packed { days, ends, bytes, tail_days, tail, total: Default::default() })
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.days.capacity() * 4
            + self.ends.capacity() * 4
            + self.bytes.capacity()
            + self.tail_days.capacity() * 4
            + self.tail.capacity() * std::mem::size_of::<Counters>()
    }

    fn push(&mut self, day: Day, a: &[i64; FIELDS]) {
        let mut mask = 0u64;
        for (i, v) in a.iter().enumerate() {
            if *v != 0 {
                mask |= 1 << i;
            }
        }
        if mask == 0 {
            return;
        }
        put(&mut self.bytes, mask);
        for v in a.iter().filter(|v| **v != 0) {
            put(&mut self.bytes, ((v << 1) ^ (v >> 63)) as u64);
        }
        self.days.push(day);
        self.ends.push(self.bytes.len() as u32);
    }
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get(b: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&byte) = b.get(*at) {
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            break;
        }
        shift += 7;
    }
    v
}

/// Adds one packed cell into `acc`; returns the bytes it took.
fn decode_add(b: &[u8], acc: &mut [i64; FIELDS]) -> usize {
    let mut at = 0;
    let mut mask = get(b, &mut at);
    while mask != 0 {
        let i = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        let z = get(b, &mut at);
        let v = ((z >> 1) as i64) ^ -((z & 1) as i64);
        if let Some(slot) = acc.get_mut(i) {
            *slot += v;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::series::Dense;

    fn cell(seed: i64) -> Counters {
        let mut a = [0i64; FIELDS];
        for (i, v) in a.iter_mut().enumerate() {
            let x = (seed * 7919 + i as i64 * 104_729) % 97;
            if x % 5 == 0 {
                *v = (x - 40) * 1_000_003 * if i % 3 == 0 { 1_000_000 } else { 1 };
            }
        }
        a[0] = 1;
        Counters::from_array(&a)
    }

    #[test]
    fn sums_like_dense_through_appends_merges_take_backs_and_wide_ranges() {
        let mut d = Dense::new(0);
        let mut p = Packed::default();
        // Days out of order, repeated, extremes, and a contribution taken back whole.
        let days: Vec<Day> = (0..400).map(|i| (i * 37 % 101) as Day + if i % 50 == 0 { 300 } else { 0 }).collect();
        for (n, &day) in days.iter().enumerate() {
            let c = cell(n as i64);
            d.cell(day).add(&c);
            p.cell(day).add(&c);
            if n % 9 == 0 {
                d.cell(day).add(&c.scaled(-1));
                p.cell(day).add(&c.scaled(-1));
            }
            // Wide sums come from the total, which the packing of later additions must keep right.
            if n % 100 == 99 {
                for (from, to) in [(0, 500), (3, 450), (0, 99)] {
                    let r = DayRange::new(from, to);
                    assert_eq!(p.sum(r), d.sum(r), "{from}..{to} after {n} additions");
                }
            }
        }
        let big = Counters { gross: i64::MAX / 4, handling_secs: i64::MIN / 4, ..Counters::default() };
        d.cell(7).add(&big);
        p.cell(7).add(&big);
        for (from, to) in [(0, 500), (0, 0), (7, 7), (13, 60), (99, 301), (401, 500), (10, 5)] {
            let r = DayRange::new(from, to);
            assert_eq!(p.sum(r), d.sum(r), "{from}..{to} before packing");
        }
        p.settle();
        for (from, to) in [(0, 500), (7, 7), (13, 60), (99, 301)] {
            let r = DayRange::new(from, to);
            assert_eq!(p.sum(r), d.sum(r), "{from}..{to} packed");
        }
        // Rebuilt from its parts (as the cache reads it), the total is computed when a wide sum needs it.
        let (days, ends, bytes, tail_days, tail) = p.parts();
        let read = Packed::from_parts(days.to_vec(), ends.to_vec(), bytes.to_vec(), tail_days.to_vec(), tail.to_vec());
        let read = read.expect("fits");
        assert!(read.total.get().is_none());
        for (from, to) in [(0, 500), (3, 450)] {
            let r = DayRange::new(from, to);
            assert_eq!(read.sum(r), d.sum(r), "{from}..{to} read back");
        }
        let dense: Vec<(Day, Counters)> =
            d.days().filter(|(_, c)| **c != Counters::default()).map(|(day, c)| (day, *c)).collect();
        assert_eq!(p.days(), dense);
        let unpacked = dense.len() * std::mem::size_of::<Counters>();
        assert!(p.heap_bytes() * 2 < unpacked, "{} bytes for {} cells", p.heap_bytes(), dense.len());
    }
}

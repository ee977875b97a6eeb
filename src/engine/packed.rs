//! Packed day series, for the many scopes with few events each (products). A `Counters` cell is 480 bytes,
//! mostly zeros: at 10M orders the products' cells alone took 5 GB. Here each day's cell is a varint mask of
//! its non-zero fields followed by their zigzag varints (about 30 bytes), and recent changes wait in a small
//! unpacked tail that is merged in when it fills (untouched cells are copied as bytes, not re-encoded).
//! Answers the same "sum over a day range" as `series::Dense`; a range holding most of the cells (a
//! product's whole history, as a rating rule reads it) is the series' total less the cells outside it,
//! the total kept once asked for.
//!
//! The packed cells are held in two parts: an older head shared (behind an `Arc`) by a model and the next
//! one a refresh makes from it, and the newer cells the series owns, which is where a refresh writes. So the
//! copy a refresh makes of a series it adds to (`Arc::make_mut` on the model's series) copies the newer
//! cells, not the product's whole history (at 10M orders a copy of every product's series was 226 MB, and a
//! commit touches most products). `settle` moves all but the newest cells to a new head once they are many.

use std::sync::Arc;

use super::counters::{Counters, FIELDS};
use crate::period::DayRange;
use crate::time::Day;

/// How many unpacked cells may wait before they are packed.
const TAIL: usize = 16;
/// Series with fewer cells are always summed cell by cell.
const MANY: usize = 32;
/// The newer cells a series may own before `settle` moves all but `KEEP` of them to its head.
const OWN: usize = 64;
const KEEP: usize = 16;

/// A packed series in pieces: days, cell ends, cell bytes, tail days, tail cells.
pub(super) type Parts<'a> = (Vec<Day>, Vec<u32>, Vec<u8>, &'a [Day], Vec<Counters>);

/// An unpacked cell: a bit in `mask` for each field it has, their values in field order. Whole `Counters`
/// (480 bytes) took 150 MB in the tails of 20,000 products during a 10M-order load's last steps, where a
/// day's changes have 2–18 fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Sparse {
    mask: u64,
    values: Vec<i64>,
}

// A field's bit fits the mask.
const _: () = assert!(FIELDS <= 64);

impl Sparse {
    fn of(c: &Counters) -> Sparse {
        let mut s = Sparse::default();
        for (i, &v) in c.as_array().iter().enumerate() {
            s.add(i, v);
        }
        s
    }

    fn add(&mut self, field: usize, v: i64) {
        if v == 0 {
            return;
        }
        let bit = 1u64 << field;
        let k = (self.mask & (bit - 1)).count_ones() as usize;
        if self.mask & bit == 0 {
            self.mask |= bit;
            self.values.insert(k, v);
        } else {
            self.values[k] += v;
        }
    }

    fn get(&self, field: usize) -> i64 {
        let bit = 1u64 << field;
        if self.mask & bit == 0 { 0 } else { self.values[(self.mask & (bit - 1)).count_ones() as usize] }
    }

    /// The cell's (field, value) pairs, in field order.
    fn fields(&self) -> impl Iterator<Item = (usize, i64)> + Clone + '_ {
        let mut m = self.mask;
        self.values.iter().map(move |&v| {
            let field = m.trailing_zeros() as usize;
            m &= m.wrapping_sub(1);
            (field, v)
        })
    }

    /// Adds the cell's fields into `acc`.
    fn add_into(&self, acc: &mut [i64; FIELDS]) {
        for (field, v) in self.fields() {
            acc[field] += v;
        }
    }

    fn to_array(&self) -> [i64; FIELDS] {
        let mut a = [0i64; FIELDS];
        self.add_into(&mut a);
        a
    }
}

/// Packed cells: days ascending, the end of each day's cell in `bytes`.
#[derive(Debug, Clone, Default)]
struct Cells {
    days: Vec<Day>,
    ends: Vec<u32>,
    bytes: Vec<u8>,
}

impl Cells {
    /// The bytes of cells `lo..hi`.
    fn span(&self, lo: usize, hi: usize) -> &[u8] {
        let at = |i: usize| if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[at(lo)..at(hi)]
    }
}

#[derive(Debug, Clone, Default)]
pub struct Packed {
    /// the older cells, shared; the series' are the first `head_n` (a shorter view needs no copy)
    head: Arc<Cells>,
    head_n: usize,
    /// the newer cells (after the head's), owned
    own: Cells,
    /// changes not packed yet, in arrival order (one entry per day); a day may also have a packed cell (the
    /// two add up)
    tail_days: Vec<Day>,
    tail: Vec<Sparse>,
    /// Σ of the packed cells: from the first packing of a series built from nothing, or once a sum over
    /// most of the cells asked for it; kept up to date by `pack`
    total: std::sync::OnceLock<Box<[i64; FIELDS]>>,
}

impl Packed {
    /// Adds `sign` × the fields `at` (indexes, as in `Counters::as_array`) of `values` to `day` (unpacked
    /// until the tail fills, then merged with the packed cell of that day).
    pub fn add(&mut self, day: Day, at: &[u8], values: &[i64], sign: i64) {
        let i = match self.tail_days.iter().position(|&d| d == day) {
            Some(i) => i,
            None => {
                if self.tail.len() == TAIL {
                    self.pack();
                }
                self.tail_days.push(day);
                // Room for an order's fields at once (a cell grown a field at a time made a load 30% slower).
                self.tail.push(Sparse { mask: 0, values: Vec::with_capacity(at.len().max(16)) });
                self.tail.len() - 1
            }
        };
        let cell = &mut self.tail[i];
        for (&f, &v) in at.iter().zip(values) {
            cell.add(usize::from(f), v * sign);
        }
    }

    /// Adds `c` to `day`.
    #[cfg(test)]
    pub fn add_counters(&mut self, day: Day, c: &Counters) {
        let a = c.as_array();
        let at: Vec<u8> = (0..FIELDS as u8).filter(|&i| a[usize::from(i)] != 0).collect();
        let values: Vec<i64> = at.iter().map(|&i| a[usize::from(i)]).collect();
        self.add(day, &at, &values, 1);
    }

    /// Σ over the days of `r`.
    pub fn sum(&self, r: DayRange) -> Counters {
        let mut acc = [0i64; FIELDS];
        if !r.is_empty() {
            let lo = self.partition(|d| d < r.from);
            let hi = self.partition(|d| d <= r.to);
            let cells = self.cells();
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
        for (d, c) in self.tail_days.iter().zip(&self.tail) {
            if r.contains(*d) {
                c.add_into(&mut acc);
            }
        }
        Counters::from_array(&acc)
    }

    /// Σ of one field over the days of `r` (`field`: its index in `Counters::as_array`), as `sum` gives it,
    /// reading only that field of each cell: the units of 20,000 products over 30 days (stock cover) took
    /// 18 ms decoding whole cells at 10M orders.
    pub fn sum_field(&self, r: DayRange, field: usize) -> i64 {
        let mut total = 0;
        if !r.is_empty() {
            let (lo, hi) = (self.partition(|d| d < r.from), self.partition(|d| d <= r.to));
            let h = self.head_n;
            for i in lo..hi.min(h) {
                total += field_of(self.head.span(i, i + 1), field);
            }
            for i in lo.max(h)..hi.max(h) {
                total += field_of(self.own.span(i - h, i - h + 1), field);
            }
        }
        for (d, c) in self.tail_days.iter().zip(&self.tail) {
            if r.contains(*d) {
                total += if field < FIELDS { c.get(field) } else { 0 };
            }
        }
        total
    }

    /// How many packed cells the series has (head and owned).
    fn cells(&self) -> usize {
        self.head_n + self.own.days.len()
    }

    /// The number of leading packed cells whose day satisfies `pred` (true, then false, along the days).
    fn partition(&self, pred: impl Fn(Day) -> bool) -> usize {
        let h = self.head.days[..self.head_n].partition_point(|&d| pred(d));
        if h < self.head_n { h } else { self.head_n + self.own.days.partition_point(|&d| pred(d)) }
    }

    /// Adds the packed cells `lo..hi` to `acc`.
    fn decode_cells(&self, lo: usize, hi: usize, acc: &mut [i64; FIELDS]) {
        if lo >= hi {
            return;
        }
        let h = self.head_n;
        if lo < h {
            decode_all(self.head.span(lo, hi.min(h)), acc);
        }
        if hi > h {
            decode_all(self.own.span(lo.max(h) - h, hi - h), acc);
        }
    }

    /// Gives the head's cells from `day` on back to the owned ones (copied: the head is shared), so that
    /// a change to one of them can be packed.
    fn thaw(&mut self, day: Day) {
        let k = self.head.days[..self.head_n].partition_point(|&d| d < day);
        if k == self.head_n {
            return;
        }
        let head = &self.head;
        let base = if k == 0 { 0 } else { head.ends[k - 1] };
        let moved = head.ends[self.head_n - 1] - base;
        let mut days = head.days[k..self.head_n].to_vec();
        days.append(&mut self.own.days);
        let mut ends: Vec<u32> = head.ends[k..self.head_n].iter().map(|&e| e - base).collect();
        ends.extend(self.own.ends.iter().map(|&e| e + moved));
        let mut bytes = head.bytes[base as usize..(base + moved) as usize].to_vec();
        bytes.append(&mut self.own.bytes);
        self.own = Cells { days, ends, bytes };
        self.head_n = k;
    }

    /// Moves all but the newest `KEEP` owned cells to a new head.
    fn freeze(&mut self) {
        let keep_from = self.own.days.len() - KEEP;
        let split = self.own.ends[keep_from - 1];
        let kept = Cells {
            days: self.own.days.split_off(keep_from),
            ends: self.own.ends.split_off(keep_from).into_iter().map(|e| e - split).collect(),
            bytes: self.own.bytes.split_off(split as usize),
        };
        let mut moving = std::mem::replace(&mut self.own, kept);
        if self.head_n > 0 {
            let head = &self.head;
            let head_bytes = head.ends[self.head_n - 1];
            let mut all = Cells {
                days: Vec::with_capacity(self.head_n + moving.days.len()),
                ends: Vec::with_capacity(self.head_n + moving.days.len()),
                bytes: Vec::with_capacity(head_bytes as usize + moving.bytes.len()),
            };
            all.days.extend_from_slice(&head.days[..self.head_n]);
            all.days.append(&mut moving.days);
            all.ends.extend_from_slice(&head.ends[..self.head_n]);
            all.ends.extend(moving.ends.iter().map(|&e| e + head_bytes));
            all.bytes.extend_from_slice(&head.bytes[..head_bytes as usize]);
            all.bytes.append(&mut moving.bytes);
            moving = all;
        }
        moving.days.shrink_to_fit();
        moving.ends.shrink_to_fit();
        moving.bytes.shrink_to_fit();
        self.head_n = moving.days.len();
        self.head = Arc::new(moving);
    }

    /// Every day with a non-zero cell, with its counters, ascending.
    #[cfg(test)]
    fn days(&self) -> Vec<(Day, Counters)> {
        let mut all = self.clone();
        all.pack();
        let (days, ends, bytes, _, _) = all.parts();
        let mut at = 0;
        days.iter()
            .zip(&ends)
            .map(|(&d, &end)| {
                let mut acc = [0i64; FIELDS];
                decode_add(&bytes[at..end as usize], &mut acc);
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
        if self.cells() == 0 && self.total.get().is_none() {
            let _ = self.total.set(Box::new([0i64; FIELDS]));
        }
        if let Some(total) = self.total.get_mut() {
            for c in &self.tail {
                c.add_into(total);
            }
        }
        let mut tail: Vec<(Day, Sparse)> = self.tail_days.drain(..).zip(self.tail.drain(..)).collect();
        tail.sort_unstable_by_key(|(d, _)| *d);
        // A change to a day of the head: the head's cells from that day on become owned again.
        if self.head_n > 0 && tail[0].0 <= self.head.days[self.head_n - 1] {
            self.thaw(tail[0].0);
        }
        // Only the cells from the tail's first day on are rebuilt; the ones before it stay where they are.
        // Loads and refreshes add near the newest days, so this is a short suffix, not the whole series
        // (rebuilding it all made a 10M-order load quadratic in a product's days).
        let lo = self.own.days.partition_point(|&d| d < tail[0].0);
        let base = if lo == 0 { 0 } else { self.own.ends[lo - 1] as usize };
        let old_days = self.own.days.split_off(lo);
        let old_ends = self.own.ends.split_off(lo);
        let old_bytes = self.own.bytes.split_off(base);
        let (mut i, mut start) = (0, 0usize);
        let mut t = tail.into_iter().peekable();
        loop {
            let next = t.peek().map(|(d, _)| *d);
            match old_days.get(i).copied() {
                // A packed cell before the tail's next day: untouched, copied as bytes.
                Some(d) if next.is_none_or(|td| d < td) => {
                    let end = old_ends[i] as usize - base;
                    self.own.bytes.extend_from_slice(&old_bytes[start..end]);
                    self.own.days.push(d);
                    self.own.ends.push(self.own.bytes.len() as u32);
                    (start, i) = (end, i + 1);
                }
                // The tail's next day, added to the packed cell of the same day if there is one.
                packed => {
                    let Some((td, cell)) = t.next() else { break };
                    if packed == Some(td) {
                        let end = old_ends[i] as usize - base;
                        let mut acc = cell.to_array();
                        decode_add(&old_bytes[start..end], &mut acc);
                        (start, i) = (end, i + 1);
                        self.push(td, acc.into_iter().enumerate());
                    } else {
                        // A new day (the common case): packed from the cell's few fields as they are.
                        self.push(td, cell.fields());
                    }
                }
            }
        }
    }

    /// Changes wait unpacked (`settle` packs them).
    pub fn has_tail(&self) -> bool {
        !self.tail.is_empty()
    }

    /// Packs the tail and lets its room go: between a load's slices, where 16 unpacked cells of 480 bytes
    /// held for each of 20,000 products took 150 MB (the owned cells keep growing, so they keep their room).
    pub fn pack_and_release(&mut self) {
        self.pack();
        self.tail = Vec::new();
        self.tail_days = Vec::new();
    }

    /// Packs the tail, moves the older owned cells to the head once they are many, and gives back spare
    /// capacity: for a series that is done growing for now.
    pub fn settle(&mut self) {
        self.pack();
        if self.own.days.len() > OWN {
            self.freeze();
        }
        self.tail = Vec::new();
        self.tail_days = Vec::new();
        self.own.days.shrink_to_fit();
        self.own.ends.shrink_to_fit();
        self.own.bytes.shrink_to_fit();
    }

    /// The packed cells (head and owned, as one) and the tail (for `snapshot`).
    pub(super) fn parts(&self) -> Parts<'_> {
        let head = &self.head;
        let head_bytes = if self.head_n == 0 { 0 } else { head.ends[self.head_n - 1] };
        let mut days = head.days[..self.head_n].to_vec();
        days.extend_from_slice(&self.own.days);
        let mut ends = head.ends[..self.head_n].to_vec();
        ends.extend(self.own.ends.iter().map(|&e| e + head_bytes));
        let mut bytes = head.bytes[..head_bytes as usize].to_vec();
        bytes.extend_from_slice(&self.own.bytes);
        (days, ends, bytes, &self.tail_days, self.tail.iter().map(|c| Counters::from_array(&c.to_array())).collect())
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
        // Everything read is the head: a refresh owns (copies) only the cells it changes.
        let head_n = days.len();
        (ordered && fits).then(|| Packed {
            head: Arc::new(Cells { days, ends, bytes }),
            head_n,
            own: Cells::default(),
            tail_days,
            tail: tail.iter().map(Sparse::of).collect(),
            total: Default::default(),
        })
    }

    /// Bytes held on the heap (a head shared with another model's series counted in full).
    pub fn heap_bytes(&self) -> usize {
        self.head.days.capacity() * 4
            + self.head.ends.capacity() * 4
            + self.head.bytes.capacity()
            + self.own.days.capacity() * 4
            + self.own.ends.capacity() * 4
            + self.own.bytes.capacity()
            + self.tail_days.capacity() * 4
            + self.tail.capacity() * std::mem::size_of::<Sparse>()
            + self.tail.iter().map(|c| c.values.capacity() * 8).sum::<usize>()
    }

    /// Packs the cell of `day` from its (field, value) pairs in field order, the zero values left out; a cell
    /// of nothing but zeros is not kept.
    fn push(&mut self, day: Day, fields: impl Iterator<Item = (usize, i64)> + Clone) {
        let fields = fields.filter(|&(_, v)| v != 0);
        let mask = fields.clone().fold(0u64, |m, (i, _)| m | 1 << i);
        if mask == 0 {
            return;
        }
        put(&mut self.own.bytes, mask);
        for (_, v) in fields {
            put(&mut self.own.bytes, zigzag(v));
        }
        self.own.days.push(day);
        self.own.ends.push(self.own.bytes.len() as u32);
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

/// Adds every packed cell of `b` into `acc`.
fn decode_all(b: &[u8], acc: &mut [i64; FIELDS]) {
    let mut at = 0;
    while at < b.len() {
        at += decode_add(&b[at..], acc);
    }
}

/// Adds one packed cell into `acc`; returns the bytes it took.
fn decode_add(b: &[u8], acc: &mut [i64; FIELDS]) -> usize {
    let mut at = 0;
    let mut mask = get(b, &mut at);
    while mask != 0 {
        let i = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        let v = unzigzag(get(b, &mut at));
        if let Some(slot) = acc.get_mut(i) {
            *slot += v;
        }
    }
    at
}

/// One field of one packed cell: the mask says whether it is there and how many values come before it.
fn field_of(b: &[u8], field: usize) -> i64 {
    let mut at = 0;
    let mask = get(b, &mut at);
    if field >= 64 || mask >> field & 1 == 0 {
        return 0;
    }
    for _ in 0..(mask & ((1u64 << field) - 1)).count_ones() {
        while b.get(at).is_some_and(|&byte| byte >= 0x80) {
            at += 1;
        }
        at += 1;
    }
    unzigzag(get(b, &mut at))
}

/// A signed value as an unsigned one with small magnitudes small (0, -1, 1, -2, ... as 0, 1, 2, 3, ...).
pub(crate) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub(crate) fn unzigzag(z: u64) -> i64 {
    ((z >> 1) as i64) ^ -((z & 1) as i64)
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

    /// Each field's `sum_field` is that field of `sum`.
    fn fields_agree(p: &Packed, r: DayRange, what: &str) {
        let all = p.sum(r);
        for (i, v) in all.as_array().iter().enumerate() {
            assert_eq!(p.sum_field(r, i), *v, "field {i} over {what}");
        }
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
            p.add_counters(day, &c);
            if n % 9 == 0 {
                d.cell(day).add(&c.scaled(-1));
                p.add_counters(day, &c.scaled(-1));
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
        p.add_counters(7, &big);
        for (from, to) in [(0, 500), (0, 0), (7, 7), (13, 60), (99, 301), (401, 500), (10, 5)] {
            let r = DayRange::new(from, to);
            assert_eq!(p.sum(r), d.sum(r), "{from}..{to} before packing");
            fields_agree(&p, r, "the tail and packed cells");
        }
        p.settle();
        for (from, to) in [(0, 500), (7, 7), (13, 60), (99, 301)] {
            let r = DayRange::new(from, to);
            assert_eq!(p.sum(r), d.sum(r), "{from}..{to} packed");
            fields_agree(&p, r, "packed cells");
        }
        // Rebuilt from its parts (as the cache reads it), the total is computed when a wide sum needs it.
        let (days, ends, bytes, tail_days, tail) = p.parts();
        let read = Packed::from_parts(days, ends, bytes, tail_days.to_vec(), tail);
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

    #[test]
    fn a_settled_series_shares_its_head_and_a_change_copies_only_newer_cells() {
        let mut d = Dense::new(0);
        let mut p = Packed::default();
        for day in 0..300 {
            let c = cell(i64::from(day));
            d.cell(day).add(&c);
            p.add_counters(day, &c);
        }
        p.settle();
        assert_eq!((p.head_n, p.own.days.len()), (300 - KEEP, KEEP));
        let check = |p: &Packed, d: &Dense, what: &str| {
            for (from, to) in [(0, 400), (0, 0), (5, 5), (13, 290), (283, 299), (290, 350)] {
                let r = DayRange::new(from, to);
                assert_eq!(p.sum(r), d.sum(r), "{what}: {from}..{to}");
                fields_agree(p, r, what);
            }
        };
        check(&p, &d, "settled");
        // A refresh's copy adds a newer day: the head stays shared.
        let (mut q, mut e) = (p.clone(), d.clone());
        q.add_counters(300, &cell(1));
        e.cell(300).add(&cell(1));
        q.settle();
        assert!(Arc::ptr_eq(&p.head, &q.head));
        check(&q, &e, "a newer day");
        // Changes to days of the head: their cells are owned again; the shared head is left as it was.
        q.add_counters(250, &cell(2).scaled(-1));
        e.cell(250).add(&cell(2).scaled(-1));
        q.pack();
        assert!(Arc::ptr_eq(&p.head, &q.head) && q.head_n == 250, "a shorter view of the same head");
        check(&q, &e, "a change near the end of the head");
        q.add_counters(5, &cell(3));
        e.cell(5).add(&cell(3));
        q.settle();
        check(&q, &e, "a change at the start of the head");
        check(&p, &d, "the first series, after its copy changed");
        // Read back from its parts (as the cache does), every cell is the head's.
        let (days, ends, bytes, tail_days, tail) = q.parts();
        let read = Packed::from_parts(days, ends, bytes, tail_days.to_vec(), tail).expect("fits");
        check(&read, &e, "read back");
        assert_eq!(read.days(), q.days());
    }
}

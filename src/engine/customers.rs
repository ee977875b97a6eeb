//! Customer lists: for each scope, its paid orders' (day, customer) in day order, each marked when it is
//! the customer's first order in that scope. Distinct, returning and new customers of any period follow
//! from one slice of this list (see `stats`), without a per-request scan of all orders: distinct customers
//! are counted with a scratch array of marks (no sort), and customers to date from per-block counts.

use std::cell::RefCell;
use std::sync::Arc;

use crate::period::DayRange;
use crate::time::Day;

const FIRST: u32 = 1 << 31;
/// Entries per block of `firsts`.
const BLOCK: usize = 1024;

thread_local! {
    /// The scratch marks of `stats` and `mark_firsts`.
    static MARKS: RefCell<Marks> = const { RefCell::new(Marks(Vec::new())) };
}

/// Scratch marks: two bits per customer index, 64 customers a word pair, all zero between uses. The first
/// says "seen" (in the period, or among the entries being marked), the second "with a repeat order"
/// (`stats`). A byte per customer missed the cache at every entry of a big list: 5 MB of marks for the
/// store of 10M orders, 1.5 MB of bits.
struct Marks(Vec<[u64; 2]>);

impl Marks {
    /// The word pair holding customer `c`'s marks, and its bit in each word.
    fn of(&mut self, c: u32) -> (&mut [u64; 2], u64) {
        let word = (c >> 6) as usize;
        if word >= self.0.len() {
            self.0.resize(word + 1, [0; 2]);
        }
        (&mut self.0[word], 1 << (c & 63))
    }

    /// Clears the marks of `list`'s entries `lo..hi`: all at once when that is less work than entry by
    /// entry (a long period of a big list).
    fn clear(&mut self, list: &CustomerList, lo: usize, hi: usize) {
        if (hi - lo) / 4 > self.0.len() {
            self.0.fill([0; 2]);
        } else {
            for slice in list.slices(lo, hi) {
                for &e in slice {
                    self.0[((e & !FIRST) >> 6) as usize] = [0; 2];
                }
            }
        }
    }
}

/// Entries per chunk (a multiple of `BLOCK`). Chunks are shared (`Arc`) between a model and the next one a
/// refresh makes from it, and a refresh copies the last chunk of each list it adds to: at 65,536 entries
/// that was ~256 KB a list on average, ~50 MB at every 10M commit for the sellers' lists alone.
pub(super) const CHUNK: usize = 1 << 13;

/// A day with entries in a list, and the index of its first entry.
pub(super) type DayStart = (Day, u32);

/// Up to `CHUNK` consecutive entries of a list.
#[derive(Debug, Clone, Default)]
struct Chunk {
    /// customer index, with bit 31 set on the customer's first order in this scope
    entries: Vec<u32>,
}

/// A scope's list, in chunks shared between a model and the next: appending copies at most the last chunk
/// (512 KB), not the list (80 MB for the store at 10M orders), and a clone copies the chunk pointers.
#[derive(Debug, Clone, Default)]
pub struct CustomerList {
    /// all full but the last, which is never empty
    chunks: Vec<Arc<Chunk>>,
    len: usize,
    /// each day with entries, and where its entries start (a day per entry took 170 MB at 10M orders,
    /// where the store's, sellers' and categories' lists have thousands of entries a day)
    days: Vec<DayStart>,
    /// first orders among `entries[..(k + 1) * BLOCK]`, for each whole block k
    firsts: Vec<u32>,
    /// first orders among all entries
    first_total: u32,
}

/// Customers of a scope in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CustomerStats {
    /// distinct customers with an order in the period
    pub customers: u64,
    /// ... who have at least two orders in the scope up to the period's end
    pub returning: u64,
    /// ... whose first order in the scope falls in the period
    pub new: u64,
    /// distinct customers with an order in the scope up to the period's end
    pub to_date: u64,
}

impl CustomerList {
    /// Appends an order; orders must come in day order.
    pub fn push(&mut self, day: Day, customer: u32, first: bool) {
        debug_assert!(self.days.last().is_none_or(|&(d, _)| d <= day));
        if self.days.last().is_none_or(|&(d, _)| d != day) {
            self.days.push((day, self.len as u32));
        }
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Arc::default());
        }
        if let Some(last) = self.chunks.last_mut() {
            Arc::make_mut(last).entries.push(customer | if first { FIRST } else { 0 });
        }
        self.len += 1;
        self.first_total += u32::from(first);
        if self.len.is_multiple_of(BLOCK) {
            self.firsts.push(self.first_total);
        }
    }

    /// Marks the first orders among the entries from `start` on, which were pushed unmarked: a customer's
    /// first entry there, unless `known` (the scope's customers before `start`) holds them. Returns
    /// the customers marked, sorted: what `known` gains. One pass with the scratch marks, no hash set (a
    /// set of every (scope, customer) pair took 0.5 GB and a third of a load at 10M orders).
    pub fn mark_firsts(&mut self, start: usize, known: impl Fn(u32) -> bool) -> Vec<u32> {
        let mut new = Vec::new();
        MARKS.with_borrow_mut(|marks| {
            for k in start / CHUNK..self.chunks.len() {
                let from = start.saturating_sub(k * CHUNK);
                for e in &mut Arc::make_mut(&mut self.chunks[k]).entries[from..] {
                    let c = *e & !FIRST;
                    let (w, bit) = marks.of(c);
                    if w[0] & bit == 0 {
                        w[0] |= bit;
                        if !known(c) {
                            *e |= FIRST;
                            new.push(c);
                        }
                    }
                }
            }
            marks.clear(self, start, self.len);
        });
        // The block counts from the first block that changed.
        let block = start / BLOCK;
        let mut total = if block == 0 { 0 } else { self.firsts[block - 1] };
        let (mut at, mut counts) = (block * BLOCK, Vec::new());
        for slice in self.slices(block * BLOCK, self.len) {
            for &e in slice {
                total += u32::from(e & FIRST != 0);
                at += 1;
                if at.is_multiple_of(BLOCK) {
                    counts.push(total);
                }
            }
        }
        self.firsts.truncate(block);
        self.firsts.extend(counts);
        self.first_total = total;
        new.sort_unstable();
        new
    }

    /// Calls `f` with the customer of each first order among `entries[..upto]`, in list order; these are
    /// the scope's customers before `upto`.
    pub fn each_first(&self, upto: usize, mut f: impl FnMut(u32)) {
        for slice in self.slices(0, upto.min(self.len)) {
            for &e in slice {
                if e & FIRST != 0 {
                    f(e & !FIRST);
                }
            }
        }
    }

    /// Customers the scope has had: its first orders.
    pub fn first_count(&self) -> usize {
        self.first_total as usize
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held on the heap (chunks shared with another list included).
    pub fn heap_bytes(&self) -> usize {
        let chunks: usize = self.chunks.iter().map(|c| c.entries.capacity() * 4).sum();
        chunks + self.days.capacity() * 8 + self.firsts.capacity() * 4
    }

    /// Entries a chunk at a time, the days (each with where its entries start), the block counts and the
    /// total of first orders (for `snapshot`).
    pub(super) fn parts(&self) -> (impl Iterator<Item = &[u32]>, &[DayStart], &[u32], u32) {
        (self.chunks.iter().map(|c| &c.entries[..]), &self.days, &self.firsts, self.first_total)
    }

    /// Rebuilds a list from entries in chunks of `CHUNK` and its days (see `parts`), or `None` when they do
    /// not fit together.
    pub(super) fn from_parts(
        entries: Vec<Vec<u32>>,
        days: Vec<DayStart>,
        firsts: Vec<u32>,
        first_total: u32,
    ) -> Option<Self> {
        let len: usize = entries.iter().map(Vec::len).sum();
        let fits = entries.iter().rev().skip(1).all(|e| e.len() == CHUNK)
            && entries.last().is_none_or(|e| !e.is_empty())
            && firsts.len() == len / BLOCK
            && days.first().is_none_or(|d| d.1 == 0)
            && (len == 0) == days.is_empty()
            && days.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1)
            && days.last().is_none_or(|d| (d.1 as usize) < len);
        let chunks = entries.into_iter().map(|entries| Arc::new(Chunk { entries })).collect();
        fits.then_some(CustomerList { chunks, len, days, firsts, first_total })
    }

    /// The number of leading entries whose day satisfies `pred` (true, then false, along the list).
    fn partition(&self, pred: impl Fn(Day) -> bool) -> usize {
        let k = self.days.partition_point(|&(d, _)| pred(d));
        self.days.get(k).map_or(self.len, |&(_, start)| start as usize)
    }

    /// `entries[lo..hi]`, a chunk's part at a time.
    fn slices(&self, lo: usize, hi: usize) -> impl Iterator<Item = &[u32]> {
        let chunks = if lo < hi { lo / CHUNK..(hi - 1) / CHUNK + 1 } else { 0..0 };
        chunks.map(move |k| {
            let e = &self.chunks[k].entries;
            &e[lo.saturating_sub(k * CHUNK)..(hi - k * CHUNK).min(e.len())]
        })
    }

    /// First orders among `entries[..hi]`.
    fn firsts_before(&self, hi: usize) -> u64 {
        let whole = hi / BLOCK;
        let base = if whole == 0 { 0 } else { self.firsts[whole - 1] };
        let rest: usize = self.slices(whole * BLOCK, hi).map(|s| s.iter().filter(|&&e| e & FIRST != 0).count()).sum();
        u64::from(base) + rest as u64
    }

    /// Distinct customers with an order in the scope up to the end of `day`: their first orders so far, a
    /// count of blocks (every customer's first order is marked), not a pass over the orders.
    pub fn to_date(&self, day: Day) -> u64 {
        self.firsts_before(self.partition(|d| d <= day))
    }

    pub fn stats(&self, r: DayRange) -> CustomerStats {
        let lo = self.partition(|d| d < r.from);
        let hi = self.partition(|d| d <= r.to);
        let (mut customers, mut returning, mut new) = (0u64, 0u64, 0u64);
        MARKS.with_borrow_mut(|marks| {
            // A loop per chunk: a flattened iterator checks for the chunk's end at every entry.
            for slice in self.slices(lo, hi) {
                for &e in slice {
                    let (w, bit) = marks.of(e & !FIRST);
                    customers += u64::from(w[0] & bit == 0);
                    w[0] |= bit;
                    // A customer with an order in the period and ≥ 2 orders up to its end has a non-first order.
                    if e & FIRST != 0 {
                        new += 1;
                    } else {
                        returning += u64::from(w[1] & bit == 0);
                        w[1] |= bit;
                    }
                }
            }
            marks.clear(self, lo, hi);
        });
        CustomerStats { customers, returning, new, to_date: self.firsts_before(hi) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_returning_and_new() {
        let mut l = CustomerList::default();
        // customer 1 orders on days 1 and 5, customer 2 on day 5, customer 3 on days 6 and 7
        for (day, c, first) in [(1, 1, true), (5, 1, false), (5, 2, true), (6, 3, true), (7, 3, false)] {
            l.push(day, c, first);
        }
        let s = l.stats(DayRange::new(5, 7));
        assert_eq!((s.customers, s.returning, s.new, s.to_date), (3, 2, 2, 3));
        let s = l.stats(DayRange::new(2, 6));
        assert_eq!((s.customers, s.returning, s.new, s.to_date), (3, 1, 2, 3));
        let s = l.stats(DayRange::new(1, 1));
        assert_eq!((s.customers, s.returning, s.new, s.to_date), (1, 0, 1, 1));
    }

    #[test]
    fn firsts_marked_in_batches_match_firsts_marked_on_push() {
        let (mut on_push, mut batched) = (CustomerList::default(), CustomerList::default());
        let mut seen = std::collections::HashSet::new();
        let mut known: Vec<u32> = Vec::new();
        let n = CHUNK as u32 + 3000;
        // batches ending inside a block, at a chunk's end and past it
        for (lo, hi) in [(0, 700), (700, CHUNK as u32), (CHUNK as u32, CHUNK as u32 + 1), (CHUNK as u32 + 1, n)] {
            let start = batched.len();
            for i in lo..hi {
                let (day, c) = ((i / 5) as Day, (i * 7919) % 9001);
                on_push.push(day, c, seen.insert(c));
                batched.push(day, c, false);
            }
            let shared = batched.clone();
            let new = batched.mark_firsts(start, |c| known.binary_search(&c).is_ok());
            assert!(new.windows(2).all(|w| w[0] < w[1]));
            assert!(new.iter().all(|c| known.binary_search(c).is_err()));
            known.extend(new);
            known.sort_unstable();
            // a list sharing the chunks keeps its own (unmarked) entries
            assert!(shared.slices(start, shared.len).all(|s| s.iter().all(|e| e & FIRST == 0)));
            assert_eq!(batched.first_total, on_push.first_total);
            assert_eq!(batched.firsts, on_push.firsts);
        }
        let (a, b) = (on_push.parts().0.collect::<Vec<_>>(), batched.parts().0.collect::<Vec<_>>());
        assert_eq!(a, b);
        assert_eq!(on_push.parts().1, batched.parts().1);
        assert_eq!(known.len(), seen.len());
    }

    #[test]
    fn counts_match_a_sort_over_many_blocks_and_chunks() {
        let mut l = CustomerList::default();
        let mut seen = std::collections::HashSet::new();
        let mut all = Vec::new();
        let n = 2 * CHUNK as u32 + 5000;
        for i in 0..n {
            let (day, c) = ((i / 7) as Day, (i * 7919) % 13001);
            l.push(day, c, seen.insert(c));
            all.push((day, c));
            if i == CHUNK as u32 + 3 {
                // a clone shares the chunks; appending to either leaves the other as it was
                let before = l.clone();
                l.push(day, 20_000, false);
                assert_eq!(before.len() + 1, l.len());
                assert_eq!(before.stats(DayRange::new(0, day)).customers + 1, l.stats(DayRange::new(0, day)).customers);
                l = before;
            }
        }
        let last = (n / 7) as Day;
        let chunk_day = (CHUNK / 7) as Day;
        for (from, to) in [(0, last), (100, 300), (713, 714), (0, 0), (chunk_day - 3, chunk_day + 2), (chunk_day, last)]
        {
            let s = l.stats(DayRange::new(from, to));
            let inside: Vec<u32> = all.iter().filter(|(d, _)| (from..=to).contains(d)).map(|x| x.1).collect();
            let mut distinct = inside.clone();
            distinct.sort_unstable();
            distinct.dedup();
            let upto: std::collections::HashSet<u32> = all.iter().filter(|(d, _)| *d <= to).map(|x| x.1).collect();
            assert_eq!(s.customers, distinct.len() as u64, "{from}..{to}");
            assert_eq!(s.to_date, upto.len() as u64, "{from}..{to}");
            assert_eq!(l.to_date(to), s.to_date, "{from}..{to}");
            assert_eq!(l.stats(DayRange::new(0, to)).customers, s.to_date, "{from}..{to}");
        }
        // read back from its parts, as the model cache does
        let (chunks, days, firsts, total) = l.parts();
        let entries: Vec<Vec<u32>> = chunks.map(<[u32]>::to_vec).collect();
        assert_eq!(entries.len(), 3);
        assert_eq!(days.len(), last as usize + 1, "a day each");
        let back = CustomerList::from_parts(entries.clone(), days.to_vec(), firsts.to_vec(), total).expect("fits");
        assert_eq!(back.stats(DayRange::new(100, last)), l.stats(DayRange::new(100, last)));
        let mut short = entries.clone();
        short[0].pop();
        assert!(CustomerList::from_parts(short, days.to_vec(), firsts.to_vec(), total).is_none());
        let mut swapped = days.to_vec();
        swapped.swap(3, 4);
        assert!(CustomerList::from_parts(entries, swapped, firsts.to_vec(), total).is_none());
    }
}

//! Customer lists: for each scope, its paid orders' (day, customer) in day order, each marked when it is
//! the customer's first order in that scope. Distinct, returning and new customers of any period follow
//! from one slice of this list (see `stats`), without a per-request scan of all orders: distinct customers
//! are counted with a scratch array of marks (no sort), and customers to date from per-block counts.

use std::cell::RefCell;

use crate::period::DayRange;
use crate::time::Day;

const FIRST: u32 = 1 << 31;
/// Entries per block of `firsts`.
const BLOCK: usize = 1024;

thread_local! {
    /// One byte per customer index, all zero between calls: bit 0 "in the period", bit 1 "with a repeat order".
    static MARKS: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

#[derive(Debug, Clone, Default)]
pub struct CustomerList {
    days: Vec<Day>,
    /// customer index, with bit 31 set on the customer's first order in this scope
    entries: Vec<u32>,
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
        debug_assert!(self.days.last().is_none_or(|&d| d <= day));
        self.days.push(day);
        self.entries.push(customer | if first { FIRST } else { 0 });
        self.first_total += u32::from(first);
        if self.entries.len().is_multiple_of(BLOCK) {
            self.firsts.push(self.first_total);
        }
    }

    /// Days, entries, block counts and the total of first orders (for `snapshot`).
    pub(super) fn parts(&self) -> (&[Day], &[u32], &[u32], u32) {
        (&self.days, &self.entries, &self.firsts, self.first_total)
    }

    /// Rebuilds a list from `parts`, or `None` when they do not fit together.
    pub(super) fn from_parts(days: Vec<Day>, entries: Vec<u32>, firsts: Vec<u32>, first_total: u32) -> Option<Self> {
        let fits = days.len() == entries.len()
            && firsts.len() == entries.len() / BLOCK
            && days.windows(2).all(|w| w[0] <= w[1]);
        fits.then_some(CustomerList { days, entries, firsts, first_total })
    }

    /// First orders among `entries[..hi]`.
    fn firsts_before(&self, hi: usize) -> u64 {
        let whole = hi / BLOCK;
        let base = if whole == 0 { 0 } else { self.firsts[whole - 1] };
        u64::from(base) + self.entries[whole * BLOCK..hi].iter().filter(|e| *e & FIRST != 0).count() as u64
    }

    /// Distinct customers with an order in the scope up to the end of `day`: their first orders so far, a
    /// count of blocks (every customer's first order is marked), not a pass over the orders.
    pub fn to_date(&self, day: Day) -> u64 {
        self.firsts_before(self.days.partition_point(|&d| d <= day))
    }

    pub fn stats(&self, r: DayRange) -> CustomerStats {
        let lo = self.days.partition_point(|&d| d < r.from);
        let hi = self.days.partition_point(|&d| d <= r.to);
        let slice = &self.entries[lo..hi];
        let (mut customers, mut returning, mut new) = (0u64, 0u64, 0u64);
        MARKS.with_borrow_mut(|marks| {
            for &e in slice {
                let c = (e & !FIRST) as usize;
                if c >= marks.len() {
                    marks.resize(c + 1, 0);
                }
                let m = &mut marks[c];
                customers += u64::from(*m & 1 == 0);
                *m |= 1;
                // A customer with an order in the period and ≥ 2 orders up to its end has a non-first order in it.
                if e & FIRST != 0 {
                    new += 1;
                } else {
                    returning += u64::from(*m & 2 == 0);
                    *m |= 2;
                }
            }
            for &e in slice {
                marks[(e & !FIRST) as usize] = 0;
            }
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
    fn counts_match_a_sort_over_many_blocks() {
        let mut l = CustomerList::default();
        let mut seen = std::collections::HashSet::new();
        let mut all = Vec::new();
        for i in 0..5000u32 {
            let (day, c) = ((i / 7) as Day, (i * 7919) % 1301);
            l.push(day, c, seen.insert(c));
            all.push((day, c));
        }
        for (from, to) in [(0, 800), (100, 300), (713, 714), (0, 0)] {
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
    }
}

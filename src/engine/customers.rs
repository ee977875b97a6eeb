//! Customer lists: for each scope, its paid orders' (day, customer) in day order, each marked when it is
//! the customer's first order in that scope. Distinct, returning and new customers of any period follow
//! from one slice of this list (see `stats`), without a per-request scan of all orders.

use crate::period::DayRange;
use crate::time::Day;

const FIRST: u32 = 1 << 31;

#[derive(Debug, Clone, Default)]
pub struct CustomerList {
    days: Vec<Day>,
    /// customer index, with bit 31 set on the customer's first order in this scope
    entries: Vec<u32>,
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
    }

    pub fn stats(&self, r: DayRange) -> CustomerStats {
        let lo = self.days.partition_point(|&d| d < r.from);
        let hi = self.days.partition_point(|&d| d <= r.to);
        let slice = &self.entries[lo..hi];
        let mut all: Vec<u32> = slice.iter().map(|e| e & !FIRST).collect();
        all.sort_unstable();
        all.dedup();
        // A customer with an order in the period and ≥ 2 orders up to its end has a non-first order in it.
        let mut returning: Vec<u32> = slice.iter().filter(|e| *e & FIRST == 0).map(|e| e & !FIRST).collect();
        returning.sort_unstable();
        returning.dedup();
        CustomerStats {
            customers: all.len() as u64,
            returning: returning.len() as u64,
            new: slice.iter().filter(|e| *e & FIRST != 0).count() as u64,
            to_date: self.entries[..hi].iter().filter(|e| *e & FIRST != 0).count() as u64,
        }
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
}

//! The customers a scope has had (the store, a seller, a category, a product): what a refresh checks the
//! customers of new orders against, to mark their first orders in the scope (`CustomerList::mark_firsts`).
//! A scope holding more than one customer in 32 keeps a bit per customer index: the store's 6M customers
//! at 10M orders take 0.75 MB, and the categories and big sellers alike. The others keep nothing: their
//! customers are the first orders marked in their own customer list, set in a scratch bitmap when the
//! list grows. Sorted lists of them took 123 MB at 10M orders (products and small sellers), for what a
//! commit of 1,000 orders now finds by reading the few lists it grows.

use std::cell::RefCell;

use crate::engine::customers::CustomerList;

/// A set of customer indexes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) enum Seen {
    /// not held: the first orders marked in the scope's customer list
    #[default]
    InList,
    /// bit `c % 64` of word `c / 64` for customer `c`; `count` bits set
    Bits { words: Vec<u64>, count: usize },
}

thread_local! {
    /// A bit per customer index, all zero between uses: the customers of a list that keeps no set.
    static SCRATCH: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

fn set(words: &mut Vec<u64>, c: u32) {
    let w = (c >> 6) as usize;
    if w >= words.len() {
        words.resize(w + 1, 0);
    }
    words[w] |= 1 << (c & 63);
}

fn has(words: &[u64], c: u32) -> bool {
    words.get((c >> 6) as usize).is_some_and(|w| w & (1 << (c & 63)) != 0)
}

/// Whether `count` customers up to index `top` take less room as bits than as a list.
fn dense(count: usize, top: u32) -> bool {
    count * 32 > top as usize + 1
}

impl Seen {
    /// The set of `sorted` (ascending, no repeats) as bits, or none held for an empty one.
    pub fn bits_of(sorted: &[u32]) -> Seen {
        if sorted.is_empty() {
            return Seen::InList;
        }
        let mut words = Vec::new();
        for &c in sorted {
            set(&mut words, c);
        }
        Seen::Bits { words, count: sorted.len() }
    }

    /// Customers held as bits (0 for none held).
    pub fn len(&self) -> usize {
        match self {
            Seen::InList => 0,
            Seen::Bits { count, .. } => *count,
        }
    }

    /// Marks the first orders among `list`'s entries from `start` on (pushed unmarked) against the
    /// customers the scope had before them, and keeps those customers as bits once the scope is dense
    /// enough.
    pub fn mark_grown(&mut self, list: &mut CustomerList, start: usize) {
        if list.len() <= start {
            return;
        }
        match self {
            Seen::Bits { words, count } => {
                let gained = list.mark_firsts(start, |c| has(words, c));
                *count += gained.len();
                for c in gained {
                    set(words, c);
                }
            }
            Seen::InList => {
                let mut top = 0;
                SCRATCH.with_borrow_mut(|scratch| {
                    list.each_first(start, |c| set(scratch, c));
                    let gained = list.mark_firsts(start, |c| has(scratch, c));
                    list.each_first(start, |c| {
                        top = top.max(c);
                        scratch[(c >> 6) as usize] = 0;
                    });
                    top = gained.last().map_or(top, |&c| top.max(c));
                });
                let count = list.first_count();
                if dense(count, top) {
                    let mut words = vec![0u64; (top >> 6) as usize + 1];
                    list.each_first(list.len(), |c| set(&mut words, c));
                    *self = Seen::Bits { words, count };
                }
            }
        }
    }

    /// The customers held as bits, ascending.
    pub fn iter(&self) -> SeenIter<'_> {
        SeenIter { seen: self, at: 0, left: self.len() }
    }

    pub fn heap_bytes(&self) -> usize {
        match self {
            Seen::InList => 0,
            Seen::Bits { words, .. } => words.capacity() * 8,
        }
    }
}

/// The customers of a `Seen`, ascending (an exact count, for writing them as a column).
#[derive(Clone)]
pub(super) struct SeenIter<'a> {
    seen: &'a Seen,
    /// the next customer index to look at
    at: usize,
    left: usize,
}

impl Iterator for SeenIter<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let Seen::Bits { words, .. } = self.seen else { return None };
        if self.left == 0 {
            return None;
        }
        let c = loop {
            let (w, bit) = (self.at >> 6, self.at & 63);
            let rest = words[w] >> bit;
            if rest == 0 {
                self.at = (w + 1) << 6;
                continue;
            }
            let c = self.at + rest.trailing_zeros() as usize;
            self.at = c + 1;
            break c as u32;
        };
        self.left -= 1;
        Some(c)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for SeenIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn firsts(list: &CustomerList) -> Vec<u32> {
        let mut v = Vec::new();
        list.each_first(list.len(), |c| v.push(c));
        v
    }

    fn grow(list: &mut CustomerList, seen: &mut Seen, day: i32, customers: &[u32]) {
        let start = list.len();
        for &c in customers {
            list.push(day, c, false);
        }
        seen.mark_grown(list, start);
    }

    #[test]
    fn a_sparse_scope_keeps_nothing_and_marks_first_orders_from_its_list() {
        let (mut list, mut seen) = (CustomerList::default(), Seen::default());
        grow(&mut list, &mut seen, 0, &[5000, 9000, 5000, 1000]);
        assert_eq!(seen, Seen::InList);
        assert_eq!(firsts(&list), [5000, 9000, 1000]);
        // repeats of earlier customers are not first orders; a customer new to the scope is, once
        grow(&mut list, &mut seen, 1, &[9000, 7000, 1000, 7000]);
        assert_eq!(seen, Seen::InList);
        assert_eq!(firsts(&list), [5000, 9000, 1000, 7000]);
        assert_eq!(list.first_count(), 4);
        // the scratch bits are left clear: another list sees none of these customers
        let (mut other, mut seen2) = (CustomerList::default(), Seen::default());
        grow(&mut other, &mut seen2, 0, &[9000, 5000]);
        assert_eq!(firsts(&other), [9000, 5000]);
    }

    #[test]
    fn a_dense_scope_turns_to_bits_with_the_same_members() {
        let (mut list, mut seen) = (CustomerList::default(), Seen::default());
        grow(&mut list, &mut seen, 0, &[100_000, 200_000]);
        assert_eq!(seen, Seen::InList);
        // enough customers below 200,000 to take more room as a list than as bits
        let dense: Vec<u32> = (0..200_000).filter(|c| c % 7 == 0).collect();
        grow(&mut list, &mut seen, 1, &dense);
        assert!(matches!(seen, Seen::Bits { .. }));
        let mut all: Vec<u32> = dense.iter().copied().chain([100_000, 200_000]).collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(seen.len(), all.len());
        assert_eq!(seen.iter().len(), all.len());
        assert_eq!(seen.iter().collect::<Vec<_>>(), all);
        // from bits: known customers are not first orders again, new ones are and join the bits
        grow(&mut list, &mut seen, 2, &[7, 8, 300_001, 8]);
        assert_eq!(seen.len(), all.len() + 2);
        let marked = firsts(&list);
        assert_eq!(marked.len(), all.len() + 2);
        assert_eq!(&marked[marked.len() - 2..], [8, 300_001]);
        assert_eq!(Seen::bits_of(&all).iter().collect::<Vec<_>>(), all);
    }
}

//! The customers a scope has had (the store, a seller, a category, a product): what a refresh checks the
//! customers of new orders against, to mark their first orders in the scope (`CustomerList::mark_firsts`).
//! A scope holding more than one customer in 32 keeps a bit per customer index, the others a sorted
//! list: the store's 6M customers at 10M orders take 0.75 MB instead of 24 MB, and the categories and
//! big sellers alike.

/// A set of customer indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seen {
    /// sorted
    List(Vec<u32>),
    /// bit `c % 64` of word `c / 64` for customer `c`; `count` bits set
    Bits { words: Vec<u64>, count: usize },
}

impl Default for Seen {
    fn default() -> Self {
        Seen::List(Vec::new())
    }
}

impl Seen {
    /// The set of `sorted` (ascending, no repeats), held as whichever takes less room.
    pub fn from_sorted(sorted: Vec<u32>) -> Seen {
        let mut s = Seen::List(Vec::new());
        s.add(sorted);
        s
    }

    pub fn contains(&self, c: u32) -> bool {
        match self {
            Seen::List(v) => v.binary_search(&c).is_ok(),
            Seen::Bits { words, .. } => words.get((c >> 6) as usize).is_some_and(|w| w & (1 << (c & 63)) != 0),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Seen::List(v) => v.len(),
            Seen::Bits { count, .. } => *count,
        }
    }

    /// Adds `new` (sorted, none of it held yet).
    pub fn add(&mut self, new: Vec<u32>) {
        match self {
            Seen::List(v) => {
                merge_sorted(v, new);
                let top = v.last().map_or(0, |&c| c as usize + 1);
                if v.len() * 32 > top {
                    let mut words = vec![0u64; top.div_ceil(64)];
                    for &c in v.iter() {
                        words[(c >> 6) as usize] |= 1 << (c & 63);
                    }
                    *self = Seen::Bits { words, count: v.len() };
                }
            }
            Seen::Bits { words, count } => {
                if let Some(&top) = new.last()
                    && (top >> 6) as usize >= words.len()
                {
                    words.resize((top >> 6) as usize + 1, 0);
                }
                *count += new.len();
                for c in new {
                    words[(c >> 6) as usize] |= 1 << (c & 63);
                }
            }
        }
    }

    /// The customers, ascending.
    pub fn iter(&self) -> SeenIter<'_> {
        SeenIter { seen: self, at: 0, left: self.len() }
    }

    pub fn heap_bytes(&self) -> usize {
        match self {
            Seen::List(v) => v.capacity() * 4,
            Seen::Bits { words, .. } => words.capacity() * 8,
        }
    }
}

/// The customers of a `Seen`, ascending (an exact count, for writing them as a column).
pub(super) struct SeenIter<'a> {
    seen: &'a Seen,
    /// the next list index, or the next customer index to look at
    at: usize,
    left: usize,
}

impl Iterator for SeenIter<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.left == 0 {
            return None;
        }
        let c = match self.seen {
            Seen::List(v) => {
                self.at += 1;
                v[self.at - 1]
            }
            Seen::Bits { words, .. } => loop {
                let (w, bit) = (self.at >> 6, self.at & 63);
                let rest = words[w] >> bit;
                if rest == 0 {
                    self.at = (w + 1) << 6;
                    continue;
                }
                let c = self.at + rest.trailing_zeros() as usize;
                self.at = c + 1;
                break c as u32;
            },
        };
        self.left -= 1;
        Some(c)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for SeenIter<'_> {}

/// Adds `new` (sorted, none of it in `into`) to the sorted `into`, merging from the back in place: only
/// what sorts after the smallest new customer moves (new customers of the store are mostly new indexes,
/// so they land at the end), and nothing is allocated beyond the room for `new`.
fn merge_sorted(into: &mut Vec<u32>, new: Vec<u32>) {
    if into.is_empty() {
        *into = new;
        return;
    }
    let old = into.len();
    into.resize(old + new.len(), 0);
    let (mut i, mut j) = (old, new.len());
    while j > 0 {
        let k = i + j - 1;
        if i > 0 && into[i - 1] > new[j - 1] {
            into[k] = into[i - 1];
            i -= 1;
        } else {
            into[k] = new[j - 1];
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparse_scope_keeps_a_list_and_a_dense_one_turns_to_bits_with_the_same_members() {
        let sparse: Vec<u32> = (0..50).map(|i| i * 1000).collect();
        let mut s = Seen::from_sorted(sparse.clone());
        assert!(matches!(s, Seen::List(_)));
        assert_eq!(s.iter().collect::<Vec<_>>(), sparse);
        // enough customers below 50,000 to take more room as a list than as bits
        let dense: Vec<u32> = (0..50_000).filter(|c| c % 1000 != 0 && c % 7 == 0).collect();
        s.add(dense.clone());
        assert!(matches!(s, Seen::Bits { .. }));
        let mut all: Vec<u32> = sparse.iter().chain(&dense).copied().collect();
        all.sort_unstable();
        assert_eq!(s.len(), all.len());
        assert_eq!(s.iter().len(), all.len());
        assert_eq!(s.iter().collect::<Vec<_>>(), all);
        for c in [0, 7, 14, 1000, 49_000, 49_994] {
            assert!(s.contains(c), "{c}");
        }
        for c in [1, 8, 49_999, 50_000, 1_000_000] {
            assert!(!s.contains(c), "{c}");
        }
        // bits grow for customers past the end
        s.add(vec![70_000, 70_001]);
        assert!(s.contains(70_001) && !s.contains(70_002));
        assert_eq!(s.len(), all.len() + 2);
    }

    #[test]
    fn merge_keeps_order() {
        let mut v = vec![2, 5, 9];
        merge_sorted(&mut v, vec![1, 6, 10]);
        assert_eq!(v, [1, 2, 5, 6, 9, 10]);
    }
}

//! Customer indexes by database id: the ledger numbers customers in the order it meets them (the customer
//! lists and scratch marks are indexed by that number). A store's customer ids are its `customers` table's
//! row ids, 1..N, so those up to the table's highest id at load are looked up in a plain array (4 bytes an
//! id: 24 MB for 6M customers, where a hash table took 119 MB); any other id, and those added later, in a
//! hash table.

use rustc_hash::FxHashMap as HashMap;

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Default)]
pub(super) struct CustomerIx {
    /// the index of customer id `k` at `direct[k]` (`NONE` when not met yet)
    direct: Vec<u32>,
    others: HashMap<i64, u32>,
    len: u32,
}

impl CustomerIx {
    /// Room for ids `0..=top` in the array (a `top` past twice `bound`, a generous number of customers,
    /// is taken as ids that are not row numbers, and gets no array).
    pub fn with_room(top: Option<i64>, bound: i64) -> CustomerIx {
        let room = top.filter(|&t| (0..=bound.saturating_mul(2).saturating_add(65_536)).contains(&t));
        CustomerIx { direct: room.map_or_else(Vec::new, |t| vec![NONE; t as usize + 1]), ..CustomerIx::default() }
    }

    /// The index of customer `id`, given the next one when it is new.
    pub fn index(&mut self, id: i64) -> u32 {
        let next = self.len;
        let slot = match usize::try_from(id).ok().and_then(|k| self.direct.get_mut(k)) {
            Some(slot) => slot,
            None => self.others.entry(id).or_insert(NONE),
        };
        if *slot == NONE {
            *slot = next;
            self.len += 1;
        }
        *slot
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// The ids by index.
    pub fn ids(&self) -> Vec<i64> {
        let mut ids = vec![0i64; self.len()];
        for (id, &ix) in self.direct.iter().enumerate().filter(|x| *x.1 != NONE) {
            ids[ix as usize] = id as i64;
        }
        for (&id, &ix) in &self.others {
            ids[ix as usize] = id;
        }
        ids
    }

    /// The index of `ids` (each at its position), or `None` when an id repeats.
    pub fn from_ids(ids: Vec<i64>) -> Option<CustomerIx> {
        let top = ids.iter().copied().filter(|&id| id >= 0).max();
        let mut ix = CustomerIx::with_room(top, ids.len() as i64);
        for id in ids {
            let before = ix.len;
            if ix.index(id) != before {
                return None;
            }
        }
        Some(ix)
    }

    pub fn heap_bytes(&self) -> usize {
        self.direct.capacity() * 4 + self.others.capacity() * (std::mem::size_of::<(i64, u32)>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_the_array_and_out_of_it_are_numbered_as_met_and_read_back() {
        let mut ix = CustomerIx::with_room(Some(10), 5);
        let met = [7, 3, 7, 12, -4, 3, 1_000_000_000_000, 10, 0];
        let got: Vec<u32> = met.iter().map(|&id| ix.index(id)).collect();
        assert_eq!(got, [0, 1, 0, 2, 3, 1, 4, 5, 6]);
        assert_eq!(ix.len(), 7);
        assert_eq!(ix.ids(), [7, 3, 12, -4, 1_000_000_000_000, 10, 0]);
        let back = CustomerIx::from_ids(ix.ids()).expect("distinct");
        assert_eq!(back.ids(), ix.ids());
        assert!(CustomerIx::from_ids(vec![1, 2, 1]).is_none());
        // ids far past the number of customers get no array
        assert!(CustomerIx::with_room(Some(1 << 40), 10).direct.is_empty());
    }
}

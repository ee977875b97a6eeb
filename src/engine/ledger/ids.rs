//! Database ids by position, held as runs: a run is consecutive ids at consecutive positions. A store's
//! ids mostly come as one run with a gap where a row was left out, so the ledger's 10M orders and 12.6M
//! items take a few runs instead of a (id, position) pair each (192 MB for the items at 10M orders).
//! Items an import added to old orders come out of id order and take a run each: no worse than pairs.

/// Ids of positions `0..len`, found both ways by binary search over the runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct IdRuns {
    /// (first id, first position, length), sorted by first id; ids never repeat, so runs never overlap
    runs: Vec<(i64, u32, u32)>,
    /// the run the next position may extend (the one ending at `len`)
    open: Option<usize>,
    len: u32,
    /// whether some ids came after higher ones (otherwise the runs' positions ascend with their ids, and
    /// `id_at` is a binary search too)
    shuffled: bool,
}

impl IdRuns {
    /// Gives the next position to `id`. Call `settle` after a batch, before looking anything up.
    pub fn push(&mut self, id: i64) {
        if let Some(k) = self.open
            && let Some(r) = self.runs.get_mut(k)
            && r.0.checked_add(i64::from(r.2)) == Some(id)
        {
            r.2 += 1;
        } else {
            if self.runs.last().is_some_and(|r| r.0 > id) {
                self.shuffled = true;
            }
            self.runs.push((id, self.len, 1));
            self.open = Some(self.runs.len() - 1);
        }
        self.len += 1;
    }

    /// Sorts the runs by id after a batch that came out of id order.
    pub fn settle(&mut self) {
        if !self.runs.is_sorted_by_key(|r| r.0) {
            self.runs.sort_unstable_by_key(|r| r.0);
            self.open = self.runs.iter().position(|r| r.1 + r.2 == self.len);
        }
    }

    /// The position of `id`.
    pub fn find(&self, id: i64) -> Option<usize> {
        let k = self.runs.partition_point(|r| r.0 <= id).checked_sub(1)?;
        let (first, pos, n) = self.runs[k];
        let off = id - first;
        (off < i64::from(n)).then(|| pos as usize + off as usize)
    }

    /// The id at position `pos`.
    pub fn id_at(&self, pos: usize) -> i64 {
        let pos = pos as u32;
        let at = |r: &(i64, u32, u32)| r.0 + i64::from(pos - r.1);
        if !self.shuffled {
            let k = self.runs.partition_point(|r| r.1 <= pos) - 1;
            at(&self.runs[k])
        } else {
            self.runs.iter().find(|r| (r.1..r.1 + r.2).contains(&pos)).map_or(0, at)
        }
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn heap_bytes(&self) -> usize {
        self.runs.capacity() * std::mem::size_of::<(i64, u32, u32)>()
    }

    /// The runs, for writing.
    pub fn runs(&self) -> &[(i64, u32, u32)] {
        &self.runs
    }

    /// Ids from the runs `runs` wrote, or `None` when they do not fit together.
    pub fn from_runs(runs: Vec<(i64, u32, u32)>) -> Option<IdRuns> {
        let mut by_pos: Vec<(u32, u32)> = runs.iter().map(|r| (r.1, r.2)).collect();
        by_pos.sort_unstable();
        let mut len = 0u32;
        for (pos, n) in by_pos {
            if pos != len || n == 0 {
                return None;
            }
            len = len.checked_add(n)?;
        }
        let ids_fit = runs.windows(2).all(|w| w[0].0.checked_add(i64::from(w[0].2)).is_some_and(|end| end <= w[1].0))
            && runs.last().is_none_or(|r| r.0.checked_add(i64::from(r.2)).is_some());
        if !ids_fit {
            return None;
        }
        let shuffled = !runs.windows(2).all(|w| w[0].1 < w[1].1);
        let open = runs.iter().position(|r| r.1 + r.2 == len);
        Some(IdRuns { runs, open, len, shuffled })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(ids: &[i64]) -> IdRuns {
        let mut r = IdRuns::default();
        for &id in ids {
            r.push(id);
        }
        r.settle();
        r
    }

    #[test]
    fn ids_with_gaps_take_a_run_each_and_are_found_both_ways() {
        let ids = [1, 2, 3, 5, 6, 9, 10, 11, 12];
        let r = of(&ids);
        assert_eq!(r.runs().len(), 3);
        for (pos, &id) in ids.iter().enumerate() {
            assert_eq!(r.find(id), Some(pos), "{id}");
            assert_eq!(r.id_at(pos), id);
        }
        for missing in [0, 4, 7, 8, 13, -5] {
            assert_eq!(r.find(missing), None, "{missing}");
        }
    }

    #[test]
    fn ids_out_of_order_are_found_after_settle_and_extend_the_open_run() {
        let mut r = of(&[10, 11, 3, 4, 20]);
        assert_eq!(r.find(3), Some(2));
        assert_eq!(r.id_at(2), 3);
        assert_eq!(r.id_at(4), 20);
        // the next batch continues the last run pushed, wherever sorting put it
        r.push(21);
        r.push(5);
        r.settle();
        assert_eq!(r.find(21), Some(5));
        assert_eq!(r.find(5), Some(6));
        assert_eq!(r.find(12), None);
        assert_eq!(r.id_at(1), 11);
        let back = IdRuns::from_runs(r.runs().to_vec()).expect("fits");
        assert_eq!(back, r);
    }

    #[test]
    fn runs_that_overlap_or_leave_a_hole_are_refused() {
        assert!(IdRuns::from_runs(vec![(1, 0, 3), (3, 3, 1)]).is_none());
        assert!(IdRuns::from_runs(vec![(1, 0, 3), (9, 4, 1)]).is_none());
        assert!(IdRuns::from_runs(vec![(1, 0, 3), (9, 3, 1)]).is_some());
    }
}

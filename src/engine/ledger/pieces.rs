//! Pieces: contributions of counters to one scope's day, gathered before they are added to the model. A
//! piece keeps only its non-zero fields (an order's piece has 2–18 of the 60): a `Counters` is 480 bytes,
//! and a load of 10M orders made ~100M pieces, so whole ones moved ~50 GB through memory.

use crate::engine::counters::{Counters, FIELDS};
use crate::time::Day;

/// Where a piece of counters goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// a seller (and the store)
    Seller(u32),
    Product(u32),
    Category(u32),
}

/// The non-zero fields of a piece: field indexes (as in `Counters::to_array`) and values.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fields<'a> {
    pub at: &'a [u8],
    pub values: &'a [i64],
}

impl Fields<'_> {
    /// Adds `sign` × the fields into `c`.
    pub fn add_to(&self, c: &mut Counters, sign: i64) {
        let a = c.as_array_mut();
        for (&i, &v) in self.at.iter().zip(self.values) {
            a[usize::from(i)] += v * sign;
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct Pieces {
    /// target, day and the end of the piece's fields
    heads: Vec<(Target, Day, u32)>,
    at: Vec<u8>,
    values: Vec<i64>,
}

impl Pieces {
    pub fn len(&self) -> usize {
        self.heads.len()
    }

    pub fn clear(&mut self) {
        self.heads.clear();
        self.at.clear();
        self.values.clear();
    }

    /// Adds a piece of `c` for `target` on `day`.
    pub fn push(&mut self, target: Target, day: Day, c: &Counters) {
        // Field indexes fit the byte they are kept in.
        const _: () = assert!(FIELDS <= u8::MAX as usize);
        for (i, &v) in c.as_array().iter().enumerate() {
            if v != 0 {
                self.at.push(i as u8);
                self.values.push(v);
            }
        }
        self.heads.push((target, day, self.at.len() as u32));
    }

    /// Adds a piece of the given (field index, value) pairs for `target` on `day`.
    pub fn push_fields(&mut self, target: Target, day: Day, fields: impl IntoIterator<Item = (u8, i64)>) {
        for (i, v) in fields {
            self.at.push(i);
            self.values.push(v);
        }
        self.heads.push((target, day, self.at.len() as u32));
    }

    /// Adds a piece of the same `c` for each of `targets` (its fields found once).
    pub fn push_each(&mut self, targets: impl IntoIterator<Item = Target>, day: Day, c: &Counters) {
        let mut targets = targets.into_iter();
        let Some(first) = targets.next() else { return };
        let from = self.at.len();
        self.push(first, day, c);
        let to = self.at.len();
        for t in targets {
            self.at.extend_from_within(from..to);
            self.values.extend_from_within(from..to);
            self.heads.push((t, day, self.at.len() as u32));
        }
    }

    /// Each piece, in the order pushed.
    pub fn iter(&self) -> impl Iterator<Item = (Target, Day, Fields<'_>)> {
        let mut from = 0usize;
        self.heads.iter().map(move |&(t, d, end)| {
            let r = from..end as usize;
            from = end as usize;
            (t, d, Fields { at: &self.at[r.clone()], values: &self.values[r] })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_keep_the_non_zero_fields_of_each_and_take_fields_as_given() {
        let mut p = Pieces::default();
        let a = Counters { orders: 1, ad_spend: -7, ..Counters::default() };
        let b = Counters { units: 3, ..Counters::default() };
        p.push(Target::Seller(2), 10, &a);
        p.push_each([Target::Product(1), Target::Category(0)], 11, &b);
        p.push(Target::Seller(2), 12, &Counters::default());
        let fields = Counters { units: -2, ad_spend: 9, ..Counters::default() };
        let at = |c: &Counters| c.as_array().iter().position(|&v| v != 0).map(|i| i as u8);
        let units = at(&Counters { units: 1, ..Counters::default() }).expect("units");
        let spend = at(&Counters { ad_spend: 1, ..Counters::default() }).expect("ad_spend");
        p.push_fields(Target::Product(4), 13, [(units, -2), (spend, 9)]);
        assert_eq!(p.len(), 5);
        let back: Vec<(Target, Day, Counters)> = p
            .iter()
            .map(|(t, d, f)| {
                let mut c = Counters::default();
                f.add_to(&mut c, 1);
                (t, d, c)
            })
            .collect();
        let want = [
            (Target::Seller(2), 10, a),
            (Target::Product(1), 11, b),
            (Target::Category(0), 11, b),
            (Target::Seller(2), 12, Counters::default()),
            (Target::Product(4), 13, fields),
        ];
        assert_eq!(back, want);
        let mut neg = Counters::default();
        p.iter().next().expect("a piece").2.add_to(&mut neg, -1);
        assert_eq!(neg, a.scaled(-1));
    }
}

//! What the ledger keeps of each order. Every order has a compact entry (`Order`, 20 bytes: its date,
//! seller, buyer, payment and a check of its row; its id and its event counts are kept apart, as runs of
//! ids and for the orders with events only). The whole row (`OrderRow`, ~180 bytes) is kept only where a
//! refresh needs it (`Rows`): for pending orders, for the orders a load or refresh is adding, and for the
//! settled orders a new event is about, re-read from the store for that refresh and compared with the
//! check. At 10M orders that is ~0.3 GB of order state instead of 2 GB.

use rustc_hash::FxHashMap as HashMap;
use std::hash::{Hash, Hasher};

use crate::engine::rows::OrderRow;

/// What an order's events say about it (counts, so that an event that changes can be taken back).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Events {
    pub seller_cancels: u16,
    pub buyer_cancels: u16,
    pub disputes: u16,
    pub defect_disputes: u16,
    pub lost_cases: u16,
    pub negative_feedback: u16,
    pub bad_ratings: u16,
}

impl Events {
    pub fn cancelled(&self) -> bool {
        self.seller_cancels + self.buyer_cancels > 0
    }
    pub fn defect(&self) -> bool {
        self.negative_feedback + self.defect_disputes > 0
    }
    pub fn bad(&self) -> bool {
        self.bad_ratings + self.disputes + self.seller_cancels > 0
    }
}

/// An order as the ledger keeps it for good: 20 bytes (packed to 4-byte alignment: 10M orders in 200 MB, not
/// 240), its id and its events kept apart (see `Ledger`).
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C, packed(4))]
pub(super) struct Order {
    pub placed: i64,
    pub seller: u32,
    pub customer: u32,
    /// bit 0: paid; the others: `check` of the row as applied
    check_paid: u32,
}

impl Order {
    pub fn new(r: &OrderRow, seller: u32, customer: u32) -> Order {
        let paid = u32::from(r.times.paid.is_some());
        Order { placed: r.placed, seller, customer, check_paid: check(r) & !1 | paid }
    }

    pub fn paid(&self) -> bool {
        self.check_paid & 1 == 1
    }

    /// Whether `r` is the row applied (by its check).
    pub fn applied(&self, r: &OrderRow) -> bool {
        self.check_paid & !1 == check(r) & !1
    }

    /// Takes `r` as the row applied (a pending order's row that changed; paid stays: an order getting paid
    /// is a reload).
    pub fn apply(&mut self, r: &OrderRow) {
        self.check_paid = check(r) & !1 | self.check_paid & 1;
    }

    /// The check and the paid bit, as one value (for the ledger cache).
    pub fn check_paid(&self) -> u32 {
        self.check_paid
    }

    pub fn from_parts(placed: i64, seller: u32, customer: u32, check_paid: u32) -> Order {
        Order { placed, seller, customer, check_paid }
    }

    pub fn set_check_paid(&mut self, v: u32) {
        self.check_paid = v;
    }
}

/// A hash of every field of a row: a settled row read again must give the same, or it was edited.
fn check(r: &OrderRow) -> u32 {
    let mut h = rustc_hash::FxHasher::default();
    r.hash(&mut h);
    let h = h.finish();
    (h >> 32) as u32 ^ h as u32
}

/// Whole order rows by order position, for the orders a refresh may need them for.
///
/// The pending orders' rows (~145,000 at 10M orders) are held in position order, positions apart: a refresh
/// walks them in that order, and finding one is a binary search over 0.6 MB of positions. In a hash table
/// of rows (26 MB) each of a refresh's ~300,000 lookups and re-inserts missed the cache (a tenth of a 10M
/// commit).
#[derive(Debug, Default)]
pub(super) struct Rows {
    /// positions of the pending orders (between refreshes, exactly those: see `pending`), ascending
    pos: Vec<u32>,
    /// their rows, in the same order
    held: Vec<OrderRow>,
    /// settled orders re-read for the refresh under way (a few hundred), until `keep`
    extra: HashMap<u32, OrderRow>,
    /// the orders being added, at positions `fresh_from..`
    fresh: Vec<OrderRow>,
    fresh_from: usize,
}

impl Rows {
    pub fn get(&self, pos: usize) -> Option<&OrderRow> {
        if let Some(r) = pos.checked_sub(self.fresh_from).and_then(|i| self.fresh.get(i)) {
            return Some(r);
        }
        let p = u32::try_from(pos).ok()?;
        match self.pos.binary_search(&p) {
            Ok(i) => self.held.get(i),
            Err(_) => self.extra.get(&p),
        }
    }

    /// The positions of the pending orders, ascending, as the last refresh left them (`keep`).
    pub fn pending(&self) -> Vec<u32> {
        self.pos.clone()
    }

    /// Replaces the row of a pending order, or holds a settled order's until `keep`.
    pub fn hold(&mut self, pos: u32, r: OrderRow) {
        match self.pos.binary_search(&pos) {
            Ok(i) => self.held[i] = r,
            Err(_) => {
                self.extra.insert(pos, r);
            }
        }
    }

    /// The rows of the orders just appended, at positions `from..`.
    pub fn add_fresh(&mut self, from: usize, rows: Vec<OrderRow>) {
        self.fresh_from = from;
        self.fresh = rows;
    }

    /// Ends a refresh: keeps the rows of the `pending` positions (sorted) only, in one pass.
    pub fn keep(&mut self, pending: &[u32]) {
        let (mut pos, mut held) = (Vec::with_capacity(pending.len()), Vec::with_capacity(pending.len()));
        let mut old = std::mem::take(&mut self.pos).into_iter().zip(std::mem::take(&mut self.held)).peekable();
        let mut fresh = (self.fresh_from as u32..).zip(std::mem::take(&mut self.fresh)).peekable();
        let mut extra = std::mem::take(&mut self.extra);
        for &p in pending {
            while old.next_if(|(q, _)| *q < p).is_some() {}
            while fresh.next_if(|(q, _)| *q < p).is_some() {}
            let row = match (old.next_if(|(q, _)| *q == p), fresh.next_if(|(q, _)| *q == p)) {
                (Some((_, r)), _) | (None, Some((_, r))) => Some(r),
                (None, None) => extra.remove(&p),
            };
            if let Some(r) = row {
                pos.push(p);
                held.push(r);
            }
        }
        (self.pos, self.held) = (pos, held);
    }

    /// The pending orders' positions and rows, between refreshes (for the ledger's cache).
    pub fn parts(&self) -> (&[u32], &[OrderRow]) {
        debug_assert!(self.extra.is_empty() && self.fresh.is_empty(), "rows taken mid-refresh");
        (&self.pos, &self.held)
    }

    /// Rows as `parts` gave them.
    pub fn from_parts(pos: Vec<u32>, held: Vec<OrderRow>) -> Option<Rows> {
        (pos.len() == held.len() && pos.is_sorted_by(|a, b| a < b)).then(|| Rows { pos, held, ..Rows::default() })
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        let row = std::mem::size_of::<OrderRow>();
        self.pos.capacity() * 4
            + self.held.capacity() * row
            + self.extra.capacity() * (row + 5)
            + self.fresh.capacity() * row
    }
}

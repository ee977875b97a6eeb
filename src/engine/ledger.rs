//! The ledger: the model plus what it takes to keep it up to date without reading the store again. The
//! first load and every later refresh are the same operation: read the rows above each table's id
//! watermark and re-read the rows that are still *pending* (orders not final yet, open disputes,
//! unanswered returns and messages), then subtract the old contribution of what changed and add the new
//! one: the new rows, the pending rows that differ from what the ledger holds, and the orders that a new
//! event (a cancellation, a review, a dispute) is about. The store is never read whole again, and what is
//! re-applied follows the change, not the number of pending rows.
//!
//! Facts that depend on "now" (an order past its ship-by date, a dispute unanswered for 5 days) are kept
//! right because whatever can still change with time is pending: when "now" reaches an order's ship-by
//! or promised date, only its time-dependent counters are re-applied (`Part::Timed`); an event at its time
//! limit is re-applied whole.
//! What an append-only view cannot follow (new sellers or products, items added to old orders, orders
//! dated before the newest one, an unpaid order getting paid, edits of final rows) asks for a full reload.
//! Of a final order only a compact entry is kept (`orders`); when a new event is about it, its row is
//! read again and checked against the row applied, which is how an edit of a final order is noticed.
//!
//! Where the parts live: `load` (a first load, streamed a slice of ids at a time), `refresh`, `events`
//! (the records beside the orders), `contrib` (what each record adds to the day cells), `lists` (the
//! customer lists), `vet` (rows checked before they count), `persist` (the ledger cache's body); the
//! per-order state in `orders`, `ids`, `column` (in a file of its own), `customer_ix` and `seen`.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::Connection;

mod column;
mod contrib;
mod customer_ix;
mod events;
mod ids;
mod lists;
mod load;
mod orders;
mod persist;
mod pieces;
mod refresh;
mod seen;
mod vet;

use column::Column;
pub use contrib::split_pro_rata;
use customer_ix::CustomerIx;
use ids::IdRuns;
use orders::{Events, Order, Rows};
use pieces::{Pieces, Target};
use seen::Seen;

use super::customers::CustomerList;
use super::model::{DisputeFact, Model, Product, Seller};
use super::packed::Packed;
use super::quality::{self, Quality};
use super::rows::{self, CancelRow, DisputeRow, MessageRow, OrderRow, Pick, ReturnRow, ReviewRow};
use super::series::Dense;
use crate::error::Result;
use crate::time::{self, Day, SECS_PER_DAY};

/// A dispute with no seller response after this long is "unanswered" (AliExpress's 5-day rule).
pub const DISPUTE_RESPONSE_SECS: i64 = 5 * SECS_PER_DAY;
/// A return request not answered within this long is negative (Amazon's RDR, 48 hours).
pub const RETURN_RESPONSE_SECS: i64 = 48 * 3600;
/// A message answered within this long counts as answered in time (Amazon, Etsy: 24 hours).
pub const REPLY_SECS: i64 = 24 * 3600;
/// Unpaid orders stay pending (they may still be paid) this long.
const UNPAID_PENDING_SECS: i64 = 30 * SECS_PER_DAY;

const NO_CUSTOMER: u32 = u32::MAX;
/// Pieces applied at a time.
const CHUNK: usize = 4096;

/// An order line as applied (16 bytes: 12.6M of them at 10M orders).
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
struct Item {
    product: u32,
    /// at least 1 (see `append_orders`)
    units: i32,
    price: i64,
}

impl Item {
    fn quantity(&self) -> i64 {
        i64::from(self.units)
    }
}

/// From this many orders whose deadline "now" passed on, a refresh works them out on a second thread.
const PARALLEL_TIMED: usize = 2_000;

/// Scratch space of `timed_change`, kept across orders.
#[derive(Default)]
struct TimedScratch {
    pieces: Pieces,
    /// (target, day, field, change)
    change: Vec<(Target, Day, u8, i64)>,
}

/// Which of an order's contributions to emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// everything the order contributes
    All,
    /// only the counters that depend on "now" (due for fulfilment, due for on-time delivery): what changes
    /// when "now" passes one of its deadlines and nothing else about it changed
    Timed,
}

/// Highest id seen per table.
#[derive(Debug, Clone, Copy, Default)]
struct Marks {
    sellers: i64,
    products: i64,
    orders: i64,
    items: i64,
    cancellations: i64,
    disputes: i64,
    reviews: i64,
    returns: i64,
    messages: i64,
    traffic: i64,
    spend: i64,
}

/// The outcome of a refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// applied in place: new paid orders, and orders re-applied (new, changed, touched by a new event,
    /// or at a deadline "now" just passed)
    Applied { new_orders: u64, touched: u64 },
    /// the change cannot be followed incrementally; load again (the reason says why)
    NeedsReload(String),
}

pub struct Ledger {
    path: PathBuf,
    model: Model,
    seller_ix: HashMap<i64, u32>,
    product_ix: HashMap<i64, u32>,
    category_ix: HashMap<String, u32>,
    customer_ix: CustomerIx,
    /// (this and the other per-order columns in a file of their own when there is a cache directory)
    orders: Column<Order>,
    /// the orders' database ids
    order_ids: IdRuns,
    /// what their events say, for the orders with any (a fifth of them in the demo store)
    order_events: HashMap<u32, Events>,
    /// whole rows of the orders a refresh may need them for (see `orders`)
    rows: Rows,
    /// items of order i: items[item_start[i]..item_start[i + 1]]
    item_start: Column<u32>,
    items: Column<Item>,
    /// the items' database ids (an item's order is found from `item_start`)
    item_ids: IdRuns,
    pending_disputes: HashMap<i64, DisputeRow>,
    pending_returns: HashMap<i64, ReturnRow>,
    pending_messages: HashMap<i64, MessageRow>,
    dispute_fact: HashMap<i64, usize>,
    marks: Marks,
    /// the customers each scope has had, sorted: the store's, and by seller, category and product
    seen_store: Seen,
    seen_sellers: Vec<Seen>,
    seen_categories: Vec<Seen>,
    seen_products: Vec<Seen>,
    last_placed: i64,
    now: i64,
    first_ts: i64,
    quality: Quality,
}

fn max_ts(ts: &[Option<i64>]) -> i64 {
    ts.iter().flatten().copied().max().unwrap_or(i64::MIN)
}

/// The latest time of any of these orders (`now`'s share of them).
fn orders_now<'a>(orders: impl Iterator<Item = &'a OrderRow>) -> i64 {
    orders
        .map(|o| max_ts(&[Some(o.placed), o.times.paid, o.times.confirmed, o.times.delivered]))
        .max()
        .unwrap_or(i64::MIN)
}

impl Ledger {
    /// Lets go of the pages of the per-order columns the process holds (see `column`): after a step that
    /// read or wrote them.
    fn shed_columns(&self) {
        self.orders.shed();
        self.items.shed();
        self.item_start.shed();
    }

    /// A per-order column: in a file in the cache directory when there is one (see `column`).
    fn column<T: bytemuck::Pod>() -> Column<T> {
        Column::in_dir(super::cache::dir().as_deref())
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// How many orders it holds.
    pub fn orders(&self) -> usize {
        self.orders.len()
    }

    pub fn into_model(self) -> Model {
        self.model
    }

    /// Heap bytes held, by part (estimates from capacities; hash tables at one control byte a slot), for
    /// the log and for measuring.
    pub fn footprint(&self) -> Vec<(&'static str, usize)> {
        use std::mem::size_of;
        fn table<K, V>(m: &HashMap<K, V>) -> usize {
            m.capacity() * (size_of::<(K, V)>() + 1)
        }
        let m = &self.model;
        let lists = |v: &[Arc<CustomerList>]| v.iter().map(|c| c.heap_bytes()).sum::<usize>();
        vec![
            ("orders", self.orders.heap_bytes() + self.order_ids.heap_bytes() + table(&self.order_events)),
            ("order rows (pending, new)", self.rows.heap_bytes()),
            ("items", self.items.heap_bytes() + self.item_ids.heap_bytes()),
            ("item_start", self.item_start.heap_bytes()),
            ("customer_ix", self.customer_ix.heap_bytes()),
            (
                "seen",
                self.seen_store.heap_bytes()
                    + (self.seen_sellers.iter().chain(&self.seen_categories).chain(&self.seen_products))
                        .map(|v| size_of::<Seen>() + v.heap_bytes())
                        .sum::<usize>(),
            ),
            ("pending events", table(&self.pending_returns) + table(&self.pending_messages)),
            (
                "model.store+seller+category days",
                m.store_days.heap_bytes()
                    + m.seller_days.iter().chain(&m.category_days).map(|d| d.heap_bytes()).sum::<usize>(),
            ),
            ("model.product_days", m.product_days.iter().map(|p| p.heap_bytes()).sum()),
            (
                "model.customers",
                m.store_customers.heap_bytes()
                    + lists(&m.seller_customers)
                    + lists(&m.category_customers)
                    + lists(&m.product_customers),
            ),
            (
                "(not on the heap: per-order columns in a file)",
                self.orders.file_bytes() + self.items.file_bytes() + self.item_start.file_bytes(),
            ),
        ]
    }

    /// Brings the model up to date with what was committed since the last load or refresh.
    pub fn refresh(&mut self, conn: &Connection) -> Result<Refresh> {
        let (s, p) = (
            rows::sellers(conn, &self.path, Pick::After(self.marks.sellers), &mut self.quality)?,
            rows::products(conn, &self.path, Pick::After(self.marks.products), &mut self.quality)?,
        );
        if !s.is_empty() || !p.is_empty() {
            return Ok(Refresh::NeedsReload("new sellers or products".into()));
        }
        self.refresh_with(conn, &mut |_| {})
    }

    fn order_pos(&self, id: i64) -> Option<usize> {
        self.order_ids.find(id)
    }

    /// What an order's events say about it (none for most orders).
    fn events(&self, pos: usize) -> Events {
        self.order_events.get(&(pos as u32)).copied().unwrap_or_default()
    }

    /// Changes what an order's events say, keeping only orders with some.
    fn change_events(&mut self, pos: usize, change: impl FnOnce(&mut Events)) {
        let ev = self.order_events.entry(pos as u32).or_default();
        change(ev);
        if *ev == Events::default() {
            self.order_events.remove(&(pos as u32));
        }
    }

    fn lines(&self, pos: usize) -> std::ops::Range<usize> {
        self.item_start[pos] as usize..self.item_start[pos + 1] as usize
    }

    /// The position of the order an item (by position) belongs to: the last order whose items start at or
    /// before it (orders without items start where the next one does).
    fn order_of_item(&self, item: usize) -> usize {
        self.item_start.partition_point(|&s| s as usize <= item) - 1
    }

    fn dimensions(&mut self, conn: &Connection) -> Result<()> {
        let mut refs = HashSet::default();
        for s in rows::sellers(conn, &self.path, Pick::After(0), &mut self.quality)? {
            self.marks.sellers = self.marks.sellers.max(s.id);
            self.seller_ix.insert(s.id, self.model.sellers.len() as u32);
            if !quality::known_currency(&s.currency) {
                self.quality.note("unknown_currency", || format!("seller {}: {:?}", s.id, s.currency));
            }
            if !refs.insert(s.reference.clone()) {
                self.quality.note("duplicate_ref", || format!("seller {}: ref {:?}", s.id, s.reference));
            }
            let reference = self.clean(&s.reference, s.id, "seller");
            let name = self.clean(&s.name, s.id, "seller");
            let currency = self.clean(&s.currency, s.id, "seller");
            let country = s.country.as_deref().map(|c| self.clean(c, s.id, "seller"));
            self.model.sellers.push(Seller { db_id: s.id, reference, name, country, currency });
            self.model.seller_days.push(Arc::default());
            self.model.seller_products.push(Vec::new());
            self.model.seller_customers.push(Arc::default());
        }
        refs.clear();
        for mut p in rows::products(conn, &self.path, Pick::After(0), &mut self.quality)? {
            self.marks.products = self.marks.products.max(p.id);
            if !refs.insert(p.reference.clone()) {
                self.quality.note("duplicate_ref", || format!("product {}: ref {:?}", p.id, p.reference));
            }
            p.reference = self.clean(&p.reference, p.id, "product");
            p.title = self.clean(&p.title, p.id, "product");
            p.sku = p.sku.as_deref().map(|v| self.clean(v, p.id, "product"));
            p.category = p.category.as_deref().map(|v| self.clean(v, p.id, "product"));
            let Some(&seller) = self.seller_ix.get(&p.seller) else {
                self.skip("products of an unknown seller", format!("product {} (seller {})", p.id, p.seller));
                continue;
            };
            let category = p.category.map(|c| {
                let next = self.category_ix.len() as u32;
                *self.category_ix.entry(c.clone()).or_insert_with(|| {
                    self.model.categories.push(c);
                    self.model.category_days.push(Arc::default());
                    self.model.category_products.push(Vec::new());
                    self.model.category_customers.push(Arc::default());
                    next
                })
            });
            let ix = self.model.products.len() as u32;
            self.product_ix.insert(p.id, ix);
            self.model.seller_products[seller as usize].push(ix);
            if let Some(c) = category {
                self.model.category_products[c as usize].push(ix);
            }
            self.model.products.push(Product {
                db_id: p.id,
                reference: p.reference,
                seller,
                sku: p.sku,
                title: p.title,
                category,
                price_minor: p.price,
            });
            self.model.product_days.push(Arc::default());
            self.model.product_customers.push(Arc::default());
            self.model.return_reasons.push(Vec::new());
        }
        Ok(())
    }

    /// Appends new orders (ascending ids) and their items (sorted by order id, then id): one merge walk.
    /// Their rows are kept for the rest of the refresh (`Rows::add_fresh`).
    fn append_orders(&mut self, mut new_orders: Vec<OrderRow>, new_items: Vec<rows::ItemRow>) {
        let first_new = self.orders.len();
        let mut items = new_items.into_iter().peekable();
        for r in &new_orders {
            self.marks.orders = self.marks.orders.max(r.id);
            // Items of orders before this one have no order of their own here.
            while let Some(i) = items.next_if(|i| i.order < r.id) {
                self.skip("order items of an unknown order", format!("order item {} (order {})", i.id, i.order));
            }
            let seller = self.seller_ix.get(&r.seller).copied();
            while let Some(i) = items.next_if(|i| i.order == r.id) {
                self.marks.items = self.marks.items.max(i.id);
                let Some(seller) = seller else { continue };
                let Some(&product) = self.product_ix.get(&i.product) else {
                    self.skip(
                        "order items of an unknown product",
                        format!("order item {} (product {})", i.id, i.product),
                    );
                    continue;
                };
                if self.model.products[product as usize].seller != seller {
                    self.skip("order items of another seller's product", format!("order item {}", i.id));
                    continue;
                }
                let Some(units) = i32::try_from(i.quantity).ok().filter(|&q| q > 0) else {
                    self.quality.note("bad_quantity", || format!("order item {}: quantity {}", i.id, i.quantity));
                    continue;
                };
                if i.price < 0 {
                    self.quality.note("negative_price", || format!("order item {}: unit price {}", i.id, i.price));
                    continue;
                }
                self.item_ids.push(i.id);
                self.items.push(Item { product, units, price: i.price });
            }
            let Some(seller) = seller else {
                self.skip("orders of an unknown seller", format!("order {} (seller {})", r.id, r.seller));
                continue;
            };
            let customer = r.customer.map_or(NO_CUSTOMER, |c| self.customer_ix.index(c));
            self.item_start.push(self.items.len() as u32);
            self.order_ids.push(r.id);
            self.orders.push(Order::new(r, seller, customer));
        }
        for i in items {
            self.marks.items = self.marks.items.max(i.id);
            self.skip("order items of an unknown order", format!("order item {} (order {})", i.id, i.order));
        }
        // New items extend the last run of ids; items with lower ids (an import that filled gaps) sort the
        // runs.
        self.item_ids.settle();
        self.order_ids.settle();
        // The rows of the orders appended, in place (at 10M orders a copy would be 1.8 GB more).
        new_orders.retain(|r| self.seller_ix.contains_key(&r.seller));
        self.rows.add_fresh(first_new, new_orders);
    }

    /// Makes room for a first load's orders and items once, instead of copying them through each doubling
    /// (their capacity was up to twice their use; untouched, spare room is not resident), with `headroom`
    /// for what commits add later (see there).
    fn reserve(&mut self, orders: usize, items: usize) {
        self.orders.reserve_exact(headroom(orders));
        self.item_start.reserve_exact(headroom(orders));
        self.items.reserve_exact(headroom(items));
    }

    /// Whether an order can still change: re-read on each refresh, re-applied when "now" passes a deadline.
    fn order_pending(&self, pos: usize) -> bool {
        let ev = self.events(pos);
        let Some(r) = self.rows.get(pos) else {
            debug_assert!(false, "order {} is judged without its row", self.order_ids.id_at(pos));
            return false;
        };
        if r.times.paid.is_none() {
            return !ev.cancelled() && r.placed + UNPAID_PENDING_SECS >= self.now;
        }
        // What a paid order counts changes when "now" passes its ship-by or promised date, cancelled or not.
        let ahead = |t: Option<i64>| t.is_some_and(|t| t > self.now);
        ahead(r.times.promised) || ahead(r.times.ship_by) || (!ev.cancelled() && r.times.delivered.is_none())
    }

    fn cancel_effect(&mut self, c: &CancelRow) {
        let Some(pos) = self.order_pos(c.order) else {
            self.skip("cancellations of an unknown order", format!("cancellation {} (order {})", c.id, c.order));
            return;
        };
        if !c.before_shipment {
            return; // after shipment it is a return and refund, not a cancellation
        }
        self.change_events(pos, |ev| {
            if c.by_buyer {
                ev.buyer_cancels += 1;
            } else {
                ev.seller_cancels += 1;
            }
        });
    }

    fn review_effect(&mut self, r: &ReviewRow) {
        let Some(pos) = r.order.and_then(|o| self.order_pos(o)) else { return };
        let negative = r.seller_feedback && r.rating <= 2;
        let bad = r.rating <= 3 || r.dsr.iter().flatten().any(|&d| d <= 3);
        if negative || bad {
            self.change_events(pos, |ev| {
                ev.negative_feedback += u16::from(negative);
                ev.bad_ratings += u16::from(bad);
            });
        }
    }

    /// Adds (sign 1) or takes back (sign −1) what a dispute says about its order.
    fn dispute_effect(&mut self, d: &DisputeRow, sign: i32) {
        let Some(pos) = self.order_pos(d.order) else { return };
        let step = |n: &mut u16| *n = (i32::from(*n) + sign).max(0) as u16;
        self.change_events(pos, |ev| {
            step(&mut ev.disputes);
            // Amazon counts claims and chargebacks that are not denied (decided in the seller's favour).
            if d.outcome.as_deref() != Some("seller_favour") {
                step(&mut ev.defect_disputes);
            }
            if d.outcome.as_deref() == Some("buyer_favour") {
                step(&mut ev.lost_cases);
            }
        });
    }

    fn dispute_record(&mut self, d: &DisputeRow) {
        let Some(pos) = self.order_pos(d.order) else { return };
        let fact = DisputeFact {
            seller: self.orders[pos].seller,
            order_db_id: d.order,
            opened_at: d.opened,
            responded_at: d.responded,
            closed_at: d.closed,
        };
        match self.dispute_fact.get(&d.id) {
            Some(&i) => self.model.disputes[i] = fact,
            None => {
                self.dispute_fact.insert(d.id, self.model.disputes.len());
                self.model.disputes.push(fact);
            }
        }
    }

    /// Adds pieces once there are many, so that a first load never holds them all at once; and lets go of
    /// the per-order columns' pages read for them (a load's disputes and returns read the columns at
    /// random: at 10M orders ~0.4 GB of their pages were resident at once).
    fn flush_if_big(&mut self, pieces: &mut Pieces) {
        if pieces.len() >= CHUNK {
            self.put_all(pieces, 1);
            pieces.clear();
            self.shed_columns();
        }
    }

    /// Adds (sign 1) or takes back (sign −1) pieces; a seller's pieces also go to the store.
    fn put_all(&mut self, pieces: &Pieces, sign: i64) {
        let m = &mut self.model;
        // An order's pieces come together, several to its seller and product: their series are made
        // writable (`Arc::make_mut`, an atomic operation) once for a run of pieces, not for each one.
        let mut seller: Option<(u32, &mut Dense)> = None;
        let mut product: Option<(u32, &mut Packed)> = None;
        for (target, day, f) in pieces.iter() {
            match target {
                Target::Seller(s) => {
                    if seller.as_ref().is_none_or(|(at, _)| *at != s) {
                        seller = Some((s, Arc::make_mut(&mut m.seller_days[s as usize])));
                    }
                    if let Some((_, d)) = &mut seller {
                        f.add_to(d.cell(day), sign);
                    }
                    f.add_to(m.store_days.cell(day), sign);
                }
                Target::Product(p) => {
                    if product.as_ref().is_none_or(|(at, _)| *at != p) {
                        product = Some((p, Arc::make_mut(&mut m.product_days[p as usize])));
                    }
                    if let Some((_, d)) = &mut product {
                        d.add(day, f.at, f.values, sign);
                    }
                }
                Target::Category(k) => f.add_to(Arc::make_mut(&mut m.category_days[k as usize]).cell(day), sign),
            }
        }
    }

    /// Packs the products' unpacked cells and lets their room go; `done`: the series are done growing for
    /// now (settled, spare room given back). Only the series written to have a tail: the others stay shared
    /// with the model on screen.
    fn release_tails(&mut self, done: bool) {
        for p in self.model.product_days.iter_mut().filter(|p| p.has_tail()) {
            let p = Arc::make_mut(p);
            if done { p.settle() } else { p.pack_and_release() }
        }
    }

    fn finish(&mut self) {
        self.model.now_ts = self.now;
        self.model.last_day = time::day_of(self.now);
        self.model.first_day = if self.first_ts == i64::MAX {
            self.model.last_day
        } else {
            time::day_of(self.first_ts).min(self.model.last_day)
        };
        for reasons in &mut self.model.return_reasons {
            reasons.retain(|(_, n)| *n != 0);
            reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        }
        self.release_tails(true);
        self.day_checks();
        self.model.quality = self.quality.clone();
    }
}

/// Room for `n` entries and what commits will add: a vector filled exactly was copied whole by the first
/// commit that appended to it (at 10M orders the orders, items and their starts, ~440 MB: the first commit
/// after a start took 1.1–1.5 s, the next ones under 0.6). The spare room is not resident until used.
pub(super) fn headroom(n: usize) -> usize {
    n + n / 32 + 4096
}

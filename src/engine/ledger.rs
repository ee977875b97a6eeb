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

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::Connection;

mod column;
mod customer_ix;
mod events;
mod ids;
mod load;
mod orders;
mod persist;
mod pieces;
mod seen;

use column::Column;
use customer_ix::CustomerIx;
use ids::IdRuns;
use orders::{Events, Order, Rows};
use pieces::{Pieces, Target};
use seen::Seen;

use super::counters::Counters;
use super::customers::CustomerList;
use super::model::{DisputeFact, Model, Product, Seller};
use super::quality::{self, Quality};
use super::rows::{self, CancelRow, DisputeRow, MessageRow, OrderRow, Pick, ReturnRow, ReviewRow};
use super::text::{self, NAME_CHARS};
use crate::error::{Result, SqlContext};
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

    /// Text safe to show (see `text`), counted when it had to be changed.
    fn clean(&mut self, s: &str, id: i64, what: &str) -> String {
        if text::needs_cleaning(s, NAME_CHARS) {
            self.quality.note("unsafe_text", || format!("{what} {id}: {:?}", text::clean(s, 40)));
        }
        text::clean(s, NAME_CHARS)
    }

    /// Checks an order's times against each other and the clock: a time in the future has not happened
    /// yet (`None`); `false` when the order itself lies in the future. `count` is off for re-read rows.
    fn vet_order(&mut self, r: &mut OrderRow, horizon: i64, count: bool) -> bool {
        let id = r.id;
        let note = |q: &mut Quality, check: &str, what: String| {
            if count {
                q.note(check, || format!("order {id}: {what}"));
            }
        };
        if r.placed > horizon {
            note(&mut self.quality, "future_time", format!("placed {}", time::format_ts(r.placed)));
            return false;
        }
        for (name, t) in [
            ("paid", &mut r.times.paid),
            ("ship-by", &mut r.times.ship_by),
            ("ship-confirmed", &mut r.times.confirmed),
            ("first scan", &mut r.times.scanned),
            ("delivered", &mut r.times.delivered),
        ] {
            if let Some(v) = *t
                && v > horizon
            {
                note(&mut self.quality, "future_time", format!("{name} {}", time::format_ts(v)));
                *t = None;
            }
        }
        if let (Some(c), Some(p)) = (r.times.confirmed, r.times.paid.or(Some(r.placed)))
            && c < p
        {
            note(
                &mut self.quality,
                "shipped_before_placed",
                format!("paid {}, shipped {}", time::format_ts(p), time::format_ts(c)),
            );
        }
        if let Some(d) = r.times.delivered
            && d < r.placed
        {
            note(
                &mut self.quality,
                "delivered_before_placed",
                format!("placed {}, delivered {}", time::format_ts(r.placed), time::format_ts(d)),
            );
        }
        true
    }

    /// Leaves out the new orders that lie in the future (`vet_order`) and their items.
    fn vet_new(&mut self, orders: &mut Vec<OrderRow>, items: &mut Vec<rows::ItemRow>, horizon: i64) {
        let mut unborn: HashSet<i64> = HashSet::default();
        orders.retain_mut(|o| {
            let keep = self.vet_order(o, horizon, true);
            if !keep {
                unborn.insert(o.id);
                self.marks.orders = self.marks.orders.max(o.id);
            }
            keep
        });
        if unborn.is_empty() {
            return;
        }
        items.retain(|i| {
            let keep = !unborn.contains(&i.order);
            if !keep {
                self.marks.items = self.marks.items.max(i.id);
            }
            keep
        });
    }

    /// Notes which kinds of order record exist (shipments, scans, deadlines).
    fn record_order_kinds<'a>(&mut self, orders: impl Iterator<Item = &'a OrderRow> + Clone) {
        let rec = &mut self.model.recorded;
        rec.shipments |= orders.clone().any(|o| o.times.confirmed.is_some() || o.times.ship_by.is_some());
        rec.scans |= orders.clone().any(|o| o.times.scanned.is_some());
        rec.deadlines |= orders.clone().any(|o| o.times.ship_by.is_some());
    }

    /// A review whose rating is outside 1–5 is left out; sub-ratings outside 1–5 are dropped.
    fn vet_review(&mut self, r: &mut ReviewRow, horizon: i64) -> bool {
        if r.created > horizon {
            self.quality.note("future_time", || format!("review {}: created {}", r.id, time::format_ts(r.created)));
            return false;
        }
        if !(1..=5).contains(&r.rating) {
            self.quality.note("rating_out_of_range", || format!("review {}: rating {}", r.id, r.rating));
            return false;
        }
        for d in &mut r.dsr {
            if let Some(v) = *d
                && !(1..=5).contains(&v)
            {
                self.quality.note("dsr_out_of_range", || format!("review {}: sub-rating {v}", r.id));
                *d = None;
            }
        }
        true
    }

    /// Spikes and emptiness, recomputed from the store's days on every load and refresh.
    fn day_checks(&mut self) {
        self.quality.clear("spike_day");
        self.quality.clear("no_orders");
        let mut days: Vec<(Day, i64)> =
            self.model.store_days.days().filter(|(_, c)| c.orders > 0).map(|(d, c)| (d, c.orders)).collect();
        if days.is_empty() {
            self.quality.note("no_orders", || "no paid orders".into());
            return;
        }
        let mut counts: Vec<i64> = days.iter().map(|d| d.1).collect();
        counts.sort_unstable();
        let median = counts[counts.len() / 2];
        days.sort_by_key(|d| std::cmp::Reverse(d.1));
        for (day, n) in days.into_iter().take_while(|d| d.1 > 100 && d.1 > 20 * median) {
            self.quality
                .note("spike_day", || format!("{}: {n} orders (the median day has {median})", time::fmt_day(day)));
        }
    }

    /// Counts a row left out because what it points at is not in the store.
    fn skip(&mut self, why: &'static str, example: String) {
        self.quality.note(format!("orphan:{why}"), || example);
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

    /// The body of a load or refresh, once the dimensions are known.
    #[allow(clippy::too_many_lines)]
    fn refresh_with(&mut self, conn: &Connection, progress: &mut dyn FnMut(f64)) -> Result<Refresh> {
        let path = self.path.clone();
        let path = path.as_path();
        let first = self.orders.is_empty();
        // --- read what is new and what is pending ---
        // A refresh reads in one transaction, so that it sees one state of the store: read statement by
        // statement, a commit landing between two of them showed the new orders' items or reviews without
        // the orders (a needless reload, or a review counted as an orphan and passed by). A first load does
        // not: in a store without a write-ahead log its ~30 s of reading at 10M orders would hold every
        // writer off (its gaps are `docs/scale.md`'s to close).
        let snapshot = if first { None } else { Some(conn.unchecked_transaction().at(path)?) };
        let new_orders = rows::orders(conn, path, Pick::After(self.marks.orders), &mut self.quality)?;
        progress(0.3);
        let pending_before = self.rows.pending();
        let pending_ids: Vec<i64> = pending_before.iter().map(|&p| self.order_ids.id_at(p as usize)).collect();
        let reread = rows::orders(conn, path, Pick::Ids(&pending_ids), &mut self.quality)?;
        let new_items = rows::items_after(conn, path, self.marks.items, &mut self.quality)?;
        progress(0.5);
        let mut ev = self.read_events(conn, true)?;
        if let Some(tx) = snapshot {
            tx.commit().at(path)?;
        }
        // Times after tomorrow have not happened yet: they never move "now" (see `quality`).
        let horizon = time::wall_clock() + SECS_PER_DAY;
        let (mut new_orders, mut new_items) = (new_orders, new_items);
        self.vet_new(&mut new_orders, &mut new_items, horizon);
        let mut reread = reread;
        let mut future: Vec<i64> = Vec::new();
        for o in &mut reread {
            if !self.vet_order(o, horizon, false) {
                future.push(o.id);
            }
        }
        reread.retain(|o| !future.contains(&o.id));
        self.vet_events(&mut ev, horizon);
        progress(0.7);
        self.record_order_kinds(new_orders.iter().chain(&reread));

        // --- what cannot be followed incrementally ---
        if !first {
            let new_ids: HashSet<i64> = new_orders.iter().map(|o| o.id).collect();
            if new_items.iter().any(|i| !new_ids.contains(&i.order)) {
                return Ok(Refresh::NeedsReload("items were added to existing orders".into()));
            }
            if new_orders.iter().any(|o| o.times.paid.is_some() && o.placed < self.last_placed) {
                return Ok(Refresh::NeedsReload("orders dated before the newest one were added".into()));
            }
            for r in &reread {
                let Some(old) = self.order_pos(r.id).and_then(|p| self.rows.get(p)) else { continue };
                if old.times.paid.is_some() != r.times.paid.is_some()
                    || old.seller != r.seller
                    || old.customer != r.customer
                    || old.placed != r.placed
                {
                    return Ok(Refresh::NeedsReload("an order's payment, seller, buyer or date changed".into()));
                }
            }
        }

        // --- the new "now" ---
        let mut now = self.now.max(self.event_times(&ev));
        now = now.max(orders_now(new_orders.iter().chain(&reread)));
        if now == i64::MIN {
            now = 0;
        }
        if let Some(t) = new_orders.iter().map(|o| o.placed).min() {
            self.first_ts = self.first_ts.min(t);
        }
        let old_now = self.now;
        // "now" reached a time limit `t` (inclusive both ends: re-applying one more is harmless).
        let reached = |t: i64| old_now <= t && t <= now;
        // Re-read events that neither changed nor reached their time limit contribute what they did; they
        // only stay pending or settle below.
        self.split_again(&mut ev, old_now, now);

        // --- take back the old contributions of everything that changes ---
        // An order is re-applied whole when its row changed or an event about it arrived; when "now" only
        // passed one of its deadlines, just its time-dependent counters are. The other pending orders
        // contribute what they did: the work follows the change, not the number of pending orders.
        let mut touched: Vec<u32> = Vec::new();
        for r in &reread {
            touched.extend(self.order_pos(r.id).filter(|&p| self.rows.get(p) != Some(r)).map(|p| p as u32));
        }
        for c in &ev.cancels {
            touched.extend(self.order_pos(c.order).map(|p| p as u32));
        }
        for r in &ev.reviews {
            touched.extend(r.order.and_then(|o| self.order_pos(o)).map(|p| p as u32));
        }
        for d in ev.disputes.iter().chain(&ev.disputes_again) {
            touched.extend(self.order_pos(d.order).map(|p| p as u32));
        }
        touched.sort_unstable();
        touched.dedup();
        if let Some(why) = self.reread_settled(conn, &touched, horizon)? {
            return Ok(Refresh::NeedsReload(why));
        }
        let passed = |t: Option<i64>| t.is_some_and(reached);
        let timed: Vec<u32> = (pending_before.iter().copied())
            .filter(|&p| {
                let Some(t) = self.rows.get(p as usize).map(|r| r.times) else { return false };
                (passed(t.ship_by) || passed(t.promised)) && touched.binary_search(&p).is_err()
            })
            .collect();
        let mut pieces = Pieces::default();
        for &pos in &touched {
            self.order_pieces(pos as usize, old_now, Part::All, &mut pieces);
            if pieces.len() >= CHUNK {
                self.put_all(&pieces, -1);
                pieces.clear();
            }
        }
        self.take_back_events(&ev, old_now, &mut pieces);
        self.put_all(&pieces, -1);
        pieces.clear();

        // --- update the state ---
        self.now = now;
        for r in reread {
            if let Some(pos) = self.order_pos(r.id) {
                self.orders[pos].apply(&r);
                self.rows.hold(pos as u32, r);
            }
        }
        let first_new = self.orders.len();
        if first {
            self.reserve(new_orders.len(), new_items.len());
        }
        self.append_orders(new_orders, new_items);
        for c in &ev.cancels {
            self.cancel_effect(c);
        }
        for r in &ev.reviews {
            self.review_effect(r);
        }
        for d in ev.disputes.iter().chain(&ev.disputes_again) {
            if self.order_pos(d.order).is_some() {
                self.dispute_effect(d, 1);
            }
        }
        self.mark_events(&ev);

        // --- add the new contributions ---
        // The orders whose deadline "now" passed (~37,000 at a 10M commit) are worked out on a second thread
        // while this one works out the touched orders; both only read the ledger until they are added.
        let (touched_pieces, timed_pieces) = std::thread::scope(|scope| {
            let me = &*self;
            let timed_job = |timed: &[u32]| {
                let (mut out, mut scratch) = (Pieces::default(), TimedScratch::default());
                for &pos in timed {
                    me.timed_change(pos as usize, old_now, now, &mut scratch, &mut out);
                }
                out
            };
            let timed = timed.as_slice();
            let other = (timed.len() >= PARALLEL_TIMED).then(|| scope.spawn(move || timed_job(timed)));
            let mut out = Pieces::default();
            for &pos in &touched {
                me.order_pieces(pos as usize, now, Part::All, &mut out);
            }
            let timed_pieces = match other {
                Some(handle) => handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                None => timed_job(timed),
            };
            (out, timed_pieces)
        });
        self.put_all(&touched_pieces, 1);
        self.put_all(&timed_pieces, 1);
        drop((touched_pieces, timed_pieces));
        for pos in first_new..self.orders.len() {
            self.order_pieces(pos, now, Part::All, &mut pieces);
            self.flush_if_big(&mut pieces);
        }
        self.apply_events(ev, now, &mut pieces);
        progress(0.9);

        // --- what stays pending ---
        let touched_n = (touched.len() + timed.len() + self.orders.len() - first_new) as u64;
        let mut pending = pending_before;
        pending.extend(touched.into_iter().chain(first_new as u32..self.orders.len() as u32));
        pending.sort_unstable();
        pending.dedup();
        pending.retain(|&p| self.order_pending(p as usize));
        self.rows.keep(&pending);
        // After the rows of the new orders are let go (`keep`): the lists and the seen set grow here.
        let new_paid = self.customers(first_new);
        self.finish();
        self.shed_columns();
        progress(1.0);
        Ok(Refresh::Applied { new_orders: new_paid, touched: touched_n })
    }

    /// Re-reads the rows of the settled orders among `touched` (their rows are not kept: see `orders`).
    /// `Some(why)` when one is gone or differs from the row applied: the store was edited, not appended to.
    fn reread_settled(&mut self, conn: &Connection, touched: &[u32], horizon: i64) -> Result<Option<String>> {
        let ids: Vec<i64> = touched
            .iter()
            .filter(|&&p| self.rows.get(p as usize).is_none())
            .map(|&p| self.order_ids.id_at(p as usize))
            .collect();
        if ids.is_empty() {
            return Ok(None);
        }
        let again = rows::orders(conn, &self.path, Pick::Ids(&ids), &mut self.quality)?;
        let found: HashSet<i64> = again.iter().map(|r| r.id).collect();
        if let Some(gone) = ids.iter().find(|id| !found.contains(id)) {
            return Ok(Some(format!("order {gone} was deleted")));
        }
        for mut r in again {
            let pos = self.order_pos(r.id);
            let same = self.vet_order(&mut r, horizon, false) && pos.is_some_and(|p| self.orders[p].applied(&r));
            match pos {
                Some(p) if same => self.rows.hold(p as u32, r),
                _ => return Ok(Some(format!("order {} changed after it was final", r.id))),
            }
        }
        Ok(None)
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

    /// What an order's time-dependent counters change by when "now" moves from `old_now` to `now`: the
    /// pieces at `now` less those at `old_now`, summed per target, day and field (sparse: a timed piece has
    /// a few fields; summing whole 480-byte cells per target made this most of a 10M commit's adding), the
    /// zero ones left out.
    fn timed_change(&self, pos: usize, old_now: i64, now: i64, scratch: &mut TimedScratch, out: &mut Pieces) {
        let TimedScratch { pieces, change } = scratch;
        pieces.clear();
        change.clear();
        self.order_pieces(pos, old_now, Part::Timed, pieces);
        let taken = pieces.len();
        self.order_pieces(pos, now, Part::Timed, pieces);
        for (i, (target, day, f)) in pieces.iter().enumerate() {
            let sign = if i < taken { -1 } else { 1 };
            for (&field, &v) in f.at.iter().zip(f.values) {
                match change.iter_mut().find(|(t, d, k, _)| *t == target && *d == day && *k == field) {
                    Some(e) => e.3 += sign * v,
                    None => change.push((target, day, field, sign * v)),
                }
            }
        }
        change.retain(|e| e.3 != 0);
        // One piece per target and day, in the order they first came.
        while let Some(&(t, d, _, _)) = change.first() {
            out.push_fields(t, d, change.iter().filter(|e| e.0 == t && e.1 == d).map(|e| (e.2, e.3)));
            change.retain(|e| !(e.0 == t && e.1 == d));
        }
    }

    /// The distinct products and categories of an order.
    fn targets(&self, pos: usize) -> (Vec<u32>, Vec<u32>) {
        let mut products: Vec<u32> = self.items[self.lines(pos)].iter().map(|i| i.product).collect();
        products.sort_unstable();
        products.dedup();
        let mut cats: Vec<u32> = products.iter().filter_map(|&p| self.model.products[p as usize].category).collect();
        cats.sort_unstable();
        cats.dedup();
        (products, cats)
    }

    /// An order-level fact for the order's seller, products and categories.
    fn for_order(&self, pos: usize, day: Day, c: Counters, out: &mut Pieces) {
        let (products, cats) = self.targets(pos);
        self.for_scopes(self.orders[pos].seller, &products, &cats, day, c, out);
    }

    /// A fact for a seller and the given products and categories.
    fn for_scopes(&self, seller: u32, products: &[u32], cats: &[u32], day: Day, c: Counters, out: &mut Pieces) {
        let targets = std::iter::once(Target::Seller(seller))
            .chain(products.iter().map(|&p| Target::Product(p)))
            .chain(cats.iter().map(|&k| Target::Category(k)));
        out.push_each(targets, day, &c);
    }

    /// A fact for a seller, and for a product and its category when given.
    fn for_product(&self, seller: u32, product: Option<u32>, day: Day, c: Counters, out: &mut Pieces) {
        let category = product.and_then(|p| self.model.products[p as usize].category);
        self.for_scopes(seller, product.as_slice(), category.as_slice(), day, c, out);
    }

    /// What a paid order contributes at a given "now": all of it, or only its time-dependent counters.
    fn order_pieces(&self, pos: usize, now: i64, part: Part, out: &mut Pieces) {
        let (o, ev) = (&self.orders[pos], self.events(pos));
        let Some(r) = self.rows.get(pos) else {
            debug_assert!(false, "order {} is applied without its row", self.order_ids.id_at(pos));
            return;
        };
        let Some(paid_at) = r.times.paid else { return };
        let (products, cats) = self.targets(pos);
        let day = time::day_of(r.placed);
        let sale = !ev.cancelled();
        let mut c = Counters { orders: 1, sales_orders: i64::from(sale), ..Counters::default() };
        c.defect_orders = i64::from(ev.defect());
        c.dispute_orders = i64::from(ev.disputes > 0);
        c.bad_orders = i64::from(ev.bad());
        c.tdr_orders = i64::from(ev.seller_cancels + ev.lost_cases > 0);
        if let Some(cost) = r.ship_cost {
            (c.ship_cost, c.ship_cost_n) = (cost, 1);
        }
        let mut tracked = None;
        if r.seller_fulfilled {
            c.sf_orders = 1;
            c.seller_cancels = i64::from(ev.seller_cancels > 0);
            if let Some(by) = r.times.ship_by {
                if by <= now && ev.buyer_cancels == 0 {
                    c.fulfil_due = 1;
                    c.fulfil_done = i64::from(r.times.confirmed.is_some());
                }
                if let Some(t) = r.times.confirmed {
                    c.shipped = 1;
                    c.shipped_late = i64::from(t > by);
                }
            }
            if let Some(t) = r.times.confirmed {
                c.handling_n = 1;
                c.handling_secs = (t - paid_at).max(0);
                // VTR and OTDR are attributed to the promised delivery date (Amazon), else the ship date.
                let basis = r.times.promised.unwrap_or(t);
                let on_time = matches!((r.times.delivered, r.times.promised), (Some(d), Some(p)) if d <= p && t <= p);
                let due = r.times.promised.is_some_and(|p| p <= now);
                tracked = Some((time::day_of(basis), r.times.scanned.is_some(), due, on_time));
            }
        }
        if let Some(d) = r.times.delivered {
            c.delivery_n = 1;
            c.delivery_secs = (d - r.placed).max(0);
        }
        if part == Part::Timed {
            c = Counters { fulfil_due: c.fulfil_due, fulfil_done: c.fulfil_done, ..Counters::default() };
        }
        if c != Counters::default() {
            self.for_scopes(o.seller, &products, &cats, day, c, out);
        }
        // Money and units per line, the order discount split pro rata (largest remainder, exact to the cent).
        let lines = &self.items[self.lines(pos)];
        if sale && part == Part::All {
            let gross: i64 = lines.iter().map(|l| l.quantity() * l.price).sum();
            let units: i64 = lines.iter().map(|l| l.quantity()).sum();
            let seller_money = Counters {
                gross: if lines.is_empty() { r.items_total } else { gross },
                discount: r.discount,
                units,
                ..Counters::default()
            };
            out.push(Target::Seller(o.seller), day, &seller_money);
            let shares = split_pro_rata(r.discount, &lines.iter().map(|l| l.quantity() * l.price).collect::<Vec<_>>());
            for (l, share) in lines.iter().zip(shares) {
                let money = Counters {
                    gross: l.quantity() * l.price,
                    discount: share,
                    units: l.quantity(),
                    ..Counters::default()
                };
                out.push(Target::Product(l.product), day, &money);
                if let Some(k) = self.model.products[l.product as usize].category {
                    out.push(Target::Category(k), day, &money);
                }
            }
        }
        // Only delivery that is due depends on "now"; the tracking counters do not.
        if let Some((vday, valid, due, on_time)) = tracked
            && (part == Part::All || due)
        {
            let all = i64::from(part == Part::All);
            let mk = |units: i64| Counters {
                vtr_shipped: all,
                vtr_valid: all * i64::from(valid),
                otd_units: if valid && due { units } else { 0 },
                otd_on_time: if valid && due && on_time { units } else { 0 },
                ..Counters::default()
            };
            out.push(Target::Seller(o.seller), vday, &mk(lines.iter().map(|l| l.quantity()).sum()));
            for &p in &products {
                let u = lines.iter().filter(|l| l.product == p).map(|l| l.quantity()).sum();
                out.push(Target::Product(p), vday, &mk(u));
            }
            for k in cats {
                let u = lines
                    .iter()
                    .filter(|l| self.model.products[l.product as usize].category == Some(k))
                    .map(|l| l.quantity())
                    .sum();
                out.push(Target::Category(k), vday, &mk(u));
            }
        }
    }

    fn dispute_pieces(&self, d: &DisputeRow, now: i64, out: &mut Pieces) {
        let Some(pos) = self.order_pos(d.order) else { return };
        let unanswered = match d.responded {
            Some(t) => t - d.opened > DISPUTE_RESPONSE_SECS,
            None => now - d.opened > DISPUTE_RESPONSE_SECS,
        };
        let c = Counters { disputes: 1, disputes_unanswered: i64::from(unanswered), ..Counters::default() };
        self.for_order(pos, time::day_of(d.opened), c, out);
    }

    fn review_pieces(&mut self, r: &ReviewRow, out: &mut Pieces) {
        let order = r.order.map(|o| self.order_pos(o));
        let product = r.product.map(|p| self.product_ix.get(&p).copied());
        let (order, product) = match (order, product) {
            (Some(None), _) => return self.skip("reviews of an unknown order", format!("review {}", r.id)),
            (_, Some(None)) => return self.skip("reviews of an unknown product", format!("review {}", r.id)),
            (None, None) => return self.skip("reviews of neither an order nor a product", format!("review {}", r.id)),
            (o, p) => (o.flatten(), p.flatten()),
        };
        let mut c =
            Counters { ratings: 1, rating_sum: r.rating, image_ratings: i64::from(r.images), ..Counters::default() };
        match r.rating {
            1 => c.star1 = 1,
            2 => c.star2 = 1,
            3 => c.star3 = 1,
            4 => c.star4 = 1,
            _ => c.star5 = 1,
        }
        let [d, m, s] = r.dsr;
        if let Some(v) = d {
            (c.dsr_described_sum, c.dsr_described_n) = (v, 1);
        }
        if let Some(v) = m {
            (c.dsr_communication_sum, c.dsr_communication_n) = (v, 1);
        }
        if let Some(v) = s {
            (c.dsr_shipping_sum, c.dsr_shipping_n) = (v, 1);
        }
        let seller = match (product, order) {
            (Some(p), _) => self.model.products[p as usize].seller,
            (None, Some(o)) => self.orders[o].seller,
            (None, None) => return,
        };
        self.for_product(seller, product, time::day_of(r.created), c, out);
    }

    /// A return's pieces; `sign` also keeps the product's return reasons.
    fn return_pieces(&mut self, r: &ReturnRow, now: i64, sign: i64, out: &mut Pieces) {
        let Some(item_pos) = self.item_ids.find(r.item) else {
            if sign > 0 {
                self.skip("returns of an unknown order item", format!("return {} (order item {})", r.id, r.item));
            }
            return;
        };
        let item = self.items[item_pos];
        let at = self.order_of_item(item_pos);
        let order = &self.orders[at];
        let (seller, placed) = (order.seller, order.placed);
        let sale = order.paid() && !self.events(at).cancelled();
        let product = Some(item.product);
        // A return counts at most the units and the value of its line.
        let units = r.quantity.clamp(0, item.quantity());
        let refunded = r.refunded.unwrap_or(0).clamp(0, item.quantity() * item.price);
        if sale && (units > 0 || refunded > 0) {
            let c = Counters { returned_units: units, refunded_sales: refunded, ..Counters::default() };
            self.for_product(seller, product, time::day_of(placed), c, out);
        }
        let late = match r.responded {
            Some(t) => t - r.requested > RETURN_RESPONSE_SECS,
            None => now - r.requested > RETURN_RESPONSE_SECS,
        };
        let c = Counters {
            return_requests: 1,
            return_negative: i64::from(late || r.status == "rejected"),
            ..Counters::default()
        };
        self.for_product(seller, product, time::day_of(r.requested), c, out);
        if let (Some(amount), Some(at)) = (r.refunded, r.refunded_at) {
            let c = Counters { refunds: amount, refund_n: 1, ..Counters::default() };
            self.for_product(seller, product, time::day_of(at), c, out);
        }
        let reasons = &mut self.model.return_reasons[item.product as usize];
        match reasons.iter_mut().find(|(name, _)| *name == r.reason) {
            Some((_, n)) => *n += sign * r.quantity,
            None => reasons.push((r.reason.clone(), sign * r.quantity)),
        }
    }

    fn message_pieces(&mut self, m: &MessageRow, now: i64, out: &mut Pieces) {
        let Some(&seller) = self.seller_ix.get(&m.seller) else {
            return self.skip("messages to an unknown seller", format!("message {}", m.id));
        };
        let mut c = Counters::default();
        // A message is due once answered or 24 hours old; younger unanswered ones are not late yet.
        let due = m.replied.is_some() || now - m.received > REPLY_SECS;
        if m.needs_reply && due {
            c.messages = 1;
            if let Some(t) = m.replied {
                c.replies = 1;
                c.reply_secs = (t - m.received).max(0);
                c.messages_24h = i64::from(t - m.received <= REPLY_SECS);
            }
        }
        if m.inquiry {
            c.inquiries = 1;
            c.inquiries_won = i64::from(m.led_to_order);
        }
        out.push(Target::Seller(seller), time::day_of(m.received), &c);
    }

    /// The seller and day of a day-grain row, or None (counted) when either cannot be used.
    fn seller_day(&mut self, seller: i64, day: &str, what: &'static str, id: i64) -> Option<(u32, Day)> {
        let traffic = what == "traffic";
        let Some(&s) = self.seller_ix.get(&seller) else {
            let why = if traffic { "traffic of an unknown seller" } else { "marketing spend of an unknown seller" };
            self.skip(why, format!("{what} row {id} (seller {seller})"));
            return None;
        };
        let Some(d) = time::parse_day(day) else {
            let col = if traffic { "bad_value:traffic_daily.day" } else { "bad_value:marketing_spend.day" };
            self.quality.note(col, || format!("{what} row {id}: day {day:?}"));
            return None;
        };
        Some((s, d))
    }

    fn daily_pieces(&mut self, traffic: &[rows::TrafficRow], spend: &[rows::SpendRow], out: &mut Pieces) {
        for t in traffic {
            self.marks.traffic = self.marks.traffic.max(t.id);
            let Some((seller, day)) = self.seller_day(t.seller, &t.day, "traffic", t.id) else { continue };
            let c = Counters {
                traffic_days: 1,
                page_views: t.page_views,
                visitors: t.visitors,
                add_to_cart: t.add_to_cart,
                checkouts: t.checkouts,
                ..Counters::default()
            };
            // Storefront rows feed the seller; product rows feed the product and its category.
            match t.product.map(|p| self.product_ix.get(&p).copied()) {
                None => out.push(Target::Seller(seller), day, &c),
                Some(None) => self.skip("traffic of an unknown product", format!("traffic row {}", t.id)),
                Some(Some(p)) => {
                    out.push(Target::Product(p), day, &c);
                    if let Some(k) = self.model.products[p as usize].category {
                        out.push(Target::Category(k), day, &c);
                    }
                }
            }
        }
        for s in spend {
            self.marks.spend = self.marks.spend.max(s.id);
            let Some((seller, day)) = self.seller_day(s.seller, &s.day, "marketing spend", s.id) else { continue };
            out.push(
                Target::Seller(seller),
                day,
                &Counters { spend_days: 1, ad_spend: s.amount, ..Counters::default() },
            );
        }
    }

    /// Adds pieces once there are many, so that a first load never holds them all at once; and lets go of
    /// the per-order columns' pages read for them (a load's returns and disputes read the columns at
    /// random: ~280 MB of their pages at 10M orders, held at once).
    fn flush_if_big(&mut self, pieces: &mut Pieces) {
        if pieces.len() >= CHUNK {
            self.put_all(pieces, 1);
            pieces.clear();
            self.shed_columns();
        }
    }

    /// Adds (sign 1) or takes back (sign −1) pieces; a seller's pieces also go to the store.
    fn put_all(&mut self, pieces: &Pieces, sign: i64) {
        for (target, day, f) in pieces.iter() {
            let m = &mut self.model;
            match target {
                Target::Seller(s) => {
                    f.add_to(Arc::make_mut(&mut m.seller_days[s as usize]).cell(day), sign);
                    f.add_to(m.store_days.cell(day), sign);
                }
                Target::Product(p) => Arc::make_mut(&mut m.product_days[p as usize]).add(day, f.at, f.values, sign),
                Target::Category(k) => f.add_to(Arc::make_mut(&mut m.category_days[k as usize]).cell(day), sign),
            }
        }
    }

    /// Adds the new paid orders to the customer lists, in day order; returns how many there were. The
    /// entries are pushed unmarked, then each list that grew marks its customers' first orders in one pass
    /// (`CustomerList::mark_firsts`) against the customers it had. The product lists grow on a second
    /// thread, the store's, sellers' and categories' on this one (they share nothing).
    ///
    /// Orders of one day go in position order: a list counts customers by day, so which of a customer's
    /// orders of a day is marked first changes no count. A store whose orders come in day order (ids given
    /// as they were placed) is so walked straight along its columns, once, with no sort (sorting positions
    /// by time read the orders' column at random, all of it resident at once).
    fn customers(&mut self, first_new: usize) -> u64 {
        // positions as u32: at a first load this holds every paid order (40 MB at 10M orders)
        let mut new: Vec<u32> = Vec::new();
        let (mut in_order, mut last_day) = (true, Day::MIN);
        for (pos, o) in (first_new..).zip(self.orders.walk_from(first_new)) {
            if o.paid() {
                self.last_placed = self.last_placed.max(o.placed);
                let day = time::day_of(o.placed);
                in_order &= day >= last_day;
                last_day = day;
                if o.customer != NO_CUSTOMER {
                    new.push(pos as u32);
                }
            }
        }
        if !in_order {
            new.sort_by_key(|&p| time::day_of(self.orders[p as usize].placed));
        }
        let m = &mut self.model;
        let mut store = (std::mem::take(&mut m.store_customers), std::mem::take(&mut self.seen_store));
        let mut sellers = (std::mem::take(&mut m.seller_customers), std::mem::take(&mut self.seen_sellers));
        let mut cats = (std::mem::take(&mut m.category_customers), std::mem::take(&mut self.seen_categories));
        let mut products = (std::mem::take(&mut m.product_customers), std::mem::take(&mut self.seen_products));
        let this = &*self;
        std::thread::scope(|s| {
            s.spawn(|| this.grow_lists(&new, &mut products, |pos| this.targets(pos).0));
            let start = store.0.len();
            for (i, &pos) in new.iter().enumerate() {
                let o = &this.orders[pos as usize];
                store.0.push(time::day_of(o.placed), o.customer, false);
                if i.is_multiple_of(column::SHED) {
                    this.shed_columns();
                }
            }
            store.1.mark_grown(&mut store.0, start);
            this.grow_lists(&new, &mut sellers, |pos| vec![this.orders[pos].seller]);
            this.grow_lists(&new, &mut cats, |pos| this.targets(pos).1);
        });
        let m = &mut self.model;
        (m.store_customers, self.seen_store) = store;
        (m.seller_customers, self.seen_sellers) = sellers;
        (m.category_customers, self.seen_categories) = cats;
        (m.product_customers, self.seen_products) = products;
        new.len() as u64
    }

    /// Pushes the orders at `new` (in time order, all with a customer) onto the lists of their scopes
    /// (`scopes`) and marks the first orders of each list that grew against its customers seen (`lists.1`).
    fn grow_lists(
        &self,
        new: &[u32],
        lists: &mut (Vec<Arc<CustomerList>>, Vec<Seen>),
        scopes: impl Fn(usize) -> Vec<u32>,
    ) {
        let (lists, seen) = lists;
        let before: Vec<usize> = lists.iter().map(|l| l.len()).collect();
        for (i, &pos) in new.iter().enumerate() {
            let o = &self.orders[pos as usize];
            let day = time::day_of(o.placed);
            for k in scopes(pos as usize) {
                Arc::make_mut(&mut lists[k as usize]).push(day, o.customer, false);
            }
            if i.is_multiple_of(column::SHED) {
                self.shed_columns();
            }
        }
        self.shed_columns();
        seen.resize_with(lists.len(), Seen::default);
        for ((list, start), known) in lists.iter_mut().zip(before).zip(seen.iter_mut()) {
            // Only a list that grew is made unique: the others stay shared with the model on screen.
            if list.len() > start {
                known.mark_grown(Arc::make_mut(list), start);
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

/// Re-read pending rows split into those to re-apply (not held, changed from the held row, or at their
/// time limit by the held row) and those that contribute what they did.
fn to_redo<T: PartialEq>(
    rows: Vec<T>,
    held: &HashMap<i64, T>,
    id: impl Fn(&T) -> i64,
    at_limit: impl Fn(&T) -> bool,
) -> (Vec<T>, Vec<T>) {
    rows.into_iter().partition(|r| held.get(&id(r)).is_none_or(|old| old != r || at_limit(old)))
}

/// Splits `total` over parts proportionally to `weights`, exactly (largest remainder).
pub fn split_pro_rata(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i64 = weights.iter().sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if sum <= 0 {
        let mut out = vec![0; weights.len()];
        out[0] = total;
        return out;
    }
    let mut out: Vec<i64> =
        weights.iter().map(|w| (i128::from(total) * i128::from(*w) / i128::from(sum)) as i64).collect();
    let mut rest = total - out.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((i128::from(total) * i128::from(weights[i]) % i128::from(sum)).abs()));
    let step = rest.signum();
    for &i in order.iter().cycle() {
        if rest == 0 {
            break;
        }
        out[i] += step;
        rest -= step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::split_pro_rata;

    #[test]
    fn pro_rata_is_exact() {
        assert_eq!(split_pro_rata(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(split_pro_rata(1000, &[2500, 7500]), vec![250, 750]);
        assert_eq!(split_pro_rata(7, &[0, 0]), vec![7, 0]);
        for (t, w) in [(999, vec![3, 7, 11]), (-50, vec![1, 2]), (1, vec![5, 5, 5, 5])] {
            assert_eq!(split_pro_rata(t, &w).iter().sum::<i64>(), t);
        }
    }
}

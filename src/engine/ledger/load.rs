//! A first load, streamed: the events first, then the orders and their items a slice of ids at a time, each
//! slice applied and its settled rows let go before the next is read. Read whole, a 10M-order store's order
//! and item rows (~2.3 GB) were all held until every order was applied; a slice holds ~25 MB.
//!
//! An order's pieces depend on its events (read first, applied to the order's entry when its slice lands)
//! and on "now": each slice is applied at the latest time seen so far (the events' latest, then each
//! slice's orders), and when a later slice moves "now" past the deadline of an order still held pending,
//! only that order's time-dependent counters are re-applied, as a refresh does. A store whose items are not
//! grouped by order in id order (some imports) is read whole instead.

use std::path::Path;

use rusqlite::Connection;

use super::pieces::Pieces;
use super::{CustomerIx, IdRuns, Ledger, Marks, Part, Refresh, TimedScratch, orders_now};
use crate::engine::model::Model;
use crate::engine::quality::Quality;
use crate::engine::rows::{self, ItemRow, Pick, ReviewRow};
use crate::error::{Result, SqlContext};
use crate::time::{self, SECS_PER_DAY};

/// Order ids read per slice (~25 MB of rows at a time).
const SLICE: i64 = 1 << 17;
/// Items read per statement.
const PAGE: usize = 1 << 16;
/// At most this many orders are reserved for from the id extent (beyond it, the vectors grow).
const RESERVE_MAX: i64 = 1 << 25;

/// Reviews per run (~7 MB of them at a time).
const RUN: usize = 1 << 16;

/// The reviews, in runs of `RUN` as read (in id order, so roughly in time order), each sorted by order. The
/// walk along the slices takes from each run the reviews of the orders landed, and lets a run go once it is
/// taken whole: a review follows its order by days, so its run goes a few slices later. Held whole, the
/// reviews of a 10M-order store (~480 MB) stayed until every order was applied.
struct Runs {
    runs: Vec<(usize, Vec<Held>)>,
}

/// A vetted review as a run holds it: 40 bytes, where a `ReviewRow` takes 120 (the runs of a 10M-order
/// store's 4.25M reviews took 0.5 GB, and left as many holes in the heap when let go).
#[derive(Debug, Clone, Copy)]
struct Held {
    id: i64,
    /// `NO_ORDER` for none (sorts first, as `None` does)
    order: i64,
    /// `NO_ORDER` for none
    product: i64,
    created: i64,
    rating: u8,
    /// 0 for none
    dsr: [u8; 3],
    seller_feedback: bool,
    images: bool,
}

const NO_ORDER: i64 = i64::MIN;

impl Held {
    /// `r`'s fields (vetted: its ratings are 1–5).
    fn of(r: &ReviewRow) -> Held {
        let small = |v: i64| u8::try_from(v).unwrap_or(u8::MAX);
        debug_assert!(r.order != Some(NO_ORDER) && r.product != Some(NO_ORDER));
        Held {
            id: r.id,
            order: r.order.unwrap_or(NO_ORDER),
            product: r.product.unwrap_or(NO_ORDER),
            created: r.created,
            rating: small(r.rating),
            dsr: r.dsr.map(|d| d.map_or(0, small)),
            seller_feedback: r.seller_feedback,
            images: r.images,
        }
    }

    fn row(&self) -> ReviewRow {
        let id = |v: i64| (v != NO_ORDER).then_some(v);
        ReviewRow {
            id: self.id,
            order: id(self.order),
            product: id(self.product),
            seller_feedback: self.seller_feedback,
            rating: i64::from(self.rating),
            dsr: self.dsr.map(|d| (d != 0).then_some(i64::from(d))),
            images: self.images,
            created: self.created,
        }
    }
}

impl Runs {
    /// The store's reviews above the watermark, read `RUN` ids at a time, vetted, each run held as `Held`
    /// (read whole as rows first, the reviews of a 10M-order store, ~0.5 GB, were a load's peak); with
    /// the latest time among them ("now"'s share). Moves the watermark, the first day and what the store
    /// records, as the other events do.
    /// `progress` gets the share of the reviews' ids read (0..1).
    fn read(l: &mut Ledger, conn: &Connection, horizon: i64, progress: &mut dyn FnMut(f64)) -> Result<(Runs, i64)> {
        let path = l.path.clone();
        let [(lo, hi)] = id_extents(conn, &path, ["reviews"])?;
        let (mut runs, mut now, mut first) = (Vec::new(), i64::MIN, i64::MAX);
        let mut slices = Slices { table: "reviews", from: l.marks.reviews.max(lo - 1), hi, step: RUN as i64 };
        while let Some((from, to)) = slices.next() {
            let mut page = rows::reviews(conn, &path, Pick::Slice(from, to), &mut l.quality)?;
            let empty = page.is_empty();
            page.retain_mut(|r| l.vet_review(r, horizon));
            for r in &page {
                (now, first) = (now.max(r.created), first.min(r.created));
                l.marks.reviews = l.marks.reviews.max(r.id);
            }
            l.model.recorded.reviews |= !page.is_empty();
            let mut run: Vec<Held> = page.iter().map(Held::of).collect();
            run.sort_by_key(|r| r.order);
            if !run.is_empty() {
                runs.push((0, run));
            }
            slices.passed(conn, &path, to, empty)?;
            progress(share(slices.from, lo, hi));
        }
        l.first_ts = l.first_ts.min(first);
        Ok((Runs { runs }, now))
    }

    /// Hands over the reviews of the orders up to `to` (reviews of no order first), or all that are left.
    fn take(&mut self, to: Option<i64>, mut f: impl FnMut(&ReviewRow)) {
        for (at, run) in &mut self.runs {
            while let Some(r) = run.get(*at).filter(|r| to.is_none_or(|to| r.order <= to)) {
                f(&r.row());
                *at += 1;
            }
            if *at == run.len() && run.capacity() > 0 {
                *run = Vec::new();
            }
        }
        self.runs.retain(|(_, run)| run.capacity() > 0);
    }
}

/// The items after a watermark up to the last one there was when the load began, a page at a time.
struct Pages {
    mark: i64,
    to: i64,
    done: bool,
}

impl Pages {
    /// The next page (empty once the last is read), or `None` after it.
    fn next(&mut self, conn: &Connection, path: &Path, q: &mut Quality) -> Result<Option<Vec<ItemRow>>> {
        if self.done {
            return Ok(None);
        }
        let (page, last) = rows::items_page(conn, path, (self.mark, self.to), PAGE, q)?;
        (self.done, self.mark) = (last == self.mark, last);
        Ok(Some(page))
    }
}

/// Whether a streamed load got through.
enum Streamed {
    Done,
    /// items are not grouped by order in id order: read whole instead
    Unsorted,
}

impl Ledger {
    pub(super) fn empty(path: &Path) -> Ledger {
        let mut item_start = Ledger::column();
        item_start.push(0);
        Ledger {
            path: path.to_path_buf(),
            model: Model::default(),
            seller_ix: Default::default(),
            product_ix: Default::default(),
            category_ix: Default::default(),
            customer_ix: Default::default(),
            orders: Ledger::column(),
            order_ids: IdRuns::default(),
            order_events: Default::default(),
            rows: Default::default(),
            item_start,
            items: Ledger::column(),
            item_ids: IdRuns::default(),
            pending_disputes: Default::default(),
            pending_returns: Default::default(),
            pending_messages: Default::default(),
            dispute_fact: Default::default(),
            marks: Marks::default(),
            seen_store: Default::default(),
            seen_sellers: Vec::new(),
            seen_categories: Vec::new(),
            seen_products: Vec::new(),
            last_placed: i64::MIN,
            now: i64::MIN,
            first_ts: i64::MAX,
            quality: Quality::default(),
        }
    }

    /// Loads a store; `progress` gets the share done (0..1).
    pub fn load(conn: &Connection, path: &Path, progress: &mut dyn FnMut(f64)) -> Result<Ledger> {
        Ledger::load_sliced(conn, path, Some(SLICE), progress)
    }

    /// `load` with slices of `slice` order ids, or (`None`) reading every table whole, as a load did before
    /// slices and still does when items are not grouped by order: for tests and measurements.
    pub fn load_sliced(
        conn: &Connection,
        path: &Path,
        slice: Option<i64>,
        progress: &mut dyn FnMut(f64),
    ) -> Result<Ledger> {
        let mut l = Ledger::started(conn, path)?;
        progress(0.02);
        let streamed = match slice {
            Some(slice) => matches!(l.stream(conn, slice.max(1), progress)?, Streamed::Done),
            None => false,
        };
        if !streamed {
            if slice.is_some() {
                tracing::info!("{}: items are not grouped by order; reading them whole", path.display());
                l = Ledger::started(conn, path)?;
            }
            // A first load starts from nothing, so it never needs to start again.
            if let Refresh::NeedsReload(why) = l.refresh_with(conn, progress)? {
                return Err(crate::Error::usage(format!("{}: {why}", path.display())));
            }
        }
        // The rows read and let go stay with the allocator otherwise (~180 MB at 10M orders).
        crate::memory::trim();
        l.shed_columns();
        Ok(l)
    }

    /// An empty ledger with the store's sellers, products and categories, and room for its customers.
    fn started(conn: &Connection, path: &Path) -> Result<Ledger> {
        let mut l = Ledger::empty(path);
        l.dimensions(conn)?;
        l.customer_ix = customer_room(conn);
        Ok(l)
    }

    #[allow(clippy::too_many_lines)]
    fn stream(&mut self, conn: &Connection, slice: i64, progress: &mut dyn FnMut(f64)) -> Result<Streamed> {
        let path = self.path.clone();
        let path = path.as_path();
        // Times after tomorrow have not happened yet: they never move "now" (see `quality`).
        let horizon = time::wall_clock() + SECS_PER_DAY;
        let mut ev = self.read_events(conn, false)?;
        self.vet_events(&mut ev, horizon);
        self.now = self.event_times(&ev);
        progress(0.05);
        // The reviews (4.26M at 10M orders, several seconds) move the bar on to 0.15.
        let (mut reviews, reviews_now) =
            Runs::read(self, conn, horizon, &mut |f| progress((0.05 + 0.1 * f).min(0.15)))?;
        self.now = self.now.max(reviews_now);
        progress(0.15);
        // The orders and items as they are now, in one statement (one state of the store): rows another
        // program commits during the load are above these and the next refresh takes them. Read up to
        // whatever was there, a commit's new items came before their orders and were left out as items of
        // no order, and the refresh then added the orders without them.
        let [(lo, hi), (items_lo, items_hi)] = id_extents(conn, path, ["orders", "order_items"])?;
        let room = |lo: i64, hi: i64| usize::try_from((hi - lo + 1).clamp(0, RESERVE_MAX)).unwrap_or(0);
        self.reserve(room(lo, hi), room(items_lo, items_hi));

        // What each event says about its order is put on the order's entry when the order's slice lands:
        // the events by order id, walked along.
        let by_order = |keys: Vec<(i64, u32)>| {
            let mut keys = keys;
            keys.sort_unstable();
            keys.into_iter().peekable()
        };
        let mut cancels = by_order(ev.cancels.iter().zip(0..).map(|(c, i)| (c.order, i)).collect());
        let mut disputes = by_order(ev.disputes.iter().zip(0..).map(|(d, i)| (d.order, i)).collect());

        let (mut buffer, mut pages, mut last_order) =
            (Vec::<ItemRow>::new(), Pages { mark: self.marks.items, to: items_hi, done: false }, i64::MIN);
        let (mut pieces, mut scratch) = (Pieces::default(), TimedScratch::default());
        let mut slices = Slices { table: "orders", from: lo - 1, hi, step: slice };
        while let Some((from, to)) = slices.next() {
            let mut orders = rows::orders(conn, path, Pick::Slice(from, to), &mut self.quality)?;
            let empty = orders.is_empty();
            // The items of the orders up to `to`: pages until one goes past it.
            while buffer.last().is_none_or(|i| i.order <= to) {
                let Some(page) = pages.next(conn, path, &mut self.quality)? else { break };
                for i in &page {
                    if i.order < last_order {
                        return Ok(Streamed::Unsorted);
                    }
                    last_order = i.order;
                }
                buffer.extend(page);
            }
            let mut items: Vec<ItemRow> = buffer.drain(..buffer.partition_point(|i| i.order <= to)).collect();
            self.vet_new(&mut orders, &mut items, horizon);
            self.record_order_kinds(orders.iter());
            if let Some(t) = orders.iter().map(|o| o.placed).min() {
                self.first_ts = self.first_ts.min(t);
            }

            // "now" moves on: the orders held pending whose deadline it passed change their timed counters.
            let (old_now, now) = (self.now, self.now.max(orders_now(orders.iter())));
            let pending_before = self.rows.pending();
            if now > old_now {
                let passed = |t: Option<i64>| t.is_some_and(|t| old_now <= t && t <= now);
                for &pos in &pending_before {
                    let Some(t) = self.rows.get(pos as usize).map(|r| r.times) else { continue };
                    if passed(t.ship_by) || passed(t.promised) {
                        self.timed_change(pos as usize, old_now, now, &mut scratch, &mut pieces);
                    }
                }
                self.put_all(&pieces, 1);
                pieces.clear();
            }
            self.now = now;

            let first_new = self.orders.len();
            self.append_orders(orders, items);
            while let Some((_, i)) = cancels.next_if(|k| k.0 <= to) {
                self.cancel_effect(&ev.cancels[i as usize]);
            }
            reviews.take(Some(to), |r| {
                self.review_effect(r);
                self.review_pieces(r, &mut pieces);
            });
            while let Some((order, i)) = disputes.next_if(|k| k.0 <= to) {
                if self.order_pos(order).is_some() {
                    self.dispute_effect(&ev.disputes[i as usize], 1);
                }
            }
            for pos in first_new..self.orders.len() {
                self.order_pieces(pos, now, Part::All, &mut pieces);
                self.flush_if_big(&mut pieces);
            }
            self.put_all(&pieces, 1);
            pieces.clear();
            let mut pending = pending_before;
            pending.extend(first_new as u32..self.orders.len() as u32);
            pending.retain(|&p| self.order_pending(p as usize));
            self.rows.keep(&pending);
            self.release_tails(false);
            self.shed_columns();
            progress(0.15 + 0.65 * share(to, lo, hi));
            slices.passed(conn, path, to, empty)?;
        }
        // Items of orders not in the store, and events about them: counted and left out, as a whole read does.
        self.append_orders(Vec::new(), buffer);
        while let Some(page) = pages.next(conn, path, &mut self.quality)? {
            self.append_orders(Vec::new(), page);
        }
        for (_, i) in cancels {
            self.cancel_effect(&ev.cancels[i as usize]);
        }
        reviews.take(None, |r| {
            self.review_effect(r);
            self.review_pieces(r, &mut pieces);
        });
        self.mark_events(&ev);
        if self.now == i64::MIN {
            self.now = 0;
        }
        let now = self.now;
        // The event rows go before the customer lists grow.
        self.apply_events(ev, now, &mut pieces);
        progress(0.93);
        self.release_tails(true);
        self.customers(0);
        self.finish();
        progress(1.0);
        Ok(Streamed::Done)
    }
}

/// How far through the ids `lo..=hi` the id `at` is (0..1), in floating point: ids far apart overflow an
/// `i64` difference.
fn share(at: i64, lo: i64, hi: i64) -> f64 {
    ((at as f64 - lo as f64 + 1.0) / (hi as f64 - lo as f64 + 1.0)).clamp(0.0, 1.0)
}

/// A table's ids after `from` up to `hi`, in slices of `step`: `(from, to]` each.
struct Slices<'a> {
    table: &'a str,
    from: i64,
    hi: i64,
    step: i64,
}

impl Slices<'_> {
    /// The next slice, or `None` past the last id.
    fn next(&self) -> Option<(i64, i64)> {
        (self.from < self.hi).then(|| (self.from, self.from.saturating_add(self.step).min(self.hi)))
    }

    /// Moves on after the slice that ended at `to`: to `to`, or, after a slice with no rows (`empty`), to just
    /// before the next id there is. Ids need not be dense: a store with ids 1 and 2^63 - 1 made 2^46 slices
    /// of nothing, and its load never finished (found by `tests/faults_fuzz.rs`).
    fn passed(&mut self, conn: &Connection, path: &Path, to: i64, empty: bool) -> Result<()> {
        self.from = if empty {
            let sql = format!("SELECT min(id) FROM {} WHERE id > ?1", self.table);
            let next: Option<i64> = conn.query_row(&sql, [to], |r| r.get(0)).at(path)?;
            next.map_or(self.hi, |n| (n - 1).clamp(to, self.hi))
        } else {
            to
        };
        Ok(())
    }
}

/// The lowest and highest id of each of `tables` (0 and -1 for an empty one), read in one statement: one
/// state of the store for all of them.
fn id_extents<const N: usize>(conn: &Connection, path: &Path, tables: [&str; N]) -> Result<[(i64, i64); N]> {
    let cols: Vec<String> =
        tables.iter().map(|t| format!("(SELECT min(id) FROM {t}), (SELECT max(id) FROM {t})")).collect();
    let sql = format!("SELECT {}", cols.join(", "));
    conn.query_row(&sql, [], |r| {
        let mut out = [(0, -1); N];
        for (i, e) in out.iter_mut().enumerate() {
            *e = (r.get::<_, Option<i64>>(2 * i)?.unwrap_or(0), r.get::<_, Option<i64>>(2 * i + 1)?.unwrap_or(-1));
        }
        Ok(out)
    })
    .at(path)
}

/// A customer index with an array for the `customers` table's row ids (none without that table).
fn customer_room(conn: &Connection) -> CustomerIx {
    let top = |table: &str| {
        conn.query_row(&format!("SELECT max(id) FROM {table}"), [], |r| r.get::<_, Option<i64>>(0)).ok().flatten()
    };
    CustomerIx::with_room(top("customers"), top("orders").unwrap_or(0))
}

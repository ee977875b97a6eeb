//! A refresh: what was committed since the ledger's state read in one transaction (new rows above each
//! table's watermark, pending rows again), the change worked out (what to take back, what to add, which
//! deadlines "now" passed), and the ledger brought up to date, or told that it cannot follow (see
//! `Refresh::NeedsReload`).

use rusqlite::Connection;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::pieces::Pieces;
use super::{CHUNK, Ledger, PARALLEL_TIMED, Part, Refresh, TimedScratch, orders_now};
use crate::engine::rows::{self, Pick};
use crate::error::{Result, SqlContext};
use crate::time::{self, SECS_PER_DAY};

impl Ledger {
    /// The body of a load or refresh, once the dimensions are known.
    #[allow(clippy::too_many_lines)]
    pub(super) fn refresh_with(&mut self, conn: &Connection, progress: &mut dyn FnMut(f64)) -> Result<Refresh> {
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
}

/// Re-read pending rows split into those to re-apply (not held, changed from the held row, or at their
/// time limit by the held row) and those that contribute what they did.
pub(super) fn to_redo<T: PartialEq>(
    rows: Vec<T>,
    held: &HashMap<i64, T>,
    id: impl Fn(&T) -> i64,
    at_limit: impl Fn(&T) -> bool,
) -> (Vec<T>, Vec<T>) {
    rows.into_iter().partition(|r| held.get(&id(r)).is_none_or(|old| old != r || at_limit(old)))
}

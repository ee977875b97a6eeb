//! The events a load or refresh reads beside the orders (cancellations, disputes, reviews, returns,
//! messages, daily traffic and spend, stock), and what the ledger does with them: which kinds of record
//! exist, where they move "now" and the first day, what they say about their orders, what they add to
//! the day cells, and which of them stay pending. A refresh and the first load's streaming read share
//! these steps; they differ only in when the orders are there.

use rusqlite::Connection;

use super::contrib::activity_day;
use super::pieces::Pieces;
use super::refresh::to_redo;
use super::{DISPUTE_RESPONSE_SECS, Ledger, REPLY_SECS, RETURN_RESPONSE_SECS, max_ts};
use crate::engine::model::Stock;
use crate::engine::rows::{
    self, CancelRow, DisputeRow, MessageRow, Pick, ReturnRow, ReviewRow, SpendRow, StockRow, TrafficRow,
};
use crate::error::Result;
use crate::time;

/// Event rows read by one load or refresh.
#[derive(Default)]
pub(super) struct EventRows {
    /// rows above each table's watermark
    pub cancels: Vec<CancelRow>,
    pub disputes: Vec<DisputeRow>,
    pub reviews: Vec<ReviewRow>,
    pub returns: Vec<ReturnRow>,
    pub messages: Vec<MessageRow>,
    pub traffic: Vec<TrafficRow>,
    pub spend: Vec<SpendRow>,
    pub stock: Vec<StockRow>,
    /// pending rows read again: after `split_again`, those that changed or reached their time limit
    pub disputes_again: Vec<DisputeRow>,
    pub returns_again: Vec<ReturnRow>,
    pub messages_again: Vec<MessageRow>,
    /// pending rows read again that contribute what they did (`split_again`)
    pub disputes_same: Vec<DisputeRow>,
    pub returns_same: Vec<ReturnRow>,
    pub messages_same: Vec<MessageRow>,
}

impl Ledger {
    /// Reads the events above the watermarks and the pending ones again; the reviews too unless a first
    /// load reads them itself (a run at a time).
    pub(super) fn read_events(&mut self, conn: &Connection, with_reviews: bool) -> Result<EventRows> {
        let (path, m, q) = (self.path.as_path(), self.marks, &mut self.quality);
        let sorted = |mut ids: Vec<i64>| {
            ids.sort_unstable();
            ids
        };
        let dispute_ids = sorted(self.pending_disputes.keys().copied().collect());
        let return_ids = sorted(self.pending_returns.keys().copied().collect());
        let message_ids = sorted(self.pending_messages.keys().copied().collect());
        Ok(EventRows {
            cancels: rows::cancellations(conn, path, Pick::After(m.cancellations), q)?,
            disputes: rows::disputes(conn, path, Pick::After(m.disputes), q)?,
            disputes_again: rows::disputes(conn, path, Pick::Ids(&dispute_ids), q)?,
            reviews: if with_reviews { rows::reviews(conn, path, Pick::After(m.reviews), q)? } else { Vec::new() },
            returns: rows::returns(conn, path, Pick::After(m.returns), q)?,
            returns_again: rows::returns(conn, path, Pick::Ids(&return_ids), q)?,
            messages: rows::messages(conn, path, Pick::After(m.messages), q)?,
            messages_again: rows::messages(conn, path, Pick::Ids(&message_ids), q)?,
            traffic: rows::traffic(conn, path, Pick::After(m.traffic), q)?,
            spend: rows::spend(conn, path, Pick::After(m.spend), q)?,
            stock: rows::stock(conn, path, q)?,
            ..EventRows::default()
        })
    }

    /// Leaves out the reviews that cannot count (see `vet_review`) and notes which kinds of record exist.
    pub(super) fn vet_events(&mut self, ev: &mut EventRows, horizon: i64) {
        ev.reviews.retain_mut(|r| self.vet_review(r, horizon));
        let rec = &mut self.model.recorded;
        rec.cancellations |= !ev.cancels.is_empty();
        rec.disputes |= !ev.disputes.is_empty();
        rec.reviews |= !ev.reviews.is_empty();
        rec.returns |= !ev.returns.is_empty();
        rec.messages |= !ev.messages.is_empty();
    }

    /// Moves `first_ts` back to the earliest event; returns the latest time of any event (`now`'s share).
    pub(super) fn event_times(&mut self, ev: &EventRows) -> i64 {
        let mut now = i64::MIN;
        for c in &ev.cancels {
            now = now.max(c.at);
        }
        for d in ev.disputes.iter().chain(&ev.disputes_again) {
            now = now.max(max_ts(&[Some(d.opened), d.responded, d.closed]));
        }
        for r in &ev.reviews {
            now = now.max(r.created);
        }
        for r in ev.returns.iter().chain(&ev.returns_again) {
            now = now.max(max_ts(&[Some(r.requested), r.responded, r.refunded_at]));
        }
        for m in ev.messages.iter().chain(&ev.messages_again) {
            now = now.max(max_ts(&[Some(m.received), m.replied]));
        }
        // The first day of data: the earliest activity of any kind (as "now" is the latest). Traffic and
        // spend days count as their rows do (`seller_day`): from 1970 to tomorrow.
        let day = |d: &str| activity_day(d).ok().map(time::day_start);
        let earliest = [
            ev.reviews.iter().map(|r| r.created).min(),
            ev.returns.iter().map(|r| r.requested).min(),
            ev.messages.iter().map(|m| m.received).min(),
            ev.disputes.iter().map(|d| d.opened).min(),
            ev.traffic.iter().filter_map(|t| day(&t.day)).min(),
            ev.spend.iter().filter_map(|t| day(&t.day)).min(),
        ];
        if let Some(t) = earliest.into_iter().flatten().min() {
            self.first_ts = self.first_ts.min(t);
        }
        now
    }

    /// Splits the pending events read again into those to re-apply (changed, or at their time limit as
    /// "now" moves from `old_now` to `now`) and those that contribute what they did.
    pub(super) fn split_again(&self, ev: &mut EventRows, old_now: i64, now: i64) {
        // "now" reached a time limit `t` (inclusive both ends: re-applying one more is harmless).
        let reached = |t: i64| old_now <= t && t <= now;
        let again = std::mem::take(&mut ev.disputes_again);
        (ev.disputes_again, ev.disputes_same) =
            to_redo(again, &self.pending_disputes, |d| d.id, |d| reached(d.opened + DISPUTE_RESPONSE_SECS));
        let again = std::mem::take(&mut ev.returns_again);
        (ev.returns_again, ev.returns_same) =
            to_redo(again, &self.pending_returns, |r| r.id, |r| reached(r.requested + RETURN_RESPONSE_SECS));
        let again = std::mem::take(&mut ev.messages_again);
        (ev.messages_again, ev.messages_same) =
            to_redo(again, &self.pending_messages, |m| m.id, |m| reached(m.received + REPLY_SECS));
    }

    /// Takes back what the pending events to re-apply contributed at `old_now`.
    pub(super) fn take_back_events(&mut self, ev: &EventRows, old_now: i64, pieces: &mut Pieces) {
        for d in &ev.disputes_again {
            if let Some(old) = self.pending_disputes.get(&d.id).cloned() {
                self.dispute_pieces(&old, old_now, pieces);
                self.dispute_effect(&old, -1);
            }
        }
        for r in &ev.returns_again {
            if let Some(old) = self.pending_returns.get(&r.id).cloned() {
                self.return_pieces(&old, old_now, -1, pieces);
            }
        }
        for m in &ev.messages_again {
            if let Some(old) = self.pending_messages.get(&m.id).cloned() {
                self.message_pieces(&old, old_now, pieces);
            }
        }
    }

    /// Moves the watermarks past the events read, and records the disputes of known orders (the ones of
    /// unknown orders are counted and left out). What each event says about its order (`cancel_effect`,
    /// `review_effect`, `dispute_effect`) is the caller's: it needs the order there first.
    pub(super) fn mark_events(&mut self, ev: &EventRows) {
        let m = &mut self.marks;
        m.cancellations = ev.cancels.iter().map(|c| c.id).fold(m.cancellations, i64::max);
        m.reviews = ev.reviews.iter().map(|r| r.id).fold(m.reviews, i64::max);
        m.returns = ev.returns.iter().chain(&ev.returns_again).map(|r| r.id).fold(m.returns, i64::max);
        m.messages = ev.messages.iter().chain(&ev.messages_again).map(|r| r.id).fold(m.messages, i64::max);
        for (i, d) in ev.disputes.iter().chain(&ev.disputes_again).enumerate() {
            self.marks.disputes = self.marks.disputes.max(d.id);
            // A load's disputes are about orders all over the orders' column.
            if i % 1024 == 1023 {
                self.shed_columns();
            }
            if self.order_pos(d.order).is_none() {
                self.skip("disputes of an unknown order", format!("dispute {} (order {})", d.id, d.order));
                continue;
            }
            self.dispute_record(d);
        }
    }

    /// Adds what the events contribute at `now` (their orders applied), keeps those that can still change
    /// (open disputes, unanswered returns and messages) and takes the stock as read. Each kind's rows are
    /// let go once done: at a 10M-order load they are ~0.23 GB, and held whole while the traffic's day
    /// cells were added they made the load's peak.
    pub(super) fn apply_events(&mut self, ev: EventRows, now: i64, pieces: &mut Pieces) {
        let EventRows {
            cancels: _,
            disputes,
            reviews,
            returns,
            messages,
            traffic,
            spend,
            stock,
            disputes_again,
            returns_again,
            messages_again,
            disputes_same,
            returns_same,
            messages_same,
        } = ev;
        for d in disputes.iter().chain(&disputes_again) {
            if self.order_pos(d.order).is_some() {
                self.dispute_pieces(d, now, pieces);
                self.flush_if_big(pieces);
            }
        }
        for r in &reviews {
            self.review_pieces(r, pieces);
            self.flush_if_big(pieces);
        }
        drop(reviews);
        for d in disputes.into_iter().chain(disputes_again).chain(disputes_same) {
            let open = d.closed.is_none() || (d.responded.is_none() && d.opened + DISPUTE_RESPONSE_SECS >= now);
            if open && self.order_pos(d.order).is_some() {
                self.pending_disputes.insert(d.id, d);
            } else {
                self.pending_disputes.remove(&d.id);
            }
        }
        for r in returns.iter().chain(&returns_again) {
            self.return_pieces(r, now, 1, pieces);
            self.flush_if_big(pieces);
        }
        for r in returns.into_iter().chain(returns_again).chain(returns_same) {
            let settled = matches!(r.status.as_str(), "refunded" | "rejected")
                && (r.responded.is_some() || r.requested + RETURN_RESPONSE_SECS < now);
            if settled {
                self.pending_returns.remove(&r.id);
            } else {
                self.pending_returns.insert(r.id, r);
            }
        }
        for m in messages.iter().chain(&messages_again) {
            self.message_pieces(m, now, pieces);
            self.flush_if_big(pieces);
        }
        for m in messages.into_iter().chain(messages_again).chain(messages_same) {
            if m.replied.is_none() && m.needs_reply {
                self.pending_messages.insert(m.id, m);
            } else {
                self.pending_messages.remove(&m.id);
            }
        }
        self.daily_pieces(&traffic, &spend, pieces);
        drop((traffic, spend));
        self.put_all(pieces, 1);
        pieces.clear();
        self.model.stock = vec![None; self.model.products.len()];
        for (pid, on_hand, reorder_point, lead_time_days) in stock {
            match self.product_ix.get(&pid) {
                Some(&p) => self.model.stock[p as usize] = Some(Stock { on_hand, reorder_point, lead_time_days }),
                None => self.skip("stock of an unknown product", format!("product {pid}")),
            }
        }
    }
}

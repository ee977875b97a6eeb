//! Rows checked before they count: names cleaned, orders and reviews with impossible or future values left
//! out (each counted as a data-quality problem, `docs/data-quality.md`), the kinds of record a store holds
//! noted, and the day cells' own consistency checked after a load or refresh.

use rustc_hash::FxHashSet as HashSet;

use super::Ledger;
use crate::engine::quality::Quality;
use crate::engine::rows::{self, OrderRow, ReviewRow};
use crate::engine::text::{self, NAME_CHARS};
use crate::time::{self, Day};

impl Ledger {
    /// Text safe to show (see `text`), counted when it had to be changed.
    pub(super) fn clean(&mut self, s: &str, id: i64, what: &str) -> String {
        if text::needs_cleaning(s, NAME_CHARS) {
            self.quality.note("unsafe_text", || format!("{what} {id}: {:?}", text::clean(s, 40)));
        }
        text::clean(s, NAME_CHARS)
    }

    /// Checks an order's times against each other and the clock: a time in the future has not happened
    /// yet (`None`); `false` when the order itself lies in the future. `count` is off for re-read rows.
    pub(super) fn vet_order(&mut self, r: &mut OrderRow, horizon: i64, count: bool) -> bool {
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
    pub(super) fn vet_new(&mut self, orders: &mut Vec<OrderRow>, items: &mut Vec<rows::ItemRow>, horizon: i64) {
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
    pub(super) fn record_order_kinds<'a>(&mut self, orders: impl Iterator<Item = &'a OrderRow> + Clone) {
        let rec = &mut self.model.recorded;
        rec.shipments |= orders.clone().any(|o| o.times.confirmed.is_some() || o.times.ship_by.is_some());
        rec.scans |= orders.clone().any(|o| o.times.scanned.is_some());
        rec.deadlines |= orders.clone().any(|o| o.times.ship_by.is_some());
    }

    /// A review whose rating is outside 1–5 is left out; sub-ratings outside 1–5 are dropped.
    pub(super) fn vet_review(&mut self, r: &mut ReviewRow, horizon: i64) -> bool {
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
    pub(super) fn day_checks(&mut self) {
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
    pub(super) fn skip(&mut self, why: &'static str, example: String) {
        self.quality.note(format!("orphan:{why}"), || example);
    }
}

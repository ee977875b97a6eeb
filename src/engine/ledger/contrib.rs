//! What each record contributes to the day cells: an order (all of it, or only what depends on "now"),
//! a dispute, a review, a return, a message, a day's traffic and spend, as pieces for the seller (and the
//! store), the products and the categories it concerns. A load adds them; a refresh takes back what a
//! changed record contributed and adds what it contributes now.

use super::pieces::{Pieces, Target};
use super::{DISPUTE_RESPONSE_SECS, Ledger, Part, REPLY_SECS, RETURN_RESPONSE_SECS, TimedScratch};
use crate::engine::counters::Counters;
use crate::engine::rows::{self, DisputeRow, MessageRow, ReturnRow, ReviewRow};
use crate::time::{self, Day};

/// An order's distinct products or categories: a few, kept inline. As vectors they were ~7 allocations an
/// order at a load (each fact of an order, and the customer lists, ask for them).
pub(super) type Few = smallvec::SmallVec<[u32; 8]>;

impl Ledger {
    /// What an order's time-dependent counters change by when "now" moves from `old_now` to `now`: the
    /// pieces at `now` less those at `old_now`, summed per target, day and field (sparse: a timed piece has
    /// a few fields; summing whole 480-byte cells per target made this most of a 10M commit's adding), the
    /// zero ones left out.
    pub(super) fn timed_change(
        &self,
        pos: usize,
        old_now: i64,
        now: i64,
        scratch: &mut TimedScratch,
        out: &mut Pieces,
    ) {
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
    pub(super) fn targets(&self, pos: usize) -> (Few, Few) {
        let mut products: Few = self.items[self.lines(pos)].iter().map(|i| i.product).collect();
        products.sort_unstable();
        products.dedup();
        let mut cats: Few = products.iter().filter_map(|&p| self.model.products[p as usize].category).collect();
        cats.sort_unstable();
        cats.dedup();
        (products, cats)
    }

    /// An order-level fact for the order's seller, products and categories.
    pub(super) fn for_order(&self, pos: usize, day: Day, c: Counters, out: &mut Pieces) {
        let (products, cats) = self.targets(pos);
        self.for_scopes(self.orders[pos].seller, &products, &cats, day, c, out);
    }

    /// A fact for a seller and the given products and categories.
    pub(super) fn for_scopes(
        &self,
        seller: u32,
        products: &[u32],
        cats: &[u32],
        day: Day,
        c: Counters,
        out: &mut Pieces,
    ) {
        let targets = std::iter::once(Target::Seller(seller))
            .chain(products.iter().map(|&p| Target::Product(p)))
            .chain(cats.iter().map(|&k| Target::Category(k)));
        out.push_each(targets, day, &c);
    }

    /// A fact for a seller, and for a product and its category when given.
    pub(super) fn for_product(&self, seller: u32, product: Option<u32>, day: Day, c: Counters, out: &mut Pieces) {
        let category = product.and_then(|p| self.model.products[p as usize].category);
        self.for_scopes(seller, product.as_slice(), category.as_slice(), day, c, out);
    }

    /// What a paid order contributes at a given "now": all of it, or only its time-dependent counters.
    pub(super) fn order_pieces(&self, pos: usize, now: i64, part: Part, out: &mut Pieces) {
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

    pub(super) fn dispute_pieces(&self, d: &DisputeRow, now: i64, out: &mut Pieces) {
        let Some(pos) = self.order_pos(d.order) else { return };
        let unanswered = match d.responded {
            Some(t) => t - d.opened > DISPUTE_RESPONSE_SECS,
            None => now - d.opened > DISPUTE_RESPONSE_SECS,
        };
        let c = Counters { disputes: 1, disputes_unanswered: i64::from(unanswered), ..Counters::default() };
        self.for_order(pos, time::day_of(d.opened), c, out);
    }

    pub(super) fn review_pieces(&mut self, r: &ReviewRow, out: &mut Pieces) {
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
    pub(super) fn return_pieces(&mut self, r: &ReturnRow, now: i64, sign: i64, out: &mut Pieces) {
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

    pub(super) fn message_pieces(&mut self, m: &MessageRow, now: i64, out: &mut Pieces) {
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
    pub(super) fn seller_day(&mut self, seller: i64, day: &str, what: &'static str, id: i64) -> Option<(u32, Day)> {
        let traffic = what == "traffic";
        let Some(&s) = self.seller_ix.get(&seller) else {
            let why = if traffic { "traffic of an unknown seller" } else { "marketing spend of an unknown seller" };
            self.skip(why, format!("{what} row {id} (seller {seller})"));
            return None;
        };
        match activity_day(day) {
            Ok(d) => Some((s, d)),
            Err(NotADay::Bad) => {
                let col = if traffic { "bad_value:traffic_daily.day" } else { "bad_value:marketing_spend.day" };
                self.quality.note(col, || format!("{what} row {id}: day {day:?}"));
                None
            }
            Err(NotADay::Future) => {
                self.quality.note("future_time", || format!("{what} row {id}: day {day}"));
                None
            }
        }
    }

    pub(super) fn daily_pieces(&mut self, traffic: &[rows::TrafficRow], spend: &[rows::SpendRow], out: &mut Pieces) {
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
}

/// Why a traffic or spend row's day does not count.
pub(super) enum NotADay {
    /// not a date from 1970 on: no record of a shop (and each day a series spans takes room: a fuzzed day
    /// of year 24 or 9024 made the day cells span millennia, gigabytes of them)
    Bad,
    /// after tomorrow: not happened yet, as for any other time
    Future,
}

/// A traffic or spend row's day, as it counts.
pub(super) fn activity_day(day: &str) -> Result<Day, NotADay> {
    match time::parse_day(day) {
        Some(d) if d > time::day_of(time::wall_clock()) + 1 => Err(NotADay::Future),
        Some(d) if d >= 0 => Ok(d),
        _ => Err(NotADay::Bad),
    }
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

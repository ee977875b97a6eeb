//! What a ledger keeps besides its model, written as bytes and read back (the second body of the ledger
//! cache, `engine::ledger_cache`): the per-order entries, the items, the customers' ids, the customers
//! each scope has seen, the pending order rows and events, the watermarks and the clock. Read back beside
//! its model, a ledger follows the store from where it was written (a refresh catches up on whatever was
//! committed since), instead of reading the whole store again (~70 s at 10M orders).
//!
//! Frames (see `snapshot` for the frame format):
//!
//! ```text
//! clock and watermarks | orders | items | customer ids | customers seen | pending orders | pending events
//! ```
//!
//! The lookups by database id (sellers, products, categories) are rebuilt from the model's names; the
//! customers' from their ids. Every count is checked against the model it is read beside. The big columns
//! are varints, ids and sorted lists as deltas: at 10M orders the state took 1.08 GB as fixed-width
//! columns, and the explorer's quit waits for its write.

use std::io::{self, Read, Seek, Write};
use std::path::Path;

use super::orders::{Events, Order, Rows};
use bytemuck::Pod;

use super::column::Column;
use super::{CustomerIx, IdRuns, Item, Ledger, Marks, Seen, headroom};
use crate::engine::model::Model;
use crate::engine::packed::{unzigzag, zigzag};
use crate::engine::rows::{DisputeRow, MessageRow, OrderRow, ReturnRow};
use crate::engine::snapshot::{Reader, Writer, bad};
use crate::store::OrderTimes;

/// Each value less the one before, zigzagged: ids and sorted lists in a byte a value.
fn deltas(v: impl ExactSizeIterator<Item = i64> + Clone) -> impl ExactSizeIterator<Item = u64> + Clone {
    let mut prev = 0i64;
    v.map(move |x| {
        let d = x.wrapping_sub(prev);
        prev = x;
        zigzag(d)
    })
}

/// A value that must fit `T`.
fn fit<T: TryFrom<V>, V>(v: V) -> io::Result<T> {
    T::try_from(v).map_err(|_| bad("a value out of range"))
}

/// What `deltas` wrote, each value fitted to `T`.
fn undeltas<T: TryFrom<i64>, R: Read + Seek>(r: &mut Reader<R>) -> io::Result<Vec<T>> {
    let mut prev = 0i64;
    r.varints_with(|z| {
        prev = prev.wrapping_add(unzigzag(z));
        fit(prev)
    })
}

/// Ids as their runs: first ids and first positions as deltas, lengths.
fn write_ids<W: Write>(w: &mut Writer<W>, ids: &IdRuns) -> io::Result<()> {
    let runs = ids.runs();
    w.varints(deltas(runs.iter().map(|r| r.0)))?;
    w.varints(deltas(runs.iter().map(|r| i64::from(r.1))))?;
    w.varints(runs.iter().map(|r| u64::from(r.2)))
}

/// What `write_ids` wrote; `None` when the runs do not fit together.
fn read_ids<R: Read + Seek>(r: &mut Reader<R>) -> io::Result<Option<IdRuns>> {
    let (first, at, len): (Vec<i64>, Vec<u32>, Vec<u32>) = (undeltas(r)?, undeltas(r)?, plain(r)?);
    if at.len() != first.len() || len.len() != first.len() {
        return Ok(None);
    }
    Ok(IdRuns::from_runs(first.into_iter().zip(at).zip(len).map(|((f, a), n)| (f, a, n)).collect()))
}

/// A varint column appended to `out`, each value as `f` makes it, with room for what commits add
/// (`headroom`; a column in a file grows as it fills instead, see `Column::reserve_exact`).
fn with_room<T: Pod, R: Read + Seek>(
    r: &mut Reader<R>,
    out: &mut Column<T>,
    mut f: impl FnMut(u64) -> io::Result<T>,
) -> io::Result<()> {
    let mut reserved = false;
    r.varints_each(|n, v| {
        if !reserved {
            out.reserve_exact(headroom(n));
            reserved = true;
        }
        out.push(f(v)?);
        Ok(())
    })?;
    Ok(())
}

/// A varint column decoded into the fields of `rows` (`set` takes one value each; one per row or none),
/// letting go of the pages of a column in a file as it passes them.
fn fill<T: Pod, R: Read + Seek>(
    r: &mut Reader<R>,
    rows: &mut Column<T>,
    mut set: impl FnMut(&mut T, u64) -> io::Result<()>,
) -> io::Result<()> {
    let want = rows.len();
    let mut at = 0;
    let n = r.varints_each(|n, v| {
        if n != want || at == want {
            return Err(bad("a column longer than its rows"));
        }
        set(&mut rows[at], v)?;
        at += 1;
        rows.passed(at);
        Ok(())
    })?;
    rows.shed();
    if n == want { Ok(()) } else { Err(bad("a column shorter than its rows")) }
}

/// Plain varints, each fitted to `T`.
fn plain<T: TryFrom<u64>, R: Read + Seek>(r: &mut Reader<R>) -> io::Result<Vec<T>> {
    r.varints_with(fit)
}

fn order_row<W: Write>(w: &mut Writer<W>, r: &OrderRow) -> io::Result<()> {
    w.i64(r.id)?;
    w.i64(r.seller)?;
    w.opt_i64(r.customer)?;
    w.i64(r.placed)?;
    let t = &r.times;
    for v in [t.paid, t.ship_by, t.confirmed, t.scanned, t.promised, t.delivered, r.ship_cost] {
        w.opt_i64(v)?;
    }
    w.u32(u32::from(r.seller_fulfilled))?;
    w.i64(r.items_total)?;
    w.i64(r.discount)
}

fn read_order_row<R: Read + Seek>(r: &mut Reader<R>) -> io::Result<OrderRow> {
    let (id, seller, customer, placed) = (r.i64()?, r.i64()?, r.opt_i64()?, r.i64()?);
    let mut v = [None; 7];
    for x in &mut v {
        *x = r.opt_i64()?;
    }
    let [paid, ship_by, confirmed, scanned, promised, delivered, ship_cost] = v;
    Ok(OrderRow {
        id,
        seller,
        customer,
        placed,
        times: OrderTimes { paid, ship_by, confirmed, scanned, promised, delivered },
        ship_cost,
        seller_fulfilled: r.u32()? == 1,
        items_total: r.i64()?,
        discount: r.i64()?,
    })
}

impl Ledger {
    /// Writes what the ledger keeps besides its model (a body of frames, then their index).
    pub fn write_state<W: Write>(&self, out: W) -> io::Result<W> {
        let mut w = Writer::new(out);
        w.frame(|w| {
            let m = self.marks;
            for v in [
                m.sellers,
                m.products,
                m.orders,
                m.items,
                m.cancellations,
                m.disputes,
                m.reviews,
                m.returns,
                m.messages,
                m.traffic,
                m.spend,
                self.last_placed,
                self.now,
                self.first_ts,
            ] {
                w.i64(v)?;
            }
            Ok(())
        })?;
        w.frame(|w| {
            let o = &self.orders;
            write_ids(w, &self.order_ids)?;
            w.varints(deltas(o.walk().map(|o| o.placed)))?;
            w.varints(o.walk().map(|o| u64::from(o.seller)))?;
            // (no customer, u32::MAX, as 0)
            w.varints(o.walk().map(|o| u64::from(o.customer.wrapping_add(1))))?;
            w.u32s_of(o.walk().map(|o| o.check_paid()))?;
            let counts: [fn(&Events) -> u16; 7] = [
                |e| e.seller_cancels,
                |e| e.buyer_cancels,
                |e| e.disputes,
                |e| e.defect_disputes,
                |e| e.lost_cases,
                |e| e.negative_feedback,
                |e| e.bad_ratings,
            ];
            let mut with: Vec<(u32, Events)> = self.order_events.iter().map(|(&p, &e)| (p, e)).collect();
            with.sort_unstable_by_key(|e| e.0);
            w.varints(deltas(with.iter().map(|e| i64::from(e.0))))?;
            for f in counts {
                w.varints(with.iter().map(|e| u64::from(f(&e.1))))?;
            }
            Ok(())
        })?;
        w.frame(|w| {
            w.varints(deltas(self.item_start.walk().map(i64::from)))?;
            w.varints(self.items.walk().map(|i| u64::from(i.product)))?;
            w.varints(self.items.walk().map(|i| u64::from(i.units.unsigned_abs())))?;
            w.varints(self.items.walk().map(|i| zigzag(i.price)))?;
            write_ids(w, &self.item_ids)
        })?;
        w.frame(|w| {
            let ids = self.customer_ix.ids();
            w.varints(deltas(ids.iter().copied()))
        })?;
        w.frame(|w| {
            fn sorted<W: Write>(w: &mut Writer<W>, s: &Seen) -> io::Result<()> {
                w.varints(deltas(s.iter().map(i64::from)))
            }
            sorted(w, &self.seen_store)?;
            for seen in [&self.seen_sellers, &self.seen_categories, &self.seen_products] {
                w.list(seen, |w, s| sorted(w, s))?;
            }
            Ok(())
        })?;
        w.frame(|w| {
            let (pos, held) = self.rows.parts();
            w.u32s(pos)?;
            w.list(held, order_row)
        })?;
        w.frame(|w| {
            let mut disputes: Vec<&DisputeRow> = self.pending_disputes.values().collect();
            disputes.sort_unstable_by_key(|d| d.id);
            w.list(&disputes, |w, d| {
                w.i64(d.id)?;
                w.i64(d.order)?;
                w.i64(d.opened)?;
                w.opt_i64(d.responded)?;
                w.opt_i64(d.closed)?;
                w.opt_str(d.outcome.as_deref())
            })?;
            let mut returns: Vec<&ReturnRow> = self.pending_returns.values().collect();
            returns.sort_unstable_by_key(|r| r.id);
            w.list(&returns, |w, r| {
                w.i64(r.id)?;
                w.i64(r.item)?;
                w.i64(r.quantity)?;
                w.str(&r.reason)?;
                w.i64(r.requested)?;
                w.opt_i64(r.responded)?;
                w.str(&r.status)?;
                w.opt_i64(r.refunded)?;
                w.opt_i64(r.refunded_at)
            })?;
            let mut messages: Vec<&MessageRow> = self.pending_messages.values().collect();
            messages.sort_unstable_by_key(|m| m.id);
            w.list(&messages, |w, m| {
                w.i64(m.id)?;
                w.i64(m.seller)?;
                w.i64(m.received)?;
                w.opt_i64(m.replied)?;
                w.u32(u32::from(m.inquiry) | u32::from(m.needs_reply) << 1 | u32::from(m.led_to_order) << 2)
            })?;
            let mut facts: Vec<(i64, usize)> = self.dispute_fact.iter().map(|(&k, &v)| (k, v)).collect();
            facts.sort_unstable();
            w.list(&facts, |w, &(id, at)| {
                w.i64(id)?;
                w.i64(at as i64)
            })
        })?;
        w.finish()
    }

    /// A ledger from its model and what `write_state` wrote; `path` is the store's.
    pub fn read_state<R: Read + Seek>(model: Model, path: &Path, r: &mut Reader<R>) -> io::Result<Ledger> {
        let mut l = Ledger::empty(path);
        let v = r.framed(0, |r| (0..14).map(|_| r.i64()).collect::<io::Result<Vec<i64>>>())?;
        l.marks = Marks {
            sellers: v[0],
            products: v[1],
            orders: v[2],
            items: v[3],
            cancellations: v[4],
            disputes: v[5],
            reviews: v[6],
            returns: v[7],
            messages: v[8],
            traffic: v[9],
            spend: v[10],
        };
        (l.last_placed, l.now, l.first_ts) = (v[11], v[12], v[13]);
        let (sellers, products) = (model.sellers.len() as u32, model.products.len() as u32);
        r.framed(1, |r| {
            let ids = read_ids(r)?;
            // Each column straight into the orders' fields: as columns first, the orders were read twice over
            // (a warm start's peak at 10M).
            let mut prev = 0i64;
            let orders = &mut l.orders;
            with_room(r, orders, |z| {
                prev = prev.wrapping_add(unzigzag(z));
                Ok(Order::from_parts(prev, 0, 0, 0))
            })?;
            fill(r, orders, |o, s| {
                o.seller = fit(s)?;
                if o.seller >= sellers { Err(bad("an order's seller out of range")) } else { Ok(()) }
            })?;
            fill(r, orders, |o, c| {
                o.customer = fit::<u32, u64>(c)?.wrapping_sub(1);
                Ok(())
            })?;
            let check = r.u32s()?;
            let with: Vec<u32> = undeltas(r)?;
            let mut ev: Vec<Vec<u16>> = Vec::with_capacity(7);
            for _ in 0..7 {
                ev.push(plain(r)?);
            }
            let n = orders.len();
            let Some(ids) = ids.filter(|ids| ids.len() == n) else {
                return Err(bad("order ids that do not agree"));
            };
            if check.len() != n || ev.iter().any(|e| e.len() != with.len()) || with.iter().any(|&p| p as usize >= n) {
                return Err(bad("order columns that do not agree"));
            }
            for (i, c) in check.into_iter().enumerate() {
                orders[i].set_check_paid(c);
                orders.passed(i);
            }
            orders.shed();
            l.order_ids = ids;
            l.order_events = with
                .iter()
                .enumerate()
                .map(|(i, &p)| {
                    let e = Events {
                        seller_cancels: ev[0][i],
                        buyer_cancels: ev[1][i],
                        disputes: ev[2][i],
                        defect_disputes: ev[3][i],
                        lost_cases: ev[4][i],
                        negative_feedback: ev[5][i],
                        bad_ratings: ev[6][i],
                    };
                    (p, e)
                })
                .collect();
            Ok(())
        })?;
        r.framed(2, |r| {
            let (mut prev, mut starts) = (0i64, Ledger::column());
            with_room(r, &mut starts, |z| {
                prev = prev.wrapping_add(unzigzag(z));
                fit(prev)
            })?;
            l.item_start = starts;
            let items = &mut l.items;
            with_room(r, items, |p| {
                let product = fit(p)?;
                if product < products {
                    Ok(Item { product, units: 0, price: 0 })
                } else {
                    Err(bad("an item's product"))
                }
            })?;
            fill(r, items, |i, u| {
                i.units = fit(u)?;
                if i.units > 0 { Ok(()) } else { Err(bad("an item of no units")) }
            })?;
            fill(r, items, |i, z| {
                i.price = unzigzag(z);
                Ok(())
            })?;
            let ids = read_ids(r)?;
            let n = items.len();
            let fits = l.item_start.len() == l.orders.len() + 1
                && l.item_start.walk().is_sorted()
                && l.item_start.last().is_some_and(|&e| e as usize == n);
            let Some(ids) = ids.filter(|ids| ids.len() == n && fits) else {
                return Err(bad("item columns that do not agree"));
            };
            l.item_ids = ids;
            Ok(())
        })?;
        let ids: Vec<i64> = r.framed(3, |r| undeltas(r))?;
        if l.orders.walk().any(|o| o.customer != super::NO_CUSTOMER && o.customer as usize >= ids.len()) {
            return Err(bad("an order's customer out of range"));
        }
        l.customer_ix = CustomerIx::from_ids(ids).ok_or_else(|| bad("a customer id twice"))?;
        r.framed(4, |r| {
            let sorted = |r: &mut Reader<R>| {
                let v = undeltas::<u32, R>(r)?;
                if !v.is_sorted_by(|a, b| a < b) {
                    return Err(bad("customers seen out of order"));
                }
                Ok(Seen::bits_of(&v))
            };
            l.seen_store = sorted(r)?;
            l.seen_sellers = r.list(Some((model.sellers.len(), "sellers")), sorted)?;
            l.seen_categories = r.list(Some((model.categories.len(), "categories")), sorted)?;
            l.seen_products = r.list(Some((model.products.len(), "products")), sorted)?;
            Ok(())
        })?;
        l.rows = r.framed(5, |r| {
            let pos = r.u32s()?;
            let held = r.list(None, read_order_row)?;
            if pos.iter().any(|&p| p as usize >= l.orders.len()) {
                return Err(bad("a pending order out of range"));
            }
            Rows::from_parts(pos, held).ok_or_else(|| bad("pending orders out of order"))
        })?;
        r.framed(6, |r| {
            for d in r.list(None, |r| {
                Ok(DisputeRow {
                    id: r.i64()?,
                    order: r.i64()?,
                    opened: r.i64()?,
                    responded: r.opt_i64()?,
                    closed: r.opt_i64()?,
                    outcome: r.opt_str()?,
                })
            })? {
                l.pending_disputes.insert(d.id, d);
            }
            for x in r.list(None, |r| {
                Ok(ReturnRow {
                    id: r.i64()?,
                    item: r.i64()?,
                    quantity: r.i64()?,
                    reason: r.str()?,
                    requested: r.i64()?,
                    responded: r.opt_i64()?,
                    status: r.str()?,
                    refunded: r.opt_i64()?,
                    refunded_at: r.opt_i64()?,
                })
            })? {
                l.pending_returns.insert(x.id, x);
            }
            for m in r.list(None, |r| {
                let (id, seller, received, replied, bits) = (r.i64()?, r.i64()?, r.i64()?, r.opt_i64()?, r.u32()?);
                let [inquiry, needs_reply, led_to_order] = [bits & 1 != 0, bits & 2 != 0, bits & 4 != 0];
                Ok(MessageRow { id, seller, received, replied, inquiry, needs_reply, led_to_order })
            })? {
                l.pending_messages.insert(m.id, m);
            }
            for (id, at) in r.list(None, |r| Ok((r.i64()?, r.i64()?)))? {
                let at = usize::try_from(at).ok().filter(|&at| at < model.disputes.len());
                let Some(at) = at else { return Err(bad("a dispute out of range")) };
                l.dispute_fact.insert(id, at);
            }
            Ok(())
        })?;
        for (i, s) in model.sellers.iter().enumerate() {
            l.seller_ix.insert(s.db_id, i as u32);
        }
        for (i, p) in model.products.iter().enumerate() {
            l.product_ix.insert(p.db_id, i as u32);
        }
        for (i, c) in model.categories.iter().enumerate() {
            l.category_ix.insert(c.clone(), i as u32);
        }
        l.quality = model.quality.clone();
        l.model = model;
        l.shed_columns();
        Ok(l)
    }
}

//! Writing imported rows, matched on natural keys so that importing the same file twice changes nothing:
//! sellers, products and customers by `ref`, orders by `ref` (an order whose lines differ is updated and
//! its lines replaced), returns by (line, date, quantity).

use std::path::Path;

use crate::store::OrderTimes;
use rusqlite::{OptionalExtension, Transaction, params};

use crate::error::{Error, Result, SqlContext};

/// The seller with this ref (created if missing); refuses a currency that differs from the store's.
pub fn seller(tx: &Transaction<'_>, store: &Path, reference: &str, currency: &str) -> Result<i64> {
    let currency = currency.to_ascii_uppercase();
    let found: Option<(i64, String)> = tx
        .query_row("SELECT id, currency FROM sellers WHERE ref = ?1", [reference], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .at(store)?;
    match found {
        Some((id, cur)) if cur.eq_ignore_ascii_case(&currency) => Ok(id),
        Some((_, cur)) => Err(Error::usage(format!(
            "seller '{reference}' keeps its money in {cur}, the import says {currency} (--currency)"
        ))),
        None => {
            tx.execute("INSERT INTO sellers (ref, name, currency) VALUES (?1, ?1, ?2)", params![reference, currency])
                .at(store)?;
            Ok(tx.last_insert_rowid())
        }
    }
}

/// The product with this ref (created, or its title and price brought up to date); true when new.
pub fn product(
    tx: &Transaction<'_>,
    store: &Path,
    seller: i64,
    reference: &str,
    title: &str,
    price: Option<i64>,
) -> Result<(i64, bool)> {
    let found: Option<(i64, i64)> = tx
        .prepare_cached("SELECT id, seller_id FROM products WHERE ref = ?1")
        .and_then(|mut s| s.query_row([reference], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .at(store)?;
    match found {
        Some((id, s)) if s == seller => {
            tx.prepare_cached(
                "UPDATE products SET title = ?2, price_minor = coalesce(?3, price_minor)
                 WHERE id = ?1 AND (title IS NOT ?2 OR (?3 IS NOT NULL AND price_minor IS NOT ?3))",
            )
            .and_then(|mut s| s.execute(params![id, title, price]))
            .at(store)?;
            Ok((id, false))
        }
        Some(_) => Err(Error::usage(format!("product '{reference}' belongs to another seller in this store"))),
        None => {
            tx.prepare_cached(
                "INSERT INTO products (ref, seller_id, sku, title, price_minor) VALUES (?1, ?2, ?1, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![reference, seller, title, price]))
            .at(store)?;
            Ok((tx.last_insert_rowid(), true))
        }
    }
}

/// The customer with this ref (created if missing); true when new.
pub fn customer(tx: &Transaction<'_>, store: &Path, reference: &str) -> Result<(i64, bool)> {
    let found: Option<i64> = tx
        .prepare_cached("SELECT id FROM customers WHERE ref = ?1")
        .and_then(|mut s| s.query_row([reference], |r| r.get(0)).optional())
        .at(store)?;
    match found {
        Some(id) => Ok((id, false)),
        None => {
            tx.prepare_cached("INSERT INTO customers (ref) VALUES (?1)")
                .and_then(|mut s| s.execute([reference]))
                .at(store)?;
            Ok((tx.last_insert_rowid(), true))
        }
    }
}

pub struct NewOrder<'a> {
    pub reference: &'a str,
    pub seller: i64,
    pub customer: Option<i64>,
    pub at: i64,
    pub country: Option<&'a str>,
    /// (product id, quantity, unit price)
    pub lines: &'a [(i64, i64, i64)],
    /// the fulfilment timeline, when the export has it (a line-items export does not: paid when placed)
    pub timeline: Option<Timeline<'a>>,
}

/// An order's timeline and status, as far as an export tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline<'a> {
    pub times: OrderTimes,
    pub status: &'a str,
    pub channel: Option<&'a str>,
    pub shipping_charged: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    New,
    Updated,
    Unchanged,
}

/// An order with its lines, matched on its ref.
pub fn order(tx: &Transaction<'_>, store: &Path, o: &NewOrder<'_>) -> Result<(i64, Outcome)> {
    let total: i64 = o.lines.iter().map(|l| l.1 * l.2).sum();
    let t = o.timeline.unwrap_or(Timeline {
        times: OrderTimes::paid_at(o.at),
        status: "paid",
        channel: None,
        shipping_charged: 0,
    });
    // Lines go in as multi-row INSERTs of 32, 8 or 1 rows: three statement shapes, far fewer statements.
    let insert_lines = |id: i64| -> Result<()> {
        let mut rest = o.lines;
        while !rest.is_empty() {
            let n = [32, 8, 1].into_iter().find(|&n| rest.len() >= n).unwrap_or(1);
            let (chunk, tail) = rest.split_at(n);
            let sql = format!(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price_minor) VALUES {}",
                vec!["(?, ?, ?, ?)"; n].join(", ")
            );
            let values: Vec<i64> = chunk.iter().flat_map(|&(p, q, price)| [id, p, q, price]).collect();
            tx.prepare_cached(&sql).and_then(|mut s| s.execute(rusqlite::params_from_iter(values))).at(store)?;
            rest = tail;
        }
        Ok(())
    };
    let values = params![
        o.reference,
        o.seller,
        o.customer,
        o.at,
        t.times.paid,
        t.times.ship_by,
        t.times.confirmed,
        t.times.scanned,
        t.times.promised,
        t.times.delivered,
        t.status,
        o.country,
        total,
        t.shipping_charged,
        t.channel
    ];
    // The stored order, and whether every column already holds what this import would write (`IS` treats
    // NULLs as equal): the columns are spelled once, in the statements, for reading, comparing and writing.
    let found: Option<(i64, bool)> = tx
        .prepare_cached(
            "SELECT id, seller_id IS ?2 AND customer_id IS ?3 AND placed_at IS ?4 AND paid_at IS ?5 AND ship_by_at IS ?6
                    AND ship_confirmed_at IS ?7 AND first_scan_at IS ?8 AND promised_delivery_at IS ?9
                    AND delivered_at IS ?10 AND status IS ?11 AND ship_country IS ?12 AND items_total_minor IS ?13
                    AND shipping_charged_minor IS ?14 AND channel IS ?15
             FROM orders WHERE ref = ?1",
        )
        .and_then(|mut s| s.query_row(values, |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .at(store)?;
    match found {
        None => {
            tx.prepare_cached(
                "INSERT INTO orders (ref, seller_id, customer_id, placed_at, paid_at, ship_by_at, ship_confirmed_at,
                   first_scan_at, promised_delivery_at, delivered_at, status, ship_country, items_total_minor,
                   shipping_charged_minor, channel)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .and_then(|mut s| s.execute(values))
            .at(store)?;
            let id = tx.last_insert_rowid();
            insert_lines(id)?;
            Ok((id, Outcome::New))
        }
        Some((id, same)) => {
            let mut old: Vec<(i64, i64, i64)> = tx
                .prepare_cached("SELECT product_id, quantity, unit_price_minor FROM order_items WHERE order_id = ?1")
                .and_then(|mut s| s.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect())
                .at(store)?;
            let mut new = o.lines.to_vec();
            old.sort_unstable();
            new.sort_unstable();
            if same && old == new {
                return Ok((id, Outcome::Unchanged));
            }
            tx.execute(
                "UPDATE orders SET seller_id = ?2, customer_id = ?3, placed_at = ?4, paid_at = ?5, ship_by_at = ?6,
                   ship_confirmed_at = ?7, first_scan_at = ?8, promised_delivery_at = ?9, delivered_at = ?10, status = ?11,
                   ship_country = ?12, items_total_minor = ?13, shipping_charged_minor = ?14, channel = ?15
                 WHERE ref = ?1",
                values,
            )
            .at(store)?;
            if old != new {
                tx.execute(
                    "DELETE FROM returns WHERE order_item_id IN (SELECT id FROM order_items WHERE order_id = ?1)",
                    [id],
                )
                .at(store)?;
                tx.execute("DELETE FROM order_items WHERE order_id = ?1", [id]).at(store)?;
                insert_lines(id)?;
            }
            Ok((id, Outcome::Updated))
        }
    }
}

/// A cancellation of an order, unless it has one already; true when written.
pub fn cancel(tx: &Transaction<'_>, store: &Path, order: i64, at: i64, initiator: &str, reason: &str) -> Result<bool> {
    let exists: Option<i64> = tx
        .prepare_cached("SELECT id FROM cancellations WHERE order_id = ?1")
        .and_then(|mut s| s.query_row([order], |r| r.get(0)).optional())
        .at(store)?;
    if exists.is_some() {
        return Ok(false);
    }
    tx.prepare_cached("INSERT INTO cancellations (order_id, cancelled_at, initiator, reason) VALUES (?1, ?2, ?3, ?4)")
        .and_then(|mut s| s.execute(params![order, at, initiator, reason]))
        .at(store)?;
    Ok(true)
}

/// A review matched on its ref; true when new.
#[allow(clippy::too_many_arguments)]
pub fn review(
    tx: &Transaction<'_>,
    store: &Path,
    reference: &str,
    order: i64,
    product: Option<i64>,
    rating: i64,
    body: Option<&str>,
    created: i64,
) -> Result<bool> {
    let exists: Option<i64> = tx
        .prepare_cached("SELECT id FROM reviews WHERE ref = ?1")
        .and_then(|mut s| s.query_row([reference], |r| r.get(0)).optional())
        .at(store)?;
    match exists {
        Some(id) => {
            tx.prepare_cached(
                "UPDATE reviews SET order_id = ?2, product_id = ?3, rating = ?4, body = ?5, created_at = ?6
                 WHERE id = ?1 AND (order_id, product_id, rating, body, created_at) IS NOT (?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| s.execute(params![id, order, product, rating, body, created]))
            .at(store)?;
            Ok(false)
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO reviews (ref, order_id, product_id, kind, rating, body, created_at) VALUES (?1, ?2, ?3, 'seller', ?4, ?5, ?6)",
            )
            .and_then(|mut s| s.execute(params![reference, order, product, rating, body, created]))
            .at(store)?;
            Ok(true)
        }
    }
}

/// A refunded return of a line; false when the same return is already there.
pub fn ret(tx: &Transaction<'_>, store: &Path, item: i64, qty: i64, at: i64, refund: i64) -> Result<bool> {
    let exists: Option<i64> = tx
        .prepare_cached("SELECT id FROM returns WHERE order_item_id = ?1 AND requested_at = ?2 AND quantity = ?3")
        .and_then(|mut s| s.query_row(params![item, at, qty], |r| r.get(0)).optional())
        .at(store)?;
    if exists.is_some() {
        return Ok(false);
    }
    tx.prepare_cached(
        "INSERT INTO returns (order_item_id, quantity, reason, requested_at, responded_at, status, refunded_minor, refunded_at)
         VALUES (?1, ?2, 'returned', ?3, ?3, 'refunded', ?4, ?3)",
    )
    .and_then(|mut s| s.execute(params![item, qty, at, refund]))
    .at(store)?;
    Ok(true)
}

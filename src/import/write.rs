//! Writing imported rows, matched on natural keys so that importing the same file twice changes nothing:
//! sellers, products and customers by `ref`, orders by `ref` (an order whose lines differ is updated and
//! its lines replaced), returns by (line, date, quantity).

use std::path::Path;

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    New,
    Updated,
    Unchanged,
}

/// A paid order with its lines, matched on its ref.
pub fn order(tx: &Transaction<'_>, store: &Path, o: &NewOrder<'_>) -> Result<(i64, Outcome)> {
    let total: i64 = o.lines.iter().map(|l| l.1 * l.2).sum();
    let found: Option<(i64, i64, i64, Option<i64>, i64)> = tx
        .prepare_cached("SELECT id, seller_id, placed_at, customer_id, items_total_minor FROM orders WHERE ref = ?1")
        .and_then(|mut s| {
            s.query_row([o.reference], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).optional()
        })
        .at(store)?;
    let insert_lines = |id: i64| -> Result<()> {
        let mut st = tx
            .prepare_cached(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price_minor) VALUES (?1, ?2, ?3, ?4)",
            )
            .at(store)?;
        for (product, qty, price) in o.lines {
            st.execute(params![id, product, qty, price]).at(store)?;
        }
        Ok(())
    };
    match found {
        None => {
            tx.prepare_cached(
                "INSERT INTO orders (ref, seller_id, customer_id, placed_at, paid_at, status, ship_country, items_total_minor)
                 VALUES (?1, ?2, ?3, ?4, ?4, 'paid', ?5, ?6)",
            )
            .and_then(|mut s| s.execute(params![o.reference, o.seller, o.customer, o.at, o.country, total]))
            .at(store)?;
            let id = tx.last_insert_rowid();
            insert_lines(id)?;
            Ok((id, Outcome::New))
        }
        Some((id, seller, at, customer, old_total)) => {
            let mut old: Vec<(i64, i64, i64)> = tx
                .prepare_cached("SELECT product_id, quantity, unit_price_minor FROM order_items WHERE order_id = ?1")
                .and_then(|mut s| s.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect())
                .at(store)?;
            let mut new = o.lines.to_vec();
            old.sort_unstable();
            new.sort_unstable();
            if seller == o.seller && at == o.at && customer == o.customer && old_total == total && old == new {
                return Ok((id, Outcome::Unchanged));
            }
            tx.execute(
                "UPDATE orders SET seller_id = ?2, customer_id = ?3, placed_at = ?4, paid_at = ?4, items_total_minor = ?5 WHERE id = ?1",
                params![id, o.seller, o.customer, o.at, total],
            )
            .at(store)?;
            tx.execute(
                "DELETE FROM returns WHERE order_item_id IN (SELECT id FROM order_items WHERE order_id = ?1)",
                [id],
            )
            .at(store)?;
            tx.execute("DELETE FROM order_items WHERE order_id = ?1", [id]).at(store)?;
            insert_lines(id)?;
            Ok((id, Outcome::Updated))
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

//! `kpiscope simulate`: another process that keeps a store moving, so anyone can watch the explorer
//! update. Each step appends plausible orders, confirms the shipment of paid orders that are waiting,
//! delivers shipped ones, and adds reviews and returns to delivered orders, all in one transaction. Its
//! clock continues from the store's latest activity (a historical store stays coherent), a few minutes
//! per order.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::demo::Rng;
use crate::error::{Result, SqlContext};

const HOUR: i64 = 3600;

pub struct Simulator {
    rng: Rng,
    clock: i64,
    /// (seller id, [(product id, price)])
    sellers: Vec<(i64, Vec<(i64, i64)>)>,
}

/// What one step wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepSummary {
    pub orders: u64,
    pub shipped: u64,
    pub reviews: u64,
    pub returns: u64,
}

impl Simulator {
    pub fn new(conn: &Connection, path: &Path, seed: u64) -> Result<Self> {
        let mut sellers: Vec<(i64, Vec<(i64, i64)>)> = Vec::new();
        let mut stmt = conn
            .prepare("SELECT seller_id, id, coalesce(price_minor, 1000) FROM products ORDER BY seller_id, id")
            .at(path)?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))).at(path)?;
        for row in rows {
            let (s, p, price) = row.at(path)?;
            match sellers.last_mut() {
                Some((last, list)) if *last == s => list.push((p, price)),
                _ => sellers.push((s, vec![(p, price)])),
            }
        }
        if sellers.is_empty() {
            return Err(crate::Error::usage(format!(
                "{}: no products to sell; simulate needs a store with products",
                path.display()
            )));
        }
        let clock: Option<i64> = conn.query_row("SELECT max(placed_at) FROM orders", [], |r| r.get(0)).at(path)?;
        let clock = clock.unwrap_or_else(|| chrono::Utc::now().timestamp());
        Ok(Simulator { rng: Rng::new(seed), clock, sellers })
    }

    /// Writes `orders` new orders and their follow-ups in one transaction.
    pub fn step(&mut self, conn: &Connection, orders: u64) -> Result<StepSummary> {
        let path = Path::new(conn.path().unwrap_or("store"));
        let tx = conn.unchecked_transaction().at(path)?;
        let mut s = StepSummary::default();
        for _ in 0..orders {
            self.clock += self.rng.range(60, 300);
            self.order(&tx, path)?;
            s.orders += 1;
            if self.rng.chance(0.35) && self.review(&tx, path)? {
                s.reviews += 1;
            }
            if self.rng.chance(0.05) && self.ret(&tx, path)? {
                s.returns += 1;
            }
        }
        // Paid orders waiting more than 6 hours get shipped (a few late), shipped ones older than 2 days delivered.
        let now = self.clock;
        s.shipped = tx
            .execute(
                "UPDATE orders SET ship_confirmed_at = ?1, first_scan_at = ?1, status = 'shipped'
                 WHERE id IN (SELECT id FROM orders WHERE ship_confirmed_at IS NULL AND paid_at IS NOT NULL
                              AND paid_at < ?2 AND status = 'paid' ORDER BY id DESC LIMIT 50)",
                params![now, now - 6 * HOUR],
            )
            .at(path)? as u64;
        tx.execute(
            "UPDATE orders SET delivered_at = ?1, status = 'delivered'
             WHERE id IN (SELECT id FROM orders WHERE delivered_at IS NULL AND ship_confirmed_at IS NOT NULL
                          AND ship_confirmed_at < ?2 AND status = 'shipped' ORDER BY id DESC LIMIT 50)",
            params![now, now - 48 * HOUR],
        )
        .at(path)?;
        tx.commit().at(path)?;
        Ok(s)
    }

    fn order(&mut self, tx: &Connection, path: &Path) -> Result<()> {
        let (seller, products) = &self.sellers[self.rng.below(self.sellers.len())];
        let (product, price) = products[self.rng.below(products.len().min(8))];
        let qty = if self.rng.chance(0.85) { 1 } else { 2 };
        let placed = self.clock;
        let customer: Option<i64> = if self.rng.chance(0.6) {
            let max: Option<i64> = tx.query_row("SELECT max(id) FROM customers", [], |r| r.get(0)).at(path)?;
            let id = max.unwrap_or(0) + 1;
            tx.execute(
                "INSERT INTO customers (id, ref, country) VALUES (?1, ?2, 'US')",
                params![id, format!("SIM{id}")],
            )
            .at(path)?;
            Some(id)
        } else {
            // A random existing customer by rowid (no scan: stores of millions of customers stay quick).
            tx.query_row(
                "SELECT id FROM customers WHERE id >= (SELECT abs(random() % (max(id) + 1)) FROM customers)
                 ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .at(path)?
        };
        tx.execute(
            "INSERT INTO orders (seller_id, customer_id, placed_at, paid_at, ship_by_at, promised_delivery_at, status,
                                 items_total_minor, shipping_cost_minor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'paid', ?7, ?8)",
            params![
                seller,
                customer,
                placed,
                placed + 60,
                placed + 48 * HOUR,
                placed + 8 * 24 * HOUR,
                price * qty,
                450
            ],
        )
        .at(path)?;
        let order = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO order_items (order_id, product_id, quantity, unit_price_minor) VALUES (?1, ?2, ?3, ?4)",
            params![order, product, qty, price],
        )
        .at(path)?;
        Ok(())
    }

    /// A review of a recently delivered order's product; false when there is none.
    fn review(&mut self, tx: &Connection, path: &Path) -> Result<bool> {
        let pick: Option<(i64, i64)> = tx
            .query_row(
                "SELECT o.id, i.product_id FROM order_items i CROSS JOIN orders o ON o.id = i.order_id
                 WHERE o.delivered_at IS NOT NULL ORDER BY i.id DESC LIMIT 1 OFFSET ?1",
                [self.rng.range(0, 200)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .at(path)?;
        let Some((order, product)) = pick else { return Ok(false) };
        let rating = [5, 5, 5, 5, 4, 4, 3, 2, 1][self.rng.below(9)];
        tx.execute(
            "INSERT INTO reviews (order_id, product_id, kind, rating, has_images, body, created_at)
             VALUES (?1, ?2, 'product', ?3, 0, ?4, ?5)",
            params![order, product, rating, crate::demo::review_text(rating, self.rng.below(50)), self.clock],
        )
        .at(path)?;
        Ok(true)
    }

    /// A return of a recently delivered line; false when there is none.
    fn ret(&mut self, tx: &Connection, path: &Path) -> Result<bool> {
        let pick: Option<(i64, i64, i64)> = tx
            .query_row(
                "SELECT i.id, i.quantity, i.unit_price_minor FROM order_items i CROSS JOIN orders o ON o.id = i.order_id
                 WHERE o.delivered_at IS NOT NULL ORDER BY i.id DESC LIMIT 1 OFFSET ?1",
                [self.rng.range(0, 200)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .at(path)?;
        let Some((item, _qty, price)) = pick else { return Ok(false) };
        let now = self.clock;
        tx.execute(
            "INSERT INTO returns (order_item_id, quantity, reason, requested_at, responded_at, status, refunded_minor, refunded_at)
             VALUES (?1, 1, 'changed_mind', ?2, ?2, 'refunded', ?3, ?2)",
            params![item, now, price],
        )
        .at(path)?;
        Ok(true)
    }
}

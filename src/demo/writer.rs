//! Bulk inserts for the demo generator: one prepared statement per table, all inside the generator's single
//! transaction.

use rusqlite::{Connection, Statement, params};

use crate::error::{Result, SqlContext};
use std::path::Path;

pub struct Writer<'c> {
    conn: &'c Connection,
    path: &'c Path,
    pub order_id: i64,
    pub item_id: i64,
    orders: Statement<'c>,
    items: Statement<'c>,
    customers: Statement<'c>,
    cancels: Statement<'c>,
    returns: Statement<'c>,
    reviews: Statement<'c>,
    disputes: Statement<'c>,
    traffic: Statement<'c>,
    messages: Statement<'c>,
    spend: Statement<'c>,
}

/// An order's columns.
pub struct OrderRow<'a> {
    pub seller: i64,
    pub customer: Option<i64>,
    pub placed: i64,
    pub paid: Option<i64>,
    pub ship_by: Option<i64>,
    pub confirmed: Option<i64>,
    pub scanned: Option<i64>,
    pub promised: Option<i64>,
    pub delivered: Option<i64>,
    pub status: &'a str,
    pub fulfilled_by: &'a str,
    pub channel: &'a str,
    pub country: &'a str,
    pub items_total: i64,
    pub discount: i64,
    pub shipping_charged: i64,
    pub shipping_cost: Option<i64>,
}

/// A review's columns.
pub struct ReviewRow<'a> {
    pub order: i64,
    pub product: Option<i64>,
    pub kind: &'a str,
    pub rating: i64,
    pub dsr: [Option<i64>; 3],
    pub images: bool,
    pub body: Option<&'a str>,
    pub created: i64,
}

impl<'c> Writer<'c> {
    pub fn new(conn: &'c Connection, path: &'c Path) -> Result<Self> {
        let p = |sql: &str| conn.prepare(sql).at(path);
        Ok(Writer {
            conn,
            path,
            order_id: 0,
            item_id: 0,
            orders: p("INSERT INTO orders (id, ref, seller_id, customer_id, placed_at, paid_at, ship_by_at, ship_confirmed_at,
                       first_scan_at, promised_delivery_at, delivered_at, status, fulfilled_by, channel, ship_country,
                       items_total_minor, discount_minor, shipping_charged_minor, shipping_cost_minor)
                       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)")?,
            items: p("INSERT INTO order_items (id, order_id, product_id, quantity, unit_price_minor) VALUES (?1, ?2, ?3, ?4, ?5)")?,
            customers: p("INSERT INTO customers (id, ref, country) VALUES (?1, ?2, ?3)")?,
            cancels: p("INSERT INTO cancellations (order_id, cancelled_at, initiator, reason, stage) VALUES (?1, ?2, ?3, ?4, 'before_shipment')")?,
            returns: p("INSERT INTO returns (order_item_id, quantity, reason, requested_at, responded_at, status, refunded_minor, refunded_at)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?,
            reviews: p("INSERT INTO reviews (order_id, product_id, kind, rating, dsr_described, dsr_communication, dsr_shipping,
                        has_images, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")?,
            disputes: p("INSERT INTO disputes (order_id, kind, opened_at, responded_at, closed_at, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?,
            traffic: p("INSERT INTO traffic_daily (seller_id, product_id, day, page_views, visitors, add_to_cart, checkouts)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?,
            messages: p("INSERT INTO messages (seller_id, customer_id, order_id, received_at, first_reply_at, is_inquiry, needs_reply)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)")?,
            spend: p("INSERT INTO marketing_spend (seller_id, day, channel, amount_minor) VALUES (?1, ?2, ?3, ?4)")?,
        })
    }

    pub fn customer(&mut self, id: i64, country: &str) -> Result<()> {
        self.customers.execute(params![id, format!("C{id:07}"), country]).at(self.path)?;
        Ok(())
    }

    /// Inserts an order and returns its id.
    pub fn order(&mut self, o: &OrderRow<'_>) -> Result<i64> {
        self.order_id += 1;
        let id = self.order_id;
        self.orders
            .execute(params![
                id,
                format!("O{id:08}"),
                o.seller,
                o.customer,
                o.placed,
                o.paid,
                o.ship_by,
                o.confirmed,
                o.scanned,
                o.promised,
                o.delivered,
                o.status,
                o.fulfilled_by,
                o.channel,
                o.country,
                o.items_total,
                o.discount,
                o.shipping_charged,
                o.shipping_cost
            ])
            .at(self.path)?;
        Ok(id)
    }

    pub fn item(&mut self, order: i64, product: i64, qty: i64, price: i64) -> Result<i64> {
        self.item_id += 1;
        self.items.execute(params![self.item_id, order, product, qty, price]).at(self.path)?;
        Ok(self.item_id)
    }

    pub fn cancel(&mut self, order: i64, at: i64, initiator: &str, reason: &str) -> Result<()> {
        self.cancels.execute(params![order, at, initiator, reason]).at(self.path)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn ret(
        &mut self,
        item: i64,
        qty: i64,
        reason: &str,
        requested: i64,
        responded: Option<i64>,
        status: &str,
        refunded: Option<i64>,
        refunded_at: Option<i64>,
    ) -> Result<()> {
        self.returns
            .execute(params![item, qty, reason, requested, responded, status, refunded, refunded_at])
            .at(self.path)?;
        Ok(())
    }

    pub fn review(&mut self, r: &ReviewRow<'_>) -> Result<()> {
        let [d, c, s] = r.dsr;
        self.reviews
            .execute(params![r.order, r.product, r.kind, r.rating, d, c, s, i64::from(r.images), r.body, r.created])
            .at(self.path)?;
        Ok(())
    }

    pub fn dispute(
        &mut self,
        order: i64,
        kind: &str,
        opened: i64,
        responded: Option<i64>,
        closed: Option<i64>,
        outcome: Option<&str>,
    ) -> Result<()> {
        self.disputes.execute(params![order, kind, opened, responded, closed, outcome]).at(self.path)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn traffic(
        &mut self,
        seller: i64,
        product: Option<i64>,
        day: &str,
        views: i64,
        visitors: i64,
        atc: i64,
        checkouts: i64,
    ) -> Result<()> {
        self.traffic.execute(params![seller, product, day, views, visitors, atc, checkouts]).at(self.path)?;
        Ok(())
    }

    pub fn message(
        &mut self,
        seller: i64,
        customer: Option<i64>,
        order: Option<i64>,
        received: i64,
        reply: Option<i64>,
        inquiry: bool,
    ) -> Result<()> {
        self.messages.execute(params![seller, customer, order, received, reply, i64::from(inquiry)]).at(self.path)?;
        Ok(())
    }

    pub fn spend(&mut self, seller: i64, day: &str, channel: &str, amount: i64) -> Result<()> {
        self.spend.execute(params![seller, day, channel, amount]).at(self.path)?;
        Ok(())
    }

    pub fn stock(&mut self, product: i64, on_hand: i64, reorder: i64, lead: i64, updated: i64) -> Result<()> {
        self.conn
            .prepare_cached("INSERT INTO stock (product_id, on_hand, reorder_point, lead_time_days, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)")
            .and_then(|mut st| st.execute(params![product, on_hand, reorder, lead, updated]))
            .at(self.path)?;
        Ok(())
    }

    /// The first paid, delivered order of a seller placed on or after `from`.
    pub fn first_order_on(&mut self, seller: i64, from: i64) -> Result<Option<i64>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT id FROM orders WHERE seller_id = ?1 AND placed_at >= ?2 AND delivered_at IS NOT NULL ORDER BY placed_at LIMIT 1",
                params![seller, from],
                |r| r.get(0),
            )
            .optional()
            .at(self.path)
    }

    pub fn product_ref(&mut self, product: i64) -> Result<String> {
        self.conn.query_row("SELECT ref FROM products WHERE id = ?1", [product], |r| r.get(0)).at(self.path)
    }

    pub fn plant(
        &mut self,
        name: &str,
        rule: &str,
        seller: &str,
        product: Option<&str>,
        description: &str,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO kpiscope_demo_plants (name, rule, seller_ref, product_ref, description) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![name, rule, seller, product, description],
            )
            .at(self.path)?;
        Ok(())
    }
}

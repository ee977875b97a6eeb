//! Reading a store into the in-memory `Model`: one pass over each table, then one pass over the orders that
//! adds each order's facts to the day cells of its seller, its categories and its products. Rows that
//! point nowhere (orphans) are counted in `Model::skipped`, never crashed on.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rusqlite::Connection;

use super::counters::Counters;
use super::customers::CustomerList;
use super::model::{DisputeFact, Model, Product, Seller, Stock};
use super::series::{Dense, Sparse};
use crate::error::{Result, SqlContext};
use crate::time::{self, Day, SECS_PER_DAY};

const NO_CUSTOMER: u32 = u32::MAX;
/// A dispute with no seller response after this long is "unanswered" (AliExpress's 5-day rule).
pub const DISPUTE_RESPONSE_SECS: i64 = 5 * SECS_PER_DAY;
/// A return request not answered within this long is negative (Amazon's RDR, 48 hours).
pub const RETURN_RESPONSE_SECS: i64 = 48 * 3600;
/// A message answered within this long counts as answered in time (Amazon, Etsy: 24 hours).
pub const REPLY_SECS: i64 = 24 * 3600;

// Per-order flags gathered from the event tables.
const CANCELLED: u8 = 1;
const SELLER_CANCEL: u8 = 2;
const BUYER_CANCEL: u8 = 4;
const DEFECT: u8 = 8;
const DISPUTE: u8 = 16;
const BAD: u8 = 32;
const CASE_LOST: u8 = 64;

struct Order {
    id: i64,
    seller: u32,
    customer: u32,
    placed: i64,
    paid: bool,
    paid_at: i64,
    ship_by: Option<i64>,
    confirmed: Option<i64>,
    scanned: bool,
    promised: Option<i64>,
    delivered: Option<i64>,
    seller_fulfilled: bool,
    items_total: i64,
    discount: i64,
    ship_cost: Option<i64>,
    flags: u8,
}

struct Item {
    product: u32,
    quantity: i64,
    price: i64,
    returned: i64,
    refunded: i64,
}

struct Loader<'a> {
    conn: &'a Connection,
    path: &'a Path,
    m: Model,
    seller_ix: HashMap<i64, u32>,
    product_ix: HashMap<i64, u32>,
    orders: Vec<Order>,
    /// items of order i are items[item_start[i]..item_start[i + 1]]
    item_start: Vec<u32>,
    items: Vec<Item>,
    /// (item db id, position in `items`), sorted by id
    item_ids: Vec<(i64, u32)>,
    skipped: HashMap<&'static str, u64>,
    now: i64,
}

/// Reads the whole store into a `Model`.
pub fn load(conn: &Connection, path: &Path) -> Result<Model> {
    load_with_progress(conn, path, &mut |_| {})
}

/// `load`, calling `progress` with the share done (0..1) after each step.
pub fn load_with_progress(conn: &Connection, path: &Path, progress: &mut dyn FnMut(f64)) -> Result<Model> {
    let mut l = Loader {
        conn,
        path,
        m: Model::default(),
        seller_ix: HashMap::new(),
        product_ix: HashMap::new(),
        orders: Vec::new(),
        item_start: Vec::new(),
        items: Vec::new(),
        item_ids: Vec::new(),
        skipped: HashMap::new(),
        now: i64::MIN,
    };
    l.dimensions()?;
    progress(0.02);
    l.orders()?;
    progress(0.35);
    l.items()?;
    progress(0.55);
    l.cancellations()?;
    let disputes = l.disputes()?;
    let reviews = l.reviews()?;
    progress(0.65);
    let returns = l.returns()?;
    let messages = l.messages()?;
    let daily = l.daily()?;
    l.stock()?;
    progress(0.75);
    if l.now == i64::MIN {
        l.now = 0;
    }
    let now = l.now;
    l.m.now_ts = now;
    l.apply_disputes(&disputes, now);
    l.apply_reviews(&reviews);
    l.apply_returns(&returns, now);
    l.apply_messages(&messages, now);
    l.apply_daily(&daily);
    l.apply_orders(now);
    l.finish();
    progress(1.0);
    Ok(l.m)
}

impl Loader<'_> {
    fn seen(&mut self, ts: i64) {
        self.now = self.now.max(ts);
    }

    fn skip(&mut self, why: &'static str) {
        *self.skipped.entry(why).or_default() += 1;
    }

    fn order_pos(&self, id: i64) -> Option<usize> {
        // Store ids are usually dense from 1; try the direct slot before searching.
        let guess = (id - 1) as usize;
        if self.orders.get(guess).is_some_and(|o| o.id == id) {
            return Some(guess);
        }
        self.orders.binary_search_by_key(&id, |o| o.id).ok()
    }

    fn dimensions(&mut self) -> Result<()> {
        let (conn, path) = (self.conn, self.path);
        let mut stmt = conn.prepare("SELECT id, ref, name, country, currency FROM sellers ORDER BY id").at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        while let Some(r) = rows.next().at(path)? {
            let s = Seller {
                db_id: r.get(0).at(path)?,
                reference: r.get(1).at(path)?,
                name: r.get(2).at(path)?,
                country: r.get(3).at(path)?,
                currency: r.get::<_, String>(4).at(path)?.to_ascii_uppercase(),
            };
            self.seller_ix.insert(s.db_id, self.m.sellers.len() as u32);
            self.m.sellers.push(s);
        }
        let n_sellers = self.m.sellers.len();
        self.m.seller_products = vec![Vec::new(); n_sellers];
        let mut cat_ix: HashMap<String, u32> = HashMap::new();
        let mut stmt = conn
            .prepare("SELECT id, ref, seller_id, sku, title, category, price_minor FROM products ORDER BY id")
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        while let Some(r) = rows.next().at(path)? {
            let seller_db: i64 = r.get(2).at(path)?;
            let Some(&seller) = self.seller_ix.get(&seller_db) else {
                self.skip("products of an unknown seller");
                continue;
            };
            let category = r.get::<_, Option<String>>(5).at(path)?.filter(|c| !c.trim().is_empty()).map(|c| {
                let next = cat_ix.len() as u32;
                *cat_ix.entry(c.clone()).or_insert_with(|| {
                    self.m.categories.push(c);
                    next
                })
            });
            let p = Product {
                db_id: r.get(0).at(path)?,
                reference: r.get(1).at(path)?,
                seller,
                sku: r.get(3).at(path)?,
                title: r.get(4).at(path)?,
                category,
                price_minor: r.get(6).at(path)?,
            };
            let ix = self.m.products.len() as u32;
            self.product_ix.insert(p.db_id, ix);
            self.m.seller_products[seller as usize].push(ix);
            self.m.products.push(p);
        }
        self.m.category_products = vec![Vec::new(); self.m.categories.len()];
        for (i, p) in self.m.products.iter().enumerate() {
            if let Some(c) = p.category {
                self.m.category_products[c as usize].push(i as u32);
            }
        }
        Ok(())
    }

    fn orders(&mut self) -> Result<()> {
        let (conn, path) = (self.conn, self.path);
        let mut customer_ix: HashMap<i64, u32> = HashMap::new();
        let mut stmt = conn
            .prepare(
                "SELECT id, seller_id, customer_id, placed_at, paid_at, ship_by_at, ship_confirmed_at, first_scan_at,
                        promised_delivery_at, delivered_at, fulfilled_by, items_total_minor, discount_minor,
                        shipping_cost_minor
                 FROM orders ORDER BY id",
            )
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        while let Some(r) = rows.next().at(path)? {
            let Some(&seller) = self.seller_ix.get(&r.get::<_, i64>(1).at(path)?) else {
                self.skip("orders of an unknown seller");
                continue;
            };
            let customer = match r.get::<_, Option<i64>>(2).at(path)? {
                Some(c) => {
                    let next = customer_ix.len() as u32;
                    *customer_ix.entry(c).or_insert(next)
                }
                None => NO_CUSTOMER,
            };
            let placed: i64 = r.get(3).at(path)?;
            let paid_at: Option<i64> = r.get(4).at(path)?;
            let confirmed: Option<i64> = r.get(6).at(path)?;
            let delivered: Option<i64> = r.get(9).at(path)?;
            for t in [Some(placed), paid_at, confirmed, delivered].into_iter().flatten() {
                self.seen(t);
            }
            self.orders.push(Order {
                id: r.get(0).at(path)?,
                seller,
                customer,
                placed,
                paid: paid_at.is_some(),
                paid_at: paid_at.unwrap_or(placed),
                ship_by: r.get(5).at(path)?,
                confirmed,
                scanned: r.get::<_, Option<i64>>(7).at(path)?.is_some(),
                promised: r.get(8).at(path)?,
                delivered,
                seller_fulfilled: r.get::<_, String>(10).at(path)? == "seller",
                items_total: r.get(11).at(path)?,
                discount: r.get(12).at(path)?,
                ship_cost: r.get(13).at(path)?,
                flags: 0,
            });
        }
        Ok(())
    }

    fn items(&mut self) -> Result<()> {
        let (conn, path) = (self.conn, self.path);
        let mut stmt = conn
            .prepare(
                "SELECT id, order_id, product_id, quantity, unit_price_minor FROM order_items ORDER BY order_id, id",
            )
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        let mut start = vec![u32::MAX; self.orders.len() + 1];
        let mut last_order = usize::MAX;
        while let Some(r) = rows.next().at(path)? {
            let Some(pos) = self.order_pos(r.get(1).at(path)?) else {
                self.skip("order items of an unknown order");
                continue;
            };
            let Some(&product) = self.product_ix.get(&r.get::<_, i64>(2).at(path)?) else {
                self.skip("order items of an unknown product");
                continue;
            };
            if self.m.products[product as usize].seller != self.orders[pos].seller {
                self.skip("order items of another seller's product");
                continue;
            }
            if pos != last_order {
                start[pos] = self.items.len() as u32;
                last_order = pos;
            }
            self.item_ids.push((r.get(0).at(path)?, self.items.len() as u32));
            self.items.push(Item {
                product,
                quantity: r.get(3).at(path)?,
                price: r.get(4).at(path)?,
                returned: 0,
                refunded: 0,
            });
        }
        // Orders without items start where the next order starts.
        let mut next = self.items.len() as u32;
        for s in start.iter_mut().rev() {
            if *s == u32::MAX {
                *s = next;
            } else {
                next = *s;
            }
        }
        self.item_start = start;
        self.item_ids.sort_unstable();
        Ok(())
    }

    fn lines(&self, pos: usize) -> std::ops::Range<usize> {
        self.item_start[pos] as usize..self.item_start[pos + 1] as usize
    }

    fn cancellations(&mut self) -> Result<()> {
        let (conn, path) = (self.conn, self.path);
        let mut stmt = conn.prepare("SELECT order_id, cancelled_at, initiator, stage FROM cancellations").at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        while let Some(r) = rows.next().at(path)? {
            let Some(pos) = self.order_pos(r.get(0).at(path)?) else {
                self.skip("cancellations of an unknown order");
                continue;
            };
            self.seen(r.get(1).at(path)?);
            if r.get::<_, String>(3).at(path)? != "before_shipment" {
                continue; // after shipment it is a return and refund, not a cancellation
            }
            let who = match r.get::<_, String>(2).at(path)?.as_str() {
                "buyer" => BUYER_CANCEL,
                _ => SELLER_CANCEL | BAD,
            };
            self.orders[pos].flags |= CANCELLED | who;
        }
        Ok(())
    }

    /// Reads disputes: flags their orders and keeps them for the as-of rule.
    fn disputes(&mut self) -> Result<Vec<(usize, i64, Option<i64>)>> {
        let (conn, path) = (self.conn, self.path);
        let mut stmt =
            conn.prepare("SELECT order_id, opened_at, responded_at, closed_at, outcome FROM disputes").at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().at(path)? {
            let order_db: i64 = r.get(0).at(path)?;
            let Some(pos) = self.order_pos(order_db) else {
                self.skip("disputes of an unknown order");
                continue;
            };
            let opened: i64 = r.get(1).at(path)?;
            let responded: Option<i64> = r.get(2).at(path)?;
            let closed: Option<i64> = r.get(3).at(path)?;
            for t in [Some(opened), responded, closed].into_iter().flatten() {
                self.seen(t);
            }
            let outcome: Option<String> = r.get(4).at(path)?;
            let o = &mut self.orders[pos];
            o.flags |= DISPUTE | BAD;
            // Amazon counts claims and chargebacks that are not denied (decided in the seller's favour).
            if outcome.as_deref() != Some("seller_favour") {
                o.flags |= DEFECT;
            }
            if outcome.as_deref() == Some("buyer_favour") {
                o.flags |= CASE_LOST;
            }
            self.m.disputes.push(DisputeFact {
                seller: o.seller,
                order_db_id: order_db,
                opened_at: opened,
                responded_at: responded,
                closed_at: closed,
            });
            out.push((pos, opened, responded));
        }
        Ok(out)
    }

    fn reviews(&mut self) -> Result<Vec<ReviewRow>> {
        let (conn, path) = (self.conn, self.path);
        let mut stmt = conn
            .prepare(
                "SELECT order_id, product_id, kind, rating, dsr_described, dsr_communication, dsr_shipping,
                        has_images, created_at FROM reviews",
            )
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().at(path)? {
            let order = match r.get::<_, Option<i64>>(0).at(path)? {
                Some(id) => match self.order_pos(id) {
                    Some(pos) => Some(pos),
                    None => {
                        self.skip("reviews of an unknown order");
                        continue;
                    }
                },
                None => None,
            };
            let product = match r.get::<_, Option<i64>>(1).at(path)? {
                Some(id) => match self.product_ix.get(&id) {
                    Some(&p) => Some(p),
                    None => {
                        self.skip("reviews of an unknown product");
                        continue;
                    }
                },
                None => None,
            };
            if order.is_none() && product.is_none() {
                self.skip("reviews of neither an order nor a product");
                continue;
            }
            let row = ReviewRow {
                order,
                product,
                seller_feedback: r.get::<_, String>(2).at(path)? == "seller",
                rating: r.get(3).at(path)?,
                dsr: [r.get(4).at(path)?, r.get(5).at(path)?, r.get(6).at(path)?],
                images: r.get::<_, i64>(7).at(path)? != 0,
                day: time::day_of(r.get(8).at(path)?),
            };
            self.seen(r.get(8).at(path)?);
            if let Some(pos) = row.order {
                let o = &mut self.orders[pos];
                if row.seller_feedback && row.rating <= 2 {
                    o.flags |= DEFECT;
                }
                if row.rating <= 3 || row.dsr.iter().flatten().any(|&d| d <= 3) {
                    o.flags |= BAD;
                }
            }
            out.push(row);
        }
        Ok(out)
    }

    fn returns(&mut self) -> Result<Vec<ReturnRow>> {
        let (conn, path) = (self.conn, self.path);
        let mut stmt = conn
            .prepare(
                "SELECT order_item_id, quantity, requested_at, responded_at, status, refunded_minor, refunded_at, reason
                 FROM returns ORDER BY requested_at",
            )
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().at(path)? {
            let item_db: i64 = r.get(0).at(path)?;
            let Ok(k) = self.item_ids.binary_search_by_key(&item_db, |x| x.0) else {
                self.skip("returns of an unknown order item");
                continue;
            };
            let row = ReturnRow {
                item: self.item_ids[k].1 as usize,
                quantity: r.get(1).at(path)?,
                requested: r.get(2).at(path)?,
                responded: r.get(3).at(path)?,
                rejected: r.get::<_, String>(4).at(path)? == "rejected",
                refunded: r.get(5).at(path)?,
                refunded_at: r.get(6).at(path)?,
                reason: r.get::<_, Option<String>>(7).at(path)?.unwrap_or_else(|| "unknown".into()),
            };
            for t in [Some(row.requested), row.responded, row.refunded_at].into_iter().flatten() {
                self.seen(t);
            }
            out.push(row);
        }
        Ok(out)
    }

    fn messages(&mut self) -> Result<Vec<MessageRow>> {
        let (conn, path) = (self.conn, self.path);
        let mut stmt = conn
            .prepare("SELECT seller_id, received_at, first_reply_at, is_inquiry, needs_reply, order_id FROM messages")
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().at(path)? {
            let Some(&seller) = self.seller_ix.get(&r.get::<_, i64>(0).at(path)?) else {
                self.skip("messages to an unknown seller");
                continue;
            };
            let row = MessageRow {
                seller,
                received: r.get(1).at(path)?,
                replied: r.get(2).at(path)?,
                inquiry: r.get::<_, i64>(3).at(path)? != 0,
                needs_reply: r.get::<_, i64>(4).at(path)? != 0,
                led_to_order: r.get::<_, Option<i64>>(5).at(path)?.is_some(),
            };
            for t in [Some(row.received), row.replied].into_iter().flatten() {
                self.seen(t);
            }
            out.push(row);
        }
        Ok(out)
    }

    /// Traffic and marketing spend: the day-grain tables.
    fn daily(&mut self) -> Result<Vec<DailyRow>> {
        let (conn, path) = (self.conn, self.path);
        let mut out = Vec::new();
        let mut stmt = conn
            .prepare(
                "SELECT seller_id, product_id, day, page_views, visitors, add_to_cart, checkouts FROM traffic_daily",
            )
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        while let Some(r) = rows.next().at(path)? {
            let Some(&seller) = self.seller_ix.get(&r.get::<_, i64>(0).at(path)?) else {
                self.skip("traffic of an unknown seller");
                continue;
            };
            let product = match r.get::<_, Option<i64>>(1).at(path)? {
                Some(id) => match self.product_ix.get(&id) {
                    Some(&p) => Some(p),
                    None => {
                        self.skip("traffic of an unknown product");
                        continue;
                    }
                },
                None => None,
            };
            let Some(day) = time::parse_day(&r.get::<_, String>(2).at(path)?) else {
                self.skip("traffic rows with a bad day");
                continue;
            };
            let mut c = Counters { traffic_days: 1, ..Counters::default() };
            c.page_views = r.get(3).at(path)?;
            c.visitors = r.get(4).at(path)?;
            c.add_to_cart = r.get(5).at(path)?;
            c.checkouts = r.get(6).at(path)?;
            out.push(DailyRow { seller, product, day, c });
        }
        let mut stmt = conn.prepare("SELECT seller_id, day, amount_minor FROM marketing_spend").at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        while let Some(r) = rows.next().at(path)? {
            let Some(&seller) = self.seller_ix.get(&r.get::<_, i64>(0).at(path)?) else {
                self.skip("marketing spend of an unknown seller");
                continue;
            };
            let Some(day) = time::parse_day(&r.get::<_, String>(1).at(path)?) else {
                self.skip("marketing spend rows with a bad day");
                continue;
            };
            let c = Counters { spend_days: 1, ad_spend: r.get(2).at(path)?, ..Counters::default() };
            out.push(DailyRow { seller, product: None, day, c });
        }
        Ok(out)
    }

    fn stock(&mut self) -> Result<()> {
        let (conn, path) = (self.conn, self.path);
        self.m.stock = vec![None; self.m.products.len()];
        let mut stmt = conn.prepare("SELECT product_id, on_hand, reorder_point, lead_time_days FROM stock").at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        while let Some(r) = rows.next().at(path)? {
            let Some(&p) = self.product_ix.get(&r.get::<_, i64>(0).at(path)?) else {
                self.skip("stock of an unknown product");
                continue;
            };
            self.m.stock[p as usize] = Some(Stock {
                on_hand: r.get(1).at(path)?,
                reorder_point: r.get(2).at(path)?,
                lead_time_days: r.get(3).at(path)?,
            });
        }
        Ok(())
    }

    // ----- turning rows into day cells -----

    fn ensure_series(&mut self) {
        if self.m.seller_days.is_empty() {
            self.m.seller_days = vec![Dense::default(); self.m.sellers.len()];
            self.m.category_days = vec![Dense::default(); self.m.categories.len()];
            self.m.product_days = vec![Sparse::default(); self.m.products.len()];
        }
    }

    /// Adds `c` on `day` to a seller, and to a product and its category when given.
    fn add(&mut self, seller: u32, product: Option<u32>, day: Day, c: &Counters) {
        self.ensure_series();
        self.m.seller_days[seller as usize].cell(day).add(c);
        if let Some(p) = product {
            self.m.product_days[p as usize].cell(day).add(c);
            if let Some(cat) = self.m.products[p as usize].category {
                self.m.category_days[cat as usize].cell(day).add(c);
            }
        }
    }

    /// Adds an order-level fact to the order's seller and each of its distinct products and categories.
    fn add_to_order(&mut self, pos: usize, day: Day, c: &Counters) {
        self.ensure_series();
        let seller = self.orders[pos].seller;
        self.m.seller_days[seller as usize].cell(day).add(c);
        let (products, categories) = self.targets(pos);
        for p in products {
            self.m.product_days[p as usize].cell(day).add(c);
        }
        for k in categories {
            self.m.category_days[k as usize].cell(day).add(c);
        }
    }

    /// Distinct products and categories of an order.
    fn targets(&self, pos: usize) -> (Vec<u32>, Vec<u32>) {
        let mut products: Vec<u32> = self.items[self.lines(pos)].iter().map(|i| i.product).collect();
        products.sort_unstable();
        products.dedup();
        let mut cats: Vec<u32> = products.iter().filter_map(|&p| self.m.products[p as usize].category).collect();
        cats.sort_unstable();
        cats.dedup();
        (products, cats)
    }

    fn apply_disputes(&mut self, disputes: &[(usize, i64, Option<i64>)], now: i64) {
        for &(pos, opened, responded) in disputes {
            let unanswered = match responded {
                Some(t) => t - opened > DISPUTE_RESPONSE_SECS,
                None => now - opened > DISPUTE_RESPONSE_SECS,
            };
            let c = Counters { disputes: 1, disputes_unanswered: i64::from(unanswered), ..Counters::default() };
            self.add_to_order(pos, time::day_of(opened), &c);
        }
    }

    fn apply_reviews(&mut self, reviews: &[ReviewRow]) {
        for r in reviews {
            let mut c = Counters {
                ratings: 1,
                rating_sum: r.rating,
                image_ratings: i64::from(r.images),
                ..Counters::default()
            };
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
            let seller = match (r.product, r.order) {
                (Some(p), _) => self.m.products[p as usize].seller,
                (None, Some(o)) => self.orders[o].seller,
                (None, None) => continue,
            };
            self.add(seller, r.product, r.day, &c);
        }
    }

    fn apply_returns(&mut self, returns: &[ReturnRow], now: i64) {
        // item position → order position, for the order's seller and placed day
        let mut order_of = vec![0usize; self.items.len()];
        for pos in 0..self.orders.len() {
            for i in self.lines(pos) {
                order_of[i] = pos;
            }
        }
        let mut reasons: Vec<HashMap<&str, i64>> = vec![HashMap::new(); self.m.products.len()];
        for r in returns {
            *reasons[self.items[r.item].product as usize].entry(r.reason.as_str()).or_default() += r.quantity;
            let order = &self.orders[order_of[r.item]];
            let (seller, placed, sale) = (order.seller, order.placed, order.paid && order.flags & CANCELLED == 0);
            let item = &mut self.items[r.item];
            let product = Some(item.product);
            // Returned units are capped at the units sold on that line.
            let units = r.quantity.min(item.quantity - item.returned).max(0);
            item.returned += units;
            let refundable = (item.quantity * item.price - item.refunded).max(0);
            let refunded = r.refunded.unwrap_or(0).clamp(0, refundable);
            item.refunded += refunded;
            if sale && (units > 0 || refunded > 0) {
                let c = Counters { returned_units: units, refunded_sales: refunded, ..Counters::default() };
                self.add(seller, product, time::day_of(placed), &c);
            }
            let late = match r.responded {
                Some(t) => t - r.requested > RETURN_RESPONSE_SECS,
                None => now - r.requested > RETURN_RESPONSE_SECS,
            };
            let c =
                Counters { return_requests: 1, return_negative: i64::from(late || r.rejected), ..Counters::default() };
            self.add(seller, product, time::day_of(r.requested), &c);
            if let (Some(amount), Some(at)) = (r.refunded, r.refunded_at) {
                let c = Counters { refunds: amount, refund_n: 1, ..Counters::default() };
                self.add(seller, product, time::day_of(at), &c);
            }
        }
        self.m.return_reasons = reasons
            .into_iter()
            .map(|m| {
                let mut v: Vec<(String, i64)> = m.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                v
            })
            .collect();
    }

    fn apply_messages(&mut self, messages: &[MessageRow], now: i64) {
        for m in messages {
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
            self.add(m.seller, None, time::day_of(m.received), &c);
        }
    }

    fn apply_daily(&mut self, rows: &[DailyRow]) {
        self.ensure_series();
        for r in rows {
            // Storefront rows feed the seller; product rows feed the product and its category.
            match r.product {
                None => self.m.seller_days[r.seller as usize].cell(r.day).add(&r.c),
                Some(p) => {
                    self.m.product_days[p as usize].cell(r.day).add(&r.c);
                    if let Some(k) = self.m.products[p as usize].category {
                        self.m.category_days[k as usize].cell(r.day).add(&r.c);
                    }
                }
            }
        }
    }

    fn apply_orders(&mut self, now: i64) {
        self.ensure_series();
        let n_sellers = self.m.sellers.len();
        let mut by_time: Vec<u32> = (0..self.orders.len() as u32).filter(|&i| self.orders[i as usize].paid).collect();
        by_time.sort_by_key(|&i| self.orders[i as usize].placed);
        let mut seen_store: HashSet<u32> = HashSet::new();
        let mut seen_scoped: HashSet<(u8, u32, u32)> = HashSet::new();
        self.m.seller_customers = vec![CustomerList::default(); n_sellers];
        self.m.category_customers = vec![CustomerList::default(); self.m.categories.len()];
        self.m.product_customers = vec![CustomerList::default(); self.m.products.len()];
        for &pos in &by_time {
            let pos = pos as usize;
            self.apply_order(pos, now);
            let o = &self.orders[pos];
            if o.customer == NO_CUSTOMER {
                continue;
            }
            let (day, cust, seller) = (time::day_of(o.placed), o.customer, o.seller);
            let (products, cats) = self.targets(pos);
            self.m.store_customers.push(day, cust, seen_store.insert(cust));
            let first = seen_scoped.insert((0, seller, cust));
            self.m.seller_customers[seller as usize].push(day, cust, first);
            for k in cats {
                let first = seen_scoped.insert((1, k, cust));
                self.m.category_customers[k as usize].push(day, cust, first);
            }
            for p in products {
                let first = seen_scoped.insert((2, p, cust));
                self.m.product_customers[p as usize].push(day, cust, first);
            }
        }
    }

    /// Adds one paid order's facts: order-level facts to all its scopes, money and units per line.
    fn apply_order(&mut self, pos: usize, now: i64) {
        let o = &self.orders[pos];
        let day = time::day_of(o.placed);
        let sale = o.flags & CANCELLED == 0;
        let mut c = Counters { orders: 1, sales_orders: i64::from(sale), ..Counters::default() };
        c.defect_orders = i64::from(o.flags & DEFECT != 0);
        c.dispute_orders = i64::from(o.flags & DISPUTE != 0);
        c.bad_orders = i64::from(o.flags & BAD != 0);
        if let Some(cost) = o.ship_cost {
            (c.ship_cost, c.ship_cost_n) = (cost, 1);
        }
        let mut tracked = None;
        c.tdr_orders = i64::from(o.flags & (SELLER_CANCEL | CASE_LOST) != 0);
        if o.seller_fulfilled {
            c.sf_orders = 1;
            c.seller_cancels = i64::from(o.flags & SELLER_CANCEL != 0);
            if let Some(by) = o.ship_by {
                if by <= now && o.flags & BUYER_CANCEL == 0 {
                    c.fulfil_due = 1;
                    c.fulfil_done = i64::from(o.confirmed.is_some());
                }
                if let Some(t) = o.confirmed {
                    c.shipped = 1;
                    c.shipped_late = i64::from(t > by);
                }
            }
            if let Some(t) = o.confirmed {
                c.handling_n = 1;
                c.handling_secs = (t - o.paid_at).max(0);
                // VTR and OTDR are attributed to the promised delivery date (Amazon), else the ship date.
                let basis = o.promised.unwrap_or(t);
                let on_time = matches!((o.delivered, o.promised), (Some(d), Some(p)) if d <= p && t <= p);
                let due = o.promised.is_some_and(|p| p <= now);
                tracked = Some((time::day_of(basis), o.scanned, due, on_time));
            }
        }
        if let Some(d) = o.delivered {
            c.delivery_n = 1;
            c.delivery_secs = (d - o.placed).max(0);
        }
        // Money and units per line, the order discount split pro rata (largest remainder, exact to the cent).
        let lines: Vec<(u32, i64, i64)> =
            self.items[self.lines(pos)].iter().map(|i| (i.product, i.quantity * i.price, i.quantity)).collect();
        let gross: i64 = lines.iter().map(|l| l.1).sum();
        let discount = o.discount;
        let shares = split_pro_rata(discount, &lines.iter().map(|l| l.1).collect::<Vec<_>>());
        let seller = o.seller;
        let items_total = o.items_total;
        let scanned_units: i64 = lines.iter().map(|l| l.2).sum();
        // Order-level part.
        self.add_to_order(pos, day, &c);
        // Seller-level money (orders without lines fall back to the order's own total).
        if sale {
            let seller_money = Counters {
                gross: if lines.is_empty() { items_total } else { gross },
                discount,
                units: scanned_units,
                ..Counters::default()
            };
            self.m.seller_days[seller as usize].cell(day).add(&seller_money);
            for (l, share) in lines.iter().zip(&shares) {
                let (product, value, qty) = *l;
                let money = Counters { gross: value, discount: *share, units: qty, ..Counters::default() };
                self.m.product_days[product as usize].cell(day).add(&money);
                if let Some(k) = self.m.products[product as usize].category {
                    self.m.category_days[k as usize].cell(day).add(&money);
                }
            }
        }
        if let Some((vday, valid, due, on_time)) = tracked {
            let mk = |units: i64| Counters {
                vtr_shipped: 1,
                vtr_valid: i64::from(valid),
                otd_units: if valid && due { units } else { 0 },
                otd_on_time: if valid && due && on_time { units } else { 0 },
                ..Counters::default()
            };
            self.m.seller_days[seller as usize].cell(vday).add(&mk(scanned_units));
            let (products, cats) = self.targets(pos);
            for p in products {
                let u = lines.iter().filter(|l| l.0 == p).map(|l| l.2).sum();
                self.m.product_days[p as usize].cell(vday).add(&mk(u));
            }
            for k in cats {
                let u = lines.iter().filter(|l| self.m.products[l.0 as usize].category == Some(k)).map(|l| l.2).sum();
                self.m.category_days[k as usize].cell(vday).add(&mk(u));
            }
        }
    }

    fn finish(&mut self) {
        self.ensure_series();
        let mut store = Dense::default();
        for s in &self.m.seller_days {
            store.add_series(s);
        }
        self.m.store_days = store;
        let mut first = i32::MAX;
        for o in &self.orders {
            first = first.min(time::day_of(o.placed));
        }
        self.m.first_day = if first == i32::MAX { time::day_of(self.now) } else { first };
        self.m.last_day = time::day_of(self.now);
        let mut skipped: Vec<(String, u64)> = self.skipped.iter().map(|(k, v)| ((*k).to_string(), *v)).collect();
        skipped.sort();
        self.m.skipped = skipped;
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

struct ReviewRow {
    order: Option<usize>,
    product: Option<u32>,
    seller_feedback: bool,
    rating: i64,
    dsr: [Option<i64>; 3],
    images: bool,
    day: Day,
}

struct ReturnRow {
    reason: String,
    item: usize,
    quantity: i64,
    requested: i64,
    responded: Option<i64>,
    rejected: bool,
    refunded: Option<i64>,
    refunded_at: Option<i64>,
}

struct MessageRow {
    seller: u32,
    received: i64,
    replied: Option<i64>,
    inquiry: bool,
    needs_reply: bool,
    led_to_order: bool,
}

struct DailyRow {
    seller: u32,
    product: Option<u32>,
    day: Day,
    c: Counters,
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

//! Bulk inserts for the demo generator. The generator runs on its own thread and hands rows over a bounded
//! channel, 100 rows of a table at a time, to the thread that owns the connection and executes them as one
//! multi-row `INSERT` (a third of the cost of one statement per row in SQLite); a part-filled batch (the end
//! of a day, when the store is followed) goes in as a few statements of fixed sizes (`SIZES`), all kept
//! prepared. Generating and inserting so overlap on two cores. A row's cells are integers, NULLs and mostly
//! constant strings (`Cell::Str`, no allocation): a 10M-order demo binds ~60M strings.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;
use std::sync::mpsc::SyncSender;

use crate::store::OrderTimes;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, Statement, ToSql, params_from_iter};

use crate::error::{Error, Result, SqlContext};

/// What the generator thread sends to the writing thread.
pub enum Msg {
    /// rows of one table: `head` is `INSERT INTO t (a, b, c) VALUES `
    Rows { head: &'static str, cols: usize, values: Vec<Cell> },
    /// days generated, of days in all
    Progress(u64, u64),
    /// the rows sent so far are whole days, with this many orders: a consistent store for a follower to read
    WholeDays(u64),
}

/// One cell of a row to insert.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    /// a constant (a status, a country, a review's text)
    Str(&'static str),
    /// a string made for the row (a reference, a day)
    Text(String),
}

impl ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Cell::Null => ValueRef::Null,
            Cell::Int(v) => ValueRef::Integer(*v),
            Cell::Str(s) => ValueRef::Text(s.as_bytes()),
            Cell::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}

/// How many rows one `INSERT` takes: a batch, or a power of two for what is left of one. A followed demo
/// sends every table's part-filled batch at the end of each day; a statement for each of their sizes
/// (up to 1,200, in SQLite's statement cache of 16) was compiled again and again: a tenth of the demo's work.
const SIZES: [usize; 8] = [BATCH_ROWS, 64, 32, 16, 8, 4, 2, 1];

/// The `INSERT` statements, by table and number of rows, each prepared once and kept (at most one of each
/// of `SIZES` for each of the 12 tables).
pub struct Statements<'c> {
    conn: &'c Connection,
    path: &'c Path,
    prepared: HashMap<(&'static str, usize), Statement<'c>>,
}

impl<'c> Statements<'c> {
    pub fn new(conn: &'c Connection, path: &'c Path) -> Self {
        Statements { conn, path, prepared: HashMap::new() }
    }

    /// Executes one message's rows, in statements of `SIZES` rows.
    pub fn apply(&mut self, head: &'static str, cols: usize, values: &[Cell]) -> Result<()> {
        let mut left = values;
        while left.len() >= cols {
            let rows = SIZES.into_iter().find(|&n| n * cols <= left.len()).unwrap_or(1);
            let (these, rest) = left.split_at(rows * cols);
            let stmt = match self.prepared.entry((head, rows)) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let one = format!("({})", vec!["?"; cols].join(","));
                    let sql = format!("{head}{}", vec![one.as_str(); rows].join(","));
                    e.insert(self.conn.prepare(&sql).at(self.path)?)
                }
            };
            stmt.execute(params_from_iter(these)).at(self.path)?;
            left = rest;
        }
        Ok(())
    }
}

/// Rows of one table waiting to be sent.
struct Batch {
    head: &'static str,
    cols: usize,
    values: Vec<Cell>,
}

const BATCH_ROWS: usize = 100;

impl Batch {
    fn new(head: &'static str, cols: usize) -> Self {
        Batch { head, cols, values: Vec::with_capacity(cols * BATCH_ROWS) }
    }

    fn push(&mut self, out: &SyncSender<Msg>, row: impl IntoIterator<Item = Cell>) -> Result<()> {
        self.values.extend(row);
        debug_assert_eq!(self.values.len() % self.cols, 0);
        if self.values.len() >= self.cols * BATCH_ROWS {
            self.flush(out)?;
        }
        Ok(())
    }

    fn flush(&mut self, out: &SyncSender<Msg>) -> Result<()> {
        if self.values.is_empty() {
            return Ok(());
        }
        let values = std::mem::replace(&mut self.values, Vec::with_capacity(self.cols * BATCH_ROWS));
        out.send(Msg::Rows { head: self.head, cols: self.cols, values })
            .map_err(|_| Error::usage("the demo's writer stopped"))
    }
}

fn int(v: i64) -> Cell {
    Cell::Int(v)
}
fn opt(v: Option<i64>) -> Cell {
    v.map_or(Cell::Null, Cell::Int)
}
fn text(s: &'static str) -> Cell {
    Cell::Str(s)
}

pub struct Writer {
    out: SyncSender<Msg>,
    pub order_id: i64,
    pub item_id: i64,
    orders: Batch,
    items: Batch,
    customers: Batch,
    cancels: Batch,
    returns: Batch,
    reviews: Batch,
    disputes: Batch,
    traffic: Batch,
    messages: Batch,
    spend: Batch,
    stock: Batch,
    plants: Batch,
}

/// An order's columns.
pub struct OrderRow {
    pub seller: i64,
    pub customer: Option<i64>,
    pub placed: i64,
    pub times: OrderTimes,
    pub status: &'static str,
    pub fulfilled_by: &'static str,
    pub channel: &'static str,
    pub country: &'static str,
    pub items_total: i64,
    pub discount: i64,
    pub shipping_charged: i64,
    pub shipping_cost: Option<i64>,
}

/// A review's columns.
pub struct ReviewRow {
    pub order: i64,
    pub product: Option<i64>,
    pub kind: &'static str,
    pub rating: i64,
    pub dsr: [Option<i64>; 3],
    pub images: bool,
    pub body: Option<&'static str>,
    pub created: i64,
}

impl Writer {
    pub fn new(out: SyncSender<Msg>) -> Self {
        Writer {
            out,
            order_id: 0,
            item_id: 0,
            orders: Batch::new(
                "INSERT INTO orders (id, ref, seller_id, customer_id, placed_at, paid_at, ship_by_at, ship_confirmed_at,
                 first_scan_at, promised_delivery_at, delivered_at, status, fulfilled_by, channel, ship_country,
                 items_total_minor, discount_minor, shipping_charged_minor, shipping_cost_minor) VALUES ",
                19,
            ),
            items: Batch::new("INSERT INTO order_items (id, order_id, product_id, quantity, unit_price_minor) VALUES ", 5),
            customers: Batch::new("INSERT INTO customers (id, ref, country) VALUES ", 3),
            cancels: Batch::new("INSERT INTO cancellations (order_id, cancelled_at, initiator, reason, stage) VALUES ", 5),
            returns: Batch::new(
                "INSERT INTO returns (order_item_id, quantity, reason, requested_at, responded_at, status, refunded_minor,
                 refunded_at) VALUES ",
                8,
            ),
            reviews: Batch::new(
                "INSERT INTO reviews (order_id, product_id, kind, rating, dsr_described, dsr_communication, dsr_shipping,
                 has_images, body, created_at) VALUES ",
                10,
            ),
            disputes: Batch::new("INSERT INTO disputes (order_id, kind, opened_at, responded_at, closed_at, outcome) VALUES ", 6),
            traffic: Batch::new(
                "INSERT INTO traffic_daily (seller_id, product_id, day, page_views, visitors, add_to_cart, checkouts) VALUES ",
                7,
            ),
            messages: Batch::new(
                "INSERT INTO messages (seller_id, customer_id, order_id, received_at, first_reply_at, is_inquiry, needs_reply)
                 VALUES ",
                7,
            ),
            spend: Batch::new("INSERT INTO marketing_spend (seller_id, day, channel, amount_minor) VALUES ", 4),
            stock: Batch::new("INSERT INTO stock (product_id, on_hand, reorder_point, lead_time_days, updated_at) VALUES ", 5),
            plants: Batch::new("INSERT INTO kpiscope_demo_plants (name, rule, seller_ref, product_ref, description) VALUES ", 5),
        }
    }

    /// Writes every buffered row.
    pub fn flush(&mut self) -> Result<()> {
        let out = &self.out;
        let all = [
            &mut self.customers,
            &mut self.orders,
            &mut self.items,
            &mut self.cancels,
            &mut self.returns,
            &mut self.reviews,
            &mut self.disputes,
            &mut self.traffic,
            &mut self.messages,
            &mut self.spend,
            &mut self.stock,
            &mut self.plants,
        ];
        for b in all {
            b.flush(out)?;
        }
        Ok(())
    }

    pub fn customer(&mut self, id: i64, country: &'static str) -> Result<()> {
        self.customers.push(&self.out, [int(id), Cell::Text(format!("C{id:07}")), text(country)])
    }

    /// Inserts an order and returns its id.
    pub fn order(&mut self, o: &OrderRow) -> Result<i64> {
        self.order_id += 1;
        let id = self.order_id;
        let row = [
            int(id),
            Cell::Text(format!("O{id:08}")),
            int(o.seller),
            opt(o.customer),
            int(o.placed),
            opt(o.times.paid),
            opt(o.times.ship_by),
            opt(o.times.confirmed),
            opt(o.times.scanned),
            opt(o.times.promised),
            opt(o.times.delivered),
            text(o.status),
            text(o.fulfilled_by),
            text(o.channel),
            text(o.country),
            int(o.items_total),
            int(o.discount),
            int(o.shipping_charged),
            opt(o.shipping_cost),
        ];
        self.orders.push(&self.out, row)?;
        Ok(id)
    }

    pub fn item(&mut self, order: i64, product: i64, qty: i64, price: i64) -> Result<i64> {
        self.item_id += 1;
        let row = [int(self.item_id), int(order), int(product), int(qty), int(price)];
        self.items.push(&self.out, row)?;
        Ok(self.item_id)
    }

    pub fn cancel(&mut self, order: i64, at: i64, initiator: &'static str, reason: &'static str) -> Result<()> {
        let row = [int(order), int(at), text(initiator), text(reason), text("before_shipment")];
        self.cancels.push(&self.out, row)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn ret(
        &mut self,
        item: i64,
        qty: i64,
        reason: &'static str,
        requested: i64,
        responded: Option<i64>,
        status: &'static str,
        refunded: Option<i64>,
        refunded_at: Option<i64>,
    ) -> Result<()> {
        let row = [
            int(item),
            int(qty),
            text(reason),
            int(requested),
            opt(responded),
            text(status),
            opt(refunded),
            opt(refunded_at),
        ];
        self.returns.push(&self.out, row)
    }

    pub fn review(&mut self, r: &ReviewRow) -> Result<()> {
        let [d, c, s] = r.dsr;
        let row = [
            int(r.order),
            opt(r.product),
            text(r.kind),
            int(r.rating),
            opt(d),
            opt(c),
            opt(s),
            int(i64::from(r.images)),
            r.body.map_or(Cell::Null, text),
            int(r.created),
        ];
        self.reviews.push(&self.out, row)
    }

    pub fn dispute(
        &mut self,
        order: i64,
        kind: &'static str,
        opened: i64,
        responded: Option<i64>,
        closed: Option<i64>,
        outcome: Option<&'static str>,
    ) -> Result<()> {
        let row = [int(order), text(kind), int(opened), opt(responded), opt(closed), outcome.map_or(Cell::Null, text)];
        self.disputes.push(&self.out, row)
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
        let row = [
            int(seller),
            opt(product),
            Cell::Text(day.to_string()),
            int(views),
            int(visitors),
            int(atc),
            int(checkouts),
        ];
        self.traffic.push(&self.out, row)
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
        let row = [int(seller), opt(customer), opt(order), int(received), opt(reply), int(i64::from(inquiry)), int(1)];
        self.messages.push(&self.out, row)
    }

    pub fn spend(&mut self, seller: i64, day: &str, channel: &'static str, amount: i64) -> Result<()> {
        self.spend.push(&self.out, [int(seller), Cell::Text(day.to_string()), text(channel), int(amount)])
    }

    pub fn stock(&mut self, product: i64, on_hand: i64, reorder: i64, lead: i64, updated: i64) -> Result<()> {
        self.stock.push(&self.out, [int(product), int(on_hand), int(reorder), int(lead), int(updated)])
    }

    pub fn plant(
        &mut self,
        name: &'static str,
        rule: &'static str,
        seller: &str,
        product: Option<&str>,
        description: &'static str,
    ) -> Result<()> {
        self.plants.push(
            &self.out,
            [
                text(name),
                text(rule),
                Cell::Text(seller.to_string()),
                product.map_or(Cell::Null, |p| Cell::Text(p.to_string())),
                text(description),
            ],
        )
    }

    /// Writes every buffered row and says that they make whole days, `orders` orders in all: where the
    /// writer may commit.
    pub fn whole_days(&mut self, orders: u64) -> Result<()> {
        self.flush()?;
        self.out.send(Msg::WholeDays(orders)).map_err(|_| Error::usage("the demo's writer stopped"))
    }

    pub fn progress(&mut self, done: u64, total: u64) -> Result<()> {
        self.out.send(Msg::Progress(done, total)).map_err(|_| Error::usage("the demo's writer stopped"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 237 rows go in as 100 + 100 + 32 + 4 + 1, in order, each cell as given; at most one statement of
    /// each size is prepared.
    #[test]
    fn a_message_goes_in_whole_and_in_order_in_statements_of_a_few_sizes() {
        let conn = Connection::open_in_memory().expect("memory");
        conn.execute_batch("CREATE TABLE t (n INTEGER, s TEXT, o TEXT)").expect("table");
        let path = Path::new(":memory:");
        let mut statements = Statements::new(&conn, path);
        let rows = |from: i64, n: i64| -> Vec<Cell> {
            (from..from + n)
                .flat_map(|i| {
                    let s = if i % 2 == 0 { Cell::Str("even") } else { Cell::Text(format!("odd {i}")) };
                    [Cell::Int(i), s, if i % 3 == 0 { Cell::Null } else { Cell::Str("x") }]
                })
                .collect()
        };
        let head = "INSERT INTO t (n, s, o) VALUES ";
        statements.apply(head, 3, &rows(0, 237)).expect("237 rows");
        statements.apply(head, 3, &rows(237, 5)).expect("5 rows");
        let mut stmt = conn.prepare("SELECT n, s, o FROM t ORDER BY rowid").expect("select");
        let back: Vec<(i64, String, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(back.len(), 242);
        for (i, (n, s, o)) in back.into_iter().enumerate() {
            let i = i as i64;
            assert_eq!(n, i);
            assert_eq!(s, if i % 2 == 0 { "even".to_string() } else { format!("odd {i}") });
            assert_eq!(o.as_deref(), if i % 3 == 0 { None } else { Some("x") });
        }
        let mut sizes: Vec<usize> = statements.prepared.keys().map(|&(_, n)| n).collect();
        sizes.sort_unstable();
        assert_eq!(sizes, [1, 4, 32, 100]);
    }
}

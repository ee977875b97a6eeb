//! Reading rows of the store's tables: either every row above an id watermark (new rows), or the rows with
//! given ids (rows still pending, re-read to see updates; dense runs of ids are read as id ranges). One
//! function per table, returning plain structs.

use std::path::Path;
use std::rc::Rc;

use crate::store::OrderTimes;
use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use super::quality::Quality;
use crate::error::{Result, SqlContext};

/// Which rows to read.
#[derive(Debug, Clone, Copy)]
pub enum Pick<'a> {
    /// rows with `id > watermark`
    After(i64),
    /// rows with these ids
    Ids(&'a [i64]),
    /// rows with `from < id <= to` (a first load reads the orders a slice at a time)
    Slice(i64, i64),
}

/// A row that could not be mapped because a value is NULL or of the wrong type is counted as a data-quality
/// problem (`bad_value:table.column`) and left out; any other error stands.
fn vet<T>(table: &str, r: &Row<'_>, mapped: rusqlite::Result<T>, q: &mut Quality) -> rusqlite::Result<Option<T>> {
    use rusqlite::Error as E;
    let (col, why) = match &mapped {
        Err(E::InvalidColumnType(i, name, ty)) => (*i, format!("{name} is {ty}")),
        Err(E::FromSqlConversionFailure(i, ty, e)) => (*i, format!("{ty} value: {e}")),
        Err(E::IntegralValueOutOfRange(i, v)) => (*i, format!("{v} is out of range")),
        _ => return mapped.map(Some),
    };
    let name = r.as_ref().column_name(col).map_or_else(|_| format!("column {col}"), str::to_string);
    let id: Option<i64> = r.get(0).ok();
    q.note(format!("bad_value:{table}.{name}"), || match id {
        Some(id) => format!("{table} row {id}: {why}"),
        None => format!("{table}: {why}"),
    });
    Ok(None)
}

/// Maps every row of `rows` into `out`, leaving out (and counting) those with a bad value.
fn collect<T>(
    path: &Path,
    table: &str,
    rows: rusqlite::Rows<'_>,
    q: &mut Quality,
    map: &mut impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    out: &mut Vec<T>,
) -> Result<()> {
    collect_some(path, table, rows, q, None::<fn(i64) -> bool>, map, out)
}

/// `collect` of the rows whose id (column 0) `wanted` accepts, when given; the others are not mapped.
/// (Without a filter no id is read twice: a cold load maps tens of millions of rows through here.)
fn collect_some<T>(
    path: &Path,
    table: &str,
    mut rows: rusqlite::Rows<'_>,
    q: &mut Quality,
    mut wanted: Option<impl FnMut(i64) -> bool>,
    map: &mut impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    out: &mut Vec<T>,
) -> Result<()> {
    while let Some(r) = rows.next().at(path)? {
        if let Some(wanted) = wanted.as_mut()
            && r.get::<_, i64>(0).is_ok_and(|id| !wanted(id))
        {
            continue;
        }
        if let Some(row) = vet(table, r, map(r), q).at(path)? {
            out.push(row);
        }
    }
    Ok(())
}

/// Ids closer than this to the previous one belong to the same run.
const RUN_GAP: i64 = 4;
/// A run of at least this many ids is read as one id range (a scan) instead of by lookups.
const RUN_MIN: usize = 32;

/// Sorted, distinct ids cut into pieces read in id order: `Ok(run)` a dense run, read as an id range with
/// the few ids in between skipped (pending rows are mostly the newest, and a scan costs a fraction of a
/// lookup per row); `Err(ids)` scattered ids, read by lookups.
fn runs(ids: &[i64]) -> Vec<std::result::Result<&[i64], &[i64]>> {
    let mut out = Vec::new();
    let (mut scattered, mut at) = (0, 0);
    while at < ids.len() {
        let mut end = at + 1;
        while end < ids.len() && ids[end] - ids[end - 1] <= RUN_GAP {
            end += 1;
        }
        if end - at >= RUN_MIN {
            if scattered < at {
                out.push(Err(&ids[scattered..at]));
            }
            out.push(Ok(&ids[at..end]));
            scattered = end;
        }
        at = end;
    }
    if scattered < ids.len() {
        out.push(Err(&ids[scattered..]));
    }
    out
}

/// Runs `SELECT {cols} FROM {table} WHERE <pick> ORDER BY id` and maps each row.
fn select<T>(
    conn: &Connection,
    path: &Path,
    table: &str,
    cols: &str,
    pick: Pick<'_>,
    q: &mut Quality,
    mut map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    match pick {
        Pick::After(mark) => {
            let sql = format!("SELECT id, {cols} FROM {table} WHERE id > ?1 ORDER BY id");
            let mut stmt = conn.prepare_cached(&sql).at(path)?;
            collect(path, table, stmt.query([mark]).at(path)?, q, &mut map, &mut out)?;
        }
        Pick::Slice(from, to) => {
            let sql = format!("SELECT id, {cols} FROM {table} WHERE id > ?1 AND id <= ?2 ORDER BY id");
            let mut stmt = conn.prepare_cached(&sql).at(path)?;
            collect(path, table, stmt.query([from, to]).at(path)?, q, &mut map, &mut out)?;
        }
        Pick::Ids(ids) => {
            let mut ids = ids.to_vec();
            ids.sort_unstable();
            ids.dedup();
            for piece in runs(&ids) {
                match piece {
                    Ok(run) => {
                        let sql = format!("SELECT id, {cols} FROM {table} WHERE id BETWEEN ?1 AND ?2 ORDER BY id");
                        let mut stmt = conn.prepare_cached(&sql).at(path)?;
                        let rows = stmt.query([run[0], run[run.len() - 1]]).at(path)?;
                        let mut next = run.iter().peekable();
                        let wanted = |id: i64| {
                            while next.next_if(|&&w| w < id).is_some() {}
                            next.next_if_eq(&&id).is_some()
                        };
                        collect_some(path, table, rows, q, Some(wanted), &mut map, &mut out)?;
                    }
                    Err(scattered) => {
                        // One statement over the ids as an array (`rarray`, registered when a store is
                        // opened): cut into lists of 500 written out as SQL, the ~40,000 open returns and
                        // unanswered messages of a 10M-order store were ~90 statements parsed afresh each
                        // refresh (a tenth of a refresh's time went to the parser).
                        let sql = format!("SELECT id, {cols} FROM {table} WHERE id IN rarray(?1) ORDER BY id");
                        let mut stmt = conn.prepare_cached(&sql).at(path)?;
                        let list: Rc<Vec<Value>> = Rc::new(scattered.iter().map(|&i| Value::Integer(i)).collect());
                        collect(path, table, stmt.query([list]).at(path)?, q, &mut map, &mut out)?;
                    }
                }
            }
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
pub struct SellerRow {
    pub id: i64,
    pub reference: String,
    pub name: String,
    pub country: Option<String>,
    pub currency: String,
}

pub fn sellers(conn: &Connection, path: &Path, pick: Pick<'_>, q: &mut Quality) -> Result<Vec<SellerRow>> {
    select(conn, path, "sellers", "ref, name, country, currency", pick, q, |r| {
        Ok(SellerRow {
            id: r.get(0)?,
            reference: r.get(1)?,
            name: r.get(2)?,
            country: r.get(3)?,
            currency: r.get::<_, String>(4)?.to_ascii_uppercase(),
        })
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProductRow {
    pub id: i64,
    pub reference: String,
    pub seller: i64,
    pub sku: Option<String>,
    pub title: String,
    pub category: Option<String>,
    pub price: Option<i64>,
}

pub fn products(conn: &Connection, path: &Path, pick: Pick<'_>, q: &mut Quality) -> Result<Vec<ProductRow>> {
    select(conn, path, "products", "ref, seller_id, sku, title, category, price_minor", pick, q, |r| {
        Ok(ProductRow {
            id: r.get(0)?,
            reference: r.get(1)?,
            seller: r.get(2)?,
            sku: r.get(3)?,
            title: r.get(4)?,
            category: r.get::<_, Option<String>>(5)?.filter(|c| !c.trim().is_empty()),
            price: r.get(6)?,
        })
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderRow {
    pub id: i64,
    pub seller: i64,
    pub customer: Option<i64>,
    pub placed: i64,
    pub times: OrderTimes,
    pub seller_fulfilled: bool,
    pub items_total: i64,
    pub discount: i64,
    pub ship_cost: Option<i64>,
}

/// Whether column `i` is the text `want`, read in place, not copied to a `String` for each of millions of
/// rows; what is not UTF-8 text fails as `get::<String>` fails.
fn text_is(r: &Row<'_>, i: usize, want: &str) -> rusqlite::Result<bool> {
    match r.get_ref(i)? {
        rusqlite::types::ValueRef::Text(t) if std::str::from_utf8(t).is_ok() => Ok(t == want.as_bytes()),
        _ => Ok(r.get::<_, String>(i)? == want),
    }
}

pub fn orders(conn: &Connection, path: &Path, pick: Pick<'_>, q: &mut Quality) -> Result<Vec<OrderRow>> {
    let cols = format!(
        "seller_id, customer_id, placed_at, {}, fulfilled_by, items_total_minor, discount_minor, shipping_cost_minor",
        OrderTimes::COLUMNS
    );
    select(conn, path, "orders", &cols, pick, q, |r| {
        Ok(OrderRow {
            id: r.get(0)?,
            seller: r.get(1)?,
            customer: r.get(2)?,
            placed: r.get(3)?,
            times: OrderTimes::read(r, 4)?,
            seller_fulfilled: text_is(r, 10, "seller")?,
            items_total: r.get(11)?,
            discount: r.get(12)?,
            ship_cost: r.get(13)?,
        })
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    pub id: i64,
    pub order: i64,
    pub product: i64,
    pub quantity: i64,
    pub price: i64,
}

/// Items above a watermark, grouped by order (then id). They are read in id order, which is order order in
/// any store written an order at a time, and sorted here only when it is not: SQLite has no index on the
/// order to sort by, and its sort doubled the time of reading the items.
pub fn items_after(conn: &Connection, path: &Path, mark: i64, q: &mut Quality) -> Result<Vec<ItemRow>> {
    let (mut out, _) = items(conn, path, mark, i64::MAX, None, q)?;
    if !out.is_sorted_by_key(|i| i.order) {
        out.sort_unstable_by_key(|i| (i.order, i.id));
    }
    Ok(out)
}

/// Up to `limit` items with `mark < id <= to`, in id order (not sorted by order: a first load that reads them
/// a page at a time needs them in order order and checks it), and the highest id read, bad rows included (a
/// page of bad rows still moves on).
pub fn items_page(
    conn: &Connection,
    path: &Path,
    (mark, to): (i64, i64),
    limit: usize,
    q: &mut Quality,
) -> Result<(Vec<ItemRow>, i64)> {
    items(conn, path, mark, to, Some(limit), q)
}

/// Items with `mark < id <= to` in id order, at most `limit` of them, and the highest id read.
fn items(
    conn: &Connection,
    path: &Path,
    mark: i64,
    to: i64,
    limit: Option<usize>,
    q: &mut Quality,
) -> Result<(Vec<ItemRow>, i64)> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, order_id, product_id, quantity, unit_price_minor FROM order_items \
             WHERE id > ?1 AND id <= ?3 ORDER BY id LIMIT ?2",
        )
        .at(path)?;
    let mut out = Vec::with_capacity(limit.unwrap_or(0));
    let mut last = mark;
    let mut map = |r: &Row<'_>| {
        Ok(ItemRow { id: r.get(0)?, order: r.get(1)?, product: r.get(2)?, quantity: r.get(3)?, price: r.get(4)? })
    };
    let seen = |id: i64| {
        last = last.max(id);
        true
    };
    // (SQLite reads a negative LIMIT as none.)
    let limit = limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
    let rows = stmt.query(rusqlite::params![mark, limit, to]).at(path)?;
    collect_some(path, "order_items", rows, q, Some(seen), &mut map, &mut out)?;
    Ok((out, last))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelRow {
    pub id: i64,
    pub order: i64,
    pub at: i64,
    pub by_buyer: bool,
    pub before_shipment: bool,
}

pub fn cancellations(conn: &Connection, path: &Path, pick: Pick<'_>, q: &mut Quality) -> Result<Vec<CancelRow>> {
    select(conn, path, "cancellations", "order_id, cancelled_at, initiator, stage", pick, q, |r| {
        Ok(CancelRow {
            id: r.get(0)?,
            order: r.get(1)?,
            at: r.get(2)?,
            by_buyer: text_is(r, 3, "buyer")?,
            before_shipment: text_is(r, 4, "before_shipment")?,
        })
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeRow {
    pub id: i64,
    pub order: i64,
    pub opened: i64,
    pub responded: Option<i64>,
    pub closed: Option<i64>,
    pub outcome: Option<String>,
}

pub fn disputes(conn: &Connection, path: &Path, pick: Pick<'_>, q: &mut Quality) -> Result<Vec<DisputeRow>> {
    select(conn, path, "disputes", "order_id, opened_at, responded_at, closed_at, outcome", pick, q, |r| {
        Ok(DisputeRow {
            id: r.get(0)?,
            order: r.get(1)?,
            opened: r.get(2)?,
            responded: r.get(3)?,
            closed: r.get(4)?,
            outcome: r.get(5)?,
        })
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub id: i64,
    pub order: Option<i64>,
    pub product: Option<i64>,
    pub seller_feedback: bool,
    pub rating: i64,
    pub dsr: [Option<i64>; 3],
    pub images: bool,
    pub created: i64,
}

pub fn reviews(conn: &Connection, path: &Path, pick: Pick<'_>, q: &mut Quality) -> Result<Vec<ReviewRow>> {
    let cols =
        "order_id, product_id, kind, rating, dsr_described, dsr_communication, dsr_shipping, has_images, created_at";
    select(conn, path, "reviews", cols, pick, q, |r| {
        Ok(ReviewRow {
            id: r.get(0)?,
            order: r.get(1)?,
            product: r.get(2)?,
            seller_feedback: text_is(r, 3, "seller")?,
            rating: r.get(4)?,
            dsr: [r.get(5)?, r.get(6)?, r.get(7)?],
            images: r.get::<_, i64>(8)? != 0,
            created: r.get(9)?,
        })
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRow {
    pub id: i64,
    pub item: i64,
    pub quantity: i64,
    pub reason: String,
    pub requested: i64,
    pub responded: Option<i64>,
    /// 'requested' | 'approved' | 'rejected' | 'refunded'
    pub status: String,
    pub refunded: Option<i64>,
    pub refunded_at: Option<i64>,
}

pub fn returns(conn: &Connection, path: &Path, pick: Pick<'_>, q: &mut Quality) -> Result<Vec<ReturnRow>> {
    let cols = "order_item_id, quantity, reason, requested_at, responded_at, status, refunded_minor, refunded_at";
    select(conn, path, "returns", cols, pick, q, |r| {
        Ok(ReturnRow {
            id: r.get(0)?,
            item: r.get(1)?,
            quantity: r.get(2)?,
            reason: r.get::<_, Option<String>>(3)?.map_or_else(|| "unknown".into(), |s| super::text::clean(&s, 80)),
            requested: r.get(4)?,
            responded: r.get(5)?,
            status: r.get(6)?,
            refunded: r.get(7)?,
            refunded_at: r.get(8)?,
        })
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    pub id: i64,
    pub seller: i64,
    pub received: i64,
    pub replied: Option<i64>,
    pub inquiry: bool,
    pub needs_reply: bool,
    pub led_to_order: bool,
}

pub fn messages(conn: &Connection, path: &Path, pick: Pick<'_>, q: &mut Quality) -> Result<Vec<MessageRow>> {
    let cols = "seller_id, received_at, first_reply_at, is_inquiry, needs_reply, order_id";
    select(conn, path, "messages", cols, pick, q, |r| {
        Ok(MessageRow {
            id: r.get(0)?,
            seller: r.get(1)?,
            received: r.get(2)?,
            replied: r.get(3)?,
            inquiry: r.get::<_, i64>(4)? != 0,
            needs_reply: r.get::<_, i64>(5)? != 0,
            led_to_order: r.get::<_, Option<i64>>(6)?.is_some(),
        })
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficRow {
    pub id: i64,
    pub seller: i64,
    pub product: Option<i64>,
    pub day: String,
    pub page_views: i64,
    pub visitors: i64,
    pub add_to_cart: i64,
    pub checkouts: i64,
}

pub fn traffic(conn: &Connection, path: &Path, pick: Pick<'_>, q: &mut Quality) -> Result<Vec<TrafficRow>> {
    let cols = "seller_id, product_id, day, page_views, visitors, add_to_cart, checkouts";
    select(conn, path, "traffic_daily", cols, pick, q, |r| {
        Ok(TrafficRow {
            id: r.get(0)?,
            seller: r.get(1)?,
            product: r.get(2)?,
            day: r.get(3)?,
            page_views: r.get(4)?,
            visitors: r.get(5)?,
            add_to_cart: r.get(6)?,
            checkouts: r.get(7)?,
        })
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendRow {
    pub id: i64,
    pub seller: i64,
    pub day: String,
    pub amount: i64,
}

pub fn spend(conn: &Connection, path: &Path, pick: Pick<'_>, q: &mut Quality) -> Result<Vec<SpendRow>> {
    select(conn, path, "marketing_spend", "seller_id, day, amount_minor", pick, q, |r| {
        Ok(SpendRow { id: r.get(0)?, seller: r.get(1)?, day: r.get(2)?, amount: r.get(3)? })
    })
}

/// (product id, on hand, reorder point, lead time days)
pub type StockRow = (i64, i64, Option<i64>, Option<i64>);

/// The stock table in full (one row per product: small).
pub fn stock(conn: &Connection, path: &Path, q: &mut Quality) -> Result<Vec<StockRow>> {
    let mut stmt =
        conn.prepare_cached("SELECT product_id, on_hand, reorder_point, lead_time_days FROM stock").at(path)?;
    let mut out = Vec::new();
    let mut map = |r: &Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
    collect(path, "stock", stmt.query([]).at(path)?, q, &mut map, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn dense_ids_are_read_as_runs_and_scattered_ones_by_lookup() {
        let dense: Vec<i64> = (100..200).filter(|i| i % 3 != 0).collect();
        let mut ids = vec![1, 50];
        ids.extend(&dense);
        ids.extend([300, 400]);
        let got = runs(&ids);
        assert_eq!(got, vec![Err(&[1, 50][..]), Ok(&dense[..]), Err(&[300, 400][..])]);
        // A short cluster is not worth a scan.
        assert_eq!(runs(&[1, 2, 3, 9]), vec![Err(&[1, 2, 3, 9][..])]);
        assert!(runs(&[]).is_empty());
    }

    #[test]
    fn items_come_grouped_by_order_whatever_their_ids() {
        let conn = rusqlite::Connection::open_in_memory().expect("db");
        conn.execute_batch(
            "CREATE TABLE order_items (id INTEGER PRIMARY KEY, order_id INTEGER, product_id INTEGER,
                                       quantity INTEGER, unit_price_minor INTEGER);
             INSERT INTO order_items VALUES (1, 2, 7, 1, 100), (2, 1, 7, 1, 100), (3, 2, 8, 1, 100), (4, 1, 8, 2, 50);",
        )
        .expect("items");
        let mut q = super::Quality::default();
        let got = super::items_after(&conn, std::path::Path::new("mem"), 0, &mut q).expect("read");
        let order_id: Vec<(i64, i64)> = got.iter().map(|i| (i.order, i.id)).collect();
        assert_eq!(order_id, vec![(1, 2), (1, 4), (2, 1), (2, 3)]);
        assert_eq!(super::items_after(&conn, std::path::Path::new("mem"), 2, &mut q).expect("read").len(), 2);
    }

    #[test]
    fn rows_by_id_come_from_runs_and_scattered_ids_alike() {
        let conn = rusqlite::Connection::open_in_memory().expect("db");
        rusqlite::vtab::array::load_module(&conn).expect("rarray");
        conn.execute_batch(
            "CREATE TABLE returns (id INTEGER PRIMARY KEY, order_item_id INTEGER, quantity INTEGER, reason TEXT,
                                   requested_at INTEGER, responded_at INTEGER, status TEXT, refunded_minor INTEGER,
                                   refunded_at INTEGER);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
             INSERT INTO returns SELECT i, i * 10, 1, 'size', i * 100, NULL, 'approved', NULL, NULL FROM n;",
        )
        .expect("returns");
        let mut q = super::Quality::default();
        // scattered ids before, between and after a dense run, one missing, repeated and out of order
        let mut ids: Vec<i64> = (200..260).collect();
        ids.extend([499, 7, 90, 7, 9_999, 130]);
        let got = super::returns(&conn, std::path::Path::new("mem"), super::Pick::Ids(&ids), &mut q).expect("read");
        let mut want: Vec<i64> = ids.iter().copied().filter(|&i| i <= 500).collect();
        want.sort_unstable();
        want.dedup();
        assert_eq!(got.iter().map(|r| r.id).collect::<Vec<_>>(), want);
        assert!(got.iter().all(|r| r.item == r.id * 10 && r.requested == r.id * 100));
    }
}

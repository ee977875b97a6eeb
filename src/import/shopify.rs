//! `--format shopify`: the orders export of Shopify's admin (Orders → Export): one row per line item, the
//! order's own fields (Financial Status, Paid at, Fulfilled at, Cancelled at, Refunded Amount, Discount
//! Amount, Shipping, Currency, ...) on the first row of each order (docs/import.md). The export has no
//! carrier scans, no delivery dates and no refund dates; what it has maps as follows:
//! - `Name` → order ref; `Created at` → placed; `Paid at` → paid (pending, authorized and voided orders are
//!   unpaid: not sales); `Fulfilled at` → ship confirmed;
//! - `Cancelled at` → a cancellation by the seller (only merchants cancel in the admin; the export has no
//!   reason);
//! - `Refunded Amount` of a `refunded` order → every line returned, the amount split pro rata; of a
//!   `partially_refunded` order → one unit of the first line returned with the whole amount (the export
//!   does not say which items). Refunds are dated by the order's last known event;
//! - `Email` → customer; `Source` → channel; `Shipping Country` → ship country.

use std::path::Path;

use rusqlite::Transaction;

use super::csvfile::CsvFile;
use super::write::{self, Timeline};
use super::{Issue, Job, Options, Summary, parse};
use crate::error::{Error, Result, SqlContext};
use crate::store::OrderTimes;

struct Line {
    qty: i64,
    price: i64,
    sku: String,
    name: String,
}

#[derive(Default)]
struct Order {
    name: String,
    head: Vec<String>,
    lines: Vec<Line>,
    broken: bool,
}

const REQUIRED: &[&str] = &["Name", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price"];

pub fn import(job: &Job<'_>, summary: &mut Summary) -> Result<()> {
    let Job { tx, store, inputs, opts, meter } = *job;
    meter.expect(inputs);
    for path in inputs {
        let mut f = CsvFile::open(path, meter)?;
        let col = |h: &str| f.headers.iter().position(|x| x == h);
        let missing: Vec<&str> = REQUIRED.iter().copied().filter(|h| col(h).is_none()).collect();
        if !missing.is_empty() {
            return Err(Error::usage(format!(
                "{}:1: not a Shopify orders export: no column {}",
                f.name,
                missing.join(", ")
            )));
        }
        let c = |h: &str| col(h);
        let (name, qty, lname, price) = (
            c("Name").unwrap_or(0),
            c("Lineitem quantity").unwrap_or(0),
            c("Lineitem name").unwrap_or(0),
            c("Lineitem price").unwrap_or(0),
        );
        let sku = c("Lineitem sku");
        let currency_col = c("Currency");
        let mut orders: Vec<Order> = Vec::new();
        let file = f.name.clone();
        let headers = f.headers.clone();
        while let Some(row) = f.next_row(summary, opts.strict)? {
            let n = row.fields[name].trim().to_string();
            if orders.last().is_none_or(|o| o.name != n) {
                orders.push(Order { name: n, head: row.fields.clone(), ..Order::default() });
            }
            let exponent = crate::money::exponent(
                currency_col
                    .map(|i| orders.last().map_or("", |o| o.head[i].as_str()))
                    .filter(|c| !c.is_empty())
                    .unwrap_or(&opts.currency),
            );
            let Some(o) = orders.last_mut() else { continue };
            let bad = |i: usize, why: String| Issue {
                file: file.clone(),
                line: row.line,
                column: headers[i].clone(),
                value: row.fields[i].clone(),
                why,
            };
            // The first field of the two that cannot be read is reported, with why.
            let read = parse::quantity(&row.fields[qty])
                .and_then(|q| if q > 0 { Ok(q) } else { Err("not a positive quantity".into()) })
                .map_err(|why| (qty, why))
                .and_then(|q| {
                    let p = parse::money(&row.fields[price], exponent);
                    p.and_then(|p| if p >= 0 { Ok((q, p)) } else { Err("a negative price".into()) })
                        .map_err(|why| (price, why))
                });
            let (q, p) = match read {
                Ok(qp) => qp,
                Err((i, why)) => {
                    summary.issue(bad(i, why), opts.strict)?;
                    o.broken = true;
                    continue;
                }
            };
            let title = row.fields[lname].trim().to_string();
            let code = sku
                .map(|i| row.fields[i].trim().to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| title.clone());
            o.lines.push(Line { qty: q, price: p, sku: code, name: title });
        }
        for o in orders {
            if o.broken {
                summary.skip("orders with a line that could not be read (left out whole)");
                continue;
            }
            write_order(tx, store, opts, summary, &headers, &o)?;
        }
    }
    Ok(())
}

fn write_order(
    tx: &Transaction<'_>,
    store: &Path,
    opts: &Options,
    summary: &mut Summary,
    headers: &[String],
    o: &Order,
) -> Result<()> {
    let get = |h: &str| headers.iter().position(|x| x == h).map(|i| o.head[i].trim()).filter(|s| !s.is_empty());
    let currency = get("Currency").unwrap_or(&opts.currency).to_ascii_uppercase();
    let exponent = crate::money::exponent(&currency);
    let seller_ref = opts.seller.clone().unwrap_or_else(|| "shopify".into());
    let seller = write::seller(tx, store, &seller_ref, &currency)?;
    let Some(placed) = get("Created at").and_then(|t| parse::timestamp(t).ok()) else {
        summary.skip("orders without a readable 'Created at'");
        return Ok(());
    };
    let ts = |h: &str| get(h).and_then(|t| parse::timestamp(t).ok());
    let money = |h: &str| get(h).and_then(|t| parse::money(t, exponent).ok()).unwrap_or(0);
    let customer = match get("Email") {
        Some(e) => {
            let (id, new) = write::customer(tx, store, &e.to_ascii_lowercase())?;
            summary.customers += u64::from(new);
            Some(id)
        }
        None => None,
    };
    let mut lines = Vec::new();
    for l in &o.lines {
        let (id, new) = write::product(tx, store, seller, &l.sku, &l.name, Some(l.price))?;
        summary.products += u64::from(new);
        lines.push((id, l.qty, l.price));
    }
    let financial = get("Financial Status").unwrap_or("paid");
    let paid = match financial {
        "pending" | "authorized" | "voided" => None,
        _ => ts("Paid at").or(Some(placed)),
    };
    let cancelled = ts("Cancelled at");
    let fulfilled = ts("Fulfilled at");
    let status = match (cancelled, paid, fulfilled) {
        (Some(_), _, _) => "cancelled",
        (_, None, _) => "placed",
        (_, _, Some(_)) => "shipped",
        _ => "paid",
    };
    let timeline = Timeline {
        times: OrderTimes { paid, confirmed: fulfilled, ..OrderTimes::default() },
        status,
        channel: get("Source"),
        shipping_charged: money("Shipping"),
    };
    let order = write::NewOrder {
        reference: &o.name,
        seller,
        customer,
        at: placed,
        country: get("Shipping Country"),
        lines: &lines,
        timeline: Some(timeline),
    };
    let (id, outcome) = write::order(tx, store, &order)?;
    summary.count_order(outcome, lines.len());
    let discount = money("Discount Amount");
    tx.execute(
        "UPDATE orders SET discount_minor = ?2 WHERE id = ?1 AND discount_minor IS NOT ?2",
        rusqlite::params![id, discount],
    )
    .at(store)?;
    if let Some(at) = cancelled {
        write::cancel(tx, store, id, at, "seller", "cancelled in Shopify (the export has no reason)")?;
    }
    let refunded = money("Refunded Amount");
    if refunded > 0 {
        let items: Vec<(i64, i64, i64)> = tx
            .prepare("SELECT id, quantity, unit_price_minor FROM order_items WHERE order_id = ?1 ORDER BY id")
            .and_then(|mut s| s.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect())
            .at(store)?;
        let at = [fulfilled, paid, Some(placed)].into_iter().flatten().max().unwrap_or(placed);
        if financial == "refunded" {
            let shares = crate::engine::split_pro_rata(refunded, &items.iter().map(|i| i.1 * i.2).collect::<Vec<_>>());
            for ((item, qty, _), share) in items.iter().zip(shares) {
                summary.returns_new += u64::from(write::ret(tx, store, *item, *qty, at, share)?);
            }
        } else if let Some((item, _, _)) = items.first() {
            summary.returns_new += u64::from(write::ret(tx, store, *item, 1, at, refunded)?);
            summary.skip("partial refunds put on the first line (the export does not say which items)");
        }
    }
    Ok(())
}

//! `--format lines`: the most common export, one row per order line (the UCI Online Retail file is one).
//!
//! Semantics (docs/import.md):
//! - an order is an order id with positive-quantity lines; gross sales = Σ quantity × unit price of them;
//! - a line with a negative quantity, or of an order id marking a cancellation (a leading `C`), is a return
//!   of that product on that date, with refund = |quantity × unit price|; it is attached to the same
//!   customer's latest earlier sale of the product, and counted as unmatched when there is none;
//! - a line with a negative unit price is an accounting adjustment and a line with a zero unit price a
//!   write-off or a sample: both are kept out of sales and counted;
//! - a line with no customer is a sale to an unknown customer.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, params};

use super::csvfile::CsvFile;
use super::parse;
use super::write;
use super::{Issue, Job, Options, Summary};
use crate::error::{Error, Result, SqlContext};

/// Roles, their common header spellings, and whether a file must have them.
const ROLES: &[(&str, &[&str], bool)] = &[
    ("order", &["InvoiceNo", "Invoice", "Order ID", "OrderID", "Order Number", "Order", "order_id"], true),
    ("sku", &["StockCode", "SKU", "Product Code", "ProductCode", "Product ID", "product_id", "Item Code"], true),
    ("name", &["Description", "Product Name", "Product", "Title", "Item Name", "Name"], false),
    ("quantity", &["Quantity", "Qty"], true),
    ("date", &["InvoiceDate", "Invoice Date", "Order Date", "OrderDate", "Date", "Created at"], true),
    ("price", &["UnitPrice", "Unit Price", "Price"], true),
    ("customer", &["CustomerID", "Customer ID", "Customer", "customer_id"], false),
    ("country", &["Country"], false),
];

#[derive(Debug, Clone)]
struct SaleLine {
    sku: String,
    qty: i64,
    price: i64,
}

#[derive(Debug, Default)]
struct OrderAgg {
    at: i64,
    customer: Option<String>,
    country: Option<String>,
    lines: Vec<SaleLine>,
}

#[derive(Debug, Clone)]
struct ReturnLine {
    sku: String,
    qty: i64,
    price: i64,
    at: i64,
    customer: Option<String>,
}

/// Column positions of one file.
struct Cols {
    order: usize,
    sku: usize,
    name: Option<usize>,
    qty: usize,
    date: usize,
    price: usize,
    customer: Option<usize>,
    country: Option<usize>,
}

fn columns(f: &CsvFile, opts: &Options) -> Result<Cols> {
    for (role, _) in &opts.columns {
        if !ROLES.iter().any(|r| r.0 == role) {
            let roles: Vec<&str> = ROLES.iter().map(|r| r.0).collect();
            return Err(Error::usage(format!("--column {role}=…: no such role; roles are {}", roles.join(", "))));
        }
    }
    let mut found = HashMap::new();
    let mut missing = Vec::new();
    for (role, spellings, required) in ROLES {
        let over = opts.columns.iter().find(|(r, _)| r == role).map(|(_, h)| h.as_str());
        match (f.find(spellings, over), over) {
            (Some(i), _) => {
                found.insert(*role, i);
            }
            (None, Some(h)) => {
                return Err(Error::usage(format!(
                    "{}: no column '{h}' (given for {role}); the header has {}",
                    f.name,
                    f.headers.join(", ")
                )));
            }
            (None, None) if *required => missing.push(format!("{role} ({})", spellings.join("/"))),
            (None, None) => {}
        }
    }
    if !missing.is_empty() {
        return Err(Error::usage(format!(
            "{}:1: not a line-items export: no column for {}; the header has {}; name columns with --column ROLE=HEADER",
            f.name,
            missing.join(", "),
            f.headers.join(", ")
        )));
    }
    let get = |r: &str| found.get(r).copied();
    Ok(Cols {
        order: found["order"],
        sku: found["sku"],
        name: get("name"),
        qty: found["quantity"],
        date: found["date"],
        price: found["price"],
        customer: get("customer"),
        country: get("country"),
    })
}

pub fn import(job: &Job<'_>, summary: &mut Summary) -> Result<()> {
    let Job { tx, store, inputs, opts, meter } = *job;
    let exponent = crate::money::exponent(&opts.currency);
    let mut orders: BTreeMap<String, OrderAgg> = BTreeMap::new();
    let mut returns: Vec<ReturnLine> = Vec::new();
    let mut titles: HashMap<String, String> = HashMap::new();
    let mut prices: HashMap<String, (i64, i64)> = HashMap::new();
    meter.expect(inputs);
    for path in inputs {
        let mut f = CsvFile::open(path, meter)?;
        let c = columns(&f, opts)?;
        while let Some(row) = f.next_row(summary, opts.strict)? {
            let field = |i: usize| row.fields[i].trim();
            let issue = |col: usize, why: String| Issue {
                file: f.name.clone(),
                line: row.line,
                column: f.headers[col].clone(),
                value: row.fields[col].clone(),
                why,
            };
            let order = field(c.order).to_string();
            if order.is_empty() {
                summary.issue(issue(c.order, "no order id".into()), opts.strict)?;
                continue;
            }
            let sku = field(c.sku).to_string();
            if sku.is_empty() {
                summary.issue(issue(c.sku, "no product code".into()), opts.strict)?;
                continue;
            }
            // All three values are read, and the first that cannot be is reported.
            let parsed = (|| {
                let qty = parse::quantity(field(c.qty)).map_err(|why| (c.qty, why))?;
                let price = parse::money(field(c.price), exponent).map_err(|why| (c.price, why))?;
                let at = parse::timestamp(field(c.date)).map_err(|why| (c.date, why))?;
                Ok::<_, (usize, String)>((qty, price, at))
            })();
            let (qty, price, at) = match parsed {
                Ok(v) => v,
                Err((col, why)) => {
                    summary.issue(issue(col, why), opts.strict)?;
                    continue;
                }
            };
            if qty == 0 {
                summary.skip("lines with a zero quantity");
                continue;
            }
            if price < 0 {
                summary.skip("accounting adjustments (negative unit price)");
                continue;
            }
            if price == 0 {
                summary.skip("lines with a zero unit price (samples, write-offs)");
                continue;
            }
            let customer =
                c.customer.map(field).filter(|s| !s.is_empty()).map(|s| s.strip_suffix(".0").unwrap_or(s).to_string());
            if let Some(i) = c.name {
                let t = field(i);
                if !t.is_empty() {
                    titles.entry(sku.clone()).or_insert_with(|| t.to_string());
                }
            }
            let cancellation = order.starts_with(['C', 'c']) && order[1..].chars().all(|ch| ch.is_ascii_digit());
            if qty < 0 || cancellation {
                returns.push(ReturnLine { sku, qty: qty.abs(), price, at, customer });
                continue;
            }
            let last = prices.entry(sku.clone()).or_insert((at, price));
            if at >= last.0 {
                *last = (at, price);
            }
            let o = orders.entry(order).or_insert_with(|| OrderAgg { at, ..OrderAgg::default() });
            o.at = o.at.min(at);
            if o.customer.is_none() {
                o.customer = customer;
            }
            if o.country.is_none() {
                o.country = c.country.map(field).filter(|s| !s.is_empty()).map(str::to_string);
            }
            o.lines.push(SaleLine { sku, qty, price });
        }
    }

    // --- write, matching on natural keys ---
    let seller_ref = opts.seller.clone().unwrap_or_else(|| "default".into());
    let seller = write::seller(tx, store, &seller_ref, &opts.currency)?;
    let mut product_ids: HashMap<String, i64> = HashMap::new();
    let mut skus: Vec<&String> = prices.keys().chain(returns.iter().map(|r| &r.sku)).collect();
    skus.sort();
    skus.dedup();
    for sku in skus {
        let title = titles.get(sku).map_or(sku.as_str(), String::as_str);
        let price = prices.get(sku).map(|p| p.1);
        let (id, new) = write::product(tx, store, seller, sku, title, price)?;
        summary.products += u64::from(new);
        product_ids.insert(sku.clone(), id);
    }
    let mut customer_ids: HashMap<String, i64> = HashMap::new();
    // (customer, product) → sales (time, order id), for matching returns
    let mut sales: HashMap<(String, i64), Vec<(i64, i64)>> = HashMap::new();
    for (reference, o) in &orders {
        let customer = match &o.customer {
            Some(c) => Some(match customer_ids.get(c) {
                Some(&id) => id,
                None => {
                    let (id, new) = write::customer(tx, store, c)?;
                    summary.customers += u64::from(new);
                    customer_ids.insert(c.clone(), id);
                    id
                }
            }),
            None => None,
        };
        let lines: Vec<(i64, i64, i64)> = o.lines.iter().map(|l| (product_ids[&l.sku], l.qty, l.price)).collect();
        let order = write::NewOrder {
            reference,
            seller,
            customer,
            at: o.at,
            country: o.country.as_deref(),
            lines: &lines,
            timeline: None,
        };
        let (id, outcome) = write::order(tx, store, &order)?;
        summary.count_order(outcome, lines.len());
        record_sales(&mut sales, o, id, &product_ids);
    }
    for v in sales.values_mut() {
        v.sort_unstable();
    }
    for r in &returns {
        let product = product_ids[&r.sku];
        let sale = r.customer.as_ref().and_then(|c| sales.get(&(c.clone(), product))).and_then(|v| {
            let i = v.partition_point(|s| s.0 <= r.at);
            i.checked_sub(1).map(|i| v[i].1)
        });
        let Some(order) = sale else {
            summary.skip("returns without a matching earlier sale to the same customer");
            continue;
        };
        let item: Option<i64> = tx
            .query_row(
                // `+product_id`: find the line through the order's index, not by walking all the product's lines.
                "SELECT id FROM order_items WHERE order_id = ?1 AND +product_id = ?2 ORDER BY id LIMIT 1",
                params![order, product],
                |x| x.get(0),
            )
            .optional()
            .at(store)?;
        let Some(item) = item else { continue };
        if write::ret(tx, store, item, r.qty, r.at, (r.qty * r.price).abs())? {
            summary.returns_new += 1;
        } else {
            summary.skip("duplicate returns (same line, date and quantity: in the file twice, or imported before)");
        }
    }
    Ok(())
}

fn record_sales(
    sales: &mut HashMap<(String, i64), Vec<(i64, i64)>>,
    o: &OrderAgg,
    id: i64,
    products: &HashMap<String, i64>,
) {
    if let Some(c) = &o.customer {
        for l in &o.lines {
            sales.entry((c.clone(), products[&l.sku])).or_default().push((o.at, id));
        }
    }
}

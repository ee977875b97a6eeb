//! `--format olist DIR`: the Kaggle "Brazilian E-Commerce Public Dataset by Olist" layout (orders, items,
//! reviews, customers, sellers, products, category translation; payments are not needed). Mapping
//! (docs/import.md):
//! - timestamps: purchase → placed, approved → paid, shipping limit (earliest of the order's items) →
//!   ship-by, delivered to carrier → ship confirmed and first carrier scan, delivered to customer →
//!   delivered, estimated delivery → promised;
//! - an Olist order with items of several sellers becomes one order per seller (`<order id>-2`, ...);
//! - status `canceled` is a cancellation whose initiator Olist does not record (kept as the buyer's, so it
//!   does not count against the seller); `unavailable` is a seller cancel (out of stock);
//! - a review rates the order: it is seller feedback, tied to the product when the order has only one;
//! - customers are people (`customer_unique_id`), products are per seller, categories in English;
//! - money is BRL. Orphans (items or reviews of orders not in the orders file) are counted and kept out.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::csvfile::CsvFile;
use super::write::{self, Timeline};
use super::{Job, Summary, parse};
use crate::error::{Error, Result};
use crate::store::OrderTimes;

/// Reads the named columns of a file; rows that cannot be read become issues.
fn read(job: &Job<'_>, path: &Path, cols: &[&str], summary: &mut Summary) -> Result<Vec<(u64, Vec<String>)>> {
    let mut f = CsvFile::open(path, job.meter)?;
    let at: Vec<usize> = cols
        .iter()
        .map(|c| {
            f.headers.iter().position(|h| h == c).ok_or_else(|| {
                Error::usage(format!("{}:1: no column '{c}' (an Olist file has {})", f.name, cols.join(", ")))
            })
        })
        .collect::<Result<_>>()?;
    let mut out = Vec::new();
    while let Some(r) = f.next_row(summary, job.opts.strict)? {
        out.push((r.line, at.iter().map(|&i| r.fields[i].trim().to_string()).collect()));
    }
    Ok(out)
}

fn find(dir: &Path, part: &str) -> Option<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains(part) && n.ends_with(".csv")))
        .collect();
    v.sort();
    v.into_iter().next()
}

fn ts(v: &str) -> Option<i64> {
    parse::timestamp(v).ok()
}

struct Item {
    product: String,
    seller: String,
    limit: Option<i64>,
    price: i64,
    freight: i64,
}

pub fn import(job: &Job<'_>, summary: &mut Summary) -> Result<()> {
    let Job { tx, store, inputs, opts, meter } = *job;
    let [dir] = inputs else {
        return Err(Error::usage("--format olist takes one directory holding the Olist CSV files"));
    };
    if !dir.is_dir() {
        return Err(Error::usage(format!("{}: --format olist takes the directory of the Olist files", dir.display())));
    }
    let need = |part: &str| {
        find(dir, part).ok_or_else(|| {
            Error::usage(format!(
                "{}: no *{part}*.csv (an Olist directory has orders and order items at least)",
                dir.display()
            ))
        })
    };
    let orders_file = need("orders_dataset")?;
    let items_file = need("order_items_dataset")?;
    // Every file read below, for the progress.
    let optional = ["customers_dataset", "sellers_dataset", "category_name_translation", "products_dataset"];
    let reads: Vec<PathBuf> = optional
        .iter()
        .chain(&["order_reviews_dataset"])
        .filter_map(|p| find(dir, p))
        .chain([orders_file.clone(), items_file.clone()])
        .collect();
    meter.expect(&reads);
    let brl = crate::money::exponent("BRL");

    let mut people: HashMap<String, String> = HashMap::new();
    if let Some(p) = find(dir, "customers_dataset") {
        for (_, r) in read(job, &p, &["customer_id", "customer_unique_id"], summary)? {
            people.insert(r[0].clone(), r[1].clone());
        }
    }
    let mut cities: HashMap<String, String> = HashMap::new();
    if let Some(p) = find(dir, "sellers_dataset") {
        for (_, r) in read(job, &p, &["seller_id", "seller_city"], summary)? {
            cities.insert(r[0].clone(), r[1].clone());
        }
    }
    let mut english: HashMap<String, String> = HashMap::new();
    if let Some(p) = find(dir, "category_name_translation") {
        for (_, r) in read(job, &p, &["product_category_name", "product_category_name_english"], summary)? {
            english.insert(r[0].clone(), r[1].clone());
        }
    }
    let mut categories: HashMap<String, String> = HashMap::new();
    if let Some(p) = find(dir, "products_dataset") {
        for (_, r) in read(job, &p, &["product_id", "product_category_name"], summary)? {
            let cat = english.get(&r[1]).cloned().unwrap_or_else(|| r[1].clone());
            categories.insert(r[0].clone(), cat);
        }
    }

    // Items, by order (duplicates of (order, item number) are dropped).
    let mut items: BTreeMap<String, BTreeMap<i64, Item>> = BTreeMap::new();
    let file = items_file.display().to_string();
    for (line, r) in read(
        job,
        &items_file,
        &["order_id", "order_item_id", "product_id", "seller_id", "shipping_limit_date", "price", "freight_value"],
        summary,
    )? {
        let bad = |col: &str, value: &str, why: String| super::Issue {
            file: file.clone(),
            line,
            column: col.into(),
            value: value.into(),
            why,
        };
        let Ok(n) = r[1].parse::<i64>() else {
            summary.issue(bad("order_item_id", &r[1], "not a whole number".into()), opts.strict)?;
            continue;
        };
        let price = match parse::money(&r[5], brl) {
            Ok(p) => p,
            Err(why) => {
                summary.issue(bad("price", &r[5], why), opts.strict)?;
                continue;
            }
        };
        let freight = parse::money(&r[6], brl).unwrap_or(0);
        let slot = items.entry(r[0].clone()).or_default();
        if slot.contains_key(&n) {
            summary.skip("duplicate order items (same order and item number)");
            continue;
        }
        slot.insert(n, Item { product: r[2].clone(), seller: r[3].clone(), limit: ts(&r[4]), price, freight });
    }

    // Orders.
    let cols = [
        "order_id",
        "customer_id",
        "order_status",
        "order_purchase_timestamp",
        "order_approved_at",
        "order_delivered_carrier_date",
        "order_delivered_customer_date",
        "order_estimated_delivery_date",
    ];
    let mut seen: HashMap<String, ()> = HashMap::new();
    let mut sellers: HashMap<String, i64> = HashMap::new();
    let mut products: HashMap<(String, String), i64> = HashMap::new();
    let mut customers: HashMap<String, i64> = HashMap::new();
    // Olist order id → (first kpiscope order id, its single product if one)
    let mut placed_orders: HashMap<String, (i64, Option<i64>)> = HashMap::new();
    let file = orders_file.display().to_string();
    for (line, r) in read(job, &orders_file, &cols, summary)? {
        if seen.insert(r[0].clone(), ()).is_some() {
            summary.skip("duplicate orders (same order id)");
            continue;
        }
        let Some(placed) = ts(&r[3]) else {
            let issue = super::Issue {
                file: file.clone(),
                line,
                column: cols[3].into(),
                value: r[3].clone(),
                why: "not a date".into(),
            };
            summary.issue(issue, opts.strict)?;
            continue;
        };
        let Some(lines) = items.remove(&r[0]) else {
            summary.skip("orders without items (not in the order items file)");
            continue;
        };
        let person = people.get(&r[1]).cloned().unwrap_or_else(|| r[1].clone());
        let customer = match customers.get(&person) {
            Some(&id) => id,
            None => {
                let (id, new) = write::customer(tx, store, &person)?;
                summary.customers += u64::from(new);
                customers.insert(person, id);
                id
            }
        };
        // One kpiscope order per seller of the Olist order.
        let mut by_seller: BTreeMap<&str, Vec<&Item>> = BTreeMap::new();
        for it in lines.values() {
            by_seller.entry(it.seller.as_str()).or_default().push(it);
        }
        let split = by_seller.len() > 1;
        for (n, (seller_ref, its)) in by_seller.into_iter().enumerate() {
            let seller = match sellers.get(seller_ref) {
                Some(&id) => id,
                None => {
                    let id = write::seller(tx, store, seller_ref, "BRL")?;
                    if let Some(city) = cities.get(seller_ref) {
                        tx.execute("UPDATE sellers SET name = ?2, country = 'BR' WHERE id = ?1 AND (name IS NOT ?2 OR country IS NOT 'BR')", rusqlite::params![id, format!("{} ({city})", &seller_ref[..seller_ref.len().min(8)])])
                            .map_err(|source| Error::sqlite(store, source))?;
                    }
                    sellers.insert(seller_ref.to_string(), id);
                    id
                }
            };
            let mut order_lines = Vec::new();
            for it in &its {
                let key = (it.product.clone(), seller_ref.to_string());
                let product = match products.get(&key) {
                    Some(&id) => id,
                    None => {
                        // The same Olist product sold by another seller is another listing.
                        let taken: Option<i64> = tx
                            .query_row("SELECT seller_id FROM products WHERE ref = ?1", [&it.product], |x| x.get(0))
                            .ok();
                        let reference = match taken {
                            Some(s) if s != seller => {
                                format!("{}@{}", it.product, &seller_ref[..seller_ref.len().min(8)])
                            }
                            _ => it.product.clone(),
                        };
                        let cat = categories.get(&it.product).cloned();
                        let title = cat
                            .clone()
                            .unwrap_or_else(|| format!("product {}", &it.product[..it.product.len().min(8)]));
                        let (id, new) = write::product(tx, store, seller, &reference, &title, Some(it.price))?;
                        if let Some(c) = cat {
                            tx.execute(
                                "UPDATE products SET category = ?2 WHERE id = ?1 AND category IS NOT ?2",
                                rusqlite::params![id, c],
                            )
                            .map_err(|source| Error::sqlite(store, source))?;
                        }
                        summary.products += u64::from(new);
                        products.insert(key, id);
                        id
                    }
                };
                order_lines.push((product, 1, it.price));
            }
            let reference = if split && n > 0 { format!("{}-{}", r[0], n + 1) } else { r[0].clone() };
            let status = match r[2].as_str() {
                "delivered" => "delivered",
                "shipped" => "shipped",
                "canceled" | "unavailable" => "cancelled",
                _ => "paid",
            };
            let timeline = Timeline {
                times: OrderTimes {
                    paid: ts(&r[4]),
                    ship_by: its.iter().filter_map(|i| i.limit).min(),
                    confirmed: ts(&r[5]),
                    scanned: ts(&r[5]),
                    promised: ts(&r[7]),
                    delivered: ts(&r[6]),
                },
                status,
                channel: Some("olist"),
                shipping_charged: its.iter().map(|i| i.freight).sum(),
            };
            let o = write::NewOrder {
                reference: &reference,
                seller,
                customer: Some(customer),
                at: placed,
                country: Some("BR"),
                lines: &order_lines,
                timeline: Some(timeline),
            };
            let (id, outcome) = write::order(tx, store, &o)?;
            summary.count_order(outcome, order_lines.len());
            if matches!(r[2].as_str(), "canceled" | "unavailable") {
                let (who, why) = if r[2] == "unavailable" {
                    ("seller", "unavailable (out of stock)")
                } else {
                    ("buyer", "canceled (Olist does not record who cancelled)")
                };
                let at = timeline.times.paid.unwrap_or(placed);
                write::cancel(tx, store, id, at, who, why)?;
            }
            let mut distinct: Vec<i64> = order_lines.iter().map(|l| l.0).collect();
            distinct.sort_unstable();
            distinct.dedup();
            placed_orders.entry(r[0].clone()).or_insert((id, (distinct.len() == 1).then(|| distinct[0])));
        }
    }
    for _ in items.values() {
        summary.skip("order items of orders not in the orders file");
    }

    // Reviews.
    if let Some(p) = find(dir, "order_reviews_dataset") {
        let file = p.display().to_string();
        let mut ids: HashMap<String, ()> = HashMap::new();
        let cols = [
            "review_id",
            "order_id",
            "review_score",
            "review_comment_title",
            "review_comment_message",
            "review_creation_date",
        ];
        for (line, r) in read(job, &p, &cols, summary)? {
            if ids.insert(r[0].clone(), ()).is_some() {
                summary.skip("duplicate reviews (same review id)");
                continue;
            }
            let Some(&(order, product)) = placed_orders.get(&r[1]) else {
                summary.skip("reviews of orders not in the orders file");
                continue;
            };
            let rating = match r[2].parse::<i64>() {
                Ok(v @ 1..=5) => v,
                _ => {
                    let issue = super::Issue {
                        file: file.clone(),
                        line,
                        column: "review_score".into(),
                        value: r[2].clone(),
                        why: "not a rating from 1 to 5".into(),
                    };
                    summary.issue(issue, opts.strict)?;
                    continue;
                }
            };
            let body: String =
                [r[3].as_str(), r[4].as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(": ");
            let created = ts(&r[5]).unwrap_or(0);
            if write::review(
                tx,
                store,
                &r[0],
                order,
                product,
                rating,
                (!body.is_empty()).then_some(body.as_str()),
                created,
            )? {
                summary.tables.entry("reviews".into()).or_default()[0] += 1;
            }
        }
    }
    Ok(())
}

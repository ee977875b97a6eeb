//! `--format kpiscope`: kpiscope's own CSV set, one file per table (`orders.csv`, `order_items.csv`, ...),
//! headers = column names of `assets/schema.sql`, values as stored (times in unix seconds, money in minor
//! units, an empty field = NULL). `kpiscope export STORE DIR` writes the same set, so a store round-trips.
//! Rows are matched on `id` (on `product_id` for stock): an identical row is left alone, a different one
//! updated. A row that breaks a constraint (an unknown status, an order of a missing seller) is reported
//! with its line and skipped.

use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use super::csvfile::CsvFile;
use super::{Issue, Job, Summary};
use crate::error::{Error, Result, SqlContext};

/// Tables of the set, in the order that satisfies their references, with their key column.
pub const TABLES: &[(&str, &str)] = &[
    ("sellers", "id"),
    ("products", "id"),
    ("customers", "id"),
    ("orders", "id"),
    ("order_items", "id"),
    ("cancellations", "id"),
    ("returns", "id"),
    ("reviews", "id"),
    ("disputes", "id"),
    ("traffic_daily", "id"),
    ("stock", "product_id"),
    ("messages", "id"),
    ("marketing_spend", "id"),
];

fn columns(conn: &Connection, store: &Path, table: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})")).at(store)?;
    let cols =
        stmt.query_map([], |r| r.get::<_, String>(1)).at(store)?.collect::<rusqlite::Result<Vec<_>>>().at(store)?;
    Ok(cols)
}

/// The files of a set: `DIR` (its `<table>.csv` files) or the files given, named after their tables.
fn files(inputs: &[PathBuf]) -> Result<Vec<(&'static str, &'static str, PathBuf)>> {
    let mut found = Vec::new();
    for input in inputs {
        if input.is_dir() {
            for (t, k) in TABLES {
                let p = input.join(format!("{t}.csv"));
                if p.is_file() {
                    found.push((*t, *k, p));
                }
            }
        } else {
            let stem = input.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let (t, k) = TABLES.iter().find(|(t, _)| *t == stem).ok_or_else(|| {
                let names: Vec<&str> = TABLES.iter().map(|t| t.0).collect();
                Error::usage(format!(
                    "{}: a kpiscope set file is named after its table ({}.csv)",
                    input.display(),
                    names.join(".csv, ")
                ))
            })?;
            found.push((*t, *k, input.clone()));
        }
    }
    if found.is_empty() {
        return Err(Error::usage("no table files found (sellers.csv, products.csv, orders.csv, ...)"));
    }
    found.sort_by_key(|(t, _, _)| TABLES.iter().position(|x| x.0 == *t));
    Ok(found)
}

pub fn import(job: &Job<'_>, summary: &mut Summary) -> Result<()> {
    let Job { tx, store, inputs, opts, meter } = *job;
    let files = files(inputs)?;
    meter.expect(&files.iter().map(|f| f.2.clone()).collect::<Vec<_>>());
    for (table, key, path) in files {
        let mut f = CsvFile::open(&path, meter)?;
        let known = columns(tx, store, table)?;
        for h in &f.headers {
            if !known.iter().any(|k| k == h) {
                return Err(Error::usage(format!(
                    "{}:1: {table} has no column '{h}'; its columns are {}",
                    f.name,
                    known.join(", ")
                )));
            }
        }
        let Some(key_at) = f.headers.iter().position(|h| h == key) else {
            return Err(Error::usage(format!("{}:1: the {table} file needs its key column '{key}'", f.name)));
        };
        let cols = f.headers.clone();
        let set: Vec<String> = cols.iter().filter(|c| *c != key).map(|c| format!("{c} = excluded.{c}")).collect();
        let differs = if set.is_empty() {
            "0".to_string()
        } else {
            let mine: Vec<&str> = cols.iter().filter(|c| *c != key).map(String::as_str).collect();
            let theirs: Vec<String> = mine.iter().map(|c| format!("excluded.{c}")).collect();
            format!("({}) IS NOT ({})", mine.join(", "), theirs.join(", "))
        };
        let upsert = format!(
            "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT({key}) DO {}",
            cols.join(", "),
            vec!["?"; cols.len()].join(", "),
            if set.is_empty() {
                "NOTHING".to_string()
            } else {
                format!("UPDATE SET {} WHERE {differs}", set.join(", "))
            }
        );
        let exists = format!("SELECT 1 FROM {table} WHERE {key} = ?1");
        while let Some(row) = f.next_row(summary, opts.strict)? {
            let values: Vec<Value> =
                row.fields.iter().map(|v| if v.is_empty() { Value::Null } else { Value::Text(v.clone()) }).collect();
            let key_value = &row.fields[key_at];
            let existed = tx
                .prepare_cached(&exists)
                .and_then(|mut s| s.query_row([key_value], |_| Ok(())).optional())
                .at(store)?
                .is_some();
            let result = tx.prepare_cached(&upsert).and_then(|mut s| s.execute(params_from_iter(values)));
            let counts = |s: &mut Summary, i: usize| s.tables.entry(table.to_string()).or_default()[i] += 1;
            match result {
                Ok(0) => {
                    counts(summary, 2);
                    summary.orders_unchanged += u64::from(table == "orders");
                }
                Ok(_) if existed => {
                    counts(summary, 1);
                    summary.orders_updated += u64::from(table == "orders");
                }
                Ok(_) => {
                    counts(summary, 0);
                    count_new(summary, table);
                }
                Err(rusqlite::Error::SqliteFailure(e, msg)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                    let why = match msg.as_deref() {
                        Some(m) if m.contains("FOREIGN KEY") => {
                            "refers to a row that is not in the store (an orphan)".to_string()
                        }
                        Some(m) => m.to_string(),
                        None => "breaks a constraint".to_string(),
                    };
                    let issue = Issue {
                        file: f.name.clone(),
                        line: row.line,
                        column: key.into(),
                        value: key_value.clone(),
                        why,
                    };
                    summary.issue(issue, opts.strict)?;
                }
                Err(e) => return Err(Error::sqlite(store, e)),
            }
        }
    }
    Ok(())
}

fn count_new(s: &mut Summary, table: &str) {
    match table {
        "orders" => s.orders_new += 1,
        "order_items" => s.lines += 1,
        "returns" => s.returns_new += 1,
        "products" => s.products += 1,
        "customers" => s.customers += 1,
        _ => {}
    }
}

/// Writes every table of the store as `<table>.csv` in `dir`; returns (table, rows) written.
pub fn export(store: &Path, dir: &Path) -> Result<Vec<(&'static str, u64)>> {
    let conn = crate::store::open_read_only(store)?;
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.into(), source })?;
    let mut out = Vec::new();
    for (table, key) in TABLES {
        let cols = columns(&conn, store, table)?;
        let path = dir.join(format!("{table}.csv"));
        let io = |source| Error::Io { path: path.clone(), source };
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_path(&path)
            .map_err(|e| io(e.into()))?;
        w.write_record(&cols).map_err(|e| io(e.into()))?;
        let mut stmt = conn.prepare(&format!("SELECT {} FROM {table} ORDER BY {key}", cols.join(", "))).at(store)?;
        let mut rows = stmt.query([]).at(store)?;
        let mut n = 0;
        while let Some(r) = rows.next().at(store)? {
            let mut rec = Vec::with_capacity(cols.len());
            for i in 0..cols.len() {
                rec.push(match r.get::<_, Value>(i).at(store)? {
                    Value::Null => String::new(),
                    Value::Integer(v) => v.to_string(),
                    Value::Real(v) => v.to_string(),
                    Value::Text(t) => t,
                    Value::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
                });
            }
            w.write_record(&rec).map_err(|e| io(e.into()))?;
            n += 1;
        }
        w.flush().map_err(io)?;
        out.push((*table, n));
    }
    Ok(out)
}

//! Importing exports into a store (`kpiscope import`). Every import runs in one transaction: it lands whole
//! or not at all. A row that cannot be understood is reported with file, line, column, value and why, and
//! skipped (or, with `--strict`, fails the import). Re-importing the same file changes nothing: rows are
//! matched on their natural keys (order numbers, product codes, customer ids).
//!
//! Formats: `kpiscope` (kpiscope's own CSV set, one file per table; `export` writes it), `lines` (a
//! line-item sales export, e.g. the UCI Online Retail file), `olist` (the Olist data set) and `shopify`
//! (Shopify's orders export). docs/import.md says how each maps onto the store.

mod csvfile;
mod lines;
mod olist;
pub mod parse;
mod set;
mod shopify;
mod write;

pub use set::{TABLES, export};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, SqlContext};
use crate::time;

pub use csvfile::{CsvFile, Meter};

/// What every importer works in: the open transaction, the store (for messages), the inputs, the options,
/// and the meter its CSV files report their progress to.
#[derive(Clone, Copy)]
pub struct Job<'a> {
    pub tx: &'a rusqlite::Transaction<'a>,
    pub store: &'a Path,
    pub inputs: &'a [PathBuf],
    pub opts: &'a Options,
    pub meter: &'a Meter<'a>,
}

/// The export formats kpiscope reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// kpiscope's own CSV set: one `<table>.csv` per table, headers = column names (docs/import.md).
    Kpiscope,
    /// The Kaggle Olist data set: a directory with its orders, items, reviews, customers, sellers, products.
    Olist,
    /// The orders export of Shopify's admin: one row per line item, order fields on the first row.
    Shopify,
    /// One row per order line: order id, date, product code and name, quantity, unit price, customer, country.
    Lines,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// the seller the rows belong to (formats without a seller column)
    pub seller: Option<String>,
    /// ISO 4217 code of the money columns (formats without a currency column)
    pub currency: String,
    /// role → header overrides
    pub columns: Vec<(String, String)>,
    pub dry_run: bool,
    pub strict: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { seller: None, currency: "USD".into(), columns: Vec::new(), dry_run: false, strict: false }
    }
}

/// One row that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub why: String,
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value: String = if self.value.chars().count() > 40 {
            self.value.chars().take(39).chain(std::iter::once('…')).collect()
        } else {
            self.value.clone()
        };
        write!(f, "{}:{}: column {}: {:?}: {}", self.file, self.line, self.column, value, self.why)
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows_read: u64,
    pub orders_new: u64,
    pub orders_updated: u64,
    pub orders_unchanged: u64,
    pub lines: u64,
    pub returns_new: u64,
    pub products: u64,
    pub customers: u64,
    /// rows left out, by reason
    pub skipped: BTreeMap<String, u64>,
    /// per table of a kpiscope set: rows added, updated, already there
    pub tables: BTreeMap<String, [u64; 3]>,
    /// rows that could not be read (the first 20 kept)
    pub issues: Vec<Issue>,
    pub issue_count: u64,
    /// first and last order date now covered by the store
    pub range: Option<(i64, i64)>,
    pub dry_run: bool,
}

const KEEP_ISSUES: usize = 20;

/// The indexes importers look rows up by (natural keys; an order's lines).
const MATCH_INDEX_SQL: &str = "
    CREATE UNIQUE INDEX IF NOT EXISTS customers_ref ON customers(ref);
    CREATE UNIQUE INDEX IF NOT EXISTS orders_ref ON orders(ref) WHERE ref IS NOT NULL;
    CREATE INDEX IF NOT EXISTS order_items_order ON order_items(order_id);
    CREATE INDEX IF NOT EXISTS reviews_ref ON reviews(ref) WHERE ref IS NOT NULL;
    CREATE INDEX IF NOT EXISTS returns_item ON returns(order_item_id);
    CREATE INDEX IF NOT EXISTS cancellations_order ON cancellations(order_id);
";

impl Summary {
    /// Counts an order written with `lines` lines.
    pub(crate) fn count_order(&mut self, outcome: write::Outcome, lines: usize) {
        match outcome {
            write::Outcome::New => {
                self.orders_new += 1;
                self.lines += lines as u64;
            }
            write::Outcome::Updated => {
                self.orders_updated += 1;
                self.lines += lines as u64;
            }
            write::Outcome::Unchanged => self.orders_unchanged += 1,
        }
    }

    pub fn skip(&mut self, why: &str) {
        *self.skipped.entry(why.to_string()).or_default() += 1;
    }

    /// Records an issue; in strict mode the first one is fatal.
    pub fn issue(&mut self, issue: Issue, strict: bool) -> Result<()> {
        if strict {
            return Err(Error::usage(format!("{issue} (--strict stops at the first bad row)")));
        }
        self.issue_count += 1;
        if self.issues.len() < KEEP_ISSUES {
            self.issues.push(issue);
        }
        Ok(())
    }

    /// The summary as printed by `kpiscope import`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let verb = if self.dry_run { "would import" } else { "imported" };
        out.push_str(&format!("rows read: {}\n", self.rows_read));
        out.push_str(&format!(
            "orders: {} new, {} updated, {} unchanged ({verb}); {} order lines, {} returns, {} products, {} customers\n",
            self.orders_new, self.orders_updated, self.orders_unchanged, self.lines, self.returns_new, self.products, self.customers
        ));
        if !self.tables.is_empty() {
            out.push_str("tables (added, updated, already there):\n");
            for (t, [a, u, k]) in &self.tables {
                out.push_str(&format!("  {t:<16} {a:>8} {u:>8} {k:>8}\n"));
            }
        }
        if !self.skipped.is_empty() {
            out.push_str("skipped:\n");
            for (why, n) in &self.skipped {
                out.push_str(&format!("  {n:>8}  {why}\n"));
            }
        }
        if self.issue_count > 0 {
            out.push_str(&format!("rows that could not be read: {}\n", self.issue_count));
            for i in &self.issues {
                out.push_str(&format!("  {i}\n"));
            }
            if self.issue_count > self.issues.len() as u64 {
                out.push_str(&format!("  … and {} more\n", self.issue_count - self.issues.len() as u64));
            }
        }
        match self.range {
            Some((a, b)) => out.push_str(&format!(
                "orders in the store now cover {} to {}\n",
                time::fmt_day(time::day_of(a)),
                time::fmt_day(time::day_of(b))
            )),
            None => out.push_str("the store has no orders\n"),
        }
        if self.dry_run {
            out.push_str("dry run: nothing was written\n");
        }
        out
    }
}

/// Imports `inputs` into the store at `store` (created if missing), in one transaction. A new store is
/// built as `STORE.partial` and renamed into place only when the import succeeds, so a failed or
/// interrupted first import leaves no store behind.
pub fn import(
    store: &Path,
    format: Format,
    inputs: &[PathBuf],
    opts: &Options,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Summary> {
    if inputs.is_empty() {
        return Err(Error::usage("give at least one file to import"));
    }
    if opts.currency.len() != 3 || !opts.currency.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(Error::usage(format!("--currency '{}' is not an ISO 4217 code such as USD or GBP", opts.currency)));
    }
    let fresh = !store.exists();
    if !fresh || opts.dry_run {
        return import_into(store, store, fresh, format, inputs, opts, progress).map_err(|e| rolled_back(store, e));
    }
    let partial = PathBuf::from(format!("{}.partial", store.display()));
    let _ = std::fs::remove_file(&partial);
    match import_into(&partial, store, true, format, inputs, opts, progress) {
        Ok(summary) => {
            std::fs::rename(&partial, store).map_err(|source| Error::Io { path: store.into(), source })?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            let _ = std::fs::remove_file(format!("{}-journal", partial.display()));
            Err(if e.is_write_failure() {
                Error::usage(format!("{e}; nothing was imported: no store was created"))
            } else {
                e
            })
        }
    }
}

/// An import into an existing store that failed: when a write failed part way (a full disk), SQLite's
/// journal can stay behind (its rollback needs a new connection), so it is rolled back here and the message
/// says whether the store is as it was.
fn rolled_back(store: &Path, e: Error) -> Error {
    if !e.is_write_failure() {
        return e;
    }
    match crate::store::recover(store) {
        Ok(_) => Error::usage(format!("{e}; nothing was imported: the store is as it was")),
        Err(again) => Error::usage(format!(
            "{e}; nothing was imported, but rolling the partial write back failed too ({again}): \
             run `kpiscope recover {}` once there is space",
            store.display()
        )),
    }
}

/// What tells that a file changed: its length and modification time.
type Fingerprint = (u64, Option<std::time::SystemTime>);

fn fingerprint(path: &Path) -> Result<Fingerprint> {
    let m = std::fs::metadata(path).map_err(|source| Error::Io { path: path.into(), source })?;
    Ok((m.len(), m.modified().ok()))
}

/// The fingerprint of every input file (the files inside a directory input).
fn fingerprints(inputs: &[PathBuf]) -> Result<Vec<(PathBuf, Fingerprint)>> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let entries = std::fs::read_dir(input).map_err(|source| Error::Io { path: input.clone(), source })?;
            for e in entries.flatten() {
                if e.path().is_file() {
                    out.push((e.path(), fingerprint(&e.path())?));
                }
            }
        } else if input.exists() {
            out.push((input.clone(), fingerprint(input)?));
        }
    }
    Ok(out)
}

/// The import itself, writing to `file` (the store, or a new store's partial file).
fn import_into(
    file: &Path,
    store: &Path,
    fresh: bool,
    format: Format,
    inputs: &[PathBuf],
    opts: &Options,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Summary> {
    let mut conn = if !fresh {
        crate::store::open_writable(file)?
    } else if opts.dry_run {
        rusqlite::Connection::open_in_memory().at(store)?
    } else {
        rusqlite::Connection::open(file).at(store)?
    };
    // A big page cache keeps the indexes in memory (SQLite's default is 2 MB). The format importers write
    // every parent before its children, so checking foreign keys row by row only costs time; the
    // kpiscope set keeps the checks, which catch its orphans.
    conn.pragma_update(None, "cache_size", -262_144).at(store)?;
    if format != Format::Kpiscope {
        conn.pragma_update(None, "foreign_keys", false).at(store)?;
    }
    let tx = conn.transaction().at(store)?;
    if fresh {
        crate::store::init_schema(&tx, store)?;
    }
    // Imports match rows on natural keys and lines to their orders: those indexes must exist while rows go
    // in; the others are built after the rows (cheaper than maintaining them row by row).
    tx.execute_batch(MATCH_INDEX_SQL).at(store)?;
    let mut summary = Summary { dry_run: opts.dry_run, ..Summary::default() };
    let read_from = fingerprints(inputs)?;
    let progress = std::cell::RefCell::new(progress);
    let report = |done: u64, total: u64| (progress.borrow_mut())(done, total);
    let meter = Meter::new(&report);
    let job = Job { tx: &tx, store, inputs, opts, meter: &meter };
    match format {
        Format::Lines => lines::import(&job, &mut summary)?,
        Format::Kpiscope => set::import(&job, &mut summary)?,
        Format::Olist => olist::import(&job, &mut summary)?,
        Format::Shopify => shopify::import(&job, &mut summary)?,
    }
    meter.finish();
    crate::store::create_indexes(&tx, store)?;
    summary.range = tx
        .query_row("SELECT min(placed_at), max(placed_at) FROM orders", [], |r| {
            Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?))
        })
        .at(store)
        .map(|(a, b)| a.zip(b))?;
    // A file another program wrote to while it was read may have been read half old, half new.
    for (path, before) in &read_from {
        if fingerprint(path)? != *before {
            return Err(Error::usage(format!(
                "{}: the file changed while it was being read; nothing was imported (import it again once it is complete)",
                path.display()
            )));
        }
    }
    if opts.dry_run {
        tx.rollback().at(store)?;
    } else {
        tx.commit().at(store)?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_stops_and_issues_are_capped() {
        let mut s = Summary::default();
        let issue = |n| Issue {
            file: "a.csv".into(),
            line: n,
            column: "Quantity".into(),
            value: "x".into(),
            why: "not a number".into(),
        };
        for n in 0..25 {
            s.issue(issue(n), false).expect("not strict");
        }
        assert_eq!((s.issues.len(), s.issue_count), (20, 25));
        assert!(s.render().contains("… and 5 more"));
        let e = Summary::default().issue(issue(7), true).expect_err("strict");
        assert!(e.to_string().starts_with("a.csv:7: column Quantity: \"x\": not a number"), "{e}");
    }
}

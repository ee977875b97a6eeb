//! `kpiscope import --format lines` on an excerpt of the real UCI Online Retail file (Daqing Chen, UCI
//! Machine Learning Repository, CC BY 4.0: tests/fixtures/online_retail_excerpt.csv) and on hand-made bad
//! files, each with its expected error. The expected numbers are counted here, independently of the
//! importer, from the documented rules.

use std::path::{Path, PathBuf};

use kpiscope::engine::{self, Scope};
use kpiscope::import::{self, Format, Options};
use kpiscope::period::DayRange;

const EXCERPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/online_retail_excerpt.csv");

fn gbp() -> Options {
    Options { seller: Some("uci".into()), currency: "GBP".into(), ..Options::default() }
}

fn run(store: &Path, files: &[PathBuf], opts: &Options) -> kpiscope::Result<import::Summary> {
    import::import(store, Format::Lines, files, opts, &mut |_, _| {})
}

/// Pence of a price such as "2.55", "0.85", "27.5".
fn pence(s: &str) -> i64 {
    let (i, f) = s.split_once('.').unwrap_or((s, ""));
    let f = format!("{f:0<2}");
    i.parse::<i64>().expect("int") * 100 + f[..2].parse::<i64>().expect("frac")
}

#[test]
fn the_real_excerpt_imports_with_the_documented_semantics() {
    // Independent count: sales are positive-quantity, positive-price lines of invoices without a C.
    let mut rdr = csv::Reader::from_path(EXCERPT).expect("excerpt");
    let (mut orders, mut lines, mut gross, mut units, mut returns, mut zero, mut negative) =
        (std::collections::BTreeSet::new(), 0, 0i64, 0i64, 0, 0, 0);
    let mut rows = 0;
    for r in rdr.records() {
        let r = r.expect("row");
        rows += 1;
        let (inv, qty, price) = (&r[0], r[3].parse::<i64>().expect("qty"), &r[5]);
        if price.starts_with('-') {
            negative += 1;
        } else if pence(price) == 0 {
            zero += 1;
        } else if qty < 0 || inv.starts_with('C') {
            returns += 1;
        } else {
            orders.insert(inv.to_string());
            lines += 1;
            gross += qty * pence(price);
            units += qty;
        }
    }
    let dir = tempfile::tempdir().expect("tmp");
    let store = dir.path().join("uci.db");
    let s = run(&store, &[EXCERPT.into()], &gbp()).expect("import");
    assert_eq!(s.rows_read, rows);
    assert_eq!((s.orders_new, s.lines), (orders.len() as u64, lines));
    assert_eq!(s.skipped.get("accounting adjustments (negative unit price)"), Some(&negative));
    assert_eq!(s.skipped.get("lines with a zero unit price (samples, write-offs)"), Some(&zero));
    let unmatched = s.skipped.get("returns without a matching earlier sale to the same customer").copied().unwrap_or(0);
    let dup = s
        .skipped
        .get("duplicate returns (same line, date and quantity: in the file twice, or imported before)")
        .copied()
        .unwrap_or(0);
    assert_eq!(s.returns_new + unmatched + dup, returns, "every return row is imported or counted");
    assert!(s.returns_new > 0 && s.issue_count == 0);
    // The store reports the same sales, to the penny.
    let m = engine::open(&store).expect("load");
    assert_eq!(m.currency(Scope::Store), Some("GBP"));
    let c = m.counters(Scope::Store, DayRange::new(m.first_day, m.last_day));
    assert_eq!((c.orders, c.gross, c.units), (orders.len() as i64, gross, units));
    assert!(c.returned_units > 0 && c.refunds > 0);

    // Importing the same file again changes nothing, not a byte.
    let before = std::fs::read(&store).expect("bytes");
    let again = run(&store, &[EXCERPT.into()], &gbp()).expect("again");
    assert_eq!((again.orders_new, again.orders_updated, again.returns_new), (0, 0, 0));
    assert_eq!(again.orders_unchanged, orders.len() as u64);
    assert!(std::fs::read(&store).expect("bytes") == before, "a second import must not change the store");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

const HEAD: &str = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

#[test]
fn bad_files_get_clear_errors_and_nothing_is_lost() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let store = d.join("s.db");
    // A good file first, so that failures can be checked to leave it as it was.
    let good = write(d, "good.csv", format!("{HEAD}1,A,Lamp,2,2024-01-05 10:00:00,3.50,7,UK\n").as_bytes());
    run(&store, std::slice::from_ref(&good), &gbp()).expect("good");
    let before = std::fs::read(&store).expect("bytes");

    // Wrong header: no quantity column.
    let f = write(d, "header.csv", b"Order,SKU,Date,Price\n1,A,2024-01-05,3.50\n");
    let e = run(&store, &[f], &gbp()).expect_err("wrong header").to_string();
    assert!(e.contains("header.csv:1: not a line-items export: no column for quantity (Quantity/Qty)"), "{e}");

    // Binary garbage.
    let f = write(d, "garbage.csv", &[0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff, 0x13]);
    let e = run(&store, &[f], &gbp()).expect_err("binary").to_string();
    assert!(e.contains("garbage.csv: not a CSV text file (binary data at byte 4)"), "{e}");

    // Bad dates, bad numbers, a truncated last line, Latin-1 bytes: reported with line and column, skipped.
    let mut bytes = format!(
        "{HEAD}2,A,Lamp,1,31/31/2024 10:00,3.50,7,UK\n3,A,Lamp,x,2024-01-06 10:00:00,3.50,7,UK\n4,A,Lamp,1,2024-01-06 10:00:00,-1.00,7,UK\n"
    )
    .into_bytes();
    bytes.extend_from_slice(b"5,A,Caf\xe9,1,2024-01-06 11:00:00,3.50,7,UK\n6,A,Lamp,1,2024-01-0");
    let f = write(d, "dirty.csv", &bytes);
    let s = run(&store, std::slice::from_ref(&f), &gbp()).expect("dirty but not strict");
    let issues: Vec<String> = s.issues.iter().map(ToString::to_string).collect();
    let name = f.display().to_string();
    assert_eq!(
        issues,
        vec![
            format!("{name}:2: column InvoiceDate: \"31/31/2024 10:00\": not a date (use YYYY-MM-DD HH:MM:SS)"),
            format!("{name}:3: column Quantity: \"x\": not a whole number"),
            format!("{name}:5: column Description: \"Caf\u{fffd}\": not UTF-8 text"),
            format!(
                "{name}:6: column -: \"6,A,Lamp,1,2024-01-0\": has 5 fields, the header has 8 (a truncated or broken line)"
            ),
        ]
    );
    assert_eq!(s.skipped.get("accounting adjustments (negative unit price)"), Some(&1));
    assert_eq!(s.orders_new, 0);
    assert!(std::fs::read(&store).expect("bytes") == before, "nothing usable: the store is as it was");

    // --strict: the first bad row fails the whole import, and the store is exactly as before.
    let mixed = write(
        d,
        "mixed.csv",
        format!("{HEAD}8,B,Vase,1,2024-01-07 10:00:00,9.99,7,UK\n9,B,Vase,many,2024-01-07 10:00:00,9.99,7,UK\n")
            .as_bytes(),
    );
    let e =
        run(&store, std::slice::from_ref(&mixed), &Options { strict: true, ..gbp() }).expect_err("strict").to_string();
    assert!(
        e.contains("mixed.csv:3: column Quantity: \"many\": not a whole number (--strict stops at the first bad row)"),
        "{e}"
    );
    assert!(std::fs::read(&store).expect("bytes") == before, "a failed import leaves the store as it was");

    // A failed first import leaves no store behind (it is built aside and renamed only on success).
    let new_store = d.join("never.db");
    let e = run(&new_store, std::slice::from_ref(&mixed), &Options { strict: true, ..gbp() });
    assert!(e.is_err());
    assert!(!new_store.exists() && !d.join("never.db.partial").exists(), "no store, no partial file");

    // --dry-run reads and counts but writes nothing.
    let s = run(&store, std::slice::from_ref(&mixed), &Options { dry_run: true, ..gbp() }).expect("dry run");
    assert_eq!(s.orders_new, 1);
    assert!(std::fs::read(&store).expect("bytes") == before, "a dry run writes nothing");

    // Another currency for the same seller is refused.
    let e = run(&store, &[mixed], &Options { currency: "EUR".into(), ..gbp() }).expect_err("currency").to_string();
    assert!(e.contains("seller 'uci' keeps its money in GBP, the import says EUR"), "{e}");
}

#[test]
fn headers_are_found_by_common_spellings_or_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    // CRLF, a BOM, a quoted field spanning lines, other spellings.
    let f = write(
        d,
        "shop.csv",
        "\u{feff}Order ID,SKU,Product Name,Qty,Order Date,Unit Price,Customer ID\r\n\
         A-1,S1,\"Lamp,\r\nbrass\",1,2024-02-01 09:00:00,\"1,200.00\",c9\r\n"
            .as_bytes(),
    );
    let store = d.join("s.db");
    let s = run(&store, &[f], &Options { currency: "USD".into(), ..Options::default() }).expect("spellings");
    assert_eq!((s.orders_new, s.lines, s.issue_count), (1, 1, 0));
    let m = engine::open(&store).expect("load");
    assert_eq!(m.products[0].title, "Lamp,  brass", "the line break reads as spaces on one line");
    assert_eq!(m.counters(Scope::Store, DayRange::new(m.first_day, m.last_day)).gross, 120_000);

    // Unusual headers are named with --column ROLE=HEADER.
    let f = write(d, "de.csv", "Bestellnummer,Artikel,Menge,Datum,Preis\nB1,X,3,2024-03-01,2.00\n".as_bytes());
    let cols = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    let opts = Options {
        currency: "EUR".into(),
        seller: Some("de".into()),
        columns: cols(&[
            ("order", "Bestellnummer"),
            ("sku", "Artikel"),
            ("quantity", "Menge"),
            ("date", "Datum"),
            ("price", "Preis"),
        ]),
        ..Options::default()
    };
    let s = run(&d.join("de.db"), std::slice::from_ref(&f), &opts).expect("named");
    assert_eq!(s.orders_new, 1);
    let bad = Options { columns: cols(&[("quantity", "Anzahl")]), ..opts };
    let e = run(&d.join("de2.db"), &[f], &bad).expect_err("no such header").to_string();
    assert!(e.contains("no column 'Anzahl' (given for quantity)"), "{e}");
}

#[test]
fn a_corrected_country_on_reimport_updates_the_order() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let store = d.join("s.db");
    let first =
        write(d, "a.csv", format!("{HEAD}536365,85123A,WHITE HANGER,6,12/1/2010 8:26,2.55,17850,Frace\n").as_bytes());
    let s = run(&store, &[first], &gbp()).expect("first");
    assert_eq!(s.orders_new, 1);
    // Only the country differs: before, the comparison left country and channel out and called it unchanged.
    let fixed =
        write(d, "b.csv", format!("{HEAD}536365,85123A,WHITE HANGER,6,12/1/2010 8:26,2.55,17850,France\n").as_bytes());
    let s = run(&store, &[fixed], &gbp()).expect("again");
    assert_eq!((s.orders_new, s.orders_updated, s.orders_unchanged), (0, 1, 0));
    let conn = kpiscope::store::open_read_only(&store).expect("open");
    let country: String = conn.query_row("SELECT ship_country FROM orders", [], |r| r.get(0)).expect("country");
    assert_eq!(country, "France");
}

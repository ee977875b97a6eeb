//! Data that breaks the engine's assumptions: each case loads without a crash, is counted in the data-quality
//! list (the explorer's panel, `report`, `report --format json`) and leaves the KPIs it must not touch as
//! they were. Text from the store never reaches the terminal as an escape sequence.

mod common;

use common::{kpiscope, text};

use std::path::{Path, PathBuf};

use kpiscope::engine::{self, Model, Scope};
use kpiscope::kpi::{self, Ctx};
use kpiscope::period::DayRange;
use kpiscope::ui::{Action, App, View, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The screen as text, one line per row.
fn draw(app: &App, size: (u16, u16)) -> String {
    let mut t = Terminal::new(TestBackend::new(size.0, size.1)).expect("terminal");
    t.draw(|f| render::draw(f, app)).expect("draw");
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..size.1 {
        for x in 0..size.0 {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The hand-made store with `sql` run on it (check constraints off: the rows break them on purpose).
fn store_with(sql: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, path) = common::handmade_store();
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch(&format!("PRAGMA ignore_check_constraints = ON; PRAGMA foreign_keys = OFF; {sql}"))
        .expect("bad rows");
    (dir, path)
}

fn open(path: &Path) -> Model {
    engine::open(path).expect("loads without an error")
}

fn count(m: &Model, id: &str) -> u64 {
    m.quality.count(id)
}

/// A KPI's value for the whole store over all of its days.
fn kpi(m: &Model, id: &str) -> Option<f64> {
    let ctx = Ctx { model: m, now: m.last_day, prior_weight: 10.0 };
    assert!(kpi::CATALOGUE.iter().any(|k| k.id == id), "{id} is a KPI");
    kpi::compute_one(ctx, Scope::Store, DayRange::new(m.first_day, m.last_day), id).value
}

#[test]
fn null_and_mistyped_values_are_left_out_and_named() {
    let base = open(&common::handmade_store().1);
    // A store written by another tool, without the NOT NULL constraints of schema v1.
    let (_dir, path) = store_with(
        "CREATE TABLE o2 AS SELECT * FROM orders; DROP TABLE orders; ALTER TABLE o2 RENAME TO orders;
         INSERT INTO orders (id, ref, seller_id, customer_id, placed_at, paid_at, fulfilled_by, items_total_minor,
                             discount_minor)
         VALUES (90, 'N1', 1, 1, NULL, NULL, 'seller', 100, 0), (91, 'N2', 1, 1, 'soon', NULL, 'seller', 100, 0);",
    );
    let m = open(&path);
    assert_eq!(count(&m, "bad_value:orders.placed_at"), 2);
    let issue = m.quality.issues().into_iter().find(|i| i.id == "bad_value:orders.placed_at").expect("issue");
    assert_eq!(issue.example, "orders row 90: placed_at is Null");
    assert_eq!(kpi(&m, "orders"), kpi(&base, "orders"), "the bad rows are not orders");
}

#[test]
fn shipments_and_deliveries_before_the_order_count_as_zero_time() {
    let (_dir, path) = store_with(
        "UPDATE orders SET ship_confirmed_at = paid_at - 3600 WHERE id = 1;
         UPDATE orders SET delivered_at = placed_at - 60 WHERE id = 2;",
    );
    let m = open(&path);
    assert_eq!(count(&m, "shipped_before_placed"), 1);
    assert_eq!(count(&m, "delivered_before_placed"), 1);
    let c = m.counters(Scope::Store, DayRange::new(m.first_day, m.last_day));
    assert!(c.handling_secs >= 0 && c.delivery_secs >= 0, "no negative durations");
}

#[test]
fn times_in_the_future_never_move_now() {
    let base = open(&common::handmade_store().1);
    let (_dir, path) = store_with(
        "UPDATE orders SET delivered_at = unixepoch('2100-01-01') WHERE id = 2;
         INSERT INTO orders (id, ref, seller_id, customer_id, placed_at, paid_at, fulfilled_by, items_total_minor)
         VALUES (95, 'F1', 1, 1, unixepoch('2099-05-01'), unixepoch('2099-05-01'), 'seller', 1000);
         INSERT INTO order_items (order_id, product_id, quantity, unit_price_minor) VALUES (95, 1, 1, 1000);
         INSERT INTO reviews (order_id, product_id, kind, rating, created_at)
         VALUES (1, 1, 'product', 5, unixepoch('2098-01-01'));",
    );
    let m = open(&path);
    assert_eq!(m.now_ts, base.now_ts, "\"now\" stays at the latest real activity");
    assert_eq!(count(&m, "future_time"), 3);
    assert_eq!(count(&m, "orphan:order items of an unknown order"), 0, "the future order's lines go with it");
    assert_eq!(kpi(&m, "orders"), kpi(&base, "orders"));
    assert_eq!(kpi(&m, "ratings"), kpi(&base, "ratings"));
}

/// A traffic or spend day far in the future or the past (the fuzz tests wrote 9024 and 0024) is left out, as
/// any future time or bad value is: counted, the store's days stay where its real activity is, and the
/// day cells do not span millennia (they took gigabytes).
#[test]
fn traffic_and_spend_days_out_of_range_are_left_out() {
    let base = open(&common::handmade_store().1);
    let (_dir, path) = store_with(
        "INSERT INTO traffic_daily (seller_id, day, page_views, visitors, add_to_cart, checkouts)
         VALUES (1, '9024-03-01', 10, 5, 1, 1), (1, '0024-03-01', 10, 5, 1, 1);
         INSERT INTO marketing_spend (seller_id, day, channel, amount_minor) VALUES (1, '9024-03-02', 'x', 100);",
    );
    let m = open(&path);
    assert_eq!(count(&m, "future_time"), 2);
    assert_eq!(count(&m, "bad_value:traffic_daily.day"), 1);
    assert_eq!((m.first_day, m.last_day, m.now_ts), (base.first_day, base.last_day, base.now_ts));
    assert_eq!(kpi(&m, "visitors"), kpi(&base, "visitors"));
}

#[test]
fn ratings_of_0_or_7_and_sub_ratings_of_9_are_left_out() {
    let base = open(&common::handmade_store().1);
    let (_dir, path) = store_with(
        "INSERT INTO reviews (order_id, product_id, kind, rating, created_at) VALUES
           (1, 1, 'product', 0, unixepoch('2025-03-10')), (1, 1, 'product', 7, unixepoch('2025-03-10'));
         INSERT INTO reviews (order_id, product_id, kind, rating, dsr_shipping, created_at) VALUES
           (2, 1, 'seller', 5, 9, unixepoch('2025-03-10'));",
    );
    let m = open(&path);
    assert_eq!(count(&m, "rating_out_of_range"), 2);
    assert_eq!(count(&m, "dsr_out_of_range"), 1);
    assert_eq!(kpi(&m, "ratings"), kpi(&base, "ratings").map(|n| n + 1.0), "only the 5★ review counts");
    assert_eq!(kpi(&m, "dsr_shipping"), kpi(&base, "dsr_shipping"), "the 9 is not a sub-rating");
}

#[test]
fn negative_quantities_and_prices_are_left_out_of_sales() {
    let base = open(&common::handmade_store().1);
    let (_dir, path) = store_with(
        "INSERT INTO order_items (order_id, product_id, quantity, unit_price_minor) VALUES (1, 1, -3, 1000), (1, 1, 2, -500);",
    );
    let m = open(&path);
    assert_eq!(count(&m, "bad_quantity"), 1);
    assert_eq!(count(&m, "negative_price"), 1);
    assert_eq!(kpi(&m, "gross_sales"), kpi(&base, "gross_sales"));
    assert_eq!(kpi(&m, "units"), kpi(&base, "units"));
}

#[test]
fn unknown_currencies_and_duplicate_refs_are_counted() {
    // Schema v1 makes refs unique; a store of the documented tables without that index can repeat them.
    let (_dir, path) = store_with(
        "UPDATE sellers SET currency = 'XYZ' WHERE id = 2;
         CREATE TABLE p2 AS SELECT * FROM products; DROP TABLE products; ALTER TABLE p2 RENAME TO products;
         INSERT INTO products (id, ref, seller_id, title) VALUES (9, 'A-1', 1, 'Lamp again');",
    );
    let m = open(&path);
    assert_eq!(count(&m, "unknown_currency"), 1);
    assert_eq!(count(&m, "duplicate_ref"), 1);
    assert_eq!(m.currency(Scope::Store), None, "no money total across USD and XYZ");
}

#[test]
fn orphans_are_left_out_and_named() {
    let base = open(&common::handmade_store().1);
    let (_dir, path) = store_with(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO order_items (order_id, product_id, quantity, unit_price_minor) VALUES (1, 77, 1, 100);
         INSERT INTO reviews (order_id, product_id, kind, rating, created_at) VALUES (555, NULL, 'seller', 1, unixepoch('2025-03-10'));",
    );
    let m = open(&path);
    assert_eq!(count(&m, "orphan:order items of an unknown product"), 1);
    assert_eq!(count(&m, "orphan:reviews of an unknown order"), 1);
    assert_eq!(kpi(&m, "gross_sales"), kpi(&base, "gross_sales"));
    assert_eq!(kpi(&m, "ratings"), kpi(&base, "ratings"));
}

#[test]
fn a_day_with_100000_orders() {
    let (_dir, path) = store_with(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO orders (ref, seller_id, customer_id, placed_at, paid_at, fulfilled_by, items_total_minor)
         SELECT 'bulk-' || i, 1, 1 + i % 4, unixepoch('2025-03-07 12:00'), unixepoch('2025-03-07 12:00'), 'seller', 100
         FROM n;",
    );
    let m = open(&path);
    assert_eq!(count(&m, "spike_day"), 1);
    let issue = m.quality.issues().into_iter().find(|i| i.id == "spike_day").expect("issue");
    assert!(issue.example.starts_with("2025-03-07: 100000 orders"), "{}", issue.example);
    let out = kpiscope(&["report", path.to_str().expect("utf8"), "--period", "all", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let base = open(&common::handmade_store().1);
    assert_eq!(v["kpis"]["orders"]["value"].as_f64(), kpi(&base, "orders").map(|n| n + 100_000.0));
    assert!(v["data_quality"].as_array().expect("list").iter().any(|i| i["id"] == "spike_day"));
}

#[test]
fn an_empty_store_and_a_store_of_one_order() {
    let dir = tempfile::tempdir().expect("dir");
    let empty = dir.path().join("empty.db");
    drop(kpiscope::store::create(&empty).expect("create"));
    let m = open(&empty);
    assert_eq!(count(&m, "no_orders"), 1);
    for cmd in ["report", "flags"] {
        let out = kpiscope(&[cmd, empty.to_str().expect("utf8")]);
        assert_eq!(out.status.code(), Some(0), "{cmd}: {}", text(&out.stderr));
    }
    let one = dir.path().join("one.db");
    let conn = kpiscope::store::create(&one).expect("create");
    conn.execute_batch(
        "INSERT INTO sellers (id, ref, name, currency) VALUES (1, 's', 'Solo', 'EUR');
         INSERT INTO products (id, ref, seller_id, title) VALUES (1, 'p', 1, 'Thing');
         INSERT INTO orders (id, seller_id, placed_at, paid_at, items_total_minor) VALUES (1, 1, 1700000000, 1700000000, 999);
         INSERT INTO order_items (order_id, product_id, quantity, unit_price_minor) VALUES (1, 1, 1, 999);",
    )
    .expect("one order");
    drop(conn);
    let m = open(&one);
    assert!(m.quality.is_empty(), "{:?}", m.quality.issues());
    assert_eq!(kpi(&m, "gross_sales"), Some(9.99));
    let out = kpiscope(&["flags", one.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The explorer draws both without a panic.
    for path in [&empty, &one] {
        let model = open(path);
        let (mut app, _d, _p) = common::app(kpiscope::ui::theme::Theme::mono(), (120, 40));
        app.update(kpiscope::ui::worker::loaded(model, &kpiscope::config::Config::default(), 0));
        for view in View::ALL {
            app.update(Action::Show(view));
            draw(&app, (120, 40));
        }
        app.update(Action::Quality);
        assert!(draw(&app, (120, 40)).contains("Data quality"));
    }
}

#[test]
fn escape_sequences_and_huge_text_never_reach_the_terminal() {
    let (_dir, path) = store_with(&format!(
        "UPDATE products SET title = 'Lamp' || char(27) || '[2J' || char(27) || ']0;owned' || char(7) WHERE id = 1;
         UPDATE sellers SET name = 'Alpha' || char(155) || '31m' WHERE id = 1;
         INSERT INTO reviews (order_id, product_id, kind, rating, body, created_at)
         VALUES (1, 1, 'product', 4, '{}' || char(27) || '[31m', unixepoch('2025-03-10'));",
        "x".repeat(1_000_000)
    ));
    let m = open(&path);
    assert_eq!(count(&m, "unsafe_text"), 2);
    assert_eq!(m.products[0].title, "Lamp\u{FFFD}[2J\u{FFFD}]0;owned\u{FFFD}");
    for args in [vec!["report", "--period", "all"], vec!["flags", "--all"], vec!["report", "--format", "csv"]] {
        let mut a = vec![args[0], path.to_str().expect("utf8")];
        a.extend(&args[1..]);
        let out = kpiscope(&a);
        let s = text(&out.stdout);
        assert!(!s.chars().any(|c| c.is_control() && c != '\n'), "{a:?} printed a control character");
    }
    // A product page with the 1 MB review: drawn, cut, and free of control characters.
    let conn = kpiscope::store::open_read_only(&path).expect("open");
    let rows = kpiscope::ui::worker::fetch_reviews(&conn, 1).expect("reviews");
    assert!(rows.iter().all(|r| r.body.chars().count() <= kpiscope::engine::text::BODY_CHARS + 1));
    let (mut app, _d, _p) = common::app(kpiscope::ui::theme::Theme::mono(), (120, 40));
    app.update(kpiscope::ui::worker::loaded(m, &kpiscope::config::Config::default(), 0));
    app.update(Action::Show(View::Products));
    app.update(Action::Enter);
    app.update(Action::Reviews { product: 0, rows });
    let screen = draw(&app, (120, 40));
    assert!(screen.contains("Lamp"), "{screen}");
    assert!(!screen.chars().any(|c| c.is_control() && c != '\n'), "{screen}");
}

#[test]
fn docs_list_every_check() {
    let want = kpiscope::engine::quality::markdown();
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/data-quality.md");
    if std::env::var_os("KPISCOPE_BLESS").is_some() {
        std::fs::write(file, &want).expect("write docs");
    }
    let docs = std::fs::read_to_string(file).expect("docs/data-quality.md");
    assert_eq!(docs, want, "run `KPISCOPE_BLESS=1 cargo test --test faults_data docs`");
}

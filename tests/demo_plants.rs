//! The demo store: deterministic for a seed, every table filled, and every planted problem found by the
//! red-flag rules as a breach on exactly the seller or product it was planted on.

use kpiscope::config::Config;
use kpiscope::demo::{self, DemoOptions};
use kpiscope::engine::{self, Scope};
use kpiscope::flags::{self, Severity};
use kpiscope::kpi::Ctx;
use rusqlite::Connection;

const ORDERS: u64 = 40_000;

#[test]
fn every_planted_problem_is_found_and_tables_are_filled() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("demo.db");
    let summary = demo::generate(&path, DemoOptions { orders: ORDERS, seed: 7 }, &mut |_, _| {}).expect("demo");
    assert_eq!(summary.orders, ORDERS as i64);
    assert_eq!(summary.sellers, 12);

    let conn = Connection::open(&path).expect("open");
    for (table, _) in kpiscope::store::REQUIRED_TABLES {
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).expect("count");
        assert!(n > 0, "demo left table {table} empty");
    }
    let plants: Vec<(String, String, String, Option<String>)> = conn
        .prepare("SELECT name, rule, seller_ref, product_ref FROM kpiscope_demo_plants")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect())
        .expect("plants");
    assert_eq!(plants.len(), demo::plants::PLANTS.len());

    let model = engine::open(&path).expect("load");
    let ctx = Ctx { model: &model, now: model.last_day, prior_weight: 10.0 };
    let found = flags::evaluate(ctx, &Config::default(), Scope::Store, None);
    for (name, rule, seller, product) in &plants {
        let hit = found.iter().find(|f| f.rule == rule && &f.seller == seller && f.product == *product);
        let hit = hit.unwrap_or_else(|| panic!("planted problem {name} ({rule} on {seller} {product:?}) not found"));
        assert_eq!(hit.severity, Severity::Breach, "{name}: {}", hit.message);
    }
}

#[test]
fn same_seed_same_store() {
    let dir = tempfile::tempdir().expect("tmp");
    let opts = DemoOptions { orders: 3_000, seed: 99 };
    let dump = |name: &str| {
        let path = dir.path().join(name);
        demo::generate(&path, opts, &mut |_, _| {}).expect("demo");
        let conn = Connection::open(&path).expect("open");
        conn.query_row(
            "SELECT count(*), sum(items_total_minor), sum(coalesce(delivered_at, 0) % 9973) FROM orders",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)),
        )
        .expect("sums")
    };
    assert_eq!(dump("a.db"), dump("b.db"));
    // An existing file is never overwritten.
    let again = demo::generate(&dir.path().join("a.db"), opts, &mut |_, _| {});
    assert!(again.expect_err("exists").to_string().contains("already exists"));
}

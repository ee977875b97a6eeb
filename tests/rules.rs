//! Every red-flag rule on hand-made stores: one seller (or product) with exactly the orders, reviews,
//! returns, messages or stock that put it past a limit, below it, or past it on too small a sample. The
//! numbers in the comments are worked out by hand; Wilson bounds come from the formula in
//! `flags::stats` (checked against published values there).

use kpiscope::config::{Config, Standard};
use kpiscope::engine::{self, Scope};
use kpiscope::flags::{self, Flag, Severity};
use kpiscope::kpi::Ctx;
use rusqlite::{Connection, params};

const DAY: i64 = 86_400;
/// "Now": 2025-06-30 12:00 UTC (an anchor order is placed then).
const NOW: i64 = 1_751_284_800;

/// One order's story.
#[derive(Clone, Copy, Default)]
struct O {
    days_ago: i64,
    product: i64,
    qty: i64,
    unpaid: bool,
    late: bool,
    unscanned: bool,
    not_shipped: bool,
    delivered_late: bool,
    seller_cancel: bool,
    neg_feedback: bool,
    bad_rating: bool,
}

struct Store {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    conn: Connection,
    next: i64,
}

impl Store {
    /// A seller `s` with products 1..=12 in one category; product 1 is "the" product.
    fn new() -> Store {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("r.db");
        let conn = kpiscope::store::create(&path).expect("create");
        conn.execute("INSERT INTO sellers (id, ref, name, currency) VALUES (1, 's', 'Seller', 'USD')", [])
            .expect("seller");
        for p in 1..=12 {
            conn.execute(
                "INSERT INTO products (id, ref, seller_id, title, category, price_minor) VALUES (?1, ?2, 1, 't', 'C', 1000)",
                params![p, format!("P{p}")],
            )
            .expect("product");
        }
        let mut s = Store { _dir: dir, path, conn, next: 0 };
        // The anchor that fixes "now".
        s.order(O { days_ago: 0, product: 12, qty: 1, ..O::default() });
        s
    }

    fn order(&mut self, o: O) -> i64 {
        self.next += 1;
        let id = self.next;
        let placed = NOW - o.days_ago * DAY - 60;
        let paid = (!o.unpaid).then_some(placed + 60);
        let ship_by = placed + 2 * DAY;
        let shipped = paid.is_some() && !o.not_shipped && !o.seller_cancel;
        let confirmed = shipped.then_some(if o.late { ship_by + 3600 } else { placed + DAY });
        let promised = placed + 6 * DAY;
        let delivered = confirmed.map(|c| if o.delivered_late { promised + DAY } else { c + DAY });
        // Nothing happens after "now": later events stay NULL.
        let clip = |t: Option<i64>| t.filter(|&t| t <= NOW);
        self.conn
            .execute(
                "INSERT INTO orders (id, seller_id, placed_at, paid_at, ship_by_at, ship_confirmed_at, first_scan_at,
                 promised_delivery_at, delivered_at) VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    placed,
                    paid,
                    ship_by,
                    clip(confirmed),
                    clip(confirmed.filter(|_| !o.unscanned)),
                    promised,
                    clip(delivered)
                ],
            )
            .expect("order");
        self.conn
            .execute(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price_minor) VALUES (?1, ?2, ?3, 1000)",
                params![id, o.product.max(1), o.qty.max(1)],
            )
            .expect("item");
        if o.seller_cancel {
            self.conn
                .execute(
                    "INSERT INTO cancellations (order_id, cancelled_at, initiator) VALUES (?1, ?2, 'seller')",
                    params![id, placed + 3600],
                )
                .expect("cancel");
        }
        if o.neg_feedback {
            self.conn
                .execute(
                    "INSERT INTO reviews (order_id, kind, rating, created_at) VALUES (?1, 'seller', 1, ?2)",
                    params![id, placed + 3600],
                )
                .expect("feedback");
        }
        if o.bad_rating {
            self.conn
                .execute(
                    "INSERT INTO reviews (order_id, kind, rating, created_at) VALUES (?1, 'seller', 3, ?2)",
                    params![id, placed + 3600],
                )
                .expect("rating");
        }
        id
    }

    fn orders(&mut self, n: usize, o: O) {
        for i in 0..n {
            self.order(O { days_ago: o.days_ago + (i as i64 % 3), ..o });
        }
    }

    fn review(&mut self, product: i64, rating: i64, days_ago: i64) {
        self.conn
            .execute(
                "INSERT INTO reviews (product_id, kind, rating, created_at) VALUES (?1, 'product', ?2, ?3)",
                params![product, rating, NOW - days_ago * DAY],
            )
            .expect("review");
    }

    fn message(&mut self, days_ago: i64, reply_hours: Option<i64>) {
        let at = NOW - days_ago * DAY;
        self.conn
            .execute(
                "INSERT INTO messages (seller_id, received_at, first_reply_at) VALUES (1, ?1, ?2)",
                params![at, reply_hours.map(|h| at + h * 3600)],
            )
            .expect("message");
    }

    fn flags(&self, standard: Standard) -> Vec<Flag> {
        let m = engine::open(&self.path).expect("load");
        assert_eq!(m.now_ts, NOW, "the anchor order fixes now");
        let ctx = Ctx { model: &m, now: m.last_day, prior_weight: 10.0 };
        flags::evaluate(ctx, &Config { standard, ..Config::default() }, Scope::Store, None)
    }

    fn flag(&self, standard: Standard, rule: &str) -> Option<Flag> {
        let all = self.flags(standard);
        let found = all.iter().find(|f| f.rule == rule).cloned();
        if found.is_none() {
            eprintln!("{rule} not among: {:#?}", all.iter().map(|f| &f.message).collect::<Vec<_>>());
        }
        found
    }
}

#[track_caller]
fn expect(f: Option<Flag>, sev: Severity, num: f64, den: f64) {
    let f = f.expect("the rule should fire");
    assert_eq!(f.severity, sev, "{}", f.message);
    assert_eq!((f.numerator, f.denominator), (Some(num), Some(den)), "{}", f.message);
}

#[test]
fn amazon_order_defect_rate() {
    // 300 orders in the 60 days, 15 with 1★ seller feedback: 5.0%, Wilson low 3.1% ≥ 1%: breach.
    let mut s = Store::new();
    s.orders(285, O { days_ago: 10, ..O::default() });
    s.orders(15, O { days_ago: 10, neg_feedback: true, ..O::default() });
    // The anchor order is in the window too: 301 orders.
    expect(s.flag(Standard::Amazon, "RF-AMZ-ODR"), Severity::Breach, 15.0, 301.0);
    // 40 orders with 2 defects: 5% past the limit, below the 100-order floor: low confidence.
    let mut s = Store::new();
    s.orders(37, O { days_ago: 10, ..O::default() });
    s.orders(2, O { days_ago: 10, neg_feedback: true, ..O::default() });
    expect(s.flag(Standard::Amazon, "RF-AMZ-ODR"), Severity::LowConfidence, 2.0, 40.0);
    // 300 orders, none defective: nothing.
    let mut s = Store::new();
    s.orders(300, O { days_ago: 10, ..O::default() });
    assert!(s.flag(Standard::Amazon, "RF-AMZ-ODR").is_none());
}

#[test]
fn amazon_late_shipment_cancel_tracking_delivery() {
    let mut s = Store::new();
    // Late shipments over 30 days: 100 shipped, 12 late: 12%, Wilson 6.98%–19.8%: breach of 4%.
    s.orders(88, O { days_ago: 15, ..O::default() });
    s.orders(12, O { days_ago: 15, late: true, ..O::default() });
    expect(s.flag(Standard::Amazon, "RF-AMZ-LSR"), Severity::Breach, 12.0, 100.0);
    // Cancels over 7 days: 50 orders from 3–5 days ago (+ the anchor), 10 cancelled by the seller:
    // 10 of 51 = 19.6%: breach of 2.5% (≥ 40 orders).
    s.orders(40, O { days_ago: 3, ..O::default() });
    s.orders(10, O { days_ago: 3, seller_cancel: true, ..O::default() });
    expect(s.flag(Standard::Amazon, "RF-AMZ-CR"), Severity::Breach, 10.0, 51.0);
    // Valid tracking over 30 days (by promised date): of the 140 shipped in it, 0 unscanned: nothing.
    assert!(s.flag(Standard::Amazon, "RF-AMZ-VTR").is_none());
    let mut t = Store::new();
    t.orders(70, O { days_ago: 12, ..O::default() });
    t.orders(30, O { days_ago: 12, unscanned: true, ..O::default() });
    // 70 of 100 valid = 70%, Wilson high 78% < 95%: breach.
    expect(t.flag(Standard::Amazon, "RF-AMZ-VTR"), Severity::Breach, 70.0, 100.0);
    // On-time delivery over the 14 days ending 7 days ago, by units: 30 orders × 2 units, 6 late:
    // 48 of 60 units = 80% < 90%, Wilson high 88.3%: breach.
    let mut u = Store::new();
    u.orders(24, O { days_ago: 14, qty: 2, ..O::default() });
    u.orders(6, O { days_ago: 14, qty: 2, delivered_late: true, ..O::default() });
    expect(u.flag(Standard::Amazon, "RF-AMZ-OTDR"), Severity::Breach, 48.0, 60.0);
}

#[test]
fn amazon_return_dissatisfaction_and_messages() {
    let mut s = Store::new();
    for i in 0..20 {
        let id = s.order(O { days_ago: 20, ..O::default() });
        let item: i64 =
            s.conn.query_row("SELECT id FROM order_items WHERE order_id = ?1", [id], |r| r.get(0)).expect("item");
        // 20 return requests 10 days ago: 8 answered after 3 days (negative), 12 within a day.
        let late = i < 8;
        let asked = NOW - 10 * DAY;
        s.conn
            .execute(
                "INSERT INTO returns (order_item_id, quantity, requested_at, responded_at, status) VALUES (?1, 1, ?2, ?3, 'approved')",
                params![item, asked, asked + if late { 3 * DAY } else { 3600 }],
            )
            .expect("return");
    }
    // 8 of 20 = 40% ≥ 10%, Wilson low 21.9%: breach.
    expect(s.flag(Standard::Amazon, "RF-AMZ-RDR"), Severity::Breach, 8.0, 20.0);
    // Messages: 20 in the 30 days, 15 answered within 2 h, 5 after 30 h: 75% answered in time < 90%,
    // Wilson high 88.8%: breach.
    for i in 0..20 {
        s.message(5, Some(if i < 15 { 2 } else { 30 }));
    }
    expect(s.flag(Standard::Amazon, "RF-MSG-24H"), Severity::Breach, 15.0, 20.0);
    // A message received 1 hour ago and not answered yet is not due: still 15 of 20.
    s.conn.execute("INSERT INTO messages (seller_id, received_at) VALUES (1, ?1)", [NOW - 3600]).expect("m");
    expect(s.flag(Standard::Amazon, "RF-MSG-24H"), Severity::Breach, 15.0, 20.0);
}

#[test]
fn ebay_shopee_aliexpress_etsy() {
    let mut s = Store::new();
    // eBay transaction defects over 90 days: 200 orders, 8 seller cancels: 4% > 2% with ≥ 5 defects.
    s.orders(192, O { days_ago: 30, ..O::default() });
    s.orders(8, O { days_ago: 30, seller_cancel: true, ..O::default() });
    expect(s.flag(Standard::Ebay, "RF-EBAY-TDR"), Severity::Breach, 8.0, 201.0);
    // eBay late shipments: none late: nothing.
    assert!(s.flag(Standard::Ebay, "RF-EBAY-LATE").is_none());
    // Shopee over 7 days: 30 orders 3 days ago, 9 late: 30% ≥ 20% (Wilson low 16.7%): low confidence.
    s.orders(21, O { days_ago: 3, ..O::default() });
    s.orders(9, O { days_ago: 3, late: true, ..O::default() });
    expect(s.flag(Standard::Shopee, "RF-SHP-LSR"), Severity::LowConfidence, 9.0, 30.0);
    // Shopee non-fulfilment: 8 more paid orders past their ship-by date, never shipped: of the 38 due in
    // the 7 days (30 + 8), 30 shipped = 78.9% < 90%, Wilson high 88.9%: breach.
    s.orders(8, O { days_ago: 4, not_shipped: true, ..O::default() });
    expect(s.flag(Standard::Shopee, "RF-SHP-NFR"), Severity::Breach, 30.0, 38.0);
    // AliExpress grade: 90 days, 100 orders with a 3★ rating among 240: bad experience 41.7% ≥ 10% → fail.
    let mut g = Store::new();
    g.orders(139, O { days_ago: 20, ..O::default() });
    g.orders(100, O { days_ago: 20, bad_rating: true, ..O::default() });
    expect(g.flag(Standard::Aliexpress, "RF-AE-GRADE"), Severity::Breach, 100.0, 240.0);
    // Etsy Star Seller: ≥ 5 orders and 300 in sales (240 orders × 10.00); average rating 3.0 < 4.8: missed.
    let f = g.flag(Standard::Etsy, "RF-ETSY-STAR").expect("star seller missed");
    assert!(f.message.contains("average rating 3.00 < 4.8"), "{}", f.message);
}

#[test]
fn aliexpress_dispute_left_unanswered() {
    let mut s = Store::new();
    let a = s.order(O { days_ago: 20, ..O::default() });
    let b = s.order(O { days_ago: 20, ..O::default() });
    // One dispute open 7 days without a response (breach), one 4 days (warning level), one answered.
    for (order, days, responded) in [(a, 7, None), (b, 4, None), (a, 9, Some(NOW - 8 * DAY))] {
        s.conn
            .execute(
                "INSERT INTO disputes (order_id, kind, opened_at, responded_at) VALUES (?1, 'claim', ?2, ?3)",
                params![order, NOW - days * DAY, responded],
            )
            .expect("dispute");
    }
    let f = s.flag(Standard::Generic, "RF-AE-DISPUTE").expect("flag");
    assert_eq!(f.severity, Severity::Breach);
    assert!(
        f.message.starts_with("Seller: 2 dispute(s) open without a response; the oldest (order #2) for 7.0 days"),
        "{}",
        f.message
    );
}

#[test]
fn product_rating_returns_conversion_stock() {
    let mut s = Store::new();
    // Product 1: 20 ratings, 4 of them 4–5★: 20%, 99.9% Wilson high 53.4% < 80%: breach.
    for i in 0..20 {
        s.review(1, if i < 4 { 5 } else { 1 }, 30);
    }
    // Product 2: 8 bad ratings: below the 10-rating floor: no flag.
    for _ in 0..8 {
        s.review(2, 1, 30);
    }
    let f = s.flag(Standard::Generic, "RF-REV-PROD").expect("rating health");
    assert_eq!((f.severity, f.product.as_deref()), (Severity::Breach, Some("P1")));
    assert_eq!((f.numerator, f.denominator), (Some(4.0), Some(20.0)));
    assert!(s.flags(Standard::Generic).iter().all(|x| x.product.as_deref() != Some("P2")));

    // Returns over 90 days: products 2–11 sell 50 units each, 1 returned (2%); product 1 sells 100,
    // 30 returned: 30% is 15× the median 2%, 99.9% Wilson low 17.3% > 4%: breach.
    let mut r = Store::new();
    for p in 1..=11 {
        let (n, ret) = if p == 1 { (100, 30) } else { (50, 1) };
        for i in 0..n {
            let id = r.order(O { days_ago: 40, product: p, ..O::default() });
            if i < ret {
                let item: i64 = r
                    .conn
                    .query_row("SELECT id FROM order_items WHERE order_id = ?1", [id], |x| x.get(0))
                    .expect("item");
                r.conn
                    .execute(
                        "INSERT INTO returns (order_item_id, quantity, requested_at, responded_at, status) VALUES (?1, 1, ?2, ?2, 'approved')",
                        params![item, NOW - 30 * DAY],
                    )
                    .expect("return");
            }
        }
    }
    let f = r.flag(Standard::Generic, "RF-RET-SKU").expect("returns");
    assert_eq!((f.severity, f.product.as_deref()), (Severity::Breach, Some("P1")));
    assert_eq!((f.numerator, f.denominator), (Some(30.0), Some(100.0)));
    assert!(f.message.contains("15.0× the store median 2.0%"), "{}", f.message);

    // Conversion: 28 days before the last week at 1,000 visitors and 40 orders a day... scaled down:
    // 400 visitors/day and 8 orders/day (2%), then a week of 400 visitors and 2 orders/day (0.5%).
    let mut c = Store::new();
    for d in 0..35 {
        let day = kpiscope::time::fmt_day(kpiscope::time::day_of(NOW - d * DAY));
        c.conn
            .execute(
                "INSERT INTO traffic_daily (seller_id, day, page_views, visitors, add_to_cart, checkouts) VALUES (1, ?1, 1000, 400, 40, 20)",
                [day],
            )
            .expect("traffic");
        let n = if d < 7 { 2 } else { 8 };
        for _ in 0..n {
            c.order(O { days_ago: d, ..O::default() });
        }
    }
    // Last 7 days: 14 orders + the anchor = 15 of 2,800 visitors (0.54%) vs 224 of 11,200 (2%): −73%.
    let f = c.flag(Standard::Generic, "RF-CONV").expect("conversion drop");
    assert_eq!(f.severity, Severity::Breach, "{}", f.message);
    assert_eq!((f.numerator, f.denominator), (Some(15.0), Some(2800.0)));

    // Stock: product 1 sold 30 units in 30 days (1 a day), 4 on hand, lead time 10 days: 4 days of cover.
    let mut k = Store::new();
    k.orders(30, O { days_ago: 10, product: 1, ..O::default() });
    k.conn
        .execute("INSERT INTO stock (product_id, on_hand, lead_time_days, updated_at) VALUES (1, 4, 10, ?1)", [NOW])
        .expect("stock");
    let f = k.flag(Standard::Generic, "RF-INV-COVER").expect("stock-out");
    assert_eq!(f.severity, Severity::Breach);
    assert!(
        f.message.contains("4.0 days of cover (4 on hand, 30 sold in the last 30 days) against a 10-day"),
        "{}",
        f.message
    );
}

#[test]
fn csat_and_rule_overrides() {
    let mut s = Store::new();
    // 50 ratings in 90 days, 30 positive: 60% < 80%, Wilson high 72.6%: breach.
    for i in 0..50 {
        s.review(3, if i < 30 { 5 } else { 2 }, 20);
    }
    expect(s.flag(Standard::Generic, "RF-CSAT"), Severity::Breach, 30.0, 50.0);
    // The config can switch a rule off or move its limit.
    let m = engine::open(&s.path).expect("load");
    let ctx = Ctx { model: &m, now: m.last_day, prior_weight: 10.0 };
    let mut cfg = Config::default();
    cfg.rules.insert("RF-CSAT".into(), kpiscope::config::RuleOverride { enabled: Some(false), ..Default::default() });
    assert!(flags::evaluate(ctx, &cfg, Scope::Store, None).iter().all(|f| f.rule != "RF-CSAT"));
    cfg.rules.insert(
        "RF-CSAT".into(),
        kpiscope::config::RuleOverride { breach: Some(0.5), warn: Some(0.55), ..Default::default() },
    );
    // 60% is above both: no flag.
    assert!(flags::evaluate(ctx, &cfg, Scope::Store, None).iter().all(|f| f.rule != "RF-CSAT"));
}

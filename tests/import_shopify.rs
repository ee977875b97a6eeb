//! `--format shopify` on a small orders export written from Shopify's public column documentation
//! (tests/fixtures/shopify/orders_export.csv: order fields on the first row of each order, a quoted name
//! with a comma, a discount, a full and a partial refund, a voided-and-cancelled order, a pending order,
//! and an order with an unreadable line). Expected values are worked out by hand in the comments.

use kpiscope::engine::{self, Scope};
use kpiscope::import::{self, Format, Options};
use kpiscope::kpi::{self, Ctx};
use kpiscope::period::DayRange;

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/shopify/orders_export.csv");

#[test]
fn a_shopify_export_maps_onto_orders_refunds_and_cancellations() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = dir.path().join("shop.db");
    let opts = Options { seller: Some("acme".into()), ..Options::default() };
    let s = import::import(&store, Format::Shopify, &[FILE.into()], &opts, &mut |_, _| {}).expect("import");
    // #1001–#1006 are written; #1007 has an unreadable quantity ("one") and is left out whole.
    assert_eq!((s.orders_new, s.lines, s.returns_new), (6, 7, 2));
    assert_eq!(s.issue_count, 1);
    assert!(
        s.issues[0].to_string().ends_with("orders_export.csv:9: column Lineitem quantity: \"one\": not a whole number")
    );
    assert_eq!(s.skipped.get("orders with a line that could not be read (left out whole)"), Some(&1));

    let m = engine::open(&store).expect("load");
    assert_eq!(m.currency(Scope::Store), Some("USD"));
    let ctx = Ctx { model: &m, now: m.last_day, prior_weight: 10.0 };
    let all = DayRange::new(m.first_day, m.last_day);
    let get = |id| kpi::compute_one(ctx, Scope::Store, all, id);
    // Paid orders: #1001, #1002, #1003, #1005 (#1004 voided, #1006 pending: not sales).
    assert_eq!(get("orders").value, Some(4.0));
    // Gross: #1001 2 × 18.00 + 26.00, #1002 2 × 18.00, #1003 26.00, #1005 4 × 20.00 = 204.00.
    assert_eq!(get("gross_sales").minor, Some(20_400));
    // Refunded: #1003 33.08 (all of it), #1005 20.00 (partial); discount #1002 3.60: net 147.32.
    assert_eq!(get("refunds").minor, Some(5_308));
    assert_eq!(get("net_sales").minor, Some(14_732));
    // Returned units: #1003's one towel, one coaster of #1005: 2 of 10.
    let r = get("return_rate");
    assert_eq!((r.numerator, r.denominator), (Some(2.0), Some(10.0)));
    // (204.00 − 3.60) / 4 = 50.10.
    assert_eq!(get("aov").minor, Some(5_010));
    // The export has no ship-by dates and no carrier scans: lateness and tracking are "no data", not 0%.
    assert!(get("late_shipment_rate").reason.is_some_and(|r| r.contains("no ship-by dates")));
    assert!(get("valid_tracking_rate").reason.is_some_and(|r| r.contains("no carrier scans")));
    // #1004 was cancelled (by the merchant) but never paid: not in the paid orders' cancel rate.
    let c = get("seller_cancel_rate");
    assert_eq!((c.numerator, c.denominator), (Some(0.0), Some(4.0)));
    // The product with a comma in its name.
    assert!(m.products.iter().any(|p| p.title == "Tea towel, linen"));

    let before = std::fs::read(&store).expect("bytes");
    let again = import::import(&store, Format::Shopify, &[FILE.into()], &opts, &mut |_, _| {}).expect("again");
    assert_eq!((again.orders_new, again.orders_updated, again.orders_unchanged, again.returns_new), (0, 0, 6, 0));
    assert!(std::fs::read(&store).expect("bytes") == before, "a second import changed the store");
}

#[test]
fn not_a_shopify_export() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("x.csv");
    std::fs::write(&f, "Name,Created at,Total\n#1,2024-01-01,5\n").expect("w");
    let e = import::import(&dir.path().join("s.db"), Format::Shopify, &[f], &Options::default(), &mut |_, _| {})
        .expect_err("missing columns")
        .to_string();
    assert!(
        e.contains("not a Shopify orders export: no column Lineitem quantity, Lineitem name, Lineitem price"),
        "{e}"
    );
}

#[test]
fn a_line_with_no_positive_quantity_or_a_negative_price_is_refused_with_its_column() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("orders_export.csv");
    // #1001's towel line (line 3) sells 0 units; #1002's mug (line 4) costs -18.00.
    let text = std::fs::read_to_string(FILE).expect("fixture");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[2] = lines[2].replacen(",1,\"Tea towel, linen\",", ",0,\"Tea towel, linen\",", 1);
    lines[3] = lines[3].replacen(",2,Ceramic mug,18.00,", ",2,Ceramic mug,-18.00,", 1);
    std::fs::write(&f, lines.join("\n") + "\n").expect("write");
    let opts = Options { seller: Some("acme".into()), ..Options::default() };
    let s = import::import(&dir.path().join("s.db"), Format::Shopify, &[f], &opts, &mut |_, _| {}).expect("import");
    let said: Vec<String> = s.issues.iter().map(ToString::to_string).collect();
    assert!(said[0].ends_with(":3: column Lineitem quantity: \"0\": not a positive quantity"), "{said:?}");
    assert!(said[1].ends_with(":4: column Lineitem price: \"-18.00\": a negative price"), "{said:?}");
    // Both orders are left out whole, besides #1007 of the fixture.
    assert_eq!(s.skipped.get("orders with a line that could not be read (left out whole)"), Some(&3));
}

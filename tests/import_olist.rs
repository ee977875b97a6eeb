//! `--format olist` on a hand-made Olist-format directory (tests/fixtures/olist: written for these tests,
//! with the real files' quirks: quoted ids, a BOM, CRLF line ends and CRLF inside a quoted review, no final
//! newline, duplicate orders, items and reviews, orphans, an order with two sellers, canceled and
//! unavailable orders). Expected values are worked out by hand in the comments.

use kpiscope::engine::{self, Scope};
use kpiscope::import::{self, Format, Options};
use kpiscope::kpi::{self, Ctx};
use kpiscope::period::DayRange;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/olist");

#[test]
fn the_olist_layout_maps_onto_orders_shipments_and_reviews() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = dir.path().join("olist.db");
    let s = import::import(&store, Format::Olist, &[DIR.into()], &Options::default(), &mut |_, _| {}).expect("import");
    // o1, o2 (two sellers: o2 and o2-2), o3 (canceled), o4 (unavailable), o5 (shipped); o6 has no items.
    assert_eq!((s.orders_new, s.lines, s.products, s.customers), (6, 7, 3, 2));
    for why in [
        "duplicate orders (same order id)",
        "duplicate order items (same order and item number)",
        "order items of orders not in the orders file",
        "orders without items (not in the order items file)",
        "duplicate reviews (same review id)",
        "reviews of orders not in the orders file",
    ] {
        assert_eq!(s.skipped.get(why), Some(&1), "{why}");
    }
    let m = engine::open(&store).expect("load");
    assert_eq!(m.currency(Scope::Store), Some("BRL"));
    assert_eq!(m.categories, vec!["health_beauty".to_string(), "housewares".to_string()], "categories in English");
    let ctx = Ctx { model: &m, now: m.last_day, prior_weight: 10.0 };
    let all = DayRange::new(m.first_day, m.last_day);
    let get = |id| kpi::compute_one(ctx, Scope::Store, all, id);
    let nd = |id| {
        let v = get(id);
        (v.value, v.numerator, v.denominator)
    };
    // Sales: o1 2 × 58.90, o2 120.00 + 60.50, o5 60.50 (o3 and o4 were cancelled) = 358.80.
    assert_eq!(get("gross_sales").minor, Some(35_880));
    // o4 (unavailable) is the seller's cancel, o3 (canceled, initiator unknown) is not.
    assert_eq!(nd("seller_cancel_rate"), (Some(1.0 / 6.0), Some(1.0), Some(6.0)));
    // Handed to the carrier after the shipping limit: both halves of o2 (03-09 vs 03-06); o1 and o5 in time.
    assert_eq!(nd("late_shipment_rate"), (Some(0.5), Some(2.0), Some(4.0)));
    // Units delivered by the estimate, of those whose estimate has passed ("now" is 03-26): o1's 2 units
    // on time, o2's 2 units (one per half) late; o5's estimate (03-27) has not passed.
    assert_eq!(nd("on_time_delivery_rate"), (Some(0.5), Some(2.0), Some(4.0)));
    // Reviews are seller feedback: 5★ (o1) and 1★ (o2), which makes o2 a defect.
    assert_eq!(nd("rating_avg"), (Some(3.0), Some(6.0), Some(2.0)));
    assert_eq!(nd("order_defect_rate"), (Some(1.0 / 6.0), Some(1.0), Some(6.0)));
    // The review text kept its line break from inside the quotes.
    let conn = rusqlite::Connection::open(&store).expect("open");
    let body: String =
        conn.query_row("SELECT body FROM reviews WHERE ref LIKE 'r1%'", [], |r| r.get(0)).expect("review");
    assert_eq!(body, "Chegou antes do prazo.\r\nRecomendo!");

    // Again: nothing changes.
    let before = std::fs::read(&store).expect("bytes");
    let again =
        import::import(&store, Format::Olist, &[DIR.into()], &Options::default(), &mut |_, _| {}).expect("again");
    assert_eq!((again.orders_new, again.orders_updated, again.orders_unchanged), (0, 0, 6));
    assert!(std::fs::read(&store).expect("bytes") == before, "the store changed");
}

#[test]
fn an_olist_directory_needs_orders_and_items() {
    let dir = tempfile::tempdir().expect("tmp");
    let e = import::import(
        &dir.path().join("s.db"),
        Format::Olist,
        &[dir.path().to_path_buf()],
        &Options::default(),
        &mut |_, _| {},
    )
    .expect_err("empty dir")
    .to_string();
    assert!(e.contains("no *orders_dataset*.csv"), "{e}");
}

#[test]
fn the_import_reports_progress_over_every_file_it_reads() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = dir.path().join("olist.db");
    let mut seen: Vec<(u64, u64)> = Vec::new();
    import::import(&store, Format::Olist, &[DIR.into()], &Options::default(), &mut |d, t| seen.push((d, t)))
        .expect("import");
    let total: u64 =
        std::fs::read_dir(DIR).expect("fixture").flatten().map(|e| e.metadata().expect("meta").len()).sum();
    // every file of the fixture is read: each one's end is reported, then the whole
    assert_eq!(seen.len(), 8, "{seen:?}");
    assert!(seen.iter().all(|&(_, t)| t == total), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
    let mut ends: Vec<u64> = seen.iter().map(|s| s.0).collect();
    ends.dedup();
    assert_eq!(ends.len(), 7, "one end per file: {seen:?}");
    assert_eq!(seen.last(), Some(&(total, total)));
}

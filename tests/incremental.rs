//! Following commits incrementally gives exactly what loading the store again gives: new orders, orders
//! shipped and delivered by UPDATE, a dispute answered and closed, a return refunded, messages answered, a
//! cancellation and feedback on old orders, a seller's cancel before a ship-by date that "now" then passes,
//! and "now" moving on (past the time limits of an unanswered return, message and dispute), all compared day by day and scope by scope with a fresh load. A refresh with
//! nothing new re-applies nothing. Changes an append-only view cannot follow ask for a reload, an edit of a
//! final order included.

use kpiscope::demo::{self, DemoOptions};
mod common;

use common::assert_same;
use kpiscope::engine::{self, Ledger, Refresh};
use rusqlite::{Connection, params};

/// A demo store of `orders` orders in a directory of its own, a read-only connection to it and its ledger.
fn demo_ledger(orders: u64, seed: u64) -> (tempfile::TempDir, std::path::PathBuf, Connection, Ledger) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("demo.db");
    demo::generate(&path, DemoOptions { orders, seed }, &mut |_, _| {}).expect("demo");
    let ro = kpiscope::store::open_read_only(&path).expect("ro");
    let ledger = Ledger::load(&ro, &path, &mut |_| {}).expect("load");
    (dir, path, ro, ledger)
}

#[test]
fn refresh_equals_a_fresh_load() {
    let (_dir, path, ro, mut ledger) = demo_ledger(4_000, 5);
    assert_same(ledger.model(), &engine::open(&path).expect("fresh"));
    // Nothing committed: nothing is re-applied, however many orders are still pending.
    assert_eq!(ledger.refresh(&ro).expect("refresh"), Refresh::Applied { new_orders: 0, touched: 0 });

    // Another process: new orders, with pending ones shipped and delivered (UPDATEs), reviews and returns.
    let rw = kpiscope::store::open_writable(&path).expect("rw");
    let mut sim = kpiscope::simulate::Simulator::new(&rw, &path, 11).expect("sim");
    sim.step(&rw, 40).expect("step");
    let now: i64 = rw.query_row("SELECT max(placed_at) FROM orders", [], |r| r.get(0)).expect("now");
    // The unanswered dispute gets an answer and is closed for the seller.
    let changed = rw
        .execute(
            "UPDATE disputes SET responded_at = ?1, closed_at = ?1, outcome = 'seller_favour' WHERE responded_at IS NULL",
            [now],
        )
        .expect("dispute");
    assert!(changed > 0, "the demo has an unanswered dispute");
    // Pending returns are answered and refunded; unanswered messages get replies.
    rw.execute(
        "UPDATE returns SET responded_at = ?1, status = 'refunded', refunded_minor = 100, refunded_at = ?1 WHERE responded_at IS NULL",
        [now],
    )
    .expect("returns");
    rw.execute("UPDATE messages SET first_reply_at = ?1 WHERE first_reply_at IS NULL", [now]).expect("messages");
    // A buyer cancels a paid, unshipped order; a buyer leaves 1★ feedback on an old delivered order.
    let open: i64 = rw
        .query_row(
            "SELECT id FROM orders WHERE paid_at IS NOT NULL AND ship_confirmed_at IS NULL ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("an unshipped order");
    rw.execute(
        "INSERT INTO cancellations (order_id, cancelled_at, initiator) VALUES (?1, ?2, 'buyer')",
        params![open, now],
    )
    .expect("cancel");
    rw.execute(
        "INSERT INTO reviews (order_id, kind, rating, dsr_shipping, created_at) VALUES (5, 'seller', 1, 1, ?1)",
        [now],
    )
    .expect("feedback");
    // The seller cancels a paid order before its ship-by date; once "now" passes that date, it is due.
    let ahead: i64 = rw
        .query_row(
            "SELECT id FROM orders WHERE paid_at IS NOT NULL AND ship_by_at > ?1 AND fulfilled_by = 'seller'
             AND id NOT IN (SELECT order_id FROM cancellations) AND id <> ?2 ORDER BY ship_by_at LIMIT 1",
            params![now, open],
            |r| r.get(0),
        )
        .expect("an order with its ship-by date ahead");
    rw.execute(
        "INSERT INTO cancellations (order_id, cancelled_at, initiator) VALUES (?1, ?2, 'seller')",
        params![ahead, now],
    )
    .expect("seller cancel");
    // New traffic and spend rows.
    rw.execute("INSERT INTO traffic_daily (seller_id, day, page_views, visitors, add_to_cart, checkouts) VALUES (1, '2026-11-01', 10, 5, 1, 1)", []).expect("traffic");
    rw.execute(
        "INSERT INTO marketing_spend (seller_id, day, channel, amount_minor) VALUES (2, '2026-11-01', 'social', 999)",
        [],
    )
    .expect("spend");

    match ledger.refresh(&ro).expect("refresh") {
        Refresh::Applied { new_orders, .. } => assert_eq!(new_orders, 40),
        Refresh::NeedsReload(why) => panic!("should follow incrementally: {why}"),
    }
    assert_same(ledger.model(), &engine::open(&path).expect("fresh"));

    // Time moves on with more orders: pending orders and events are re-judged at the new "now".
    sim.step(&rw, 400).expect("step");
    assert!(matches!(ledger.refresh(&ro).expect("refresh"), Refresh::Applied { new_orders: 400, .. }));
    assert_same(ledger.model(), &engine::open(&path).expect("fresh"));

    // A return, a message and a dispute, each an hour short of its time limit and unanswered; then a
    // commit moves "now" past the limits (at least a minute per order), and they count as late.
    let now: i64 = rw.query_row("SELECT max(placed_at) FROM orders", [], |r| r.get(0)).expect("now");
    let hour = 3600;
    let (item, order): (i64, i64) = rw
        .query_row("SELECT id, order_id FROM order_items ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("an item");
    rw.execute(
        "INSERT INTO returns (order_item_id, quantity, reason, requested_at) VALUES (?1, 1, 'defective', ?2)",
        params![item, now - engine::RETURN_RESPONSE_SECS + hour],
    )
    .expect("return");
    rw.execute("INSERT INTO messages (seller_id, received_at) VALUES (1, ?1)", [now - engine::REPLY_SECS + hour])
        .expect("message");
    rw.execute(
        "INSERT INTO disputes (order_id, kind, opened_at) VALUES (?1, 'claim', ?2)",
        params![order, now - engine::DISPUTE_RESPONSE_SECS + hour],
    )
    .expect("dispute");
    assert!(matches!(ledger.refresh(&ro).expect("refresh"), Refresh::Applied { new_orders: 0, .. }));
    assert_same(ledger.model(), &engine::open(&path).expect("fresh"));
    sim.step(&rw, 100).expect("step");
    assert!(matches!(ledger.refresh(&ro).expect("refresh"), Refresh::Applied { new_orders: 100, .. }));
    assert_same(ledger.model(), &engine::open(&path).expect("fresh"));

    // A final order edited in place is noticed when an event about it arrives: the ledger keeps a check of
    // each final order's row instead of the row, and re-reads the row for the event.
    rw.execute("UPDATE orders SET discount_minor = discount_minor + 1 WHERE id = 5", []).expect("edit");
    rw.execute("INSERT INTO reviews (order_id, kind, rating, created_at) VALUES (5, 'seller', 2, ?1)", [now])
        .expect("review");
    match ledger.refresh(&ro).expect("refresh") {
        Refresh::NeedsReload(why) => assert_eq!(why, "order 5 changed after it was final"),
        other => panic!("an edited final order should ask for a reload: {other:?}"),
    }
    // ... and so is one deleted (a fresh ledger: the one above was told to reload).
    let mut ledger = Ledger::load(&ro, &path, &mut |_| {}).expect("load");
    // (by a program that does not enforce the schema's foreign keys)
    rw.execute_batch("PRAGMA foreign_keys = OFF; DELETE FROM orders WHERE id = 6").expect("delete");
    rw.execute("INSERT INTO reviews (order_id, kind, rating, created_at) VALUES (6, 'seller', 2, ?1)", [now])
        .expect("review");
    rw.execute_batch("PRAGMA foreign_keys = ON").expect("keys");
    match ledger.refresh(&ro).expect("refresh") {
        Refresh::NeedsReload(why) => assert_eq!(why, "order 6 was deleted"),
        other => panic!("a deleted final order should ask for a reload: {other:?}"),
    }

    // A new product cannot be followed: the ledger says so.
    rw.execute("INSERT INTO products (ref, seller_id, title) VALUES ('NEW-1', 1, 'New thing')", []).expect("product");
    assert!(matches!(ledger.refresh(&ro).expect("refresh"), Refresh::NeedsReload(_)));
    drop(Connection::open(&path));
}

#[test]
fn a_refresh_sees_one_state_of_the_store_while_another_program_commits() {
    let (_dir, path, ro, mut ledger) = demo_ledger(2_000, 8);
    // Another program commits small steps (new orders with their items, reviews, shipments) as fast as it
    // can, while the ledger refreshes: a commit landing between two of a refresh's reads must not show new
    // items without their orders (it asked for a reload) nor leave anything out.
    let done = std::sync::atomic::AtomicBool::new(false);
    let reloads = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let rw = kpiscope::store::open_writable(&path).expect("rw");
            let mut sim = kpiscope::simulate::Simulator::new(&rw, &path, 4).expect("sim");
            let started = std::time::Instant::now();
            while started.elapsed() < std::time::Duration::from_millis(1500) {
                sim.step(&rw, 3).expect("step");
            }
            done.store(true, std::sync::atomic::Ordering::Release);
        });
        let mut reloads = Vec::new();
        while !done.load(std::sync::atomic::Ordering::Acquire) {
            if let Refresh::NeedsReload(why) = ledger.refresh(&ro).expect("refresh") {
                reloads.push(why);
                ledger = Ledger::load(&ro, &path, &mut |_| {}).expect("reload");
            }
        }
        writer.join().expect("writer");
        reloads
    });
    assert!(reloads.is_empty(), "reloads asked: {reloads:?}");
    assert!(matches!(ledger.refresh(&ro).expect("refresh"), Refresh::Applied { .. }));
    assert_same(ledger.model(), &engine::open(&path).expect("fresh"));
}

/// Another program commits (new orders with their items, reviews, shipments) while a first load reads the
/// store a slice at a time: the load reads the orders and items as they were when it started, and the next
/// refresh takes what the commit added. Read past that point, the load met the new items before their
/// orders, left them out as items of no order, and the refresh then added the orders without them.
#[test]
fn a_commit_during_a_first_load_is_followed_by_the_next_refresh() {
    let (_dir, path, ro, _) = demo_ledger(2_000, 10);
    let rw = kpiscope::store::open_writable(&path).expect("rw");
    let mut sim = kpiscope::simulate::Simulator::new(&rw, &path, 5).expect("sim");
    let mut committed = false;
    let mut ledger = Ledger::load_sliced(&ro, &path, Some(100), &mut |share| {
        if !committed && share > 0.3 {
            sim.step(&rw, 20).expect("step");
            committed = true;
        }
    })
    .expect("load");
    assert!(committed);
    let orphans = ledger.model().quality.count("orphan:order items of an unknown order");
    assert_eq!(orphans, 0, "{:?}", ledger.model().quality.issues());
    match ledger.refresh(&ro).expect("refresh") {
        Refresh::Applied { new_orders, .. } => assert!(new_orders > 0),
        Refresh::NeedsReload(why) => panic!("asked for a reload: {why}"),
    }
    assert_same(ledger.model(), &engine::open(&path).expect("fresh"));
}

/// Ids far apart (an import keeps a file's ids: one of 2^63 - 1 among 1..N): a load in slices of ids
/// steps over the empty ranges, and gives what reading every table whole gives.
#[test]
fn a_load_steps_over_ids_far_apart() {
    let (_dir, path, ro, _) = demo_ledger(600, 11);
    let rw = kpiscope::store::open_writable(&path).expect("rw");
    rw.execute_batch(
        "PRAGMA foreign_keys = OFF;
         UPDATE order_items SET order_id = 9223372036854775807 WHERE order_id = (SELECT max(id) FROM orders);
         UPDATE orders SET id = 9223372036854775807 WHERE id = (SELECT max(id) FROM orders);
         UPDATE reviews SET id = 9223372036854775807 WHERE id = (SELECT max(id) FROM reviews);",
    )
    .expect("far ids");
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.clone();
    std::thread::spawn(move || {
        let ro = kpiscope::store::open_read_only(&p).expect("ro");
        let mut shares = Vec::new();
        let _ = tx.send((Ledger::load(&ro, &p, &mut |f| shares.push(f)).map(Ledger::into_model), shares));
    });
    let (sliced, shares) = rx.recv_timeout(std::time::Duration::from_secs(20)).expect("a load that ends");
    let sliced = sliced.expect("load");
    // The progress it reports moves forward within 0..1, whatever the ids' span.
    assert!(shares.windows(2).all(|w| w[0] <= w[1]) && shares.iter().all(|f| (0.0..=1.0).contains(f)), "{shares:?}");
    let whole = Ledger::load_sliced(&ro, &path, None, &mut |_| {}).expect("whole");
    assert_same(&sliced, whole.model());
    assert_eq!(sliced.quality.issues(), whole.model().quality.issues());
}

/// A load read a slice of orders at a time gives what reading every table whole gives. With slices of a
/// few orders "now" moves at each slice, so orders held pending pass their deadlines between slices: the
/// events after the store's middle are deleted first, so that the orders, not the events, move "now".
#[test]
fn a_load_in_slices_equals_a_load_read_whole() {
    let (_dir, path, ro, _) = demo_ledger(3_000, 9);
    let rw = kpiscope::store::open_writable(&path).expect("rw");
    let mid: i64 =
        rw.query_row("SELECT placed_at FROM orders ORDER BY id LIMIT 1 OFFSET 1500", [], |r| r.get(0)).expect("mid");
    for sql in [
        "DELETE FROM reviews WHERE created_at > ?1",
        "DELETE FROM messages WHERE received_at > ?1 OR first_reply_at > ?1",
        "DELETE FROM returns WHERE requested_at > ?1 OR responded_at > ?1 OR refunded_at > ?1",
        "DELETE FROM cancellations WHERE cancelled_at > ?1",
        "DELETE FROM disputes WHERE opened_at > ?1 OR responded_at > ?1 OR closed_at > ?1",
    ] {
        rw.execute(sql, [mid]).expect("delete");
    }
    let whole = Ledger::load_sliced(&ro, &path, None, &mut |_| {}).expect("whole");
    for slice in [1, 7, 250, i64::MAX] {
        let sliced = Ledger::load_sliced(&ro, &path, Some(slice), &mut |_| {}).expect("sliced");
        assert_same(sliced.model(), whole.model());
        assert_eq!(sliced.model().quality.issues(), whole.model().quality.issues(), "slices of {slice}");
        assert_eq!(sliced.model().recorded, whole.model().recorded, "slices of {slice}");
    }
}

/// Items not grouped by order in id order (an item added to an old order) are read whole: the load still
/// counts the late item.
#[test]
fn a_load_of_items_out_of_order_reads_them_whole() {
    let (_dir, path, ro, before) = demo_ledger(500, 4);
    let rw = kpiscope::store::open_writable(&path).expect("rw");
    let (order, product): (i64, i64) = rw
        .query_row(
            "SELECT o.id, i.product_id FROM orders o JOIN order_items i ON i.order_id = o.id \
             WHERE o.paid_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cancellations c WHERE c.order_id = o.id) \
             ORDER BY o.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a paid order");
    rw.execute(
        "INSERT INTO order_items (order_id, product_id, quantity, unit_price_minor) VALUES (?1, ?2, 3, 100)",
        params![order, product],
    )
    .expect("late item");
    let after = Ledger::load(&ro, &path, &mut |_| {}).expect("load");
    assert_same(after.model(), Ledger::load_sliced(&ro, &path, None, &mut |_| {}).expect("whole").model());
    let m = (before.model(), after.model());
    let all = kpiscope::period::DayRange::new(m.0.first_day, m.0.last_day);
    let units = |m: &kpiscope::engine::Model| m.counters(kpiscope::engine::Scope::Store, all).units;
    assert_eq!(units(m.1), units(m.0) + 3);
}

/// A ledger written to the ledger cache and read back is the ledger it was: its model is the same, and after
/// commits (new orders, pending orders shipped, a dispute answered) a refresh of it gives what a fresh load
/// gives. A damaged file is refused, never half read.
#[test]
fn a_cached_ledger_follows_the_store_from_where_it_was_written() {
    use kpiscope::engine::ledger_cache;
    let (dir, path, ro, ledger) = demo_ledger(3_000, 3);
    let cache_dir = dir.path().join("cache");
    // With the model cache holding the ledger's model under the ledger's identity, the model is left out
    // and read from there; without that entry, the ledger cache cannot be used.
    let id = engine::cache::Identity::of(&path).expect("identity");
    engine::cache::write(&cache_dir, &id, ledger.model()).expect("model cache");
    let lean = ledger_cache::write(&cache_dir, &path, Some(&id), &ledger).expect("write");
    let lean_len = std::fs::metadata(&lean).expect("len").len();
    let entry = ledger_cache::open(&cache_dir, &path).expect("open");
    assert_same(&entry.model().expect("model from the model cache"), ledger.model());
    for e in std::fs::read_dir(&cache_dir).expect("dir").flatten() {
        if e.path().extension().is_some_and(|x| x == "model") {
            std::fs::remove_file(e.path()).expect("remove");
        }
    }
    assert!(entry.model().is_err(), "a ledger cache whose model is gone");

    let file = ledger_cache::write(&cache_dir, &path, None, &ledger).expect("write");
    assert!(std::fs::metadata(&file).expect("len").len() > 2 * lean_len, "the model is in the file");
    drop(ledger);

    let rw = kpiscope::store::open_writable(&path).expect("rw");
    let mut sim = kpiscope::simulate::Simulator::new(&rw, &path, 5).expect("sim");
    sim.step(&rw, 150).expect("step");
    let now: i64 = rw.query_row("SELECT max(placed_at) FROM orders", [], |r| r.get(0)).expect("now");
    rw.execute("UPDATE disputes SET responded_at = ?1 WHERE responded_at IS NULL", [now]).expect("dispute");
    rw.execute("UPDATE messages SET first_reply_at = ?1 WHERE first_reply_at IS NULL", [now]).expect("messages");

    let entry = ledger_cache::open(&cache_dir, &path).expect("open");
    let mut back = entry.ledger(entry.model().expect("model"), &path).expect("ledger");
    assert!(matches!(back.refresh(&ro).expect("refresh"), Refresh::Applied { new_orders: 150, .. }));
    assert_same(back.model(), &engine::open(&path).expect("fresh"));

    // One byte changed in the middle of the file: refused.
    let mut bytes = std::fs::read(&file).expect("read");
    let mid = bytes.len() * 2 / 3;
    bytes[mid] ^= 0x40;
    std::fs::write(&file, &bytes).expect("write");
    let entry = ledger_cache::open(&cache_dir, &path).expect("open");
    let read = entry.model().and_then(|m| entry.ledger(m, &path));
    assert!(read.is_err_and(|e| e.contains("damaged")), "a damaged ledger cache was read");
}

/// A demo store followed as it is written (`demo::generate_with`): a follower reads each commit of whole
/// days and the caches it leaves are the store's as a fresh load sees it, under the store's identity, so
/// that the first open starts from them; and the cached ledger then follows commits like any other.
#[test]
fn a_demo_followed_as_it_is_written_leaves_the_caches_a_fresh_load_agrees_with() {
    use kpiscope::engine::ledger_cache;
    let dir = tempfile::tempdir().expect("tmp");
    let (path, caches) = (dir.path().join("demo.db"), dir.path().join("cache"));
    let opts = DemoOptions { orders: 6_000, seed: 9 };
    let made = demo::generate_committing(&path, opts, Some((&caches, 500)), &mut |_, _| {}).expect("demo");
    assert!(made.cached, "caches written");
    assert!(made.commits >= 3, "followed through commits, not loaded at the end: {}", made.commits);
    let entry = ledger_cache::open(&caches, &path).expect("the demo's ledger cache");
    let id = engine::cache::Identity::of(&path).expect("identity");
    assert_eq!(entry.identity(), Some(&id), "written for the store as it is: the first open shows it at once");
    let fresh = engine::open(&path).expect("fresh");
    assert_same(&engine::cache::read(&caches, &id).expect("the demo's model cache"), &fresh);
    let model = entry.model().expect("model");
    assert_same(&model, &fresh);

    let mut ledger = entry.ledger(model, &path).expect("ledger");
    let rw = kpiscope::store::open_writable(&path).expect("rw");
    kpiscope::simulate::Simulator::new(&rw, &path, 4).expect("sim").step(&rw, 120).expect("step");
    let ro = kpiscope::store::open_read_only(&path).expect("ro");
    assert!(matches!(ledger.refresh(&ro).expect("refresh"), Refresh::Applied { new_orders: 120, .. }));
    assert_same(ledger.model(), &engine::open(&path).expect("fresh"));
}

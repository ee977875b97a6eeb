//! The model cache: a warm open gives exactly the model a load gives; a commit, a damaged or truncated entry
//! makes the store load again (and the entry is rewritten); `report` answers the same warm, cold and with
//! the cache off, and a report on one scope, which reads only that scope's parts of the entry, answers as
//! the whole model does; deleting the cache only costs a cold start; the store is never written; the
//! explorer caches its load behind its worker, and starts warm the next time; it leaves its ledger in the
//! cache when it stops, and the next start follows the store from there, commits made meanwhile included,
//! without reading the store whole.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::assert_same;
use kpiscope::config::Config;
use kpiscope::demo::{self, DemoOptions};
use kpiscope::engine::{self, Model, Scope, cache};
use kpiscope::flags;
use kpiscope::kpi::{self, Ctx};
use kpiscope::period::{Compare, Period};
use kpiscope::report::{self, ReportMeta};

fn demo_store(dir: &Path) -> PathBuf {
    let path = dir.join("shop.db");
    demo::generate(&path, DemoOptions { orders: 3_000, seed: 9 }, &mut |_, _| {}).expect("demo");
    // A row the engine counts as a data-quality problem, so that the cached model has one to carry.
    let rw = kpiscope::store::open_writable(&path).expect("rw");
    rw.execute("UPDATE orders SET delivered_at = placed_at - 60 WHERE id = 1", []).expect("bad row");
    path
}

fn open(cache_dir: &Path, store: &Path) -> cache::Opened {
    let conn = kpiscope::store::open_read_only(store).expect("open store");
    cache::open(Some(cache_dir.to_path_buf()), &conn, store, &mut |_| {}).expect("open through the cache")
}

fn entries(cache_dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(cache_dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|x| x == "model"));
    v
}

/// Everything besides the day cells that a model carries, and the flags it raises.
fn assert_same_everywhere(a: &Model, b: &Model) {
    assert_same(a, b);
    let names = |m: &Model| {
        let s: Vec<_> = m.sellers.iter().map(|s| format!("{s:?}")).collect();
        let p: Vec<_> = m.products.iter().map(|p| format!("{p:?}")).collect();
        (s, p, m.categories.clone(), m.seller_products.clone(), m.category_products.clone())
    };
    assert_eq!(names(a), names(b), "dimensions");
    assert_eq!(format!("{:?}", a.stock), format!("{:?}", b.stock), "stock");
    assert_eq!(a.recorded, b.recorded, "recorded kinds");
    assert_eq!(format!("{:?}", a.quality.issues()), format!("{:?}", b.quality.issues()), "quality");
    let flags_of = |m: &Model| {
        let ctx = Ctx { model: m, now: m.last_day, prior_weight: Config::default().bayes_prior_weight };
        format!("{:?}", flags::evaluate(ctx, &Config::default(), Scope::Store, None))
    };
    assert_eq!(flags_of(a), flags_of(b), "flags");
}

#[test]
fn a_warm_open_gives_the_model_a_load_gives() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, cache_dir) = (demo_store(dir.path()), dir.path().join("cache"));
    let cold = open(&cache_dir, &store);
    assert!(!cold.warm, "nothing cached yet");
    cold.save();
    assert_eq!(entries(&cache_dir).len(), 1, "one entry written");
    let warm = open(&cache_dir, &store);
    assert!(warm.warm, "the entry is current");
    assert!(!warm.model.quality.is_empty(), "the fixture has a data-quality problem");
    assert_same_everywhere(&cold.model, &warm.model);
}

/// The explorer's worker on `store` with the model cache in `cache_dir`: the first model it sends (waiting
/// for it), then stopped.
fn first_model_of_a_session(store: &Path, cache_dir: &Path) -> kpiscope::ui::action::Action {
    use kpiscope::ui::action::Action;
    let seen = run_worker(store, cache_dir, |a| matches!(a, Action::Loaded { .. }));
    seen.into_iter().find(|a| matches!(a, Action::Loaded { .. })).expect("a model")
}

#[test]
fn the_explorer_caches_a_load_behind_the_worker_and_the_next_start_is_warm() {
    use kpiscope::ui::action::Action;
    let dir = tempfile::tempdir().expect("tmp");
    let (store, cache_dir) = (demo_store(dir.path()), dir.path().join("cache"));
    // The write runs on a thread of its own (the worker stays free to follow commits); a stopped worker
    // waits for it.
    assert!(matches!(first_model_of_a_session(&store, &cache_dir), Action::Loaded { cached: false, .. }));
    assert_eq!(entries(&cache_dir).len(), 1, "the load was cached");
    assert!(matches!(first_model_of_a_session(&store, &cache_dir), Action::Loaded { cached: true, .. }));
}

#[test]
fn a_commit_makes_the_entry_stale() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, cache_dir) = (demo_store(dir.path()), dir.path().join("cache"));
    open(&cache_dir, &store).save();
    // Another program commits: a few new orders, and an UPDATE that does not grow the file.
    let rw = kpiscope::store::open_writable(&store).expect("rw");
    let mut sim = kpiscope::simulate::Simulator::new(&rw, &store, 3).expect("sim");
    sim.step(&rw, 5).expect("step");
    let reopened = open(&cache_dir, &store);
    assert!(!reopened.warm, "a commit makes the entry stale");
    assert_same_everywhere(&reopened.model, &engine::open(&store).expect("fresh"));
    reopened.save();
    assert!(open(&cache_dir, &store).warm);
    let changed = rw.execute("UPDATE orders SET discount_minor = discount_minor + 1 WHERE id = 1", []).expect("edit");
    assert_eq!(changed, 1);
    assert!(!open(&cache_dir, &store).warm, "an edit in place makes the entry stale");
}

#[test]
fn a_damaged_or_truncated_entry_is_refused_and_rebuilt() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, cache_dir) = (demo_store(dir.path()), dir.path().join("cache"));
    let fresh = engine::open(&store).expect("fresh");
    open(&cache_dir, &store).save();
    let file = entries(&cache_dir).pop().expect("an entry");
    let good = std::fs::read(&file).expect("read entry");
    for (what, bytes) in [
        ("a flipped byte in the day cells", {
            let mut b = good.clone();
            let mid = b.len() / 2;
            b[mid] ^= 0x10;
            b
        }),
        ("a truncated file", good[..good.len() - 100].to_vec()),
        ("a file with bytes after the end", [good.as_slice(), b"extra"].concat()),
        ("an empty file", Vec::new()),
    ] {
        std::fs::write(&file, &bytes).expect("damage");
        let opened = open(&cache_dir, &store);
        assert!(!opened.warm, "{what}: refused");
        assert_same_everywhere(&opened.model, &fresh);
        opened.save();
        assert!(open(&cache_dir, &store).warm, "{what}: rebuilt");
    }
    // Deleting the whole cache costs one cold start.
    std::fs::remove_dir_all(&cache_dir).expect("delete cache");
    let opened = open(&cache_dir, &store);
    assert!(!opened.warm);
    assert_same_everywhere(&opened.model, &fresh);
}

#[test]
fn report_answers_the_same_warm_cold_and_uncached_and_never_writes_the_store() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, cache_dir) = (demo_store(dir.path()), dir.path().join("cache"));
    let before = std::fs::read(&store).expect("store bytes");
    let report = |cache: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_kpiscope"))
            .args(["report", "--format", "json"])
            .arg(&store)
            .env("KPISCOPE_CACHE_DIR", cache)
            .output()
            .expect("run report");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let cold = report(&cache_dir);
    assert_eq!(entries(&cache_dir).len(), 1, "report caches its load");
    let warm = report(&cache_dir);
    let off = report(Path::new("off"));
    assert!(!cold.is_empty());
    assert_eq!(String::from_utf8_lossy(&cold), String::from_utf8_lossy(&warm), "warm = cold");
    assert_eq!(String::from_utf8_lossy(&cold), String::from_utf8_lossy(&off), "cache off = cold");
    assert_eq!(std::fs::read(&store).expect("store bytes"), before, "the store is never written");
}

/// The report (scorecard with comparison and peer medians, and its flags) and the flags of every rule
/// window, as JSON text.
fn report_of(m: &Model, scope: Scope) -> String {
    let cfg = Config::default();
    let ctx = Ctx { model: m, now: m.last_day, prior_weight: cfg.bayes_prior_weight };
    let range = Period::Rolling(90).resolve(ctx.now, m.first_day);
    let card = kpi::scorecard(ctx, &cfg, scope, range, Compare::Prev);
    let found = flags::evaluate(ctx, &cfg, scope, Some(range));
    let meta = ReportMeta {
        store: "shop.db".into(),
        standard: cfg.standard.name(),
        period_spec: "90d".into(),
        period_words: "Last 90 days".into(),
        now: ctx.now,
    };
    let windows = flags::evaluate(ctx, &cfg, scope, None);
    format!("{:#}\n{:#}", report::report_json(m, &meta, &card, &found), report::flags_json(&windows))
}

#[test]
fn a_report_on_one_scope_reads_only_its_parts_and_answers_as_the_whole_model() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, cache_dir) = (demo_store(dir.path()), dir.path().join("cache"));
    let cold = open(&cache_dir, &store);
    cold.save();
    let whole = &cold.model;
    let mut scopes: Vec<Scope> = (0..whole.sellers.len() as u32).map(Scope::Seller).collect();
    scopes.extend((0..whole.categories.len() as u32).map(Scope::Category));
    let n = whole.products.len() as u32;
    scopes.extend((0..n).step_by(17).chain([n - 1]).map(Scope::Product));
    for scope in scopes {
        let (part, picked) = cache::lookup_for(&cache_dir, &store, |_| Ok(scope))
            .expect("the entry is current")
            .expect("the scope is picked");
        assert_eq!(picked, scope);
        assert_eq!(report_of(&part, scope), report_of(whole, scope), "{scope:?}");
        // It read less than the whole entry: the store's customers are never needed for one scope.
        assert_eq!(part.store_customers.len(), 0, "{scope:?}");
        assert!(!whole.store_customers.is_empty());
    }
    // A seller's report skips the categories' series and other sellers' products' customers.
    let (part, _) = cache::lookup_for(&cache_dir, &store, |_| Ok(Scope::Seller(0))).expect("current").expect("scope");
    assert!(part.category_days.iter().all(|d| d.heap_bytes() == 0));
    assert!(whole.category_days.iter().any(|d| d.heap_bytes() > 0));
    // A name the store does not have is refused from the head alone.
    let refused = cache::lookup_for(&cache_dir, &store, |m| m.resolve_scope(Some("no-such-seller"), None, None))
        .expect("the entry is current");
    assert!(refused.is_err());
}

/// The explorer's worker on `store` with its caches in `cache_dir`, from its start until it follows the
/// store (`Following`, or a model it loaded or caught up): every action it sent. Then stopped.
fn session(store: &Path, cache_dir: &Path) -> Vec<kpiscope::ui::action::Action> {
    use kpiscope::ui::action::Action;
    run_worker(store, cache_dir, |a| matches!(a, Action::Following | Action::Loaded { cached: false, .. }))
}

/// The explorer's worker on `store` with its caches in `cache_dir`: every action it sends up to the first
/// that `last` accepts (waiting for it), then stopped (a stopped worker waits for its cache writes).
fn run_worker(
    store: &Path,
    cache_dir: &Path,
    last: impl Fn(&kpiscope::ui::action::Action) -> bool,
) -> Vec<kpiscope::ui::action::Action> {
    use kpiscope::ui::action::Action;
    use kpiscope::ui::worker::{self, Request, Source};
    let (req_tx, req_rx) = std::sync::mpsc::channel();
    let (tx, rx) = std::sync::mpsc::channel();
    let source =
        Source { path: store.into(), demo: None, config: Config::default(), cache: Some(cache_dir.to_path_buf()) };
    let handle = worker::spawn(source, req_rx, tx);
    let mut seen = Vec::new();
    loop {
        let a = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the worker answers");
        if let Action::Failed(e) = &a {
            panic!("worker failed: {e}");
        }
        let done = last(&a);
        seen.push(a);
        if done {
            break;
        }
    }
    req_tx.send(Request::Stop).expect("stop");
    handle.join().expect("the worker ends");
    seen
}

#[test]
fn the_next_start_follows_the_store_from_the_ledger_the_last_one_left() {
    use kpiscope::ui::action::Action;
    let dir = tempfile::tempdir().expect("tmp");
    let (store, cache_dir) = (demo_store(dir.path()), dir.path().join("cache"));
    let loading =
        |seen: &[Action]| seen.iter().any(|a| matches!(a, Action::Progress(what, _) if what.contains("Loading")));
    assert!(loading(&session(&store, &cache_dir)), "the first start reads the store");
    let ledgers = std::fs::read_dir(&cache_dir).expect("cache").flatten();
    assert_eq!(ledgers.filter(|e| e.path().extension().is_some_and(|x| x == "ledger")).count(), 1);

    // Another program commits while the explorer is closed: the model cache no longer holds the store.
    let rw = kpiscope::store::open_writable(&store).expect("rw");
    let mut sim = kpiscope::simulate::Simulator::new(&rw, &store, 8).expect("sim");
    sim.step(&rw, 30).expect("step");
    let seen = session(&store, &cache_dir);
    assert!(!loading(&seen), "the ledger was caught up, not loaded again");
    let Some(Action::Loaded { model, cached: false, .. }) = seen.last() else { panic!("no model: {seen:?}") };
    assert_same_everywhere(model, &engine::open(&store).expect("fresh"));

    // Nothing committed since: the ledger's own model is shown at once, and followed.
    let seen = session(&store, &cache_dir);
    assert!(!loading(&seen));
    assert!(matches!(seen.first(), Some(Action::Loaded { cached: true, .. })), "{seen:?}");
    assert!(matches!(seen.last(), Some(Action::Following)));
}

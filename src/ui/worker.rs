//! The background worker: the only owner of the store's SQLite connection (read-only). It generates the
//! demo store on first run, loads the store into a `Ledger`, watches `PRAGMA data_version` for commits by
//! other processes and follows them in place (new and pending rows only; a full reload when the ledger
//! cannot follow), and answers the few questions that need SQL (a product's recent reviews). Requests
//! coalesce: a burst of them costs one answer of each kind. Results go back as `Action`s. Models are
//! written to the model cache on a thread of their own (`Saver`), so that following a commit never waits
//! for a write.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use rusqlite::Connection;

mod resume;

use super::action::Action;
use super::warm;
use crate::config::Config;
use crate::demo::{self, DemoOptions};
use crate::engine::{Ledger, Model, Refresh, Scope, cache};
use crate::flags;
use crate::kpi::Ctx;

/// How often the worker asks SQLite whether another process committed.
pub const POLL: Duration = Duration::from_millis(25);
/// A model refreshed by live changes is written to the model cache once the store has been quiet this long
/// (a busy store is not rewritten on every commit).
const SAVE_AFTER: Duration = Duration::from_secs(5);

/// What the worker says (as `Action::Progress`) while it reads the ledger the last session left and
/// catches up with the store (`resume`).
pub const CATCHING_UP: &str = "Catching up from the last session";

/// One review of a product, for the product page.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    pub rating: i64,
    pub images: bool,
    pub seller_feedback: bool,
    pub body: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub enum Request {
    /// recent reviews of a product (model index, store id)
    Reviews(u32, i64),
    Reload,
    Freeze(bool),
    /// compute the views of this scope in every period ahead of the keys (see `warm`)
    Warm(Scope),
    Stop,
}

/// What the worker opens.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    /// the standard and limits the red flags are evaluated with
    pub config: Config,
    /// generate this demo first when `path` does not exist
    pub demo: Option<DemoOptions>,
    /// where model caches are read and written (`cache::dir()` for the user's); `None`: no caching
    pub cache: Option<PathBuf>,
}

/// Starts the worker thread.
pub fn spawn(source: Source, requests: Receiver<Request>, out: Sender<Action>) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("kpiscope-worker".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&source, &requests, &out)));
            let failed = match result {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e,
                Err(_) => "internal error in the background worker (details in the log)".to_string(),
            };
            tracing::error!("worker: {failed}");
            let _ = out.send(Action::Failed(failed));
        })
        .unwrap_or_else(|e| panic!("cannot start the worker thread: {e}"))
}

fn run(source: &Source, requests: &Receiver<Request>, out: &Sender<Action>) -> Result<(), String> {
    if let (Some(opts), false) = (source.demo, source.path.exists()) {
        if let Some(dir) = source.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let mut progress = |done: u64, total: u64| {
            let _ = out.send(Action::Progress("Generating the demo store".into(), done as f64 / total as f64));
        };
        demo::generate_with(&source.path, opts, source.cache.as_deref(), &mut progress).map_err(|e| e.to_string())?;
    }
    let warmer = warm::Warmer::spawn(source.config.clone(), out.clone());
    let Some((conn, Ready { mut ledger, to_save, mut at, mut unsaved })) = first_load(source, requests, out, &warmer)?
    else {
        return Ok(());
    };
    let mut last_good = crate::time::wall_clock();
    let mut version = data_version(&conn, &source.path).unwrap_or(0);
    let stale = |why: String, since: i64| {
        tracing::warn!("stale: {why}");
        let _ = out.send(Action::Stale { since, why });
    };
    let mut frozen = false;
    // (Dropped on return: a write under way is waited for.)
    let mut saver = Saver::new(source);
    saver.due(to_save, Instant::now());
    'follow: loop {
        saver.write_if_due(ledger.model());
        let first = match requests.recv_timeout(POLL) {
            Ok(r) => Some(r),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break 'follow,
        };
        // Coalesce: keep the last request of each kind.
        let (mut reviews, mut reload) = (None, false);
        for r in first.into_iter().chain(requests.try_iter()) {
            match r {
                Request::Reviews(p, id) => reviews = Some((p, id)),
                Request::Reload => reload = true,
                Request::Freeze(f) => frozen = f,
                Request::Warm(scope) => warmer.scope(scope),
                Request::Stop => break 'follow,
            }
        }
        if let Some((p, id)) = reviews {
            let action = match fetch_reviews(&conn, id) {
                Ok(rows) => Action::Reviews { product: p, rows },
                Err(e) => Action::Stale { since: last_good, why: format!("reviews: {e}") },
            };
            let _ = out.send(action);
        }
        if frozen && !reload {
            continue;
        }
        let v = match data_version(&conn, &source.path) {
            Ok(v) => v,
            Err(e) => {
                stale(retrying(&e), last_good);
                continue;
            }
        };
        if v == version && !reload {
            continue;
        }
        // Another process committed (or `r` asked): follow the change in place when the ledger can.
        let started = Instant::now();
        // The warm-up waits while the commit is followed and judged: the user waits for this.
        let hold = warmer.hold();
        let before = cache::Identity::of(&source.path).ok();
        let outcome = if reload { Ok(Refresh::NeedsReload("reload asked".into())) } else { ledger.refresh(&conn) };
        match outcome {
            Ok(Refresh::Applied { new_orders, touched }) => {
                let elapsed_ms = started.elapsed().as_millis() as u64;
                tracing::info!("refreshed in {elapsed_ms} ms: {new_orders} new orders, {touched} orders re-applied");
                publish(out, source, &warmer, ledger.model().clone(), elapsed_ms, Delivery::KpisFirst);
                version = v;
                last_good = crate::time::wall_clock();
                at = cache::Identity::still(&source.path, before);
                unsaved = true;
                saver.due(at.clone(), Instant::now() + SAVE_AFTER);
            }
            Ok(Refresh::NeedsReload(why)) => {
                tracing::info!("full reload: {why}");
                match load(&conn, source, out, &warmer, None) {
                    Ok(ready) => {
                        (ledger, at, unsaved) = (ready.ledger, ready.at, true);
                        saver.due(ready.to_save, Instant::now());
                        version = v;
                        last_good = crate::time::wall_clock();
                    }
                    Err(e) => stale(retrying(&e), last_good),
                }
            }
            Err(e) => stale(retrying(&e), last_good),
        }
        drop(hold);
    }
    if unsaved {
        resume::save(source, at.as_ref(), &ledger);
    }
    Ok(())
}

/// A ledger ready to follow the store with, loaded or read from the ledger cache and caught up.
struct Ready {
    ledger: Ledger,
    /// the identity to write the model cache under, if it does not hold the ledger's model already
    to_save: Option<cache::Identity>,
    /// the store's identity at the ledger's state, when known
    at: Option<cache::Identity>,
    /// whether the ledger differs from the ledger cache's
    unsaved: bool,
}

/// A failed read, in the words of the status line.
fn retrying(e: &crate::Error) -> String {
    if e.is_locked() { "another program holds a lock; retrying".into() } else { format!("{e}; retrying") }
}

/// Opens and loads the store. While another program holds a lock, says so and tries again (a `Stop`
/// ends the wait); any other failure is final. `None` when stopped.
fn first_load(
    source: &Source,
    requests: &Receiver<Request>,
    out: &Sender<Action>,
    warmer: &warm::Warmer,
) -> Result<Option<(Connection, Ready)>, String> {
    let mut warm = None;
    loop {
        let attempt = crate::store::open_read_only(&source.path).and_then(|conn| {
            if warm.is_none()
                && let Some(ready) = resume::from_ledger_cache(&conn, source, out, warmer, &mut warm)
            {
                return Ok((conn, ready));
            }
            if warm.is_none() {
                warm = Some(from_cache(source, out, warmer));
            }
            let ready = load(&conn, source, out, warmer, warm.clone().flatten())?;
            Ok((conn, ready))
        });
        match attempt {
            Ok(loaded) => return Ok(Some(loaded)),
            Err(e) if e.is_locked() => {
                tracing::warn!("waiting for a lock: {e}");
                if warm.as_ref().is_none_or(Option::is_none) {
                    let _ =
                        out.send(Action::Progress("Waiting: another program holds a lock on the store".into(), 0.0));
                }
                match requests.recv_timeout(Duration::from_millis(500)) {
                    Ok(Request::Stop) | Err(RecvTimeoutError::Disconnected) => return Ok(None),
                    _ => {}
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// A warm start: when the model cache holds the store as it is now, sends that model at once and returns
/// the identity it was cached under (the ledger that follows live changes is then built behind it).
fn from_cache(source: &Source, out: &Sender<Action>, warmer: &warm::Warmer) -> Option<cache::Identity> {
    let started = Instant::now();
    match cache::lookup(source.cache.as_deref()?, &source.path) {
        Ok((model, id)) => {
            let elapsed_ms = started.elapsed().as_millis() as u64;
            tracing::info!("model of {} read from the cache in {elapsed_ms} ms", source.path.display());
            publish(out, source, warmer, model, elapsed_ms, Delivery::Judged { cached: true });
            Some(id)
        }
        Err(why) => {
            tracing::info!("model cache not used: {why}");
            None
        }
    }
}

fn data_version(conn: &Connection, path: &std::path::Path) -> crate::Result<i64> {
    conn.pragma_query_value(None, "data_version", |r| r.get(0)).map_err(|e| crate::Error::sqlite(path, e))
}

/// The `Loaded` action of a model: the model with its red flags, as of the store's latest activity. The
/// flags are evaluated here, off the UI thread (they scan every product).
pub fn loaded(model: Model, config: &Config, elapsed_ms: u64) -> Action {
    let flags = judge(&model, config);
    Action::Loaded { model: Arc::new(model), flags: Some(flags), elapsed_ms, cached: false }
}

fn judge(model: &Model, config: &Config) -> Vec<flags::Flag> {
    let ctx = Ctx { model, now: model.last_day, prior_weight: config.bayes_prior_weight };
    flags::evaluate(ctx, config, Scope::Store, None)
}

/// How `publish` sends a model.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// with its red flags (a load: sellers and products may differ from the model on screen's)
    Judged { cached: bool },
    /// at once, its red flags following as `Judged` (a refresh after a commit: same sellers and products,
    /// so the previous flags can stay on screen meanwhile; the flags take a tenth of a second at 10M orders)
    KpisFirst,
}

/// Sends a model and its red flags, and starts warming its views in the background (`warm`). What the
/// views and the flags both ask for first is computed before either starts (`kpi::prepare`).
fn publish(out: &Sender<Action>, source: &Source, warmer: &warm::Warmer, model: Model, elapsed_ms: u64, how: Delivery) {
    let model = Arc::new(model);
    crate::kpi::prepare(Ctx { model: &model, now: model.last_day, prior_weight: source.config.bayes_prior_weight });
    if how == Delivery::KpisFirst {
        let _ = out.send(Action::Loaded { model: model.clone(), flags: None, elapsed_ms, cached: false });
    }
    let flags = judge(&model, &source.config);
    warmer.model(model.clone(), Arc::new(flags.clone()));
    let _ = out.send(match how {
        Delivery::Judged { cached } => Action::Loaded { model, flags: Some(flags), elapsed_ms, cached },
        Delivery::KpisFirst => Action::Judged { model, flags },
    });
}

/// Loads the store in full and sends the model, unless the model already on screen came from the cache
/// under an identity the store still has (`shown`). With the ledger comes the store's identity at its
/// state, when the store held still meanwhile, and the identity to cache its model under, when the model is
/// not the cached one.
fn load(
    conn: &Connection,
    source: &Source,
    out: &Sender<Action>,
    warmer: &warm::Warmer,
    shown: Option<cache::Identity>,
) -> crate::Result<Ready> {
    let started = Instant::now();
    let before = cache::Identity::of(&source.path).ok();
    // Shown as the loading screen, or in the header behind a cached model (a reload's is not shown).
    let mut progress = |f: f64| {
        let _ = out.send(Action::Progress("Loading the store".into(), f));
    };
    let ledger = Ledger::load(conn, &source.path, &mut progress)?;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    tracing::info!("loaded {} in {elapsed_ms} ms", source.path.display());
    let parts: Vec<String> = ledger.footprint().iter().map(|(k, v)| format!("{k} {} MiB", v >> 20)).collect();
    tracing::info!("held: {}", parts.join(", "));
    let held = cache::Identity::still(&source.path, before);
    if held.is_some() && shown == held {
        let _ = out.send(Action::Following);
        return Ok(Ready { ledger, to_save: None, at: held, unsaved: true });
    }
    publish(out, source, warmer, ledger.model().clone(), elapsed_ms, Delivery::Judged { cached: false });
    Ok(Ready { ledger, to_save: held.clone(), at: held, unsaved: true })
}

/// Writes the worker's model to the model cache (`cache::save`) on a background thread, one write at a
/// time: a 10M-order model takes ~1 s to write, and written on the worker's thread a commit landing
/// meanwhile waited for it. Dropped, it waits for the write under way, so that a worker stopped after a
/// load leaves its model cached.
struct Saver {
    /// where to write (`None`: caching is off) and the store written for
    dir: Option<PathBuf>,
    store: PathBuf,
    /// the identity the ledger's model matches and when to write it, until it is written
    due: Option<(cache::Identity, Instant)>,
    writing: Option<std::thread::JoinHandle<()>>,
}

impl Saver {
    fn new(source: &Source) -> Saver {
        Saver { dir: source.cache.clone(), store: source.path.clone(), due: None, writing: None }
    }

    /// The ledger's model is now the one of `id` (`None`: not to be cached, the store changed meanwhile),
    /// to write at `at` (a load's at once, a refreshed one's once the store has been quiet for `SAVE_AFTER`).
    fn due(&mut self, id: Option<cache::Identity>, at: Instant) {
        self.due = id.map(|id| (id, at));
    }

    /// Starts writing `model` when it is due and no write is under way.
    fn write_if_due(&mut self, model: &Model) {
        let ready = self.due.as_ref().is_some_and(|(_, at)| Instant::now() >= *at)
            && self.writing.as_ref().is_none_or(std::thread::JoinHandle::is_finished);
        if !ready {
            return;
        }
        let (Some(dir), Some((id, _))) = (self.dir.clone(), self.due.take()) else { return };
        let (store, model) = (self.store.clone(), model.clone());
        self.writing = super::background::spawn("kpiscope-cache", move || cache::save(&dir, &store, &id, &model));
    }
}

impl Drop for Saver {
    fn drop(&mut self) {
        if let Some(h) = self.writing.take() {
            let _ = h.join();
        }
    }
}

/// A product's most recent reviews (30), newest first.
pub fn fetch_reviews(conn: &Connection, product_id: i64) -> Result<Vec<ReviewRow>, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT rating, has_images, kind, substr(coalesce(body, ''), 1, 4000), created_at FROM reviews
         WHERE product_id = ?1 ORDER BY created_at DESC LIMIT 30",
    )?;
    let rows = stmt.query_map([product_id], |r| {
        Ok(ReviewRow {
            rating: r.get(0)?,
            images: r.get::<_, i64>(1)? != 0,
            seller_feedback: r.get::<_, String>(2)? == "seller",
            body: crate::engine::text::clean(&r.get::<_, String>(3)?, crate::engine::text::BODY_CHARS),
            created_at: r.get(4)?,
        })
    })?;
    rows.collect()
}

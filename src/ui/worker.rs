//! The background worker: the only owner of the store's SQLite connection (read-only). It generates the
//! demo store on first run, loads the model, watches `PRAGMA data_version` for commits by other processes
//! and reloads when it changes, and answers the few questions that need SQL (a product's recent reviews).
//! Requests coalesce: a burst of them costs one answer each kind. Results go back as `Action`s.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::action::Action;
use crate::demo::{self, DemoOptions};
use crate::engine;

/// How often the worker asks SQLite whether another process committed.
pub const POLL: Duration = Duration::from_millis(250);

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
    Stop,
}

/// What the worker opens.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    /// generate this demo first when `path` does not exist
    pub demo: Option<DemoOptions>,
}

/// Starts the worker thread.
pub fn spawn(source: Source, requests: Receiver<Request>, out: Sender<Action>) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("kpiscope-worker".into())
        .spawn(move || {
            if let Err(e) = run(&source, &requests, &out) {
                tracing::error!("worker: {e}");
                let _ = out.send(Action::Failed(e));
            }
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
        demo::generate(&source.path, opts, &mut progress).map_err(|e| e.to_string())?;
    }
    let conn = crate::store::open_read_only(&source.path).map_err(|e| e.to_string())?;
    let mut version = load(&conn, source, out, None)?;
    let mut frozen = false;
    loop {
        let first = match requests.recv_timeout(POLL) {
            Ok(r) => Some(r),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        // Coalesce: keep the last request of each kind.
        let (mut reviews, mut reload) = (None, false);
        for r in first.into_iter().chain(requests.try_iter()) {
            match r {
                Request::Reviews(p, id) => reviews = Some((p, id)),
                Request::Reload => reload = true,
                Request::Freeze(f) => frozen = f,
                Request::Stop => return Ok(()),
            }
        }
        if let Some((p, id)) = reviews {
            match fetch_reviews(&conn, id) {
                Ok(rows) => {
                    let _ = out.send(Action::Reviews { product: p, rows });
                }
                Err(e) => {
                    let _ = out.send(Action::Stale(format!("reviews: {e}")));
                }
            }
        }
        if frozen && !reload {
            continue;
        }
        match data_version(&conn) {
            Ok(v) if v != version || reload => match load(&conn, source, out, Some(v)) {
                Ok(v) => version = v,
                Err(e) => {
                    let _ = out.send(Action::Stale(e));
                }
            },
            Ok(_) => {}
            Err(e) => {
                let _ = out.send(Action::Stale(e));
            }
        }
    }
}

fn data_version(conn: &Connection) -> Result<i64, String> {
    conn.pragma_query_value(None, "data_version", |r| r.get(0)).map_err(|e| format!("store busy: {e}"))
}

/// Loads the store and sends the model; returns the data version it saw.
fn load(conn: &Connection, source: &Source, out: &Sender<Action>, known: Option<i64>) -> Result<i64, String> {
    let started = Instant::now();
    if known.is_none() {
        let _ = out.send(Action::Progress("Loading the store".into(), 0.0));
    }
    let version = match known {
        Some(v) => v,
        None => data_version(conn)?,
    };
    let first = known.is_none();
    let mut progress = |f: f64| {
        if first {
            let _ = out.send(Action::Progress("Loading the store".into(), f));
        }
    };
    let model = engine::load_with_progress(conn, &source.path, &mut progress).map_err(|e| e.to_string())?;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    tracing::info!("loaded {} in {elapsed_ms} ms (data version {version})", source.path.display());
    let _ = out.send(Action::Loaded { model: Arc::new(model), version, elapsed_ms });
    Ok(version)
}

pub fn fetch_reviews(conn: &Connection, product_id: i64) -> Result<Vec<ReviewRow>, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT rating, has_images, kind, coalesce(body, ''), created_at FROM reviews
         WHERE product_id = ?1 ORDER BY created_at DESC LIMIT 30",
    )?;
    let rows = stmt.query_map([product_id], |r| {
        Ok(ReviewRow {
            rating: r.get(0)?,
            images: r.get::<_, i64>(1)? != 0,
            seller_feedback: r.get::<_, String>(2)? == "seller",
            body: r.get(3)?,
            created_at: r.get(4)?,
        })
    })?;
    rows.collect()
}

//! The demo's follower: while the generator writes a new store, a thread of its own keeps a `Ledger` up
//! with it, commit by commit, as the explorer follows another program's commits; at the end the ledger
//! and its model go to the caches (`engine::ledger_cache`, `engine::cache`) under the new store's
//! identity. The store's first open then starts from them (~1 s at 10M orders) instead of reading every
//! row (~80 s). The demo's writer keeps one core busy and the generator a quarter of the other: the
//! follower works in what is left.
//!
//! The caches are only a head start: the follower failing (or the store being changed after the demo) costs
//! the first open its time, never its answers. What it reads is what any load of the store reads.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use crate::engine::{Ledger, Refresh, cache, ledger_cache};
use crate::error::{Result, SqlContext};
use crate::store;

/// Follows the store at `path` (being written by the demo) each time `commits` says that whole days were
/// committed, until it disconnects; the ledger at the last commit (`None` if there was none). Clears
/// `reading` after each (the writer sets it as it commits).
pub fn follow(path: &Path, commits: &Receiver<()>, reading: &AtomicBool) -> Result<Option<Ledger>> {
    if commits.recv().is_err() {
        return Ok(None);
    }
    let conn = store::open_read_only(path)?;
    // The writer holds the store while it commits.
    conn.busy_timeout(Duration::from_secs(600)).at(path)?;
    let (mut started, mut before) = (Instant::now(), 0);
    let mut ledger = Ledger::load(&conn, path, &mut |_| {})?;
    loop {
        reading.store(false, Ordering::Release);
        let (orders, ms) = (ledger.orders(), started.elapsed().as_millis());
        tracing::info!("demo follower: {} new orders ({orders} in all) in {ms} ms", orders - before);
        if commits.recv().is_err() {
            return Ok(Some(ledger));
        }
        // Commits that came while the last one was read are read together.
        while commits.try_recv().is_ok() {}
        (started, before) = (Instant::now(), orders);
        if let Refresh::NeedsReload(why) = ledger.refresh(&conn)? {
            tracing::warn!("demo follower: {why}; loading the store whole");
            drop(ledger);
            ledger = Ledger::load(&conn, path, &mut |_| {})?;
        }
    }
}

/// Writes `ledger`, the follower's ledger of the finished store at `store`, to the caches in `dir`: the
/// model cache and the ledger cache, under the store's identity now (nothing else has written to it).
/// Whether they were written; failing is logged, since the caches only save time.
pub fn save(dir: &Path, store: &Path, ledger: &Ledger) -> bool {
    let written = (|| {
        let id = cache::Identity::of(store)?;
        cache::write(dir, &id, ledger.model())?;
        ledger_cache::write(dir, store, Some(&id), ledger)
    })();
    match written {
        Ok(p) => {
            tracing::info!("demo: caches written ({})", p.display());
            true
        }
        Err(e) => {
            tracing::warn!("demo: cannot write the caches in {}: {e}", dir.display());
            false
        }
    }
}

//! Starting from the ledger cache (`engine::ledger_cache`), and writing it when the worker stops. A start
//! reads the ledger the last run left and catches it up with a refresh, instead of loading the whole store
//! (~70 s and a ~2.5 GB peak at 10M orders); when the store cannot be followed from there (it was edited,
//! not appended to) or the file cannot be used, the store is loaded whole, as without it.

use std::sync::mpsc::Sender;
use std::time::Instant;

use rusqlite::Connection;

use super::{Action, Delivery, Ready, Source, from_cache, publish, warm};
use crate::engine::{Ledger, Refresh, cache, ledger_cache};

/// The ledger cache, caught up. When it was written at the store's present state its model is shown at
/// once (the model cache is not read); otherwise the model cache's is shown, when the store has not moved
/// on from it, while the ledger is read and caught up. `shown` is set to what the model cache showed, or
/// to the identity of the ledger's model shown. `None`: there is no ledger cache or it cannot be used.
pub(super) fn from_ledger_cache(
    conn: &Connection,
    source: &Source,
    out: &Sender<Action>,
    warmer: &warm::Warmer,
    shown: &mut Option<Option<cache::Identity>>,
) -> Option<Ready> {
    let dir = source.cache.as_deref()?;
    let started = Instant::now();
    let not_used = |why: &str| tracing::info!("ledger cache not used: {why}");
    let entry = ledger_cache::open(dir, &source.path).map_err(|e| not_used(&e)).ok()?;
    let before = cache::Identity::of(&source.path).ok();
    let current = before.is_some() && entry.identity() == before.as_ref();
    if !current {
        *shown = Some(from_cache(source, out, warmer));
    }
    let model = entry.model().map_err(|e| not_used(&e)).ok()?;
    if current {
        let elapsed_ms = started.elapsed().as_millis() as u64;
        tracing::info!("model of {} read from the ledger cache in {elapsed_ms} ms", source.path.display());
        publish(out, source, warmer, model.clone(), elapsed_ms, Delivery::Judged { cached: true });
        *shown = Some(before.clone());
    }
    let _ = out.send(Action::Progress(super::CATCHING_UP.into(), 0.0));
    let mut ledger = entry.ledger(model, &source.path).map_err(|e| not_used(&e)).ok()?;
    let read_ms = started.elapsed().as_millis();
    let (new_orders, touched) = match ledger.refresh(conn) {
        Ok(Refresh::Applied { new_orders, touched }) => (new_orders, touched),
        Ok(Refresh::NeedsReload(why)) => {
            not_used(&format!("the store cannot be followed from it: {why}"));
            return None;
        }
        Err(e) => {
            not_used(&e.to_string());
            return None;
        }
    };
    let elapsed_ms = started.elapsed().as_millis() as u64;
    tracing::info!(
        "ledger read from the cache in {read_ms} ms and caught up in {elapsed_ms} ms: {new_orders} new orders, \
         {touched} orders re-applied"
    );
    let held = cache::Identity::still(&source.path, before);
    let on_screen = shown.clone().flatten();
    let to_save = if held.is_some() && on_screen == held {
        let _ = out.send(Action::Following);
        // The model on screen is the ledger's: from the ledger cache, or from a model cache that holds it.
        held.clone().filter(|id| current && !cache::holds(dir, id))
    } else {
        publish(out, source, warmer, ledger.model().clone(), elapsed_ms, Delivery::Judged { cached: false });
        held.clone()
    };
    let changed = !current || new_orders + touched > 0;
    Some(Ready { ledger, to_save, at: held, unsaved: changed })
}

/// Writes the ledger to the ledger cache (the worker is stopping); `at` is the store's identity at the
/// ledger's state, when known. Failing to write is logged: the cache only saves time.
pub(super) fn save(source: &Source, at: Option<&cache::Identity>, ledger: &Ledger) {
    let Some(dir) = source.cache.as_deref() else { return };
    let started = Instant::now();
    match ledger_cache::write(dir, &source.path, at, ledger) {
        Ok(p) => tracing::info!("ledger cached in {} ({} ms)", p.display(), started.elapsed().as_millis()),
        Err(e) => tracing::warn!("cannot write the ledger cache in {}: {e}", dir.display()),
    }
}

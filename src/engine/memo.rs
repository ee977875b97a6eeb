//! A memo of answers computed from one model: a model never changes once built (a refresh makes a new one),
//! so an answer for (scope, range, now, settings) stays right for as long as the model lives, and the cache
//! goes with it: keyed on the data, never on time. The engine does not know what is stored (the KPI layer
//! keeps its values here); cloning a model starts an empty memo.

use std::any::Any;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use super::model::Scope;
use crate::period::DayRange;
use crate::time::Day;

/// Entries kept before the memo starts again (a long session of period changes stays bounded). Whole
/// views are single entries; per-scope answers (200 sellers × periods × comparisons) are the many.
const MAX: usize = 65_536;

/// What an answer depends on besides the model: scope, range, "now", a setting's bits, and which answer it is.
pub type MemoKey = (Scope, DayRange, Day, u64, &'static str);

type Value = Arc<dyn Any + Send + Sync>;

#[derive(Default)]
pub struct Memo(Mutex<FxHashMap<MemoKey, Value>>);

impl Memo {
    /// The memoised answer for `key`, computed by `f` the first time.
    pub fn get_or<T: Any + Send + Sync>(&self, key: MemoKey, f: impl FnOnce() -> T) -> Arc<T> {
        if let Some(v) = self.get(key) {
            return v;
        }
        let v = Arc::new(f());
        let mut map = self.lock();
        if map.len() >= MAX {
            map.clear();
        }
        map.insert(key, v.clone());
        v
    }

    /// The memoised answer for `key`, if there is one (computes nothing).
    pub fn get<T: Any + Send + Sync>(&self, key: MemoKey) -> Option<Arc<T>> {
        self.lock().get(&key).cloned().and_then(|v| v.downcast::<T>().ok())
    }

    /// Forgets every answer (benchmarks measure first computations with it).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<MemoKey, Value>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clone for Memo {
    fn clone(&self) -> Self {
        Memo::default()
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Memo({} entries)", self.lock().len())
    }
}

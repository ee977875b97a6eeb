//! Views shared through the model's memo, and the warm-up that computes them ahead of the keys. The big
//! views (the overview tiles, the Sellers table, the Products table) are memoised whole in the model, so
//! that a view seen once costs a lookup; and a background thread (`Warmer`) computes them ahead of the
//! keys: the store-wide views of every period of the `p` cycle when a model arrives (with the peer medians
//! that a seller's or a product's page compares it with), and those of each scope the user opens, so that
//! a period change on a 20,000-product store is a lookup instead of a scan on the UI thread. A newer model
//! drops what was left to warm of the older one.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

use super::action::Action;
use super::app::PERIODS;
use super::data::{self, Table, Tile};
use crate::config::Config;
use crate::engine::{Model, Scope};
use crate::flags::Flag;
use crate::kpi::{Ctx, Grade, Peers, peer_medians};
use crate::period::{Compare, DayRange};

/// The period the explorer opens on (`App::period_ix`): warmed first.
pub const START_PERIOD: usize = 2;

fn compare_bits(c: Compare) -> u64 {
    match c {
        Compare::Prev => 0,
        Compare::Yoy => 1,
        Compare::None => 2,
    }
}

/// The overview tiles and grade of a scope, memoised.
pub fn tiles(ctx: Ctx<'_>, cfg: &Config, scope: Scope, r: DayRange, c: Compare) -> Arc<(Vec<Tile>, Option<Grade>)> {
    let key = (scope, r, ctx.now, compare_bits(c), "view:tiles");
    ctx.model.memo.get_or(key, || data::tiles(ctx, cfg, scope, r, c))
}

/// The Sellers table, memoised.
pub fn sellers(ctx: Ctx<'_>, cfg: &Config, r: DayRange, flags: &[Flag]) -> Arc<Table> {
    let key = (Scope::Store, r, ctx.now, 0, "view:sellers");
    ctx.model.memo.get_or(key, || data::sellers_table(ctx, cfg, r, flags))
}

/// The Products table of a scope, memoised. A product's row does not depend on the scope listing it, so a
/// seller's or a category's table is the store's rows of its products when the store's table of that
/// period is at hand (the warm-up computes it for every period): a lookup, not a scan of its products.
pub fn products(ctx: Ctx<'_>, cfg: &Config, scope: Scope, r: DayRange, flags: &[Flag]) -> Arc<Table> {
    let key = |scope| (scope, r, ctx.now, 0, "view:products");
    ctx.model.memo.get_or(key(scope), || {
        let store = (scope != Scope::Store).then(|| ctx.model.memo.get::<Table>(key(Scope::Store))).flatten();
        match store {
            Some(all) => data::products_subset(&all, &ctx.model.products_of(scope)),
            None => data::products_table(ctx, cfg, scope, r, flags),
        }
    })
}

/// What to warm: the views of `scope`, every period, from this model (`None`: the latest one).
struct Job {
    model: Option<(Arc<Model>, Arc<Vec<Flag>>)>,
    scope: Scope,
}

/// The model being warmed.
struct Current {
    model: Arc<Model>,
    flags: Arc<Vec<Flag>>,
    /// when its first job came
    since: Instant,
    /// `Warmed` was said for it
    said: bool,
}

/// One view computation: a scope, a period (index into `PERIODS`), a comparison.
type Item = (Scope, usize, Compare);

/// The warm-up thread. It computes, for each scope it is given, the views of that scope in every period
/// of the cycle (the start period first, then outwards) and then with the other comparisons; the latest
/// scope asked goes first. A new model drops what was left of the old one. When everything asked of a
/// model is done it says `Warmed`.
pub struct Warmer {
    /// `None` once dropped: the thread stops at its next view
    tx: Option<Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// set while the worker refreshes after a commit: the warm-up waits (between views), so that what the
    /// user waits for has both cores
    held: Arc<AtomicBool>,
}

/// Holds the warm-up while it lives (`Warmer::hold`).
pub struct Hold<'a>(&'a AtomicBool);

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Warmer {
    pub fn spawn(cfg: Config, out: Sender<Action>) -> Warmer {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let held = Arc::new(AtomicBool::new(false));
        let h = held.clone();
        // Without the thread, nothing is warmed: views are computed when shown.
        let thread = super::background::spawn("kpiscope-warm", move || run(&rx, &cfg, &out, &h));
        Warmer { tx: Some(tx), thread, held }
    }

    /// Makes the warm-up wait, from the view it is computing on, until the returned guard is dropped.
    pub fn hold(&self) -> Hold<'_> {
        self.held.store(true, Ordering::Release);
        Hold(&self.held)
    }

    /// A new model: warms its store-wide views in every period (what was left of the old one is dropped).
    pub fn model(&self, model: Arc<Model>, flags: Arc<Vec<Flag>>) {
        self.send(Job { model: Some((model, flags)), scope: Scope::Store });
    }

    /// Warms the views of `scope` in every period, from the latest model, before anything asked earlier.
    pub fn scope(&self, scope: Scope) {
        self.send(Job { model: None, scope });
    }

    fn send(&self, job: Job) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(job);
        }
    }
}

/// The warm-up stops with its worker: at the next view, not after what was left to warm, and with the
/// model it held let go (in one process, a second session's start had the first's model beside it).
impl Drop for Warmer {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The warm-up thread's loop: takes every job waiting, then computes one item; blocks only when there is
/// nothing left to do.
fn run(rx: &Receiver<Job>, cfg: &Config, out: &Sender<Action>, held: &AtomicBool) {
    let mut todo: VecDeque<Item> = VecDeque::new();
    let mut current: Option<Current> = None;
    loop {
        let mut jobs: Vec<Job> = Vec::new();
        if todo.is_empty() {
            if let Some(c) = current.as_mut().filter(|c| !c.said) {
                c.said = true;
                let elapsed_ms = c.since.elapsed().as_millis() as u64;
                tracing::info!("views warmed in {elapsed_ms} ms");
                let _ = out.send(Action::Warmed { elapsed_ms });
            }
            match rx.recv() {
                Ok(job) => jobs.push(job),
                Err(_) => return,
            }
        }
        loop {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(std::sync::mpsc::TryRecvError::Empty) => break,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => return,
            }
        }
        for job in jobs {
            if let Some((model, flags)) = job.model
                && !current.as_ref().is_some_and(|c| Arc::ptr_eq(&c.model, &model))
            {
                todo.clear();
                current = Some(Current { model, flags, since: Instant::now(), said: false });
            }
            if current.is_some() {
                for item in items(job.scope).into_iter().rev() {
                    todo.push_front(item);
                }
            }
        }
        while held.load(Ordering::Acquire) {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        if let (Some(c), Some(item)) = (current.as_ref(), todo.pop_front()) {
            warm_one(&c.model, cfg, &c.flags, item);
        }
    }
}

/// What warming a scope computes, in order: every period with the default comparison, then with the others.
fn items(scope: Scope) -> Vec<Item> {
    COMPARES.iter().flat_map(|&c| cycle_order().into_iter().map(move |ix| (scope, ix, c))).collect()
}

/// Comparisons in the order `c` reaches them.
const COMPARES: [Compare; 3] = [Compare::Prev, Compare::Yoy, Compare::None];

/// Computes the views of one scope in one period into the model's memo: the tiles with `compare`, and with
/// the default comparison the tables too (they do not depend on it).
fn warm_one(model: &Model, cfg: &Config, flags: &[Flag], (scope, period, compare): Item) {
    let ctx = Ctx { model, now: model.last_day, prior_weight: cfg.bayes_prior_weight };
    let range = PERIODS[period].resolve(ctx.now, model.first_day);
    drop(tiles(ctx, cfg, scope, range, compare));
    if compare != Compare::Prev {
        return;
    }
    match scope {
        Scope::Store => {
            drop(sellers(ctx, cfg, range, flags));
            drop(products(ctx, cfg, scope, range, flags));
            // The medians a seller's, a category's or a product's tiles compare it with, so that opening
            // any of them is a lookup (every seller's and category's KPIs are memoised on the way).
            let categories = (0..model.categories.len() as u32).map(Peers::ProductsOf);
            for group in [Peers::Sellers, Peers::Categories].into_iter().chain(categories) {
                drop(peer_medians(ctx, group, range));
            }
        }
        Scope::Seller(_) | Scope::Category(_) => drop(products(ctx, cfg, scope, range, flags)),
        Scope::Product(_) => {}
    }
}

/// The periods of the cycle from the start period outwards: 0, +1, -1, +2, -2, ... (what `p` and `P` reach
/// first).
fn cycle_order() -> Vec<usize> {
    let n = PERIODS.len();
    (0..n)
        .map(|i| {
            let step = i.div_ceil(2);
            if i % 2 == 1 { (START_PERIOD + step) % n } else { (START_PERIOD + n - step % n) % n }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_warm_up_visits_every_period_once_starting_with_the_start_period() {
        let n = super::PERIODS.len();
        let order = super::cycle_order();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(order[0], super::START_PERIOD);
        assert_eq!(sorted.len(), n, "{order:?}");
    }
}

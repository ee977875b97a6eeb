//! The demo generator: a deterministic two-year marketplace written day by day into a new store, in one
//! transaction, or, with a follower keeping the caches (`follow`), in commits of whole days; the index is
//! built at the end. Volume follows a growth trend with weekly and seasonal
//! cycles; sellers differ in size by an order of magnitude; products have a long tail (Zipf); every table
//! of the schema is filled; the problems of `plants` are planted on top.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::{Connection, OpenFlags, params};

use super::catalog::{self, SellerSpec};
use super::follow;
use super::plants::{self, Kind, PLANTS, RECENT_DAYS, RETURNS_CLIMB_DAYS};
use super::rng::{Rng, zipf_cumulative};
use super::writer::{self, Msg, OrderRow, ReviewRow, Writer};
use crate::engine::Ledger;
use crate::error::{Error, Result, SqlContext};
use crate::store;
use crate::store::OrderTimes;
use crate::time::{self, Day, SECS_PER_DAY};

/// Indexes of a demo store: only the one kpiscope reads through (a product's recent reviews in the
/// explorer). The rest of `assets/index.sql` would add 20 s to a 10M-order demo; `sqlite3 STORE <
/// assets/index.sql` adds them for ad-hoc SQL.
const DEMO_INDEX_SQL: &str = "CREATE INDEX IF NOT EXISTS reviews_product ON reviews(product_id, created_at);";

/// Length of the demo's history.
pub const DAYS: i32 = 730;
const HOUR: i64 = 3600;

/// The demo's last day, fixed so that a seed always gives the same store.
pub fn end_day() -> Day {
    time::ymd(2026, 10, 31).unwrap_or(20_757)
}

#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub orders: u64,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions { orders: 200_000, seed: 42 }
    }
}

/// What was generated.
#[derive(Debug, Clone, Copy, Default)]
pub struct DemoSummary {
    pub sellers: usize,
    pub products: usize,
    pub customers: i64,
    pub orders: i64,
    pub items: i64,
    /// the new store's model and ledger caches were written (`generate_with`)
    pub cached: bool,
    /// commits before the last one, each read by the follower (`generate_with`)
    pub commits: u32,
}

struct Prod {
    id: i64,
    reference: String,
    price: i64,
    /// share of lines returned
    ret_p: f64,
    /// probability that a product review is 4–5★
    quality: f64,
    /// units sold in the last 30 days (for stock)
    recent_units: i64,
}

struct Sell {
    spec: SellerSpec,
    id: i64,
    /// indices into `products`, by popularity
    products: Vec<usize>,
    /// cumulative Zipf weights over `products` (the planted rare product is not in it)
    cum: Vec<f64>,
    /// the `bad-reviews` product, sold only on planted days
    rare: Option<usize>,
}

struct Gen {
    rng: Rng,
    w: Writer,
    /// per seller: its first delivered order placed three weeks before the end (the `dispute-unanswered` plant)
    dispute_order: Vec<Option<i64>>,
    sellers: Vec<Sell>,
    products: Vec<Prod>,
    end: Day,
    end_ts: i64,
    customers: i64,
    summary: DemoSummary,
    /// a follower reads the store as it is written: each day ends with `Writer::whole_days`
    followed: bool,
}

/// Generates a demo store at `path` (which must not exist). Writes to `path.partial` and renames it at the
/// end, so an interrupted run leaves nothing that looks like a store. `progress(done, total)` is called
/// once per generated day.
pub fn generate(path: &Path, opts: DemoOptions, progress: &mut dyn FnMut(u64, u64)) -> Result<DemoSummary> {
    generate_committing(path, opts, None, progress)
}

/// `generate`; with a cache directory, the new store's model and ledger caches too, kept up by a follower
/// as the days are committed (`follow`), so that its first open starts warm.
pub fn generate_with(
    path: &Path,
    opts: DemoOptions,
    caches: Option<&Path>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<DemoSummary> {
    generate_committing(path, opts, caches.map(|dir| (dir, COMMIT_MIN)), progress)
}

/// `generate_with`, committing after at least `every` new orders (whenever the follower is not reading):
/// for tests, which follow small stores through many commits.
#[doc(hidden)]
pub fn generate_committing(
    path: &Path,
    opts: DemoOptions,
    caches: Option<(&Path, u64)>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<DemoSummary> {
    if path.exists() {
        return Err(Error::Exists { path: path.into() });
    }
    let partial = PathBuf::from(format!("{}.partial", path.display()));
    let _ = std::fs::remove_file(&partial);
    let result = write_store(&partial, opts, caches.map(|c| c.1), progress);
    match result {
        Ok((mut summary, ledger)) => {
            std::fs::rename(&partial, path).map_err(|source| Error::Io { path: path.into(), source })?;
            if let (Some((dir, _)), Some(ledger)) = (caches, ledger) {
                summary.cached = follow::save(dir, path, &ledger);
            }
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Orders between two commits at least, when the store is followed.
const COMMIT_MIN: u64 = 1 << 16;

/// Writes the store; with `commit_min`, commits whole days as it goes (after at least that many new orders)
/// for a follower, and returns its ledger of the store.
fn write_store(
    path: &Path,
    opts: DemoOptions,
    commit_min: Option<u64>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(DemoSummary, Option<Ledger>)> {
    let follow = commit_min.is_some();
    let commit_min = commit_min.unwrap_or(u64::MAX);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).at(path)?;
    // A brand-new file nobody else sees yet (but the follower, which only reads): no journal, no fsync; the
    // generator makes consistent rows by construction, so foreign keys are not checked row by row.
    conn.execute_batch(
        "PRAGMA page_size = 16384; PRAGMA foreign_keys = OFF; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -400000;",
    )
    .at(path)?;
    // A commit waits for the follower's reads to end.
    conn.busy_timeout(std::time::Duration::from_secs(600)).at(path)?;
    store::init_schema(&conn, path)?;
    conn.execute_batch("BEGIN").at(path)?;
    // The generator runs on a thread of its own, and so does the writer, which owns the connection and
    // inserts what the generator sends; this thread passes the progress on.
    let (out, rows) = std::sync::mpsc::sync_channel::<Msg>(64);
    let mut g = Gen::new(&conn, path, opts, out)?;
    g.followed = follow;
    let (commits, committed) = std::sync::mpsc::channel::<()>();
    let (days, days_done) = std::sync::mpsc::channel::<(u64, u64)>();
    // Set while the follower reads: the writer commits only when it is not, so that neither waits for the
    // other (a commit waits for every reader of a store without a write-ahead log to finish). Commits
    // grow or shrink to what the follower keeps up with.
    let reading = AtomicBool::new(false);
    std::thread::scope(|s| -> Result<(DemoSummary, Option<Ledger>)> {
        let reading = &reading;
        let follower = follow.then(|| s.spawn(move || follow::follow(path, &committed, reading)));
        let generator = s.spawn(move || -> Result<DemoSummary> {
            if follow {
                yield_to_follower();
            }
            g.run(opts)?;
            Ok(g.summary)
        });
        let inserter = s.spawn(move || -> Result<u32> {
            if follow {
                yield_to_follower();
            }
            let (mut committed_orders, mut commits_made) = (0, 0);
            let mut statements = writer::Statements::new(&conn, path);
            for msg in rows.iter() {
                match msg {
                    Msg::Rows { head, cols, values } => statements.apply(head, cols, &values)?,
                    Msg::WholeDays(n) if n - committed_orders >= commit_min && !reading.load(Ordering::Acquire) => {
                        committed_orders = n;
                        conn.execute_batch("COMMIT; BEGIN").at(path)?;
                        reading.store(true, Ordering::Release);
                        let _ = commits.send(());
                        commits_made += 1;
                    }
                    Msg::WholeDays(_) => {}
                    Msg::Progress(done, total) => {
                        let _ = days.send((done, total));
                    }
                }
            }
            conn.execute_batch("COMMIT").at(path)?;
            let _ = commits.send(());
            // The follower reads the last days while the index is built.
            drop(commits);
            conn.execute_batch(DEMO_INDEX_SQL).at(path)?;
            Ok(commits_made)
        });
        for (done, total) in days_done.iter() {
            progress(done, total);
        }
        let written = inserter.join().map_err(|_| Error::usage("the demo writer panicked"))?;
        let generated = generator.join().map_err(|_| Error::usage("the demo generator panicked"))?;
        let ledger = follower.and_then(|f| match f.join() {
            Ok(Ok(ledger)) => ledger,
            Ok(Err(e)) => {
                tracing::warn!("demo follower stopped: {e}");
                None
            }
            Err(_) => {
                tracing::warn!("demo follower panicked");
                None
            }
        });
        // The writer's failure first: the generator's is then only that the writer stopped.
        let commits = written?;
        Ok((DemoSummary { commits, ..generated? }, ledger))
    })
}

/// Lowers the calling thread's scheduling priority (Linux: nice 10), for the demo's writer and generator
/// when a follower reads beside them. They need 1.4 cores and the follower one; at equal priority the
/// follower got the 0.6 left, fell behind, and read the last third of a 10M-order store alone after the
/// writer was done, the other core idle. Raising the follower's priority instead needs privileges.
fn yield_to_follower() {
    #[cfg(target_os = "linux")]
    // SAFETY: `setpriority` on this thread's own id changes only its scheduling weight.
    unsafe {
        let me = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, me as libc::id_t, 10);
    }
}

/// Relative order volume of a day: growth, weekday and season.
fn day_weight(day: Day, start: Day) -> f64 {
    let t = f64::from(day - start) / f64::from(DAYS);
    let weekday = [1.0, 1.0, 1.02, 1.05, 1.1, 0.85, 0.9][(day - time::week_start(day)) as usize];
    let month = chrono::Datelike::month(&time::to_date(day)) as usize;
    let season = [0.85, 0.88, 0.95, 1.0, 1.0, 0.95, 0.9, 0.93, 1.0, 1.05, 1.3, 1.5][month - 1];
    (0.7 + 0.6 * t) * weekday * season
}

impl Gen {
    fn new(conn: &Connection, path: &Path, opts: DemoOptions, out: std::sync::mpsc::SyncSender<Msg>) -> Result<Self> {
        let rng = Rng::new(opts.seed);
        let mut w = Writer::new(out);
        let end = end_day();
        let specs = catalog::sellers(opts.orders);
        let total_weight: f64 = specs.iter().map(|s| s.weight.powf(0.7)).sum();
        let n_products = (opts.orders / 400).clamp(100, 20_000) as f64;
        let mut prng = rng.fork(1);
        let mut products = Vec::new();
        let mut sellers = Vec::new();
        let mut sell_stmt = conn
            .prepare(
                "INSERT INTO sellers (id, ref, name, country, currency, joined_at) VALUES (?1, ?2, ?3, ?4, 'USD', ?5)",
            )
            .at(path)?;
        let mut prod_stmt = conn
            .prepare("INSERT INTO products (id, ref, seller_id, sku, title, category, price_minor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .at(path)?;
        for (si, spec) in specs.into_iter().enumerate() {
            let id = si as i64 + 1;
            let joined = time::day_start(end - DAYS - prng.range(30, 900) as i32);
            sell_stmt.execute(params![id, spec.reference, spec.name, spec.country, joined]).at(path)?;
            let count = ((spec.weight.powf(0.7) / total_weight) * n_products).round().max(5.0) as usize;
            let rare = plants::active(Kind::BadReviews, si);
            let mut list = Vec::new();
            for k in 0..count + usize::from(rare) {
                let cat = spec.categories[k % spec.categories.len()];
                let (nouns, adjs, base) = catalog::category_words(cat);
                let noun = nouns[k % nouns.len()];
                let adj = adjs[(k / nouns.len() + k) % adjs.len()];
                let round = k / (nouns.len() * adjs.len());
                let title = if round == 0 {
                    format!("{adj} {}", noun.to_lowercase())
                } else {
                    format!("{adj} {} {}", noun.to_lowercase(), round + 1)
                };
                let price = ((base as f64 * prng.lognormal(1.0, 0.45)) as i64 / 100).max(1) * 100 + 99;
                let pid = products.len() as i64 + 1;
                let reference = format!("{}-{}", spec.prefix, 1001 + k);
                prod_stmt
                    .execute(params![pid, reference, id, format!("{}{:04}", spec.prefix, k + 1), title, cat, price])
                    .at(path)?;
                list.push(products.len());
                products.push(Prod {
                    id: pid,
                    reference: reference.clone(),
                    price,
                    ret_p: 0.03 + 0.015 * prng.f64(),
                    quality: 0.86 + 0.09 * prng.f64(),
                    recent_units: 0,
                });
            }
            let rare_ix = if rare { list.pop() } else { None };
            let cum = zipf_cumulative(list.len(), 1.05);
            sellers.push(Sell { spec, id, products: list, cum, rare: rare_ix });
        }
        drop(sell_stmt);
        drop(prod_stmt);
        w.order_id = 0;
        let summary = DemoSummary { sellers: sellers.len(), products: products.len(), ..DemoSummary::default() };
        let dispute_order = vec![None; sellers.len()];
        Ok(Gen {
            rng,
            w,
            dispute_order,
            sellers,
            products,
            end,
            end_ts: time::day_start(end + 1) - 1,
            customers: 0,
            summary,
            followed: false,
        })
    }

    fn clip(&self, t: i64) -> Option<i64> {
        (t <= self.end_ts).then_some(t)
    }

    fn run(&mut self, opts: DemoOptions) -> Result<()> {
        let start = self.end - DAYS + 1;
        let weights: Vec<f64> = (start..=self.end).map(|d| day_weight(d, start)).collect();
        let total: f64 = weights.iter().sum();
        let seller_w: Vec<f64> = self.sellers.iter().map(|s| s.spec.weight).collect();
        let seller_total: f64 = seller_w.iter().sum();
        let mut seller_cum = Vec::new();
        let mut acc = 0.0;
        for w in &seller_w {
            acc += w;
            seller_cum.push(acc);
        }
        // Days on which the rare product sells: 25 spread over the two years.
        let rare_days: Vec<Day> = (0..25).map(|i| start + 10 + i * (DAYS - 40) / 25).collect();
        let mut done = 0f64;
        let mut made = 0u64;
        let mut last_order_of: Vec<Vec<(i64, Option<i64>)>> = vec![Vec::new(); self.sellers.len()];
        for (i, day) in (start..=self.end).enumerate() {
            done += weights[i];
            let target = (opts.orders as f64 * done / total).round() as u64;
            let n = target - made;
            made = target;
            for v in &mut last_order_of {
                v.clear();
            }
            for _ in 0..n {
                let s = self.rng.pick(&seller_cum);
                let rare = self.sellers[s].rare.is_some() && rare_days.contains(&day) && last_order_of[s].is_empty();
                let (order, customer) = self.order(s, day, rare)?;
                last_order_of[s].push((order, customer));
            }
            for s in 0..self.sellers.len() {
                let expected = opts.orders as f64 * weights[i] / total * seller_w[s] / seller_total;
                self.seller_day(s, day, expected, &last_order_of[s])?;
            }
            self.w.progress(i as u64 + 1, DAYS as u64)?;
            // Whole days, for the follower (`follow`) to read once the writer commits them.
            if self.followed {
                self.w.whole_days(made)?;
            }
        }
        self.plant_dispute()?;
        self.stock()?;
        self.plants()?;
        self.w.flush()?;
        self.summary.customers = self.customers;
        self.summary.orders = self.w.order_id;
        self.summary.items = self.w.item_id;
        Ok(())
    }

    fn customer(&mut self) -> Result<i64> {
        if self.customers > 0 && self.rng.chance(0.38) {
            return Ok(self.rng.range(1, self.customers));
        }
        self.customers += 1;
        let country = ["US", "US", "US", "CA", "GB", "DE", "MX"][self.rng.below(7)];
        self.w.customer(self.customers, country)?;
        Ok(self.customers)
    }

    /// One order with its whole life: lines, payment, shipping, cancellation, returns, reviews, disputes
    /// and messages. Returns the order id and its customer.
    fn order(&mut self, s: usize, day: Day, rare: bool) -> Result<(i64, Option<i64>)> {
        let (end, end_ts) = (self.end, self.end_ts);
        let recent = |days: i32| day > end - days;
        let clip = |t: i64| (t <= end_ts).then_some(t);
        // Orders are placed by 23:29 so that payment (within 30 minutes) stays on the same day.
        let placed = time::day_start(day) + self.rng.range(6 * HOUR, 23 * HOUR + 1799);
        let customer = if self.rng.chance(0.02) { None } else { Some(self.customer()?) };
        let r = &mut self.rng;
        // Lines: 1 + geometric, Zipf products, mostly single units.
        let mut lines: Vec<(usize, i64)> = Vec::new();
        let n_lines = 1 + (0..4).take_while(|_| r.chance(0.22)).count();
        for _ in 0..n_lines {
            let p = self.sellers[s].products[r.pick(&self.sellers[s].cum)];
            let qty = if r.chance(0.85) {
                1
            } else if r.chance(0.7) {
                2
            } else {
                3
            };
            match lines.iter_mut().find(|l| l.0 == p) {
                Some(l) => l.1 += qty,
                None => lines.push((p, qty)),
            }
        }
        if let (true, Some(p)) = (rare, self.sellers[s].rare) {
            lines.insert(0, (p, 1));
        }
        let items_total: i64 = lines.iter().map(|(p, q)| self.products[*p].price * q).sum();
        let discount = if r.chance(0.15) { items_total / 10 } else { 0 };
        let shipping_charged = if items_total >= 5_000 { 0 } else { 499 };
        let paid = if r.chance(0.01) { None } else { Some(placed + r.range(60, 1800)) };
        let marketplace = r.chance(0.05);
        let ship_by = paid.map(|p| p + 48 * HOUR);
        // Cancellations before shipment.
        let seller_cancel_p = if plants::active(Kind::CancelSpike, s) && recent(7) { 0.20 } else { 0.004 };
        let cancel = match paid {
            None => None,
            Some(p) => {
                let x = r.f64();
                if x < 0.02 {
                    Some((p + r.range(HOUR, 20 * HOUR), "buyer", "changed mind"))
                } else if !marketplace && x < 0.02 + seller_cancel_p {
                    Some((p + r.range(2 * HOUR, 30 * HOUR), "seller", "out_of_stock"))
                } else if !marketplace && x < 0.021 + seller_cancel_p {
                    Some((p + 72 * HOUR, "system", "not shipped in time"))
                } else {
                    None
                }
            }
        };
        let cancel = cancel.filter(|c| c.0 <= self.end_ts);
        // Shipping timeline.
        let (mut confirmed, mut scanned, mut promised, mut delivered) = (None, None, None, None);
        if let (Some(p), None) = (paid, cancel) {
            let late_p = if plants::active(Kind::LateSpike, s) && recent(RECENT_DAYS) { 0.20 } else { 0.012 };
            let c = if r.chance(late_p) {
                p + 48 * HOUR + r.range(2 * HOUR, 72 * HOUR)
            } else {
                p + r.range(2 * HOUR, 46 * HOUR)
            };
            let no_scan_p = if plants::active(Kind::TrackingGap, s) && recent(45) { 0.20 } else { 0.008 };
            let prom = placed + 8 * SECS_PER_DAY;
            promised = Some(prom);
            confirmed = clip(c);
            if confirmed.is_some() {
                if !r.chance(no_scan_p) {
                    scanned = clip(c + r.range(HOUR, 10 * HOUR));
                }
                let d = if r.chance(0.993) {
                    (c + r.range(SECS_PER_DAY, 5 * SECS_PER_DAY)).min(prom - HOUR)
                } else {
                    prom + r.range(4 * HOUR, 96 * HOUR)
                };
                delivered = clip(d);
            }
        }
        let status = match (paid, cancel, confirmed, delivered) {
            (None, _, _, _) => "placed",
            (_, Some(_), _, _) => "cancelled",
            (_, _, _, Some(_)) => "delivered",
            (_, _, Some(_), _) => "shipped",
            _ => "paid",
        };
        let country = if r.chance(0.9) { "US" } else { "CA" };
        let channel = ["web", "web", "app", "marketplace"][r.below(4)];
        let shipping_cost = confirmed.map(|_| r.range(350, 800));
        let seller_id = self.sellers[s].id;
        let order = self.w.order(&OrderRow {
            seller: seller_id,
            customer,
            placed,
            times: OrderTimes { paid, ship_by, confirmed, scanned, promised, delivered },
            status,
            fulfilled_by: if marketplace { "marketplace" } else { "seller" },
            channel,
            country,
            items_total,
            discount,
            shipping_charged,
            shipping_cost,
        })?;
        self.summary.orders += 1;
        let mut item_ids = Vec::new();
        for &(p, q) in &lines {
            let id = self.w.item(order, self.products[p].id, q, self.products[p].price)?;
            item_ids.push(id);
            if paid.is_some() && cancel.is_none() && day > self.end - 30 {
                self.products[p].recent_units += q;
            }
        }
        if let Some((at, who, why)) = cancel {
            self.w.cancel(order, at, who, why)?;
        }
        if delivered.is_some() && day >= self.end - 21 && self.dispute_order[s].is_none() {
            self.dispute_order[s] = Some(order);
        }
        if let Some(d) = delivered {
            self.after_delivery(s, day, order, customer, &lines, &item_ids, d, rare)?;
        }
        // Buyer messages about the order.
        if paid.is_some() && self.rng.chance(0.12) {
            let received = placed + self.rng.range(HOUR, 6 * SECS_PER_DAY);
            if received <= self.end_ts {
                let reply = self.reply_delay(s, received);
                self.w.message(seller_id, customer, Some(order), received, reply, false)?;
            }
        }
        Ok((order, customer))
    }

    fn reply_delay(&mut self, s: usize, received: i64) -> Option<i64> {
        let r = &mut self.rng;
        let slow =
            plants::active(Kind::SlowReplies, s) && received > self.end_ts - i64::from(RECENT_DAYS) * SECS_PER_DAY;
        let delay = if slow && r.chance(0.65) {
            r.range(26 * HOUR, 90 * HOUR)
        } else if r.chance(0.01) {
            return None;
        } else {
            (r.lognormal(4.0, 0.9) * HOUR as f64) as i64 + 300
        };
        self.clip(received + delay)
    }

    #[allow(clippy::too_many_arguments)]
    fn after_delivery(
        &mut self,
        s: usize,
        day: Day,
        order: i64,
        customer: Option<i64>,
        lines: &[(usize, i64)],
        items: &[i64],
        delivered: i64,
        rare: bool,
    ) -> Result<()> {
        let climbing =
            PLANTS.iter().any(|p| p.kind == Kind::ReturnsClimb && p.seller == s) && day > self.end - RETURNS_CLIMB_DAYS;
        let climb_product = self.sellers[s].products.get(1).copied();
        // Returns.
        for (k, &(p, q)) in lines.iter().enumerate() {
            let ret_p = if climbing && Some(p) == climb_product { 0.30 } else { self.products[p].ret_p };
            let r = &mut self.rng;
            if !r.chance(ret_p) {
                continue;
            }
            let requested = delivered + r.range(2 * SECS_PER_DAY, 20 * SECS_PER_DAY);
            if requested > self.end_ts {
                continue;
            }
            let qty = if q > 1 && r.chance(0.5) { q } else { 1 };
            let reason = ["defective", "not_as_described", "changed_mind", "wrong_size", "damaged"][r.below(5)];
            let responded = if r.chance(0.985) {
                requested + r.range(HOUR, 40 * HOUR)
            } else {
                requested + r.range(50 * HOUR, 120 * HOUR)
            };
            let responded = self.clip(responded);
            let x = self.rng.f64();
            let (status, refunded, refunded_at) = match responded {
                None => ("requested", None, None),
                Some(_) if x < 0.015 => ("rejected", None, None),
                Some(t) => match self.clip(t + SECS_PER_DAY) {
                    Some(at) if x < 0.95 => ("refunded", Some(qty * self.products[p].price), Some(at)),
                    _ => ("approved", None, None),
                },
            };
            self.w.ret(items[k], qty, reason, requested, responded, status, refunded, refunded_at)?;
        }
        // A product review of the first line.
        let (p, _) = lines[0];
        let r = &mut self.rng;
        let review_p = if rare { 0.85 } else { 0.3 };
        if r.chance(review_p) {
            let created = delivered + r.range(SECS_PER_DAY, 14 * SECS_PER_DAY);
            let rating = if rare {
                [1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5][r.below(11)]
            } else if r.chance(self.products[p].quality) {
                if r.chance(0.72) { 5 } else { 4 }
            } else {
                [3, 3, 3, 2, 2, 1, 1, 1][r.below(8)]
            };
            let body = (!r.chance(0.1)).then(|| catalog::review_text(rating, r.below(97)));
            let images = r.chance(0.12);
            if created <= self.end_ts {
                let product = Some(self.products[p].id);
                self.w.review(&ReviewRow {
                    order,
                    product,
                    kind: "product",
                    rating,
                    dsr: [None; 3],
                    images,
                    body,
                    created,
                })?;
            }
        }
        // Seller feedback with detailed ratings.
        let r = &mut self.rng;
        if r.chance(0.15) {
            let created = delivered + r.range(HOUR, 10 * SECS_PER_DAY);
            let rating = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 3][r.below(20)];
            let rating = if r.chance(0.015) { if r.chance(0.6) { 1 } else { 2 } } else { rating };
            let mut dsr = [None; 3];
            for d in &mut dsr {
                if r.chance(0.85) {
                    let shift = if r.chance(0.75) {
                        0
                    } else if r.chance(0.7) {
                        -1
                    } else {
                        1
                    };
                    *d = Some((rating + shift).clamp(1, 5));
                }
            }
            if created <= self.end_ts {
                self.w.review(&ReviewRow {
                    order,
                    product: None,
                    kind: "seller",
                    rating,
                    dsr,
                    images: false,
                    body: None,
                    created,
                })?;
            }
        }
        // Disputes.
        let end_ts = self.end_ts;
        let clip = |t: i64| (t <= end_ts).then_some(t);
        let r = &mut self.rng;
        if r.chance(0.003) {
            let opened = delivered + r.range(3 * SECS_PER_DAY, 20 * SECS_PER_DAY);
            if opened <= end_ts {
                let kind = ["not_received", "not_as_described", "not_as_described", "claim", "chargeback"][r.below(5)];
                let responded = clip(opened + r.range(2 * HOUR, 40 * HOUR));
                let closed = responded.and_then(|t| clip(t + r.range(SECS_PER_DAY, 7 * SECS_PER_DAY)));
                let outcome = closed.map(|_| {
                    ["seller_favour", "seller_favour", "buyer_favour", "buyer_favour", "withdrawn"][self.rng.below(5)]
                });
                self.w.dispute(order, kind, opened, responded, closed, outcome)?;
            }
        }
        let _ = customer;
        Ok(())
    }

    /// A seller's day: storefront and product traffic, inquiries, marketing spend.
    fn seller_day(&mut self, s: usize, day: Day, expected: f64, orders: &[(i64, Option<i64>)]) -> Result<()> {
        let day_text = time::fmt_day(day);
        let r = &mut self.rng;
        let spec = &self.sellers[s].spec;
        let mut visitors = expected / spec.conversion * (1.0 + 0.06 * r.normal()).max(0.5);
        if plants::active(Kind::ConversionDrop, s) && day > self.end - 7 {
            visitors *= 2.5;
        }
        let visitors = visitors.round().max(1.0) as i64;
        let views = (visitors as f64 * (2.6 + r.f64())) as i64;
        let atc = (visitors as f64 * (0.07 + 0.03 * r.f64())) as i64;
        let checkouts = (atc as f64 * (0.5 + 0.1 * r.f64())) as i64;
        let seller_id = self.sellers[s].id;
        self.w.traffic(seller_id, None, &day_text, views, visitors, atc, checkouts)?;
        // Product pages of the seller's top five products.
        let top: Vec<usize> = self.sellers[s].products.iter().take(5).copied().collect();
        let total = self.sellers[s].cum.last().copied().unwrap_or(1.0);
        for (rank, p) in top.into_iter().enumerate() {
            let share = 1.0 / ((rank + 1) as f64).powf(1.05) / total;
            let v = (visitors as f64 * share * 1.2).round() as i64;
            let pv = (v as f64 * 1.8) as i64;
            let a = (v as f64 * 0.09) as i64;
            let pid = self.products[p].id;
            self.w.traffic(seller_id, Some(pid), &day_text, pv, v, a, a / 2)?;
        }
        // Pre-sale inquiries, some of which become one of the day's orders.
        let r = &mut self.rng;
        let inquiries = (expected * 0.06 + r.f64()).floor() as i64;
        for _ in 0..inquiries {
            let received = time::day_start(day) + self.rng.range(7 * HOUR, 22 * HOUR);
            let won = (!orders.is_empty() && self.rng.chance(0.3)).then(|| orders[self.rng.below(orders.len())]);
            let reply = self.reply_delay(s, received);
            self.w.message(seller_id, won.and_then(|o| o.1), won.map(|o| o.0), received, reply, true)?;
        }
        // Marketing spend: about 6% of expected revenue, two channels.
        let r = &mut self.rng;
        let budget = expected * 4_500.0 * 0.06;
        for (channel, share) in [("sponsored_products", 0.7), ("social", 0.3)] {
            let amount = (budget * share * (1.0 + 0.15 * r.normal()).max(0.2)).round() as i64;
            self.w.spend(seller_id, &day_text, channel, amount)?;
        }
        Ok(())
    }

    /// The `dispute-unanswered` plant: a dispute opened 9 days before the end, on an order of the seller's
    /// from about three weeks before the end, with no response.
    fn plant_dispute(&mut self) -> Result<()> {
        for plant in PLANTS.iter().filter(|p| p.kind == Kind::DisputeUnanswered) {
            if let Some(order) = self.dispute_order[plant.seller] {
                let opened = time::day_start(self.end - 9) + 10 * HOUR;
                self.w.dispute(order, "not_as_described", opened, None, None, None)?;
            }
        }
        Ok(())
    }

    fn stock(&mut self) -> Result<()> {
        let updated = self.end_ts - HOUR;
        let stockout: Vec<usize> = PLANTS
            .iter()
            .filter(|p| p.kind == Kind::Stockout)
            .filter_map(|p| self.sellers.get(p.seller).and_then(|s| s.products.first().copied()))
            .collect();
        for p in 0..self.products.len() {
            let r = &mut self.rng;
            let velocity = self.products[p].recent_units as f64 / 30.0;
            let (lead, on_hand) = if stockout.contains(&p) {
                (21, (velocity * 3.0).round() as i64)
            } else {
                let lead = r.range(7, 30);
                let cover = r.range(lead + 14, lead + 90) as f64;
                (lead, if velocity > 0.0 { (velocity * cover).ceil() as i64 } else { r.range(5, 50) })
            };
            let reorder = (velocity * lead as f64).ceil() as i64;
            self.w.stock(self.products[p].id, on_hand, reorder, lead, updated)?;
        }
        Ok(())
    }

    fn plants(&mut self) -> Result<()> {
        for plant in PLANTS {
            let s = &self.sellers[plant.seller];
            let product = match plant.kind {
                Kind::ReturnsClimb => s.products.get(1).copied(),
                Kind::Stockout => s.products.first().copied(),
                Kind::BadReviews => s.rare,
                _ => None,
            };
            let product_ref = product.map(|p| self.products[p].reference.clone());
            let seller_ref = s.spec.reference.clone();
            self.w.plant(plant.name, plant.rule, &seller_ref, product_ref.as_deref(), plant.description)?;
        }
        Ok(())
    }
}

//! `cargo bench --bench engine`: the engine's costs on a demo store (100k orders unless
//! `KPISCOPE_BENCH_ORDERS` says otherwise): the aggregate build (a full load), reading it back from the
//! model cache (a warm start), the incremental update after
//! another program commits 1,000 orders, and each view's query over the last 90 days, computed afresh (the
//! model's memo of answers is emptied before each run: a view seen before costs a lookup).

#[path = "support.rs"]
mod support;

use std::time::{Duration, Instant};

use criterion::{BatchSize, Bencher, Criterion, criterion_group, criterion_main};
use kpiscope::config::Config;
use kpiscope::engine::{Ledger, Model, Scope};
use kpiscope::kpi::Ctx;
use kpiscope::period::{Compare, DayRange, Granularity};
use kpiscope::ui::data;

fn engine(c: &mut Criterion) {
    let cfg = Config::default();
    for orders in support::sizes(&[100_000]) {
        let path = support::store(orders);
        let conn = kpiscope::store::open_read_only(&path).expect("open");
        let mut g = c.benchmark_group(format!("{orders}"));
        g.sample_size(10).measurement_time(Duration::from_secs(20));
        g.bench_function("load (aggregate build)", |b| {
            b.iter(|| Ledger::load(&conn, &path, &mut |_| {}).expect("load"))
        });
        let cache_dir = path.with_extension("bench-cache");
        let id = kpiscope::engine::cache::Identity::of(&path).expect("identity");
        let built = Ledger::load(&conn, &path, &mut |_| {}).expect("load").into_model();
        kpiscope::engine::cache::write(&cache_dir, &id, &built).expect("write cache");
        drop(built);
        g.bench_function("read the model cache (warm start)", |b| {
            b.iter(|| kpiscope::engine::cache::read(&cache_dir, &id).expect("cached model"))
        });
        let _ = std::fs::remove_dir_all(&cache_dir);
        g.bench_function("refresh after a 1,000-order commit", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let scratch = support::Scratch::of(&path);
                    let conn = kpiscope::store::open_read_only(&scratch.0).expect("open");
                    let mut ledger = Ledger::load(&conn, &scratch.0, &mut |_| {}).expect("load");
                    let writer = kpiscope::store::open_writable(&scratch.0).expect("writable");
                    let mut sim = kpiscope::simulate::Simulator::new(&writer, &scratch.0, 7).expect("simulator");
                    sim.step(&writer, 1_000).expect("commit");
                    let t = Instant::now();
                    ledger.refresh(&conn).expect("refresh");
                    total += t.elapsed();
                }
                total
            })
        });
        g.finish();

        let model = Ledger::load(&conn, &path, &mut |_| {}).expect("load").into_model();
        let ctx = Ctx { model: &model, now: model.last_day, prior_weight: cfg.bayes_prior_weight };
        let r = DayRange::ending(model.last_day, 90);
        let big = Scope::Seller(support::biggest_seller(&model));
        let flags = kpiscope::flags::evaluate(ctx, &cfg, Scope::Store, None);
        let mut g = c.benchmark_group(format!("{orders} views, 90 days"));
        g.bench_function("overview tiles, store", |b| {
            cold(b, &model, || data::tiles(ctx, &cfg, Scope::Store, r, Compare::Prev))
        });
        g.bench_function("overview tiles, biggest seller", |b| {
            cold(b, &model, || data::tiles(ctx, &cfg, big, r, Compare::Prev))
        });
        g.bench_function("all-sellers table", |b| cold(b, &model, || data::sellers_table(ctx, &cfg, r, &flags)));
        g.bench_function("biggest seller's products table", |b| {
            cold(b, &model, || data::products_table(ctx, &cfg, big, r, &flags))
        });
        g.bench_function("all products table", |b| {
            cold(b, &model, || data::products_table(ctx, &cfg, Scope::Store, r, &flags))
        });
        g.bench_function("periods by week, biggest seller", |b| {
            cold(b, &model, || data::periods_table(ctx, &cfg, big, r, Granularity::Week))
        });
        g.bench_function("red flags, whole store", |b| {
            cold(b, &model, || kpiscope::flags::evaluate(ctx, &cfg, Scope::Store, None))
        });
        g.finish();
    }
}

/// Times `f` on a model that has not answered anything yet (its memo emptied before each run).
fn cold<R>(b: &mut Bencher<'_>, model: &Model, mut f: impl FnMut() -> R) {
    b.iter_batched(|| model.memo.clear(), |()| f(), BatchSize::SmallInput)
}

criterion_group!(benches, engine);
criterion_main!(benches);

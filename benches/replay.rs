//! `cargo bench --bench replay`: the whole explorer, as a user drives it, on `TestBackend` (120×40) with the
//! real background worker, at each size of `KPISCOPE_BENCH_ORDERS` (default 100k and 1M; 10M is
//! `KPISCOPE_BENCH_ORDERS=10000000`). Prints, per size:
//! - the first frame (before any data), and when the start view's KPIs are on screen: cold (an empty model
//!   cache, the store read whole) and warm (a second start, from the model cache the first one wrote), and
//!   when the warm start's worker follows live changes;
//! - a hundred scripted keystrokes (views, the biggest seller, its top products, periods, sorts, a filter,
//!   back), replayed back to back once the background warm-up of every period's store-wide views is done:
//!   compute + render per keystroke on the UI thread, p50 / p99 / max, and the slowest keys;
//! - an external commit of 1,000 orders (written by `Simulator`, as another program would): from its commit
//!   to the redrawn screen, through the worker's polling (every 100 ms) and incremental refresh, and to the
//!   screen with the refreshed model's red flags (they follow the KPIs);
//! - the peak resident memory of the process.
//!
//! The store is a copy of the generated demo (the commit writes to it).

#[path = "support.rs"]
mod support;

use std::time::Instant;

use crossterm::event::KeyEvent;
use kpiscope::config::Config;
use kpiscope::ui::worker::{self, Request};
use kpiscope::ui::{Action, Event, event_loop, keys, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The script: each entry is one keystroke. Drills into the first row of the Sellers table (sorted by
/// orders: the biggest seller) and into its top products.
const SCRIPT: &[&str] = &[
    "2",
    "s",
    "s",
    "s",
    "S",
    "S",
    "j",
    "j",
    "j",
    "k",
    "k",
    "k",
    "Enter",
    "3",
    "j",
    "j",
    "Enter",
    "Esc",
    "j",
    "Enter",
    "Esc",
    "p",
    "p",
    "p",
    "P",
    "c",
    "c",
    "c",
    "s",
    "s",
    "S",
    "/",
    "a",
    "e",
    "Backspace",
    "Enter",
    "Esc",
    "4",
    "g",
    "g",
    "g",
    "p",
    "5",
    "b",
    "b",
    "j",
    "j",
    "Esc",
    "1",
    "p",
    "P",
    "c",
    "Tab",
    "Tab",
    "Tab",
    "BackTab",
    "2",
    "G",
    "Home",
    "Enter",
    "1",
    "3",
    "Enter",
    "Esc",
    "s",
    "Esc",
    "Esc",
    "3",
    "PageDown",
    "PageUp",
    "s",
    "S",
    "j",
    "Enter",
    "p",
    "Esc",
    "/",
    "o",
    "Enter",
    "Esc",
    "4",
    "p",
    "p",
    "g",
    "Esc",
    "5",
    "b",
    "Esc",
    "2",
    "j",
    "Enter",
    "4",
    "c",
    "3",
    "Enter",
    "Esc",
    "Esc",
    "Esc",
    "1",
    "p",
];

/// A keystroke as the registry spells it.
fn key(k: &str) -> KeyEvent {
    let (code, mods) =
        keys::parse_key(k).unwrap_or_else(|| panic!("the script has a key the registry cannot read: {k}"));
    KeyEvent::new(code, mods)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn run(orders: u64) {
    let store = support::store(orders);
    let scratch = support::Scratch::of(&store);
    let cfg = Config::default();
    println!("\n== {orders} orders ({}) ==", store.display());
    // A model cache of this run's own, empty: the first start is cold.
    let cache_dir = scratch.0.with_extension("cache");
    let _ = std::fs::remove_dir_all(&cache_dir);

    let started = Instant::now();
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let support::Session { mut app, requests, actions, worker } = support::start(&scratch.0, &cfg, &cache_dir);
    term.draw(|f| render::draw(f, &app)).expect("draw");
    println!("first frame (loading screen):          {:>9.1} ms", support::ms(started.elapsed()));
    support::until_loaded(&mut app, &actions);
    term.draw(|f| render::draw(f, &app)).expect("draw");
    println!("start view's KPIs on screen (cold):    {:>9.1} ms", support::ms(started.elapsed()));
    // The keys are replayed once the background warm-up has computed the store-wide views of every period.
    support::until(&mut app, &actions, |a| matches!(a, Action::Warmed { .. }));
    println!("  every period's views warmed after:   {:>9.1} ms", support::ms(started.elapsed()));

    let mut times: Vec<(f64, &str)> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for k in SCRIPT {
        let t = Instant::now();
        let dirty = event_loop::handle(&mut app, Event::Key(key(k)));
        if dirty {
            term.draw(|f| render::draw(f, &app)).expect("draw");
        }
        times.push((support::ms(t.elapsed()), k));
        seen.push(format!("{:?} of {}, {}", app.view, app.breadcrumb(), app.period_words()));
        for r in app.outbox.drain(..) {
            let _ = requests.send(r);
        }
    }
    let mut sorted: Vec<f64> = times.iter().map(|t| t.0).collect();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{} keystrokes, compute + render:       p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        times.len(),
        pct(&sorted, 0.5),
        pct(&sorted, 0.99),
        sorted.last().copied().unwrap_or(0.0)
    );
    let mut slow: Vec<(usize, f64, &str)> = times.iter().enumerate().map(|(i, (t, k))| (i, *t, *k)).collect();
    slow.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (i, t, k) in slow.iter().take(5) {
        println!("  slow: #{i} {k} {t:.1} ms -> {}", seen[*i]);
    }

    println!("peak RSS so far (cold start, keys):    {:>9.0} MiB", support::peak_rss_mib());

    // A second start: the first one's worker cached the model after its load.
    let _ = requests.send(Request::Stop);
    let _ = worker.join();
    // The first session goes whole (with what its channel still holds) and its memory back to the system,
    // so that the second is measured as the explorer's next start, a process of its own, would be.
    drop((app, requests, actions));
    kpiscope::memory::trim();
    let fresh = support::reset_peak_rss();
    println!("RSS between the two sessions:          {:>9.0} MiB", support::rss_mib());
    let started = Instant::now();
    let support::Session { mut app, requests, actions, worker } = support::start(&scratch.0, &cfg, &cache_dir);
    support::until_loaded(&mut app, &actions);
    term.draw(|f| render::draw(f, &app)).expect("draw");
    println!("start view's KPIs on screen (warm):    {:>9.1} ms", support::ms(started.elapsed()));
    support::until(&mut app, &actions, |a| matches!(a, Action::Following | Action::Loaded { cached: false, .. }));
    println!("  following live changes after:        {:>9.1} ms", support::ms(started.elapsed()));

    let writer = kpiscope::store::open_writable(&scratch.0).expect("writable");
    let mut sim = kpiscope::simulate::Simulator::new(&writer, &scratch.0, 7).expect("simulator");
    for round in 1..=3 {
        sim.step(&writer, 1_000).expect("commit");
        let t = Instant::now();
        support::until_loaded(&mut app, &actions);
        term.draw(|f| render::draw(f, &app)).expect("draw");
        let kpis = support::ms(t.elapsed());
        // The refreshed model comes first; its red flags follow (`Judged`), the previous ones shown meanwhile.
        if app.judging {
            support::until(&mut app, &actions, |a| matches!(a, Action::Judged { .. }));
            term.draw(|f| render::draw(f, &app)).expect("draw");
        }
        println!(
            "1,000-order commit on screen, #{round}:      {kpis:>9.1} ms (its red flags: {:.1} ms; polling every {} ms)",
            support::ms(t.elapsed()),
            worker::POLL.as_millis()
        );
    }
    let _ = requests.send(Request::Stop);
    let _ = worker.join();
    if fresh {
        println!("peak RSS (warm start, commits):        {:>9.0} MiB", support::peak_rss_mib());
    } else {
        println!("peak RSS:                              {:>9.0} MiB", support::peak_rss_mib());
    }
}

fn main() {
    // Allocating as the binary does.
    kpiscope::memory::one_arena();
    support::each_size(&[100_000, 1_000_000], run);
}

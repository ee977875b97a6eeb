//! `cargo bench --bench first_open`: a store's first open ever, as a user gets there. At each size of
//! `KPISCOPE_BENCH_ORDERS` (default 100k and 1M; 10M is `KPISCOPE_BENCH_ORDERS=10000000`):
//! - `kpiscope demo --orders N` (the real binary, in a process of its own) writes a new store in a
//!   directory of its own, with a cache directory of its own that it leaves the store's aggregates in;
//! - the explorer (`TestBackend`, 120×40, the real worker) then opens that store for the first time: its
//!   first frame, and when the start view's KPIs are on screen, and this process's peak memory.
//!
//! The replay bench's cold start is the other first open: a store kpiscope did not write (an empty cache),
//! read whole.

#[path = "support.rs"]
mod support;

use std::time::Instant;

use kpiscope::config::Config;
use kpiscope::ui::render;
use kpiscope::ui::worker;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn run(orders: u64) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("scratch directory");
    let (store, cache) = (dir.path().join("demo.db"), dir.path().join("cache"));
    println!("\n== {orders} orders ({}) ==", store.display());
    let started = Instant::now();
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_kpiscope"))
        .args(["demo", "--orders", &orders.to_string()])
        .arg(&store)
        .env("KPISCOPE_CACHE_DIR", &cache)
        .output()
        .expect("run kpiscope demo");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    println!("kpiscope demo (its caches included):   {:>9.1} s", started.elapsed().as_secs_f64());
    print!("  {}", String::from_utf8_lossy(&made.stdout));

    let started = Instant::now();
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let support::Session { mut app, requests, actions, worker } = support::start(&store, &Config::default(), &cache);
    term.draw(|f| render::draw(f, &app)).expect("draw");
    println!("first frame (loading screen):          {:>9.1} ms", support::ms(started.elapsed()));
    support::until_loaded(&mut app, &actions);
    term.draw(|f| render::draw(f, &app)).expect("draw");
    println!("start view's KPIs on screen (first open):{:>6.1} ms", support::ms(started.elapsed()));
    let _ = requests.send(worker::Request::Stop);
    let _ = worker.join();
    println!("peak RSS of the open:                  {:>9.0} MiB", support::peak_rss_mib());
}

fn main() {
    // Allocating as the binary does when it explores.
    kpiscope::memory::one_arena();
    support::each_size(&[100_000, 1_000_000], run);
}

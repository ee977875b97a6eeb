//! Shared by the benchmarks: demo stores of a given size, generated once into `target/bench-stores/` (10M
//! orders take about a minute) and reused; the biggest seller; and a throwaway copy for benchmarks that write.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kpiscope::config::Config;
use kpiscope::demo::{DemoOptions, generate};
use kpiscope::engine::Model;
use kpiscope::ui::worker::{self, Request, Source};
use kpiscope::ui::{Action, App, keys, theme::Theme};

/// Order counts from `KPISCOPE_BENCH_ORDERS` ("100000,1000000"), or `default`.
pub fn sizes(default: &[u64]) -> Vec<u64> {
    match std::env::var("KPISCOPE_BENCH_ORDERS") {
        Ok(v) => v.split(',').filter_map(|s| s.trim().replace('_', "").parse().ok()).collect(),
        Err(_) => default.to_vec(),
    }
}

/// Runs `run` for each size of `KPISCOPE_BENCH_ORDERS` (or `default`), each in a process of its own (this
/// program again, given one size), so that its peak memory is its own.
pub fn each_size(default: &[u64], run: fn(u64)) {
    let sizes = sizes(default);
    if let [orders] = sizes[..] {
        return run(orders);
    }
    for orders in sizes {
        let me = std::env::current_exe().expect("own path");
        let status = std::process::Command::new(me)
            .env("KPISCOPE_BENCH_ORDERS", orders.to_string())
            .status()
            .expect("run one size");
        assert!(status.success(), "{orders} orders: {status}");
    }
}

/// The demo store of `orders` orders (seed 42), generated on first use.
pub fn store(orders: u64) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-stores");
    std::fs::create_dir_all(&dir).expect("bench store directory");
    let path = dir.join(format!("demo-{orders}.db"));
    if !path.exists() {
        let tmp = dir.join(format!("demo-{orders}.db.part"));
        let _ = std::fs::remove_file(&tmp);
        let t = Instant::now();
        eprintln!("generating a demo store of {orders} orders in {} ...", path.display());
        generate(&tmp, DemoOptions { orders, seed: 42 }, &mut |_, _| {}).expect("generate");
        std::fs::rename(&tmp, &path).expect("rename");
        eprintln!("  took {:.1} s", t.elapsed().as_secs_f64());
    }
    path
}

/// A copy of `path` that may be written to, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn of(path: &Path) -> Scratch {
        let copy = path.with_extension("scratch.db");
        std::fs::copy(path, &copy).expect("copy store");
        Scratch(copy)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_dir_all(self.0.with_extension("cache"));
    }
}

/// The seller with the most products (the demo's big seller).
pub fn biggest_seller(m: &Model) -> u32 {
    (0..m.sellers.len()).max_by_key(|&s| m.seller_products[s].len()).unwrap_or(0) as u32
}

/// Starts the peak over from the memory resident now (Linux: `5` to `/proc/self/clear_refs`); `false`
/// where that is not possible.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The memory resident now.
pub fn rss_mib() -> f64 {
    status_kb("VmRSS:") / 1024.0
}

fn status_kb(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0)
}

/// Peak resident memory of this process so far (or since `reset_peak_rss`), in MiB (Linux).
pub fn peak_rss_mib() -> f64 {
    status_kb("VmHWM:") / 1024.0
}

/// Milliseconds of `d`.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Applies what the worker sends, up to and including the first action `last` picks.
pub fn until(app: &mut App, rx: &mpsc::Receiver<Action>, last: impl Fn(&Action) -> bool) {
    loop {
        let a = rx.recv_timeout(Duration::from_secs(1800)).expect("worker answered");
        if let Action::Failed(e) = &a {
            panic!("worker failed: {e}");
        }
        let done = last(&a);
        app.update(a);
        if done {
            return;
        }
    }
}

/// Waits for the worker's next model, applying whatever else it sends.
pub fn until_loaded(app: &mut App, rx: &mpsc::Receiver<Action>) {
    until(app, rx, |a| matches!(a, Action::Loaded { .. }));
}

/// An explorer with its own worker on `path`, sized as the bench draws it.
pub struct Session {
    pub app: App,
    pub requests: mpsc::Sender<Request>,
    pub actions: mpsc::Receiver<Action>,
    pub worker: std::thread::JoinHandle<()>,
}

pub fn start(path: &std::path::Path, cfg: &Config, cache: &std::path::Path) -> Session {
    let mut app = App::new("bench".into(), cfg.clone(), keys::default_commands(), Theme::dark());
    app.update(Action::Resize(120, 40));
    let (requests, req_rx) = mpsc::channel();
    let (act_tx, actions) = mpsc::channel();
    let source = Source { path: path.to_path_buf(), demo: None, config: cfg.clone(), cache: Some(cache.into()) };
    let worker = worker::spawn(source, req_rx, act_tx);
    Session { app, requests, actions, worker }
}

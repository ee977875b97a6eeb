//! Shared test helpers: the hand-made fixture store, built fresh in a temporary directory.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub mod tmux;

use kpiscope::engine::{self, Model, Scope};
use kpiscope::period::DayRange;

pub const HANDMADE_SQL: &str = include_str!("../fixtures/handmade.sql");

/// A new store with the hand-made fixture; the directory lives as long as the returned guard.
pub fn handmade_store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("handmade.db");
    let conn = kpiscope::store::create(&path).expect("create store");
    conn.execute_batch(HANDMADE_SQL).expect("fixture SQL");
    drop(conn);
    (dir, path)
}

pub fn handmade_model() -> Model {
    let (_dir, path) = handmade_store();
    engine::open(&path).expect("open fixture")
}

use kpiscope::config::Config;
use kpiscope::ui::theme::Theme;
use kpiscope::ui::{Action, App, keys};

/// An explorer on the hand-made store, loaded as the worker would load it, at a given size and theme.
pub fn app(theme: Theme, size: (u16, u16)) -> (App, tempfile::TempDir, PathBuf) {
    let (dir, path) = handmade_store();
    let model = engine::open(&path).expect("open fixture");
    let mut app = App::new("handmade.db".into(), Config::default(), keys::default_commands(), theme);
    app.export_dir = dir.path().to_path_buf();
    app.update(Action::Resize(size.0, size.1));
    app.update(kpiscope::ui::worker::loaded(model, &Config::default(), 0));
    (app, dir, path)
}

/// Runs the real binary (no colours), with a model cache of the tests' own: the user's cache directory keeps
/// only its newest entries, so tests writing there would evict real ones.
pub fn kpiscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kpiscope"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("KPISCOPE_CACHE_DIR", std::env::temp_dir().join("kpiscope-test-models"))
        .output()
        .expect("run kpiscope")
}

/// Bytes of output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Two models agree day by day and scope by scope: counters, customers, return reasons and disputes.
pub fn assert_same(a: &Model, b: &Model) {
    assert_eq!((a.first_day, a.last_day, a.now_ts), (b.first_day, b.last_day, b.now_ts), "extent");
    let all = DayRange::new(a.first_day - 30, a.last_day + 30);
    for day in all.from..=all.to {
        let d = DayRange::new(day, day);
        assert_eq!(a.counters(Scope::Store, d), b.counters(Scope::Store, d), "store on day {day}");
        for s in 0..a.sellers.len() as u32 {
            assert_eq!(a.counters(Scope::Seller(s), d), b.counters(Scope::Seller(s), d), "seller {s} on day {day}");
        }
    }
    for p in 0..a.products.len() as u32 {
        assert_eq!(a.counters(Scope::Product(p), all), b.counters(Scope::Product(p), all), "product {p}");
        assert_eq!(
            a.customers(Scope::Product(p)).stats(all),
            b.customers(Scope::Product(p)).stats(all),
            "product {p} customers"
        );
    }
    for c in 0..a.categories.len() as u32 {
        assert_eq!(a.counters(Scope::Category(c), all), b.counters(Scope::Category(c), all), "category {c}");
    }
    for r in [all, DayRange::new(a.last_day - 30, a.last_day)] {
        assert_eq!(a.customers(Scope::Store).stats(r), b.customers(Scope::Store).stats(r), "store customers");
    }
    assert_eq!(a.return_reasons, b.return_reasons, "return reasons");
    let key = |m: &Model| {
        let mut v: Vec<_> =
            m.disputes.iter().map(|d| (d.order_db_id, d.opened_at, d.responded_at, d.closed_at)).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(key(a), key(b), "disputes");
}

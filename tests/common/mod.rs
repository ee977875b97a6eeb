//! Shared test helpers: the hand-made fixture store, built fresh in a temporary directory.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub mod tmux;

use kpiscope::engine::{self, Model};

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

/// Runs the real binary (no colours).
pub fn kpiscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kpiscope")).args(args).env("NO_COLOR", "1").output().expect("run kpiscope")
}

/// Bytes of output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

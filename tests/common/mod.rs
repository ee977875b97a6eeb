//! Shared test helpers: the hand-made fixture store, built fresh in a temporary directory.
#![allow(dead_code)]

use std::path::PathBuf;

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

//! Faults of the store itself: exploring never changes it; a missing, unreadable, foreign, damaged, newer,
//! older or half-written store gets a clear message naming the file, exit status 2 and no panic, and its
//! bytes stay as they were; a lock held by another program is waited out, with the data on screen marked
//! stale meanwhile.

mod common;

use common::{kpiscope, text};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use kpiscope::config::Config;
use kpiscope::ui::Action;
use kpiscope::ui::worker::{self, Request, Source};

/// The file's bytes and modification time.
fn snapshot(path: &Path) -> (Vec<u8>, SystemTime) {
    let bytes = std::fs::read(path).expect("read store");
    let mtime = std::fs::metadata(path).and_then(|m| m.modified()).expect("mtime");
    (bytes, mtime)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `report` and `flags` on `path`: both must fail with status 2 and say `want`, without a panic,
/// and leave the file's bytes as they were.
fn refused(path: &Path, want: &str) {
    let before = std::fs::read(path).ok();
    for cmd in ["report", "flags"] {
        let out = kpiscope(&[cmd, path.to_str().expect("utf8")]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd} {}: {err}", path.display());
        assert!(err.contains(&path.display().to_string()), "names the file: {err}");
        assert!(err.contains(want), "{cmd}: wanted '{want}' in: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(std::fs::read(path).ok(), before, "bytes unchanged");
}

/// Actions from a worker until `pred` holds or `limit` passes.
fn wait_for(rx: &mpsc::Receiver<Action>, limit: Duration, pred: impl Fn(&Action) -> bool) -> Option<Action> {
    let end = Instant::now() + limit;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(a) if pred(&a) => return Some(a),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

fn start_worker(path: &Path) -> (mpsc::Sender<Request>, mpsc::Receiver<Action>, std::thread::JoinHandle<()>) {
    let (req_tx, req_rx) = mpsc::channel();
    let (tx, rx) = mpsc::channel();
    // No model cache: these tests are about the store (and must not write to the user's cache).
    let source = Source { path: path.to_path_buf(), demo: None, config: Config::default(), cache: None };
    let handle = worker::spawn(source, req_rx, tx);
    (req_tx, rx, handle)
}

fn is_loaded(a: &Action) -> bool {
    matches!(a, Action::Loaded { .. })
}

/// A session of exploring: load, a product's reviews, a reload, then quit.
fn explore_session(path: &Path) {
    let (req, rx, handle) = start_worker(path);
    assert!(wait_for(&rx, Duration::from_secs(20), is_loaded).is_some(), "loads");
    req.send(Request::Reviews(0, 1)).expect("send");
    assert!(wait_for(&rx, Duration::from_secs(10), |a| matches!(a, Action::Reviews { .. })).is_some());
    req.send(Request::Reload).expect("send");
    assert!(wait_for(&rx, Duration::from_secs(20), is_loaded).is_some(), "reloads");
    req.send(Request::Stop).expect("send");
    handle.join().expect("worker ends");
}

#[test]
fn exploring_never_changes_the_store() {
    let (dir, path) = common::handmade_store();
    let files = files_in(dir.path());
    let before = snapshot(&path);
    explore_session(&path);
    for cmd in ["report", "flags"] {
        let out = kpiscope(&[cmd, path.to_str().expect("utf8"), "--period", "all"]);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out.stderr));
    }
    assert!(snapshot(&path) == before, "the store's bytes and mtime are unchanged");
    assert_eq!(files_in(dir.path()), files, "no journal or other file left behind");
}

#[test]
fn exploring_a_wal_store_never_changes_its_file() {
    let (_dir, path) = common::handmade_store();
    rusqlite::Connection::open(&path)
        .and_then(|c| c.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)))
        .expect("wal");
    let before = snapshot(&path);
    explore_session(&path);
    let out = kpiscope(&["report", path.to_str().expect("utf8"), "--period", "all"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(snapshot(&path) == before, "the store's bytes and mtime are unchanged");
    // SQLite's -wal and -shm files may stay (a reader of a WAL store needs them); they hold no data.
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    assert!(std::fs::metadata(&wal).map_or(0, |m| m.len()) == 0, "the WAL holds nothing written by kpiscope");
}

#[test]
fn a_missing_store_or_a_directory() {
    let dir = tempfile::tempdir().expect("dir");
    refused(&dir.path().join("nope.db"), "no such file");
    refused(dir.path(), "it is a directory");
}

#[test]
fn an_unreadable_store() {
    let (dir, path) = common::handmade_store();
    let cmd = |args: &[&str]| {
        // Root reads every file whatever its mode: run as nobody then.
        let root = Command::new("id").arg("-u").output().map(|o| text(&o.stdout).trim() == "0").unwrap_or(false);
        if root {
            Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_kpiscope")])
                .args(args)
                .output()
                .expect("setpriv")
        } else {
            kpiscope(args)
        }
    };
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod store");
    let out = cmd(&["report", path.to_str().expect("utf8")]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{}: cannot be opened or read", path.display())), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn not_a_sqlite_file() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "order,amount\n1,20\n".repeat(200)).expect("write");
    refused(&path, "not a SQLite database, or encrypted");
}

#[test]
fn a_truncated_store() {
    let (_dir, path) = common::handmade_store();
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
    refused(&path, "the file is damaged");
}

#[test]
fn a_page_scribbled_over() {
    let (_dir, path) = common::handmade_store();
    let (root, page): (i64, i64) = rusqlite::Connection::open(&path)
        .and_then(|c| {
            c.query_row(
                "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master WHERE name = 'orders'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .expect("root page");
    let mut bytes = std::fs::read(&path).expect("read");
    let start = ((root - 1) * page) as usize;
    bytes[start..start + page as usize].fill(0xEE);
    std::fs::write(&path, &bytes).expect("scribble");
    refused(&path, "the file is damaged");
}

#[test]
fn someone_elses_schema_names_what_is_missing() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("crm.db");
    rusqlite::Connection::open(&path)
        .and_then(|c| {
            c.execute_batch("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL); CREATE TABLE notes (t);")
        })
        .expect("other schema");
    refused(
        &path,
        "not a kpiscope store (missing table sellers, table products, table customers, column orders.seller_id",
    );
}

#[test]
fn a_newer_store_is_refused_with_both_versions() {
    let (_dir, path) = common::handmade_store();
    rusqlite::Connection::open(&path).and_then(|c| c.pragma_update(None, "user_version", 9)).expect("stamp");
    refused(&path, "schema version 9 is newer than this kpiscope understands (up to 1)");
    let out = kpiscope(&["migrate", path.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("schema version 9 is newer"), "{}", text(&out.stderr));
}

#[test]
fn an_older_store_is_migrated_after_a_backup() {
    let (dir, path) = common::handmade_store();
    rusqlite::Connection::open(&path).and_then(|c| c.pragma_update(None, "user_version", 0)).expect("stamp");
    let p = path.to_str().expect("utf8");
    refused(&path, &format!("schema version 0 is older than 1; run `kpiscope migrate {p}`"));
    let original = std::fs::read(&path).expect("read");
    let out = kpiscope(&["migrate", p]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let backup = dir.path().join("handmade.db.v0.bak");
    assert!(
        text(&out.stdout).contains(&format!("backup of the store as it was: {}", backup.display())),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(std::fs::read(&backup).expect("backup"), original, "the backup is the store as it was, byte for byte");
    let out = kpiscope(&["report", p, "--period", "all"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = kpiscope(&["migrate", p]);
    assert!(text(&out.stdout).contains("already at schema v1; nothing to do"));
}

/// A store whose last write was interrupted: the file as that write left it, with its hot journal.
fn interrupted_write(dir: &Path, path: &Path) -> PathBuf {
    let scratch = dir.join("scratch.db");
    std::fs::copy(path, &scratch).expect("copy");
    let conn = rusqlite::Connection::open(&scratch).expect("open");
    conn.execute_batch(
        "PRAGMA cache_size = 1; BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
         INSERT INTO customers (ref) SELECT 'interrupted-' || i FROM n;",
    )
    .expect("write without committing");
    // Copy the files as a crash would leave them, while the writer still holds its transaction.
    let crashed = dir.join("crashed.db");
    std::fs::copy(&scratch, &crashed).expect("copy db");
    std::fs::copy(format!("{}-journal", scratch.display()), format!("{}-journal", crashed.display()))
        .expect("the write spilled into the file, with a journal");
    drop(conn);
    crashed
}

#[test]
fn an_interrupted_write_is_named_and_recover_restores_the_store_exactly() {
    let (dir, path) = common::handmade_store();
    let original = std::fs::read(&path).expect("read");
    let crashed = interrupted_write(dir.path(), &path);
    assert_ne!(std::fs::read(&crashed).expect("read"), original, "the write reached the file");
    let p = crashed.to_str().expect("utf8");
    for cmd in ["report", "flags"] {
        let out = kpiscope(&[cmd, p]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("{p}: an interrupted write left {p}-journal behind")), "{err}");
        assert!(err.contains(&format!("`kpiscope recover {p}`")), "{err}");
    }
    let out = kpiscope(&["recover", p]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("rolled back an interrupted write"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("integrity check: ok"));
    assert_eq!(std::fs::read(&crashed).expect("read"), original, "byte for byte as before the write");
    assert!(!PathBuf::from(format!("{p}-journal")).exists());
}

#[test]
fn a_lock_is_waited_out_and_the_screen_says_stale_meanwhile() {
    let (_dir, path) = common::handmade_store();
    let writer = rusqlite::Connection::open(&path).expect("open writer");
    // Held from before the explorer starts: it waits, says why, and loads once the lock goes.
    writer.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let (req, rx, handle) = start_worker(&path);
    let waiting = wait_for(&rx, Duration::from_secs(10), |a| matches!(a, Action::Progress(..)));
    match waiting {
        Some(Action::Progress(what, _)) => assert!(what.contains("another program holds a lock"), "{what}"),
        other => panic!("expected a waiting notice, got {other:?}"),
    }
    writer.execute_batch("COMMIT").expect("unlock");
    assert!(wait_for(&rx, Duration::from_secs(15), is_loaded).is_some(), "loads once the lock is gone");
    // Taken while exploring: the data stays, marked stale since the last read.
    let t0 = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("clock").as_secs() as i64;
    writer.execute_batch("BEGIN EXCLUSIVE; INSERT INTO customers (ref) VALUES ('while-locked');").expect("lock");
    let stale = wait_for(&rx, Duration::from_secs(15), |a| matches!(a, Action::Stale { .. }));
    match stale {
        Some(Action::Stale { since, why }) => {
            assert!(why.contains("another program holds a lock; retrying"), "{why}");
            assert!(since <= t0 + 1 && since > t0 - 60, "since the last read: {since} vs {t0}");
        }
        other => panic!("expected a stale notice, got {other:?}"),
    }
    writer.execute_batch("COMMIT").expect("unlock");
    assert!(wait_for(&rx, Duration::from_secs(15), is_loaded).is_some(), "catches up after the lock");
    req.send(Request::Stop).expect("stop");
    handle.join().expect("worker ends");
}

//! Imports under faults: killed (SIGKILL) at many points, a file-size limit hit mid-write (a full disk), an
//! input file that changes while it is read. Each time the store ends exactly as it was before the import,
//! byte for byte (after `kpiscope recover` when a kill left a journal), and the user is told what happened.

mod common;

use common::text;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kpiscope");

/// A lines-format export of `n` order lines (a few per invoice), plausible enough to import.
fn export(dir: &Path, name: &str, n: usize, first_invoice: usize) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    writeln!(f, "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country").expect("w");
    for i in 0..n {
        let invoice = first_invoice + i / 3;
        let day = 1 + (i / 3000) % 28;
        writeln!(
            f,
            "{invoice},P{},Product number {},{},2024-02-{day:02} 10:{:02}:00,{}.{:02},{},United Kingdom",
            i % 997,
            i % 997,
            1 + i % 5,
            i % 60,
            1 + i % 40,
            i % 100,
            10_000 + i % 4_000
        )
        .expect("w");
    }
    drop(f);
    path
}

fn import(store: &Path, file: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.args(["import", store.to_str().expect("utf8"), "--format", "lines", "--seller", "shop", "--currency", "GBP"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// A store with a first import in it, and its bytes.
fn existing_store(dir: &Path) -> (PathBuf, Vec<u8>) {
    let store = dir.join("shop.db");
    let first = export(dir, "first.csv", 3_000, 100_000);
    let out = import(&store, &first).output().expect("first import");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bytes = std::fs::read(&store).expect("read");
    (store, bytes)
}

#[test]
fn killed_at_any_point_the_store_is_as_before() {
    let dir = tempfile::tempdir().expect("dir");
    let (store, before) = existing_store(dir.path());
    let big = export(dir.path(), "big.csv", 90_000, 500_000);
    // How long a whole import takes here, to spread the kills over it.
    let scratch = dir.path().join("scratch.db");
    std::fs::copy(&store, &scratch).expect("copy");
    let t0 = Instant::now();
    assert!(import(&scratch, &big).output().expect("timing run").status.success());
    let whole = t0.elapsed();
    let mut journals = 0;
    for step in 1..=6 {
        let at = whole.mul_f64(f64::from(step) / 7.0);
        let mut child = import(&store, &big).spawn().expect("spawn");
        std::thread::sleep(at);
        if child.try_wait().expect("status").is_some() {
            // Finished before the kill (a busy machine): not a kill; start again from the same store.
            std::fs::write(&store, &before).expect("reset");
            continue;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let journal = PathBuf::from(format!("{}-journal", store.display()));
        if journal.exists() {
            journals += 1;
            let out = Command::new(BIN).arg("recover").arg(&store).output().expect("recover");
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
        assert!(std::fs::read(&store).expect("read") == before, "killed after {at:?}: the store changed");
    }
    eprintln!("{journals} of 6 kills left a journal to roll back");
}

#[test]
fn a_full_disk_mid_import_leaves_the_store_as_before() {
    let dir = tempfile::tempdir().expect("dir");
    let (store, before) = existing_store(dir.path());
    let big = export(dir.path(), "big.csv", 60_000, 500_000);
    // A file-size limit just above the store: the import's writes fail part way, as on a full disk.
    let limit_blocks = before.len() / 1024 + 64;
    let script = format!("trap '' XFSZ; ulimit -f {limit_blocks}; exec \"$0\" \"$@\"");
    let out = Command::new("sh")
        .args(["-c", &script, BIN, "import", store.to_str().expect("utf8"), "--format", "lines"])
        .args(["--seller", "shop", "--currency", "GBP"])
        .arg(&big)
        .output()
        .expect("run");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    if err.contains("nothing was imported, but rolling the partial write back failed too") {
        // A full disk can refuse the rollback as well: readers are told to recover, which restores it all.
        assert!(err.contains(&format!("run `kpiscope recover {}` once there is space", store.display())), "{err}");
        let out = Command::new(BIN).arg("report").arg(&store).output().expect("report");
        assert!(text(&out.stderr).contains("an interrupted write left"), "{}", text(&out.stderr));
        let out = Command::new(BIN).arg("recover").arg(&store).output().expect("recover");
        assert!(out.status.success(), "{}", text(&out.stderr));
    } else {
        assert!(err.contains("nothing was imported: the store is as it was"), "{err}");
    }
    let after = std::fs::read(&store).expect("read");
    let first_diff = after.iter().zip(&before).position(|(a, b)| a != b);
    assert!(
        after == before,
        "the store is unchanged: {} vs {} bytes, first difference at {first_diff:?}",
        after.len(),
        before.len()
    );
    // A first import that cannot finish leaves no store at all.
    let fresh = dir.path().join("fresh.db");
    let script = "trap '' XFSZ; ulimit -f 200; exec \"$0\" \"$@\"";
    let out = Command::new("sh")
        .args(["-c", script, BIN, "import", fresh.to_str().expect("utf8"), "--format", "lines"])
        .args(["--seller", "shop", "--currency", "GBP"])
        .arg(&big)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no store was created"), "{}", text(&out.stderr));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("fresh"))
        .collect();
    assert!(left.is_empty(), "nothing of the failed store is left: {left:?}");
}

#[test]
fn a_file_that_changes_while_read_imports_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let (store, before) = existing_store(dir.path());
    let big = export(dir.path(), "growing.csv", 200_000, 500_000);
    let child = import(&store, &big).spawn().expect("spawn");
    // Another program appends to the export while kpiscope reads it.
    std::thread::sleep(Duration::from_millis(150));
    let mut f = std::fs::OpenOptions::new().append(true).open(&big).expect("open");
    writeln!(f, "999999,PX,Late line,1,2024-02-28 10:00:00,1.00,10001,United Kingdom").expect("append");
    drop(f);
    let out = child.wait_with_output().expect("wait");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{}: the file changed while it was being read; nothing was imported", big.display())),
        "{err}"
    );
    assert!(std::fs::read(&store).expect("read") == before, "the store is unchanged");
}

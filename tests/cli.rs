//! The real binary: `init`, `report`, `flags`, `config`, `catalogue`; exit statuses; clear errors.

mod common;

use common::{kpiscope, text};

#[test]
fn report_json_has_the_documented_shape() {
    let (_dir, path) = common::handmade_store();
    let out =
        kpiscope(&["report", path.to_str().expect("utf8"), "--seller", "alpha", "--period", "all", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["scope"]["ref"], "alpha");
    assert_eq!(v["period"]["from"], "2025-03-01");
    assert_eq!(v["period"]["to"], "2025-03-14");
    assert_eq!(v["currency"], "USD");
    let lsr = &v["kpis"]["late_shipment_rate"];
    assert_eq!(lsr["value"], 0.5);
    assert_eq!(lsr["numerator"], 1.0);
    assert_eq!(lsr["denominator"], 2.0);
    assert_eq!(lsr["status"], "bad");
    assert_eq!(lsr["peer_median"], 0.25);
    assert_eq!(v["kpis"]["gross_sales"]["minor"], 10_500);
    assert_eq!(v["kpis"]["visitors"]["value"], 220.0);
    // Absent data is null with a reason, never 0.
    let out = kpiscope(&["report", path.to_str().expect("utf8"), "--seller", "beta", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["kpis"]["visitors"]["value"], serde_json::Value::Null);
    assert!(v["kpis"]["visitors"]["reason"].as_str().expect("reason").contains("no traffic"));
    assert_eq!(kpiscope::kpi::CATALOGUE.len(), v["kpis"].as_object().expect("kpis").len());
}

#[test]
fn flags_exit_one_on_a_breach_and_list_it() {
    let (_dir, path) = common::handmade_store();
    let out = kpiscope(&["flags", path.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("BREACH") && s.contains("RF-AE-DISPUTE") && s.contains("Beta Shop"), "{s}");
    let csv = kpiscope(&["flags", path.to_str().expect("utf8"), "--format", "csv", "--seller", "alpha"]);
    // Alpha alone has no breach: exit 0, and the low-confidence flags are in the CSV.
    assert_eq!(csv.status.code(), Some(0));
    assert!(text(&csv.stdout).starts_with("severity,rule,seller"));
    assert!(text(&csv.stdout).contains("low confidence,RF-AMZ-LSR,alpha"));
}

#[test]
fn table_report_reads_well() {
    let (_dir, path) = common::handmade_store();
    let out = kpiscope(&["report", path.to_str().expect("utf8"), "--seller", "Alpha Goods", "--period", "2025-03"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.starts_with("Alpha Goods · 2025-03 (2025-03) 2025-03-01..2025-03-31"), "{s}");
    assert!(s.contains("Gross sales") && s.contains("105.00 USD"), "{s}");
    assert!(s.contains("Late shipment rate") && s.contains("50.0%") && s.contains("✗ bad"), "{s}");
}

#[test]
fn bad_input_gets_a_clear_error_and_status_two() {
    let (dir, path) = common::handmade_store();
    let p = path.to_str().expect("utf8");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["report".into(), dir.path().join("nope.db").display().to_string()], "no such file"),
        (vec!["report".into(), p.into(), "--period".into(), "90x".into()], "unknown period '90x'"),
        (
            vec!["report".into(), p.into(), "--seller".into(), "gamma".into()],
            "no seller 'gamma' in this store; sellers: alpha, beta",
        ),
        (vec!["report".into(), p.into(), "--as-of".into(), "yesterday".into()], "--as-of 'yesterday' is not a date"),
        (vec!["init".into(), p.into()], "already exists"),
    ];
    for (args, want) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = kpiscope(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains(want), "{args:?}: {}", text(&out.stderr));
    }
    // A SQLite file of someone else's schema: which tables are missing.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other).and_then(|c| c.execute_batch("CREATE TABLE x (a);")).expect("other db");
    let out = kpiscope(&["report", other.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a kpiscope store (missing table sellers"), "{}", text(&out.stderr));
}

#[test]
fn init_creates_an_empty_store_that_reports() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("empty.db");
    let p = path.to_str().expect("utf8");
    assert!(kpiscope(&["init", p]).status.success());
    let out = kpiscope(&["report", p, "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["kpis"]["orders"]["value"], 0.0);
    assert_eq!(v["kpis"]["aov"]["value"], serde_json::Value::Null);
}

#[test]
fn docs_match_the_code() {
    // docs/kpis.md is the catalogue's own output, so the two cannot drift.
    let out = kpiscope(&["catalogue"]);
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/kpis.md")).expect("docs/kpis.md");
    assert_eq!(text(&out.stdout), docs, "run `cargo run -- catalogue > docs/kpis.md`");
    // The README's config example is a valid config.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let example = readme.split("```toml\n").nth(1).and_then(|s| s.split("```").next()).expect("a toml block");
    let cfg =
        kpiscope::config::Config::parse(example, std::path::Path::new("README.md")).expect("README example parses");
    assert_eq!(cfg.ui.keys.get("quit").map(Vec::len), Some(2));
    // The printed default config parses back.
    let out = kpiscope(&["config", "--print-default", "--standard", "ebay"]);
    let cfg = kpiscope::config::Config::parse(&text(&out.stdout), std::path::Path::new("x")).expect("parses");
    assert_eq!(cfg.standard, kpiscope::config::Standard::Ebay);
}

/// `kpiscope ARGS` with the cache directory `cache_dir` (`off`: none).
fn kpiscope_cached(cache_dir: &std::ffi::OsStr, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kpiscope"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("KPISCOPE_CACHE_DIR", cache_dir)
        .output()
        .expect("run kpiscope")
}

/// The ledger keeps its per-order columns in a file in the cache directory, or in memory with the cache off
/// (`engine/ledger/column.rs`): the answers are the same, and the file leaves nothing behind.
#[test]
fn per_order_columns_in_a_file_or_in_memory_give_the_same_answers() {
    let dir = tempfile::tempdir().expect("dir");
    let store = dir.path().join("demo.db");
    let store = store.to_str().expect("utf8");
    let made = kpiscope(&["demo", store, "--orders", "4000"]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let cache = dir.path().join("cache");
    let run = kpiscope_cached;
    for args in [vec!["flags", store], vec!["report", store, "--period", "all", "--format", "json"]] {
        let in_memory = run("off".as_ref(), &args);
        let in_file = run(cache.as_os_str(), &args);
        assert_eq!(in_memory.status.code(), in_file.status.code(), "{args:?}: {}", text(&in_file.stderr));
        assert!(!in_file.stdout.is_empty());
        assert_eq!(text(&in_memory.stdout), text(&in_file.stdout), "{args:?}");
    }
    // Only the model cache's entry: the columns' file had no name.
    let left: Vec<String> = std::fs::read_dir(&cache)
        .expect("cache dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.iter().all(|f| f.ends_with(".model")), "{left:?}");
}

/// `kpiscope demo` leaves the new store's aggregates in the cache directory (a follower kept them up as the
/// days were written) and says so; a report from them is the report of a fresh load.
#[test]
fn demo_caches_what_a_fresh_load_would_give() {
    let dir = tempfile::tempdir().expect("dir");
    let store = dir.path().join("demo.db");
    let store = store.to_str().expect("utf8");
    let cache = dir.path().join("cache");
    let run = kpiscope_cached;
    let made = run(cache.as_os_str(), &["demo", store, "--orders", "3000"]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert!(text(&made.stdout).contains("its first open starts from them"), "{}", text(&made.stdout));
    let names = |d: &std::path::Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .expect("cache dir")
            .map(|e| e.expect("entry").path().extension().unwrap_or_default().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&cache), ["ledger", "model"]);
    let written = |ext: &str| {
        let entry =
            std::fs::read_dir(&cache).expect("dir").flatten().find(|e| e.path().extension() == Some(ext.as_ref()));
        entry.and_then(|e| e.metadata().ok()).and_then(|m| m.modified().ok()).expect("modified")
    };
    let before = written("model");
    let args = ["report", store, "--period", "all", "--format", "json"];
    let (cached, fresh) = (run(cache.as_os_str(), &args), run("off".as_ref(), &args));
    assert!(cached.status.success(), "{}", text(&cached.stderr));
    assert_eq!(text(&cached.stdout), text(&fresh.stdout));
    // Read from the demo's model cache, not loaded and cached again.
    assert_eq!(written("model"), before);

    // A cache directory that cannot be made: the store is made all the same, and the demo says so.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").expect("file");
    let other = dir.path().join("other.db");
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_kpiscope"))
        .args(["demo", other.to_str().expect("utf8"), "--orders", "2000"])
        .env("KPISCOPE_CACHE_DIR", file.join("cache"))
        .env("XDG_STATE_HOME", dir.path())
        .output()
        .expect("run kpiscope");
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert!(text(&made.stderr).contains("the log says why"), "{}", text(&made.stderr));
    // The log does say why: its last lines are written out before the process exits.
    let log = std::fs::read_to_string(dir.path().join("kpiscope").join("kpiscope.log")).expect("log");
    assert!(log.contains("cannot write the caches"), "{log}");
}

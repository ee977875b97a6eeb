//! The kpiscope CSV set: `export` then `import --format kpiscope` gives the same store (exported again,
//! byte for byte), a second import changes nothing, and the example set in assets/ imports into a store
//! that reports what the hand-made fixture does.

mod common;

use std::path::Path;

use kpiscope::demo::{self, DemoOptions};
use kpiscope::engine::{self, Scope};
use kpiscope::import::{self, Format, Options};
use kpiscope::period::DayRange;

fn import_set(store: &Path, dir: &Path) -> import::Summary {
    import::import(store, Format::Kpiscope, &[dir.to_path_buf()], &Options::default(), &mut |_, _| {}).expect("import")
}

fn read_dir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .map(|p| (p.file_name().expect("name").to_string_lossy().into_owned(), std::fs::read(&p).expect("read")))
        .collect();
    v.sort();
    v
}

#[test]
fn a_store_round_trips_through_its_csv_set() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    demo::generate(&d.join("a.db"), DemoOptions { orders: 2_000, seed: 3 }, &mut |_, _| {}).expect("demo");
    let first = import::export(&d.join("a.db"), &d.join("set1")).expect("export");
    assert_eq!(first.len(), import::TABLES.len());
    let s = import_set(&d.join("b.db"), &d.join("set1"));
    assert_eq!(s.orders_new, 2_000);
    import::export(&d.join("b.db"), &d.join("set2")).expect("export again");
    assert_eq!(read_dir(&d.join("set1")), read_dir(&d.join("set2")), "the set round-trips byte for byte");
    // Importing the set again changes nothing.
    let before = std::fs::read(d.join("b.db")).expect("bytes");
    let again = import_set(&d.join("b.db"), &d.join("set1"));
    assert_eq!((again.orders_new, again.orders_updated, again.orders_unchanged), (0, 0, 2_000));
    assert!(std::fs::read(d.join("b.db")).expect("bytes") == before, "a second import changed the store");
    // A changed row is an update.
    let orders = d.join("set1/orders.csv");
    let text = std::fs::read_to_string(&orders).expect("orders");
    let changed = text.replacen(",delivered,", ",returned,", 1);
    std::fs::write(&orders, changed).expect("write");
    let s = import_set(&d.join("b.db"), &d.join("set1"));
    assert_eq!((s.orders_updated, s.orders_unchanged), (1, 1_999));
}

#[test]
fn the_example_set_is_the_hand_made_fixture() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = dir.path().join("ex.db");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/example-set");
    import_set(&store, &example);
    let a = engine::open(&store).expect("example");
    let b = common::handmade_model();
    let all = DayRange::new(b.first_day, b.last_day);
    for scope in [Scope::Store, Scope::Seller(0), Scope::Seller(1), Scope::Product(0)] {
        assert_eq!(a.counters(scope, all), b.counters(scope, all), "{scope:?}");
    }
}

#[test]
fn set_files_are_checked() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let store = d.join("s.db");
    let run = |files: Vec<std::path::PathBuf>| {
        import::import(&store, Format::Kpiscope, &files, &Options::default(), &mut |_, _| {})
    };
    // Unknown column.
    std::fs::write(d.join("sellers.csv"), "id,ref,nmae,currency\n1,a,A,USD\n").expect("w");
    let e = run(vec![d.join("sellers.csv")]).expect_err("unknown column").to_string();
    assert!(e.contains("sellers.csv:1: sellers has no column 'nmae'"), "{e}");
    // A file not named after a table.
    std::fs::write(d.join("shops.csv"), "id\n1\n").expect("w");
    let e = run(vec![d.join("shops.csv")]).expect_err("unknown table").to_string();
    assert!(e.contains("a kpiscope set file is named after its table"), "{e}");
    // Orphans and constraint breaks are reported by line and kept out.
    std::fs::write(d.join("sellers.csv"), "id,ref,name,currency\n1,a,A,USD\n").expect("w");
    std::fs::write(
        d.join("orders.csv"),
        "id,seller_id,placed_at,status\n1,1,1700000000,paid\n2,9,1700000000,paid\n3,1,1700000000,lost\n",
    )
    .expect("w");
    let s = run(vec![d.join("sellers.csv"), d.join("orders.csv")]).expect("import");
    assert_eq!(s.orders_new, 1);
    let issues: Vec<String> = s.issues.iter().map(|i| format!("{}: {}", i.line, i.why)).collect();
    assert_eq!(issues[0], "3: refers to a row that is not in the store (an orphan)");
    assert!(issues[1].starts_with("4: CHECK constraint failed"), "{issues:?}");
}

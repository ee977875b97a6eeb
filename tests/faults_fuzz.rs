//! Fuzzing in the test suite (proptest): real exports of every import format and real config files, mutated
//! at random (bytes cut, inserted or overwritten, lines repeated or dropped, stray quotes, control characters,
//! huge fields), must never panic and must answer within a time bound: an import lands or is refused with a
//! message, a config parses or says what is wrong. `docs/fuzzing.md` says how to run more cases.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kpiscope::import::{self, Format, Options};
use proptest::prelude::*;

/// How many mutated inputs each property tries (`PROPTEST_CASES` overrides it for longer runs).
const CASES: u32 = 24;
/// No single import or parse may take longer than this.
const BOUND: Duration = Duration::from_secs(10);

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// One change to a file's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Cut(usize, usize),
    Insert(usize, Vec<u8>),
    Overwrite(usize, Vec<u8>),
    RepeatLine(usize, usize),
    DropLine(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let junk = prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..16),
        Just(b"\"".to_vec()),
        Just(b",,,,\n".to_vec()),
        Just(b"\x1b[2J\x1b]0;x\x07".to_vec()),
        Just(b"-99999999999999999999".to_vec()),
        Just(b"9223372036854775807".to_vec()),
        Just(b"NaN".to_vec()),
        Just(b"2024-13-45 25:61:00".to_vec()),
        Just("\u{feff}\u{202e}é漢字".as_bytes().to_vec()),
        Just(vec![b'x'; 100_000]),
    ];
    prop_oneof![
        (any::<usize>(), 1usize..64).prop_map(|(a, n)| Mutation::Cut(a, n)),
        (any::<usize>(), junk.clone()).prop_map(|(a, j)| Mutation::Insert(a, j)),
        (any::<usize>(), junk).prop_map(|(a, j)| Mutation::Overwrite(a, j)),
        (any::<usize>(), 1usize..2000).prop_map(|(l, n)| Mutation::RepeatLine(l, n)),
        any::<usize>().prop_map(Mutation::DropLine),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len().max(1);
    let lines = |b: &[u8]| -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, c) in b.iter().enumerate() {
            if *c == b'\n' {
                out.push((start, i + 1));
                start = i + 1;
            }
        }
        out
    };
    match m {
        Mutation::Cut(a, n) => {
            let a = a % len;
            let end = (a + n).min(bytes.len());
            if a < end {
                bytes.drain(a..end);
            }
        }
        Mutation::Insert(a, j) => {
            let a = a % len;
            bytes.splice(a.min(bytes.len())..a.min(bytes.len()), j.iter().copied());
        }
        Mutation::Overwrite(a, j) => {
            let a = a % len;
            for (k, b) in j.iter().enumerate() {
                if let Some(slot) = bytes.get_mut(a + k) {
                    *slot = *b;
                }
            }
        }
        Mutation::RepeatLine(l, n) => {
            let ls = lines(bytes);
            if let Some(&(s, e)) = ls.get(l % ls.len().max(1)) {
                let line = bytes[s..e].to_vec();
                let copies: Vec<u8> = line.iter().copied().cycle().take(line.len() * n).collect();
                bytes.splice(e..e, copies);
            }
        }
        Mutation::DropLine(l) => {
            let ls = lines(bytes);
            if let Some(&(s, e)) = ls.get(l % ls.len().max(1)) {
                bytes.drain(s..e);
            }
        }
        Mutation::Truncate(a) => bytes.truncate(a % len),
    }
}

/// Copies `src` (a file or a directory of files) into `dir`, mutating the file `target % n`.
fn mutated_copy(src: &Path, dir: &Path, target: usize, muts: &[Mutation]) -> PathBuf {
    let files: Vec<PathBuf> = if src.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(src).expect("ls").flatten().map(|e| e.path()).collect();
        v.sort();
        v
    } else {
        vec![src.to_path_buf()]
    };
    let out_dir = dir.join("in");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let pick = target % files.len();
    for (i, f) in files.iter().enumerate() {
        let mut bytes = std::fs::read(f).expect("read");
        if i == pick {
            for m in muts {
                apply(&mut bytes, m);
            }
        }
        std::fs::write(out_dir.join(f.file_name().expect("name")), bytes).expect("write");
    }
    if src.is_dir() { out_dir } else { out_dir.join(src.file_name().expect("name")) }
}

fn fuzz_import(format: Format, src: &str, target: usize, muts: &[Mutation]) {
    let dir = tempfile::tempdir().expect("dir");
    let input = mutated_copy(&fixture(src), dir.path(), target, muts);
    let opts = Options { seller: Some("fuzz".into()), currency: "GBP".into(), ..Options::default() };
    let store = dir.path().join("fuzz.db");
    let started = Instant::now();
    // Landing or a refusal are both fine; a panic fails the test, and so does a partial store.
    let result = import::import(&store, format, &[input], &opts, &mut |_, _| {});
    assert!(started.elapsed() < BOUND, "{format:?} took {:?} on {muts:?}", started.elapsed());
    match result {
        Ok(_) => assert!(kpiscope::engine::open(&store).is_ok(), "an import that lands can be read"),
        Err(e) => {
            assert!(!e.to_string().is_empty());
            assert!(!store.exists(), "a refused first import leaves no store");
        }
    }
}

fn cases() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(CASES);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn lines_exports(muts in proptest::collection::vec(mutation(), 1..6)) {
        fuzz_import(Format::Lines, "tests/fixtures/online_retail_excerpt.csv", 0, &muts);
    }

    #[test]
    fn shopify_exports(muts in proptest::collection::vec(mutation(), 1..6)) {
        fuzz_import(Format::Shopify, "tests/fixtures/shopify/orders_export.csv", 0, &muts);
    }

    #[test]
    fn olist_sets(target in any::<usize>(), muts in proptest::collection::vec(mutation(), 1..6)) {
        fuzz_import(Format::Olist, "tests/fixtures/olist", target, &muts);
    }

    #[test]
    fn kpiscope_sets(target in any::<usize>(), muts in proptest::collection::vec(mutation(), 1..6)) {
        fuzz_import(Format::Kpiscope, "assets/example-set", target, &muts);
    }

    #[test]
    fn config_files(muts in proptest::collection::vec(mutation(), 1..8)) {
        let mut bytes = kpiscope::config::print_default(kpiscope::config::Standard::Amazon).into_bytes();
        for m in &muts {
            apply(&mut bytes, m);
        }
        let text = String::from_utf8_lossy(&bytes);
        let started = Instant::now();
        let parsed = kpiscope::config::Config::parse(&text, Path::new("fuzz.toml"));
        prop_assert!(started.elapsed() < BOUND);
        if let Err(e) = parsed {
            prop_assert!(e.to_string().starts_with("config fuzz.toml"), "{}", e);
        }
    }
}

//! The subcommands: each parses what it needs, asks the engine, and prints. Exit statuses: 0 fine,
//! 1 `flags` found a breach, 2 an error.

use std::io::Write;
use std::path::Path;

use color_eyre::eyre::{Result, WrapErr, bail};
use kpiscope::config::{self, Config};
use kpiscope::demo::{self, DemoOptions};
use kpiscope::engine::{self, Model, Scope};
use kpiscope::flags::{self, Severity};
use kpiscope::kpi::{self, Ctx};
use kpiscope::period::Period;
use kpiscope::report::{self, Format, ReportMeta};
use kpiscope::{store, time};

use crate::cli::{Cli, Command, ScopeArgs};

pub fn run(cli: Cli) -> Result<i32> {
    let config_path = cli.config.clone();
    match cli.command {
        None => {
            let mut config = Config::load(config_path.as_deref())?;
            if let Some(s) = cli.standard {
                config.standard = s;
            }
            crate::explore::explore(crate::explore::ExploreOptions {
                store: cli.store,
                theme: cli.theme,
                no_mouse: cli.no_mouse,
                config,
            })
        }
        Some(Command::Simulate { store: path, rate, count, seed }) => {
            if !(rate > 0.0 && rate.is_finite()) {
                bail!("--rate must be a positive number of orders per second");
            }
            let conn = store::open_writable(&path)?;
            let mut sim = kpiscope::simulate::Simulator::new(&conn, &path, seed)?;
            let started = std::time::Instant::now();
            let mut written = 0u64;
            let batch = (rate / 4.0).ceil().max(1.0) as u64;
            loop {
                let n = count.map_or(batch, |c| batch.min(c - written));
                let s = sim.step(&conn, n)?;
                written += n;
                println!("+{} orders, +{} reviews, +{} returns (total {written})", s.orders, s.reviews, s.returns);
                if count.is_some_and(|c| written >= c) {
                    break;
                }
                let due = std::time::Duration::from_secs_f64(written as f64 / rate);
                std::thread::sleep(due.saturating_sub(started.elapsed()));
            }
            Ok(0)
        }
        Some(Command::Init { store: path }) => {
            store::create(&path)?;
            println!("created an empty kpiscope store (schema v{}) at {}", store::SCHEMA_VERSION, path.display());
            Ok(0)
        }
        Some(Command::Migrate { store: path }) => {
            match store::migrate(&path)? {
                store::Migrated::Current(v) => {
                    println!("{}: already at schema v{v}; nothing to do", path.display());
                }
                store::Migrated::Upgraded { from, to, backup } => {
                    println!("{}: upgraded from schema v{from} to v{to}", path.display());
                    println!("backup of the store as it was: {}", backup.display());
                }
            }
            Ok(0)
        }
        Some(Command::Recover { store: path }) => {
            let r = store::recover(&path)?;
            if r.rolled_back {
                println!("{}: rolled back an interrupted write; the store is as it was before it", path.display());
            } else {
                println!("{}: no interrupted write to roll back", path.display());
            }
            if r.check == ["ok"] {
                println!("integrity check: ok");
                Ok(0)
            } else {
                println!("integrity check found problems:");
                for line in &r.check {
                    println!("  {line}");
                }
                Ok(1)
            }
        }
        Some(Command::Demo { store: path, orders, seed, force }) => {
            demo_cmd(&path, DemoOptions { orders, seed }, force)?;
            Ok(0)
        }
        Some(Command::Report(args)) => report_cmd(&args, config_path.as_deref(), false),
        Some(Command::Flags(args)) => report_cmd(&args, config_path.as_deref(), true),
        Some(Command::Config { print_default, standard }) => {
            let cfg = Config::load(config_path.as_deref())?;
            let standard = standard.unwrap_or(cfg.standard);
            if print_default {
                print!("{}", config::print_default(standard));
            } else {
                match config_path.or_else(Config::default_path).filter(|p| p.is_file()) {
                    Some(p) => println!("# config in use: {}\n{}", p.display(), std::fs::read_to_string(&p)?),
                    None => print!("# no config file; these are the defaults\n{}", config::print_default(standard)),
                }
            }
            Ok(0)
        }
        Some(Command::Import { store: path, format, files, seller, currency, columns, dry_run, strict }) => {
            let columns = columns
                .iter()
                .map(|c| {
                    c.split_once('=')
                        .map(|(r, h)| (r.trim().to_string(), h.trim().to_string()))
                        .ok_or_else(|| kpiscope::Error::usage(format!("--column '{c}': write ROLE=HEADER")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let opts = kpiscope::import::Options { seller, currency, columns, dry_run, strict };
            let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let started = std::time::Instant::now();
            let mut progress = |done: u64, total: u64| {
                if tty && total > 0 {
                    let filled = (done * 30 / total.max(1)) as usize;
                    eprint!(
                        "\rreading [{}{}] {:>3}%",
                        "#".repeat(filled),
                        "-".repeat(30 - filled.min(30)),
                        done * 100 / total
                    );
                    let _ = std::io::stderr().flush();
                }
            };
            let summary = kpiscope::import::import(&path, format, &files, &opts, &mut progress)?;
            if tty {
                eprintln!();
            }
            print!("{}", summary.render());
            println!(
                "({:.1} s, {:.0} rows/s)",
                started.elapsed().as_secs_f64(),
                summary.rows_read as f64 / started.elapsed().as_secs_f64().max(1e-9)
            );
            Ok(0)
        }
        Some(Command::Export { store: path, dir }) => {
            for (table, rows) in kpiscope::import::export(&path, &dir)? {
                println!("{:>9} rows  {}", rows, dir.join(format!("{table}.csv")).display());
            }
            Ok(0)
        }
        Some(Command::Catalogue) => {
            print!("{}", kpiscope::kpi::catalogue::markdown());
            Ok(0)
        }
    }
}

fn demo_cmd(path: &Path, opts: DemoOptions, force: bool) -> Result<()> {
    if force && path.exists() {
        std::fs::remove_file(path).wrap_err_with(|| format!("removing {}", path.display()))?;
    }
    let started = std::time::Instant::now();
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let caches = engine::cache::dir();
    let mut progress = |done: u64, total: u64| {
        if tty && (done.is_multiple_of(10) || done == total) {
            eprint!("\rgenerating {:>3}% ({done}/{total} days)", done * 100 / total);
            // The follower reads the last days and writes the caches after them (~20 s at 10M orders).
            if done == total && caches.is_some() {
                eprint!("; caching its aggregates for its first open…");
            }
            let _ = std::io::stderr().flush();
        }
    };
    let s = demo::generate_with(path, opts, caches.as_deref(), &mut progress)?;
    if tty {
        eprintln!();
    }
    println!(
        "demo store {}: {} sellers, {} products, {} customers, {} orders, {} order lines in {:.1} s (seed {})",
        path.display(),
        s.sellers,
        s.products,
        s.customers,
        s.orders,
        s.items,
        started.elapsed().as_secs_f64(),
        opts.seed
    );
    match (s.cached, &caches) {
        (true, Some(dir)) => {
            println!("its aggregates are cached in {}: its first open starts from them", dir.display())
        }
        (false, Some(dir)) => eprintln!(
            "kpiscope: its aggregates could not be cached in {} (the log says why): its first open reads it whole",
            dir.display()
        ),
        (_, None) => {}
    }
    Ok(())
}

/// Opens a store through the model cache (see `engine::cache`) for a question about the scope `pick`
/// chooses, showing how far a cold load is on a terminal (a big store takes a while).
fn open_with_progress(
    path: &Path,
    pick: impl Fn(&Model) -> kpiscope::Result<Scope>,
) -> Result<(engine::cache::Opened, Scope)> {
    let conn = store::open_read_only(path)?;
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut progress = |f: f64| {
        if tty {
            eprint!("\rloading {} {:>3.0}%", path.display(), f * 100.0);
            let _ = std::io::stderr().flush();
        }
    };
    let (opened, scope) = engine::cache::open_for(engine::cache::dir(), &conn, path, &mut progress, pick)?;
    if tty && !opened.warm {
        eprint!("\r\x1b[2K");
    }
    Ok((opened, scope))
}

fn report_cmd(args: &ScopeArgs, config_path: Option<&Path>, flags_only: bool) -> Result<i32> {
    let mut cfg = Config::load(config_path)?;
    if let Some(s) = args.standard {
        cfg.standard = s;
    }
    let period: Option<Period> = args.period.as_deref().map(str::parse).transpose()?;
    // A report on one scope reads only that scope's parts of a cached model.
    let (opened, scope) = open_with_progress(&args.store, |m| {
        m.resolve_scope(args.seller.as_deref(), args.category.as_deref(), args.product.as_deref())
    })?;
    let model: &Model = &opened.model;
    let now = match &args.as_of {
        Some(d) => time::parse_day(d)
            .ok_or_else(|| kpiscope::Error::usage(format!("--as-of '{d}' is not a date (YYYY-MM-DD)")))?,
        None => model.last_day,
    };
    let ctx = Ctx { model, now, prior_weight: cfg.bayes_prior_weight };
    let flag_range = period.map(|p| p.resolve(now, model.first_day));
    let found = flags::evaluate(ctx, &cfg, scope, flag_range);
    let breach = found.iter().any(|f| f.severity == Severity::Breach);
    let out = if flags_only {
        match args.format {
            Format::Table => report::flags_table(&found, args.all),
            Format::Json => format!("{:#}\n", report::flags_json(&found)),
            Format::Csv => report::flags_csv(&found),
        }
    } else {
        let p = period.unwrap_or(Period::Rolling(90));
        let range = p.resolve(now, model.first_day);
        let card = kpi::scorecard(ctx, &cfg, scope, range, args.compare);
        let meta = ReportMeta {
            store: args.store.display().to_string(),
            standard: cfg.standard.name(),
            period_spec: p.to_string(),
            period_words: p.describe(),
            now,
        };
        match args.format {
            Format::Table => report::report_table(model, &meta, &card, &found) + &report::quality_table(model),
            Format::Json => format!("{:#}\n", report::report_json(model, &meta, &card, &found)),
            Format::Csv => report::report_csv(&card),
        }
    };
    // A reader that stops early (`| head`) is not an error.
    match std::io::stdout().write_all(out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    let _ = std::io::stdout().flush();
    // A cold load is cached once the answer is out: the next report starts from the aggregates. On a big
    // store that takes seconds, so a terminal is told what the wait is.
    if opened.unsaved() {
        let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
        if tty {
            eprint!("saving the aggregates for the next run (model cache)…");
            let _ = std::io::stderr().flush();
        }
        opened.save();
        if tty {
            eprint!("\r\x1b[2K");
        }
    }
    Ok(if flags_only && breach { 1 } else { 0 })
}

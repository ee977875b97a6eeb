//! Command-line arguments (clap). Each subcommand is a thin front end of the engine; see `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use kpiscope::config::Standard;
use kpiscope::period::Compare;
use kpiscope::report::Format;

#[derive(Debug, Parser)]
#[command(name = "kpiscope", version, about = "Explore marketplace seller KPIs offline, from a local SQLite store")]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Store to explore (default: the demo store in your data directory, generated on first run)
    pub store: Option<PathBuf>,
    /// Config file (default: ~/.config/kpiscope/config.toml when it exists)
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Explorer theme: dark, light or mono (NO_COLOR forces mono)
    #[arg(long)]
    pub theme: Option<String>,
    /// Leave the mouse to the terminal (text selection) instead of capturing clicks and scrolling
    #[arg(long)]
    pub no_mouse: bool,
    /// Threshold profile for the explorer (overrides the config's)
    #[arg(long, value_enum)]
    pub standard: Option<Standard>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty store (schema v1)
    Init { store: PathBuf },
    /// Upgrade an older store to this build's schema, after writing a backup next to it
    Migrate { store: PathBuf },
    /// Roll back what an interrupted write (a killed import) left behind, and check the store's integrity
    Recover { store: PathBuf },
    /// Generate a deterministic demo store with planted problems, and its aggregates in the cache directory
    Demo {
        store: PathBuf,
        /// Number of orders (about 200,000 by default; 10,000,000 works too)
        #[arg(long, default_value_t = 200_000)]
        orders: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Replace STORE if it exists
        #[arg(long)]
        force: bool,
    },
    /// The KPIs of a scope over a period, with comparison, peers, status and flags
    Report(ScopeArgs),
    /// The red flags of a scope; exit status 1 when any breach is found
    Flags(ScopeArgs),
    /// Show the configuration
    Config {
        /// Print the default configuration, with the source of every threshold
        #[arg(long)]
        print_default: bool,
        /// Standard whose defaults to print
        #[arg(long, value_enum)]
        standard: Option<Standard>,
    },
    /// Print the KPI catalogue as Markdown (docs/kpis.md is this output)
    Catalogue,
    /// Import exports into a store (created if needed), in one transaction
    Import {
        store: PathBuf,
        #[arg(long, value_enum)]
        format: kpiscope::import::Format,
        /// Files to import
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Seller the rows belong to (formats without a seller column)
        #[arg(long)]
        seller: Option<String>,
        /// ISO 4217 code of the money columns (formats without a currency column)
        #[arg(long, default_value = "USD")]
        currency: String,
        /// Which header holds a role, e.g. --column order="Bestellnummer" (repeatable)
        #[arg(long = "column", value_name = "ROLE=HEADER")]
        columns: Vec<String>,
        /// Read and check everything, write nothing
        #[arg(long)]
        dry_run: bool,
        /// Stop at the first row that cannot be read
        #[arg(long)]
        strict: bool,
    },
    /// Write every table of a store as CSV (the kpiscope set that `import --format kpiscope` reads)
    Export { store: PathBuf, dir: PathBuf },
    /// Append plausible new orders, shipments, reviews and returns to a store, as another program would
    Simulate {
        store: PathBuf,
        /// Orders per second
        #[arg(long, default_value_t = 2.0)]
        rate: f64,
        /// Stop after this many orders (default: run until interrupted)
        #[arg(long)]
        count: Option<u64>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Args)]
pub struct ScopeArgs {
    pub store: PathBuf,
    /// Seller id (ref) or name
    #[arg(long)]
    pub seller: Option<String>,
    /// Category name
    #[arg(long)]
    pub category: Option<String>,
    /// Product id (ref)
    #[arg(long)]
    pub product: Option<String>,
    /// 7d, 30d, 90d, 365d, mtd, qtd, ytd, all, 2024, 2024-Q1, 2024-03, 2024-03-01..2024-05-31 [report default: 90d; flags default: each rule's own window]
    #[arg(long)]
    pub period: Option<String>,
    #[arg(long, value_enum, default_value_t = Compare::Prev)]
    pub compare: Compare,
    /// "Now" (YYYY-MM-DD); default: the store's latest activity
    #[arg(long)]
    pub as_of: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// List low-confidence flags too (tables only; JSON and CSV always have them)
    #[arg(long)]
    pub all: bool,
    /// Threshold profile (overrides the config's)
    #[arg(long, value_enum)]
    pub standard: Option<Standard>,
}

//! The `kpiscope` binary: parses the command line, sets up logging to a file, and hands over to the
//! command. Errors are printed as one clear message with exit status 2 (`flags` uses 1 for "breach found").

mod cli;
mod commands;
mod explore;
mod logging;

use clap::Parser;

fn main() {
    kpiscope::memory::one_arena();
    let cli = cli::Cli::parse();
    let _ = color_eyre::install();
    let _log = logging::init();
    let code = match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("kpiscope: {e:#}");
            2
        }
    };
    std::process::exit(code);
}

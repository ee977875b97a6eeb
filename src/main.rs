//! The `kpiscope` binary: parses the command line, sets up logging to a file, and hands over to the
//! command. Errors are printed as one clear message with exit status 2 (`flags` uses 1 for "breach found").

mod cli;
mod commands;
mod explore;
mod logging;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    // One arena keeps the explorer's and the loads' peaks down; the demo's generator, writer and follower
    // all allocate at once, and one arena's lock made them wait for each other (10M demo: 84 s with it).
    if !matches!(cli.command, Some(cli::Command::Demo { .. })) {
        kpiscope::memory::one_arena();
    }
    let _ = color_eyre::install();
    let log = logging::init();
    let code = match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("kpiscope: {e:#}");
            2
        }
    };
    // `exit` runs no destructors: the log's last lines (this error, a command's last warnings) are written
    // out first.
    drop(log);
    std::process::exit(code);
}

//! Logs go to a file (`$XDG_STATE_HOME/kpiscope/kpiscope.log` or the cache directory), never to the
//! terminal: the explorer owns the screen. `KPISCOPE_LOG` sets the filter (default `info`).

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts file logging; returns the guard that flushes it on drop, or `None` when no log file can be made.
pub fn init() -> Option<WorkerGuard> {
    let dirs = directories::ProjectDirs::from("", "", "kpiscope")?;
    let dir = dirs.state_dir().unwrap_or(dirs.cache_dir()).to_path_buf();
    std::fs::create_dir_all(&dir).ok()?;
    let file = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("kpiscope.log")).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("KPISCOPE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_writer(writer).with_ansi(false).with_env_filter(filter).try_init().ok()?;
    Some(guard)
}

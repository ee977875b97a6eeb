//! The explorer in a real terminal: raw mode and the alternate screen (mouse capture unless `--no-mouse`),
//! restored on quit, on error, on panic and on SIGTERM/SIGHUP, and given back to the shell on Ctrl-Z or SIGTSTP
//! (the screen comes back whole on `fg`); an input thread and a 250 ms tick feed the event loop; the worker
//! thread owns the store.

use std::io::stdout;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use color_eyre::eyre::{Result, eyre};
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, KeyEventKind};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use kpiscope::config::Config;
use kpiscope::demo::DemoOptions;
use kpiscope::ui::theme::Theme;
use kpiscope::ui::worker::{self, Source};
use kpiscope::ui::{Action, App, Event, keys};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub struct ExploreOptions {
    pub store: Option<PathBuf>,
    pub theme: Option<String>,
    pub no_mouse: bool,
    pub config: Config,
}

/// The demo store in the user's data directory (`~/.local/share/kpiscope/demo.db`).
pub fn default_store() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "kpiscope")
        .ok_or_else(|| eyre!("no home directory to keep the demo store in"))?;
    Ok(dirs.data_dir().join("demo.db"))
}

fn restore(mouse: bool) {
    let _ = disable_raw_mode();
    if mouse {
        let _ = execute!(stdout(), DisableMouseCapture);
    }
    let _ = execute!(stdout(), LeaveAlternateScreen, crossterm::cursor::Show);
}

fn enter(mouse: bool) -> std::io::Result<()> {
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen)?;
    if mouse {
        execute!(stdout(), EnableMouseCapture)?;
    }
    Ok(())
}

/// Ctrl-Z: the terminal goes back to the shell as it was, the process stops (as SIGTSTP's default would stop
/// it), and when the shell's `fg` continues it the explorer takes the terminal again. This runs on the main
/// thread, between frames, so nothing is drawing while the terminal is handed over.
fn suspend(mouse: bool) -> Result<(), String> {
    restore(mouse);
    tracing::info!("suspended");
    signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGTSTP).map_err(|e| e.to_string())?;
    tracing::info!("resumed");
    enter(mouse).map_err(|e| e.to_string())
}

/// Runs the explorer; the exit status is 0, or 128 + the signal that ended it (SIGTERM, SIGHUP).
pub fn explore(opts: ExploreOptions) -> Result<i32> {
    let (path, demo) = match opts.store {
        Some(p) => {
            if !p.exists() {
                return Err(kpiscope::Error::Missing { path: p }.into());
            }
            (p, None)
        }
        None => (default_store()?, Some(DemoOptions::default())),
    };
    let cfg = opts.config;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme_name = opts.theme.or_else(|| cfg.ui.theme.clone()).unwrap_or_else(|| "dark".into());
    let theme = Theme::named(&theme_name, no_color)
        .ok_or_else(|| eyre!("unknown theme '{theme_name}': use dark, light or mono"))?;
    let cmds = keys::with_overrides(keys::default_commands(), &cfg.ui.keys).map_err(|e| eyre!(e))?;
    let mouse = !opts.no_mouse && cfg.ui.mouse.unwrap_or(true);
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let source = Source { path, demo, config: cfg.clone(), cache: kpiscope::engine::cache::dir() };
    let mut app = App::new(name, cfg, cmds, theme);
    app.mouse = mouse;

    let (tx, rx) = mpsc::channel::<Event>();
    let (req_tx, req_rx) = mpsc::channel();
    let (act_tx, act_rx) = mpsc::channel::<Action>();
    let worker = worker::spawn(source, req_rx, act_tx);
    let fwd = tx.clone();
    std::thread::spawn(move || {
        for a in act_rx {
            if fwd.send(Event::Action(a)).is_err() {
                break;
            }
        }
    });
    // SIGTERM and SIGHUP end the loop like `q`, so the terminal is restored on the way out.
    // SIGTSTP from outside (`kill -TSTP`) suspends like Ctrl-Z, so the shell gets a working terminal back.
    let (term, hup) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let tstp = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&term))?;
    signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&hup))?;
    signal_hook::flag::register(signal_hook::consts::SIGTSTP, Arc::clone(&tstp))?;
    let ticks = tx.clone();
    let (t, h) = (Arc::clone(&term), Arc::clone(&hup));
    std::thread::spawn(move || {
        for n in 0u64.. {
            // A signal is looked at every 50 ms; a tick goes out every 250 ms.
            std::thread::sleep(Duration::from_millis(50));
            let stop = t.load(Ordering::Relaxed) || h.load(Ordering::Relaxed);
            let pause = tstp.swap(false, Ordering::Relaxed);
            if !stop && !pause && n % 5 != 4 {
                continue;
            }
            let a = if stop {
                Action::Quit
            } else if pause {
                Action::Suspend
            } else {
                Action::Tick
            };
            if ticks.send(Event::Action(a)).is_err() {
                break;
            }
        }
    });
    let input = tx;
    // The input thread stops reading once the explorer quits: keys typed while it writes its ledger cache
    // are the shell's (it looks every 50 ms).
    let reading = Arc::new(AtomicBool::new(true));
    let still = Arc::clone(&reading);
    std::thread::spawn(move || {
        while still.load(Ordering::Relaxed) {
            match event::poll(Duration::from_millis(50)) {
                Ok(true) if still.load(Ordering::Relaxed) => {}
                Ok(_) => continue,
                Err(_) => break,
            }
            let Ok(ev) = event::read() else { break };
            let e = match ev {
                event::Event::Key(k) if k.kind != KeyEventKind::Release => Event::Key(k),
                event::Event::Mouse(m) => Event::Mouse(m),
                event::Event::Resize(w, h) => Event::Resize(w, h),
                _ => continue,
            };
            if input.send(e).is_err() {
                break;
            }
        }
    });

    let prev_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A background thread's panic goes to the log only: the worker turns it into an error screen, and
        // nothing may be printed over the explorer. The main thread's gives the terminal back first.
        if std::thread::current().name() != Some("main") {
            tracing::error!("panic: {info}");
            return;
        }
        restore(mouse);
        prev_hook(info);
    }));
    if let Err(e) = enter(mouse) {
        restore(mouse);
        return Err(e.into());
    }
    let result = Terminal::new(CrosstermBackend::new(stdout()))
        .map_err(|e| e.to_string())
        .and_then(|mut terminal| kpiscope::ui::run(&mut terminal, &mut app, &rx, &req_tx, &mut |_| suspend(mouse)));
    reading.store(false, Ordering::Relaxed);
    restore(mouse);
    if app.following {
        wait_for_ledger_cache(&worker);
    }
    result.map_err(|e| eyre!("terminal: {e}"))?;
    if let Some(err) = app.error {
        return Err(eyre!(err));
    }
    if term.load(Ordering::Relaxed) {
        return Ok(128 + signal_hook::consts::SIGTERM);
    }
    if hup.load(Ordering::Relaxed) {
        return Ok(128 + signal_hook::consts::SIGHUP);
    }
    Ok(0)
}

/// The worker writes its ledger to the ledger cache when it stops, so that the next start follows the store
/// without loading it again (a few seconds at 10M orders). Waited for, at most `SAVE_WAIT`, when the worker
/// follows the store; one still loading it has nothing to write and is not waited for.
fn wait_for_ledger_cache(worker: &std::thread::JoinHandle<()>) {
    const SAVE_WAIT: Duration = Duration::from_secs(15);
    let started = std::time::Instant::now();
    let mut said = false;
    while !worker.is_finished() && started.elapsed() < SAVE_WAIT {
        if !said && started.elapsed() > Duration::from_millis(300) {
            eprintln!("kpiscope: saving the store's state for the next start…");
            said = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

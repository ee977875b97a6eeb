//! The event loop: one channel brings keys, mouse, resizes, worker results and ticks; each becomes an
//! `Action` for `App::update`; the screen is redrawn only when something changed, once per burst of
//! events. Generic over the ratatui `Backend`: the real terminal and tests' `TestBackend` run the same loop.

use std::sync::mpsc::{Receiver, Sender};

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::layout::Rect;

use super::action::Action;
use super::app::App;
use super::render;
use super::worker::Request;

pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Action(Action),
}

/// Applies one event; returns whether the screen needs redrawing.
pub fn handle(app: &mut App, event: Event) -> bool {
    let action = match event {
        Event::Key(k) => app.key_action(&k),
        Event::Mouse(m) if app.mouse => match m.kind {
            MouseEventKind::Down(_) => Some(Action::Click(m.column, m.row)),
            MouseEventKind::ScrollUp => Some(Action::ScrollUp),
            MouseEventKind::ScrollDown => Some(Action::ScrollDown),
            _ => None,
        },
        Event::Mouse(_) => None,
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        Event::Action(a) => Some(a),
    };
    let Some(action) = action else { return false };
    let tick = matches!(action, Action::Tick);
    let had_notice = app.notice.is_some();
    app.update(action);
    !tick || had_notice != app.notice.is_some()
}

/// Runs until the user quits or the event channel closes. `suspend` is called on Ctrl-Z: it gives the
/// terminal back, stops the process and returns once resumed, after which the whole screen is redrawn.
pub fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    events: &Receiver<Event>,
    worker: &Sender<Request>,
    suspend: &mut dyn FnMut(&mut Terminal<B>) -> Result<(), String>,
) -> Result<(), String> {
    let size = terminal.size().map_err(|e| e.to_string())?;
    app.update(Action::Resize(size.width, size.height));
    terminal.draw(|f| render::draw(f, app)).map_err(|e| e.to_string())?;
    while let Ok(first) = events.recv() {
        let mut dirty = handle(app, first);
        while !app.quit {
            match events.try_recv() {
                Ok(e) => dirty |= handle(app, e),
                Err(_) => break,
            }
        }
        for r in app.outbox.drain(..) {
            let _ = worker.send(r);
        }
        if app.quit {
            let _ = worker.send(Request::Stop);
            break;
        }
        if app.suspend {
            app.suspend = false;
            suspend(terminal)?;
            // Not `Terminal::clear`: it asks the terminal where the cursor is, and the input thread holds the
            // terminal's reader, so that answer would wait 2 s and fail. A resize clears without asking.
            let size = terminal.size().map_err(|e| e.to_string())?;
            terminal.resize(Rect::new(0, 0, size.width, size.height)).map_err(|e| e.to_string())?;
            app.update(Action::Resize(size.width, size.height));
            dirty = true;
        }
        if dirty {
            terminal.draw(|f| render::draw(f, app)).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

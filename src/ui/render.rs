//! Drawing the explorer from `&App`. The screen:
//!
//! ```text
//! ┌──────────────────────────────────────────────────────────────────────────────┐
//! │ kpiscope · demo.db  All sellers › Lumen Home  Last 90 days vs previous 90  ● live │ header (1 row)
//! │ 1 Overview  2 Sellers  3 Products  4 Periods  5 Flags                          │ tabs   (1 row)
//! │                                                                              │
//! │   the view: KPI tiles, a table, or the product page                          │ body
//! │                                                                              │
//! │ ⏎ open  esc back  tab next-view  p period-next  c compare  ? help  q quit    │ footer (1 row)
//! └──────────────────────────────────────────────────────────────────────────────┘
//! ```
//! The help overlay and the loading gauge are drawn over the body.

mod gauge;
mod overview;
mod product;
mod quality;
mod table;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Row, Table as TableWidget, Wrap};

use super::action::View;
use super::app::{App, InputKind};
use super::keys;

/// The screen row of the tabs.
pub const TABS_ROW: u16 = 1;
/// The screen row of a table's first data row (under the header, the tabs and the table's own header).
pub const TABLE_FIRST_ROW: u16 = 3;

/// Where each tab is drawn on its row: (first column, width, view). One space, then " n Title " and a space
/// for each view.
pub fn tab_spans() -> Vec<(u16, u16, View)> {
    let mut col = 1u16;
    View::ALL
        .iter()
        .map(|&v| {
            let w = v.title().len() as u16 + 4;
            let span = (col, w, v);
            col += w + 1;
            span
        })
        .collect()
}

/// The smallest size at which everything fits.
pub const MIN_SIZE: (u16, u16) = (80, 24);
/// Said wherever red flags are shown while those of a refreshed model are being evaluated (`App::judging`):
/// the flags on screen are the previous model's.
const RECHECKING: &str = "re-checking after the last change…";

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let [header, tabs_row, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)])
            .areas(area);
    draw_header(frame, app, header);
    draw_tabs(frame, app, tabs_row);
    draw_footer(frame, app, footer);
    if let Some(err) = &app.error {
        let p = Paragraph::new(format!("kpiscope cannot show this store:\n\n{err}\n\nq quits."))
            .style(app.theme.bad)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" Error "));
        frame.render_widget(p, body);
        return;
    }
    match (&app.model, &app.loading) {
        (None, Some((what, frac))) => draw_loading(frame, app, body, what, *frac),
        (None, None) => {}
        (Some(_), _) => match app.view {
            View::Overview => overview::draw(frame, app, body),
            _ => table::draw(frame, app, body),
        },
    }
    if app.help {
        draw_help(frame, app, body);
    }
    if app.quality {
        quality::draw(frame, app, body);
    }
}

fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let live = match (&app.stale, app.frozen, &app.model) {
        (_, _, None) => Span::styled("○ loading", t.dim),
        (Some(st), _, _) => Span::styled(format!("◌ stale since {} ({})", clock(st.since), st.why), t.warn),
        (None, true, _) => Span::styled("‖ frozen", t.warn),
        (None, false, _) if !app.following => match app.loading.as_ref() {
            // The ledger the last session left, read and caught up: no share to show.
            Some((what, _)) if what == crate::ui::worker::CATCHING_UP => Span::styled("◐ cached · catching up", t.dim),
            loading => {
                let done = loading.map_or(String::new(), |(_, f)| format!(" {:.0}%", f * 100.0));
                Span::styled(format!("◐ cached · reading the store{done}"), t.dim)
            }
        },
        (None, false, _) => Span::styled("● live", t.good),
    };
    let mut spans = vec![
        Span::styled(" kpiscope", t.accent),
        // The store's name goes when space is short: the scope and the period matter more.
        Span::styled(if area.width >= 100 { format!(" · {}  ", app.store_name) } else { "  ".into() }, t.dim),
        Span::styled(app.breadcrumb(), t.title),
        Span::raw("  "),
        Span::styled(app.period_words(), t.text),
        Span::raw("  "),
        live,
    ];
    if let Some(n) = app.model.as_ref().map(|m| m.quality.len()).filter(|&n| n > 0) {
        spans.push(Span::styled(format!("  ⚠ data: {n} (D)"), t.warn));
    }
    if area.width < MIN_SIZE.0 || app.size.1 < MIN_SIZE.1 {
        spans.push(Span::styled(format!("  (small terminal: {}×{} shows more)", MIN_SIZE.0, MIN_SIZE.1), t.warn));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut spans = vec![Span::raw(" ")];
    for (_, _, v) in tab_spans() {
        let label = format!(" {} {} ", v.index() + 1, v.title());
        let style = if v == app.view { t.selected.patch(t.accent) } else { t.dim };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let line = if let Some((kind, text)) = &app.input {
        let label = match kind {
            InputKind::Filter => " filter: ",
            InputKind::Jump => " jump to: ",
        };
        Line::from(vec![
            Span::styled(label, t.accent),
            Span::styled(format!("{text}▏"), t.title),
            Span::styled("   ⏎ done  esc cancel", t.dim),
        ])
    } else if let Some((text, _)) = &app.notice {
        Line::from(Span::styled(format!(" {text}"), t.accent))
    } else {
        let mut spans = vec![Span::raw(" ")];
        for (key, name) in keys::hints(&app.cmds, app.view) {
            spans.push(Span::styled(key, t.accent));
            spans.push(Span::styled(format!(" {name}  "), t.dim));
        }
        let filter = app.table_state().filter;
        if !filter.is_empty() && app.view != View::Overview {
            spans.push(Span::styled(format!("[filter: {filter}]"), t.warn));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_loading(frame: &mut Frame, app: &App, area: Rect, what: &str, frac: f64) {
    let [_, mid, _] = Layout::vertical([Constraint::Fill(1), Constraint::Length(3), Constraint::Fill(1)]).areas(area);
    let [_, mid, _] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Percentage(60), Constraint::Fill(1)]).areas(mid);
    let gauge = Gauge::default()
        .block(Block::bordered().title(format!(" {what}… ")))
        .gauge_style(app.theme.accent)
        .ratio(frac.clamp(0.0, 1.0))
        .label(format!("{:.0}%", frac * 100.0));
    frame.render_widget(gauge, mid);
}

fn draw_help(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let lines = keys::help(&app.cmds);
    let height = (lines.len() as u16 + 4).min(area.height);
    let width = 100.min(area.width);
    let r = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    frame.render_widget(Clear, r);
    let rows = lines.into_iter().map(|(k, help, ctx)| {
        Row::new(vec![
            Span::styled(k, t.accent),
            Span::styled(help.to_string(), t.text),
            Span::styled(ctx.to_string(), t.dim),
        ])
    });
    let table = TableWidget::new(rows, [Constraint::Length(20), Constraint::Min(30), Constraint::Length(8)]).block(
        Block::default().borders(Borders::ALL).title(" Keys (? or esc closes) ").title_bottom(
            Line::from(" mouse: click tabs and rows, wheel scrolls; --no-mouse to select text ").style(t.dim),
        ),
    );
    frame.render_widget(table, r);
}

/// Clips text to a width in characters, with an ellipsis.
pub(crate) fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Text safe for the terminal, by the engine's one rule (`engine::text`). Store text is already cleaned when
/// loaded; this also covers what is composed from it (flag messages, notices).
pub(crate) fn safe(s: &str) -> String {
    crate::engine::text::clean(s, usize::MAX)
}

pub(crate) fn styled(text: impl Into<String>, style: Style) -> Span<'static> {
    Span::styled(text.into(), style)
}

/// A wall-clock time of day, local when the time zone is known.
fn clock(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.with_timezone(&chrono::Local).format("%H:%M:%S").to_string())
        .unwrap_or_else(|| "?".into())
}

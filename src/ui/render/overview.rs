//! The Overview: a grid of KPI tiles (value, change ▲/▼, band gauge with the peers' median, daily
//! sparkline), the service grade and the top red flags; for a product, its page below the tiles.
//!
//! ```text
//! ┌Net sales ─────────────┐┌Orders ────────────────┐┌ ... (as many columns as fit, 30 wide)
//! │460,350.87 USD ▲ +11.1%││9,019 ▲ +11.6%         │
//! │▁▂▃▅▆▇█▇▆▅▃▂▁▂▃▄▅▆▇█▇▆ ││▁▂▃▅▆▇█▇▆▅▃▂▁▂▃▄▅▆▇█▇▆ │   sparkline
//! │██████░░░░┃░░▒▒▒▓▓▓▓▓▓ ││                       │   gauge (rates with a band)
//! │peers 59,899.03        ││peers 1,653            │
//! └───────────────────────┘└───────────────────────┘
//! Service grade: good · bad experience 5.2% (469 of 9,019 orders, trailing 90 days)
//! Top red flags ...                                   (or the product page)
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Sparkline};

use super::gauge::BandGauge;
use super::{clip, product, styled};
use crate::config::Status;
use crate::flags::Severity;
use crate::ui::app::App;
use crate::ui::data::Tile;
use crate::ui::theme::{Theme, mark};

const TILE_W: u16 = 30;
const TILE_H: u16 = 6;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let tiles = &app.shown.tiles;
    let cols = (area.width / TILE_W).max(1) as usize;
    let product_page = app.shown.product.is_some();
    // Leave room under the tiles: 4 rows for grade and flags, more for a product's page.
    let reserve = if product_page { area.height / 2 } else { 5.min(area.height / 3) };
    let fit_rows = ((area.height.saturating_sub(reserve)) / TILE_H).max(1) as usize;
    let rows = tiles.len().div_ceil(cols).min(fit_rows);
    let shown = (rows * cols).min(tiles.len());
    let grid_h = rows as u16 * TILE_H;
    let [grid, rest] = Layout::vertical([Constraint::Length(grid_h), Constraint::Min(0)]).areas(area);
    let w = grid.width / cols as u16;
    for (i, tile) in tiles.iter().take(shown).enumerate() {
        let r = Rect {
            x: grid.x + (i % cols) as u16 * w,
            y: grid.y + (i / cols) as u16 * TILE_H,
            width: w,
            height: TILE_H,
        };
        draw_tile(frame, &app.theme, tile, r);
    }
    let mut lines = Vec::new();
    if shown < tiles.len() {
        lines.push(Line::from(styled(
            format!(" +{} more tiles: enlarge the terminal to see them", tiles.len() - shown),
            app.theme.dim,
        )));
    }
    if product_page {
        let [note, page] = Layout::vertical([Constraint::Length(lines.len() as u16), Constraint::Min(0)]).areas(rest);
        frame.render_widget(Paragraph::new(lines), note);
        product::draw(frame, app, page);
        return;
    }
    grade_and_flags(app, &mut lines, rest.height as usize);
    frame.render_widget(Paragraph::new(lines), rest);
}

fn draw_tile(frame: &mut Frame, t: &Theme, tile: &Tile, r: Rect) {
    let mut title = vec![styled(tile.name, t.title)];
    if tile.status != Status::NotApplicable {
        title.push(styled(format!(" {}", mark(tile.status)), t.status(tile.status)));
    }
    let title = Line::from(title);
    let block = Block::bordered().title(title).border_style(t.dim);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let w = inner.width as usize;
    let [value, spark, gauge, peer] = Layout::vertical([Constraint::Length(1); 4]).areas(inner);
    let mut spans = vec![styled(tile.value.clone(), t.status(tile.status).patch(t.title))];
    if let Some((text, good)) = &tile.change {
        let style = match good {
            Some(true) => t.good,
            Some(false) => t.bad,
            None => t.dim,
        };
        spans.push(Span::raw(" "));
        spans.push(styled(text.clone(), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), value);
    if tile.reason.is_some() {
        let why = clip(tile.reason.as_deref().unwrap_or(""), w * 2);
        frame.render_widget(
            Paragraph::new(why).style(t.dim).wrap(ratatui::widgets::Wrap { trim: true }),
            spark.union(gauge),
        );
        return;
    }
    let data: Vec<u64> = tail(&tile.spark, w);
    frame.render_widget(Sparkline::default().data(&data).style(t.accent), spark);
    if let Some(g) = &tile.gauge {
        frame.render_widget(BandGauge { data: g, theme: t }, gauge);
    }
    let peer_text = tile.peer.as_ref().map(|p| format!("peers {p}")).unwrap_or_default();
    frame.render_widget(Paragraph::new(clip(&peer_text, w)).style(t.dim), peer);
}

/// The last `n` values (the sparkline shows the most recent days when the period is longer than the tile).
fn tail(v: &[u64], n: usize) -> Vec<u64> {
    v[v.len().saturating_sub(n)..].to_vec()
}

fn grade_and_flags(app: &App, lines: &mut Vec<Line<'static>>, height: usize) {
    let t = &app.theme;
    if let Some(g) = &app.shown.grade {
        let status = match g.grade {
            "excellent" | "good" => Status::Good,
            "pass" => Status::Warn,
            _ => Status::Bad,
        };
        lines.push(Line::from(vec![
            styled(" Service grade: ", t.title),
            styled(format!("{} {}", mark(status), g.grade), t.status(status)),
            styled(
                format!(
                    " · bad experience {:.1}% ({:.0} of {:.0} orders, trailing 90 days)",
                    g.bad_experience_rate * 100.0,
                    g.bad_orders,
                    g.orders
                ),
                t.dim,
            ),
        ]));
    }
    let Some(m) = app.model.as_deref() else { return };
    let mine: Vec<_> = app
        .flags
        .iter()
        .filter(|f| f.severity != Severity::LowConfidence && crate::ui::data::in_scope(m, app.scope, f))
        .collect();
    let room = height.saturating_sub(lines.len() + 1);
    lines.push(Line::from(vec![
        styled(" Red flags: ", t.title),
        styled(
            format!(
                "{} (5 lists them all){}",
                crate::flags::count_words(&mine.iter().map(|f| f.severity).collect::<Vec<_>>()),
                if app.judging { format!(" · {}", super::RECHECKING) } else { String::new() }
            ),
            t.dim,
        ),
    ]));
    for f in mine.into_iter().take(room) {
        let (sym, style) = match f.severity {
            Severity::Breach => ("✗", t.bad),
            _ => ("!", t.warn),
        };
        lines.push(Line::from(vec![
            styled(format!("  {sym} "), style),
            styled(super::safe(&clip(&f.message, usize::from(app.size.0).saturating_sub(6))), t.text),
        ]));
    }
}

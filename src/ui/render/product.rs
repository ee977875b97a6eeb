//! A product's page under its tiles: the units trend with the comparison period, the rating distribution,
//! the return reasons, and the most recent reviews (fetched by the worker).
//!
//! ```text
//! ┌Units per day (▬ period, ┈ comparison)──┐┌Red flags (when it has any)───────────┐
//! │ chart                                  │├Recent reviews────────────────────────┤
//! │ chart                                  ││★★★★★ 2026-10-30 ▣ Love it…           │
//! ├Ratings─────────────┬Return reasons─────┤│★★☆☆☆ 2026-10-28  Broke after two…    │
//! │5★ ████████ 120     │defective  12      ││                                      │
//! └────────────────────┴───────────────────┘└──────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph};

use super::{clip, safe, styled};
use crate::flags::Severity;
use crate::time;
use crate::ui::app::App;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let Some(extra) = &app.shown.product else { return };
    let t = &app.theme;
    let [left, right] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let [chart_area, bottom] = Layout::vertical([Constraint::Percentage(55), Constraint::Min(0)]).areas(left);
    let [stars_area, reasons_area] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);

    let max_y = extra.trend.iter().chain(&extra.trend_compare).map(|p| p.1).fold(1.0, f64::max);
    let max_x = extra.trend.len().max(1) as f64;
    let mut sets = vec![
        Dataset::default()
            .name("period")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.accent)
            .data(&extra.trend),
    ];
    if !extra.trend_compare.is_empty() {
        sets.push(
            Dataset::default()
                .name("comparison")
                .marker(Marker::Dot)
                .graph_type(GraphType::Line)
                .style(t.dim)
                .data(&extra.trend_compare),
        );
    }
    let chart = Chart::new(sets)
        .block(Block::bordered().title(" Units per day ").border_style(t.dim))
        .x_axis(Axis::default().bounds([0.0, max_x]).style(t.dim))
        .y_axis(Axis::default().bounds([0.0, max_y]).labels(["0".to_string(), format!("{max_y:.0}")]).style(t.dim));
    frame.render_widget(chart, chart_area);

    let total: i64 = extra.stars.iter().sum();
    let bar_w = usize::from(stars_area.width.saturating_sub(12)).max(1);
    let star_lines: Vec<Line> = (0..5)
        .rev()
        .map(|i| {
            let n = extra.stars[i];
            let len = if total > 0 { (n as usize * bar_w).div_ceil(total as usize) } else { 0 };
            Line::from(vec![
                styled(format!("{}★ ", i + 1), t.title),
                styled(
                    "█".repeat(len.min(bar_w)),
                    if i >= 3 {
                        t.good
                    } else if i == 2 {
                        t.warn
                    } else {
                        t.bad
                    },
                ),
                styled(format!(" {n}"), t.dim),
            ])
        })
        .collect();
    frame.render_widget(
        Paragraph::new(star_lines).block(Block::bordered().title(" Ratings (all time) ").border_style(t.dim)),
        stars_area,
    );

    let reason_lines: Vec<Line> = if extra.reasons.is_empty() {
        vec![Line::from(styled("no returns", t.dim))]
    } else {
        extra
            .reasons
            .iter()
            .map(|(r, n)| {
                let w = usize::from(reasons_area.width.saturating_sub(2));
                let count = n.to_string();
                let name = clip(&safe(r), w.saturating_sub(count.len() + 1));
                let pad = w.saturating_sub(name.chars().count() + count.len());
                Line::from(styled(format!("{name}{}{count}", " ".repeat(pad)), t.text))
            })
            .collect()
    };
    frame.render_widget(
        Paragraph::new(reason_lines).block(Block::bordered().title(" Returned units by reason ").border_style(t.dim)),
        reasons_area,
    );

    // The product's own red flags above its reviews.
    let mine: Vec<_> = match (&app.model, app.scope) {
        (Some(m), scope @ crate::engine::Scope::Product(_)) => {
            app.flags.iter().filter(|f| crate::ui::data::in_scope(m, scope, f)).collect()
        }
        _ => Vec::new(),
    };
    let flag_h = if mine.is_empty() { 0 } else { (mine.len() as u16 + 2).min(right.height / 2) };
    let [flags_area, right] = Layout::vertical([Constraint::Length(flag_h), Constraint::Min(0)]).areas(right);
    if !mine.is_empty() {
        let w = usize::from(flags_area.width.saturating_sub(4));
        let lines: Vec<Line> = mine
            .iter()
            .map(|f| {
                let (sym, style) = match f.severity {
                    Severity::Breach => ("✗", t.bad),
                    Severity::Warn => ("!", t.warn),
                    Severity::LowConfidence => ("?", t.dim),
                };
                let what = f.message.split_once(": ").map_or(f.message.as_str(), |(_, w)| w);
                Line::from(vec![styled(format!("{sym} "), style), styled(clip(&safe(what), w), t.text)])
            })
            .collect();
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::bordered()
                    .title(if app.judging {
                        format!(" Red flags, {} ", super::RECHECKING)
                    } else {
                        " Red flags ".into()
                    })
                    .border_style(t.dim),
            ),
            flags_area,
        );
    }
    let width = usize::from(right.width.saturating_sub(2));
    let review_lines: Vec<Line> = match &app.reviews {
        Some((p, rows)) if Some(*p) == product_ix(app) => {
            if rows.is_empty() {
                vec![Line::from(styled("no reviews yet", t.dim))]
            } else {
                rows.iter()
                    .flat_map(|r| {
                        let stars = format!(
                            "{}{}",
                            "★".repeat(r.rating.clamp(0, 5) as usize),
                            "☆".repeat(5 - r.rating.clamp(0, 5) as usize)
                        );
                        let day = time::fmt_day(time::day_of(r.created_at));
                        let body = if r.body.is_empty() { "(no text)".to_string() } else { safe(&r.body) };
                        [
                            Line::from(vec![
                                styled(
                                    stars,
                                    if r.rating >= 4 {
                                        t.good
                                    } else if r.rating == 3 {
                                        t.warn
                                    } else {
                                        t.bad
                                    },
                                ),
                                styled(format!(" {day}"), t.dim),
                                styled(if r.images { " ▣ images" } else { "" }, t.accent),
                                styled(if r.seller_feedback { " (seller feedback)" } else { "" }, t.dim),
                            ]),
                            Line::from(styled(format!("  {}", clip(&body, width.saturating_sub(2))), t.text)),
                        ]
                    })
                    .collect()
            }
        }
        _ => vec![Line::from(styled("loading reviews…", t.dim))],
    };
    frame.render_widget(
        Paragraph::new(review_lines).block(Block::bordered().title(" Recent reviews ").border_style(t.dim)),
        right,
    );
}

fn product_ix(app: &App) -> Option<u32> {
    match app.scope {
        crate::engine::Scope::Product(p) => Some(p),
        _ => None,
    }
}

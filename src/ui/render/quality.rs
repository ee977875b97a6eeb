//! The data-quality panel (`D`): a popup over the view listing what in the store breaks kpiscope's
//! assumptions, how often, one example, and what the engine does about it.
//!
//! ┌ Data quality (D or esc closes) ──────────────────────────────┐
//! │   count  what                                                │
//! │          e.g. example                                        │
//! │          → what kpiscope does                                │
//! └──────────────────────────────────────────────────────────────┘

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::report::format::group_thousands;
use crate::ui::App;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let issues = app.model.as_ref().map(|m| m.quality.issues()).unwrap_or_default();
    let mut lines = Vec::new();
    if issues.is_empty() {
        lines.push(Line::from(Span::styled(" Nothing found: every row met kpiscope's assumptions.", t.good)));
    }
    for i in &issues {
        lines.push(Line::from(vec![
            Span::styled(format!(" {:>9}  ", group_thousands(i.count as i64)), t.warn),
            Span::styled(i.what.clone(), t.text),
        ]));
        lines.push(Line::from(Span::styled(format!("            e.g. {}", i.example), t.dim)));
        lines.push(Line::from(Span::styled(format!("            → {}", i.effect), t.dim)));
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = 100.min(area.width);
    let r = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    frame.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Data quality (D or esc closes) ")
        .title_bottom(Line::from(" each case is explained in docs/data-quality.md ").style(t.dim));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), r);
}

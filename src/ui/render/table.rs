//! Tables (Sellers, Products, Periods, Flags): a header with the sort mark, rows from the App's filtered
//! and sorted order, status cells with a symbol and colour, the selection in reversed video, and a
//! position line ("12 of 240 · sorted by Late ▼ · filter: lamp").

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell as TCell, Paragraph, Row, Table};

use super::{clip, safe, styled};
use crate::ui::app::App;
use crate::ui::theme::mark;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let table = &app.shown.table;
    let st = app.table_state();
    let [head, body, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let widths: Vec<Constraint> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i + 1 == table.columns.len() && !c.right {
                Constraint::Min(c.width)
            } else {
                Constraint::Length(c.width)
            }
        })
        .collect();
    let header_cells: Vec<TCell> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let arrow = match st.sort {
                Some((s, true)) if s == i => "▼",
                Some((s, false)) if s == i => "▲",
                _ => "",
            };
            let text = format!("{}{arrow}", c.title);
            let text = if c.right { format!("{text:>w$}", w = c.width as usize) } else { text };
            TCell::from(styled(text, t.title))
        })
        .collect();
    frame.render_widget(Table::new(vec![Row::new(header_cells)], widths.clone()).column_spacing(1), head);

    let height = usize::from(body.height);
    let rows: Vec<Row> = app
        .shown
        .order
        .iter()
        .enumerate()
        .skip(st.offset)
        .take(height)
        .map(|(pos, &i)| {
            let row = &table.rows[i];
            let cells: Vec<TCell> = row
                .cells
                .iter()
                .zip(&table.columns)
                .map(|(c, col)| {
                    let style = c.status.map_or(t.text, |s| t.status(s));
                    let text = match c.status {
                        Some(s) if col.right && !c.text.is_empty() && c.text != "–" => {
                            format!("{}{}", mark(s), c.text)
                        }
                        _ => c.text.clone(),
                    };
                    let text = clip(&safe(&text), col.width.max(4) as usize * if col.right { 1 } else { 3 });
                    let text = if col.right { format!("{text:>w$}", w = col.width as usize) } else { text };
                    TCell::from(Span::styled(text, style))
                })
                .collect();
            let r = Row::new(cells);
            if pos == st.selected { r.style(t.selected) } else { r }
        })
        .collect();
    frame.render_widget(Table::new(rows, widths).column_spacing(1), body);

    let mut words =
        vec![format!(" {} of {}", if app.shown.order.is_empty() { 0 } else { st.selected + 1 }, app.shown.order.len())];
    if let Some((col, desc)) = st.sort.and_then(|(c, d)| Some((table.columns.get(c)?, d))) {
        words.push(format!("sorted by {} {}", col.title, if desc { "▼" } else { "▲" }));
    }
    if !st.filter.is_empty() {
        words.push(format!("filter: {}", st.filter));
    }
    if app.view == crate::ui::action::View::Flags {
        words.push(if app.breaches_only {
            "breaches only (b: all)".into()
        } else {
            "all flags (b: breaches only)".into()
        });
        words.push("flags use each rule's own window, ending now".into());
    }
    frame.render_widget(Paragraph::new(Line::from(styled(words.join(" · "), t.dim))), status);
}

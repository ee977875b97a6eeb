//! Tables (Sellers, Products, Periods, Flags): a header with the sort mark, rows from the App's filtered
//! and sorted order, status cells with a symbol and colour, the selection in reversed video, and a
//! position line ("12 of 240 · sorted by Late ▼ · filter: lamp").

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell as TCell, Paragraph, Row, Table};

use super::{clip, safe, styled};
use crate::ui::app::App;
use crate::ui::theme::mark;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let table = &app.shown.table;
    let st = app.table_state();
    // (The body starts at render::TABLE_FIRST_ROW on screen: the mouse relies on it.)
    let [head, body, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(area);
    // Columns that fit, left to right (the first always); the status line says how many are hidden.
    let mut used = 0u16;
    let visible = table
        .columns
        .iter()
        .enumerate()
        .take_while(|(i, c)| {
            used += c.width + 1;
            *i == 0 || used <= area.width
        })
        .count();
    let cols = &table.columns[..visible];
    let widths: Vec<Constraint> = cols
        .iter()
        .enumerate()
        .map(
            |(i, c)| {
                if i + 1 == cols.len() && !c.right { Constraint::Min(c.width) } else { Constraint::Length(c.width) }
            },
        )
        .collect();
    let align = |text: String, right: bool, style| {
        let line = Line::from(Span::styled(text, style));
        TCell::from(if right { line.alignment(Alignment::Right) } else { line })
    };
    let header_cells: Vec<TCell> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let arrow = match st.sort {
                Some((s, true)) if s == i => "▼",
                Some((s, false)) if s == i => "▲",
                _ => "",
            };
            align(format!("{}{arrow}", c.title), c.right, t.title)
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
                .zip(cols)
                .map(|(c, col)| {
                    let style = c.status.map_or(t.text, |s| t.status(s));
                    let text = match c.status {
                        Some(s) if col.right && !c.text.is_empty() && c.text != "–" => {
                            format!("{}{}", mark(s), c.text)
                        }
                        _ => c.text.clone(),
                    };
                    align(clip(&safe(&text), usize::from(col.width.max(4)) * 4), col.right, style)
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
    if visible < table.columns.len() {
        words.push(format!("{} columns hidden: widen the terminal", table.columns.len() - visible));
    }
    if app.view == crate::ui::action::View::Flags {
        words.push(if app.breaches_only {
            "breaches only (b: all)".into()
        } else {
            "all flags (b: breaches only)".into()
        });
        words.push("flags use each rule's own window, ending now".into());
    }
    // The Flags table and the flag columns of Sellers and Products are the previous model's meanwhile.
    if app.judging && app.view != crate::ui::action::View::Periods {
        words.push(format!("red flags {}", super::RECHECKING));
    }
    frame.render_widget(Paragraph::new(Line::from(styled(words.join(" · "), t.dim))), status);
}

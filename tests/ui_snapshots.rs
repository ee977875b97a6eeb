//! Every view drawn on a `TestBackend` at 120×40 and 80×24, in the dark and mono themes, on the hand-made
//! store, compared with the snapshots in tests/snapshots (review changes with `cargo insta review`).
//! Styles are checked apart: mono draws no colour at all, and the selection is reversed video in both.

mod common;

use kpiscope::engine::Scope;
use kpiscope::ui::theme::Theme;
use kpiscope::ui::{Action, App, View, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

fn draw(app: &App, size: (u16, u16)) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(size.0, size.1)).expect("terminal");
    t.draw(|f| render::draw(f, app)).expect("draw");
    t
}

fn product_page(theme: Theme, size: (u16, u16)) -> (App, tempfile::TempDir) {
    let (mut app, dir, path) = common::app(theme, size);
    app.update(Action::Show(View::Products));
    app.update(Action::Enter);
    assert_eq!(app.scope, Scope::Product(0));
    let conn = kpiscope::store::open_read_only(&path).expect("open");
    let rows = kpiscope::ui::worker::fetch_reviews(&conn, 1).expect("reviews");
    app.update(Action::Reviews { product: 0, rows });
    (app, dir)
}

#[test]
fn every_view_at_two_sizes_in_two_themes() {
    for (theme_name, theme) in [("dark", Theme::dark()), ("mono", Theme::mono())] {
        for size in [(120, 40), (80, 24)] {
            for view in View::ALL {
                let (mut app, _dir, _) = common::app(theme, size);
                app.update(Action::Show(view));
                let name = format!("{}_{}x{}_{theme_name}", view.title().to_lowercase(), size.0, size.1);
                insta::assert_snapshot!(name, draw(&app, size).backend());
            }
            let (app, _dir) = product_page(theme, size);
            insta::assert_snapshot!(format!("product_{}x{}_{theme_name}", size.0, size.1), draw(&app, size).backend());
        }
    }
}

#[test]
fn help_and_seller_overview() {
    let (mut app, _dir, _) = common::app(Theme::dark(), (120, 40));
    app.update(Action::Show(View::Sellers));
    app.update(Action::Enter);
    insta::assert_snapshot!("seller_overview_120x40", draw(&app, (120, 40)).backend());
    app.update(Action::Help);
    insta::assert_snapshot!("help_120x40", draw(&app, (120, 40)).backend());
}

#[test]
fn mono_has_no_colour_and_selection_is_reversed_everywhere() {
    for theme in [Theme::mono(), Theme::dark()] {
        let (mut app, _dir, _) = common::app(theme, (120, 40));
        app.update(Action::Show(View::Sellers));
        let t = draw(&app, (120, 40));
        let buf = t.backend().buffer();
        let coloured = buf.content().iter().any(|c| c.fg != Color::Reset || c.bg != Color::Reset);
        assert_eq!(coloured, theme.name != "mono", "{}", theme.name);
        // The selected row (first data row, y = 3) is reversed.
        assert!(buf[(2, 3)].modifier.contains(Modifier::REVERSED), "{}", theme.name);
        // Status cells carry a symbol, not only a colour: alpha's late shipments (50%) are marked ✗.
        let row: String = (0..120).map(|x| buf[(x, 3)].symbol().to_string()).collect();
        assert!(row.contains("✗50.0%"), "{row}");
    }
}

#[test]
fn text_from_the_store_cannot_reach_the_terminal() {
    let (mut app, _dir, _) = common::app(Theme::dark(), (120, 40));
    app.update(Action::Show(View::Products));
    app.update(Action::Enter);
    let evil = kpiscope::ui::worker::ReviewRow {
        rating: 1,
        images: false,
        seller_feedback: false,
        body: "bad\x1b]0;pwned\x07\x1b[2Jtext".into(),
        created_at: 1_741_900_000,
    };
    app.update(Action::Reviews { product: 0, rows: vec![evil] });
    let t = draw(&app, (120, 40));
    assert!(t.backend().buffer().content().iter().all(|c| !c.symbol().chars().any(char::is_control)));
}

#[test]
fn data_quality_panel_and_its_header_mark() {
    let (mut app, _dir, _) = common::app(Theme::mono(), (120, 40));
    let mut model = common::handmade_model();
    model.quality.note("rating_out_of_range", || "review 9: rating 7".into());
    model.quality.note("rating_out_of_range", String::new);
    model.quality.note("orphan:order items of an unknown product", || "order item 31 (product 77)".into());
    app.update(kpiscope::ui::worker::loaded(model, &kpiscope::config::Config::default(), 0));
    app.update(Action::Quality);
    insta::assert_snapshot!("data_quality_120x40_mono", draw(&app, (120, 40)).backend());
    // D (or esc) closes it again.
    app.update(Action::Quality);
    assert!(!app.quality);
}

#[test]
fn a_stale_store_is_marked_in_the_header() {
    let (mut app, _dir, _) = common::app(Theme::mono(), (160, 40));
    app.update(Action::Stale { since: 1_700_000_000, why: "another program holds a lock; retrying".into() });
    let t = draw(&app, (160, 40));
    let header: String = (0..160).map(|x| t.backend().buffer()[(x, 0)].symbol().to_string()).collect();
    assert!(header.contains("◌ stale since "), "{header}");
    assert!(header.contains("(another program holds a lock; retrying)"), "{header}");
}

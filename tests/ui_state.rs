//! The explorer's state, driven by `Action`s: drill down, back, sort, filter, period and comparison
//! changes, jump, export, and what each leaves on screen.

mod common;

use kpiscope::engine::Scope;
use kpiscope::ui::theme::Theme;
use kpiscope::ui::{Action, App, View};

fn cells(app: &App, col: usize) -> Vec<String> {
    app.shown.order.iter().map(|&i| app.shown.table.rows[i].cells[col].text.clone()).collect()
}

#[test]
fn drill_down_and_back() {
    let (mut app, _dir, _) = common::app(Theme::dark(), (120, 40));
    assert_eq!(app.breadcrumb(), "All sellers");
    app.update(Action::Show(View::Sellers));
    assert_eq!(cells(&app, 0), vec!["Alpha Goods", "Beta Shop"]);
    app.update(Action::Down);
    app.update(Action::Enter);
    assert_eq!((app.scope, app.view), (Scope::Seller(1), View::Overview));
    assert_eq!(app.breadcrumb(), "All sellers › Beta Shop");
    // Beta's products, then the only one, then its page.
    app.update(Action::Show(View::Products));
    assert_eq!(cells(&app, 0), vec!["B-1"]);
    app.update(Action::Enter);
    assert_eq!(app.scope, Scope::Product(2));
    assert_eq!(app.breadcrumb(), "All sellers › Beta Shop › B-1 Bulb");
    assert!(app.shown.product.is_some(), "product page");
    // The worker is asked for the product's reviews.
    assert!(app.outbox.iter().any(|r| matches!(r, kpiscope::ui::worker::Request::Reviews(2, 3))));
    app.update(Action::Back);
    assert_eq!((app.scope, app.view), (Scope::Seller(1), View::Products));
    app.update(Action::Back);
    assert_eq!((app.scope, app.view), (Scope::Store, View::Sellers));
    // The selection is where it was.
    assert_eq!(app.table_state().selected, 1);
    // With nothing left to go back to, Esc returns to the Overview.
    app.update(Action::Back);
    assert_eq!((app.scope, app.view), (Scope::Store, View::Overview));
}

#[test]
fn sort_filter_and_periods() {
    let (mut app, _dir, _) = common::app(Theme::dark(), (120, 40));
    app.update(Action::Show(View::Products));
    assert_eq!(cells(&app, 0), vec!["A-1", "A-2", "B-1"]);
    // s: by product (ascending), s: by title, s: by units (descending): B-1 sold 6, A-1 3, A-2 3.
    for _ in 0..3 {
        app.update(Action::SortNext);
    }
    assert_eq!(app.table_state().sort, Some((2, true)));
    assert_eq!(cells(&app, 2), vec!["6", "3", "3"]);
    app.update(Action::SortReverse);
    assert_eq!(cells(&app, 0).last().map(String::as_str), Some("B-1"));
    // Fuzzy filter on the first columns: "vse" matches "Vase".
    app.update(Action::StartFilter);
    for c in "vse".chars() {
        app.update(Action::Input(c));
    }
    assert_eq!(cells(&app, 0), vec!["A-2"]);
    app.update(Action::InputCancel);
    assert_eq!(app.shown.order.len(), 3);
    // Periods: 90d → 365d → mtd; the header says which.
    assert_eq!(app.period_words(), "Last 90 days vs previous 90");
    app.update(Action::PeriodNext);
    app.update(Action::Compare);
    assert_eq!(app.period_words(), "Last 365 days vs a year earlier");
    app.update(Action::PeriodNext);
    app.update(Action::Compare);
    assert_eq!(app.period_words(), "Month to date");
    app.update(Action::PeriodPrev);
    app.update(Action::PeriodPrev);
    app.update(Action::PeriodPrev);
    // 30 days: 2025-02-13..2025-03-14 still holds all of March's orders
    assert_eq!(app.period_words(), "Last 30 days");
    app.update(Action::PeriodPrev);
    assert_eq!(app.period_words(), "Last 7 days");
    app.update(Action::Show(View::Sellers));
    // In the 7 days to 03-14 only beta's O8 was placed (alpha had none): orders column.
    assert_eq!(cells(&app, 1), vec!["0", "1"]);
}

#[test]
fn periods_flags_jump_and_export() {
    let (mut app, dir, _) = common::app(Theme::dark(), (120, 40));
    app.update(Action::Show(View::Periods));
    // 90 days in weeks, newest first: the week of 2025-03-10 holds no order; the week of 03-03 holds O3, O4,
    // O6 and O8 (4 paid orders); the week of 02-24 holds O1, O2 and O7.
    let weeks = cells(&app, 0);
    assert_eq!(weeks[0], "2025-03-10");
    assert_eq!(cells(&app, 1)[0..3], ["0".to_string(), "4".into(), "3".into()]);
    app.update(Action::Granularity);
    assert_eq!(cells(&app, 0)[0], "2025-03");
    // Flags: the unanswered dispute and the stock-out are breaches; b keeps only those.
    app.update(Action::Show(View::Flags));
    app.update(Action::BreachesOnly);
    assert_eq!(cells(&app, 1), vec!["RF-AE-DISPUTE", "RF-INV-COVER"]);
    app.update(Action::Down);
    app.update(Action::Enter);
    assert_eq!(app.scope, Scope::Product(2));
    // : jumps by name, fuzzy.
    app.update(Action::StartJump);
    for c in "alpha".chars() {
        app.update(Action::Input(c));
    }
    app.update(Action::InputDone);
    assert_eq!(app.scope, Scope::Seller(0));
    // e writes the table in view.
    app.update(Action::Show(View::Sellers));
    app.update(Action::Export);
    let csv = std::fs::read_to_string(dir.path().join("kpiscope-sellers-2025-03-14.csv")).expect("exported");
    assert!(csv.starts_with("Seller,Orders,Net sales"), "{csv}");
    assert_eq!(csv.lines().count(), 3);
}

#[test]
fn keys_come_from_the_registry() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let (mut app, _dir, _) = common::app(Theme::dark(), (120, 40));
    let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    for (k, view) in
        [('2', View::Sellers), ('3', View::Products), ('4', View::Periods), ('5', View::Flags), ('1', View::Overview)]
    {
        let a = app.key_action(&key(k)).expect("bound");
        app.update(a);
        assert_eq!(app.view, view);
    }
    assert!(matches!(app.key_action(&key('q')), Some(Action::Quit)));
    // While typing a filter, letters are text, not commands.
    app.update(Action::Show(View::Sellers));
    app.update(Action::StartFilter);
    assert!(matches!(app.key_action(&key('q')), Some(Action::Input('q'))));
}

#[test]
fn live_update_swaps_the_model_and_says_what_changed() {
    let (mut app, _dir, path) = common::app(Theme::dark(), (120, 40));
    let conn = kpiscope::store::open_writable(&path).expect("writable");
    let mut sim = kpiscope::simulate::Simulator::new(&conn, &path, 3).expect("sim");
    sim.step(&conn, 12).expect("step");
    let model = kpiscope::engine::open(&path).expect("reload");
    app.update(kpiscope::ui::worker::loaded(model, &kpiscope::config::Config::default(), 5));
    assert_eq!(app.notice.as_ref().map(|n| n.0.as_str()), Some("+12 orders (updated in 5 ms)"));
    let orders = app.shown.tiles.iter().find(|t| t.name == "Orders").expect("tile");
    assert!(orders.value.starts_with("19"), "{}", orders.value);
}

#[test]
fn clicks_pick_tabs_and_rows() {
    let (mut app, _dir, _) = common::app(Theme::dark(), (120, 40));
    // Tabs: " 1 Overview   2 Sellers   3 Products ..." — column 14 is inside " 2 Sellers ".
    app.update(Action::Click(14, 1));
    assert_eq!(app.view, View::Sellers);
    app.update(Action::Click(30, 1));
    assert_eq!(app.view, View::Products);
    app.update(Action::Click(14, 1));
    // Rows start at screen row 3: a click selects, a second click opens.
    app.update(Action::Click(5, 4));
    assert_eq!(app.table_state().selected, 1);
    app.update(Action::Click(5, 4));
    assert_eq!(app.scope, Scope::Seller(1));
}

#[test]
fn ctrl_z_suspends_between_frames_and_redraws_whole() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use kpiscope::ui::Event;
    use ratatui::backend::{Backend, TestBackend};
    let (mut app, _dir, _) = common::app(Theme::dark(), (80, 24));
    app.update(Action::Show(View::Sellers));
    app.update(Action::StartFilter);
    let ctrl_z = KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL);
    // Over the filter's input too: Ctrl-Z is never typed as text.
    assert!(matches!(app.key_action(&ctrl_z), Some(Action::Suspend)));
    let mut terminal = ratatui::Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let (tx, rx) = std::sync::mpsc::channel();
    let (req, _requests) = std::sync::mpsc::channel();
    tx.send(Event::Key(ctrl_z)).expect("send");
    let mut stops = 0;
    kpiscope::ui::run(&mut terminal, &mut app, &rx, &req, &mut |t| {
        stops += 1;
        tx.send(Event::Action(Action::Quit)).expect("send");
        // While stopped, the shell had the screen: nothing of the explorer's is left on it.
        t.backend_mut().clear().map_err(|e| e.to_string())
    })
    .expect("run");
    assert_eq!(stops, 1);
    assert_eq!(app.view, View::Sellers, "the view is kept");
    // Every cell is drawn again, not just the ones that changed since the last frame.
    let mut fresh = ratatui::Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    fresh.draw(|f| kpiscope::ui::render::draw(f, &app)).expect("draw");
    assert_eq!(terminal.backend().buffer(), fresh.backend().buffer());
}

#[test]
fn a_cached_model_says_so_until_the_worker_follows_the_store() {
    use ratatui::backend::TestBackend;
    let (mut app, _dir, path) = common::app(Theme::dark(), (120, 40));
    let header = |app: &App| {
        let mut t = ratatui::Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        t.draw(|f| kpiscope::ui::render::draw(f, app)).expect("draw");
        let buf = t.backend().buffer().clone();
        (0..120).map(|x| buf[(x, 0)].symbol().to_string()).collect::<String>()
    };
    assert!(header(&app).contains("● live"), "{}", header(&app));
    let mut action = kpiscope::ui::worker::loaded(kpiscope::engine::open(&path).expect("open"), &Default::default(), 3);
    if let Action::Loaded { cached, .. } = &mut action {
        *cached = true;
    }
    app.update(action);
    assert!(header(&app).contains("◐ cached · reading the store"), "{}", header(&app));
    app.update(Action::Progress("Loading the store".into(), 0.42));
    assert!(header(&app).contains("◐ cached · reading the store 42%"), "{}", header(&app));
    // Started from the ledger the last session left: it is caught up, not read.
    app.update(Action::Progress(kpiscope::ui::worker::CATCHING_UP.into(), 0.0));
    assert!(header(&app).contains("◐ cached · catching up"), "{}", header(&app));
    app.update(Action::Following);
    assert!(header(&app).contains("● live"), "{}", header(&app));
}

#[test]
fn moving_filtering_and_coming_back_reuse_the_computed_view() {
    let (mut app, _dir, _) = common::app(Theme::dark(), (120, 40));
    app.update(Action::Show(View::Products));
    let rows = app.shown.table.rows.as_ptr();
    app.update(Action::Down);
    app.update(Action::StartFilter);
    app.update(Action::Input('b'));
    assert_eq!(app.shown.table.rows.as_ptr(), rows, "moving and filtering keep the computed rows");
    assert_eq!(cells(&app, 0), vec!["B-1"], "the filter still applies");
    app.update(Action::InputBackspace);
    app.update(Action::InputDone);
    app.update(Action::Show(View::Sellers));
    assert_ne!(app.shown.table.rows.as_ptr(), rows);
    app.update(Action::Show(View::Products));
    assert_eq!(app.shown.table.rows.as_ptr(), rows, "a view seen a moment ago comes back as it was");
}

#[test]
fn the_warm_up_computes_every_periods_store_views_ahead_of_the_keys() {
    use kpiscope::config::Config;
    use kpiscope::kpi::Ctx;
    use kpiscope::ui::app::PERIODS;
    use kpiscope::ui::warm;
    let (_dir, path) = common::handmade_store();
    let model = std::sync::Arc::new(kpiscope::engine::open(&path).expect("open"));
    let cfg = Config::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let warmer = warm::Warmer::spawn(cfg.clone(), tx);
    warmer.model(model.clone(), std::sync::Arc::new(Vec::new()));
    let done = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("an answer");
    assert!(matches!(done, Action::Warmed { .. }), "{done:?}");
    let entries = |m: &kpiscope::engine::Model| format!("{:?}", m.memo);
    let warmed = entries(&model);
    assert_ne!(warmed, "Memo(0 entries)");
    // Every period's store views are lookups now: asking for them adds nothing to the memo.
    let ctx = Ctx { model: &model, now: model.last_day, prior_weight: cfg.bayes_prior_weight };
    for p in PERIODS {
        let r = p.resolve(model.last_day, model.first_day);
        drop(warm::products(ctx, &cfg, Scope::Store, r, &[]));
        drop(warm::sellers(ctx, &cfg, r, &[]));
        drop(warm::tiles(ctx, &cfg, Scope::Store, r, kpiscope::period::Compare::Yoy));
        // every seller's KPIs (a seller's peers in its tiles)
        drop(kpiscope::kpi::compute(ctx, Scope::Seller(1), r));
    }
    assert_eq!(entries(&model), warmed);
}

#[test]
fn a_scopes_products_table_taken_from_the_stores_is_the_one_computed_for_it() {
    use kpiscope::config::Config;
    use kpiscope::kpi::Ctx;
    use kpiscope::ui::{data, warm};
    let (_dir, path) = common::handmade_store();
    let model = kpiscope::engine::open(&path).expect("open");
    let cfg = Config::default();
    let ctx = Ctx { model: &model, now: model.last_day, prior_weight: cfg.bayes_prior_weight };
    let r = kpiscope::period::DayRange::new(model.first_day, model.last_day);
    let flags = kpiscope::flags::evaluate(ctx, &cfg, Scope::Store, None);
    let all = warm::products(ctx, &cfg, Scope::Store, r, &flags);
    let mut scopes: Vec<Scope> = (0..model.sellers.len() as u32).map(Scope::Seller).collect();
    scopes.extend((0..model.categories.len() as u32).map(Scope::Category));
    scopes.push(Scope::Product(1));
    for scope in scopes {
        let taken = warm::products(ctx, &cfg, scope, r, &flags);
        assert_eq!(*taken, data::products_table(ctx, &cfg, scope, r, &flags), "{scope:?}");
        assert!(taken.rows.len() < all.rows.len(), "{scope:?}");
    }
}

#[test]
fn a_refreshed_model_is_shown_first_and_its_red_flags_follow() {
    let (mut app, _dir, path) = common::app(Theme::dark(), (120, 40));
    let before = format!("{:?}", app.flags);
    let conn = kpiscope::store::open_writable(&path).expect("writable");
    let mut sim = kpiscope::simulate::Simulator::new(&conn, &path, 3).expect("sim");
    sim.step(&conn, 12).expect("step");
    let model = std::sync::Arc::new(kpiscope::engine::open(&path).expect("reload"));
    app.update(Action::Loaded { model: model.clone(), flags: None, elapsed_ms: 5, cached: false });
    // The commit's KPIs are on screen at once; the previous flags stay, marked as being re-checked.
    let orders = app.shown.tiles.iter().find(|t| t.name == "Orders").expect("tile");
    assert!(orders.value.starts_with("19"), "{}", orders.value);
    assert!(app.judging);
    assert_eq!(format!("{:?}", app.flags), before);
    assert!(screen(&app).contains("re-checking after the last change"), "{}", screen(&app));
    app.update(Action::Show(View::Sellers));
    assert!(screen(&app).contains("red flags re-checking after the last change"), "{}", screen(&app));
    let unjudged = app.shown.table.clone();
    // Flags of a model that is no longer on screen are dropped.
    let other = std::sync::Arc::new(kpiscope::engine::open(&path).expect("reload"));
    app.update(Action::Judged { model: other, flags: Vec::new() });
    assert!(app.judging, "flags of another model are not these");
    let cfg = kpiscope::config::Config::default();
    let ctx = kpiscope::kpi::Ctx { model: &model, now: model.last_day, prior_weight: cfg.bayes_prior_weight };
    let flags = kpiscope::flags::evaluate(ctx, &cfg, kpiscope::engine::Scope::Store, None);
    app.update(Action::Judged { model, flags: flags.clone() });
    assert!(!app.judging);
    assert_eq!(format!("{:?}", app.flags), format!("{flags:?}"));
    assert!(!std::sync::Arc::ptr_eq(&unjudged, &app.shown.table), "the table is computed again with the new flags");
    app.update(Action::Show(View::Overview));
    assert!(!screen(&app).contains("re-checking"), "{}", screen(&app));
}

/// The whole screen as text.
fn screen(app: &App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| kpiscope::ui::render::draw(f, app)).expect("draw");
    let buf = t.backend().buffer().clone();
    (0..40).map(|y| (0..120).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
}

#[test]
fn the_warm_up_waits_while_a_commit_is_followed() {
    let (tx, rx) = std::sync::mpsc::channel();
    let warmer = kpiscope::ui::warm::Warmer::spawn(kpiscope::config::Config::default(), tx);
    let model = std::sync::Arc::new(common::handmade_model());
    {
        let _hold = warmer.hold();
        warmer.model(model, std::sync::Arc::new(Vec::new()));
        let waited = rx.recv_timeout(std::time::Duration::from_millis(300));
        assert!(waited.is_err(), "nothing is warmed while held: {waited:?}");
    }
    let warmed = rx.recv_timeout(std::time::Duration::from_secs(60));
    assert!(matches!(warmed, Ok(Action::Warmed { .. })), "{warmed:?}");
}

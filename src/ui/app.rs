//! The explorer's state. `App::update(Action)` is the only way it changes; it also recomputes what the
//! current view shows (from the in-memory model: microseconds to a few milliseconds), so that rendering
//! only reads `&App`. Requests for the worker are queued in `outbox` for the event loop to send.

use std::collections::HashMap;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, View};
use super::data::{self, ProductExtra, Table, Target, Tile};
use super::keys::{self, Command};
use super::render;
use super::theme::Theme;
use super::warm;
use super::worker::{Request, ReviewRow};
use crate::config::Config;
use crate::engine::{Model, Scope};
use crate::flags::Flag;
use crate::kpi::{Ctx, Grade};
use crate::period::{Compare, DayRange, Granularity, Period};

/// The periods `p` cycles through.
pub const PERIODS: [Period; 8] = [
    Period::Rolling(7),
    Period::Rolling(30),
    Period::Rolling(90),
    Period::Rolling(365),
    Period::MonthToDate,
    Period::QuarterToDate,
    Period::YearToDate,
    Period::All,
];

/// Where the user was, for Esc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub scope: Scope,
    pub view: View,
    pub selected: usize,
}

/// Selection, sort and filter of one table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableState {
    pub selected: usize,
    pub offset: usize,
    /// sort column and descending; None: the table's own order
    pub sort: Option<(usize, bool)>,
    pub filter: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Jump,
}

/// What the current view shows.
#[derive(Debug, Clone, Default)]
pub struct Shown {
    pub tiles: Vec<Tile>,
    pub grade: Option<Grade>,
    pub table: Arc<Table>,
    /// rows of `table` after filter and sort, as indices into `table.rows`
    pub order: Vec<usize>,
    pub product: Option<ProductExtra>,
    /// per row, the text the filter searches (its first three cells), built the first time a filter is typed
    hay: Vec<String>,
}

/// What a `Shown` was computed from: the same key gives the same data, so moving, sorting and filtering
/// reuse it, and so do views seen a moment ago (`App::recent`).
#[derive(Debug, Clone, PartialEq)]
pub struct ShownKey {
    model: usize,
    view: View,
    scope: Scope,
    range: crate::period::DayRange,
    compare: Compare,
    gran: Granularity,
    breaches_only: bool,
}

/// Views kept for going back to them at once.
const RECENT: usize = 6;

/// The data on screen is older than the store: when it was last read, and why it cannot be read now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// unix seconds of the last successful read
    pub since: i64,
    pub why: String,
}

pub struct App {
    pub store_name: String,
    pub cfg: Config,
    pub cmds: Vec<Command>,
    pub theme: Theme,
    pub mouse: bool,
    pub model: Option<Arc<Model>>,
    pub loading: Option<(String, f64)>,
    pub error: Option<String>,
    pub stale: Option<Stale>,
    pub scope: Scope,
    pub view: View,
    pub stack: Vec<Place>,
    pub period_ix: usize,
    pub compare: Compare,
    pub gran: Granularity,
    pub tables: HashMap<(View, Scope), TableState>,
    pub input: Option<(InputKind, String)>,
    pub help: bool,
    /// the data-quality panel is open
    pub quality: bool,
    pub frozen: bool,
    /// the worker follows the store's commits (false while a cached model is shown and the store is read)
    pub following: bool,
    pub breaches_only: bool,
    pub notice: Option<(String, u32)>,
    pub size: (u16, u16),
    pub flags: Vec<Flag>,
    /// `flags` are the previous model's, until the worker has judged the one on screen (`Action::Judged`)
    pub judging: bool,
    pub reviews: Option<(u32, Vec<ReviewRow>)>,
    pub shown: Shown,
    /// what `shown` was computed from
    shown_for: Option<ShownKey>,
    /// views computed a moment ago, most recent last (for the same model)
    recent: Vec<(ShownKey, Shown)>,
    pub outbox: Vec<Request>,
    pub quit: bool,
    /// Ctrl-Z was pressed: the loop hands the terminal back to the shell and stops the process.
    pub suspend: bool,
    /// where `e` writes CSV files
    pub export_dir: std::path::PathBuf,
}

/// Ticks a notice stays on screen (ticks are 250 ms).
const NOTICE_TICKS: u32 = 16;

impl App {
    pub fn new(store_name: String, cfg: Config, cmds: Vec<Command>, theme: Theme) -> Self {
        App {
            store_name,
            cfg,
            cmds,
            theme,
            mouse: true,
            model: None,
            loading: Some(("Starting".into(), 0.0)),
            error: None,
            stale: None,
            scope: Scope::Store,
            view: View::Overview,
            stack: Vec::new(),
            period_ix: 2,
            compare: Compare::Prev,
            gran: Granularity::Week,
            tables: HashMap::new(),
            input: None,
            help: false,
            quality: false,
            frozen: false,
            following: true,
            breaches_only: false,
            notice: None,
            size: (120, 40),
            flags: Vec::new(),
            judging: false,
            reviews: None,
            shown: Shown::default(),
            shown_for: None,
            recent: Vec::new(),
            outbox: Vec::new(),
            quit: false,
            suspend: false,
            export_dir: std::path::PathBuf::from("."),
        }
    }

    pub fn period(&self) -> Period {
        PERIODS[self.period_ix % PERIODS.len()]
    }

    /// The day range of the period, against the store's "now".
    pub fn range(&self) -> Option<DayRange> {
        let m = self.model.as_ref()?;
        Some(self.period().resolve(m.last_day, m.first_day))
    }

    pub fn ctx(&self) -> Option<Ctx<'_>> {
        let m = self.model.as_deref()?;
        Some(Ctx { model: m, now: m.last_day, prior_weight: self.cfg.bayes_prior_weight })
    }

    pub fn table_state(&self) -> TableState {
        self.tables.get(&(self.view, self.scope)).cloned().unwrap_or_default()
    }

    fn table_state_mut(&mut self) -> &mut TableState {
        self.tables.entry((self.view, self.scope)).or_default()
    }

    /// The action of a key: text input first, then the command registry.
    pub fn key_action(&self, key: &KeyEvent) -> Option<Action> {
        if keys::is_command(&self.cmds, key, "suspend") {
            return Some(Action::Suspend);
        }
        if self.input.is_some() {
            return match key.code {
                KeyCode::Enter => Some(Action::InputDone),
                KeyCode::Esc => Some(Action::InputCancel),
                KeyCode::Backspace => Some(Action::InputBackspace),
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Some(Action::InputCancel),
                KeyCode::Char(c) => Some(Action::Input(c)),
                _ => None,
            };
        }
        if self.quality {
            return match key.code {
                KeyCode::Char('q') if key.modifiers.contains(KeyModifiers::CONTROL) => Some(Action::Quit),
                KeyCode::Char('q') | KeyCode::Char('D') | KeyCode::Esc => Some(Action::Quality),
                _ => None,
            };
        }
        if self.help {
            return match key.code {
                KeyCode::Char('q') if key.modifiers.contains(KeyModifiers::CONTROL) => Some(Action::Quit),
                KeyCode::Char('q') | KeyCode::Char('?') | KeyCode::Esc => Some(Action::Help),
                _ => None,
            };
        }
        keys::action_for(&self.cmds, key, self.view)
    }

    fn notify(&mut self, text: impl Into<String>) {
        self.notice = Some((text.into(), NOTICE_TICKS));
    }

    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Suspend => self.suspend = true,
            Action::Tick => {
                if let Some((_, n)) = &mut self.notice {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        self.notice = None;
                    }
                }
                return;
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                return;
            }
            Action::Help => self.help = !self.help,
            Action::Quality => {
                self.quality = !self.quality;
                return;
            }
            Action::NextView => self.show((self.view.index() + 1) % View::ALL.len()),
            Action::PrevView => self.show((self.view.index() + View::ALL.len() - 1) % View::ALL.len()),
            Action::Show(v) => self.show(v.index()),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(self.page() as i64)),
            Action::PageDown => self.move_by(self.page() as i64),
            Action::Top => self.move_by(i64::MIN / 2),
            Action::Bottom => self.move_by(i64::MAX / 2),
            Action::ScrollUp => self.move_by(-3),
            Action::ScrollDown => self.move_by(3),
            Action::Enter => self.enter(),
            Action::Back => self.back(),
            Action::SortNext => {
                let n = self.shown.table.columns.len();
                let st = self.table_state_mut();
                let next = st.sort.map_or(0, |(c, _)| (c + 1) % n.max(1));
                // Text columns sort ascending first, numbers descending (biggest first).
                st.sort = Some((next, next > 0));
            }
            Action::SortReverse => {
                let st = self.table_state_mut();
                st.sort = Some(st.sort.map_or((0, true), |(c, d)| (c, !d)));
            }
            Action::PeriodNext => self.period_ix = (self.period_ix + 1) % PERIODS.len(),
            Action::PeriodPrev => self.period_ix = (self.period_ix + PERIODS.len() - 1) % PERIODS.len(),
            Action::Compare => {
                self.compare = match self.compare {
                    Compare::Prev => Compare::Yoy,
                    Compare::Yoy => Compare::None,
                    Compare::None => Compare::Prev,
                }
            }
            Action::Granularity => {
                self.gran = match self.gran {
                    Granularity::Day => Granularity::Week,
                    Granularity::Week => Granularity::Month,
                    Granularity::Month => Granularity::Day,
                }
            }
            Action::BreachesOnly => self.breaches_only = !self.breaches_only,
            Action::StartFilter => {
                if self.view == View::Overview {
                    return;
                }
                let f = self.table_state().filter;
                self.input = Some((InputKind::Filter, f));
            }
            Action::StartJump => self.input = Some((InputKind::Jump, String::new())),
            Action::Input(c) => {
                if let Some((kind, text)) = &mut self.input {
                    text.push(c);
                    if *kind == InputKind::Filter {
                        let t = text.clone();
                        self.set_filter(t);
                    }
                }
            }
            Action::InputBackspace => {
                if let Some((kind, text)) = &mut self.input {
                    text.pop();
                    if *kind == InputKind::Filter {
                        let t = text.clone();
                        self.set_filter(t);
                    }
                }
            }
            Action::InputCancel => {
                if let Some((InputKind::Filter, _)) = self.input {
                    self.set_filter(String::new());
                }
                self.input = None;
            }
            Action::InputDone => {
                if let Some((InputKind::Jump, text)) = self.input.take() {
                    self.jump(&text);
                } else {
                    self.input = None;
                }
            }
            Action::Export => self.export(),
            Action::Freeze => {
                self.frozen = !self.frozen;
                self.outbox.push(Request::Freeze(self.frozen));
                self.notify(if self.frozen { "Live updates frozen (f to resume)" } else { "Live updates resumed" });
            }
            Action::Reload => {
                self.outbox.push(Request::Reload);
                self.notify("Reloading…");
            }
            Action::Click(x, y) => self.click(x, y),
            Action::Progress(what, frac) => {
                // Before the first model, the loading screen; behind a cached one, the header.
                if self.model.is_none() || !self.following {
                    self.loading = Some((what, frac));
                }
                return;
            }
            Action::Loaded { model, flags, elapsed_ms, cached } => {
                self.following = !cached;
                self.loaded(model, flags, elapsed_ms);
            }
            Action::Judged { model, flags } => {
                // Flags of a model no longer on screen are dropped: a newer one is being judged.
                if !self.model.as_ref().is_some_and(|m| Arc::ptr_eq(m, &model)) {
                    return;
                }
                self.flags = flags;
                self.judging = false;
                // The views computed meanwhile used the previous flags (and were not memoised).
                self.recent.clear();
                self.shown_for = None;
            }
            Action::Following => {
                self.following = true;
                self.loading = None;
                return;
            }
            Action::Warmed { .. } => return,
            Action::Reviews { product, rows } => {
                self.reviews = Some((product, rows));
                return;
            }
            Action::Stale { since, why } => {
                self.stale = Some(Stale { since, why });
                return;
            }
            Action::Failed(why) => {
                self.error = Some(why);
                self.loading = None;
                return;
            }
        }
        self.refresh();
    }

    fn show(&mut self, index: usize) {
        self.view = View::ALL[index % View::ALL.len()];
        self.input = None;
    }

    fn page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(8)).max(1)
    }

    fn move_by(&mut self, delta: i64) {
        let n = self.shown.order.len();
        let st = self.table_state_mut();
        let cur = st.selected as i64;
        st.selected = (cur.saturating_add(delta)).clamp(0, n.saturating_sub(1) as i64) as usize;
    }

    fn selected_target(&self) -> Option<Target> {
        let st = self.table_state();
        let row = *self.shown.order.get(st.selected)?;
        self.shown.table.rows.get(row)?.target
    }

    fn go(&mut self, scope: Scope, view: View) {
        let selected = self.table_state().selected;
        self.stack.push(Place { scope: self.scope, view: self.view, selected });
        self.scope = scope;
        self.view = view;
        self.request_reviews();
    }

    fn request_reviews(&mut self) {
        if let (Scope::Product(p), Some(m)) = (self.scope, &self.model) {
            if self.reviews.as_ref().is_none_or(|(q, _)| *q != p) {
                self.reviews = None;
            }
            if let Some(prod) = m.products.get(p as usize) {
                self.outbox.push(Request::Reviews(p, prod.db_id));
            }
        }
    }

    fn enter(&mut self) {
        if self.view == View::Overview || self.view == View::Periods {
            return;
        }
        match self.selected_target() {
            Some(Target::Seller(s)) => self.go(Scope::Seller(s), View::Overview),
            Some(Target::Product(p)) => self.go(Scope::Product(p), View::Overview),
            None => {}
        }
    }

    fn back(&mut self) {
        if let Some(place) = self.stack.pop() {
            self.scope = place.scope;
            self.view = place.view;
            self.table_state_mut().selected = place.selected;
            self.request_reviews();
        } else if self.view != View::Overview {
            self.view = View::Overview;
        }
    }

    fn set_filter(&mut self, f: String) {
        let st = self.table_state_mut();
        st.filter = f;
        st.selected = 0;
        st.offset = 0;
    }

    /// `:` — a seller, product or category by name.
    fn jump(&mut self, text: &str) {
        let Some(m) = self.model.clone() else { return };
        let t = text.trim();
        if t.is_empty() {
            return;
        }
        let target = m
            .find_seller(t)
            .map(Scope::Seller)
            .or_else(|| m.find_product(t).map(Scope::Product))
            .or_else(|| m.find_category(t).map(Scope::Category))
            .or_else(|| m.sellers.iter().position(|s| data::fuzzy(&s.name, t)).map(|i| Scope::Seller(i as u32)))
            .or_else(|| {
                m.products
                    .iter()
                    .position(|p| data::fuzzy(&format!("{} {}", p.reference, p.title), t))
                    .map(|i| Scope::Product(i as u32))
            })
            .or_else(|| m.categories.iter().position(|c| data::fuzzy(c, t)).map(|i| Scope::Category(i as u32)));
        match target {
            Some(scope) => {
                self.go(scope, View::Overview);
                self.notify(format!("Jumped to {}", m.scope_name(scope)));
            }
            None => self.notify(format!("Nothing called '{t}'")),
        }
    }

    fn export(&mut self) {
        if self.view == View::Overview {
            return;
        }
        let t = &self.shown.table;
        let mut out = t.columns.iter().map(|c| crate::report::csv_field(c.title)).collect::<Vec<_>>().join(",");
        out.push('\n');
        for &i in &self.shown.order {
            let row: Vec<String> = t.rows[i].cells.iter().map(|c| crate::report::csv_field(&c.text)).collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
        let day = self.model.as_ref().map(|m| crate::time::fmt_day(m.last_day)).unwrap_or_default();
        let name = format!("kpiscope-{}-{day}.csv", self.view.title().to_lowercase());
        let path = self.export_dir.join(name);
        match std::fs::write(&path, out) {
            Ok(()) => self.notify(format!("Exported {} rows to {}", self.shown.order.len(), path.display())),
            Err(e) => self.notify(format!("Export failed: {}: {e}", path.display())),
        }
    }

    fn click(&mut self, x: u16, y: u16) {
        if y == render::TABS_ROW {
            if let Some(&(_, _, v)) = render::tab_spans().iter().find(|(col, w, _)| x >= *col && x < col + w) {
                self.show(v.index());
            }
            return;
        }
        // Table rows from the table's scroll offset.
        if self.view != View::Overview && y >= render::TABLE_FIRST_ROW {
            let st = self.table_state();
            let row = st.offset + usize::from(y - render::TABLE_FIRST_ROW);
            if row < self.shown.order.len() {
                if row == st.selected {
                    self.enter();
                } else {
                    self.table_state_mut().selected = row;
                }
            }
        }
    }

    fn loaded(&mut self, model: Arc<Model>, flags: Option<Vec<Flag>>, elapsed_ms: u64) {
        let first = self.model.is_none();
        let orders = |m: &Model| m.counters(Scope::Store, DayRange::new(m.first_day, m.last_day)).orders;
        if let Some(old) = &self.model {
            let added = orders(&model) - orders(old);
            match added {
                0 => self.notify(format!("Store changed: updated in {elapsed_ms} ms")),
                n => self.notify(format!("{n:+} orders (updated in {elapsed_ms} ms)")),
            }
        }
        // Scopes refer to sellers and products by position: keep them only if they still exist.
        let valid = |s: Scope| match s {
            Scope::Store => true,
            Scope::Seller(i) => (i as usize) < model.sellers.len(),
            Scope::Category(i) => (i as usize) < model.categories.len(),
            Scope::Product(i) => (i as usize) < model.products.len(),
        };
        if !valid(self.scope) {
            self.scope = Scope::Store;
            self.stack.clear();
        }
        // The model replaced may share nothing with the new one (the cached model behind a fresh load: ~2 GB
        // at 10M orders in millions of allocations): it is freed on a thread of its own, not in this frame.
        if let Some(old) = self.model.replace(model) {
            // (Without a thread, `old` is dropped here, on this one.)
            super::background::spawn("kpiscope-free", move || drop(old));
        }
        // Views of the old model are gone with it.
        self.recent.clear();
        self.shown_for = None;
        self.loading = None;
        self.stale = None;
        // Without flags (a refresh: same sellers and products), the previous ones stay until `Judged`.
        self.judging = flags.is_none();
        if let Some(flags) = flags {
            self.flags = flags;
        }
        if first {
            self.notify(format!("Loaded in {elapsed_ms} ms"));
        }
        self.request_reviews();
    }

    /// Brings what the current view shows up to date: computed again only when its data changes (model,
    /// view, scope, period, comparison, granularity); moving, sorting and filtering reuse it.
    pub fn refresh(&mut self) {
        let (Some(model), Some(range)) = (self.model.as_ref(), self.range()) else { return };
        let key = ShownKey {
            model: Arc::as_ptr(model) as usize,
            view: self.view,
            scope: self.scope,
            range,
            compare: self.compare,
            gran: self.gran,
            breaches_only: self.breaches_only,
        };
        // A scope just opened: its views in the other periods are computed ahead of the keys.
        if key.scope != Scope::Store && self.shown_for.as_ref().is_none_or(|k| k.scope != key.scope) {
            self.outbox.push(Request::Warm(key.scope));
        }
        let mut shown = if self.shown_for.as_ref() == Some(&key) {
            std::mem::take(&mut self.shown)
        } else {
            let previous = std::mem::take(&mut self.shown);
            if let Some(k) = self.shown_for.take().filter(|k| k.model == key.model) {
                self.recent.retain(|(r, _)| *r != k);
                self.recent.push((k, previous));
                if self.recent.len() > RECENT {
                    self.recent.remove(0);
                }
            }
            match self.recent.iter().position(|(k, _)| *k == key) {
                Some(i) => self.recent.remove(i).1,
                None => self.compute(range),
            }
        };
        self.shown_for = Some(key);
        self.arrange(&mut shown);
        self.shown = shown;
    }

    /// Computes the data of the current view.
    fn compute(&self, range: crate::period::DayRange) -> Shown {
        let mut shown = Shown::default();
        let Some(ctx) = self.ctx() else { return shown };
        match self.view {
            View::Overview => {
                let t = warm::tiles(ctx, &self.cfg, self.scope, range, self.compare);
                (shown.tiles, shown.grade) = (t.0.clone(), t.1.clone());
                if let Scope::Product(p) = self.scope {
                    shown.product = Some(data::product_extra(ctx, p, range, self.compare));
                }
            }
            // While the flags are being judged, the tables are not memoised with the previous ones.
            View::Sellers if self.judging => {
                shown.table = Arc::new(data::sellers_table(ctx, &self.cfg, range, &self.flags));
            }
            View::Products if self.judging => {
                shown.table = Arc::new(data::products_table(ctx, &self.cfg, self.scope, range, &self.flags));
            }
            View::Sellers => shown.table = warm::sellers(ctx, &self.cfg, range, &self.flags),
            View::Products => shown.table = warm::products(ctx, &self.cfg, self.scope, range, &self.flags),
            View::Periods => shown.table = Arc::new(data::periods_table(ctx, &self.cfg, self.scope, range, self.gran)),
            View::Flags => {
                shown.table = Arc::new(data::flags_table(ctx.model, self.scope, &self.flags, self.breaches_only));
            }
        }
        shown
    }

    /// Filters and sorts the rows of `shown` as the view's table state says, and keeps the selection inside.
    fn arrange(&mut self, shown: &mut Shown) {
        let st = self.table_state();
        let filter = st.filter.trim();
        if !filter.is_empty() && shown.hay.len() != shown.table.rows.len() {
            shown.hay = shown
                .table
                .rows
                .iter()
                .map(|r| r.cells.iter().take(3).map(|c| c.text.as_str()).collect::<Vec<_>>().join(" "))
                .collect();
        }
        let mut order: Vec<usize> =
            (0..shown.table.rows.len()).filter(|&i| filter.is_empty() || data::fuzzy(&shown.hay[i], filter)).collect();
        if let Some((c, desc)) = st.sort {
            // The keys are taken out of the rows first: comparing through the rows' cells chased two
            // pointers per comparison (a sort of the 20,000-row Products table took 21 ms).
            let rows = &shown.table.rows;
            let mut keyed: Vec<(Option<f64>, &str, usize)> = order
                .iter()
                .map(|&i| {
                    let cell = &rows[i].cells[c.min(rows[i].cells.len() - 1)];
                    (cell.key, cell.text.as_str(), i)
                })
                .collect();
            keyed.sort_by(|x, y| {
                // Numbers by value (empty cells last, whatever the direction), text alphabetically.
                match (x.0, y.0) {
                    (Some(p), Some(q)) if desc => q.total_cmp(&p),
                    (Some(p), Some(q)) => p.total_cmp(&q),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) if desc => y.1.cmp(x.1),
                    (None, None) => x.1.cmp(y.1),
                }
            });
            order = keyed.into_iter().map(|k| k.2).collect();
        }
        shown.order = order;
        let n = shown.order.len();
        let page = self.page();
        let st = self.table_state_mut();
        st.selected = st.selected.min(n.saturating_sub(1));
        if st.selected < st.offset {
            st.offset = st.selected;
        } else if st.selected >= st.offset + page {
            st.offset = st.selected + 1 - page;
        }
    }

    /// "All sellers › Lumen Home › LH-1042 Desk lamp"
    pub fn breadcrumb(&self) -> String {
        let Some(m) = &self.model else { return String::new() };
        match self.scope {
            Scope::Store => "All sellers".into(),
            Scope::Seller(s) => format!("All sellers › {}", m.sellers[s as usize].name),
            Scope::Category(c) => format!("All sellers › {}", m.categories[c as usize]),
            Scope::Product(p) => {
                let prod = &m.products[p as usize];
                format!("All sellers › {} › {} {}", m.sellers[prod.seller as usize].name, prod.reference, prod.title)
            }
        }
    }

    /// "Last 90 days vs previous 90"
    pub fn period_words(&self) -> String {
        let Some(r) = self.range().map(|r| r.len()) else { return self.period().describe() };
        let cmp = match self.compare {
            Compare::Prev => format!(" vs previous {r}"),
            Compare::Yoy => " vs a year earlier".into(),
            Compare::None => String::new(),
        };
        format!("{}{cmp}", self.period().describe())
    }
}

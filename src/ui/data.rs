//! What each view shows, computed from the in-memory model (never from SQL): KPI tiles with trend and
//! gauge for the Overview, and tables (rows of formatted cells with sort keys and drill-down targets) for
//! Sellers, Products, Periods and Flags. Pure functions; the App caches their results.

use crate::config::{Band, Config, Status};
use crate::engine::{Model, Scope};
use crate::flags::{Flag, Severity};
use crate::kpi::{self, Ctx, Direction, Grade, KpiDef, KpiValue, Unit, catalogue};
use crate::period::{Compare, DayRange, Granularity};
use crate::report::format;
use crate::time;

/// KPIs on the Overview tiles.
pub const TILE_KPIS: &[&str] = &[
    "net_sales",
    "orders",
    "aov",
    "conversion_rate",
    "late_shipment_rate",
    "seller_cancel_rate",
    "valid_tracking_rate",
    "on_time_delivery_rate",
    "return_rate",
    "rating_bayes",
    "order_defect_rate",
    "response_rate_24h",
];

/// A KPI gauge: the value on a scale with the good/warn/bad zones and the peers' median.
#[derive(Debug, Clone, PartialEq)]
pub struct GaugeData {
    pub value: f64,
    /// the scale: from `min` to `max`
    pub min: f64,
    pub max: f64,
    pub warn: f64,
    pub bad: f64,
    pub peer: Option<f64>,
    pub higher_better: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub name: &'static str,
    pub value: String,
    /// change text and whether it is good news (None: neutral)
    pub change: Option<(String, Option<bool>)>,
    pub status: Status,
    pub gauge: Option<GaugeData>,
    pub peer: Option<String>,
    /// daily values, scaled to integers
    pub spark: Vec<u64>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Seller(u32),
    Product(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    /// sort key; None sorts last
    pub key: Option<f64>,
    pub status: Option<Status>,
}

impl Cell {
    fn text(s: impl Into<String>) -> Self {
        Cell { text: s.into(), key: None, status: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub cells: Vec<Cell>,
    pub target: Option<Target>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: &'static str,
    pub width: u16,
    pub right: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

fn col(title: &'static str, width: u16, right: bool) -> Column {
    Column { title, width, right }
}

/// The cells of a table row: the KPIs `ids` of a scope (memoised under the table's `name`, if given: the
/// Products table is memoised whole instead, so that 20,000 products do not crowd the memo).
fn kpi_cells(
    ctx: Ctx<'_>,
    cfg: &Config,
    scope: Scope,
    r: DayRange,
    name: Option<&'static str>,
    ids: &[&'static str],
) -> Vec<Cell> {
    let cells = |values: &[kpi::KpiValue]| ids.iter().zip(values).map(|(id, v)| kpi_cell(cfg, id, v)).collect();
    match name {
        Some(name) => cells(&kpi::compute_some(ctx, scope, r, name, ids)),
        None => cells(&kpi::compute_ids(ctx, scope, r, ids)),
    }
}

fn kpi_cell(cfg: &Config, id: &str, v: &kpi::KpiValue) -> Cell {
    let def = catalogue::find(id);
    let unit = def.map_or(Unit::Count, |d| d.unit);
    let text = v.value.map_or_else(|| "–".into(), |x| format::number(unit, x));
    let status = match (cfg.band(id), v.value, def) {
        (Some(b), Some(x), Some(d)) => Some(b.status(x, d.direction)),
        _ => None,
    };
    Cell { text, key: v.value, status }
}

/// Whether a flag is about something under `scope` (a seller's flags include its products').
pub fn in_scope(model: &Model, scope: Scope, f: &Flag) -> bool {
    match scope {
        Scope::Store => true,
        Scope::Seller(s) => f.seller_ix == s,
        Scope::Product(p) => f.product_ix == Some(p),
        Scope::Category(c) => f.product_ix.is_some_and(|p| model.products[p as usize].category == Some(c)),
    }
}

/// Breaches and warnings under a scope, marked by the worst of them.
fn flag_count(model: &Model, flags: &[Flag], scope: Scope) -> Cell {
    let mine = || flags.iter().filter(|f| f.severity != Severity::LowConfidence && in_scope(model, scope, f));
    flag_cell((mine().count(), mine().any(|f| f.severity == Severity::Breach)))
}

/// A count of flags, marked by the worst of them.
fn flag_cell((n, breach): (usize, bool)) -> Cell {
    Cell {
        text: if n == 0 { String::new() } else { n.to_string() },
        key: Some(n as f64),
        status: (n > 0).then_some(if breach { Status::Bad } else { Status::Warn }),
    }
}

/// The Sellers table.
pub fn sellers_table(ctx: Ctx<'_>, cfg: &Config, r: DayRange, flags: &[Flag]) -> Table {
    let ids = [
        "orders",
        "net_sales",
        "aov",
        "late_shipment_rate",
        "seller_cancel_rate",
        "valid_tracking_rate",
        "return_rate",
        "rating_bayes",
        "order_defect_rate",
    ];
    let mut columns = vec![col("Seller", 22, false)];
    for (title, w) in [
        ("Orders", 8),
        ("Net sales", 13),
        ("AOV", 8),
        ("Late", 7),
        ("Cancel", 7),
        ("Track", 7),
        ("Return", 7),
        ("Rating", 6),
        ("ODR", 5),
    ] {
        columns.push(col(title, w, true));
    }
    columns.push(col("Flags", 5, true));
    let rows = (0..ctx.model.sellers.len() as u32)
        .map(|s| {
            let mut cells = vec![Cell::text(ctx.model.sellers[s as usize].name.clone())];
            cells.extend(kpi_cells(ctx, cfg, Scope::Seller(s), r, Some("sellers-table"), &ids));
            cells.push(flag_count(ctx.model, flags, Scope::Seller(s)));
            Row { cells, target: Some(Target::Seller(s)) }
        })
        .collect();
    Table { columns, rows }
}

/// The Products table of a scope.
pub fn products_table(ctx: Ctx<'_>, cfg: &Config, scope: Scope, r: DayRange, flags: &[Flag]) -> Table {
    let ids = ["units", "net_sales", "rating_bayes", "ratings", "return_rate", "days_of_cover"];
    let mut columns = vec![col("Product", 9, false), col("Title", 26, false)];
    for (title, w) in [("Units", 7), ("Net sales", 12), ("Rating", 6), ("#Rat", 5), ("Return", 6), ("Cover", 7)] {
        columns.push(col(title, w, true));
    }
    columns.push(col("Flags", 5, true));
    let products = match scope {
        Scope::Product(p) => vec![p],
        s => ctx.model.products_of(s),
    };
    // Flags per product, in one pass over the flags (not one per product).
    let mut per_product: rustc_hash::FxHashMap<u32, (usize, bool)> = Default::default();
    for f in flags.iter().filter(|f| f.severity != Severity::LowConfidence) {
        if let Some(p) = f.product_ix {
            let e = per_product.entry(p).or_default();
            e.0 += 1;
            e.1 |= f.severity == Severity::Breach;
        }
    }
    let rows = products
        .into_iter()
        .map(|p| {
            let prod = &ctx.model.products[p as usize];
            let mut cells = vec![Cell::text(prod.reference.clone()), Cell::text(prod.title.clone())];
            cells.extend(kpi_cells(ctx, cfg, Scope::Product(p), r, None, &ids));
            cells.push(flag_cell(per_product.get(&p).copied().unwrap_or_default()));
            Row { cells, target: Some(Target::Product(p)) }
        })
        .collect();
    Table { columns, rows }
}

/// The rows of `products` (model indexes) out of the store's Products table, whose row i is product i.
pub fn products_subset(all: &Table, products: &[u32]) -> Table {
    let rows = products.iter().filter_map(|&p| all.rows.get(p as usize).cloned()).collect();
    Table { columns: all.columns.clone(), rows }
}

/// KPIs of the Periods scorecard.
pub const PERIOD_KPIS: &[(&str, &str, u16)] = &[
    ("orders", "Orders", 7),
    ("net_sales", "Net sales", 12),
    ("conversion_rate", "Conv", 6),
    ("late_shipment_rate", "Late", 6),
    ("seller_cancel_rate", "Cancel", 6),
    ("valid_tracking_rate", "Track", 7),
    ("return_rate", "Return", 6),
    ("rating_avg", "Rating", 6),
    ("order_defect_rate", "ODR", 5),
];

const PERIOD_IDS: [&str; PERIOD_KPIS.len()] = {
    let mut ids = [""; PERIOD_KPIS.len()];
    let mut i = 0;
    while i < ids.len() {
        ids[i] = PERIOD_KPIS[i].0;
        i += 1;
    }
    ids
};

/// The Periods scorecard: one row per bucket, newest first.
pub fn periods_table(ctx: Ctx<'_>, cfg: &Config, scope: Scope, r: DayRange, gran: Granularity) -> Table {
    let mut columns = vec![col(
        match gran {
            Granularity::Day => "Day",
            Granularity::Week => "Week of",
            Granularity::Month => "Month",
        },
        11,
        false,
    )];
    columns.extend(PERIOD_KPIS.iter().map(|(_, t, w)| col(t, *w, true)));
    let mut rows: Vec<Row> = gran
        .buckets(r)
        .into_iter()
        .map(|b| {
            let label = match gran {
                Granularity::Month => time::fmt_day(b.from)[..7].to_string(),
                _ => time::fmt_day(b.from),
            };
            let mut cells = vec![Cell { text: label, key: Some(f64::from(b.from)), status: None }];
            cells.extend(kpi_cells(ctx, cfg, scope, b, Some("periods-table"), &PERIOD_IDS));
            Row { cells, target: None }
        })
        .collect();
    rows.reverse();
    Table { columns, rows }
}

/// The Flags table of a scope, most severe first.
pub fn flags_table(model: &Model, scope: Scope, flags: &[Flag], breaches_only: bool) -> Table {
    let columns =
        vec![col("Severity", 10, false), col("Rule", 13, false), col("Where", 30, false), col("What", 60, false)];
    let rows = flags
        .iter()
        .filter(|f| !breaches_only || f.severity == Severity::Breach)
        .filter(|f| in_scope(model, scope, f))
        .map(|f| {
            let place = match (&f.product, &f.product_title) {
                (Some(r), Some(t)) => format!("{r} {t}"),
                _ => f.seller_name.clone(),
            };
            let what = f.message.split_once(": ").map_or(f.message.as_str(), |(_, w)| w).to_string();
            let sev = match f.severity {
                Severity::Breach => ("✗ breach", Status::Bad),
                Severity::Warn => ("! warn", Status::Warn),
                Severity::LowConfidence => ("? low conf", Status::NotApplicable),
            };
            Row {
                cells: vec![
                    Cell { text: sev.0.into(), key: Some(f.severity as u8 as f64), status: Some(sev.1) },
                    Cell::text(f.rule),
                    Cell::text(place),
                    Cell::text(what),
                ],
                target: Some(match f.product_ix {
                    Some(p) => Target::Product(p),
                    None => Target::Seller(f.seller_ix),
                }),
            }
        })
        .collect();
    Table { columns, rows }
}

fn gauge(def: &KpiDef, band: &Option<Band>, v: &KpiValue, peer: Option<f64>) -> Option<GaugeData> {
    let (b, value) = (band.as_ref()?, v.value?);
    if def.unit != Unit::Ratio {
        return None;
    }
    let higher_better = def.direction == Direction::Higher;
    // Lower-is-better rates are drawn from 0 to twice their bad limit; higher-is-better ones from
    // 100% down to four times the distance of the bad limit (VTR: 80–100%), so the zones stay visible.
    let (min, max) = if higher_better {
        ((b.bad - 3.0 * (1.0 - b.bad)).clamp(0.0, b.bad).min(value), 1.0)
    } else {
        (0.0, (b.bad * 2.0).max(value).max(1e-9))
    };
    Some(GaugeData { value, min, max, warn: b.warn, bad: b.bad, peer, higher_better })
}

/// Overview tiles (value, change against the comparison, gauge, peer median, daily trend) and the service
/// grade, from one scorecard.
pub fn tiles(ctx: Ctx<'_>, cfg: &Config, scope: Scope, r: DayRange, compare: Compare) -> (Vec<Tile>, Option<Grade>) {
    let card = kpi::scorecard(ctx, cfg, scope, r, compare);
    let cur = ctx.model.currency(scope);
    let tiles = TILE_KPIS
        .iter()
        .filter_map(|id| card.rows.iter().find(|row| row.def.id == *id))
        .map(|row| {
            let def = row.def;
            let change = match (row.current.value, row.previous.as_ref().and_then(|p| p.value)) {
                (Some(a), Some(b)) => {
                    let good = match def.direction {
                        Direction::Neutral => None,
                        _ if (a - b).abs() < 1e-12 => None,
                        Direction::Higher => Some(a > b),
                        Direction::Lower => Some(a < b),
                    };
                    let arrow = if a > b {
                        "▲"
                    } else if a < b {
                        "▼"
                    } else {
                        "="
                    };
                    Some((format!("{arrow} {}", format::change(def.unit, a, b)), good))
                }
                _ => None,
            };
            let series = kpi::series(ctx, scope, r, Granularity::Day, def.id);
            let spark = series.iter().map(|(_, v)| (v.value.unwrap_or(0.0).max(0.0) * 1000.0) as u64).collect();
            Tile {
                name: def.name,
                value: format::value(def.unit, &row.current, cur),
                change,
                status: row.status,
                gauge: gauge(def, &row.band, &row.current, row.peer_median),
                peer: row.peer_median.map(|p| format::number(def.unit, p)),
                spark,
                reason: row.current.reason.clone(),
            }
        })
        .collect();
    (tiles, card.grade)
}

/// A product's page beyond its tiles: star distribution, return reasons, trend with comparison.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProductExtra {
    pub stars: [i64; 5],
    pub reasons: Vec<(String, i64)>,
    /// (day offset, units) of the period and of the comparison period
    pub trend: Vec<(f64, f64)>,
    pub trend_compare: Vec<(f64, f64)>,
}

pub fn product_extra(ctx: Ctx<'_>, product: u32, r: DayRange, compare: Compare) -> ProductExtra {
    let scope = Scope::Product(product);
    let all = DayRange::new(ctx.model.first_day, ctx.now);
    let c = ctx.model.counters(scope, all);
    let series = |range: DayRange| -> Vec<(f64, f64)> {
        Granularity::Day
            .buckets(range)
            .iter()
            .enumerate()
            .map(|(i, b)| (i as f64, ctx.model.counters(scope, *b).units as f64))
            .collect()
    };
    ProductExtra {
        stars: [c.star1, c.star2, c.star3, c.star4, c.star5],
        reasons: ctx.model.return_reasons.get(product as usize).cloned().unwrap_or_default(),
        trend: series(r),
        trend_compare: compare.range(r).map(series).unwrap_or_default(),
    }
}

/// Fuzzy match: every character of `needle` appears in order in `hay` (case-insensitive).
pub fn fuzzy(hay: &str, needle: &str) -> bool {
    let mut chars = hay.chars().flat_map(char::to_lowercase);
    needle.chars().flat_map(char::to_lowercase).filter(|c| !c.is_whitespace()).all(|n| chars.any(|h| h == n))
}

#[cfg(test)]
mod tests {
    use super::fuzzy;

    #[test]
    fn fuzzy_matches_in_order() {
        assert!(fuzzy("Lumen Home", "lmh"));
        assert!(fuzzy("LH-1002 Ceramic throw pillow", "pillow"));
        assert!(!fuzzy("Lumen Home", "hl"));
        assert!(fuzzy("anything", ""));
    }
}

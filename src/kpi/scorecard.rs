//! The scorecard of a scope: every KPI with its comparison value, its peers' median ("how do I compare":
//! a seller against the store's sellers, a product against its category, a category against the others),
//! its band and status, and the service grade; plus KPI series for trends.

use super::catalogue::{CATALOGUE, KpiDef};
use super::compute::{Ctx, KpiValue, compute, compute_one};
use crate::config::{Band, Config, Status};
use crate::engine::Scope;
use crate::period::{Compare, DayRange, Granularity};

/// Days of the service grade's window (AliExpress grades on the trailing 90 days).
pub const GRADE_DAYS: i32 = 90;

#[derive(Debug, Clone)]
pub struct KpiRow {
    pub def: &'static KpiDef,
    pub current: KpiValue,
    pub previous: Option<KpiValue>,
    pub peer_median: Option<f64>,
    pub band: Option<Band>,
    pub status: Status,
}

impl KpiRow {
    /// Change against the comparison value (absolute), when both exist.
    pub fn change(&self) -> Option<f64> {
        Some(self.current.value? - self.previous.as_ref()?.value?)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Grade {
    pub grade: &'static str,
    pub bad_experience_rate: f64,
    pub bad_orders: f64,
    pub orders: f64,
    pub window: DayRange,
}

#[derive(Debug, Clone)]
pub struct Scorecard {
    pub scope: Scope,
    pub range: DayRange,
    pub compare: Compare,
    pub compare_range: Option<DayRange>,
    pub rows: Vec<KpiRow>,
    pub grade: Option<Grade>,
}

/// The scopes a scope is compared with.
pub fn peers_of(ctx: Ctx<'_>, scope: Scope) -> Vec<Scope> {
    let m = ctx.model;
    match scope {
        Scope::Store => Vec::new(),
        Scope::Seller(_) => (0..m.sellers.len() as u32).map(Scope::Seller).collect(),
        Scope::Category(_) => (0..m.categories.len() as u32).map(Scope::Category).collect(),
        Scope::Product(p) => match m.products[p as usize].category {
            Some(c) => m.category_products[c as usize].iter().map(|&q| Scope::Product(q)).collect(),
            None => Vec::new(),
        },
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

pub fn scorecard(ctx: Ctx<'_>, cfg: &Config, scope: Scope, range: DayRange, compare: Compare) -> Scorecard {
    let current = compute(ctx, scope, range);
    // A comparison period wholly before the store's first data has nothing to compare with.
    let compare_range = compare.range(range).filter(|r| r.to >= ctx.model.first_day);
    let previous = compare_range.map(|r| compute(ctx, scope, r));
    let peers: Vec<Vec<KpiValue>> = peers_of(ctx, scope).into_iter().map(|p| compute(ctx, p, range)).collect();
    let rows = CATALOGUE
        .iter()
        .zip(current)
        .enumerate()
        .map(|(i, (def, cur))| {
            let band = cfg.band(def.id);
            let status = match (&band, cur.value) {
                (Some(b), Some(v)) => b.status(v, def.direction),
                _ => Status::NotApplicable,
            };
            let peer_median = median(peers.iter().filter_map(|p| p[i].value).collect());
            let previous = previous.as_ref().filter(|_| !super::catalogue::is_snapshot(def.id)).map(|p| p[i].clone());
            KpiRow { def, previous, current: cur, peer_median, band, status }
        })
        .collect();
    let window = DayRange::ending(range.to, GRADE_DAYS);
    let bad = compute_one(ctx, scope, window, "bad_experience_rate");
    let grade = match (bad.value, bad.numerator, bad.denominator) {
        (Some(v), Some(n), Some(d)) => {
            Some(Grade { grade: cfg.grade.grade(v), bad_experience_rate: v, bad_orders: n, orders: d, window })
        }
        _ => None,
    };
    Scorecard { scope, range, compare, compare_range, rows, grade }
}

/// One KPI per bucket of the range.
pub fn series(ctx: Ctx<'_>, scope: Scope, range: DayRange, gran: Granularity, id: &str) -> Vec<(DayRange, KpiValue)> {
    gran.buckets(range).into_iter().map(|b| (b, compute_one(ctx, scope, b, id))).collect()
}

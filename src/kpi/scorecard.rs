//! The scorecard of a scope: every KPI with its comparison value, its peers' median ("how do I compare":
//! a seller against the store's sellers, a product against its category, a category against the others),
//! its band and status, and the service grade; plus KPI series for trends.

use super::catalogue::{CATALOGUE, KpiDef};
use std::sync::Arc;

use super::compute::{Ctx, KpiValue, compute, compute_fresh, compute_one};
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

/// A group of scopes compared with each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peers {
    Sellers,
    Categories,
    /// the products of a category
    ProductsOf(u32),
}

/// The group a scope is compared with (`None`: the store, and a product without a category).
pub fn peer_group(ctx: Ctx<'_>, scope: Scope) -> Option<Peers> {
    match scope {
        Scope::Store => None,
        Scope::Seller(_) => Some(Peers::Sellers),
        Scope::Category(_) => Some(Peers::Categories),
        Scope::Product(p) => ctx.model.products[p as usize].category.map(Peers::ProductsOf),
    }
}

/// The scopes of a group.
pub fn members(ctx: Ctx<'_>, group: Peers) -> Vec<Scope> {
    let m = ctx.model;
    match group {
        Peers::Sellers => (0..m.sellers.len() as u32).map(Scope::Seller).collect(),
        Peers::Categories => (0..m.categories.len() as u32).map(Scope::Category).collect(),
        Peers::ProductsOf(c) => m.category_products[c as usize].iter().map(|&q| Scope::Product(q)).collect(),
    }
}

/// The group's median of every KPI, in catalogue order; memoised per group and range, so that every
/// product of a category shares one computation (at 10M orders a category's 1,300 products took 200 ms
/// per product page). Products are computed without memoising each (a category's worth of entries per
/// period would crowd the memo); sellers and categories are few and asked for again, so they are.
pub fn peer_medians(ctx: Ctx<'_>, group: Peers, range: DayRange) -> Arc<Vec<Option<f64>>> {
    let (scope, name) = match group {
        Peers::Sellers => (Scope::Store, "peers:sellers"),
        Peers::Categories => (Scope::Store, "peers:categories"),
        Peers::ProductsOf(c) => (Scope::Category(c), "peers:products"),
    };
    let key = (scope, range, ctx.now, ctx.prior_weight.to_bits(), name);
    ctx.model.memo.get_or(key, || {
        let values: Vec<Vec<KpiValue>> = members(ctx, group)
            .into_iter()
            .map(|p| match p {
                Scope::Product(_) => compute_fresh(ctx, p, range),
                _ => compute(ctx, p, range),
            })
            .collect();
        (0..CATALOGUE.len()).map(|i| median(values.iter().filter_map(|v| v[i].value).collect())).collect()
    })
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
    let medians = peer_group(ctx, scope).map(|g| peer_medians(ctx, g, range));
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
            let peer_median = medians.as_ref().and_then(|m| m[i]);
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

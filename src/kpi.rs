//! KPIs: the catalogue (definitions), their computation from the engine's aggregates, and the scorecard of a
//! scope (values, comparison, peer median, status against the band of the chosen standard).

pub mod catalogue;
mod compute;
mod scorecard;

pub use catalogue::{CATALOGUE, Direction, Group, KpiDef, Unit};
pub use compute::{
    Ctx, KpiValue, VELOCITY_DAYS, compute, compute_ids, compute_one, compute_some, prepare, product_cover, unit_of,
};
pub use scorecard::{Grade, KpiRow, Peers, Scorecard, peer_group, peer_medians, scorecard, series};

//! Computing KPI values for a scope and a day range from the model's aggregates. A KPI whose data is absent
//! is `None` with a reason, never 0. Rates carry their numerator and denominator.

use std::cell::OnceCell;

use super::catalogue::{self, CATALOGUE, Unit};
use crate::engine::{Counters, CustomerStats, Model, Scope};
use crate::money;
use crate::period::DayRange;
use crate::time::Day;

/// Days of sales the stock KPIs average over.
pub const VELOCITY_DAYS: i32 = 30;

/// One KPI's value.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiValue {
    pub id: &'static str,
    /// the value: a share for ratios, major currency units for money
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// the exact amount in minor units, for money
    pub minor: Option<i64>,
    /// why there is no value
    pub reason: Option<String>,
}

impl KpiValue {
    fn none(id: &'static str, reason: impl Into<String>) -> Self {
        KpiValue { id, value: None, numerator: None, denominator: None, minor: None, reason: Some(reason.into()) }
    }
    fn plain(id: &'static str, v: f64) -> Self {
        KpiValue { id, value: Some(v), numerator: None, denominator: None, minor: None, reason: None }
    }
}

/// What the computation needs besides the scope and range.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub model: &'a Model,
    /// "now": the store's latest activity, or `--as-of`
    pub now: Day,
    /// weight of the store mean in the Bayesian rating
    pub prior_weight: f64,
}

/// Stock of a scope's products.
#[derive(Debug, Clone, Copy, Default)]
struct StockStats {
    stocked: i64,
    on_hand: i64,
    /// units sold over the velocity window by the stocked products
    recent_units: i64,
    /// stocked products that sell, with a lead time
    selling: i64,
    at_risk: i64,
    /// units sold in the period by the stocked products
    period_units: i64,
}

struct Inputs<'a> {
    ctx: Ctx<'a>,
    scope: Scope,
    range: DayRange,
    c: Counters,
    currency: Option<&'a str>,
    customers: OnceCell<CustomerStats>,
    stock: OnceCell<StockStats>,
}

impl<'a> Inputs<'a> {
    fn new(ctx: Ctx<'a>, scope: Scope, range: DayRange) -> Self {
        Inputs {
            ctx,
            scope,
            range,
            c: ctx.model.counters(scope, range),
            currency: ctx.model.currency(scope),
            customers: OnceCell::new(),
            stock: OnceCell::new(),
        }
    }
    fn customers(&self) -> &CustomerStats {
        self.customers.get_or_init(|| self.ctx.model.customers(self.scope).stats(self.range))
    }
    fn stock(&self) -> &StockStats {
        self.stock.get_or_init(|| stock_stats(self.ctx, self.scope, self.range))
    }
}

fn stock_stats(ctx: Ctx<'_>, scope: Scope, range: DayRange) -> StockStats {
    let m = ctx.model;
    let recent = DayRange::ending(ctx.now, VELOCITY_DAYS);
    // Units of the scope's stocked products in the period: the scope's units less those of its products
    // without stock (usually none), so a store of 20,000 products is not summed product by product.
    let mut s = StockStats { period_units: m.counters(scope, range).units, ..StockStats::default() };
    let units = m.units_by_product(recent);
    for p in m.products_of(scope) {
        let Some(stock) = m.stock.get(p as usize).copied().flatten() else {
            s.period_units -= m.counters(Scope::Product(p), range).units;
            continue;
        };
        let sold = units.get(p as usize).copied().unwrap_or_default();
        s.stocked += 1;
        s.on_hand += stock.on_hand.max(0);
        s.recent_units += sold;
        if let (true, Some(lead)) = (sold > 0, stock.lead_time_days) {
            s.selling += 1;
            let cover = stock.on_hand.max(0) as f64 * f64::from(VELOCITY_DAYS) / sold as f64;
            if cover < lead as f64 {
                s.at_risk += 1;
            }
        }
    }
    s
}

/// Computes into the model's memo what the views and the red flags of a new model both ask for first (the
/// units of every product over the stock-cover window, ~30 ms at 10M orders): the UI thread and the flags,
/// which start on a model together, each computed it, and slowed each other down on two cores.
pub fn prepare(ctx: Ctx<'_>) {
    drop(ctx.model.units_by_product(DayRange::ending(ctx.now, VELOCITY_DAYS)));
}

/// Days of cover of one product (`None`: not stocked or not selling).
pub fn product_cover(ctx: Ctx<'_>, product: u32) -> Option<(f64, i64, Option<i64>)> {
    let stock = ctx.model.stock.get(product as usize).copied().flatten()?;
    let sold = ctx.model.units_by_product(DayRange::ending(ctx.now, VELOCITY_DAYS)).get(product as usize).copied()?;
    (sold > 0)
        .then(|| (stock.on_hand.max(0) as f64 * f64::from(VELOCITY_DAYS) / sold as f64, sold, stock.lead_time_days))
}

fn ratio(id: &'static str, num: i64, den: i64, absent: &str) -> KpiValue {
    if den <= 0 {
        return KpiValue::none(id, absent);
    }
    KpiValue {
        id,
        value: Some(num as f64 / den as f64),
        numerator: Some(num as f64),
        denominator: Some(den as f64),
        minor: None,
        reason: None,
    }
}

fn mean(id: &'static str, sum: i64, n: i64, scale: f64, absent: &str) -> KpiValue {
    if n <= 0 {
        return KpiValue::none(id, absent);
    }
    KpiValue {
        id,
        value: Some(sum as f64 / n as f64 / scale),
        numerator: Some(sum as f64 / scale),
        denominator: Some(n as f64),
        minor: None,
        reason: None,
    }
}

fn money(id: &'static str, minor: i64, currency: Option<&str>) -> KpiValue {
    match currency {
        Some(cur) => KpiValue {
            id,
            value: Some(money::to_major(minor, cur)),
            numerator: None,
            denominator: None,
            minor: Some(minor),
            reason: None,
        },
        None => KpiValue::none(id, "sellers in this scope use different currencies"),
    }
}

/// Money divided by a count, rounded half away from zero to the minor unit.
fn money_per(id: &'static str, minor: i64, n: i64, currency: Option<&str>, absent: &str) -> KpiValue {
    if n <= 0 {
        return KpiValue::none(id, absent);
    }
    let q = div_round(minor, n);
    let mut v = money(id, q, currency);
    if v.value.is_some() {
        v.numerator = Some(minor as f64);
        v.denominator = Some(n as f64);
    }
    v
}

fn div_round(a: i64, b: i64) -> i64 {
    let (a, b) = (i128::from(a), i128::from(b));
    let q = (2 * a.abs() + b) / (2 * b);
    (if a < 0 { -q } else { q }) as i64
}

const NO_ORDERS: &str = "no paid orders in this period";
const NO_TRAFFIC: &str = "no traffic recorded for this scope and period";
const NO_RATINGS: &str = "no ratings in this period";
const PER_SELLER: &str = "recorded per seller, not per product or category";

fn seller_level(scope: Scope) -> bool {
    matches!(scope, Scope::Store | Scope::Seller(_))
}

/// The kinds of record a KPI needs at least one of; `None` when the store has none of them.
fn unrecorded(id: &str, r: crate::engine::Recorded) -> Option<&'static str> {
    let missing = match id {
        "seller_cancel_rate" => !r.cancellations,
        "fulfillment_rate" | "late_shipment_rate" => !r.deadlines,
        "handling_time_hours" => !r.shipments,
        "valid_tracking_rate" | "on_time_delivery_rate" => !r.scans,
        "return_rate" | "refund_rate" | "return_dissatisfaction_rate" | "refunds" => !r.returns,
        "order_defect_rate" => !(r.reviews || r.disputes),
        "dispute_rate" | "disputes_unanswered" => !r.disputes,
        "transaction_defect_rate" => !(r.cancellations || r.disputes),
        "bad_experience_rate" => !(r.reviews || r.disputes || r.cancellations),
        _ => false,
    };
    missing.then_some(match id {
        "seller_cancel_rate" => "this store records no cancellations",
        "return_rate" | "refund_rate" | "return_dissatisfaction_rate" | "refunds" => "this store records no returns",
        "dispute_rate" | "disputes_unanswered" => "this store records no disputes",
        "order_defect_rate" | "transaction_defect_rate" | "bad_experience_rate" => {
            "this store records none of the reviews, disputes or cancellations this is built on"
        }
        "valid_tracking_rate" | "on_time_delivery_rate" => "this store records no carrier scans (tracking)",
        "fulfillment_rate" | "late_shipment_rate" => "this store records no ship-by dates",
        _ => "this store records no shipments",
    })
}

fn value(id: &'static str, i: &Inputs<'_>) -> KpiValue {
    if let Some(why) = unrecorded(id, i.ctx.model.recorded) {
        return KpiValue::none(id, why);
    }
    let c = &i.c;
    let cur = i.currency;
    let shipped_absent = "no seller-fulfilled orders shipped in this period";
    match id {
        "gross_sales" => money(id, c.gross, cur),
        "refunds" => money(id, c.refunds, cur),
        "net_sales" => money(id, c.gross - c.discount - c.refunds, cur),
        "orders" => KpiValue::plain(id, c.orders as f64),
        "units" => KpiValue::plain(id, c.units as f64),
        "aov" => money_per(id, c.gross - c.discount, c.sales_orders, cur, NO_ORDERS),
        "customers" => KpiValue::plain(id, i.customers().customers as f64),
        "repeat_customer_rate" => {
            let s = i.customers();
            ratio(id, s.returning as i64, s.customers as i64, "no orders with a known customer in this period")
        }
        "visitors" | "page_views" if c.traffic_days == 0 => KpiValue::none(id, NO_TRAFFIC),
        "visitors" => KpiValue::plain(id, c.visitors as f64),
        "page_views" => KpiValue::plain(id, c.page_views as f64),
        "conversion_rate" | "add_to_cart_rate" | "cart_abandonment_rate" if c.traffic_days == 0 => {
            KpiValue::none(id, NO_TRAFFIC)
        }
        "conversion_rate" => ratio(id, c.orders, c.visitors, "no visitors in this period"),
        "add_to_cart_rate" => ratio(id, c.add_to_cart, c.visitors, "no visitors in this period"),
        "cart_abandonment_rate" => {
            ratio(id, (c.add_to_cart - c.orders).max(0), c.add_to_cart, "no add-to-cart sessions in this period")
        }
        "fulfillment_rate" => {
            ratio(id, c.fulfil_done, c.fulfil_due, "no seller-fulfilled orders due to ship in this period")
        }
        "late_shipment_rate" => ratio(id, c.shipped_late, c.shipped, shipped_absent),
        "seller_cancel_rate" => ratio(id, c.seller_cancels, c.sf_orders, "no seller-fulfilled orders in this period"),
        "valid_tracking_rate" => ratio(id, c.vtr_valid, c.vtr_shipped, shipped_absent),
        "on_time_delivery_rate" => {
            ratio(id, c.otd_on_time, c.otd_units, "no tracked units with a promised date in this period")
        }
        "handling_time_hours" => mean(id, c.handling_secs, c.handling_n, 3600.0, shipped_absent),
        "delivery_time_days" => mean(id, c.delivery_secs, c.delivery_n, 86_400.0, "no orders delivered in this period"),
        "return_rate" => ratio(id, c.returned_units, c.units, "no units sold in this period"),
        "refund_rate" if cur.is_none() => KpiValue::none(id, "sellers in this scope use different currencies"),
        "refund_rate" => ratio(id, c.refunded_sales, c.gross, "no gross sales in this period"),
        "return_dissatisfaction_rate" => {
            ratio(id, c.return_negative, c.return_requests, "no return requests in this period")
        }
        "rating_avg" => mean(id, c.rating_sum, c.ratings, 1.0, NO_RATINGS),
        "rating_bayes" => bayes(i),
        "ratings" => KpiValue::plain(id, c.ratings as f64),
        "positive_rate" => ratio(id, c.positive_ratings(), c.ratings, NO_RATINGS),
        "negative_rate" => ratio(id, c.negative_ratings(), c.ratings, NO_RATINGS),
        "image_review_rate" => ratio(id, c.image_ratings, c.ratings, NO_RATINGS),
        "dsr_described" | "dsr_communication" | "dsr_shipping" if !seller_level(i.scope) => {
            KpiValue::none(id, "detailed seller ratings rate the seller, not a product or category")
        }
        "dsr_described" => {
            mean(id, c.dsr_described_sum, c.dsr_described_n, 1.0, "no detailed seller ratings in this period")
        }
        "dsr_communication" => {
            mean(id, c.dsr_communication_sum, c.dsr_communication_n, 1.0, "no detailed seller ratings in this period")
        }
        "dsr_shipping" => {
            mean(id, c.dsr_shipping_sum, c.dsr_shipping_n, 1.0, "no detailed seller ratings in this period")
        }
        "order_defect_rate" => ratio(id, c.defect_orders, c.orders, NO_ORDERS),
        "dispute_rate" => ratio(id, c.dispute_orders, c.orders, NO_ORDERS),
        "transaction_defect_rate" => ratio(id, c.tdr_orders, c.orders, NO_ORDERS),
        "disputes_unanswered" => KpiValue::plain(id, c.disputes_unanswered as f64),
        "bad_experience_rate" => ratio(id, c.bad_orders, c.orders, NO_ORDERS),
        "days_of_cover" | "stockout_risk" | "sell_through_rate" if i.stock().stocked == 0 => {
            KpiValue::none(id, "no stock recorded for this scope")
        }
        "days_of_cover" => {
            let s = i.stock();
            if s.recent_units == 0 {
                KpiValue::none(id, "no units sold in the last 30 days")
            } else {
                let v = s.on_hand as f64 * f64::from(VELOCITY_DAYS) / s.recent_units as f64;
                KpiValue {
                    id,
                    value: Some(v),
                    numerator: Some(s.on_hand as f64),
                    denominator: Some(s.recent_units as f64 / f64::from(VELOCITY_DAYS)),
                    minor: None,
                    reason: None,
                }
            }
        }
        "stockout_risk" => {
            let s = i.stock();
            KpiValue { denominator: Some(s.selling as f64), ..KpiValue::plain(id, s.at_risk as f64) }
        }
        "sell_through_rate" => {
            let s = i.stock();
            ratio(id, s.period_units, s.period_units + s.on_hand, "nothing sold or on hand")
        }
        "response_rate_24h" | "response_time_hours" | "inquiry_conversion_rate" | "ad_spend" | "roas" | "cac"
            if !seller_level(i.scope) =>
        {
            KpiValue::none(id, PER_SELLER)
        }
        "response_rate_24h" => ratio(id, c.messages_24h, c.messages, "no buyer messages in this period"),
        "response_time_hours" => mean(id, c.reply_secs, c.replies, 3600.0, "no answered messages in this period"),
        "inquiry_conversion_rate" => ratio(id, c.inquiries_won, c.inquiries, "no inquiries in this period"),
        "ad_spend" | "roas" | "cac" if c.spend_days == 0 => KpiValue::none(id, "no marketing spend recorded"),
        "ad_spend" => money(id, c.ad_spend, cur),
        "roas" => ratio(id, c.gross - c.discount, c.ad_spend, "no marketing spend in this period"),
        "cac" => money_per(id, c.ad_spend, i.customers().new as i64, cur, "no new customers in this period"),
        "customer_lifetime_value" => {
            let to_date = DayRange::new(i.ctx.model.first_day.min(i.range.from), i.range.to);
            let all = i.ctx.model.counters(i.scope, to_date);
            let customers = i.ctx.model.customers(i.scope).to_date(i.range.to);
            money_per(id, all.gross - all.discount - all.refunds, customers as i64, cur, "no known customers yet")
        }
        "shipping_cost_per_order" => {
            money_per(id, c.ship_cost, c.ship_cost_n, cur, "no postage recorded in this period")
        }
        _ => KpiValue::none(id, "unknown KPI"),
    }
}

fn bayes(i: &Inputs<'_>) -> KpiValue {
    let id = "rating_bayes";
    if i.c.ratings == 0 {
        return KpiValue::none(id, NO_RATINGS);
    }
    // The store's counters of the range, memoised: every product of a table or a flag rule asks for the
    // same ones (summing them each time was a tenth of the red flags' time).
    let key = (Scope::Store, i.range, i.ctx.now, 0, "counters");
    let store = i.ctx.model.memo.get_or(key, || i.ctx.model.counters(Scope::Store, i.range));
    let prior = store.rating_sum as f64 / store.ratings.max(1) as f64;
    let m = i.ctx.prior_weight;
    let v = (i.c.rating_sum as f64 + m * prior) / (i.c.ratings as f64 + m);
    KpiValue {
        id,
        value: Some(v),
        numerator: Some(i.c.rating_sum as f64),
        denominator: Some(i.c.ratings as f64),
        minor: None,
        reason: None,
    }
}

/// Every KPI of the catalogue for a scope and range, in catalogue order.
/// Memoised in the model: views ask for the same scopes and ranges again at every keystroke (peers, the
/// previous period, a sort or a filter of the same table).
pub fn compute(ctx: Ctx<'_>, scope: Scope, range: DayRange) -> Vec<KpiValue> {
    let key = (scope, range, ctx.now, ctx.prior_weight.to_bits(), "all");
    let all = ctx.model.memo.get_or(key, || compute_fresh(ctx, scope, range));
    all.as_ref().clone()
}

/// Every KPI of the catalogue for a scope and range, not memoised (for callers that keep only what they
/// derive from it, as a category's peer medians do).
pub fn compute_fresh(ctx: Ctx<'_>, scope: Scope, range: DayRange) -> Vec<KpiValue> {
    let inputs = Inputs::new(ctx, scope, range);
    CATALOGUE.iter().map(|k| value(k.id, &inputs)).collect()
}

/// Some KPIs of a scope, from one pass over its aggregates; memoised in the model under `name` (which must
/// always stand for the same `ids`, as a table's columns do).
pub fn compute_some(
    ctx: Ctx<'_>,
    scope: Scope,
    range: DayRange,
    name: &'static str,
    ids: &[&'static str],
) -> std::sync::Arc<Vec<KpiValue>> {
    let key = (scope, range, ctx.now, ctx.prior_weight.to_bits(), name);
    ctx.model.memo.get_or(key, || compute_ids(ctx, scope, range, ids))
}

/// Some KPIs of a scope, from one pass over its aggregates (not memoised: for callers that keep the
/// answer whole, as the Products table of 20,000 products does).
pub fn compute_ids(ctx: Ctx<'_>, scope: Scope, range: DayRange, ids: &[&'static str]) -> Vec<KpiValue> {
    let inputs = Inputs::new(ctx, scope, range);
    ids.iter()
        .map(|id| match catalogue::find(id) {
            Some(k) => value(k.id, &inputs),
            None => KpiValue::none("unknown", format!("unknown KPI {id}")),
        })
        .collect()
}

/// One KPI (cheaper than `compute` when only one is needed).
pub fn compute_one(ctx: Ctx<'_>, scope: Scope, range: DayRange, id: &str) -> KpiValue {
    match catalogue::find(id) {
        Some(k) => value(k.id, &Inputs::new(ctx, scope, range)),
        None => KpiValue::none("unknown", format!("unknown KPI {id}")),
    }
}

/// The unit of a KPI id.
pub fn unit_of(id: &str) -> Unit {
    catalogue::find(id).map_or(Unit::Count, |k| k.unit)
}

#[cfg(test)]
mod tests {
    use super::div_round;

    #[test]
    fn rounding_half_away_from_zero() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(10, 3), 3);
        assert_eq!(div_round(0, 7), 0);
    }
}

//! Evaluating the rules of the chosen standard under a scope: seller rules for the scope's sellers, product
//! rules for its products. Each flag says what, where, on which numbers, against whose limit, and how sure
//! it is: a breach needs the minimum sample, the event floor and the Wilson bound to agree (gates G1–G3
//! of the KPI reference); otherwise it is "low confidence".

use super::rules::{Check, Level, RULES, RuleDef};
use super::stats::{Z999, wilson, wilson_z};
use crate::config::{Config, RuleOverride};
use crate::engine::Scope;
use crate::kpi::{Ctx, KpiValue, compute_ids, compute_one, product_cover};
use crate::period::DayRange;
use crate::time;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// past the limit, but the sample cannot tell
    LowConfidence,
    Warn,
    Breach,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::LowConfidence => "low confidence",
            Severity::Warn => "warn",
            Severity::Breach => "BREACH",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Flag {
    pub rule: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub level: Level,
    pub seller: String,
    pub seller_name: String,
    pub product: Option<String>,
    pub product_title: Option<String>,
    pub kpi: &'static str,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// the limit a breach is judged against
    pub limit: f64,
    pub source: &'static str,
    pub window: DayRange,
    /// the flag in words, with its numbers
    pub message: String,
    #[serde(skip)]
    pub seller_ix: u32,
    #[serde(skip)]
    pub product_ix: Option<u32>,
}

/// "2 breaches, 1 warning": the breaches and warnings among `severities`.
pub fn count_words(severities: &[Severity]) -> String {
    let n = |s: Severity| severities.iter().filter(|x| **x == s).count();
    let (b, w) = (n(Severity::Breach), n(Severity::Warn));
    format!("{b} breach{}, {w} warning{}", if b == 1 { "" } else { "es" }, if w == 1 { "" } else { "s" })
}

/// Flags, most severe first.
pub type FlagSet = Vec<Flag>;

/// Limits after the config's overrides.
#[derive(Debug, Clone, Copy)]
struct Limits {
    warn: f64,
    breach: f64,
    min_n: i64,
    window_days: i32,
}

fn limits(r: &RuleDef, o: &RuleOverride) -> Limits {
    Limits {
        warn: o.warn.unwrap_or(r.warn),
        breach: o.breach.unwrap_or(r.breach),
        min_n: o.min_count.unwrap_or(r.min_n),
        window_days: o.window_days.unwrap_or(r.window_days),
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// What the denominator of a KPI counts.
fn noun(kpi: &str) -> &'static str {
    match kpi {
        "return_rate" | "on_time_delivery_rate" => "units",
        "positive_rate" | "negative_rate" => "ratings",
        "response_rate_24h" => "messages",
        "return_dissatisfaction_rate" => "return requests",
        "conversion_rate" => "visitors",
        _ => "orders",
    }
}

fn window_words(w: DayRange) -> String {
    format!("{}..{}", time::fmt_day(w.from), time::fmt_day(w.to))
}

/// A decision: severity and the words after the numbers.
type Verdict = Option<(Severity, String)>;

/// Gates a rate rule. `bad_high`: larger values are worse.
fn rate_verdict(v: &KpiValue, lim: Limits, min_events: i64, bad_high: bool) -> Verdict {
    let (p, k, n) = (v.value?, v.numerator?, v.denominator?);
    let (lo, hi) = wilson(k, n);
    let past = |limit: f64| if bad_high { p >= limit } else { p < limit };
    let cmp = if bad_high { "≥" } else { "<" };
    if !past(lim.warn) && !past(lim.breach) {
        return None;
    }
    let events = if bad_high { k } else { n - k };
    let small = (n as i64) < lim.min_n || (events as i64) < min_events;
    if past(lim.breach) {
        let confident = if bad_high { lo >= lim.breach } else { hi < lim.breach };
        if small || !confident {
            let why = if small {
                format!(
                    "past the {} limit, but too few to judge (needs ≥ {} and ≥ {min_events} events)",
                    pct(lim.breach),
                    lim.min_n
                )
            } else {
                format!("past the {} limit, but the 95% interval {}–{} straddles it", pct(lim.breach), pct(lo), pct(hi))
            };
            return Some((Severity::LowConfidence, why));
        }
        return Some((
            Severity::Breach,
            format!("{cmp} {} limit (95% interval {}–{})", pct(lim.breach), pct(lo), pct(hi)),
        ));
    }
    // A warning, too, needs the sample and the confidence bound to agree.
    let confident = if bad_high { lo >= lim.warn } else { hi < lim.warn };
    if small || !confident {
        return None;
    }
    Some((Severity::Warn, format!("{cmp} {} warning level (95% interval {}–{})", pct(lim.warn), pct(lo), pct(hi))))
}

struct Eval<'a> {
    ctx: Ctx<'a>,
    cfg: &'a Config,
    period: Option<DayRange>,
    out: Vec<Flag>,
}

impl Eval<'_> {
    fn window(&self, rule: &RuleDef, days: i32) -> DayRange {
        if let Some(p) = self.period {
            return p;
        }
        let end = self.ctx.now - rule.lag_days;
        if days <= 0 { DayRange::new(self.ctx.model.first_day, end) } else { DayRange::ending(end, days) }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: &RuleDef,
        scope: Scope,
        window: DayRange,
        v: &KpiValue,
        limit: f64,
        sev: Severity,
        text: String,
    ) {
        let m = self.ctx.model;
        let (seller_ix, product_ix) = match scope {
            Scope::Product(p) => (m.products[p as usize].seller, Some(p)),
            Scope::Seller(s) => (s, None),
            _ => return,
        };
        let seller = &m.sellers[seller_ix as usize];
        let product = product_ix.map(|p| &m.products[p as usize]);
        let place = match product {
            Some(p) => format!("{} {} ({})", p.reference, p.title, seller.name),
            None => seller.name.clone(),
        };
        let message = format!("{place}: {text} [{} · {}, {}]", rule.id, rule.source, window_words(window));
        self.out.push(Flag {
            rule: rule.id,
            title: rule.title,
            severity: sev,
            level: rule.level,
            seller: seller.reference.clone(),
            seller_name: seller.name.clone(),
            product: product.map(|p| p.reference.clone()),
            product_title: product.map(|p| p.title.clone()),
            kpi: rule.kpi,
            value: v.value,
            numerator: v.numerator,
            denominator: v.denominator,
            limit,
            source: rule.source,
            window,
            message,
            seller_ix,
            product_ix,
        });
    }

    fn rate(&mut self, rule: &RuleDef, lim: Limits, scope: Scope) {
        let mut best: Option<(Severity, String, DayRange, KpiValue)> = None;
        let days: Vec<i32> = if rule.also_days > 0 && self.period.is_none() {
            vec![lim.window_days, rule.also_days]
        } else {
            vec![lim.window_days]
        };
        for d in days {
            let w = self.window(rule, d);
            let v = compute_one(self.ctx, scope, w, rule.kpi);
            let bad_high = rule.check == Check::RateAtLeast;
            if let Some((sev, why)) = rate_verdict(&v, lim, rule.min_events, bad_high)
                && best.as_ref().is_none_or(|b| sev > b.0)
            {
                best = Some((sev, why, w, v));
            }
        }
        if let Some((sev, why, w, v)) = best {
            let (p, k, n) = (v.value.unwrap_or(0.0), v.numerator.unwrap_or(0.0), v.denominator.unwrap_or(0.0));
            let text = format!("{} {} ({k:.0} of {n:.0} {}) {why}", rule.title.to_lowercase(), pct(p), noun(rule.kpi));
            self.push(rule, scope, w, &v, lim.breach, sev, text);
        }
    }

    fn rating(&mut self, rule: &RuleDef, lim: Limits, product: u32) {
        let w = self.window(rule, lim.window_days);
        let scope = Scope::Product(product);
        // Both from one sum of the product's cells.
        let both = compute_ids(self.ctx, scope, w, &["positive_rate", "rating_bayes"]);
        let (Some(v), Some(bayes)) = (both.first(), both.get(1)) else { return };
        let (Some(p), Some(k), Some(n)) = (v.value, v.numerator, v.denominator) else { return };
        let bayes = bayes.value.unwrap_or(5.0);
        let (lo, hi) = wilson_z(k, n, Z999);
        let base = format!(
            "4–5★ share {} ({k:.0} of {n:.0} ratings, 99.9% interval {}–{}), Bayesian rating {bayes:.2}",
            pct(p),
            pct(lo),
            pct(hi)
        );
        // Below the rating floor a product is "insufficient data", not a flag.
        let verdict = if (n as i64) < lim.min_n {
            None
        } else if hi < lim.breach {
            Some((Severity::Breach, format!("{base}: below {} with 99.9% confidence", pct(lim.breach))))
        } else if bayes < lim.warn {
            Some((Severity::Warn, format!("{base}: Bayesian rating below {:.1}", lim.warn)))
        } else if p < lim.breach && lo < lim.breach {
            Some((
                Severity::LowConfidence,
                format!("{base}: below {}, but the interval reaches above it", pct(lim.breach)),
            ))
        } else {
            None
        };
        if let Some((sev, text)) = verdict {
            self.push(rule, scope, w, v, lim.breach, sev, text);
        }
    }

    fn returns(&mut self, rule: &RuleDef, lim: Limits, products: &[u32]) {
        let w = self.window(rule, lim.window_days);
        let all: Vec<(u32, KpiValue)> = (0..self.ctx.model.products.len() as u32)
            .map(|p| (p, compute_one(self.ctx, Scope::Product(p), w, "return_rate")))
            .collect();
        let mut rates: Vec<f64> = all
            .iter()
            .filter(|(_, v)| v.denominator.is_some_and(|n| n as i64 >= lim.min_n))
            .filter_map(|(_, v)| v.value)
            .collect();
        rates.sort_by(f64::total_cmp);
        let median = match rates.len() {
            0..=4 => compute_one(self.ctx, Scope::Store, w, "return_rate").value.unwrap_or(0.0),
            n if n % 2 == 1 => rates[n / 2],
            n => (rates[n / 2 - 1] + rates[n / 2]) / 2.0,
        };
        for &p in products {
            let Some((_, v)) = all.get(p as usize) else { continue };
            let (Some(r), Some(k), Some(n)) = (v.value, v.numerator, v.denominator) else { continue };
            if r <= 0.0 || r <= median * lim.warn {
                continue;
            }
            // Below the unit floor a product's return rate is "insufficient data", not a flag.
            if (n as i64) < lim.min_n {
                continue;
            }
            let (lo, _) = wilson_z(k, n, Z999);
            let times = if median > 0.0 {
                format!("{:.1}× the store median {}", r / median, pct(median))
            } else {
                "with a store median of 0%".into()
            };
            let base =
                format!("return rate {} ({k:.0} of {n:.0} units, 99.9% interval from {}) is {times}", pct(r), pct(lo));
            let sev = if lo > median * lim.breach {
                Severity::Breach
            } else if lo > median * lim.warn {
                Severity::Warn
            } else if r > median * lim.breach {
                Severity::LowConfidence
            } else {
                continue;
            };
            let limit = median * lim.breach;
            self.push(rule, Scope::Product(p), w, v, limit, sev, base);
        }
    }

    fn trend(&mut self, rule: &RuleDef, lim: Limits, seller: u32) {
        let recent = self.window(rule, lim.window_days);
        let base = DayRange::new(recent.from - 4 * recent.len(), recent.from - 1);
        let scope = Scope::Seller(seller);
        let now = compute_one(self.ctx, scope, recent, rule.kpi);
        let before = compute_one(self.ctx, scope, base, rule.kpi);
        let (Some(p), Some(k), Some(n), Some(b), Some(bn)) =
            (now.value, now.numerator, now.denominator, before.value, before.numerator)
        else {
            return;
        };
        if b <= 0.0 {
            return;
        }
        let drop = 1.0 - p / b;
        if drop <= lim.warn {
            return;
        }
        let (_, hi) = wilson(k, n);
        let text = format!(
            "{} {} ({k:.0} of {n:.0} {}) is down {} from {} over the 28 days before",
            rule.title.to_lowercase().replace(" drop", ""),
            pct(p),
            noun(rule.kpi),
            pct(drop),
            pct(b)
        );
        let small = (n as i64) < lim.min_n || (bn as i64) < 20;
        let sev = if !small && hi < b * (1.0 - lim.breach) {
            Severity::Breach
        } else if !small && hi < b * (1.0 - lim.warn) {
            Severity::Warn
        } else if drop > lim.breach {
            Severity::LowConfidence
        } else {
            return;
        };
        self.push(rule, scope, recent, &now, b * (1.0 - lim.breach), sev, text);
    }

    fn stock(&mut self, rule: &RuleDef, lim: Limits, products: &[u32]) {
        let w = DayRange::ending(self.ctx.now, crate::kpi::VELOCITY_DAYS);
        for &p in products {
            let Some((cover, sold, Some(lead))) = product_cover(self.ctx, p) else { continue };
            let lead = lead as f64;
            if sold < lim.min_n || cover >= lead + lim.warn {
                continue;
            }
            let sev = if cover < lead { Severity::Breach } else { Severity::Warn };
            let on_hand = self.ctx.model.stock[p as usize].map_or(0, |s| s.on_hand);
            let text = format!(
                "{cover:.1} days of cover ({on_hand} on hand, {sold} sold in the last 30 days) against a {lead:.0}-day supplier lead time"
            );
            let v = KpiValue {
                id: "days_of_cover",
                value: Some(cover),
                numerator: Some(on_hand as f64),
                denominator: Some(sold as f64 / 30.0),
                minor: None,
                reason: None,
            };
            self.push(rule, Scope::Product(p), w, &v, lead, sev, text);
        }
    }

    fn disputes(&mut self, rule: &RuleDef, lim: Limits, seller: u32) {
        let now_ts = self.ctx.model.now_ts.min(time::day_start(self.ctx.now + 1) - 1);
        let day = time::SECS_PER_DAY as f64;
        let mut worst: Option<(f64, i64)> = None;
        let mut count = 0;
        for d in self.ctx.model.disputes.iter().filter(|d| d.seller == seller) {
            if d.opened_at > now_ts
                || d.responded_at.is_some_and(|t| t <= now_ts)
                || d.closed_at.is_some_and(|t| t <= now_ts)
            {
                continue;
            }
            let age = (now_ts - d.opened_at) as f64 / day;
            if age > lim.warn {
                count += 1;
                if worst.is_none_or(|w| age > w.0) {
                    worst = Some((age, d.order_db_id));
                }
            }
        }
        let Some((age, order)) = worst else { return };
        let sev = if age > lim.breach { Severity::Breach } else { Severity::Warn };
        let text = format!(
            "{count} dispute(s) open without a response; the oldest (order #{order}) for {age:.1} days, limit {:.0} days",
            lim.breach
        );
        let w = DayRange::new(self.ctx.now, self.ctx.now);
        let v = KpiValue {
            id: "disputes_unanswered",
            value: Some(f64::from(count)),
            numerator: None,
            denominator: None,
            minor: None,
            reason: None,
        };
        self.push(rule, Scope::Seller(seller), w, &v, lim.breach, sev, text);
    }

    fn grade(&mut self, rule: &RuleDef, lim: Limits, seller: u32) {
        let w = self.window(rule, lim.window_days);
        let v = compute_one(self.ctx, Scope::Seller(seller), w, "bad_experience_rate");
        let (Some(p), Some(k), Some(n)) = (v.value, v.numerator, v.denominator) else { return };
        let g = self.cfg.grade;
        let grade = g.grade(p);
        let (lo, _) = wilson(k, n);
        let sev = match grade {
            "fail" if (n as i64) >= lim.min_n && lo >= g.pass => Severity::Breach,
            "fail" => Severity::LowConfidence,
            "pass" if (n as i64) >= lim.min_n => Severity::Warn,
            _ => return,
        };
        let text = format!(
            "service grade {grade}: bad experience rate {} ({k:.0} of {n:.0} orders); fail at ≥ {}",
            pct(p),
            pct(g.pass)
        );
        self.push(rule, Scope::Seller(seller), w, &v, g.pass, sev, text);
    }

    fn etsy(&mut self, rule: &RuleDef, lim: Limits, seller: u32) {
        let w = self.window(rule, lim.window_days);
        let scope = Scope::Seller(seller);
        let get = |id| compute_one(self.ctx, scope, w, id);
        let (orders, gross) = (get("orders"), get("gross_sales"));
        if orders.value.unwrap_or(0.0) < lim.min_n as f64 || gross.value.unwrap_or(0.0) < 300.0 {
            return;
        }
        let mut missed = Vec::new();
        let resp = get("response_rate_24h");
        if resp.value.is_some_and(|v| v < lim.breach) {
            missed.push(format!("replied within 24 h {} < {}", pct(resp.value.unwrap_or(0.0)), pct(lim.breach)));
        }
        let late = get("late_shipment_rate");
        if late.value.is_some_and(|v| 1.0 - v < lim.breach) {
            missed.push(format!("shipped on time {} < {}", pct(1.0 - late.value.unwrap_or(0.0)), pct(lim.breach)));
        }
        let rating = get("rating_avg");
        if rating.value.is_some_and(|v| v < lim.warn) {
            missed.push(format!("average rating {:.2} < {:.1}", rating.value.unwrap_or(0.0), lim.warn));
        }
        if !missed.is_empty() {
            let text = format!("Star Seller criteria missed: {}", missed.join("; "));
            self.push(rule, scope, w, &rating, lim.warn, Severity::Breach, text);
        }
    }
}

/// Every active rule of the config's standard under `scope`. `period`: evaluate over it instead of each
/// rule's own window ending at "now".
pub fn evaluate(ctx: Ctx<'_>, cfg: &Config, scope: Scope, period: Option<DayRange>) -> FlagSet {
    let many = ctx.model.products_of(scope).len() >= PARALLEL_PRODUCTS;
    evaluate_on(ctx, cfg, scope, period, many)
}

/// `evaluate`, on two threads or one.
fn evaluate_on(ctx: Ctx<'_>, cfg: &Config, scope: Scope, period: Option<DayRange>, two: bool) -> FlagSet {
    let m = ctx.model;
    let sellers: Vec<u32> = match scope {
        Scope::Store => (0..m.sellers.len() as u32).collect(),
        Scope::Seller(s) => vec![s],
        Scope::Category(_) | Scope::Product(_) => Vec::new(),
    };
    let products = m.products_of(scope);
    let rules: Vec<(&RuleDef, Limits)> = RULES
        .iter()
        .filter(|r| r.standards.contains(&cfg.standard))
        .filter_map(|r| {
            let o = cfg.rule_override(r.id);
            (o.enabled != Some(false)).then(|| (r, limits(r, &o)))
        })
        .collect();
    let run = |(rule, lim): (&RuleDef, Limits)| {
        let mut e = Eval { ctx, cfg, period, out: Vec::new() };
        match (rule.level, rule.check) {
            (Level::Product, Check::RatingHealth) => products.iter().for_each(|&p| e.rating(rule, lim, p)),
            (Level::Product, Check::ReturnVsMedian) => e.returns(rule, lim, &products),
            (Level::Product, Check::StockCover) => e.stock(rule, lim, &products),
            (Level::Product, _) => products.iter().for_each(|&p| e.rate(rule, lim, Scope::Product(p))),
            (Level::Seller, Check::TrendDrop) => sellers.iter().for_each(|&s| e.trend(rule, lim, s)),
            (Level::Seller, Check::UnansweredDisputes) => sellers.iter().for_each(|&s| e.disputes(rule, lim, s)),
            (Level::Seller, Check::ServiceGrade) => sellers.iter().for_each(|&s| e.grade(rule, lim, s)),
            (Level::Seller, Check::EtsyStar) => sellers.iter().for_each(|&s| e.etsy(rule, lim, s)),
            (Level::Seller, _) => sellers.iter().for_each(|&s| e.rate(rule, lim, Scope::Seller(s))),
        }
        e.out
    };
    // Over many products the rules are shared out between two threads (the red flags are evaluated before a
    // refreshed model is shown); each rule's flags keep their place, so the result is the same.
    let per_rule: Vec<Vec<Flag>> = if two {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let share = || {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&r) = rules.get(i) else { break done };
                done.push((i, run(r)));
            }
        };
        let (mut a, b) = std::thread::scope(|s| {
            let other = s.spawn(share);
            let mine = share();
            (mine, other.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
        });
        a.extend(b);
        a.sort_by_key(|x| x.0);
        a.into_iter().map(|x| x.1).collect()
    } else {
        rules.iter().map(|&r| run(r)).collect()
    };
    let mut flags: Vec<Flag> = per_rule.into_iter().flatten().collect();
    flags.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| a.rule.cmp(b.rule)).then_with(|| a.message.cmp(&b.message))
    });
    flags
}

/// From this many products on, `evaluate` uses two threads.
const PARALLEL_PRODUCTS: usize = 2_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_threads_give_the_flags_of_one() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("flags.db");
        let opts = crate::demo::DemoOptions { orders: 3_000, seed: 9 };
        crate::demo::generate(&path, opts, &mut |_, _| {}).expect("demo");
        let model = crate::engine::open(&path).expect("load");
        let cfg = Config::default();
        let ctx = Ctx { model: &model, now: model.last_day, prior_weight: cfg.bayes_prior_weight };
        let key = |f: &Flag| (f.rule, f.severity, f.message.clone(), f.seller_ix, f.product_ix);
        let one: Vec<_> = evaluate_on(ctx, &cfg, Scope::Store, None, false).iter().map(key).collect();
        let two: Vec<_> = evaluate_on(ctx, &cfg, Scope::Store, None, true).iter().map(key).collect();
        assert!(one.len() > 10, "the demo plants problems: {} flags", one.len());
        assert_eq!(one, two);
    }
}

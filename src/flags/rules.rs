//! The red-flag rules: one row per rule, after section 2 of the KPI reference (`RF-…` ids are the
//! reference's). Each row says what it checks, on which KPI, at which level, over which window, with which
//! limits and gates, whose limits they are, and under which `--standard` it is active.

use crate::config::Standard;

/// What a rule is evaluated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Seller,
    Product,
}

/// How a rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// A lower-is-better rate: warn at ≥ warn, breach at ≥ breach when the Wilson lower bound agrees.
    RateAtLeast,
    /// A higher-is-better rate: warn below warn, breach below breach when the Wilson upper bound agrees.
    RateBelow,
    /// A product's 4–5★ share: breach when its whole Wilson interval is below `breach` (n ≥ min); warn when
    /// the lower bound and the share are below it, or the Bayesian average is below `warn` stars.
    RatingHealth,
    /// A product's unit return rate against `breach` × the store's median product return rate.
    ReturnVsMedian,
    /// The KPI's last 7 days against the trailing 28 days before them: breach on a drop of more than
    /// `breach` (a share) when the recent Wilson upper bound agrees.
    TrendDrop,
    /// A product's days of cover against its supplier lead time (warn: lead time + `warn` days).
    StockCover,
    /// Disputes open without a seller response for more than `breach` days (warn: `warn` days).
    UnansweredDisputes,
    /// AliExpress-style service grade: breach on "fail", warn on "pass".
    ServiceGrade,
    /// Etsy Star Seller: any of its criteria missed (response, on-time shipping, rating), gated on
    /// ≥ 5 orders and ≥ 300 in sales.
    EtsyStar,
}

#[derive(Debug, Clone, Copy)]
pub struct RuleDef {
    pub id: &'static str,
    pub title: &'static str,
    pub kpi: &'static str,
    pub level: Level,
    pub check: Check,
    /// days of the window ending at "now" (0: all time); a given `--period` replaces it
    pub window_days: i32,
    /// a second window evaluated too (Amazon watches LSR over 10 and 30 days)
    pub also_days: i32,
    /// days the window ends before "now" (Amazon's OTDR lags 7 days)
    pub lag_days: i32,
    pub warn: f64,
    pub breach: f64,
    /// G1: minimum denominator
    pub min_n: i64,
    /// G3: minimum number of events (numerator)
    pub min_events: i64,
    /// whose threshold and where it is published
    pub source: &'static str,
    pub standards: &'static [Standard],
}

use Check::*;
use Level::*;
use Standard::*;

const AMAZON_AND_GENERIC: &[Standard] = &[Amazon, Generic];
const EVERY: &[Standard] = &[Amazon, Ebay, Aliexpress, Etsy, Shopee, Generic];

#[allow(clippy::too_many_arguments)]
const fn def(
    id: &'static str,
    title: &'static str,
    kpi: &'static str,
    level: Level,
    check: Check,
    window_days: i32,
    warn: f64,
    breach: f64,
    min_n: i64,
    source: &'static str,
    standards: &'static [Standard],
) -> RuleDef {
    RuleDef {
        id,
        title,
        kpi,
        level,
        check,
        window_days,
        also_days: 0,
        lag_days: 0,
        warn,
        breach,
        min_n,
        min_events: 1,
        source,
        standards,
    }
}

pub static RULES: &[RuleDef] = &[
    def(
        "RF-AMZ-ODR",
        "Order defect rate",
        "order_defect_rate",
        Seller,
        RateAtLeast,
        60,
        0.0075,
        0.01,
        100,
        "Amazon: ODR < 1% (Seller Central G200285170)",
        AMAZON_AND_GENERIC,
    ),
    RuleDef {
        also_days: 10,
        ..def(
            "RF-AMZ-LSR",
            "Late shipment rate",
            "late_shipment_rate",
            Seller,
            RateAtLeast,
            30,
            0.03,
            0.04,
            25,
            "Amazon: LSR < 4% over 10 and 30 days",
            AMAZON_AND_GENERIC,
        )
    },
    def(
        "RF-AMZ-CR",
        "Pre-fulfilment cancel rate",
        "seller_cancel_rate",
        Seller,
        RateAtLeast,
        7,
        0.02,
        0.025,
        40,
        "Amazon: cancel rate < 2.5% over 7 days (help 200285210)",
        AMAZON_AND_GENERIC,
    ),
    def(
        "RF-AMZ-VTR",
        "Valid tracking rate",
        "valid_tracking_rate",
        Seller,
        RateBelow,
        30,
        0.97,
        0.95,
        20,
        "Amazon: VTR > 95% over 30 days (help G201817070)",
        AMAZON_AND_GENERIC,
    ),
    RuleDef {
        lag_days: 7,
        ..def(
            "RF-AMZ-OTDR",
            "On-time delivery rate",
            "on_time_delivery_rate",
            Seller,
            RateBelow,
            14,
            0.97,
            0.90,
            10,
            "Amazon: OTDR ≥ 90% over 14 days, lagged 7 days (US, since 2024-09-25)",
            AMAZON_AND_GENERIC,
        )
    },
    def(
        "RF-AMZ-RDR",
        "Return dissatisfaction rate",
        "return_dissatisfaction_rate",
        Seller,
        RateAtLeast,
        30,
        0.05,
        0.10,
        10,
        "Amazon: RDR < 10% (help 201887610); 30-day window is kpiscope's",
        AMAZON_AND_GENERIC,
    ),
    def(
        "RF-MSG-24H",
        "Messages answered within 24 h",
        "response_rate_24h",
        Seller,
        RateBelow,
        30,
        0.95,
        0.90,
        10,
        "Amazon: 90% of buyer messages answered within 24 h (help 200549770)",
        &[Amazon, Generic],
    ),
    def(
        "RF-ETSY-MSG",
        "Messages answered within 24 h",
        "response_rate_24h",
        Seller,
        RateBelow,
        90,
        0.97,
        0.95,
        10,
        "Etsy Star Seller: 95% of first messages answered within 24 h",
        &[Etsy],
    ),
    def(
        "RF-ETSY-STAR",
        "Etsy Star Seller criteria",
        "rating_avg",
        Seller,
        EtsyStar,
        90,
        4.8,
        0.95,
        5,
        "Etsy Star Seller: response ≥ 95%, on time with tracking ≥ 95%, rating ≥ 4.8; ≥ 5 orders and 300 in sales",
        &[Etsy],
    ),
    RuleDef {
        min_events: 5,
        ..def(
            "RF-EBAY-TDR",
            "Transaction defect rate",
            "transaction_defect_rate",
            Seller,
            RateAtLeast,
            90,
            0.005,
            0.02,
            100,
            "eBay: transaction defects ≤ 2% with ≥ 5 defects for Below Standard (seller performance policy)",
            &[Ebay],
        )
    },
    RuleDef {
        min_events: 6,
        ..def(
            "RF-EBAY-LATE",
            "Late shipment rate",
            "late_shipment_rate",
            Seller,
            RateAtLeast,
            90,
            0.02,
            0.03,
            100,
            "eBay: Top Rated needs late shipments ≤ 3% and ≤ 5",
            &[Ebay],
        )
    },
    def(
        "RF-SHP-NFR",
        "Non-fulfilment rate",
        "fulfillment_rate",
        Seller,
        RateBelow,
        7,
        0.95,
        0.90,
        20,
        "Shopee: non-fulfilment rate ≤ 10% over 7 days (third-party reposts)",
        &[Shopee],
    ),
    def(
        "RF-SHP-LSR",
        "Late shipment rate",
        "late_shipment_rate",
        Seller,
        RateAtLeast,
        7,
        0.10,
        0.20,
        20,
        "Shopee: late shipment rate < 20% over 7 days (third-party reposts)",
        &[Shopee],
    ),
    def(
        "RF-AE-DISPUTE",
        "Dispute left unanswered",
        "disputes_unanswered",
        Seller,
        UnansweredDisputes,
        0,
        3.0,
        5.0,
        1,
        "AliExpress: accept or reject a dispute within 5 days (third-party, ssopdot.com)",
        &[Aliexpress, Generic, Amazon, Ebay, Etsy, Shopee],
    ),
    def(
        "RF-AE-GRADE",
        "Service grade",
        "bad_experience_rate",
        Seller,
        ServiceGrade,
        90,
        0.0,
        0.0,
        100,
        "AliExpress-style grade on the bad experience rate, trailing 90 days; cut-offs are kpiscope's (not published)",
        &[Aliexpress],
    ),
    def(
        "RF-CSAT",
        "Positive rating share (CSAT)",
        "positive_rate",
        Seller,
        RateBelow,
        90,
        0.85,
        0.80,
        20,
        "CSAT > 80% satisfied (vendor bands)",
        &[Generic, Aliexpress],
    ),
    def(
        "RF-REV-PROD",
        "Product rating health",
        "positive_rate",
        Product,
        RatingHealth,
        0,
        4.0,
        0.80,
        10,
        "kpiscope: Wilson bound of the 4–5★ share below 0.80 with ≥ 10 ratings; Bayesian average < 4.0 warns",
        EVERY,
    ),
    def(
        "RF-RET-SKU",
        "Product return rate",
        "return_rate",
        Product,
        ReturnVsMedian,
        90,
        1.5,
        2.0,
        25,
        "kpiscope, after Amazon's return fee: > 2× the store median with ≥ 25 units",
        EVERY,
    ),
    def(
        "RF-CONV",
        "Conversion drop",
        "conversion_rate",
        Seller,
        TrendDrop,
        7,
        0.20,
        0.30,
        100,
        "kpiscope: last 7 days vs the 28 before, a drop of more than 30%",
        EVERY,
    ),
    def(
        "RF-INV-COVER",
        "Stock runs out before refill",
        "days_of_cover",
        Product,
        StockCover,
        30,
        7.0,
        0.0,
        5,
        "kpiscope: days of cover below the supplier lead time",
        EVERY,
    ),
];

/// A rule by id.
pub fn rule(id: &str) -> Option<&'static RuleDef> {
    RULES.iter().find(|r| r.id == id)
}

//! The KPI catalogue: every KPI's stable id (its JSON key), name, group, unit, direction, formula in words,
//! the date it is attributed to, and which marketplace definition it follows. `docs/kpis.md` is generated
//! from this table (`kpiscope catalogue`), and a test keeps the two equal.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// minor units of the scope's currency
    Money,
    Count,
    /// a share in [0, 1]
    Ratio,
    Hours,
    Days,
    /// 1–5 stars
    Stars,
    /// a multiple (return on ad spend)
    Multiple,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Higher,
    Lower,
    /// neither: volume figures
    Neutral,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    Sales,
    Funnel,
    Fulfillment,
    Returns,
    Reviews,
    Service,
    Stock,
    Growth,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Sales => "Sales",
            Group::Funnel => "Funnel",
            Group::Fulfillment => "Fulfillment",
            Group::Returns => "Returns",
            Group::Reviews => "Reviews",
            Group::Service => "Service",
            Group::Stock => "Stock",
            Group::Growth => "Service and growth",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct KpiDef {
    pub id: &'static str,
    pub name: &'static str,
    pub group: Group,
    pub unit: Unit,
    pub direction: Direction,
    /// numerator / denominator, which orders count
    pub formula: &'static str,
    /// the date each fact is attributed to
    pub date: &'static str,
    /// whose definition and why
    pub follows: &'static str,
}

macro_rules! kpi {
    ($id:literal, $name:literal, $group:ident, $unit:ident, $dir:ident, $formula:literal, $date:literal, $follows:literal) => {
        KpiDef {
            id: $id,
            name: $name,
            group: Group::$group,
            unit: Unit::$unit,
            direction: Direction::$dir,
            formula: $formula,
            date: $date,
            follows: $follows,
        }
    };
}

/// Every KPI, in display order.
pub static CATALOGUE: &[KpiDef] = &[
    kpi!(
        "gross_sales",
        "Gross sales",
        Sales,
        Money,
        Higher,
        "Σ quantity × unit price over the lines of paid orders that were not cancelled before shipment; before discounts and returns, without shipping or tax",
        "order placed",
        "Shopify's gross sales, except that cancelled orders are left out instead of being added and then returned: a cancelled order never was a sale"
    ),
    kpi!(
        "refunds",
        "Refunds",
        Sales,
        Money,
        Lower,
        "Σ refunded amounts of returns",
        "refund booked",
        "Shopify books returns on the refund date; so do we, so a period's refunds are the money that left in it"
    ),
    kpi!(
        "net_sales",
        "Net sales",
        Sales,
        Money,
        Higher,
        "gross sales − discounts − refunds",
        "order placed (refunds: refund booked)",
        "Shopify's net sales (no shipping or tax)"
    ),
    kpi!(
        "orders",
        "Orders",
        Sales,
        Count,
        Higher,
        "paid orders placed, cancelled ones included (unpaid orders are not orders)",
        "order placed",
        "the denominator the marketplaces use for order-level rates (Amazon ODR and cancel rate count every order)"
    ),
    kpi!(
        "units",
        "Units",
        Sales,
        Count,
        Higher,
        "Σ quantity on the lines of sales (paid, not cancelled) orders",
        "order placed",
        "plain unit count; the denominator of the unit return rate"
    ),
    kpi!(
        "aov",
        "Average order value",
        Sales,
        Money,
        Higher,
        "(gross sales − discounts) / sales orders",
        "order placed",
        "BigCommerce and Shopify's (gross − discounts) / orders variant, before returns, without shipping or tax, so it moves with what buyers chose, not with postage"
    ),
    kpi!(
        "customers",
        "Customers",
        Sales,
        Count,
        Higher,
        "distinct buyers with a paid order (orders without a known buyer are left out)",
        "order placed",
        "Shopify's customers count"
    ),
    kpi!(
        "repeat_customer_rate",
        "Repeat customer rate",
        Sales,
        Ratio,
        Higher,
        "customers of the period with at least two orders in the scope up to the period's end / customers of the period",
        "order placed",
        "Shopify's returning customer rate (the first order may be before the period) but it never looks past the period's end, so past periods do not change as time goes on"
    ),
    kpi!(
        "visitors",
        "Visitors",
        Funnel,
        Count,
        Higher,
        "Σ daily unique visitors: storefront rows for stores and sellers, product rows for products and categories",
        "traffic day",
        "the daily-visitors basis of BigCommerce and Intelligems (Shopify counts sessions; the two must not be compared)"
    ),
    kpi!(
        "page_views",
        "Page views",
        Funnel,
        Count,
        Higher,
        "Σ daily page views, same rows as visitors",
        "traffic day",
        "plain count"
    ),
    kpi!(
        "conversion_rate",
        "Conversion rate",
        Funnel,
        Ratio,
        Higher,
        "paid orders / visitors",
        "order placed; traffic day",
        "visitor-based conversion (BigCommerce: orders / visits), because traffic is recorded per day and visitor"
    ),
    kpi!(
        "add_to_cart_rate",
        "Add-to-cart rate",
        Funnel,
        Ratio,
        Higher,
        "sessions with an add-to-cart / visitors",
        "traffic day",
        "Shopify's funnel step 'sessions with cart additions'"
    ),
    kpi!(
        "cart_abandonment_rate",
        "Cart abandonment rate",
        Funnel,
        Ratio,
        Lower,
        "(add-to-cart sessions − paid orders, at least 0) / add-to-cart sessions",
        "traffic day; order placed",
        "1 − completed orders / carts created (Intelligems); Baymard's ≈70% average is a benchmark, not a threshold"
    ),
    kpi!(
        "fulfillment_rate",
        "Fulfillment rate",
        Fulfillment,
        Ratio,
        Higher,
        "seller-fulfilled paid orders ship-confirmed / those whose ship-by date has passed, buyer cancellations left out",
        "order placed",
        "the complement of Shopee's non-fulfilment rate: seller cancels and orders never shipped both count against it"
    ),
    kpi!(
        "late_shipment_rate",
        "Late shipment rate",
        Fulfillment,
        Ratio,
        Lower,
        "seller-fulfilled orders ship-confirmed after the expected ship-by date / seller-fulfilled orders ship-confirmed",
        "order placed",
        "Amazon's LSR: the confirmation timestamp counts, not a typed date"
    ),
    kpi!(
        "seller_cancel_rate",
        "Seller cancel rate",
        Fulfillment,
        Ratio,
        Lower,
        "seller-fulfilled paid orders cancelled before shipment by the seller, or automatically by the system / seller-fulfilled paid orders",
        "order placed",
        "Amazon's pre-fulfilment cancel rate: buyer cancellations are excluded, auto-cancellations count"
    ),
    kpi!(
        "valid_tracking_rate",
        "Valid tracking rate",
        Fulfillment,
        Ratio,
        Higher,
        "ship-confirmed seller-fulfilled orders with a carrier scan / ship-confirmed seller-fulfilled orders",
        "promised delivery date (ship date when none was promised)",
        "Amazon's VTR, attributed to the promised delivery date as Amazon does"
    ),
    kpi!(
        "on_time_delivery_rate",
        "On-time delivery rate",
        Fulfillment,
        Ratio,
        Higher,
        "units of tracked, ship-confirmed orders delivered by the promised date / units of tracked orders whose promised date has passed",
        "promised delivery date",
        "Amazon's OTDR: by units, without promise extensions; an order confirmed after its promise is never on time"
    ),
    kpi!(
        "handling_time_hours",
        "Handling time",
        Fulfillment,
        Hours,
        Lower,
        "mean hours from payment to ship confirmation, over seller-fulfilled orders confirmed",
        "order placed",
        "the handling time eBay and Etsy promise buyers; no platform threshold, so no band"
    ),
    kpi!(
        "delivery_time_days",
        "Delivery time",
        Fulfillment,
        Days,
        Lower,
        "mean days from order to delivery, over delivered orders",
        "order placed",
        "what the buyer waits, order to door"
    ),
    kpi!(
        "return_rate",
        "Return rate",
        Returns,
        Ratio,
        Lower,
        "units returned / units sold, both from the sales orders of the period",
        "order placed (returns follow the order they came from)",
        "the unit return rate (Amazon FBA's return fee, narvar), matched to the sales cohort so that recent periods are not inflated by old sales"
    ),
    kpi!(
        "refund_rate",
        "Refund rate",
        Returns,
        Ratio,
        Lower,
        "amount refunded on the period's sales orders (at most each line's value) / gross sales",
        "order placed (refunds follow the order they came from)",
        "refund rate by value on the order cohort, so that it is a true share of sales (the refunds KPI books money on the refund date instead)"
    ),
    kpi!(
        "return_dissatisfaction_rate",
        "Return dissatisfaction rate",
        Returns,
        Ratio,
        Lower,
        "return requests rejected or not answered within 48 hours / return requests",
        "return requested",
        "Amazon's RDR without the buyer-survey part (not in a seller's export)"
    ),
    kpi!(
        "rating_avg",
        "Average rating",
        Reviews,
        Stars,
        Higher,
        "Σ stars / ratings, over product reviews and seller feedback in the scope",
        "review created",
        "Etsy's average rating (Star Seller: mean of reviews received)"
    ),
    kpi!(
        "rating_bayes",
        "Rating (Bayesian)",
        Reviews,
        Stars,
        Higher,
        "(Σ stars + m × C) / (ratings + m), C the store's mean rating in the period, m the prior weight (default 10)",
        "review created",
        "IMDb's 'true Bayesian estimate': a few ratings cannot rank a product above many good ones"
    ),
    kpi!("ratings", "Ratings", Reviews, Count, Higher, "ratings received", "review created", "plain count"),
    kpi!(
        "positive_rate",
        "Positive rate (CSAT)",
        Reviews,
        Ratio,
        Higher,
        "4–5★ ratings / ratings",
        "review created",
        "CSAT on a 5-point scale and AliExpress's positive feedback rate"
    ),
    kpi!(
        "negative_rate",
        "Negative rate",
        Reviews,
        Ratio,
        Lower,
        "1–2★ ratings / ratings",
        "review created",
        "Amazon's definition of negative (1–2★)"
    ),
    kpi!(
        "image_review_rate",
        "Reviews with images",
        Reviews,
        Ratio,
        Higher,
        "ratings with images / ratings",
        "review created",
        "plain share"
    ),
    kpi!(
        "dsr_described",
        "DSR: item as described",
        Reviews,
        Stars,
        Higher,
        "mean of the item-as-described sub-ratings given",
        "review created",
        "AliExpress and eBay detailed seller ratings"
    ),
    kpi!(
        "dsr_communication",
        "DSR: communication",
        Reviews,
        Stars,
        Higher,
        "mean of the communication sub-ratings given",
        "review created",
        "AliExpress and eBay detailed seller ratings"
    ),
    kpi!(
        "dsr_shipping",
        "DSR: shipping speed",
        Reviews,
        Stars,
        Higher,
        "mean of the shipping-speed sub-ratings given",
        "review created",
        "AliExpress and eBay detailed seller ratings"
    ),
    kpi!(
        "order_defect_rate",
        "Order defect rate",
        Service,
        Ratio,
        Lower,
        "paid orders with at least one defect (1–2★ seller feedback, a claim or chargeback not decided for the seller) / paid orders",
        "order placed",
        "Amazon's ODR: defects are order-correlated and an order counts once"
    ),
    kpi!(
        "transaction_defect_rate",
        "Transaction defect rate",
        Service,
        Ratio,
        Lower,
        "paid orders cancelled by the seller or with a case decided for the buyer / paid orders",
        "order placed",
        "eBay's transaction defect rate (seller cancels + cases closed without seller resolution); buyer-requested cancellations are not defects"
    ),
    kpi!(
        "dispute_rate",
        "Dispute rate",
        Service,
        Ratio,
        Lower,
        "paid orders with a dispute, claim or chargeback / paid orders",
        "order placed",
        "AliExpress-style dispute rate over orders"
    ),
    kpi!(
        "disputes_unanswered",
        "Disputes unanswered",
        Service,
        Count,
        Lower,
        "disputes with no seller response within 5 days of opening (as of the store's latest activity)",
        "dispute opened",
        "AliExpress's 5-day dispute response rule"
    ),
    kpi!(
        "bad_experience_rate",
        "Bad experience rate",
        Service,
        Ratio,
        Lower,
        "paid orders with a 1–3★ rating, a DSR ≤ 3, a dispute or a seller cancel / paid orders",
        "order placed",
        "AliExpress's buyer bad-experience order rate (its service grade uses the trailing 90 days)"
    ),
    kpi!(
        "days_of_cover",
        "Days of cover",
        Stock,
        Days,
        Higher,
        "units on hand / mean daily units sold over the 30 days up to 'now', over the scope's stocked products",
        "now (stock is a snapshot)",
        "common practice (no authoritative source)"
    ),
    kpi!(
        "stockout_risk",
        "Stock-out risk",
        Stock,
        Count,
        Lower,
        "stocked products selling whose days of cover are below the supplier lead time",
        "now (stock is a snapshot)",
        "runs out before the supplier can refill: a stock-out leads to seller cancels (Amazon CR, Shopee NFR)"
    ),
    kpi!(
        "sell_through_rate",
        "Sell-through rate",
        Stock,
        Ratio,
        Higher,
        "units sold in the period / (units sold in the period + units on hand now), over stocked products",
        "order placed; now",
        "Shopify's sell-through (sold / received), with receipts approximated by sold + on hand"
    ),
    kpi!(
        "response_rate_24h",
        "Replied within 24 h",
        Growth,
        Ratio,
        Higher,
        "buyer messages needing a reply answered within 24 hours / buyer messages needing a reply",
        "message received",
        "Amazon's contact response time and Etsy's Star Seller message criterion; 'no response needed' is excluded"
    ),
    kpi!(
        "response_time_hours",
        "Response time",
        Growth,
        Hours,
        Lower,
        "mean hours to the first reply, over answered messages",
        "message received",
        "Alibaba.com's average response time"
    ),
    kpi!(
        "inquiry_conversion_rate",
        "Inquiry conversion",
        Growth,
        Ratio,
        Higher,
        "pre-sale inquiries that led to an order / pre-sale inquiries",
        "message received",
        "Alibaba.com's inquiry-to-order conversion"
    ),
    kpi!("ad_spend", "Ad spend", Growth, Money, Neutral, "Σ marketing spend", "spend day", "plain sum"),
    kpi!(
        "roas",
        "ROAS",
        Growth,
        Multiple,
        Higher,
        "(gross sales − discounts) / ad spend",
        "order placed; spend day",
        "blended return on ad spend (revenue per unit of spend, Google Ads' definition) without an attribution model"
    ),
    kpi!(
        "cac",
        "Customer acquisition cost",
        Growth,
        Money,
        Lower,
        "ad spend / customers whose first order in the scope falls in the period",
        "spend day; order placed",
        "the usual CAC (acquisition spend / new customers)"
    ),
    kpi!(
        "customer_lifetime_value",
        "Customer lifetime value",
        Growth,
        Money,
        Higher,
        "net sales from the first day of data to the period's end / distinct customers up to the period's end",
        "order placed",
        "historical CLV (revenue per customer to date): it needs no churn estimate, unlike the AOV × frequency × lifespan formula"
    ),
    kpi!(
        "shipping_cost_per_order",
        "Shipping cost per order",
        Growth,
        Money,
        Lower,
        "Σ postage paid by the seller / paid orders with a known postage",
        "order placed",
        "plain mean"
    ),
];

/// KPIs that describe "now" (stock on hand), not a period: they have no comparison value.
pub fn is_snapshot(id: &str) -> bool {
    matches!(id, "days_of_cover" | "stockout_risk")
}

pub fn find(id: &str) -> Option<&'static KpiDef> {
    CATALOGUE.iter().find(|k| k.id == id)
}

/// Position of a KPI in the catalogue (values are stored in this order).
pub fn index(id: &str) -> Option<usize> {
    CATALOGUE.iter().position(|k| k.id == id)
}

/// The catalogue as Markdown: docs/kpis.md is exactly this text.
pub fn markdown() -> String {
    let mut out = String::from(
        "# KPI catalogue\n\n\
         Generated by `kpiscope catalogue` from `src/kpi/catalogue.rs`; a test keeps this file equal to it.\n\
         Every KPI is computed for any scope (store, seller, category, product) and period. A KPI whose data is\n\
         absent is `null` with a reason, never 0. Thresholds (bands) depend on `--standard`: see\n\
         `kpiscope config --print-default --standard NAME` for each one with its source.\n",
    );
    let mut group = None;
    for k in CATALOGUE {
        if group != Some(k.group) {
            group = Some(k.group);
            out.push_str(&format!(
                "\n## {}\n\n| id | name | unit | better | formula | date | follows |\n|---|---|---|---|---|---|---|\n",
                k.group.title()
            ));
        }
        let dir = match k.direction {
            Direction::Higher => "higher",
            Direction::Lower => "lower",
            Direction::Neutral => "–",
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            k.id,
            k.name,
            format!("{:?}", k.unit).to_lowercase(),
            dir,
            k.formula,
            k.date,
            k.follows
        ));
    }
    out
}

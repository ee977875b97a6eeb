//! Data quality: every row the engine met that breaks an assumption (a missing or mistyped value, a
//! shipment before its order, a time in the future, a rating of 7, a negative quantity, an orphan...),
//! counted with one example and what the engine did about it. Shown by the explorer's data panel, by
//! `report`, and in `report --format json`; `docs/data-quality.md` is `markdown()`.

use std::collections::BTreeMap;

/// One kind of problem, as counted in one store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Issue {
    /// stable identifier, e.g. `rating_out_of_range` or `bad_value:orders.placed_at`
    pub id: String,
    /// what was found, in words
    pub what: String,
    pub count: u64,
    /// the first case met, e.g. "review 12: rating 7"
    pub example: String,
    /// what the engine does with such rows, and which KPIs that touches
    pub effect: String,
}

/// The checks with a fixed meaning: (id, what, effect). Bad values and orphans add their own ids.
pub const CHECKS: &[(&str, &str, &str)] = &[
    (
        "bad_value",
        "rows with a required value missing (NULL) or of the wrong type (`bad_value:table.column`); a traffic or \
         marketing-spend day that is not a date from 1970-01-01 on",
        "the row is left out of every KPI",
    ),
    (
        "orphan",
        "rows pointing at a seller, product, order or item the store does not have (`orphan:...`)",
        "the row is left out of every KPI",
    ),
    (
        "future_time",
        "times later than tomorrow (by this computer's clock), and traffic or spend days after tomorrow",
        "treated as not happened yet (an order placed in the future is left out, and so is a future day's traffic \
         or spend); they never move the store's \"now\"",
    ),
    (
        "shipped_before_placed",
        "orders ship-confirmed before they were paid",
        "handling time counts them as 0 s; late shipment and fulfilment are unaffected",
    ),
    (
        "delivered_before_placed",
        "orders delivered before they were placed",
        "delivery time counts them as 0 s; on-time delivery is judged on the promise as usual",
    ),
    (
        "rating_out_of_range",
        "reviews with a rating outside 1–5",
        "the review is left out of ratings, stars, negative feedback and bad experiences",
    ),
    (
        "dsr_out_of_range",
        "detailed seller ratings outside 1–5",
        "that sub-rating is left out of its DSR average and of bad experiences; the review's stars still count",
    ),
    (
        "bad_quantity",
        "order lines with a quantity of 0 or less, or over 2,147,483,647",
        "the line is left out of gross sales, units, returns and the discount split; its order still counts",
    ),
    (
        "negative_price",
        "order lines with a negative unit price",
        "the line is left out of gross sales, units, returns and the discount split; its order still counts",
    ),
    (
        "unknown_currency",
        "sellers whose currency is not an ISO 4217 code",
        "their money KPIs are shown in that code as given; store totals mixing currencies stay empty",
    ),
    (
        "duplicate_ref",
        "sellers or products sharing their ref with another",
        "each is kept apart by its id; `--seller`/`--product` pick the first with that ref",
    ),
    (
        "unsafe_text",
        "names, titles or references with control characters or escape sequences, or over 300 characters",
        "shown with � in place of each control character, and cut; no KPI changes",
    ),
    (
        "spike_day",
        "days with over 20 times the orders of the median day (and over 100)",
        "counted as they are (a sale, or a bulk load dated to one day): trends and that day's period show the spike",
    ),
    ("no_orders", "a store without a single paid order", "every sales, fulfilment and service KPI shows no data"),
];

/// The problems of one store, by id.
#[derive(Debug, Clone, Default)]
pub struct Quality {
    found: BTreeMap<String, (u64, String)>,
}

impl Quality {
    /// Counts one case of `id`; the first example is kept (`example` runs only then).
    pub fn note(&mut self, id: impl Into<String>, example: impl FnOnce() -> String) {
        let e = self.found.entry(id.into()).or_insert_with(|| (0, String::new()));
        if e.0 == 0 {
            e.1 = example();
        }
        e.0 += 1;
    }

    /// Every (id, count, first example), for `snapshot`.
    pub(super) fn entries(&self) -> impl Iterator<Item = (&str, u64, &str)> {
        self.found.iter().map(|(k, (n, ex))| (k.as_str(), *n, ex.as_str()))
    }

    pub(super) fn insert(&mut self, id: String, count: u64, example: String) {
        self.found.insert(id, (count, example));
    }

    /// Forgets the cases of `id` (checks recomputed in full on each refresh).
    pub fn clear(&mut self, id: &str) {
        self.found.remove(id);
    }

    pub fn count(&self, id: &str) -> u64 {
        self.found.get(id).map_or(0, |e| e.0)
    }

    /// How many kinds of problem were found.
    pub fn len(&self) -> usize {
        self.found.len()
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// Every problem found, in the order of `CHECKS`.
    pub fn issues(&self) -> Vec<Issue> {
        let rank = |id: &str| {
            let family = id.split(':').next().unwrap_or(id);
            CHECKS.iter().position(|c| c.0 == family).unwrap_or(CHECKS.len())
        };
        let mut out: Vec<Issue> = self
            .found
            .iter()
            .map(|(id, (count, example))| {
                let family = id.split_once(':');
                let (what, effect) = CHECKS
                    .iter()
                    .find(|c| c.0 == family.map_or(id.as_str(), |f| f.0))
                    .map_or(("?", "?"), |c| (c.1, c.2));
                let what = match family {
                    Some(("bad_value", col)) => format!("rows whose {col} is missing or of the wrong type"),
                    Some(("orphan", why)) => why.to_string(),
                    _ => what.to_string(),
                };
                Issue { id: id.clone(), what, count: *count, example: example.clone(), effect: effect.to_string() }
            })
            .collect();
        out.sort_by(|a, b| rank(&a.id).cmp(&rank(&b.id)).then_with(|| a.id.cmp(&b.id)));
        out
    }
}

/// The checks as Markdown (`docs/data-quality.md`).
pub fn markdown() -> String {
    let mut s = String::from(
        "# Data quality\n\nGenerated from `src/engine/quality.rs` (a test keeps it in step). kpiscope never \
         crashes on rows that break its assumptions and never lets them skew a KPI silently: each case below is \
         counted, with its first example, in the explorer's data panel (`D`), at the end of `kpiscope report`, \
         and under `data_quality` in `report --format json`.\n\n| id | what | what kpiscope does |\n|---|---|---|\n",
    );
    for (id, what, effect) in CHECKS {
        s.push_str(&format!("| `{id}` | {what} | {effect} |\n"));
    }
    s.push_str(
        "\nIds and refs cannot repeat within a table in a kpiscope store: ids are SQLite rowids, and the \
         importers refuse a second row with the same natural key (naming its file, line and column).\n",
    );
    s
}

/// ISO 4217 codes in use (and a few common historical ones still seen in exports).
pub fn known_currency(code: &str) -> bool {
    const CODES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP \
        BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD \
        GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP \
        LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN \
        PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS \
        TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";
    code.len() == 3 && CODES.split_whitespace().any(|c| c == code)
}

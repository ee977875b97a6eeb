//! Configuration: the threshold profile (`--standard`), the good/warn/bad bands of each KPI with the source
//! of each threshold, the service-grade cut-offs, and per-rule overrides, read from a TOML file.
//! `kpiscope config --print-default` prints the defaults, with their sources, as a valid config file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::kpi::{Direction, catalogue};

/// Whose thresholds apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Standard {
    Amazon,
    Ebay,
    Aliexpress,
    Etsy,
    Shopee,
    /// Amazon's account-health limits where a platform publishes one, plus kpiscope's own rules.
    #[default]
    Generic,
}

impl Standard {
    pub const ALL: [Standard; 6] =
        [Standard::Amazon, Standard::Ebay, Standard::Aliexpress, Standard::Etsy, Standard::Shopee, Standard::Generic];
    pub fn name(self) -> &'static str {
        match self {
            Standard::Amazon => "amazon",
            Standard::Ebay => "ebay",
            Standard::Aliexpress => "aliexpress",
            Standard::Etsy => "etsy",
            Standard::Shopee => "shopee",
            Standard::Generic => "generic",
        }
    }
}

/// The good/warn/bad limits of a KPI. For lower-is-better KPIs a value ≥ `bad` is bad and ≥ `warn` is warn;
/// for higher-is-better ones a value < `bad` is bad and < `warn` is warn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub warn: f64,
    pub bad: f64,
    /// whose threshold, and where it is published
    pub source: String,
}

/// A KPI's status against its band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Good,
    Warn,
    Bad,
    /// no value, or no threshold
    #[serde(rename = "n.a.")]
    NotApplicable,
}

impl Band {
    pub fn status(&self, value: f64, dir: Direction) -> Status {
        match dir {
            Direction::Lower if value >= self.bad => Status::Bad,
            Direction::Lower if value >= self.warn => Status::Warn,
            Direction::Higher if value < self.bad => Status::Bad,
            Direction::Higher if value < self.warn => Status::Warn,
            Direction::Neutral => Status::NotApplicable,
            _ => Status::Good,
        }
    }
}

const AMZ_ODR: &str = "Amazon ODR < 1% (Seller Central help G200285170; warn 0.75% is kpiscope's)";
const AMZ_LSR: &str = "Amazon LSR < 4% (Seller Central LSR help; warn 3% after cajari.com)";
const AMZ_CR: &str = "Amazon cancel rate < 2.5% (Seller Central help 200285210; warn 2% after cajari.com)";
const AMZ_VTR: &str = "Amazon VTR > 95% (Seller Central help G201817070; warn 97% is kpiscope's)";
const AMZ_OTDR: &str = "Amazon OTDR ≥ 90% (US, since 2024-09-25; warn at the former 97% recommendation)";
const AMZ_RDR: &str = "Amazon RDR < 10% (Seller Central help 201887610; warn 5% is kpiscope's)";
const AMZ_MSG: &str = "Amazon: 90% of buyer messages answered within 24 h (help 200549770; warn 95% is kpiscope's)";
const DESIGN: &str = "kpiscope's default: no platform publishes a threshold";

/// The default band of a KPI under a standard, with its source; `None`: no threshold applies.
pub fn default_band(kpi: &str, standard: Standard) -> Option<Band> {
    use Standard::*;
    let b = |warn: f64, bad: f64, source: &str| Some(Band { warn, bad, source: source.to_string() });
    match (kpi, standard) {
        ("order_defect_rate", Ebay) => b(
            0.005,
            0.02,
            "eBay transaction defect rate: Top Rated ≤ 0.5%, Below Standard > 2% (seller performance policy)",
        ),
        ("order_defect_rate", _) => b(0.0075, 0.01, AMZ_ODR),
        ("late_shipment_rate", Ebay) => {
            b(0.02, 0.03, "eBay Top Rated late shipment ≤ 3% (sellercentre.ebay.com.au; warn 2% is kpiscope's)")
        }
        ("late_shipment_rate", Shopee) => {
            b(0.10, 0.20, "Shopee LSR < 20% since 2024-01-15 (warn at the former 10%; third-party reposts)")
        }
        ("late_shipment_rate", Etsy) => {
            b(0.03, 0.05, "Etsy Star Seller: 95% shipped on time with tracking (third-party copies of Etsy help)")
        }
        ("late_shipment_rate", _) => b(0.03, 0.04, AMZ_LSR),
        ("seller_cancel_rate", Ebay) => {
            b(0.005, 0.02, "eBay: seller cancels are transaction defects (Top Rated ≤ 0.5%, Below Standard > 2%)")
        }
        ("seller_cancel_rate", Shopee) => {
            b(0.05, 0.10, "Shopee non-fulfilment rate ≤ 10% (third-party reposts, Jan 2024 rule)")
        }
        ("seller_cancel_rate", _) => b(0.02, 0.025, AMZ_CR),
        ("fulfillment_rate", Shopee) => {
            b(0.95, 0.90, "Shopee non-fulfilment rate ≤ 10% (third-party reposts, Jan 2024 rule)")
        }
        ("fulfillment_rate", _) => b(0.98, 0.95, DESIGN),
        ("valid_tracking_rate", Ebay) => {
            b(0.97, 0.95, "eBay Top Rated: tracking uploaded and validated ≥ 95% (sellglobal.ebay.in)")
        }
        ("valid_tracking_rate", _) => b(0.97, 0.95, AMZ_VTR),
        ("on_time_delivery_rate", Etsy) => {
            b(0.97, 0.95, "Etsy Star Seller: 95% on time with tracking (third-party copies of Etsy help)")
        }
        ("on_time_delivery_rate", _) => b(0.97, 0.90, AMZ_OTDR),
        ("return_dissatisfaction_rate", _) => b(0.05, 0.10, AMZ_RDR),
        ("response_rate_24h", Etsy) => {
            b(0.97, 0.95, "Etsy Star Seller: 95% of first messages answered within 24 h (help.etsy.com 29665255990039)")
        }
        ("response_rate_24h", Shopee) => {
            b(0.85, 0.75, "Shopee Preferred Seller: chat response rate ≥ 75% (third-party reposts)")
        }
        ("response_rate_24h", _) => b(0.95, 0.90, AMZ_MSG),
        ("positive_rate", Aliexpress) => {
            b(0.97, 0.95, "AliExpress positive feedback ≥ 95% is 'safe' (third-party guides; warn 97% is kpiscope's)")
        }
        ("positive_rate", _) => {
            b(0.85, 0.80, "CSAT: > 80% satisfied (vendor bands, getfeedback.com; warn 85% is kpiscope's)")
        }
        ("rating_avg" | "rating_bayes", Etsy) => b(
            4.8,
            4.5,
            "Etsy Star Seller: average rating ≥ 4.8 (third-party copies of Etsy help; bad 4.5 is kpiscope's)",
        ),
        ("rating_avg" | "rating_bayes", _) => {
            b(4.2, 4.0, "kpiscope's default: a Bayesian average < 4.0 warns (RF-REV-PROD, IMDb method); warn 4.2")
        }
        ("dsr_described" | "dsr_communication" | "dsr_shipping", _) => b(4.6, 4.3, DESIGN),
        ("negative_rate", _) => b(0.05, 0.10, DESIGN),
        ("dispute_rate", _) => b(0.005, 0.01, DESIGN),
        ("transaction_defect_rate", _) => {
            b(0.005, 0.02, "eBay: Top Rated ≤ 0.5%, Below Standard > 2% (seller performance policy)")
        }
        ("disputes_unanswered", _) => {
            b(1.0, 1.0, "AliExpress: a dispute must be answered within 5 days (third-party, ssopdot.com)")
        }
        ("bad_experience_rate", _) => {
            b(0.06, 0.10, "kpiscope's default grade cut-offs (AliExpress does not publish its own)")
        }
        ("stockout_risk", _) => b(1.0, 1.0, DESIGN),
        _ => None,
    }
}

/// AliExpress-style service grade cut-offs on the bad experience rate (trailing 90 days). AliExpress does not
/// publish its cut-offs: these defaults are kpiscope's, and configurable.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GradeCuts {
    pub excellent: f64,
    pub good: f64,
    pub pass: f64,
}

impl Default for GradeCuts {
    fn default() -> Self {
        GradeCuts { excellent: 0.03, good: 0.06, pass: 0.10 }
    }
}

impl GradeCuts {
    pub fn grade(&self, bad_experience_rate: f64) -> &'static str {
        if bad_experience_rate < self.excellent {
            "excellent"
        } else if bad_experience_rate < self.good {
            "good"
        } else if bad_experience_rate < self.pass {
            "pass"
        } else {
            "fail"
        }
    }
}

/// Overrides of one red-flag rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    pub enabled: Option<bool>,
    pub warn: Option<f64>,
    pub breach: Option<f64>,
    pub min_count: Option<i64>,
    pub window_days: Option<i32>,
}

/// The explorer's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// dark | light | mono (`NO_COLOR` forces mono)
    pub theme: Option<String>,
    /// capture the mouse (click tabs and rows, wheel scrolls); false leaves text selection to the terminal
    pub mouse: Option<bool>,
    /// command name → keys, replacing the defaults (`kpiscope` help overlay `?` lists the names)
    pub keys: BTreeMap<String, Vec<String>>,
}

/// The config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub standard: Standard,
    /// weight m of the store mean in the Bayesian rating
    pub bayes_prior_weight: f64,
    pub grade: GradeCuts,
    /// KPI id → band, replacing the standard's
    pub bands: BTreeMap<String, Band>,
    /// rule id → overrides
    pub rules: BTreeMap<String, RuleOverride>,
    pub ui: UiConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            standard: Standard::Generic,
            bayes_prior_weight: 10.0,
            grade: GradeCuts::default(),
            bands: BTreeMap::new(),
            rules: BTreeMap::new(),
            ui: UiConfig::default(),
        }
    }
}

impl Config {
    /// Reads a config file; unknown keys and KPI ids are errors, so typos do not pass silently.
    pub fn from_file(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.into(), source })?;
        Config::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let cfg: Config =
            toml::from_str(text).map_err(|e| Error::Config { path: path.into(), message: e.to_string() })?;
        for id in cfg.bands.keys() {
            if catalogue::find(id).is_none() {
                return Err(Error::Config { path: path.into(), message: format!("[bands.{id}]: no such KPI") });
            }
        }
        for id in cfg.rules.keys() {
            if crate::flags::rule(id).is_none() {
                return Err(Error::Config { path: path.into(), message: format!("[rules.\"{id}\"]: no such rule") });
            }
        }
        if let Some(t) = &cfg.ui.theme
            && !["dark", "light", "mono"].contains(&t.as_str())
        {
            return Err(Error::Config {
                path: path.into(),
                message: format!("[ui] theme = \"{t}\": use dark, light or mono"),
            });
        }
        if let Err(message) = crate::ui::keys::with_overrides(crate::ui::keys::default_commands(), &cfg.ui.keys) {
            return Err(Error::Config { path: path.into(), message });
        }
        if cfg.bayes_prior_weight < 0.0 || !cfg.bayes_prior_weight.is_finite() {
            return Err(Error::Config { path: path.into(), message: "bayes_prior_weight must be ≥ 0".into() });
        }
        Ok(cfg)
    }

    /// The config in the default place (`$XDG_CONFIG_HOME/kpiscope/config.toml`), if there is one.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "kpiscope").map(|d| d.config_dir().join("config.toml"))
    }

    /// Loads `explicit`, else the default file if it exists, else the defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        match explicit {
            Some(p) => Config::from_file(p),
            None => match Config::default_path() {
                Some(p) if p.is_file() => Config::from_file(&p),
                _ => Ok(Config::default()),
            },
        }
    }

    /// The band of a KPI: the config's own, else the standard's default.
    pub fn band(&self, kpi: &str) -> Option<Band> {
        self.bands.get(kpi).cloned().or_else(|| default_band(kpi, self.standard))
    }

    pub fn rule_override(&self, id: &str) -> RuleOverride {
        self.rules.get(id).cloned().unwrap_or_default()
    }
}

/// The default config as TOML, each threshold commented with its source.
pub fn print_default(standard: Standard) -> String {
    let d = Config::default();
    let g = d.grade;
    let mut out = format!(
        "# kpiscope configuration: the defaults for --standard {std}.\n\
         # Put this file at ~/.config/kpiscope/config.toml (or pass --config FILE) and change what you need.\n\
         # Thresholds change: every one carries its source; check it against the platform's current rules.\n\n\
         # amazon | ebay | aliexpress | etsy | shopee | generic\n\
         standard = \"{std}\"\n\
         # weight of the store mean in the Bayesian rating (IMDb's m)\n\
         bayes_prior_weight = {m:?}\n\n\
         # Service grade from the bad experience rate over the trailing 90 days. AliExpress grades sellers\n\
         # excellent / good / pass / fail but does not publish the cut-offs: these are kpiscope's own.\n\
         [grade]\nexcellent = {e:?}\ngood = {go:?}\npass = {p:?}\n",
        std = standard.name(),
        m = d.bayes_prior_weight,
        e = g.excellent,
        go = g.good,
        p = g.pass,
    );
    out.push_str(
        "\n# The explorer. Keys: command name = [keys], e.g. quit = [\"q\", \"Ctrl-c\"]; press ? in the explorer\n\
         # for the names. Keys are written j, G, Ctrl-d, Enter, Esc, Tab, BackTab, Up, Down, PageUp, Home...\n\
         [ui]\ntheme = \"dark\"\nmouse = true\n\n[ui.keys]\n# down = [\"j\", \"Down\"]\n",
    );
    out.push_str("\n# Good/warn/bad bands per KPI. Lower-is-better: ≥ bad is bad, ≥ warn is warn.\n");
    out.push_str("# Higher-is-better: < bad is bad, < warn is warn.\n");
    for k in catalogue::CATALOGUE {
        if let Some(b) = default_band(k.id, standard) {
            out.push_str(&format!(
                "\n[bands.{}]\nwarn = {:?}\nbad = {:?}\nsource = {}\n",
                k.id,
                b.warn,
                b.bad,
                toml_string(&b.source)
            ));
        }
    }
    out.push_str(
        "\n# Red-flag rules active under this standard (override warn, breach, min_count, window_days, enabled).\n",
    );
    for r in crate::flags::RULES.iter().filter(|r| r.standards.contains(&standard)) {
        out.push_str(&format!(
            "\n# {}: {} ({})\n[rules.\"{}\"]\nenabled = true\nwarn = {:?}\nbreach = {:?}\nmin_count = {}\nwindow_days = {}\n",
            r.id, r.title, r.source, r.id, r.warn, r.breach, r.min_n, r.window_days
        ));
    }
    out
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_defaults_parse_back_for_every_standard() {
        for s in Standard::ALL {
            let text = print_default(s);
            let cfg = Config::parse(&text, Path::new("default.toml")).expect("defaults parse");
            assert_eq!(cfg.standard, s);
            assert_eq!(cfg.band("late_shipment_rate"), default_band("late_shipment_rate", s));
        }
    }

    #[test]
    fn typos_are_errors() {
        let e = Config::parse("[bands.late_shipment]\nwarn = 0.1\nbad = 0.2\nsource = \"x\"\n", Path::new("c.toml"));
        assert!(e.expect_err("unknown KPI").to_string().contains("no such KPI"));
        let e = Config::parse("standrd = \"ebay\"\n", Path::new("c.toml"));
        assert!(e.expect_err("unknown key").to_string().contains("standrd"));
    }

    #[test]
    fn bands_follow_direction() {
        let lsr = default_band("late_shipment_rate", Standard::Amazon).expect("band");
        assert_eq!(lsr.status(0.039, Direction::Lower), Status::Warn);
        assert_eq!(lsr.status(0.04, Direction::Lower), Status::Bad);
        let vtr = default_band("valid_tracking_rate", Standard::Amazon).expect("band");
        assert_eq!(vtr.status(0.95, Direction::Higher), Status::Warn);
        assert_eq!(vtr.status(0.9499, Direction::Higher), Status::Bad);
        assert_eq!(vtr.status(0.98, Direction::Higher), Status::Good);
    }
}

//! The `report` command's output: a scorecard with its flags, as a text table, JSON or CSV.

use serde_json::{Map, Value, json};

use super::{csv_field, format, opt_num};
use crate::config::Status;
use crate::engine::{Model, Scope};
use crate::flags::FlagSet;
use crate::kpi::{Group, Scorecard};
use crate::time;

/// What the report is about, besides the scorecard.
#[derive(Debug, Clone)]
pub struct ReportMeta {
    pub store: String,
    pub standard: &'static str,
    pub period_spec: String,
    pub period_words: String,
    pub now: crate::time::Day,
}

fn scope_json(m: &Model, scope: Scope) -> Value {
    match scope {
        Scope::Store => json!({"level": "store", "ref": null, "name": "All sellers"}),
        Scope::Seller(s) => {
            let s = &m.sellers[s as usize];
            json!({"level": "seller", "ref": s.reference, "name": s.name})
        }
        Scope::Category(c) => {
            json!({"level": "category", "ref": m.categories[c as usize], "name": m.categories[c as usize]})
        }
        Scope::Product(p) => {
            let p = &m.products[p as usize];
            json!({"level": "product", "ref": p.reference, "name": p.title, "seller": m.sellers[p.seller as usize].reference})
        }
    }
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Good => "good",
        Status::Warn => "warn",
        Status::Bad => "bad",
        Status::NotApplicable => "n.a.",
    }
}

/// The documented JSON shape (docs/report-json.md).
pub fn report_json(m: &Model, meta: &ReportMeta, card: &Scorecard, flags: &FlagSet) -> Value {
    let mut kpis = Map::new();
    for row in &card.rows {
        let cur = &row.current;
        let compare = row.previous.as_ref().map(|p| {
            json!({"value": p.value, "numerator": p.numerator, "denominator": p.denominator, "minor": p.minor, "reason": p.reason})
        });
        kpis.insert(
            row.def.id.to_string(),
            json!({
                "name": row.def.name,
                "group": row.def.group,
                "unit": row.def.unit,
                "direction": row.def.direction,
                "value": cur.value,
                "numerator": cur.numerator,
                "denominator": cur.denominator,
                "minor": cur.minor,
                "reason": cur.reason,
                "status": status_word(row.status),
                "band": row.band,
                "compare": compare,
                "change": row.change(),
                "peer_median": row.peer_median,
            }),
        );
    }
    json!({
        "kpiscope_report": 1,
        "store": meta.store,
        "standard": meta.standard,
        "scope": scope_json(m, card.scope),
        "currency": m.currency(card.scope),
        "as_of": time::fmt_day(meta.now),
        "period": {"spec": meta.period_spec, "from": time::fmt_day(card.range.from), "to": time::fmt_day(card.range.to), "days": card.range.len()},
        "compare": card.compare_range.map(|r| json!({"kind": card.compare, "from": time::fmt_day(r.from), "to": time::fmt_day(r.to)})),
        "service_grade": card.grade.as_ref().map(|g| json!({
            "grade": g.grade, "bad_experience_rate": g.bad_experience_rate, "numerator": g.bad_orders,
            "denominator": g.orders, "from": time::fmt_day(g.window.from), "to": time::fmt_day(g.window.to)})),
        "kpis": kpis,
        "flags": super::flags::flag_values(flags),
        "data_quality": m.quality.issues(),
    })
}

pub fn report_csv(card: &Scorecard) -> String {
    let mut out = String::from(
        "kpi,name,group,unit,value,numerator,denominator,status,compare_value,change,peer_median,reason\n",
    );
    for row in &card.rows {
        let c = &row.current;
        let fields = [
            row.def.id.to_string(),
            csv_field(row.def.name),
            format!("{:?}", row.def.group).to_lowercase(),
            format!("{:?}", row.def.unit).to_lowercase(),
            opt_num(c.value),
            opt_num(c.numerator),
            opt_num(c.denominator),
            status_word(row.status).to_string(),
            opt_num(row.previous.as_ref().and_then(|p| p.value)),
            opt_num(row.change()),
            opt_num(row.peer_median),
            csv_field(c.reason.as_deref().unwrap_or("")),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn status_mark(s: Status) -> &'static str {
    match s {
        Status::Good => "✓ good",
        Status::Warn => "! warn",
        Status::Bad => "✗ bad",
        Status::NotApplicable => "",
    }
}

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w { s.to_string() } else { format!("{s}{}", " ".repeat(w - n)) }
}

fn lpad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w { s.to_string() } else { format!("{}{s}", " ".repeat(w - n)) }
}

/// An aligned text table for a terminal.
pub fn report_table(m: &Model, meta: &ReportMeta, card: &Scorecard, flags: &FlagSet) -> String {
    let cur = m.currency(card.scope);
    let compare = card.compare_range.map(|r| format!(" vs {}", r.label())).unwrap_or_default();
    let mut out = format!(
        "{} · {} ({}) {}{} · standard {}\n",
        m.scope_name(card.scope),
        meta.period_words,
        meta.period_spec,
        card.range.label(),
        compare,
        meta.standard
    );
    if let Some(g) = &card.grade {
        out.push_str(&format!(
            "Service grade: {} (bad experience {:.1}%: {:.0} of {:.0} orders, {})\n",
            g.grade,
            g.bad_experience_rate * 100.0,
            g.bad_orders,
            g.orders,
            g.window.label()
        ));
    }
    let head = [
        pad("KPI", 30),
        lpad("Value", 18),
        lpad("Previous", 18),
        lpad("Change", 10),
        lpad("Peers", 12),
        "  Status".into(),
    ];
    out.push('\n');
    out.push_str(head.concat().trim_end());
    out.push('\n');
    let mut group: Option<Group> = None;
    for row in &card.rows {
        if group != Some(row.def.group) {
            group = Some(row.def.group);
            out.push_str(row.def.group.title());
            out.push('\n');
        }
        let unit = row.def.unit;
        let value = format::value(unit, &row.current, cur);
        let prev = row.previous.as_ref().map(|p| format::value(unit, p, cur)).unwrap_or_default();
        let change = match (row.current.value, row.previous.as_ref().and_then(|p| p.value)) {
            (Some(a), Some(b)) => format::change(unit, a, b),
            _ => String::new(),
        };
        let peers = row.peer_median.map(|v| format::number(unit, v)).unwrap_or_default();
        let mut status = status_mark(row.status).to_string();
        if let (Some(b), true) = (&row.band, row.status != Status::NotApplicable) {
            status.push_str(&format!(" (limit {})", format::number(unit, b.bad)));
        }
        let line = [
            pad(&format!("  {}", row.def.name), 30),
            lpad(&value, 18),
            lpad(&prev, 18),
            lpad(&change, 10),
            lpad(&peers, 12),
            format!("  {status}"),
        ]
        .concat();
        out.push_str(line.trim_end());
        if let (None, Some(r)) = (row.current.value, &row.current.reason) {
            out.push_str(&format!("  ({r})"));
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&super::flags_table(flags, false));
    out
}

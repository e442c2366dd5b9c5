//! The report's content computed from the engine: every target of a framework judged in one
//! view, the count met, the pillars, the three tiers, what is behind with the directives and
//! plan tasks assigned to it, the directives of the review meeting and the overdue ones.
//! Nothing here is wording: the templates turn it into sentences.

use chiso_core::plan::{Directive, Plan};
use chiso_core::{Framework, Status, TargetPillar, TargetScope};
use chiso_engine::{Engine, Scope, View};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// Everything the report is computed from.
pub struct Inputs<'a> {
    pub engine: &'a Engine,
    pub view: View,
    pub framework: &'a Framework,
    pub directives: &'a [Directive],
    pub plans: &'a [Plan],
    /// Unit code → (Vietnamese name, English name).
    pub unit_names: &'a HashMap<String, (String, String)>,
    /// The communes of the framework's province on the year's last day: (code, vi, en).
    pub communes: &'a [(String, String, String)],
    /// The scorecard the communes are ranked by (the commune DX index), if any.
    pub scorecard: Option<&'a chiso_core::Scorecard>,
    /// The day the targets are judged on.
    pub today: NaiveDate,
    /// The data version: the last audit row's sequence number.
    pub audit_seq: i64,
    /// When the report is made, e.g. "2026-12-04 14:20 UTC".
    pub made_at: String,
}

/// One target judged.
#[derive(Debug, Clone, Serialize)]
pub struct TargetRow {
    pub no: usize,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// `digital_government`, … or `other`.
    pub pillar: String,
    pub indicator: Option<String>,
    /// The indicator's unit, e.g. "%", "tỷ đồng".
    pub unit: String,
    pub is_rate: bool,
    pub decimals: u8,
    /// The planned value (value targets).
    pub plan: Option<f64>,
    /// The value reached (value targets).
    pub actual: Option<f64>,
    /// met, beyond_plan, not_met, at_risk, on_track, done_early, done_late, overdue, no_data.
    pub status: String,
    pub achieved: bool,
    /// actual − plan (points for a rate).
    pub gap: Option<f64>,
    pub due: Option<NaiveDate>,
    pub days_early: Option<i64>,
    /// The same figure a year before, its change (points for a rate) and relative change (%).
    pub last_year: Option<f64>,
    pub change: Option<f64>,
    pub change_percent: Option<f64>,
    pub note: Option<String>,
}

/// A pillar's count of targets met.
#[derive(Debug, Clone, Serialize)]
pub struct PillarRow {
    pub pillar: String,
    pub total: usize,
    pub achieved: usize,
    /// The target codes of the pillar, in the framework's order.
    pub targets: Vec<String>,
}

/// A directive or a plan task assigned to a target not met.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    /// `directive` or `task`.
    pub kind: String,
    /// "Directive 5" / the plan's code and task's code.
    pub reference: String,
    pub text_vi: String,
    pub text_en: String,
    pub owner_vi: String,
    pub owner_en: String,
    pub due: NaiveDate,
    pub progress: u8,
    pub overdue: bool,
    pub done: bool,
}

/// A target not met and what is being done about it.
#[derive(Debug, Clone, Serialize)]
pub struct Behind {
    pub target: TargetRow,
    pub actions: Vec<Action>,
}

/// A directive of the review meeting.
#[derive(Debug, Clone, Serialize)]
pub struct DirectiveRow {
    pub number: u32,
    pub source: String,
    pub text_vi: String,
    pub text_en: String,
    pub owners_vi: String,
    pub owners_en: String,
    pub issued_on: NaiveDate,
    pub due: NaiveDate,
    pub progress: u8,
    pub overdue: bool,
    pub done: bool,
    pub targets: Vec<String>,
}

/// A commune's place in the scorecard's ranking.
#[derive(Debug, Clone, Serialize)]
pub struct CommuneRank {
    pub rank: u32,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// The index in per cent; none when the commune has no figure at all.
    pub index: Option<f64>,
}

/// A commune and its DX products in the next year.
#[derive(Debug, Clone, Serialize)]
pub struct ProductRow {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub registered: bool,
}

/// A unit's plan for the next year.
#[derive(Debug, Clone, Serialize)]
pub struct PlanRow {
    pub code: String,
    pub unit_vi: String,
    pub unit_en: String,
    /// draft, submitted, approved, returned.
    pub status: String,
    pub tasks: usize,
    pub done: usize,
    pub overdue: usize,
    /// The targets not met that its tasks address.
    pub targets: Vec<String>,
}

/// The report's content.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub framework: String,
    pub framework_name_vi: String,
    pub framework_name_en: String,
    /// The year reviewed, e.g. 2023, and the next one.
    pub year: i32,
    pub next_year: i32,
    /// `official` or `live`.
    pub view: String,
    pub today: NaiveDate,
    pub audit_seq: i64,
    pub made_at: String,
    pub total: usize,
    pub achieved: usize,
    pub not_achieved: usize,
    pub beyond_plan: usize,
    pub targets: Vec<TargetRow>,
    /// The targets by code, for the templates: `t.KH2023_04.actual`.
    pub t: HashMap<String, TargetRow>,
    pub pillars: Vec<PillarRow>,
    /// The targets on the three tiers of agencies (the same indicator over unit groups).
    pub tiers: Vec<TargetRow>,
    pub behind: Vec<Behind>,
    /// The directives issued after the year's end (the review meeting's), by number.
    pub next_tasks: Vec<DirectiveRow>,
    /// Directives overdue on `today`.
    pub overdue: Vec<DirectiveRow>,
    /// The scorecard's name and the communes ranked by it, best first.
    pub ranking_name_vi: String,
    pub ranking_name_en: String,
    pub ranking: Vec<CommuneRank>,
    /// The communes that must register a DX product in the next year, with or without one.
    pub products: Vec<ProductRow>,
    pub products_registered: usize,
    /// The plans of the next year.
    pub plans: Vec<PlanRow>,
}

/// An engine error while computing the report.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

pub fn pillar_key(p: Option<TargetPillar>) -> &'static str {
    match p {
        Some(TargetPillar::DigitalGovernment) => "digital_government",
        Some(TargetPillar::DigitalEconomy) => "digital_economy",
        Some(TargetPillar::DigitalSociety) => "digital_society",
        Some(TargetPillar::Project06) => "project06",
        Some(TargetPillar::Infrastructure) => "infrastructure",
        None => "other",
    }
}

pub fn status_key(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::BeyondPlan => "beyond_plan",
        Status::NotMet => "not_met",
        Status::AtRisk => "at_risk",
        Status::OnTrack => "on_track",
        Status::DoneEarly => "done_early",
        Status::DoneLate => "done_late",
        Status::Overdue => "overdue",
        Status::NoData => "no_data",
    }
}

fn owners(
    codes: &[chiso_core::Code],
    names: &HashMap<String, (String, String)>,
) -> (String, String) {
    let name = |c: &chiso_core::Code, en: bool| {
        names
            .get(c.as_str())
            .map(|(vi, e)| if en { e.clone() } else { vi.clone() })
            .unwrap_or_else(|| c.to_string())
    };
    let vi: Vec<String> = codes.iter().map(|c| name(c, false)).collect();
    let en: Vec<String> = codes.iter().map(|c| name(c, true)).collect();
    (vi.join(", "), en.join(", "))
}

fn directive_row(d: &Directive, i: &Inputs<'_>) -> DirectiveRow {
    let (owners_vi, owners_en) = owners(&d.assignees, i.unit_names);
    DirectiveRow {
        number: d.number,
        source: d.source.clone(),
        text_vi: d.text.clone(),
        text_en: d.text_in("en").to_string(),
        owners_vi,
        owners_en,
        issued_on: d.issued_on,
        due: d.due,
        progress: d.progress,
        overdue: d.overdue(i.today),
        done: d.completed_on.is_some_and(|c| c <= i.today),
        targets: d.targets.iter().map(|c| c.to_string()).collect(),
    }
}

/// Compute the report's content.
pub fn build(i: &Inputs<'_>) -> Result<Report, BuildError> {
    let err = |e: chiso_engine::EngineError| BuildError(e.to_string());
    let f = i.framework;
    let v = i.engine.view(i.view);
    let year = f
        .targets
        .first()
        .map(|t| chrono::Datelike::year(&t.period.start()))
        .unwrap_or_else(|| chrono::Datelike::year(&i.today));
    let mut targets = Vec::new();
    for (n, t) in f.targets.iter().enumerate() {
        let a = v.assess(t, i.today).map_err(err)?;
        let def = t
            .indicator
            .as_ref()
            .and_then(|c| i.engine.indicator_def(c.as_str()));
        let scope = match &t.scope {
            TargetScope::Unit(u) => Scope::Unit(u.clone()),
            TargetScope::Group(g) => Scope::Group(g.clone()),
        };
        let cmp = match &t.indicator {
            Some(ind) if t.due.is_none() => v
                .compare(ind.as_str(), &scope, &t.period, None)
                .map_err(err)?,
            _ => None,
        };
        let last = cmp.as_ref().and_then(|c| c.same_period_last_year.as_ref());
        targets.push(TargetRow {
            no: n + 1,
            code: t.code.to_string(),
            name_vi: t.name_vi.clone(),
            name_en: t.name_en.clone().unwrap_or_else(|| t.name_vi.clone()),
            pillar: pillar_key(t.pillar).into(),
            indicator: t.indicator.as_ref().map(|c| c.to_string()),
            unit: def.and_then(|d| d.unit_label.clone()).unwrap_or_default(),
            is_rate: def.map(|d| d.is_rate).unwrap_or(false),
            decimals: def.map(|d| d.decimals).unwrap_or(0),
            plan: t.value,
            actual: a.actual,
            status: status_key(a.status).into(),
            achieved: a.status.achieved(),
            gap: a.gap,
            due: t.due,
            days_early: a.days_early,
            last_year: last.map(|d| d.value),
            change: last.map(|d| d.difference),
            change_percent: last.and_then(|d| d.relative_percent),
            note: t.note.clone(),
        });
    }
    let mut pillars: Vec<PillarRow> = Vec::new();
    for key in TargetPillar::ALL
        .iter()
        .map(|p| pillar_key(Some(*p)))
        .chain(["other"])
    {
        let of: Vec<&TargetRow> = targets.iter().filter(|t| t.pillar == key).collect();
        if of.is_empty() {
            continue;
        }
        pillars.push(PillarRow {
            pillar: key.into(),
            total: of.len(),
            achieved: of.iter().filter(|t| t.achieved).count(),
            targets: of.iter().map(|t| t.code.clone()).collect(),
        });
    }
    // The tiers: the targets whose indicator is also measured over other unit groups.
    let mut by_indicator: HashMap<&str, usize> = HashMap::new();
    for t in &f.targets {
        if let (Some(ind), TargetScope::Group(_)) = (&t.indicator, &t.scope) {
            *by_indicator.entry(ind.as_str()).or_default() += 1;
        }
    }
    let tiers: Vec<TargetRow> = f
        .targets
        .iter()
        .zip(&targets)
        .filter(|(t, _)| {
            matches!(t.scope, TargetScope::Group(_))
                && t.indicator
                    .as_ref()
                    .is_some_and(|c| by_indicator.get(c.as_str()).copied().unwrap_or(0) >= 2)
        })
        .map(|(_, r)| r.clone())
        .collect();
    let mut behind = Vec::new();
    for r in targets.iter().filter(|t| !t.achieved) {
        let mut actions = Vec::new();
        for d in i
            .directives
            .iter()
            .filter(|d| d.targets.iter().any(|c| c.as_str() == r.code))
        {
            let row = directive_row(d, i);
            actions.push(Action {
                kind: "directive".into(),
                reference: d.number.to_string(),
                text_vi: row.text_vi,
                text_en: row.text_en,
                owner_vi: row.owners_vi,
                owner_en: row.owners_en,
                due: d.due,
                progress: d.progress,
                overdue: row.overdue,
                done: row.done,
            });
        }
        for p in i.plans {
            for task in p
                .tasks
                .iter()
                .filter(|k| k.targets.iter().any(|c| c.as_str() == r.code))
            {
                let (owner_vi, owner_en) = owners(std::slice::from_ref(&task.lead), i.unit_names);
                let done = task.completed_on.is_some_and(|c| c <= i.today);
                actions.push(Action {
                    kind: "task".into(),
                    reference: format!("{} / {}", p.code, task.code),
                    text_vi: task.title.clone(),
                    text_en: task.title_in("en").to_string(),
                    owner_vi,
                    owner_en,
                    due: task.due,
                    progress: task.progress,
                    overdue: !done && task.due < i.today,
                    done,
                });
            }
        }
        // The same task in several plans (e.g. every commune's) once, with all its owners.
        let mut merged: Vec<Action> = Vec::new();
        for a in actions {
            match merged.iter_mut().find(|m| {
                m.kind == "task" && a.kind == "task" && m.text_vi == a.text_vi && m.due == a.due
            }) {
                Some(m) => {
                    m.reference = format!("{}, {}", m.reference, a.reference);
                    m.owner_vi = format!("{}, {}", m.owner_vi, a.owner_vi);
                    m.owner_en = format!("{}, {}", m.owner_en, a.owner_en);
                    m.overdue |= a.overdue;
                    m.done &= a.done;
                    m.progress = m.progress.min(a.progress);
                }
                None => merged.push(a),
            }
        }
        let actions = merged;
        behind.push(Behind {
            target: r.clone(),
            actions,
        });
    }
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(i.today);
    let mut next_tasks: Vec<DirectiveRow> = i
        .directives
        .iter()
        .filter(|d| d.issued_on >= NaiveDate::from_ymd_opt(year, 10, 1).unwrap_or(end))
        .map(|d| directive_row(d, i))
        .collect();
    next_tasks.sort_by_key(|d| d.number);
    let overdue: Vec<DirectiveRow> = i
        .directives
        .iter()
        .filter(|d| d.overdue(i.today))
        .map(|d| directive_row(d, i))
        .collect();
    let year_period = chiso_core::Period::Year(year);
    let next_period = chiso_core::Period::Year(year + 1);
    let names: HashMap<&str, (&str, &str)> = i
        .communes
        .iter()
        .map(|(c, vi, en)| (c.as_str(), (vi.as_str(), en.as_str())))
        .collect();
    let name = |c: &str| -> (String, String) {
        names
            .get(c)
            .map(|(vi, en)| (vi.to_string(), en.to_string()))
            .unwrap_or_else(|| (c.to_string(), c.to_string()))
    };
    let mut ranking = Vec::new();
    if let Some(sc) = i.scorecard {
        let codes: Vec<chiso_core::Code> = i
            .communes
            .iter()
            .filter_map(|(c, _, _)| chiso_core::Code::parse(c).ok())
            .collect();
        let mut rows = v.score(sc, &codes, &year_period, None).map_err(err)?;
        rows.sort_by(|a, b| a.rank.cmp(&b.rank).then(a.unit.cmp(&b.unit)));
        for r in rows.into_iter().filter(|r| r.maximum > 0.0) {
            let (vi, en) = name(r.unit.as_str());
            ranking.push(CommuneRank {
                rank: r.rank,
                code: r.unit.to_string(),
                name_vi: vi,
                name_en: en,
                index: (!r.criteria.iter().all(|k| k.value.is_none())).then_some(r.index * 100.0),
            });
        }
    }
    let mut products = Vec::new();
    if let (Ok(has), Ok(need)) = (
        chiso_core::Code::parse("SP_CDS_CO"),
        chiso_core::Code::parse("KH_THUOC_DIEN"),
    ) {
        for (c, vi, en) in i.communes {
            let Ok(code) = chiso_core::Code::parse(c) else {
                continue;
            };
            let scope = Scope::Unit(code);
            let required = v
                .element(&need, None, &scope, &next_period, None)
                .ok()
                .flatten();
            if required.unwrap_or(0.0) <= 0.0 {
                continue;
            }
            let with = v
                .element(&has, None, &scope, &next_period, None)
                .ok()
                .flatten();
            products.push(ProductRow {
                code: c.clone(),
                name_vi: vi.clone(),
                name_en: en.clone(),
                registered: with.unwrap_or(0.0) > 0.0,
            });
        }
    }
    let not_met: Vec<&str> = targets
        .iter()
        .filter(|t| !t.achieved)
        .map(|t| t.code.as_str())
        .collect();
    let mut plans: Vec<PlanRow> = i
        .plans
        .iter()
        .filter(|p| p.year == year + 1)
        .map(|p| {
            let (unit_vi, unit_en) = owners(std::slice::from_ref(&p.unit), i.unit_names);
            let done = |k: &chiso_core::plan::Task| k.completed_on.is_some_and(|c| c <= i.today);
            let mut addressed: Vec<String> = p
                .tasks
                .iter()
                .flat_map(|k| k.targets.iter())
                .filter(|c| not_met.contains(&c.as_str()))
                .map(|c| c.to_string())
                .collect();
            addressed.sort();
            addressed.dedup();
            PlanRow {
                code: p.code.to_string(),
                unit_vi,
                unit_en,
                status: p.status.as_str().to_string(),
                tasks: p.tasks.len(),
                done: p.tasks.iter().filter(|k| done(k)).count(),
                overdue: p
                    .tasks
                    .iter()
                    .filter(|k| !done(k) && k.due < i.today)
                    .count(),
                targets: addressed,
            }
        })
        .collect();
    plans.sort_by(|a, b| a.code.cmp(&b.code));
    let achieved = targets.iter().filter(|t| t.achieved).count();
    Ok(Report {
        ranking_name_vi: i.scorecard.map(|s| s.name_vi.clone()).unwrap_or_default(),
        ranking_name_en: i
            .scorecard
            .map(|s| s.name_en.clone().unwrap_or_else(|| s.name_vi.clone()))
            .unwrap_or_default(),
        ranking,
        products_registered: products.iter().filter(|p| p.registered).count(),
        products,
        plans,
        framework: f.code.to_string(),
        framework_name_vi: f.name_vi.clone(),
        framework_name_en: f.name_en.clone().unwrap_or_else(|| f.name_vi.clone()),
        year,
        next_year: year + 1,
        view: i.view.as_str().into(),
        today: i.today,
        audit_seq: i.audit_seq,
        made_at: i.made_at.clone(),
        total: targets.len(),
        achieved,
        not_achieved: targets.len() - achieved,
        beyond_plan: targets.iter().filter(|t| t.status == "beyond_plan").count(),
        t: targets
            .iter()
            .map(|t| (t.code.clone(), t.clone()))
            .collect(),
        targets,
        pillars,
        tiers,
        behind,
        next_tasks,
        overdue,
    })
}

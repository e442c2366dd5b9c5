//! The dashboard's sections, each from the engine or the store (see [`super::dashboard`]).

use crate::api::figures::AssessedFramework;
use crate::format;
use crate::i18n::Lang;
use crate::pages::frameworks::measure;
use crate::pages::plans::readable;
use crate::pages::views;
use crate::pages::PageError;
use crate::AppState;
use chiso_charts::bullet::{bullet, Bullet};
use chiso_charts::sparkline::{sparkline, Point};
use chiso_core::{Code, Framework, Indicator, Period, Status, TargetPillar, Unit, UnitKind};
use chiso_engine::{Scope, View};
use chrono::NaiveDate;
use std::collections::HashMap;

/// What every section needs.
pub(crate) struct Ctx<'a> {
    pub(crate) st: &'a AppState,
    pub(crate) who: &'a crate::auth::Who,
    pub(crate) lang: Lang,
    pub(crate) view: View,
    pub(crate) day: NaiveDate,
    pub(crate) root: &'a Unit,
    /// The day figures are read "as of" when the structure began after them (2025).
    pub(crate) structure_as_of: Option<NaiveDate>,
    /// In such a structure, where each value target's scope lies (see [`carry_targets`]):
    /// `None` for a target its units cannot carry.
    pub(crate) places: HashMap<String, Option<Scope>>,
}

/// Judge a framework's value targets in the structure of `date` (the 2025 one): each over
/// what its scope became then ([`chiso_engine::Engine::scope_on`]: `58` → `2025-56`, the
/// communes of `58_CAP_XA` → the 2025 communes that took them over), its figures read "as
/// of" that day. A target whose units have no place there (a district tier, the provincial
/// agencies) is not counted; deadlines are judged by their dates as before. Returns where each
/// value target lies.
pub(crate) async fn carry_targets(
    st: &AppState,
    view: View,
    day: NaiveDate,
    date: NaiveDate,
    assessed: &mut AssessedFramework,
) -> Result<HashMap<String, Option<Scope>>, PageError> {
    let engine = st.app.read().await;
    let v = engine.view(view);
    let mut places = HashMap::new();
    let mut kept = Vec::new();
    for mut at in std::mem::take(&mut assessed.targets) {
        if at.target.due.is_some() || at.target.indicator.is_none() {
            kept.push(at);
            continue;
        }
        let place = engine
            .scope_on(&target_scope(&at.target), date)
            .map_err(engine_err)?;
        if let Some(scope) = &place {
            at.assessment = v
                .assess_over(&at.target, day, scope, Some(date))
                .map_err(engine_err)?;
        }
        places.insert(at.target.code.to_string(), place);
        kept.push(at);
    }
    assessed.targets = kept;
    let counted = |code: &Code| !matches!(places.get(code.as_str()), Some(None));
    assessed.total = assessed
        .targets
        .iter()
        .filter(|t| counted(&t.target.code))
        .count();
    assessed.achieved = assessed
        .targets
        .iter()
        .filter(|t| counted(&t.target.code) && t.assessment.status.achieved())
        .count();
    Ok(places)
}

fn engine_err(e: chiso_engine::EngineError) -> PageError {
    PageError::Internal(e.to_string())
}

/// A value as the dashboard writes it: a rate as a percentage ("97,22 %"), an amount with its
/// unit ("314.792 tỷ đồng").
pub(crate) fn shown(st: &AppState, lang: Lang, ind: Option<&Indicator>, v: f64) -> String {
    let label = ind
        .and_then(|i| i.unit_label.as_deref())
        .map(|l| measure(&st.i18n, lang, l))
        .unwrap_or_default();
    if label == "%" {
        return format::percent(v, lang);
    }
    let n = format::number(v, ind.map(|i| i.decimals).unwrap_or(0), lang);
    if label.is_empty() {
        n
    } else {
        format!("{n} {label}")
    }
}

/// A change against last year: in percentage points for a rate, else absolute and relative.
fn change(st: &AppState, lang: Lang, ind: Option<&Indicator>, d: &chiso_engine::Delta) -> String {
    let is_rate = ind.map(|i| i.is_rate).unwrap_or(false);
    if is_rate {
        return format::points(d.difference, lang);
    }
    let abs = shown(st, lang, ind, d.difference);
    let abs = if d.difference > 0.0 {
        format!("+{abs}")
    } else {
        abs
    };
    match d.relative_percent {
        Some(r) => format!("{abs} ({})", format::relative(r, lang)),
        None => abs,
    }
}

/// The years a trend runs over: the four years up to a yearly period, else the period and the
/// same one a year before.
fn trend_periods(p: &Period) -> Vec<Period> {
    match p {
        Period::Year(y) => (y - 3..=*y).filter_map(Period::year).collect(),
        _ => p
            .same_period_last_year()
            .into_iter()
            .chain(std::iter::once(*p))
            .collect(),
    }
}

pub(crate) struct Board {
    pub(crate) pillars: Vec<minijinja::Value>,
    pub(crate) key_figures: Vec<minijinja::Value>,
}

/// The scoreboard: the framework's targets grouped by pillar in the framework's order (targets
/// without a pillar last), and the key figures of each pillar over the structure's root.
pub(crate) async fn scoreboard(
    c: &Ctx<'_>,
    fw: &Framework,
    assessed: &AssessedFramework,
    period: &Period,
) -> Result<Board, PageError> {
    let (st, lang) = (c.st, c.lang);
    let indicators: HashMap<String, Indicator> = st
        .store
        .indicators()
        .await?
        .into_iter()
        .map(|i| (i.code.to_string(), i))
        .collect();
    // Who addresses each target: directives and plan tasks.
    let directives = st.store.directives().await?;
    let plans = st.store.plans(None, None).await?;
    let mut order: Vec<Option<TargetPillar>> = fw.pillar_order().into_iter().map(Some).collect();
    order.push(None);
    let engine = st.app.read().await;
    let v = engine.view(c.view);
    let mut pillars = Vec::new();
    let mut key_figures = Vec::new();
    for pillar in order {
        let mut rows = Vec::new();
        let mut figures = Vec::new();
        let (mut met, mut total) = (0, 0);
        for at in assessed
            .targets
            .iter()
            .filter(|a| a.target.pillar == pillar)
        {
            let t = &at.target;
            let a = &at.assessment;
            // Where the target's figures are read: its own scope, or what it became in the
            // chosen structure.
            let (scope, as_of, carried) = match c.places.get(t.code.as_str()) {
                Some(Some(s)) => (s.clone(), c.structure_as_of, true),
                Some(None) => {
                    rows.push(not_carried(c, t));
                    continue;
                }
                None => (target_scope(t), None, false),
            };
            total += 1;
            met += usize::from(a.status.achieved());
            let ind = t
                .indicator
                .as_ref()
                .and_then(|i| indicators.get(i.as_str()));
            let name = match (lang, &t.name_en) {
                (Lang::En, Some(n)) => n.clone(),
                _ => t.name_vi.clone(),
            };
            let days = a
                .days_early
                .map(|d| d.abs().to_string())
                .unwrap_or_default();
            let status_label = st.i18n.t(
                lang,
                &format!("status-{}", a.status.as_str()),
                &[("days", days)],
            );
            let target_text = match (t.comparator, t.value, t.due) {
                (Some(cmp), Some(tv), _) => {
                    format!("{} {}", cmp.symbol(), shown(st, lang, ind, tv))
                }
                (_, _, Some(d)) => st
                    .i18n
                    .t(lang, "deadline", &[("date", format::date(d, lang))]),
                _ => String::new(),
            };
            let actual = match (a.actual, t.completed_on) {
                (Some(x), _) => shown(st, lang, ind, x),
                (None, Some(d)) => st
                    .i18n
                    .t(lang, "done-on", &[("date", format::date(d, lang))]),
                _ => "—".into(),
            };
            let mut chart = None;
            let mut trend = None;
            let mut delta = None;
            if let (Some(code), Some(x), Some(tv)) = (&t.indicator, a.actual, t.value) {
                let is_pct = ind.and_then(|i| i.unit_label.as_deref()) == Some("%");
                chart = Some(bullet(
                    &Bullet {
                        value: x,
                        target: tv,
                        max: is_pct.then_some(100.0),
                        reached: a.status.achieved() || a.status == Status::OnTrack,
                    },
                    &name,
                    &format!("{actual} / {target_text}"),
                    110,
                    14,
                ));
                let ps = trend_periods(&t.period);
                let mut points = Vec::new();
                for p in &ps {
                    let value = v
                        .indicator(code.as_str(), &scope, p, as_of)
                        .map_err(engine_err)?
                        .map(|iv| iv.value);
                    if points.is_empty() && value.is_none() {
                        continue;
                    }
                    points.push(Point {
                        label: format::period(p, lang),
                        value,
                    });
                }
                if points.iter().filter(|p| p.value.is_some()).count() >= 2 {
                    let texts: Vec<String> = points
                        .iter()
                        .map(|p| {
                            p.value
                                .map(|x| shown(st, lang, ind, x))
                                .unwrap_or_else(|| "—".into())
                        })
                        .collect();
                    let title = st.i18n.t(lang, "dash-trend-of", &[("name", name.clone())]);
                    trend = Some(sparkline(&points, &texts, &title, 72, 20));
                }
                if let Some(cmp) = v
                    .compare(code.as_str(), &scope, &t.period, as_of)
                    .map_err(engine_err)?
                {
                    delta = cmp.same_period_last_year.map(|d| {
                        minijinja::context! {
                            text => change(st, lang, ind, &d),
                            against => st.i18n.t(lang, "dash-against", &[("period", format::period(&d.period, lang))]),
                            comparable => d.comparable,
                        }
                    });
                }
                // The pillar's key figure over the structure's root.
                if matches!(t.scope, chiso_core::TargetScope::Unit(_)) && figures.len() < 3 {
                    let root = Scope::Unit(c.root.code.clone());
                    let value = v
                        .indicator(code.as_str(), &root, period, c.structure_as_of)
                        .map_err(engine_err)?
                        .map(|iv| shown(st, lang, ind, iv.value));
                    figures.push(minijinja::context! {
                        name => name.clone(),
                        value => value.unwrap_or_else(|| "—".into()),
                    });
                }
            }
            let unmet = !a.status.achieved();
            let mut actions = Vec::new();
            if unmet {
                for d in directives.iter().filter(|d| d.targets.contains(&t.code)) {
                    actions.push(minijinja::context! {
                        href => format!("/directives#{}", d.code),
                        label => st.i18n.t(lang, "dash-directive-no", &[("number", d.number.to_string())]),
                        text => chiso_charts::svg::ellipsis(d.text_in(lang.as_str()), 90).to_string(),
                        kind => "directive",
                    });
                }
                for p in &plans {
                    for task in p.tasks.iter().filter(|k| k.targets.contains(&t.code)) {
                        actions.push(minijinja::context! {
                            href => format!("/plans/{}#task-{}", p.code, task.code),
                            label => st.i18n.t(lang, "dash-task-of", &[("plan", p.code.to_string()), ("task", task.code.to_string())]),
                            text => chiso_charts::svg::ellipsis(task.title_in(lang.as_str()), 90).to_string(),
                            kind => "task",
                        });
                    }
                }
            }
            rows.push(minijinja::context! {
                code => t.code.to_string(),
                name,
                status => a.status.as_str(),
                status_label,
                achieved => a.status.achieved(),
                target => target_text,
                actual,
                chart,
                trend,
                delta,
                coverage => at.coverage.as_ref().map(|cv| views::note(st, lang, c.view, cv)),
                unmet,
                actions,
                place => carried.then(|| place_note(c, engine.tree(), &scope)),
            });
        }
        if rows.is_empty() {
            continue;
        }
        let pname = pillar_name(st, lang, pillar);
        key_figures.push(minijinja::context! {
            name => pname.clone(),
            key => pillar.map(|p| p.as_str()).unwrap_or("other"),
            met, total,
            met_label => st.i18n.t(lang, "dash-met", &[("met", met.to_string()), ("total", total.to_string())]),
            figures,
        });
        pillars.push(minijinja::context! {
            name => pname,
            key => pillar.map(|p| p.as_str()).unwrap_or("other"),
            met_label => st.i18n.t(lang, "dash-met", &[("met", met.to_string()), ("total", total.to_string())]),
            met, total, rows,
        });
    }
    Ok(Board {
        pillars,
        key_figures,
    })
}

/// Where a carried target is read: "Tính trên Tỉnh Khánh Hòa (2025-56) …" or "… 61 đơn vị".
fn place_note(c: &Ctx<'_>, tree: &chiso_core::UnitTree, scope: &Scope) -> String {
    let (st, lang) = (c.st, c.lang);
    let place = match scope {
        Scope::Unit(u) => tree
            .unit(u.as_str())
            .map(|x| format!("{} ({u})", x.name(lang.as_str())))
            .unwrap_or_else(|| u.to_string()),
        Scope::Units(us) => st
            .i18n
            .t(lang, "dash-units", &[("count", us.len().to_string())]),
        Scope::Group(g) => g.to_string(),
    };
    let date = c
        .structure_as_of
        .map(|d| format::date(d, lang))
        .unwrap_or_default();
    st.i18n
        .t(lang, "dash-carried-to", &[("where", place), ("date", date)])
}

/// A value target whose units have no place in the chosen structure: shown, not counted.
fn not_carried(c: &Ctx<'_>, t: &chiso_core::Target) -> minijinja::Value {
    let (st, lang) = (c.st, c.lang);
    let name = match (lang, &t.name_en) {
        (Lang::En, Some(n)) => n.clone(),
        _ => t.name_vi.clone(),
    };
    let date = c
        .structure_as_of
        .map(|d| format::date(d, lang))
        .unwrap_or_default();
    minijinja::context! {
        code => t.code.to_string(),
        name,
        status => "not_carried",
        status_label => st.i18n.t(lang, "status-not_carried", &[]),
        not_carried => true,
        achieved => false,
        target => "—",
        actual => "—",
        unmet => false,
        place => st.i18n.t(lang, "dash-not-carried", &[("date", date)]),
    }
}

/// The indicator the three tiers of agencies are compared on, and the tiers' groups.
const TIER_INDICATOR: &str = "VB_DT_TY_LE";
const TIERS: [&str; 3] = ["CO_QUAN_TINH", "CAP_HUYEN", "CAP_XA"];

/// The three tiers of agencies side by side (provincial agencies, district tier, commune
/// tier) for the legacy provinces of the structure: `58_CO_QUAN_TINH`, `58_CAP_HUYEN`,
/// `58_CAP_XA`. Each tier's figure is the ratio of its sums, with what it stands on.
pub(crate) async fn tiers(
    c: &Ctx<'_>,
    roots: &[Unit],
    period: &Period,
    fw: &Framework,
) -> Result<Vec<minijinja::Value>, PageError> {
    let (st, lang) = (c.st, c.lang);
    let legacy: Vec<&Unit> = if c.root.valid_to.is_some() {
        vec![c.root]
    } else {
        roots.iter().filter(|u| u.valid_to.is_some()).collect()
    };
    let groups: HashMap<String, chiso_core::UnitGroup> = st
        .store
        .groups()
        .await?
        .into_iter()
        .map(|g| (g.code.to_string(), g))
        .collect();
    let ind = st
        .store
        .indicators()
        .await?
        .into_iter()
        .find(|i| i.code.as_str() == TIER_INDICATOR);
    let Some(ind) = ind else { return Ok(vec![]) };
    let engine = st.app.read().await;
    let v = engine.view(c.view);
    let mut out = Vec::new();
    for r in legacy {
        for tier in TIERS {
            let code = format!("{}_{tier}", r.code);
            let (Some(g), Ok(gc)) = (groups.get(&code), Code::parse(&code)) else {
                continue;
            };
            let scope = Scope::Group(gc);
            let value = v
                .indicator(TIER_INDICATOR, &scope, period, None)
                .map_err(engine_err)?;
            let coverage = v
                .coverage(TIER_INDICATOR, &scope, period)
                .map_err(engine_err)?;
            let name = match (lang, &g.name_en) {
                (Lang::En, Some(n)) => n.clone(),
                _ => g.name_vi.clone(),
            };
            // The tier's target in the framework, when it has one.
            let target = fw.targets.iter().find_map(|t| match &t.scope {
                chiso_core::TargetScope::Group(gr)
                    if gr.as_str() == code
                        && t.indicator
                            .as_ref()
                            .is_some_and(|i| i.as_str() == TIER_INDICATOR) =>
                {
                    t.value
                }
                _ => None,
            });
            let chart = value.as_ref().zip(target).map(|(x, target)| {
                bullet(
                    &Bullet {
                        value: x.value,
                        target,
                        max: Some(100.0),
                        reached: x.value >= target,
                    },
                    &name,
                    &format!(
                        "{} / ≥ {}",
                        format::percent(x.value, lang),
                        format::percent(target, lang)
                    ),
                    160,
                    14,
                )
            });
            out.push(minijinja::context! {
                group => code,
                name,
                value => value.as_ref().map(|x| shown(st, lang, Some(&ind), x.value)),
                raw => value.as_ref().map(|x| x.value),
                chart,
                coverage => coverage.as_ref().map(|cv| views::note(st, lang, c.view, cv)),
            });
        }
    }
    Ok(out)
}

/// The communes under the structure's root that exist on `day`.
async fn communes(c: &Ctx<'_>, on: NaiveDate) -> Vec<Unit> {
    let units = unit_index(c.st).await;
    let under_root = |u: &Unit| {
        let mut p = u.parent.clone();
        while let Some(x) = p {
            if x == c.root.code {
                return true;
            }
            p = units.get(x.as_str()).and_then(|u| u.parent.clone());
        }
        false
    };
    let mut out: Vec<Unit> = units
        .values()
        .filter(|u| u.kind == UnitKind::Commune && u.exists_on(on) && under_root(u))
        .cloned()
        .collect();
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// The day a structure's communes are taken on: its "as of" day, else the period's last day.
fn communes_on(c: &Ctx<'_>, period: &Period) -> NaiveDate {
    c.structure_as_of.unwrap_or(period.end())
}

/// The communes at the bottom of the first scorecard's ranking (the commune DX index), worst
/// last, ties sharing a rank.
pub(crate) async fn bottom_communes(
    c: &Ctx<'_>,
    period: &Period,
) -> Result<Option<minijinja::Value>, PageError> {
    let (st, lang) = (c.st, c.lang);
    let Some(sc) = st.store.scorecards().await?.into_iter().next() else {
        return Ok(None);
    };
    let list = communes(c, communes_on(c, period)).await;
    if list.is_empty() {
        return Ok(None);
    }
    let names: HashMap<String, String> = list
        .iter()
        .map(|u| (u.code.to_string(), u.name(lang.as_str()).to_string()))
        .collect();
    let codes: Vec<Code> = list.iter().map(|u| u.code.clone()).collect();
    let rows = {
        let engine = c.st.app.read().await;
        engine
            .view(c.view)
            .score(&sc, &codes, period, c.structure_as_of)
            .map_err(engine_err)?
    };
    let ranked = rows.len();
    let mut rows: Vec<_> = rows.into_iter().filter(|r| r.maximum > 0.0).collect();
    rows.sort_by(|a, b| b.rank.cmp(&a.rank).then(a.unit.cmp(&b.unit)));
    let bottom: Vec<minijinja::Value> = rows
        .iter()
        .take(5)
        .map(|r| {
            minijinja::context! {
                code => r.unit.to_string(),
                name => names.get(r.unit.as_str()).cloned().unwrap_or_else(|| r.unit.to_string()),
                rank => r.rank,
                // A commune with no figure at all is "no data", never an index of 0.
                index => if r.criteria.iter().all(|k| k.value.is_none()) {
                    st.i18n.t(lang, "status-no_data", &[])
                } else {
                    format::percent(r.index * 100.0, lang)
                },
            }
        })
        .collect();
    if bottom.is_empty() {
        return Ok(None);
    }
    Ok(Some(minijinja::context! {
        name => match (lang, &sc.name_en) { (Lang::En, Some(n)) => n.clone(), _ => sc.name_vi.clone() },
        of => ranked,
        of_label => st.i18n.t(lang, "dash-of-units", &[("count", ranked.to_string())]),
        rows => bottom,
    }))
}

/// The communes under the root still without a DX product in `year` (of those that must
/// register one), as the products page counts them.
pub(crate) async fn without_products(
    c: &Ctx<'_>,
    year: &Period,
) -> Result<Option<minijinja::Value>, PageError> {
    let (Ok(has), Ok(need)) = (Code::parse("SP_CDS_CO"), Code::parse("KH_THUOC_DIEN")) else {
        return Ok(None);
    };
    let list = communes(c, communes_on(c, year)).await;
    let engine = c.st.app.read().await;
    let v = engine.view(c.view);
    let (mut expected, mut out) = (0usize, Vec::new());
    for u in &list {
        let scope = Scope::Unit(u.code.clone());
        let required = v
            .element(&need, None, &scope, year, c.structure_as_of)
            .ok()
            .flatten()
            .unwrap_or(0.0);
        if required <= 0.0 {
            continue;
        }
        expected += 1;
        let with = v
            .element(&has, None, &scope, year, c.structure_as_of)
            .ok()
            .flatten()
            .unwrap_or(0.0);
        if with <= 0.0 {
            out.push(minijinja::context! {
                code => u.code.to_string(),
                name => u.name(c.lang.as_str()).to_string(),
            });
        }
    }
    if expected == 0 {
        return Ok(None);
    }
    Ok(Some(minijinja::context! {
        summary => c.st.i18n.t(c.lang, "products-summary", &[
            ("with", (expected - out.len()).to_string()),
            ("units", expected.to_string()),
        ]),
        year => format::period(year, c.lang),
        rows => out,
    }))
}

/// The directives overdue on the day, and those due within 30 days.
pub(crate) async fn directives(c: &Ctx<'_>) -> Result<Vec<minijinja::Value>, PageError> {
    let (st, lang, day) = (c.st, c.lang, c.day);
    let mut out = Vec::new();
    for d in st.store.directives().await? {
        if !(d.overdue(day) || d.due_soon(day, 30)) {
            continue;
        }
        let mut visible = false;
        for a in &d.assignees {
            visible = visible || readable(st, c.who, a.as_str()).await;
        }
        if !visible {
            continue;
        }
        let overdue = d.overdue(day);
        out.push(minijinja::context! {
            href => format!("/directives#{}", d.code),
            number => d.number,
            label => st.i18n.t(lang, "dash-directive-no", &[("number", d.number.to_string())]),
            text => chiso_charts::svg::ellipsis(d.text_in(lang.as_str()), 120).to_string(),
            due => format::date(d.due, lang),
            progress => d.progress,
            state => if overdue { "overdue" } else { "at_risk" },
            state_label => if overdue {
                st.i18n.t(lang, "status-overdue", &[("days", (day - d.due).num_days().to_string())])
            } else {
                st.i18n.t(lang, "filter-due-soon", &[])
            },
        });
    }
    Ok(out)
}

/// The reporting completeness under the root of every data set whose form is open on the day
/// (opened and not yet locked).
pub(crate) async fn completeness(c: &Ctx<'_>) -> Result<Vec<minijinja::Value>, PageError> {
    let (st, lang, day) = (c.st, c.lang, c.day);
    if !readable(st, c.who, c.root.code.as_str()).await {
        return Ok(vec![]);
    }
    let hier = chiso_collect::Hierarchy::of(&st.app).await;
    let mut out = Vec::new();
    for ds in st.store.data_sets().await? {
        let Some(mut p) = Period::of_type_containing(ds.period_type, day, ds.convention) else {
            continue;
        };
        let mut open = None;
        for _ in 0..6 {
            let w = ds.window(&p);
            if w.opens <= day && w.locks.is_none_or(|l| day <= l) {
                open = Some(p);
                break;
            }
            match p.previous() {
                Some(x) => p = x,
                None => break,
            }
        }
        let Some(p) = open else { continue };
        let Ok(r) =
            chiso_collect::completeness(st.store.as_ref(), &hier, &ds, &p, Some(&c.root.code), day)
                .await
        else {
            continue;
        };
        if r.expected == 0 {
            continue;
        }
        out.push(minijinja::context! {
            name => ds.name(lang.as_str()).to_string(),
            period => format::period(&p, lang),
            href => format!("/completeness/{}/{p}?unit={}", ds.code, c.root.code),
            received => r.received,
            expected => r.expected,
            rate => r.rate.map(|x| format::percent(x, lang)),
            due => format::date(ds.window(&p).due, lang),
        });
    }
    Ok(out)
}

/// What the old home page offered: the units of each structure, the frameworks, plans,
/// directives, products and reports.
pub(crate) fn links(
    st: &AppState,
    lang: Lang,
    roots: &[Unit],
    frameworks: &[Framework],
) -> minijinja::Value {
    let units: Vec<minijinja::Value> = roots
        .iter()
        .map(|u| {
            let key = if u.valid_to.is_some() {
                "structure-legacy"
            } else {
                "structure-current"
            };
            minijinja::context! {
                href => format!("/units/{}", u.code),
                name => u.name(lang.as_str()).to_string(),
                note => format!(
                    "{} · {}",
                    crate::pages::units::kind_label(st, lang, u),
                    st.i18n.t(lang, key, &[])
                ),
            }
        })
        .collect();
    let frameworks: Vec<minijinja::Value> = frameworks
        .iter()
        .map(|f| {
            minijinja::context! {
                href => format!("/frameworks/{}", f.code),
                name => match (lang, &f.name_en) { (Lang::En, Some(n)) => n.clone(), _ => f.name_vi.clone() },
            }
        })
        .collect();
    minijinja::context! { units, frameworks }
}

/// The scope of a target (a unit's subtree or a group).
pub(crate) fn target_scope(t: &chiso_core::Target) -> Scope {
    match &t.scope {
        chiso_core::TargetScope::Unit(u) => Scope::Unit(u.clone()),
        chiso_core::TargetScope::Group(g) => Scope::Group(g.clone()),
    }
}

/// A pillar's name in the page's language ("other" for targets without one).
pub(crate) fn pillar_name(st: &AppState, lang: Lang, p: Option<TargetPillar>) -> String {
    let key = p.map(|p| p.as_str()).unwrap_or("other");
    st.i18n.t(lang, &format!("pillar-{key}"), &[])
}

/// Units by code, for names.
pub(crate) async fn unit_index(st: &AppState) -> HashMap<String, Unit> {
    st.store
        .units(&chiso_store::UnitQuery::default())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.unit.code.to_string(), u.unit))
        .collect()
}

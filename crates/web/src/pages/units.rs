//! A unit's page: its place in the tree, successors and predecessors, and its figures by
//! period — official by default, live for a person with a right over the unit — each with
//! what it stands on.

use crate::auth::{allowed, Action, Who};
use crate::format;
use crate::i18n::Lang;
use crate::pages::frameworks::measure;
use crate::pages::views::{self, CoverageNote, ViewQuery};
use crate::pages::{login_or_forbidden, Page, PageQuery};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use chiso_core::{Code, Period, SourceTag, Unit};
use chiso_engine::View;
use chiso_store::{UnitQuery, ValueQuery};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Serialize)]
pub(crate) struct UnitItem {
    code: String,
    name: String,
    kind: String,
}

/// What a unit is, as its structure calls it (a 2025 commune is "xã, phường, đặc khu").
pub(crate) fn kind_label(st: &AppState, lang: Lang, u: &Unit) -> String {
    st.i18n.t(lang, &format!("kind-{}", u.kind_name()), &[])
}

pub(crate) fn item(st: &AppState, lang: Lang, u: &Unit) -> UnitItem {
    UnitItem {
        code: u.code.to_string(),
        name: u.name(lang.as_str()).to_string(),
        kind: kind_label(st, lang, u),
    }
}

#[derive(Serialize)]
pub(crate) struct Cell {
    text: String,
    /// The figure to the last đồng when `text` rounds money to tỷ or triệu.
    exact: Option<String>,
    source: String,
    label: String,
    comment: String,
    /// In the live view, a value not yet official: being entered, or awaiting approval.
    mark: Option<String>,
}

/// A figure of the indicator table: as written, exact when it is money, and what it stands
/// on.
#[derive(Serialize)]
pub(crate) struct Figure {
    text: String,
    exact: Option<String>,
    coverage: Option<CoverageNote>,
}

/// A stored value as the unit page shows it: money in tỷ or triệu đồng (the exact amount kept
/// for the tooltip), a percentage with two decimals, anything else as stored.
fn shown_value(
    v: &chiso_core::DataValue,
    e: Option<&chiso_core::DataElement>,
    lang: Lang,
) -> (String, Option<String>) {
    let money = e
        .and_then(|e| e.unit_of_measure.as_deref())
        .and_then(format::dong_per);
    match (v.num, money, e.map(|e| e.value_type)) {
        (Some(n), Some(dong), _) => (
            format::money(n * dong, lang),
            Some(format::money_exact(n * dong, lang)),
        ),
        (Some(n), None, Some(chiso_core::ValueType::Percentage)) => {
            (format::percent(n, lang), None)
        }
        _ => (format::value(&v.value, lang), None),
    }
}

#[derive(Serialize)]
pub(crate) struct Row {
    code: String,
    name: String,
    option: Option<String>,
    uom: String,
    cells: Vec<Option<Cell>>,
}

#[derive(Serialize)]
pub(crate) struct LinkItem {
    code: String,
    name: String,
    note: String,
}

pub(crate) async fn unit_page(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
    Query(v): Query<ViewQuery>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
) -> Response {
    let page = Page::new(&q, &headers, &uri, &who);
    let lang = page.lang;
    let not_found = |page: &Page| {
        page.error(
            &st,
            StatusCode::NOT_FOUND,
            st.i18n.t(lang, "unit-not-found", &[("code", code.clone())]),
        )
    };
    let Ok(c) = Code::parse(&code) else {
        return not_found(&page);
    };
    if !allowed(
        &who,
        Action::Read,
        Some(c.as_str()),
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return login_or_forbidden(&st, &page, &who, &format!("/units/{c}"));
    }
    // The live figures only for a signed-in person with a right over the unit.
    let may_live = views::may_see_live(&st, &who, &[c.as_str()]).await;
    let view = v.asked();
    if view == View::Live && !may_live {
        return login_or_forbidden(&st, &page, &who, &format!("/units/{c}?view=live"));
    }
    match unit_context(&st, lang, &c, view, may_live).await {
        Ok(Some(ctx)) => page.render(&st, StatusCode::OK, "unit.html", ctx),
        Ok(None) => not_found(&page),
        Err(e) => page.respond(&st, Err(e.into())),
    }
}

pub(crate) async fn unit_context(
    st: &AppState,
    lang: Lang,
    code: &Code,
    view: View,
    may_live: bool,
) -> Result<Option<minijinja::Value>, chiso_store::StoreError> {
    let Some(su) = st.store.unit(code).await? else {
        return Ok(None);
    };
    let u = &su.unit;
    // Breadcrumbs: the ancestors, root first.
    let mut crumbs = Vec::new();
    let mut parent = u.parent.clone();
    while let Some(p) = parent {
        match st.store.unit(&p).await? {
            Some(pu) if crumbs.len() < 20 => {
                parent = pu.unit.parent.clone();
                crumbs.push(item(st, lang, &pu.unit));
            }
            _ => break,
        }
    }
    crumbs.reverse();
    let children: Vec<UnitItem> = st
        .store
        .units(&UnitQuery {
            parent: Some(code.clone()),
            ..Default::default()
        })
        .await?
        .iter()
        .map(|c| item(st, lang, &c.unit))
        .collect();

    let names = |codes: Vec<Code>| async move {
        let found = st
            .store
            .units(&UnitQuery {
                codes,
                ..Default::default()
            })
            .await?;
        Ok::<_, chiso_store::StoreError>(
            found
                .into_iter()
                .map(|u| {
                    (
                        u.unit.code.to_string(),
                        u.unit.name(lang.as_str()).to_string(),
                    )
                })
                .collect::<HashMap<_, _>>(),
        )
    };
    let link_note = |w: Option<f64>, is_default: bool| {
        let mut parts = Vec::new();
        match w {
            Some(w) => parts.push(format!(
                "{} {}",
                st.i18n.t(lang, "unit-weight", &[]),
                format::decimal(&format!("{w}"), lang)
            )),
            None => parts.push(st.i18n.t(lang, "unit-split-no-weight", &[])),
        }
        if is_default {
            parts.push(st.i18n.t(lang, "unit-default-successor", &[]));
        }
        parts.join(", ")
    };
    let succ = st.store.successors(Some(code)).await?;
    let succ_names = names(succ.iter().map(|l| l.to.clone()).collect()).await?;
    let successors: Vec<LinkItem> = succ
        .iter()
        .map(|l| LinkItem {
            code: l.to.to_string(),
            name: succ_names.get(l.to.as_str()).cloned().unwrap_or_default(),
            note: link_note(l.weight, l.is_default),
        })
        .collect();
    let pred = st.store.predecessors(code).await?;
    let pred_names = names(pred.iter().map(|l| l.from.clone()).collect()).await?;
    let predecessors: Vec<LinkItem> = pred
        .iter()
        .map(|l| LinkItem {
            code: l.from.to_string(),
            name: pred_names.get(l.from.as_str()).cloned().unwrap_or_default(),
            note: link_note(l.weight, l.is_default),
        })
        .collect();

    // Values: one row per element (and breakdown option), one column per period. Where each
    // stored number stands: the official view leaves out what is not official yet; the live
    // view marks it.
    let stored = st
        .store
        .values(&ValueQuery {
            units: vec![code.clone()],
            ..Default::default()
        })
        .await?;
    let values: Vec<(chiso_core::DataValue, Option<chiso_engine::ReportState>)> = {
        let engine = st.app.read().await;
        stored
            .into_iter()
            .map(|v| {
                let state = engine.value_state(
                    &v.element,
                    v.breakdown.as_ref(),
                    v.unit.as_str(),
                    &v.period,
                );
                (v, state)
            })
            .filter(|(_, state)| {
                view == View::Live
                    || !matches!(state, Some(s) if *s != chiso_engine::ReportState::Final)
            })
            .collect()
    };
    let elements: HashMap<String, chiso_core::DataElement> = st
        .store
        .elements()
        .await?
        .into_iter()
        .map(|e| (e.code.to_string(), e))
        .collect();
    let options: HashMap<(String, String), String> = st
        .store
        .breakdowns()
        .await?
        .into_iter()
        .flat_map(|b| {
            let bc = b.code.to_string();
            b.options
                .into_iter()
                .map(move |o| ((bc.clone(), o.code.to_string()), o.name_vi.clone()))
        })
        .collect();
    let mut periods: Vec<Period> = values.iter().map(|(v, _)| v.period).collect();
    periods.sort_by_key(|p| (p.start(), std::cmp::Reverse(p.end())));
    periods.dedup();
    let col: HashMap<Period, usize> = periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
    for (v, state) in &values {
        use chiso_engine::ReportState::{Awaiting, Entering};
        let mark = match state {
            Some(Entering) => Some(st.i18n.t(lang, "value-entering", &[])),
            Some(Awaiting) => Some(st.i18n.t(lang, "value-awaiting", &[])),
            _ => None,
        };
        let e = elements.get(v.element.as_str());
        let bd = v
            .breakdown
            .as_ref()
            .map(|b| b.to_string())
            .unwrap_or_default();
        let row = rows
            .entry((v.element.to_string(), bd.clone()))
            .or_insert_with(|| Row {
                code: v.element.to_string(),
                name: e
                    .map(|e| e.name(lang.as_str()).to_string())
                    .unwrap_or_else(|| v.element.to_string()),
                option: v.breakdown.as_ref().map(|b| {
                    let cat = e
                        .and_then(|e| e.breakdown.as_ref())
                        .map(|c| c.to_string())
                        .unwrap_or_default();
                    options
                        .get(&(cat, b.to_string()))
                        .cloned()
                        .unwrap_or_else(|| b.to_string())
                }),
                uom: e
                    .and_then(|e| e.unit_of_measure.as_deref())
                    .map(|u| measure(&st.i18n, lang, u))
                    .unwrap_or_default(),
                cells: (0..periods.len()).map(|_| None).collect(),
            });
        let source_key = match &v.source {
            SourceTag::Import(_) => "import".to_string(),
            s => s.to_string(),
        };
        if let Some(&i) = col.get(&v.period) {
            let (text, exact) = shown_value(v, e, lang);
            row.cells[i] = Some(Cell {
                text,
                exact,
                label: st.i18n.t(lang, &format!("source-{source_key}"), &[]),
                source: source_key,
                comment: v.comment.clone().unwrap_or_default(),
                mark,
            });
        }
    }
    // Values without a breakdown go in the main table; each broken-down element gets a
    // table of its own, folded away.
    let mut plain = Vec::new();
    let mut broken_down: Vec<minijinja::Value> = Vec::new();
    let mut current: Option<(String, String, String, Vec<Row>)> = None;
    let flush = |cur: Option<(String, String, String, Vec<Row>)>,
                 out: &mut Vec<minijinja::Value>| {
        if let Some((code, name, uom, rows)) = cur {
            out.push(minijinja::context! { code, name, uom, count => rows.len(), rows });
        }
    };
    for row in rows.into_values() {
        if row.option.is_none() {
            plain.push(row);
            continue;
        }
        if current.as_ref().map(|c| c.0 != row.code).unwrap_or(true) {
            flush(current.take(), &mut broken_down);
            current = Some((
                row.code.clone(),
                row.name.clone(),
                row.uom.clone(),
                Vec::new(),
            ));
        }
        if let Some(c) = current.as_mut() {
            c.3.push(row);
        }
    }
    flush(current.take(), &mut broken_down);
    // Indicators computed by the engine for this unit (its subtree), in the periods that hold
    // values anywhere below it.
    let mut indicator_rows = Vec::new();
    let mut ind_periods: Vec<Period> = st
        .store
        .values(&ValueQuery {
            units: vec![code.clone()],
            descendants: true,
            ..Default::default()
        })
        .await?
        .iter()
        .map(|v| v.period)
        .collect();
    // A unit of a later structure (a 2025 province or commune) also shows the periods before
    // its first day, its predecessors' figures read into it through the crosswalk.
    if let Some(first) = u.valid_from {
        for l in &pred {
            ind_periods.extend(
                st.store
                    .values(&ValueQuery {
                        units: vec![l.from.clone()],
                        descendants: true,
                        ..Default::default()
                    })
                    .await?
                    .iter()
                    .map(|v| v.period)
                    .filter(|p| p.start() < first),
            );
        }
    }
    // --- p06: months folded into their year ---
    // A month whose year is a column already is added up in that column (the electronic
    // data store's figures are kept by month; a page of years stays a page of years).
    let years: std::collections::HashSet<i32> = ind_periods
        .iter()
        .filter_map(|p| match p {
            Period::Year(y) => Some(*y),
            _ => None,
        })
        .collect();
    ind_periods.retain(|p| !matches!(p, Period::Month(y, _) if years.contains(y)));
    // --- end p06 ---
    ind_periods.sort_by_key(|p| (p.start(), std::cmp::Reverse(p.end())));
    ind_periods.dedup();
    let periods_for_ind = ind_periods.clone();
    // Each indicator under the pillar of the first target that measures it (none: "other").
    let mut pillar_of: HashMap<String, chiso_core::TargetPillar> = HashMap::new();
    for fw in st.store.frameworks().await? {
        for t in &fw.targets {
            if let (Some(i), Some(p)) = (&t.indicator, t.pillar) {
                pillar_of.entry(i.to_string()).or_insert(p);
            }
        }
    }
    let mut by_pillar: BTreeMap<Option<chiso_core::TargetPillar>, Vec<minijinja::Value>> =
        BTreeMap::new();
    // The day the figures stand at: a period not over by then is written "tính đến …".
    let as_of = st.app.as_of_day().await?;
    let period_label = |p: &Period| {
        let name = format::period(p, lang);
        if p.start() <= as_of && as_of < p.end() {
            st.i18n.t(
                lang,
                "unit-period-to-date",
                &[("period", name), ("date", format::date(as_of, lang))],
            )
        } else {
            name
        }
    };
    // Its peers: the other children of its parent.
    let siblings: Vec<Code> = match &u.parent {
        Some(p) => st
            .store
            .units(&UnitQuery {
                parent: Some(p.clone()),
                ..Default::default()
            })
            .await?
            .into_iter()
            .map(|s| s.unit.code)
            .collect(),
        None => Vec::new(),
    };
    {
        let periods = &periods_for_ind;
        let guard = st.app.read().await;
        let engine = guard.view(view);
        let scope = chiso_engine::Scope::Unit(code.clone());
        // Periods before the unit's first day are read "as of" that day: carried into it.
        let as_of = |p: &Period| u.valid_from.filter(|first| p.start() < *first);
        for ind in st.store.indicators().await? {
            // How the figures and their change are written follows the indicator's kind and
            // unit of measure: a rate in percent changes in points; money and counts change
            // absolutely (and relatively), with their unit.
            let label = ind.unit_label.clone().unwrap_or_default();
            let in_lang = measure(&st.i18n, lang, &label);
            let measure =
                format::Measure::of(ind.is_rate, ind.factor, Some(label.as_str()), ind.decimals)
                    // A unit not yet translated is left to the unit column on an English page.
                    .with_unit(if lang == Lang::En && !in_lang.is_ascii() {
                        String::new()
                    } else {
                        in_lang.clone()
                    });
            let values: Vec<Option<f64>> = periods
                .iter()
                .map(
                    |p| match engine.indicator(ind.code.as_str(), &scope, p, as_of(p)) {
                        Ok(Some(v)) => Some(v.value),
                        _ => None,
                    },
                )
                .collect();
            if values.iter().all(Option::is_none) {
                continue;
            }
            let cells: Vec<Figure> = periods
                .iter()
                .zip(&values)
                .map(|(p, v)| {
                    // What the figure stands on, beside it: never a bare figure resting on a
                    // part of its units.
                    let coverage = engine
                        .coverage(ind.code.as_str(), &scope, p)
                        .ok()
                        .flatten()
                        .filter(|_| v.is_some())
                        .map(|c| views::note(st, lang, view, &c));
                    match v {
                        Some(v) => Figure {
                            text: measure.show(*v, lang),
                            exact: measure.exact(*v, lang),
                            coverage,
                        },
                        None => Figure {
                            text: String::new(),
                            exact: None,
                            coverage: None,
                        },
                    }
                })
                .collect();
            // The change in the latest period the indicator has a value in: not computed
            // between a partial and a complete figure without saying so.
            let change = periods
                .iter()
                .zip(&values)
                .rev()
                .find(|(_, v)| v.is_some())
                .map(|(p, _)| p)
                .and_then(|p| {
                    engine
                        .compare(ind.code.as_str(), &scope, p, as_of(p))
                        .ok()
                        .flatten()
                })
                .and_then(|c| {
                    let now = c.coverage;
                    c.same_period_last_year.map(|d| (now, d))
                })
                .map(|(now, d)| match (d.comparable, now, d.coverage) {
                    (false, Some(now), Some(then)) => st.i18n.t(
                        lang,
                        "change-not-comparable",
                        &[
                            ("now", views::reported(st, lang, &now)),
                            ("then", views::reported(st, lang, &then)),
                        ],
                    ),
                    _ => measure.change(d.difference, d.relative_percent, lang),
                })
                .unwrap_or_default();
            let unit = match (&measure, lang) {
                (format::Measure::Money { .. }, Lang::En) => "VND".to_string(),
                _ => in_lang,
            };
            let latest = periods
                .iter()
                .zip(&values)
                .rev()
                .find(|(_, v)| v.is_some())
                .map(|(p, _)| *p);
            // Which figures the change compares: the latest one against the same period a
            // year before.
            let change_note = latest
                .filter(|_| !change.is_empty())
                .and_then(|p| p.same_period_last_year().map(|before| (p, before)))
                .map(|(p, before)| {
                    st.i18n.t(
                        lang,
                        "unit-change-between",
                        &[
                            ("now", period_label(&p)),
                            ("before", format::period(&before, lang)),
                        ],
                    )
                });
            // The unit among its peers in the latest period: "3/7", ties sharing a rank.
            let peers = match (latest, siblings.len() > 1, &u.parent) {
                (Some(p), true, Some(parent)) => engine
                    .rank(ind.code.as_str(), &siblings, &p, None)
                    .ok()
                    .and_then(|ranked| {
                        let of = ranked.iter().filter(|r| r.rank.is_some()).count();
                        ranked
                            .iter()
                            .find(|r| r.unit == *code)
                            .and_then(|r| r.rank)
                            .map(|rank| {
                                minijinja::context! {
                                    text => format!("{rank}/{of}"),
                                    title => st.i18n.t(
                                        lang,
                                        "unit-peers-title",
                                        &[
                                            ("rank", rank.to_string()),
                                            ("of", of.to_string()),
                                            ("period", format::period(&p, lang)),
                                        ],
                                    ),
                                    href => format!(
                                        "/rankings?indicator={}&scope=unit:{parent}&period={p}",
                                        ind.code
                                    ),
                                }
                            })
                    }),
                _ => None,
            };
            by_pillar
                .entry(pillar_of.get(ind.code.as_str()).copied())
                .or_default()
                .push(minijinja::context! {
                    code => ind.code.to_string(),
                    name => ind.name(lang.as_str()).to_string(),
                    unit,
                    cells,
                    change,
                    change_note,
                    peers,
                });
        }
    }
    // Pillars in the default order, indicators under no target's pillar last.
    let mut groups: Vec<(Option<chiso_core::TargetPillar>, Vec<minijinja::Value>)> =
        by_pillar.into_iter().collect();
    groups.sort_by_key(|(p, _)| p.is_none());
    indicator_rows.extend(groups.into_iter().map(|(p, rows)| {
        minijinja::context! {
            key => p.map(|p| p.as_str()).unwrap_or("other"),
            name => match p {
                Some(p) => st.i18n.t(lang, &format!("pillar-{}", p.as_str()), &[]),
                None => st.i18n.t(lang, "unit-pillar-other", &[]),
            },
            rows,
        }
    }));
    let valid = match (u.valid_from, u.valid_to) {
        (None, None) => st.i18n.t(lang, "unit-valid-always", &[]),
        (from, to) => {
            let mut parts = Vec::new();
            if let Some(f) = from {
                parts.push(
                    st.i18n
                        .t(lang, "unit-valid-from", &[("from", format::date(f, lang))]),
                );
            }
            if let Some(t) = to {
                parts.push(
                    st.i18n
                        .t(lang, "unit-valid-to", &[("to", format::date(t, lang))]),
                );
            }
            parts.join(" ")
        }
    };
    let other_name = match lang {
        Lang::Vi => u.name_en.clone(),
        Lang::En => Some(u.name_vi.clone()),
    };
    Ok(Some(minijinja::context! {
        unit => minijinja::context! {
            code => u.code.to_string(),
            gso_code => u.gso_code.clone(),
            name => u.name(lang.as_str()),
            other_name => other_name,
            kind => kind_label(st, lang, u),
            level => su.level,
            valid => valid,
        },
        other_lang_name => match lang { Lang::Vi => "English", Lang::En => "Tiếng Việt" },
        crumbs,
        children,
        successors,
        predecessors,
        periods => periods.iter().map(|p| format::period(p, lang)).collect::<Vec<_>>(),
        rows => plain,
        broken_down => broken_down,
        indicator_rows,
        indicator_periods => ind_periods.iter().map(period_label).collect::<Vec<_>>(),
        has_peers => siblings.len() > 1,
        view => views::banner(st, lang, view, may_live, &format!("/units/{code}")),
    }))
}

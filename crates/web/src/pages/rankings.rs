//! Rankings and scorecards as pages (the same figures as `/api/rankings` and
//! `/api/scorecards/{code}`): units ranked by an indicator, best first by its direction, ties
//! sharing a rank ("15, 15, 17"); a scorecard DTI-style — criteria scored from indicators,
//! summed into pillars and an overall index (points / maximum), each ranked. Official
//! figures by default.

use crate::api::figures::chosen_units;
use crate::auth::{allowed, Action};
use crate::format::{self, Measure};
use crate::i18n::Lang;
use crate::pages::views::{self, ViewQuery};
use crate::pages::{Page, PageError};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chiso_charts::bar::{BarChart, Point, Series};
use chiso_core::{Code, Period};
use chiso_engine::View;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize, Default)]
pub(crate) struct RankQuery {
    indicator: Option<String>,
    /// `GROUP` or `unit:CODE` (its children) or `level:CODE:N`.
    scope: Option<String>,
    period: Option<String>,
}

/// The scopes offered: every group, the children of every root, the units at level 3 under
/// every root.
async fn scopes(st: &AppState, lang: Lang) -> Result<Vec<(String, String)>, PageError> {
    let mut out = Vec::new();
    for g in st.store.groups().await? {
        let name = match (lang, &g.name_en) {
            (Lang::En, Some(n)) => n.clone(),
            _ => g.name_vi.clone(),
        };
        out.push((g.code.to_string(), name));
    }
    for r in st
        .store
        .units(&chiso_store::UnitQuery {
            roots: true,
            ..Default::default()
        })
        .await?
    {
        let name = r.unit.name(lang.as_str()).to_string();
        out.push((
            format!("unit:{}", r.unit.code),
            st.i18n
                .t(lang, "rank-scope-children", &[("name", name.clone())]),
        ));
        out.push((
            format!("level:{}:3", r.unit.code),
            st.i18n.t(lang, "rank-scope-level3", &[("name", name)]),
        ));
    }
    Ok(out)
}

/// The units of a scope as `chosen_units` takes them (parent, level, group).
fn scope_params(s: &str) -> (Option<String>, Option<String>, Option<String>) {
    if let Some(u) = s.strip_prefix("unit:") {
        return (Some(u.to_string()), None, None);
    }
    if let Some(rest) = s.strip_prefix("level:") {
        let (u, l) = rest.rsplit_once(':').unwrap_or((rest, ""));
        return (Some(u.to_string()), Some(l.to_string()), None);
    }
    (None, None, Some(s.to_string()))
}

async fn unit_names(
    st: &AppState,
    lang: Lang,
    codes: &[Code],
) -> Result<HashMap<String, String>, PageError> {
    Ok(st
        .store
        .units(&chiso_store::UnitQuery {
            codes: codes.to_vec(),
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|u| {
            (
                u.unit.code.to_string(),
                u.unit.name(lang.as_str()).to_string(),
            )
        })
        .collect())
}

fn years(as_of: chrono::NaiveDate) -> Vec<Period> {
    use chrono::Datelike;
    (as_of.year() - 4..=as_of.year())
        .rev()
        .map(Period::Year)
        .collect()
}

fn period_of(s: &Option<String>, default: Period) -> Result<Period, PageError> {
    match s.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Period::parse(p)
            .map_err(|e| PageError::Refused(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
        None => Ok(default),
    }
}

async fn view_allowed(
    st: &AppState,
    page: &Page,
    view: View,
    units: &[Code],
) -> Result<bool, PageError> {
    let refs: Vec<&str> = units.iter().map(|u| u.as_str()).collect();
    let may_live = views::may_see_live(st, &page.who, &refs).await;
    if view == View::Live && !may_live {
        return Err(PageError::Denied);
    }
    Ok(may_live)
}

/// `GET /rankings`: pick an indicator, a set of units and a period; the units ranked.
pub(crate) async fn rankings_page(
    State(st): State<AppState>,
    Query(q): Query<RankQuery>,
    Query(v): Query<ViewQuery>,
    page: Page,
) -> Response {
    let r = rankings(&st, q, v.asked(), &page).await;
    page.respond(&st, r)
}

async fn rankings(
    st: &AppState,
    q: RankQuery,
    view: View,
    page: &Page,
) -> Result<Response, PageError> {
    let lang = page.lang;
    if !allowed(
        &page.who,
        Action::ReadMeta,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return Err(PageError::Denied);
    }
    let indicators = st.store.indicators().await?;
    let scopes = scopes(st, lang).await?;
    let as_of = crate::clock::as_of_day(st)
        .await
        .unwrap_or_else(|_| crate::clock::today_in_vietnam());
    let ind_code = q
        .indicator
        .clone()
        .filter(|c| !c.is_empty())
        .or_else(|| indicators.first().map(|i| i.code.to_string()))
        .unwrap_or_default();
    let ind = indicators
        .iter()
        .find(|i| i.code.as_str() == ind_code)
        .ok_or_else(|| {
            PageError::NotFound(st.i18n.t(
                lang,
                "indicator-not-found",
                &[("code", ind_code.clone())],
            ))
        })?;
    let scope = q
        .scope
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            scopes
                .iter()
                .find(|(c, _)| c.starts_with("unit:"))
                .map(|s| s.0.clone())
        })
        .unwrap_or_default();
    let (parent, level, group) = scope_params(&scope);
    let units = chosen_units(st, &page.who, &parent, &level, &group, None).await?;
    let may_live = view_allowed(st, page, view, &units).await?;
    // The latest year any of the units has a figure in, unless a period is asked.
    let default = {
        let engine = st.app.read().await;
        let v = engine.view(view);
        years(as_of)
            .into_iter()
            .find(|p| {
                units.iter().any(|u| {
                    matches!(
                        v.indicator(
                            ind.code.as_str(),
                            &chiso_engine::Scope::Unit(u.clone()),
                            p,
                            None
                        ),
                        Ok(Some(_))
                    )
                })
            })
            .unwrap_or(Period::Year(chrono::Datelike::year(&as_of)))
    };
    let period = period_of(&q.period, default)?;
    let ranked = st
        .app
        .read()
        .await
        .view(view)
        .rank(ind.code.as_str(), &units, &period, None)
        .map_err(|e| PageError::Internal(e.to_string()))?;
    let names = unit_names(st, lang, &units).await?;
    let label = ind.unit_label.clone().unwrap_or_default();
    let measure = Measure::of(ind.is_rate, ind.factor, Some(label.as_str()), ind.decimals)
        .with_unit(crate::pages::frameworks::measure(&st.i18n, lang, &label));
    let name_of = |u: &Code| {
        names
            .get(u.as_str())
            .cloned()
            .unwrap_or_else(|| u.to_string())
    };
    let period_name = format::period(&period, lang);
    let ind_name = ind.name(lang.as_str()).to_string();
    let chart = BarChart {
        title: format!("{ind_name} — {period_name}"),
        desc: st.i18n.t(lang, "rank-chart-desc", &[]),
        categories: ranked
            .iter()
            .map(|r| match r.rank {
                Some(k) => format!("{k}. {}", name_of(&r.unit)),
                None => name_of(&r.unit),
            })
            .collect(),
        series: vec![Series {
            name: period_name.clone(),
            values: ranked
                .iter()
                .map(|r| r.value.map(|v| Point::new(v, measure.show(v, lang))))
                .collect(),
        }],
        highlight: None,
    };
    let rows: Vec<minijinja::Value> = ranked
        .iter()
        .map(|r| {
            minijinja::context! {
                rank => r.rank,
                name => name_of(&r.unit),
                href => format!("/indicators/{}?unit={}&period={period}", ind.code, r.unit),
                value => r.value.map(|v| measure.show(v, lang)),
                coverage => r.coverage.as_ref().map(|c| views::note(st, lang, view, c)),
            }
        })
        .collect();
    let ctx = minijinja::context! {
        title => st.i18n.t(lang, "rank-title", &[]),
        indicators => indicators.iter().map(|i| minijinja::context! {
            value => i.code.to_string(), label => i.name(lang.as_str()).to_string(),
            selected => i.code.as_str() == ind.code.as_str(),
        }).collect::<Vec<_>>(),
        scopes => scopes.iter().map(|(c, n)| minijinja::context! {
            value => c, label => n, selected => *c == scope,
        }).collect::<Vec<_>>(),
        periods => years(as_of).iter().map(|p| minijinja::context! {
            value => p.to_string(), label => format::period(p, lang), selected => *p == period,
        }).collect::<Vec<_>>(),
        ind_name, period_name,
        ind_href => format!("/indicators/{}?period={period}", ind.code),
        api => format!("/api/rankings?indicator={}&{}period={period}", ind.code,
            match (&parent, &level, &group) {
                (_, _, Some(g)) => format!("group={g}&"),
                (Some(p), Some(l), _) => format!("parent={p}&level={l}&"),
                (Some(p), None, _) => format!("parent={p}&"),
                _ => String::new(),
            }),
        rows,
        chart => (!ranked.is_empty()).then(|| chiso_charts::bar::bar_svg(&chart)),
        view => views::banner(st, lang, view, may_live, "/rankings"),
    };
    Ok(page.render(st, StatusCode::OK, "rankings.html", ctx))
}

#[derive(Deserialize, Default)]
pub(crate) struct ScoreQuery {
    scope: Option<String>,
    period: Option<String>,
}

/// `GET /scorecards/{code}`: a scorecard over a set of units (default: the commune tier).
pub(crate) async fn scorecard_page(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<ScoreQuery>,
    Query(v): Query<ViewQuery>,
    page: Page,
) -> Response {
    let r = scorecard(&st, &code, q, v.asked(), &page).await;
    page.respond(&st, r)
}

fn pct(v: f64, lang: Lang) -> String {
    format::percent(v * 100.0, lang)
}

async fn scorecard(
    st: &AppState,
    code: &str,
    q: ScoreQuery,
    view: View,
    page: &Page,
) -> Result<Response, PageError> {
    let lang = page.lang;
    if !allowed(
        &page.who,
        Action::ReadMeta,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return Err(PageError::Denied);
    }
    let cards = st.store.scorecards().await?;
    let sc = cards
        .iter()
        .find(|s| s.code.as_str() == code)
        .ok_or_else(|| {
            PageError::NotFound(st.i18n.t(
                lang,
                "scorecard-not-found",
                &[("code", code.to_string())],
            ))
        })?;
    let scopes = scopes(st, lang).await?;
    let scope = q
        .scope
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            scopes
                .iter()
                .find(|(c, _)| c.ends_with("_CAP_XA"))
                .or(scopes.first())
                .map(|s| s.0.clone())
        })
        .unwrap_or_default();
    let (parent, level, group) = scope_params(&scope);
    let units = chosen_units(st, &page.who, &parent, &level, &group, None).await?;
    let may_live = view_allowed(st, page, view, &units).await?;
    let as_of = crate::clock::as_of_day(st)
        .await
        .unwrap_or_else(|_| crate::clock::today_in_vietnam());
    let period = period_of(&q.period, Period::Year(chrono::Datelike::year(&as_of) - 1))?;
    let scores = st
        .app
        .read()
        .await
        .view(view)
        .score(sc, &units, &period, None)
        .map_err(|e| PageError::Internal(e.to_string()))?;
    let names = unit_names(st, lang, &units).await?;
    let name = |n_vi: &str, n_en: &Option<String>| match (lang, n_en) {
        (Lang::En, Some(n)) => n.clone(),
        _ => n_vi.to_string(),
    };
    let pillars: Vec<minijinja::Value> = sc
        .pillars
        .iter()
        .map(|p| {
            minijinja::context! {
                name => name(&p.name_vi, &p.name_en),
                criteria => p.criteria.iter().map(|c| minijinja::context! {
                    name => name(&c.name_vi, &c.name_en),
                    max => format::number(c.max_points, if c.max_points.fract() == 0.0 { 0 } else { 2 }, lang),
                    href => format!("/indicators/{}?period={period}", c.indicator),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let pts = |v: f64| format::number(v, if v.fract() == 0.0 { 0 } else { 2 }, lang);
    let rows: Vec<minijinja::Value> = scores
        .iter()
        .map(|r| {
            minijinja::context! {
                rank => r.rank,
                name => names.get(r.unit.as_str()).cloned().unwrap_or_else(|| r.unit.to_string()),
                href => format!("/units/{}", r.unit),
                index => pct(r.index, lang),
                points => format!("{}/{}", pts(r.points), pts(r.maximum)),
                pillars => r.pillars.iter().map(|p| minijinja::context! {
                    index => pct(p.index, lang), rank => p.rank,
                }).collect::<Vec<_>>(),
                criteria => r.criteria.iter().map(|c| pts(c.points)).collect::<Vec<_>>(),
            }
        })
        .collect();
    let ctx = minijinja::context! {
        title => name(&sc.name_vi, &sc.name_en),
        description => sc.description.clone(),
        scorecards => cards.iter().map(|c| minijinja::context! {
            href => format!("/scorecards/{}", c.code), label => name(&c.name_vi, &c.name_en),
            current => c.code.as_str() == code,
        }).collect::<Vec<_>>(),
        code,
        scopes => scopes.iter().map(|(c, n)| minijinja::context! {
            value => c, label => n, selected => *c == scope,
        }).collect::<Vec<_>>(),
        periods => years(as_of).iter().map(|p| minijinja::context! {
            value => p.to_string(), label => format::period(p, lang), selected => *p == period,
        }).collect::<Vec<_>>(),
        period_name => format::period(&period, lang),
        pillars,
        rows,
        view => views::banner(st, lang, view, may_live, &format!("/scorecards/{code}")),
    };
    Ok(page.render(st, StatusCode::OK, "scorecard.html", ctx))
}

/// `GET /scorecards`: the first scorecard (the others are linked from its page).
pub(crate) async fn scorecards_index(
    State(st): State<AppState>,
    Query(q): Query<ScoreQuery>,
    Query(v): Query<ViewQuery>,
    page: Page,
) -> Response {
    let first = match st.store.scorecards().await {
        Ok(cards) => cards.first().map(|c| c.code.to_string()),
        Err(e) => return page.respond(&st, Err(e.into())),
    };
    let Some(code) = first else {
        return page.respond(
            &st,
            Err(PageError::NotFound(st.i18n.t(
                page.lang,
                "scorecard-not-found",
                &[("code", String::new())],
            ))),
        );
    };
    let r = scorecard(&st, &code, q, v.asked(), &page).await;
    page.respond(&st, r)
}

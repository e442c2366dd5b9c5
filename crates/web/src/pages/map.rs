//! A unit's map: an indicator's value over the communes of a district or a province (or its
//! other units below, where it has no communes) as a choropleth drawn by
//! `chiso_charts::map`, with its legend and the same values as a table beside it. Official
//! figures by default; live ones for a signed-in person with a right over the unit.

use crate::auth::{allowed, Action, Who};
use crate::format;
use crate::i18n::Lang;
use crate::pages::frameworks::measure;
use crate::pages::views::{self, ViewQuery};
use crate::pages::{Page, PageError};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chiso_charts::map::{choropleth_svg, class_text, swatch_svg, Area, MapLabels};
use chiso_core::{Code, Period, StoredUnit, UnitKind};
use chiso_engine::{Scope, View};
use chiso_store::{UnitQuery, ValueQuery};
use serde::Deserialize;
use std::collections::HashMap;

/// What the map is asked for.
#[derive(Deserialize, Default)]
pub(crate) struct MapQuery {
    indicator: Option<String>,
    period: Option<String>,
}

pub(crate) async fn map_page(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(v): Query<ViewQuery>,
    Query(m): Query<MapQuery>,
    page: Page,
) -> Response {
    let r = map_response(&st, &page, &page.who, &code, v.asked(), &m).await;
    page.respond(&st, r)
}

async fn map_response(
    st: &AppState,
    page: &Page,
    who: &Who,
    code: &str,
    view: View,
    m: &MapQuery,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let not_found = || {
        PageError::NotFound(
            st.i18n
                .t(lang, "unit-not-found", &[("code", code.to_string())]),
        )
    };
    let c = Code::parse(code).map_err(|_| not_found())?;
    let readable = allowed(
        who,
        Action::Read,
        Some(c.as_str()),
        &*st.app.read().await,
        st.auth.public_read,
    );
    if !readable {
        return Err(PageError::Denied);
    }
    let may_live = views::may_see_live(st, who, &[c.as_str()]).await;
    if view == View::Live && !may_live {
        return Err(PageError::Denied);
    }
    let root = st.store.unit(&c).await?.ok_or_else(not_found)?;
    let ctx = map_context(st, lang, &root, view, may_live, m).await?;
    Ok(page.render(st, StatusCode::OK, "map.html", ctx))
}

/// The units drawn: the communes below `root`, or else its units one level down that are
/// places (not agencies or organisations).
async fn mapped_units(
    st: &AppState,
    root: &StoredUnit,
) -> Result<Vec<StoredUnit>, chiso_store::StoreError> {
    let code = &root.unit.code;
    let mut units: Vec<StoredUnit> = st
        .store
        .units(&UnitQuery {
            under: Some(code.clone()),
            kind: Some(UnitKind::Commune),
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|u| u.unit.code != *code)
        .collect();
    if units.is_empty() {
        units = st
            .store
            .units(&UnitQuery {
                parent: Some(code.clone()),
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|u| matches!(u.unit.kind, UnitKind::District | UnitKind::Commune))
            .collect();
    }
    units.sort_by(|a, b| a.unit.code.cmp(&b.unit.code));
    Ok(units)
}

/// Each unit's centroid: its own, else its parent's (the middle of the parent's other
/// units' centroids: districts carry none), else the middle of all of them.
fn centroids(units: &[StoredUnit]) -> Vec<Option<(f64, f64)>> {
    let own = |u: &StoredUnit| u.unit.lat.zip(u.unit.lon);
    let mean = |pts: &[(f64, f64)]| {
        (!pts.is_empty()).then(|| {
            let n = pts.len() as f64;
            (
                pts.iter().map(|p| p.0).sum::<f64>() / n,
                pts.iter().map(|p| p.1).sum::<f64>() / n,
            )
        })
    };
    let mut by_parent: HashMap<Option<&Code>, Vec<(f64, f64)>> = HashMap::new();
    for u in units {
        if let Some(p) = own(u) {
            by_parent.entry(u.unit.parent.as_ref()).or_default().push(p);
        }
    }
    let all: Vec<(f64, f64)> = units.iter().filter_map(own).collect();
    let overall = mean(&all);
    units
        .iter()
        .map(|u| {
            own(u)
                .or_else(|| {
                    by_parent
                        .get(&u.unit.parent.as_ref())
                        .and_then(|pts| mean(pts))
                })
                .or(overall)
        })
        .collect()
}

/// The periods with figures below `root` (or below the units it succeeds), newest first.
async fn periods(st: &AppState, root: &StoredUnit) -> Result<Vec<Period>, chiso_store::StoreError> {
    let mut roots = vec![root.unit.code.clone()];
    roots.extend(
        st.store
            .predecessors(&root.unit.code)
            .await?
            .into_iter()
            .map(|l| l.from),
    );
    let mut out: Vec<Period> = Vec::new();
    for r in roots {
        out.extend(
            st.store
                .values(&ValueQuery {
                    units: vec![r],
                    descendants: true,
                    ..Default::default()
                })
                .await?
                .iter()
                .map(|v| v.period),
        );
    }
    out.sort_by_key(|p| (std::cmp::Reverse(p.start()), p.end()));
    out.dedup();
    Ok(out)
}

async fn map_context(
    st: &AppState,
    lang: Lang,
    root: &StoredUnit,
    view: View,
    may_live: bool,
    m: &MapQuery,
) -> Result<minijinja::Value, PageError> {
    let code = root.unit.code.to_string();
    let units = mapped_units(st, root).await?;
    let points = centroids(&units);
    let codes: Vec<Code> = units.iter().map(|u| u.unit.code.clone()).collect();
    let geo: HashMap<String, chiso_store::UnitGeography> = st
        .store
        .geography(&codes)
        .await?
        .into_iter()
        .map(|g| (g.unit.clone(), g))
        .collect();
    // The 2025 structure holds no figures of its own before July 2025: they are carried into
    // it through the crosswalk, as of its first day.
    let as_of = root
        .unit
        .in_2025_structure()
        .then(chiso_core::unit::start_2025);
    let indicators = st.store.indicators().await?;
    let periods = periods(st, root).await?;
    let guard = st.app.read().await;
    let engine = guard.view(view);
    let value_of = |ind: &str, unit: &Code, p: &Period| {
        engine
            .indicator(ind, &Scope::Unit(unit.clone()), p, as_of)
            .ok()
            .flatten()
            .map(|v| v.value)
    };
    // The indicator and period asked; else, newest year first, the first indicator with
    // differing figures for at least half of the units (else the one with most figures).
    let asked_period = m
        .period
        .as_deref()
        .and_then(|p| Period::parse(p).ok())
        .filter(|p| periods.contains(p));
    let asked_indicator = m
        .indicator
        .as_deref()
        .and_then(|i| indicators.iter().find(|x| x.code.as_str() == i));
    let candidates: Vec<Period> = match asked_period {
        Some(p) => vec![p],
        None => periods
            .iter()
            .filter(|p| matches!(p, Period::Year(_)))
            .chain(periods.iter())
            .copied()
            .collect(),
    };
    let fits = |ind: &chiso_core::Indicator, p: &Period| {
        let vals: Vec<f64> = codes
            .iter()
            .filter_map(|u| value_of(ind.code.as_str(), u, p))
            .collect();
        2 * vals.len() >= codes.len() && vals.iter().any(|v| Some(v) != vals.first())
    };
    let chosen = candidates.iter().find_map(|p| match asked_indicator {
        Some(ind) => Some((ind, *p)).filter(|_| asked_period.is_some() || fits(ind, p)),
        None => indicators
            .iter()
            .find(|ind| fits(ind, p))
            .map(|ind| (ind, *p)),
    });
    let period = chosen
        .map(|(_, p)| p)
        .or(asked_period)
        .or_else(|| {
            periods
                .iter()
                .find(|p| matches!(p, Period::Year(_)))
                .copied()
        })
        .or_else(|| periods.first().copied());
    let indicator = chosen.map(|(i, _)| i).or(asked_indicator).or_else(|| {
        let p = period?;
        indicators.iter().max_by_key(|ind| {
            codes
                .iter()
                .filter(|u| value_of(ind.code.as_str(), u, &p).is_some())
                .count()
        })
    });
    let unit_name = root.unit.name(lang.as_str()).to_string();
    let no_data = st.i18n.t(lang, "map-no-data", &[]);
    let href_suffix = if view == View::Live { "?view=live" } else { "" };
    let (measure, ind_name, ind_code) = match indicator {
        Some(ind) => {
            let label = ind.unit_label.clone().unwrap_or_default();
            let in_lang = measure(&st.i18n, lang, &label);
            (
                format::Measure::of(ind.is_rate, ind.factor, Some(label.as_str()), ind.decimals)
                    .with_unit(in_lang),
                ind.name(lang.as_str()).to_string(),
                ind.code.to_string(),
            )
        }
        None => (format::Measure::Percent, String::new(), String::new()),
    };
    let show = |v: f64| {
        let text = measure.show(v, lang);
        match &measure {
            format::Measure::Amount { unit, .. } if !unit.is_empty() => format!("{text} {unit}"),
            _ => text,
        }
    };
    let mut areas = Vec::new();
    let mut rows = Vec::new();
    for (u, c) in units.iter().zip(&points) {
        let value = match (indicator, period) {
            (Some(ind), Some(p)) => value_of(ind.code.as_str(), &u.unit.code, &p),
            _ => None,
        };
        let value_text = value.map(show).unwrap_or_else(|| no_data.clone());
        let g = geo.get(u.unit.code.as_str());
        let parent_name = units
            .iter()
            .find(|x| Some(&x.unit.code) == u.unit.parent.as_ref())
            .map(|x| x.unit.name(lang.as_str()).to_string());
        rows.push(minijinja::context! {
            code => u.unit.code.to_string(),
            name => u.unit.name(lang.as_str()),
            parent => parent_name,
            value => value_text.clone(),
            has_value => value.is_some(),
            area => g.and_then(|g| g.area_km2).map(|a| format::number(a, 2, lang)),
        });
        let Some((lat, lon)) = *c else { continue };
        areas.push(Area {
            code: u.unit.code.to_string(),
            name: u.unit.name(lang.as_str()).to_string(),
            href: format!("/units/{}{href_suffix}", u.unit.code),
            lat,
            lon,
            outline: g
                .and_then(|g| g.boundary.as_deref())
                .and_then(chiso_io::geojson::stored_rings),
            value,
            value_text,
        });
    }
    drop(guard);
    let period_text = period.map(|p| format::period(&p, lang)).unwrap_or_default();
    let title = st.i18n.t(
        lang,
        "map-title",
        &[
            ("indicator", ind_name.clone()),
            ("unit", unit_name.clone()),
            ("period", period_text.clone()),
        ],
    );
    let labels = MapLabels {
        title: title.clone(),
        approximate: st.i18n.t(lang, "map-approximate", &[]),
        no_data: no_data.clone(),
    };
    let map = (!areas.is_empty()).then(|| choropleth_svg(&areas, &labels, false, &show));
    let sources: Vec<String> = {
        let mut s: Vec<String> = geo
            .values()
            .filter_map(|g| g.boundary_source.clone())
            .collect();
        s.sort();
        s.dedup();
        s
    };
    let legend = map.as_ref().map(|m| {
        let mut items: Vec<minijinja::Value> = m
            .classes
            .iter()
            .map(|c| {
                minijinja::context! {
                    swatch => swatch_svg(Some(c.fill)),
                    text => class_text(c, &show),
                    count => c.count,
                }
            })
            .collect();
        items.push(minijinja::context! {
            swatch => swatch_svg(None),
            text => no_data.clone(),
            count => m.no_data,
            no_data => true,
        });
        items
    });
    let mut crumbs = Vec::new();
    let mut parent = root.unit.parent.clone();
    while let Some(p) = parent {
        match st.store.unit(&p).await? {
            Some(pu) if crumbs.len() < 20 => {
                parent = pu.unit.parent.clone();
                crumbs.push(crate::pages::units::item(st, lang, &pu.unit));
            }
            _ => break,
        }
    }
    crumbs.reverse();
    let path = format!("/units/{code}/map");
    Ok(minijinja::context! {
        unit => minijinja::context! { code => code.clone(), name => unit_name },
        crumbs,
        heading => st.i18n.t(lang, "map-heading", &[("unit", root.unit.name(lang.as_str()).to_string())]),
        real_note => st.i18n.t(lang, "map-real", &[("source", sources.join(", "))]),
        title,
        path,
        svg => map.as_ref().map(|m| m.svg.clone()),
        approximate => map.as_ref().is_some_and(|m| m.approximate),
        sources => sources.join(", "),
        legend,
        rows,
        has_area => rows_have_area(&geo),
        indicators => indicators.iter().map(|i| minijinja::context! {
            code => i.code.to_string(),
            name => i.name(lang.as_str()),
            selected => i.code.as_str() == ind_code,
        }).collect::<Vec<_>>(),
        periods => periods.iter().map(|p| minijinja::context! {
            id => p.to_string(),
            name => format::period(p, lang),
            selected => Some(*p) == period,
        }).collect::<Vec<_>>(),
        live => view == View::Live,
        view => views::banner(st, lang, view, may_live, &path),
    })
}

fn rows_have_area(geo: &HashMap<String, chiso_store::UnitGeography>) -> bool {
    geo.values().any(|g| g.area_km2.is_some())
}

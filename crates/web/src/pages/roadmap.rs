//! The roadmap images of a plan and of the province (SVG): read what the caller may see,
//! draw it with `chiso_charts::roadmap`, answer `image/svg+xml`.

use crate::api::plans::load_plan;
use crate::auth::{allowed, require, Action, Who};
use crate::clock::as_of_day;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::params::query;
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chiso_charts::roadmap::{roadmap_svg, task_bars, Bar, RoadmapLabels};
use chiso_store::UnitQuery;
use chrono::Datelike;
use serde::Deserialize;

#[derive(Deserialize)]
pub(crate) struct RoadmapParams {
    year: Option<i32>,
    lang: Option<String>,
}

pub(crate) fn lang_of(p: &RoadmapParams) -> Lang {
    p.lang.as_deref().and_then(Lang::parse).unwrap_or(Lang::Vi)
}

pub(crate) async fn plan_roadmap(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(c): Path<String>,
    q: Result<Query<RoadmapParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = query(q)?;
    let plan = load_plan(&st, &who, &c).await?;
    let day = as_of_day(&st).await?;
    let lang = lang_of(&p);
    Ok(svg(roadmap_svg(
        plan.title_in(lang.as_str()),
        plan.year,
        day,
        &task_bars(&plan, day, None, lang.as_str()),
        &labels(&st, lang),
    )))
}

pub(crate) async fn province_roadmap(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<RoadmapParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    // Lists show only what the caller may read; an anonymous caller of a private server
    // is asked to log in.
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let p = query(q)?;
    let day = as_of_day(&st).await?;
    let year = p.year.unwrap_or(day.year());
    let lang = lang_of(&p);
    let plans = st.store.plans(None, Some(year)).await?;
    let names: std::collections::HashMap<String, String> = st
        .store
        .units(&UnitQuery {
            codes: plans.iter().map(|p| p.unit.clone()).collect(),
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
        .collect();
    let engine = st.app.read().await;
    let bars: Vec<Bar> = plans
        .iter()
        .filter(|p| {
            allowed(
                &who,
                Action::Read,
                Some(p.unit.as_str()),
                &engine,
                st.auth.public_read,
            )
        })
        .flat_map(|p| {
            let unit = names
                .get(p.unit.as_str())
                .map(String::as_str)
                .unwrap_or(p.unit.as_str());
            task_bars(p, day, Some(unit), lang.as_str())
        })
        .collect();
    drop(engine);
    let labels = labels(&st, lang);
    Ok(svg(roadmap_svg(
        &labels.province_title(year),
        year,
        day,
        &bars,
        &labels,
    )))
}

/// The roadmap's words in the page's language, from the translations.
fn labels(st: &AppState, lang: Lang) -> RoadmapLabels {
    RoadmapLabels::translated(lang.as_str(), |k| st.i18n.t(lang, k, &[]))
}

pub(crate) fn svg(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::I18n;

    /// The chart's own words (the command line's, a report's) are the pages' words.
    #[test]
    fn the_charts_words_are_the_translations() {
        let i18n = I18n::load().unwrap();
        for (lang, own) in [
            (Lang::Vi, RoadmapLabels::vi()),
            (Lang::En, RoadmapLabels::en()),
        ] {
            let translated = RoadmapLabels::translated(lang.as_str(), |k| i18n.t(lang, k, &[]));
            assert_eq!(translated, own, "{}", lang.as_str());
        }
    }
}

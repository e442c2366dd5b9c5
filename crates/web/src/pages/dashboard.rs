//! The steering dashboard, the home page: the active target framework as a scoreboard
//! grouped by pillar (each target's status, value against target, change against last year,
//! trend, coverage, and for a target not met the directives and plan tasks that address it),
//! the key figures of each pillar over the chosen structure, the three tiers of agencies, the
//! directives overdue or due soon, the reporting completeness of the open data sets, the
//! communes at the bottom of the ranking and those still without a DX product. A period, an
//! "as of" day and a structure (`58`, `2025-56`) are chosen in the page's form; the official
//! view by default, the live one for a person with a right over the structure's root.
//!
//! Every figure is the engine's: the framework is judged by [`crate::api::figures::assessed_in`]
//! (the same code as `/api/target-frameworks/{code}` and the framework page).

use crate::auth::{allowed, Action};
use crate::i18n::{one_language, Lang};
use crate::pages::dashboard_parts::{self as parts, Ctx};
use crate::pages::views::{self, ViewQuery};
use crate::pages::{Page, PageError};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chiso_core::{Framework, Period, Unit};
use chiso_engine::View;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// What the dashboard is asked: the period of the framework, the day the figures stand at,
/// the structure's root.
#[derive(Deserialize, Default)]
pub(crate) struct DashQuery {
    pub(crate) period: Option<String>,
    pub(crate) as_of: Option<String>,
    pub(crate) structure: Option<String>,
}

pub(crate) async fn dashboard(
    State(st): State<AppState>,
    Query(q): Query<DashQuery>,
    Query(v): Query<ViewQuery>,
    page: Page,
) -> Response {
    let r = dashboard_page(&st, &q, v.asked(), &page).await;
    page.respond(&st, r)
}

/// The period a framework is about (its first target's).
fn framework_period(f: &Framework) -> Option<Period> {
    f.targets.first().map(|t| t.period)
}

/// The framework shown for a period: the one about it; without a period asked, the latest
/// one about a year already over on `day` (the year's review), else the latest one begun.
pub(crate) fn active_framework<'a>(
    frameworks: &'a [Framework],
    period: Option<&Period>,
    day: NaiveDate,
) -> Option<&'a Framework> {
    if let Some(p) = period {
        return frameworks.iter().find(|f| framework_period(f) == Some(*p));
    }
    let mut with: Vec<(&Framework, Period)> = frameworks
        .iter()
        .filter_map(|f| framework_period(f).map(|p| (f, p)))
        .collect();
    with.sort_by_key(|(_, p)| p.start());
    with.iter()
        .rev()
        .find(|(_, p)| p.end() < day)
        .or_else(|| with.iter().rev().find(|(_, p)| p.start() <= day))
        .or(with.last())
        .map(|(f, _)| *f)
}

async fn dashboard_page(
    st: &AppState,
    q: &DashQuery,
    view: View,
    page: &Page,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let who = &page.who;
    if !allowed(
        who,
        Action::ReadMeta,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return Err(PageError::Denied);
    }
    let bad = |what: &str, v: &str| {
        PageError::Refused(
            StatusCode::BAD_REQUEST,
            st.i18n.t(
                lang,
                "dash-bad-param",
                &[("what", what.into()), ("value", v.into())],
            ),
        )
    };
    let stored_day = crate::clock::as_of_day(st)
        .await
        .unwrap_or_else(|_| crate::clock::today_in_vietnam());
    // The day as a person types it (dd/mm/yyyy, or ISO as the page's own links write it). A
    // day that cannot be read is said beside the field, what was typed kept in it, and the
    // page shows the stored day meanwhile (answered 400).
    let typed = q.as_of.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let (day, date_error) = match typed {
        Some(s) => match crate::params::parse_day(s) {
            Some(d) => (d, None),
            None => (
                stored_day,
                Some(st.i18n.t(lang, "dash-bad-date", &[("value", s.into())])),
            ),
        },
        None => (stored_day, None),
    };
    let period = match q.period.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(Period::parse(s).map_err(|_| bad("period", s))?),
        None => None,
    };
    // The structures: every root unit, the legacy ones first.
    let roots: Vec<Unit> = st
        .store
        .units(&chiso_store::UnitQuery {
            roots: true,
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|u| u.unit)
        .collect();
    let mut roots = roots;
    roots.sort_by_key(|u| (u.valid_to.is_none(), u.code.to_string()));
    let root = match q.structure.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => roots
            .iter()
            .find(|u| u.code.as_str() == s)
            .cloned()
            .ok_or_else(|| bad("structure", s))?,
        None => match roots.first() {
            Some(u) => u.clone(),
            None => return Ok(page.render(
                st,
                StatusCode::OK,
                "dashboard.html",
                minijinja::context! { empty => true, links => parts::links(st, lang, &[], &[]) },
            )),
        },
    };
    let may_live = views::may_see_live(st, who, &[root.code.as_str()]).await;
    if view == View::Live && !may_live {
        return Err(PageError::Denied);
    }
    // Figures of a structure that begins after the period are read into its units through
    // the crosswalk ("as of" the structure's first day).
    let structure_as_of = root.valid_from.filter(|_| root.valid_to.is_none());
    let frameworks = st.store.frameworks().await?;
    let fw = active_framework(&frameworks, period.as_ref(), day);
    let period = period.or_else(|| fw.and_then(framework_period));
    let mut ctx = Ctx {
        st,
        who,
        lang,
        view,
        day,
        root: &root,
        structure_as_of,
        places: Default::default(),
    };
    let mut sections = minijinja::context! {};
    if let (Some(fw), Some(period)) = (fw, period) {
        let mut assessed = crate::api::figures::assessed_in(st, fw.code.as_str(), day, who, view)
            .await?
            .ok_or_else(|| PageError::Internal("framework vanished".into()))?;
        if let Some(date) = structure_as_of {
            ctx.places = parts::carry_targets(st, view, day, date, &mut assessed).await?;
        }
        let board = parts::scoreboard(&ctx, fw, &assessed, &period).await?;
        let name = match (lang, &fw.name_en) {
            (Lang::En, Some(n)) => n.clone(),
            _ => fw.name_vi.clone(),
        };
        sections = minijinja::context! {
            framework => minijinja::context! {
                code => fw.code.to_string(),
                name,
                description => fw.description.as_deref().map(|d| one_language(d, lang)),
                achieved => assessed.achieved,
                total => assessed.total,
                summary => st.i18n.t(lang, "dash-summary", &[
                    ("date", crate::format::date(day, lang)),
                ]),
            },
            pillars => board.pillars,
            key_figures => board.key_figures,
            tiers => parts::tiers(&ctx, &roots, &period, fw).await?,
            bottom => parts::bottom_communes(&ctx, &period).await?,
        };
    }
    let year = Period::Year(day.year());
    let without = parts::without_products(&ctx, &year).await?;
    let directives = parts::directives(&ctx).await?;
    let completeness = parts::completeness(&ctx).await?;
    let p06 = super::dashboard_p06::store(&ctx, &period.unwrap_or(year)).await?;
    // The switch: the periods of the frameworks, the structures, the day.
    let mut periods: Vec<Period> = frameworks.iter().filter_map(framework_period).collect();
    periods.sort_by_key(|p| std::cmp::Reverse(p.start()));
    periods.dedup();
    let period_options: Vec<minijinja::Value> = periods
        .iter()
        .map(|p| {
            minijinja::context! {
                value => p.to_string(),
                label => crate::format::period(p, lang),
                selected => Some(*p) == period,
            }
        })
        .collect();
    let structure_options: Vec<minijinja::Value> = roots
        .iter()
        .map(|u| {
            let key = if u.valid_to.is_some() {
                "structure-legacy"
            } else {
                "structure-current"
            };
            minijinja::context! {
                value => u.code.to_string(),
                label => format!("{} — {}", u.name(lang.as_str()), st.i18n.t(lang, key, &[])),
                selected => u.code == root.code,
            }
        })
        .collect();
    let mut here = vec![format!("structure={}", root.code), format!("as_of={day}")];
    if let Some(p) = period {
        here.push(format!("period={p}"));
    }
    let demo = st.store.meta("demo").await?.is_some();
    let status = if date_error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(page.render(
        st,
        status,
        "dashboard.html",
        minijinja::context! {
            ..sections,
            ..minijinja::context! {
                empty => false,
                demo,
                root => minijinja::context! {
                    code => root.code.to_string(),
                    name => root.name(lang.as_str()).to_string(),
                },
                structure_note => structure_as_of.map(|d| st.i18n.t(lang, "dash-structure-note", &[
                    ("date", crate::format::date(d, lang)),
                ])),
                day => day.to_string(),
                // The field shows the day as it is typed (dd/mm/yyyy), or what was typed
                // when it could not be read.
                day_typed => match (&date_error, typed) {
                    (Some(_), Some(t)) => t.to_string(),
                    _ => day.format("%d/%m/%Y").to_string(),
                },
                date_error,
                day_shown => crate::format::date(day, lang),
                period_options,
                structure_options,
                view_value => view.as_str(),
                view => views::banner(st, lang, view, may_live, &format!("/?{}", here.join("&"))),
                directives,
                completeness,
                without,
                p06,
                links => parts::links(st, lang, &roots, &frameworks),
            },
        },
    ))
}

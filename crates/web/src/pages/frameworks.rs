//! A target framework's page: every target with its status and what its figure stands on,
//! in the official view (or, for a signed-in person, the live one over the units they may
//! read).

use crate::auth::{allowed, Action};
use crate::format;
use crate::i18n::{one_language, I18n, Lang};
use crate::pages::views::{self, ViewQuery};
use crate::pages::{Page, PageError};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;

pub(crate) fn fixed(v: f64, decimals: u8, lang: Lang) -> String {
    format::decimal(&format!("{:.*}", decimals as usize, v), lang)
}

/// A unit of measure as stored (in Vietnamese: "tỷ đồng", "địa chỉ") in the page's language:
/// the English of a `measure-*` message whose Vietnamese is the stored text; "%" and any unit
/// without a translation are kept as they are.
pub(crate) fn measure(i18n: &I18n, lang: Lang, label: &str) -> String {
    if lang == Lang::Vi {
        return label.to_string();
    }
    let wanted = label.trim().to_lowercase();
    I18n::keys(Lang::Vi)
        .into_iter()
        .filter(|k| k.starts_with("measure-"))
        .find(|k| i18n.t(Lang::Vi, k, &[]).to_lowercase() == wanted)
        .map(|k| i18n.t(lang, &k, &[]))
        .unwrap_or_else(|| label.to_string())
}

pub(crate) async fn framework_page(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(v): Query<ViewQuery>,
    page: Page,
) -> Response {
    let r = framework(&st, &code, v.asked(), &page).await;
    page.respond(&st, r)
}

async fn framework(
    st: &AppState,
    code: &str,
    view: chiso_engine::View,
    page: &Page,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let who = &page.who;
    // The live figures for a signed-in person, over the units they have a right to.
    let may_live = matches!(who, crate::auth::Who::User(_));
    if view == chiso_engine::View::Live && !may_live {
        return Err(PageError::Denied);
    }
    // The day the data stands at: the stored one (the demo's 30 June 2024), else today.
    let today = crate::clock::as_of_day(st)
        .await
        .unwrap_or_else(|_| crate::clock::today_in_vietnam());
    if !allowed(
        who,
        Action::ReadMeta,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return Err(PageError::Denied);
    }
    let Some(fw) = crate::api::figures::assessed_in(st, code, today, who, view).await? else {
        return Err(PageError::NotFound(st.i18n.t(
            lang,
            "framework-not-found",
            &[("code", code.to_string())],
        )));
    };
    let indicators: HashMap<String, chiso_core::Indicator> = st
        .store
        .indicators()
        .await?
        .into_iter()
        .map(|i| (i.code.to_string(), i))
        .collect();
    let groups: HashMap<String, chiso_core::UnitGroup> = st
        .store
        .groups()
        .await?
        .into_iter()
        .map(|g| (g.code.to_string(), g))
        .collect();
    let mut rows = Vec::new();
    for at in &fw.targets {
        let t = &at.target;
        let a = &at.assessment;
        let scope = match &t.scope {
            chiso_core::TargetScope::Unit(u) => match st.store.unit(u).await {
                Ok(Some(su)) => su.unit.name(lang.as_str()).to_string(),
                _ => u.to_string(),
            },
            chiso_core::TargetScope::Group(g) => groups
                .get(g.as_str())
                .map(|g| match (lang, &g.name_en) {
                    (Lang::En, Some(n)) => n.clone(),
                    _ => g.name_vi.clone(),
                })
                .unwrap_or_else(|| g.to_string()),
        };
        let ind = t
            .indicator
            .as_ref()
            .and_then(|i| indicators.get(i.as_str()));
        let decimals = ind.map(|i| i.decimals).unwrap_or(0);
        let unit_label = ind
            .and_then(|i| i.unit_label.as_deref())
            .map(|l| measure(&st.i18n, lang, l))
            .unwrap_or_default();
        let with_unit = |s: String| {
            if unit_label == "%" {
                // One rule for the percent sign: "98,90 %" in Vietnamese, "98.90%" in English.
                match lang {
                    Lang::Vi => format!("{s} %"),
                    _ => format!("{s}%"),
                }
            } else if unit_label.is_empty() {
                s
            } else {
                format!("{s} {unit_label}")
            }
        };
        let target = match (t.comparator, t.value, t.due) {
            (Some(c), Some(v), _) => {
                format!("{} {}", c.symbol(), with_unit(fixed(v, decimals, lang)))
            }
            (_, _, Some(d)) => st
                .i18n
                .t(lang, "deadline", &[("date", format::date(d, lang))]),
            _ => String::new(),
        };
        let actual = match (a.actual, t.completed_on) {
            (Some(v), _) => with_unit(fixed(v, decimals, lang)),
            (None, Some(d)) => st
                .i18n
                .t(lang, "done-on", &[("date", format::date(d, lang))]),
            _ => "—".into(),
        };
        let gap = match a.gap {
            Some(g) => {
                let sign = if g > 0.0 { "+" } else { "" };
                let is_rate = ind.map(|i| i.is_rate).unwrap_or(false);
                let n = fixed(g, decimals, lang);
                if is_rate {
                    format!("{sign}{n} {}", st.i18n.t(lang, "gap-points", &[]))
                } else {
                    format!("{sign}{}", with_unit(n))
                }
            }
            None => String::new(),
        };
        let days = a
            .days_early
            .map(|d| d.abs().to_string())
            .unwrap_or_default();
        let coverage = at.coverage.as_ref().map(|c| views::note(st, lang, view, c));
        // The indicator's page at the target's unit (a group's target: at the province).
        let href = t.indicator.as_ref().map(|i| match &t.scope {
            chiso_core::TargetScope::Unit(u) => {
                format!("/indicators/{i}?unit={u}&period={}", t.period)
            }
            chiso_core::TargetScope::Group(_) => format!("/indicators/{i}?period={}", t.period),
        });
        rows.push(minijinja::context! {
            href,
            coverage,
            name => match (lang, &t.name_en) { (Lang::En, Some(n)) => n.clone(), _ => t.name_vi.clone() },
            note => t.note.as_deref().map(|n| one_language(n, lang)),
            scope,
            target,
            actual,
            gap,
            status => a.status.as_str(),
            status_label => st.i18n.t(lang, &format!("status-{}", a.status.as_str()), &[("days", days)]),
        });
    }
    let summary = st.i18n.t(
        lang,
        "framework-summary",
        &[
            ("achieved", fw.achieved.to_string()),
            ("total", fw.total.to_string()),
            ("date", format::date(today, lang)),
        ],
    );
    let name = match (lang, &fw.name_en) {
        (Lang::En, Some(n)) => n.clone(),
        _ => fw.name_vi.clone(),
    };
    let description = fw.description.as_deref().map(|d| one_language(d, lang));
    Ok(page.render(
        st,
        StatusCode::OK,
        "framework.html",
        minijinja::context! {
            name, description, summary, rows,
            view => views::banner(st, lang, view, may_live, &format!("/frameworks/{code}")),
        },
    ))
}

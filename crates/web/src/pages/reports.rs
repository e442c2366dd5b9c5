//! The list of a unit's reports, and completeness by level.

use crate::auth::{Action, Who};
use crate::clock::today_in_vietnam;
use crate::format;
use crate::pages::forms::{api_error_page, internal_page};
use crate::pages::{Page, PageQuery};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use chiso_collect::Hierarchy;
use chiso_core::{Code, Period};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    lang: Option<String>,
    unit: Option<String>,
}

/// The reports a unit must send: every data set it reports, for the current and recent periods.
pub(crate) async fn forms_list(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let page = Page::new(
        &PageQuery {
            lang: q.lang.clone(),
        },
        &headers,
        &uri,
        &who,
    );
    let lang = page.lang;
    // Default: the unit of the person's first unit-scoped role.
    let unit = q.unit.clone().or_else(|| {
        who.principal().and_then(|p| {
            p.assignments
                .iter()
                .find_map(|a| a.unit.as_ref().map(|u| u.to_string()))
        })
    });
    let hier = Hierarchy::of(&st.app).await;
    let sets = match st.store.data_sets().await {
        Ok(s) => s,
        Err(e) => return internal_page(&st, &page, e),
    };
    let today = today_in_vietnam();
    let mut rows = Vec::new();
    if let Some(u) = &unit {
        if let Err(e) = crate::auth::require(&st, &who, Action::Read, &[u.as_str()]).await {
            return {
                let _ = e;
                crate::pages::login_or_forbidden(&st, &page, &who, uri.path())
            };
        }
        let completions = match st.store.completions(None, None).await {
            Ok(c) => c,
            Err(e) => return internal_page(&st, &page, e),
        };
        for ds in &sets {
            let Some(mut p) = Period::of_type_containing(ds.period_type, today, ds.convention)
            else {
                continue;
            };
            for _ in 0..4 {
                if hier.expects(ds, u, &p) {
                    let w = ds.window(&p);
                    let done = completions
                        .iter()
                        .find(|c| c.data_set == ds.code && c.unit.as_str() == u && c.period == p);
                    rows.push(minijinja::context! {
                        href => format!("/forms/{}/{u}/{p}", ds.code),
                        ds_name => ds.name(lang.as_str()).to_string(),
                        period => format::period(&p, lang),
                        due => format::date(w.due, lang),
                        done => done.is_some(),
                        overdue => done.is_none() && today > w.due,
                        not_open => today < w.opens,
                    });
                }
                match p.previous() {
                    Some(x) => p = x,
                    None => break,
                }
            }
        }
    }
    let unit_name = unit
        .as_deref()
        .and_then(|u| hier.unit(u))
        .map(|u| u.name(lang.as_str()).to_string());
    let sets_view: Vec<minijinja::Value> = sets
        .iter()
        .map(|ds| {
            let p = Period::of_type_containing(ds.period_type, today, ds.convention)
                .and_then(|p| p.previous())
                .map(|p| p.to_string())
                .unwrap_or_default();
            minijinja::context! {
                code => ds.code.to_string(),
                name => ds.name(lang.as_str()).to_string(),
                period_type => ds.period_type.as_str(),
                completeness_href => format!("/completeness/{}/{p}", ds.code),
            }
        })
        .collect();
    page.render(
        &st,
        StatusCode::OK,
        "forms.html",
        minijinja::context! { unit => unit, unit_name => unit_name, rows => rows, sets => sets_view },
    )
}

pub(crate) async fn completeness_page(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, period)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let page = Page::new(
        &PageQuery {
            lang: q.lang.clone(),
        },
        &headers,
        &uri,
        &who,
    );
    let lang = page.lang;
    let code = match Code::parse(&ds) {
        Ok(c) => c,
        Err(e) => return page.error(&st, StatusCode::BAD_REQUEST, e.to_string()),
    };
    let period = match Period::parse(&period) {
        Ok(p) => p,
        Err(e) => return page.error(&st, StatusCode::BAD_REQUEST, e.to_string()),
    };
    let unit = q
        .unit
        .as_deref()
        .map(Code::parse)
        .transpose()
        .ok()
        .flatten();
    let need: Vec<&str> = unit.iter().map(|u| u.as_str()).collect();
    if let Err(e) = crate::auth::require(&st, &who, Action::Read, &need).await {
        return {
            let _ = e;
            crate::pages::login_or_forbidden(&st, &page, &who, uri.path())
        };
    }
    let ds = match chiso_collect::data_set(st.store.as_ref(), &code).await {
        Ok(d) => d,
        Err(e) => return api_error_page(&st, &page, e.into()),
    };
    let hier = Hierarchy::of(&st.app).await;
    let c = match chiso_collect::completeness(
        st.store.as_ref(),
        &hier,
        &ds,
        &period,
        unit.as_ref(),
        today_in_vietnam(),
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return api_error_page(&st, &page, e.into()),
    };
    let pct = |x: Option<f64>| {
        x.map(|v| format::decimal(&format!("{v:.1}"), lang) + " %")
            .unwrap_or_else(|| "—".into())
    };
    let rows: Vec<minijinja::Value> = c
        .by_unit
        .iter()
        .map(|r| {
            minijinja::context! {
                code => r.unit.to_string(),
                name => if lang == crate::i18n::Lang::En { r.name_en.clone().unwrap_or_else(|| r.name_vi.clone()) } else { r.name_vi.clone() },
                level => r.level,
                expected => r.expected, received => r.received, on_time => r.on_time,
                rate => pct(r.rate), on_time_rate => pct(r.on_time_rate),
                href => format!("/completeness/{}/{}?unit={}", ds.code, period, r.unit),
            }
        })
        .collect();
    let missing: Vec<minijinja::Value> = c
        .missing
        .iter()
        .map(|m| {
            minijinja::context! {
                code => m.unit.to_string(), name => m.name_vi.clone(),
                parent => m.parent_name.clone().unwrap_or_default(),
                period => format::period(&m.period, lang),
                due => format::date(m.due, lang), overdue => m.overdue,
                href => format!("/forms/{}/{}/{}", ds.code, m.unit, m.period),
            }
        })
        .collect();
    let awaiting: Vec<minijinja::Value> = c
        .awaiting_approval
        .iter()
        .map(|a| {
            let level = hier
                .unit(a.next_level.as_str())
                .map(|u| u.name(lang.as_str()).to_string())
                .unwrap_or_else(|| a.next_level.to_string());
            minijinja::context! {
                code => a.unit.to_string(), name => a.name_vi.clone(),
                period => format::period(&a.period, lang),
                steps => a.approved_steps, level => level, on_time => a.on_time,
                href => format!("/forms/{}/{}/{}", ds.code, a.unit, a.period),
            }
        })
        .collect();
    page.render(
        &st,
        StatusCode::OK,
        "completeness.html",
        minijinja::context! {
            ds_code => ds.code.to_string(), ds_name => ds.name(lang.as_str()).to_string(),
            period => format::period(&period, lang),
            expected => c.expected, received => c.received, on_time => c.on_time,
            rate => pct(c.rate), on_time_rate => pct(c.on_time_rate),
            rows => rows, missing => missing, awaiting => awaiting,
        },
    )
}

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
    /// A name (or code) typed into the unit picker.
    q: Option<String>,
}

/// At most this many units answer a search.
const PICKS: usize = 30;

/// Lower case, without Vietnamese diacritics: "Phường Đô Vinh" and "phuong do vinh" meet.
fn folded(s: &str) -> String {
    chiso_io::names::strip_diacritics(&s.to_lowercase())
}

/// The units a person may read whose name (or code) holds every word typed, current units
/// first, then by name.
fn pick_units(
    st: &AppState,
    who: &Who,
    hier: &Hierarchy,
    engine: &chiso_engine::Engine,
    typed: &str,
    lang: crate::i18n::Lang,
) -> Vec<minijinja::Value> {
    let words: Vec<String> = folded(typed)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    let today = today_in_vietnam();
    let mut found: Vec<&chiso_core::Unit> = hier
        .units()
        .filter(|u| {
            let hay = format!("{} {}", folded(&u.name_vi), u.code.as_str().to_lowercase());
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .filter(|u| {
            crate::auth::allowed(
                who,
                Action::Read,
                Some(u.code.as_str()),
                engine,
                st.auth.public_read,
            )
        })
        .collect();
    let current = |u: &chiso_core::Unit| u.valid_to.is_none_or(|t| t >= today);
    found.sort_by(|a, b| {
        current(b)
            .cmp(&current(a))
            .then_with(|| a.name_vi.cmp(&b.name_vi))
    });
    found
        .into_iter()
        .take(PICKS)
        .map(|u| {
            let parent = u
                .parent
                .as_ref()
                .and_then(|p| hier.unit(p.as_str()))
                .map(|p| p.name(lang.as_str()).to_string())
                .unwrap_or_default();
            let validity = match (u.valid_from, u.valid_to) {
                (_, Some(t)) => format!(
                    "{} {}",
                    st.i18n.t(lang, "valid-until", &[]),
                    format::date(t, lang)
                ),
                (Some(f), None) => format!(
                    "{} {}",
                    st.i18n.t(lang, "valid-from", &[]),
                    format::date(f, lang)
                ),
                (None, None) => String::new(),
            };
            minijinja::context! {
                href => format!("/forms?unit={}", u.code),
                name => u.name(lang.as_str()).to_string(),
                code => u.code.to_string(),
                parent, validity,
            }
        })
        .collect()
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
    let hier = Hierarchy::of(&st.app).await;
    // The person's own units, offered as one click each.
    let mine: Vec<String> = who
        .principal()
        .map(|p| {
            let mut v: Vec<String> = p
                .assignments
                .iter()
                .filter_map(|a| a.unit.as_ref().map(|u| u.to_string()))
                .collect();
            v.dedup();
            v
        })
        .unwrap_or_default();
    let typed = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    // A code typed exactly opens that unit; other text searches names.
    let typed_code = typed.filter(|t| hier.unit(t).is_some()).map(str::to_string);
    // Default (nothing asked): the unit of the person's first unit-scoped role.
    let unit = q
        .unit
        .clone()
        .or(typed_code)
        .or_else(|| typed.is_none().then(|| mine.first().cloned()).flatten());
    let picks = match (typed, &unit) {
        (Some(t), None) => {
            let engine = st.app.read().await;
            pick_units(&st, &who, &hier, &engine, t, lang)
        }
        _ => Vec::new(),
    };
    let mine_view: Vec<minijinja::Value> = mine
        .iter()
        .filter_map(|c| hier.unit(c))
        .map(|u| minijinja::context! { href => format!("/forms?unit={}", u.code), name => u.name(lang.as_str()).to_string() })
        .collect();
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
        minijinja::context! {
            unit => unit, unit_name => unit_name, rows => rows, sets => sets_view,
            typed => typed.unwrap_or_default(), searched => typed.is_some() && q.unit.is_none(),
            picks => picks, mine => mine_view,
        },
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
        x.map(|v| format::percent(v, lang))
            .unwrap_or_else(|| "—".into())
    };
    let n = |x: u64| format::count(x as f64, lang);
    // A unit's name in the page's language (the Vietnamese one when it has no other).
    let name_of = |code: &Code, vi: &str| {
        hier.unit(code.as_str())
            .map(|u| u.name(lang.as_str()).to_string())
            .unwrap_or_else(|| vi.to_string())
    };
    let rows: Vec<minijinja::Value> = c
        .by_unit
        .iter()
        .map(|r| {
            minijinja::context! {
                code => r.unit.to_string(),
                name => if lang == crate::i18n::Lang::En { r.name_en.clone().unwrap_or_else(|| r.name_vi.clone()) } else { r.name_vi.clone() },
                level => r.level,
                expected => n(r.expected), received => n(r.received), on_time => n(r.on_time),
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
                code => m.unit.to_string(), name => name_of(&m.unit, &m.name_vi),
                parent => match &m.parent {
                    Some(p) => name_of(p, m.parent_name.as_deref().unwrap_or_default()),
                    None => String::new(),
                },
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
            let level = name_of(&a.next_level, a.next_level.as_str());
            // Where the report stands, in words: the steps of its approval chain taken and
            // the one it waits for.
            let total = chiso_core::dataset::approval_chain(&hier.ancestors(a.unit.as_str())).len();
            let done = usize::from(a.approved_steps);
            let args = [
                ("done", done.to_string()),
                ("step", (done + 1).to_string()),
                ("total", total.to_string()),
            ];
            let state = match done {
                _ if done >= total => st.i18n.t(lang, "completeness-approval-done", &[]),
                0 => st.i18n.t(lang, "completeness-approval-first", &args),
                _ => st.i18n.t(lang, "completeness-approval-next", &args),
            };
            minijinja::context! {
                code => a.unit.to_string(), name => name_of(&a.unit, &a.name_vi),
                period => format::period(&a.period, lang),
                state, level => level, on_time => a.on_time,
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
            expected => n(c.expected), received => n(c.received), on_time => n(c.on_time),
            rate => pct(c.rate), on_time_rate => pct(c.on_time_rate),
            rows => rows, missing => missing, awaiting => awaiting,
        },
    )
}

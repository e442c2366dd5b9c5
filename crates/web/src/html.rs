//! Server-rendered pages: the unit tree and each unit's values by period, in Vietnamese with an
//! English switch. No script: plain links and tables.

use crate::auth::{allowed, Action, Credential, Who};
use crate::format;
use crate::i18n::Lang;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use chiso_core::{Code, Period, SourceTag, Unit, UnitKind};
use chiso_store::{StoredUnit, UnitQuery, ValueQuery};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/units/{code}", get(unit_page))
        .route("/frameworks/{code}", get(framework_page))
        .route("/admin/audit", get(audit_page))
        .route("/static/chiso.css", get(css))
}

async fn css() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/chiso.css"),
    )
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub lang: Option<String>,
}

/// The page language: `?lang=` (remembered in a cookie), else the cookie, else Vietnamese.
fn pick_lang(q: &PageQuery, headers: &HeaderMap) -> (Lang, bool) {
    if let Some(l) = q.lang.as_deref().and_then(Lang::parse) {
        return (l, true);
    }
    let from_cookie = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().strip_prefix("lang="))
        .find_map(Lang::parse);
    (from_cookie.unwrap_or(Lang::Vi), false)
}

pub(crate) struct Page {
    pub lang: Lang,
    set_cookie: bool,
    path: String,
    user_name: Option<String>,
    csrf: Option<String>,
    is_admin: bool,
}

impl Page {
    pub(crate) fn new(q: &PageQuery, headers: &HeaderMap, uri: &Uri, who: &Who) -> Page {
        let (lang, set_cookie) = pick_lang(q, headers);
        let (user_name, csrf) = match who {
            Who::User(p) => match &p.credential {
                Credential::Session { csrf_token, .. } => {
                    (Some(p.display_name.clone()), Some(csrf_token.clone()))
                }
                Credential::Token { .. } => (Some(p.display_name.clone()), None),
            },
            Who::Anonymous => (None, None),
        };
        let is_admin = who.principal().is_some_and(|p| {
            p.assignments
                .iter()
                .any(|a| a.role == chiso_core::account::Role::SystemAdmin && a.unit.is_none())
        });
        Page {
            lang,
            set_cookie,
            path: uri.path().to_string(),
            user_name,
            csrf,
            is_admin,
        }
    }

    pub(crate) fn render(
        &self,
        st: &AppState,
        status: StatusCode,
        template: &str,
        ctx: minijinja::Value,
    ) -> Response {
        let base = minijinja::context! {
            lang => self.lang.as_str(),
            other_lang => self.lang.other().as_str(),
            switch_href => format!("{}?lang={}", self.path, self.lang.other().as_str()),
            user_name => self.user_name.clone(),
            session_csrf => self.csrf.clone(),
            is_admin => self.is_admin,
        };
        // The page's own values come first; the layout's names (`session_csrf`, `lang`, …) are
        // never reused by a page, so neither can hide the other.
        let ctx = minijinja::context! { ..ctx, ..base };
        let html = st.env.get_template(template).and_then(|t| t.render(ctx));
        let mut resp = match html {
            Ok(h) => (status, Html(h)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, template, "template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        };
        if self.set_cookie {
            let cookie = format!(
                "lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
                self.lang.as_str()
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(SET_COOKIE, v);
            }
        }
        resp
    }

    pub(crate) fn error(&self, st: &AppState, status: StatusCode, message: String) -> Response {
        self.render(st, status, "error.html", minijinja::context! { message })
    }
}

#[derive(Serialize)]
struct UnitItem {
    code: String,
    name: String,
    kind: String,
}

fn kind_label(st: &AppState, lang: Lang, k: UnitKind) -> String {
    st.i18n.t(lang, &format!("kind-{}", k.as_str()), &[])
}

fn item(st: &AppState, lang: Lang, u: &Unit) -> UnitItem {
    UnitItem {
        code: u.code.to_string(),
        name: u.name(lang.as_str()).to_string(),
        kind: kind_label(st, lang, u.kind),
    }
}

async fn home(
    State(st): State<AppState>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
) -> Response {
    let page = Page::new(&q, &headers, &uri, &who);
    let lang = page.lang;
    if !allowed(
        &who,
        Action::ReadMeta,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return login_or_forbidden(&st, &page, &who, "/");
    }
    let roots = match st
        .store
        .units(&UnitQuery {
            roots: true,
            ..Default::default()
        })
        .await
    {
        Ok(r) => r,
        Err(e) => return page.error(&st, StatusCode::INTERNAL_SERVER_ERROR, internal(e)),
    };
    let demo = matches!(st.store.meta("demo").await, Ok(Some(_)));
    let (legacy, current): (Vec<&StoredUnit>, Vec<&StoredUnit>) =
        roots.iter().partition(|u| u.unit.valid_to.is_some());
    let mut sections = Vec::new();
    for (key, list) in [("structure-current", current), ("structure-legacy", legacy)] {
        if !list.is_empty() {
            sections.push(minijinja::context! {
                title => st.i18n.t(lang, key, &[]),
                units => list.iter().map(|u| item(&st, lang, &u.unit)).collect::<Vec<_>>(),
            });
        }
    }
    let frameworks: Vec<minijinja::Value> = match st.store.frameworks().await {
        Ok(f) => f
            .iter()
            .map(|f| {
                minijinja::context! {
                    code => f.code.to_string(),
                    name => match (lang, &f.name_en) { (Lang::En, Some(n)) => n.clone(), _ => f.name_vi.clone() },
                }
            })
            .collect(),
        Err(e) => return page.error(&st, StatusCode::INTERNAL_SERVER_ERROR, internal(e)),
    };
    page.render(
        &st,
        StatusCode::OK,
        "home.html",
        minijinja::context! { sections, demo, frameworks },
    )
}

fn internal(e: impl std::fmt::Display) -> String {
    tracing::error!(error = %e, "page failed");
    "Lỗi nội bộ / internal error".into()
}

#[derive(Serialize)]
struct Cell {
    text: String,
    source: String,
    label: String,
    comment: String,
}

#[derive(Serialize)]
struct Row {
    code: String,
    name: String,
    option: Option<String>,
    uom: String,
    cells: Vec<Option<Cell>>,
}

#[derive(Serialize)]
struct LinkItem {
    code: String,
    name: String,
    note: String,
}

async fn unit_page(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
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
    match unit_context(&st, lang, &c).await {
        Ok(Some(ctx)) => page.render(&st, StatusCode::OK, "unit.html", ctx),
        Ok(None) => not_found(&page),
        Err(e) => page.error(&st, StatusCode::INTERNAL_SERVER_ERROR, internal(e)),
    }
}

async fn unit_context(
    st: &AppState,
    lang: Lang,
    code: &Code,
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

    // Values: one row per element (and breakdown option), one column per period.
    let values = st
        .store
        .values(&ValueQuery {
            units: vec![code.clone()],
            ..Default::default()
        })
        .await?;
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
    let mut periods: Vec<Period> = values.iter().map(|v| v.period).collect();
    periods.sort_by_key(|p| (p.start(), std::cmp::Reverse(p.end())));
    periods.dedup();
    let col: HashMap<Period, usize> = periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
    for v in &values {
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
                    .and_then(|e| e.unit_of_measure.clone())
                    .unwrap_or_default(),
                cells: (0..periods.len()).map(|_| None).collect(),
            });
        let source_key = match &v.source {
            SourceTag::Import(_) => "import".to_string(),
            s => s.to_string(),
        };
        if let Some(&i) = col.get(&v.period) {
            row.cells[i] = Some(Cell {
                text: format::value(&v.value, lang),
                label: st.i18n.t(lang, &format!("source-{source_key}"), &[]),
                source: source_key,
                comment: v.comment.clone().unwrap_or_default(),
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
    ind_periods.sort_by_key(|p| (p.start(), std::cmp::Reverse(p.end())));
    ind_periods.dedup();
    let periods_for_ind = ind_periods.clone();
    {
        let periods = &periods_for_ind;
        let engine = st.app.read().await;
        let scope = chiso_engine::Scope::Unit(code.clone());
        for ind in st.store.indicators().await? {
            let mut any = false;
            let cells: Vec<String> = periods
                .iter()
                .map(
                    |p| match engine.indicator(ind.code.as_str(), &scope, p, None) {
                        Ok(Some(v)) => {
                            any = true;
                            fixed(v.value, ind.decimals, lang)
                        }
                        _ => String::new(),
                    },
                )
                .collect();
            if !any {
                continue;
            }
            // The change in the latest period the indicator has a value in.
            let change = periods
                .iter()
                .zip(&cells)
                .rev()
                .find(|(_, c)| !c.is_empty())
                .map(|(p, _)| p)
                .and_then(|p| {
                    engine
                        .compare(ind.code.as_str(), &scope, p, None)
                        .ok()
                        .flatten()
                })
                .and_then(|c| c.same_period_last_year)
                .map(|d| {
                    let sign = if d.difference > 0.0 { "+" } else { "" };
                    let diff = fixed(d.difference, ind.decimals, lang);
                    match d.relative_percent {
                        None => format!("{sign}{diff} {}", st.i18n.t(lang, "gap-points", &[])),
                        Some(r) => format!("{sign}{diff} ({sign}{}%)", fixed(r, 1, lang)),
                    }
                })
                .unwrap_or_default();
            indicator_rows.push(minijinja::context! {
                code => ind.code.to_string(),
                name => ind.name(lang.as_str()).to_string(),
                unit => ind.unit_label.clone().unwrap_or_default(),
                cells,
                change,
            });
        }
    }
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
            kind => kind_label(st, lang, u.kind),
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
        indicator_periods => ind_periods.iter().map(|p| format::period(p, lang)).collect::<Vec<_>>(),
    }))
}

fn fixed(v: f64, decimals: u8, lang: Lang) -> String {
    format::decimal(&format!("{:.*}", decimals as usize, v), lang)
}

async fn framework_page(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
) -> Response {
    let page = Page::new(&q, &headers, &uri, &who);
    let lang = page.lang;
    // The day the data stands at: the stored one (the demo's 30 June 2024), else today.
    let today = crate::plans::as_of_day(&st)
        .await
        .unwrap_or_else(|_| crate::figures::today_in_vietnam());
    if !allowed(
        &who,
        Action::ReadMeta,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return login_or_forbidden(&st, &page, &who, &format!("/frameworks/{code}"));
    }
    let fw = match crate::figures::assessed(&st, &code, today, &who).await {
        Ok(Some(f)) => f,
        Ok(None) => return page.error(&st, StatusCode::NOT_FOUND, format!("{code}?")),
        Err(e) => {
            return page.error(
                &st,
                StatusCode::INTERNAL_SERVER_ERROR,
                internal(format!("{e:?}")),
            )
        }
    };
    let indicators: HashMap<String, chiso_core::Indicator> = match st.store.indicators().await {
        Ok(i) => i.into_iter().map(|i| (i.code.to_string(), i)).collect(),
        Err(e) => return page.error(&st, StatusCode::INTERNAL_SERVER_ERROR, internal(e)),
    };
    let groups: HashMap<String, chiso_core::UnitGroup> = match st.store.groups().await {
        Ok(g) => g.into_iter().map(|g| (g.code.to_string(), g)).collect(),
        Err(e) => return page.error(&st, StatusCode::INTERNAL_SERVER_ERROR, internal(e)),
    };
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
        let unit_label = ind.and_then(|i| i.unit_label.clone()).unwrap_or_default();
        let with_unit = |s: String| {
            if unit_label == "%" {
                format!("{s}%")
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
        rows.push(minijinja::context! {
            name => match (lang, &t.name_en) { (Lang::En, Some(n)) => n.clone(), _ => t.name_vi.clone() },
            note => t.note.clone(),
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
    page.render(
        &st,
        StatusCode::OK,
        "framework.html",
        minijinja::context! { name, description => fw.description, summary, rows },
    )
}

/// Anonymous visitors are sent to log in (and back); a logged-in account without the right is
/// told so.
pub(crate) fn login_or_forbidden(st: &AppState, page: &Page, who: &Who, back: &str) -> Response {
    match who {
        Who::Anonymous => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("/login?next={back}")) {
                r.headers_mut().insert(axum::http::header::LOCATION, v);
            }
            r
        }
        Who::User(p)
            if matches!(
                p.credential,
                Credential::Session {
                    must_change_password: true,
                    ..
                }
            ) =>
        {
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut().insert(
                axum::http::header::LOCATION,
                HeaderValue::from_static("/account/password"),
            );
            r
        }
        Who::User(_) => page.error(
            st,
            StatusCode::FORBIDDEN,
            st.i18n.t(page.lang, "forbidden", &[]),
        ),
    }
}

#[derive(Deserialize, Default)]
pub struct AuditFilter {
    lang: Option<String>,
    entity: Option<String>,
    action: Option<String>,
    actor: Option<String>,
}

async fn audit_page(
    State(st): State<AppState>,
    Query(q): Query<AuditFilter>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
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
    if !allowed(
        &who,
        Action::Administer,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return login_or_forbidden(&st, &page, &who, "/admin/audit");
    }
    let clean = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let query = chiso_store::AuditQuery {
        entity_prefix: clean(&q.entity),
        action_prefix: clean(&q.action),
        actor: clean(&q.actor),
        limit: Some(500),
    };
    let (rows, check) = match (st.store.audit(&query).await, st.store.verify_audit().await) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) | (_, Err(e)) => {
            return page.error(&st, StatusCode::INTERNAL_SERVER_ERROR, internal(e))
        }
    };
    let chain = match check.broken {
        None => st
            .i18n
            .t(lang, "audit-intact", &[("rows", check.rows.to_string())]),
        Some((id, why)) => st.i18n.t(
            lang,
            "audit-broken",
            &[("id", id.to_string()), ("why", why)],
        ),
    };
    let short = |v: &Option<String>| {
        v.as_deref()
            .map(|s| {
                if s.chars().count() > 300 {
                    format!("{}…", s.chars().take(300).collect::<String>())
                } else {
                    s.to_string()
                }
            })
            .unwrap_or_default()
    };
    let rows: Vec<minijinja::Value> = rows
        .iter()
        .map(|e| {
            minijinja::context! {
                id => e.id,
                at => (e.at + chrono::Duration::hours(7)).format("%d/%m/%Y %H:%M:%S").to_string(),
                actor => e.actor.clone(),
                via => e.via.clone(),
                action => e.action.clone(),
                entity => e.entity.clone(),
                old => short(&e.old_value),
                new => short(&e.new_value),
            }
        })
        .collect();
    page.render(
        &st,
        StatusCode::OK,
        "audit.html",
        minijinja::context! { rows, chain, entity => q.entity.unwrap_or_default(), action => q.action.unwrap_or_default(), actor => q.actor.unwrap_or_default() },
    )
}

//! Pages of plans, directives and DX products, in Vietnamese with the English switch: the
//! year's plans with their roadmap, one plan's tasks with the four "clears", the directives
//! with their overdue and due-soon lists, product coverage and the units still without one.
//! No script; the roadmaps are server-rendered SVG images.

use crate::auth::{allowed, Action, Who};
use crate::i18n::Lang;
use crate::pages::{login_or_forbidden, Page, PageError, PageQuery};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use chiso_core::plan::*;
use chiso_core::{Code, Period};
use chiso_engine::Scope;
use chiso_store::UnitQuery;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize, Default)]
pub(crate) struct Params {
    lang: Option<String>,
    year: Option<i32>,
    filter: Option<String>,
    group: Option<String>,
}

/// The name an enum has in JSON (its snake_case variant).
pub(crate) fn json_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// An amount of money as Vietnamese reports write it ("2,3 tỷ đồng" in tỷ or triệu đồng; see
/// `format::money`).
pub(crate) fn vnd(n: i64, lang: Lang) -> String {
    crate::format::money(n as f64, lang)
}

pub(crate) fn plan_status(st: &AppState, lang: Lang, s: PlanStatus) -> (String, &'static str) {
    let class = match s {
        PlanStatus::Approved => "met",
        PlanStatus::Returned => "not_met",
        PlanStatus::Submitted => "at_risk",
        PlanStatus::Draft => "no_data",
    };
    (
        st.i18n.t(lang, &format!("plan-status-{}", s.as_str()), &[]),
        class,
    )
}

pub(crate) fn task_state(t: &Task, day: NaiveDate) -> &'static str {
    match t.status {
        TaskStatus::Done => "done",
        TaskStatus::Cancelled => "cancelled",
        _ if t.overdue(day) => "overdue",
        _ if t.at_risk(day) => "at_risk",
        _ => "on_track",
    }
}

pub(crate) async fn unit_names(st: &AppState, lang: Lang) -> HashMap<String, String> {
    st.store
        .units(&UnitQuery::default())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| {
            (
                u.unit.code.to_string(),
                u.unit.name(lang.as_str()).to_string(),
            )
        })
        .collect()
}

pub(crate) fn names(codes: &[Code], names: &HashMap<String, String>) -> String {
    codes
        .iter()
        .map(|c| {
            names
                .get(c.as_str())
                .cloned()
                .unwrap_or_else(|| c.to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The note every item of a list has, the same for all (the demo's "illustrative"): said once,
/// above the list, instead of on every row.
fn shared<'a>(mut notes: impl Iterator<Item = Option<&'a str>>) -> Option<String> {
    let first = notes.next()??;
    notes.all(|n| n == Some(first)).then(|| first.to_string())
}

pub(crate) async fn readable(st: &AppState, who: &Who, unit: &str) -> bool {
    allowed(
        who,
        Action::Read,
        Some(unit),
        &*st.app.read().await,
        st.auth.public_read,
    )
}

pub(crate) async fn plans_page(
    State(st): State<AppState>,
    Query(q): Query<Params>,
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
    let day = match crate::clock::as_of_day(&st).await {
        Ok(d) => d,
        Err(e) => return page.respond(&st, Err(e.into())),
    };
    let year = q.year.unwrap_or(day.year());
    let plans = match st.store.plans(None, Some(year)).await {
        Ok(p) => p,
        Err(e) => return page.respond(&st, Err(e.into())),
    };
    let unit_name = unit_names(&st, lang).await;
    let mut rows = Vec::new();
    let mut shown = Vec::new();
    for p in &plans {
        if readable(&st, &who, p.unit.as_str()).await {
            shown.push(p);
        }
    }
    let shared_note = shared(shown.iter().map(|p| p.note_in(lang.as_str())));
    for p in shown {
        let (status, status_class) = plan_status(&st, lang, p.status);
        let note = p
            .note_in(lang.as_str())
            .filter(|_| shared_note.is_none())
            .map(str::to_string);
        rows.push(minijinja::context! {
            code => p.code.to_string(),
            unit => unit_name.get(p.unit.as_str()).cloned().unwrap_or_else(|| p.unit.to_string()),
            title => p.title_in(lang.as_str()).to_string(),
            note,
            status, status_class,
            tasks => p.tasks.len(),
            done => p.tasks.iter().filter(|t| t.status == TaskStatus::Done).count(),
            at_risk => p.tasks.iter().filter(|t| t.at_risk(day) && !t.overdue(day)).count(),
            overdue => p.tasks.iter().filter(|t| t.overdue(day)).count(),
            budget => vnd(p.tasks.iter().map(|t| t.budget_allocated).sum(), lang),
            spent => vnd(p.tasks.iter().map(|t| t.budget_spent).sum(), lang),
        });
    }
    if rows.is_empty() && !plans.is_empty() && matches!(who, Who::Anonymous) {
        return login_or_forbidden(&st, &page, &who, "/plans");
    }
    page.render(
        &st,
        StatusCode::OK,
        "plans.html",
        minijinja::context! {
            year, plans => rows, shared_note, as_of => crate::format::date(day, lang),
        },
    )
}

pub(crate) async fn plan_page(
    State(st): State<AppState>,
    Query(q): Query<Params>,
    Path(code): Path<String>,
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
    let plan: Option<Plan> = match Code::parse(&code) {
        Ok(c) => match st.store.plan(&c).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "plan page failed");
                return page.error(
                    &st,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    st.i18n.t(lang, "internal-error", &[]),
                );
            }
        },
        Err(_) => None,
    };
    let Some(plan) = plan else {
        return page.error(
            &st,
            StatusCode::NOT_FOUND,
            st.i18n
                .t(lang, "plan-not-found", &[("code", code.to_string())]),
        );
    };
    if !readable(&st, &who, plan.unit.as_str()).await {
        return login_or_forbidden(&st, &page, &who, &format!("/plans/{code}"));
    }
    let day = match crate::clock::as_of_day(&st).await {
        Ok(d) => d,
        Err(e) => return page.respond(&st, Err(e.into())),
    };
    let unit_name = unit_names(&st, lang).await;
    let serves = match Serves::load(&st, lang).await {
        Ok(s) => s,
        Err(e) => return page.respond(&st, Err(e)),
    };
    let l = lang.as_str();
    let tasks: Vec<minijinja::Value> = plan
        .tasks
        .iter()
        .map(|t| {
            let state = task_state(t, day);
            minijinja::context! {
                code => t.code.to_string(),
                title => t.title_in(l).to_string(),
                deliverable => t.deliverable_in(l).to_string(),
                person => t.person.name.clone(),
                position => t.person.position_in(l).map(str::to_string),
                contact => t.person.contact.clone(),
                lead => names(std::slice::from_ref(&t.lead), &unit_name),
                cooperating => names(&t.cooperating, &unit_name),
                start => crate::format::date(t.start, lang),
                due => crate::format::date(t.due, lang),
                budget => vnd(t.budget_allocated, lang),
                spent => vnd(t.budget_spent, lang),
                funding => st.i18n.t(lang, &format!("funding-{}", t.funding.as_str()), &[]),
                serves => serves.of(t),
                state => if state == "cancelled" { "no_data" } else { state },
                state_label => st.i18n.t(lang, &format!("task-state-{state}"), &[]),
                progress => t.progress,
            }
        })
        .collect();
    let mut comments = Vec::new();
    for c in &plan.comments {
        comments.push(minijinja::context! {
            text => c.text_in(l).to_string(),
            by => comment_author(&st, lang, &plan, &c.by).await,
            on => crate::format::date(c.on, lang),
        });
    }
    let (status, status_class) = plan_status(&st, lang, plan.status);
    page.render(
        &st,
        StatusCode::OK,
        "plan.html",
        minijinja::context! {
            code => plan.code.to_string(),
            title => plan.title_in(l).to_string(),
            year => plan.year,
            unit => unit_name.get(plan.unit.as_str()).cloned().unwrap_or_else(|| plan.unit.to_string()),
            note => plan.note_in(l).map(str::to_string),
            approved_on => plan.approved_on.map(|d| crate::format::date(d, lang)),
            status, status_class, tasks, comments,
        },
    )
}

/// What a task serves, by name: the targets (of any framework) and the indicators their
/// names are read from, in the page's language.
struct Serves {
    /// Target code → (name, its framework's code, the indicator it measures).
    targets: HashMap<String, (String, String, Option<String>)>,
    /// Indicator code → name.
    indicators: HashMap<String, String>,
}

impl Serves {
    async fn load(st: &AppState, lang: Lang) -> Result<Serves, PageError> {
        let l = lang.as_str();
        let mut targets = HashMap::new();
        for f in st.store.frameworks().await? {
            for t in f.targets {
                let name = in_lang(l, &t.name_vi, t.name_en.as_ref()).to_string();
                let indicator = t.indicator.as_ref().map(|i| i.to_string());
                targets
                    .entry(t.code.to_string())
                    .or_insert((name, f.code.to_string(), indicator));
            }
        }
        let indicators = st
            .store
            .indicators()
            .await?
            .into_iter()
            .map(|i| {
                let name = in_lang(l, &i.name_vi, i.name_en.as_ref()).to_string();
                (i.code.to_string(), name)
            })
            .collect();
        Ok(Serves {
            targets,
            indicators,
        })
    }

    /// The task's targets, then its indicators no target of it already measures: each with
    /// its name (the code when nothing of that code is known), its code, and the framework
    /// page of a target.
    fn of(&self, t: &Task) -> Vec<minijinja::Value> {
        let mut out = Vec::new();
        let mut measured = Vec::new();
        for c in &t.targets {
            let code = c.to_string();
            match self.targets.get(&code) {
                Some((name, framework, indicator)) => {
                    measured.extend(indicator.clone());
                    out.push(minijinja::context! {
                        name, code, href => format!("/frameworks/{framework}"),
                    });
                }
                None => out.push(minijinja::context! { name => code.clone(), code }),
            }
        }
        for c in &t.indicators {
            let code = c.to_string();
            if measured.contains(&code) {
                continue;
            }
            let name = self.indicators.get(&code).cloned().unwrap_or(code.clone());
            out.push(minijinja::context! { name, code });
        }
        out
    }
}

/// Who wrote a comment, in words: the account's name when the system knows the account;
/// else the part the account played in the plan (who approved it, who sent it). Never the
/// account's login name.
async fn comment_author(st: &AppState, lang: Lang, plan: &Plan, by: &str) -> String {
    if let Ok(Some(user)) = st.store.user(by).await {
        if !user.display_name.trim().is_empty() {
            return user.display_name;
        }
    }
    let key = if plan.decided_by.as_deref() == Some(by) {
        "comment-by-approver"
    } else if plan.submitted_by.as_deref() == Some(by) {
        "comment-by-submitter"
    } else {
        "comment-by-unknown"
    };
    st.i18n.t(lang, key, &[])
}

pub(crate) async fn directives_page(
    State(st): State<AppState>,
    Query(q): Query<Params>,
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
    let day = match crate::clock::as_of_day(&st).await {
        Ok(d) => d,
        Err(e) => return page.respond(&st, Err(e.into())),
    };
    let all = match st.store.directives().await {
        Ok(d) => d,
        Err(e) => return page.respond(&st, Err(e.into())),
    };
    let unit_name = unit_names(&st, lang).await;
    let mut visible = Vec::new();
    for d in all {
        let mut ok = false;
        for a in &d.assignees {
            ok = ok || readable(&st, &who, a.as_str()).await;
        }
        if ok {
            visible.push(d);
        }
    }
    if visible.is_empty() && matches!(who, Who::Anonymous) {
        return login_or_forbidden(&st, &page, &who, "/directives");
    }
    let shared_note = shared(visible.iter().map(|d| d.note_in(lang.as_str())));
    let overdue_count = visible.iter().filter(|d| d.overdue(day)).count();
    let soon_count = visible.iter().filter(|d| d.due_soon(day, 30)).count();
    let rows: Vec<minijinja::Value> = visible
        .iter()
        .filter(|d| match q.filter.as_deref() {
            Some("overdue") => d.overdue(day),
            Some("due_soon") => d.due_soon(day, 30),
            _ => true,
        })
        .map(|d| {
            let state = if d.done_by(day) {
                "done"
            } else if d.overdue(day) {
                "overdue"
            } else if d.due_soon(day, 30) {
                "at_risk"
            } else {
                "on_track"
            };
            let label = match state {
                "at_risk" => st.i18n.t(lang, "filter-due-soon", &[]),
                s => st.i18n.t(lang, &format!("task-state-{s}"), &[]),
            };
            let report = d
                .reports
                .last()
                .map(|r| {
                    format!(
                        "{}: {}",
                        crate::format::date(r.on, lang),
                        r.note_in(lang.as_str())
                    )
                })
                .unwrap_or_default();
            minijinja::context! {
                code => d.code.to_string(),
                number => d.number,
                text => d.text_in(lang.as_str()).to_string(),
                assignees => names(&d.assignees, &unit_name),
                due => crate::format::date(d.due, lang),
                state => if state == "done" { "met" } else { state },
                state_label => label,
                progress => d.progress,
                report,
            }
        })
        .collect();
    page.render(
        &st,
        StatusCode::OK,
        "directives.html",
        minijinja::context! {
            directives => rows, overdue_count, soon_count, shared_note,
            as_of => crate::format::date(day, lang),
        },
    )
}

pub(crate) async fn products_page(
    State(st): State<AppState>,
    Query(q): Query<Params>,
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
    let day = match crate::clock::as_of_day(&st).await {
        Ok(d) => d,
        Err(e) => return page.respond(&st, Err(e.into())),
    };
    let year = q.year.unwrap_or(day.year());
    let group = q.group.clone().unwrap_or_else(|| "58_CAP_XA".into());
    let Ok(group) = Code::parse(&group) else {
        return page.error(
            &st,
            StatusCode::BAD_REQUEST,
            st.i18n
                .t(page.lang, "group-not-found", &[("code", group.clone())]),
        );
    };
    let members = match st.app.read().await.group_members(&group) {
        Ok(m) => m,
        Err(e) => return page.error(&st, StatusCode::NOT_FOUND, e.to_string()),
    };
    for m in &members {
        if !readable(&st, &who, m.as_str()).await {
            return login_or_forbidden(&st, &page, &who, "/products");
        }
    }
    let unit_name = unit_names(&st, lang).await;
    let (Ok(has), Ok(need)) = (Code::parse("SP_CDS_CO"), Code::parse("KH_THUOC_DIEN")) else {
        return page.respond(&st, Err(PageError::Internal("codes".into())));
    };
    let period = Period::Year(year);
    let mut units = 0;
    let mut without = Vec::new();
    {
        let engine = st.app.read().await;
        for m in &members {
            let scope = Scope::Unit(m.clone());
            let required = engine
                .element(&need, None, &scope, &period, None)
                .ok()
                .flatten()
                .unwrap_or(0.0);
            if required <= 0.0 {
                continue;
            }
            units += 1;
            let with = engine
                .element(&has, None, &scope, &period, None)
                .ok()
                .flatten()
                .unwrap_or(0.0);
            if with <= 0.0 {
                without.push(minijinja::context! {
                    code => m.to_string(),
                    name => unit_name.get(m.as_str()).cloned().unwrap_or_else(|| m.to_string()),
                });
            }
        }
    }
    let summary = st.i18n.t(
        lang,
        "products-summary",
        &[
            ("with", (units - without.len()).to_string()),
            ("units", units.to_string()),
        ],
    );
    let entries = st
        .store
        .register(Some(RegisterKind::Product))
        .await
        .unwrap_or_default();
    let engine = st.app.read().await;
    let products: Vec<minijinja::Value> = entries
        .into_iter()
        .filter_map(|e| match e {
            RegisterEntry::Product(p) => Some(p),
            _ => None,
        })
        .filter(|p| p.registered_on.year() <= year)
        .filter(|p| allowed(&who, Action::Read, Some(p.owner.as_str()), &engine, st.auth.public_read))
        .map(|p| {
            minijinja::context! {
                name => p.name_in(lang.as_str()).to_string(),
                owner => unit_name.get(p.owner.as_str()).cloned().unwrap_or_else(|| p.owner.to_string()),
                sector => p.sector_in(lang.as_str()).to_string(),
                kind => st.i18n.t(lang, &format!("product-type-{}", json_name(&p.product_type)), &[]),
                status => st.i18n.t(lang, &format!("product-status-{}", json_name(&p.status)), &[]),
                registered => crate::format::date(p.registered_on, lang),
            }
        })
        .collect();
    drop(engine);
    page.render(
        &st,
        StatusCode::OK,
        "products.html",
        minijinja::context! { year, summary, without, products },
    )
}

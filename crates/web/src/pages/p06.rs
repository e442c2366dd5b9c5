//! The electronic data store's pages (Project 06): a unit's dossiers and results with the
//! intake form (receiving looks the applicant's store up and marks reusable components), a
//! result's history, the owner's view (with who has read what, the rating of a finished
//! dossier and the export), and the panel after Decision 766/QĐ-TTg. Every read and write
//! goes through the application layer, which asks the store's rules and logs it.

pub(crate) use crate::api::p06::p06_who;
use crate::auth::{csrf_ok, Who};
use crate::format;
use crate::i18n::Lang;
use crate::pages::p06_form::{DeskForm, WithCsrf};
use crate::pages::plans::readable;
use crate::pages::{login_or_forbidden, Page, PageError, PageQuery};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use chiso_app::p06::{P06Error, P06Who};
use chiso_core::{Code, Period};
use chiso_engine::Scope;
use chiso_p06::{
    Component, Dossier, DossierCode, DossierStatus, Rate, RatingValue, StoredResult, SubjectId,
};
use chrono::{Datelike, Days};
use serde::{Deserialize, Serialize};

impl From<P06Error> for PageError {
    fn from(e: P06Error) -> PageError {
        match e {
            P06Error::Refused(why) => PageError::Refused(StatusCode::FORBIDDEN, why),
            P06Error::NotFound(what) => PageError::NotFound(what),
            P06Error::Store(e) => e.into(),
        }
    }
}

fn at_text(at: chrono::DateTime<chrono::Utc>, lang: Lang) -> String {
    let local = at + chrono::Duration::hours(7);
    format!(
        "{} {}",
        format::date(local.date_naive(), lang),
        local.format("%H:%M")
    )
}

#[derive(Serialize)]
struct ComponentRow {
    doc_type: String,
    name: String,
    /// `reused`, `national_db`, `digitised` or `paper`.
    how: &'static str,
    reused_from: Option<String>,
}

fn component_row(c: &Component) -> ComponentRow {
    let how = if c.reused {
        "reused"
    } else if c.national_db {
        "national_db"
    } else if c.digitised {
        "digitised"
    } else {
        "paper"
    };
    ComponentRow {
        doc_type: c.doc_type.to_string(),
        name: c.name.clone(),
        how,
        reused_from: c.reused_from.clone(),
    }
}

#[derive(Serialize)]
struct ResultRow {
    code: String,
    kind: &'static str,
    name: String,
    doc_type: String,
    issuer: String,
    number: String,
    issued: String,
    valid_until: Option<String>,
    revoked: Option<String>,
    revoked_reason: Option<String>,
    electronic: bool,
    linked: bool,
    file: bool,
}

fn result_row(r: &StoredResult, lang: Lang) -> ResultRow {
    ResultRow {
        code: r.code.clone(),
        kind: r.kind.as_str(),
        name: r.name.clone(),
        doc_type: r.doc_type.to_string(),
        issuer: r.issuer.to_string(),
        number: r.number.clone(),
        issued: format::date(r.issued, lang),
        valid_until: r.valid_until.map(|d| format::date(d, lang)),
        revoked: r.revoked_at.map(|t| at_text(t, lang)),
        revoked_reason: r.revoked_reason.clone(),
        electronic: r.electronic(),
        linked: r.linked(),
        file: r.sha256.is_some(),
    }
}

#[derive(Serialize)]
struct DossierRow {
    code: String,
    subject: String,
    procedure: String,
    received: String,
    due: String,
    finished: Option<String>,
    status: &'static str,
    online: bool,
    essential: bool,
    components: Vec<ComponentRow>,
    results: Vec<ResultRow>,
    rated: Option<&'static str>,
    may_rate: bool,
}

fn dossier_row(d: &Dossier, results: &[StoredResult], lang: Lang) -> DossierRow {
    DossierRow {
        code: d.code.to_string(),
        subject: d.subject.to_string(),
        procedure: format!("{} ({})", d.procedure_name, d.procedure),
        received: format::date(d.received, lang),
        due: format::date(d.due, lang),
        finished: d.finished.map(|f| format::date(f, lang)),
        status: d.status.as_str(),
        online: d.online,
        essential: d.essential,
        components: d.components.iter().map(component_row).collect(),
        results: results
            .iter()
            .filter(|r| r.dossier == d.code)
            .map(|r| result_row(r, lang))
            .collect(),
        rated: None,
        may_rate: false,
    }
}

/// The store's rates of a unit (its subtree) for a period, from the engine.
async fn rates(st: &AppState, unit: &Code, period: &Period, lang: Lang) -> Vec<minijinja::Value> {
    let engine = st.app.read().await;
    Rate::ALL
        .iter()
        .map(|r| {
            let v = engine
                .indicator(r.code(), &Scope::Unit(unit.clone()), period, None)
                .ok()
                .flatten();
            minijinja::context! {
                code => r.code(),
                key => format!("p06-rate-{}", r.code()),
                value => v.as_ref().map(|v| format::percent(v.value, lang)),
                parts => v.as_ref().map(|v| format!("{} / {}", format::count(v.numerator, lang), format::count(v.denominator, lang))),
            }
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub(crate) struct UnitQuery {
    lang: Option<String>,
    year: Option<i32>,
}

/// The receive form.
#[derive(Deserialize, Default)]
pub(crate) struct ReceiveForm {
    csrf: Option<String>,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    procedure: String,
    #[serde(default)]
    procedure_name: String,
    essential: Option<String>,
    online: Option<String>,
    #[serde(default)]
    due_days: String,
    /// One component a line: the document type's code, a space, its name.
    #[serde(default)]
    components: String,
}

impl WithCsrf for ReceiveForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

#[derive(Default, Serialize)]
pub(crate) struct Flash {
    pub(crate) ok: Vec<String>,
    pub(crate) errors: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn render_unit(
    st: &AppState,
    page: &Page,
    pw: &P06Who,
    code: &Code,
    year: i32,
    flash: Flash,
    typed: &ReceiveForm,
    status: StatusCode,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let (dossiers, results) = st.app.p06_unit_dossiers(pw, code, None, 100).await?;
    let name = st
        .store
        .unit(code)
        .await?
        .map(|u| u.unit.name(lang.as_str()).to_string())
        .unwrap_or_else(|| code.to_string());
    let rows: Vec<DossierRow> = dossiers
        .iter()
        .map(|d| dossier_row(d, &results, lang))
        .collect();
    let rates = rates(st, code, &Period::Year(year), lang).await;
    Ok(page.render(
        st,
        status,
        "p06_unit.html",
        minijinja::context! {
            code => code.to_string(),
            name,
            year,
            rates,
            open_dossiers => dossiers.iter().filter(|d| d.is_open()).map(|d| d.code.to_string()).collect::<Vec<_>>(),
            revocable => results.iter().filter(|r| r.revoked_at.is_none() && r.issuer == *code).map(|r| r.code.clone()).collect::<Vec<_>>(),
            dossiers => rows,
            flash,
            typed => minijinja::context! {
                subject => typed.subject.clone(),
                procedure => typed.procedure.clone(),
                procedure_name => typed.procedure_name.clone(),
                essential => typed.essential.is_some(),
                online => typed.online.is_some(),
                due_days => if typed.due_days.is_empty() { "5".to_string() } else { typed.due_days.clone() },
                components => typed.components.clone(),
            },
        },
    ))
}

/// `/p06/units/{code}`: a unit's dossiers and results, its store figures, the intake form.
pub(crate) async fn unit_page(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<UnitQuery>,
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
    let r = async {
        let pw = p06_who(&st, &who).await?.ok_or(PageError::Denied)?;
        let code = Code::parse(&code).map_err(|_| PageError::NotFound(code.clone()))?;
        if st.app.read().await.tree().unit(code.as_str()).is_none() {
            return Err(PageError::NotFound(code.to_string()));
        }
        let year = q
            .year
            .unwrap_or_else(|| crate::clock::today_in_vietnam().year());
        render_unit(
            &st,
            &page,
            &pw,
            &code,
            year,
            Flash::default(),
            &ReceiveForm::default(),
            StatusCode::OK,
        )
        .await
        .map_err(|e| match e {
            PageError::Refused(..) => PageError::Denied,
            e => e,
        })
    }
    .await;
    page.respond(&st, r)
}

/// Read the receive form into a dossier, or say which field is wrong.
fn dossier_of(
    f: &ReceiveForm,
    code: DossierCode,
    unit: &Code,
    day: chrono::NaiveDate,
    lang: Lang,
    st: &AppState,
) -> Result<Dossier, String> {
    let t = |k: &str| st.i18n.t(lang, k, &[]);
    let subject =
        SubjectId::parse(&f.subject).map_err(|e| format!("{}: {e}", t("p06-field-subject")))?;
    let procedure = Code::parse(f.procedure.trim())
        .map_err(|e| format!("{}: {e}", t("p06-field-procedure")))?;
    let name = f.procedure_name.trim();
    if name.is_empty() {
        return Err(format!(
            "{}: {}",
            t("p06-field-procedure-name"),
            t("p06-empty")
        ));
    }
    let days: u64 = f
        .due_days
        .trim()
        .parse()
        .ok()
        .filter(|d| *d <= 365)
        .ok_or_else(|| format!("{}: {}", t("p06-field-due-days"), t("p06-bad-days")))?;
    let mut components = Vec::new();
    for (i, line) in f.components.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (doc, name) = line.split_once(char::is_whitespace).unwrap_or((line, line));
        let doc_type = Code::parse(doc)
            .map_err(|e| format!("{} {}: {e}", t("p06-field-components"), i + 1))?;
        components.push(Component {
            doc_type,
            name: name.trim().to_string(),
            digitised: false,
            reused: false,
            reused_from: None,
            national_db: false,
        });
    }
    if components.is_empty() {
        return Err(format!("{}: {}", t("p06-field-components"), t("p06-empty")));
    }
    Ok(Dossier {
        code,
        subject,
        procedure,
        procedure_name: name.to_string(),
        essential: f.essential.is_some(),
        unit: unit.clone(),
        received: day,
        due: day + Days::new(days),
        finished: None,
        status: DossierStatus::Open,
        online: f.online.is_some(),
        components,
    })
}

/// `POST /p06/units/{code}/dossiers`: receive a dossier at the unit's one-stop desk.
pub(crate) async fn receive(State(st): State<AppState>, d: DeskForm<ReceiveForm>) -> Response {
    let (page, pw, unit, f) = d.parts();
    let lang = page.lang;
    let day = crate::clock::today_in_vietnam();
    let mut flash = Flash::default();
    let mut status = StatusCode::OK;
    let next = match st.app.p06_next_code(&unit, day).await {
        Ok(c) => c,
        Err(e) => return page.respond(&st, Err(e.into())),
    };
    match dossier_of(&f, next, &unit, day, lang, &st) {
        Err(why) => {
            flash.errors.push(why);
            status = StatusCode::UNPROCESSABLE_ENTITY;
        }
        Ok(d) => match st.app.p06_receive(&pw, d, None).await {
            Ok((d, reused)) => {
                flash.ok.push(
                    st.i18n
                        .t(lang, "p06-received", &[("code", d.code.to_string())]),
                );
                for c in d.components.iter().filter(|c| c.reused) {
                    flash.ok.push(st.i18n.t(
                        lang,
                        "p06-reused",
                        &[
                            ("doc", format!("{} ({})", c.name, c.doc_type)),
                            ("from", c.reused_from.clone().unwrap_or_default()),
                        ],
                    ));
                }
                if reused.is_empty() {
                    flash.ok.push(st.i18n.t(lang, "p06-nothing-reused", &[]));
                }
            }
            Err(P06Error::Refused(why)) => {
                flash.errors.push(crate::i18n::one_language(&why, lang));
                status = StatusCode::FORBIDDEN;
            }
            Err(e) => return page.respond(&st, Err(e.into())),
        },
    }
    let typed = if flash.errors.is_empty() {
        ReceiveForm::default()
    } else {
        f
    };
    let r = render_unit(&st, &page, &pw, &unit, day.year(), flash, &typed, status).await;
    page.respond(&st, r)
}

/// `/p06/results/{code}`: a result and its history.
pub(crate) async fn result_page(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
) -> Response {
    let page = Page::new(&q, &headers, &uri, &who);
    let r = async {
        let pw = p06_who(&st, &who).await?.ok_or(PageError::Denied)?;
        let h = st.app.p06_result_history(&pw, &code).await?;
        let lang = page.lang;
        let access: Vec<minijinja::Value> = h
            .access
            .iter()
            .map(|e| {
                minijinja::context! {
                    at => at_text(e.record.at, lang),
                    actor => e.record.actor.clone(),
                    unit => e.record.unit.clone(),
                    action => e.record.action.clone(),
                    reason => e.record.reason.clone(),
                }
            })
            .collect();
        Ok(page.render(
            &st,
            StatusCode::OK,
            "p06_result.html",
            minijinja::context! {
                result => result_row(&h.result, lang),
                dossier => h.result.dossier.to_string(),
                subject => h.result.subject.to_string(),
                signer => h.result.signer.clone(),
                link => h.result.link.clone(),
                sha256 => h.result.sha256.clone(),
                access,
            },
        ))
    }
    .await;
    page.respond(&st, r)
}

/// `/p06/me`: the owner's own store, with who has read what.
pub(crate) async fn owner_page(
    State(st): State<AppState>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
) -> Response {
    let page = Page::new(&q, &headers, &uri, &who);
    let r = render_owner(&st, &page, &who, Flash::default(), StatusCode::OK).await;
    page.respond(&st, r)
}

async fn render_owner(
    st: &AppState,
    page: &Page,
    who: &Who,
    flash: Flash,
    status: StatusCode,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let pw = p06_who(st, who).await?.ok_or(PageError::Denied)?;
    let Some(subject) = pw.owner.clone() else {
        return Err(PageError::NotFound(st.i18n.t(lang, "p06-no-owner", &[])));
    };
    let view = st.app.p06_store(&pw, &subject).await?;
    let rows: Vec<DossierRow> = view
        .dossiers
        .iter()
        .map(|d| {
            let mut row = dossier_row(d, &view.results, lang);
            let rating = view.ratings.iter().find(|r| r.dossier == d.code);
            row.rated = rating.map(|r| r.value.as_str());
            row.may_rate = rating.is_none() && d.status == DossierStatus::Finished;
            row
        })
        .collect();
    let access: Vec<minijinja::Value> = view
        .access
        .iter()
        .map(|e| {
            minijinja::context! {
                at => at_text(e.record.at, lang),
                actor => e.record.actor.clone(),
                unit => e.record.unit.clone(),
                action => e.record.action.clone(),
                entity => e.record.entity.clone(),
                reason => e.record.reason.clone(),
            }
        })
        .collect();
    Ok(page.render(
        st,
        status,
        "p06_owner.html",
        minijinja::context! {
            subject => view.subject.id.to_string(),
            name => view.subject.name.clone(),
            dossiers => rows,
            access,
            flash,
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct RateForm {
    csrf: Option<String>,
    dossier: String,
    value: String,
    #[serde(default)]
    reason: String,
}

/// `POST /p06/me/rate`: the applicant rates a finished dossier, once.
pub(crate) async fn rate(
    State(st): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
    Form(f): Form<RateForm>,
) -> Response {
    let page = Page::new(&PageQuery::default(), &headers, &uri, &who);
    let pw = match p06_who(&st, &who).await {
        Ok(Some(p)) => p,
        Ok(None) => return page.session_ended("/p06/me"),
        Err(e) => return page.respond(&st, Err(e.into())),
    };
    if !csrf_ok(&who, &Method::POST, &headers, f.csrf.as_deref()) {
        return page.stale_form(&st, "/p06/me");
    }
    let lang = page.lang;
    let mut flash = Flash::default();
    let mut status = StatusCode::OK;
    let parsed = DossierCode::parse(&f.dossier)
        .ok()
        .zip(RatingValue::parse(&f.value));
    match parsed {
        None => {
            flash.errors.push(st.i18n.t(lang, "p06-bad-rating", &[]));
            status = StatusCode::UNPROCESSABLE_ENTITY;
        }
        Some((code, value)) => {
            let reason = Some(f.reason.clone()).filter(|r| !r.trim().is_empty());
            match st.app.p06_rate(&pw, &code, value, reason).await {
                Ok(_) => flash
                    .ok
                    .push(st.i18n.t(lang, "p06-rated", &[("code", code.to_string())])),
                Err(P06Error::Refused(why)) => {
                    flash.errors.push(crate::i18n::one_language(&why, lang));
                    status = StatusCode::FORBIDDEN;
                }
                Err(e) => return page.respond(&st, Err(e.into())),
            }
        }
    }
    let r = render_owner(&st, &page, &who, flash, status).await;
    page.respond(&st, r)
}

/// `/p06/me/export.json`: the owner's export of their own store (logged).
pub(crate) async fn export(
    State(st): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
) -> Response {
    let page = Page::new(&PageQuery::default(), &headers, &uri, &who);
    let r = async {
        let pw = p06_who(&st, &who).await?.ok_or(PageError::Denied)?;
        let subject = pw
            .owner
            .clone()
            .ok_or_else(|| PageError::NotFound(st.i18n.t(page.lang, "p06-no-owner", &[])))?;
        let e = st.app.p06_export(&pw, &subject).await?;
        let body = serde_json::to_vec_pretty(&e).map_err(|e| PageError::Internal(e.to_string()))?;
        let mut resp = (StatusCode::OK, body).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Ok(v) =
            HeaderValue::from_str(&format!("attachment; filename=\"kho-{subject}.json\""))
        {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        Ok(resp)
    }
    .await;
    page.respond(&st, r)
}

#[derive(Deserialize, Default)]
pub(crate) struct PanelQuery {
    lang: Option<String>,
    unit: Option<String>,
    period: Option<String>,
}

/// `/p06/panel?unit=58&period=2023`: the panel after Decision 766/QĐ-TTg from the records.
pub(crate) async fn panel_page(
    State(st): State<AppState>,
    Query(q): Query<PanelQuery>,
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
    let unit = q.unit.clone().unwrap_or_else(|| "58".into());
    let Ok(code) = Code::parse(&unit) else {
        return page.respond(&st, Err(PageError::NotFound(unit)));
    };
    if st.app.read().await.tree().unit(code.as_str()).is_none() {
        return page.respond(&st, Err(PageError::NotFound(unit)));
    }
    if !readable(&st, &who, code.as_str()).await {
        return login_or_forbidden(&st, &page, &who, page.path());
    }
    let period_text = q.period.clone().unwrap_or_else(|| "2023".into());
    let Ok(period) = Period::parse(&period_text) else {
        return page.respond(
            &st,
            Err(PageError::Refused(
                StatusCode::BAD_REQUEST,
                st.i18n
                    .t(lang, "p06-bad-period", &[("period", period_text)]),
            )),
        );
    };
    let r = async {
        let (panel, _) = st.app.p06_panel(&code, &period).await?;
        let name = st
            .store
            .unit(&code)
            .await?
            .map(|u| u.unit.name(lang.as_str()).to_string())
            .unwrap_or_else(|| code.to_string());
        let groups: Vec<minijinja::Value> = panel
            .groups
            .iter()
            .map(|g| {
                let parts: Vec<minijinja::Value> = g
                    .parts
                    .iter()
                    .map(|p| {
                        minijinja::context! {
                            key => format!("p06-rate-{}", p.rate.code()),
                            value => p.value.map(|v| format::percent(v, lang)),
                            parts => format!("{} / {}", format::count(p.numerator as f64, lang), format::count(p.denominator as f64, lang)),
                            weight => format::number(p.weight, 1, lang),
                            full_at => format::percent(p.full_at, lang),
                            points => p.points.map(|x| format::number(x, 2, lang)),
                        }
                    })
                    .collect();
                minijinja::context! {
                    group => g.group.as_str(),
                    key => format!("p06-group-{}", g.group.as_str()),
                    max => format::number(g.max, 0, lang),
                    score => g.score.map(|x| format::number(x, 2, lang)),
                    parts,
                }
            })
            .collect();
        Ok(page.render(
            &st,
            StatusCode::OK,
            "p06_panel.html",
            minijinja::context! {
                code => code.to_string(),
                name,
                period => period.to_string(),
                period_label => format::period(&period, lang),
                groups,
                total => panel.total.map(|x| format::number(x, 2, lang)),
                max => format::number(panel.max, 0, lang),
                may_configure => crate::pages::may_change_shared(&st, &who).await,
            },
        ))
    }
    .await;
    page.respond(&st, r)
}

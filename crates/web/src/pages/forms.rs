//! A report's page: enter, save, complete, approve, attach evidence, download and upload its
//! Excel template. Plain HTML forms that work on a phone; every post carries the session's
//! CSRF token.

use crate::api::evidence::{keep_evidence, read_multipart};
use crate::api::forms::{self as col, Report};
use crate::api::imports::{run_import, FileErrorOut};
use crate::auth::csrf_ok;
use crate::auth::{allowed, Action, Who};
use crate::clock::today_in_vietnam;
use crate::error::ApiError;
use crate::format;
use crate::pages::form_checks::{as_stored, rule_messages, unsendable, Flash};
use crate::pages::{Page, PageQuery};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::Method;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use axum::Form as UrlForm;
use chiso_collect::{Entry, Hierarchy, ReportStatus, Strategy};
use chiso_core::{Code, Via};
use serde::Serialize;

pub(crate) fn status_key(s: ReportStatus) -> String {
    format!("report-status-{}", s.as_str().replace('_', "-"))
}

pub(crate) async fn render_form(
    st: &AppState,
    who: &Who,
    page: &Page,
    r: &Report,
    flash: Flash,
    typed: &std::collections::HashMap<String, String>,
    status: StatusCode,
) -> Response {
    let lang = page.lang;
    let hier = Hierarchy::of(&st.app).await;
    let bypass = col::may_bypass_lock(st, who).await;
    let form = match chiso_collect::load_form(
        st.store.as_ref(),
        &hier,
        &r.ds,
        &r.unit,
        &r.period,
        today_in_vietnam(),
        bypass,
    )
    .await
    {
        Ok(f) => f,
        Err(e) => return page.respond(st, Err(crate::error::ApiError::from(e).into())),
    };
    let (may_write, may_approve_here) = {
        let engine = st.app.read().await;
        let w = allowed(
            who,
            Action::WriteData,
            Some(r.unit.as_str()),
            &engine,
            false,
        );
        let next = form.approval_chain.get(form.approvals.len());
        let a = next.is_some_and(|l| crate::auth::approves_at(who, l.as_str(), &engine));
        let last = form.approvals.last().map(|a| a.level_unit.clone());
        let u = last.is_some_and(|l| crate::auth::approves_at(who, l.as_str(), &engine));
        (w, (a, u))
    };
    #[derive(Serialize)]
    struct FieldView {
        key: String,
        name: String,
        option: Option<String>,
        uom: String,
        value: String,
        comment: String,
        previous: String,
        last_year: String,
        outlier: bool,
        input: &'static str,
        step: &'static str,
        /// The bounds of the value type (a count is never below 0, a percentage 0–100).
        min: Option<String>,
        max: Option<String>,
        is_date: bool,
        compulsory: bool,
        violated: bool,
    }
    let violated: std::collections::HashSet<String> = form
        .violations
        .iter()
        .flat_map(|v| v.elements.iter().map(|e| e.to_string()))
        .collect();
    let fields: Vec<FieldView> = form
        .fields
        .iter()
        .map(|f| {
            let key = f.key();
            let (input, step) = match f.value_type {
                t if t.is_integer() => ("number", "1"),
                chiso_core::ValueType::Number
                | chiso_core::ValueType::Percentage
                | chiso_core::ValueType::UnitInterval => ("number", "any"),
                // A text box, dd/mm/yyyy whatever the browser's language (a date input
                // follows the browser's locale, mm/dd/yyyy on most machines).
                chiso_core::ValueType::Date => ("text", ""),
                _ => ("text", ""),
            };
            FieldView {
                name: f
                    .name_en
                    .clone()
                    .filter(|_| lang == crate::i18n::Lang::En)
                    .unwrap_or_else(|| f.name_vi.clone()),
                option: f.option_name.clone(),
                uom: f
                    .unit_of_measure
                    .as_deref()
                    .map(|u| crate::pages::frameworks::measure(&st.i18n, lang, u))
                    .unwrap_or_default(),
                value: typed
                    .get(&format!("v:{key}"))
                    .cloned()
                    .or_else(|| match f.value_type {
                        chiso_core::ValueType::Date => f.value.as_deref().map(|v| {
                            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                                .map(|d| d.format("%d/%m/%Y").to_string())
                                .unwrap_or_else(|_| v.to_string())
                        }),
                        _ => f.value.clone(),
                    })
                    .unwrap_or_default(),
                comment: typed
                    .get(&format!("c:{key}"))
                    .cloned()
                    .or_else(|| f.comment.clone())
                    .unwrap_or_default(),
                previous: f
                    .previous
                    .as_deref()
                    .map(|v| format::value(v, lang))
                    .unwrap_or_default(),
                last_year: f
                    .last_year
                    .as_deref()
                    .map(|v| format::value(v, lang))
                    .unwrap_or_default(),
                outlier: f.outlier,
                input,
                step,
                min: (input == "number")
                    .then(|| f.value_type.bounds().0.map(|n| n.to_string()))
                    .flatten(),
                max: (input == "number")
                    .then(|| f.value_type.bounds().1.map(|n| n.to_string()))
                    .flatten(),
                is_date: f.value_type == chiso_core::ValueType::Date,
                compulsory: r.ds.is_compulsory(&f.element),
                violated: violated.contains(f.element.as_str()) || flash.missing.contains(&key),
                key,
            }
        })
        .collect();
    let violations: Vec<minijinja::Value> = form
        .violations
        .iter()
        .map(|v| {
            minijinja::context! {
                message => v.message.clone(),
                block => v.severity == chiso_core::Severity::Block,
                detail => format!("{} {} {}", format::value(&v.left.to_string(), lang), v.operator.symbol(), format::value(&v.right.to_string(), lang)),
            }
        })
        .collect();
    let evidence: Vec<minijinja::Value> = form
        .evidence
        .iter()
        .map(|e| {
            minijinja::context! {
                id => e.id.clone(),
                file_name => e.file_name.clone(),
                size_kb => (e.size + 1023) / 1024,
                doc_number => e.doc_number.clone().unwrap_or_default(),
                doc_date => e.doc_date.map(|d| format::date(d, lang)).unwrap_or_default(),
                summary => e.summary.clone().unwrap_or_default(),
                element => e.element.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            }
        })
        .collect();
    let approvals: Vec<minijinja::Value> = form
        .approvals
        .iter()
        .map(|a| {
            let name = hier
                .unit(a.level_unit.as_str())
                .map(|u| u.name(lang.as_str()).to_string())
                .unwrap_or_default();
            minijinja::context! { step => a.step, level => name, by => a.approved_by.clone(), at => format::date(a.approved_at.date_naive(), lang) }
        })
        .collect();
    let w = form.window;
    let today = today_in_vietnam();
    // An exception in force replaces the closing day; an administrator may grant one on a
    // report past its closing day (or extend the one in force).
    let exception_text = form
        .exception
        .as_ref()
        .filter(|e| today <= e.until)
        .map(|e| {
            st.i18n.t(
                lang,
                "form-exception-info",
                &[
                    ("until", format::date(e.until, lang)),
                    ("by", e.granted_by.clone()),
                    ("reason", e.reason.clone()),
                ],
            )
        });
    let past_lock = w.locks.is_some_and(|l| today > l);
    let may_grant = past_lock
        && exception_text.is_none()
        && form.approvals.is_empty()
        && crate::auth::require(st, who, Action::ManageFramework, &[r.unit.as_str()])
            .await
            .is_ok()
        && matches!(who, Who::User(_));
    // The demo says which of its reports are open to try entry (this year's, by its dates).
    let is_demo = matches!(st.store.meta("demo").await, Ok(Some(_)));
    let demo_note = (is_demo
        && r.period.contains_date(today, r.ds.convention)
        && exception_text.is_none()
        && form.editable
        && matches!(
            form.status,
            chiso_collect::ReportStatus::Open | chiso_collect::ReportStatus::Overdue
        ))
    .then(|| {
        st.i18n.t(
            lang,
            "form-demo-open",
            &[("year", r.period.start().format("%Y").to_string())],
        )
    });
    let ctx = minijinja::context! {
        ds_code => r.ds.code.to_string(),
        ds_name => r.ds.name(lang.as_str()).to_string(),
        unit => r.unit.to_string(),
        unit_name => hier.unit(r.unit.as_str()).map(|u| u.name(lang.as_str()).to_string()).unwrap_or_else(|| form.unit_name.clone()),
        period => r.period.to_string(),
        period_label => format::period(&r.period, lang),
        previous_label => r.period.previous().map(|p| format::period(&p, lang)).unwrap_or_default(),
        last_year_label => r.period.same_period_last_year().map(|p| format::period(&p, lang)).unwrap_or_default(),
        opens => format::date(w.opens, lang),
        due => format::date(w.due, lang),
        locks => w.locks.map(|d| format::date(d, lang)).unwrap_or_default(),
        status_key => if form.status == chiso_collect::ReportStatus::Completed && r.ds.approval && !form.approval_chain.is_empty() {
            "report-status-awaiting".to_string()
        } else {
            status_key(form.status)
        },
        editable => form.editable && may_write,
        may_write => may_write,
        completed => form.completion.is_some(),
        completed_on_time => form.completion.as_ref().map(|c| c.on_time),
        completed_info => form.completion.as_ref().map(|c| format!("{} · {}", c.completed_by, format::date(c.completed_at.date_naive(), lang))),
        locked_reason => form.locked_reason.clone(),
        approvals => approvals,
        chain_len => form.approval_chain.len(),
        // Nobody approves what they submitted themselves (the store refuses it too).
        may_approve => may_approve_here.0 && r.ds.approval
            && form.completion.as_ref().is_some_and(|c| c.completed_by != who.name()),
        may_unapprove => may_approve_here.1,
        fields => fields,
        violations => violations,
        evidence => evidence,
        flash => Flash {
            ok: flash.ok.iter().map(|m| crate::i18n::one_language(m, lang)).collect(),
            errors: flash.errors.iter().map(|m| crate::i18n::one_language(m, lang)).collect(),
            warnings: flash.warnings.iter().map(|m| crate::i18n::one_language(m, lang)).collect(),
            missing: Vec::new(),
        },
        evidence_elements => form.fields.iter().filter(|f| f.option.is_none()).map(|f| minijinja::context! {
            code => f.element.to_string(),
            name => if lang == crate::i18n::Lang::En { f.name_en.clone().unwrap_or_else(|| f.name_vi.clone()) } else { f.name_vi.clone() },
        }).collect::<Vec<_>>(),
        exception => exception_text,
        may_grant_exception => may_grant,
        has_compulsory => !r.ds.compulsory.is_empty(),
        demo_note => demo_note,
    };
    page.render(st, status, "form.html", ctx)
}

pub(crate) async fn form_page(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let page = Page::new(&q, &headers, &uri, &who);
    let r = match col::report(&st, &ds, &unit, &period).await {
        Ok(r) => r,
        Err(e) => return api_error_page(&st, &page, e),
    };
    if let Err(e) = crate::auth::require(&st, &who, Action::Read, &[r.unit.as_str()]).await {
        return {
            let _ = e;
            crate::pages::login_or_forbidden(&st, &page, &who, uri.path())
        };
    }
    render_form(
        &st,
        &who,
        &page,
        &r,
        Flash::default(),
        &Default::default(),
        StatusCode::OK,
    )
    .await
}

/// Whether a page form may be posted for a unit: someone logged in (or a public server's
/// reader) with the right to read the unit, and the session's CSRF token. The refusal is the
/// generic error page.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn may_post(
    st: &AppState,
    who: &Who,
    page: &Page,
    headers: &HeaderMap,
    unit: &str,
    csrf: Option<&str>,
) -> Result<(), Response> {
    let back = report_path(page);
    if matches!(who, Who::Anonymous) {
        return Err(page.session_ended(&back));
    }
    crate::auth::require(st, who, Action::Read, &[unit])
        .await
        .map_err(|e| api_error_page(st, page, e))?;
    if !csrf_ok(who, &Method::POST, headers, csrf) {
        return Err(page.stale_form(st, &back));
    }
    Ok(())
}

/// The report's own page for a post to it or to its files.
fn report_path(page: &Page) -> String {
    let path = page.path();
    path.strip_suffix("/files").unwrap_or(path).to_string()
}

/// An internal failure: logged with its cause, shown as the plain error page (never the
/// database's text).
pub(crate) fn internal_page<E: std::fmt::Display + 'static>(
    st: &AppState,
    page: &Page,
    e: E,
) -> Response {
    if crate::pages::unavailable_cause(&e) {
        return page.respond(st, Err(crate::pages::PageError::Unavailable));
    }
    tracing::error!(error = %e, "page failed");
    page.error(
        st,
        StatusCode::INTERNAL_SERVER_ERROR,
        st.i18n.t(page.lang, "internal-error", &[]),
    )
}

pub(crate) fn api_error_page(st: &AppState, page: &Page, e: ApiError) -> Response {
    let (status, msg) = error_text(e);
    page.error(st, status, msg)
}

pub(crate) fn error_text(e: ApiError) -> (StatusCode, String) {
    match e {
        ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m),
        ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
        ApiError::Unauthorized | ApiError::UnauthorizedBecause(_) => (
            StatusCode::UNAUTHORIZED,
            "Cần đăng nhập / Log in first".into(),
        ),
        ApiError::BadRequest(f) | ApiError::Invalid(f) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            f.iter()
                .map(|x| {
                    if x.field == "report" {
                        x.reason.clone()
                    } else {
                        format!("{}: {}", x.field, x.reason)
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        ApiError::TooLarge(n) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Tệp quá lớn (tối đa {} MB) / The file is too large",
                n / 1024 / 1024
            ),
        ),
        ApiError::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Cơ sở dữ liệu tạm thời không truy cập được; hãy thử lại sau / The database is unavailable for the moment; try again later".into(),
        ),
        ApiError::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Lỗi hệ thống / Internal error".into(),
        ),
    }
}

pub(crate) fn error_lines(e: ApiError) -> Vec<String> {
    match e {
        ApiError::BadRequest(f) | ApiError::Invalid(f) => f
            .into_iter()
            .map(|x| {
                if x.field == "report" {
                    x.reason
                } else {
                    format!("{}: {}", x.field, x.reason)
                }
            })
            .collect(),
        other => vec![error_text(other).1],
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn form_post(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    uri: Uri,
    UrlForm(fields): UrlForm<Vec<(String, String)>>,
) -> Response {
    let page = Page::new(&q, &headers, &uri, &who);
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    // Login, CSRF and the unit's read right come before anything about the report is read.
    if let Err(refusal) = may_post(&st, &who, &page, &headers, &unit, get("csrf")).await {
        return refusal;
    }
    let r = match col::report(&st, &ds, &unit, &period).await {
        Ok(r) => r,
        Err(e) => return api_error_page(&st, &page, e),
    };
    let action = get("action").unwrap_or("save");
    let mut flash = Flash::default();
    let mut typed = std::collections::HashMap::new();
    let t = |k: &str| st.i18n.t(page.lang, k, &[]);
    let result: Result<(), ApiError> = async {
        match action {
            "save" | "save_complete" => {
                crate::auth::require(&st, &who, Action::WriteData, &[r.unit.as_str()]).await?;
                let dates: std::collections::HashSet<Code> = st
                    .store
                    .elements()
                    .await?
                    .into_iter()
                    .filter(|e| e.value_type == chiso_core::ValueType::Date)
                    .map(|e| e.code)
                    .collect();
                let mut entries = Vec::new();
                for (k, v) in &fields {
                    let Some(key) = k.strip_prefix("v:") else {
                        continue;
                    };
                    typed.insert(k.clone(), v.clone());
                    let comment = get(&format!("c:{key}"))
                        .map(str::to_string)
                        .filter(|c| !c.trim().is_empty());
                    if let Some(c) = &comment {
                        typed.insert(format!("c:{key}"), c.clone());
                    }
                    let (element, option) = match key.split_once('.') {
                        Some((e, o)) if r.ds.elements.iter().all(|x| x.as_str() != key) => {
                            (e, Some(o))
                        }
                        _ => (key, None),
                    };
                    let element =
                        Code::parse(element).map_err(|e| ApiError::bad(key, e.to_string()))?;
                    let option = option
                        .map(Code::parse)
                        .transpose()
                        .map_err(|e| ApiError::bad(key, e.to_string()))?;
                    entries.push(Entry {
                        value: as_stored(&dates, &element, v),
                        element,
                        option,
                        comment,
                    });
                }
                let out = col::save(&st, &who, &r, &entries, Via::Web).await?;
                typed.clear();
                let broken = rule_messages(&st, page.lang, &out.violations).await?;
                if !broken.block.is_empty() {
                    // Saved, but not sendable: one message per broken rule, in words, and
                    // nothing green beside it.
                    flash.errors = broken.block;
                    flash.warnings = broken.warn;
                    return Ok(());
                }
                flash.ok.push(format!(
                    "{} ({} {}, {} {}, {} {})",
                    t("form-saved"),
                    out.changes.inserted,
                    t("count-new"),
                    out.changes.updated,
                    t("count-updated"),
                    out.changes.deleted,
                    t("count-deleted")
                ));
                flash.warnings = broken.warn;
                if action == "save_complete" {
                    if let Some(refusal) = unsendable(&st, &who, &page, &r, &mut flash).await? {
                        // One message: saved, not sent, and why.
                        flash.ok.clear();
                        return Err(refusal);
                    }
                    col::complete_report(&st, &who, &r, Via::Web).await?;
                    flash.ok.push(t("form-completed"));
                }
            }
            "grant_exception" => {
                let until = get("until").unwrap_or("");
                let until = crate::params::parse_day(until)
                    .ok_or_else(|| ApiError::bad("until", t("form-exception-bad-date")))?;
                col::grant_exception_page(&st, &who, &r, until, get("reason").unwrap_or(""))
                    .await?;
                flash.ok.push(format!(
                    "{} {}",
                    t("form-exception-granted"),
                    format::date(until, page.lang)
                ));
            }
            "complete" => {
                crate::auth::require(&st, &who, Action::WriteData, &[r.unit.as_str()]).await?;
                if let Some(refusal) = unsendable(&st, &who, &page, &r, &mut flash).await? {
                    return Err(refusal);
                }
                col::complete_report(&st, &who, &r, Via::Web).await?;
                flash.ok.push(t("form-completed"));
            }
            "uncomplete" => {
                crate::auth::require(&st, &who, Action::WriteData, &[r.unit.as_str()]).await?;
                let mut a = crate::params::actor(&who);
                a.via = Via::Web;
                chiso_collect::uncomplete(&st.app, &r.ds, &r.unit, &r.period, &a).await?;
                flash.ok.push(t("form-uncompleted"));
            }
            "approve" => {
                let a = col::approve_report(&st, &who, &r, Via::Web).await?;
                let level = Hierarchy::of(&st.app)
                    .await
                    .unit(a.level_unit.as_str())
                    .map(|u| u.name(page.lang.as_str()).to_string())
                    .unwrap_or_else(|| a.level_unit.to_string());
                flash.ok.push(format!("{}: {level}", t("form-approved")));
            }
            "unapprove" => {
                let step =
                    col::unapprove_report(&st, &who, &r, get("reason").unwrap_or(""), Via::Web)
                        .await?;
                flash.ok.push(format!("{} ({step})", t("form-unapproved")));
            }
            other => return Err(ApiError::bad("action", format!("'{other}'"))),
        }
        Ok(())
    }
    .await;
    let status = match result {
        Ok(()) => StatusCode::OK,
        // A refusal of the person shows the generic error page, never the report.
        Err(e @ (ApiError::Forbidden(_) | ApiError::Unauthorized)) => {
            return api_error_page(&st, &page, e)
        }
        Err(e) => {
            flash.errors = error_lines(e);
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    render_form(&st, &who, &page, &r, flash, &typed, status).await
}

/// Evidence uploads and Excel uploads of a report (multipart).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn files_post(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    uri: Uri,
    m: Multipart,
) -> Response {
    let page = Page::new(&q, &headers, &uri, &who);
    // The unit's write right comes before the body is read; the CSRF token (a field of the
    // body) right after, and both before anything about the report is read or shown.
    if matches!(who, Who::Anonymous) {
        return page.session_ended(&report_path(&page));
    }
    if let Err(e) = crate::auth::require(&st, &who, Action::WriteData, &[unit.as_str()]).await {
        return api_error_page(&st, &page, e);
    }
    let up = match read_multipart(m).await {
        Ok(u) => u,
        Err(e) => return api_error_page(&st, &page, e),
    };
    if !csrf_ok(&who, &Method::POST, &headers, up.csrf.as_deref()) {
        return page.stale_form(&st, &report_path(&page));
    }
    let r = match col::report(&st, &ds, &unit, &period).await {
        Ok(r) => r,
        Err(e) => return api_error_page(&st, &page, e),
    };
    let kind = up
        .other
        .iter()
        .find(|(k, _)| k == "kind")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let dry_run = up.other.iter().any(|(k, v)| k == "dry_run" && v == "1");
    let mut flash = Flash::default();
    let t = |k: &str| st.i18n.t(page.lang, k, &[]);
    if kind == "xlsx" {
        let name = up.file_name.clone();
        let (status, rep) = run_import(
            &st,
            &who,
            &name,
            &up.bytes,
            dry_run,
            Strategy::CreateAndUpdate,
            Via::Web,
        )
        .await;
        if status == StatusCode::OK {
            flash.ok.push(format!(
                "{}{}: {} {}, {} {}, {} {}",
                t("upload-done"),
                if dry_run {
                    format!(" ({})", t("upload-dry-run"))
                } else {
                    String::new()
                },
                rep.inserted,
                t("count-new"),
                rep.updated,
                t("count-updated"),
                rep.unchanged,
                t("count-unchanged")
            ));
            flash.warnings = rep.warnings.iter().map(file_error_text).collect();
        } else {
            flash.errors.push(t("upload-refused"));
            flash.errors.extend(rep.errors.iter().map(file_error_text));
        }
        let code = if status == StatusCode::OK {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return render_form(&st, &who, &page, &r, flash, &Default::default(), code).await;
    }
    let status = match keep_evidence(&st, &who, &r, up, Via::Web).await {
        Ok(e) => {
            flash
                .ok
                .push(format!("{}: {}", t("evidence-added"), e.file_name));
            StatusCode::OK
        }
        Err(e) => {
            flash.errors = error_lines(e);
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    render_form(&st, &who, &page, &r, flash, &Default::default(), status).await
}

pub(crate) fn file_error_text(e: &FileErrorOut) -> String {
    let mut place = Vec::new();
    if let Some(s) = &e.sheet {
        place.push(format!("trang {s}"));
    }
    if e.row > 0 {
        place.push(format!("dòng {}", e.row));
    }
    if let Some(c) = &e.column {
        place.push(format!("cột {c}"));
    }
    if place.is_empty() {
        e.reason.clone()
    } else {
        format!("{}: {}", place.join(", "), e.reason)
    }
}

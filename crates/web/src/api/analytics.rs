//! `GET /api/analytics` (and `.json`, `.csv`): DHIS2's analytics query form, answered from
//! the live engine.
//!
//! The query (`dimension=dx:A;B&dimension=pe:2023;LAST_12_MONTHS&filter=ou:58`, `asOf`,
//! `relativePeriodDate`) is parsed, resolved and evaluated by [`chiso_engine::analytics`];
//! here: the query string read, who may read the resolved units checked (public indicators,
//! else `require_scope` for each unit or group), the names the engine does not hold read from
//! the store, refusals turned into `ApiError`s, and the CSV written.

use crate::auth::{require_scope, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::RawQuery;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chiso_core::Period;
use chiso_engine::analytics::{DataKind, Grid, Labels, Lang, Query, QueryError};

/// A refused query: DHIS2's 409 with its E71xx code, the parameter and the reason naming the
/// item (chiso's `error` and DHIS2's web message in one body).
pub(crate) struct Refused {
    pub param: &'static str,
    pub code: &'static str,
    pub reason: String,
}

/// Errors that are not the query's (access, the store) keep their own status.
pub(crate) enum AnalyticsError {
    Query(Refused),
    Api(ApiError),
}

impl From<chiso_store::StoreError> for AnalyticsError {
    fn from(e: chiso_store::StoreError) -> AnalyticsError {
        AnalyticsError::Api(e.into())
    }
}

impl From<ApiError> for AnalyticsError {
    fn from(e: ApiError) -> AnalyticsError {
        AnalyticsError::Api(e)
    }
}

/// DHIS2's error code of a refused query.
fn code_of(e: &QueryError) -> &'static str {
    use chiso_engine::analytics::Dimension;
    match e {
        QueryError::NotADimension { .. } | QueryError::UnknownDimension { .. } => "E7125",
        QueryError::Twice { .. } => "E7111",
        QueryError::Missing(Dimension::Data) => "E7102",
        QueryError::Missing(Dimension::Period) => "E7104",
        QueryError::Missing(_) => "E7143",
        QueryError::NotADate { .. } => "E7135",
        QueryError::NoItems { .. }
        | QueryError::BadDataItem { .. }
        | QueryError::UnknownData { .. }
        | QueryError::BadPeriod { .. }
        | QueryError::RelativeOutOfRange { .. } => "E7124",
        QueryError::BadLevel { .. } | QueryError::BadUnitItem { .. } => "E7143",
        QueryError::TooManyRows { .. } => "E7128",
        QueryError::Unsupported { .. } | QueryError::BadOption { .. } => "E7133",
        QueryError::CategoryNeedsElements { .. } => "E7114",
        QueryError::Engine(chiso_engine::EngineError::UnknownUnit(_))
        | QueryError::Engine(chiso_engine::EngineError::UnknownGroup(_)) => "E7143",
        QueryError::Engine(_) => "E7124",
    }
}

/// A refused query, its reason in the request's language.
fn api_error(e: QueryError) -> AnalyticsError {
    AnalyticsError::Query(Refused {
        param: e.param(),
        code: code_of(&e),
        reason: match crate::i18n::current() {
            crate::i18n::Lang::Vi => e.vi(),
            crate::i18n::Lang::En => e.to_string(),
        },
    })
}

impl IntoResponse for AnalyticsError {
    fn into_response(self) -> Response {
        match self {
            AnalyticsError::Api(e) => e.into_response(),
            AnalyticsError::Query(r) => {
                let status = axum::http::StatusCode::CONFLICT;
                let lang = crate::i18n::current();
                let reason = crate::i18n::one_language(&r.reason, lang);
                // DHIS2's message names the parameter it is about (`filter: …`, `asOf: …`).
                let message = if reason.starts_with(r.param) {
                    reason.clone()
                } else {
                    format!("{}: {reason}", r.param)
                };
                let mut body =
                    crate::api::dhis2::message::web_message(status, Some(r.code), &message);
                body["error"] = serde_json::json!({
                    "status": status.as_u16(),
                    "message": crate::i18n::one_language(
                        "câu hỏi không trả lời được; không có gì thay đổi / the query cannot be answered; nothing was changed",
                        lang,
                    ),
                    "fields": [{"index": null, "field": r.param, "reason": reason}],
                });
                (status, Json(body)).into_response()
            }
        }
    }
}

/// A period's name in the answer's metadata.
fn period_name(p: &Period, lang: Lang) -> String {
    crate::format::period(
        p,
        match lang {
            Lang::En => crate::i18n::Lang::En,
            Lang::Vi => crate::i18n::Lang::Vi,
        },
    )
}

/// The units the caller's roles are scoped to, for `USER_ORGUNIT` (none: every root).
fn user_units(who: &Who) -> Vec<chiso_core::Code> {
    let mut out: Vec<chiso_core::Code> = Vec::new();
    if let Some(p) = who.principal() {
        if p.assignments.iter().any(|a| a.unit.is_none()) {
            return Vec::new();
        }
        for a in &p.assignments {
            if let Some(u) = &a.unit {
                if !out.contains(u) {
                    out.push(u.clone());
                }
            }
        }
    }
    out
}

/// The parameters that are not analytics' own: the language, and the API's.
const NOT_ANALYTICS: &[&str] = &["lang", "paging", "fields", "api_key"];

pub(crate) async fn grid(
    st: &AppState,
    raw: Option<String>,
    who: &Who,
) -> Result<Grid, AnalyticsError> {
    let mut q = resolved(st, raw, who).await?;
    // Without a view asked, a reader who is not signed in gets the published (official)
    // figures; a signed-in client gets every value it may read, as DHIS2's clients expect.
    if q.options.view.is_none() && !matches!(who, Who::User(_)) {
        q.options.view = Some(chiso_engine::View::Official);
    }
    let public = {
        let engine = st.app.read().await;
        let codes: Vec<&str> = q
            .data
            .iter()
            .map(|d| match d.kind {
                DataKind::Indicator(_) => d.id.as_str(),
                DataKind::Element { .. } | DataKind::Reporting { .. } => "",
            })
            .collect();
        crate::auth::public_indicators(st, who, &engine, &codes)
    };
    if !public {
        for ou in &q.units {
            require_scope(st, who, Action::Read, &ou.scope).await?;
        }
    }
    // The live view, asked by name (`view=live`), only for a signed-in person with a right
    // over every unit asked, as for the other figures.
    if q.options.view == Some(chiso_engine::View::Live) {
        let mut units: Vec<String> = Vec::new();
        {
            let engine = st.app.read().await;
            for ou in &q.units {
                match &ou.scope {
                    chiso_engine::Scope::Unit(u) => units.push(u.to_string()),
                    chiso_engine::Scope::Group(g) => units.extend(
                        engine
                            .group_members(g)
                            .map_err(ApiError::from)?
                            .iter()
                            .map(|c| c.to_string()),
                    ),
                    chiso_engine::Scope::Units(us) => {
                        units.extend(us.iter().map(|c| c.to_string()))
                    }
                }
            }
        }
        let refs: Vec<&str> = units.iter().map(String::as_str).collect();
        crate::api::figures::require_view(st, who, chiso_engine::View::Live, &refs).await?;
    }
    q.check_size().map_err(api_error)?;
    // Names the engine does not hold, read only when the answer names such items (a question
    // of indicators and units reads nothing from the store).
    let elements = if q
        .data
        .iter()
        .any(|d| matches!(d.kind, DataKind::Element { .. }))
    {
        st.names.elements(st).await?
    } else {
        Vec::new()
    };
    // The breakdowns name `ELEMENT.OPTION` and the `co` items.
    let breakdowns = if q
        .rows
        .contains(&chiso_engine::analytics::Dimension::Category)
        || q.data.iter().any(|d| {
            matches!(
                d.kind,
                DataKind::Element {
                    option: Some(_),
                    ..
                }
            )
        }) {
        st.store.breakdowns().await?
    } else {
        Vec::new()
    };
    let groups = if q
        .units
        .iter()
        .any(|u| matches!(u.scope, chiso_engine::Scope::Group(_)))
    {
        st.names.groups(st).await?
    } else {
        Vec::new()
    };
    let engine = st.app.read().await;
    let labels = Labels {
        elements: &elements,
        breakdowns: &breakdowns,
        groups: &groups,
        period: &period_name,
    };
    q.evaluate(&engine, &labels).map_err(api_error)
}

/// The request's query parsed and resolved (`USER_ORGUNIT` as the caller's units).
async fn resolved(
    st: &AppState,
    raw: Option<String>,
    who: &Who,
) -> Result<chiso_engine::analytics::Resolved, AnalyticsError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| {
            ApiError::bad(
                "query",
                format!("không đọc được chuỗi tham số (sau dấu ?): {e} / unreadable query string (after the ?): {e}"),
            )
        })?;
    let pairs = pairs
        .into_iter()
        .filter(|(k, _)| !NOT_ANALYTICS.contains(&k.as_str()));
    let engine = st.app.read().await;
    let mut q =
        Query::parse(&engine, pairs, crate::clock::today_in_vietnam()).map_err(api_error)?;
    q.user_units = user_units(who);
    // The names in the language asked by `locale`, else the request's (`Accept-Language`,
    // `lang`; English by default on DHIS2's paths), the same as the metadata lists give.
    if !q.lang_asked {
        q.lang = match crate::i18n::current() {
            crate::i18n::Lang::Vi => Lang::Vi,
            crate::i18n::Lang::En => Lang::En,
        };
    }
    q.resolve(&engine).map_err(api_error)
}

/// Analytics as JSON, in DHIS2's response shape.
#[utoipa::path(get, path = "/api/analytics", tag = "analytics",
    params(
        ("dimension" = Vec<String>, Query, description = "dx:ITEM;ITEM, pe:PERIOD;RELATIVE_PERIOD, ou:UNIT;LEVEL-n;OU_GROUP-CODE (repeat the parameter)"),
        ("filter" = Option<Vec<String>>, Query, description = "Same form as dimension; the items are fixed, not listed in rows"),
        ("asOf" = Option<String>, Query, description = "Read the figures in the structure of this date (YYYY-MM-DD)"),
        ("relativePeriodDate" = Option<String>, Query, description = "The date relative periods count from (default: today in Vietnam)"),
        ("view" = Option<String>, Query, description = "official: approved figures only; live: everything entered, for a signed-in person with a right over every unit asked (without the parameter: official for a reader not signed in, live for a signed-in client, as DHIS2 clients expect)")
    ),
    responses((status = 200, body = Grid), (status = 400, body = ErrorBody)))]
pub async fn analytics(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Grid>, AnalyticsError> {
    Ok(Json(grid(&st, raw, &who).await?))
}

/// Analytics as JSON at the path DHIS2 clients also use (`/api/analytics.json`).
#[utoipa::path(get, path = "/api/analytics.json", tag = "analytics",
    params(
        ("dimension" = Vec<String>, Query, description = "As for /api/analytics"),
        ("filter" = Option<Vec<String>>, Query, description = "As for /api/analytics"),
        ("asOf" = Option<String>, Query, description = "As for /api/analytics")
    ),
    responses((status = 200, body = Grid), (status = 400, body = ErrorBody)))]
pub async fn analytics_json(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Grid>, AnalyticsError> {
    Ok(Json(grid(&st, raw, &who).await?))
}

/// Analytics as CSV: a header line of column names, then one line per row.
#[utoipa::path(get, path = "/api/analytics.csv", tag = "analytics",
    params(
        ("dimension" = Vec<String>, Query, description = "As for /api/analytics"),
        ("filter" = Option<Vec<String>>, Query, description = "As for /api/analytics"),
        ("asOf" = Option<String>, Query, description = "As for /api/analytics")
    ),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody)))]
pub async fn analytics_csv(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AnalyticsError> {
    let g = grid(&st, raw, &who).await?;
    let esc = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = g
        .headers
        .iter()
        .map(|h| esc(&h.column))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in &g.rows {
        out.push_str(&r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response())
}

/// Analytics as a DHIS2 data value set (`/api/analytics/dataValueSet.json`): each row of the
/// grid as a value, with its `dataElement` (the `dx` item, an element or an indicator),
/// `period`, `orgUnit` and, with `dimension=co`, `categoryOptionCombo`. `dx`, `pe` and `ou`
/// must be dimensions, not filters (as DHIS2 asks).
#[utoipa::path(get, path = "/api/analytics/dataValueSet.json", tag = "analytics",
    params(
        ("dimension" = Vec<String>, Query, description = "dx:…, pe:… and ou:… (all three as dimensions); co optional"),
        ("filter" = Option<Vec<String>>, Query, description = "Other dimensions fixed"),
        ("asOf" = Option<String>, Query, description = "As for /api/analytics")
    ),
    responses((status = 200, description = "DHIS2's dataValueSet JSON"), (status = 409, body = ErrorBody)))]
pub async fn analytics_data_value_set(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, AnalyticsError> {
    let g = grid(&st, raw, &who).await?;
    let column = |name: &str| g.headers.iter().position(|h| h.name == name);
    let (Some(dx), Some(pe), Some(ou), Some(value)) =
        (column("dx"), column("pe"), column("ou"), column("value"))
    else {
        return Err(AnalyticsError::Query(Refused {
            param: "dimension",
            code: "E7133",
            reason: "một tập giá trị cần dx, pe và ou là chiều (dimension), không phải bộ lọc (filter) / a data value set needs dx, pe and ou as dimensions, not as filters".into(),
        }));
    };
    let co = column("co");
    let cell = |r: &Vec<String>, k: usize| r.get(k).cloned().unwrap_or_default();
    let values: Vec<serde_json::Value> = g
        .rows
        .iter()
        .map(|r| {
            let mut v = serde_json::json!({
                "dataElement": cell(r, dx),
                "period": cell(r, pe),
                "orgUnit": cell(r, ou),
                "value": cell(r, value),
            });
            if let Some(co) = co {
                v["categoryOptionCombo"] = serde_json::Value::String(cell(r, co));
            }
            v
        })
        .collect();
    Ok(Json(serde_json::json!({ "dataValues": values })))
}

/// `/api/analytics/rawData.json`: not supported; DHIS2's 409 naming it.
#[utoipa::path(get, path = "/api/analytics/rawData.json", tag = "analytics",
    responses((status = 409, body = ErrorBody)))]
pub async fn analytics_raw_data() -> AnalyticsError {
    AnalyticsError::Query(Refused {
        param: "rawData",
        code: "E7133",
        reason: "rawData không được hỗ trợ: dùng /api/analytics hoặc /api/analytics/dataValueSet.json / rawData is not supported: use /api/analytics or /api/analytics/dataValueSet.json".into(),
    })
}

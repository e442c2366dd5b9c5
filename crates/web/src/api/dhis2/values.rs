//! One data value at DHIS2's `/api/dataValues`: read (`GET`, the value as DHIS2 gives it, a
//! list of one), write (`POST`, DHIS2's JSON body or its query parameters; an empty value
//! with no comment deletes) and delete (`DELETE`). Writes go through the same checks as an
//! import (codes, types, rights, closed and approved reports).

use super::dvs::conflict_code;
use super::message::{say, Dhis2Error};
use super::meta::pairs;
use crate::api::imports::{import, upload_body};
use crate::auth::{require, Action, Who};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chiso_collect::{FieldNames, ImportError, Strategy};
use chiso_core::{Code, Period, Via};
use chiso_io::values::{Place, ValueRow};
use chiso_store::ValueQuery;
use serde_json::Value;

/// The key of one value, from DHIS2's short (`de`, `pe`, `ou`, `co`) or long names.
struct Key {
    element: String,
    period: String,
    unit: String,
    breakdown: Option<String>,
    aoc: Option<String>,
}

fn get<'a>(q: &'a [(String, String)], names: &[&str]) -> Option<&'a str> {
    q.iter()
        .rev()
        .find(|(k, _)| names.contains(&k.as_str()))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn is_default(c: &str) -> bool {
    c.eq_ignore_ascii_case("default") || c == super::meta::DEFAULT_OPTION_COMBO
}

fn key(q: &[(String, String)]) -> Result<Key, Dhis2Error> {
    let need = |names: &[&str], vi: &str, en: &str| {
        get(q, names).map(str::to_string).ok_or_else(|| {
            Dhis2Error::conflict(
                "E2000",
                say(
                    format!("thiếu tham số `{}` ({vi}; hoặc `{}`)", names[0], names[1]),
                    format!(
                        "Query parameter `{}` is required ({en}; or `{}`)",
                        names[0], names[1]
                    ),
                ),
            )
        })
    };
    Ok(Key {
        element: need(&["de", "dataElement"], "chỉ tiêu", "data element")?,
        period: need(&["pe", "period"], "kỳ", "period")?,
        unit: need(&["ou", "orgUnit"], "đơn vị", "organisation unit")?,
        breakdown: get(q, &["co", "categoryOptionCombo"])
            .filter(|c| !is_default(c))
            .map(str::to_string),
        aoc: get(q, &["ao", "cc", "attributeOptionCombo"])
            .filter(|c| !is_default(c))
            .map(str::to_string),
    })
}

fn refuse_aoc(k: &Key) -> Result<(), Dhis2Error> {
    match &k.aoc {
        Some(a) => Err(Dhis2Error::conflict(
            "E1104",
            say(
                format!("attributeOptionCombo: không có `{a}`; chiso chỉ có phân tổ thuộc tính mặc định (default), hãy bỏ tham số này"),
                format!("Attribute option combo not found or not accessible: `{a}` (chiso has only the default; leave it out)"),
            ),
        )),
        None => Ok(()),
    }
}

/// One stored value: DHIS2 answers with the value in a list.
#[utoipa::path(get, path = "/api/dataValues", tag = "dhis2",
    params(("de" = String, Query, description = "data element"), ("pe" = String, Query, description = "period"),
           ("ou" = String, Query, description = "unit"), ("co" = Option<String>, Query, description = "breakdown option (default: none)")),
    responses((status = 200, description = "[value]"), (status = 404, description = "DHIS2 web message")))]
pub(crate) async fn get_value(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Dhis2Error> {
    let q = pairs(raw.as_deref())?;
    let k = key(&q)?;
    refuse_aoc(&k)?;
    let code = |param: &'static str, vi: &'static str, en: &'static str, s: &str, ec| {
        Code::parse(s).map_err(|_| {
            Dhis2Error::conflict(
                ec,
                say(
                    format!("{param}: không có {vi} `{s}`, hoặc bạn không được xem"),
                    format!("{en} not found or not accessible: `{s}`"),
                ),
            )
        })
    };
    let element = code("de", "chỉ tiêu", "Data element", &k.element, "E1100")?;
    let unit = code("ou", "đơn vị", "Organisation unit", &k.unit, "E1102")?;
    let period = Period::parse(&k.period).map_err(|_| {
        Dhis2Error::conflict(
            "E1101",
            say(
                format!(
                    "pe: `{}` không phải là kỳ (ví dụ 2024, 2024Q1, 202403)",
                    k.period
                ),
                format!("Period is invalid: `{}`", k.period),
            ),
        )
    })?;
    let breakdown = k
        .breakdown
        .as_deref()
        .map(|b| code("co", "phân tổ", "Category option combo", b, "E1103"))
        .transpose()?;
    require(&st, &who, Action::Read, &[unit.as_str()])
        .await
        .map_err(Dhis2Error::from)?;
    let found = st
        .store
        .values(&ValueQuery {
            elements: vec![element],
            units: vec![unit],
            periods: vec![period],
            ..Default::default()
        })
        .await
        .map_err(|e| Dhis2Error::from(crate::error::ApiError::from(e)))?
        .into_iter()
        .find(|v| v.breakdown == breakdown);
    match found {
        Some(v) => Ok(Json(Value::Array(vec![Value::from(v.value)])).into_response()),
        None => Err(Dhis2Error {
            status: StatusCode::NOT_FOUND,
            code: Some("E2032"),
            message: say(
                format!(
                    "chưa có số liệu của chỉ tiêu {} tại đơn vị {} kỳ {}",
                    k.element, k.unit, k.period
                ),
                format!(
                    "Data value not found or not accessible: `{}`, `{}`, `{}`",
                    k.element, k.period, k.unit
                ),
            ),
        }),
    }
}

/// Write one value, as DHIS2's JSON body (`dataElement`, `period`, `orgUnit`,
/// `categoryOptionCombo`, `value`, `comment`) or its query parameters (`de`, `pe`, `ou`,
/// `co`, `value`, `comment`). An empty value with no comment deletes the value. Answers 201
/// with no body, as DHIS2 does.
#[utoipa::path(post, path = "/api/dataValues", tag = "dhis2",
    request_body(content_type = "application/json", content = String),
    responses((status = 201, description = "written"), (status = 409, description = "DHIS2 web message")))]
pub(crate) async fn post_value(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, Dhis2Error> {
    let bytes = upload_body(b, &who).map_err(Dhis2Error::from)?;
    let mut q = pairs(raw.as_deref())?;
    if !bytes.iter().all(u8::is_ascii_whitespace) {
        let body: Value = serde_json::from_slice(&bytes).map_err(|e| {
            Dhis2Error::bad(
                "E1003",
                say(
                    format!("nội dung gửi lên không phải JSON: {e}"),
                    format!("the body is not JSON: {e}"),
                ),
            )
        })?;
        let Value::Object(o) = body else {
            return Err(Dhis2Error::bad(
                "E1003",
                say(
                    "nội dung gửi lên phải là một đối tượng JSON {\"dataElement\": …, \"period\": …, \"orgUnit\": …, \"value\": …}",
                    "the body must be a JSON object {\"dataElement\": ..., \"period\": ..., \"orgUnit\": ..., \"value\": ...}",
                ),
            ));
        };
        for (k, v) in o {
            let text = match v {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => continue,
            };
            q.push((k, text));
        }
    }
    let k = key(&q)?;
    refuse_aoc(&k)?;
    let value = get(&q, &["value"]).unwrap_or("").to_string();
    let comment = get(&q, &["comment"]).map(str::to_string);
    let delete = value.is_empty() && comment.is_none();
    write(&st, &who, k, value, comment, delete).await?;
    Ok(StatusCode::CREATED.into_response())
}

/// Delete one value (`de`, `pe`, `ou`, `co`). Answers 204, as DHIS2 does; deleting a value
/// that is not there is DHIS2's 404.
#[utoipa::path(delete, path = "/api/dataValues", tag = "dhis2",
    params(("de" = String, Query, description = "data element"), ("pe" = String, Query, description = "period"),
           ("ou" = String, Query, description = "unit"), ("co" = Option<String>, Query, description = "breakdown option")),
    responses((status = 204, description = "deleted"), (status = 404, description = "DHIS2 web message")))]
pub(crate) async fn delete_value(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Dhis2Error> {
    if matches!(who, Who::Anonymous) {
        return Err(Dhis2Error::from(crate::error::ApiError::Unauthorized));
    }
    let q = pairs(raw.as_deref())?;
    let k = key(&q)?;
    refuse_aoc(&k)?;
    let (de, pe, ou) = (k.element.clone(), k.period.clone(), k.unit.clone());
    let deleted = write(&st, &who, k, String::new(), None, true).await?;
    if deleted == 0 {
        return Err(Dhis2Error {
            status: StatusCode::NOT_FOUND,
            code: Some("E2032"),
            message: say(
                format!("chưa có số liệu của chỉ tiêu {de} tại đơn vị {ou} kỳ {pe}"),
                format!("Data value not found or not accessible: `{de}`, `{pe}`, `{ou}`"),
            ),
        });
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Write or delete one value through the import's checks; the number deleted.
async fn write(
    st: &AppState,
    who: &Who,
    k: Key,
    value: String,
    comment: Option<String>,
    delete: bool,
) -> Result<u64, Dhis2Error> {
    if let Ok(u) = Code::parse(&k.unit) {
        // Unknown units are the import's conflict; a known one must be writable.
        if st.app.read().await.tree().contains(u.as_str()) {
            require(st, who, Action::WriteData, &[u.as_str()])
                .await
                .map_err(Dhis2Error::from)?;
        }
    }
    let row = ValueRow {
        element: k.element,
        period: k.period,
        unit: k.unit,
        breakdown: k.breakdown,
        value,
        comment,
        deleted: delete,
        place: Place {
            sheet: None,
            row: 1,
            column: Some("value".into()),
        },
    };
    match import(
        st,
        who,
        "dataValues",
        &[row],
        FieldNames::DHIS2_JSON,
        false,
        Strategy::CreateAndUpdate,
        Via::Api,
    )
    .await
    {
        Ok(out) => Ok(out.changes.deleted),
        Err(ImportError::Rejected(errs)) => {
            let first = errs.into_iter().next();
            let (code, reason) = match first {
                Some(e) => (conflict_code(e.problem), e.reason),
                None => (
                    None,
                    say(
                        "giá trị không được ghi; không có gì thay đổi",
                        "the value was refused; nothing was changed",
                    ),
                ),
            };
            Err(Dhis2Error {
                status: StatusCode::CONFLICT,
                code: Some(code.unwrap_or("E1003")),
                message: reason,
            })
        }
        Err(ImportError::Store(e)) => Err(Dhis2Error::from(crate::error::ApiError::from(e))),
    }
}

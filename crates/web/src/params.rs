//! What API handlers share to read a request: query strings and JSON bodies with errors that
//! name the field, codes, dates, numbers and yes/no parameters, the size limits, and the actor
//! a write is recorded under.

use crate::auth::Who;
use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::Query;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chiso_core::{Code, Via};
use chiso_store::{Actor, FieldError};
use chrono::NaiveDate;

/// Most items accepted in one write request.
pub const MAX_ITEMS: usize = 10_000;

/// Most values returned by one read (use `offset` to page).
pub const MAX_PAGE: i64 = 100_000;

pub(crate) fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::bad("query", e.body_text()))
}

pub(crate) fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t).map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(crate::MAX_BODY)
        } else {
            ApiError::bad("body", e.body_text())
        }
    })
}

pub(crate) fn code_param(field: &str, s: &str) -> Result<Code, ApiError> {
    Code::parse(s).map_err(|e| ApiError::bad(field, format!("'{s}': {e}")))
}

pub(crate) fn codes_param(field: &str, s: &Option<String>) -> Result<Vec<Code>, ApiError> {
    s.iter()
        .flat_map(|s| s.split([',', ';']))
        .filter(|x| !x.trim().is_empty())
        .map(|x| code_param(field, x))
        .collect()
}

pub(crate) fn date_param(field: &str, s: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| ApiError::bad(field, format!("'{s}' is not a date (YYYY-MM-DD)")))
        })
        .transpose()
}

/// A day as a person types it on a page: `dd/mm/yyyy` (the form's own format, whatever the
/// browser's language), also `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy` and ISO `yyyy-mm-dd`.
pub(crate) fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() > 10 {
        return None;
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 || d.is_empty() || d.len() > 2 || m.is_empty() || m.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

pub(crate) fn int_param(
    field: &str,
    s: &Option<String>,
    min: i64,
    max: i64,
) -> Result<Option<i64>, ApiError> {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| match s.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(ApiError::bad(
                field,
                format!("'{s}' is not a whole number from {min} to {max}"),
            )),
        })
        .transpose()
}

pub(crate) fn bool_param(field: &str, s: &Option<String>) -> Result<bool, ApiError> {
    match s.as_deref() {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(ApiError::bad(
            field,
            format!("'{other}' is not true or false"),
        )),
    }
}

pub(crate) fn actor(who: &Who) -> Actor {
    Actor::new(who.name(), Via::Api)
}

// ---- health ----------------------------------------------------------------------------------

/// Refuse a write of more than [`MAX_ITEMS`] items, naming the field.
pub(crate) fn at_most_items(field: &str, n: usize) -> Result<(), ApiError> {
    if n > MAX_ITEMS {
        return Err(ApiError::Invalid(vec![FieldError::new(
            None,
            field,
            format!("at most {MAX_ITEMS} items per request"),
        )]));
    }
    Ok(())
}

pub(crate) fn items<T: serde::de::DeserializeOwned>(
    field: &str,
    raw: Vec<serde_json::Value>,
) -> Result<Vec<T>, ApiError> {
    at_most_items(field, raw.len())?;
    let mut out = Vec::with_capacity(raw.len());
    let mut errors = Vec::new();
    for (i, v) in raw.into_iter().enumerate() {
        // chiso's own write routes refuse fields they do not know (a misspelt field would
        // otherwise be dropped without a word); DHIS2's paths ignore them, as DHIS2 does.
        let mut unknown = Vec::new();
        match serde_ignored::deserialize::<_, _, T>(v, |path| unknown.push(path.to_string())) {
            Ok(t) if unknown.is_empty() => out.push(t),
            Ok(_) => errors.push(FieldError::new(
                Some(i),
                field,
                format!("unknown field '{}'", unknown.join("', '")),
            )),
            Err(e) => errors.push(FieldError::new(Some(i), field, e.to_string())),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// Largest file accepted by an import or an upload over HTTP: 20 MiB.
pub const MAX_UPLOAD: usize = chiso_io::values::MAX_FILE_BYTES;

/// A file name as kept and offered: no control characters, no path separators or quotes, and
/// no direction or zero-width marks (U+202E would show `gpj.exe` as `exe.jpg`); at most 200
/// characters.
pub(crate) fn clean_file_name(name: &str) -> String {
    name.chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '/' | '\\' | '"')
                && !matches!(
                    c,
                    '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}'
                )
        })
        .take(200)
        .collect()
}

/// A download: the given type, `attachment`, no sniffing, a sandbox for anything opened.
pub(crate) fn attachment(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    download(content_type, file_name, axum::body::Body::from(bytes))
}

/// A download of a body (streamed or whole), as [`attachment`].
pub(crate) fn download(content_type: &str, file_name: &str, body: axum::body::Body) -> Response {
    let file_name = clean_file_name(file_name);
    let file_name = file_name.as_str();
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    resp
}

/// Run blocking work — parsing a file, hashing a password — on the runtime's blocking threads,
/// so the workers that answer requests are never held up by it.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(format!("blocking work failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::parse_day;
    use chrono::NaiveDate;

    #[test]
    fn days_are_read_as_vietnamese_write_them() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_day("20/11/2026"), d(2026, 11, 20));
        assert_eq!(parse_day(" 5/1/2026 "), d(2026, 1, 5));
        assert_eq!(parse_day("05-01-2026"), d(2026, 1, 5));
        assert_eq!(parse_day("2026-01-05"), d(2026, 1, 5));
        // Never month-first: 11/20/2026 is no day.
        assert_eq!(parse_day("11/20/2026"), None);
        assert_eq!(parse_day("31/02/2026"), None);
        assert_eq!(parse_day("20/11/26"), None);
        assert_eq!(parse_day(""), None);
        assert_eq!(parse_day("hôm nay"), None);
    }
}

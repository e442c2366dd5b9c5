//! DHIS2's web message on DHIS2's paths: every error there answers with `httpStatus`,
//! `httpStatusCode`, `status`, `message` and, where DHIS2 has one, `errorCode`. Handlers of
//! DHIS2 paths answer with [`Dhis2Error`]; the errors chiso's shared code gives on those
//! paths (authentication, access, a malformed query) are rewritten by [`web_messages`].
//! Where a path is both chiso's and DHIS2's (`/api/indicators`, `/api/constants`,
//! `/api/analytics`), the web message's fields are added beside chiso's `error`, so neither
//! kind of client breaks.

use axum::extract::Request;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// The paths under `/api/` that DHIS2 clients call, by their first segment (the extension
/// and a version prefix left out).
const DHIS2_RESOURCES: &[&str] = &[
    "system",
    "me",
    "dataElements",
    "organisationUnits",
    "organisationUnitGroups",
    "organisationUnitLevels",
    "dataSets",
    "categoryCombos",
    "categoryOptionCombos",
    "categories",
    "categoryOptions",
    "periodTypes",
    "metadata",
    "dataValues",
    "dataValueSets",
];

/// Paths chiso's own API shares with DHIS2.
const SHARED_RESOURCES: &[&str] = &["indicators", "constants", "analytics"];

/// Who a path speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathKind {
    /// chiso's own API or a page.
    Chiso,
    /// DHIS2's protocol only.
    Dhis2,
    /// Both: the answer carries chiso's fields and DHIS2's.
    Shared,
}

/// The API version of a versioned path (`/api/42/…`) and the rest of the path after it.
pub(crate) fn strip_version(path: &str) -> Option<(u16, &str)> {
    let rest = path.strip_prefix("/api/")?;
    let (v, tail) = rest.split_once('/')?;
    let n: u16 = v.parse().ok()?;
    Some((n, tail))
}

/// The version of DHIS2's Web API chiso answers like.
pub(crate) const VERSION: &str = "2.42.0";

/// The versions of DHIS2's API chiso answers under `/api/{version}/`.
pub(crate) const VERSIONS: std::ops::RangeInclusive<u16> = 28..=42;

pub(crate) fn path_kind(path: &str) -> PathKind {
    let (versioned, rest) = match strip_version(path) {
        Some((_, rest)) => (true, rest),
        None => match path.strip_prefix("/api/") {
            Some(rest) => (false, rest),
            None => return PathKind::Chiso,
        },
    };
    let first = rest
        .split('/')
        .next()
        .unwrap_or("")
        .split('.')
        .next()
        .unwrap_or("");
    if DHIS2_RESOURCES.contains(&first) || (versioned && SHARED_RESOURCES.contains(&first)) {
        PathKind::Dhis2
    } else if SHARED_RESOURCES.contains(&first) {
        PathKind::Shared
    } else if versioned {
        // An unknown resource under a version: DHIS2's 404.
        PathKind::Dhis2
    } else {
        PathKind::Chiso
    }
}

/// The reason phrase DHIS2 writes in `httpStatus`.
pub(crate) fn http_status(s: StatusCode) -> &'static str {
    s.canonical_reason().unwrap_or("Error")
}

/// An error on a DHIS2 path, answered as DHIS2's web message.
#[derive(Debug)]
pub(crate) struct Dhis2Error {
    pub status: StatusCode,
    pub code: Option<&'static str>,
    pub message: String,
}

impl Dhis2Error {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Dhis2Error {
        Dhis2Error {
            status: StatusCode::CONFLICT,
            code: Some(code),
            message: message.into(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> Dhis2Error {
        Dhis2Error {
            status: StatusCode::NOT_FOUND,
            code: Some("E1005"),
            message: message.into(),
        }
    }
    pub fn bad(code: &'static str, message: impl Into<String>) -> Dhis2Error {
        Dhis2Error {
            status: StatusCode::BAD_REQUEST,
            code: Some(code),
            message: message.into(),
        }
    }
}

/// A message in the request's language: DHIS2's English words (what DHIS2 clients show, the
/// default on DHIS2's paths) or chiso's Vietnamese (`Accept-Language: vi`). Both name the
/// parameter or the item at fault.
pub(crate) fn say(vi: impl Into<String>, en: impl Into<String>) -> String {
    match crate::i18n::current() {
        crate::i18n::Lang::Vi => vi.into(),
        crate::i18n::Lang::En => en.into(),
    }
}

/// DHIS2's web message.
pub(crate) fn web_message(status: StatusCode, code: Option<&str>, message: &str) -> Value {
    let mut m = json!({
        "httpStatus": http_status(status),
        "httpStatusCode": status.as_u16(),
        "status": if status.is_success() { "OK" } else { "ERROR" },
        "message": message,
    });
    if let Some(c) = code {
        m["errorCode"] = Value::from(c);
    }
    m
}

impl IntoResponse for Dhis2Error {
    fn into_response(self) -> Response {
        let message = crate::i18n::one_language(&self.message, crate::i18n::current());
        (
            self.status,
            axum::Json(web_message(self.status, self.code, &message)),
        )
            .into_response()
    }
}

impl From<crate::error::ApiError> for Dhis2Error {
    /// chiso's error on a DHIS2 path: the same status and message (the middleware would
    /// rewrite it the same way; handlers that mix both use this).
    fn from(e: crate::error::ApiError) -> Dhis2Error {
        use crate::error::ApiError;
        let lang = crate::i18n::current();
        let reasons = |f: &[chiso_store::FieldError]| {
            f.iter()
                .map(|f| {
                    format!(
                        "{}: {}",
                        f.field,
                        crate::i18n::one_language(&f.reason, lang)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        match e {
            ApiError::BadRequest(f) => Dhis2Error::bad("E1003", reasons(&f)),
            ApiError::Invalid(f) => Dhis2Error::conflict("E1003", reasons(&f)),
            ApiError::NotFound(m) => Dhis2Error::not_found(m),
            ApiError::Forbidden(m) => Dhis2Error {
                status: StatusCode::FORBIDDEN,
                code: Some("E1006"),
                message: m,
            },
            ApiError::Unauthorized | ApiError::UnauthorizedBecause(_) => Dhis2Error {
                status: StatusCode::UNAUTHORIZED,
                code: None,
                message: UNAUTHORIZED.into(),
            },
            ApiError::TooLarge(max) => Dhis2Error {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: None,
                message: say(
                    format!("nội dung gửi lên lớn quá {max} byte; hãy chia nhỏ rồi gửi từng phần"),
                    format!(
                        "the request body is larger than {max} bytes; send it in smaller parts"
                    ),
                ),
            },
            ApiError::Unavailable => Dhis2Error {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: None,
                message: "cơ sở dữ liệu tạm thời không truy cập được; hãy thử lại sau / the database is unavailable for the moment; try again later".into(),
            },
            ApiError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                Dhis2Error {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: None,
                    message: "lỗi hệ thống; đã được ghi lại / an internal error occurred; it has been logged".into(),
                }
            }
        }
    }
}

const UNAUTHORIZED: &str = "Cần mã truy cập API: Authorization: ApiToken <mã>; máy chủ không nhận HTTP Basic / \
     Send an API token: Authorization: ApiToken <token>. HTTP Basic authentication is off on this server \
     (tokens only): create a token with `chiso token create`";

const BASIC_REFUSED: &str =
    "Máy chủ không nhận HTTP Basic; hãy gửi mã truy cập API: Authorization: ApiToken <mã> / \
     HTTP Basic authentication is off on this server (tokens only): send the token as \
     Authorization: ApiToken <token> instead of a user name and password";

/// What the middleware keeps of chiso's error body.
fn chiso_message(body: &Value) -> Option<String> {
    let e = body.get("error")?;
    let message = e.get("message")?.as_str()?.to_string();
    let fields: Vec<String> = e
        .get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let reason = f.get("reason")?.as_str()?;
            Some(match f.get("field").and_then(Value::as_str) {
                Some(field) if !field.is_empty() => format!("{field}: {reason}"),
                _ => reason.to_string(),
            })
        })
        .collect();
    Some(if fields.is_empty() {
        message
    } else {
        fields.join("; ")
    })
}

/// The error code DHIS2 gives an error of this status, when the handler gave none.
fn default_code(status: StatusCode) -> Option<&'static str> {
    match status {
        StatusCode::BAD_REQUEST => Some("E1003"),
        StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY => Some("E1003"),
        StatusCode::FORBIDDEN => Some("E1006"),
        StatusCode::NOT_FOUND => Some("E1005"),
        _ => None,
    }
}

/// Every answer on a DHIS2 path that is an error in chiso's shape becomes DHIS2's web
/// message (on a shared path, the web message's fields are added beside chiso's); a 401
/// says how to authenticate (`WWW-Authenticate`, and on DHIS2 paths that HTTP Basic is
/// off).
pub(crate) async fn web_messages(req: Request, next: Next) -> Response {
    let kind = path_kind(req.uri().path());
    let basic = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() >= 6 && v[..6].eq_ignore_ascii_case("basic "));
    let resp = next.run(req).await;
    let status = resp.status();
    if status == StatusCode::UNAUTHORIZED {
        let mut resp = if kind == PathKind::Chiso {
            resp
        } else {
            rewrite(resp, kind, basic).await
        };
        resp.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("ApiToken realm=\"chiso\""),
        );
        return resp;
    }
    if kind == PathKind::Chiso || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    rewrite(resp, kind, basic).await
}

async fn rewrite(resp: Response, kind: PathKind, basic: bool) -> Response {
    let json = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return (parts.status, "").into_response();
    };
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    // Already a web message (a handler of a DHIS2 path answered it).
    if v.get("httpStatusCode").is_some() {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    }
    let Some(message) = chiso_message(&v) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    let mut status = parts.status;
    if kind == PathKind::Dhis2 && status == StatusCode::UNPROCESSABLE_ENTITY {
        // DHIS2 refuses well-formed but wrong input with 409 Conflict.
        status = StatusCode::CONFLICT;
        parts.status = status;
    }
    let lang = crate::i18n::current();
    let message = if status == StatusCode::UNAUTHORIZED {
        crate::i18n::one_language(if basic { BASIC_REFUSED } else { UNAUTHORIZED }, lang)
    } else {
        message
    };
    let m = web_message(status, default_code(status), &message);
    let out = match kind {
        PathKind::Shared => {
            if let (Value::Object(o), Value::Object(add)) = (&mut v, m) {
                let extra: Map<String, Value> = add;
                o.extend(extra);
            }
            v
        }
        _ => m,
    };
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&out).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_sorted_by_who_they_speak_to() {
        assert_eq!(path_kind("/api/system/info"), PathKind::Dhis2);
        assert_eq!(path_kind("/api/42/analytics.json"), PathKind::Dhis2);
        assert_eq!(path_kind("/api/dataElements.json"), PathKind::Dhis2);
        assert_eq!(path_kind("/api/40/nothing"), PathKind::Dhis2);
        assert_eq!(path_kind("/api/analytics"), PathKind::Shared);
        assert_eq!(path_kind("/api/indicators"), PathKind::Shared);
        assert_eq!(path_kind("/api/data-elements"), PathKind::Chiso);
        assert_eq!(path_kind("/units/58"), PathKind::Chiso);
        assert_eq!(strip_version("/api/41/me"), Some((41, "me")));
        assert_eq!(strip_version("/api/units/58"), None);
    }

    #[test]
    fn web_message_has_dhis2_fields() {
        let m = web_message(StatusCode::CONFLICT, Some("E7124"), "no");
        assert_eq!(m["httpStatus"], "Conflict");
        assert_eq!(m["httpStatusCode"], 409);
        assert_eq!(m["status"], "ERROR");
        assert_eq!(m["errorCode"], "E7124");
    }
}

//! The web layer's one error type. Client errors name the field and the reason; internal errors
//! are logged and never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chiso_store::{FieldError, StoreError};
use serde::Serialize;

#[derive(Debug)]
pub enum ApiError {
    /// Malformed request: unreadable JSON, a bad query parameter.
    BadRequest(Vec<FieldError>),
    /// Well-formed but refused: unknown codes, a value of the wrong type… Nothing was written.
    Invalid(Vec<FieldError>),
    NotFound(String),
    /// No credentials (or expired ones): log in, or send an API token.
    Unauthorized,
    /// Credentials were sent but are not good (a wrong or revoked API token).
    UnauthorizedBecause(&'static str),
    Forbidden(String),
    /// The body is larger than the limit (in bytes).
    TooLarge(usize),
    /// The database does not answer (see [`chiso_store::StoreError::is_unavailable`]): 503,
    /// with `Retry-After`; nothing was done.
    Unavailable,
    Internal(String),
}

impl ApiError {
    pub fn bad(field: &str, reason: impl Into<String>) -> ApiError {
        ApiError::BadRequest(vec![FieldError::new(None, field, reason)])
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub status: u16,
    pub message: String,
    /// The refused fields, each with the position of its item in the request.
    pub fields: Vec<FieldError>,
}

impl From<chiso_engine::EngineError> for ApiError {
    fn from(e: chiso_engine::EngineError) -> ApiError {
        ApiError::bad("dimension", e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Invalid(fields) => ApiError::Invalid(fields),
            e if e.is_unavailable() => {
                tracing::warn!(error = %e, "the database is unavailable");
                ApiError::Unavailable
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    /// The error in the request's one language (see [`crate::i18n::current`]).
    fn into_response(self) -> Response {
        use crate::i18n::{current, one_language, Lang};
        let lang = current();
        let say = |vi: &str, en: &str| match lang {
            Lang::Vi => vi.to_string(),
            Lang::En => en.to_string(),
        };
        let (status, message, fields) = match self {
            ApiError::BadRequest(f) => (
                StatusCode::BAD_REQUEST,
                say(
                    "yêu cầu không đúng dạng; không có gì thay đổi",
                    "the request is malformed; nothing was changed",
                ),
                f,
            ),
            ApiError::Invalid(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                say(
                    "dữ liệu bị từ chối; không có gì thay đổi",
                    "the input was refused; nothing was changed",
                ),
                f,
            ),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m, vec![]),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                say(
                    "cần đăng nhập, hoặc gửi mã truy cập API: Authorization: ApiToken …",
                    "log in, or send an API token: Authorization: ApiToken …",
                ),
                vec![],
            ),
            ApiError::UnauthorizedBecause(why) => {
                (StatusCode::UNAUTHORIZED, why.to_string(), vec![])
            }
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, m, vec![]),
            ApiError::TooLarge(max) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                say(
                    &format!(
                        "nội dung gửi lên lớn hơn {max} byte; hãy gửi thành nhiều phần nhỏ hơn"
                    ),
                    &format!(
                        "the request body is larger than {max} bytes; send it in smaller parts"
                    ),
                ),
                vec![FieldError::new(None, "body", say("quá lớn", "too large"))],
            ),
            ApiError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                say(
                    "cơ sở dữ liệu tạm thời không truy cập được; không có gì thay đổi; hãy thử lại sau ít giây (xem Retry-After)",
                    "the database cannot be reached for the moment; nothing was changed; try again in a few seconds (see Retry-After)",
                ),
                vec![],
            ),
            ApiError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    say(
                        "lỗi hệ thống; đã được ghi lại",
                        "an internal error occurred; it has been logged",
                    ),
                    vec![],
                )
            }
        };
        let fields = fields
            .into_iter()
            .map(|f| FieldError {
                reason: one_language(&f.reason, lang),
                ..f
            })
            .collect();
        let body = ErrorBody {
            error: ErrorDetail {
                status: status.as_u16(),
                message: one_language(&message, lang),
                fields,
            },
        };
        (status, Json(body)).into_response()
    }
}

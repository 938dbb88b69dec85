//! The one error type of the service, rendered as RFC 9457 problem+json. Its conversions from
//! the libraries' errors are in `convert`; the problem responses the OpenAPI document reuses
//! are in `responses`.

mod convert;
pub mod responses;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// The closed set of machine-readable error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    ValidationFailed,
    NotFound,
    Conflict,
    Unauthorized,
    Forbidden,
    PreconditionFailed,
    RateLimited,
    PayloadTooLarge,
    UnsupportedMediaType,
    RangeNotSatisfiable,
    RequestTimeout,
    ServiceUnavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValidationFailed => "validation_failed",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::PreconditionFailed => "precondition_failed",
            Self::RateLimited => "rate_limited",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RangeNotSatisfiable => "range_not_satisfiable",
            Self::RequestTimeout => "request_timeout",
            Self::ServiceUnavailable => "service_unavailable",
            Self::Internal => "internal",
        }
    }
}

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field (body property or query parameter), dotted for nested values.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document, as every error response carries it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// URI reference that identifies the problem type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    pub detail: String,
    /// Machine-readable error code.
    pub code: ErrorCode,
    /// Invalid fields, for `validation_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A malformed request: bad JSON, bad query or path parameter (400).
    #[error("bad request: {detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// A well-formed body that breaks the rules (422).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {detail}")]
    Conflict {
        detail: String,
        field: Option<String>,
    },
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    /// The request body did not arrive within `BODY_READ_TIMEOUT_SECS` (408).
    #[error("request timeout")]
    RequestTimeout,
    /// The path and query are longer than `MAX_URL_BYTES` (414).
    #[error("uri too long")]
    UriTooLong { limit: usize },
    /// The request headers together are larger than `MAX_HEADER_BYTES` (431).
    #[error("request headers too large")]
    HeadersTooLarge { limit: usize },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The content is not of a type this resource accepts (415).
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// No byte of the requested range exists (416); `size` is the whole length.
    #[error("range not satisfiable")]
    RangeNotSatisfiable { size: u64 },
    /// The media store (a folder or a bucket) failed or cannot be reached (503).
    #[error("media store unavailable: {0}")]
    StorageUnavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::BadRequest {
            detail: format!("invalid parameter `{field}`: {message}"),
            errors: vec![FieldError::new(field, message)],
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            field: None,
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest { .. }
            | Self::Validation(_)
            | Self::UriTooLong { .. }
            | Self::HeadersTooLarge { .. } => ErrorCode::ValidationFailed,
            Self::NotFound(_) | Self::MethodNotAllowed => ErrorCode::NotFound,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::PreconditionFailed => ErrorCode::PreconditionFailed,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::RequestTimeout => ErrorCode::RequestTimeout,
            Self::Unavailable(_) | Self::StorageUnavailable(_) => ErrorCode::ServiceUnavailable,
            Self::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            Self::RangeNotSatisfiable { .. } => ErrorCode::RangeNotSatisfiable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::BadRequest { detail, .. } => detail.clone(),
            Self::Validation(errors) => match errors.as_slice() {
                [one] => format!("`{}` {}", one.field, one.message),
                _ => format!("{} fields are invalid", errors.len()),
            },
            Self::NotFound(what) => format!("{what} was not found"),
            Self::MethodNotAllowed => "this method is not allowed on this resource".into(),
            Self::Conflict { detail, .. } => detail.clone(),
            Self::Unauthorized(why) | Self::Forbidden(why) => why.clone(),
            Self::PreconditionFailed => "the resource changed since the given ETag".into(),
            Self::RateLimited { retry_after_secs } => {
                format!("too many requests; retry in {retry_after_secs} s")
            }
            Self::PayloadTooLarge { limit } => {
                format!("the request body is larger than the limit of {limit} bytes")
            }
            Self::RequestTimeout => "the request body did not arrive in time".into(),
            Self::UriTooLong { limit } => {
                format!("the path and query are longer than the limit of {limit} bytes")
            }
            Self::HeadersTooLarge { limit } => {
                format!("the request headers are larger than the limit of {limit} bytes")
            }
            Self::Unavailable(_) => "the database is unavailable; retry shortly".into(),
            Self::StorageUnavailable(_) => "the media store is unavailable; retry shortly".into(),
            Self::UnsupportedMediaType(why) => why.clone(),
            Self::RangeNotSatisfiable { size } => {
                format!("the range asked for lies outside the {size} bytes of the content")
            }
            Self::Internal(_) => "an internal error occurred".into(),
        }
    }

    fn field_errors(&self) -> Option<Vec<FieldError>> {
        match self {
            Self::BadRequest { errors, .. } | Self::Validation(errors) => Some(errors.clone()),
            Self::Conflict {
                field: Some(field),
                detail,
            } => Some(vec![FieldError::new(field.clone(), detail.clone())]),
            Self::UriTooLong { limit } => Some(vec![FieldError::new(
                "url",
                format!("must be at most {limit} bytes"),
            )]),
            Self::HeadersTooLarge { limit } => Some(vec![FieldError::new(
                "headers",
                format!("must be at most {limit} bytes together"),
            )]),
            _ => None,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let code = self.code();
        Problem {
            type_: format!("urn:newsdesk:problem:{}", code.as_str()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.detail(),
            code,
            errors: self.field_errors(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Unavailable(_) | Self::StorageUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            Self::StorageUnavailable(cause) => tracing::warn!(%cause, "media store unavailable"),
            Self::Internal(cause) => tracing::error!(%cause, "internal error"),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"))
            .insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            Self::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::RateLimited { retry_after_secs } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::Unavailable(_) | Self::StorageUnavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::RangeNotSatisfiable { size } => {
                res.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
            }
            // The rest of the body may still be on its way: the connection cannot be reused.
            Self::RequestTimeout => {
                res.force_close();
            }
            _ => {}
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        res.body(body)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A missing row as a 404 that names what was asked for: "article `abc` was not found".
pub trait OrNotFound<T> {
    fn or_not_found(self, what: &str, key: impl std::fmt::Display) -> Result<T, ApiError>;
}

impl<T> OrNotFound<T> for Option<T> {
    fn or_not_found(self, what: &str, key: impl std::fmt::Display) -> Result<T, ApiError> {
        self.ok_or_else(|| ApiError::NotFound(format!("{what} `{key}`")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn problem_has_code_and_status() {
        let p = ApiError::invalid("name", "is required").problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.code, ErrorCode::ValidationFailed);
        assert_eq!(p.errors.unwrap()[0].field, "name");
    }
}

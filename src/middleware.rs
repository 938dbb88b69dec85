//! Request ids, one log line per request, and problem+json for stray error responses.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError};

use crate::error::ApiError;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, available to handlers through extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn acceptable(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.path().to_owned();

    let res = next.call(req).await?;
    let mut res = as_problem(res.map_into_boxed_body());
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "<unmatched>".into());
    let status = res.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %route, %path, status, latency_ms, request_id = %id, "request");
    } else {
        tracing::info!(%method, %route, %path, status, latency_ms, request_id = %id, "request");
    }
    Ok(res)
}

/// Errors produced outside our handlers (actix internals, the docs service) become problem+json.
fn as_problem(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/problem+json"));
    if is_problem {
        return res;
    }
    let err = match status.as_u16() {
        400 | 415 => ApiError::BadRequest {
            detail: "the request is malformed".into(),
            errors: vec![],
        },
        401 => ApiError::Unauthorized("authentication is required".into()),
        403 => ApiError::Forbidden("forbidden".into()),
        404 => ApiError::NotFound("the resource".into()),
        405 => ApiError::MethodNotAllowed,
        409 => ApiError::conflict("conflict"),
        412 => ApiError::PreconditionFailed,
        413 => ApiError::PayloadTooLarge { limit: 0 },
        429 => ApiError::RateLimited {
            retry_after_secs: 1,
        },
        503 => ApiError::Unavailable("unavailable".into()),
        500 => ApiError::Internal("internal error".into()),
        _ => return res,
    };
    let (req, old) = res.into_parts();
    let mut new = err.error_response();
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(req, new)
}

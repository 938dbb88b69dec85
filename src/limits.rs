//! Request limits checked before routing: the length of the path and query (`MAX_URL_BYTES`,
//! 414), the size of the headers (`MAX_HEADER_BYTES`, 431) and NUL bytes in the path (400), all
//! answered as problem+json.
//!
//! Body size is checked by the JSON extractor (413). Heads beyond what the HTTP server itself
//! accepts (128 KiB, or more than 96 header fields) never reach this layer: actix-http answers
//! those with a bare 431 and closes the connection.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};

use crate::error::ApiError;
use crate::state::AppState;

/// Bytes of the request target as sent: path and query.
pub fn url_bytes(req: &ServiceRequest) -> usize {
    req.uri()
        .path_and_query()
        .map_or_else(|| req.path().len(), |pq| pq.as_str().len())
}

/// Bytes of the header fields as sent (`name: value` and the line break).
pub fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

/// The limit this request breaks, if any.
pub fn check(req: &ServiceRequest, max_url: usize, max_headers: usize) -> Option<ApiError> {
    if url_bytes(req) > max_url {
        return Some(ApiError::UriTooLong { limit: max_url });
    }
    // No path key can hold a NUL (PostgreSQL text cannot); the query is checked per parameter.
    if req.uri().path().contains("%00") {
        return Some(ApiError::bad_request(
            "path",
            "must not contain NUL characters (%00)",
        ));
    }
    if header_bytes(req.headers()) > max_headers {
        return Some(ApiError::HeadersTooLarge { limit: max_headers });
    }
    None
}

pub async fn enforce<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let limits = req
        .app_data::<web::Data<AppState>>()
        .map(|s| (s.config.max_url_bytes, s.config.max_header_bytes));
    if let Some((max_url, max_headers)) = limits
        && let Some(err) = check(&req, max_url, max_headers)
    {
        tracing::info!(
            url_bytes = url_bytes(&req),
            header_bytes = header_bytes(req.headers()),
            "request refused before routing"
        );
        let res = err.error_response().map_into_right_body();
        return Ok(req.into_response(res));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

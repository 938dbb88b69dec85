//! Turns what actix answers by itself into problem+json: bad query and path
//! parameters, oversized payloads, unknown routes (404) and wrong methods (405).

use actix_web::error::{PathError, PayloadError, QueryPayloadError};
use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use utoipa::openapi::OpenApi;

use crate::error::{ApiError, FieldError};

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = err.to_string();
    let detail = message
        .strip_prefix("Query deserialize error: ")
        .unwrap_or(&message)
        .to_owned();
    let field = detail
        .split('`')
        .nth(1)
        .filter(|_| detail.contains("field"))
        .unwrap_or("query")
        .to_owned();
    ApiError::BadRequest {
        detail: format!("invalid query string: {detail}"),
        errors: vec![FieldError::new(field, detail)],
    }
    .into()
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest {
        detail: format!("invalid path parameter: {err}"),
        errors: vec![FieldError::new("path", err.to_string())],
    }
    .into()
}

pub fn payload_error(err: &actix_web::Error, limit: usize) -> ApiError {
    match err.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => ApiError::PayloadTooLarge { limit },
        Some(PayloadError::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
            ApiError::RequestTimeout
        }
        _ => ApiError::BadRequest {
            detail: format!("cannot read the request body: {err}"),
            errors: vec![FieldError::new("body", "could not be read")],
        },
    }
}

/// Path templates of the API with their methods, to tell 404 from 405.
pub struct RouteTable(Vec<(Vec<String>, Vec<Method>)>);

impl RouteTable {
    pub fn from_openapi(api: &OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let mut methods = Vec::new();
                let ops = [
                    (Method::GET, item.get.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                ];
                for (m, present) in ops {
                    if present {
                        methods.push(m);
                    }
                }
                (segments, methods)
            })
            .collect();
        Self(routes)
    }

    fn allowed(&self, path: &str) -> Option<&[Method]> {
        let wanted: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(tpl, _)| {
                tpl.len() == wanted.len()
                    && tpl.iter().zip(&wanted).all(|(t, w)| {
                        (t.starts_with('{') && t.ends_with('}') && !w.is_empty()) || t == w
                    })
            })
            .map(|(_, m)| m.as_slice())
    }
}

/// The default service: 405 with `Allow` when the path exists for other methods, else 404.
pub async fn fallback(req: HttpRequest, routes: web::Data<RouteTable>) -> HttpResponse {
    match routes.allowed(req.path()) {
        Some(methods) if !methods.is_empty() => {
            let allow = methods
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let mut res = ApiError::MethodNotAllowed.error_response();
            if let Ok(v) = header::HeaderValue::from_str(&allow) {
                res.headers_mut().insert(header::ALLOW, v);
            }
            res
        }
        _ => ApiError::NotFound(format!("`{}`", req.path())).error_response(),
    }
}

//! `ApiJson<T>`: a JSON body extractor whose errors say which field is wrong.
//!
//! Syntax errors and a wrong content type are 400; a well-formed body with a missing
//! field or a value of the wrong type is 422 with the field's path.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};
use crate::state::AppState;

pub struct ApiJson<T, const LARGE: bool = false>(pub T);

/// A JSON body under the larger article limit (`MAX_ARTICLE_REQUEST_BYTES`).
pub type LargeJson<T> = ApiJson<T, true>;

fn is_json(req: &HttpRequest) -> bool {
    let Some(ct) = req.headers().get(actix_web::http::header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(ct) = ct.to_str() else { return false };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_data() {
                let message = strip_position(&inner.to_string());
                let field = missing_field(&message)
                    .map(|f| {
                        if path == "." {
                            f.to_owned()
                        } else {
                            format!("{path}.{f}")
                        }
                    })
                    .unwrap_or_else(|| if path == "." { "body".into() } else { path });
                Err(ApiError::Validation(vec![FieldError::new(field, message)]))
            } else {
                Err(ApiError::BadRequest {
                    detail: format!("the body is not valid JSON: {}", inner),
                    errors: vec![FieldError::new("body", "is not valid JSON")],
                })
            }
        }
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// The field named by serde's "missing field `x`" message (the error path stops at its parent;
/// for an unknown field the path already names it).
fn missing_field(msg: &str) -> Option<&str> {
    msg.strip_prefix("missing field `")?.split('`').next()
}

impl<T: DeserializeOwned + 'static, const LARGE: bool> FromRequest for ApiJson<T, LARGE> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| {
                if LARGE {
                    s.config.max_article_request_bytes
                } else {
                    s.config.max_body_bytes
                }
            })
            .unwrap_or(1024 * 1024);
        let bytes = web::Bytes::from_request(req, payload);
        let declared = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        Box::pin(async move {
            if declared.is_some_and(|len| len > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            if !json {
                return Err(ApiError::BadRequest {
                    detail: "the body must be JSON with `Content-Type: application/json`".into(),
                    errors: vec![FieldError::new("content-type", "must be application/json")],
                });
            }
            let bytes = bytes
                .await
                .map_err(|e| crate::api::errors::payload_error(&e, limit))?;
            if bytes.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            parse(&bytes).map(ApiJson)
        })
    }
}

/// For PATCH bodies: absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        position: Option<i32>,
    }

    #[test]
    fn errors_name_fields() {
        match parse::<Body>(br#"{"position": 1}"#) {
            Err(ApiError::Validation(e)) => assert_eq!(e[0].field, "name"),
            other => panic!("{other:?}"),
        }
        match parse::<Body>(br#"{"name": "x", "position": "a"}"#) {
            Err(ApiError::Validation(e)) => assert_eq!(e[0].field, "position"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse::<Body>(b"{nope"),
            Err(ApiError::BadRequest { .. })
        ));
    }
}

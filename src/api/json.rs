//! `ApiJson<T>`: a JSON body extractor whose errors say which field is wrong.
//!
//! Syntax errors and a wrong content type are 400; a well-formed body with a missing
//! field or a value of the wrong type is 422 with the field's path.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

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
        Ok(_) if has_escaped_nul(bytes) => Err(ApiError::Validation(vec![FieldError::new(
            nul_path(bytes),
            "must not contain NUL characters (\\u0000)",
        )])),
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

/// JSON carries a NUL only as the escape `\u0000`, and PostgreSQL text cannot hold one: such
/// strings are refused here rather than failing in the database.
fn has_escaped_nul(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1..i + 6) == Some(b"u0000".as_slice()) {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// Where the first string with a NUL is (`tags[1]`, `[0].note`), for the field error.
fn nul_path(bytes: &[u8]) -> String {
    fn find(v: &serde_json::Value, path: String) -> Option<String> {
        use serde_json::Value;
        let join = |key: &str| {
            if path.is_empty() {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            }
        };
        match v {
            Value::String(s) if s.contains('\0') => Some(path),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| find(item, format!("{path}[{i}]"))),
            Value::Object(map) => map.iter().find_map(|(k, item)| {
                if k.contains('\0') {
                    Some(join(k))
                } else {
                    find(item, join(k))
                }
            }),
            _ => None,
        }
    }
    serde_json::from_slice(bytes)
        .ok()
        .and_then(|v| find(&v, String::new()))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "body".into())
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
                .map_err(|e| crate::api::rejections::payload_error(&e, limit))?;
            if bytes.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            parse(&bytes).map(ApiJson)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde::Deserialize;

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

    #[test]
    fn nul_characters_are_refused_with_their_field() {
        match parse::<Body>(br#"{"name": "a\u0000b"}"#) {
            Err(ApiError::Validation(e)) => assert_eq!(e[0].field, "name"),
            other => panic!("{other:?}"),
        }
        match parse::<Vec<Body>>(br#"[{"name": "ok"}, {"name": "\u0000"}]"#) {
            Err(ApiError::Validation(e)) => assert_eq!(e[0].field, "[1].name"),
            other => panic!("{other:?}"),
        }
        // An escaped backslash followed by `u0000` is text, not a NUL.
        assert!(parse::<Body>(br#"{"name": "\\u0000"}"#).is_ok());
        assert!(has_escaped_nul(br#""\\\u0000""#));
        assert!(!has_escaped_nul(br#""\\\\u0000""#));
    }
}

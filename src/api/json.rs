//! `ApiJson<T>`: a JSON body extractor whose errors say which field is wrong.
//!
//! Syntax errors and a wrong content type are 400; a well-formed body with a missing
//! field or a value of the wrong type is 422 with the field's path.
//!
//! PATCH bodies are partial updates, safe for every kind of generated client:
//! - `Content-Type: application/merge-patch+json` (RFC 7396): a member left out is unchanged,
//!   `null` clears it;
//! - `Content-Type: application/json`: a member left out *or `null`* is unchanged (clients
//!   that send every unset field as `null`, as Kotlin's do, change only what they set);
//! - with either, `clear: ["field", "footer.phone"]` clears fields by name (clients that
//!   never send `null`, as Swift's, clear this way). A field both set and cleared is a 422.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};
use crate::state::AppState;

pub struct ApiJson<T, const LARGE: bool = false>(pub T);

/// A JSON body under the larger article limit (`MAX_ARTICLE_REQUEST_BYTES`).
pub type LargeJson<T> = ApiJson<T, true>;

/// The media type of JSON Merge Patch (RFC 7396).
pub const MERGE_PATCH: &str = "application/merge-patch+json";

/// The content type without its parameters, lowercased (empty when absent or not text).
fn essence(req: &HttpRequest) -> String {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|ct| ct.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json(req: &HttpRequest) -> bool {
    let essence = essence(req);
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A PATCH body as a merge patch: without merge-patch semantics `null` members are dropped
/// (left unchanged); then each name in `clear` becomes a `null` member (dotted names reach into
/// objects). `clear` itself stays for the body type to check its names.
fn partial_update(
    mut value: serde_json::Value,
    merge_patch: bool,
) -> Result<serde_json::Value, ApiError> {
    use serde_json::Value;
    fn drop_nulls(v: &mut Value) {
        if let Value::Object(map) = v {
            map.retain(|_, m| !m.is_null());
            map.values_mut().for_each(drop_nulls);
        }
    }
    if !merge_patch {
        drop_nulls(&mut value);
    }
    let names: Vec<String> = match value.get("clear") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => return Ok(value),
    };
    let mut errors = Vec::new();
    for name in names {
        let mut at = &mut value;
        let parts: Vec<&str> = name.split('.').collect();
        let Some((last, parents)) = parts.split_last() else {
            continue;
        };
        for part in parents {
            let Value::Object(map) = at else { break };
            at = map
                .entry((*part).to_owned())
                .or_insert_with(|| Value::Object(Default::default()));
        }
        if let Value::Object(map) = at {
            match map.get(*last) {
                Some(set) if !set.is_null() => errors.push(FieldError::new(
                    name.clone(),
                    "is both set and cleared (in `clear`): send one or the other",
                )),
                _ => {
                    map.insert((*last).to_owned(), Value::Null);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(ApiError::Validation(errors))
    }
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
        let patch = req.method() == actix_web::http::Method::PATCH;
        let merge_patch = essence(req) == MERGE_PATCH;
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
            if patch {
                // (What is not a JSON value, e.g. nested past serde_json's depth limit, gets
                // the error the body type gives it.)
                let Ok(value) = parse::<serde_json::Value>(&bytes) else {
                    return parse(&bytes).map(ApiJson);
                };
                let merged = partial_update(value, merge_patch)?;
                let text = serde_json::to_vec(&merged).unwrap_or_default();
                return parse(&text).map(ApiJson);
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

    #[test]
    fn partial_updates_follow_the_content_type_and_clear() {
        use serde_json::json;
        let body = json!({ "title": "t", "kicker": null, "footer": { "phone": null, "qq": "1" } });
        // application/json: nulls are "not sent", in nested objects too.
        assert_eq!(
            partial_update(body.clone(), false).unwrap(),
            json!({ "title": "t", "footer": { "qq": "1" } })
        );
        // merge-patch: nulls clear.
        assert_eq!(partial_update(body, true).unwrap()["kicker"], json!(null));
        // `clear` names fields, dotted into objects, and stays for the type to check.
        let cleared = partial_update(
            json!({ "kicker": null, "clear": ["kicker", "footer.phone"] }),
            false,
        )
        .unwrap();
        assert_eq!(
            cleared,
            json!({ "kicker": null, "footer": { "phone": null }, "clear": ["kicker", "footer.phone"] })
        );
        // Set and cleared at once: refused, naming the field.
        match partial_update(json!({ "kicker": "k", "clear": ["kicker"] }), false) {
            Err(ApiError::Validation(e)) => assert_eq!(e[0].field, "kicker"),
            other => panic!("{other:?}"),
        }
    }
}

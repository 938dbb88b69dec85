//! Response helpers: HTTP caching (ETag, Cache-Control, 304), list envelopes and Link headers.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::pagination::Paged;

/// Pagination facts of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListMeta {
    /// Current page (page mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<i64>,
    /// Items per page.
    pub per_page: i64,
    /// Items in the whole list (page mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// Pages in the whole list (page mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<i64>,
    /// `gte` when `total` is a lower bound: search results are counted up to `SEARCH_COUNT_CAP`
    /// (10,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_relation: Option<TotalRelation>,
    /// Opaque cursor of the next page, `null` at the end. Pass it as `cursor`.
    pub next_cursor: Option<String>,
    /// Opaque cursor of the previous page (cursor mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_cursor: Option<String>,
}

crate::text_enum! {
    /// How `total` relates to the true count: `gte`, a lower bound.
    TotalRelation { Gte => "gte" }
}

/// The envelope of every list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T: ToSchema> {
    pub data: Vec<T>,
    pub meta: ListMeta,
}

/// Who reads: anonymous reads are publicly cacheable, staff reads never are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public { max_age: u32 },
    Staff,
}

impl Audience {
    pub fn of(user: &crate::auth::MaybeAuthUser, max_age: u32) -> Self {
        if user.is_staff() {
            Self::Staff
        } else {
            Self::Public { max_age }
        }
    }
}

fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

fn matches_if_none_match(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| crate::cache::serve::etag_matches(v, etag))
}

/// A JSON response with validators and cache headers; 304 when `If-None-Match` matches.
pub fn cached_json<T: Serialize>(
    req: &HttpRequest,
    audience: Audience,
    status: StatusCode,
    value: &T,
) -> HttpResponse {
    cached_json_with(req, audience, status, value, Vec::new())
}

pub fn cached_json_with<T: Serialize>(
    req: &HttpRequest,
    audience: Audience,
    status: StatusCode,
    value: &T,
    extra: Vec<(header::HeaderName, String)>,
) -> HttpResponse {
    let body = match serde_json::to_vec(value) {
        Ok(b) => b,
        Err(e) => {
            return actix_web::ResponseError::error_response(&crate::error::ApiError::internal(e));
        }
    };
    let etag = etag_of(&body);
    let cache_control = match audience {
        Audience::Public { max_age } => format!("public, max-age={max_age}"),
        Audience::Staff => "private, no-store".to_owned(),
    };
    let not_modified = status == StatusCode::OK && matches_if_none_match(req, &etag);
    let mut res = HttpResponse::build(if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        status
    });
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, "Authorization, Accept-Encoding"));
    for (name, value) in extra {
        res.insert_header((name, value));
    }
    if not_modified {
        res.finish()
    } else {
        res.content_type("application/json").body(body)
    }
}

/// Writes to staff: never cached.
pub fn staff_json<T: Serialize>(status: StatusCode, value: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(value)
}

/// 201 with `Location`.
pub fn created<T: Serialize>(location: String, value: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(value)
}

pub fn no_content() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .finish()
}

fn link_to(req: &HttpRequest, set: &[(&str, String)]) -> String {
    let replaced: Vec<&str> = ["page", "cursor"]
        .into_iter()
        .chain(set.iter().map(|(k, _)| *k))
        .collect();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if !replaced.contains(&k.as_ref()) {
            query.append_pair(&k, &v);
        }
    }
    for (k, v) in set {
        query.append_pair(k, v);
    }
    format!("{}?{}", req.path(), query.finish())
}

/// A list envelope with `meta`, RFC 8288 `Link` headers and cache headers.
pub fn list<T: Serialize + ToSchema, K: Serialize + DeserializeOwned>(
    req: &HttpRequest,
    audience: Audience,
    paged: Paged<T, K>,
) -> HttpResponse {
    let mut links = Vec::new();
    let next_cursor = paged.next.as_ref().map(|c| c.encode());
    let prev_cursor = paged.prev.as_ref().map(|c| c.encode());
    let total_pages = paged.total_pages();
    match paged.page {
        Some(page) => {
            let last = total_pages.unwrap_or(1).max(1);
            if page < last {
                links.push(format!(
                    "<{}>; rel=\"next\"",
                    link_to(req, &[("page", (page + 1).to_string())])
                ));
            }
            if page > 1 {
                let prev = (page - 1).min(last);
                links.push(format!(
                    "<{}>; rel=\"prev\"",
                    link_to(req, &[("page", prev.to_string())])
                ));
            }
            links.push(format!(
                "<{}>; rel=\"first\"",
                link_to(req, &[("page", "1".into())])
            ));
            links.push(format!(
                "<{}>; rel=\"last\"",
                link_to(req, &[("page", last.to_string())])
            ));
        }
        None => {
            if let Some(c) = &next_cursor {
                links.push(format!(
                    "<{}>; rel=\"next\"",
                    link_to(req, &[("cursor", c.clone())])
                ));
            }
            if let Some(c) = &prev_cursor {
                links.push(format!(
                    "<{}>; rel=\"prev\"",
                    link_to(req, &[("cursor", c.clone())])
                ));
            }
        }
    }
    let body = ListResponse {
        meta: ListMeta {
            page: paged.page,
            per_page: paged.per_page,
            total: paged.total,
            total_pages,
            total_relation: paged.total_is_lower_bound.then_some(TotalRelation::Gte),
            next_cursor,
            prev_cursor: if paged.page.is_none() {
                prev_cursor
            } else {
                None
            },
        },
        data: paged.rows,
    };
    let extra = if links.is_empty() {
        Vec::new()
    } else {
        vec![(header::LINK, links.join(", "))]
    };
    cached_json_with(req, audience, StatusCode::OK, &body, extra)
}

/// The `If-Match` header as sent (a value that is not text never matches any version).
pub fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("\u{0}").to_owned())
}

//! The response cache as middleware: anonymous (and content-API-key) GETs of the public API are
//! answered from memory when a fresh entry exists, computed once when several miss together,
//! and stored when the handler marked them `public` and recorded what they depend on. Staff
//! requests (with `Authorization`) are never served from or stored into it. When the database
//! fails a request whose answer was cached before, the cached answer is sent, marked stale.
//!
//! Every response it handles says what happened in `Cache-Status` (RFC 9211).

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};

use super::deps;
use super::encode::Coding;
use super::responses::{Entry, Flight, Lookup, Parts, ResponseCache};
use super::surrogate;

pub const CACHE_STATUS: HeaderName = HeaderName::from_static("cache-status");

/// Paths under the API that only staff read (never cached, not worth a lookup).
const STAFF_PREFIXES: &[&str] = &[
    "/api/v1/auth",
    "/api/v1/users",
    "/api/v1/audit",
    "/api/v1/api-keys",
    "/api/v1/webhooks",
    "/api/v1/openapi.json",
];

/// Longest query string a key is made of (longer requests are computed every time).
const MAX_QUERY: usize = 2048;
/// How long a request waits for another one computing the same answer.
const FOLLOW_WAIT: Duration = Duration::from_secs(10);
/// After the database failed a request, how long stale answers are sent without trying it.
const DOWN_FOR: Duration = Duration::from_secs(2);

/// How the answer came about, as `Cache-Status` says it.
#[derive(Debug, Clone, Copy)]
enum How {
    Hit,
    Collapsed,
    Miss {
        stale: bool,
        stored: bool,
    },
    /// The database failed (with this status) and the stale copy was sent.
    StaleOnError(StatusCode),
    /// The database is known to be down: the stale copy was sent without trying it.
    StaleDown,
}

impl How {
    fn header(self) -> String {
        match self {
            Self::Hit => "newsdesk; hit".into(),
            Self::Collapsed => "newsdesk; hit; collapsed".into(),
            Self::Miss { stale, stored } => format!(
                "newsdesk; fwd={}{}",
                if stale { "stale" } else { "uri-miss" },
                if stored { "; stored" } else { "" }
            ),
            Self::StaleOnError(status) => format!(
                "newsdesk; fwd=stale; fwd-status={}; detail=stale-if-error",
                status.as_u16()
            ),
            Self::StaleDown => "newsdesk; hit; detail=stale-if-error".into(),
        }
    }
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison, `*` matches anything).
pub fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/").trim_matches('"');
    if_none_match.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.trim_start_matches("W/").trim_matches('"') == bare
    })
}

fn is_api_get(req: &ServiceRequest) -> bool {
    req.method() == Method::GET && req.path().starts_with("/api/v1/")
}

/// A request presenting a newer position (`Newsdesk-Lsn`) than this instance's caches cover.
fn newer_than_cached(req: &ServiceRequest) -> bool {
    let Some(route) = crate::replication::route::current() else {
        return false;
    };
    route.requested > crate::replication::Lsn::ZERO
        && req
            .app_data::<web::Data<crate::replication::Replicas>>()
            .is_some_and(|r| !r.cache_covers(route.requested))
}

fn cacheable(req: &ServiceRequest) -> bool {
    is_api_get(req)
        && !newer_than_cached(req)
        && !req.headers().contains_key(header::AUTHORIZATION)
        && req.query_string().len() <= MAX_QUERY
        && !STAFF_PREFIXES.iter().any(|p| req.path().starts_with(p))
}

/// The normalized request: the path and the query's pairs in order.
fn key_of(req: &ServiceRequest) -> Arc<str> {
    let query = req.query_string();
    if query.is_empty() {
        return Arc::from(req.path());
    }
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    let mut out = url::form_urlencoded::Serializer::new(format!("{}?", req.path()));
    out.extend_pairs(pairs);
    Arc::from(out.finish())
}

pub async fn serve(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let cache = match req.app_data::<web::Data<ResponseCache>>() {
        Some(c) if c.enabled() => c.clone().into_inner(),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    if !cacheable(&req) {
        let bypassed = is_api_get(&req);
        let mut res = next.call(req).await?.map_into_boxed_body();
        if bypassed {
            cache.stats.bypassed.fetch_add(1, relaxed());
            res.headers_mut().insert(
                CACHE_STATUS,
                HeaderValue::from_static("newsdesk; fwd=bypass"),
            );
        }
        return Ok(res);
    }
    let key = key_of(&req);
    let coding = Coding::negotiate(req.headers());
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let inm = if_none_match.as_deref();
    let stale = match cache.lookup(&key) {
        Lookup::Fresh(e) => {
            cache.stats.hits.fetch_add(1, relaxed());
            routed(&mut req, &e);
            return Ok(answer(
                &cache,
                req.request().clone(),
                &e,
                coding,
                inm,
                How::Hit,
            ));
        }
        Lookup::Stale(e) => Some(e),
        Lookup::Miss => None,
    };
    if let Some(e) = &stale
        && cache.db_known_down()
    {
        cache.stats.stale_served.fetch_add(1, relaxed());
        routed(&mut req, e);
        let how = How::StaleDown;
        return Ok(answer(&cache, req.request().clone(), e, coding, inm, how));
    }
    let _leader = match cache.flight(&key) {
        Flight::Leader(guard) => Some(guard),
        Flight::Follower(mut done) => {
            let _ = tokio::time::timeout(FOLLOW_WAIT, done.wait_for(|d| *d)).await;
            if let Lookup::Fresh(e) = cache.lookup(&key) {
                cache.stats.collapsed.fetch_add(1, relaxed());
                routed(&mut req, &e);
                let how = How::Collapsed;
                return Ok(answer(&cache, req.request().clone(), &e, coding, inm, how));
            }
            None
        }
    };
    cache.stats.misses.fetch_add(1, relaxed());
    let ticket = cache.ticket();
    // The handler answers in full and uncompressed: the entry keeps the body once and makes
    // the compressed copies itself.
    let headers = req.headers_mut();
    headers.remove(header::ACCEPT_ENCODING);
    headers.remove(header::IF_NONE_MATCH);
    headers.remove(header::IF_MODIFIED_SINCE);
    let (res, recorded) = deps::recording(next.call(req)).await;
    let res = res?.map_into_boxed_body();
    let status = res.status();
    if matches!(
        status,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
    ) {
        if let Some(e) = stale {
            cache.note_db_down(DOWN_FOR);
            cache.stats.stale_served.fetch_add(1, relaxed());
            let how = How::StaleOnError(status);
            return Ok(answer(&cache, res.request().clone(), &e, coding, inm, how));
        }
        return Ok(res);
    }
    if status != StatusCode::OK {
        return Ok(res);
    }
    let public = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("public"));
    let (http_req, res) = res.into_parts();
    let params = http_req
        .match_info()
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let (head, body) = res.into_parts();
    let body = match actix_web::body::to_bytes(body).await {
        Ok(b) => b,
        Err(e) => return Err(actix_web::error::ErrorInternalServerError(e.to_string())),
    };
    let mut headers = Vec::with_capacity(head.headers().len() + 1);
    let mut etag = None;
    for (name, value) in head.headers() {
        if matches!(
            *name,
            header::CONTENT_LENGTH
                | header::CONTENT_ENCODING
                | header::DATE
                | header::TRANSFER_ENCODING
                | header::CONNECTION
        ) {
            continue;
        }
        if *name == header::ETAG {
            etag = value.to_str().ok().map(str::to_owned);
        }
        if public && *name == header::CACHE_CONTROL {
            let with = format!(
                "{}, stale-if-error={}",
                value.to_str().unwrap_or("public"),
                cache.max_stale.as_secs()
            );
            if let Ok(v) = HeaderValue::from_str(&with) {
                headers.push((name.clone(), v));
                continue;
            }
        }
        headers.push((name.clone(), value.clone()));
    }
    let recorded = if public {
        recorded
    } else {
        deps::Deps::default()
    };
    if let Some(edge) = &cache.edge
        && !recorded.set.is_empty()
    {
        let keys = surrogate::header_value(&recorded.set, edge.max_key_bytes);
        if let Ok(v) = HeaderValue::from_str(&keys) {
            headers.extend(edge.headers.iter().map(|n| (n.clone(), v.clone())));
        }
    }
    let parts = Parts {
        status,
        headers,
        etag,
        body,
        params,
    };
    let (entry, stored) = cache.store(key, ticket, parts, recorded);
    let how = How::Miss {
        stale: stale.is_some(),
        stored,
    };
    Ok(answer(&cache, http_req, &entry, coding, inm, how))
}

/// How long an edge cache may keep this answer: the edge lifetime, shortened to what keeps it
/// fresh by itself (a scheduled publish, view counts); nothing for what this cache would not
/// store (computed while a write touching it committed) or serves only because the database
/// failed.
fn edge_lifetime(edge: &surrogate::Tagging, entry: &Entry, how: &How) -> String {
    let keep = match how {
        How::Hit | How::Collapsed | How::Miss { stored: true, .. } => entry
            .fresh_for()
            .map_or(edge.ttl, |f| f.min(edge.ttl))
            .as_secs(),
        How::Miss { stored: false, .. } | How::StaleOnError(_) | How::StaleDown => 0,
    };
    if keep == 0 {
        "no-store".into()
    } else {
        format!("max-age={keep}")
    }
}

/// A hit is answered before routing: its route's path parameters are set as routing would
/// have (the metrics label requests by route).
fn routed(req: &mut ServiceRequest, entry: &Entry) {
    if req.match_info().is_empty() {
        for (name, value) in &entry.params {
            req.match_info_mut().add_static(name.clone(), value.clone());
        }
    }
}

fn relaxed() -> std::sync::atomic::Ordering {
    std::sync::atomic::Ordering::Relaxed
}

/// The response for `entry`: 304 when `If-None-Match` matches its `ETag`, else its body in
/// the accepted coding.
fn answer(
    cache: &ResponseCache,
    req: HttpRequest,
    entry: &Entry,
    coding: Coding,
    if_none_match: Option<&str>,
    how: How,
) -> ServiceResponse<BoxBody> {
    let not_modified = entry.status == StatusCode::OK
        && match (if_none_match, entry.etag.as_deref()) {
            (Some(inm), Some(etag)) => etag_matches(inm, etag),
            _ => false,
        };
    let mut res = HttpResponse::build(if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        entry.status
    });
    for (name, value) in &entry.headers {
        if not_modified && *name == header::CONTENT_TYPE {
            continue;
        }
        res.append_header((name.clone(), value.clone()));
    }
    if !matches!(how, How::Miss { .. }) {
        res.insert_header((header::AGE, entry.age()));
    }
    if let Some(edge) = &cache.edge
        && edge
            .headers
            .first()
            .is_some_and(|h| entry.headers.iter().any(|(n, _)| n == h))
    {
        res.insert_header((
            surrogate::SURROGATE_CONTROL,
            edge_lifetime(edge, entry, &how),
        ));
    }
    res.insert_header((CACHE_STATUS, how.header()));
    if not_modified {
        cache.stats.not_modified.fetch_add(1, relaxed());
        return ServiceResponse::new(req, res.finish());
    }
    let (body, used) = entry.body_in(coding);
    if used != Coding::Identity {
        res.insert_header((header::CONTENT_ENCODING, used.name()));
    }
    ServiceResponse::new(req, res.body(body))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn keys_sort_the_query() {
        let a = TestRequest::get()
            .uri("/api/v1/articles?per_page=5&category=3&x=%E6%96%B0")
            .to_srv_request();
        let b = TestRequest::get()
            .uri("/api/v1/articles?category=3&x=%e6%96%b0&per_page=5")
            .to_srv_request();
        assert_eq!(key_of(&a), key_of(&b));
        let c = TestRequest::get().uri("/api/v1/home").to_srv_request();
        assert_eq!(&*key_of(&c), "/api/v1/home");
    }

    #[test]
    fn etags() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("W/\"abc\", \"x\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
    }

    #[test]
    fn who_is_cached() {
        let staff = TestRequest::get()
            .uri("/api/v1/articles")
            .insert_header((header::AUTHORIZATION, "Bearer x"))
            .to_srv_request();
        assert!(!cacheable(&staff));
        let keyed = TestRequest::get()
            .uri("/api/v1/articles")
            .insert_header(("x-api-key", "k"))
            .to_srv_request();
        assert!(cacheable(&keyed));
        assert!(!cacheable(
            &TestRequest::get().uri("/api/v1/users").to_srv_request()
        ));
        assert!(!cacheable(
            &TestRequest::post().uri("/api/v1/articles").to_srv_request()
        ));
        assert!(!cacheable(
            &TestRequest::get().uri("/livez").to_srv_request()
        ));
    }
}

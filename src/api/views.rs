//! `POST /articles/{key}/views`: the view beacon front ends call once per read.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;

use crate::error::ApiError;
use crate::models::{Key, article};
use crate::state::AppState;
use crate::views::memory::{BeaconArticle, Recall};

/// How long the beacon waits for the database when it could fall back on what it knew.
const STALE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Asks the database about an article and remembers the answer.
async fn look_up(state: &AppState, raw: &str) -> Result<Option<BeaconArticle>, ApiError> {
    let mut conn = state.read_conn().await?;
    let found = article::find(&mut conn, &Key::parse(raw))
        .await?
        .map(|a| BeaconArticle::of(&a));
    state.caches.beacon.learn(raw.to_owned(), found.clone());
    Ok(found)
}

/// What is known of an article: from memory while fresh, else from the database, else (the
/// database unreachable) the last thing known.
async fn recall(state: &AppState, raw: &str) -> Result<Option<BeaconArticle>, ApiError> {
    match state.caches.beacon.recall(raw) {
        Recall::Fresh(found) => Ok(found),
        Recall::Unknown => look_up(state, raw).await,
        Recall::Stale(known) => {
            match tokio::time::timeout(STALE_CHECK, look_up(state, raw)).await {
                Ok(Ok(found)) => Ok(found),
                Ok(Err(other)) if !matches!(other, ApiError::Unavailable(_)) => Err(other),
                // Unavailable, or no answer in time: keep using what was known.
                _ => {
                    tracing::debug!("beacon: database unavailable, using what was known");
                    state.caches.beacon.keep(raw.to_owned(), known.clone());
                    Ok(known)
                }
            }
        }
    }
}

/// Longest `X-Visitor-Id` used for dedupe; longer ones are cut.
const MAX_VISITOR_ID: usize = 128;

fn visitor(req: &HttpRequest, proxies: &crate::net::TrustedProxies, user_agent: &str) -> String {
    match req
        .headers()
        .get("x-visitor-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
    {
        Some(id) if !id.is_empty() => {
            format!("v:{}", &id[..id.floor_char_boundary(MAX_VISITOR_ID)])
        }
        _ => {
            // The client address (behind a trusted proxy, from `X-Forwarded-For`).
            let ip = proxies.of_request(req);
            format!("a:{ip}|{user_agent}")
        }
    }
}

/// Count one read of an article. Call it once per page view, after the article is shown, e.g.
/// `navigator.sendBeacon('/api/v1/articles/123/views')`; no token, empty body. Send a stable
/// `X-Visitor-Id` (a random id kept by the app) so repeated reads within the dedupe window
/// (30 minutes by default) count once; without it the address and User-Agent are used.
/// Known crawlers are ignored (still 204). Counts reach the database within a few seconds.
/// While the database is unreachable, views of articles the server knew to be visible are
/// still accepted (204) and stored once it is back.
#[utoipa::path(
    operation_id = "create_article_view",
    tag = "rankings",
    security((), ("api_key" = [])),
    params(
        ("key" = String, Path, description = "Article id (all digits) or slug"),
        ("X-Visitor-Id" = Option<String>, Header, description = "A stable anonymous id of the reader, for dedupe"),
    ),
    responses(
        (status = 204, description = "Counted, or deliberately ignored (crawler, repeat)"),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 503, response = crate::error::responses::Unavailable),
    ),
)]
#[post("/articles/{key}/views")]
pub async fn create_article_view(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let raw = key.into_inner();
    let found = recall(&state, &raw).await?;
    let now = Utc::now();
    let Some(target) = found.filter(|a| a.visible_at(now)) else {
        return Err(ApiError::NotFound(format!("article `{raw}`")));
    };
    let ua = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let who = visitor(&req, &state.proxies, ua);
    if !state.views.is_bot(ua)
        && state.views.first_sighting(&who, target.id)
        && !state.views.record(target.id, now)
    {
        // Not counted: let a retry count.
        state.views.forget(&who, target.id);
        return Err(ApiError::Unavailable("the view buffer is full".into()));
    }
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

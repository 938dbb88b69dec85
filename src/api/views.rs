//! `POST /articles/{key}/views`: the view beacon front ends call once per read.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::models::article::{Article, ArticleStatus};
use crate::models::ids::ArticleId;
use crate::models::{Key, article};
use crate::state::AppState;

/// What the beacon remembers of an article for a few seconds.
#[derive(Debug, Clone)]
pub struct BeaconArticle {
    pub id: ArticleId,
    live: bool,
    published_at: Option<DateTime<Utc>>,
    offline_at: Option<DateTime<Utc>>,
}

impl BeaconArticle {
    fn of(a: &Article) -> Self {
        Self {
            id: a.id,
            live: a.status == ArticleStatus::Published && a.deleted_at.is_none(),
            published_at: a.published_at,
            offline_at: a.offline_at,
        }
    }

    fn visible_at(&self, now: DateTime<Utc>) -> bool {
        self.live
            && self.published_at.is_some_and(|p| p <= now)
            && self.offline_at.is_none_or(|o| o > now)
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
#[utoipa::path(
    operation_id = "create_article_view",
    tag = "rankings",
    params(
        ("key" = String, Path, description = "Article id (all digits) or slug"),
        ("X-Visitor-Id" = Option<String>, Header, description = "A stable anonymous id of the reader, for dedupe"),
    ),
    responses(
        (status = 204, description = "Counted, or deliberately ignored (crawler, repeat)"),
        (status = 404, response = crate::api::problems::NotFound),
        (status = 503, response = crate::api::problems::Unavailable),
    ),
)]
#[post("/articles/{key}/views")]
pub async fn create_article_view(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let raw = key.into_inner();
    let cached = state.beacon_articles.get(&raw);
    let found = match cached {
        Some(found) => found,
        None => {
            let mut conn = state.conn().await?;
            let found = article::find(&mut conn, &Key::parse(&raw))
                .await?
                .map(|a| BeaconArticle::of(&a));
            state.beacon_articles.insert(raw.clone(), found.clone());
            found
        }
    };
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

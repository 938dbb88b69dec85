//! `GET /articles/changes`: the change feed for apps that keep an offline copy (delta sync).

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::query::{ApiQuery, count_param};
use crate::content::articles::ArticleSummary;
use crate::content::articles::summaries_of;
use crate::error::ApiError;
use crate::models::ids::ArticleId;
use crate::models::sync;
use crate::state::AppState;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `next` token of the previous response; leave out on the first call (it then
    /// returns every visible article).
    #[param(max_length = 64)]
    pub since: Option<String>,
    /// Changes per response, 1–500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// One page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleChanges {
    /// Articles that became visible or changed since the token: store (or replace) them.
    pub changed: Vec<ArticleSummary>,
    /// Articles that are no longer visible (unpublished, archived, past their `offline_at`,
    /// trashed or deleted): drop them. An id may be listed that the client never had.
    pub removed: Vec<ArticleId>,
    /// Pass as `since` on the next call.
    #[schema(example = "djE6MTIzOjQ1")]
    pub next: String,
    /// More changes are waiting: call again with `next` at once. When false the client is up
    /// to date; call again later with `next`.
    pub has_more: bool,
}

/// A position in the feed: every change up to `(seq, id)` has been handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token {
    seq: i64,
    id: i64,
}

impl Token {
    /// Before everything: the first call.
    const START: Self = Self { seq: -1, id: 0 };

    fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1:{}:{}", self.seq, self.id))
    }

    fn decode(raw: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::bad_request("since", "is not a `next` token of this feed");
        let bytes = URL_SAFE_NO_PAD.decode(raw.as_bytes()).map_err(|_| bad())?;
        let text = std::str::from_utf8(&bytes).map_err(|_| bad())?;
        let mut parts = text.split(':');
        let (Some("v1"), Some(seq), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        if seq < 0 || id < 0 {
            return Err(bad());
        }
        Ok(Self { seq, id })
    }
}

/// Delta sync for apps that keep an offline copy. The first call (no `since`) lists every
/// visible article; each later call with the previous `next` lists what changed since: the
/// summaries of articles that became visible or changed, and the ids of those that stopped
/// being visible, in the order the changes happened. A client that applies every page ends
/// with exactly the visible set. Scheduled publishes and offline times count as changes once
/// their time has come. `view_count` in a summary is as of the response (views alone are not
/// changes). Never cached.
#[utoipa::path(
    operation_id = "list_article_changes",
    tag = "articles",
    params(ChangesQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Changes since the token", body = ArticleChanges,
         headers(("Cache-Control" = String, description = "`no-store`"))),
        crate::error::responses::StaffQuery,
    ),
)]
#[get("/articles/changes")]
pub async fn list_article_changes(
    state: web::Data<AppState>,
    query: ApiQuery<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = count_param("limit", query.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let from = match query.since.as_deref() {
        None | Some("") => Token::START,
        Some(raw) => Token::decode(raw)?,
    };
    // Whatever the clock changed up to now is stamped before reading.
    crate::services::clock::run_due(&state).await?;
    let mut conn = state.conn().await?;
    let tree = state.tree(&mut conn).await?;
    let body = conn
        .transaction::<_, ApiError, _>(async |conn| {
            sync::hold_stamps(conn).await?;
            let mut page = sync::page(conn, (from.seq, from.id), limit + 1).await?;
            let has_more = page.len() > limit as usize;
            page.truncate(limit as usize);
            let next = match page.last() {
                Some(last) if has_more => Token {
                    seq: last.seq,
                    id: last.id.0,
                },
                // Up to date: everything stamped so far has been seen.
                _ => Token {
                    seq: sync::last_stamp(conn).await?.max(from.seq),
                    id: i64::MAX,
                },
            };
            let visible: Vec<ArticleId> = page.iter().filter(|c| c.visible).map(|c| c.id).collect();
            let removed = page.iter().filter(|c| !c.visible).map(|c| c.id).collect();
            let changed = summaries_of(conn, &tree, &visible).await?;
            Ok(ArticleChanges {
                changed,
                removed,
                next: next.encode(),
                has_more,
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_forgeries() {
        let t = Token { seq: 42, id: 7 };
        assert_eq!(Token::decode(&t.encode()).unwrap(), t);
        let max = Token {
            seq: 9,
            id: i64::MAX,
        };
        assert_eq!(Token::decode(&max.encode()).unwrap(), max);
        for bad in ["", "abc", "djE6MTIz", "djI6MTox", "djE6LTE6MA", "djE6MTp4"] {
            assert!(Token::decode(bad).is_err(), "{bad} accepted");
        }
    }
}

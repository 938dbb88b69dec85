//! One article, with everything an article page shows.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;

use serde::Deserialize;
use utoipa::IntoParams;

use super::related::{EMBEDDED, related_ids};
use super::staff_article;
use crate::api::query::ApiQuery;
use crate::api::rankings::{by_id, week_most_read};
use crate::api::respond::{Audience, cached_json_with};
use crate::auth::MaybeAuthUser;
use crate::cache::deps;
use crate::content::articles::{ArticleDetail, render, summaries_of};
use crate::error::{ApiError, OrNotFound};
use crate::models::ids::ArticleId;
use crate::models::{Key, article};
use crate::queries::newest::newest_per_group;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetArticleQuery {
    /// Comma-separated extras for an article screen: `related` (the top 5 相关新闻),
    /// `latest_in_category` (the channel's 5 newest other visible articles) and `most_read`
    /// (the week's 10 most-read), each embedded under its own name.
    #[param(
        pattern = "^((related|latest_in_category|most_read)(,(related|latest_in_category|most_read))*)?$"
    )]
    pub include: Option<String>,
}

/// How many of the channel's newest articles `include=latest_in_category` embeds.
const LATEST_IN_CATEGORY: i64 = 5;
/// How many of the week's most-read `include=most_read` embeds.
const MOST_READ: i64 = 10;

/// What `include` asked for.
#[derive(Debug, Default, PartialEq, Eq)]
struct Includes {
    related: bool,
    latest_in_category: bool,
    most_read: bool,
}

impl Includes {
    fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let mut inc = Self::default();
        for part in raw.unwrap_or("").split(',').filter(|p| !p.is_empty()) {
            match part {
                "related" => inc.related = true,
                "latest_in_category" => inc.latest_in_category = true,
                "most_read" => inc.most_read = true,
                _ => {
                    return Err(ApiError::bad_request(
                        "include",
                        "must list `related`, `latest_in_category` or `most_read`, comma-separated",
                    ));
                }
            }
        }
        Ok(inc)
    }
}

/// An article by id or slug: body, breadcrumb, bylines with affiliations, source, editor, tags,
/// the previous and next article in its channel; with `include=related,latest_in_category,most_read`
/// also its 相关新闻, its channel's newest articles and the week's 点击排行, for an article screen
/// in one request.
///
/// The public sees visible articles only (published, live by `published_at`/`offline_at`, not
/// trashed); staff see every article, with a version `ETag` for `If-Match`.
#[utoipa::path(
    operation_id = "get_article",
    tag = "articles",
    params(("key" = String, Path, description = "Article id (all digits) or slug"), GetArticleQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The article", body = ArticleDetail,
         headers(("ETag" = String), ("Last-Modified" = String, description = "Public responses"))),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/articles/{key}")]
pub async fn get_article(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: ApiQuery<GetArticleQuery>,
) -> Result<HttpResponse, ApiError> {
    let include = Includes::parse(query.include.as_deref())?;
    let key = Key::parse(&key);
    let mut conn = state.conn().await?;
    let now = Utc::now();
    let found = article::find(&mut conn, &key)
        .await?
        .filter(|a| user.is_staff() || a.is_visible_at(now))
        .or_not_found("article", &key)?;
    let updated = found.updated_at;
    let tree = state.tree(&mut conn).await?;
    let related = if include.related {
        Some(related_ids(&mut conn, &state, &found, EMBEDDED).await?)
    } else {
        None
    };
    let latest = if include.latest_in_category {
        let scope = vec![tree.scope(found.category_id, true)];
        deps::placements(&scope[0]);
        let rows = newest_per_group(&mut conn, &scope, LATEST_IN_CATEGORY + 1, now).await?;
        let ids: Vec<ArticleId> = rows
            .into_iter()
            .map(|r| r.id)
            .filter(|&id| id != found.id)
            .take(LATEST_IN_CATEGORY as usize)
            .collect();
        Some(ids)
    } else {
        None
    };
    // Both lists' summaries in one load.
    let mut wanted: Vec<ArticleId> = related
        .iter()
        .chain(latest.iter())
        .flatten()
        .copied()
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let loaded = if wanted.is_empty() {
        HashMap::new()
    } else {
        by_id(summaries_of(&mut conn, &tree, &wanted).await?)
    };
    let shown = |ids: Option<Vec<ArticleId>>| {
        ids.map(|ids| {
            ids.iter()
                .filter_map(|id| loaded.get(id).cloned())
                .collect::<Vec<_>>()
        })
    };
    let (related, latest) = (shown(related), shown(latest));
    let mut detail = render(&mut conn, &tree, found).await?;
    drop(conn);
    detail.related = related;
    detail.latest_in_category = latest;
    if include.most_read {
        detail.most_read = Some(week_most_read(&state, MOST_READ).await?);
    }
    if user.is_staff() {
        return Ok(staff_article(StatusCode::OK, &detail));
    }
    let last_modified = header::HttpDate::from(std::time::SystemTime::from(updated));
    let audience = Audience::Public {
        max_age: state.config.cache_detail_max_age_secs,
    };
    Ok(cached_json_with(
        &req,
        audience,
        StatusCode::OK,
        &detail,
        vec![(header::LAST_MODIFIED, last_modified.to_string())],
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn includes() {
        assert_eq!(Includes::parse(None).unwrap(), Includes::default());
        assert_eq!(Includes::parse(Some("")).unwrap(), Includes::default());
        let all = Includes::parse(Some("related,latest_in_category,most_read")).unwrap();
        assert!(all.related && all.latest_in_category && all.most_read);
        let one = Includes::parse(Some("most_read")).unwrap();
        assert!(!one.related && !one.latest_in_category && one.most_read);
        assert!(Includes::parse(Some("related,bogus")).is_err());
        assert!(Includes::parse(Some("Related")).is_err());
    }
}

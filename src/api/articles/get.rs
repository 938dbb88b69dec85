//! One article, with everything an article page shows.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;

use serde::Deserialize;
use utoipa::IntoParams;

use super::related::{EMBEDDED, related_ids};
use super::staff_article;
use crate::api::blocks::resolve;
use crate::api::query::ApiQuery;
use crate::api::rankings::{by_id, week_most_read};
use crate::api::respond::{Audience, cached_json_with};
use crate::auth::MaybeAuthUser;
use crate::cache::deps;
use crate::content::articles::{ArticleDetail, render, summaries_of};
use crate::content::site::SiteDto;
use crate::error::{ApiError, OrNotFound};
use crate::models::ids::ArticleId;
use crate::models::{Key, article, site};
use crate::queries::newest::newest_per_group;
use crate::state::AppState;

crate::text_enum! {
    /// What an article screen embeds besides the article.
    ArticleInclude {
        Related => "related",
        LatestInCategory => "latest_in_category",
        MostRead => "most_read",
        Blocks => "blocks",
        Site => "site",
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetArticleQuery {
    /// Extras for an article screen, comma-separated: `related` (the top 5 相关新闻),
    /// `latest_in_category` (the channel's 5 newest other visible articles), `most_read` (the
    /// week's 10 most-read), `blocks` (the article screen's page blocks from the site
    /// settings) and `site` (the site settings: header, navigation, footer), each embedded
    /// under its own name.
    #[serde(default, deserialize_with = "crate::api::query::comma_list")]
    #[param(value_type = Option<Vec<ArticleInclude>>, style = Form, explode = false)]
    pub include: Option<Vec<ArticleInclude>>,
}

/// How many of the channel's newest articles `include=latest_in_category` embeds.
const LATEST_IN_CATEGORY: i64 = 5;
/// How many of the week's most-read `include=most_read` embeds.
const MOST_READ: i64 = 10;

impl GetArticleQuery {
    /// Whether `include` asks for `item`.
    fn wants(&self, item: ArticleInclude) -> bool {
        crate::api::query::wants(self.include.as_deref(), item)
    }
}

/// An article by id or slug: body, breadcrumb, bylines with affiliations, source, editor, tags,
/// the previous and next article in its channel; with `include=related,blocks,site` also its
/// 相关新闻, the article screen's configured page blocks (a channel's newest, 影音, 点击排行 …)
/// and the site's header, navigation and footer: a whole article page in one request.
/// `latest_in_category` and `most_read` embed the channel's newest and the week's 点击排行.
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
    let wants = |item| query.wants(item);
    let key = Key::parse(&key);
    let mut conn = state.read_conn().await?;
    let now = Utc::now();
    let found = article::find(&mut conn, &key)
        .await?
        .filter(|a| user.is_staff() || a.is_visible_at(now))
        .or_not_found("article", &key)?;
    let updated = found.updated_at;
    let tree = state.tree(&mut conn).await?;
    let related = if wants(ArticleInclude::Related) {
        Some(related_ids(&mut conn, &state, &found, EMBEDDED).await?)
    } else {
        None
    };
    let latest = if wants(ArticleInclude::LatestInCategory) {
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
    let (with_blocks, with_site) = (wants(ArticleInclude::Blocks), wants(ArticleInclude::Site));
    let extras = if with_blocks || with_site {
        let settings = site::get(&mut conn).await?;
        let blocks = if with_blocks {
            Some(
                resolve(
                    &state,
                    &mut conn,
                    &tree,
                    &settings.blocks.article,
                    Some(&found),
                    now,
                )
                .await?,
            )
        } else {
            None
        };
        let site = with_site.then(|| SiteDto::new(settings, &tree, false));
        (blocks, site)
    } else {
        (None, None)
    };
    let mut detail = render(&mut conn, &tree, found).await?;
    drop(conn);
    detail.related = related;
    detail.latest_in_category = latest;
    let (blocks, site) = extras;
    if let Some(blocks) = blocks {
        deps::record(deps::Dep::Site);
        detail.blocks = Some(blocks.finish(&state).await?);
    }
    detail.site = site;
    if wants(ArticleInclude::MostRead) {
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
        let q = |raw: &str| crate::api::query::parse::<GetArticleQuery>(raw);
        let none = q("").unwrap();
        assert!(!none.wants(ArticleInclude::Related) && !none.wants(ArticleInclude::Site));
        let all = q("include=related,blocks,site").unwrap();
        assert!(
            all.wants(ArticleInclude::Related)
                && all.wants(ArticleInclude::Blocks)
                && all.wants(ArticleInclude::Site)
                && !all.wants(ArticleInclude::MostRead)
        );
        let one = q("include=related,latest_in_category,most_read").unwrap();
        assert!(
            one.wants(ArticleInclude::Related)
                && one.wants(ArticleInclude::LatestInCategory)
                && one.wants(ArticleInclude::MostRead)
                && !one.wants(ArticleInclude::Blocks)
        );
        assert!(q("include=related,bogus").is_err());
        assert!(q("include=Related").is_err());
        assert!(q("include=related,,site").is_err());
    }
}

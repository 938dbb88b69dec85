//! Revisions: every update keeps the previous state; staff can read and restore them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::staff_article;
use crate::api::query::ApiQuery;
use crate::api::respond::{self, Audience, ListResponse, if_match};
use crate::auth::AuthUser;
use crate::content::articles::{ArticleDetail, ArticleFlags, StaffBrief};
use crate::db::pagination::{PageRequest, Paged};
use crate::error::{ApiError, OrNotFound};
use crate::models::article::{ArticleKind, ArticleStatus};
use crate::models::ids::{ArticleId, AuthorId, CategoryId, SourceId, UserId};
use crate::models::revision::{self, Revision};
use crate::models::{Key, article};
use crate::queries::article_detail::user_names;
use crate::services::articles;
use crate::state::AppState;

/// One kept state of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionSummary {
    /// The version the article had in this state.
    pub number: i32,
    pub title: String,
    pub status: ArticleStatus,
    /// When this state was replaced.
    pub created_at: DateTime<Utc>,
    /// Who replaced it.
    pub created_by: Option<StaffBrief>,
}

/// The content of an article as it was.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionContent {
    pub slug: String,
    pub kicker: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub summary: String,
    pub body: String,
    pub cover_image_url: Option<String>,
    pub kind: ArticleKind,
    pub media_url: Option<String>,
    pub category_id: CategoryId,
    pub source_id: Option<SourceId>,
    pub editor_id: Option<UserId>,
    pub author_ids: Vec<AuthorId>,
    pub tags: Vec<String>,
    pub related_ids: Vec<ArticleId>,
    pub flags: ArticleFlags,
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub offline_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionDetail {
    #[serde(flatten)]
    pub revision: RevisionSummary,
    pub article: RevisionContent,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevisionsQuery {
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

async fn summaries(
    conn: &mut diesel_async::AsyncPgConnection,
    revs: Vec<Revision>,
) -> Result<Vec<(RevisionSummary, Revision)>, ApiError> {
    let ids: Vec<UserId> = revs.iter().filter_map(|r| r.created_by).collect();
    let names = user_names(conn, &ids).await?;
    revs.into_iter()
        .map(|r| {
            let snap = r.snapshot().map_err(ApiError::internal)?;
            let summary = RevisionSummary {
                number: r.number,
                title: snap.content.title,
                status: snap.content.status,
                created_at: r.created_at,
                created_by: r
                    .created_by
                    .and_then(|id| names.get(&id))
                    .map(|u| StaffBrief {
                        id: u.id,
                        display_name: u.display_name.clone(),
                    }),
            };
            Ok((summary, r))
        })
        .collect()
}

async fn article_id(
    conn: &mut diesel_async::AsyncPgConnection,
    key: &Key,
) -> Result<crate::models::ids::ArticleId, ApiError> {
    Ok(article::find(conn, key)
        .await?
        .or_not_found("article", key)?
        .id)
}

/// Staff: the kept states of an article, newest first.
#[utoipa::path(
    operation_id = "list_revisions",
    tag = "articles",
    params(("key" = String, Path, description = "Article id (all digits) or slug"), RevisionsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revisions", body = ListResponse<RevisionSummary>),
        crate::error::responses::StaffQuery,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/articles/{key}/revisions")]
pub async fn list_revisions(
    req: HttpRequest,
    _user: AuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: ApiQuery<RevisionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::<i32>::from_params(query.page, query.per_page, None)?;
    let (p, per) = match page {
        PageRequest::Page { page, per_page } => (page, per_page),
        PageRequest::Cursor { per_page, .. } => (1, per_page),
    };
    let mut conn = state.conn().await?;
    let id = article_id(&mut conn, &Key::parse(&key)).await?;
    let all = revision::list(&mut conn, id).await?;
    let total = all.len() as i64;
    let start = ((p - 1) * per).min(total) as usize;
    let window: Vec<Revision> = all.into_iter().skip(start).take(per as usize + 1).collect();
    let rows: Vec<RevisionSummary> = summaries(&mut conn, window)
        .await?
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let paged = Paged::from_rows(rows, &page, Some(total), |r: &RevisionSummary| r.number);
    Ok(respond::list(&req, Audience::Staff, paged))
}

async fn load_revision(
    conn: &mut diesel_async::AsyncPgConnection,
    key: &Key,
    number: i32,
) -> Result<Revision, ApiError> {
    let id = article_id(conn, key).await?;
    revision::find(conn, id, number)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("revision {number} of article `{key}`")))
}

/// Staff: one kept state with its full content.
#[utoipa::path(
    operation_id = "get_revision",
    tag = "articles",
    params(("key" = String, Path, description = "Article id (all digits) or slug"), ("n" = i32, Path, description = "Revision number")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The revision", body = RevisionDetail),
        crate::error::responses::StaffQuery,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/articles/{key}/revisions/{n}")]
pub async fn get_revision(
    _user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (key, n) = path.into_inner();
    let mut conn = state.conn().await?;
    let rev = load_revision(&mut conn, &Key::parse(&key), n).await?;
    let snap = rev.snapshot().map_err(ApiError::internal)?;
    let (summary, _) = summaries(&mut conn, vec![rev])
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("revision vanished"))?;
    let c = snap.content;
    let body = RevisionDetail {
        revision: summary,
        article: RevisionContent {
            flags: ArticleFlags {
                headline: c.is_headline,
                featured: c.is_featured,
                pinned: c.is_pinned,
            },
            slug: c.slug,
            kicker: c.kicker,
            title: c.title,
            subtitle: c.subtitle,
            summary: c.summary,
            body: c.body,
            cover_image_url: c.cover_image_url,
            kind: c.kind,
            media_url: c.media_url,
            category_id: c.category_id,
            source_id: c.source_id,
            editor_id: c.editor_id,
            author_ids: snap.author_ids,
            tags: snap.tags,
            related_ids: snap.related_ids,
            status: c.status,
            published_at: c.published_at,
            offline_at: c.offline_at,
        },
    };
    Ok(respond::staff_json(StatusCode::OK, &body))
}

/// Staff: make a kept state current again (itself an update: the replaced state is kept too).
#[utoipa::path(
    operation_id = "restore_revision",
    tag = "articles",
    params(
        ("key" = String, Path, description = "Article id (all digits) or slug"),
        ("n" = i32, Path, description = "Revision number"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version this change is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Restored", body = ArticleDetail),
        (status = 400, response = crate::error::responses::BadRequest),
        crate::error::responses::StaffAction,
        (status = 409, response = crate::error::responses::Conflict),
        (status = 412, description = "The article changed since the given ETag", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 422, response = crate::error::responses::Unprocessable),
    ),
)]
#[post("/articles/{key}/revisions/{n}/restore")]
pub async fn restore_revision(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (key, n) = path.into_inner();
    let key = Key::parse(&key);
    let if_match = if_match(&req);
    let detail =
        articles::restore_revision(&state, user.actor(), &key, n, if_match.as_deref()).await?;
    Ok(staff_article(StatusCode::OK, &detail))
}

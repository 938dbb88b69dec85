//! The trash: move an article there, bring it back, or purge it for good.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, post, web};
use chrono::Utc;
use diesel_async::AsyncConnection;

use super::save::{render, staff_article};
use super::write::may_edit;
use crate::api::respond::no_content;
use crate::auth::{Admin, AuthUser};
use crate::content::articles::ArticleDetail;
use crate::content::change::Change;
use crate::error::{ApiError, OrNotFound};
use crate::models::{Key, article};
use crate::state::AppState;
use crate::webhooks::{self, Event};

/// Move an article to the trash (editors: any; writers: their own drafts).
#[utoipa::path(
    operation_id = "delete_article",
    tag = "articles",
    params(("key" = String, Path, description = "Article id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "In the trash"),
        (status = 401, response = crate::api::problems::Unauthorized),
        (status = 403, response = crate::api::problems::Forbidden),
        (status = 404, response = crate::api::problems::NotFound),
        (status = 503, response = crate::api::problems::Unavailable),
    ),
)]
#[delete("/articles/{key}")]
pub async fn trash_article(
    user: AuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = Key::parse(&key);
    let mut conn = state.conn().await?;
    let id = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = article::find_for_update(conn, &key)
                .await?
                .filter(|a| a.deleted_at.is_none())
                .or_not_found("article", &key)?;
            may_edit(&user, &current)?;
            article::set_deleted(conn, current.id, Some(Utc::now()), user.id).await?;
            webhooks::enqueue(
                conn,
                Event::article_deleted(current.id, &current.slug, false),
            )
            .await?;
            Ok(current.id)
        })
        .await?;
    state.changed(Change::article(id));
    Ok(no_content())
}

/// Take an article out of the trash.
#[utoipa::path(
    operation_id = "restore_article",
    tag = "articles",
    params(("key" = String, Path, description = "Article id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Restored", body = ArticleDetail),
        (status = 401, response = crate::api::problems::Unauthorized),
        (status = 403, response = crate::api::problems::Forbidden),
        (status = 404, response = crate::api::problems::NotFound),
        (status = 409, response = crate::api::problems::Conflict),
        (status = 503, response = crate::api::problems::Unavailable),
    ),
)]
#[post("/articles/{key}/restore")]
pub async fn restore_article(
    user: AuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = Key::parse(&key);
    let mut conn = state.conn().await?;
    let detail = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = article::find_for_update(conn, &key)
                .await?
                .or_not_found("article", &key)?;
            if current.deleted_at.is_none() {
                return Err(ApiError::conflict(format!(
                    "article `{key}` is not in the trash"
                )));
            }
            may_edit(&user, &current)?;
            let restored = article::set_deleted(conn, current.id, None, user.id).await?;
            let tree = state.tree(conn).await?;
            // Back from the trash: announced as published when the public can see it again.
            webhooks::announce_write(conn, &tree, &restored).await?;
            render(conn, &tree, restored).await
        })
        .await?;
    state.changed(Change::article(detail.id));
    Ok(staff_article(StatusCode::OK, &detail))
}

/// Admin: delete a trashed article for good, with its revisions.
#[utoipa::path(
    operation_id = "purge_article",
    tag = "articles",
    params(("key" = String, Path, description = "Article id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Gone for good"),
        (status = 401, response = crate::api::problems::Unauthorized),
        (status = 403, response = crate::api::problems::Forbidden),
        (status = 404, response = crate::api::problems::NotFound),
        (status = 409, response = crate::api::problems::Conflict),
        (status = 503, response = crate::api::problems::Unavailable),
    ),
)]
#[delete("/trash/articles/{key}")]
pub async fn purge_article(
    _admin: Admin,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = Key::parse(&key);
    let mut conn = state.conn().await?;
    let id = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = article::find_for_update(conn, &key)
                .await?
                .or_not_found("article", &key)?;
            if current.deleted_at.is_none() {
                return Err(ApiError::conflict(format!(
                    "article `{key}` is not in the trash; move it there first"
                )));
            }
            article::purge(conn, current.id).await?;
            webhooks::enqueue(
                conn,
                Event::article_deleted(current.id, &current.slug, true),
            )
            .await?;
            Ok(current.id)
        })
        .await?;
    state.changed(Change::article(id));
    Ok(no_content())
}

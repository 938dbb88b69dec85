//! Creating and updating articles.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, patch, post, web};
use diesel_async::AsyncConnection;

use super::input::{CreateArticle, Draft, UpdateArticle};
use super::save::{check_if_match, lists_of, render, save, staff_article};
use crate::api::json::LargeJson;
use crate::auth::AuthUser;
use crate::content::articles::ArticleDetail;
use crate::content::change::Change;
use crate::error::{ApiError, OrNotFound};
use crate::models::Key;
use crate::models::article::{self, ArticleStatus};
use crate::models::user::Role;
use crate::state::AppState;
use crate::webhooks;

/// Create an article. Writers create drafts; editors and admins may publish directly.
#[utoipa::path(
    operation_id = "create_article",
    tag = "articles",
    request_body = CreateArticle,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it, `ETag` carries its version", body = ArticleDetail,
         headers(("Location" = String, description = "URL of the new article"), ("ETag" = String, description = "Version validator"))),
        (status = 400, response = crate::api::problems::BadRequest),
        (status = 401, response = crate::api::problems::Unauthorized),
        (status = 403, response = crate::api::problems::Forbidden),
        (status = 409, response = crate::api::problems::Conflict),
        (status = 413, response = crate::api::problems::PayloadTooLarge),
        (status = 422, response = crate::api::problems::Unprocessable),
        (status = 503, response = crate::api::problems::Unavailable),
    ),
)]
#[post("/articles")]
pub async fn create_article(
    user: AuthUser,
    state: web::Data<AppState>,
    body: LargeJson<CreateArticle>,
) -> Result<HttpResponse, ApiError> {
    let draft = Draft::from_create(body.0);
    let mut conn = state.conn().await?;
    let detail = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let saved = save(conn, &state.search, &user, None, draft).await?;
            let tree = state.tree(conn).await?;
            webhooks::announce_write(conn, &tree, &saved).await?;
            render(conn, &tree, saved).await
        })
        .await?;
    state.changed(Change::article(detail.id));
    Ok(staff_article(StatusCode::CREATED, &detail))
}

/// Change an article; only the fields sent change. Send `If-Match` with the version's ETag to
/// refuse (412) when someone else changed it meanwhile. The previous state becomes a revision.
///
/// Writers may change their own drafts only; editors and admins change anything, status included.
#[utoipa::path(
    operation_id = "update_article",
    tag = "articles",
    request_body = UpdateArticle,
    params(
        ("key" = String, Path, description = "Article id (all digits) or slug"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version this change is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = ArticleDetail,
         headers(("ETag" = String, description = "Validator of the new version"))),
        (status = 400, response = crate::api::problems::BadRequest),
        (status = 401, response = crate::api::problems::Unauthorized),
        (status = 403, response = crate::api::problems::Forbidden),
        (status = 404, response = crate::api::problems::NotFound),
        (status = 409, response = crate::api::problems::Conflict),
        (status = 412, description = "The article changed since the given ETag", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 413, response = crate::api::problems::PayloadTooLarge),
        (status = 422, response = crate::api::problems::Unprocessable),
        (status = 503, response = crate::api::problems::Unavailable),
    ),
)]
#[patch("/articles/{key}")]
pub async fn update_article(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: LargeJson<UpdateArticle>,
) -> Result<HttpResponse, ApiError> {
    let key = Key::parse(&key);
    let if_match = req
        .headers()
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("\u{0}").to_owned());
    let update = body.0;
    let mut conn = state.conn().await?;
    let detail = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = article::find_for_update(conn, &key)
                .await?
                .filter(|a| a.deleted_at.is_none())
                .or_not_found("article", &key)?;
            check_if_match(if_match.as_deref(), current.version)?;
            may_edit(&user, &current)?;
            let lists = lists_of(conn, current.id).await?;
            let draft = Draft::from_update(&current, lists, update);
            let saved = save(conn, &state.search, &user, Some(&current), draft).await?;
            let tree = state.tree(conn).await?;
            webhooks::announce_write(conn, &tree, &saved).await?;
            render(conn, &tree, saved).await
        })
        .await?;
    state.changed(Change::article(detail.id));
    Ok(staff_article(StatusCode::OK, &detail))
}

/// Writers edit (and trash) only their own drafts.
pub fn may_edit(user: &AuthUser, a: &article::Article) -> Result<(), ApiError> {
    if user.role.at_least(Role::Editor)
        || (a.created_by == user.id && a.status == ArticleStatus::Draft)
    {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "writers may change only their own drafts".into(),
        ))
    }
}

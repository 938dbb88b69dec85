//! Author handlers: public reads, editor writes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::Utc;

use super::dto::{AuthorDto, CreateAuthor, ListAuthorsQuery, UpdateAuthor};
use crate::api::json::ApiJson;
use crate::api::query::ApiQuery;
use crate::api::respond::{
    self, Audience, ListResponse, cached_json, created, no_content, staff_json,
};
use crate::auth::{Editor, MaybeAuthUser};
use crate::content::change::Change;
use crate::db::pagination::PageRequest;
use crate::error::{ApiError, OrNotFound};
use crate::models::author::{self, AuthorChanges, NewAuthor};
use crate::models::{Key, SlugTable, free_slug};
use crate::services;
use crate::state::AppState;
use crate::validate::{Violations, slugify};

fn check_optional(
    v: &mut Violations,
    affiliation: Option<&str>,
    bio: Option<&str>,
    avatar: Option<&str>,
) {
    if let Some(a) = affiliation {
        v.length("affiliation", a, 0, 200);
    }
    if let Some(b) = bio {
        v.length("bio", b, 0, 2000);
    }
    if let Some(u) = avatar {
        v.http_url("avatar_url", u);
    }
}

/// Authors by name, paginated; `q` matches name or affiliation.
#[utoipa::path(
    operation_id = "list_authors",
    tag = "authors",
    params(ListAuthorsQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of authors; `Link` has next/prev", body = ListResponse<AuthorDto>),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
    ),
)]
#[get("/authors")]
pub async fn list_authors(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListAuthorsQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.q.as_deref().is_some_and(|s| s.chars().count() > 100) {
        return Err(ApiError::bad_request("q", "must be at most 100 characters"));
    }
    let q = query.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let page = PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    let paged = author::list(&mut *state.conn().await?, q, &page).await?;
    let audience = Audience::of(&user, state.config.cache_max_age_secs);
    Ok(respond::list(&req, audience, paged.map(AuthorDto::from)))
}

/// One author by id or slug.
#[utoipa::path(
    operation_id = "get_author",
    tag = "authors",
    params(("key" = String, Path, description = "Author id (all digits) or slug")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The author", body = AuthorDto),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffRead,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/authors/{key}")]
pub async fn get_author(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = Key::parse(&key);
    let found = author::find(&mut *state.conn().await?, &key)
        .await?
        .or_not_found("author", &key)?;
    let audience = Audience::of(&user, state.config.cache_max_age_secs);
    Ok(cached_json(
        &req,
        audience,
        StatusCode::OK,
        &AuthorDto::from(found),
    ))
}

/// Create an author.
#[utoipa::path(
    operation_id = "create_author",
    tag = "authors",
    request_body = CreateAuthor,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it", body = AuthorDto,
         headers(("Location" = String, description = "URL of the new author"))),
        crate::error::responses::StaffWrite,
    ),
)]
#[post("/authors")]
pub async fn create_author(
    _editor: Editor,
    state: web::Data<AppState>,
    body: ApiJson<CreateAuthor>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(body) = body;
    let mut v = Violations::default();
    v.name("name", &body.name, 64);
    if let Some(slug) = &body.slug {
        v.slug("slug", slug);
    }
    check_optional(
        &mut v,
        body.affiliation.as_deref(),
        body.bio.as_deref(),
        body.avatar_url.as_deref(),
    );
    v.finish()?;
    let name = body.name.trim().to_owned();
    let row = services::commit(&state, async |conn| {
        let slug = match body.slug {
            Some(s) => s,
            None => free_slug(conn, SlugTable::Authors, &slugify(&name, "author")).await?,
        };
        let new = NewAuthor {
            slug,
            name,
            affiliation: body.affiliation,
            bio: body.bio,
            avatar_url: body.avatar_url,
        };
        let row = author::insert(conn, &new).await?;
        let change = Change::Author(row.id);
        Ok((row, change))
    })
    .await?;
    Ok(created(
        format!("/api/v1/authors/{}", row.id),
        &AuthorDto::from(row),
    ))
}

/// Change an author; only the fields sent change.
#[utoipa::path(
    operation_id = "update_author",
    tag = "authors",
    request_body = UpdateAuthor,
    params(("key" = String, Path, description = "Author id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = AuthorDto),
        crate::error::responses::StaffWrite,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[patch("/authors/{key}")]
pub async fn update_author(
    _editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: ApiJson<UpdateAuthor>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(body) = body;
    let key = Key::parse(&key);
    let mut v = Violations::default();
    if let Some(name) = &body.name {
        v.name("name", name, 64);
    }
    if let Some(slug) = &body.slug {
        v.slug("slug", slug);
    }
    let inner =
        |o: &Option<Option<String>>| o.as_ref().and_then(|x| x.as_deref()).map(str::to_owned);
    check_optional(
        &mut v,
        inner(&body.affiliation).as_deref(),
        inner(&body.bio).as_deref(),
        inner(&body.avatar_url).as_deref(),
    );
    v.finish()?;
    let changes = AuthorChanges {
        slug: body.slug,
        name: body.name.map(|n| n.trim().to_owned()),
        affiliation: body.affiliation,
        bio: body.bio,
        avatar_url: body.avatar_url,
        updated_at: Some(Utc::now()),
    };
    let row = services::commit(&state, async |conn| {
        let current = author::find(conn, &key)
            .await?
            .or_not_found("author", &key)?;
        let row = author::update(conn, current.id, &changes).await?;
        let change = Change::Author(row.id);
        Ok((row, change))
    })
    .await?;
    Ok(staff_json(StatusCode::OK, &AuthorDto::from(row)))
}

/// Delete an author; 409 while articles still credit them.
#[utoipa::path(
    operation_id = "delete_author",
    tag = "authors",
    params(("key" = String, Path, description = "Author id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        crate::error::responses::StaffAction,
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[delete("/authors/{key}")]
pub async fn delete_author(
    _editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = Key::parse(&key);
    services::commit(&state, async |conn| {
        let current = author::find(conn, &key).await?.or_not_found("author", &key)?;
        let used = author::usage(conn, current.id).await?;
        if used > 0 {
            return Err(ApiError::conflict(format!(
                "author `{}` is credited on {used} article(s) (trashed ones included); remove the credits first",
                current.slug
            )));
        }
        author::delete(conn, current.id).await?;
        Ok(((), Change::Author(current.id)))
    })
    .await?;
    Ok(no_content())
}

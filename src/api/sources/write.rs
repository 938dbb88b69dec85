//! Creating, changing and deleting sources (editor or admin).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, patch, post, web};
use chrono::Utc;

use super::dto::{CreateSource, SourceDto, UpdateSource};
use crate::api::json::ApiJson;
use crate::api::respond::{created, no_content, staff_json};
use crate::auth::Editor;
use crate::content::change::Change;
use crate::error::{ApiError, OrNotFound};
use crate::models::source::{self, NewSource, SourceChanges, SourceKind};
use crate::models::{Key, SlugTable, article, free_slug};
use crate::services;
use crate::state::AppState;
use crate::validate::{Violations, slugify};

fn check(v: &mut Violations, name: Option<&str>, slug: Option<&str>, url: Option<&str>) {
    if let Some(name) = name {
        v.name("name", name, 100);
    }
    if let Some(slug) = slug {
        v.slug("slug", slug);
    }
    if let Some(url) = url {
        v.http_url("homepage_url", url);
    }
}

/// Create a source.
#[utoipa::path(
    operation_id = "create_source",
    tag = "sources",
    request_body = CreateSource,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it", body = SourceDto,
         headers(("Location" = String, description = "URL of the new source"))),
        crate::error::responses::StaffWrite,
    ),
)]
#[post("/sources")]
pub async fn create_source(
    _editor: Editor,
    state: web::Data<AppState>,
    body: ApiJson<CreateSource>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(body) = body;
    let mut v = Violations::default();
    check(
        &mut v,
        Some(&body.name),
        body.slug.as_deref(),
        body.homepage_url.as_deref(),
    );
    v.finish()?;
    let name = body.name.trim().to_owned();
    let row = services::commit(&state, async |conn| {
        let slug = match body.slug {
            Some(s) => s,
            None => free_slug(conn, SlugTable::Sources, &slugify(&name, "source")).await?,
        };
        let new = NewSource {
            slug,
            name,
            kind: body.kind.unwrap_or(SourceKind::Other),
            homepage_url: body.homepage_url,
        };
        let row = source::insert(conn, &new).await?;
        let change = Change::Source(row.id);
        Ok((row, change))
    })
    .await?;
    Ok(created(
        format!("/api/v1/sources/{}", row.id),
        &SourceDto::from(row),
    ))
}

/// Change a source; only the fields sent change.
#[utoipa::path(
    operation_id = "update_source",
    tag = "sources",
    request_body = UpdateSource,
    params(("key" = String, Path, description = "Source id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = SourceDto),
        crate::error::responses::StaffWrite,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[patch("/sources/{key}")]
pub async fn update_source(
    _editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: ApiJson<UpdateSource>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(body) = body;
    let key = Key::parse(&key);
    let mut v = Violations::default();
    let url = body.homepage_url.as_ref().and_then(|u| u.as_deref());
    check(&mut v, body.name.as_deref(), body.slug.as_deref(), url);
    v.finish()?;
    let changes = SourceChanges {
        slug: body.slug,
        name: body.name.map(|n| n.trim().to_owned()),
        kind: body.kind,
        homepage_url: body.homepage_url,
        updated_at: Some(Utc::now()),
    };
    let row = services::commit(&state, async |conn| {
        let current = source::find(conn, &key)
            .await?
            .or_not_found("source", &key)?;
        let row = source::update(conn, current.id, &changes).await?;
        let change = Change::Source(row.id);
        Ok((row, change))
    })
    .await?;
    Ok(staff_json(StatusCode::OK, &SourceDto::from(row)))
}

/// Delete a source; 409 while articles use it.
#[utoipa::path(
    operation_id = "delete_source",
    tag = "sources",
    params(("key" = String, Path, description = "Source id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        crate::error::responses::StaffAction,
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[delete("/sources/{key}")]
pub async fn delete_source(
    _editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = Key::parse(&key);
    services::commit(&state, async |conn| {
        let current = source::find(conn, &key).await?.or_not_found("source", &key)?;
        let used = article::count_from_source(conn, current.id).await?;
        if used > 0 {
            return Err(ApiError::conflict(format!(
                "source `{}` is used by {used} article(s) (trashed ones included); change them first",
                current.slug
            )));
        }
        source::delete(conn, current.id).await?;
        Ok(((), Change::Source(current.id)))
    })
    .await?;
    Ok(no_content())
}

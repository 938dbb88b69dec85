//! Listing and reading sources.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::dto::{ListSourcesQuery, SourceDto};
use crate::api::query::ApiQuery;
use crate::api::respond::{self, ListResponse, cached_json};
use crate::auth::MaybeAuthUser;
use crate::cache::deps::{self, Dep};
use crate::db::pagination::PageRequest;
use crate::error::{ApiError, OrNotFound};
use crate::models::Key;
use crate::models::source;
use crate::state::AppState;

fn audience(user: &MaybeAuthUser, state: &AppState) -> respond::Audience {
    respond::Audience::of(user, state.config.cache_max_age_secs)
}

/// Sources by name (then id), paginated; `q` filters by name.
#[utoipa::path(
    operation_id = "list_sources",
    tag = "sources",
    params(ListSourcesQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of sources; `Link` has next/prev", body = ListResponse<SourceDto>),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
    ),
)]
#[get("/sources")]
pub async fn list_sources(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListSourcesQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.q.as_deref().is_some_and(|s| s.chars().count() > 100) {
        return Err(ApiError::bad_request("q", "must be at most 100 characters"));
    }
    let q = query.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let page = PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    deps::record(Dep::Sources);
    let paged = source::list(&mut *state.read_conn().await?, q, &page).await?;
    Ok(respond::list(
        &req,
        audience(&user, &state),
        paged.map(SourceDto::from),
    ))
}

/// One source by id or slug.
#[utoipa::path(
    operation_id = "get_source",
    tag = "sources",
    params(("key" = String, Path, description = "Source id (all digits) or slug")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The source", body = SourceDto),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffRead,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/sources/{key}")]
pub async fn get_source(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = Key::parse(&key);
    let found = source::find(&mut *state.read_conn().await?, &key)
        .await?
        .or_not_found("source", &key)?;
    deps::record(Dep::Source(found.id));
    Ok(cached_json(
        &req,
        audience(&user, &state),
        StatusCode::OK,
        &SourceDto::from(found),
    ))
}

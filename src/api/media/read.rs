//! Listing and reading the media library (staff).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::dto::{ListMediaQuery, MediaDto};
use crate::api::query::{ApiQuery, short_text};
use crate::api::respond::{self, Audience, ListResponse, staff_json};
use crate::auth::AuthUser;
use crate::db::pagination::PageRequest;
use crate::error::{ApiError, OrNotFound};
use crate::models::ids::{MediaId, UserId};
use crate::models::media::{self, Filter};
use crate::models::user::Role;
use crate::services::media::may_see;
use crate::state::AppState;

/// The media library, newest first; writers see what they uploaded and what is public.
#[utoipa::path(
    operation_id = "list_media",
    tag = "media",
    params(ListMediaQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of assets; `Link` has next/prev", body = ListResponse<MediaDto>),
        crate::error::responses::StaffQuery,
    ),
)]
#[get("/media")]
pub async fn list_media(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListMediaQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = user.actor();
    let filter = Filter {
        kind: query.kind,
        tag: short_text("tag", &query.tag, 32)?.map(|t| crate::models::tag::normalize(&t)),
        uploaded_by: query.uploaded_by.map(UserId),
        q: short_text("q", &query.q, 100)?,
        since: query.since,
        until: query.until,
        visible_to: (!actor.role.at_least(Role::Editor)).then_some(actor.id),
    };
    let page = PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    let paged = media::list(&mut *state.conn().await?, &filter, &page).await?;
    let widths = &state.media.widths;
    Ok(respond::list(
        &req,
        Audience::Staff,
        paged.map(|a| MediaDto::of(a, widths)),
    ))
}

/// One asset of the library.
#[utoipa::path(
    operation_id = "get_media",
    tag = "media",
    params(("id" = i64, Path, description = "Asset id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The asset", body = MediaDto),
        (status = 400, response = crate::error::responses::BadRequest),
        crate::error::responses::StaffAction,
    ),
)]
#[get("/media/{id}")]
pub async fn get_media(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = MediaId(id.into_inner());
    let found = media::find(&mut *state.conn().await?, id)
        .await?
        .filter(|a| may_see(user.actor(), a))
        .or_not_found("media", id)?;
    Ok(staff_json(
        StatusCode::OK,
        &MediaDto::of(found, &state.media.widths),
    ))
}

//! `/tags`: keywords on articles, with article counts.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::query::ApiQuery;
use crate::api::respond::{self, Audience, ListResponse};
use crate::auth::MaybeAuthUser;
use crate::cache::deps::{self, Dep};
use crate::db::pagination::PageRequest;
use crate::error::ApiError;
use crate::models::tag::{self};
use crate::state::AppState;

pub use crate::content::tags::{TagDto, TagWithCount};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListTagsQuery {
    /// Only tags whose name starts with this text.
    #[param(max_length = 32)]
    pub q: Option<String>,
    /// Page number (page mode), default 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Opaque cursor from `meta.next_cursor` (keyset mode).
    pub cursor: Option<String>,
}

/// Tags by name with article counts. The public sees tags of visible articles only.
#[utoipa::path(
    operation_id = "list_tags",
    tag = "tags",
    params(ListTagsQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of tags", body = ListResponse<TagWithCount>),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
    ),
)]
#[get("/tags")]
pub async fn list_tags(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListTagsQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.q.as_deref().is_some_and(|s| s.chars().count() > 32) {
        return Err(ApiError::bad_request("q", "must be at most 32 characters"));
    }
    let prefix = query
        .q
        .as_deref()
        .map(tag::normalize)
        .filter(|s| !s.is_empty());
    let page = PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    let paged = tag::list(
        &mut *state.read_conn().await?,
        prefix.as_deref(),
        (!user.is_staff()).then(chrono::Utc::now),
        &page,
    )
    .await?;
    // Counts of visible articles per tag.
    deps::record(Dep::AllArticles);
    let audience = Audience::of(&user, state.config.cache_max_age_secs);
    Ok(respond::list(&req, audience, paged.map(TagWithCount::from)))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_tags);
}

//! `/search/synonyms`: the newsroom's synonym list for search (staff read it; editors and
//! admins change it). Applied to queries at once, without reindexing.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::json::ApiJson;
use crate::api::query::ApiQuery;
use crate::api::respond::{self, Audience, ListResponse, created, no_content, staff_json};
use crate::auth::{AuthUser, Editor};
use crate::db::pagination::PageRequest;
use crate::error::{ApiError, OrNotFound};
use crate::models::Key;
use crate::models::ids::SynonymId;
use crate::models::synonym::{self, SynonymGroup};
use crate::services::synonyms;
pub use crate::services::synonyms::{CreateSynonym, SynonymClear, UpdateSynonym};
use crate::state::AppState;

/// A group of search synonyms.
#[derive(Debug, Serialize, ToSchema)]
pub struct SynonymDto {
    pub id: SynonymId,
    /// The first term.
    #[schema(example = "布拉戈维申斯克")]
    pub name: String,
    /// Terms that mean the same thing; a query naming one finds articles naming any.
    #[schema(example = json!(["布拉戈维申斯克", "海兰泡", "布市", "Благовещенск"]))]
    pub terms: Vec<String>,
    /// Terms that also mean something else: matches through them rank lower unless a
    /// `context` word is in the article, and a query naming only them widens only when a
    /// `context` word is in the query.
    pub ambiguous: Vec<String>,
    /// Words that say this group's sense is meant.
    pub context: Vec<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SynonymGroup> for SynonymDto {
    fn from(g: SynonymGroup) -> Self {
        Self {
            id: g.id,
            name: g.name,
            terms: g.terms,
            ambiguous: g.ambiguous,
            context: g.context,
            note: g.note,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListSynonymsQuery {
    /// Only groups with a term containing this text (case-insensitive), at most 100 characters.
    #[param(max_length = 100)]
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

fn id_of(raw: &str) -> Result<SynonymId, ApiError> {
    match Key::parse(raw) {
        Key::Id(id) => Ok(SynonymId(id)),
        Key::Slug(_) => None.or_not_found("synonym group", raw),
    }
}

/// The synonym list by name (then id), paginated; `q` matches any term.
#[utoipa::path(
    operation_id = "list_search_synonyms",
    tag = "search",
    params(ListSynonymsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of groups; `Link` has next/prev", body = ListResponse<SynonymDto>),
        crate::error::responses::StaffQuery,
    ),
)]
#[get("/search/synonyms")]
pub async fn list_synonyms(
    req: HttpRequest,
    _user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListSynonymsQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.q.as_deref().is_some_and(|s| s.chars().count() > 100) {
        return Err(ApiError::bad_request("q", "must be at most 100 characters"));
    }
    let q = query.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let page = PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    let paged = synonym::list(&mut *state.conn().await?, q, &page).await?;
    Ok(respond::list(
        &req,
        Audience::Staff,
        paged.map(SynonymDto::from),
    ))
}

/// One group of the synonym list.
#[utoipa::path(
    operation_id = "get_search_synonym",
    tag = "search",
    params(("id" = i64, Path, description = "Group id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The group", body = SynonymDto),
        crate::error::responses::StaffRead,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/search/synonyms/{id}")]
pub async fn get_synonym(
    _user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id_of(&id)?;
    let found = synonym::find(&mut *state.conn().await?, id)
        .await?
        .or_not_found("synonym group", id)?;
    Ok(staff_json(StatusCode::OK, &SynonymDto::from(found)))
}

/// Add a group to the synonym list (editor or admin); searches use it at once.
#[utoipa::path(
    operation_id = "create_search_synonym",
    tag = "search",
    request_body = CreateSynonym,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it", body = SynonymDto,
         headers(("Location" = String, description = "URL of the new group"))),
        crate::error::responses::StaffWrite,
    ),
)]
#[post("/search/synonyms")]
pub async fn create_synonym(
    editor: Editor,
    state: web::Data<AppState>,
    body: ApiJson<CreateSynonym>,
) -> Result<HttpResponse, ApiError> {
    let row = synonyms::create(&state, editor.0.actor(), body.0).await?;
    Ok(created(
        format!("/api/v1/search/synonyms/{}", row.id),
        &SynonymDto::from(row),
    ))
}

/// Change a group (editor or admin); only the fields sent change.
#[utoipa::path(
    operation_id = "update_search_synonym",
    tag = "search",
    request_body = UpdateSynonym,
    params(("id" = i64, Path, description = "Group id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = SynonymDto),
        crate::error::responses::StaffWrite,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[patch("/search/synonyms/{id}")]
pub async fn update_synonym(
    editor: Editor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: ApiJson<UpdateSynonym>,
) -> Result<HttpResponse, ApiError> {
    let row = synonyms::update(&state, editor.0.actor(), id_of(&id)?, body.0).await?;
    Ok(staff_json(StatusCode::OK, &SynonymDto::from(row)))
}

/// Delete a group (editor or admin).
#[utoipa::path(
    operation_id = "delete_search_synonym",
    tag = "search",
    params(("id" = i64, Path, description = "Group id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        crate::error::responses::StaffAction,
    ),
)]
#[delete("/search/synonyms/{id}")]
pub async fn delete_synonym(
    editor: Editor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    synonyms::delete(&state, editor.0.actor(), id_of(&id)?).await?;
    Ok(no_content())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_synonyms)
        .service(get_synonym)
        .service(create_synonym)
        .service(update_synonym)
        .service(delete_synonym);
}

//! Boards: list, read (with entries), create, change, delete.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{CreateRanking, RankedArticle, RankingDetail, RankingDto, UpdateRanking};
use super::most_read::{by_id, most_read};
use crate::api::articles::summaries_of;
use crate::api::json::ApiJson;
use crate::api::query::ApiQuery;
use crate::api::respond::{
    self, Audience, ListResponse, cached_json, created, no_content, staff_json,
};
use crate::auth::{Editor, MaybeAuthUser};
use crate::cache::deps::{self, Dep};
use crate::content::rankings::MostReadKey;
use crate::db::pagination::{PageRequest, paginate_in_memory};
use crate::error::{ApiError, OrNotFound};
use crate::models::ids::ArticleId;
use crate::models::ranking::{self, Ranking, RankingKind};
use crate::models::{Key, article};
use crate::services::boards;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListRankingsQuery {
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    pub cursor: Option<String>,
}

/// The boards, by position, then in the order they were created.
#[utoipa::path(
    operation_id = "list_rankings",
    tag = "rankings",
    params(ListRankingsQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Boards (without entries)", body = ListResponse<RankingDto>),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
    ),
)]
#[get("/rankings")]
pub async fn list_rankings(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListRankingsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page: PageRequest<(i32, i64)> =
        PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    deps::record(Dep::Boards);
    let mut boards = ranking::all(&mut *state.read_conn().await?).await?;
    boards.sort_by_key(|b| (b.position, b.id));
    let paged = paginate_in_memory(boards, &page, |b: &Ranking| (b.position, b.id.0));
    let audience = Audience::of(&user, state.config.cache_max_age_secs);
    Ok(respond::list(
        &req,
        audience,
        paged.map(|b| RankingDto::from(&b)),
    ))
}

/// Entries of a board: most-read computed (cached), curated as chosen (public: active ones only).
pub async fn entries_of(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    board: &Ranking,
    staff: bool,
) -> Result<Vec<RankedArticle>, ApiError> {
    match (board.kind, board.time_window) {
        (RankingKind::MostRead, Some(window)) => {
            let key = MostReadKey {
                window,
                category: board.category_id,
                limit: i64::from(board.size),
            };
            Ok(most_read(state, key).await?.items.clone())
        }
        _ => {
            let now = Utc::now();
            let entries = ranking::entries(conn, board.id).await?;
            // The next start or end of an entry's window changes what the public sees.
            if let Some(next) = entries
                .iter()
                .flat_map(|e| [e.starts_at, e.ends_at])
                .flatten()
                .filter(|t| *t > now)
                .min()
            {
                deps::at_most((next - now).to_std().unwrap_or_default());
            }
            let ids: Vec<ArticleId> = entries.iter().map(|e| e.article_id).collect();
            let visible: Vec<ArticleId> = article::visible_ids(conn, &ids, now).await?;
            let tree = state.tree(conn).await?;
            let mut summaries = by_id(summaries_of(conn, &tree, &ids).await?);
            let mut out = Vec::new();
            for e in entries {
                let Some(article) = summaries.remove(&e.article_id) else {
                    continue;
                };
                let active = e.active_at(now) && visible.contains(&e.article_id);
                if !staff && !active {
                    continue;
                }
                if !staff && out.len() >= board.size as usize {
                    break;
                }
                out.push(RankedArticle {
                    rank: out.len() + 1,
                    views: None,
                    note: e.note,
                    starts_at: if staff { e.starts_at } else { None },
                    ends_at: if staff { e.ends_at } else { None },
                    active: staff.then_some(active),
                    article,
                });
            }
            Ok(out)
        }
    }
}

pub async fn detail(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    board: &Ranking,
    staff: bool,
) -> Result<RankingDetail, ApiError> {
    deps::record(Dep::Board(board.id));
    Ok(RankingDetail {
        board: RankingDto::from(board),
        entries: entries_of(state, conn, board, staff).await?,
    })
}

/// A board with its entries.
#[utoipa::path(
    operation_id = "get_ranking",
    tag = "rankings",
    params(("key" = String, Path, description = "Board id (all digits) or slug")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The board", body = RankingDetail),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffRead,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/rankings/{key}")]
pub async fn get_ranking(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = Key::parse(&key);
    let mut conn = state.read_conn().await?;
    let board = ranking::find(&mut conn, &key)
        .await?
        .or_not_found("board", &key)?;
    let body = detail(&state, &mut conn, &board, user.is_staff()).await?;
    let audience = Audience::of(&user, state.config.cache_list_max_age_secs);
    Ok(cached_json(&req, audience, StatusCode::OK, &body))
}

/// Create a board.
#[utoipa::path(
    operation_id = "create_ranking",
    tag = "rankings",
    request_body = CreateRanking,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it", body = RankingDetail,
         headers(("Location" = String, description = "URL of the new board"))),
        crate::error::responses::StaffWrite,
    ),
)]
#[post("/rankings")]
pub async fn create_ranking(
    editor: Editor,
    state: web::Data<AppState>,
    body: ApiJson<CreateRanking>,
) -> Result<HttpResponse, ApiError> {
    let board = boards::create(&state, editor.0.actor(), body.0).await?;
    let mut conn = state.conn().await?;
    let body = detail(&state, &mut conn, &board, true).await?;
    Ok(created(format!("/api/v1/rankings/{}", board.slug), &body))
}

/// Change a board; only the fields sent change.
#[utoipa::path(
    operation_id = "update_ranking",
    tag = "rankings",
    request_body = UpdateRanking,
    params(("key" = String, Path, description = "Board id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = RankingDetail),
        crate::error::responses::StaffWrite,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[patch("/rankings/{key}")]
pub async fn update_ranking(
    editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: ApiJson<UpdateRanking>,
) -> Result<HttpResponse, ApiError> {
    let updated = boards::update(&state, editor.0.actor(), &Key::parse(&key), body.0).await?;
    let mut conn = state.conn().await?;
    let body = detail(&state, &mut conn, &updated, true).await?;
    Ok(staff_json(StatusCode::OK, &body))
}

/// Delete a board (its entries go with it; the articles stay).
#[utoipa::path(
    operation_id = "delete_ranking",
    tag = "rankings",
    params(("key" = String, Path, description = "Board id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        crate::error::responses::StaffAction,
    ),
)]
#[delete("/rankings/{key}")]
pub async fn delete_ranking(
    editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    boards::delete(&state, editor.0.actor(), &Key::parse(&key)).await?;
    Ok(no_content())
}

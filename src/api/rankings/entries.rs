//! `PUT /rankings/{key}/entries`: the whole ordered list of a curated board.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, put, web};

use super::boards::detail;
use super::dto::{EntryInput, RankingDetail};
use crate::api::json::ApiJson;
use crate::api::respond::staff_json;
use crate::auth::Editor;
use crate::error::ApiError;
use crate::models::Key;
use crate::services::boards;
use crate::state::AppState;

/// Replace a curated board's entries (头条, 焦点图, 推荐位): order as given; each may carry a
/// note and a time window. Unknown or repeated articles are a 422.
#[utoipa::path(
    operation_id = "replace_ranking_entries",
    tag = "rankings",
    request_body = Vec<EntryInput>,
    params(("key" = String, Path, description = "Board id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The board with its new entries", body = RankingDetail),
        crate::error::responses::StaffWrite,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[put("/rankings/{key}/entries")]
pub async fn replace_ranking_entries(
    editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: ApiJson<Vec<EntryInput>>,
) -> Result<HttpResponse, ApiError> {
    let board =
        boards::replace_entries(&state, editor.0.actor(), &Key::parse(&key), body.0).await?;
    let mut conn = state.conn().await?;
    let body = detail(&state, &mut conn, &board, true).await?;
    Ok(staff_json(StatusCode::OK, &body))
}

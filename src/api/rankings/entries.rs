//! `PUT /rankings/{key}/entries`: the whole ordered list of a curated board.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, put, web};

use super::boards::detail;
use super::dto::{EntryInput, RankingDetail};
use crate::api::json::ApiJson;
use crate::api::respond::staff_json;
use crate::auth::Editor;
use crate::content::change::Change;
use crate::error::{ApiError, OrNotFound};
use crate::models::ranking::{self, Entry, RankingKind};
use crate::models::{Key, article};
use crate::services;
use crate::state::AppState;
use crate::validate::Violations;

const MAX_ENTRIES: usize = 100;

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
    _editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: ApiJson<Vec<EntryInput>>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(list) = body;
    let key = Key::parse(&key);
    let mut v = Violations::default();
    if list.len() > MAX_ENTRIES {
        v.add("entries", format!("at most {MAX_ENTRIES} entries"));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, e) in list.iter().enumerate() {
        if !seen.insert(e.article_id) {
            v.add(
                &format!("[{i}].article_id"),
                "repeats an article already on the board",
            );
        }
        if let Some(n) = &e.note {
            v.length(&format!("[{i}].note"), n, 0, 200);
        }
        if let (Some(s), Some(end)) = (e.starts_at, e.ends_at)
            && end <= s
        {
            v.add(&format!("[{i}].ends_at"), "must be later than starts_at");
        }
    }
    v.finish()?;
    let board = services::commit(&state, async |conn| {
        let board = ranking::find(conn, &key)
            .await?
            .or_not_found("board", &key)?;
        if board.kind != RankingKind::Curated {
            return Err(ApiError::conflict(format!(
                "board `{}` is computed from views; it has no entries to set",
                board.slug
            )));
        }
        let ids: Vec<_> = list.iter().map(|e| e.article_id).collect();
        let found = article::existing_ids(conn, &ids).await?;
        let mut v = Violations::default();
        for (i, e) in list.iter().enumerate() {
            if !found.contains(&e.article_id) {
                v.add(
                    &format!("[{i}].article_id"),
                    "does not name an existing article",
                );
            }
        }
        v.finish()?;
        let entries: Vec<Entry> = list
            .into_iter()
            .enumerate()
            .map(|(i, e)| Entry {
                ranking_id: board.id,
                article_id: e.article_id,
                position: i as i32,
                note: e
                    .note
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty()),
                starts_at: e.starts_at,
                ends_at: e.ends_at,
            })
            .collect();
        ranking::replace_entries(conn, board.id, &entries).await?;
        let change = Change::board(&board, false);
        Ok((board, change))
    })
    .await?;
    let mut conn = state.conn().await?;
    let body = detail(&state, &mut conn, &board, true).await?;
    Ok(staff_json(StatusCode::OK, &body))
}

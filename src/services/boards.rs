//! The write path for boards (排行榜, curated 推荐位): create, change, delete, and a curated
//! board's entries (editors and admins). Each emits `Change::Board`, which webhooks announce
//! (`ranking.updated`).

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use super::commit;
use crate::auth::Actor;
use crate::content::change::Change;
use crate::error::{ApiError, OrNotFound};
use crate::fields::double_option;
use crate::models::ids::{ArticleId, CategoryId};
use crate::models::ranking::{self, Entry, Ranking, RankingContent, RankingKind, TimeWindow};
use crate::models::user::Role;
use crate::models::{Key, article, category};
use crate::state::AppState;
use crate::validate::{Violations, slugify};

/// Most entries a curated board may hold.
const MAX_ENTRIES: usize = 100;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRanking {
    /// 1–64 characters.
    #[schema(
        example = "点击排行",
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub title: String,
    /// Generated from the title when absent.
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub slug: Option<String>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    pub kind: RankingKind,
    /// 1–100, default 10.
    #[schema(minimum = 1, maximum = 100)]
    pub size: Option<i32>,
    pub position: Option<i32>,
    /// Required for most-read boards; not allowed on curated ones.
    pub window: Option<TimeWindow>,
    /// Most-read boards only: limit to a channel and its sub-channels.
    pub category_id: Option<CategoryId>,
}

crate::named_enum! {
    /// The fields of `UpdateRanking` that `clear` may name.
    RankingClear {
        Description => "description",
        CategoryId => "category_id",
    }
}

/// Only the fields present change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRanking {
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub title: Option<String>,
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 500)]
    pub description: Option<Option<String>>,
    #[schema(minimum = 1, maximum = 100)]
    pub size: Option<i32>,
    pub position: Option<i32>,
    pub window: Option<TimeWindow>,
    #[serde(default, deserialize_with = "double_option")]
    pub category_id: Option<Option<CategoryId>>,
    /// Fields to clear, by name, for clients that cannot send `null` (a field named here must
    /// not also be set). With `application/json` a `null` member leaves a field unchanged;
    /// with `application/merge-patch+json` it clears it.
    #[serde(default)]
    pub clear: Option<Vec<RankingClear>>,
}

/// One pick of a curated board.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    pub article_id: ArticleId,
    /// At most 200 characters.
    #[schema(max_length = 200)]
    pub note: Option<String>,
    /// Shown from this time.
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    pub starts_at: Option<DateTime<Utc>>,
    /// Shown until this time (after `starts_at`).
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    pub ends_at: Option<DateTime<Utc>>,
}

/// Creates a board; a slug made from the title is made free among the boards'.
pub async fn create(state: &AppState, actor: Actor, b: CreateRanking) -> Result<Ranking, ApiError> {
    actor.require(Role::Editor)?;
    let slug_given = b.slug.is_some();
    let content = RankingContent {
        slug: b.slug.unwrap_or_else(|| slugify(&b.title, "board")),
        title: b.title,
        description: b.description,
        kind: b.kind,
        size: b.size.unwrap_or(10),
        position: b.position.unwrap_or(0),
        time_window: b.window,
        category_id: b.category_id,
    };
    commit(state, async |conn| {
        let mut content = validated(conn, content, slug_given).await?;
        if !slug_given {
            let taken: Vec<String> = ranking::all(conn)
                .await?
                .into_iter()
                .map(|r| r.slug)
                .collect();
            let base = if content.slug == "most-read" {
                "most-read-board".to_owned()
            } else {
                content.slug.clone()
            };
            content.slug = crate::models::next_free(&base, taken.iter().map(String::as_str));
        }
        let board = ranking::insert(conn, &content).await?;
        let change = Change::board(&board, false);
        Ok((board, change))
    })
    .await
}

/// Changes the fields `u` names (a board's kind stays).
pub async fn update(
    state: &AppState,
    actor: Actor,
    key: &Key,
    u: UpdateRanking,
) -> Result<Ranking, ApiError> {
    actor.require(Role::Editor)?;
    commit(state, async |conn| {
        let board = ranking::find(conn, key).await?.or_not_found("board", key)?;
        let slug_given = u.slug.is_some();
        let content = RankingContent {
            slug: u.slug.unwrap_or_else(|| board.slug.clone()),
            title: u.title.unwrap_or_else(|| board.title.clone()),
            description: u.description.unwrap_or_else(|| board.description.clone()),
            kind: board.kind,
            size: u.size.unwrap_or(board.size),
            position: u.position.unwrap_or(board.position),
            time_window: u.window.or(board.time_window),
            category_id: u.category_id.unwrap_or(board.category_id),
        };
        let content = validated(conn, content, slug_given).await?;
        let updated = ranking::update(conn, board.id, &content).await?;
        let change = Change::board(&updated, false);
        Ok((updated, change))
    })
    .await
}

/// Deletes a board (its entries go with it; the articles stay).
pub async fn delete(state: &AppState, actor: Actor, key: &Key) -> Result<(), ApiError> {
    actor.require(Role::Editor)?;
    commit(state, async |conn| {
        let board = ranking::find(conn, key).await?.or_not_found("board", key)?;
        ranking::delete(conn, board.id).await?;
        Ok(((), Change::board(&board, true)))
    })
    .await
}

/// Replaces a curated board's entries: order as given; each may carry a note and a time window.
/// Unknown or repeated articles are a 422; a most-read board is a 409.
pub async fn replace_entries(
    state: &AppState,
    actor: Actor,
    key: &Key,
    list: Vec<EntryInput>,
) -> Result<Ranking, ApiError> {
    actor.require(Role::Editor)?;
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
    commit(state, async |conn| {
        let board = ranking::find(conn, key).await?.or_not_found("board", key)?;
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
    .await
}

/// Checks a board's fields and the most-read/curated rules; `None` slug means generate.
async fn validated(
    conn: &mut AsyncPgConnection,
    mut c: RankingContent,
    slug_given: bool,
) -> Result<RankingContent, ApiError> {
    let mut v = Violations::default();
    v.name("title", &c.title, 64);
    if slug_given {
        v.slug("slug", &c.slug);
        if c.slug == "most-read" {
            v.add("slug", "`most-read` is reserved");
        }
    }
    if let Some(d) = &c.description {
        v.length("description", d, 0, 500);
    }
    if !(1..=100).contains(&c.size) {
        v.add("size", "must be between 1 and 100");
    }
    match c.kind {
        RankingKind::MostRead if c.time_window.is_none() => {
            v.add("window", "is required for most_read boards")
        }
        RankingKind::Curated if c.time_window.is_some() => {
            v.add("window", "is only for most_read boards")
        }
        RankingKind::Curated if c.category_id.is_some() => {
            v.add("category_id", "is only for most_read boards")
        }
        _ => {}
    }
    if let Some(cat) = c.category_id
        && category::load_tree(conn).await?.get(cat).is_none()
    {
        v.add("category_id", "does not name an existing category");
    }
    v.finish()?;
    c.title = c.title.trim().to_owned();
    Ok(c)
}

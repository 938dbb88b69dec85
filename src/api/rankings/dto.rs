//! Ranking request and response bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::articles::{ArticleSummary, CategoryBrief};
use crate::api::json::double_option;
use crate::models::ids::{ArticleId, CategoryId, RankingId};
use crate::models::ranking::{Ranking, RankingKind, TimeWindow};

/// One place on a board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankedArticle {
    /// 1 for the top.
    pub rank: usize,
    /// Views in the window (most-read boards only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub views: Option<i64>,
    /// An editor's note (curated boards only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Curated entries: shown from this time (staff responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// Curated entries: shown until this time (staff responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Curated entries, staff responses: whether the public sees it now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    pub article: ArticleSummary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MostReadMeta {
    pub window: TimeWindow,
    /// The channel scope (with its sub-channels); `null` for the whole site.
    pub category: Option<CategoryBrief>,
    /// When this list was computed (it is cached for `RANKINGS_TTL` seconds).
    pub generated_at: DateTime<Utc>,
}

/// Most-read articles in a window.
#[derive(Debug, Serialize, ToSchema)]
pub struct MostReadResponse {
    pub data: Vec<RankedArticle>,
    pub meta: MostReadMeta,
}

/// A board.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingDto {
    pub id: RankingId,
    /// URL key, unique: `[a-z0-9-]`, 1–64 (`most-read` is reserved).
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub kind: RankingKind,
    /// How many entries the board shows, 1–100.
    pub size: i32,
    /// Order among boards.
    pub position: i32,
    /// Most-read boards: the window.
    pub window: Option<TimeWindow>,
    /// Most-read boards: the channel scope (with sub-channels); `null` for the whole site.
    pub category_id: Option<CategoryId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Ranking> for RankingDto {
    fn from(r: &Ranking) -> Self {
        Self {
            id: r.id,
            slug: r.slug.clone(),
            title: r.title.clone(),
            description: r.description.clone(),
            kind: r.kind,
            size: r.size,
            position: r.position,
            window: r.time_window,
            category_id: r.category_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A board with its entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingDetail {
    #[serde(flatten)]
    pub board: RankingDto,
    /// Most-read: computed now (cached). Curated: the editors' order; the public sees only
    /// entries inside their time window whose article is visible.
    pub entries: Vec<RankedArticle>,
}

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

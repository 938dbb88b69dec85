//! Boards and ranked articles as the API shows them, and the most-read cache's key and page.

use crate::content::articles::{ArticleSummary, CategoryBrief};
use crate::models::ids::{CategoryId, RankingId};
use crate::models::ranking::{Ranking, RankingKind, TimeWindow};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

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

impl RankedArticle {
    /// `article` at `rank`, with nothing else to say about its place.
    pub fn new(rank: usize, article: ArticleSummary) -> Self {
        Self {
            rank,
            views: None,
            note: None,
            starts_at: None,
            ends_at: None,
            active: None,
            article,
        }
    }
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

/// What a most-read list is computed for (the cache key).
#[derive(
    Debug, Clone, Copy, Hash, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct MostReadKey {
    pub window: TimeWindow,
    pub category: Option<CategoryId>,
    pub limit: i64,
}

/// A computed most-read list.
pub struct MostReadPage {
    pub generated_at: DateTime<Utc>,
    pub items: Vec<RankedArticle>,
}

//! Ranking request and response bodies.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::fields::double_option;
use crate::models::ids::{ArticleId, CategoryId};
use crate::models::ranking::{RankingKind, TimeWindow};

pub use crate::content::rankings::*;

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

//! Tags (关键词) as the API shows them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::models::ids::TagId;
use crate::models::tag::{Tag, TagCount};

/// A tag (关键词).
#[derive(Debug, Serialize, ToSchema)]
pub struct TagDto {
    pub id: TagId,
    /// URL key, generated from the name.
    pub slug: String,
    pub name: String,
}

impl From<Tag> for TagDto {
    fn from(t: Tag) -> Self {
        Self {
            id: t.id,
            slug: t.slug,
            name: t.name,
        }
    }
}

/// A tag with how many articles carry it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagWithCount {
    pub id: TagId,
    pub slug: String,
    pub name: String,
    /// Articles with this tag: visible ones for the public, all outside the trash for staff.
    pub article_count: i64,
    pub created_at: DateTime<Utc>,
}

impl From<TagCount> for TagWithCount {
    fn from(t: TagCount) -> Self {
        Self {
            id: t.tag.id,
            slug: t.tag.slug,
            name: t.tag.name,
            article_count: t.article_count,
            created_at: t.tag.created_at,
        }
    }
}

//! Sources (来源) as the API shows them.

use crate::models::ids::SourceId;
use crate::models::source::{Source, SourceKind};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A source (来源), such as 黑河日报 or 新华社.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceDto {
    pub id: SourceId,
    /// URL key, unique: `[a-z0-9-]`, 1–64.
    pub slug: String,
    /// Display name, unique, 1–100 characters.
    pub name: String,
    pub kind: SourceKind,
    /// The outlet's homepage (http or https).
    pub homepage_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Source> for SourceDto {
    fn from(s: Source) -> Self {
        Self {
            id: s.id,
            slug: s.slug,
            name: s.name,
            kind: s.kind,
            homepage_url: s.homepage_url,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

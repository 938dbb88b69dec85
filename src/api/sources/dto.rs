//! Source request and response bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::json::double_option;
use crate::models::ids::SourceId;
use crate::models::source::{Source, SourceKind};

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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListSourcesQuery {
    /// Only sources whose name contains this text (case-insensitive).
    pub q: Option<String>,
    /// Page number (page mode), default 1.
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Items per page, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Opaque cursor from `meta.next_cursor` (keyset mode).
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSource {
    /// Display name, unique, 1–100 characters.
    #[schema(example = "黑河日报")]
    pub name: String,
    /// Generated from the name when absent.
    pub slug: Option<String>,
    /// Default `other`.
    pub kind: Option<SourceKind>,
    /// An absolute http(s) URL.
    pub homepage_url: Option<String>,
}

/// Only the fields present change; `null` clears `homepage_url`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSource {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub kind: Option<SourceKind>,
    #[serde(default, deserialize_with = "double_option")]
    pub homepage_url: Option<Option<String>>,
}

//! Bylines (authors) as the API shows them.

use crate::models::author::Author;
use crate::models::ids::AuthorId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A byline: a person credited on articles (not a login).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorDto {
    pub id: AuthorId,
    /// URL key, unique: `[a-z0-9-]`, 1–64.
    pub slug: String,
    /// Name as printed in the byline, 1–64 characters.
    pub name: String,
    /// 作者单位, e.g. 黑河市委讲师团.
    pub affiliation: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Author> for AuthorDto {
    fn from(a: Author) -> Self {
        Self {
            id: a.id,
            slug: a.slug,
            name: a.name,
            affiliation: a.affiliation,
            bio: a.bio,
            avatar_url: a.avatar_url,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

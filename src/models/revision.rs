//! Revisions: the state of an article before each update, numbered by the version it had.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};

use super::article::{Article, ArticleContent};
use super::ids::{ArticleId, AuthorId, UserId};
use crate::db::schema::article_revisions;

/// The lists kept beside the content.
#[derive(Debug, Clone, Default)]
pub struct RevisionLists {
    pub author_ids: Vec<AuthorId>,
    pub tags: Vec<String>,
    pub related_ids: Vec<ArticleId>,
    /// Cover, video or audio, gallery.
    pub media: crate::models::media::MediaRefs,
}

/// What a revision keeps: the content, the byline and the tags.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub content: ArticleContent,
    pub author_ids: Vec<AuthorId>,
    pub tags: Vec<String>,
    /// Editors' related picks (absent in revisions written before they existed).
    #[serde(default)]
    pub related_ids: Vec<ArticleId>,
    /// The media it named (absent in revisions written before the media library).
    #[serde(default)]
    pub media: crate::models::media::MediaRefs,
    pub updated_by: UserId,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = article_revisions)]
pub struct Revision {
    pub id: i64,
    pub article_id: ArticleId,
    pub number: i32,
    pub snapshot: serde_json::Value,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

impl Revision {
    pub fn snapshot(&self) -> Result<Snapshot, String> {
        serde_json::from_value(self.snapshot.clone())
            .map_err(|e| format!("revision {} is unreadable: {e}", self.id))
    }
}

/// Keeps `article` (before an update by `by`) as revision number `article.version`.
pub async fn record(
    conn: &mut AsyncPgConnection,
    article: &Article,
    lists: RevisionLists,
    by: UserId,
) -> QueryResult<()> {
    let snapshot = Snapshot {
        content: ArticleContent::from(article),
        author_ids: lists.author_ids,
        tags: lists.tags,
        related_ids: lists.related_ids,
        media: lists.media,
        updated_by: article.updated_by,
        updated_at: article.updated_at,
    };
    let value = serde_json::to_value(&snapshot)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(article.id),
            article_revisions::number.eq(article.version),
            article_revisions::snapshot.eq(value),
            article_revisions::created_by.eq(by),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn list(conn: &mut AsyncPgConnection, article: ArticleId) -> QueryResult<Vec<Revision>> {
    article_revisions::table
        .filter(article_revisions::article_id.eq(article))
        .order(article_revisions::number.desc())
        .select(Revision::as_select())
        .load(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    article: ArticleId,
    number: i32,
) -> QueryResult<Option<Revision>> {
    article_revisions::table
        .filter(
            article_revisions::article_id
                .eq(article)
                .and(article_revisions::number.eq(number)),
        )
        .select(Revision::as_select())
        .first(conn)
        .await
        .optional()
}

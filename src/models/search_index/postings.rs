//! What the in-memory search postings (`search::postings`) are built from: the stored vectors
//! of the articles the public may see at some time (published, not in the trash).

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::articles;
use crate::models::article_status::ArticleStatus;
use crate::models::ids::{ArticleId, CategoryId};

/// An article as the postings index takes it.
#[derive(Debug, Clone, Queryable)]
pub struct PostingsRow {
    pub id: ArticleId,
    pub published_at: Option<DateTime<Utc>>,
    pub offline_at: Option<DateTime<Utc>>,
    pub category_id: CategoryId,
    /// The tsvector in PostgreSQL's text form.
    pub vector: String,
}

type Selection = (
    articles::id,
    articles::published_at,
    articles::offline_at,
    articles::category_id,
    diesel::expression::SqlLiteral<Text>,
);

fn selection() -> Selection {
    (
        articles::id,
        articles::published_at,
        articles::offline_at,
        articles::category_id,
        sql::<Text>("articles.search_vector::text"),
    )
}

/// Indexable: published, outside the trash, with a publish time and a vector (whether the
/// clock shows it yet is the search's question).
fn indexable() -> Box<dyn BoxableExpression<articles::table, Pg, SqlType = Bool>> {
    use articles::dsl as a;
    Box::new(
        a::status
            .eq(ArticleStatus::Published)
            .and(a::deleted_at.is_null())
            .and(a::published_at.is_not_null())
            .and(a::search_vector.is_not_null()),
    )
}

/// The next `limit` indexable articles with ids above `after`, in id order.
pub async fn batch(
    conn: &mut AsyncPgConnection,
    after: ArticleId,
    limit: i64,
) -> QueryResult<Vec<PostingsRow>> {
    use articles::dsl as a;
    a::articles
        .filter(a::id.gt(after))
        .filter(indexable())
        .order(a::id)
        .limit(limit)
        .select(selection())
        .load(conn)
        .await
}

/// Those of `ids` that are indexable now (the others leave the index).
pub async fn of(conn: &mut AsyncPgConnection, ids: &[ArticleId]) -> QueryResult<Vec<PostingsRow>> {
    use articles::dsl as a;
    a::articles
        .filter(a::id.eq_any(ids))
        .filter(indexable())
        .select(selection())
        .load(conn)
        .await
}

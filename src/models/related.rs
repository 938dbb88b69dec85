//! Editors' picks for 相关新闻: an ordered list of other articles on an article.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::ids::ArticleId;
use crate::db::schema::article_related;

/// Replaces the picks of `id`, in order.
pub async fn set_picks(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
    picks: &[ArticleId],
) -> QueryResult<()> {
    diesel::delete(article_related::table.filter(article_related::article_id.eq(id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = picks
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                article_related::article_id.eq(id),
                article_related::related_id.eq(*r),
                article_related::position.eq(i as i32),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(article_related::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The picks of `id`, in order.
pub async fn picks(conn: &mut AsyncPgConnection, id: ArticleId) -> QueryResult<Vec<ArticleId>> {
    article_related::table
        .filter(article_related::article_id.eq(id))
        .order(article_related::position)
        .select(article_related::related_id)
        .load(conn)
        .await
}

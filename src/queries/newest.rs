//! The newest visible articles of several channels at once (a front page's channel blocks, an
//! article page's 最新 list): one query, whatever the number of channels.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::models::article_status::ArticleKind;
use crate::models::ids::{ArticleId, CategoryId};

#[derive(Debug, QueryableByName)]
pub struct GroupedId {
    /// Index of the group in the caller's list.
    #[diesel(sql_type = Integer)]
    pub grp: i32,
    #[diesel(sql_type = BigInt)]
    pub id: ArticleId,
}

/// Up to `per_group` visible articles per group, newest first, for groups given as the
/// channels each covers (a channel with its sub-channels). Rows come by group, then newest first.
pub async fn newest_per_group(
    conn: &mut AsyncPgConnection,
    groups: &[Vec<CategoryId>],
    per_group: i64,
    now: DateTime<Utc>,
) -> diesel::QueryResult<Vec<GroupedId>> {
    let mut grp = Vec::new();
    let mut cats = Vec::new();
    for (i, scope) in groups.iter().enumerate() {
        for c in scope {
            grp.push(i as i32);
            cats.push(c.0);
        }
    }
    if grp.is_empty() {
        return Ok(Vec::new());
    }
    // The newest `per_group` of each channel by its feed index, then the newest of those per
    // group: a short index scan per channel, however large the channels are.
    diesel::sql_query(format!(
        "WITH s AS (SELECT * FROM unnest($1::int[], $2::bigint[]) AS s(grp, category_id)) \
         SELECT grp, id FROM ( \
           SELECT s.grp, x.id, x.published_at, row_number() OVER ( \
                    PARTITION BY s.grp ORDER BY x.published_at DESC NULLS LAST, x.id DESC) AS n \
             FROM s CROSS JOIN LATERAL ( \
               SELECT a.id, a.published_at FROM articles a \
                WHERE a.category_id = s.category_id AND {visible} \
                ORDER BY a.published_at DESC NULLS LAST, a.id DESC LIMIT $4) x \
         ) r WHERE n <= $4 \
         ORDER BY grp, published_at DESC NULLS LAST, id DESC",
        visible = crate::models::visibility::sql("a", "$3")
    ))
    .bind::<Array<Integer>, _>(&grp)
    .bind::<Array<BigInt>, _>(&cats)
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(per_group)
    .load(conn)
    .await
}

/// Up to `limit` visible articles of these kinds, newest first, in `scope` (a channel with or
/// without its sub-channels) or anywhere (`None`): one short scan of the kind index per kind.
pub async fn newest_of_kinds(
    conn: &mut AsyncPgConnection,
    kinds: &[ArticleKind],
    scope: Option<&[CategoryId]>,
    limit: i64,
    now: DateTime<Utc>,
) -> diesel::QueryResult<Vec<ArticleId>> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let scope: Option<Vec<i64>> = scope.map(|s| s.iter().map(|c| c.0).collect());
    let rows: Vec<NewestId> = diesel::sql_query(format!(
        "SELECT x.id FROM unnest($1::text[]) AS k(kind) CROSS JOIN LATERAL ( \
           SELECT a.id, a.published_at FROM articles a \
            WHERE a.kind = k.kind AND {visible} \
              AND ($3::bigint[] IS NULL OR a.category_id = ANY($3)) \
            ORDER BY a.published_at DESC NULLS LAST, a.id DESC LIMIT $4) x \
         ORDER BY x.published_at DESC NULLS LAST, x.id DESC LIMIT $4",
        visible = crate::models::visibility::sql("a", "$2")
    ))
    .bind::<Array<Text>, _>(&kinds)
    .bind::<Timestamptz, _>(now)
    .bind::<Nullable<Array<BigInt>>, _>(&scope)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

#[derive(Debug, QueryableByName)]
struct NewestId {
    #[diesel(sql_type = BigInt)]
    id: ArticleId,
}

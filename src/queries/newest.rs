//! The newest visible articles of several channels at once (a front page's channel blocks, an
//! article page's 最新 list): one query, whatever the number of channels.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Integer, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

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

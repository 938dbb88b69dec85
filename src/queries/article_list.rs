//! Article lists: filters, sorts and both pagination modes, in a fixed number of queries.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};

use crate::db::pagination::{Direction, PageRequest, Paged, Seek, offset};
use crate::db::schema::{article_authors, article_tags, articles};
use crate::models::article::{ArticleKind, ArticleStatus};
use crate::models::ids::{ArticleId, AuthorId, CategoryId, SourceId, TagId};

/// A total as shown: at most `cap`, and whether it is a lower bound.
pub fn capped_total(n: i64, cap: i64) -> (i64, bool) {
    if n > cap { (cap, true) } else { (n, false) }
}

/// An error shared by the waiters of one cached computation, as their own.
fn shared_error(e: &diesel::result::Error) -> diesel::result::Error {
    use diesel::result::Error;
    match e {
        Error::DatabaseError(kind, info) => {
            Error::DatabaseError(*kind, Box::new(info.message().to_owned()))
        }
        Error::NotFound => Error::NotFound,
        Error::BrokenTransactionManager => Error::BrokenTransactionManager,
        other => Error::QueryBuilderError(other.to_string().into()),
    }
}

/// Which articles a reader may list.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// Visible now: published, live by the clock, not trashed.
    Public(DateTime<Utc>),
    /// Staff: everything outside the trash, optionally one status.
    Staff(Option<ArticleStatus>),
    /// Staff: the trash.
    Trash,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    /// Newest first; pinned first when listing a channel.
    #[serde(rename = "d")]
    Default,
    #[serde(rename = "p+")]
    PublishedAsc,
    #[serde(rename = "p-")]
    PublishedDesc,
    #[serde(rename = "u-")]
    UpdatedDesc,
    #[serde(rename = "v-")]
    ViewsDesc,
    /// Trash: most recently trashed first.
    #[serde(rename = "t-")]
    DeletedDesc,
}

/// The keyset of a row under a sort. Opaque to clients.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArticleCursor {
    pub s: Sort,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pin: Option<bool>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "crate::db::timestamp::option"
    )]
    pub t: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub n: Option<i64>,
    pub id: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub categories: Option<Vec<CategoryId>>,
    pub source: Option<SourceId>,
    pub author: Option<AuthorId>,
    pub tag: Option<TagId>,
    /// Any of these kinds.
    pub kind: Option<Vec<ArticleKind>>,
    pub headline: Option<bool>,
    pub featured: Option<bool>,
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
    /// A full-text query (tsquery syntax, from `Segmenter::parse_query`).
    pub search: Option<String>,
    /// What a match must also match to rank fully (`SearchQuery::preferred`); ranking only.
    pub search_preferred: Option<String>,
}

impl Filters {
    /// Nothing narrows the list but its channels, its publish times and its search.
    pub fn only_channels_and_times(&self) -> bool {
        self.source.is_none()
            && self.author.is_none()
            && self.tag.is_none()
            && self.kind.is_none()
            && self.headline.is_none()
            && self.featured.is_none()
            && self.updated_since.is_none()
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct SummaryRow {
    pub id: ArticleId,
    pub slug: String,
    pub kicker: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub summary: String,
    pub cover_image_url: Option<String>,
    pub kind: ArticleKind,
    pub category_id: CategoryId,
    pub source_id: Option<SourceId>,
    pub is_headline: bool,
    pub is_featured: bool,
    pub is_pinned: bool,
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub view_count: i64,
}

pub struct ArticleQuery {
    pub scope: Scope,
    pub filters: Filters,
    pub sort: Sort,
    /// Full-text search totals stop counting here (`SEARCH_COUNT_CAP`).
    pub search_count_cap: i64,
}

type Boxed<'a> = articles::BoxedQuery<'a, Pg>;

/// A sort on one column, largest first, ties broken by id (largest first), through the shared
/// keyset rule (`crate::keyset!`) from the cursor's `(value, id)`. The published sorts, with
/// their nulls and pinned rows, are written out in `ordered`.
macro_rules! by_key {
    ($q:expr, $col:expr, $value:expr, $id0:expr, $back:expr) => {{
        let q = $q;
        match ($value, $back) {
            (Some(v), back) => {
                let key = (v, $id0);
                let seek = if back {
                    Seek::Before(&key)
                } else {
                    Seek::After(&key)
                };
                $crate::keyset!(q, seek, desc($col, articles::id), |k| (k.0, k.1))
            }
            (None, true) => q.order(($col.asc(), articles::id.asc())),
            (None, false) => q.order(($col.desc(), articles::id.desc())),
        }
    }};
}

impl ArticleQuery {
    /// Lists the visible articles of its scope in publish order, filtered by nothing but
    /// publish times: which articles it shows, and where, depends only on their placement
    /// (`cache::deps::Dep::Placement`).
    pub fn by_placement(&self) -> bool {
        let f = &self.filters;
        matches!(
            self.sort,
            Sort::Default | Sort::PublishedDesc | Sort::PublishedAsc
        ) && f.only_channels_and_times()
            && f.search.is_none()
    }

    /// Every filter, without order or paging.
    pub fn filtered(&self) -> Boxed<'_> {
        let f = &self.filters;
        let mut q = articles::table.into_boxed();
        q = match self.scope {
            Scope::Public(now) => q.filter(crate::models::visibility::visible(now)),
            Scope::Staff(status) => {
                let q = q.filter(articles::deleted_at.is_null());
                match status {
                    Some(s) => q.filter(articles::status.eq(s)),
                    None => q,
                }
            }
            Scope::Trash => q.filter(articles::deleted_at.is_not_null()),
        };
        if let Some(ids) = &f.categories {
            q = q.filter(articles::category_id.eq_any(ids.clone()));
        }
        if let Some(s) = f.source {
            q = q.filter(articles::source_id.eq(s));
        }
        if let Some(a) = f.author {
            let ids = article_authors::table
                .filter(article_authors::author_id.eq(a))
                .select(article_authors::article_id);
            q = q.filter(articles::id.eq_any(ids));
        }
        if let Some(t) = f.tag {
            let ids = article_tags::table
                .filter(article_tags::tag_id.eq(t))
                .select(article_tags::article_id);
            q = q.filter(articles::id.eq_any(ids));
        }
        if let Some(k) = &f.kind {
            q = q.filter(articles::kind.eq_any(k.clone()));
        }
        if let Some(h) = f.headline {
            q = q.filter(articles::is_headline.eq(h));
        }
        if let Some(x) = f.featured {
            q = q.filter(articles::is_featured.eq(x));
        }
        if let Some(t) = f.published_after {
            q = q.filter(articles::published_at.gt(t));
        }
        if let Some(t) = f.published_before {
            q = q.filter(articles::published_at.lt(t));
        }
        if let Some(t) = f.updated_since {
            q = q.filter(articles::updated_at.ge(t));
        }
        if let Some(tsquery) = &f.search {
            q = q.filter(matches(tsquery));
        }
        q
    }

    fn pinned_first(&self) -> bool {
        self.sort == Sort::Default && self.filters.categories.is_some()
    }

    /// Applies the sort (reversed when walking backwards) and the keyset condition.
    pub fn ordered(&self, cursor: Option<&ArticleCursor>, dir: Direction) -> Boxed<'_> {
        use articles::dsl as a;
        let back = dir == Direction::Prev;
        let mut q = self.filtered();
        let id0 = ArticleId(cursor.map_or(0, |c| c.id));
        match self.sort {
            Sort::Default | Sort::PublishedDesc | Sort::PublishedAsc => {
                let desc = self.sort != Sort::PublishedAsc;
                // Walking "down" the list order.
                let down = desc != back;
                if let Some(c) = cursor {
                    let after_time = match (c.t, down) {
                        (Some(t), true) => Box::new(
                            a::published_at
                                .lt(t)
                                .or(a::published_at.eq(t).and(a::id.lt(id0)))
                                .or(a::published_at.is_null()),
                        )
                            as Box<
                                dyn BoxableExpression<
                                        articles::table,
                                        Pg,
                                        SqlType = diesel::sql_types::Nullable<
                                            diesel::sql_types::Bool,
                                        >,
                                    >,
                            >,
                        (Some(t), false) => Box::new(
                            a::published_at
                                .gt(t)
                                .or(a::published_at.eq(t).and(a::id.gt(id0))),
                        ),
                        (None, true) => {
                            Box::new(a::published_at.is_null().and(a::id.lt(id0)).nullable())
                        }
                        (None, false) => {
                            Box::new(a::published_at.is_not_null().or(a::id.gt(id0)).nullable())
                        }
                    };
                    q = match (self.pinned_first(), c.pin) {
                        (true, Some(p)) if down == p => {
                            // pinned=true rows come first: after a pinned row, the unpinned ones follow (and vice versa).
                            q.filter(
                                a::is_pinned
                                    .ne(p)
                                    .nullable()
                                    .or(a::is_pinned.eq(p).nullable().and(after_time)),
                            )
                        }
                        (true, Some(p)) => {
                            q.filter(a::is_pinned.eq(p).and(after_time.assume_not_null()))
                        }
                        _ => q.filter(after_time.assume_not_null()),
                    };
                }
                q = match (self.pinned_first(), down) {
                    (true, true) => q.order((
                        a::is_pinned.desc(),
                        a::published_at.desc().nulls_last(),
                        a::id.desc(),
                    )),
                    (true, false) => q.order((
                        a::is_pinned.asc(),
                        a::published_at.asc().nulls_first(),
                        a::id.asc(),
                    )),
                    (false, true) => q.order((a::published_at.desc().nulls_last(), a::id.desc())),
                    (false, false) => q.order((a::published_at.asc().nulls_first(), a::id.asc())),
                };
            }
            Sort::UpdatedDesc => {
                q = by_key!(q, a::updated_at, cursor.and_then(|c| c.t), id0, back);
            }
            Sort::ViewsDesc => {
                q = by_key!(q, a::view_count, cursor.and_then(|c| c.n), id0, back);
            }
            Sort::DeletedDesc => {
                q = by_key!(q, a::deleted_at, cursor.and_then(|c| c.t), id0, back);
            }
        }
        q
    }

    pub fn cursor_of(&self, row: &SummaryRow) -> ArticleCursor {
        let (pin, t, n) = match self.sort {
            Sort::Default | Sort::PublishedAsc | Sort::PublishedDesc => (
                self.pinned_first().then_some(row.is_pinned),
                row.published_at,
                None,
            ),
            Sort::UpdatedDesc => (None, Some(row.updated_at), None),
            Sort::ViewsDesc => (None, None, Some(row.view_count)),
            Sort::DeletedDesc => (None, row.deleted_at, None),
        };
        ArticleCursor {
            s: self.sort,
            pin,
            t,
            n,
            id: row.id.0,
        }
    }

    /// The number of matching rows (a full-text search counts up to `search_count_cap + 1`);
    /// public totals are reused from `totals` for a few seconds, and concurrent requests for
    /// the same total wait for one computation.
    pub async fn total(
        &self,
        conn: &mut AsyncPgConnection,
        totals: Option<&moka::future::Cache<String, i64>>,
    ) -> QueryResult<i64> {
        let cache = match (self.scope, totals) {
            (Scope::Public(_), Some(cache)) => cache,
            _ => return self.count(conn).await,
        };
        let key = format!("{:?}", self.filters);
        cache
            .try_get_with(key, self.count(conn))
            .await
            .map_err(|e| shared_error(&e))
    }

    async fn count(&self, conn: &mut AsyncPgConnection) -> QueryResult<i64> {
        if self.filters.search.is_none() {
            return self.filtered().count().get_result(conn).await;
        }
        // Matching needs no stored vector when the GIN index answers it, while a scan in
        // another order reads (and decompresses) every vector: make the planner use the index.
        conn.transaction(async |c| {
            diesel::sql_query("SET LOCAL enable_seqscan = off")
                .execute(c)
                .await?;
            diesel::sql_query("SET LOCAL enable_indexscan = off")
                .execute(c)
                .await?;
            let ids: Vec<ArticleId> = self
                .filtered()
                .select(articles::id)
                .limit(self.search_count_cap + 1)
                .load(c)
                .await?;
            Ok(ids.len() as i64)
        })
        .await
    }

    /// One page of summaries: one query for the rows, one more for the total in page mode
    /// (public totals are cached briefly).
    pub async fn page(
        &self,
        conn: &mut AsyncPgConnection,
        req: &PageRequest<ArticleCursor>,
        totals: Option<&moka::future::Cache<String, i64>>,
    ) -> QueryResult<Paged<SummaryRow, ArticleCursor>> {
        let limit = req.per_page() + 1;
        let (rows, total) = match req {
            PageRequest::Page { page, per_page } => {
                let total = self.total(conn, totals).await?;
                let rows = self
                    .ordered(None, Direction::Next)
                    .select(SummaryRow::as_select())
                    .offset(offset(*page, *per_page))
                    .limit(limit)
                    .load(conn)
                    .await?;
                (rows, Some(total))
            }
            PageRequest::Cursor { cursor, .. } => {
                let rows = self
                    .ordered(Some(&cursor.key), cursor.dir)
                    .select(SummaryRow::as_select())
                    .limit(limit)
                    .load(conn)
                    .await?;
                (rows, None)
            }
        };
        let (total, lower_bound) = match total {
            Some(n) => {
                let (n, lb) = capped_total(n, self.search_count_cap);
                (Some(n), lb)
            }
            None => (None, false),
        };
        let mut paged = Paged::from_rows(rows, req, total, |r| self.cursor_of(r));
        paged.total_is_lower_bound = lower_bound;
        Ok(paged)
    }
}

/// Summary rows of these articles, in the given order (missing ones left out).
pub async fn summary_rows(
    conn: &mut AsyncPgConnection,
    ids: &[ArticleId],
) -> QueryResult<Vec<SummaryRow>> {
    let rows: Vec<SummaryRow> = articles::table
        .filter(articles::id.eq_any(ids))
        .select(SummaryRow::as_select())
        .load(conn)
        .await?;
    let mut by_id: std::collections::HashMap<ArticleId, SummaryRow> =
        rows.into_iter().map(|r| (r.id, r)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// `search_vector @@ <query>`, for `ArticleQuery` filters.
pub fn matches(
    tsquery: &str,
) -> Box<dyn BoxableExpression<articles::table, Pg, SqlType = diesel::sql_types::Bool>> {
    Box::new(
        diesel::dsl::sql::<diesel::sql_types::Bool>("articles.search_vector @@ CAST(")
            .bind::<diesel::sql_types::Text, _>(tsquery.to_owned())
            .sql(" AS tsquery)"),
    )
}

//! Ranking boards: most-read (computed) and curated (ordered picks with optional time windows).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Key;
use super::ids::{ArticleId, CategoryId, RankingId};
use crate::db::schema::{ranking_entries, rankings};

crate::text_enum! {
    /// `most_read`: computed from views; `curated`: chosen by editors.
    RankingKind { MostRead => "most_read", Curated => "curated" }
}

crate::text_enum! {
    /// A rolling window of days, ending today (in NEWSDESK_TIMEZONE); `all` is all time.
    TimeWindow { Day => "day", Week => "week", Month => "month", Year => "year", All => "all" }
}

impl TimeWindow {
    /// Days before today that the window also covers (`None`: all time).
    pub fn previous_days(self) -> Option<i64> {
        match self {
            TimeWindow::Day => Some(0),
            TimeWindow::Week => Some(6),
            TimeWindow::Month => Some(29),
            TimeWindow::Year => Some(364),
            TimeWindow::All => None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = rankings)]
pub struct Ranking {
    pub id: RankingId,
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub kind: RankingKind,
    pub size: i32,
    pub position: i32,
    pub time_window: Option<TimeWindow>,
    pub category_id: Option<CategoryId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = rankings, treat_none_as_null = true)]
pub struct RankingContent {
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub kind: RankingKind,
    pub size: i32,
    pub position: i32,
    pub time_window: Option<TimeWindow>,
    pub category_id: Option<CategoryId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ranking_entries)]
pub struct Entry {
    pub ranking_id: RankingId,
    pub article_id: ArticleId,
    pub position: i32,
    pub note: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

impl Entry {
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        self.starts_at.is_none_or(|s| s <= now) && self.ends_at.is_none_or(|e| e > now)
    }
}

pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Ranking>> {
    rankings::table
        .select(Ranking::as_select())
        .order((rankings::position, rankings::title, rankings::id))
        .load(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, key: &Key) -> QueryResult<Option<Ranking>> {
    let q = rankings::table.select(Ranking::as_select()).into_boxed();
    let q = match key {
        Key::Id(id) => q.filter(rankings::id.eq(RankingId(*id))),
        Key::Slug(s) => q.filter(rankings::slug.eq(s.as_str())),
    };
    q.first(conn).await.optional()
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    content: &RankingContent,
) -> QueryResult<Ranking> {
    diesel::insert_into(rankings::table)
        .values(content)
        .returning(Ranking::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: RankingId,
    content: &RankingContent,
) -> QueryResult<Ranking> {
    diesel::update(rankings::table.find(id))
        .set((content, rankings::updated_at.eq(diesel::dsl::now)))
        .returning(Ranking::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut AsyncPgConnection, id: RankingId) -> QueryResult<usize> {
    diesel::delete(rankings::table.find(id)).execute(conn).await
}

pub async fn entries(conn: &mut AsyncPgConnection, id: RankingId) -> QueryResult<Vec<Entry>> {
    ranking_entries::table
        .filter(ranking_entries::ranking_id.eq(id))
        .order(ranking_entries::position)
        .select(Entry::as_select())
        .load(conn)
        .await
}

/// Replaces the whole list of a curated board.
pub async fn replace_entries(
    conn: &mut AsyncPgConnection,
    id: RankingId,
    list: &[Entry],
) -> QueryResult<()> {
    diesel::delete(ranking_entries::table.filter(ranking_entries::ranking_id.eq(id)))
        .execute(conn)
        .await?;
    if !list.is_empty() {
        diesel::insert_into(ranking_entries::table)
            .values(list)
            .execute(conn)
            .await?;
    }
    diesel::update(rankings::table.find(id))
        .set(rankings::updated_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

//! Tags: keywords on articles, created on first use.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Key;
use super::ids::{ArticleId, TagId};
use crate::db::pagination::{PageRequest, Paged, Seek};
use crate::db::schema::{article_tags, tags};

/// Longest tag name, in characters.
pub const MAX_TAG_LEN: usize = 32;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, QueryableByName)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: TagId,
    pub slug: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A tag with the number of articles that carry it.
#[derive(Debug, Clone, QueryableByName)]
pub struct TagCount {
    #[diesel(embed)]
    pub tag: Tag,
    #[diesel(sql_type = BigInt)]
    pub article_count: i64,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// Trims a tag name and folds inner white space.
pub fn normalize(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Tag names as sent, normalized and without repeats; `Err` says what is wrong (a name that is
/// empty, too long or has control characters; more than `max` names).
pub fn normalize_list(raw: &[String], max: usize) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for name in raw {
        let t = normalize(name);
        if t.is_empty() || t.chars().count() > MAX_TAG_LEN || t.chars().any(char::is_control) {
            return Err(format!(
                "each tag must be 1 to {MAX_TAG_LEN} characters of text"
            ));
        }
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    if tags.len() > max {
        return Err(format!("at most {max} tags"));
    }
    Ok(tags)
}

pub async fn find(conn: &mut AsyncPgConnection, key: &Key) -> QueryResult<Option<Tag>> {
    let query = tags::table.select(Tag::as_select()).into_boxed();
    let query = match key {
        // Years and numbers are common tag names: an all-digit key matches an id or a name.
        Key::Id(id) => query.filter(tags::id.eq(TagId(*id)).or(tags::name.eq(id.to_string()))),
        Key::Slug(s) => query.filter(tags::slug.eq(s.as_str()).or(tags::name.eq(s.as_str()))),
    };
    query.first(conn).await.optional()
}

/// The tags of these names, created when missing, in the given order.
///
/// Safe against concurrent writers: a name or slug created meanwhile is picked up or avoided.
pub async fn find_or_create(
    conn: &mut AsyncPgConnection,
    names: &[String],
) -> QueryResult<Vec<Tag>> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let mut attempts = 0;
        let tag = loop {
            let existing = tags::table
                .filter(tags::name.eq(name))
                .select(Tag::as_select())
                .first(conn)
                .await
                .optional()?;
            if let Some(t) = existing {
                break t;
            }
            let slug = super::free_slug(
                conn,
                super::SlugTable::Tags,
                &crate::slugs::slugify(name, "tag"),
            )
            .await?;
            let inserted = diesel::insert_into(tags::table)
                .values((tags::name.eq(name), tags::slug.eq(&slug)))
                .on_conflict_do_nothing()
                .returning(Tag::as_returning())
                .get_result(conn)
                .await
                .optional()?;
            match inserted {
                Some(t) => break t,
                None if attempts < 5 => attempts += 1,
                None => return Err(diesel::result::Error::NotFound),
            }
        };
        out.push(tag);
    }
    Ok(out)
}

/// Replaces the tags of an article.
pub async fn set_for_article(
    conn: &mut AsyncPgConnection,
    article: ArticleId,
    list: &[Tag],
) -> QueryResult<()> {
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = list
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                article_tags::article_id.eq(article),
                article_tags::tag_id.eq(t.id),
                article_tags::position.eq(i as i32),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(article_tags::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Tags of many articles, in each article's order.
pub async fn for_articles(
    conn: &mut AsyncPgConnection,
    ids: &[ArticleId],
) -> QueryResult<Vec<(ArticleId, Tag)>> {
    article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(ids))
        .order((article_tags::article_id, article_tags::position))
        .select((article_tags::article_id, Tag::as_select()))
        .load(conn)
        .await
}

pub type TagCursorKey = (String, i64);

/// Tags by name, with counts of articles; `public` (the time to judge visibility at) counts
/// and lists only articles visible then.
pub async fn list(
    conn: &mut AsyncPgConnection,
    prefix: Option<&str>,
    public: Option<DateTime<Utc>>,
    req: &PageRequest<TagCursorKey>,
) -> QueryResult<Paged<TagCount, TagCursorKey>> {
    let pattern = prefix.map(|p| format!("{}%", super::like_escape(p)));
    let (after, before, offset) = match req.seek() {
        Seek::Offset(n) => (None, None, n),
        Seek::After(k) => (Some(k.clone()), None, 0),
        Seek::Before(k) => (None, Some(k.clone()), 0),
    };
    let descending = before.is_some();
    // Tags are filtered with EXISTS (stops at the first visible article) and paged first;
    // articles are counted only for the tags of the page.
    let visible = format!(
        "a.deleted_at IS NULL AND ($2::timestamptz IS NULL OR {})",
        super::visibility::sql("a", "$2::timestamptz")
    );
    let sql = format!(
        "WITH live AS ( \
           SELECT t.id, t.slug, t.name, t.created_at FROM tags t \
            WHERE ($1::text IS NULL OR t.name LIKE $1::text) \
              AND ($2::timestamptz IS NULL OR EXISTS (SELECT 1 FROM article_tags at \
                   JOIN articles a ON a.id = at.article_id WHERE at.tag_id = t.id AND {visible})) \
         ), page AS ( \
           SELECT *, count(*) OVER () AS total FROM live \
            WHERE ($3::text IS NULL OR (name, id) > ($3::text, $4::bigint)) \
              AND ($5::text IS NULL OR (name, id) < ($5::text, $6::bigint)) \
            ORDER BY name {dir}, id {dir} LIMIT $7 OFFSET $8 \
         ) \
         SELECT p.id, p.slug, p.name, p.created_at, p.total, \
                (SELECT count(*) FROM article_tags at JOIN articles a ON a.id = at.article_id \
                  WHERE at.tag_id = p.id AND {visible}) AS article_count \
           FROM page p ORDER BY p.name {dir}, p.id {dir}",
        dir = if descending { "DESC" } else { "ASC" }
    );
    let rows: Vec<TagCount> = diesel::sql_query(sql)
        .bind::<Nullable<Text>, _>(pattern)
        .bind::<Nullable<Timestamptz>, _>(public)
        .bind::<Nullable<Text>, _>(after.as_ref().map(|k| k.0.clone()))
        .bind::<Nullable<BigInt>, _>(after.as_ref().map(|k| k.1))
        .bind::<Nullable<Text>, _>(before.as_ref().map(|k| k.0.clone()))
        .bind::<Nullable<BigInt>, _>(before.as_ref().map(|k| k.1))
        .bind::<BigInt, _>(req.per_page() + 1)
        .bind::<BigInt, _>(offset)
        .load(conn)
        .await?;
    let total = match (req, <[TagCount]>::first(&rows)) {
        (PageRequest::Page { .. }, Some(first)) => Some(first.total),
        // Past the last page the window is empty: count on its own.
        (PageRequest::Page { .. }, None) => Some(count(conn, prefix, public).await?),
        (PageRequest::Cursor { .. }, _) => None,
    };
    Ok(Paged::from_rows(rows, req, total, |t: &TagCount| {
        (t.tag.name.clone(), t.tag.id.0)
    }))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(
    conn: &mut AsyncPgConnection,
    prefix: Option<&str>,
    public: Option<DateTime<Utc>>,
) -> QueryResult<i64> {
    let pattern = prefix.map(|p| format!("{}%", super::like_escape(p)));
    let row: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM tags t WHERE ($1::text IS NULL OR t.name LIKE $1::text) \
           AND ($2::timestamptz IS NULL OR EXISTS (SELECT 1 FROM article_tags at \
                JOIN articles a ON a.id = at.article_id WHERE at.tag_id = t.id AND {}))",
        super::visibility::sql("a", "$2::timestamptz")
    ))
    .bind::<Nullable<Text>, _>(pattern)
    .bind::<Nullable<Timestamptz>, _>(public)
    .get_result(conn)
    .await?;
    Ok(row.n)
}

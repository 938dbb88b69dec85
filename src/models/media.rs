//! Media assets (the media library) and which articles use them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::ids::{ArticleId, MediaId, UserId};
use crate::db::pagination::{PageRequest, Paged};
use crate::db::schema::{article_media, media_assets};

crate::text_enum! {
    /// What an asset is, read from its content.
    MediaKind {
        Image => "image",
        Video => "video",
        Audio => "audio",
    }
}

crate::text_enum! {
    /// How an article uses an asset.
    MediaRole {
        /// The cover image (题图).
        Cover => "cover",
        /// The video or audio of a `video` or `audio` article.
        Media => "media",
        /// An image of a `gallery` article, in order.
        Gallery => "gallery",
        /// An image in the body, in order.
        Body => "body",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = media_assets)]
pub struct Asset {
    pub id: MediaId,
    pub kind: MediaKind,
    pub mime: String,
    pub file_name: String,
    pub byte_size: i64,
    pub upload_sha256: String,
    pub sha256: String,
    pub title: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub tags: Vec<Option<String>>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_ms: Option<i64>,
    pub poster_id: Option<MediaId>,
    pub public: bool,
    pub uploaded_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Asset {
    /// Where the stored bytes live in the object store: content-addressed, so the same bytes
    /// are stored once.
    pub fn storage_key(&self) -> String {
        storage_key(&self.sha256, &self.file_name)
    }

    pub fn tag_list(&self) -> Vec<String> {
        self.tags.iter().flatten().cloned().collect()
    }
}

/// The object key of stored bytes with this hash and this name's extension.
pub fn storage_key(sha256: &str, file_name: &str) -> String {
    let ext = file_name.rsplit_once('.').map_or("bin", |(_, e)| e);
    format!(
        "originals/{}/{sha256}.{ext}",
        &sha256[..2.min(sha256.len())]
    )
}

#[derive(Debug, Insertable)]
#[diesel(table_name = media_assets)]
pub struct NewAsset {
    pub kind: MediaKind,
    pub mime: String,
    pub file_name: String,
    pub byte_size: i64,
    pub upload_sha256: String,
    pub sha256: String,
    pub title: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub tags: Vec<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_ms: Option<i64>,
    pub poster_id: Option<MediaId>,
    pub public: bool,
    pub uploaded_by: UserId,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = media_assets)]
pub struct AssetChanges {
    pub title: Option<String>,
    pub alt: Option<Option<String>>,
    pub caption: Option<Option<String>>,
    pub credit: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub poster_id: Option<Option<MediaId>>,
    pub public: Option<bool>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn find(conn: &mut AsyncPgConnection, id: MediaId) -> QueryResult<Option<Asset>> {
    media_assets::table
        .find(id)
        .select(Asset::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_many(conn: &mut AsyncPgConnection, ids: &[MediaId]) -> QueryResult<Vec<Asset>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    media_assets::table
        .filter(media_assets::id.eq_any(ids))
        .select(Asset::as_select())
        .load(conn)
        .await
}

/// The asset already made from an upload with this hash.
pub async fn find_by_upload(
    conn: &mut AsyncPgConnection,
    upload_sha256: &str,
) -> QueryResult<Option<Asset>> {
    media_assets::table
        .filter(media_assets::upload_sha256.eq(upload_sha256))
        .select(Asset::as_select())
        .first(conn)
        .await
        .optional()
}

/// Inserts an asset unless one with the same upload hash exists (a concurrent upload of the
/// same file); `None` then.
pub async fn insert(conn: &mut AsyncPgConnection, new: &NewAsset) -> QueryResult<Option<Asset>> {
    diesel::insert_into(media_assets::table)
        .values(new)
        .on_conflict(media_assets::upload_sha256)
        .do_nothing()
        .returning(Asset::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: MediaId,
    changes: &AssetChanges,
) -> QueryResult<Asset> {
    diesel::update(media_assets::table.find(id))
        .set(changes)
        .returning(Asset::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut AsyncPgConnection, id: MediaId) -> QueryResult<usize> {
    diesel::delete(media_assets::table.find(id))
        .execute(conn)
        .await
}

/// Whether any other asset still stores these bytes (the same content uploaded under a
/// different upload hash never happens, but a stripped image may equal another upload).
pub async fn bytes_shared(
    conn: &mut AsyncPgConnection,
    sha256: &str,
    except: MediaId,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        media_assets::table
            .filter(media_assets::sha256.eq(sha256))
            .filter(media_assets::id.ne(except)),
    ))
    .get_result(conn)
    .await
}

/// What a list of assets is narrowed to.
#[derive(Debug, Default)]
pub struct Filter {
    pub kind: Option<MediaKind>,
    pub tag: Option<String>,
    pub uploaded_by: Option<UserId>,
    /// Title, alt text, caption or credit contains this (case-insensitive).
    pub q: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only assets this user uploaded or that are public (a writer's view of the library).
    pub visible_to: Option<UserId>,
}

/// The keyset of an asset: newest first.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MediaCursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

/// Assets newest first, filtered, in either pagination mode.
pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &Filter,
    req: &PageRequest<MediaCursor>,
) -> QueryResult<Paged<Asset, MediaCursor>> {
    let filtered = || {
        let mut q = media_assets::table.into_boxed();
        if let Some(k) = f.kind {
            q = q.filter(media_assets::kind.eq(k));
        }
        if let Some(t) = &f.tag {
            q = q.filter(media_assets::tags.contains(vec![Some(t.clone())]));
        }
        if let Some(u) = f.uploaded_by {
            q = q.filter(media_assets::uploaded_by.eq(u));
        }
        if let Some(needle) = &f.q {
            let p = format!("%{}%", super::like_escape(needle));
            q = q.filter(
                media_assets::title
                    .ilike(p.clone())
                    .or(media_assets::alt.ilike(p.clone()).assume_not_null())
                    .or(media_assets::caption.ilike(p.clone()).assume_not_null())
                    .or(media_assets::credit.ilike(p).assume_not_null()),
            );
        }
        if let Some(t) = f.since {
            q = q.filter(media_assets::created_at.ge(t));
        }
        if let Some(t) = f.until {
            q = q.filter(media_assets::created_at.lt(t));
        }
        if let Some(u) = f.visible_to {
            q = q.filter(media_assets::uploaded_by.eq(u).or(media_assets::public));
        }
        q
    };
    let (at, id) = (media_assets::created_at, media_assets::id);
    let q = filtered().select(Asset::as_select()).limit(req.limit());
    let rows = crate::keyset!(q, req.seek(), desc(at, id), |k| (k.at, MediaId(k.id)))
        .load(conn)
        .await?;
    let total = match req.counts_total() {
        true => Some(filtered().count().get_result(conn).await?),
        false => None,
    };
    Ok(Paged::from_rows(rows, req, total, |a: &Asset| {
        MediaCursor {
            at: a.created_at,
            id: a.id.0,
        }
    }))
}

/// How many articles (trash included) use the asset, directly or through a video or audio
/// whose poster it is; and how many assets name it as their poster.
pub async fn usage(conn: &mut AsyncPgConnection, id: MediaId) -> QueryResult<(i64, i64)> {
    let articles: i64 = article_media::table
        .filter(article_media::asset_id.eq(id))
        .select(diesel::dsl::count(article_media::article_id).aggregate_distinct())
        .get_result(conn)
        .await?;
    let posters: i64 = media_assets::table
        .filter(media_assets::poster_id.eq(id))
        .count()
        .get_result(conn)
        .await?;
    Ok((articles, posters))
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    yes: bool,
}

/// Whether a visible article uses the asset, directly or as the poster of a video or audio
/// it uses.
pub async fn used_by_visible(
    conn: &mut AsyncPgConnection,
    id: MediaId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM article_media am JOIN articles a ON a.id = am.article_id \
         WHERE (am.asset_id = $1 OR am.asset_id IN (SELECT id FROM media_assets WHERE poster_id = $1)) \
         AND {}) AS yes",
        super::visibility::sql("a", "$2")
    );
    let row: Exists = diesel::sql_query(sql)
        .bind::<BigInt, _>(id.0)
        .bind::<Timestamptz, _>(now)
        .get_result(conn)
        .await?;
    Ok(row.yes)
}

/// One use of an asset by an article.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = article_media)]
pub struct Use {
    pub article_id: ArticleId,
    pub role: MediaRole,
    pub position: i32,
    pub asset_id: MediaId,
}

/// The uses of these articles, in role and position order.
pub async fn uses_of(
    conn: &mut AsyncPgConnection,
    articles: &[ArticleId],
    roles: &[MediaRole],
) -> QueryResult<Vec<Use>> {
    if articles.is_empty() {
        return Ok(Vec::new());
    }
    article_media::table
        .filter(article_media::article_id.eq_any(articles))
        .filter(article_media::role.eq_any(roles))
        .order((
            article_media::article_id,
            article_media::role,
            article_media::position,
        ))
        .select(Use::as_select())
        .load(conn)
        .await
}

/// Replaces an article's uses in these roles with `uses`.
pub async fn set_uses(
    conn: &mut AsyncPgConnection,
    article: ArticleId,
    roles: &[MediaRole],
    uses: &[Use],
) -> QueryResult<()> {
    diesel::delete(
        article_media::table
            .filter(article_media::article_id.eq(article))
            .filter(article_media::role.eq_any(roles)),
    )
    .execute(conn)
    .await?;
    if !uses.is_empty() {
        diesel::insert_into(article_media::table)
            .values(uses)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The articles using any of these assets (directly or through a poster).
pub async fn articles_using(
    conn: &mut AsyncPgConnection,
    id: MediaId,
) -> QueryResult<Vec<ArticleId>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        article_id: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT DISTINCT article_id FROM article_media \
         WHERE asset_id = $1 OR asset_id IN (SELECT id FROM media_assets WHERE poster_id = $1)",
    )
    .bind::<BigInt, _>(id.0)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| ArticleId(r.article_id)).collect())
}

/// The assets an article names itself (the body's images are found in its HTML): kept in its
/// revisions.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MediaRefs {
    #[serde(default)]
    pub cover: Option<MediaId>,
    #[serde(default)]
    pub media: Option<MediaId>,
    #[serde(default)]
    pub gallery: Vec<MediaId>,
}

/// The uses of these articles in these roles, with their assets, in role and position order.
pub async fn uses_with_assets(
    conn: &mut AsyncPgConnection,
    articles: &[ArticleId],
    roles: &[MediaRole],
) -> QueryResult<Vec<(Use, Asset)>> {
    if articles.is_empty() {
        return Ok(Vec::new());
    }
    article_media::table
        .inner_join(media_assets::table)
        .filter(article_media::article_id.eq_any(articles))
        .filter(article_media::role.eq_any(roles))
        .order((
            article_media::article_id,
            article_media::role,
            article_media::position,
        ))
        .select((Use::as_select(), Asset::as_select()))
        .load(conn)
        .await
}

/// What an article names now (cover, media, gallery).
pub async fn refs_of(conn: &mut AsyncPgConnection, article: ArticleId) -> QueryResult<MediaRefs> {
    let uses = uses_of(
        conn,
        &[article],
        &[MediaRole::Cover, MediaRole::Media, MediaRole::Gallery],
    )
    .await?;
    let mut refs = MediaRefs::default();
    for u in uses {
        match u.role {
            MediaRole::Cover => refs.cover = Some(u.asset_id),
            MediaRole::Media => refs.media = Some(u.asset_id),
            MediaRole::Gallery => refs.gallery.push(u.asset_id),
            MediaRole::Body => {}
        }
    }
    Ok(refs)
}

//! Article summaries with their lookups (sources and bylines of the page), in a fixed number
//! of queries.

use std::collections::HashMap;

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use super::dto::{ArticleDetail, ArticleSummary, detail, summaries};
use crate::cache::deps::{self, Dep};
use crate::content::media::{ImageRef, MediaRef};
use crate::error::ApiError;
use crate::models::article::Article;
use crate::models::category::Tree;
use crate::models::ids::{ArticleId, MediaId};
use crate::models::media::{self, Asset, MediaRole};
use crate::queries::article_detail::{self, bylines, sources_by_id};
use crate::queries::article_list::{SummaryRow, summary_rows};

/// Summaries of these articles, in this order (missing ones left out).
pub async fn summaries_of(
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    ids: &[ArticleId],
) -> Result<Vec<ArticleSummary>, ApiError> {
    let rows = summary_rows(conn, ids).await?;
    summaries_of_rows(conn, tree, rows).await
}

/// Summaries of loaded rows, in their order.
pub async fn summaries_of_rows(
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    rows: Vec<SummaryRow>,
) -> Result<Vec<ArticleSummary>, ApiError> {
    let ids: Vec<ArticleId> = rows.iter().map(|r| r.id).collect();
    let mut source_ids: Vec<_> = rows.iter().filter_map(|r| r.source_id).collect();
    source_ids.sort();
    source_ids.dedup();
    let sources = sources_by_id(conn, &source_ids).await?;
    let mut by = bylines(conn, &ids).await?;
    let mut list = summaries(rows, tree, &sources, &mut by);
    attach_summary_media(conn, &mut list, &ids).await?;
    record_summaries(&list);
    Ok(list)
}

/// Covers, and the video or audio (with its poster) of `video` and `audio` articles.
async fn attach_summary_media(
    conn: &mut AsyncPgConnection,
    list: &mut [ArticleSummary],
    ids: &[ArticleId],
) -> Result<(), ApiError> {
    let roles = [MediaRole::Cover, MediaRole::Media];
    let uses = media::uses_with_assets(conn, ids, &roles).await?;
    if uses.is_empty() {
        return Ok(());
    }
    let widths = crate::media::widths();
    let posters = posters_of(conn, &uses).await?;
    let mut covers: HashMap<ArticleId, Asset> = HashMap::new();
    let mut played: HashMap<ArticleId, Asset> = HashMap::new();
    for (u, a) in uses {
        match u.role {
            MediaRole::Cover => covers.insert(u.article_id, a),
            _ => played.insert(u.article_id, a),
        };
    }
    for s in list {
        s.cover_image = covers.remove(&s.id).and_then(|a| ImageRef::of(&a, widths));
        s.media = played
            .remove(&s.id)
            .map(|a| media_ref(&a, &posters, widths));
    }
    Ok(())
}

/// The posters of the video and audio among `uses`.
async fn posters_of(
    conn: &mut AsyncPgConnection,
    uses: &[(media::Use, Asset)],
) -> Result<HashMap<MediaId, Asset>, ApiError> {
    let ids: Vec<MediaId> = uses
        .iter()
        .filter(|(u, _)| u.role == MediaRole::Media)
        .filter_map(|(_, a)| a.poster_id)
        .collect();
    Ok(media::find_many(conn, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

fn media_ref(a: &Asset, posters: &HashMap<MediaId, Asset>, widths: &[u32]) -> MediaRef {
    let poster = a
        .poster_id
        .and_then(|p| posters.get(&p))
        .and_then(|p| ImageRef::of(p, widths));
    MediaRef::of(a, poster)
}

/// A response showing these summaries depends on them (see `cache::deps`).
pub fn record_summaries(list: &[ArticleSummary]) {
    deps::counters();
    for a in list {
        deps::record(Dep::Article(a.id));
        if let Some(s) = &a.source {
            deps::record(Dep::Source(s.id));
        }
        deps::record_all(a.authors.iter().map(|x| Dep::Author(x.id)));
        if let Some(c) = &a.cover_image {
            deps::record(Dep::Media(c.id));
        }
        if let Some(m) = &a.media {
            deps::record(Dep::Media(m.id));
            deps::record_all(m.poster.iter().map(|p| Dep::Media(p.id)));
        }
    }
}

/// A response showing this article depends on it, on what it names and on its place in its
/// channel's list (its previous and next articles).
fn record_detail(d: &ArticleDetail) {
    deps::counters();
    deps::record_all([Dep::Article(d.id), Dep::Placement(d.category.id), Dep::Tree]);
    deps::record_all(d.prev.iter().chain(&d.next).map(|x| Dep::Article(x.id)));
    if let Some(s) = &d.source {
        deps::record(Dep::Source(s.id));
    }
    deps::record_all(d.authors.iter().map(|x| Dep::Author(x.id)));
    if let Some(e) = &d.editor {
        deps::record(Dep::User(e.id));
    }
}

/// The full response body of one article.
pub async fn render(
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    article: Article,
) -> Result<ArticleDetail, ApiError> {
    let view = article_detail::load(conn, article, Utc::now()).await?;
    let mut detail = detail(view, tree);
    attach_media(conn, &mut detail).await?;
    record_detail(&detail);
    Ok(detail)
}

/// The article's media from the library: cover, video or audio (with its poster), gallery, and
/// the body's images enriched with their sizes and renditions. Each is a dependency of the
/// response.
async fn attach_media(conn: &mut AsyncPgConnection, d: &mut ArticleDetail) -> Result<(), ApiError> {
    let all = [
        MediaRole::Cover,
        MediaRole::Media,
        MediaRole::Gallery,
        MediaRole::Body,
    ];
    let uses = media::uses_with_assets(conn, &[d.id], &all).await?;
    if uses.is_empty() {
        return Ok(());
    }
    let widths = crate::media::widths();
    let posters = posters_of(conn, &uses).await?;
    deps::record_all(posters.keys().map(|&id| Dep::Media(id)));
    let mut body: HashMap<MediaId, Asset> = HashMap::new();
    for (u, a) in uses {
        deps::record(Dep::Media(a.id));
        match u.role {
            MediaRole::Cover => d.cover_image = ImageRef::of(&a, widths),
            MediaRole::Media => d.media = Some(media_ref(&a, &posters, widths)),
            MediaRole::Gallery => d.gallery.extend(ImageRef::of(&a, widths)),
            MediaRole::Body => {
                body.insert(a.id, a);
            }
        }
    }
    if !body.is_empty() {
        d.body = crate::media::body::enrich(&d.body, &body, widths);
    }
    Ok(())
}

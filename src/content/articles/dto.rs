//! Article response bodies and how they are built from read models.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::content::categories::CategoryRef;
use crate::content::media::{ImageRef, MediaRef};
use crate::content::sources::SourceDto;
use crate::content::tags::TagDto;
use crate::models::article::{ArticleKind, ArticleStatus};
use crate::models::category::Tree;
use crate::models::ids::{ArticleId, AuthorId, CategoryId, SourceId, UserId};
use crate::models::source::Source;
use crate::queries::article_detail::{ArticleView, BylineRow, Neighbour};
use crate::queries::article_list::SummaryRow;

/// Editorial flags.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct ArticleFlags {
    /// 头条: a top story.
    pub headline: bool,
    /// 推荐: featured on boards and home pages.
    pub featured: bool,
    /// 置顶: listed first in its channel.
    pub pinned: bool,
}

/// A channel as shown on an article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryBrief {
    pub id: CategoryId,
    pub slug: String,
    pub name: String,
}

/// A channel with its breadcrumb, root first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryWithPath {
    pub id: CategoryId,
    pub slug: String,
    pub name: String,
    pub path: Vec<CategoryRef>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceBrief {
    pub id: SourceId,
    pub slug: String,
    pub name: String,
}

/// A byline in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthorBrief {
    pub id: AuthorId,
    pub slug: String,
    pub name: String,
}

/// A byline on an article page, with the author's affiliation (作者单位).
#[derive(Debug, Serialize, ToSchema)]
pub struct Byline {
    pub id: AuthorId,
    pub slug: String,
    pub name: String,
    pub affiliation: Option<String>,
}

/// A staff member as credited on an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffBrief {
    pub id: UserId,
    pub display_name: String,
}

/// The previous or next article in the same channel (上一篇/下一篇).
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleLink {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    pub published_at: Option<DateTime<Utc>>,
}

/// An article in a list: everything but the body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleSummary {
    pub id: ArticleId,
    pub slug: String,
    /// 引题.
    pub kicker: Option<String>,
    /// 主题.
    pub title: String,
    /// 副题.
    pub subtitle: Option<String>,
    pub summary: String,
    /// A cover image elsewhere (an absolute URL).
    pub cover_image_url: Option<String>,
    /// The cover image from the media library, with its renditions.
    pub cover_image: Option<ImageRef>,
    pub kind: ArticleKind,
    /// The video or audio from the media library (`video` and `audio` articles), with its
    /// poster and duration.
    pub media: Option<MediaRef>,
    pub status: ArticleStatus,
    pub category: CategoryBrief,
    pub source: Option<SourceBrief>,
    /// Bylines in order.
    pub authors: Vec<AuthorBrief>,
    pub published_at: Option<DateTime<Utc>>,
    pub view_count: i64,
    pub flags: ArticleFlags,
    /// When it was moved to the trash (trash list only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A whole article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleDetail {
    pub id: ArticleId,
    pub slug: String,
    /// 引题.
    pub kicker: Option<String>,
    /// 主题.
    pub title: String,
    /// 副题.
    pub subtitle: Option<String>,
    pub summary: String,
    /// Sanitized HTML. Images of the media library carry their size, alt text and `srcset`.
    pub body: String,
    /// A cover image elsewhere (an absolute URL).
    pub cover_image_url: Option<String>,
    /// The cover image from the media library, with its renditions.
    pub cover_image: Option<ImageRef>,
    pub kind: ArticleKind,
    /// The video or audio file elsewhere, for `video` and `audio` articles.
    pub media_url: Option<String>,
    /// The video or audio from the media library, with its poster and duration.
    pub media: Option<MediaRef>,
    /// The images of a `gallery` article, in order.
    pub gallery: Vec<ImageRef>,
    pub status: ArticleStatus,
    /// The channel, with its breadcrumb.
    pub category: CategoryWithPath,
    /// 来源.
    pub source: Option<SourceDto>,
    /// Bylines in order, with affiliations.
    pub authors: Vec<Byline>,
    /// 责任编辑.
    pub editor: Option<StaffBrief>,
    pub tags: Vec<TagDto>,
    pub flags: ArticleFlags,
    /// When it goes (or went) live.
    pub published_at: Option<DateTime<Utc>>,
    /// When it is (or was) taken down (下线).
    pub offline_at: Option<DateTime<Utc>>,
    pub view_count: i64,
    /// CJK characters count one each, as do runs of letters or digits.
    pub word_count: i32,
    /// Bumped by every update; send it back as `If-Match: "v<version>"` (the staff `ETag`).
    pub version: i32,
    pub created_by: UserId,
    pub updated_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set while the article is in the trash.
    pub deleted_at: Option<DateTime<Utc>>,
    /// 上一篇: the previous (older) visible article in the channel.
    pub prev: Option<ArticleLink>,
    /// 下一篇: the next (newer) visible article in the channel.
    pub next: Option<ArticleLink>,
    /// Editors' picks for 相关新闻, in order (set with `related_ids` on create/update).
    pub related_ids: Vec<ArticleId>,
    /// 相关新闻, top 5 (only with `include=related`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<Vec<ArticleSummary>>,
    /// The channel's newest other visible articles, up to 5 (only with
    /// `include=latest_in_category`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_in_category: Option<Vec<ArticleSummary>>,
    /// The week's most-read articles, up to 10 (only with `include=most_read`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub most_read: Option<Vec<crate::content::rankings::RankedArticle>>,
    /// The article screen's page blocks as the site settings configure them, resolved (only
    /// with `include=blocks`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<crate::content::site::ScreenBlock>>,
    /// The site's settings as `GET /site` answers them: header, navigation, footer (only with
    /// `include=site`), so that one request renders the whole page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<crate::content::site::SiteDto>,
}

fn category_brief(tree: &Tree, id: CategoryId) -> CategoryBrief {
    match tree.get(id) {
        Some(c) => CategoryBrief {
            id,
            slug: c.slug.clone(),
            name: c.name.clone(),
        },
        None => CategoryBrief {
            id,
            slug: String::new(),
            name: String::new(),
        },
    }
}

fn link(n: Neighbour) -> ArticleLink {
    ArticleLink {
        id: n.id,
        slug: n.slug,
        title: n.title,
        published_at: n.published_at,
    }
}

/// Summaries from page rows and the lookups loaded for the page.
pub fn summaries(
    rows: Vec<SummaryRow>,
    tree: &Tree,
    sources: &HashMap<SourceId, Source>,
    bylines: &mut HashMap<ArticleId, Vec<BylineRow>>,
) -> Vec<ArticleSummary> {
    rows.into_iter()
        .map(|r| ArticleSummary {
            category: category_brief(tree, r.category_id),
            source: r
                .source_id
                .and_then(|id| sources.get(&id))
                .map(|s| SourceBrief {
                    id: s.id,
                    slug: s.slug.clone(),
                    name: s.name.clone(),
                }),
            authors: bylines
                .remove(&r.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(_, id, name, slug, _)| AuthorBrief { id, slug, name })
                .collect(),
            id: r.id,
            slug: r.slug,
            kicker: r.kicker,
            title: r.title,
            subtitle: r.subtitle,
            summary: r.summary,
            cover_image_url: r.cover_image_url,
            cover_image: None,
            media: None,
            kind: r.kind,
            status: r.status,
            published_at: r.published_at,
            view_count: r.view_count,
            flags: ArticleFlags {
                headline: r.is_headline,
                featured: r.is_featured,
                pinned: r.is_pinned,
            },
            deleted_at: r.deleted_at,
        })
        .collect()
}

pub fn detail(view: ArticleView, tree: &Tree) -> ArticleDetail {
    let a = view.article;
    let brief = category_brief(tree, a.category_id);
    ArticleDetail {
        category: CategoryWithPath {
            id: brief.id,
            slug: brief.slug,
            name: brief.name,
            path: tree
                .path(a.category_id)
                .into_iter()
                .map(CategoryRef::from_model)
                .collect(),
        },
        source: view.source.map(SourceDto::from),
        authors: view
            .authors
            .into_iter()
            .map(|x| Byline {
                id: x.id,
                slug: x.slug,
                name: x.name,
                affiliation: x.affiliation,
            })
            .collect(),
        editor: view.editor.map(|e| StaffBrief {
            id: e.id,
            display_name: e.display_name,
        }),
        tags: view.tags.into_iter().map(TagDto::from).collect(),
        prev: view.prev.map(link),
        next: view.next.map(link),
        related_ids: view.related_ids,
        related: None,
        latest_in_category: None,
        most_read: None,
        blocks: None,
        site: None,
        flags: ArticleFlags {
            headline: a.content.is_headline,
            featured: a.content.is_featured,
            pinned: a.content.is_pinned,
        },
        id: a.id,
        slug: a.content.slug,
        kicker: a.content.kicker,
        title: a.content.title,
        subtitle: a.content.subtitle,
        summary: a.content.summary,
        body: a.content.body,
        cover_image_url: a.content.cover_image_url,
        cover_image: None,
        kind: a.content.kind,
        media_url: a.content.media_url,
        media: None,
        gallery: Vec::new(),
        status: a.content.status,
        published_at: a.content.published_at,
        offline_at: a.content.offline_at,
        view_count: a.view_count,
        word_count: a.content.word_count,
        version: a.version,
        created_by: a.created_by,
        updated_by: a.updated_by,
        created_at: a.created_at,
        updated_at: a.updated_at,
        deleted_at: a.deleted_at,
    }
}

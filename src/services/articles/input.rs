//! Article request bodies (create and update), and the draft each one (or a kept revision)
//! asks for.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::draft::{Body, Draft, Lists, SUMMARY_CHARS};
use crate::error::ApiError;
use crate::fields::double_option;
use crate::models::article::{Article, ArticleKind, ArticleStatus};
use crate::models::ids::{ArticleId, AuthorId, CategoryId, MediaId, SourceId, UserId};
use crate::models::media::MediaRefs;
use crate::models::revision::Revision;
use crate::text;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagsInput {
    /// 头条.
    pub headline: Option<bool>,
    /// 推荐.
    pub featured: Option<bool>,
    /// 置顶 in its channel.
    pub pinned: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArticle {
    /// 主题, 1–200 characters.
    #[schema(
        example = "因地制宜推动黑河新质生产力发展",
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub title: String,
    /// Generated from the title (pinyin) when absent; unique.
    #[schema(pattern = "^[a-z0-9-]{1,96}$")]
    pub slug: Option<String>,
    /// 引题, at most 200 characters.
    #[schema(example = "重点把握以“新”促“质”", max_length = 200)]
    pub kicker: Option<String>,
    /// 副题, at most 200 characters.
    #[schema(max_length = 200)]
    pub subtitle: Option<String>,
    /// At most 1000 characters; derived from the body when absent.
    #[schema(max_length = 1000)]
    pub summary: Option<String>,
    /// HTML, at most 2 MiB and 256 levels of nested elements; sanitized on write.
    pub body: Option<String>,
    /// An absolute http(s) URL.
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub cover_image_url: Option<String>,
    /// Default `article`.
    pub kind: Option<ArticleKind>,
    /// Required for `video` and `audio`: an absolute http(s) URL.
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub media_url: Option<String>,
    /// The cover image from the media library (an image asset); its renditions come with the
    /// article. `cover_image_url` stays for images elsewhere.
    pub cover_image_id: Option<MediaId>,
    /// The video or audio from the media library, for `video` and `audio` articles (instead of
    /// `media_url`).
    pub media_id: Option<MediaId>,
    /// The images of a `gallery` article, in order (image assets; at most 100, no repeats).
    #[schema(max_items = 100)]
    pub gallery_ids: Option<Vec<MediaId>>,
    /// The channel (must exist).
    pub category_id: CategoryId,
    /// 来源 (must exist).
    pub source_id: Option<SourceId>,
    /// Bylines in order (each must exist; at most 20, no repeats).
    #[schema(max_items = 20)]
    pub author_ids: Option<Vec<AuthorId>>,
    /// 责任编辑: a staff user; set to whoever publishes when absent.
    pub editor_id: Option<UserId>,
    /// Tag names, created on first use (at most 20, each 1–32 characters).
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// 相关新闻 picked by editors, in order (each must exist; at most 20, no repeats). They
    /// come first in `GET /articles/{key}/related`.
    #[schema(max_items = 20)]
    pub related_ids: Option<Vec<ArticleId>>,
    pub flags: Option<FlagsInput>,
    /// Default `draft`. Writers may only create drafts.
    pub status: Option<ArticleStatus>,
    /// When it goes live; set to now when publishing without one. A future time schedules it.
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    pub published_at: Option<DateTime<Utc>>,
    /// When it is taken down (下线); must be after `published_at`.
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    pub offline_at: Option<DateTime<Utc>>,
}

crate::named_enum! {
    /// The fields of `UpdateArticle` that `clear` may name.
    ArticleClear {
        Kicker => "kicker",
        Subtitle => "subtitle",
        Summary => "summary",
        CoverImageUrl => "cover_image_url",
        MediaUrl => "media_url",
        CoverImageId => "cover_image_id",
        MediaId => "media_id",
        SourceId => "source_id",
        EditorId => "editor_id",
        PublishedAt => "published_at",
        OfflineAt => "offline_at",
    }
}

/// Only the fields present change; `clear` (or `null` in a merge patch) clears a nullable field
/// (`summary: null` derives it again from the body).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArticle {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub title: Option<String>,
    #[schema(pattern = "^[a-z0-9-]{1,96}$")]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub kicker: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub subtitle: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 1000)]
    pub summary: Option<Option<String>>,
    pub body: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub cover_image_url: Option<Option<String>>,
    pub kind: Option<ArticleKind>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub media_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub cover_image_id: Option<Option<MediaId>>,
    #[serde(default, deserialize_with = "double_option")]
    pub media_id: Option<Option<MediaId>>,
    /// Replaces the gallery.
    #[schema(max_items = 100)]
    pub gallery_ids: Option<Vec<MediaId>>,
    pub category_id: Option<CategoryId>,
    #[serde(default, deserialize_with = "double_option")]
    pub source_id: Option<Option<SourceId>>,
    #[schema(max_items = 20)]
    pub author_ids: Option<Vec<AuthorId>>,
    #[serde(default, deserialize_with = "double_option")]
    pub editor_id: Option<Option<UserId>>,
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// Replaces the editors' related picks (not the article itself).
    #[schema(max_items = 20)]
    pub related_ids: Option<Vec<ArticleId>>,
    pub flags: Option<FlagsInput>,
    /// Editors and admins only.
    pub status: Option<ArticleStatus>,
    #[serde(default, deserialize_with = "crate::db::timestamp::double_option")]
    pub published_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "crate::db::timestamp::double_option")]
    pub offline_at: Option<Option<DateTime<Utc>>>,
    /// Fields to clear, by name, for clients that cannot send `null` (a field named here must
    /// not also be set). With `application/json` a `null` member leaves a field unchanged;
    /// with `application/merge-patch+json` it clears it.
    #[serde(default)]
    pub clear: Option<Vec<ArticleClear>>,
}

impl Draft {
    pub fn from_create(c: CreateArticle) -> Self {
        let f = c.flags.unwrap_or_default();
        Self {
            slug: c.slug,
            kicker: c.kicker,
            title: c.title,
            subtitle: c.subtitle,
            summary: c.summary,
            body: Body::New(c.body.unwrap_or_default()),
            cover_image_url: c.cover_image_url,
            kind: c.kind.unwrap_or(ArticleKind::Article),
            media_url: c.media_url,
            category_id: c.category_id,
            source_id: c.source_id,
            editor_id: c.editor_id,
            flags: (
                f.headline.unwrap_or(false),
                f.featured.unwrap_or(false),
                f.pinned.unwrap_or(false),
            ),
            status: c.status.unwrap_or(ArticleStatus::Draft),
            published_at: c.published_at,
            offline_at: c.offline_at,
            author_ids: c.author_ids.unwrap_or_default(),
            tags: c.tags.unwrap_or_default(),
            related_ids: c.related_ids.unwrap_or_default(),
            media: MediaRefs {
                cover: c.cover_image_id,
                media: c.media_id,
                gallery: c.gallery_ids.unwrap_or_default(),
            },
        }
    }

    /// The current state with the update applied.
    pub fn from_update(a: &Article, current: Lists, u: UpdateArticle) -> Self {
        let f = u.flags.unwrap_or_default();
        Self {
            slug: Some(u.slug.unwrap_or_else(|| a.slug.clone())),
            kicker: u.kicker.unwrap_or_else(|| a.kicker.clone()),
            title: u.title.unwrap_or_else(|| a.title.clone()),
            subtitle: u.subtitle.unwrap_or_else(|| a.subtitle.clone()),
            // A summary that was derived from the old body is derived again from a new one.
            summary: u.summary.unwrap_or_else(|| {
                let derived = text::summarize(&a.body_text, SUMMARY_CHARS) == a.summary;
                (!(derived && u.body.is_some())).then(|| a.summary.clone())
            }),
            body: match u.body {
                Some(b) => Body::New(b),
                None => Body::Keep {
                    html: a.body.clone(),
                    text: a.body_text.clone(),
                },
            },
            cover_image_url: u
                .cover_image_url
                .unwrap_or_else(|| a.cover_image_url.clone()),
            kind: u.kind.unwrap_or(a.kind),
            media_url: u.media_url.unwrap_or_else(|| a.media_url.clone()),
            category_id: u.category_id.unwrap_or(a.category_id),
            source_id: u.source_id.unwrap_or(a.source_id),
            editor_id: u.editor_id.unwrap_or(a.editor_id),
            flags: (
                f.headline.unwrap_or(a.is_headline),
                f.featured.unwrap_or(a.is_featured),
                f.pinned.unwrap_or(a.is_pinned),
            ),
            status: u.status.unwrap_or(a.status),
            published_at: u.published_at.unwrap_or(a.published_at),
            offline_at: u.offline_at.unwrap_or(a.offline_at),
            author_ids: u.author_ids.unwrap_or(current.author_ids),
            tags: u.tags.unwrap_or(current.tags),
            related_ids: u.related_ids.unwrap_or(current.related_ids),
            media: MediaRefs {
                cover: u.cover_image_id.unwrap_or(current.media.cover),
                media: u.media_id.unwrap_or(current.media.media),
                gallery: u.gallery_ids.unwrap_or(current.media.gallery),
            },
        }
    }

    /// The state a kept revision holds.
    pub fn from_revision(rev: &Revision) -> Result<Self, ApiError> {
        let snap = rev.snapshot().map_err(ApiError::internal)?;
        let c = snap.content;
        Ok(Self {
            slug: Some(c.slug),
            kicker: c.kicker,
            title: c.title,
            subtitle: c.subtitle,
            summary: Some(c.summary),
            body: Body::Keep {
                html: c.body,
                text: c.body_text,
            },
            cover_image_url: c.cover_image_url,
            kind: c.kind,
            media_url: c.media_url,
            category_id: c.category_id,
            source_id: c.source_id,
            editor_id: c.editor_id,
            flags: (c.is_headline, c.is_featured, c.is_pinned),
            status: c.status,
            published_at: c.published_at,
            offline_at: c.offline_at,
            author_ids: snap.author_ids,
            tags: snap.tags,
            related_ids: snap.related_ids,
            media: snap.media,
        })
    }
}

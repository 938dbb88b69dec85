//! Article request bodies, their validation, and the content they become.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::json::double_option;
use crate::api::validate::{Violations, slugify};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::models::article::{self, Article, ArticleContent, ArticleKind, ArticleStatus};
use crate::models::ids::{ArticleId, AuthorId, CategoryId, SourceId, UserId};
use crate::models::user::Role;
use crate::models::{Key, SlugTable, author, category, free_slug, source, tag, user};
use crate::text;

/// Slugs that are paths under `/articles/`.
const RESERVED_SLUGS: &[&str] = &["changes"];

/// Largest article body (HTML as sent), in bytes.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Deepest element nesting accepted in a body (sanitizing cost grows with depth times tags).
pub const MAX_BODY_NESTING: usize = 256;
const MAX_AUTHORS: usize = 20;
const MAX_TAGS: usize = 20;
const MAX_RELATED: usize = 20;
/// Length of a summary derived from the body.
const SUMMARY_CHARS: usize = 120;

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

/// Only the fields present change; `null` clears a nullable field (`summary: null` derives it
/// again from the body).
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
}

/// The body as it will be stored.
pub enum Body {
    Keep { html: String, text: String },
    New(String),
}

/// The lists an article keeps beside its row: bylines, tags and related picks.
pub use crate::models::revision::RevisionLists as Lists;

/// The desired state of an article before derived fields are filled in.
pub struct Draft {
    pub slug: Option<String>,
    pub kicker: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub summary: Option<String>,
    pub body: Body,
    pub cover_image_url: Option<String>,
    pub kind: ArticleKind,
    pub media_url: Option<String>,
    pub category_id: CategoryId,
    pub source_id: Option<SourceId>,
    pub editor_id: Option<UserId>,
    pub flags: (bool, bool, bool),
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub offline_at: Option<DateTime<Utc>>,
    pub author_ids: Vec<AuthorId>,
    pub tags: Vec<String>,
    pub related_ids: Vec<ArticleId>,
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
        }
    }

    /// Field rules that need no database; normalises tags. Publishing without a time sets it
    /// to now first, so `offline_at` is checked against the time that will be stored.
    pub fn validate(&mut self) -> Result<(), ApiError> {
        if self.status == ArticleStatus::Published && self.published_at.is_none() {
            self.published_at = Some(Utc::now());
        }
        let mut v = Violations::default();
        v.name("title", &self.title, 200);
        if let Some(slug) = &self.slug {
            let ok = (1..=96).contains(&slug.len())
                && slug
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                v.add("slug", "must be 1 to 96 characters of a-z, 0-9 and -");
            } else if slug.bytes().all(|b| b.is_ascii_digit()) {
                v.add(
                    "slug",
                    "must not be all digits (a key of digits names an id)",
                );
            } else if RESERVED_SLUGS.contains(&slug.as_str()) {
                v.add(
                    "slug",
                    "is reserved (`/articles/changes` is the change feed)",
                );
            }
        }
        for (field, value, max) in [
            ("kicker", &self.kicker, 200),
            ("subtitle", &self.subtitle, 200),
            ("summary", &self.summary, 1000),
        ] {
            if let Some(s) = value {
                v.length(field, s, 0, max);
            }
        }
        if let Body::New(b) = &self.body
            && b.len() > MAX_BODY_BYTES
        {
            v.add("body", format!("must be at most {MAX_BODY_BYTES} bytes"));
        } else if let Body::New(b) = &self.body
            && text::nesting_depth(b) > MAX_BODY_NESTING
        {
            v.add(
                "body",
                format!("must not nest elements more than {MAX_BODY_NESTING} levels deep"),
            );
        }
        for (field, value) in [
            ("cover_image_url", &self.cover_image_url),
            ("media_url", &self.media_url),
        ] {
            if let Some(u) = value {
                v.http_url(field, u);
            }
        }
        if matches!(self.kind, ArticleKind::Video | ArticleKind::Audio) && self.media_url.is_none()
        {
            v.add(
                "media_url",
                format!("is required for {} articles", self.kind),
            );
        }
        if let (Some(p), Some(o)) = (self.published_at, self.offline_at)
            && o <= p
        {
            v.add("offline_at", "must be later than published_at");
        }
        v.id_list(
            "author_ids",
            &self.author_ids,
            MAX_AUTHORS,
            "authors",
            "an author",
        );
        v.id_list(
            "related_ids",
            &self.related_ids,
            MAX_RELATED,
            "articles",
            "an article",
        );
        let mut tags: Vec<String> = Vec::new();
        for raw in &self.tags {
            let t = tag::normalize(raw);
            if t.is_empty()
                || t.chars().count() > tag::MAX_TAG_LEN
                || t.chars().any(char::is_control)
            {
                v.add(
                    "tags",
                    format!(
                        "each tag must be 1 to {} characters of text",
                        tag::MAX_TAG_LEN
                    ),
                );
                break;
            }
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        if tags.len() > MAX_TAGS {
            v.add("tags", format!("at most {MAX_TAGS} tags"));
        }
        self.tags = tags;
        v.finish()
    }

    /// References must exist: category, source, authors, editor (an active user).
    pub async fn check_references(&self, conn: &mut AsyncPgConnection) -> Result<(), ApiError> {
        let mut v = Violations::default();
        let tree = category::load_tree(conn).await?;
        if tree.get(self.category_id).is_none() {
            v.add("category_id", "does not name an existing category");
        }
        if let Some(s) = self.source_id
            && source::find(conn, &Key::Id(s.0)).await?.is_none()
        {
            v.add("source_id", "does not name an existing source");
        }
        if !self.author_ids.is_empty() {
            let found: Vec<AuthorId> = author::find_many(conn, &self.author_ids)
                .await?
                .into_iter()
                .map(|a| a.id)
                .collect();
            v.unknown_ids("author_ids", &self.author_ids, &found, "author");
        }
        if !self.related_ids.is_empty() {
            let found = article::existing_ids(conn, &self.related_ids).await?;
            v.unknown_ids("related_ids", &self.related_ids, &found, "article");
        }
        if let Some(e) = self.editor_id {
            match user::find(conn, e).await? {
                Some(u) if !u.disabled => {}
                _ => v.add("editor_id", "does not name an active staff user"),
            }
        }
        v.finish()
    }

    /// Who may ask for this state: writers keep to drafts.
    pub fn check_role(&self, actor: &AuthUser) -> Result<(), ApiError> {
        if !actor.role.at_least(Role::Editor) && self.status != ArticleStatus::Draft {
            return Err(ApiError::Forbidden(
                "writers can only save drafts; an editor publishes".into(),
            ));
        }
        Ok(())
    }

    /// Fills in what is derived: sanitized body, plain text, counts, summary, slug, publish time.
    pub async fn into_content(
        self,
        conn: &mut AsyncPgConnection,
        actor: &AuthUser,
        now: DateTime<Utc>,
    ) -> Result<(ArticleContent, Lists), ApiError> {
        let (body, body_text) = match self.body {
            Body::Keep { html, text } => (html, text),
            Body::New(raw) => {
                let html = text::sanitize_html(&raw);
                let plain = text::plain_text(&html);
                (html, plain)
            }
        };
        let summary = match self.summary {
            Some(s) => s.trim().to_owned(),
            None => text::summarize(&body_text, SUMMARY_CHARS),
        };
        let slug = match self.slug {
            Some(s) => s,
            None => {
                let mut base = slugify(&self.title, "article");
                if RESERVED_SLUGS.contains(&base.as_str()) {
                    base.push_str("-article");
                }
                free_slug(conn, SlugTable::Articles, &base).await?
            }
        };
        let publishing = self.status == ArticleStatus::Published;
        let content = ArticleContent {
            slug,
            kicker: self
                .kicker
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty()),
            title: self.title.trim().to_owned(),
            subtitle: self
                .subtitle
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty()),
            summary,
            word_count: text::word_count(&body_text),
            body,
            body_text,
            cover_image_url: self.cover_image_url,
            kind: self.kind,
            media_url: self.media_url,
            category_id: self.category_id,
            source_id: self.source_id,
            editor_id: self.editor_id.or(publishing.then_some(actor.id)),
            is_headline: self.flags.0,
            is_featured: self.flags.1,
            is_pinned: self.flags.2,
            status: self.status,
            published_at: self.published_at.or(publishing.then_some(now)),
            offline_at: self.offline_at,
        };
        let lists = Lists {
            author_ids: self.author_ids,
            tags: self.tags,
            related_ids: self.related_ids,
        };
        Ok((content, lists))
    }
}

//! The desired state of an article, its validation, and the content it becomes.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use crate::auth::Actor;
use crate::error::ApiError;
use crate::models::article::{self, ArticleContent, ArticleKind, ArticleStatus};
use crate::models::ids::{ArticleId, AuthorId, CategoryId, SourceId, UserId};
use crate::models::user::Role;
use crate::models::{Key, SlugTable, author, category, free_slug, source, tag, user};
use crate::text;
use crate::validate::{Violations, slugify};

/// Slugs that are paths under `/articles/`.
const RESERVED_SLUGS: &[&str] = &["changes"];

/// Largest article body (HTML as sent), in bytes.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Deepest element nesting accepted in a body (sanitizing cost grows with depth times tags).
pub const MAX_BODY_NESTING: usize = 256;
const MAX_AUTHORS: usize = 20;
const MAX_TAGS: usize = 20;
const MAX_RELATED: usize = 20;
const MAX_GALLERY: usize = 100;
/// Length of a summary derived from the body.
pub(super) const SUMMARY_CHARS: usize = 120;

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
    pub media: crate::models::media::MediaRefs,
}

impl Draft {
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
        if matches!(self.kind, ArticleKind::Video | ArticleKind::Audio)
            && self.media_url.is_none()
            && self.media.media.is_none()
        {
            v.add(
                "media_url",
                format!("is required for {} articles (or `media_id`)", self.kind),
            );
        }
        if self.media.media.is_some()
            && !matches!(self.kind, ArticleKind::Video | ArticleKind::Audio)
        {
            v.add("media_id", "is for video and audio articles");
        }
        let gallery = &self.media.gallery;
        if gallery.len() > MAX_GALLERY {
            v.add("gallery_ids", format!("at most {MAX_GALLERY} images"));
        } else if (1..gallery.len()).any(|i| gallery[..i].contains(&gallery[i])) {
            v.add("gallery_ids", "must not repeat an image");
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
        match tag::normalize_list(&self.tags, MAX_TAGS) {
            Ok(tags) => self.tags = tags,
            Err(why) => v.add("tags", why),
        }
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
    pub fn check_role(&self, actor: Actor) -> Result<(), ApiError> {
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
        actor: Actor,
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
            media: self.media,
        };
        Ok((content, lists))
    }
}

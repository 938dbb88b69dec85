//! Demo articles: the reference page's article and a handful in other channels, with their
//! bylines, editor and tags. Built exactly as the API builds them; skipped when the slug exists.

use chrono::{DateTime, FixedOffset, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;

use crate::db::schema::users;
use crate::models::article::{self, ArticleContent, ArticleKind, ArticleStatus};
use crate::models::author::{self, NewAuthor};
use crate::models::ids::{ArticleId, AuthorId, UserId};
use crate::models::user::{self, NewUser, Role};
use crate::models::{Key, category, related, source, tag, views};
use crate::text;

use super::SeedError;

const DATA: &str = include_str!("articles.json");
/// Length of a summary derived from the body (as the API derives it).
pub const SUMMARY_CHARS: usize = 120;

#[derive(Deserialize)]
struct Data {
    editors: Vec<SeedEditor>,
    authors: Vec<SeedAuthor>,
    articles: Vec<SeedArticle>,
}

#[derive(Deserialize)]
struct SeedEditor {
    email: String,
    display_name: String,
}

#[derive(Deserialize)]
struct SeedAuthor {
    slug: String,
    name: String,
    affiliation: Option<String>,
}

#[derive(Deserialize)]
struct SeedArticle {
    slug: String,
    kicker: Option<String>,
    title: String,
    subtitle: Option<String>,
    summary: Option<String>,
    category: String,
    source: Option<String>,
    authors: Vec<String>,
    editor: Option<String>,
    published_at: DateTime<FixedOffset>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    headline: bool,
    #[serde(default)]
    featured: bool,
    #[serde(default)]
    pinned: bool,
    kind: Option<ArticleKind>,
    media_url: Option<String>,
    cover_image_url: Option<String>,
    paragraphs: Vec<String>,
    /// Editors' picks for 相关新闻, by slug, in order (set when the article is created).
    #[serde(default)]
    related: Vec<String>,
}

/// What a demo-article run created.
#[derive(Debug, Default, Clone)]
pub struct ArticlesReport {
    pub articles_created: usize,
    pub authors_created: usize,
    pub users_created: usize,
}

/// Body HTML, one `<p>` per paragraph, text escaped.
pub fn paragraphs_html(paragraphs: &[String]) -> String {
    paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", html_escape::encode_text(p.trim())))
        .collect()
}

/// The author of seeded content: the admin with this email, else the first admin.
pub async fn seeding_user(
    conn: &mut AsyncPgConnection,
    admin_email: Option<&str>,
) -> Result<UserId, String> {
    if let Some(email) = admin_email
        && let Some(u) = user::find_by_email(conn, email)
            .await
            .map_err(|e| e.to_string())?
        && u.role == Role::Admin
    {
        return Ok(u.id);
    }
    users::table
        .filter(users::role.eq(Role::Admin))
        .order(users::id)
        .select(users::id)
        .first::<UserId>(conn)
        .await
        .optional()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "seed: no admin user to credit the articles to; create one first".into())
}

/// Creates the demo articles that are missing (by slug), their authors, editor and tags.
/// `admin_email` names the admin credited with creating them (else the first admin).
pub async fn run(
    conn: &mut AsyncPgConnection,
    admin_email: Option<&str>,
) -> Result<ArticlesReport, String> {
    run_with(conn, admin_email, DATA).await
}

/// [`run`] with other articles, in the same JSON form (tests that need a fixed corpus).
pub async fn run_with(
    conn: &mut AsyncPgConnection,
    admin_email: Option<&str>,
    json: &str,
) -> Result<ArticlesReport, String> {
    let data: Data = serde_json::from_str(json).map_err(|e| format!("seed articles: {e}"))?;
    let by = seeding_user(conn, admin_email).await?;
    let report = conn
        .transaction::<_, SeedError, _>(async |conn| {
            let mut report = ArticlesReport::default();
            for e in &data.editors {
                report.users_created += usize::from(ensure_editor(conn, e).await?);
            }
            for a in &data.authors {
                report.authors_created += usize::from(ensure_author(conn, a).await?);
            }
            let mut created = Vec::new();
            for a in &data.articles {
                if let Some(id) = insert_article(conn, a, by).await? {
                    created.push((id, a));
                }
            }
            report.articles_created = created.len();
            for (id, a) in created.iter().filter(|(_, a)| !a.related.is_empty()) {
                set_picks(conn, *id, a).await?;
            }
            if !created.is_empty() {
                let ids: Vec<ArticleId> = created.iter().map(|(id, _)| *id).collect();
                // Days as the default NEWSDESK_TIMEZONE counts them.
                let today = Utc::now()
                    .with_timezone(&chrono_tz::Asia::Shanghai)
                    .date_naive();
                views::recent_history(conn, &ids, today).await?;
            }
            Ok(report)
        })
        .await
        .map_err(|e| format!("seeding articles failed: {e}"))?;
    let seg = crate::search::Segmenter::shared(None)?;
    crate::models::search_index::reindex(conn, &seg, true, 500, &mut |_, _| {})
        .await
        .map_err(|e| format!("indexing the demo articles failed: {e}"))?;
    Ok(report)
}

/// The editors' picks of the demo article `id`, named by slug (each must be a demo article).
async fn set_picks(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
    a: &SeedArticle,
) -> Result<(), SeedError> {
    let mut picks = Vec::with_capacity(a.related.len());
    for slug in &a.related {
        let found = article::find(conn, &Key::Slug(slug.clone())).await?;
        let pick = found.ok_or_else(|| SeedError(format!("related `{slug}` of `{}`", a.slug)))?;
        picks.push(pick.id);
    }
    related::set_picks(conn, id, &picks).await?;
    Ok(())
}

/// Creates the staff user unless the email exists, with a random password nobody is told.
async fn ensure_editor(conn: &mut AsyncPgConnection, e: &SeedEditor) -> Result<bool, SeedError> {
    if user::find_by_email(conn, &e.email).await?.is_some() {
        return Ok(false);
    }
    let pw: String = {
        use rand::Rng;
        let mut rng = rand::rng();
        (0..32)
            .map(|_| char::from(rng.sample(rand::distr::Alphanumeric)))
            .collect()
    };
    let hash = crate::auth::password::hash(&pw)?;
    let new = NewUser {
        email: &e.email,
        display_name: &e.display_name,
        role: Role::Editor,
        password_hash: &hash,
    };
    user::insert(conn, new).await?;
    Ok(true)
}

async fn ensure_author(conn: &mut AsyncPgConnection, a: &SeedAuthor) -> Result<bool, SeedError> {
    if author::find(conn, &Key::Slug(a.slug.clone()))
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let new = NewAuthor {
        slug: a.slug.clone(),
        name: a.name.clone(),
        affiliation: a.affiliation.clone(),
        bio: None,
        avatar_url: None,
    };
    author::insert(conn, &new).await?;
    Ok(true)
}

/// Creates one demo article unless its slug exists; its id when it was created.
async fn insert_article(
    conn: &mut AsyncPgConnection,
    a: &SeedArticle,
    by: UserId,
) -> Result<Option<ArticleId>, SeedError> {
    if article::find(conn, &Key::Slug(a.slug.clone()))
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let tree = category::load_tree(conn).await?;
    let category_id = tree
        .find(&Key::Slug(a.category.clone()))
        .map(|c| c.id)
        .ok_or_else(|| format!("seed article {}: no category {}", a.slug, a.category))?;
    let source_id = match &a.source {
        Some(slug) => Some(
            source::find(conn, &Key::Slug(slug.clone()))
                .await?
                .ok_or_else(|| format!("seed article {}: no source {slug}", a.slug))?
                .id,
        ),
        None => None,
    };
    let editor_id = match &a.editor {
        Some(email) => user::find_by_email(conn, email).await?.map(|u| u.id),
        None => None,
    };
    let mut author_ids: Vec<AuthorId> = Vec::with_capacity(a.authors.len());
    for slug in &a.authors {
        let found = author::find(conn, &Key::Slug(slug.clone()))
            .await?
            .ok_or_else(|| format!("seed article {}: no author {slug}", a.slug))?;
        author_ids.push(found.id);
    }
    // As the API does it: sanitize, then plain text, counts and summary from the result.
    let body = text::sanitize_html(&paragraphs_html(&a.paragraphs));
    let body_text = text::plain_text(&body);
    let content = ArticleContent {
        slug: a.slug.clone(),
        kicker: a.kicker.clone(),
        title: a.title.clone(),
        subtitle: a.subtitle.clone(),
        summary: a
            .summary
            .clone()
            .unwrap_or_else(|| text::summarize(&body_text, SUMMARY_CHARS)),
        word_count: text::word_count(&body_text),
        body,
        body_text,
        cover_image_url: a.cover_image_url.clone(),
        kind: a.kind.unwrap_or(ArticleKind::Article),
        media_url: a.media_url.clone(),
        category_id,
        source_id,
        editor_id,
        is_headline: a.headline,
        is_featured: a.featured,
        is_pinned: a.pinned,
        status: ArticleStatus::Published,
        published_at: Some(a.published_at.with_timezone(&Utc)),
        offline_at: None,
    };
    let row = article::insert(conn, &content, by).await?;
    article::set_authors(conn, row.id, &author_ids).await?;
    let tags: Vec<String> = a.tags.iter().map(|t| tag::normalize(t)).collect();
    let tags = tag::find_or_create(conn, &tags).await?;
    tag::set_for_article(conn, row.id, &tags).await?;
    Ok(Some(row.id))
}

/// What of a demo article the demo media dresses: its slug, its kind, and whether it is a
/// headline or featured (those get covers).
pub fn media_plan() -> Result<Vec<(String, ArticleKind, bool)>, String> {
    let data: Data = serde_json::from_str(DATA).map_err(|e| format!("seed articles: {e}"))?;
    Ok(data
        .articles
        .into_iter()
        .map(|a| {
            (
                a.slug,
                a.kind.unwrap_or(ArticleKind::Article),
                a.headline || a.featured,
            )
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn data_parses_and_is_consistent() {
        let data: Data = serde_json::from_str(DATA).unwrap();
        assert!(data.articles.len() >= 6);
        let slug_ok = |s: &str| {
            (1..=96).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        for a in &data.articles {
            assert!(slug_ok(&a.slug), "{}", a.slug);
            assert!((3..=6).contains(&a.paragraphs.len()), "{}", a.slug);
            for s in &a.authors {
                assert!(data.authors.iter().any(|x| &x.slug == s), "{s}");
            }
            if matches!(a.kind, Some(ArticleKind::Video | ArticleKind::Audio)) {
                assert!(a.media_url.is_some());
            }
        }
        let reference = &data.articles[0];
        assert_eq!(reference.slug, "yin-di-zhi-yi-xin-zhi-sheng-chan-li");
        assert_eq!(
            reference.published_at.with_timezone(&Utc).to_rfc3339(),
            "2024-06-28T01:53:21+00:00"
        );
        assert_eq!(
            reference.paragraphs.last().map(String::as_str),
            Some("(作者单位为黑河市委讲师团)")
        );
    }

    #[test]
    fn bodies_survive_the_sanitizer() {
        let html = paragraphs_html(&["a < b & “c”".to_owned(), "第二段".to_owned()]);
        assert_eq!(html, "<p>a &lt; b &amp; “c”</p><p>第二段</p>");
        assert_eq!(text::sanitize_html(&html), html);
        assert_eq!(text::plain_text(&html), "a < b & “c”\n第二段");
    }
}

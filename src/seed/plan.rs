//! One synthetic article, planned in memory: its row, its bylines and its tags.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;

use super::compose::{Ctx, Words};
use crate::db::schema::articles;
use crate::models::article::{ArticleContent, ArticleKind, ArticleStatus};
use crate::models::ids::{AuthorId, CategoryId, SourceId, TagId, UserId};
use crate::text;

/// Length of a summary derived from the body (as the API derives it).
const SUMMARY_CHARS: usize = super::articles::SUMMARY_CHARS;

/// An `articles` row with everything set, `view_count` and timestamps included.
#[derive(Debug, Insertable)]
#[diesel(table_name = articles)]
pub struct NewSynthetic {
    #[diesel(embed)]
    pub content: ArticleContent,
    pub view_count: i64,
    pub created_by: UserId,
    pub updated_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Bind parameters per row of [`NewSynthetic`].
pub const COLUMNS: usize = 25;

/// What the articles may refer to; weights make some channels and sources busier.
pub struct Pools {
    pub categories: Vec<(CategoryId, String)>,
    pub category_weights: WeightedIndex<u32>,
    pub sources: Vec<SourceId>,
    pub source_weights: Option<WeightedIndex<u32>>,
    pub authors: Vec<(AuthorId, String)>,
    pub tags: Vec<(TagId, String)>,
    pub editors: Vec<UserId>,
    pub by: UserId,
    pub now: DateTime<Utc>,
}

pub struct Planned {
    pub row: NewSynthetic,
    pub authors: Vec<AuthorId>,
    pub tags: Vec<TagId>,
}

/// How busy a channel is (articles per hundred, roughly).
pub fn channel_weight(slug: &str) -> u32 {
    match slug {
        "shizheng" => 20,
        "shehui" => 14,
        "minsheng" => 12,
        "guonei" => 10,
        "gedi" => 9,
        "bianjing" => 7,
        "hangye" | "wenti" => 6,
        "shengtai" => 5,
        "zhuanti" | "shikong" | "lilun" | "pinglun" => 3,
        "dbw" | "heihe" => 1,
        _ => 2,
    }
}

pub fn source_weight(slug: &str) -> u32 {
    match slug {
        "heihe-daily" => 6,
        "dbw" | "xinhua" => 2,
        _ => 1,
    }
}

/// An index into `len` items, small ones far likelier (a few items get most of the use).
fn skewed<R: Rng>(rng: &mut R, len: usize, power: f64) -> usize {
    let u: f64 = rng.random();
    ((u.powf(power) * len as f64) as usize).min(len.saturating_sub(1))
}

/// Up to `k` distinct skewed picks.
fn distinct<R: Rng>(rng: &mut R, len: usize, k: usize, power: f64, out: &mut Vec<usize>) {
    let k = k.min(len);
    let mut tries = 0;
    while out.len() < k && tries < 50 {
        let i = skewed(rng, len, power);
        if !out.contains(&i) {
            out.push(i);
        }
        tries += 1;
    }
}

fn secs<R: Rng>(rng: &mut R, max: i64) -> Duration {
    Duration::seconds(rng.random_range(0..max.max(1)))
}

/// Plans article number `n` (unique over all runs; it is part of the slug).
pub fn article<R: Rng>(rng: &mut R, words: &Words, pools: &Pools, n: u64) -> Planned {
    const DAY: i64 = 86_400;
    let (category_id, channel) = &pools.categories[pools.category_weights.sample(rng)];
    let mut author_idx = Vec::with_capacity(4);
    let k = match rng.random_range(0..100) {
        0..45 => 1,
        45..80 => 2,
        80..95 => 3,
        _ => 4,
    };
    distinct(rng, pools.authors.len(), k, 1.6, &mut author_idx);
    let topics = words.topics_for(channel);
    let topic = topics.get(rng.random_range(0..topics.len().max(1)));
    let ctx = Ctx {
        topics,
        topic: topic.map_or("高质量发展", String::as_str),
        place: words.place(rng),
        reporter: author_idx
            .first()
            .and_then(|&i| pools.authors.get(i))
            .map(|a| a.1.as_str()),
    };
    let title = words.title(rng, &ctx);
    let kicker = rng.random_bool(0.2).then(|| words.kicker(rng));
    let subtitle = rng.random_bool(0.1).then(|| words.subtitle(rng, &ctx));
    let target = rng.random_range(2048..7400);
    let (body, body_text) = words.body(rng, &ctx, target);

    let now = pools.now;
    let roll = rng.random_range(0..1000);
    let (status, published_at) = match roll {
        0..900 => (ArticleStatus::Published, Some(now - secs(rng, 730 * DAY))),
        900..920 => (ArticleStatus::Published, Some(now + secs(rng, 30 * DAY))),
        920..970 => (ArticleStatus::Draft, None),
        _ => (ArticleStatus::Archived, Some(now - secs(rng, 730 * DAY))),
    };
    let created_at = match published_at {
        Some(p) if p <= now => p - secs(rng, 6 * 3600),
        _ => now - secs(rng, 60 * DAY),
    };
    let updated_at = (created_at + secs(rng, 2 * DAY)).min(now).max(created_at);
    let offline_at = match (status, published_at) {
        (ArticleStatus::Published, Some(p)) if rng.random_bool(0.01) => {
            Some(p + Duration::days(7) + secs(rng, 400 * DAY))
        }
        _ => None,
    };
    let live = status == ArticleStatus::Published && published_at.is_some_and(|p| p <= now);
    let view_count = if live {
        // Pareto (Zipf-like): most articles get few reads, a few get very many.
        let u: f64 = rng.random_range(f64::EPSILON..1.0);
        (8.0 * u.powf(-1.0 / 1.1)).min(3_000_000.0) as i64
    } else {
        0
    };
    let kind = match rng.random_range(0..100) {
        0..3 => ArticleKind::Video,
        3..4 => ArticleKind::Audio,
        4..6 => ArticleKind::Gallery,
        _ => ArticleKind::Article,
    };
    let media_url = match kind {
        ArticleKind::Video => Some(format!("https://media.example.com/video/{n}.mp4")),
        ArticleKind::Audio => Some(format!("https://media.example.com/audio/{n}.mp3")),
        _ => None,
    };
    let cover = matches!(kind, ArticleKind::Video | ArticleKind::Gallery) || rng.random_bool(0.4);
    let source_id = match &pools.source_weights {
        Some(w) if rng.random_bool(0.95) => pools.sources.get(w.sample(rng)).copied(),
        _ => None,
    };

    let mut tag_idx = Vec::with_capacity(5);
    if rng.random_bool(0.7)
        && let Some(i) = pools.tags.iter().position(|t| t.1 == ctx.topic)
    {
        tag_idx.push(i);
    }
    let want = rng.random_range(1..=5);
    distinct(rng, pools.tags.len(), want, 2.0, &mut tag_idx);

    let slug_base = crate::slugs::slugify(&title, "article");
    let content = ArticleContent {
        slug: format!("s-{n}-{slug_base}"),
        kicker,
        title,
        subtitle,
        summary: text::summarize(&body_text, SUMMARY_CHARS),
        word_count: text::word_count(&body_text),
        body,
        body_text,
        cover_image_url: cover.then(|| format!("https://img.example.com/covers/{n}.jpg")),
        kind,
        media_url,
        category_id: *category_id,
        source_id,
        editor_id: pools
            .editors
            .get(rng.random_range(0..pools.editors.len().max(1)))
            .copied(),
        is_headline: rng.random_bool(0.02),
        is_featured: rng.random_bool(0.05),
        is_pinned: rng.random_bool(0.01),
        status,
        published_at,
        offline_at,
    };
    let row = NewSynthetic {
        content,
        view_count,
        created_by: pools.by,
        updated_by: pools.by,
        created_at,
        updated_at,
    };
    Planned {
        row,
        authors: author_idx.iter().map(|&i| pools.authors[i].0).collect(),
        tags: tag_idx.iter().map(|&i| pools.tags[i].0).collect(),
    }
}

//! Unit tests of the generators (no database).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rand::SeedableRng;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;

use super::compose::{Ctx, Words};
use super::plan::{self, Pools};
use crate::models::article::ArticleStatus;
use crate::models::ids::{AuthorId, CategoryId, SourceId, TagId, UserId};
use crate::text;

fn pools(words: &Words) -> Pools {
    let categories: Vec<(CategoryId, String)> = ["dbw", "heihe", "shizheng", "bianjing", "lilun"]
        .iter()
        .enumerate()
        .map(|(i, s)| (CategoryId(i as i64 + 1), (*s).to_owned()))
        .collect();
    let category_weights =
        WeightedIndex::new(categories.iter().map(|c| plan::channel_weight(&c.1))).unwrap();
    Pools {
        categories,
        category_weights,
        sources: vec![SourceId(1), SourceId(2)],
        source_weights: WeightedIndex::new([6u32, 1]).ok(),
        authors: (1..=200)
            .map(|i| (AuthorId(i), words.reporter(i as usize).0))
            .collect(),
        tags: words
            .tag_pool(300)
            .into_iter()
            .enumerate()
            .map(|(i, t)| (TagId(i as i64 + 1), t))
            .collect(),
        editors: vec![UserId(1), UserId(2)],
        by: UserId(1),
        now: chrono::Utc::now(),
    }
}

#[test]
fn word_lists_load_and_pools_have_their_sizes() {
    let words = Words::load().unwrap();
    let tags = words.tag_pool(300);
    assert_eq!(tags.len(), 300);
    let unique: std::collections::HashSet<_> = tags.iter().collect();
    assert_eq!(unique.len(), 300);
    let names: std::collections::HashSet<_> = (1..=200).map(|i| words.reporter(i).0).collect();
    assert!(names.len() > 150, "{} distinct reporter names", names.len());
    assert!(names.iter().all(|n| (2..=3).contains(&n.chars().count())));
}

#[test]
fn bodies_are_what_the_sanitizer_would_store() {
    let words = Words::load().unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let topics = words.topics_for("bianjing");
    for _ in 0..20 {
        let ctx = Ctx {
            topics,
            topic: &topics[0],
            place: "爱辉区",
            reporter: Some("王丽娜"),
        };
        let (html, plain) = words.body(&mut rng, &ctx, 4096);
        assert!(
            html.len() >= 4096 && html.len() < 4096 + 2048,
            "{}",
            html.len()
        );
        assert_eq!(text::sanitize_html(&html), html);
        assert_eq!(text::plain_text(&html), plain);
        assert!(!plain.contains('{'), "{plain}");
    }
}

#[test]
fn planned_articles_are_valid_and_deterministic() {
    let words = Words::load().unwrap();
    let pools = pools(&words);
    let run = |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        (1..=400u64)
            .map(|n| plan::article(&mut rng, &words, &pools, n))
            .collect::<Vec<_>>()
    };
    let a = run(1);
    let b = run(1);
    let slug_re = regex::Regex::new("^[a-z0-9-]{1,96}$").unwrap();
    let mut published = 0;
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.row.content.slug, y.row.content.slug);
        assert_eq!(x.row.content.body, y.row.content.body);
        let r = &x.row.content;
        assert!(slug_re.is_match(&r.slug), "{}", r.slug);
        assert!((1..=200).contains(&r.title.chars().count()), "{}", r.title);
        assert!(
            (2048..=9 * 1024).contains(&r.body.len()),
            "{}",
            r.body.len()
        );
        assert!(r.summary.chars().count() <= 121);
        assert!((1..=4).contains(&x.authors.len()));
        assert!((1..=6).contains(&x.tags.len()));
        if r.status == ArticleStatus::Published {
            published += 1;
            assert!(r.published_at.is_some());
        }
        if let (Some(p), Some(o)) = (r.published_at, r.offline_at) {
            assert!(o > p);
        }
        assert!(r.media_url.is_some() == matches!(r.kind.as_str(), "video" | "audio"));
    }
    assert!((320..=390).contains(&published), "{published} published");
    let channels: std::collections::HashSet<_> =
        a.iter().map(|p| p.row.content.category_id).collect();
    assert_eq!(channels.len(), 5);
}

#[test]
fn the_site_data_is_valid_and_names_demo_channels() {
    let site: super::SeedSite = serde_json::from_str(super::SITE).unwrap();
    let data: super::SeedData = serde_json::from_str(super::DATA).unwrap();
    assert!(!site.slogans.is_empty() && site.slogans.len() <= 20);
    for s in &site.slogans {
        let n = s.text.chars().count();
        assert!((1..=100).contains(&n), "{}", s.text);
    }
    // The navigation is the top-level channels under 黑河新闻网, in the tree's order.
    let heihe = data.categories[0]
        .children
        .iter()
        .find(|c| c.slug == "heihe")
        .unwrap();
    let top: Vec<&str> = heihe.children.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(site.navigation, top);
    // The footer is the reference page's, as it shows it.
    assert_eq!(site.footer.phone.as_deref(), Some("0456-8223257"));
    assert_eq!(
        site.footer.report.as_ref().and_then(|r| r.phone.as_deref()),
        Some("0456-8223216")
    );
    assert_eq!(
        site.footer.notice.as_deref(),
        Some("未经授权禁止复制或建立镜像")
    );
    // Every block names a channel of the demo tree (by slug) and is a valid block.
    let mut blocks = site.blocks.clone();
    for screen in ["article", "home"] {
        for b in blocks[screen].as_array_mut().unwrap() {
            if let Some(slug) = b["channel"].as_str() {
                assert!(top.contains(&slug), "{slug}");
                b["channel"] = serde_json::json!(1);
            }
        }
    }
    let blocks: crate::models::site::PageBlocks = serde_json::from_value(blocks).unwrap();
    assert_eq!(blocks.article.len(), 5);
    assert!(!blocks.home.is_empty());
}

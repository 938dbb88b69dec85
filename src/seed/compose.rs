//! Chinese news text from word lists and sentence templates (for synthetic articles).
//!
//! Everything generated is plain text without `<`, `>` or `&`, so the `<p>` HTML built from it
//! is already in the form the sanitizer would store.

use std::collections::BTreeMap;

use rand::Rng;
use rand::seq::IndexedRandom;
use serde::Deserialize;

use super::SeedError;

const DATA: &str = include_str!("words.json");

#[derive(Debug, Clone, Copy)]
enum Slot {
    Place,
    Org,
    Topic,
    Verb,
    Result,
    Measure,
    Goal,
    Person,
    Quote,
    Site,
    Scene,
    Metric,
    Num,
    Pct,
    Money,
    Month,
    Day,
    Reporter,
}

#[derive(Debug, Clone)]
enum Piece {
    Lit(String),
    Slot(Slot),
}

/// A sentence or title pattern, parsed once.
#[derive(Debug, Clone)]
pub struct Template(Vec<Piece>);

impl Template {
    fn parse(s: &str) -> Result<Self, SeedError> {
        let mut pieces = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Lit(rest[..open].to_owned()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("unclosed slot in template `{s}`"))?;
            let name = &rest[open + 1..open + close];
            pieces.push(Piece::Slot(slot(name).ok_or_else(|| {
                format!("unknown slot {{{name}}} in template `{s}`")
            })?));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Lit(rest.to_owned()));
        }
        Ok(Self(pieces))
    }
}

fn slot(name: &str) -> Option<Slot> {
    Some(match name {
        "place" => Slot::Place,
        "org" => Slot::Org,
        "topic" => Slot::Topic,
        "verb" => Slot::Verb,
        "result" => Slot::Result,
        "measure" => Slot::Measure,
        "goal" => Slot::Goal,
        "person" => Slot::Person,
        "quote" => Slot::Quote,
        "site" => Slot::Site,
        "scene" => Slot::Scene,
        "metric" => Slot::Metric,
        "num" => Slot::Num,
        "pct" => Slot::Pct,
        "money" => Slot::Money,
        "month" => Slot::Month,
        "day" => Slot::Day,
        "reporter" => Slot::Reporter,
        _ => return None,
    })
}

#[derive(Deserialize)]
struct Raw {
    places: Vec<String>,
    verbs: Vec<String>,
    results: Vec<String>,
    title_patterns: Vec<String>,
    kickers: Vec<String>,
    subtitle_patterns: Vec<String>,
    topics: BTreeMap<String, Vec<String>>,
    orgs: Vec<String>,
    measures: Vec<String>,
    goals: Vec<String>,
    persons: Vec<String>,
    quotes: Vec<String>,
    sites: Vec<String>,
    scenes: Vec<String>,
    metrics: Vec<String>,
    sentences: Vec<String>,
    lead: String,
    surnames: Vec<String>,
    given: Vec<String>,
    affiliations: Vec<String>,
    extra_tags: Vec<String>,
    tag_suffixes: Vec<String>,
}

/// The word lists, with templates parsed.
pub struct Words {
    raw: Raw,
    titles: Vec<Template>,
    subtitles: Vec<Template>,
    sentences: Vec<Template>,
    lead: Template,
    all_topics: Vec<String>,
}

/// What one article is about: its main topic and place, and who wrote it.
pub struct Ctx<'a> {
    pub topics: &'a [String],
    pub topic: &'a str,
    pub place: &'a str,
    pub reporter: Option<&'a str>,
}

fn pick<'a, R: Rng>(rng: &mut R, list: &'a [String]) -> &'a str {
    list.choose(rng).map(String::as_str).unwrap_or_default()
}

impl Words {
    pub fn load() -> Result<Self, SeedError> {
        let raw: Raw = serde_json::from_str(DATA).map_err(|e| format!("words.json: {e}"))?;
        let parse = |list: &[String]| -> Result<Vec<Template>, SeedError> {
            list.iter().map(|s| Template::parse(s)).collect()
        };
        let mut all_topics: Vec<String> = Vec::new();
        for t in raw.topics.values().flatten() {
            if !all_topics.contains(t) {
                all_topics.push(t.clone());
            }
        }
        Ok(Self {
            titles: parse(&raw.title_patterns)?,
            subtitles: parse(&raw.subtitle_patterns)?,
            sentences: parse(&raw.sentences)?,
            lead: Template::parse(&raw.lead)?,
            all_topics,
            raw,
        })
    }

    /// The topics of a channel (by slug); every topic for channels the lists do not know.
    pub fn topics_for(&self, channel_slug: &str) -> &[String] {
        self.raw
            .topics
            .get(channel_slug)
            .unwrap_or(&self.all_topics)
    }

    pub fn place<R: Rng>(&self, rng: &mut R) -> &str {
        pick(rng, &self.raw.places)
    }

    /// ~300 distinct tag names: topics, places and other keywords, then place + theme.
    pub fn tag_pool(&self, size: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(size);
        let base = self
            .all_topics
            .iter()
            .chain(&self.raw.extra_tags)
            .chain(&self.raw.places)
            .cloned();
        let combos = self.raw.tag_suffixes.iter().flat_map(|s| {
            self.raw
                .places
                .iter()
                .map(move |p| format!("{}{s}", p.trim_end_matches('市')))
        });
        for name in base.chain(combos) {
            if out.len() >= size {
                break;
            }
            if !out.contains(&name) && name.chars().count() <= crate::models::tag::MAX_TAG_LEN {
                out.push(name);
            }
        }
        out
    }

    /// A reporter's name and affiliation, fixed by the number (the same on every run).
    pub fn reporter(&self, n: usize) -> (String, String) {
        let s = &self.raw.surnames;
        let g = &self.raw.given;
        let a = &self.raw.affiliations;
        let (ns, ng) = (s.len().max(1), g.len().max(1));
        let mut name = s.get(n % ns).cloned().unwrap_or_default();
        name.push_str(g.get((n * 7 + n / ns) % ng).map_or("", String::as_str));
        if !n.is_multiple_of(3) {
            name.push_str(g.get((n * 13 + 5) % ng).map_or("", String::as_str));
        }
        let aff = a.get(n % a.len().max(1)).cloned().unwrap_or_default();
        (name, aff)
    }

    fn fill<R: Rng>(&self, t: &Template, rng: &mut R, ctx: &Ctx<'_>, out: &mut String) {
        use std::fmt::Write;
        let r = &self.raw;
        for piece in &t.0 {
            match piece {
                Piece::Lit(s) => out.push_str(s),
                Piece::Slot(slot) => match slot {
                    Slot::Place if rng.random_bool(0.7) => out.push_str(ctx.place),
                    Slot::Place => out.push_str(pick(rng, &r.places)),
                    Slot::Topic if rng.random_bool(0.8) => out.push_str(ctx.topic),
                    Slot::Topic => out.push_str(pick(rng, ctx.topics)),
                    Slot::Org => out.push_str(pick(rng, &r.orgs)),
                    Slot::Verb => out.push_str(pick(rng, &r.verbs)),
                    Slot::Result => out.push_str(pick(rng, &r.results)),
                    Slot::Measure => out.push_str(pick(rng, &r.measures)),
                    Slot::Goal => out.push_str(pick(rng, &r.goals)),
                    Slot::Person => out.push_str(pick(rng, &r.persons)),
                    Slot::Quote => out.push_str(pick(rng, &r.quotes)),
                    Slot::Site => out.push_str(pick(rng, &r.sites)),
                    Slot::Scene => out.push_str(pick(rng, &r.scenes)),
                    Slot::Metric => out.push_str(pick(rng, &r.metrics)),
                    Slot::Num | Slot::Month | Slot::Day => {
                        let range = match slot {
                            Slot::Num => 3..500,
                            Slot::Month => 1..13,
                            _ => 1..29,
                        };
                        let _ = write!(out, "{}", rng.random_range(range));
                    }
                    Slot::Pct => {
                        let _ = write!(out, "{:.1}%", rng.random_range(1.0..35.0));
                    }
                    Slot::Money if rng.random_bool(0.5) => {
                        let _ = write!(out, "{}万元", rng.random_range(100..10_000));
                    }
                    Slot::Money => {
                        let _ = write!(out, "{:.1}亿元", rng.random_range(1.0..100.0));
                    }
                    Slot::Reporter => out.push_str(ctx.reporter.unwrap_or("本报记者")),
                },
            }
        }
    }

    fn one<R: Rng>(&self, list: &[Template], rng: &mut R, ctx: &Ctx<'_>) -> String {
        let mut out = String::new();
        if let Some(t) = list.choose(rng) {
            self.fill(t, rng, ctx, &mut out);
        }
        out
    }

    pub fn title<R: Rng>(&self, rng: &mut R, ctx: &Ctx<'_>) -> String {
        self.one(&self.titles, rng, ctx)
    }

    pub fn subtitle<R: Rng>(&self, rng: &mut R, ctx: &Ctx<'_>) -> String {
        self.one(&self.subtitles, rng, ctx)
    }

    pub fn kicker<R: Rng>(&self, rng: &mut R) -> String {
        pick(rng, &self.raw.kickers).to_owned()
    }

    /// Paragraphs until the HTML reaches `target` bytes: `(html, plain text)`, where the plain
    /// text is what `text::plain_text` makes of the HTML (one line per paragraph).
    pub fn body<R: Rng>(&self, rng: &mut R, ctx: &Ctx<'_>, target: usize) -> (String, String) {
        let mut html = String::with_capacity(target + 1024);
        let mut text = String::with_capacity(target + 1024);
        let mut para = String::with_capacity(1024);
        while html.len() < target {
            para.clear();
            if html.is_empty() && ctx.reporter.is_some() && rng.random_bool(0.6) {
                self.fill(&self.lead, rng, ctx, &mut para);
            }
            for _ in 0..rng.random_range(2..=5) {
                if let Some(t) = self.sentences.choose(rng) {
                    self.fill(t, rng, ctx, &mut para);
                }
            }
            html.push_str("<p>");
            html.push_str(&para);
            html.push_str("</p>");
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&para);
        }
        (html, text)
    }
}

//! Demo content: the reference portal's channel tree, its sources and an admin account
//! ([`run`]), its articles ([`articles::run`]) and generated articles ([`synthetic::run`]).

pub mod articles;
pub mod boards;
mod compose;
pub mod media;
mod plan;
pub mod synthetic;
#[cfg(test)]
mod tests;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;

use crate::models::Key;
use crate::models::category::{self, NewCategory};
use crate::models::ids::CategoryId;
use crate::models::site::{self, Footer, PageBlocks, Site, Slogan};
use crate::models::source::{self, NewSource, SourceKind};

const DATA: &str = include_str!("heihe.json");
/// The site settings of the demo: the reference portal's slogans, footer and page blocks, its
/// channels as the navigation (by slug).
const SITE: &str = include_str!("site.json");

#[derive(Deserialize)]
struct SeedData {
    categories: Vec<SeedCategory>,
    sources: Vec<SeedSource>,
}

#[derive(Deserialize)]
struct SeedCategory {
    slug: String,
    name: String,
    description: Option<String>,
    #[serde(default)]
    children: Vec<SeedCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedSite {
    name: String,
    url: Option<String>,
    logo_url: Option<String>,
    slogans: Vec<Slogan>,
    navigation: Vec<String>,
    footer: Footer,
    /// `PageBlocks` with channels given by slug.
    blocks: serde_json::Value,
}

#[derive(Deserialize)]
struct SeedSource {
    slug: String,
    name: String,
    kind: SourceKind,
    homepage_url: Option<String>,
}

/// A seeding failure, with its cause (this is an operator's tool: causes are shown).
#[derive(Debug)]
pub struct SeedError(pub String);

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<diesel::result::Error> for SeedError {
    fn from(e: diesel::result::Error) -> Self {
        Self(format!("database: {e}"))
    }
}

impl From<String> for SeedError {
    fn from(e: String) -> Self {
        Self(e)
    }
}

#[derive(Debug, Default)]
pub struct SeedReport {
    pub categories_created: usize,
    pub sources_created: usize,
    /// Whether the site settings were created (they are left alone once they exist).
    pub site_created: bool,
}

/// Creates whatever of the demo content is missing (matched by slug); safe to run again.
pub async fn run(conn: &mut AsyncPgConnection) -> Result<SeedReport, String> {
    let data: SeedData = serde_json::from_str(DATA).map_err(|e| format!("seed data: {e}"))?;
    let site_data: SeedSite =
        serde_json::from_str(SITE).map_err(|e| format!("seed site data: {e}"))?;
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let mut report = SeedReport::default();
        let tree = category::load_tree(conn).await?;
        let mut stack: Vec<(Option<CategoryId>, usize, &SeedCategory)> = data
            .categories
            .iter()
            .enumerate()
            .rev()
            .map(|(i, c)| (None, i, c))
            .collect();
        while let Some((parent, position, node)) = stack.pop() {
            let id = match tree.find(&Key::Slug(node.slug.clone())) {
                Some(existing) => existing.id,
                None => {
                    report.categories_created += 1;
                    let new = NewCategory {
                        parent_id: parent,
                        slug: node.slug.clone(),
                        name: node.name.clone(),
                        description: node.description.clone(),
                        position: position as i32,
                        visible: true,
                    };
                    category::insert(conn, &new).await?.id
                }
            };
            stack.extend(
                node.children
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, c)| (Some(id), i, c)),
            );
        }
        for s in &data.sources {
            if source::find(conn, &Key::Slug(s.slug.clone()))
                .await?
                .is_none()
            {
                let new = NewSource {
                    slug: s.slug.clone(),
                    name: s.name.clone(),
                    kind: s.kind,
                    homepage_url: s.homepage_url.clone(),
                };
                source::insert(conn, &new).await?;
                report.sources_created += 1;
            }
        }
        if !site::exists(conn).await? {
            seed_site(conn, &site_data).await?;
            report.site_created = true;
        }
        Ok(report)
    })
    .await
    .map_err(|e| format!("seeding failed: {e}"))
}

/// Stores the demo site settings; navigation slugs that name no channel are skipped.
async fn seed_site(
    conn: &mut AsyncPgConnection,
    data: &SeedSite,
) -> Result<(), diesel::result::Error> {
    let tree = category::load_tree(conn).await?;
    let navigation = data
        .navigation
        .iter()
        .filter_map(|slug| tree.find(&Key::Slug(slug.clone())).map(|c| c.id))
        .collect();
    // Channels by slug → by id (a block whose channel is missing is left out).
    let mut blocks = data.blocks.clone();
    for screen in ["article", "home"] {
        if let Some(serde_json::Value::Array(list)) = blocks.get_mut(screen) {
            list.retain_mut(|b| match b.get("channel").and_then(|c| c.as_str()) {
                Some(slug) => match tree.find(&Key::Slug(slug.to_owned())) {
                    Some(c) => {
                        b["channel"] = serde_json::json!(c.id);
                        true
                    }
                    None => false,
                },
                None => true,
            });
        }
    }
    let blocks: PageBlocks = serde_json::from_value(blocks)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    let settings = Site {
        name: data.name.clone(),
        url: data.url.clone(),
        logo_url: data.logo_url.clone(),
        slogans: data.slogans.clone(),
        navigation,
        footer: data.footer.clone(),
        blocks,
        ..Site::default()
    };
    site::save(conn, &settings, None).await?;
    Ok(())
}

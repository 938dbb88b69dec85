//! Demo content: the reference portal's channel tree, its sources and an admin account
//! ([`run`]), its articles ([`articles::run`]) and generated articles ([`synthetic::run`]).

pub mod articles;
pub mod boards;
mod compose;
mod plan;
pub mod synthetic;
#[cfg(test)]
mod tests;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;

use crate::models::Key;
use crate::models::category::{self, NewCategory};
use crate::models::ids::CategoryId;
use crate::models::source::{self, NewSource, SourceKind};

const DATA: &str = include_str!("heihe.json");

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
}

/// Creates whatever of the demo content is missing (matched by slug); safe to run again.
pub async fn run(conn: &mut AsyncPgConnection) -> Result<SeedReport, String> {
    let data: SeedData = serde_json::from_str(DATA).map_err(|e| format!("seed data: {e}"))?;
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
        Ok(report)
    })
    .await
    .map_err(|e| format!("seeding failed: {e}"))
}

//! The one owner of in-process caches. A write announces what it changed as a typed
//! [`Change`]; [`Caches::apply`] turns it into an [`Invalidation`] (what to drop), which is
//! also what other instances receive (`crate::listener`). Applying invalidations is the only way cached
//! data is dropped. TTLs only bound memory and the staleness of counters (view counts,
//! most-read lists).

pub mod deps;
pub mod encode;
mod fresh;
pub mod metrics;
pub mod postings;
pub mod rankings;
pub mod responses;
pub mod schedule;
pub mod serve;
pub mod surrogate;

use std::sync::Arc;
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};

use self::deps::Dep;
use self::fresh::Fresh;
use self::rankings::{Followed, Seen};
use self::responses::ResponseCache;
use self::schedule::Tick;

use crate::config::Config;
use crate::content::change::{ArticleEvent, Change};
use crate::content::rankings::{MostReadKey, MostReadPage};
use crate::error::ApiError;
use crate::models::category::{self, Tree};
use crate::models::ids::ArticleId;
use crate::ratelimit::keys::ApiKeys;
use crate::search::synonyms::GroupText;
use crate::search::{Segmenter, Synonyms};
use crate::views::memory::BeaconMemory;

/// How long a cached channel tree is trusted (a bound only: channel writes, here or on other
/// instances, drop it at once).
const TREE_TTL: Duration = Duration::from_secs(5);
/// How long a public list total is reused.
const TOTALS_TTL: Duration = Duration::from_secs(10);

pub struct Caches {
    /// The channel tree, reloaded at most every few seconds (and after channel writes).
    tree: Fresh<Tree>,
    /// The search synonym list, compiled; reloaded at most every few seconds (and after its
    /// writes).
    synonyms: Fresh<Synonyms>,
    /// Totals of public article lists, per filter set, for a few seconds.
    pub list_totals: moka::future::Cache<String, i64>,
    /// Most-read lists, computed at most once per `RANKINGS_TTL` (their view counts may be that
    /// old; their articles are dropped on any change to what they show).
    pub most_read: moka::future::Cache<MostReadKey, Arc<MostReadPage>>,
    /// The beacon's memory of article visibility, so a view costs no query and is counted while
    /// the database is unreachable.
    pub beacon: BeaconMemory,
    /// API keys looked up by the rate limiter (shared with it).
    api_keys: Arc<ApiKeys>,
    /// Finished public responses (the middleware `serve::serve` reads and fills it).
    pub responses: Arc<ResponseCache>,
    /// The order of the most-read lists those responses show (`cache::rankings`).
    pub rankings: Followed,
    /// This process, in the change events it publishes (it applies its own at once).
    pub instance: String,
    /// The in-memory search postings, fed the articles every event names.
    pub postings: Arc<postings::SearchPostings>,
}

/// What a change made stale, in every instance's caches.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invalidation {
    /// Responses that depend on one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deps: Vec<Dep>,
    /// New pending changes of visibility.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ticks: Vec<Tick>,
    /// The channel tree.
    #[serde(default, skip_serializing_if = "is_false")]
    pub tree: bool,
    /// Article lists' totals, most-read lists and the beacon's visibility.
    #[serde(default, skip_serializing_if = "is_false")]
    pub articles: bool,
    /// Most-read lists only (they name sources and bylines).
    #[serde(default, skip_serializing_if = "is_false")]
    pub most_read: bool,
    /// The search synonym list.
    #[serde(default, skip_serializing_if = "is_false")]
    pub synonyms: bool,
    /// API key lookups.
    #[serde(default, skip_serializing_if = "is_false")]
    pub api_keys: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Invalidation {
    pub fn of(change: &Change) -> Self {
        let mut inv = Self::default();
        match change {
            Change::Articles(list) => {
                inv.articles = true;
                if !list.is_empty() {
                    inv.deps.push(Dep::AllArticles);
                }
                for a in list {
                    inv.deps.push(Dep::Article(a.id));
                    inv.deps.extend(a.channels.iter().map(|&c| Dep::Channel(c)));
                    if a.placed {
                        inv.deps
                            .extend(a.channels.iter().map(|&c| Dep::Placement(c)));
                    }
                    inv.deps.extend(a.related.iter().map(|&r| Dep::Related(r)));
                    if let (ArticleEvent::Saved, Some(&channel)) = (&a.what, a.channels.last()) {
                        inv.ticks.extend(a.ticks.iter().map(|&at| Tick {
                            at,
                            article: a.id,
                            channel,
                        }));
                    }
                }
            }
            Change::Category(_) => {
                inv.tree = true;
                inv.articles = true;
                inv.deps.push(Dep::Tree);
            }
            Change::Source(id) => {
                inv.most_read = true;
                inv.deps.extend([Dep::Source(*id), Dep::Sources]);
            }
            Change::Author(id) => {
                inv.most_read = true;
                inv.deps.extend([Dep::Author(*id), Dep::Authors]);
            }
            Change::Board(b) => inv.deps.extend([Dep::Board(b.id), Dep::Boards]),
            Change::Site(_) => inv.deps.push(Dep::Site),
            Change::ApiKey(_) => inv.api_keys = true,
            Change::Synonyms(_) => {
                inv.synonyms = true;
                inv.deps.push(Dep::Synonyms);
            }
            Change::User(id) => inv.deps.push(Dep::User(*id)),
            Change::Media(id) => {
                inv.most_read = true;
                inv.deps.push(Dep::Media(*id));
            }
            // Subscribers are read from the database on each event.
            Change::Webhook(_) => {}
        }
        inv
    }
}

impl Caches {
    pub fn new(config: &Config, api_keys: Arc<ApiKeys>) -> Self {
        let responses = Arc::new(
            ResponseCache::new(
                config.response_cache_mb.saturating_mul(1024 * 1024),
                Duration::from_secs(config.response_cache_max_stale_secs),
                Duration::from_secs(config.response_cache_counters_secs),
            )
            .with_edge(surrogate::Tagging::from_config(&config.edge)),
        );
        Self {
            tree: Fresh::new(TREE_TTL),
            synonyms: Fresh::new(TREE_TTL),
            list_totals: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(TOTALS_TTL)
                .build(),
            most_read: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(config.rankings_ttl_secs.max(1)))
                .build(),
            beacon: BeaconMemory::default(),
            api_keys,
            responses,
            rankings: Followed::default(),
            instance: uuid::Uuid::new_v4().to_string(),
            postings: Arc::new(postings::SearchPostings::new(config.search_postings)),
        }
    }

    /// The channel tree, from memory when loaded less than `TREE_TTL` ago.
    pub async fn tree(&self, conn: &mut AsyncPgConnection) -> Result<Arc<Tree>, ApiError> {
        deps::record(Dep::Tree);
        if let Some(tree) = self.tree.get() {
            return Ok(tree);
        }
        let tree = Arc::new(category::load_tree(conn).await?);
        self.tree.put(tree.clone());
        Ok(tree)
    }

    /// The search synonym list, from memory when compiled less than `TREE_TTL` ago.
    pub async fn synonyms(
        &self,
        conn: &mut AsyncPgConnection,
        seg: &Segmenter,
    ) -> Result<Arc<Synonyms>, ApiError> {
        deps::record(Dep::Synonyms);
        if let Some(list) = self.synonyms.get() {
            return Ok(list);
        }
        let groups = crate::models::synonym::all(conn).await?;
        let texts = groups.iter().map(|g| GroupText {
            terms: &g.terms,
            ambiguous: &g.ambiguous,
            context: &g.context,
        });
        let list = Arc::new(Synonyms::compile(texts, seg));
        self.synonyms.put(list.clone());
        Ok(list)
    }

    /// Drops what `change` made stale (in this instance; `listen` tells the others).
    pub fn apply(&self, change: &Change) {
        self.invalidate(&Invalidation::of(change));
    }

    /// Drops what an invalidation names.
    pub fn invalidate(&self, inv: &Invalidation) {
        if inv.tree {
            self.tree.forget();
        }
        if inv.articles {
            self.postings
                .mark_dirty(inv.deps.iter().filter_map(|d| match d {
                    Dep::Article(id) => Some(*id),
                    _ => None,
                }));
            self.list_totals.invalidate_all();
            // Checked again before it is trusted (still used while the database is down).
            self.beacon.outdate();
        }
        if inv.articles || inv.most_read {
            self.most_read.invalidate_all();
        }
        if inv.api_keys {
            self.api_keys.forget_lookups();
        }
        if inv.synonyms {
            self.synonyms.forget();
        }
        // Ticks first: a response computed from now on must expire at them.
        self.responses.schedule.add(&inv.ticks);
        self.responses.invalidate(&inv.deps);
    }

    /// A most-read list's order now (`used`: a response is about to show it); drops the
    /// responses that showed another order.
    pub fn most_read_order(&self, key: MostReadKey, order: Vec<ArticleId>, used: bool) -> Seen {
        let seen = self.rankings.observe(key, order, used);
        if seen == Seen::Changed {
            self.responses.invalidate(&[Dep::MostRead(key)]);
        }
        seen
    }

    /// Most-read lists no longer recounted: the responses showing them go.
    pub fn unfollow(&self, keys: &[MostReadKey]) {
        let deps: Vec<Dep> = keys.iter().map(|&k| Dep::MostRead(k)).collect();
        self.responses.invalidate(&deps);
    }

    /// Drops everything (change events may have been missed).
    pub fn forget_all(&self) {
        self.tree.forget();
        self.synonyms.forget();
        self.list_totals.invalidate_all();
        self.most_read.invalidate_all();
        self.beacon.outdate();
        self.api_keys.forget_lookups();
        self.rankings.clear();
        self.responses.invalidate_all();
        self.postings.forget();
    }
}

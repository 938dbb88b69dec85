//! The one owner of in-process caches. A write announces what it changed as a typed
//! [`Change`]; [`Caches::apply`] is the only place cached data is dropped. TTLs only bound
//! memory and the staleness of counters (view counts in most-read lists) and of other
//! instances' writes.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use diesel_async::AsyncPgConnection;

use crate::config::Config;
use crate::content::change::Change;
use crate::content::rankings::{MostReadKey, MostReadPage};
use crate::error::ApiError;
use crate::models::category::{self, Tree};
use crate::models::ids::ArticleId;
use crate::ratelimit::keys::ApiKeys;
use crate::views::memory::BeaconMemory;

/// How long a cached channel tree is trusted (other instances' channel writes show up after it).
const TREE_TTL: Duration = Duration::from_secs(5);
/// How long a public list total is reused.
const TOTALS_TTL: Duration = Duration::from_secs(10);
/// How long computed 相关新闻 are reused.
const RELATED_TTL: Duration = Duration::from_secs(60);

pub struct Caches {
    /// The channel tree, reloaded at most every few seconds (and after channel writes).
    tree: RwLock<Option<(Instant, Arc<Tree>)>>,
    /// Totals of public article lists, per filter set, for a few seconds.
    pub list_totals: moka::future::Cache<String, i64>,
    /// 相关新闻 ids per (article, version, limit) for a minute: scoring the candidates costs tens
    /// of milliseconds for articles with common keywords. Visibility is checked on each use.
    pub related: moka::future::Cache<(ArticleId, i32, usize), Arc<Vec<ArticleId>>>,
    /// Most-read lists, computed at most once per `RANKINGS_TTL` (their view counts may be that
    /// old; their articles are dropped on any change to what they show).
    pub most_read: moka::future::Cache<MostReadKey, Arc<MostReadPage>>,
    /// The beacon's memory of article visibility, so a view costs no query and is counted while
    /// the database is unreachable.
    pub beacon: BeaconMemory,
    /// API keys looked up by the rate limiter (shared with it).
    api_keys: Arc<ApiKeys>,
}

impl Caches {
    pub fn new(config: &Config, api_keys: Arc<ApiKeys>) -> Self {
        Self {
            tree: RwLock::new(None),
            list_totals: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(TOTALS_TTL)
                .build(),
            related: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(RELATED_TTL)
                .build(),
            most_read: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(config.rankings_ttl_secs.max(1)))
                .build(),
            beacon: BeaconMemory::default(),
            api_keys,
        }
    }

    /// The channel tree, from memory when loaded less than `TREE_TTL` ago.
    pub async fn tree(&self, conn: &mut AsyncPgConnection) -> Result<Arc<Tree>, ApiError> {
        if let Ok(slot) = self.tree.read()
            && let Some((at, tree)) = slot.as_ref()
            && at.elapsed() < TREE_TTL
        {
            return Ok(tree.clone());
        }
        let tree = Arc::new(category::load_tree(conn).await?);
        if let Ok(mut slot) = self.tree.write() {
            *slot = Some((Instant::now(), tree.clone()));
        }
        Ok(tree)
    }

    /// Drops what `change` made stale.
    pub fn apply(&self, change: &Change) {
        match change {
            Change::Articles(_) => {
                self.list_totals.invalidate_all();
                self.related.invalidate_all();
                self.most_read.invalidate_all();
                // Checked again before it is trusted (still used while the database is down).
                self.beacon.outdate();
            }
            Change::Category(_) => {
                self.forget_tree();
                self.list_totals.invalidate_all();
                self.most_read.invalidate_all();
            }
            // Most-read lists show article summaries, which name sources and bylines.
            Change::Source(_) | Change::Author(_) => self.most_read.invalidate_all(),
            // Boards and site settings are read from the database on each request.
            Change::Board(_) | Change::Site(_) => {}
            Change::ApiKey(_) => self.api_keys.forget_lookups(),
            // Accounts and endpoints are read from the database when used.
            Change::User(_) | Change::Webhook(_) => {}
        }
    }

    fn forget_tree(&self) {
        if let Ok(mut slot) = self.tree.write() {
            *slot = None;
        }
    }
}

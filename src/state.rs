//! What every handler can reach: the pool, the settings and the token keys.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use diesel_async::AsyncPgConnection;

use crate::auth::JwtKeys;
use crate::config::Config;
use crate::content::rankings::{MostReadKey, MostReadPage};
use crate::db::{DbConn, DbPool, DbStats};
use crate::error::ApiError;
use crate::models::category::{self, Tree};
use crate::models::ids::ArticleId;
use crate::net::TrustedProxies;
use crate::search::{Indexer, Ranking, Segmenter};
use crate::views::ViewCounter;
use crate::views::memory::BeaconMemory;

pub struct AppState {
    pub pool: DbPool,
    /// One connection of its own for `/readyz`, so readiness reflects the database, not the
    /// queue for the request pool.
    pub probe: DbPool,
    /// Timeouts, budget overruns and discarded connections (for `/metrics`).
    pub db_stats: Arc<DbStats>,
    pub config: Config,
    pub jwt: JwtKeys,
    /// A hash verified for unknown emails, so a login takes as long whether or not the email exists.
    pub dummy_hash: Arc<String>,
    /// Counted views waiting for the next flush.
    pub views: Arc<ViewCounter>,
    /// The beacon's memory of article visibility, so a view costs no query and is counted while
    /// the database is unreachable.
    pub beacon: BeaconMemory,
    /// Most-read lists computed at most once per `RANKINGS_TTL`.
    pub most_read: moka::future::Cache<MostReadKey, Arc<MostReadPage>>,
    /// The channel tree, reloaded at most every few seconds (and after local channel writes).
    tree: RwLock<Option<(Instant, Arc<Tree>)>>,
    /// Totals of public article lists, per filter set, for a few seconds.
    pub list_totals: moka::future::Cache<String, i64>,
    /// 相关新闻 ids per (article, version, limit) for a minute: scoring the candidates costs tens
    /// of milliseconds for articles with common keywords. Visibility is checked on each use.
    pub related: moka::future::Cache<(ArticleId, i32, usize), Arc<Vec<ArticleId>>>,
    /// Word segmentation for the search index and queries.
    pub search: Arc<Indexer>,
    /// How search blends relevance with recency.
    pub ranking: Ranking,
    /// Whose `X-Forwarded-For` to believe when finding the client's address.
    pub proxies: TrustedProxies,
}

/// How long a cached channel tree is trusted (other instances' channel writes show up after it).
const TREE_TTL: Duration = Duration::from_secs(5);
/// How long a public list total is reused.
const TOTALS_TTL: Duration = Duration::from_secs(10);
/// How long computed 相关新闻 are reused.
const RELATED_TTL: Duration = Duration::from_secs(60);

impl AppState {
    pub fn new(
        (pool, probe, db_stats): (DbPool, DbPool, Arc<DbStats>),
        config: Config,
        jwt: JwtKeys,
        dummy_hash: Arc<String>,
        segmenter: Arc<Segmenter>,
    ) -> Self {
        let search = Arc::new(Indexer::new(segmenter));
        let proxies = TrustedProxies(config.trusted_proxy_nets().unwrap_or_default());
        let ranking = Ranking {
            half_life_days: config.search_half_life_days,
        };
        let views = Arc::new(ViewCounter::new(&config));
        let most_read = moka::future::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(Duration::from_secs(config.rankings_ttl_secs.max(1)))
            .build();
        let list_totals = moka::future::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(TOTALS_TTL)
            .build();
        let related = moka::future::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(RELATED_TTL)
            .build();
        Self {
            pool,
            probe,
            db_stats,
            config,
            jwt,
            dummy_hash,
            views,
            beacon: BeaconMemory::default(),
            most_read,
            tree: RwLock::new(None),
            list_totals,
            related,
            search,
            ranking,
            proxies,
        }
    }

    /// A pooled connection; starts the request's database budget.
    pub async fn conn(&self) -> Result<DbConn, ApiError> {
        crate::db::budget::arm();
        self.pool.get().await.map_err(|e| {
            if matches!(e, crate::db::PoolError::Timeout(_)) {
                self.db_stats
                    .checkout_timeouts
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            ApiError::from(e)
        })
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

    /// Forgets what was cached about articles (after an article write on this instance): list
    /// totals, and the beacon checks its visibility memory again (still using it while the
    /// database is unreachable). Other instances catch up within seconds.
    pub fn content_changed(&self) {
        self.list_totals.invalidate_all();
        self.related.invalidate_all();
        self.beacon.outdate();
    }

    /// Drops the cached tree (after a channel write).
    pub fn forget_tree(&self) {
        if let Ok(mut slot) = self.tree.write() {
            *slot = None;
        }
    }
}

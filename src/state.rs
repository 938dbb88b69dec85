//! What every handler can reach: the pool, the settings and the token keys.

use std::sync::Arc;

use diesel_async::AsyncPgConnection;

use crate::auth::JwtKeys;
use crate::cache::Caches;
use crate::config::Config;
use crate::db::{DbConn, DbPool, DbStats};
use crate::error::ApiError;
use crate::models::category::Tree;
use crate::net::TrustedProxies;
use crate::replication::{Lsn, Replicas};
use crate::search::{Indexer, Ranking, Segmenter};
use crate::views::ViewCounter;

/// The request pool, the readiness probe's pool, their counters and the replicas.
pub type Databases = (DbPool, DbPool, Arc<DbStats>, Option<Arc<Replicas>>);

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
    /// Every in-process cache, dropped only by change events (`Caches::apply`, called by
    /// `services::commit`).
    pub caches: Caches,
    /// Word segmentation for the search index and queries.
    pub search: Arc<Indexer>,
    /// How search blends relevance with recency.
    pub ranking: Ranking,
    /// Whose `X-Forwarded-For` to believe when finding the client's address.
    pub proxies: TrustedProxies,
    /// The media library's store, limits and renditions.
    pub media: Arc<crate::media::Media>,
    /// Streaming replicas for public reads (`None`: everything on the primary).
    pub replicas: Option<Arc<Replicas>>,
    /// Purge targets of the edge tier (`None`: no edge purges).
    pub edge: Option<Arc<crate::edge::Edge>>,
}

impl AppState {
    pub fn new(
        (pool, probe, db_stats, replicas): Databases,
        config: Config,
        jwt: JwtKeys,
        dummy_hash: Arc<String>,
        segmenter: Arc<Segmenter>,
        api_keys: Arc<crate::ratelimit::keys::ApiKeys>,
        media: Arc<crate::media::Media>,
    ) -> Self {
        let search = Arc::new(Indexer::new(segmenter));
        let proxies = TrustedProxies(config.trusted_proxy_nets().unwrap_or_default());
        let ranking = Ranking {
            half_life_days: config.search_half_life_days,
        };
        let views = Arc::new(ViewCounter::new(&config));
        let caches = Caches::new(&config, api_keys);
        Self {
            pool,
            probe,
            db_stats,
            config,
            jwt,
            dummy_hash,
            views,
            caches,
            search,
            ranking,
            proxies,
            media,
            replicas,
            edge: None,
        }
    }

    /// Purges queued by writes go to these targets.
    pub fn with_edge(mut self, edge: Option<Arc<crate::edge::Edge>>) -> Self {
        self.edge = edge;
        self
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

    /// Where this search finds its newest matches: the in-memory postings when they can
    /// answer it (`None`: the database alone).
    pub fn search_candidates(
        &self,
        aq: &crate::queries::article_list::ArticleQuery,
    ) -> Option<crate::queries::search_candidates::Candidates> {
        let found = aq.candidates(&self.caches.postings, self.config.search_postings_max_share);
        let stats = &self.caches.postings.stats;
        let counter = if found.is_some() {
            &stats.served
        } else {
            &stats.fell_back
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        found
    }

    /// A connection for a read-only handler: a replica that has replayed far enough for this
    /// request, when replicas are configured and the request is not staff's; otherwise the
    /// primary (see `replication`). Never for anything that writes.
    pub async fn read_conn(&self) -> Result<DbConn, ApiError> {
        if let Some(replicas) = &self.replicas {
            let route = crate::replication::route::current();
            if route.as_ref().is_some_and(|r| r.staff) {
                replicas
                    .stats
                    .staff_reads
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            } else {
                crate::db::budget::arm();
                let need = route.map_or(Lsn::ZERO, |r| r.requested);
                if let Some(conn) = replicas.checkout(need).await {
                    return Ok(conn);
                }
            }
        }
        self.conn().await
    }

    /// The compiled search synonym list (see `Caches::synonyms`).
    pub async fn synonyms(
        &self,
        conn: &mut AsyncPgConnection,
    ) -> Result<Arc<crate::search::Synonyms>, ApiError> {
        self.caches.synonyms(conn, &self.search).await
    }

    /// The channel tree (see `Caches::tree`).
    pub async fn tree(&self, conn: &mut AsyncPgConnection) -> Result<Arc<Tree>, ApiError> {
        self.caches.tree(conn).await
    }
}

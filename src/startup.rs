//! Builds the HTTP server: state, middleware, routes, docs.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, web};
use utoipa::OpenApi as _;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::api;
use crate::api::rejections::RouteTable;
use crate::auth::{JwtKeys, password};
use crate::config::Config;
use crate::db;
use crate::openapi::ApiDoc;
use crate::state::AppState;

pub struct Application {
    server: Server,
    port: u16,
    state: web::Data<AppState>,
    stop_flusher: Arc<Notify>,
    flusher: tokio::task::JoinHandle<()>,
    stop_webhooks: Arc<Notify>,
    webhooks: Option<tokio::task::JoinHandle<()>>,
    stop_listener: Arc<Notify>,
    listener: tokio::task::JoinHandle<()>,
    stop_postings: Arc<Notify>,
    postings: tokio::task::JoinHandle<()>,
    /// The replicas' health check (when replicas are configured).
    stop_replicas: Arc<Notify>,
    replica_health: Option<tokio::task::JoinHandle<()>>,
    /// The edge purge worker (when purge targets are configured).
    stop_edge: Arc<Notify>,
    edge_worker: Option<tokio::task::JoinHandle<()>>,
}

/// Indexes articles that have no search vector yet (rows from before the search migration, or
/// written by other tools), in the background.
async fn index_missing(state: web::Data<AppState>) {
    let Ok(mut conn) = state.pool.get().await else {
        return;
    };
    let mut noop = |_: Option<u64>, _: u64| {};
    match crate::models::search_index::reindex(
        &mut conn,
        state.search.segmenter(),
        true,
        500,
        &mut noop,
    )
    .await
    {
        Ok(r) if r.articles > 0 => {
            // Every instance's caches and search postings, and the edge, see them now.
            if let Err(e) = crate::listener::notify_all(&mut conn).await {
                tracing::warn!(error = %e, "announcing newly indexed articles failed");
            }
            tracing::info!(
                articles = r.articles,
                "indexed articles that had no search vector"
            )
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "indexing articles without a search vector failed"),
    }
}

impl Application {
    /// Validates the config, applies migrations, builds the pool and binds the listener.
    pub async fn build(config: Config) -> Result<Self, String> {
        config.validate()?;
        let applied = db::run_migrations(&config.database_url).await?;
        if !applied.is_empty() {
            tracing::info!(?applied, "applied migrations");
        }
        let db_stats = Arc::new(db::DbStats::default());
        let settings = db::PoolSettings::from_config(&config);
        let pool = db::build_pool(&config.database_url, &settings, db_stats.clone())?;
        let mut probe_settings = settings.sized(1);
        probe_settings.trace = None;
        let probe = db::build_pool(&config.database_url, &probe_settings, db_stats.clone())?;
        let replicas = crate::replication::Replicas::build(&config.replicas, &settings, &db_stats)?
            .map(Arc::new);
        let stop_replicas = Arc::new(Notify::new());
        let replica_health = match &replicas {
            Some(r) => {
                let monitor =
                    db::build_pool(&config.database_url, &probe_settings, db_stats.clone())?;
                Some(tokio::spawn(crate::replication::health::run(
                    r.clone(),
                    monitor,
                    stop_replicas.clone(),
                )))
            }
            None => None,
        };
        let jwt = JwtKeys::from_config(&config)?;
        let dummy_hash = Arc::new(password::hash("newsdesk-timing-equaliser")?);
        let listener = TcpListener::bind(config.bind_addr)
            .map_err(|e| format!("cannot listen on {}: {e}", config.bind_addr))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let doc = crate::openapi::build();
        let routes = web::Data::new(RouteTable::from_openapi(&doc));
        let spec = web::Data::new(api::docs::SpecJson(crate::openapi::to_pretty_json(&doc)?));
        let workers = config.http_workers;
        let max_body = config.max_body_bytes.max(config.max_article_request_bytes);
        let flush_every = Duration::from_secs_f64(config.views_flush_interval);
        let dictionary = config.search_dictionary.clone();
        let segmenter = tokio::task::spawn_blocking(move || {
            crate::search::Segmenter::shared(dictionary.as_deref())
        })
        .await
        .map_err(|e| e.to_string())??;
        let limits = Arc::new(crate::ratelimit::RateLimits::from_config(&config)?);
        crate::ratelimit::spawn_cleanup(&limits);
        let limits = web::Data::from(limits);
        let media = Arc::new(crate::media::Media::new(&config.media)?);
        let edge = crate::edge::Edge::from_config(&config)?.map(Arc::new);
        let state = web::Data::new(
            AppState::new(
                (pool, probe, db_stats, replicas),
                config,
                jwt,
                dummy_hash,
                segmenter,
                limits.keys.clone(),
                media,
            )
            .with_edge(edge),
        );
        tokio::spawn(index_missing(state.clone()));
        tokio::spawn(crate::api::rankings::recount(state.clone()));
        tokio::spawn(crate::scheduler::run(
            state.clone(),
            Duration::from_secs_f64(state.config.scheduler_interval),
        ));
        let webhook_stats = Arc::new(crate::webhooks::worker::Stats::default());
        let metrics = crate::metrics::build(&state, webhook_stats.clone())?;
        let stop_webhooks = Arc::new(Notify::new());
        let webhooks = state.config.webhook_worker.then(|| {
            tokio::spawn(crate::webhooks::worker::run(
                state.pool.clone(),
                crate::webhooks::worker::Settings::from_config(&state.config),
                webhook_stats,
                stop_webhooks.clone(),
            ))
        });
        let stop_edge = Arc::new(Notify::new());
        let edge_worker = state.edge.clone().map(|edge| {
            tokio::spawn(crate::edge::worker::run(
                edge,
                state.pool.clone(),
                stop_edge.clone(),
            ))
        });
        let stop_flusher = Arc::new(Notify::new());
        let flusher = tokio::spawn(crate::views::run_flusher(
            state.views.clone(),
            state.pool.clone(),
            flush_every,
            stop_flusher.clone(),
        ));
        let responses = web::Data::from(state.caches.responses.clone());
        let stop_listener = Arc::new(Notify::new());
        let change_listener = tokio::spawn(crate::listener::run(
            state.clone(),
            settings.sized(1),
            stop_listener.clone(),
        ));
        let stop_postings = Arc::new(Notify::new());
        let postings = tokio::spawn(crate::search_feed::run(
            state.clone(),
            stop_postings.clone(),
        ));
        // Serve cached once subscribed to change events (normally within milliseconds).
        let subscribed = async {
            while !state.caches.responses.is_live() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(5), subscribed)
            .await
            .is_err()
        {
            tracing::warn!("not subscribed to change events yet; serving uncached until then");
        }
        let app_state = state.clone();
        let replicas = state.replicas.clone().map(web::Data::from);
        let shutdown_secs = state.config.shutdown_timeout().as_secs().max(1);
        let keep_alive = Duration::from_secs_f64(state.config.keep_alive_secs);

        let factory = move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .service(api::health::livez)
                .service(api::health::readyz)
                .service(api::media::serve_media)
                .service(
                    utoipa_actix_web::scope("/api/v1")
                        .configure(api::configure)
                        .route("/openapi.json", web::get().to(api::docs::openapi_json)),
                )
                .split_for_parts();
            let app = match &replicas {
                Some(r) => app.app_data(r.clone()),
                None => app,
            };
            app.app_data(state.clone())
                .app_data(limits.clone())
                .app_data(routes.clone())
                .app_data(spec.clone())
                .app_data(responses.clone())
                .app_data(web::PayloadConfig::new(max_body))
                .app_data(web::QueryConfig::default().error_handler(api::rejections::query_error))
                .app_data(web::PathConfig::default().error_handler(api::rejections::path_error))
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        .url("/api/v1/openapi.json", doc.clone())
                        // No badge from the online validator: it would send the spec's URL away.
                        .config(SwaggerConfig::default().validator_url("none")),
                )
                .route("/docs", web::get().to(api::docs::docs_redirect))
                .default_service(web::to(api::rejections::fallback))
                .wrap(Compress::default())
                // Outside compression: it stores bodies once and compresses them itself.
                .wrap(from_fn(crate::cache::serve::serve))
                // Outside the cache: a request presenting a newer position than the cache
                // covers bypasses it.
                .wrap(from_fn(crate::replication::route::route))
                .wrap(from_fn(crate::limits::enforce))
                // Inside CORS (so a 429 carries CORS headers and preflights are never limited)
                // and inside metrics (so refusals are counted).
                .wrap(from_fn(crate::ratelimit::limit))
                .wrap(crate::cors::cors(&state.config))
                .wrap(metrics.clone())
                .wrap(from_fn(crate::audit::record_writes))
                .wrap(from_fn(crate::deadlines::enforce))
                .wrap(from_fn(crate::middleware::observe))
                .wrap(from_fn(crate::security_headers::apply))
        };
        // Signals are handled in `run`, under one deadline for everything.
        let settings = crate::http_server::Settings {
            workers,
            shutdown_secs,
            keep_alive,
            // A client has this long to send the request head (slow-loris guard).
            client_request_timeout: Duration::from_secs(5),
        };
        let server =
            crate::http_server::serve(listener, factory, &settings).map_err(|e| e.to_string())?;
        Ok(Self {
            server,
            port,
            state: app_state,
            stop_flusher,
            flusher,
            stop_webhooks,
            webhooks,
            stop_listener,
            listener: change_listener,
            stop_postings,
            postings,
            stop_replicas,
            replica_health,
            stop_edge,
            edge_worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM (or until stopped through `handle`), then stops within
    /// `SHUTDOWN_TIMEOUT_SECS` in all: in-flight requests finish (or are cut off at the deadline),
    /// the webhook worker and the view flusher stop, and counted views are written; what could
    /// not be written by the deadline is logged.
    pub async fn run_until_signal(self) -> std::io::Result<()> {
        self.run(true).await
    }

    /// As `run_until_signal`, but stopped only through `handle` (tests run many servers in one
    /// process, which must stay interruptible).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run(false).await
    }

    async fn run(self, signals: bool) -> std::io::Result<()> {
        let limit = self.state.config.shutdown_timeout();
        let handle = self.server.handle();
        let server = self.server;
        tokio::pin!(server);
        let (served, deadline) = tokio::select! {
            served = &mut server => (served, Instant::now() + limit),
            () = stop_signal(), if signals => {
                let deadline = Instant::now() + limit;
                tracing::info!(deadline_secs = limit.as_secs_f64(), "stopping");
                // Sends the command now; completion is awaited through `server`.
                drop(handle.stop(true));
                match tokio::time::timeout_at(deadline, &mut server).await {
                    Ok(served) => (served, deadline),
                    Err(_) => {
                        tracing::error!("requests still running at the shutdown deadline were cut off");
                        (Ok(()), deadline)
                    }
                }
            }
        };
        self.stop_webhooks.notify_one();
        self.stop_flusher.notify_one();
        self.stop_listener.notify_one();
        join_by(deadline, self.listener).await;
        self.stop_postings.notify_one();
        join_by(deadline, self.postings).await;
        self.stop_replicas.notify_one();
        if let Some(health) = self.replica_health {
            join_by(deadline, health).await;
        }
        // Purges queued by the last writes are sent by whichever instance claims them next.
        self.stop_edge.notify_one();
        if let Some(worker) = self.edge_worker {
            join_by(deadline, worker).await;
        }
        let webhooks = async {
            if let Some(worker) = self.webhooks
                && !join_by(deadline, worker).await
            {
                // A delivery left claimed is taken up again when its lease runs out.
                tracing::warn!("webhook worker stopped at the shutdown deadline");
            }
        };
        let views = async {
            join_by(deadline, self.flusher).await;
            crate::views::drain(&self.state.views, &self.state.pool, deadline).await;
        };
        tokio::join!(webhooks, views);
        tracing::info!("stopped");
        served
    }

    /// The shared state (tests read the view counter through it).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// A handle to stop the server (used by tests).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

/// Waits for a background task until `deadline`, then aborts it; whether it ended by itself.
async fn join_by(deadline: Instant, mut task: tokio::task::JoinHandle<()>) -> bool {
    let ended = tokio::time::timeout_at(deadline, &mut task).await.is_ok();
    if !ended {
        task.abort();
    }
    ended
}

/// SIGTERM or SIGINT (Ctrl-C).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

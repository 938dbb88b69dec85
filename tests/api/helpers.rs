//! `spawn_app()`: a real server on 127.0.0.1:0 over a fresh PostgreSQL database, dropped afterwards.

use std::sync::atomic::{AtomicU64, Ordering};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use newsdesk::auth::password;
use newsdesk::config::{Config, Environment, LogFormat};
use newsdesk::models::user::{self, NewUser, Role};
use newsdesk::startup::Application;
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;

pub const PASSWORD: &str = "correct-horse-battery";

/// Server-level URL (any database) of the PostgreSQL the tests use.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".into())
}

pub fn url_for(db: &str) -> String {
    let base = server_url();
    let (head, tail) = base
        .rsplit_once('/')
        .expect("TEST_DATABASE_URL needs a /database part");
    let query = tail
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{head}/{db}{query}")
}

pub async fn admin_conn() -> AsyncPgConnection {
    AsyncPgConnection::establish(&server_url())
        .await
        .expect("connect to the test server")
}

pub fn test_config(database_url: String) -> Config {
    Config {
        database_url,
        database_pool_size: 4,
        database_timeout_secs: 2,
        database_statement_timeout_ms: 5000,
        database_request_budget_secs: 10.0,
        database_keepalive_secs: 10,
        shutdown_timeout_secs: 15.0,
        body_read_timeout_secs: 10.0,
        keep_alive_secs: 5.0,
        bind_addr: "127.0.0.1:0".parse().unwrap(),
        jwt_secret: "test-secret-that-is-long-enough-for-hs256-0123456789".into(),
        jwt_ttl_secs: 900,
        jwt_issuer: "newsdesk".into(),
        jwt_audience: "newsdesk-staff".into(),
        cors_allowed_origins: "https://app.example.com".into(),
        max_body_bytes: 64 * 1024,
        max_article_request_bytes: 3 * 1024 * 1024,
        cache_max_age_secs: 60,
        cache_list_max_age_secs: 30,
        cache_detail_max_age_secs: 60,
        response_cache_mb: 64,
        response_cache_max_stale_secs: 3600,
        response_cache_counters_secs: 60,
        log_format: LogFormat::Text,
        environment: Environment::Test,
        timezone: chrono_tz::Asia::Shanghai,
        views_flush_interval: 0.2,
        scheduler_interval: 0.2,
        views_flush_threshold: 10_000,
        views_max_pending: 1_000_000,
        views_dedupe_secs: 1800,
        views_dedupe_capacity: 100_000,
        views_bot_user_agents:
            "googlebot,bingbot,baiduspider,sogou,360spider,yisouspider,bytespider,yandexbot".into(),
        rankings_ttl_secs: 60,
        sql_trace_file: None,
        http_workers: 1,
        search_dictionary: None,
        refresh_ttl_secs: 30 * 24 * 3600,
        login_max_failures: 5,
        login_backoff_max_secs: 900,
        trusted_proxies: String::new(),
        // High enough that ordinary tests never meet them; the rate-limit tests lower them.
        rate_limit_per_minute: 1_000_000,
        rate_limit_burst: 100_000,
        beacon_rate_limit_per_minute: 1_000_000,
        beacon_rate_limit_burst: 100_000,
        max_url_bytes: 4096,
        max_header_bytes: 16 * 1024,
        search_half_life_days: 60.0,
        search_rank_window: 300,
        search_count_cap: 10_000,
        search_postings: true,
        // Every search the postings can answer goes through them (when built), so the search
        // suites check them against the same expectations as the database.
        search_postings_max_share: 1.0,
        webhook_worker: true,
        webhook_timeout_secs: 2.0,
        webhook_poll_interval: 0.1,
        webhook_retry_base_secs: 1.0,
        webhook_retry_max_secs: 60.0,
        webhook_max_age_secs: 86_400,
        // Tests send to a receiver on loopback.
        webhook_allow_private: true,
        media: test_media_config(),
        replicas: newsdesk::config::ReplicaConfig::default(),
        edge: newsdesk::config::EdgeConfig::default(),
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A media folder of the test's own under the system's temporary folder (removed with the
/// app), with small upload limits so refusals are cheap to provoke.
pub fn test_media_config() -> newsdesk::config::MediaConfig {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "newsdesk-media-{}-{n}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let mut media = newsdesk::config::MediaConfig::local(dir);
    media.max_image_mb = 4;
    media.max_video_mb = 16;
    media.max_audio_mb = 8;
    media
}

/// A fresh, empty database, dropped (with FORCE) when the guard goes.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn create() -> Self {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "newsdesk_test_{}_{}_{}",
            std::process::id(),
            n,
            uuid::Uuid::new_v4().simple()
        );
        let name = name[..name.len().min(63)].to_owned();
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin_conn().await)
            .await
            .expect("create test database");
        let url = url_for(&name);
        Self { name, url }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(mut conn) = AsyncPgConnection::establish(&server_url()).await {
                    let _ = diesel::sql_query(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    ))
                    .execute(&mut conn)
                    .await;
                }
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub db: TestDb,
    handle: actix_web::dev::ServerHandle,
    /// The local media folder (removed on drop).
    pub media_dir: std::path::PathBuf,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_routed(|url| url.to_owned(), tweak).await.0
}

/// A server that reaches its (fresh) database at the URL `route` makes of the direct one (for
/// example through a fault proxy); also its shared state. `TestApp::conn` stays direct.
pub async fn spawn_app_routed(
    route: impl FnOnce(&str) -> String,
    tweak: impl FnOnce(&mut Config),
) -> (TestApp, actix_web::web::Data<newsdesk::state::AppState>) {
    let db = TestDb::create().await;
    let mut config = test_config(route(&db.url));
    tweak(&mut config);
    let media_dir = config.media.dir.clone();
    let app = Application::build(config).await.expect("build application");
    let state = app.state();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let app = TestApp {
        address,
        client,
        db,
        handle,
        media_dir,
    };
    (app, state)
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let stop = self.handle.stop(false);
        drop(stop);
        let _ = std::fs::remove_dir_all(&self.media_dir);
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path))
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(self.url(path))
    }

    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.client.patch(self.url(path))
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.client.delete(self.url(path))
    }

    pub fn put(&self, path: &str) -> RequestBuilder {
        self.client.put(self.url(path))
    }

    pub async fn conn(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.db.url)
            .await
            .expect("connect to the test database")
    }

    /// Inserts a staff user straight into the database.
    pub async fn create_user(&self, email: &str, role: Role) {
        let hash = password::hash(PASSWORD).unwrap();
        let mut conn = self.conn().await;
        user::insert(
            &mut conn,
            NewUser {
                email,
                display_name: "Test User",
                role,
                password_hash: &hash,
            },
        )
        .await
        .unwrap();
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post("/api/v1/auth/login")
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// A token for a new user of this role.
    pub async fn token(&self, role: Role) -> String {
        let email = format!("{}-{}@example.com", role, uuid::Uuid::new_v4().simple());
        self.create_user(&email, role).await;
        let res = self.login(&email, PASSWORD).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// The demo seed, as `newsdesk seed` writes it: then running instances are told (their
    /// caches and search postings did not see these writes; the edge, which has served nothing
    /// yet, is not).
    pub async fn seed(&self) {
        let mut conn = self.conn().await;
        newsdesk::seed::run(&mut conn).await.unwrap();
        newsdesk::listener::notify_instances(&mut conn)
            .await
            .unwrap();
    }

    /// POSTs JSON with a token and returns status and body.
    pub async fn post_json(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        let res = self
            .post(path)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        status_json(res).await
    }

    /// A PATCH as JSON Merge Patch (`null` clears), as a hand-written client sends it.
    pub async fn patch_json(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.patch_as(MERGE_PATCH, path, token, body).await
    }

    /// A PATCH with this content type.
    pub async fn patch_as(
        &self,
        content_type: &str,
        path: &str,
        token: &str,
        body: Value,
    ) -> (u16, Value) {
        let res = self
            .patch(path)
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        status_json(res).await
    }
}

pub async fn status_json(res: Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// Asserts a problem+json response and returns its body.
pub async fn assert_problem(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code, "{body}");
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    body
}

pub fn field_errors(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

// ---- helpers for the article, author and tag tests ----

/// The seeded site navigation (`src/seed/site.json`), in order.
pub const SEEDED_NAV: [&str; 13] = [
    "guonei", "shizheng", "shehui", "minsheng", "hangye", "zhuanti", "bianjing", "wenti", "gedi",
    "shengtai", "shikong", "lilun", "pinglun",
];

/// An RFC 3339 time `secs` seconds from now (negative: in the past).
pub fn at(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs)).to_rfc3339()
}

impl TestApp {
    /// A token and the user id of a new staff user of this role.
    pub async fn staff(&self, role: Role) -> (String, i64) {
        let token = self.token(role).await;
        let res = self
            .get("/api/v1/auth/me")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let me: Value = res.json().await.unwrap();
        (token, me["id"].as_i64().unwrap())
    }

    /// GETs with an optional token and returns status and body.
    pub async fn get_as(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.get(path);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        status_json(req.send().await.unwrap()).await
    }

    /// DELETEs with a token and returns the status.
    pub async fn delete_as(&self, path: &str, token: &str) -> u16 {
        let res = self.delete(path).bearer_auth(token).send().await.unwrap();
        res.status().as_u16()
    }

    /// The id of a (seeded) category by slug.
    pub async fn category_id(&self, slug: &str) -> i64 {
        let (status, body) = self
            .get_as(&format!("/api/v1/categories/{slug}"), None)
            .await;
        assert_eq!(status, 200, "category {slug}");
        body["id"].as_i64().unwrap()
    }

    /// A channel created under the channel `parent` (the demo tree has nothing below its
    /// channels; tests of sub-channels make their own); its id.
    pub async fn sub_channel(&self, parent: &str, name: &str, slug: &str) -> i64 {
        let parent_id = self.category_id(parent).await;
        let token = self.token(Role::Admin).await;
        let body = serde_json::json!({ "name": name, "slug": slug, "parent_id": parent_id });
        let (status, body) = self.post_json("/api/v1/categories", &token, body).await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_i64().unwrap()
    }

    /// The id of a (seeded) source by slug.
    pub async fn source_id(&self, slug: &str) -> i64 {
        let (status, body) = self.get_as(&format!("/api/v1/sources/{slug}"), None).await;
        assert_eq!(status, 200, "source {slug}");
        body["id"].as_i64().unwrap()
    }

    /// Creates an article (asserting 201) and returns it.
    pub async fn create_article(&self, token: &str, body: Value) -> Value {
        let (status, created) = self.post_json("/api/v1/articles", token, body).await;
        assert_eq!(status, 201, "{created}");
        created
    }

    /// Creates an author (asserting 201) and returns it.
    pub async fn create_author(&self, token: &str, body: Value) -> Value {
        let (status, created) = self.post_json("/api/v1/authors", token, body).await;
        assert_eq!(status, 201, "{created}");
        created
    }

    /// Runs one SQL statement against the test database.
    pub async fn sql(&self, statement: &str) -> usize {
        diesel::sql_query(statement)
            .execute(&mut self.conn().await)
            .await
            .unwrap()
    }
}

/// The ids of a list response's `data`, in order.
pub fn ids(body: &Value) -> Vec<i64> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {body}"))
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

/// A header as text (empty when absent).
pub fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `base` with the fields of `extra` added (or replaced).
pub fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}

impl TestApp {
    /// Sends `method path` with an optional token and an optional JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let patch = method == reqwest::Method::PATCH;
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            // PATCH bodies as JSON Merge Patch (`null` clears), as in `patch_json`.
            req = if patch {
                req.header("content-type", MERGE_PATCH).body(b.to_string())
            } else {
                req.json(&b)
            };
        }
        req.send().await.unwrap()
    }
}

/// The media type of JSON Merge Patch.
pub const MERGE_PATCH: &str = "application/merge-patch+json";

// ---- helpers for the view and ranking tests ----

/// Today's date in a time zone.
pub fn today_in(tz: chrono_tz::Tz) -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&tz).date_naive()
}

#[derive(diesel::QueryableByName)]
struct Number {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The value of a query that selects one bigint named `n`.
pub async fn query_i64(conn: &mut AsyncPgConnection, query: &str) -> i64 {
    let row: Number = diesel::sql_query(query).get_result(conn).await.unwrap();
    row.n
}

impl TestApp {
    /// Publishes an article (now) in the channel with this slug and returns its id.
    pub async fn publish_in(&self, token: &str, channel: &str, title: &str) -> i64 {
        let category_id = self.category_id(channel).await;
        let body = serde_json::json!({ "title": title, "category_id": category_id, "status": "published" });
        self.create_article(token, body).await["id"]
            .as_i64()
            .unwrap()
    }

    /// Sends the view beacon for an article key; returns the response.
    pub async fn beacon(&self, key: &str, visitor: Option<&str>, user_agent: &str) -> Response {
        let mut req = self
            .post(&format!("/api/v1/articles/{key}/views"))
            .header("user-agent", user_agent);
        if let Some(v) = visitor {
            req = req.header("x-visitor-id", v);
        }
        req.send().await.unwrap()
    }

    /// The text of `/metrics`.
    pub async fn metrics_text(&self) -> String {
        let res = self.get("/metrics").send().await.unwrap();
        res.text().await.unwrap()
    }

    /// The value of one series of `/metrics` (its name with labels, as printed).
    pub async fn metric(&self, series: &str) -> i64 {
        let text = self.metrics_text().await;
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {series} in /metrics:\n{text}"))
    }

    /// The value of a query that selects one bigint named `n`.
    pub async fn sql_i64(&self, query: &str) -> i64 {
        query_i64(&mut self.conn().await, query).await
    }

    /// Polls `query` (one bigint `n`) for up to 3 s until it equals `want`; returns the last value.
    pub async fn wait_for_i64(&self, query: &str, want: i64) -> i64 {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(3);
        loop {
            let n = self.sql_i64(query).await;
            if n == want || std::time::Instant::now() >= until {
                return n;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Writes a daily view bucket `days_ago` days before `today`.
    pub async fn daily_views(
        &self,
        article: i64,
        today: chrono::NaiveDate,
        days_ago: i64,
        views: i64,
    ) {
        let day = today - chrono::Duration::days(days_ago);
        self.sql(&format!(
            "INSERT INTO article_views_daily (article_id, day, views) VALUES ({article}, '{day}', {views})"
        ))
        .await;
    }
}

/// The `newsdesk` binary, with a clean environment but `PATH`, pointed at `db_url`.
pub fn newsdesk(db_url: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .current_dir(std::env::temp_dir());
    cmd
}

// ---- helpers for the webhook tests ----

impl TestApp {
    /// Stops this server (gracefully: its background tasks end too).
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }

    /// Starts another server on this app's database (a restart, or a second instance); it
    /// stops when the returned handle is stopped (the database stays with `self`).
    pub async fn start_another(
        &self,
        tweak: impl FnOnce(&mut Config),
    ) -> actix_web::dev::ServerHandle {
        let mut config = test_config(self.db.url.clone());
        tweak(&mut config);
        let app = Application::build(config).await.expect("build application");
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        handle
    }
}

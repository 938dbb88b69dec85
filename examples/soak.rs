//! `make soak`: a bounded soak run of mixed traffic against a release server, with a database
//! fault injected in the middle by `tests/support/fault_proxy.rs`.
//!
//! Usage: `soak <newsdesk binary> <postgres server URL>`; settings from the environment
//! (`SOAK_MINUTES`, `SOAK_ARTICLES`, `SOAK_CONNECTIONS`, `SOAK_FAULT`, `SOAK_FAULT_SECS`,
//! `SOAK_RSS_GROWTH_MB`; see README.md, "Soak"). Exits 1 with the reasons when the run broke a rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/fault_proxy.rs"]
mod fault_proxy;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use fault_proxy::{FaultProxy, Mode};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_NONE_MATCH, USER_AGENT};
use serde_json::{Value, json};

type Res<T> = Result<T, String>;

/// After the fault ends, 503s and transport errors are still expected for this long.
const GRACE: Duration = Duration::from_secs(15);
/// Per-request timeout.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest clean stop after SIGTERM.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(30);
const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
                       (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const ADMIN_EMAIL: &str = "soak-admin@example.com";

fn log(msg: impl AsRef<str>) {
    eprintln!("soak: {}", msg.as_ref());
}

// ---- settings ----------------------------------------------------------------------------------

struct Settings {
    server_bin: PathBuf,
    server_url: String,
    run: Duration,
    articles: usize,
    connections: usize,
    fault: Option<Mode>,
    fault_secs: Duration,
    rss_growth_mb: f64,
}

fn env_num(name: &str, default: f64) -> Res<f64> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| format!("{name}={v} is not a non-negative number")),
        _ => Ok(default),
    }
}

impl Settings {
    fn from_env() -> Res<Settings> {
        let mut args = std::env::args().skip(1);
        let (Some(bin), Some(url)) = (args.next(), args.next()) else {
            return Err("usage: soak <newsdesk binary> <postgres server URL>".into());
        };
        let minutes = env_num("SOAK_MINUTES", 10.0)?;
        let fault_secs = env_num("SOAK_FAULT_SECS", 20.0)?;
        let fault = match std::env::var("SOAK_FAULT")
            .as_deref()
            .unwrap_or("blackhole")
        {
            "blackhole" | "" => Some(Mode::Blackhole),
            "cut" => Some(Mode::Cut),
            "none" => None,
            other => return Err(format!("SOAK_FAULT={other}: blackhole, cut or none")),
        };
        let run = Duration::from_secs_f64(minutes * 60.0);
        if run < Duration::from_secs(10) {
            return Err("SOAK_MINUTES must give at least 10 seconds".into());
        }
        let fault_secs = Duration::from_secs_f64(fault_secs);
        if fault.is_some() && fault_secs >= run / 2 {
            return Err(format!(
                "SOAK_FAULT_SECS ({} s) must be shorter than half the run ({} s): the fault \
                 starts in the middle and the run must see the recovery",
                fault_secs.as_secs_f64(),
                (run / 2).as_secs_f64()
            ));
        }
        Ok(Settings {
            // The server runs in a temp directory: a relative path must not be read from there.
            server_bin: std::fs::canonicalize(&bin)
                .map_err(|e| format!("the newsdesk binary {bin}: {e}"))?,
            server_url: url,
            run,
            articles: env_num("SOAK_ARTICLES", 5000.0)? as usize,
            connections: (env_num("SOAK_CONNECTIONS", 64.0)? as usize).max(1),
            fault,
            fault_secs,
            rss_growth_mb: env_num("SOAK_RSS_GROWTH_MB", 64.0)?,
        })
    }

    fn fault_name(&self) -> &'static str {
        match self.fault {
            Some(Mode::Blackhole) => "blackhole",
            Some(Mode::Cut) => "cut",
            _ => "none",
        }
    }
}

// ---- database helpers ----------------------------------------------------------------------------

/// The server URL with its database part replaced by `db`.
fn db_url(server_url: &str, db: &str) -> Res<String> {
    let (scheme, rest) = server_url
        .split_once("://")
        .ok_or("the database URL is not a postgres:// URL")?;
    let (rest, query) = rest.split_once('?').map_or((rest, ""), |(r, q)| (r, q));
    let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    Ok(format!("{scheme}://{authority}/{db}{query}"))
}

async fn connect(url: &str) -> Res<AsyncPgConnection> {
    AsyncPgConnection::establish(url)
        .await
        .map_err(|e| format!("connecting to PostgreSQL: {e}"))
}

async fn execute(url: &str, sql: &str) -> Res<()> {
    use diesel_async::RunQueryDsl;
    let mut conn = connect(url).await?;
    diesel::sql_query(sql)
        .execute(&mut conn)
        .await
        .map(|_| ())
        .map_err(|e| format!("{sql}: {e}"))
}

/// Every view stored, read straight from PostgreSQL (not through the proxy).
async fn views_stored(url: &str) -> Res<i64> {
    // Scoped: its `load` would shadow the atomics' `load` elsewhere in this file.
    use diesel_async::RunQueryDsl;
    let mut conn = connect(url).await?;
    diesel::select(diesel::dsl::sql::<BigInt>(
        "(SELECT coalesce(sum(views), 0)::bigint FROM article_views_daily)",
    ))
    .get_result::<i64>(&mut conn)
    .await
    .map_err(|e| format!("reading article_views_daily: {e}"))
}

// ---- the server process ----------------------------------------------------------------------------

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// Settings shared by `migrate`, `seed` and `serve`.
fn base_env(database_url: &str, password: &str, jwt_secret: &str) -> Vec<(String, String)> {
    [
        ("DATABASE_URL", database_url),
        ("NEWSDESK_ENV", "production"),
        ("JWT_SECRET", jwt_secret),
        ("RUST_LOG", "warn"),
        ("NEWSDESK_ADMIN_EMAIL", ADMIN_EMAIL),
        ("NEWSDESK_ADMIN_PASSWORD", password),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Runs `newsdesk <args>` to completion, its output in `work/<name>.log` (shown on failure).
async fn run_cli(bin: &Path, args: &[&str], env: &[(String, String)], work: &Path) -> Res<()> {
    let name = args[0];
    let log_path = work.join(format!("{name}.log"));
    let file = File::create(&log_path).map_err(|e| e.to_string())?;
    let err_file = file.try_clone().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(work)
        .stdout(file)
        .stderr(err_file);
    let status = tokio::task::spawn_blocking(move || cmd.status())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("running {}: {e}", bin.display()))?;
    if !status.success() {
        let out = std::fs::read_to_string(&log_path).unwrap_or_default();
        return Err(format!(
            "`newsdesk {}` failed ({status}):\n{out}",
            args.join(" ")
        ));
    }
    Ok(())
}

/// The `serve` process; killed (SIGKILL) when dropped before a clean stop.
struct Server {
    child: Option<Child>,
    pid: u32,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Server {
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// SIGTERM, then waits up to `SHUTDOWN_LIMIT` (SIGKILL after that).
    async fn stop(&mut self) -> Res<(Duration, Option<std::process::ExitStatus>)> {
        let started = Instant::now();
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .map_err(|e| format!("kill -TERM: {e}"))?;
        if !sent.success() {
            return Err(format!("kill -TERM {} failed", self.pid));
        }
        while started.elapsed() < SHUTDOWN_LIMIT {
            if let Some(status) = self.exited() {
                self.child = None;
                return Ok((started.elapsed(), Some(status)));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok((started.elapsed(), None))
    }
}

/// Resident memory of a process in MiB; None when it is gone (or a zombie).
fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    if status
        .lines()
        .any(|l| l.starts_with("State:") && l.contains('Z'))
    {
        return None;
    }
    let kb = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse::<f64>()
        .ok()?;
    Some(kb / 1024.0)
}

// ---- the load ------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Beacon,
    Write,
}

/// One finished request; times in milliseconds since the load started.
#[derive(Clone, Copy)]
struct Sample {
    start_ms: u32,
    end_ms: u32,
    latency_us: u32,
    /// 0: no HTTP answer (connect/read error or timeout).
    status: u16,
    kind: Kind,
}

struct Load {
    client: reqwest::Client,
    base: String,
    token: String,
    ids: Vec<i64>,
    /// Cumulative Zipf weights over `ids` (the newest articles are the most read).
    zipf: Vec<f64>,
    channels: Vec<String>,
    etags: Mutex<HashMap<String, String>>,
    started: Instant,
    deadline: Instant,
    stop: AtomicBool,
    requests: AtomicU64,
    answered_503: AtomicU64,
    answered_5xx: AtomicU64,
    transport_errors: AtomicU64,
    /// The first transport errors, with their time (ms since start).
    first_errors: Mutex<Vec<(u32, String)>>,
}

impl Load {
    fn popular(&self, rng: &mut SmallRng) -> i64 {
        let total = self.zipf.last().copied().unwrap_or(1.0);
        let u = rng.random::<f64>() * total;
        let i = self
            .zipf
            .partition_point(|c| *c < u)
            .min(self.ids.len() - 1);
        self.ids[i]
    }

    fn ms(&self, t: Instant) -> u32 {
        t.saturating_duration_since(self.started).as_millis() as u32
    }
}

fn zipf_cdf(n: usize, s: f64) -> Vec<f64> {
    let mut acc = 0.0;
    (0..n)
        .map(|k| {
            acc += 1.0 / ((k + 1) as f64).powf(s);
            acc
        })
        .collect()
}

async fn worker(load: Arc<Load>, w: usize) -> Vec<Sample> {
    let mut rng = SmallRng::from_rng(&mut rand::rng());
    let mut samples = Vec::new();
    let mut n: u64 = 0;
    while Instant::now() < load.deadline && !load.stop.load(Ordering::Relaxed) {
        n += 1;
        let r = rng.random::<f64>();
        let (kind, request, cache_key) = if r < 0.70 {
            let s = rng.random::<f64>();
            let path = if s < 0.55 {
                format!("/api/v1/articles/{}", load.popular(&mut rng))
            } else if s < 0.68 {
                format!(
                    "/api/v1/articles/{}?include=related,latest_in_category,most_read",
                    load.popular(&mut rng)
                )
            } else if s < 0.76 {
                "/api/v1/home".to_owned()
            } else if s < 0.84 {
                format!(
                    "/api/v1/articles?per_page=20&page={}",
                    rng.random_range(1..=5)
                )
            } else if s < 0.93 && !load.channels.is_empty() {
                let c = &load.channels[rng.random_range(0..load.channels.len())];
                format!("/api/v1/categories/{c}/articles?per_page=20")
            } else {
                let window = ["day", "week", "month", "year", "all"][rng.random_range(0..5)];
                format!("/api/v1/rankings/most-read?window={window}&limit=10")
            };
            let mut req = load.client.get(format!("{}{path}", load.base));
            // Half the readers come back with what they have, as browsers and CDNs do.
            if rng.random::<bool>()
                && let Some(tag) = load.etags.lock().unwrap().get(&path)
            {
                req = req.header(IF_NONE_MATCH, tag.clone());
            }
            (Kind::Read, req, Some(path))
        } else if r < 0.95 {
            let id = load.popular(&mut rng);
            let visitor = format!("soak-{w}-{n}-{:016x}", rng.random::<u64>());
            let req = load
                .client
                .post(format!("{}/api/v1/articles/{id}/views", load.base))
                .header("x-visitor-id", visitor)
                .header(USER_AGENT, BROWSER);
            (Kind::Beacon, req, None)
        } else {
            let id = load.ids[rng.random_range(0..load.ids.len())];
            let summary = format!("Soak edit {w}-{n} at {}", chrono::Utc::now().to_rfc3339());
            let req = load
                .client
                .patch(format!("{}/api/v1/articles/{id}", load.base))
                .bearer_auth(&load.token)
                .json(&json!({ "summary": summary }));
            (Kind::Write, req, None)
        };
        let start = Instant::now();
        let outcome = match request.send().await {
            Ok(res) => {
                let status = res.status();
                let tag = res
                    .headers()
                    .get(ETAG)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                match res.bytes().await {
                    Ok(_) => Ok((status, tag)),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        let end = Instant::now();
        load.requests.fetch_add(1, Ordering::Relaxed);
        let status = match outcome {
            Ok((status, tag)) => {
                if let (Some(path), Some(tag), StatusCode::OK) = (cache_key, tag, status) {
                    load.etags.lock().unwrap().insert(path, tag);
                }
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    load.answered_503.fetch_add(1, Ordering::Relaxed);
                } else if status.is_server_error() {
                    load.answered_5xx.fetch_add(1, Ordering::Relaxed);
                }
                status.as_u16()
            }
            Err(e) => {
                load.transport_errors.fetch_add(1, Ordering::Relaxed);
                let mut first = load.first_errors.lock().unwrap();
                if first.len() < 20 {
                    first.push((load.ms(start), error_chain(&e)));
                }
                0
            }
        };
        samples.push(Sample {
            start_ms: load.ms(start),
            end_ms: load.ms(end),
            latency_us: end.duration_since(start).as_micros().min(u32::MAX as u128) as u32,
            status,
            kind,
        });
    }
    samples
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

// ---- setup, run, report ------------------------------------------------------------------------------

struct Fault {
    mode: &'static str,
    start_ms: u32,
    end_ms: u32,
    connections_at_start: usize,
    connections_at_end: usize,
}

struct Outcome {
    samples: Vec<Sample>,
    first_errors: Vec<(u32, String)>,
    run_ms: u32,
    rss: Vec<(u32, f64)>,
    rss_start: f64,
    rss_end: f64,
    fault: Option<Fault>,
    views_sent: u64,
    beacons_unknown: u64,
    views_stored: i64,
    shutdown: Duration,
    exit: Option<std::process::ExitStatus>,
    /// When the server was found gone during the load (ms).
    died_during_run: Option<u32>,
    server_log: PathBuf,
}

async fn get_json(client: &reqwest::Client, url: &str) -> Res<Value> {
    let res = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {}", error_chain(&e)))?;
    let status = res.status();
    if !status.is_success() {
        return Err(format!("GET {url}: {status}"));
    }
    res.json::<Value>()
        .await
        .map_err(|e| format!("GET {url}: {e}"))
}

async fn soak(s: &Settings, db: &str, work: &Path) -> Res<Outcome> {
    let password = random_hex(16);
    let secret = random_hex(32);
    let env = base_env(db, &password, &secret);

    log(format!(
        "migrating and seeding {} synthetic articles",
        s.articles
    ));
    run_cli(&s.server_bin, &["migrate"], &env, work).await?;
    let t = Instant::now();
    let synthetic = s.articles.to_string();
    run_cli(
        &s.server_bin,
        &["seed", "--synthetic", &synthetic],
        &env,
        work,
    )
    .await?;
    log(format!("seeded in {:.1} s", t.elapsed().as_secs_f64()));
    execute(db, "VACUUM ANALYZE").await?;

    let upstream = fault_proxy::upstream_addr(db).map_err(|e| format!("{db}: {e}"))?;
    let proxy = FaultProxy::start(upstream)
        .await
        .map_err(|e| format!("starting the fault proxy: {e}"))?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let server_log = work.join("server.log");
    log(format!("server log: {}", server_log.display()));
    let ttl = (s.run.as_secs() + 600).max(900).to_string();
    let mut cmd = Command::new(&s.server_bin);
    cmd.arg("serve")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("DATABASE_URL", proxy.url_for(db))
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("RATE_LIMIT_PER_MINUTE", "0")
        .env("BEACON_RATE_LIMIT_PER_MINUTE", "0")
        // The response cache grows to its bound; kept below the RSS growth rule.
        .env(
            "RESPONSE_CACHE_MB",
            std::env::var("SOAK_RESPONSE_CACHE_MB").unwrap_or_else(|_| "32".into()),
        )
        // The admin's token must outlive the run.
        .env("JWT_TTL_SECS", &ttl)
        // `SOAK_RUST_LOG=warn,actix_server=info` also logs the signals the server receives.
        .env(
            "RUST_LOG",
            std::env::var("SOAK_RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .current_dir(work)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&server_log).map_err(|e| e.to_string())?);
    let child = cmd
        .spawn()
        .map_err(|e| format!("starting {}: {e}", s.server_bin.display()))?;
    let mut server = Server {
        pid: child.id(),
        child: Some(child),
    };

    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(s.connections)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let up_by = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = server.exited() {
            return Err(format!(
                "the server exited ({status}) before answering /livez; see {}",
                server_log.display()
            ));
        }
        if let Ok(res) = client.get(format!("{base}/livez")).send().await
            && res.status().is_success()
        {
            break;
        }
        if Instant::now() > up_by {
            return Err("GET /livez did not answer 200 within 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    log(format!("server up at {base} (pid {})", server.pid));

    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": ADMIN_EMAIL, "password": password }))
        .send()
        .await
        .map_err(|e| format!("login: {e}"))?;
    if !login.status().is_success() {
        return Err(format!("login answered {}", login.status()));
    }
    let token = login.json::<Value>().await.map_err(|e| e.to_string())?["access_token"]
        .as_str()
        .ok_or("login answered no access_token")?
        .to_owned();

    // Thousands of real public ids, newest first, by cursor.
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    while ids.len() < 20_000 {
        let url = match &cursor {
            None => format!("{base}/api/v1/articles?per_page=100"),
            Some(c) => {
                let c: String = url::form_urlencoded::byte_serialize(c.as_bytes()).collect();
                format!("{base}/api/v1/articles?per_page=100&cursor={c}")
            }
        };
        let page = get_json(&client, &url).await?;
        ids.extend(
            page["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a["id"].as_i64()),
        );
        match page["meta"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    if ids.is_empty() {
        return Err("GET /api/v1/articles listed no article".into());
    }
    let tree = get_json(&client, &format!("{base}/api/v1/categories?flat=true")).await?;
    let channels: Vec<String> = tree["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["slug"].as_str().map(str::to_owned))
        .collect();
    log(format!(
        "{} public articles, {} channels; {} connections for {:.1} min, fault: {} for {} s in the middle",
        ids.len(),
        channels.len(),
        s.connections,
        s.run.as_secs_f64() / 60.0,
        s.fault_name(),
        s.fault_secs.as_secs_f64()
    ));

    let views_before = views_stored(db).await?;
    let rss_start = rss_mb(server.pid).unwrap_or(f64::NAN);
    let started = Instant::now();
    let load = Arc::new(Load {
        client,
        base,
        token,
        zipf: zipf_cdf(ids.len(), 1.0),
        ids,
        channels,
        etags: Mutex::new(HashMap::new()),
        started,
        deadline: started + s.run,
        stop: AtomicBool::new(false),
        requests: AtomicU64::new(0),
        answered_503: AtomicU64::new(0),
        answered_5xx: AtomicU64::new(0),
        transport_errors: AtomicU64::new(0),
        first_errors: Mutex::new(Vec::new()),
    });
    let workers: Vec<_> = (0..s.connections)
        .map(|w| tokio::spawn(worker(load.clone(), w)))
        .collect();

    // RSS every 2 s, a progress line every minute; stops the load if the server dies.
    let pid = server.pid;
    let sampler = {
        let load = load.clone();
        tokio::spawn(async move {
            let mut rss = vec![(0u32, rss_start)];
            let mut died = None;
            let mut last = (0u64, 0u64, 0u64, 0u64);
            let mut next_report = 60_000u32;
            while Instant::now() < load.deadline {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let now = load.ms(Instant::now());
                match rss_mb(pid) {
                    Some(mb) => rss.push((now, mb)),
                    None => {
                        log(format!(
                            "the server process is gone at {:.1} s: stopping the load",
                            f64::from(now) / 1000.0
                        ));
                        died = Some(now);
                        load.stop.store(true, Ordering::Relaxed);
                        break;
                    }
                }
                if now >= next_report {
                    let cur = (
                        load.requests.load(Ordering::Relaxed),
                        load.answered_503.load(Ordering::Relaxed),
                        load.answered_5xx.load(Ordering::Relaxed),
                        load.transport_errors.load(Ordering::Relaxed),
                    );
                    log(format!(
                        "minute {}: {} requests, {} 503, {} other 5xx, {} transport errors; RSS {:.0} MB",
                        next_report / 60_000,
                        cur.0 - last.0,
                        cur.1 - last.1,
                        cur.2 - last.2,
                        cur.3 - last.3,
                        rss.last().map_or(f64::NAN, |r| r.1)
                    ));
                    last = cur;
                    next_report += 60_000;
                }
            }
            (rss, died)
        })
    };

    // The fault, in the middle of the run; cut short (and healed) if the load stops early.
    let proxy = Arc::new(proxy);
    let fault_seen: Arc<Mutex<Option<Fault>>> = Arc::new(Mutex::new(None));
    let fault_task = s.fault.map(|mode| {
        let (proxy, load, seen) = (proxy.clone(), load.clone(), fault_seen.clone());
        let (name, length, at) = (s.fault_name(), s.fault_secs, started + s.run / 2);
        tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            if load.stop.load(Ordering::Relaxed) {
                return;
            }
            let connections_at_start = proxy.open_connections();
            proxy.set(mode);
            let start_ms = load.ms(Instant::now());
            log(format!(
                "fault: {name} at {:.1} s ({connections_at_start} database connections open)",
                f64::from(start_ms) / 1000.0
            ));
            *seen.lock().unwrap() = Some(Fault {
                mode: name,
                start_ms,
                end_ms: start_ms,
                connections_at_start,
                connections_at_end: 0,
            });
            tokio::time::sleep(length).await;
            let connections_at_end = proxy.open_connections();
            proxy.set(Mode::Open);
            let end_ms = load.ms(Instant::now());
            log(format!(
                "fault over at {:.1} s ({connections_at_end} database connections open)",
                f64::from(end_ms) / 1000.0
            ));
            if let Some(f) = seen.lock().unwrap().as_mut() {
                f.end_ms = end_ms;
                f.connections_at_end = connections_at_end;
            }
        })
    });

    let mut samples = Vec::new();
    for w in workers {
        samples.extend(w.await.map_err(|e| format!("a worker panicked: {e}"))?);
    }
    let run_ms = load.ms(Instant::now());
    if let Some(task) = fault_task {
        if load.stop.load(Ordering::Relaxed) {
            task.abort();
            let _ = task.await;
            proxy.set(Mode::Open);
            if let Some(f) = fault_seen.lock().unwrap().as_mut()
                && f.end_ms == f.start_ms
            {
                f.end_ms = run_ms;
            }
        } else {
            task.await
                .map_err(|e| format!("the fault task failed: {e}"))?;
        }
    }
    let fault = fault_seen.lock().unwrap().take();
    let (mut rss, died) = sampler.await.map_err(|e| e.to_string())?;
    let views_sent = samples
        .iter()
        .filter(|x| x.kind == Kind::Beacon && x.status == 204)
        .count() as u64;
    let beacons_unknown = samples
        .iter()
        .filter(|x| x.kind == Kind::Beacon && x.status == 0)
        .count() as u64;
    log(format!(
        "load done: {} requests; waiting 3 s, then SIGTERM",
        samples.len()
    ));

    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_end = rss_mb(server.pid).unwrap_or(f64::NAN);
    rss.push((load.ms(Instant::now()), rss_end));
    let (shutdown, exit) = if died.is_some() {
        (Duration::ZERO, server.exited())
    } else {
        server.stop().await?
    };
    drop(server);
    drop(proxy);
    let views_stored = views_stored(db).await? - views_before;
    let first_errors = load.first_errors.lock().unwrap().clone();
    Ok(Outcome {
        samples,
        first_errors,
        run_ms,
        rss,
        rss_start,
        rss_end,
        fault,
        views_sent,
        beacons_unknown,
        views_stored,
        shutdown,
        exit,
        died_during_run: died,
        server_log,
    })
}

fn percentile(sorted: &[u32], p: usize) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = (sorted.len() * p / 100).min(sorted.len() - 1);
    f64::from(sorted[i]) / 1000.0
}

#[derive(Default)]
struct Tally {
    requests: u64,
    ok: u64,
    not_modified: u64,
    client_errors: u64,
    unavailable: u64,
    server_errors: u64,
    transport: u64,
    latencies: Vec<u32>,
}

impl Tally {
    fn add(&mut self, x: &Sample) {
        self.requests += 1;
        match x.status {
            0 => self.transport += 1,
            200..=299 => self.ok += 1,
            304 => self.not_modified += 1,
            400..=499 => self.client_errors += 1,
            503 => self.unavailable += 1,
            500..=599 => self.server_errors += 1,
            _ => {}
        }
        if x.status != 0 {
            self.latencies.push(x.latency_us);
        }
    }
}

/// Prints the report; returns the reasons the run failed.
fn report(s: &Settings, o: &mut Outcome) -> Vec<String> {
    let mut failures = Vec::new();
    // Minutes of the nominal run; requests still in flight at its end count in its last minute.
    let run_ms = s.run.as_millis() as u32;
    let minutes = (run_ms as usize).div_ceil(60_000).max(1);
    let mut per_minute: Vec<Tally> = (0..minutes).map(|_| Tally::default()).collect();
    let mut total = Tally::default();
    let mut by_status: BTreeMap<u16, u64> = BTreeMap::new();
    let mut by_kind: BTreeMap<&str, Tally> = BTreeMap::new();
    for x in &o.samples {
        let m = (x.end_ms as usize / 60_000).min(minutes - 1);
        per_minute[m].add(x);
        total.add(x);
        *by_status.entry(x.status).or_default() += 1;
        let kind = match x.kind {
            Kind::Read => "reads",
            Kind::Beacon => "beacons",
            Kind::Write => "writes",
        };
        by_kind.entry(kind).or_default().add(x);
    }

    println!();
    println!(
        "Soak: {} connections for {:.1} min over {} synthetic articles; fault: {} for {} s",
        s.connections,
        s.run.as_secs_f64() / 60.0,
        s.articles,
        s.fault_name(),
        s.fault_secs.as_secs_f64()
    );
    println!();
    println!(
        "| minute | requests | req/s | 2xx | 304 | 4xx | 503 | other 5xx | errors | p50 ms | p99 ms | RSS MB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (m, t) in per_minute.iter_mut().enumerate() {
        let from = (m * 60_000) as u32;
        let span = run_ms.saturating_sub(from).clamp(1, 60_000);
        t.latencies.sort_unstable();
        let rss = o
            .rss
            .iter()
            .rfind(|(at, _)| *at < from + 60_000)
            .map_or(f64::NAN, |r| r.1);
        println!(
            "| {} | {} | {:.0} | {} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {:.0} |",
            m + 1,
            t.requests,
            t.requests as f64 * 1000.0 / f64::from(span),
            t.ok,
            t.not_modified,
            t.client_errors,
            t.unavailable,
            t.server_errors,
            t.transport,
            percentile(&t.latencies, 50),
            percentile(&t.latencies, 99),
            rss
        );
    }
    println!();

    let window = o
        .fault
        .as_ref()
        .map(|f| (f.start_ms, f.end_ms, f.end_ms + GRACE.as_millis() as u32));
    match &o.fault {
        Some(f) => println!(
            "Fault: {} from {:.1} s to {:.1} s ({} database connections held at its start, {} at \
             its end); 503s and transport errors are allowed for requests in flight until {:.1} s \
             (end + {} s grace).",
            f.mode,
            f64::from(f.start_ms) / 1000.0,
            f64::from(f.end_ms) / 1000.0,
            f.connections_at_start,
            f.connections_at_end,
            f64::from(f.end_ms) / 1000.0 + GRACE.as_secs_f64(),
            GRACE.as_secs()
        ),
        None => println!("Fault: none."),
    }
    if let Some((_, _, grace_end)) = window
        && grace_end >= o.run_ms
    {
        println!(
            "Note: the run ended within the grace period, so 503s after the fault were not \
             checked; a longer SOAK_MINUTES (or a shorter SOAK_FAULT_SECS) checks the recovery."
        );
    }
    let statuses: Vec<String> = by_status
        .iter()
        .map(|(st, n)| match st {
            0 => format!("transport error: {n}"),
            st => format!("{st}: {n}"),
        })
        .collect();
    println!(
        "Totals: {} requests ({:.0} req/s): {}.",
        total.requests,
        total.requests as f64 * 1000.0 / f64::from(o.run_ms.max(1)),
        statuses.join(", ")
    );
    for (kind, t) in &mut by_kind {
        t.latencies.sort_unstable();
        println!(
            "  {kind}: {} (2xx {}, 304 {}, 4xx {}, 503 {}, other 5xx {}, errors {}), p50 {:.1} ms, p99 {:.1} ms",
            t.requests,
            t.ok,
            t.not_modified,
            t.client_errors,
            t.unavailable,
            t.server_errors,
            t.transport,
            percentile(&t.latencies, 50),
            percentile(&t.latencies, 99)
        );
    }
    println!(
        "Views: {} beacons answered 204 (sent), {} stored in article_views_daily after the stop{}.",
        o.views_sent,
        o.views_stored,
        if o.beacons_unknown > 0 {
            format!(
                "; {} beacons got no answer (they may or may not have counted)",
                o.beacons_unknown
            )
        } else {
            String::new()
        }
    );
    let after_first_minute = o
        .rss
        .iter()
        .rfind(|(at, _)| *at <= 60_000)
        .map_or(o.rss_start, |r| r.1);
    println!(
        "RSS: {:.1} MB at the start of the load, {:.1} MB after the first minute, {:.1} MB at the end \
         (growth {:+.1} MB; limit {} MB).",
        o.rss_start,
        after_first_minute,
        o.rss_end,
        o.rss_end - after_first_minute,
        s.rss_growth_mb
    );
    match (o.died_during_run, o.exit) {
        (Some(at), status) => println!(
            "Shutdown: none; the server process was found gone at {:.1} s into the load ({}).",
            f64::from(at) / 1000.0,
            status.map_or("exit status unknown".to_owned(), |s| s.to_string())
        ),
        (None, Some(status)) => println!(
            "Shutdown: {:.2} s after SIGTERM ({status}).",
            o.shutdown.as_secs_f64()
        ),
        (None, None) => println!(
            "Shutdown: still running {} s after SIGTERM (killed).",
            SHUTDOWN_LIMIT.as_secs()
        ),
    }
    let log_text = std::fs::read_to_string(&o.server_log).unwrap_or_default();
    let warnings = log_text
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .count();
    println!(
        "Server log: {} ({} lines, {warnings} warnings or errors).",
        o.server_log.display(),
        log_text.lines().count()
    );
    if !o.first_errors.is_empty() {
        println!("First transport errors:");
        for (at, e) in o.first_errors.iter().take(5) {
            println!("  at {:.1} s: {e}", f64::from(*at) / 1000.0);
        }
    }
    println!();

    // The rules.
    let in_window = |x: &Sample| {
        window.is_some_and(|(start, _, grace_end)| x.start_ms <= grace_end && x.end_ms >= start)
    };
    if total.server_errors > 0 {
        let codes: Vec<String> = by_status
            .iter()
            .filter(|(st, _)| (500..600).contains(*st) && **st != 503)
            .map(|(st, n)| format!("{st}: {n}"))
            .collect();
        failures.push(format!(
            "{} responses were 5xx other than 503 ({})",
            total.server_errors,
            codes.join(", ")
        ));
    }
    let outside = |status: u16| -> Vec<&Sample> {
        o.samples
            .iter()
            .filter(|x| x.status == status && !in_window(x))
            .collect()
    };
    let late_503 = outside(503);
    if let Some(first) = late_503.first() {
        failures.push(format!(
            "{} requests answered 503 outside the fault window (+{} s grace); the first started at {:.1} s",
            late_503.len(),
            GRACE.as_secs(),
            f64::from(first.start_ms) / 1000.0
        ));
    }
    let late_errors = outside(0);
    if let Some(first) = late_errors.first() {
        failures.push(format!(
            "{} requests got no HTTP answer outside the fault window (+{} s grace); the first started at {:.1} s",
            late_errors.len(),
            GRACE.as_secs(),
            f64::from(first.start_ms) / 1000.0
        ));
    }
    let stored = o.views_stored;
    let sent = o.views_sent as i64;
    let unknown = o.beacons_unknown as i64;
    if stored < sent {
        failures.push(format!(
            "views lost: {sent} beacons answered 204 but {stored} views were stored"
        ));
    } else if stored > sent + unknown {
        failures.push(format!(
            "views doubled: {sent} beacons answered 204 (and {unknown} got no answer) but {stored} views were stored"
        ));
    }
    let growth = o.rss_end - after_first_minute;
    if o.died_during_run.is_none() && (growth.is_nan() || growth > s.rss_growth_mb) {
        failures.push(format!(
            "RSS grew by {growth:.1} MB from the end of the first minute to the end (limit {} MB)",
            s.rss_growth_mb
        ));
    }
    if let Some(at) = o.died_during_run {
        failures.push(format!(
            "the server process ended during the load (found gone at {:.1} s; {})",
            f64::from(at) / 1000.0,
            o.exit
                .map_or("exit status unknown".to_owned(), |s| s.to_string())
        ));
    } else {
        match o.exit {
            None => failures.push(format!(
                "the server did not stop within {} s of SIGTERM",
                SHUTDOWN_LIMIT.as_secs()
            )),
            Some(status) if !status.success() => {
                failures.push(format!("the server exited with {status} after SIGTERM"))
            }
            Some(_) => {}
        }
    }
    if let Some(f) = &o.fault {
        // The service recovers by itself when the database is back (README, Conventions).
        let recovered = o
            .samples
            .iter()
            .any(|x| x.start_ms >= f.end_ms && (200..400).contains(&x.status));
        if !recovered && o.died_during_run.is_none() {
            failures.push(format!(
                "no request started after the fault ended ({:.1} s) was answered 2xx or 304",
                f64::from(f.end_ms) / 1000.0
            ));
        }
    }
    if total.requests == 0 {
        failures.push("no request was made".into());
    }
    failures
}

async fn drop_database(server_url: &str, name: &str) {
    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    match execute(server_url, &sql).await {
        Ok(()) => log(format!("dropped the database {name}")),
        Err(e) => log(format!("could not drop the database {name}: {e}")),
    }
}

async fn run(s: Settings) -> ExitCode {
    let name = format!("newsdesk_soak_{}", std::process::id());
    let db = match db_url(&s.server_url, &name) {
        Ok(url) => url,
        Err(e) => {
            log(e);
            return ExitCode::FAILURE;
        }
    };
    let work = std::env::temp_dir().join(format!("newsdesk-soak-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&work) {
        log(format!("{}: {e}", work.display()));
        return ExitCode::FAILURE;
    }
    drop_database(&s.server_url, &name).await;
    if let Err(e) = execute(&s.server_url, &format!("CREATE DATABASE \"{name}\"")).await {
        log(e);
        return ExitCode::FAILURE;
    }
    log(format!("database {name}; logs in {}", work.display()));
    let outcome = tokio::select! {
        outcome = soak(&s, &db, &work) => outcome,
        _ = tokio::signal::ctrl_c() => Err("interrupted".to_owned()),
    };
    drop_database(&s.server_url, &name).await;
    match outcome {
        Err(e) => {
            log(format!("FAILED: {e}"));
            ExitCode::FAILURE
        }
        Ok(mut o) => {
            let failures = report(&s, &mut o);
            if failures.is_empty() {
                println!("Soak PASSED.");
                ExitCode::SUCCESS
            } else {
                println!("Soak FAILED:");
                for f in &failures {
                    println!("  - {f}");
                }
                ExitCode::FAILURE
            }
        }
    }
}

fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            log(e);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log(format!("tokio: {e}"));
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(settings))
}

//! The binary's subcommands, run as a user would.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn migrate_seed_and_users_create_then_login() {
    let db = TestDb::create().await;
    let out = newsdesk(&db.url).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = newsdesk(&db.url).arg("migrate").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied 0 migration"));

    let out = newsdesk(&db.url)
        .args(["seed", "--if-empty"])
        .env("NEWSDESK_ADMIN_EMAIL", "chief@example.com")
        .env("NEWSDESK_ADMIN_PASSWORD", "a-long-admin-password")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("created 15 categories and 5 sources"),
        "{stdout}"
    );
    assert!(stdout.contains("created 3 ranking boards"), "{stdout}");
    assert!(stdout.contains("created 59 articles"), "{stdout}");
    assert!(
        stdout.contains("chief@example.com") && stdout.contains("a-long-admin-password"),
        "{stdout}"
    );
    let again = newsdesk(&db.url)
        .args(["seed", "--if-empty"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("not added again"));

    // Password from stdin.
    let mut child = newsdesk(&db.url)
        .args([
            "users",
            "create",
            "--email",
            "Writer@Example.com",
            "--role",
            "writer",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"stdin-password-1\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    // Password from the environment.
    let out = newsdesk(&db.url)
        .args([
            "users",
            "create",
            "--email",
            "ed@example.com",
            "--role",
            "editor",
        ])
        .env("NEWSDESK_PASSWORD", "env-password-22")
        .output()
        .unwrap();
    assert!(out.status.success());
    // Refusals.
    let short = newsdesk(&db.url)
        .args([
            "users",
            "create",
            "--email",
            "x@example.com",
            "--role",
            "admin",
            "--password",
            "short",
        ])
        .output()
        .unwrap();
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10"));
    let dup = newsdesk(&db.url)
        .args([
            "users",
            "create",
            "--email",
            "ED@example.com",
            "--role",
            "admin",
            "--password",
            "another-password",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let role = newsdesk(&db.url)
        .args([
            "users",
            "create",
            "--email",
            "y@example.com",
            "--role",
            "boss",
            "--password",
            "another-password",
        ])
        .output()
        .unwrap();
    assert!(!role.status.success());

    // The accounts work against a server on the same database.
    let app = spawn_app_with(|c| c.database_url = db.url.clone()).await;
    for (email, pw, role) in [
        ("writer@example.com", "stdin-password-1", "writer"),
        ("ed@example.com", "env-password-22", "editor"),
        ("chief@example.com", "a-long-admin-password", "admin"),
    ] {
        let res = app.login(email, pw).await;
        assert_eq!(res.status(), 200, "{email}");
        let token: Value = res.json().await.unwrap();
        let me: Value = app
            .get("/api/v1/auth/me")
            .bearer_auth(token["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["role"], role);
    }
    let tree: Value = app
        .get("/api/v1/categories/lilun")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tree["path"][0]["name"], "东北网");
}

#[test]
fn serve_refuses_a_short_jwt_secret() {
    let out = newsdesk("postgres://root@127.0.0.1:1/none")
        .arg("serve")
        .env("JWT_SECRET", "too-short")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("JWT_SECRET must be at least 32 bytes"),
        "{stderr}"
    );
}

#[test]
fn openapi_subcommand_prints_the_committed_spec() {
    let out = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(out.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout) == committed,
        "openapi/openapi.json is stale: run `make openapi`"
    );
}

#[tokio::test]
async fn serve_runs_migrations_and_stops_gracefully_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let db = TestDb::create().await;
    let mut child = newsdesk(&db.url)
        .arg("serve")
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("JWT_SECRET", "a-secret-that-is-long-enough-for-hs256-0000")
        .env("RUST_LOG", "info")
        .env("LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let port = loop {
        let line = lines
            .next()
            .expect("the server logs before exiting")
            .unwrap();
        let event: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(_) => continue,
        };
        if event["message"] == "newsdesk listening" {
            break event["port"].as_u64().unwrap();
        }
    };
    let client = reqwest::Client::new();
    let res = client
        .get(format!("http://127.0.0.1:{port}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "migrations ran and the database answers");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "a graceful stop exits 0: {exit:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter()
            .any(|l| l.contains("\"request\"") || l.contains("/readyz")),
        "one log line per request: {rest:?}"
    );
}

/// Instances started together on a new database migrate one at a time (an advisory lock): each
/// succeeds and every migration is applied once.
#[tokio::test]
async fn concurrent_migrations_apply_each_migration_once() {
    let db = TestDb::create().await;
    let runs: Vec<_> = (0..4)
        .map(|_| newsdesk(&db.url).arg("migrate").spawn().unwrap())
        .collect();
    for child in runs {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let dirs = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count() as i64;
    let mut conn =
        <diesel_async::AsyncPgConnection as diesel_async::AsyncConnection>::establish(&db.url)
            .await
            .unwrap();
    let applied = query_i64(
        &mut conn,
        "SELECT count(*) AS n FROM __diesel_schema_migrations",
    )
    .await;
    assert_eq!(applied, dirs);
}

#[tokio::test]
async fn bulk_writes_end_with_vacuum_analyze() {
    use diesel_async::{AsyncConnection, AsyncPgConnection};
    let db = TestDb::create().await;
    let media = tempfile::tempdir().unwrap();
    let out = newsdesk(&db.url)
        .args(["seed", "--synthetic", "30", "--no-related"])
        .env("MEDIA_DIR", media.path())
        .env("NEWSDESK_ADMIN_PASSWORD", "a-long-admin-password")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("seed: VACUUM (ANALYZE) of 12 tables"),
        "{stdout}"
    );
    let mut conn = AsyncPgConnection::establish(&db.url).await.unwrap();
    let vacuumed = "SELECT count(*) AS n FROM pg_stat_user_tables \
                    WHERE relname IN ('articles', 'article_terms', 'article_views_daily') \
                      AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL";
    let mut n = 0;
    for _ in 0..30 {
        n = query_i64(&mut conn, vacuumed).await;
        if n == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(n, 3, "the bulk-written tables were vacuumed and analyzed");
    let out = newsdesk(&db.url)
        .args(["search", "reindex"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("reindex: VACUUM (ANALYZE) of articles, article_terms"),
        "{stdout}"
    );
}

/// `make run` copies `.env.example` into `.env` (with a JWT secret): every value in it, empty
/// ones included, must be accepted.
#[test]
fn the_example_env_file_is_a_valid_configuration() {
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example")).unwrap();
    let mut cmd = newsdesk("postgres://root@127.0.0.1:1/none");
    let mut set = 0;
    for line in example.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line.split_once('=').unwrap();
        if name != "DATABASE_URL" {
            cmd.env(name, value);
            set += 1;
        }
    }
    assert!(set > 50, "{set} settings read");
    cmd.env(
        "JWT_SECRET",
        "0123456789abcdef0123456789abcdef0123456789abcdef",
    );
    let out = cmd.arg("serve").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // It got as far as the database (unreachable here), past parsing and validation.
    assert!(
        stderr.contains("cannot connect to the database"),
        "{stderr}"
    );
}

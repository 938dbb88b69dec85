//! Injection-shaped strings through every string field of every write endpoint: each is either
//! refused with a problem document or stored and answered back as sent (article bodies are
//! sanitized instead). Nothing is executed, nothing answers 5xx, no table goes missing.

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use super::{assert_raw_problem, body_request, raw_request};
use crate::helpers::*;

/// The strings an attacker tries first.
pub fn corpus() -> Vec<String> {
    let mut c: Vec<String> = [
        "'; DROP TABLE articles; --",
        "\" OR 1=1 --",
        "' OR '1'='1",
        "1; SELECT pg_sleep(5)",
        "1' AND (SELECT pg_sleep(5)) IS NULL --",
        "admin'--",
        "%' OR name LIKE '%",
        "_%\\",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "\"><svg onload=alert(1)>",
        "javascript:alert(1)",
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "..\\..\\windows\\win.ini",
        "{{7*7}}",
        "${7*7}",
        "${jndi:ldap://x}",
        "%s%s%n%x",
        "$(reboot) `id`",
        "a\u{0}b",
        "\u{0}",
        "\\u0000 written out",
        "line\r\nSet-Cookie: x=1",
        "\u{202e}gnp.exe",
        "zero\u{200b}width\u{feff}joiner\u{200d}",
        "👩\u{200d}👩\u{200d}👧 🇨🇳 😀",
        "黑河新闻网：因地制宜",
        "\u{fffd}\u{fffe}\u{ffff}",
        "\u{1f}\u{7f}",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    c.extend(extreme_dates());
    c.push("长".repeat(5000));
    c.push("x".repeat(70_000));
    c
}

/// Dates at and beyond the ends of what PostgreSQL and chrono can hold.
fn extreme_dates() -> Vec<String> {
    [
        "-5000-01-01T00:00:00Z",
        "+200000-01-01T00:00:00Z",
        "+262143-12-31T23:59:59Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z",
        "2024-02-30T00:00:00Z",
        "2024-01-01T00:00:00+99:00",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// What may legitimately happen to a stored string.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stored {
    /// Answered back as sent, outer white space trimmed.
    Trimmed,
    /// Sanitized HTML: no script may survive.
    Html,
    /// A tag name: white space folded.
    Tag,
    /// A timestamp: answered back normalised, so only checked to be one.
    Time,
    /// A field of a curated board's first entry (the body is the list of entries).
    Entry,
}

/// Sanitized HTML may keep the words of an attack as text, but no tag that runs anything.
fn assert_inert(html: &str, what: &str) {
    let tags = regex::Regex::new(r"<[^>]*>").unwrap();
    let bad = regex::Regex::new(
        r#"(?i)^</?(script|svg|iframe|object|embed|style|link|meta|base|form)\b|\son[a-z]+\s*=|=\s*["']?\s*(javascript|data|vbscript):"#,
    )
    .unwrap();
    for tag in tags.find_iter(html) {
        assert!(
            !bad.is_match(tag.as_str()),
            "{what}: `{}` survived in {html:.300}",
            tag.as_str()
        );
    }
}

fn put_value(body: &mut Value, field: &str, how: Stored, value: &str, article: i64) {
    match how {
        Stored::Tag => body[field] = json!([value]),
        Stored::Entry => *body = json!([{ "article_id": article, field: value }]),
        _ => body[field] = json!(value),
    }
}

fn read_back<'a>(obj: &'a Value, field: &str, how: Stored) -> Option<&'a str> {
    match how {
        Stored::Tag => obj["tags"][0]["name"].as_str(),
        Stored::Entry => obj["entries"][0][field].as_str(),
        _ => obj[field].as_str(),
    }
}

fn expected(value: &str, how: Stored) -> String {
    match how {
        Stored::Tag => value.split_whitespace().collect::<Vec<_>>().join(" "),
        _ => value.trim().to_owned(),
    }
}

fn short(v: &Value) -> String {
    v.to_string().chars().take(300).collect()
}

/// Checks what came back for one value; true when it was stored.
fn judge(status: u16, res: &Value, field: &str, how: Stored, value: &str, what: &str) -> bool {
    assert!(status < 500, "{what}: {status} {}", short(res));
    if status >= 400 {
        assert!(
            res["code"].is_string() && res["status"] == status,
            "{what}: {}",
            short(res)
        );
        return false;
    }
    assert!((200..300).contains(&status), "{what}: {status}");
    let got = read_back(res, field, how);
    if how == Stored::Html {
        assert_inert(got.unwrap_or_default(), what);
    } else if how == Stored::Time || field.ends_with("_at") {
        let t = chrono::DateTime::parse_from_rfc3339(got.unwrap_or_default());
        assert!(t.is_ok(), "{what}: stored as {got:?}");
    } else if got != Some(expected(value, how).as_str()) {
        panic!("{what}: stored as {:.200?}", got);
    }
    true
}

struct Fixture {
    token: String,
    category: i64,
    article: i64,
}

/// One write endpoint: method, path, a valid body to start from, its string fields.
struct Endpoint {
    method: &'static str,
    path: String,
    base: Value,
    fields: Vec<(&'static str, Stored)>,
    /// Where the stored object is read back (the resource's own URL), from a 2xx answer.
    read: fn(&Value) -> Option<String>,
}

async fn count(app: &TestApp, table: &str) -> i64 {
    app.sql_i64(&format!("SELECT count(*) AS n FROM {table}"))
        .await
}

async fn tables(app: &TestApp) -> i64 {
    app.sql_i64("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'")
        .await
}

async fn fixture(app: &TestApp) -> Fixture {
    let (token, _) = app.staff(Role::Admin).await;
    let (_, cat) = app
        .post_json(
            "/api/v1/categories",
            &token,
            json!({ "name": "fixture", "slug": "fixture" }),
        )
        .await;
    let category = cat["id"].as_i64().unwrap();
    let article = app
        .create_article(
            &token,
            json!({ "title": "fixture", "category_id": category }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    Fixture {
        token,
        category,
        article,
    }
}

/// Feeds every corpus string into every field of `ep`; returns how many were stored.
async fn feed(app: &TestApp, fx: &Fixture, ep: &Endpoint) -> usize {
    let mut stored = 0;
    for (field, how) in &ep.fields {
        for value in corpus() {
            let mut body = ep.base.clone();
            let unique = uuid::Uuid::new_v4().simple().to_string();
            for key in ["name", "title"] {
                if body.get(key).is_some() && *field != key {
                    body[key] = json!(format!("n{}", &unique[..12]));
                }
            }
            put_value(&mut body, field, *how, &value, fx.article);
            let res = app
                .call(ep.method, &ep.path, Some(&fx.token), Some(body))
                .await;
            let what = format!("{} {} {field}={:.60?}", ep.method, ep.path, value);
            let (status, res) = status_json(res).await;
            if judge(status, &res, field, *how, &value, &what) {
                stored += 1;
                // Read it back from its own URL: the stored value, not just the echo.
                if let Some(url) = (ep.read)(&res) {
                    let (status, again) = app.get_as(&url, Some(&fx.token)).await;
                    assert_eq!(status, 200, "{what}: read back {url}");
                    judge(
                        status,
                        &again,
                        field,
                        *how,
                        &value,
                        &format!("{what} (read back)"),
                    );
                }
            }
        }
    }
    stored
}

const TABLES: [&str; 6] = [
    "categories",
    "sources",
    "authors",
    "articles",
    "rankings",
    "users",
];

#[tokio::test]
async fn injection_strings_through_every_write_endpoint() {
    let app = spawn_app().await;
    let fx = fixture(&app).await;
    let (_, src) = app
        .post_json(
            "/api/v1/sources",
            &fx.token,
            json!({ "name": "fixture-src", "slug": "fixture-src" }),
        )
        .await;
    let (_, author) = app
        .post_json(
            "/api/v1/authors",
            &fx.token,
            json!({ "name": "fixture-author", "slug": "fixture-author" }),
        )
        .await;
    let (_, board) = app
        .post_json(
            "/api/v1/rankings",
            &fx.token,
            json!({ "title": "fixture", "slug": "fixture-board", "kind": "curated" }),
        )
        .await;
    let (src, author, board) = (src["id"].clone(), author["id"].clone(), board["id"].clone());
    let text = Stored::Trimmed;
    let article_fields = vec![
        ("title", text),
        ("kicker", text),
        ("subtitle", text),
        ("summary", text),
        ("body", Stored::Html),
        ("slug", text),
        ("cover_image_url", text),
        ("media_url", text),
        ("published_at", Stored::Time),
        ("offline_at", Stored::Time),
        ("status", text),
        ("kind", text),
        ("tags", Stored::Tag),
    ];
    let endpoints = vec![
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/categories/{}", fx.category),
            base: json!({}),
            fields: vec![("name", text), ("slug", text), ("description", text)],
            read: |v| {
                v["id"]
                    .as_i64()
                    .map(|id| format!("/api/v1/categories/{id}"))
            },
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/categories".into(),
            base: json!({ "name": "x", "parent_id": fx.category }),
            fields: vec![("name", text), ("slug", text), ("description", text)],
            read: |v| {
                v["id"]
                    .as_i64()
                    .map(|id| format!("/api/v1/categories/{id}"))
            },
        },
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/sources/{src}"),
            base: json!({}),
            fields: vec![
                ("name", text),
                ("slug", text),
                ("homepage_url", text),
                ("kind", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/sources/{id}")),
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/sources".into(),
            base: json!({ "name": "x" }),
            fields: vec![
                ("name", text),
                ("slug", text),
                ("homepage_url", text),
                ("kind", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/sources/{id}")),
        },
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/authors/{author}"),
            base: json!({}),
            fields: vec![
                ("name", text),
                ("slug", text),
                ("affiliation", text),
                ("bio", text),
                ("avatar_url", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/authors/{id}")),
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/authors".into(),
            base: json!({ "name": "x" }),
            fields: vec![
                ("name", text),
                ("slug", text),
                ("affiliation", text),
                ("bio", text),
                ("avatar_url", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/authors/{id}")),
        },
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/articles/{}", fx.article),
            base: json!({}),
            fields: article_fields.clone(),
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/articles/{id}")),
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/articles".into(),
            base: json!({ "title": "x", "category_id": fx.category }),
            fields: article_fields,
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/articles/{id}")),
        },
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/rankings/{board}"),
            base: json!({}),
            fields: vec![
                ("title", text),
                ("slug", text),
                ("description", text),
                ("window", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/rankings/{id}")),
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/rankings".into(),
            base: json!({ "title": "x", "kind": "curated" }),
            fields: vec![
                ("title", text),
                ("slug", text),
                ("description", text),
                ("kind", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/rankings/{id}")),
        },
        Endpoint {
            method: "PUT",
            path: format!("/api/v1/rankings/{board}/entries"),
            base: json!([]),
            fields: vec![
                ("note", Stored::Entry),
                ("starts_at", Stored::Entry),
                ("ends_at", Stored::Entry),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/rankings/{id}")),
        },
    ];
    let tables_before = tables(&app).await;
    let mut before = Vec::new();
    for t in TABLES {
        before.push(count(&app, t).await);
    }
    let mut created = std::collections::HashMap::new();
    for ep in &endpoints {
        let stored = feed(&app, &fx, ep).await;
        // Plain text (Chinese, emoji, quotes, markup as text) is accepted everywhere.
        assert!(stored > 0, "{} {} stored nothing", ep.method, ep.path);
        if ep.method == "POST" {
            *created
                .entry(ep.path.trim_start_matches("/api/v1/").to_owned())
                .or_insert(0) += stored as i64;
        }
    }
    assert_eq!(tables(&app).await, tables_before, "no table was dropped");
    for (t, n) in TABLES.iter().zip(before) {
        let want = n + created.get(*t).copied().unwrap_or(0);
        assert_eq!(
            count(&app, t).await,
            want,
            "rows of {t}: only what was accepted"
        );
    }
    // Everything is still readable in lists (the stored strings serialize back out).
    for list in [
        "/api/v1/categories",
        "/api/v1/sources",
        "/api/v1/authors",
        "/api/v1/articles?per_page=100",
        "/api/v1/rankings",
        "/api/v1/tags",
    ] {
        let (status, _) = app.get_as(list, Some(&fx.token)).await;
        assert_eq!(status, 200, "{list}");
        let (status, _) = app.get_as(list, None).await;
        assert_eq!(status, 200, "{list} (public)");
    }
}

#[tokio::test]
async fn injection_strings_at_login_are_just_wrong_credentials() {
    let app = spawn_app().await;
    app.create_user("editor@example.com", Role::Editor).await;
    for value in corpus() {
        for body in [
            json!({ "email": value, "password": PASSWORD }),
            json!({ "email": "editor@example.com", "password": value }),
            json!({ "email": value, "password": value }),
        ] {
            let res = app.post("/api/v1/auth/login").json(&body).send().await;
            let (status, res) = status_json(res.unwrap()).await;
            let what = format!("login {:.80}", body.to_string());
            assert!(
                matches!(status, 401 | 413 | 422 | 429),
                "{what}: {status} {res}"
            );
            assert!(res["code"].is_string(), "{what}: {res}");
        }
    }
    assert_eq!(
        app.login("editor@example.com", PASSWORD).await.status(),
        200
    );
    assert_eq!(count(&app, "users").await, 1);
}

/// A JSON object with one member `"field": <value>` (raw bytes), shaped for the endpoint.
fn object_with(path: &str, field: &str, value: &[u8]) -> Vec<u8> {
    let member = [format!("\"{field}\": ").as_bytes(), value].concat();
    if path.ends_with("/entries") {
        [b"[{\"article_id\": 1, ".as_slice(), &member, b"}]"].concat()
    } else {
        [b"{".as_slice(), &member, b"}"].concat()
    }
}

/// Bytes that are not valid UTF-8 (an overlong `/`), lone surrogates and runaway nesting, sent
/// as raw bodies to every write endpoint: a 400 or 422 problem each, nothing written.
#[tokio::test]
async fn undecodable_bodies_are_refused_everywhere() {
    let app = spawn_app().await;
    let fx = fixture(&app).await;
    let writes = [
        ("POST", "/api/v1/categories".to_owned(), "name"),
        (
            "PATCH",
            format!("/api/v1/categories/{}", fx.category),
            "description",
        ),
        ("POST", "/api/v1/sources".to_owned(), "name"),
        ("POST", "/api/v1/authors".to_owned(), "name"),
        ("POST", "/api/v1/articles".to_owned(), "title"),
        ("PATCH", format!("/api/v1/articles/{}", fx.article), "body"),
        ("POST", "/api/v1/rankings".to_owned(), "title"),
        ("PUT", "/api/v1/rankings/1/entries".to_owned(), "note"),
        ("POST", "/api/v1/auth/login".to_owned(), "email"),
    ];
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    // (case, the value of the field, or a whole body; the status it must get)
    let cases: Vec<(&str, Vec<u8>, bool, u16)> = vec![
        (
            "overlong utf-8",
            [b"\"a".as_slice(), &[0xC0, 0xAF], b"b\""].concat(),
            false,
            400,
        ),
        (
            "invalid utf-8",
            [b"\"".as_slice(), &[0xFF, 0xFE], b"\""].concat(),
            false,
            400,
        ),
        (
            "utf-8 surrogate bytes",
            [b"\"".as_slice(), &[0xED, 0xA0, 0x80], b"\""].concat(),
            false,
            400,
        ),
        ("lone surrogate", b"\"\\ud800\"".to_vec(), false, 400),
        ("lone low surrogate", b"\"x\\udfff\"".to_vec(), false, 400),
        ("escaped NUL", b"\"a\\u0000b\"".to_vec(), false, 422),
        (
            "nested arrays in a field",
            nested.clone().into_bytes(),
            false,
            422,
        ),
        (
            "10,000 nested arrays",
            "[".repeat(10_000).into_bytes(),
            true,
            400,
        ),
        (
            "10,000 nested objects",
            "{\"a\":".repeat(10_000).into_bytes(),
            true,
            400,
        ),
    ];
    let mut before = Vec::new();
    for t in TABLES {
        before.push(count(&app, t).await);
    }
    for (method, path, field) in &writes {
        for (case, bytes, whole, want) in &cases {
            let body = if *whole {
                bytes.clone()
            } else {
                object_with(path, field, bytes)
            };
            let raw = raw_request(&app.address, body_request(method, path, &fx.token, &body)).await;
            let what = format!("{method} {path} {field}: {case}");
            let status = raw.status.unwrap_or(0);
            // Nesting is refused by shape (422) where the target is not a list, else by depth.
            let ok = status == *want || (case.contains("nested") && status == 422);
            assert!(
                ok,
                "{what}: {}\n{}",
                raw.head,
                String::from_utf8_lossy(&raw.body)
            );
            assert_raw_problem(&raw, status, &what);
        }
    }
    for (t, n) in TABLES.iter().zip(before) {
        assert_eq!(count(&app, t).await, n, "{t}");
    }
}

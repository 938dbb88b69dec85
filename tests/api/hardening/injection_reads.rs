//! The same corpus through every query and path parameter, plus bytes no client library would
//! send: never a 5xx, never a change to the data.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use newsdesk::models::user::Role;
use serde_json::json;

use super::corpus::corpus;
use super::{get_request, raw_request};
use crate::helpers::*;

/// Every byte but the unreserved ones percent-encoded.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Cursors an attacker builds by hand: valid base64 and JSON, hostile contents.
fn forged_cursors() -> Vec<String> {
    [
        json!({ "k": ["a\u{0}b", 1], "d": "n" }),
        json!({ "k": ["'; DROP TABLE sources; --", 1], "d": "p" }),
        json!({ "k": [99_999_999_999_i64, 1], "d": "n" }),
        json!({ "k": [1, i64::MAX], "d": "n" }),
        json!({ "k": [1, i64::MIN], "d": "p" }),
        json!({ "s": "newest", "t": "-5000-01-01T00:00:00Z", "id": 1, "d": "n" }),
        json!({ "k": { "s": "newest", "t": "+200000-01-01T00:00:00Z", "id": 1 }, "d": "n" }),
        json!({ "k": { "s": "popular", "n": i64::MAX, "id": i64::MAX }, "d": "n" }),
        json!({ "k": { "s": "newest", "pin": true, "t": "2024-01-01T00:00:00Z", "id": -1 }, "d": "p" }),
        json!({ "k": "x".repeat(2000), "d": "n" }),
    ]
    .into_iter()
    .map(|c| B64.encode(c.to_string()))
    .collect()
}

/// The corpus less what no client can put in a URL at all (the URL type stops at 64 KiB; the
/// 414 for long URLs is tested with the limits).
fn url_corpus() -> Vec<String> {
    corpus()
        .into_iter()
        .filter(|v| enc(v).len() < 60_000)
        .collect()
}

fn values() -> Vec<String> {
    let mut v = url_corpus();
    v.extend(forged_cursors());
    v
}

async fn probe(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> u16 {
    let res = app.call(method, path, token, None).await;
    let status = res.status().as_u16();
    let ct = header(&res, "content-type");
    let text = res.text().await.unwrap();
    assert!(status < 500, "{method} {path:.200}: {status} {text:.300}");
    if status >= 400 {
        assert_eq!(ct, "application/problem+json", "{method} {path:.200}");
    } else if status != 204 && status != 304 {
        assert!(
            ct.starts_with("application/json"),
            "{method} {path:.200}: {ct}"
        );
    }
    status
}

const LIST_PARAMS: [&str; 16] = [
    "q",
    "category",
    "source",
    "author",
    "tag",
    "kind",
    "status",
    "sort",
    "cursor",
    "published_after",
    "published_before",
    "updated_since",
    "headline",
    "featured",
    "descendants",
    "page",
];

#[tokio::test]
async fn injection_strings_in_query_parameters() {
    let app = spawn_app().await;
    app.seed().await;
    let (staff, _) = app.staff(Role::Editor).await;
    let mut slots: Vec<(String, &str)> = Vec::new();
    for p in LIST_PARAMS {
        slots.push(("/api/v1/articles".into(), p));
        slots.push(("/api/v1/categories/guonei/articles".into(), p));
    }
    for p in [
        "q",
        "category",
        "published_after",
        "published_before",
        "page",
    ] {
        slots.push(("/api/v1/search".into(), p));
    }
    for list in ["/api/v1/sources", "/api/v1/authors", "/api/v1/tags"] {
        slots.push((list.into(), "q"));
        slots.push((list.into(), "cursor"));
        slots.push((list.into(), "per_page"));
    }
    slots.push(("/api/v1/rankings".into(), "cursor"));
    slots.push(("/api/v1/trash/articles".into(), "cursor"));
    slots.push(("/api/v1/categories".into(), "flat"));
    for p in ["window", "category", "limit"] {
        slots.push(("/api/v1/rankings/most-read".into(), p));
    }
    slots.push(("/api/v1/articles/1".into(), "include"));
    slots.push(("/api/v1/articles/1/related".into(), "limit"));
    let before = app.sql_i64("SELECT count(*) AS n FROM articles").await;
    for value in values() {
        for (path, param) in &slots {
            let url = format!("{path}?{param}={}", enc(&value));
            probe(&app, "GET", &url, None).await;
            probe(&app, "GET", &url, Some(&staff)).await;
        }
    }
    assert_eq!(
        app.sql_i64("SELECT count(*) AS n FROM articles").await,
        before
    );
}

#[tokio::test]
async fn injection_strings_as_path_keys_find_nothing_and_change_nothing() {
    let app = spawn_app().await;
    app.seed().await;
    let (admin, _) = app.staff(Role::Admin).await;
    let counts = "SELECT (SELECT count(*) FROM categories) + (SELECT count(*) FROM sources) \
                  + (SELECT count(*) FROM authors) + (SELECT count(*) FROM articles \
                  WHERE deleted_at IS NULL) + (SELECT count(*) FROM rankings) AS n";
    let before = app.sql_i64(counts).await;
    let routes: [(&str, &str); 22] = [
        ("GET", "/api/v1/articles/{}"),
        ("GET", "/api/v1/articles/{}/related"),
        ("GET", "/api/v1/articles/{}/revisions"),
        ("GET", "/api/v1/articles/{}/revisions/1"),
        ("POST", "/api/v1/articles/{}/views"),
        ("POST", "/api/v1/articles/{}/restore"),
        ("POST", "/api/v1/articles/{}/revisions/1/restore"),
        ("PATCH", "/api/v1/articles/{}"),
        ("DELETE", "/api/v1/articles/{}"),
        ("DELETE", "/api/v1/trash/articles/{}"),
        ("GET", "/api/v1/authors/{}"),
        ("DELETE", "/api/v1/authors/{}"),
        ("GET", "/api/v1/categories/{}"),
        ("GET", "/api/v1/categories/{}/articles"),
        ("DELETE", "/api/v1/categories/{}"),
        ("GET", "/api/v1/rankings/{}"),
        ("PUT", "/api/v1/rankings/{}/entries"),
        ("DELETE", "/api/v1/rankings/{}"),
        ("GET", "/api/v1/sources/{}"),
        ("DELETE", "/api/v1/sources/{}"),
        ("PATCH", "/api/v1/sources/{}"),
        ("GET", "/api/v1/articles/1/revisions/{}"),
    ];
    for value in url_corpus() {
        for (method, route) in routes {
            let path = route.replace("{}", &enc(&value));
            let token = if method == "GET" {
                None
            } else {
                Some(admin.as_str())
            };
            let status = probe(&app, method, &path, token).await;
            assert!(
                status >= 400 || method == "GET",
                "{method} {path:.120}: {status}"
            );
        }
        // The beacon's visitor id is a header: any text is just an opaque id.
        if let Ok(id) = reqwest::header::HeaderValue::from_bytes(value.as_bytes()) {
            let res = app
                .post("/api/v1/articles/1/views")
                .header("x-visitor-id", id);
            let status = res.send().await.unwrap().status().as_u16();
            assert!(status < 500, "visitor id {value:.60}: {status}");
        }
    }
    assert_eq!(app.sql_i64(counts).await, before);
}

/// Raw request targets: bytes that are not UTF-8 once decoded, bad escapes, NUL, and traversal
/// that a client library would normalise away.
#[tokio::test]
async fn raw_targets_are_refused_cleanly() {
    let app = spawn_app().await;
    app.seed().await;
    let targets: Vec<Vec<u8>> = vec![
        b"/api/v1/articles?q=%C0%AF".to_vec(),
        b"/api/v1/articles?q=a%00b".to_vec(),
        b"/api/v1/search?q=%FF%FE".to_vec(),
        b"/api/v1/sources?q=%".to_vec(),
        b"/api/v1/sources?q=%zz".to_vec(),
        b"/api/v1/tags?q=%ED%A0%80".to_vec(),
        b"/api/v1/categories/%C0%AF".to_vec(),
        b"/api/v1/categories/a%00b".to_vec(),
        b"/api/v1/tags?%C0%AF=1".to_vec(),
        [b"/api/v1/articles?q=".as_slice(), &[0xC0, 0xAF]].concat(),
        [b"/api/v1/categories/".as_slice(), &[0xC0, 0xAF]].concat(),
        b"/api/v1/../../../etc/passwd".to_vec(),
        b"/docs/../../../../etc/passwd".to_vec(),
        b"/docs/..%2F..%2F..%2F..%2Fetc%2Fpasswd".to_vec(),
        b"/docs/%2e%2e/%2e%2e/%2e%2e/etc/passwd".to_vec(),
        b"/api/v1/categories/..%2F..%2F..%2Fetc%2Fpasswd".to_vec(),
        b"//etc/passwd".to_vec(),
    ];
    for target in targets {
        let raw = raw_request(&app.address, get_request(&target, b"")).await;
        let what = String::from_utf8_lossy(&target).into_owned();
        let status = raw.status.unwrap_or(0);
        assert!(
            (400..500).contains(&status) || status == 200,
            "{what}: {}",
            raw.head
        );
        let body = String::from_utf8_lossy(&raw.body).into_owned();
        assert!(!body.contains("root:"), "{what}: {body:.200}");
        if status >= 400 && !raw.body.is_empty() {
            assert_eq!(
                raw.header("content-type").as_deref(),
                Some("application/problem+json"),
                "{what}"
            );
        }
    }
}
